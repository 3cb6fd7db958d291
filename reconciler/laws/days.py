"""Days that the law treats alike, so that a verdict is computed once per kind of day.

Over a span, every local date of a zone gets a class: which rules are in force, how each rule
classes the date and its neighbours (weekday, Saturday, Sunday, holiday), and the UTC offsets
of the zone and of every clock the rules name at both ends of the day. Two dates of one class
have the same law in the same local shape, so a window either breaks it on both or on
neither. A date on which an offset changes (a daylight-saving transition) is a class of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from reconciler.laws.allowed import clock_zone, day_kind
from reconciler.laws.model import Rule
from reconciler.spans import day_span, local_dates

__all__ = ["DayClass", "day_classes"]


@dataclass(frozen=True, slots=True)
class DayClass:
    """A class of local dates (`key` numbers what they share) and its dates, in order."""

    key: int
    dates: tuple[date, ...]


@functools.cache
def day_classes(
    zone: str, rules: tuple[Rule, ...], subdivision: str | None, first: date, last: date
) -> tuple[DayClass, ...]:
    """The local dates `first`..`last` of `zone`, grouped by class, classes by first date."""
    groups: dict[int, list[date]] = {}
    for day in local_dates(first, last):
        key = _year_keys(zone, rules, subdivision, day.year)[day]
        groups.setdefault(key, []).append(day)
    return tuple(DayClass(key, tuple(days)) for key, days in groups.items())


#: Every class key seen, numbered: small integers are cheap to hash in the verdict caches.
_NUMBERS: dict[Hashable, int] = {}


@functools.cache
def _year_keys(
    zone: str, rules: tuple[Rule, ...], subdivision: str | None, year: int
) -> dict[date, int]:
    """The class number of every date of `year`."""
    keys = {}
    day = date(year, 1, 1)
    while day.year == year:
        keys[day] = _NUMBERS.setdefault(_key(zone, rules, subdivision, day), len(_NUMBERS))
        day += timedelta(days=1)
    return keys


def _key(zone: str, rules: tuple[Rule, ...], subdivision: str | None, day: date) -> Hashable:
    start, end = day_span(day, ZoneInfo(zone))
    offsets = []
    for clock in {"called-local", *(clock for rule in rules for clock in rule.clocks)}:
        tz = clock_zone(clock, zone)
        offsets.append((clock, tz.utcoffset(start), tz.utcoffset(end)))
    changing = any(before != after for _, before, after in offsets) or end - start != timedelta(
        days=1
    )
    kinds = tuple(
        (
            rule.in_force(day),
            *(day_kind(rule, day + timedelta(days=k), subdivision) for k in _neighbours(rule)),
        )
        for rule in rules
    )
    return (kinds, tuple(sorted(offsets, key=lambda item: item[0])), day if changing else None)


def _neighbours(rule: Rule) -> tuple[int, ...]:
    return (0,) if rule.clocks == ("called-local",) else (-1, 0, 1)
