"""The pacing model: from answer rates by hour to callRate, maxConcurrentCalls, peakHourBoost.

All three are read from the weekday table (weekends are reported, not modelled: the boost is one
number for every day and weekday hours carry most of the volume). With p_h the answer rate of
counted weekday hour h, "mean" the pooled rate of all counted weekday hours and "peak" the hour
with the highest rate:

* peakHourBoost = peak / mean, rounded to 0.01 and clamped to [1.0, 2.0]; recommended only when
  the peak's 95% Wilson interval lies wholly above the mean's interval.
* callRate keeps the expected answered calls of a weekday, the agent load the current settings
  imply, unchanged: load(r, b) = r * (sum of p_h + (b - 1) * p_peak), so
  callRate = r0 * load-factor(b0) / load-factor(b); then at most maxCallRate / b (the boosted
  pace stays within the tenant's limit), rounded down to 0.01.
* maxConcurrentCalls scales with the peak pace r * b: ceil(m0 * (r * b) / (r0 * b0)), at most
  floor(tenant maxConcurrentCalls * capacityThreshold), at least 1.

Nothing is recommended when any counted weekday hour has fewer attempts than the minimum (thin
data); callRate and maxConcurrentCalls follow the boost and are recommended without it only to
bring a value within the tenant's limits. Every recommendation and refusal carries its reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.analytics.optimize.answer_rates import AnswerRates, HourStat, pooled
from reconciler.model import TenantLimits

__all__ = ["POINTERS", "Current", "Field", "Recommendation", "recommend"]

Field = Literal["peakHourBoost", "callRate", "maxConcurrentCalls"]

#: Where each field lives in a schedule body, as a JSON pointer.
POINTERS: dict[Field, str] = {
    "peakHourBoost": "/optimizationSettings/peakHourBoost",
    "callRate": "/dialerSettings/callRate",
    "maxConcurrentCalls": "/dialerSettings/maxConcurrentCalls",
}
_BOOST_RANGE = (1.0, 2.0)
_THIN_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A proposed value for one field (None: nothing recommended) and why."""

    field: Field
    current: float | None
    value: float | None
    reason: str

    @property
    def pointer(self) -> str:
        return POINTERS[self.field]

    @property
    def changed(self) -> bool:
        return self.value is not None and self.value != self.current


@dataclass(frozen=True, slots=True)
class Current:
    """The pacing settings a schedule declares now; `boost` is 1.0 when boosting is off."""

    call_rate: float
    max_concurrent: int
    threshold: float
    boost: float

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Current:
        dialer = body["dialerSettings"]
        opt = body.get("optimizationSettings") or {}
        declared = opt.get("peakHourBoost")
        active = (
            float(declared) if declared is not None and opt.get("useHistoricalAnswerRates") else 1.0
        )
        return cls(
            float(dialer["callRate"]),
            int(dialer["maxConcurrentCalls"]),
            float(dialer["capacityThreshold"]),
            active,
        )


def recommend(
    rates: AnswerRates, current: Current, limits: TenantLimits, min_attempts: int
) -> tuple[Recommendation, ...]:
    """The three recommendations for one schedule, in the order boost, callRate, concurrency."""
    thin = _thin(rates.weekday, min_attempts)
    if thin:
        return _refuse_all(current, thin)
    ctx = _Context(rates.weekday, _peak(rates.weekday), current, limits)
    boost = _boost(ctx.peak, pooled(rates.weekday), current)
    effective = current.boost if boost.value is None else boost.value
    rate = _call_rate(ctx, effective, boost)
    return boost, rate, _concurrency(ctx, effective, rate, boost)


@dataclass(frozen=True, slots=True)
class _Context:
    hours: tuple[HourStat, ...]
    peak: HourStat
    current: Current
    limits: TenantLimits

    def load(self, boost: float) -> float:
        """Expected answered calls per weekday per unit of callRate (up to a constant)."""
        rates = sum(h.answered / h.attempts for h in self.hours)
        return rates + (boost - 1.0) * self.peak.answered / self.peak.attempts


