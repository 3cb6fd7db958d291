"""Rules across files: a (campaign, name) or a pinned schedule id declared twice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from reconciler.loader import Document, Position
from reconciler.model import Finding

__all__ = ["ScheduleKey", "check_duplicates", "key_of"]


class ScheduleKey(NamedTuple):
    """What identifies a schedule file, and where it says so."""

    path: str
    campaign_id: str
    name: str | None
    schedule_id: str | None
    name_at: Position
    id_at: Position


def key_of(document: Document) -> ScheduleKey | None:
    """The key of a document whose campaignId is a string, else None."""
    data = document.data
    campaign, name, pinned = data.get("campaignId"), data.get("name"), data.get("scheduleId")
    if not isinstance(campaign, str):
        return None
    return ScheduleKey(
        document.path,
        campaign,
        name if isinstance(name, str) else None,
        pinned if isinstance(pinned, str) else None,
        document.locate("/name"),
        document.locate("/scheduleId"),
    )


def check_duplicates(keys: Iterable[ScheduleKey]) -> list[Finding]:
    """A `duplicate-schedule` error on every file after the first declaring the same schedule."""
    names: dict[tuple[str, str], ScheduleKey] = {}
    pinned: dict[tuple[str, str], ScheduleKey] = {}
    found: list[Finding] = []
    for key in sorted(keys, key=lambda item: item.path):
        if key.name is not None:
            first = names.setdefault((key.campaign_id, key.name), key)
            if first is not key:
                message = (
                    f"campaign {key.campaign_id!r} already has a schedule named {key.name!r} "
                    f"in {first.path}:{first.name_at.line}; names are unique in a campaign: "
                    "rename one"
                )
                found.append(_finding(key, key.name_at, "/name", message))
        if key.schedule_id is not None:
            first = pinned.setdefault((key.campaign_id, key.schedule_id), key)
            if first is not key:
                message = (
                    f"scheduleId {key.schedule_id!r} is also pinned in {first.path}:"
                    f"{first.id_at.line}; one live schedule belongs to one file: remove one"
                )
                found.append(_finding(key, key.id_at, "/scheduleId", message))
    return found


def _finding(key: ScheduleKey, at: Position, pointer: str, message: str) -> Finding:
    return Finding(key.path, at.line, at.column, pointer, "duplicate-schedule", "error", message)
