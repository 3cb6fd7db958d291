"""Whether a schedule leaves any time to call: its span, minus blackouts, inside a window.

This is an existence check that stops at the first callable minute, so it stays cheap on long
schedules; `reconciler.callable` computes the callable time itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from reconciler.rules.view import ScheduleView, Window

__all__ = ["Verdict", "callable_verdict", "free_spans"]

#: "ok", or what leaves no time: the blackouts alone, or the windows outside the blackouts.
Verdict = Literal["ok", "blackouts", "windows"]
Span = tuple[datetime, datetime]

#: A free span this long holds every daily window whole, whatever daylight saving does.
_WHOLE_DAY = timedelta(hours=26)


def callable_verdict(view: ScheduleView) -> Verdict:
    """Whether `view` (with a readable, ordered span) has any callable time."""
    span = view.span
    if span is None:
        return "ok"
    free = free_spans(span, [(b.start, b.end) for b in view.blackouts])
    if not free:
        return "blackouts"
    windows = [w for w in view.windows if w.enabled and w.start < w.end]
    if not windows or any(_meets(part, w) for part in free for w in windows):
        return "ok"
    return "windows"


def free_spans(span: Span, holes: Sequence[Span]) -> list[Span]:
    """The parts of `span` outside every hole."""
    start, end = span
    free: list[Span] = []
    for hole_start, hole_end in sorted(hole for hole in holes if hole[0] < hole[1]):
        if hole_start > start:
            free.append((start, min(hole_start, end)))
        start = max(start, hole_end)
        if start >= end:
            break
    if start < end:
        free.append((start, end))
    return free


def _meets(part: Span, window: Window) -> bool:
    start, end = part
    if end - start >= _WHOLE_DAY:
        return True
    day = start.astimezone(window.zone).date() - timedelta(days=1)
    last = end.astimezone(window.zone).date()
    while day <= last:
        opens = datetime.combine(day, window.start, tzinfo=window.zone)
        closes = datetime.combine(day, window.end, tzinfo=window.zone)
        if max(opens, start) < min(closes, end):
            return True
        day += timedelta(days=1)
    return False
