"""Edges of untrusted input: strict JSON decoding and the Admin API's block wrappers.

`strictjson.loads` must refuse what Python's `json` lets through (non-finite numbers, huge
integers, deep nesting, bytes that are not UTF-8) with an `UnsafeJson` that says why; `unwrap`
must take every GET shape a tenant sends to the flat one and refuse the rest with a
`MalformedBlock`.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.admin.wire import put_body, unwrap
from reconciler.skills.normal import DAYS, MalformedBlock
from reconciler.util.strictjson import MAX_DEPTH, MAX_DIGITS, UnsafeJson, loads


def _refusal(text: str | bytes) -> UnsafeJson:
    with pytest.raises(UnsafeJson) as caught:
        loads(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "it holds NaN, which JSON does not allow (numbers must be finite)"),
        ("[Infinity]", "it holds Infinity, which JSON does not allow (numbers must be finite)"),
        ("-Infinity", "it holds -Infinity, which JSON does not allow (numbers must be finite)"),
        ('{"ratio": 1e400}', "the number 1e400 is too large (it overflows to infinity)"),
        ("-" + "9" * 41, f"an integer has 41 digits (at most {MAX_DIGITS})"),
        ("[" + "1" * 5000 + "]", f"an integer has 5,000 digits (at most {MAX_DIGITS})"),
        (b'{"a": "\xff"}', "it is not UTF-8 JSON (UnicodeDecodeError)"),
    ],
)
def test_what_python_would_accept_is_refused_with_the_reason(text: str, message: str) -> None:
    refusal = _refusal(text)
    assert str(refusal) == message
    assert (refusal.line, refusal.column) == (0, 0)
    assert isinstance(refusal, ValueError)


def test_a_syntax_error_names_its_line_and_column() -> None:
    refusal = _refusal('{\n  "a": 1,\n  "b": }')
    assert str(refusal) == "invalid JSON: Expecting value"
    assert (refusal.line, refusal.column) == (3, 8)


def test_the_widest_accepted_integer_and_a_finite_float_pass() -> None:
    assert loads("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
    assert loads(b'{"x": [1.5e300, -0.0, true, null]}') == {"x": [1.5e300, -0.0, True, None]}


def test_nesting_is_bounded_both_below_and_past_the_recursion_limit() -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    too_deep = f"it is nested deeper than {MAX_DEPTH} levels"
    assert str(_refusal("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))) == too_deep
    assert str(_refusal('{"a": ' * 70 + "1" + "}" * 70)) == too_deep
    assert str(_refusal("[" * 100_000 + "]" * 100_000)) == too_deep  # RecursionError in json


ZONE = {"standardName": "Central Standard Time", "startTime": "08:00", "endTime": "21:00"}


@pytest.mark.parametrize(
    "body",
    [
        [ZONE],
        {"timeZoneSettings": [ZONE]},
        {"timeZones": [ZONE]},
        {"timeZoneBoundings": [ZONE]},
    ],
)
def test_every_zone_shape_unwraps_to_the_list(body: Any) -> None:
    flat = unwrap("timeZoneSettings", body)
    assert flat == [ZONE]
    assert flat[0] is not ZONE  # a copy: the answer is never edited in place


def test_no_zones_at_all_is_an_empty_list() -> None:
    assert unwrap("timeZoneSettings", None) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"timeZoneSettings": "none"}, "the time zones are not a list of zone windows"),
        ("Central", "the time zones are not a list of zone windows"),
        ([ZONE] * 501, "the time zones are not a list of zone windows"),
        ([ZONE, "Eastern"], "a zone window is not an object"),
        ([None], "a zone window is not an object"),
    ],
)
def test_malformed_zone_answers_are_refused(body: Any, message: str) -> None:
    with pytest.raises(MalformedBlock) as caught:
        unwrap("timeZoneSettings", body)
    assert str(caught.value) == message


def test_exactly_500_zone_windows_are_accepted() -> None:
    assert len(unwrap("timeZoneSettings", [ZONE] * 500)) == 500


@pytest.mark.parametrize("block", ["scheduleSettings", "generalSettings"])
@pytest.mark.parametrize("body", [[{"maximumRatio": 2}], "2", None, 7])
def test_a_settings_answer_that_is_not_an_object_is_refused(block: Any, body: Any) -> None:
    with pytest.raises(MalformedBlock) as caught:
        unwrap(block, body)
    assert str(caught.value) == f"{block} is not an object"


def test_settings_unwrap_from_their_wrapper_or_stay_flat() -> None:
    flat = {"maximumRatio": 2, "aggressiveness": "3"}
    assert unwrap("generalSettings", {"generalSettings": flat}) == flat
    assert unwrap("generalSettings", flat) == flat
    # a wrapper key that is not an object is an ordinary field of the flat body
    odd = {"generalSettings": "x", "maximumRatio": 2}
    assert unwrap("generalSettings", odd) == odd


def test_a_put_keeps_unmanaged_fields_and_the_overrides_read() -> None:
    read = [{**ZONE, "overrideTime": False}, {"name": "Eastern Standard Time", "overrideTime": 1}]
    desired = {
        "Central Standard Time": {
            "startTime": "09:00:00",
            "endTime": "20:00",
            "timeZoneActiveToCall": True,
        },
        "Eastern Standard Time": {
            "startTime": "8:00",
            "endTime": "21:00",
            "timeZoneActiveToCall": False,
        },
    }
    assert put_body("timeZoneSettings", read, desired) == {
        "timeZoneSettings": [
            {
                "standardName": "Central Standard Time",
                "startTime": "09:00",
                "endTime": "20:00",
                "timeZoneActiveToCall": True,
                "overrideTime": False,
            },
            {
                "standardName": "Eastern Standard Time",
                "startTime": "08:00",
                "endTime": "21:00",
                "timeZoneActiveToCall": False,
                "overrideTime": True,  # 1 is not a boolean: the default is sent
            },
        ]
    }
    general = put_body(
        "generalSettings",
        {"maximumRatio": 2, "aggressiveness": "3", "minimumRetryMinutes": 60},
        {"maximumRatio": "2.5", "aggressiveness": "4", "abandonRateEnabled": True},
    )
    assert general == {
        "generalSettings": {
            "maximumRatio": 2.5,
            "aggressiveness": "4",
            "minimumRetryMinutes": 60,
            "abandonRateEnabled": True,
        }
    }


def test_an_inactive_days_unreadable_times_go_out_as_midnight() -> None:
    read: dict[str, Any] = {"isScheduled": True, "customField": 7}
    for day in DAYS:
        read |= {f"{day}IsActive": False, f"{day}StartTime": "08:00:00", f"{day}EndTime": None}
    read |= {"sundayStartTime": "27:99", "sundayEndTime": "\x1b[2J"}
    desired: dict[str, Any] = {"isScheduled": True}
    desired |= {day: {"isActive": False} for day in DAYS}
    desired["monday"] = {"isActive": True, "startTime": "9:00", "endTime": "17:30:00"}
    body = put_body("scheduleSettings", read, desired)["scheduleSettings"]
    assert body["customField"] == 7  # unmanaged, sent back as read
    assert (body["mondayIsActive"], body["mondayStartTime"], body["mondayEndTime"]) == (
        True,
        "09:00",
        "17:30",
    )
    assert (body["sundayStartTime"], body["sundayEndTime"]) == ("00:00", "00:00")
    assert (body["tuesdayStartTime"], body["tuesdayEndTime"]) == ("08:00", "00:00")
    assert body["tuesdayIsActive"] is False
