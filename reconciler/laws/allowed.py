"""What the law allows on one local date of one zone, and what a callable set breaks, exactly.

All arithmetic is on UTC instants (`reconciler.spans`), so daylight saving needs no special
case: a rule's hours are read on every clock it names (the callee's own zone, a fixed offset
such as Mississippi's "Central Standard Time" = UTC-06:00, or a named zone such as Texas's
disputed Central time) and a call must be inside them on all of them. Hours of the clock's
previous and next dates are included, since a fixed clock's day need not match the callee's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from reconciler.laws.holidays import holiday_dates
from reconciler.laws.model import DayKind, Interval, Rule
from reconciler.spans import Span, day_span, merge, subtract

__all__ = ["allowed_spans", "breached_rules", "clock_zone", "day_kind", "intersect", "offence"]

_ONE_DAY = timedelta(days=1)


def day_kind(rule: Rule, day: date, subdivision: str | None) -> DayKind:
    """How `rule` classes `day`: a holiday of its calendar (with holiday hours), or by weekday."""
    hours, calendar = rule.hours, rule.holidays
    if (
        hours is not None
        and hours.holiday is not None
        and calendar is not None
        and day in holiday_dates(calendar, subdivision, day.year)
    ):
        return "holiday"
    weekday = day.weekday()
    return "weekday" if weekday < 5 else "saturday" if weekday == 5 else "sunday"


@functools.cache
def clock_zone(clock: str, callee: str) -> tzinfo:
    """The zone a rule's `clock` is read in, for a callee in zone `callee`."""
    if clock == "called-local":
        return ZoneInfo(callee)
    if clock.startswith("UTC"):
        sign = -1 if clock[3] == "-" else 1
        hours, minutes = clock[4:].split(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    return ZoneInfo(clock)


def to_utc(day: date, minutes: int, zone: tzinfo) -> datetime:
    """Local wall-clock `minutes` after midnight of `day` in `zone`, as UTC (fold=0)."""
    if minutes >= 1440:
        day, minutes = day + _ONE_DAY, minutes - 1440
    wall = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def local_spans(day: date, intervals: Sequence[Interval], zone: tzinfo) -> list[Span]:
    """Local `intervals` of `day` in `zone` as sorted UTC spans."""
    return merge([(to_utc(day, start, zone), to_utc(day, end, zone)) for start, end in intervals])


def allowed_spans(rule: Rule, zone: str, day: date, subdivision: str | None) -> list[Span]:
    """When `rule` allows calling a callee of `zone` around local `day` (UTC spans)."""
    assert rule.hours is not None
    allowed: list[Span] | None = None
    for clock in rule.clocks:
        tz = clock_zone(clock, zone)
        spans: list[Span] = []
        for offset in (-1, 0, 1):
            clock_day = day + offset * _ONE_DAY
            intervals = rule.hours.of(day_kind(rule, clock_day, subdivision))
            spans.extend(local_spans(clock_day, intervals, tz))
        merged = merge(spans)
        allowed = merged if allowed is None else intersect(allowed, merged)
    return allowed or []


def offence(
    zone: str,
    day: date,
    callable_local: Sequence[Interval],
    rules: Sequence[Rule],
    subdivision: str | None,
    *,
    clip: Sequence[Span] | None = None,
) -> list[Span]:
    """The callable UTC spans of local `day` in `zone` that the rules in force do not allow.

    `callable_local` are the callee's callable local intervals that day; `clip`, when given,
    limits them further (the schedule's span minus its blackouts).
    """
    tz = ZoneInfo(zone)
    whole = [day_span(day, tz)]
    spans = intersect(local_spans(day, callable_local, tz), whole)
    if clip is not None:
        spans = intersect(spans, clip)
    if not spans:
        return []
    allowed = whole
    for rule in rules:
        if rule.hours is not None and rule.in_force(day):
            allowed = intersect(allowed, allowed_spans(rule, zone, day, subdivision))
    return subtract(spans, allowed)


def breached_rules(
    spans: Sequence[Span], zone: str, day: date, rules: Sequence[Rule], subdivision: str | None
) -> tuple[Rule, ...]:
    """The rules in force on `day` that `spans` (an offence) break."""
    return tuple(
        rule
        for rule in rules
        if rule.hours is not None
        and rule.in_force(day)
        and subtract(spans, allowed_spans(rule, zone, day, subdivision))
    )


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """The intersection of two sorted, disjoint lists of spans."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
