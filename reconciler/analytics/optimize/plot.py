"""`optimize --plot FILE.png`: answer rate by local hour with 95% intervals and the pace.

matplotlib is an optional extra (`pip install 'cxsched[plot]'`); it is imported only here and
only when a plot is asked for. One panel per schedule: weekday and weekend answer rates with
Wilson error bars (left axis) and the pace by hour, callRate and callRate x peakHourBoost at the
peak hour, current and recommended (right axis, attempts per minute). The PNG is written
atomically (temp file, then `os.replace`).

Errors: `reconciler.errors.InputError` when matplotlib is missing or the file cannot be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.analytics.optimize.advise import Advice
from reconciler.analytics.optimize.answer_rates import HourStat
from reconciler.analytics.optimize.recommend import Recommendation
from reconciler.util.plotting import pyplot, save_png

__all__ = ["plot_advice"]


def plot_advice(advice: Sequence[Advice], path: Path) -> None:
    """Draw one panel per schedule into the PNG `path`."""
    plt = pyplot()
    fig, axes = plt.subplots(len(advice), 1, figsize=(9, 3.6 * len(advice)), squeeze=False)
    for ax, item in zip(axes[:, 0], advice, strict=True):
        _panel(ax, item)
    fig.tight_layout()
    save_png(plt, fig, path, "the plot")


def _rates(ax: Any, hours: Sequence[HourStat], label: str, fmt: str) -> None:
    shown = [h for h in hours if h.rate is not None]
    rates = [h.answered / h.attempts for h in shown]
    low = [r - h.interval.low for r, h in zip(rates, shown, strict=True)]
    high = [h.interval.high - r for r, h in zip(rates, shown, strict=True)]
    ax.errorbar([h.hour for h in shown], rates, yerr=[low, high], fmt=fmt, capsize=3, label=label)


def _pace(
    recs: Sequence[Recommendation], peak: int | None, hours: list[int], now: bool
) -> list[float]:
    by_field = {r.field: r for r in recs}
    rate_rec, boost_rec = by_field["callRate"], by_field["peakHourBoost"]
    rate = rate_rec.current if now or rate_rec.value is None else rate_rec.value
    boost = boost_rec.current if now or boost_rec.value is None else boost_rec.value
    return [float(rate or 0) * (float(boost or 1) if h == peak else 1.0) for h in hours]


def _panel(ax: Any, item: Advice) -> None:
    s = item.schedule
    _rates(ax, item.rates.weekday, "weekday answer rate", "o-")
    _rates(ax, item.rates.weekend, "weekend answer rate", "s--")
    ax.set_title(f"{s.campaign_id} / {s.name} ({item.zone})")
    ax.set_xlabel(f"hour of day ({item.zone})")
    ax.set_ylabel("answer rate")
    ax.set_xticks(range(24))
    ax.legend(loc="upper left", fontsize="small")
    weekday = [h for h in item.rates.weekday if h.rate is not None]
    if not weekday:
        return
    hours = [h.hour for h in weekday]
    peak = max(weekday, key=lambda h: (h.answered / h.attempts, -h.hour)).hour
    pace = ax.twinx()
    pace.step(hours, _pace(item.recommendations, peak, hours, True), where="mid", label="pace now")
    pace.step(
        hours,
        _pace(item.recommendations, peak, hours, False),
        where="mid",
        label="recommended pace",
    )
    pace.set_ylabel("attempts per minute")
    pace.legend(loc="upper right", fontsize="small")
