"""The calling-law proof of a skill file: the `legal-*` rules of schedules, over a horizon.

A skill has no date span: its weekly schedule recurs without end. It is judged over the
`HORIZON_DAYS` (366) days from the time of validation (`now`, injectable like the schedule
rules' clock), so every kind of day, the holidays of a year and both daylight-saving changes
are judged. The proof engine is `reconciler.laws.proof`, fed as for a schedule:

- each zone window of `timeZoneSettings` that is active to call is a call window of its zone
  (named by `timeZone`, or by a `standardName` cxsched can map to an IANA zone);
- when cxsched.yaml names the business unit's zone (`skills.businessUnitTimeZone`) and the
  skill is scheduled, the weekly schedule is read in that zone: the hours of each local date
  outside that weekday's window (the whole date for an inactive weekday) become blackouts, in
  UTC, so the callable time of a callee is its zone's window intersected with the weekly
  schedule, DST-correct. Without that zone the zone windows are judged alone, a superset of
  the callable time, so the proof never passes a skill it should fail;
- a skill without zone windows calls at the weekly schedule's hours (whole days without it),
  judged like a schedule without windows.

The audience is the file's own `audience`; without it, the national baseline of the zones'
countries. House rules of cxsched.yaml apply; `laws.exceptions` name schedules (campaign and
name) and never lift a rule for a skill. Findings are those of
`reconciler.validate.rules.legal`: `legal-hours`, `legal-no-window`, `legal-jurisdiction`.
Nothing here raises on a file that passed the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reconciler.laws.audience import audience_of, unknown_code_message, unknown_codes
from reconciler.laws.catalog import catalog
from reconciler.laws.explain import breach_message, uncovered_message
from reconciler.laws.policy import LawPolicy
from reconciler.laws.proof import CallWindow, Policy, Subject, prove
from reconciler.loader import Document
from reconciler.model import Finding, Severity
from reconciler.skills.normal import DAYS, MalformedBlock, canonical_time
from reconciler.skills.zones import iana_for
from reconciler.spans import Span, merge
from reconciler.validate.timezones import get_zone

__all__ = ["HORIZON_DAYS", "SkillLawContext", "check_skill_laws"]

#: How far ahead a skill's recurring settings are judged, from the time of validation.
HORIZON_DAYS = 366

_ADVICE = (
    "narrow that zone's window or the weekly schedule of those days to the allowed hours "
    "(a skill has no blackouts)"
)


@dataclass(frozen=True, slots=True)
class SkillLawContext:
    """What the proof of a skill needs besides the file: the time of validation, the house
    rules and the business unit's IANA zone (None: unknown)."""

    now: datetime
    law_policy: LawPolicy
    unit_zone: str | None = None


def check_skill_laws(document: Document, context: SkillLawContext) -> tuple[list[Finding], bool]:
    """The `legal-*` findings of a skill file that passed the other checks, and whether it
    was judged by the national baseline (no audience declared)."""
    data = document.data
    found: list[Finding] = []
    unit = _unit_zone(document, context, found)
    subject = _subject(data, unit, context.now)
    if subject is None:
        return found, False
    audience, own = audience_of(data, {})
    cat = catalog()
    if audience is not None:
        unknown = unknown_codes(audience, cat)
        for index, code in unknown:
            message = unknown_code_message(code)
            found.append(
                _at(
                    document,
                    f"/audience/jurisdictions/{index}",
                    "legal-jurisdiction",
                    "error",
                    message,
                )
            )
        if unknown:
            return found, False
    proof = prove(subject, audience, cat, Policy(context.law_policy))
    block = "/timeZoneSettings" if "timeZoneSettings" in data else "/scheduleSettings"
    for breach in proof.breaches:
        where = block if breach.window is None else f"/timeZoneSettings/{breach.window}"
        message = breach_message(breach, _ADVICE)
        found.append(_at(document, where, "legal-hours", "error", message))
    for item in proof.uncovered:
        found.append(
            _at(
                document, "/timeZoneSettings", "legal-no-window", "warning", uncovered_message(item)
            )
        )
    return found, audience is None and not own


