"""Renderers of an `OptimizeReport`: plain text, Markdown (pull requests) and JSON.

Every renderer is a pure function of the report; the same report renders byte-identically.
Rates are shown in percent with one decimal; the JSON keeps four decimals of the fractions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from reconciler.analytics.optimize.advise import Advice, OptimizeReport
from reconciler.analytics.optimize.answer_rates import HourStat
from reconciler.analytics.optimize.recommend import Recommendation
from reconciler.analytics.stats import bar

__all__ = ["RENDERERS", "Format", "display_path", "render_json", "render_markdown", "render_text"]

Format = Literal["text", "markdown", "json"]


def display_path(path: Path) -> str:
    """`path` relative to the working directory when inside it, as POSIX."""
    try:
        return Path(os.path.relpath(path)).as_posix() if path.is_absolute() else path.as_posix()
    except ValueError:
        return path.as_posix()


def _utc(report: OptimizeReport) -> tuple[str, str]:
    return (
        report.start.strftime("%Y-%m-%dT%H:%MZ"),
        report.end.strftime("%Y-%m-%dT%H:%MZ"),
    )


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _proposal(rec: Recommendation) -> str:
    if rec.value is None:
        return f"{_value(rec.current)} (no recommendation)"
    if not rec.changed:
        return f"{_value(rec.current)} (unchanged)"
    return f"{_value(rec.current)} -> {_value(rec.value)}"


def _scale(advice: Advice) -> float:
    rates = [h.rate for h in advice.rates.weekday + advice.rates.weekend if h.rate is not None]
    return max(rates, default=0.0)


def _hour_cells(stat: HourStat, scale: float) -> tuple[str, str, str, str, str]:
    if stat.rate is None:
        return f"{stat.hour:02d}:00", str(stat.attempts), "-", "-", ""
    low, high = stat.interval
    return (
        f"{stat.hour:02d}:00",
        str(stat.attempts),
        f"{stat.rate:.1%}",
        f"{low:.1%}-{high:.1%}",
        bar(stat.rate, scale),
    )


def render_text(report: OptimizeReport) -> str:
    start, end = _utc(report)
    lines = [
        f"answer rates {start} to {end}, {len(report.queries)} hourly analytics "
        f"quer{'y' if len(report.queries) == 1 else 'ies'}; tenant maxCallRate "
        f"{report.limits.max_call_rate:g}, capacity {report.limits.max_concurrent_calls}",
    ]
    for advice in report.advice:
        lines += ["", *_text_advice(advice)]
    return "\n".join(lines) + "\n"


def _text_advice(advice: Advice) -> list[str]:
    s = advice.schedule
    lines = [f"{s.campaign_id} / {s.name} ({advice.zone}) {display_path(s.path)}"]
    scale = _scale(advice)
    for kind, hours in (("weekday", advice.rates.weekday), ("weekend", advice.rates.weekend)):
        lines.append(f"  {kind:<7}  attempts  answer  95% interval")
        lines += ["  {:<7}  {:>8}  {:>6}  {:<12}  {}".format(*_hour_cells(h, scale)) for h in hours]
        if not hours:
            lines.append("  (no counted hour)")
    idle = _not_dialed(advice)
    if idle:
        lines.append(f"  not dialed in the period (not counted): {idle}")
    lines.append("  recommendations")
    for rec in advice.recommendations:
        lines.append(f"    {rec.field:<18}  {_proposal(rec)}: {rec.reason}")
    return lines


def _not_dialed(advice: Advice) -> str:
    """The callable hours with no attempt at all, e.g. "weekday 21:00, 22:00; weekend 21:00"."""
    parts = []
    for kind in ("weekday", "weekend"):
        hours = [h for day, h in advice.rates.not_dialed if day == kind]
        if hours:
            parts.append(f"{kind} " + ", ".join(f"{h:02d}:00" for h in hours))
    return "; ".join(parts)


def render_markdown(report: OptimizeReport) -> str:
    start, end = _utc(report)
    lines = [
        "## cxsched optimize",
        "",
        f"Answer rates from {start} to {end}; tenant maxCallRate "
        f"{report.limits.max_call_rate:g}, capacity {report.limits.max_concurrent_calls}.",
    ]
    for advice in report.advice:
        lines += ["", *_markdown_advice(advice)]
    return "\n".join(lines) + "\n"


def _markdown_advice(advice: Advice) -> list[str]:
    s = advice.schedule
    lines = [f"### {s.campaign_id} / {s.name} ({advice.zone})", "", f"`{display_path(s.path)}`"]
    scale = _scale(advice)
    for kind, hours in (("Weekday", advice.rates.weekday), ("Weekend", advice.rates.weekend)):
        lines += [
            "",
            f"| {kind} | attempts | answer rate | 95% interval | |",
            "|---|--:|--:|--:|---|",
        ]
        lines += ["| {} | {} | {} | {} | {} |".format(*_hour_cells(h, scale)) for h in hours]
    idle = _not_dialed(advice)
    if idle:
        lines += ["", f"Not dialed in the period (not counted): {idle}."]
    lines += ["", "| setting | recommendation | why |", "|---|---|---|"]
    lines += [f"| `{r.field}` | {_proposal(r)} | {r.reason} |" for r in advice.recommendations]
    return lines


#: The version of the json report (docs/json-output.md).
JSON_FORMAT_VERSION = 1


def render_json(report: OptimizeReport) -> str:
    start, end = _utc(report)
    data = {
        "format_version": JSON_FORMAT_VERSION,
        "period": {"from": start, "to": end},
        "min_attempts": report.min_attempts,
        "limits": {
            "max_concurrent_calls": report.limits.max_concurrent_calls,
            "max_call_rate": report.limits.max_call_rate,
        },
        "queries": [
            {"campaign_id": q.campaign_id, "interval": q.interval, "from": q.start, "to": q.end}
            for q in report.queries
        ],
        "schedules": [_json_advice(a) for a in report.advice],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _json_hour(stat: HourStat) -> dict[str, Any]:
    low, high = stat.interval
    return {
        "hour": stat.hour,
        "attempts": stat.attempts,
        "answered": stat.answered,
        "rate": None if stat.rate is None else round(stat.rate, 4),
        "low": round(low, 4),
        "high": round(high, 4),
    }


def _json_advice(advice: Advice) -> dict[str, Any]:
    s = advice.schedule
    return {
        "campaign_id": s.campaign_id,
        "name": s.name,
        "path": display_path(s.path),
        "time_zone": advice.zone,
        "weekday": [_json_hour(h) for h in advice.rates.weekday],
        "weekend": [_json_hour(h) for h in advice.rates.weekend],
        "not_dialed": [{"day": day, "hour": hour} for day, hour in advice.rates.not_dialed],
        "recommendations": [
            {
                "field": r.field,
                "pointer": r.pointer,
                "current": r.current,
                "value": r.value,
                "changed": r.changed,
                "reason": r.reason,
            }
            for r in advice.recommendations
        ],
    }


RENDERERS: dict[Format, Callable[[OptimizeReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
