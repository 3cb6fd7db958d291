"""`cxsched emulator serve`: run the local CXone emulator in the foreground.

It prints its base URL and a demo client id and secret once at start-up (the only place a
secret is ever printed: it is a throw-away credential of a local emulator), then the campaigns
it has and where they came from (the subfolders of `--seed PATH`, default `./schedules` when
present; `--empty` seeds none), then serves until SIGINT or SIGTERM and exits 0.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import click

from reconciler.cxone.settings import is_loopback
from reconciler.errors import InputError

__all__ = ["command"]

_DEFAULT_SEED_DIR = Path("schedules")


@contextlib.contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (handlers restored after)."""
    stop = threading.Event()

    def _handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve_until_stopped(
    emulator: contextlib.AbstractContextManager[Any], banner: Callable[[], list[str]]
) -> None:
    """Start `emulator`, print `banner()` (read once it listens), serve until SIGINT/SIGTERM."""
    with _stop_signals() as stop, emulator:
        for line in banner():
            click.echo(line)
        while not stop.wait(0.5):
            pass
    click.echo("cxsched emulator stopped")


@click.group(name="emulator")
def command() -> None:
    """A local CXone emulator: the contract's API over HTTP, for demos, tests and CI."""


@command.command()
@click.option(
    "--profile",
    type=click.Choice(["rest-contract", "admin"]),
    default="rest-contract",
    show_default=True,
    help="The API to serve: the REST contract, or CXone's Admin API (skills).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port; 0 picks a free one.")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file keeping the tenant's state across restarts (default: in memory).",
)
@click.option(
    "--seed",
    "--seed-dir",
    "seed_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder whose subfolders name the campaigns (default: ./schedules if present).",
)
@click.option("--empty", is_flag=True, help="Seed no campaign from a folder (an empty tenant).")
@click.option("--campaign", "campaigns", multiple=True, help="Another campaign id (repeatable).")
@click.option("--rps", type=click.FloatRange(min=0, min_open=True), help="Rate limit, req/s.")
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0, help="Added latency.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Fault share.")
@click.option(
    "--random-seed",
    "seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the synthetic history and of injected faults.",
)
@click.option("--token-ttl", type=click.FloatRange(min=1), default=3600.0, help="Token life, s.")
@click.option("--client-id", default="cxsched-demo", show_default=True, help="OAuth client id.")
@click.option("--client-secret", help="OAuth client secret (default: a new one per start).")
@click.option(
    "--editor-interval",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds between edits of a concurrent editor (default: off).",
)
def serve(
    *,
    profile: str,
    host: str,
    port: int,
    allow_remote: bool,
    state_file: Path | None,
    seed_dir: Path | None,
    empty: bool,
    campaigns: tuple[str, ...],
    rps: float | None,
    latency_ms: float,
    fault_rate: float,
    seed: int,
    token_ttl: float,
    client_id: str,
    client_secret: str | None,
    editor_interval: float | None,
) -> None:
    """Serve the emulator until interrupted (Ctrl-C or SIGTERM)."""
    from reconciler.emulator import Emulator

    if not allow_remote and not is_loopback(host):
        raise InputError(
            f"--host {host} is not a loopback address; the emulator has no real security, "
            "so pass --allow-remote to listen on it anyway"
        )
    if profile == "admin":
        if state_file is not None or seed_dir is not None or campaigns:
            raise click.UsageError("--state, --seed-dir and --campaign are for the REST contract")
        _serve_admin(
            host=host,
            port=port,
            rps=rps,
            token_ttl=token_ttl,
            client_id=client_id,
            client_secret=client_secret,
            editor_interval=editor_interval,
        )
        return
    if empty and seed_dir is not None:
        raise InputError("--empty and --seed contradict each other; pass one of them")
    if seed_dir is None and not empty and _DEFAULT_SEED_DIR.is_dir():
        seed_dir = _DEFAULT_SEED_DIR
    emulator = Emulator(
        seed_dir=seed_dir,
        campaigns=campaigns,
        state_file=state_file,
        rps=rps,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        seed=seed,
        token_ttl=token_ttl,
        editor_interval=editor_interval,
        client_id=client_id,
        client_secret=client_secret,
        host=host,
        port=port,
    )
    _serve_until_stopped(
        emulator,
        lambda: [
            f"cxsched emulator listening on {emulator.base_url}",
            f"demo client id: {emulator.client_id}",
            f"demo client secret: {emulator.client_secret}",
            _seeded(emulator.campaign_ids(), seed_dir),
        ],
    )


def _serve_admin(
    *,
    host: str,
    port: int,
    rps: float | None,
    token_ttl: float,
    client_id: str,
    client_secret: str | None,
    editor_interval: float | None,
) -> None:
    from reconciler.emulator.admin import AdminEmulator

    emulator = AdminEmulator(
        host=host,
        port=port,
        rps=rps,
        token_ttl=token_ttl,
        client_id=client_id,
        client_secret=client_secret,
        editor_interval=editor_interval,
    )
    _serve_until_stopped(
        emulator,
        lambda: [
            f"cxsched Admin API emulator listening on {emulator.base_url}",
            "throw-away demo settings (export them, or put them in .env):",
            *(f"  {name}={value}" for name, value in emulator.env().items()),
        ],
    )


def _seeded(campaigns: list[str], seed_dir: Path | None) -> str:
    """What the tenant starts with, and how to choose otherwise."""
    if not campaigns:
        return (
            "campaigns: none (an empty tenant; --seed PATH seeds the campaigns of a "
            "schedules folder, --campaign ID adds one)"
        )
    source = (
        f"seeded from the subfolders of {seed_dir}; --seed PATH for another folder, "
        "--empty for none"
        if seed_dir is not None
        else "--seed PATH seeds the campaigns of a schedules folder"
    )
    return f"campaigns: {', '.join(campaigns)} ({source})"
