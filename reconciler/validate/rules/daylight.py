"""Daylight-saving rules: boundaries in a gap or fold of their zone, and offsets that are wrong.

A date-time such as ``2027-03-14T02:30:00-05:00`` is an exact instant, but its wall-clock part
(02:30 on the spring-forward day) does not exist in America/New_York: `dst-gap`. One such as
``2027-11-07T01:30:00-04:00`` names one of two 01:30s: `dst-fold`. A daily regulatory window
boundary inside the change hour has the same problem on that day. And an offset that is not the
zone's offset on that date (``2027-07-05T00:00:00-05:00`` in New York, which is 01:00 local
time) is usually a winter offset copied into summer: `offset-mismatch`.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reconciler.validate.rules.context import Emitter
from reconciler.validate.rules.view import ScheduleView, clock_text
from reconciler.validate.timezones import Transition, boundary_status, wall_transition

__all__ = ["check_daylight"]


def check_daylight(view: ScheduleView, emit: Emitter) -> None:
    """Emit dst-gap, dst-fold and offset-mismatch warnings for `view`."""
    if view.zone is not None:
        for pointer, instant in view.instants:
            _instant(view, emit, view.zone, pointer, instant)
    _window_boundaries(view, emit)


def _instant(
    view: ScheduleView, emit: Emitter, zone: ZoneInfo, pointer: str, instant: datetime
) -> None:
    found = _instant_finding(view.text(pointer), instant, zone)
    if found is not None:
        emit(pointer, found[0], "warning", found[1])


@functools.lru_cache(maxsize=8192)
def _instant_finding(text: str, instant: datetime, zone: ZoneInfo) -> tuple[str, str] | None:
    """The rule and message for the date-time `text` (read as `instant`) in `zone`, if any.

    Cached per process: the files of one tree repeat their dates. `text` is part of the key
    because equal instants written with different offsets compare equal.
    """
    local = instant.replace(tzinfo=None)
    written = instant.utcoffset()
    change = wall_transition(local, zone)
    if change is not None and written in (change.before, change.after):
        return f"dst-{change.kind}", _wall_message(text, change, zone)
    actual = instant.astimezone(zone)
    if written and written != actual.utcoffset():
        meant = local.replace(tzinfo=zone).isoformat()
        message = (
            f"{text} is {actual:%H:%M} in {zone.key}, whose UTC offset on "
            f"that date is {_offset_text(actual.utcoffset())}; for {local:%H:%M} local time "
            f"write {meant}"
        )
        return "offset-mismatch", message
    return None


def _offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _wall_message(text: str, change: Transition, zone: ZoneInfo) -> str:
    if change.kind == "gap":
        return (
            f"{text}: this wall-clock time does not exist in {zone.key} (the clocks jump "
            "over it for daylight saving); use a time outside the skipped hour"
        )
    return (
        f"{text}: this wall-clock time happens twice in {zone.key} (the clocks fall back); "
        "the offset picks one of them: check it is the one you mean"
    )


def _window_boundaries(view: ScheduleView, emit: Emitter) -> None:
    span = view.span
    if span is None:
        return
    for window in view.windows:
        for field, clock in (("startTime", window.start), ("endTime", window.end)):
            change = boundary_status(clock, window.zone, span)
            if change is None:
                continue
            what = "does not exist" if change.kind == "gap" else "happens twice"
            message = (
                f"{clock_text(clock)} {what} in {window.zone.key} on "
                f"{change.wall_start:%Y-%m-%d} (daylight saving); move the boundary "
                "out of the hour that changes"
            )
            pointer = f"/regulatoryWindows/{window.index}/{field}"
            emit(pointer, f"dst-{change.kind}", "warning", message)
