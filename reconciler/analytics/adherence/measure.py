"""`cxsched adherence`: did the dialer deliver the attempts a schedule planned, day by day?

planned(day) = callRate (attempts per minute) x the callable minutes of that local day of the
schedule's zone (`reconciler.spans`: the span, inside the enabled regulatory windows, minus
blackouts; a DST-change day is 23 or 25 hours long). actual(day) = the attempts of the live
schedule (`schedule.id eq`) in that local day. adherence = actual / planned, per day and over
the whole range; a day is flagged when it is off by more than the tolerance, or when calls
were made on a day with nothing planned.

Actual attempts are read from HOURLY buckets and summed by the local date of each bucket's
start: the API's daily buckets are UTC days, which cut a local calling day in two (08:00-21:00
in New York is 13:00-02:00Z in winter), so they cannot be attributed to local days. Local
midnight falls on a UTC hour boundary in every whole-hour-offset zone, on both sides of a DST
change, which makes this attribution exact there.

Errors: those of the seam and `InputError` for a bad range or an unreadable schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from reconciler.api.protocol import AnalyticsBucket, AnalyticsQuery, ScheduleAPI
from reconciler.errors import InputError
from reconciler.model import DesiredSchedule
from reconciler.spans import CallableSpec, day_span, local_dates, minutes_by_day

__all__ = [
    "MAX_DAYS",
    "AdherenceReport",
    "DayAdherence",
    "ScheduleAdherence",
    "Skipped",
    "actual_by_day",
    "adherence",
    "planned_days",
]

#: The longest range one run covers.
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DayAdherence:
    """One local day of one schedule."""

    day: date
    hours: float
    callable_minutes: float
    planned: float
    actual: int

    @property
    def ratio(self) -> float | None:
        return self.actual / self.planned if self.planned > 0 else None

    def flagged(self, tolerance: float) -> bool:
        ratio = self.ratio
        return self.actual > 0 if ratio is None else abs(ratio - 1) > tolerance + 1e-12


@dataclass(frozen=True, slots=True)
class ScheduleAdherence:
    """The days of one schedule and their totals."""

    schedule: DesiredSchedule
    schedule_id: str
    call_rate: float
    days: tuple[DayAdherence, ...]
    note: str | None = None  # e.g. the span does not overlap the period: nothing was planned

    @property
    def planned(self) -> float:
        return sum(d.planned for d in self.days)

    @property
    def actual(self) -> int:
        return sum(d.actual for d in self.days)

    @property
    def ratio(self) -> float | None:
        planned = self.planned
        return self.actual / planned if planned > 0 else None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A desired schedule that could not be measured, and why."""

    schedule: DesiredSchedule
    reason: str


@dataclass(frozen=True, slots=True)
class AdherenceReport:
    first: date
    last: date
    tolerance: float
    schedules: tuple[ScheduleAdherence, ...]
    skipped: tuple[Skipped, ...]
    queries: tuple[AnalyticsQuery, ...]

    def below(self, ratio: float) -> tuple[ScheduleAdherence, ...]:
        """The schedules whose overall adherence is below `ratio` (no plan counts as met)."""
        return tuple(s for s in self.schedules if s.ratio is not None and s.ratio < ratio)


def planned_days(
    spec: CallableSpec, call_rate: float, first: date, last: date
) -> list[tuple[date, float, float, float]]:
    """(day, hours in the day, callable minutes, planned attempts) for each local day."""
    rows = []
    for day, minutes in minutes_by_day(spec, first, last).items():
        start, end = day_span(day, spec.zone)
        rows.append((day, (end - start).total_seconds() / 3600, minutes, call_rate * minutes))
    return rows


def actual_by_day(
    buckets: Iterable[AnalyticsBucket], zone: ZoneInfo, first: date, last: date
) -> dict[date, int]:
    """Attempts per local date of each hourly bucket's start, from `first` to `last`."""
    totals = dict.fromkeys(local_dates(first, last), 0)
    for bucket in buckets:
        day = datetime.fromisoformat(bucket.interval).astimezone(zone).date()
        if day in totals:
            totals[day] += bucket.count
    return totals


