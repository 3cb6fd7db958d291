"""What the analytics commands (optimize, adherence, export) share: paths, --now, audit.

The desired state is validated before any API call, as everywhere in cxsched: findings go to
stderr, and errors stop the command (exit 1) with nothing queried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from reconciler.audit import AuditTrail, run_context, trail_path
from reconciler.config import RepoConfig
from reconciler.desired import DesiredState, load_desired
from reconciler.errors import InputError

__all__ = ["DEFAULT_PATHS", "append_audit", "load_checked", "parse_now"]

DEFAULT_PATHS = (Path("schedules"),)


def parse_now(text: str | None) -> datetime:
    """`--now` (ISO 8601 with an offset) or the real time, in UTC."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(
            f"--now {text!r} is not ISO 8601; write e.g. 2027-01-15T00:00:00Z"
        ) from exc
    if moment.tzinfo is None:
        raise InputError(f"--now {text!r} has no UTC offset; add Z or e.g. -05:00")
    return moment.astimezone(UTC)


def load_checked(paths: Sequence[Path], repo: RepoConfig) -> DesiredState:
    """The desired state of `paths`; InputError (findings on stderr) when it has errors."""
    desired = load_desired(paths or DEFAULT_PATHS, repo)
    for f in desired.findings:
        click.echo(f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule}: {f.message}", err=True)
    if desired.has_errors():
        raise InputError(
            "the desired state does not validate; run cxsched validate, no API call was made"
        )
    return desired


def append_audit(repo: RepoConfig, words: Sequence[str], record: Mapping[str, Any]) -> None:
    """One record of this run in the repository's audit trail."""
    AuditTrail(trail_path(repo), run_context(" ".join(words))).append(record)
