"""IANA time zones: lookup with a "did you mean", and the daylight-saving gaps and folds.

Zone data comes from the system or, where it has none, from the `tzdata` package. A wall-clock
time is in a *gap* when the clocks jump over it (02:30 on a spring-forward day in New York does
not exist) and in a *fold* when it happens twice (01:30 on a fall-back day).
"""

from __future__ import annotations

import difflib
import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, available_timezones

__all__ = [
    "Transition",
    "boundary_status",
    "get_zone",
    "known_zones",
    "suggest_zone",
    "transitions",
    "wall_transition",
]

#: Spans longer than this many years are searched for transitions only in their first part.
_MAX_YEARS = 10
_STEP = timedelta(days=7)
_MARGIN = timedelta(days=2)


class Transition(NamedTuple):
    """A change of a zone's UTC offset at `at` (UTC), from `before` to `after`.

    `wall_start` and `wall_end` bound the naive local times [start, end) that the change skips
    (a gap, when the clocks jump forward) or repeats (a fold, when they fall back).
    """

    at: datetime
    before: timedelta
    after: timedelta
    wall_start: datetime
    wall_end: datetime

    @classmethod
    def between(cls, at: datetime, before: timedelta, after: timedelta) -> Transition:
        low, high = sorted((before, after))
        start = (at + low).replace(tzinfo=None)
        return cls(at, before, after, start, start + (high - low))

    @property
    def kind(self) -> Literal["gap", "fold"]:
        return "gap" if self.after > self.before else "fold"


@functools.cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name available on this machine."""
    return frozenset(available_timezones())


def get_zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None when there is no such IANA zone."""
    return ZoneInfo(name) if name in known_zones() else None


@functools.cache
def suggest_zone(name: str) -> str | None:
    """The known zone name nearest to `name` (for "did you mean"), if any is near enough."""
    by_lower = {zone.lower(): zone for zone in known_zones()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[close[0]] if close else None


def wall_transition(local: datetime, zone: ZoneInfo) -> Transition | None:
    """The transition whose gap or fold holds the naive wall-clock time `local`, if any."""
    for change in _year_transitions(zone, local.year):
        if change.wall_start <= local < change.wall_end:
            return change
    return None


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> tuple[Transition, ...]:
    """The offset changes of `zone` between the aware times `start` and `end`."""
    last_year = min(end.year, start.year + _MAX_YEARS)
    found = dict.fromkeys(
        change
        for year in range(start.year, last_year + 1)
        for change in _year_transitions(zone, year)
        if start <= change.at < end
    )
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def boundary_status(
    clock: time, zone: ZoneInfo, span: tuple[datetime, datetime]
) -> Transition | None:
    """The transition in `span` whose gap or fold holds the daily wall-clock time `clock`."""
    for change in transitions(zone, *span):
        first, last = change.wall_start, change.wall_end
        for day in _days(first.date(), last.date()):
            if first <= datetime.combine(day, clock) < last:
                return change
    return None


@functools.lru_cache(maxsize=4096)
def _year_transitions(zone: ZoneInfo, year: int) -> tuple[Transition, ...]:
    """The offset changes of `zone` in `year`, with two days to spare on either side."""
    low = datetime(year, 1, 1, tzinfo=UTC) - _MARGIN
    stop = datetime(year + 1, 1, 1, tzinfo=UTC) + _MARGIN
    found: list[Transition] = []
    while low < stop:
        high = min(low + _STEP, stop)
        if _offset(zone, low) != _offset(zone, high):
            found.append(_bisect(zone, low, high))
        low = high
    return tuple(found)


def _days(first: date, last: date) -> tuple[date, ...]:
    return (first,) if first == last else (first, last)


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _offset_at(zone: ZoneInfo, timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()


def _bisect(zone: ZoneInfo, low: datetime, high: datetime) -> Transition:
    before, after = _offset(zone, low), _offset(zone, high)
    assert before is not None and after is not None
    first, last = int(low.timestamp()), int(high.timestamp())
    while last - first > 1:
        middle = (first + last) // 2
        if _offset_at(zone, middle) == before:
            first = middle
        else:
            last = middle
    return Transition.between(datetime.fromtimestamp(last, UTC), before, after)
