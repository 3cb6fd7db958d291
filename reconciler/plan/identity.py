"""Identity and ownership: which live schedule each desired file declares.

Within one campaign, a desired schedule is matched by its pinned `scheduleId` when the file has
one (so a rename is an update), else by name; a live schedule is claimed at most once. Live
schedules left unclaimed are not declared by any file: the plan reports them as unmanaged, or
deletes them when the campaign opts in to pruning.

Errors: `reconciler.errors.PlanError` when a pinned id is gone from the tenant or is pinned by
two files; the message lists every such file and says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from reconciler.errors import PlanError
from reconciler.model import DesiredSchedule, LiveSchedule

__all__ = ["Match", "match_campaign", "source_path"]


class Match(NamedTuple):
    """The pairing of one campaign's desired and live schedules."""

    pairs: list[tuple[DesiredSchedule, LiveSchedule | None]]  # None: not live yet
    rest: list[LiveSchedule]  # live schedules that no file declares


def source_path(path: Path) -> str:
    """A desired file's path relative to the working directory (POSIX), else as given."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def match_campaign(desired: Sequence[DesiredSchedule], live: Sequence[LiveSchedule]) -> Match:
    """Pair desired with live schedules of one campaign: pinned ids first, then names."""
    by_id = {item.schedule_id: item for item in live}
    by_name: dict[str, LiveSchedule] = {}
    for schedule in sorted(live, key=lambda s: s.schedule_id, reverse=True):
        by_name[schedule.name] = schedule  # on a duplicate name, the smallest id wins
    _check_pins(desired, by_id)
    claimed = {item.schedule_id for item in desired if item.schedule_id is not None}
    pairs: list[tuple[DesiredSchedule, LiveSchedule | None]] = []
    for item in desired:
        if item.schedule_id is not None:
            pairs.append((item, by_id[item.schedule_id]))
            continue
        found = by_name.get(item.name)
        if found is not None and found.schedule_id in claimed:
            found = None
        if found is not None:
            claimed.add(found.schedule_id)
        pairs.append((item, found))
    return Match(pairs, [other for other in live if other.schedule_id not in claimed])


def _check_pins(desired: Sequence[DesiredSchedule], by_id: Mapping[str, LiveSchedule]) -> None:
    problems: list[str] = []
    seen: dict[str, DesiredSchedule] = {}
    for item in desired:
        pin = item.schedule_id
        if pin is None:
            continue
        if pin in seen:
            problems.append(_twice(item, seen[pin], pin))
        seen[pin] = item
        if pin not in by_id:
            problems.append(_gone(item, pin))
    if problems:
        raise PlanError("cannot plan:\n  " + "\n  ".join(problems))


def _gone(item: DesiredSchedule, pin: str) -> str:
    return (
        f"{source_path(item.path)}: schedule {item.name!r} is pinned to scheduleId {pin!r}, "
        f"which no longer exists in campaign {item.campaign_id!r} (it was deleted on the "
        "tenant); remove the scheduleId line to create it again, or delete the file to let it go"
    )


def _twice(item: DesiredSchedule, first: DesiredSchedule, pin: str) -> str:
    return (
        f"{source_path(item.path)}: scheduleId {pin!r} is also pinned by "
        f"{source_path(first.path)}; a live schedule can be declared by one file only: "
        "remove the pin from one of them"
    )
