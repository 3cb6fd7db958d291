"""Callable-time review of a planned change: per zone, does the change widen or narrow when
callees there can be called? Widening needs compliance review.

For an update, the schedule before is the desired body with the changed fields put back as
live had them; the callable time of each zone (the enabled windows of that zone, or the whole
span when the schedule has no window; minus blackouts; inside the span) is compared before and
after (`reconciler.spans`). The week grid shows, per local weekday and hour of the zone, where
time is added (+), removed (-), kept (#) or never callable (.), over the whole span. An update
touching none of the fields that decide callable time has no review. A create has none
either: a new schedule's callable time is what `validate` proves legal, and all of it is new.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from reconciler.errors import InputError
from reconciler.plan.build import Action, FieldChange
from reconciler.spans import CallableSpec, Span, callable_spans, merge, subtract

__all__ = ["DAYS", "Review", "ZoneReview", "grid_header", "review_action", "review_json"]

Verdict = Literal["widens", "narrows", "widens and narrows", "unchanged"]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FIELDS = ("startTime", "endTime", "timeZone", "blackoutPeriods", "regulatoryWindows")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class ZoneReview:
    """One zone's verdict and its week grid (7 rows of 24 hour cells: + - # .)."""

    zone: str
    verdict: Verdict
    grid: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Review:
    """The callable-time review of one update: the zones whose callable time changes."""

    zones: tuple[ZoneReview, ...]

    @property
    def needs_compliance_review(self) -> bool:
        return any("widens" in zone.verdict for zone in self.zones)


def review_action(action: Action) -> Review | None:
    """The review of an update that touches callable time; None otherwise."""
    if action.kind != "update" or action.desired is None:
        return None
    touched = [c for c in action.changes if c.pointer.split("/")[1] in _FIELDS]
    if not touched:
        return None
    key = (action.desired_hash, json.dumps([(c.pointer, c.before) for c in touched]))
    if key not in _REVIEWS:
        _REVIEWS[key] = _review(action.desired, touched)
    return _REVIEWS[key]


#: Reviews by (desired hash, changed fields before): each renderer of a plan asks again.
_REVIEWS: dict[tuple[str | None, str], Review | None] = {}


def _review(desired: Mapping[str, Any], touched: Sequence[FieldChange]) -> Review | None:
    before = dict(desired)
    for change in touched:
        key = change.pointer.split("/")[1]
        if change.pointer == f"/{key}":
            before[key] = change.before
    try:
        old, new = _spec(before), _spec(desired)
    except (InputError, KeyError, TypeError):
        return None
    zones = sorted({w.zone.key for w in (*old.windows, *new.windows)} or {new.zone.key})
    reviews = tuple(_zone_review(old, new, zone) for zone in zones)
    return Review(tuple(r for r in reviews if r.verdict != "unchanged"))


def review_json(review: Review) -> dict[str, Any]:
    return {
        "needs_compliance_review": review.needs_compliance_review,
        "zones": [
            {"zone": z.zone, "verdict": z.verdict, "grid": list(z.grid)} for z in review.zones
        ],
    }


def _spec(body: Mapping[str, Any]) -> CallableSpec:
    return CallableSpec.from_body({k: v for k, v in body.items() if v is not None})


def _zone_review(old: CallableSpec, new: CallableSpec, zone: str) -> ZoneReview:
    before, after = _zone_spans(old, zone), _zone_spans(new, zone)
    added, removed = subtract(after, before), subtract(before, merge(after))
    kept = subtract(after, merge(added))
    verdict: Verdict = (
        "widens and narrows"
        if added and removed
        else "widens"
        if added
        else "narrows"
        if removed
        else "unchanged"
    )
    return ZoneReview(zone, verdict, _grid(ZoneInfo(zone), added, removed, kept))


def _zone_spans(spec: CallableSpec, zone: str) -> list[Span]:
    windows = tuple(w for w in spec.windows if w.zone.key == zone)
    if spec.windows and not windows:
        return []
    lo, hi = spec.span
    return merge(
        callable_spans(CallableSpec(spec.zone, spec.span, windows, spec.blackouts), lo, hi)
    )


def _grid(
    tz: ZoneInfo, added: Sequence[Span], removed: Sequence[Span], kept: Sequence[Span]
) -> tuple[str, ...]:
    cells = ["."] * (7 * 24)
    for mark, spans in (("#", kept), ("-", removed), ("+", added)):
        for start, end in spans:
            for cell in _cells(start, end, tz):
                cells[cell] = mark
    return tuple("".join(cells[day * 24 : day * 24 + 24]) for day in range(7))


def _cells(start: datetime, end: datetime, tz: ZoneInfo) -> range | list[int]:
    """Week cells (weekday * 24 + local hour) that [start, end) touches, by local wall clock."""
    if end - start >= timedelta(days=7):
        return range(7 * 24)
    first, last = start.astimezone(tz), (end - _TICK).astimezone(tz)
    begin = first.weekday() * 24 + first.hour
    days = (last.date() - first.date()).days
    count = days * 24 + last.hour - first.hour + 1
    return [(begin + step) % (7 * 24) for step in range(min(count, 7 * 24))]


def grid_header() -> str:
    """The hour ruler over a grid row: 0, 6, 12 and 18 above their cells."""
    return "0     6     12    18"
