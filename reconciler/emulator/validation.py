"""Server-side validation of a schedule, answering 400 with one detail per wrong field.

Every rule of the contract's schedule table is checked on the whole document (after a merge
patch, the merged result): types, lengths, ranges, an existing IANA zone, `startTime < endTime`,
`HH:MM` regulatory windows with start < end, blackout reasons of 1..256 characters, `callRate`
within the tenant's `maxCallRate`, `maxConcurrentCalls` within the tenant's capacity. Unknown
fields are refused. Details carry JSON pointers (`/dialerSettings/callRate`).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any

from reconciler.emulator.contract import Capacity
from reconciler.emulator.errors import Detail, Problem
from reconciler.emulator.render import parse_datetime

__all__ = ["REQUIRED_FIELDS", "check_schedule", "validate_schedule"]

REQUIRED_FIELDS: tuple[str, ...] = ("name", "startTime", "endTime", "timeZone")
_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_Checker = Callable[[Any, str, Capacity], list[Detail]]


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: object) -> bool:
    return _is_number(value) and float(value).is_integer()  # type: ignore[arg-type]


def _text(low: int, high: int) -> _Checker:
    def check(value: Any, ptr: str, _: Capacity) -> list[Detail]:
        if not isinstance(value, str):
            return [(ptr, "must be a string")]
        if not low <= len(value) <= high:
            return [(ptr, f"must be {low} to {high} characters long, got {len(value)}")]
        return []

    return check


def _datetime(value: Any, ptr: str, _: Capacity) -> list[Detail]:
    if parse_datetime(value) is None:
        return [(ptr, "must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T08:00:00Z")]
    return []


def _zone(value: Any, ptr: str, _: Capacity) -> list[Detail]:
    if not isinstance(value, str) or value not in _zones():
        return [(ptr, f"unknown IANA time zone {value!r}, e.g. America/New_York")]
    return []


def _boolean(value: Any, ptr: str, _: Capacity) -> list[Detail]:
    return [] if isinstance(value, bool) else [(ptr, "must be true or false")]


def _hhmm(value: Any, ptr: str, _: Capacity) -> list[Detail]:
    if isinstance(value, str) and _HHMM.fullmatch(value):
        return []
    return [(ptr, "must be a wall-clock time HH:MM, e.g. 08:00")]


def _range(key: str, limits: Capacity, value: Any, ptr: str) -> list[Detail]:
    number = float(value)
    if key == "maxConcurrentCalls" and not 1 <= number <= limits.max_concurrent_calls:
        return [(ptr, f"must be 1 to {limits.max_concurrent_calls} (tenant capacity)")]
    if key == "callRate" and not 0 < number <= limits.max_call_rate:
        return [(ptr, f"must be above 0 and at most {limits.max_call_rate} (tenant maxCallRate)")]
    if key == "capacityThreshold" and not 0 < number <= 1:
        return [(ptr, "must be above 0 and at most 1")]
    if key == "peakHourBoost" and not 1 <= number <= 2:
        return [(ptr, "must be 1.0 to 2.0")]
    return []


def _numeric(key: str, integer: bool = False) -> _Checker:
    def check(value: Any, ptr: str, limits: Capacity) -> list[Detail]:
        if integer and not _is_integer(value):
            return [(ptr, "must be an integer")]
        if not _is_number(value):
            return [(ptr, "must be a number")]
        return _range(key, limits, value, ptr)

    return check


def _ordered(obj: dict[str, Any], ptr: str, parse: Callable[[Any], Any]) -> list[Detail]:
    start, end = parse(obj.get("startTime")), parse(obj.get("endTime"))
    if start is not None and end is not None and not start < end:
        return [(f"{ptr}/endTime", "must be after startTime")]
    return []


def _object(fields: dict[str, _Checker], required: tuple[str, ...] = ()) -> _Checker:
    def check(value: Any, ptr: str, limits: Capacity) -> list[Detail]:
        if not isinstance(value, dict):
            return [(ptr, "must be an object")]
        found = [(f"{ptr}/{key}", "is required") for key in required if key not in value]
        for key, item in value.items():
            checker = fields.get(key)
            if checker is None:
                found.append((f"{ptr}/{_escape(key)}", "unknown field"))
            else:
                found.extend(checker(item, f"{ptr}/{key}", limits))
        return found

    return check


def _list_of(item_check: _Checker, order: Callable[[Any], Any]) -> _Checker:
    def check(value: Any, ptr: str, limits: Capacity) -> list[Detail]:
        if not isinstance(value, list):
            return [(ptr, "must be a list")]
        found: list[Detail] = []
        for index, item in enumerate(value):
            item_found = item_check(item, f"{ptr}/{index}", limits)
            if not item_found and isinstance(item, dict):
                item_found = _ordered(item, f"{ptr}/{index}", order)
            found.extend(item_found)
        return found

    return check


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _wall_clock(value: Any) -> Any:
    return value if isinstance(value, str) and _HHMM.fullmatch(value) else None


_BLACKOUT = _object(
    {"startTime": _datetime, "endTime": _datetime, "reason": _text(1, 256)},
    required=("startTime", "endTime", "reason"),
)
_WINDOW = _object(
    {"startTime": _hhmm, "endTime": _hhmm, "timeZone": _zone, "enabled": _boolean},
    required=("startTime", "endTime", "timeZone"),
)
_SCHEDULE = _object(
    {
        "name": _text(1, 128),
        "description": _text(0, 1024),
        "startTime": _datetime,
        "endTime": _datetime,
        "timeZone": _zone,
        "blackoutPeriods": _list_of(_BLACKOUT, parse_datetime),
        "dialerSettings": _object(
            {
                "maxConcurrentCalls": _numeric("maxConcurrentCalls", integer=True),
                "callRate": _numeric("callRate"),
                "capacityThreshold": _numeric("capacityThreshold"),
            }
        ),
        "regulatoryWindows": _list_of(_WINDOW, _wall_clock),
        "optimizationSettings": _object(
            {"useHistoricalAnswerRates": _boolean, "peakHourBoost": _numeric("peakHourBoost")}
        ),
    },
    required=REQUIRED_FIELDS,
)


def check_schedule(document: dict[str, Any], limits: Capacity) -> list[Detail]:
    """Every problem of a whole schedule document (without its read-only fields)."""
    found = _SCHEDULE(document, "", limits)
    if not found:
        found = _ordered(document, "", parse_datetime)
    return found


def validate_schedule(document: dict[str, Any], limits: Capacity, where: str) -> None:
    """Raise a 400 `Problem` listing every problem of `document`; `where` names the call."""
    details = check_schedule(document, limits)
    if details:
        fields = ", ".join(pointer for pointer, _ in details)
        raise Problem(
            400,
            "invalid_schedule",
            f"{where}: the schedule is invalid at {fields}; fix these fields and resend",
            details=details,
        )
