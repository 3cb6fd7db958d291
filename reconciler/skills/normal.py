"""The normal form of a skill's dialing-settings blocks, their diff and their version token.

Both sides are compared in this one form: what a file declares and what the Admin API returns
(after the profile has taken off its wrappers). In it:

- times are `HH:MM` (`HH:MM:SS` only when the seconds are not zero), whether written `9:00`,
  `09:00` or `09:00:00`;
- an inactive weekday keeps only `isActive: false` (its times mean nothing);
- zones are keyed by CXone standard name (`name` and `standardName` alike), so order is moot;
- numbers are decimal strings (`2.5`, `3`), whether sent as numbers or strings.

`block_version` digests a block's normal form into the `VersionToken` that guards writes to it:
the Admin API has no ETag, so a block is "still at version V" when its normal form still
digests to V. `MalformedBlock` is raised for a value that has no normal form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from reconciler.model import VersionToken
from reconciler.util.hashing import digest

__all__ = [
    "BLOCKS",
    "DAYS",
    "PACING_FIELDS",
    "BlockName",
    "Change",
    "MalformedBlock",
    "block_version",
    "canonical_number",
    "canonical_time",
    "diff",
    "normal_general",
    "normal_schedule",
    "normal_zones",
]

BlockName = Literal["scheduleSettings", "timeZoneSettings", "generalSettings"]

#: The blocks of a skill, in the fixed order apply writes them.
BLOCKS: tuple[BlockName, ...] = ("scheduleSettings", "timeZoneSettings", "generalSettings")

DAYS: tuple[str, ...] = (
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
)

#: General dialer settings a file may manage: the ones that shape pacing.
PACING_FIELDS: tuple[str, ...] = (
    "maximumRatio",
    "aggressiveness",
    "abandonRateThreshold",
    "abandonRateCutoff",
    "overrideBusinessUnitAbandonRate",
    "beginDampenPercentage",
    "percentageOfAgentsBeforeOverdial",
    "maxConcurrentCallsPerAgent",
    "maximumRingingDuration",
    "maxWaitTimeSeconds",
)

_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,7})?)?$")
_NUMBER_TEXT = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")

#: (JSON pointer inside the block, value before, value after); None for "absent".
Change = tuple[str, Any, Any]


class MalformedBlock(ValueError):
    """A value of a block has no normal form (a time like `25:00`, a number like `NaN`)."""


def canonical_time(value: Any) -> str:
    """`H:MM`, `HH:MM` or `HH:MM:SS` as `HH:MM` (or `HH:MM:SS` with seconds); `24:00` allowed."""
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise MalformedBlock(f"{_shown(value)} is not a time of day (HH:MM)")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and minutes + seconds):
        raise MalformedBlock(f"{_shown(value)} is not a time of day (HH:MM)")
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def canonical_number(value: Any) -> str:
    """A finite number, or a string holding one, as its shortest decimal text (`2.5`, `3`)."""
    if isinstance(value, bool):
        raise MalformedBlock(f"{_shown(value)} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise MalformedBlock(f"{_shown(value)} is not a finite number")
    if isinstance(value, str) and not _NUMBER_TEXT.match(value.strip()):
        raise MalformedBlock(f"{_shown(value)} is not a number")
    if not isinstance(value, (int, float, str)):
        raise MalformedBlock(f"{_shown(value)} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise MalformedBlock(f"{_shown(value)} is not a number") from None
    if not number.is_finite() or abs(number) > Decimal(10) ** 12:
        raise MalformedBlock(f"{_shown(value)} is not a finite number of sensible size")
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _boolean(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise MalformedBlock(f"{what} {_shown(value)} is not true or false")


def normal_schedule(is_scheduled: Any, days: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The weekly schedule: `isScheduled` and, per weekday, `isActive` (+ times when active)."""
    normal: dict[str, Any] = {"isScheduled": _boolean(is_scheduled, "isScheduled")}
    for day in DAYS:
        entry = days.get(day)
        if entry is None:
            raise MalformedBlock(f"the weekly schedule has no {day}")
        active = _boolean(entry.get("isActive"), f"{day} isActive")
        if not active:
            normal[day] = {"isActive": False}
            continue
        normal[day] = {
            "isActive": True,
            "startTime": canonical_time(entry.get("startTime")),
            "endTime": canonical_time(entry.get("endTime")),
        }
    return normal


def normal_zones(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Zone windows keyed by standard name: `startTime`, `endTime`, `timeZoneActiveToCall`."""
    normal: dict[str, Any] = {}
    for entry in entries:
        name = entry.get("standardName", entry.get("name"))
        if not isinstance(name, str) or not name.strip():
            raise MalformedBlock(f"a zone window has no standard name: {_shown(entry)}")
        name = name.strip()
        if name in normal:
            raise MalformedBlock(f"zone {name!r} has two windows")
        normal[name] = {
            "startTime": canonical_time(entry.get("startTime")),
            "endTime": canonical_time(entry.get("endTime")),
            "timeZoneActiveToCall": _boolean(entry.get("timeZoneActiveToCall"), name),
        }
    return dict(sorted(normal.items()))


def normal_general(values: Mapping[str, Any]) -> dict[str, Any]:
    """General settings: booleans as booleans, numbers (or numeric strings) as decimal strings."""
    normal: dict[str, Any] = {}
    for key, value in sorted(values.items()):
        if value is None:
            continue
        if isinstance(value, bool):
            normal[key] = value
        elif isinstance(value, (int, float)) or (
            isinstance(value, str) and _NUMBER_TEXT.match(value.strip())
        ):
            normal[key] = canonical_number(value)
        elif isinstance(value, str):
            normal[key] = value
        # nested values of settings cxsched does not model are not part of the normal form
    return normal


def block_version(settings: Mapping[str, Any]) -> VersionToken:
    """The version token of a block: the digest of its normal form."""
    return VersionToken(digest(settings))


def diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], prefix: str = ""
) -> list[Change]:
    """Leaf changes from `before` to `after`, as (pointer, old, new), keys sorted."""
    changes: list[Change] = []
    old = before or {}
    for key in sorted(set(old) | set(after)):
        pointer = f"{prefix}/{_escape(key)}"
        left, right = old.get(key), after.get(key)
        if isinstance(left, Mapping) and isinstance(right, Mapping):
            changes.extend(diff(left, right, pointer))
        elif left != right:
            changes.append((pointer, left, right))
    return changes


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _shown(value: Any) -> str:
    text = repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 60 else text[:57] + "..."
