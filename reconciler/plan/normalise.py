"""The canonical form of a schedule body: what plan compares, on both sides alike.

A desired file and the server say the same thing in different ways: the file writes
`2027-01-04T08:00:00-05:00` where the server answers `2027-01-04T13:00:00.000Z`, the file
writes `15` where the server answers `15.0`, the file leaves out an empty list the server
omits too (or not), and the server adds fields it owns (`id`, `etag`, `createdAt`, ...).
`canonical` maps both to one form, so that only real differences remain:

- only the fields of `SCHEDULE_FIELDS`, server-only fields dropped;
- date-times (schedule and blackout `startTime`/`endTime`) as UTC instants
  (`2027-01-04T13:00:00Z`, with milliseconds only when they are not zero);
- numbers by value: an integral float becomes an int (booleans stay booleans);
- defaults filled in for omitted optional fields (`description` "", empty lists);
- blackout periods ordered by (start, end, reason), regulatory windows by
  (timeZone, startTime, endTime, enabled): both are compared as sets;
- JSON pointers the user ignores (the repo config's `ignoreDifferences`) removed.

`field_changes` lists the differences of two canonical bodies as JSON pointers (lists are
reported whole, at the list's pointer), `merge_patch` builds the RFC 7396 body that turns one
into the other, and `payload_hash` fingerprints a canonical body.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

import orjson

from reconciler.config import IgnoreRule
from reconciler.model import SCHEDULE_FIELDS
from reconciler.util.hashing import digest

__all__ = [
    "FieldChange",
    "canonical",
    "field_changes",
    "format_instant",
    "ignore_pointers",
    "merge_patch",
    "parse_pointer",
    "payload_hash",
    "resolve_pointer",
]

#: Top-level optional fields and the value an omitted one stands for.
_TOP_DEFAULTS: Mapping[str, Any] = {
    "description": "",
    "blackoutPeriods": [],
    "regulatoryWindows": [],
}
_INSTANT_KEYS = ("startTime", "endTime")
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One difference: a JSON pointer into the schedule body, its value before and after.

    Values are canonical JSON values; `None` stands for an absent value.
    """

    pointer: str
    before: Any
    after: Any


def canonical(body: Mapping[str, Any], *, ignore: Sequence[str] = ()) -> dict[str, Any]:
    """The comparison form of a schedule body (desired or live); see the module docstring."""
    out: dict[str, Any] = {key: _plain(body[key]) for key in SCHEDULE_FIELDS if key in body}
    for key, default in _TOP_DEFAULTS.items():
        if out.get(key) is None:
            out[key] = copy.copy(default)
    for key in _INSTANT_KEYS:
        if key in out:
            out[key] = _instant(out[key])
    out["blackoutPeriods"] = _blackouts(out["blackoutPeriods"])
    out["regulatoryWindows"] = _windows(out["regulatoryWindows"])
    for pointer in ignore:
        _remove(out, parse_pointer(pointer))
    return out


def format_instant(value: datetime) -> str:
    """An aware datetime as a canonical UTC instant: `2027-01-04T13:00:00Z` (`.250Z` if ms)."""
    utc = value.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    millis = utc.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def _plain(value: Any) -> Any:
    """A deep copy as plain JSON values, integral floats turned into ints."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    if kind is list:
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _parse_instant(value: str) -> datetime | None:
    if "T" not in value.upper():
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _instant(value: Any) -> Any:
    """A date-time as a canonical UTC instant; anything that is not one is kept as it is."""
    if isinstance(value, str):
        return _instant_text(value)
    if isinstance(value, datetime):
        return _instant_text(value.isoformat())
    return value


@lru_cache(maxsize=65_536)
def _instant_text(value: str) -> str:
    parsed = _parse_instant(value)
    if parsed is None:
        return value
    try:
        return format_instant(parsed)
    except OverflowError:
        return value


def _order(value: Any) -> str:
    """A sort key for an instant that orders chronologically, whatever its precision."""
    text = value if _is_canonical_instant(value) else _instant(value)
    if not _is_canonical_instant(text):
        return f"~{text}"
    return str(text[:-1] + ".000" if len(text) == 20 else text[:-1])


def _is_canonical_instant(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) in (20, 24) and value[-1] == "Z" and value[10] == "T"
    )


def _blackouts(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    for item in items:
        if isinstance(item, dict):
            for key in _INSTANT_KEYS:
                if key in item:
                    item[key] = _instant(item[key])
    return sorted(items, key=_blackout_key)


def _blackout_key(item: Any) -> tuple[str, str, str]:
    if not isinstance(item, dict):
        return (f"~{item!r}", "", "")
    return (
        _order(item.get("startTime")),
        _order(item.get("endTime")),
        str(item.get("reason", "")),
    )


def _windows(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    return sorted(items, key=_window_key)


def _window_key(item: Any) -> tuple[str, ...]:
    if not isinstance(item, dict):
        return (f"~{item!r}",)
    return tuple(repr(item.get(key)) for key in ("timeZone", "startTime", "endTime", "enabled"))


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """The unescaped segments of an RFC 6901 JSON pointer ("" is the whole document)."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} must start with '/'")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/"))