def _unit_zone(document: Document, context: SkillLawContext, found: list[Finding]) -> str | None:
    """The business unit's zone when the weekly schedule applies, else None."""
    schedule = document.data.get("scheduleSettings")
    if not isinstance(schedule, Mapping) or schedule.get("isScheduled") is not True:
        return None
    if context.unit_zone is None:
        return None
    if get_zone(context.unit_zone) is None:
        message = (
            f"cxsched.yaml skills.businessUnitTimeZone {context.unit_zone[:64]!r} is not an "
            "IANA zone (e.g. America/Chicago), so the weekly schedule cannot be placed in time"
        )
        found.append(_at(document, "/scheduleSettings", "legal-zone", "error", message))
        return None
    return context.unit_zone


def _subject(data: Mapping[str, Any], unit: str | None, now: datetime) -> Subject | None:
    """What the proof needs of the skill, or None when nothing in the file can be judged."""
    zones = data.get("timeZoneSettings")
    windows = _windows(zones) if isinstance(zones, list) else ()
    if isinstance(zones, list) and not windows:
        return None  # no zone active to call (or none cxsched can place): never dials
    if not windows and unit is None:
        return None  # neither zone windows nor a weekly schedule placed in time
    start = now.astimezone(UTC)
    span: Span = (start, start + timedelta(days=HORIZON_DAYS))
    blackouts: tuple[Span, ...] = ()
    if unit is not None:
        blackouts = _weekly_blackouts(data["scheduleSettings"], ZoneInfo(unit), span)
    return Subject(unit or windows[0].zone, span, windows, blackouts)


def _windows(zones: list[Any]) -> tuple[CallWindow, ...]:
    found = []
    for index, entry in enumerate(zones):
        if not isinstance(entry, Mapping) or entry.get("timeZoneActiveToCall") is not True:
            continue
        standard = entry.get("standardName")
        zone = entry.get("timeZone") or (iana_for(standard) if isinstance(standard, str) else None)
        if not isinstance(zone, str) or get_zone(zone) is None:
            continue
        start, end = _minutes(entry.get("startTime")), _minutes(entry.get("endTime"))
        if start is not None and end is not None and start < end:
            found.append(CallWindow(zone, start, end, index))
    return tuple(found)


def _minutes(value: Any) -> int | None:
    try:
        text = canonical_time(value)
    except MalformedBlock:
        return None
    return int(text[:2]) * 60 + int(text[3:5])


def _weekly_blackouts(schedule: Mapping[str, Any], tz: ZoneInfo, span: Span) -> tuple[Span, ...]:
    """The hours of the span the weekly schedule does not dial, each local date of the
    business unit's zone converted to UTC on its own offsets."""
    day = span[0].astimezone(tz).date() - timedelta(days=1)
    last = span[1].astimezone(tz).date()
    closed: list[Span] = []
    while day <= last:
        entry = schedule.get(DAYS[(day.weekday() + 1) % 7])
        midnight, next_midnight = _at_clock(day, 0, tz), _at_clock(day + timedelta(days=1), 0, tz)
        start, end = _open(entry)
        if start is None or end is None or start >= end:
            closed.append((midnight, next_midnight))
        else:
            if start > 0:
                closed.append((midnight, _at_clock(day, start, tz)))
            if end < 1440:
                closed.append((_at_clock(day, end, tz), next_midnight))
        day += timedelta(days=1)
    clipped = [(max(a, span[0]), min(b, span[1])) for a, b in closed]
    return tuple(merge([(a, b) for a, b in clipped if a < b]))


def _open(entry: Any) -> tuple[int | None, int | None]:
    if not isinstance(entry, Mapping) or entry.get("isActive") is not True:
        return None, None
    return _minutes(entry.get("startTime")), _minutes(entry.get("endTime"))


def _at_clock(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local `minutes` after midnight of `day` in `tz`, in UTC."""
    if minutes >= 1440:
        return _at_clock(day + timedelta(days=1), 0, tz)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _at(document: Document, pointer: str, rule: str, severity: Severity, message: str) -> Finding:
    line, column = document.locate(pointer)
    return Finding(document.path, line, column, pointer, rule, severity, message)
