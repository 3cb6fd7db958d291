"""Test helpers for the Admin API profile: a client of an `AdminEmulator`, a CLI runner."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import CliRunner, Result

from reconciler.admin import AdminClient, AdminSettings
from reconciler.cli import main
from reconciler.emulator.admin import AdminEmulator

__all__ = ["Clock", "admin_client", "run_cli"]


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def admin_client(
    emulator: AdminEmulator,
    *,
    sleeps: list[float] | None = None,
    clock: Callable[[], float] | None = None,
    **overrides: str,
) -> AdminClient:
    """A client of `emulator`; retry waits are recorded in `sleeps` instead of slept."""
    environ = {**emulator.env(), "CXONE_RPS": "200", **overrides}
    settings = AdminSettings.resolve(environ=environ, env_file=None)
    recorded = sleeps if sleeps is not None else []
    if clock is None:
        return AdminClient(settings, sleep=recorded.append)
    return AdminClient(settings, sleep=recorded.append, clock=clock)


def run_cli(emulator: AdminEmulator, *args: str) -> Result:
    """Run `cxsched ARGS` in the current directory against `emulator`."""
    env = {**emulator.env(), "CXONE_RPS": "200", "CXSCHED_ACTOR": "test"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
