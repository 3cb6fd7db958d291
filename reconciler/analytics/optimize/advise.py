"""`cxsched optimize`: answer rates by local hour, and the pacing they recommend.

One hourly analytics query per campaign over [end - days, end), where `end` is the reference
time floored to the hour (so a run is reproducible from `--now`). The buckets of a campaign are
read once and analysed for each of its desired schedules, in that schedule's own zone and
regulatory windows (`answer_rates`); the pacing model is `recommend`, both beside this module.

Errors: those of the seam (`reconciler.cxone.errors`) and `InputError` for a schedule body
whose times or zones cannot be read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.adopt.yamledit import edit_file
from reconciler.analytics.optimize.answer_rates import AnswerRates, hourly_rates
from reconciler.analytics.optimize.recommend import Current, Recommendation, recommend
from reconciler.api.protocol import AnalyticsBucket, AnalyticsQuery, ScheduleAPI
from reconciler.errors import InputError
from reconciler.model import DesiredSchedule, TenantLimits
from reconciler.spans import CallableSpec

__all__ = [
    "Advice",
    "OptimizeReport",
    "advise",
    "analysis_period",
    "edits",
    "optimize",
    "write_advice",
]


@dataclass(frozen=True, slots=True)
class Advice:
    """The answer rates of one desired schedule and the settings they recommend."""

    schedule: DesiredSchedule
    rates: AnswerRates
    recommendations: tuple[Recommendation, ...]

    @property
    def zone(self) -> str:
        return str(self.schedule.body["timeZone"])

    @property
    def changes(self) -> tuple[Recommendation, ...]:
        return tuple(r for r in self.recommendations if r.changed)


@dataclass(frozen=True, slots=True)
class OptimizeReport:
    """Everything `optimize` found, ready to render or write back."""

    start: datetime
    end: datetime
    min_attempts: int
    limits: TenantLimits
    queries: tuple[AnalyticsQuery, ...]
    advice: tuple[Advice, ...]


def analysis_period(now: datetime, days: int) -> tuple[datetime, datetime]:
    """[end - days, end) with `end` = `now` floored to the hour, in UTC."""
    if days < 1:
        raise InputError(f"--days must be 1 or more, got {days}")
    if now.tzinfo is None:
        raise InputError(f"--now {now.isoformat()} needs a UTC offset, e.g. 2027-01-15T00:00Z")
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def advise(
    schedule: DesiredSchedule,
    buckets: Iterable[AnalyticsBucket],
    period: tuple[datetime, datetime],
    limits: TenantLimits,
    min_attempts: int,
) -> Advice:
    """Analyse one schedule against its campaign's hourly buckets (pure)."""
    where = f"{schedule.path} ({schedule.campaign_id}/{schedule.name})"
    try:
        spec = CallableSpec.from_body(schedule.body)
        current = Current.from_body(schedule.body)
    except (InputError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: cannot read the schedule: {exc}; run cxsched validate") from exc
    rates = hourly_rates(buckets, spec, *period)
    return Advice(schedule, rates, recommend(rates, current, limits, min_attempts))


def optimize(
    api: ScheduleAPI,
    schedules: Sequence[DesiredSchedule],
    *,
    now: datetime,
    days: int = 14,
    min_attempts: int = 100,
    on_campaign: Callable[[int, int, str], None] | None = None,
) -> OptimizeReport:
    """One hourly analytics query per campaign, then advice for every schedule.

    `on_campaign(number, total, campaign_id)` is called before each campaign is queried.
    """
    period = analysis_period(now, days)
    limits = api.tenant_limits()
    by_campaign: dict[str, list[DesiredSchedule]] = defaultdict(list)
    for schedule in schedules:
        by_campaign[schedule.campaign_id].append(schedule)
    queries, advice = [], []
    for number, campaign_id in enumerate(sorted(by_campaign), 1):
        if on_campaign is not None:
            on_campaign(number, len(by_campaign), campaign_id)
        query = _hourly_query(campaign_id, period)
        buckets = tuple(api.query_analytics(query))
        queries.append(query)
        for schedule in sorted(by_campaign[campaign_id], key=lambda s: s.name):
            advice.append(advise(schedule, buckets, period, limits, min_attempts))
    return OptimizeReport(period[0], period[1], min_attempts, limits, tuple(queries), tuple(advice))


def _hourly_query(campaign_id: str, period: tuple[datetime, datetime]) -> AnalyticsQuery:
    start, end = (t.isoformat().replace("+00:00", "Z") for t in period)
    return AnalyticsQuery(campaign_id, "hour", start, end)


def edits(advice: Advice) -> dict[str, Any]:
    """JSON pointer -> new value for the changed recommendations of one schedule.

    A new boost also turns `useHistoricalAnswerRates` on when it is off (the boost is applied
    only with it; the recommended callRate assumes the boost is applied).
    """
    values: dict[str, Any] = {r.pointer: r.value for r in advice.changes}
    opt = advice.schedule.body.get("optimizationSettings") or {}
    if (
        "/optimizationSettings/peakHourBoost" in values
        and opt.get("useHistoricalAnswerRates") is not True
    ):
        values = {"/optimizationSettings/useHistoricalAnswerRates": True, **values}
    return values


def write_advice(advice: Advice, validate: Callable[[Path], None]) -> tuple[str, str] | None:
    """Write the changed recommendations into the schedule's file; (before, after) or None.

    `validate` checks the edited file and raises to have the original put back.
    """
    values = edits(advice)
    if not values:
        return None
    return edit_file(advice.schedule.path, values, validate)
