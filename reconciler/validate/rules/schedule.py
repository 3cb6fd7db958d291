"""The semantic rules of one schedule file: zones, spans, blackouts, windows, limits, folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler.loader import Document, Position
from reconciler.model import Finding, TenantLimits
from reconciler.validate.rules.callable_time import callable_verdict
from reconciler.validate.rules.context import Emitter, RuleContext
from reconciler.validate.rules.daylight import check_daylight
from reconciler.validate.rules.legal import check_laws
from reconciler.validate.rules.view import Blackout, ScheduleView, Window, clock_text
from reconciler.validate.timezones import suggest_zone

__all__ = ["check_document", "limit_findings"]

Locate = Callable[[str], Position]


def check_document(document: Document, context: RuleContext) -> list[Finding]:
    """Every semantic finding of one loaded schedule file."""
    emit = Emitter(document)
    view = ScheduleView.of(document.data)
    _zones(view, emit)
    _span(view, emit, context)
    _blackouts(view, emit)
    _windows(view, emit)
    _callable(view, emit)
    check_daylight(view, emit)
    check_laws(view, emit, context)
    _folder(view, emit)
    emit.findings.extend(
        limit_findings(
            document.path, document.data, context.limits, document.locate, context.limits_source
        )
    )
    return emit.findings


def limit_findings(
    path: str, body: Mapping[str, Any], limits: TenantLimits, locate: Locate, source: str
) -> list[Finding]:
    """`call-rate-limit` and `concurrency-limit` errors for dialer settings above `limits`."""
    settings = body.get("dialerSettings")
    if not isinstance(settings, Mapping):
        return []
    checks = (
        ("callRate", "call-rate-limit", "maxCallRate", limits.max_call_rate),
        ("maxConcurrentCalls", "concurrency-limit", "capacity", limits.max_concurrent_calls),
    )
    found = []
    for field, rule, limit_name, limit in checks:
        value = settings.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > limit:
            pointer = f"/dialerSettings/{field}"
            line, column = locate(pointer)
            message = (
                f"{field} {value:g} is above the tenant's {limit_name} {limit:g} ({source}); "
                f"lower it to {limit:g} or less"
            )
            found.append(Finding(path, line, column, pointer, rule, "error", message))
    return found


def _zones(view: ScheduleView, emit: Emitter) -> None:
    for pointer, name in view.unknown_zones:
        hint = suggest_zone(name)
        fix = f"did you mean {hint!r}?" if hint else "use an IANA name such as 'America/New_York'"
        emit(pointer, "unknown-timezone", "error", f"unknown time zone {name!r}; {fix}")


def _span(view: ScheduleView, emit: Emitter, context: RuleContext) -> None:
    start, end = view.start, view.end
    if start is not None and end is not None and start >= end:
        message = (
            f"endTime {view.text('/endTime')} is not after startTime "
            f"{view.text('/startTime')}; swap them or correct the dates"
        )
        emit("/endTime", "span-order", "error", message)
    if end is not None and end <= context.now:
        message = (
            f"the schedule ended at {view.text('/endTime')}, which is in the past, so it "
            "will never dial: move its dates forward or delete the file"
        )
        emit("/endTime", "schedule-past", "warning", message)


def _blackouts(view: ScheduleView, emit: Emitter) -> None:
    latest: Blackout | None = None
    for blackout in sorted(view.blackouts, key=lambda item: (item.start, item.index)):
        pointer = f"/blackoutPeriods/{blackout.index}"
        if blackout.end <= blackout.start:
            message = (
                f"blackout {blackout.reason!r} ends at {view.text(pointer + '/endTime')}, "
                "not after its startTime; swap them or correct the dates"
            )
            emit(f"{pointer}/endTime", "blackout-order", "error", message)
            continue
        if latest is not None and blackout.start < latest.end:
            message = (
                f"blackout {blackout.reason!r} overlaps blackout {latest.reason!r}; merge them"
            )
            emit(pointer, "blackout-overlap", "warning", message)
        if latest is None or blackout.end > latest.end:
            latest = blackout
        _outside(view, emit, blackout, pointer)


def _outside(view: ScheduleView, emit: Emitter, blackout: Blackout, pointer: str) -> None:
    span = view.span
    if span is not None and (blackout.end <= span[0] or blackout.start >= span[1]):
        message = (
            f"blackout {blackout.reason!r} ({view.text(pointer + '/startTime')}) lies wholly "
            f"outside the schedule ({view.text('/startTime')} to {view.text('/endTime')}); "
            "is the date stale? correct or remove it"
        )
        emit(pointer, "blackout-outside-span", "warning", message)


def _windows(view: ScheduleView, emit: Emitter) -> None:
    by_zone: dict[str, list[Window]] = {}
    for window in view.windows:
        pointer = f"/regulatoryWindows/{window.index}"
        if window.end <= window.start:
            message = (
                f"regulatory window ends at {clock_text(window.end)}, not after its start "
                f"{clock_text(window.start)}; a window cannot cross midnight"
            )
            emit(f"{pointer}/endTime", "window-order", "error", message)
            continue
        for other in by_zone.setdefault(window.zone.key, []):
            if window.start < other.end and other.start < window.end:
                message = (
                    f"regulatory window {_label(window)} overlaps window {_label(other)} "
                    "of the same zone; merge them into one"
                )
                emit(pointer, "window-overlap", "error", message)
        by_zone[window.zone.key].append(window)


def _label(window: Window) -> str:
    return f"{clock_text(window.start)}-{clock_text(window.end)}"


def _callable(view: ScheduleView, emit: Emitter) -> None:
    verdict = callable_verdict(view)
    if verdict == "blackouts":
        message = "the blackout periods cover the whole schedule, so no call can be placed"
        emit("/blackoutPeriods", "no-callable-time", "error", message)
    elif verdict == "windows":
        message = (
            "no enabled regulatory window falls in the schedule outside its blackouts, so no "
            "call can be placed: widen the windows or the schedule"
        )
        emit("/regulatoryWindows", "no-callable-time", "error", message)


def _folder(view: ScheduleView, emit: Emitter) -> None:
    campaign = view.campaign_id
    if campaign is None:
        return
    folder = _folder_name(emit.document.path)
    if folder != campaign:
        message = (
            f"campaignId {campaign!r} differs from the folder {folder!r} holding the file; "
            f"move the file to schedules/{campaign}/ or correct campaignId"
        )
        emit("/campaignId", "campaign-folder", "error", message)


def _folder_name(path: str) -> str:
    """The name of the folder holding `path` (a display path with '/' separators)."""
    parts = path.rsplit("/", 2)
    folder = parts[-2] if len(parts) > 1 else ""
    if folder in ("", ".", ".."):
        folder = Path(path).resolve().parent.name
    return folder
