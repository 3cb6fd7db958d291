"""The Admin API's wire shapes of a skill's parameter blocks, to and from the normal form.

What a GET returns and what a PUT takes differ: GETs are flat (`{isScheduled, sundayStartTime,
...}`, `{maximumRatio, ...}`) or, on some versions, wrapped like the PUT; time-zone GETs are a
bare list or `{timeZoneSettings: [...]}` whose entries name their zone `name` or `standardName`.
PUTs are always wrapped: `{"scheduleSettings": {...}}`, `{"timeZoneSettings": [...]}`,
`{"generalSettings": {...}}`. `unwrap` takes any of the GET shapes to the flat one,
`normal_of` gives the normal form (`reconciler.skills.normal`), and `put_body` builds a PUT
from the flat body just read with the desired normal form laid over it, so every field cxsched
does not manage is sent back as read. Times go out as `HH:MM`, the format live clients send.

Errors: `MalformedBlock` (from the normal form) for an answer that cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.skills.normal import (
    DAYS,
    BlockName,
    MalformedBlock,
    canonical_number,
    canonical_time,
    normal_general,
    normal_schedule,
    normal_zones,
)

__all__ = ["normal_of", "put_body", "unwrap"]

_MAX_ZONES = 500


def unwrap(block: BlockName, body: Any) -> Any:
    """The flat body of a block (a dict; a list of zone dicts for time zones)."""
    if block == "timeZoneSettings":
        if isinstance(body, Mapping):
            for key in ("timeZoneSettings", "timeZones", "timeZoneBoundings"):
                if isinstance(body.get(key), list):
                    body = body[key]
                    break
        if body is None:
            return []
        if not isinstance(body, list) or len(body) > _MAX_ZONES:
            raise MalformedBlock("the time zones are not a list of zone windows")
        if not all(isinstance(item, Mapping) for item in body):
            raise MalformedBlock("a zone window is not an object")
        return [dict(item) for item in body]
    if not isinstance(body, Mapping):
        raise MalformedBlock(f"{block} is not an object")
    inner = body.get(block)
    return dict(inner) if isinstance(inner, Mapping) else dict(body)


def normal_of(block: BlockName, flat: Any) -> dict[str, Any]:
    """The normal form of a flat block body."""
    if block == "scheduleSettings":
        days = {
            day: {
                "isActive": flat.get(f"{day}IsActive"),
                "startTime": flat.get(f"{day}StartTime"),
                "endTime": flat.get(f"{day}EndTime"),
            }
            for day in DAYS
        }
        return normal_schedule(flat.get("isScheduled"), days)
    if block == "timeZoneSettings":
        return normal_zones(flat)
    return normal_general(flat)


def put_body(block: BlockName, flat: Any, desired: Mapping[str, Any]) -> dict[str, Any]:
    """The wrapped PUT body: `flat` (as read) with the desired normal form laid over it."""
    if block == "scheduleSettings":
        return {"scheduleSettings": _schedule_body(flat, desired)}
    if block == "timeZoneSettings":
        return {"timeZoneSettings": _zones_body(flat, desired)}
    return {"generalSettings": _general_body(flat, desired)}


def _schedule_body(flat: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(flat)
    body["isScheduled"] = desired["isScheduled"]
    for day in DAYS:
        want = desired[day]
        body[f"{day}IsActive"] = want["isActive"]
        for edge in ("StartTime", "EndTime"):
            key = f"{day}{edge}"
            if want["isActive"]:
                body[key] = _hhmm(want[edge[0].lower() + edge[1:]])
            else:  # an inactive day's times mean nothing: send what was read, in HH:MM
                body[key] = _hhmm_or_midnight(flat.get(key))
    return body


def _zones_body(flat: list[Mapping[str, Any]], desired: Mapping[str, Any]) -> list[dict[str, Any]]:
    read = {str(item.get("standardName", item.get("name", ""))).strip(): item for item in flat}
    body = []
    for name, want in sorted(desired.items()):
        was = read.get(name, {})
        override = was.get("overrideTime", True)
        body.append(
            {
                "standardName": name,
                "startTime": _hhmm(want["startTime"]),
                "endTime": _hhmm(want["endTime"]),
                "timeZoneActiveToCall": want["timeZoneActiveToCall"],
                "overrideTime": override if isinstance(override, bool) else True,
            }
        )
    return body


def _general_body(flat: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(flat)
    for key, value in desired.items():
        if isinstance(value, bool) or isinstance(flat.get(key), str):
            body[key] = value
        else:
            number = float(canonical_number(value))
            body[key] = int(number) if number.is_integer() else number
    return body


def _hhmm(value: str) -> str:
    return canonical_time(value)[:5]


def _hhmm_or_midnight(value: Any) -> str:
    try:
        return _hhmm(value)
    except MalformedBlock:
        return "00:00"
