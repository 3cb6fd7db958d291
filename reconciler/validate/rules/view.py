"""A typed view of a schedule document for the semantic rules.

Values the JSON Schema would reject are left out of the view (a blackout with a malformed time,
a window with an unknown zone), so the rules see only well-formed data and never repeat what
the schema already reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from reconciler.validate.timezones import get_zone

__all__ = ["Blackout", "ScheduleView", "Window", "clock_text", "parse_clock", "parse_instant"]

_INSTANT = re.compile(
    r"(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True, slots=True)
class Blackout:
    """A blackout period with readable times; `index` is its place in the file's list."""

    index: int
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Window:
    """A regulatory window with readable times and a known zone."""

    index: int
    start: time
    end: time
    zone: ZoneInfo
    enabled: bool


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """The well-formed parts of one schedule document."""

    campaign_id: str | None
    zone: ZoneInfo | None
    start: datetime | None
    end: datetime | None
    blackouts: tuple[Blackout, ...]
    windows: tuple[Window, ...]
    unknown_zones: tuple[tuple[str, str], ...]
    instants: tuple[tuple[str, datetime], ...]
    texts: Mapping[str, str]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> ScheduleView:
        reader = _Reader()
        campaign = data.get("campaignId")
        zone = reader.zone("/timeZone", data.get("timeZone"))
        start = reader.instant("/startTime", data.get("startTime"))
        end = reader.instant("/endTime", data.get("endTime"))
        blackouts = tuple(reader.blackouts(data.get("blackoutPeriods")))
        windows = tuple(reader.windows(data.get("regulatoryWindows")))
        return cls(
            campaign if isinstance(campaign, str) else None,
            zone,
            start,
            end,
            blackouts,
            windows,
            tuple(reader.unknown_zones),
            tuple(reader.instants),
            reader.texts,
        )

    def text(self, pointer: str) -> str:
        """The date-time at `pointer` exactly as the file wrote it."""
        return self.texts[pointer]

    @property
    def span(self) -> tuple[datetime, datetime] | None:
        """The schedule's [start, end) when both are readable and in order."""
        if self.start is None or self.end is None or self.start >= self.end:
            return None
        return self.start, self.end


def parse_instant(value: object) -> datetime | None:
    """An ISO 8601 date-time with an offset, or None when `value` is not one."""
    return _instant_of(value) if isinstance(value, str) else None


def parse_clock(value: object) -> time | None:
    """An HH:MM clock time, or None when `value` is not one."""
    return _clock_of(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=8192)
def _instant_of(text: str) -> datetime | None:
    """`parse_instant` of a string, cached: files of one tree repeat their dates."""
    if not _INSTANT.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=2048)
def _clock_of(text: str) -> time | None:
    match = _CLOCK.fullmatch(text)
    return time(int(match[1]), int(match[2])) if match else None


def clock_text(clock: time) -> str:
    return f"{clock:%H:%M}"


class _Reader:
    """Reads the parts of a document, remembering unknown zones and readable date-times."""

    def __init__(self) -> None:
        self.unknown_zones: list[tuple[str, str]] = []
        self.instants: list[tuple[str, datetime]] = []
        self.texts: dict[str, str] = {}

    def zone(self, pointer: str, value: object) -> ZoneInfo | None:
        if not isinstance(value, str) or not value:
            return None
        zone = get_zone(value)
        if zone is None:
            self.unknown_zones.append((pointer, value))
        return zone

    def instant(self, pointer: str, value: object) -> datetime | None:
        parsed = parse_instant(value)
        if parsed is not None:
            assert isinstance(value, str)
            self.instants.append((pointer, parsed))
            self.texts[pointer] = value
        return parsed

    def blackouts(self, items: object) -> list[Blackout]:
        found = []
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, Mapping):
                continue
            pointer = f"/blackoutPeriods/{index}"
            start = self.instant(f"{pointer}/startTime", item.get("startTime"))
            end = self.instant(f"{pointer}/endTime", item.get("endTime"))
            reason = item.get("reason")
            label = reason if isinstance(reason, str) and reason else f"#{index + 1}"
            if start is not None and end is not None:
                found.append(Blackout(index, start, end, label))
        return found

    def windows(self, items: object) -> list[Window]:
        found = []
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, Mapping):
                continue
            zone = self.zone(f"/regulatoryWindows/{index}/timeZone", item.get("timeZone"))
            start, end = parse_clock(item.get("startTime")), parse_clock(item.get("endTime"))
            if zone is not None and start is not None and end is not None:
                found.append(Window(index, start, end, zone, item.get("enabled") is not False))
        return found
