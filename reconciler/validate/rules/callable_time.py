"""Whether a schedule leaves any time to call: its span, minus blackouts, inside a window.

This is an existence check that stops at the first callable minute, so it stays cheap on long
schedules; `reconciler.spans` computes the callable time itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from reconciler.spans import Span, merge, subtract
from reconciler.validate.rules.view import ScheduleView, Window

__all__ = ["Verdict", "callable_verdict"]

#: "ok", or what leaves no time: the blackouts alone, or the windows outside the blackouts.
Verdict = Literal["ok", "blackouts", "windows"]

#: A free span this long holds every daily window whole, whatever daylight saving does.
_WHOLE_DAY = timedelta(hours=26)


def callable_verdict(view: ScheduleView) -> Verdict:
    """Whether `view` (with a readable, ordered span) has any callable time."""
    span = view.span
    if span is None:
        return "ok"
    free = subtract([span], merge([(b.start, b.end) for b in view.blackouts]))
    if not free:
        return "blackouts"
    windows = [w for w in view.windows if w.enabled and w.start < w.end]
    if not windows or any(_meets(part, w) for part in free for w in windows):
        return "ok"
    return "windows"


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
