"""The desired state for a command that talks to the API: validated first, as everywhere.

Findings go to stderr in `cxsched validate`'s text format (stdout belongs to the command's own
output), and an error stops the command with exit 1 before any API call (docs/architecture.md,
"Nothing reaches the API before the whole desired state validates").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.config import RepoConfig
from reconciler.errors import InputError
from reconciler.model import Finding
from reconciler.validate.desired import DesiredState, load_desired
from reconciler.validate.report import render_findings, summary_line

__all__ = ["DEFAULT_PATHS", "echo_findings", "load_valid_desired"]

DEFAULT_PATHS = (Path("schedules"),)


def load_valid_desired(paths: Sequence[Path], repo: RepoConfig) -> DesiredState:
    """The desired state of `paths` (default schedules/); InputError when it has errors."""
    desired = load_desired(paths or DEFAULT_PATHS, repo)
    echo_findings(desired.findings, len(desired.files))
    if desired.has_errors():
        raise InputError("the desired state does not validate; no API call was made")
    return desired


def echo_findings(findings: Sequence[Finding], files: int) -> None:
    """Findings in validate's text format, then its summary line, on stderr."""
    if findings:
        click.echo(render_findings(findings, "text", files=files), err=True, nl=False)
        click.echo(summary_line(findings, files=files), err=True)
