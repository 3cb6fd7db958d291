"""Renderers of an `AdherenceReport`: text, Markdown, JSON and CSV (one row per local day).

Planned attempts are shown with one decimal (callRate x minutes need not be whole), ratios in
percent with one decimal; a flagged day is marked with "!" (text, Markdown) or `true` (JSON,
CSV). Output is deterministic: schedules by (campaign, name), days in order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any, Literal

from reconciler.analytics.adherence.measure import AdherenceReport, DayAdherence, ScheduleAdherence
from reconciler.analytics.optimize.render import display_path

__all__ = [
    "CSV_COLUMNS",
    "RENDERERS",
    "Format",
    "render_csv",
    "render_json",
    "render_markdown",
    "render_text",
]

Format = Literal["text", "markdown", "json", "csv"]

CSV_COLUMNS: tuple[str, ...] = (
    "campaign",
    "schedule",
    "scheduleId",
    "date",
    "hours",
    "callableMinutes",
    "planned",
    "actual",
    "adherence",
    "flagged",
)


#: The version of the json report (docs/json-output.md).
JSON_FORMAT_VERSION = 1


def _pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.1%}"


def _title(report: AdherenceReport) -> str:
    return (
        f"adherence {report.first} to {report.last} (local days of each schedule), "
        f"tolerance +-{report.tolerance:.0%}"
    )


def render_text(report: AdherenceReport) -> str:
    lines = [_title(report)]
    for result in report.schedules:
        lines += ["", *_text_schedule(result, report.tolerance)]
    for skip in report.skipped:
        lines += ["", f"skipped {skip.schedule.campaign_id} / {skip.schedule.name}: {skip.reason}"]
    return "\n".join(lines) + "\n"


def _text_schedule(result: ScheduleAdherence, tolerance: float) -> list[str]:
    s = result.schedule
    lines = [
        f"{s.campaign_id} / {s.name} ({s.body['timeZone']}) id {result.schedule_id}, "
        f"callRate {result.call_rate:g}/min, {display_path(s.path)}",
        "  date        hours  callable min   planned    actual  adherence",
    ]
    for d in result.days:
        mark = "  !" if d.flagged(tolerance) else ""
        lines.append(
            f"  {d.day}  {d.hours:>5g}  {d.callable_minutes:>12.1f}  {d.planned:>8.1f}  "
            f"{d.actual:>8}  {_pct(d.ratio):>9}{mark}"
        )
    lines.append(
        f"  overall{'':>26}{result.planned:>8.1f}  {result.actual:>8}  {_pct(result.ratio):>9}"
    )
    if result.note:
        lines.append(f"  note: {result.note}")
    return lines


def render_markdown(report: AdherenceReport) -> str:
    lines = ["## cxsched adherence", "", _title(report).capitalize() + "."]
    for result in report.schedules:
        s = result.schedule
        lines += [
            "",
            f"### {s.campaign_id} / {s.name} ({s.body['timeZone']})",
            "",
            "| date | hours | callable min | planned | actual | adherence | |",
            "|---|--:|--:|--:|--:|--:|---|",
        ]
        lines += [
            f"| {d.day} | {d.hours:g} | {d.callable_minutes:.1f} | {d.planned:.1f} | "
            f"{d.actual} | {_pct(d.ratio)} | {'!' if d.flagged(report.tolerance) else ''} |"
            for d in result.days
        ]
        lines.append(
            f"| **overall** | | | {result.planned:.1f} | {result.actual} | {_pct(result.ratio)} | |"
        )
        if result.note:
            lines += ["", f"Note: {result.note}."]
    lines += [
        f"\nSkipped {k.schedule.campaign_id} / {k.schedule.name}: {k.reason}"
        for k in report.skipped
    ]
    return "\n".join(lines) + "\n"


def _json_day(d: DayAdherence, tolerance: float) -> dict[str, Any]:
    ratio = d.ratio
    return {
        "date": d.day.isoformat(),
        "hours": d.hours,
        "callable_minutes": round(d.callable_minutes, 2),
        "planned": round(d.planned, 2),
        "actual": d.actual,
        "adherence": None if ratio is None else round(ratio, 4),
        "flagged": d.flagged(tolerance),
    }


def render_json(report: AdherenceReport) -> str:
    data = {
        "format_version": JSON_FORMAT_VERSION,
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "tolerance": report.tolerance,
        "schedules": [
            {
                "campaign_id": r.schedule.campaign_id,
                "name": r.schedule.name,
                "schedule_id": r.schedule_id,
                "time_zone": r.schedule.body["timeZone"],
                "call_rate": r.call_rate,
                "planned": round(r.planned, 2),
                "actual": r.actual,
                "adherence": None if r.ratio is None else round(r.ratio, 4),
                "note": r.note,
                "days": [_json_day(d, report.tolerance) for d in r.days],
            }
            for r in report.schedules
        ],
        "skipped": [
            {"campaign_id": k.schedule.campaign_id, "name": k.schedule.name, "reason": k.reason}
            for k in report.skipped
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_csv(report: AdherenceReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.schedules:
        s = r.schedule
        writer.writerows(
            [s.campaign_id, s.name, r.schedule_id, *_csv_day(d, report.tolerance)] for d in r.days
        )
    return out.getvalue()


def _csv_day(d: DayAdherence, tolerance: float) -> list[object]:
    row = _json_day(d, tolerance)
    ratio = "" if row["adherence"] is None else row["adherence"]
    flagged = "true" if row["flagged"] else "false"
    return [
        row["date"],
        f"{d.hours:g}",
        row["callable_minutes"],
        row["planned"],
        d.actual,
        ratio,
        flagged,
    ]


RENDERERS: dict[Format, Callable[[AdherenceReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "csv": render_csv,
}
