"""What `cxsched validate --fix` adds to a schedule: the blackouts that the law's Saturday,
Sunday and holiday rules require, and what it cannot mend.

A blackout only ever removes callable time, so a fix never widens it. Only offences on days
for which a broken rule allows less than on weekdays are blacked out (the Sunday morning
before Texas's noon, Rhode Island's Sundays and holidays, its Saturday evening); everyday
hours that break the law need narrower windows, which is advice, not an edit. A blackout
stops calls to every callee of the schedule, so when it also removes time that another
declared jurisdiction's law allows, the schedule serves conflicting jurisdictions and the fix
says how to split it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reconciler.laws.allowed import day_kind, intersect, local_spans
from reconciler.laws.catalog import Catalog
from reconciler.laws.explain import allowance_on
from reconciler.laws.model import Rule
from reconciler.laws.proof import Audience, Offence, Policy, Subject, offences, zone_windows
from reconciler.spans import Span, merge

__all__ = ["Fix", "FixBlackout", "plan_fix"]

_REASON_LIMIT = 256


@dataclass(frozen=True, slots=True)
class FixBlackout:
    """A blackout to add: [start, end) in UTC and the reason naming the rule and citation."""

    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Fix:
    """The blackouts to add, the callable minutes they remove, and advice the fix cannot apply."""

    blackouts: tuple[FixBlackout, ...]
    removed_minutes: float
    narrow: tuple[str, ...]
    conflicts: tuple[str, ...]


def plan_fix(
    subject: Subject, audience: Audience | None, cat: Catalog, policy: Policy | None = None
) -> Fix:
    """The fix of `subject` for `audience` (nothing to add when it keeps to the law)."""
    found = offences(subject, audience, cat, policy)
    restricted = [item for item in found if _restricted_day(item)]
    narrow = _narrow_advice([item for item in found if not _restricted_day(item)])
    blackouts = _blackouts(restricted)
    removed = sum((b.end - b.start).total_seconds() for b in blackouts) / 60
    conflicts = _conflicts(subject, audience, cat, restricted, blackouts)
    return Fix(tuple(blackouts), removed, narrow, conflicts)


def _restricted_day(item: Offence) -> bool:
    """Whether a broken rule allows less that day than on weekdays (a Saturday, Sunday or
    holiday rule of its own)."""
    subdivision = item.jurisdiction.partition("-")[2] or None
    return any(
        rule.hours is not None
        and rule.hours.of(day_kind(rule, item.day, subdivision)) != rule.hours.weekday
        for rule in item.rules
    )


def _blackouts(items: Sequence[Offence]) -> list[FixBlackout]:
    merged = merge([span for item in items for span in item.spans])
    out = []
    for start, end in merged:
        reasons = dict.fromkeys(
            _reason(item, rule)
            for item in items
            if any(s < end and start < e for s, e in item.spans)
            for rule in item.rules
        )
        reason = "Calling law: " + "; ".join(reasons)
        if len(reason) > _REASON_LIMIT:
            reason = reason[: _REASON_LIMIT - 3] + "..."
        out.append(FixBlackout(start, end, reason))
    return out


def _reason(item: Offence, rule: Rule) -> str:
    allows = allowance_on(rule, item.day, item.jurisdiction)
    return f"{rule.id} allows {allows} ({rule.citation})"


def _narrow_advice(items: Sequence[Offence]) -> tuple[str, ...]:
    first: dict[tuple[str, str], Offence] = {}
    for item in items:
        first.setdefault((item.jurisdiction, item.zone), item)
    return tuple(
        f"{item.jurisdiction} callees in {item.zone}: the windows break the everyday hours "
        f"(first on {item.day.isoformat()}; {', '.join(r.id for r in item.rules)}); narrow the "
        f"windows of {item.zone} by hand, a blackout per day would not do"
        for item in first.values()
    )


def _conflicts(
    subject: Subject,
    audience: Audience | None,
    cat: Catalog,
    restricted: Sequence[Offence],
    blackouts: Sequence[FixBlackout],
) -> tuple[str, ...]:
    if audience is None or not blackouts:
        return ()
    causes = sorted({item.jurisdiction for item in restricted})
    spans: list[Span] = [(b.start, b.end) for b in blackouts]
    hurt = sorted(
        jurisdiction
        for jurisdiction, zone, local in zone_windows(subject, audience, cat)
        if jurisdiction not in causes and _callable_in(spans, zone, local)
    )
    hurt = list(dict.fromkeys(hurt))
    if not hurt:
        return ()
    return (
        f"the blackouts for {', '.join(causes)} also stop calls to {', '.join(hurt)} callees "
        f"when their law allows them: the jurisdictions conflict; split the schedule, one for "
        f"[{', '.join(causes)}] and one for [{', '.join(hurt)}]",
    )


def _callable_in(spans: Sequence[Span], zone: str, local: tuple[tuple[int, int], ...]) -> bool:
    """Whether the windows `local` of `zone` are open at some moment of `spans`."""
    tz = ZoneInfo(zone)
    for start, end in spans:
        day = start.astimezone(tz).date()
        while day <= end.astimezone(tz).date():
            if intersect(local_spans(day, local, tz), [(start, end)]):
                return True
            day += timedelta(days=1)
    return False
