"""`cxsched calendar --png OUT`: callable hours over the span with the legal hours overlaid.

One row per local date: legal hours as a wide green band, callable hours as a narrower blue
bar over it, callable time outside the law in red. matplotlib on the file-only Agg backend
(`reconciler.util.plotting.pyplot`); the PNG is written atomically.

Errors: `reconciler.errors.InputError` when matplotlib is missing or the file cannot be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.laws.calendar import CalendarDay
from reconciler.laws.model import Interval
from reconciler.util.plotting import pyplot, save_png

__all__ = ["plot_calendar"]


def plot_calendar(days: Sequence[CalendarDay], title: str, path: Path) -> None:
    """Draw `days` into the PNG `path`."""
    plt = pyplot("--png")
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.16 * len(days) + 1.5)))
    for row, item in enumerate(days):
        if item.legal is not None:
            ax.broken_barh(_bars(item.legal), (row - 0.45, 0.9), color="#b7e4c7")
        ax.broken_barh(_bars(item.callable), (row - 0.25, 0.5), color="#1f77b4")
        ax.broken_barh(_bars(item.outside), (row - 0.25, 0.5), color="#d62728")
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlabel("local hour")
    ax.set_yticks(range(len(days)))
    ax.set_yticklabels([f"{d.day:%a %Y-%m-%d}" for d in days], fontsize=6)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    save_png(plt, fig, path, "the calendar")


def _bars(intervals: Sequence[Interval]) -> list[tuple[float, float]]:
    return [(start / 60, (end - start) / 60) for start, end in intervals]
