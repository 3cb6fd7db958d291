"""`cxsched validate --fix`: add to schedule files the blackouts their calling laws require.

For each file, the fix (`reconciler.laws.fix`) is computed from the file as it is, the new
blackout periods are appended to its `blackoutPeriods` keeping comments and layout
(`reconciler.adopt.yamledit`), and the file is replaced atomically. `describe` says, per
file, what was added and how much callable time it removes, what could not be fixed, and
which jurisdictions conflict.

Errors: `InputError` when a file cannot be read or written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from reconciler.adopt.yamledit import append_items, read_text
from reconciler.laws.audience import audience_of
from reconciler.laws.catalog import catalog
from reconciler.laws.fix import Fix, plan_fix
from reconciler.laws.policy import LawPolicy
from reconciler.laws.proof import Audience
from reconciler.loader import load_file
from reconciler.util.atomic import atomic_write
from reconciler.validate.rules.legal import policy_of, subject_of
from reconciler.validate.rules.view import ScheduleView

__all__ = ["FileFix", "describe", "fix_files"]


@dataclass(frozen=True, slots=True)
class FileFix:
    """The fix of one file (applied when it adds blackouts)."""

    path: str
    fix: Fix


def fix_files(
    paths: Sequence[str], audiences: Mapping[str, Audience], policy: LawPolicy
) -> list[FileFix]:
    """Fix each schedule file of `paths` in place; the fixes with something to say."""
    found = []
    for path in paths:
        item = _fix_file(path, audiences, policy)
        if item is not None:
            found.append(item)
    return found


def _fix_file(path: str, audiences: Mapping[str, Audience], policy: LawPolicy) -> FileFix | None:
    document = load_file(path, path).document
    if document is None:
        return None
    subject = subject_of(ScheduleView.of(document.data))
    if subject is None:
        return None
    audience, _ = audience_of(document.data, audiences)
    fix = plan_fix(subject, audience, catalog(), policy_of(document.data, policy))
    if fix.blackouts:
        zone = ZoneInfo(subject.zone)
        items = [
            {
                "startTime": b.start.astimezone(zone).isoformat(),
                "endTime": b.end.astimezone(zone).isoformat(),
                "reason": b.reason,
            }
            for b in fix.blackouts
        ]
        text = read_text(Path(path))
        atomic_write(Path(path), append_items(text, "blackoutPeriods", items, where=path))
    if fix.blackouts or fix.narrow or fix.conflicts:
        return FileFix(path, fix)
    return None


def describe(item: FileFix) -> list[str]:
    """What the fix of one file did and what it leaves to a person, one line each."""
    fix = item.fix
    lines = []
    if fix.blackouts:
        count = len(fix.blackouts)
        lines.append(
            f"{item.path}: added {count} blackout period{'s' if count != 1 else ''} the calling "
            f"laws require, removing {fix.removed_minutes / 60:.1f} hours of callable time "
            "(not legal advice)"
        )
    lines.extend(f"{item.path}: not fixed: {advice}" for advice in fix.narrow)
    lines.extend(f"{item.path}: conflict: {advice}" for advice in fix.conflicts)
    return lines
