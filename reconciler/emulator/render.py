"""The server's rendering of values, the traps a reconciler must normalise.

Date-times come back in UTC with milliseconds and a `Z` (`2026-12-01T13:00:00.000Z`) whatever
offset was sent, numbers come back as floats (`50` -> `50.0`) and empty lists are left out.
Stored schedules are kept in this rendered form, so reading one is a copy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DATETIME_FIELDS",
    "format_utc",
    "parse_datetime",
    "render_schedule",
]

#: Fields holding date-times, at the top level and in blackout periods.
DATETIME_FIELDS: frozenset[str] = frozenset({"startTime", "endTime", "createdAt", "modifiedAt"})


def parse_datetime(text: object) -> datetime | None:
    """An ISO 8601 date-time with an offset as an aware datetime, or None when it is not one."""
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    try:
        value = datetime.fromisoformat(text)
        return value.astimezone(UTC) if value.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def format_utc(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _render_value(key: str, value: Any, in_window: bool) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and key in DATETIME_FIELDS and not in_window:
        parsed = parse_datetime(value)
        return format_utc(parsed) if parsed is not None else value
    if isinstance(value, dict):
        return _render_object(value, in_window)
    if isinstance(value, list):
        windows = in_window or key == "regulatoryWindows"
        return [_render_value(key, item, windows) for item in value]
    return value


def _render_object(obj: dict[str, Any], in_window: bool) -> dict[str, Any]:
    return {
        key: _render_value(key, value, in_window)
        for key, value in obj.items()
        if not (isinstance(value, list) and not value)
    }


def render_schedule(schedule: dict[str, Any]) -> dict[str, Any]:
    """A validated schedule the way the server answers it.

    Regulatory windows keep their `HH:MM` wall-clock times; every other date-time is rendered
    in UTC, every number as a float, and empty lists are omitted.
    """
    return _render_object(schedule, in_window=False)
