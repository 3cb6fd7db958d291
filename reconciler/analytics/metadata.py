"""Schedule metadata rows for workforce-management tools, from desired or live state.

A row holds what a WFM tool needs to staff a schedule: campaign, live id (the pinned
`scheduleId` for desired state, empty when none), name, start, end, zone, regulatory windows
and blackouts. Date-times are rendered as UTC instants (`2027-01-04T13:00:00Z`) so desired and
live rows of the same schedule are identical; windows are sorted by (zone, start, end,
enabled), blackouts by (start, end, reason), rows by (campaign, name, id). CSV has a header row
and joins list cells with "; " (a window "08:00-21:00 America/New_York", a disabled one with
" (disabled)"; a blackout "START/END reason"); JSON is a list of objects. A CSV cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote, as OWASP
recommends, so a spreadsheet never runs a schedule name such as `=HYPERLINK(...)` as a formula.

Errors: `reconciler.errors.InputError` for a date-time that cannot be read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.model import DesiredSchedule, LiveSchedule
from reconciler.spans import parse_instant

__all__ = [
    "CSV_HEADER",
    "METADATA_FORMAT_VERSION",
    "Format",
    "ScheduleRow",
    "render_rows",
    "row_from_desired",
    "row_from_live",
]

Format = Literal["csv", "json"]
CSV_HEADER: tuple[str, ...] = (
    "campaign",
    "id",
    "name",
    "start",
    "end",
    "zone",
    "windows",
    "blackouts",
)

#: The version of the `export --local --format json` document (docs/json-output.md).
METADATA_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    campaign: str
    schedule_id: str
    name: str
    start: str
    end: str
    zone: str
    windows: tuple[dict[str, Any], ...]
    blackouts: tuple[dict[str, str], ...]

    def sort_key(self) -> tuple[str, str, str]:
        return (self.campaign, self.name, self.schedule_id)


def row_from_desired(schedule: DesiredSchedule) -> ScheduleRow:
    return _row(schedule.campaign_id, schedule.schedule_id or "", schedule.body)


def row_from_live(schedule: LiveSchedule) -> ScheduleRow:
    return _row(schedule.campaign_id, schedule.schedule_id, schedule.body)


def render_rows(rows: Iterable[ScheduleRow], fmt: Format) -> str:
    ordered = sorted(rows, key=ScheduleRow.sort_key)
    return _csv(ordered) if fmt == "csv" else _json(ordered)


def _instant(text: object) -> str:
    moment = parse_instant(text)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    if moment.microsecond % 1000:
        spec = "microseconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _row(campaign: str, schedule_id: str, body: Mapping[str, Any]) -> ScheduleRow:
    windows = sorted(
        (
            {
                "startTime": str(w["startTime"]),
                "endTime": str(w["endTime"]),
                "timeZone": str(w["timeZone"]),
                "enabled": bool(w["enabled"]),
            }
            for w in body.get("regulatoryWindows") or ()
        ),
        key=lambda w: (w["timeZone"], w["startTime"], w["endTime"], w["enabled"]),
    )
    blackouts = sorted(
        (
            {
                "startTime": _instant(b["startTime"]),
                "endTime": _instant(b["endTime"]),
                "reason": str(b["reason"]),
            }
            for b in body.get("blackoutPeriods") or ()
        ),
        key=lambda b: (b["startTime"], b["endTime"], b["reason"]),
    )
    return ScheduleRow(
        campaign,
        schedule_id,
        str(body.get("name", "")),
        _instant(body["startTime"]),
        _instant(body["endTime"]),
        str(body["timeZone"]),
        tuple(windows),
        tuple(blackouts),
    )


def _window_cell(w: Mapping[str, Any]) -> str:
    text = f"{w['startTime']}-{w['endTime']} {w['timeZone']}"
    return text if w["enabled"] else text + " (disabled)"


def _csv(rows: list[ScheduleRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        windows = "; ".join(_window_cell(w) for w in r.windows)
        blackouts = "; ".join(f"{b['startTime']}/{b['endTime']} {b['reason']}" for b in r.blackouts)
        cells = [r.campaign, r.schedule_id, r.name, r.start, r.end, r.zone, windows, blackouts]
        writer.writerow([_inert(cell) for cell in cells])
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    """`cell` as a spreadsheet shows it but never evaluates it (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _json(rows: list[ScheduleRow]) -> str:
    data = [
        {
            "campaign": r.campaign,
            "id": r.schedule_id or None,
            "name": r.name,
            "start": r.start,
            "end": r.end,
            "zone": r.zone,
            "windows": list(r.windows),
            "blackouts": list(r.blackouts),
        }
        for r in rows
    ]
    document = {"format_version": METADATA_FORMAT_VERSION, "schedules": data}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
