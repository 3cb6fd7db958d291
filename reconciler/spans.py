"""When a schedule may call: its span, inside its enabled regulatory windows, minus blackouts.

Everything is computed on aware datetimes in UTC, so daylight-saving changes need no special
case: a regulatory window "08:00-21:00 America/New_York" becomes one UTC interval per local date
(13:00-02:00Z in winter, 12:00-01:00Z in summer), and a local day of the schedule's zone is the
UTC interval between two local midnights (23 hours on a spring-forward day, 25 on a fall-back
day). The enabled windows are joined (their union: windows of several zones each allow calling
to their own callees); a schedule with no enabled window is limited by its span and blackouts
only. A wall-clock time that falls in a DST gap is read with ``fold=0`` (the offset before the
change), as `zoneinfo` does.

Errors: `reconciler.errors.InputError` for a body whose times or zones cannot be read.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reconciler.errors import InputError

__all__ = [
    "CallableSpec",
    "Span",
    "Window",
    "callable_spans",
    "day_span",
    "local_dates",
    "merge",
    "minutes_by_day",
    "overlaps",
    "parse_instant",
    "subtract",
    "window_spans",
    "zone",
]

#: A half-open UTC interval [start, end).
Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Window:
    """An enabled daily regulatory window, local wall-clock [start, end) in its own zone."""

    start: time
    end: time
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class CallableSpec:
    """The parts of a schedule body that decide when it may call."""

    zone: ZoneInfo
    span: Span
    windows: tuple[Window, ...]
    blackouts: tuple[Span, ...]

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> CallableSpec:
        """Read a schedule body (file or API shape); raises InputError when it cannot."""
        windows = tuple(
            Window(_clock(w["startTime"]), _clock(w["endTime"]), zone(w["timeZone"]))
            for w in body.get("regulatoryWindows") or ()
            if w.get("enabled")
        )
        blackouts = tuple(
            (parse_instant(b["startTime"]), parse_instant(b["endTime"]))
            for b in body.get("blackoutPeriods") or ()
        )
        span = (parse_instant(body["startTime"]), parse_instant(body["endTime"]))
        return cls(zone(body["timeZone"]), span, windows, blackouts)


def parse_instant(text: object) -> datetime:
    """An ISO 8601 date-time with an offset, as an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError as exc:
        raise InputError(f"{text!r} is not an ISO 8601 date-time: {exc}") from exc
    if value.tzinfo is None:
        raise InputError(f"{text!r} has no UTC offset; write it like 2027-01-04T08:00:00-05:00")
    return value.astimezone(UTC)


def zone(name: object) -> ZoneInfo:
    """The IANA zone `name`; InputError when it does not exist."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"unknown time zone {name!r}; use an IANA name like America/New_York"
        ) from exc


def day_span(day: date, tz: ZoneInfo) -> Span:
    """The local day `day` of zone `tz` as a UTC interval (23, 24 or 25 hours long)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def local_dates(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def window_spans(windows: Sequence[Window], lo: datetime, hi: datetime) -> list[Span]:
    """The union of every instance of `windows` that overlaps [lo, hi), sorted, in UTC."""
    spans: list[Span] = []
    for window in windows:
        first = lo.astimezone(window.zone).date() - timedelta(days=1)
        for day in local_dates(first, hi.astimezone(window.zone).date()):
            start = datetime.combine(day, window.start, tzinfo=window.zone).astimezone(UTC)
            end = datetime.combine(day, window.end, tzinfo=window.zone).astimezone(UTC)
            spans.append((start, end))
    return _intersect(merge(spans), [(lo, hi)])


def callable_spans(spec: CallableSpec, lo: datetime, hi: datetime) -> list[Span]:
    """When `spec` may call inside [lo, hi): span, inside enabled windows, minus blackouts."""
    lo, hi = max(lo, spec.span[0]), min(hi, spec.span[1])
    if lo >= hi:
        return []
    allowed = window_spans(spec.windows, lo, hi) if spec.windows else [(lo, hi)]
    return subtract(allowed, merge(list(spec.blackouts)))


def minutes_by_day(spec: CallableSpec, first: date, last: date) -> dict[date, float]:
    """Callable minutes of each local day (in the schedule's zone) from `first` to `last`."""
    days = local_dates(first, last)
    lo, hi = day_span(days[0], spec.zone)[0], day_span(days[-1], spec.zone)[1]
    spans = callable_spans(spec, lo, hi)
    return {day: _minutes(_intersect(spans, [day_span(day, spec.zone)])) for day in days}


def overlaps(spans: Sequence[Span], start: datetime, end: datetime) -> bool:
    """Whether [start, end) overlaps any of the sorted, disjoint `spans`."""
    i = bisect.bisect_right(spans, (end,))  # first span starting at or after `end`
    return i > 0 and spans[i - 1][1] > start


def _minutes(spans: Iterable[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in spans) / 60


def merge(spans: Sequence[Span]) -> list[Span]:
    """The non-empty `spans`, sorted, with overlapping and touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return sorted(out)


def subtract(spans: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """The parts of `spans` outside every hole; `holes` sorted and disjoint (see `merge`)."""
    out: list[Span] = []
    ends = [h_end for _, h_end in holes]
    for span_start, end in spans:
        start = span_start
        index = bisect.bisect_right(ends, start)  # the first hole ending after `start`
        while index < len(holes) and holes[index][0] < end:
            h_start, h_end = holes[index]
            if h_start > start:
                out.append((start, h_start))
            start = max(start, h_end)
            index += 1
        if start < end:
            out.append((start, end))
    return out


def _clock(text: object) -> time:
    try:
        hours, minutes = str(text).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise InputError(f"{text!r} is not a clock time HH:MM like 08:00") from exc
