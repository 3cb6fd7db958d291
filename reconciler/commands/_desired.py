"""The desired state for a command that talks to the API: validated first, as everywhere.

Findings go to stderr in `cxsched validate`'s text format (stdout belongs to the command's own
output), and an error stops the command with exit 1 before any write reaches the API: before
any call at all, except for `plan` and `apply`, which read the tenant while the files are
validated (`reconciler.plan.prefetch`) and discard what was read when they do not validate
(docs/architecture.md, "Nothing reaches the API before the whole desired state validates").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click

from reconciler.config import RepoConfig
from reconciler.errors import CxschedError, InputError
from reconciler.model import Finding
from reconciler.validate.desired import DesiredState, load_desired
from reconciler.validate.report import render_findings, summary_line

__all__ = [
    "DEFAULT_PATHS",
    "NO_CALL",
    "echo_findings",
    "load_valid_desired",
    "validate_first_on_error",
]

DEFAULT_PATHS = (Path("schedules"),)
#: What an invalid desired state stops, said when no call was made.
NO_CALL = "no API call was made"


def load_valid_desired(
    paths: Sequence[Path],
    repo: RepoConfig,
    *,
    started: Callable[[], object] | None = None,
    stopped: str = NO_CALL,
) -> DesiredState:
    """The desired state of `paths` (default schedules/); InputError when it has errors.

    `started` is `load_desired`'s hook (start reading the tenant); `stopped` says in the error
    what did not happen.
    """
    desired = load_desired(paths or DEFAULT_PATHS, repo, started=started)
    echo_findings(desired.findings, len(desired.files))
    if desired.has_errors():
        raise InputError(f"the desired state does not validate; {stopped}")
    return desired


def echo_findings(findings: Sequence[Finding], files: int) -> None:
    """Findings in validate's text format, then its summary line, on stderr."""
    if findings:
        click.echo(render_findings(findings, "text", files=files), err=True, nl=False)
        click.echo(summary_line(findings, files=files), err=True)


@contextmanager
def validate_first_on_error(paths: Sequence[Path], repo: RepoConfig) -> Iterator[None]:
    """Around the client setup of a command that validates while it reads: when the setup
    fails (no credentials), the desired state's errors are still reported first, as when
    validation came before everything."""
    try:
        yield
    except CxschedError:
        load_valid_desired(paths, repo)
        raise
