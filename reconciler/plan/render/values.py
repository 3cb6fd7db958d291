"""What the text and markdown renderers share: values as short JSON, list deltas, the summary."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reconciler.plan.build import Action, Plan, PlanCounts
from reconciler.plan.normalise import FieldChange
from reconciler.util.hashing import canonical_json

__all__ = [
    "ListDelta",
    "change_lines",
    "deletes",
    "format_value",
    "list_delta",
    "shown_changes",
    "summary_line",
    "visible",
]


_UTC_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


class ListDelta(NamedTuple):
    """The items a list change removes and adds (lists are compared as sets)."""

    removed: tuple[Any, ...]
    added: tuple[Any, ...]


def format_value(value: Any) -> str:
    """A value as one line of JSON with sorted keys (`null` for an absent value).

    JSON escapes C0 controls; C1 controls, line separators and the invisible characters that
    reorder or hide text (a live name is the server's text) are escaped here too.
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    return _INVISIBLE.sub(_escaped, text)


def visible(text: str) -> str:
    """`text` on one line with every control or invisible character shown as `\\uXXXX`."""
    return _CONTROL.sub(_escaped, _INVISIBLE.sub(_escaped, text))


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


_CONTROL = re.compile("[\x00-\x1f]")
_INVISIBLE = re.compile("[\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def list_delta(before: Any, after: Any) -> ListDelta | None:
    """Removed and added items when both sides are lists (None otherwise), in list order."""
    if not isinstance(after, list) or not isinstance(before, list | type(None)):
        return None
    old = [canonical_json(item) for item in before or []]
    new = [canonical_json(item) for item in after]
    removed = tuple(item for item, key in zip(before or [], old, strict=True) if key not in new)
    added = tuple(item for item, key in zip(after, new, strict=True) if key not in old)
    return ListDelta(removed, added)


def shown_changes(action: Action) -> tuple[FieldChange, ...]:
    """The changes worth showing, date-times in the schedule's own zone as its file writes them.

    For a create, only the fields it sets to something non-empty. The saved and JSON plans keep
    the canonical UTC instants; people read `2027-01-04T08:00:00-05:00` more safely than `13:00Z`.
    """
    changes = action.changes
    if action.kind == "create":
        changes = tuple(c for c in changes if c.after not in ("", [], {}, None))
    zone = _zone_of(action)
    if zone is None:
        return changes
    return tuple(
        FieldChange(c.pointer, _in_zone(c.before, zone), _in_zone(c.after, zone)) for c in changes
    )


def _zone_of(action: Action) -> ZoneInfo | None:
    name = (action.desired or {}).get("timeZone")
    try:
        return ZoneInfo(name) if isinstance(name, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _in_zone(value: Any, zone: ZoneInfo) -> Any:
    """`value` with every canonical UTC instant in it rendered at `zone`'s offset."""
    if isinstance(value, str) and _UTC_INSTANT.fullmatch(value):
        return datetime.fromisoformat(value).astimezone(zone).isoformat()
    if isinstance(value, list):
        return [_in_zone(item, zone) for item in value]
    if isinstance(value, dict):
        return {key: _in_zone(item, zone) for key, item in value.items()}
    return value


def change_lines(change: FieldChange) -> list[tuple[str, str]]:
    """One change as (sign, text) lines: `~` for a value, `-`/`+` per list item."""
    delta = list_delta(change.before, change.after)
    if delta is None:
        if change.before is None:
            return [("+", f"{change.pointer}: {format_value(change.after)}")]
        if change.after is None:
            return [("-", f"{change.pointer}: {format_value(change.before)}")]
        return [("~", f"{change.pointer}: {_arrow(change.before, change.after)}")]
    lines = [("~" if change.before is not None else "+", f"{change.pointer}:")]
    lines += [("-", format_value(item)) for item in delta.removed]
    lines += [("+", format_value(item)) for item in delta.added]
    return lines


def _arrow(before: Any, after: Any) -> str:
    return f"{format_value(before)} -> {format_value(after)}"


def deletes(plan: Plan) -> Sequence[Action]:
    return [action for action in plan.actions if action.kind == "delete"]


def summary_line(counts: PlanCounts) -> str:
    """`Plan: 2 to create, 1 to update, 0 to delete, 5 unchanged; 1 unmanaged.`"""
    return (
        f"Plan: {counts.create} to create, {counts.update} to update, "
        f"{counts.delete} to delete, {counts.noop} unchanged; {counts.unmanaged} unmanaged."
    )
