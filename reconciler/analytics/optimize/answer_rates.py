"""Answer rate by hour of day, in a schedule's own time zone, from hourly analytics buckets.

Each bucket's UTC start is converted with `zoneinfo` to the schedule's zone, so the table speaks
the schedule's local hours on both sides of a DST change (on a fall-back day local 01:00 occurs
twice and both buckets count; on a spring-forward day 02:00 does not occur). Only callable
hours count: buckets that overlap an enabled regulatory window (in the window's own zone) and
are not wholly inside a blackout (every hour, without an enabled window). An hour of day in
which the campaign made no attempt at all over the period was not dialed: it is left out of the
table (`AnswerRates.not_dialed` names it) rather than counted as thin data, so a multi-zone
schedule whose windows reach hours the campaign never dials still gets advice. Weekdays (Monday
to Friday, local) and weekends are kept apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from reconciler.analytics.stats import Interval, proportion, wilson_interval
from reconciler.api.protocol import AnalyticsBucket
from reconciler.spans import CallableSpec, merge, overlaps, subtract, window_spans

__all__ = ["ANSWERED", "AnswerRates", "DayType", "HourStat", "hourly_rates", "pooled"]

ANSWERED = "ANSWERED"
DayType = Literal["weekday", "weekend"]
_HOUR = timedelta(hours=1)
_Key = tuple[DayType, int]


@dataclass(frozen=True, slots=True)
class HourStat:
    """Attempts and answered calls in one local hour of day over the period."""

    hour: int
    attempts: int
    answered: int

    @property
    def rate(self) -> float | None:
        return proportion(self.answered, self.attempts)

    @property
    def interval(self) -> Interval:
        """The 95% Wilson interval of the answer rate."""
        return wilson_interval(self.answered, self.attempts)


@dataclass(frozen=True, slots=True)
class AnswerRates:
    """The counted hours of day of one schedule, by day type, sorted by hour."""

    weekday: tuple[HourStat, ...]
    weekend: tuple[HourStat, ...]
    not_dialed: tuple[tuple[DayType, int], ...] = ()  # callable hours with no attempt at all


def pooled(hours: Iterable[HourStat]) -> HourStat:
    """All `hours` taken together (hour -1): the mean answer rate over them."""
    hours = tuple(hours)
    return HourStat(-1, sum(h.attempts for h in hours), sum(h.answered for h in hours))


def hourly_rates(
    buckets: Iterable[AnalyticsBucket], spec: CallableSpec, start: datetime, end: datetime
) -> AnswerRates:
    """Answer rates per local hour of `spec`'s zone from hourly buckets over [start, end)."""
    slots = _slots(spec, start, end)
    attempts: dict[_Key, int] = dict.fromkeys((k for k in slots.values() if k), 0)
    answered: dict[_Key, int] = dict.fromkeys(attempts, 0)
    keys: dict[str, _Key | None] = {}
    for bucket in buckets:
        if bucket.interval not in keys:
            keys[bucket.interval] = slots.get(_parse(bucket.interval))
        key = keys[bucket.interval]
        if key is None:
            continue
        attempts[key] = attempts.get(key, 0) + bucket.count
        if bucket.disposition == ANSWERED:
            answered[key] = answered.get(key, 0) + bucket.count
    idle = tuple(sorted(k for k, n in attempts.items() if not n))
    attempts = {k: n for k, n in attempts.items() if n}
    return AnswerRates(
        _table(attempts, answered, "weekday"), _table(attempts, answered, "weekend"), idle
    )


def _slots(spec: CallableSpec, start: datetime, end: datetime) -> dict[datetime, _Key | None]:
    """Each UTC hour of [start, end) -> its (day type, local hour), or None when not counted."""
    allowed = window_spans(spec.windows, start, end) if spec.windows else [(start, end)]
    spans = subtract(allowed, merge(list(spec.blackouts)))
    slots: dict[datetime, _Key | None] = {}
    slot = start
    while slot < end:
        counted = overlaps(spans, slot, slot + _HOUR)
        slots[slot] = _key(slot, spec.zone) if counted else None
        slot += _HOUR
    return slots


def _key(instant: datetime, zone: ZoneInfo) -> _Key:
    local = instant.astimezone(zone)
    return ("weekend" if local.weekday() >= 5 else "weekday", local.hour)


def _parse(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # not an hour of the period: ignored


def _table(
    attempts: dict[_Key, int], answered: dict[_Key, int], kind: DayType
) -> tuple[HourStat, ...]:
    return tuple(
        HourStat(hour, attempts[(day, hour)], answered.get((day, hour), 0))
        for day, hour in sorted(attempts)
        if day == kind
    )
