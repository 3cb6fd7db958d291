"""Callable minutes per local day: windows in their own zones, blackouts, DST (pure, no API)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from reconciler.analytics.adherence.measure import actual_by_day, planned_days
from reconciler.api.protocol import AnalyticsBucket
from reconciler.errors import InputError
from reconciler.spans import (
    CallableSpec,
    callable_spans,
    day_span,
    minutes_by_day,
    overlaps,
    parse_instant,
    zone,
)

NY = "America/New_York"


def _window(start: str, end: str, tz: str = NY, enabled: bool = True) -> dict[str, Any]:
    return {"startTime": start, "endTime": end, "timeZone": tz, "enabled": enabled}


def _body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "startTime": "2027-03-01T00:00:00-05:00",
        "endTime": "2027-12-01T00:00:00-05:00",
        "timeZone": NY,
    }
    body.update(extra)
    return body


def _minutes(body: dict[str, Any], first: date, last: date) -> list[float]:
    return list(minutes_by_day(CallableSpec.from_body(body), first, last).values())


def test_local_days_are_23_and_25_hours_long_on_dst_changes() -> None:
    ny = zone(NY)
    lengths = [
        (end - start).total_seconds() / 3600
        for start, end in (day_span(date(2027, m, d), ny) for m, d in ((3, 13), (3, 14), (11, 7)))
    ]
    assert lengths == [24, 23, 25]
    assert day_span(date(2027, 3, 14), ny)[0] == datetime(2027, 3, 14, 5, tzinfo=UTC)


def test_a_window_in_the_schedule_zone_keeps_its_length_across_dst() -> None:
    body = _body(regulatoryWindows=[_window("08:00", "21:00")])
    # 08:00-21:00 is 13 h = 780 min on every local day, also on 2027-03-14 and 2027-11-07.
    assert _minutes(body, date(2027, 3, 13), date(2027, 3, 15)) == [780.0, 780.0, 780.0]
    assert _minutes(body, date(2027, 11, 6), date(2027, 11, 8)) == [780.0, 780.0, 780.0]


def test_without_windows_a_day_is_as_long_as_the_clock_says_minus_blackouts() -> None:
    body = _body(
        startTime="2027-03-13T00:00:00-05:00",
        endTime="2027-03-16T00:00:00-04:00",
        blackoutPeriods=[
            {
                "startTime": "2027-03-15T09:00:00-04:00",
                "endTime": "2027-03-15T17:00:00-04:00",
                "reason": "training",
            },
        ],
    )
    # 03-13: 24 h = 1440; 03-14 (spring forward): 23 h = 1380; 03-15: 1440 - 8 h blackout = 960;
    # 03-16: after the span's end, 0.
    assert _minutes(body, date(2027, 3, 13), date(2027, 3, 16)) == [1440.0, 1380.0, 960.0, 0.0]


def test_a_window_of_another_zone_crossing_local_midnight_is_split_by_local_day() -> None:
    body = _body(
        regulatoryWindows=[
            _window("18:00", "23:00", "America/Los_Angeles"),
            _window("00:00", "23:59", "UTC", enabled=False),
        ],
    )
    # 18:00-23:00 Los Angeles = 21:00-02:00 New York: 180 min of the evening + 120 min of the
    # previous evening's window after midnight = 300 min, on the DST day too (both zones change
    # at their own 02:00). The disabled UTC window adds nothing.
    assert _minutes(body, date(2027, 3, 13), date(2027, 3, 15)) == [300.0, 300.0, 300.0]
    # A span starting at noon keeps only that evening's 21:00-24:00 of its first day: 180.
    body["startTime"] = "2027-03-01T12:00:00-05:00"
    assert _minutes(body, date(2027, 3, 1), date(2027, 3, 1)) == [180.0]


def test_windows_are_joined_and_windows_in_a_dst_gap_read_with_fold_0() -> None:
    body = _body(
        regulatoryWindows=[
            _window("09:00", "12:00"),
            _window("11:00", "14:00"),
            _window("02:30", "04:00"),
        ]
    )
    # 09:00-14:00 joined = 300 min; 02:30-04:00 is 90 min except on 2027-03-14, where 02:30 does
    # not exist: read as 02:30 EST = 03:30 EDT, leaving 03:30-04:00 = 30 min.
    assert _minutes(body, date(2027, 3, 13), date(2027, 3, 14)) == [390.0, 330.0]


def test_callable_spans_clip_to_the_schedule_span() -> None:
    spec = CallableSpec.from_body(_body(regulatoryWindows=[_window("08:00", "21:00")]))
    lo, hi = datetime(2027, 2, 27, tzinfo=UTC), datetime(2027, 3, 2, tzinfo=UTC)
    assert callable_spans(spec, lo, hi) == [
        (datetime(2027, 3, 1, 13, tzinfo=UTC), datetime(2027, 3, 2, tzinfo=UTC))
    ]
    assert callable_spans(spec, lo, datetime(2027, 2, 28, tzinfo=UTC)) == []


def test_overlaps() -> None:
    t = [datetime(2027, 1, 1, h, tzinfo=UTC) for h in range(6)]
    spans = [(t[1], t[2]), (t[3], t[5])]
    assert [overlaps(spans, t[h], t[h + 1]) for h in range(5)] == [False, True, False, True, True]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_body(timeZone="Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (_body(startTime="2027-03-01T00:00:00"), "has no UTC offset"),
        (_body(startTime="tomorrow"), "is not an ISO 8601 date-time"),
        (_body(regulatoryWindows=[_window("8am", "21:00")]), "is not a clock time HH:MM"),
    ],
)
def test_unreadable_bodies_raise_input_errors(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        CallableSpec.from_body(body)


def test_parse_instant_returns_utc() -> None:
    assert parse_instant("2027-03-14T03:00:00-04:00") == datetime(2027, 3, 14, 7, tzinfo=UTC)


def test_planned_days_multiply_the_call_rate_by_callable_minutes() -> None:
    spec = CallableSpec.from_body(_body(regulatoryWindows=[_window("08:00", "21:00")]))
    rows = planned_days(spec, 2.5, date(2027, 11, 6), date(2027, 11, 7))
    # (day, hours in the local day, callable minutes, 2.5 attempts/min x minutes)
    assert rows == [
        (date(2027, 11, 6), 24.0, 780.0, 1950.0),
        (date(2027, 11, 7), 25.0, 780.0, 1950.0),
    ]


def test_actual_attempts_go_to_the_local_day_of_the_bucket_start() -> None:
    buckets = [
        AnalyticsBucket("2027-03-14T04:00:00.000Z", "ANSWERED", 3),  # 23:00 EST on 03-13
        AnalyticsBucket("2027-03-14T05:00:00Z", "BUSY", 5),  # 00:00 EST on 03-14
        AnalyticsBucket("2027-03-15T03:00:00Z", "ANSWERED", 7),  # 23:00 EDT on 03-14
        AnalyticsBucket("2027-03-15T04:00:00Z", "ANSWERED", 11),  # 00:00 EDT on 03-15: outside
    ]
    assert actual_by_day(buckets, zone(NY), date(2027, 3, 13), date(2027, 3, 14)) == {
        date(2027, 3, 13): 3,
        date(2027, 3, 14): 12,
    }
