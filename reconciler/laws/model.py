"""The records of the rule data: a rule, its hours by kind of day, its holiday calendar.

Times are minutes after local midnight; an interval is half-open [start, end), so a call at
20:00 in an 08:00-20:00 jurisdiction is outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "PURPOSES",
    "Confidence",
    "DayKind",
    "HolidayCalendar",
    "HolidayExtra",
    "Hours",
    "Interval",
    "Level",
    "Purpose",
    "Rule",
    "clock_label",
    "intervals_label",
]

Purpose = Literal["telemarketing", "debt-collection", "informational", "research"]
PURPOSES: tuple[Purpose, ...] = ("telemarketing", "debt-collection", "informational", "research")
Level = Literal["national", "subdivision", "composite"]
Confidence = Literal["P", "P(q)", "S", "?"]
DayKind = Literal["weekday", "saturday", "sunday", "holiday"]

#: Local minutes [start, end) after midnight.
Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class HolidayExtra:
    """A day a rule adds to its calendar: a fixed date, Good Friday, Election Day, Mardi Gras."""

    name: str
    rule: Literal["fixed", "good-friday", "election-day", "mardi-gras"]
    month: int = 0
    day: int = 0


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    """The `holidays` package's calendar of a country (and subdivision), plus additions."""

    country: str
    categories: tuple[str, ...]
    subdivision: str | None = None
    use_declared_subdivision: bool = False
    add: tuple[HolidayExtra, ...] = ()


@dataclass(frozen=True, slots=True)
class Hours:
    """Allowed local intervals by kind of day; `holiday` is None when holidays are not special."""

    weekday: tuple[Interval, ...]
    saturday: tuple[Interval, ...]
    sunday: tuple[Interval, ...]
    holiday: tuple[Interval, ...] | None = None

    def of(self, kind: DayKind) -> tuple[Interval, ...]:
        if kind == "holiday":
            assert self.holiday is not None
            return self.holiday
        return {"weekday": self.weekday, "saturday": self.saturday, "sunday": self.sunday}[kind]


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """One calling-hours rule of one jurisdiction, with where it comes from.

    Compared and hashed by identity: each rule is one object of the catalog, and the proof's
    caches are keyed by tuples of rules.
    """

    id: str
    jurisdiction: str
    level: Level
    name: str
    purposes: frozenset[Purpose]
    hours: Hours | None
    clocks: tuple[str, ...]
    effective_from: date | None
    effective_to: date | None
    citation: str
    source: str
    confidence: Confidence
    scope: str
    holidays: HolidayCalendar | None = None
    frequency_caps: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def country(self) -> str:
        return self.jurisdiction.split("-", 1)[0]

    def in_force(self, day: date) -> bool:
        """Whether the rule is in force on `day`."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def hours_summary(self) -> str:
        """Weekday/Saturday/Sunday/holiday hours on one line, e.g. 'Mon-Fri 09:00-21:00, ...'."""
        if self.hours is None:
            return "no statutory hours"
        parts = [
            f"Mon-Fri {intervals_label(self.hours.weekday)}",
            f"Sat {intervals_label(self.hours.saturday)}",
            f"Sun {intervals_label(self.hours.sunday)}",
        ]
        if self.hours.holiday is not None:
            parts.append(f"holidays {intervals_label(self.hours.holiday)}")
        return ", ".join(parts)


def clock_label(minutes: int) -> str:
    """Local minutes after midnight as HH:MM (24:00 for the end of the day)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def intervals_label(intervals: tuple[Interval, ...]) -> str:
    if not intervals:
        return "none"
    return " and ".join(f"{clock_label(a)}-{clock_label(b)}" for a, b in intervals)
