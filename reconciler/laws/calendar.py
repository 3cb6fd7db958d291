"""A schedule's callable hours beside the legal hours, local date by local date, in one zone.

Callable: the enabled windows that call the zone's callees (the whole span when the schedule
has no window), minus blackouts, inside the span. Legal: what every rule binding a declared
jurisdiction with callees in that zone allows that date (for an undeclared schedule, the
national baseline of the zone's country); None when no hours rule binds there. Outside: the
callable minutes the law does not allow. Minutes are local, after midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reconciler.laws.allowed import allowed_spans, intersect, local_spans
from reconciler.laws.catalog import Catalog
from reconciler.laws.model import Interval, Rule
from reconciler.laws.policy import apply_policy
from reconciler.laws.proof import Audience, Policy, Subject, callable_local
from reconciler.laws.zones import country_of, jurisdiction_zones
from reconciler.spans import Span, day_span, local_dates, merge, subtract

__all__ = ["CalendarDay", "calendar_days"]


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One local date: callable, legal (None: no rule) and outside intervals, local minutes."""

    day: date
    callable: tuple[Interval, ...]
    legal: tuple[Interval, ...] | None
    outside: tuple[Interval, ...]


def calendar_days(
    subject: Subject,
    audience: Audience | None,
    cat: Catalog,
    zone: str,
    policy: Policy | None = None,
) -> list[CalendarDay]:
    """Every local date of the span in `zone` (an IANA name), under `policy`."""
    tz = ZoneInfo(zone)
    rules = _rules(audience, cat, zone, policy)
    local = callable_local(subject, zone)
    free = subtract([subject.span], list(subject.blackouts))
    first = subject.span[0].astimezone(tz).date()
    last = (subject.span[1] - timedelta(microseconds=1)).astimezone(tz).date()
    days = []
    for day in local_dates(first, last):
        whole = [day_span(day, tz)]
        callable_ = intersect(intersect(local_spans(day, local, tz), whole), free)
        legal = None if not rules else _legal(rules, zone, day, whole)
        outside = [] if legal is None else subtract(callable_, legal)
        days.append(
            CalendarDay(
                day,
                _minutes(callable_, day, tz),
                None if legal is None else _minutes(legal, day, tz),
                _minutes(outside, day, tz),
            )
        )
    return days


def _rules(
    audience: Audience | None, cat: Catalog, zone: str, policy: Policy | None
) -> list[tuple[str, Rule]]:
    if audience is None:
        country = country_of(zone) or ""
        targets = [(country, cat.baseline(country) if country else ())]
    else:
        targets = [
            (code, cat.binding(code, audience.purpose))
            for code in audience.jurisdictions
            if zone in jurisdiction_zones(cat, code)
        ]
    if policy is not None:
        targets = [
            (code, apply_policy(rules, code, policy.rules, policy.exceptions))
            for code, rules in targets
        ]
    return [(code, rule) for code, rules in targets for rule in rules if rule.hours is not None]


def _legal(
    rules: Sequence[tuple[str, Rule]], zone: str, day: date, whole: list[Span]
) -> list[Span]:
    allowed = whole
    for code, rule in rules:
        if rule.in_force(day):
            subdivision = code.partition("-")[2] or None
            allowed = intersect(allowed, allowed_spans(rule, zone, day, subdivision))
    return merge(allowed)


def _minutes(spans: Sequence[Span], day: date, tz: ZoneInfo) -> tuple[Interval, ...]:
    """UTC spans of local `day` as local minutes after midnight (24:00 = 1440)."""
    out = []
    for start, end in spans:
        out.append((_minute(start, day, tz), _minute(end, day, tz)))
    return tuple(out)


def _minute(moment: datetime, day: date, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    if local.date() > day:
        return 1440
    return local.hour * 60 + local.minute