def _escape(segment: object) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def _remove(node: Any, segments: tuple[str, ...]) -> None:
    """Remove what the pointer segments name; `*` matches every key or item of a level."""
    if not segments:
        return
    head, rest = segments[0], segments[1:]
    if isinstance(node, dict):
        keys = list(node) if head == "*" else [head] if head in node else []
        for key in keys:
            if rest:
                _remove(node[key], rest)
            else:
                del node[key]
    elif isinstance(node, list):
        _remove_from_list(node, head, rest)


def _remove_from_list(node: list[Any], head: str, rest: tuple[str, ...]) -> None:
    if head == "*":
        indexes = list(range(len(node)))
    elif head.isdigit() and int(head) < len(node):
        indexes = [int(head)]
    else:
        return
    if rest:
        for index in indexes:
            _remove(node[index], rest)
    else:
        for index in reversed(indexes):
            del node[index]


def ignore_pointers(rules: Iterable[IgnoreRule], campaign_id: str, name: str) -> tuple[str, ...]:
    """The pointers of every rule whose campaign and name globs select this schedule."""
    pointers: list[str] = []
    for rule in rules:
        if fnmatchcase(campaign_id, rule.campaign) and fnmatchcase(name, rule.name):
            pointers.extend(p for p in rule.pointers if p not in pointers)
    return tuple(pointers)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at `pointer`, or None when there is none."""
    node = document
    for segment in parse_pointer(pointer):
        if isinstance(node, Mapping) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return None
    return node


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """The differences of two canonical bodies, sorted by pointer.

    Nested objects are compared key by key; a list that differs is reported once, whole,
    at its own pointer (lists are replaced whole by a merge patch, too), and so is an object
    that is empty on one side.
    """
    if before == after and _identical(before, after):
        return ()  # the common case, without walking the bodies
    pointers = sorted(_pointers(before, after, ""))
    return tuple(
        FieldChange(p, resolve_pointer(before, p), resolve_pointer(after, p)) for p in pointers
    )


def _identical(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether two bodies `==` already calls equal are so to the type: `True == 1` and
    `1 == 1.0` hold, but their JSON differs (a body orjson cannot write is walked instead)."""
    try:
        return orjson.dumps(before) == orjson.dumps(after)
    except orjson.JSONEncodeError:
        return False


def _pointers(before: Mapping[str, Any], after: Mapping[str, Any], prefix: str) -> Iterator[str]:
    """The pointers under `prefix` at which `before` and `after` differ (see field_changes)."""
    for key in set(before) | set(after):
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if _same(old, new):
            continue
        pointer = f"{prefix}/{_escape(key)}"
        if isinstance(old, Mapping) and isinstance(new, Mapping) and old and new:
            yield from _pointers(old, new, pointer)
        else:
            yield pointer


def merge_patch(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7396 merge patch that turns `before` into `after` (both canonical).

    Only changed fields; nested objects in part; lists whole; a removed field as null.
    """
    patch: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if new is _ABSENT:
            patch[key] = None
        elif _same(old, new):
            continue
        elif isinstance(old, Mapping) and isinstance(new, Mapping):
            patch[key] = merge_patch(old, new)
        else:
            patch[key] = copy.deepcopy(new)
    return patch


def _same(left: Any, right: Any) -> bool:
    """Equality that keeps booleans apart from numbers (True != 1 here)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


def payload_hash(canon: Mapping[str, Any]) -> str:
    """`sha256:<hex>` of the canonical JSON text of a canonical body."""
    return digest(canon)
