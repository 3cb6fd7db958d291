"""What the analytics commands (optimize, adherence, export) share: --now and the audit record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.audit.trail import AuditTrail, run_context, trail_path
from reconciler.config import RepoConfig
from reconciler.errors import InputError

__all__ = ["append_audit", "parse_now"]


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


def append_audit(repo: RepoConfig, words: Sequence[str], record: Mapping[str, Any]) -> None:
    """One record of this run in the repository's audit trail."""
    AuditTrail(trail_path(repo), run_context(" ".join(words))).append(record)