def _thin(hours: tuple[HourStat, ...], min_attempts: int) -> str | None:
    if not hours:
        return "no weekday hour inside the enabled regulatory windows over the period"
    short = [h for h in hours if h.attempts < min_attempts]
    if not short:
        return None
    shown = ", ".join(f"{h.hour:02d}:00 has {h.attempts}" for h in short[:_THIN_SHOWN])
    more = f" (and {len(short) - _THIN_SHOWN} more)" if len(short) > _THIN_SHOWN else ""
    return f"weekday {shown}{more} attempts, fewer than the minimum {min_attempts} per hour"


def _refuse_all(current: Current, why: str) -> tuple[Recommendation, ...]:
    reason = f"thin data: {why}; query more days or lower --min-attempts"
    return (
        Recommendation("peakHourBoost", current.boost, None, reason),
        Recommendation("callRate", current.call_rate, None, reason),
        Recommendation("maxConcurrentCalls", current.max_concurrent, None, reason),
    )


def _peak(hours: tuple[HourStat, ...]) -> HourStat:
    return max(hours, key=lambda h: (h.answered / h.attempts, -h.hour))


def _describe(stat: HourStat) -> str:
    low, high = stat.interval
    return f"{stat.answered / stat.attempts:.1%} [{low:.1%}-{high:.1%}]"


def _boost(peak: HourStat, mean: HourStat, current: Current) -> Recommendation:
    facts = f"peak {peak.hour:02d}:00 answers {_describe(peak)}, the mean {_describe(mean)}"
    if not peak.interval.above(mean.interval):
        reason = f"not significant: {facts}; the intervals overlap"
        return Recommendation("peakHourBoost", current.boost, None, reason)
    raw = peak.answered / peak.attempts / (mean.answered / mean.attempts)
    value = min(max(round(raw, 2), _BOOST_RANGE[0]), _BOOST_RANGE[1])
    clamp = "" if value == round(raw, 2) else f", clamped to [1.0, 2.0] from {raw:.2f}"
    reason = f"{facts}; boost = peak / mean = {value:.2f}{clamp}"
    return Recommendation("peakHourBoost", current.boost, value, reason)


def _call_rate(ctx: _Context, boost: float, boost_rec: Recommendation) -> Recommendation:
    now, limit = ctx.current.call_rate, ctx.limits.max_call_rate
    target = now * ctx.load(ctx.current.boost) / ctx.load(boost)
    cap = limit / boost
    value = max(0.01, math.floor(min(target, cap) * 100 + 1e-9) / 100)
    bound = f"the tenant's maxCallRate {limit:g} / boost {boost:g} = {cap:.2f}"
    if boost_rec.value is None:
        if value < now:
            return Recommendation("callRate", now, value, f"lowered to {bound}")
        reason = f"follows peakHourBoost, which is not recommended; {now:g} is within {bound}"
        return Recommendation("callRate", now, None, reason)
    reason = (
        f"keeps the expected answered calls per weekday of callRate {now:g} at boost "
        f"{ctx.current.boost:g} with boost {boost:g}: {now:g} x {ctx.load(ctx.current.boost):.3f}"
        f" / {ctx.load(boost):.3f} = {target:.3f}, rounded down to 0.01"
    )
    if target > cap:
        reason += f", bounded by {bound}"
    return Recommendation("callRate", now, value, reason)


def _concurrency(
    ctx: _Context, boost: float, rate: Recommendation, boost_rec: Recommendation
) -> Recommendation:
    current = ctx.current
    new_rate = current.call_rate if rate.value is None else rate.value
    scale = new_rate * boost / (current.call_rate * current.boost)
    target = math.ceil(current.max_concurrent * scale - 1e-9)
    cap = math.floor(ctx.limits.max_concurrent_calls * current.threshold + 1e-9)
    value = max(1, min(target, cap))
    bound = (
        f"the tenant's capacity {ctx.limits.max_concurrent_calls} x capacityThreshold "
        f"{current.threshold:g} = {cap}"
    )
    field: Field = "maxConcurrentCalls"
    if boost_rec.value is None and rate.value is None:
        if value < current.max_concurrent:
            return Recommendation(field, current.max_concurrent, value, f"lowered to {bound}")
        reason = f"follows the pace, which is unchanged; {current.max_concurrent} is within {bound}"
        return Recommendation(field, current.max_concurrent, None, reason)
    reason = f"scales with the peak pace callRate x boost ({scale:.2f}x): {target}"
    if target > cap:
        reason += f", bounded by {bound}"
    return Recommendation(field, current.max_concurrent, value, reason)