def adherence(
    api: ScheduleAPI,
    schedules: Sequence[DesiredSchedule],
    *,
    first: date,
    last: date,
    tolerance: float = 0.1,
) -> AdherenceReport:
    """Measure every desired schedule over the local days `first` to `last` (both included)."""
    _check_range(first, last)
    ids = _live_ids(api, schedules)
    results, skipped, queries = [], [], []
    for schedule in sorted(schedules, key=lambda s: (s.campaign_id, s.name)):
        schedule_id = ids.get((schedule.campaign_id, schedule.name))
        if schedule_id is None:
            skipped.append(Skipped(schedule, _not_live(schedule)))
            continue
        spec, call_rate = _read(schedule)
        query = _query(schedule.campaign_id, schedule_id, spec.zone, first, last)
        actual = actual_by_day(api.query_analytics(query), spec.zone, first, last)
        days = tuple(
            DayAdherence(day, hours, minutes, planned, actual[day])
            for day, hours, minutes, planned in planned_days(spec, call_rate, first, last)
        )
        note = span_note(spec, first, last)
        results.append(ScheduleAdherence(schedule, schedule_id, call_rate, days, note))
        queries.append(query)
    return AdherenceReport(first, last, tolerance, tuple(results), tuple(skipped), tuple(queries))


def span_note(spec: CallableSpec, first: date, last: date) -> str | None:
    """Why nothing is planned in the period, when the schedule's span lies outside it."""
    start = spec.span[0].astimezone(spec.zone).date()
    end = (spec.span[1] - timedelta(microseconds=1)).astimezone(spec.zone).date()
    if start <= last and end >= first:
        return None
    return (
        f"its span {start} to {end} does not overlap the period {first} to {last}: nothing "
        "was planned (pass --from/--to within the span)"
    )


def _check_range(first: date, last: date) -> None:
    if last < first:
        raise InputError(f"--from {first} is after --to {last}; swap them")
    if (last - first).days >= MAX_DAYS:
        raise InputError(f"--from {first} --to {last} spans more than {MAX_DAYS} days")


def _live_ids(api: ScheduleAPI, schedules: Sequence[DesiredSchedule]) -> dict[tuple[str, str], str]:
    """(campaign, name) -> live id: the pinned id, else one listing of the campaign."""
    ids = {(s.campaign_id, s.name): s.schedule_id for s in schedules if s.schedule_id}
    unpinned = sorted({s.campaign_id for s in schedules if not s.schedule_id})
    for campaign_id in unpinned:
        for live in api.list_schedules(campaign_id):
            ids.setdefault((campaign_id, live.name), live.schedule_id)
    return ids


def _not_live(schedule: DesiredSchedule) -> str:
    return (
        f"campaign {schedule.campaign_id} has no live schedule named {schedule.name!r}; "
        "apply it first, or pin its scheduleId"
    )


def _read(schedule: DesiredSchedule) -> tuple[CallableSpec, float]:
    try:
        return CallableSpec.from_body(schedule.body), float(
            schedule.body["dialerSettings"]["callRate"]
        )
    except (InputError, KeyError, TypeError, ValueError) as exc:
        where = f"{schedule.path} ({schedule.campaign_id}/{schedule.name})"
        raise InputError(f"{where}: cannot read the schedule: {exc}; run cxsched validate") from exc


def _query(
    campaign_id: str, schedule_id: str, zone: ZoneInfo, first: date, last: date
) -> AnalyticsQuery:
    start, end = day_span(first, zone)[0], day_span(last, zone)[1]
    start = start.replace(minute=0, second=0, microsecond=0)
    if end.minute or end.second or end.microsecond:
        end = end.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return AnalyticsQuery(campaign_id, "hour", _utc(start), _utc(end), schedule_id=schedule_id)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
