"""The proof: no callee of a declared jurisdiction can be called outside its law.

For every declared jurisdiction, every IANA zone of it and every local date of the schedule's
span, the callee's callable time (the enabled windows written for that zone or a zone with the
same clock, minus blackouts, inside the span; the whole span when the schedule has no window)
is compared with what the rules in force that date allow (`reconciler.laws.allowed`). Dates
are grouped by class (`reconciler.laws.days`) and each class is judged once; only the dates a
schedule makes special (its first and last, the ones its blackouts touch) are judged one by
one, and only when their class breaks the law at all.

A schedule with no declared audience is judged by the national rules of its windows' zones'
countries (the baseline), callees of each window's own zone (of the schedule's zone when it has
no window).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reconciler.laws.allowed import breached_rules, offence
from reconciler.laws.catalog import Catalog
from reconciler.laws.days import DayClass, day_classes
from reconciler.laws.model import Interval, Purpose, Rule
from reconciler.laws.policy import LawException, LawPolicy, apply_policy
from reconciler.laws.zones import country_of, jurisdiction_zones, same_clock
from reconciler.spans import Span, subtract

__all__ = [
    "MAX_SPAN_DAYS",
    "Audience",
    "Breach",
    "CallWindow",
    "Offence",
    "Policy",
    "Proof",
    "Subject",
    "Uncovered",
    "callable_local",
    "offences",
    "prove",
    "zone_windows",
]

_TICK = timedelta(microseconds=1)

#: The longest span the proof judges (five years): it bounds the work an untrusted file causes.
MAX_SPAN_DAYS = 1827


@dataclass(frozen=True, slots=True)
class Policy:
    """The organisation policy and the exceptions that apply to the schedule being proved."""

    rules: LawPolicy
    exceptions: tuple[LawException, ...] = ()


@dataclass(frozen=True, slots=True)
class Audience:
    """Where the callees are (ISO 3166 codes) and why they are called; None: undeclared."""

    jurisdictions: tuple[str, ...]
    purpose: Purpose | None = None


@dataclass(frozen=True, slots=True)
class CallWindow:
    """An enabled regulatory window: local minutes [start, end) in `zone`; `index` in the file."""

    zone: str
    start: int
    end: int
    index: int


@dataclass(frozen=True, slots=True)
class Subject:
    """What the proof needs of a schedule: its zone, UTC span, enabled windows and merged
    blackouts."""

    zone: str
    span: Span
    windows: tuple[CallWindow, ...]
    blackouts: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Breach:
    """Callable time outside the law: the first local date and spans, and how many dates."""

    jurisdiction: str
    zone: str
    first: date
    spans: tuple[str, ...]
    days: int
    rules: tuple[Rule, ...]
    window: int | None
    baseline: bool


@dataclass(frozen=True, slots=True)
class Uncovered:
    """A zone of a declared jurisdiction that no window calls."""

    jurisdiction: str
    zone: str


@dataclass(frozen=True, slots=True)
class Proof:
    breaches: tuple[Breach, ...]
    uncovered: tuple[Uncovered, ...]


def prove(
    subject: Subject,
    audience: Audience | None,
    cat: Catalog,
    policy: Policy | None = None,
) -> Proof:
    """Every breach and uncovered zone of `subject` for `audience` (None: the baseline),
    under the organisation's `policy` (house rules added, excepted rules lifted)."""
    breaches: list[Breach] = []
    uncovered: list[Uncovered] = []
    for jurisdiction, zones, binding in _targets(subject, audience, cat, policy):
        rules = tuple(rule for rule in binding if rule.hours is not None)
        subdivision = jurisdiction.partition("-")[2] or None
        for zone in zones:
            matching = _matching(subject, zone)
            if subject.windows and not matching:
                uncovered.append(Uncovered(jurisdiction, zone))
                continue
            if not rules:
                continue
            found = _judge(subject, zone, _local(matching), rules, subdivision)
            if found is not None:
                first, spans, days, breached = found
                window = matching[0].index if matching else None
                labels = tuple(_label(span, zone) for span in spans)
                baseline = audience is None
                breaches.append(
                    Breach(jurisdiction, zone, first, labels, days, breached, window, baseline)
                )
    return Proof(tuple(breaches), tuple(uncovered))


def _targets(
    subject: Subject, audience: Audience | None, cat: Catalog, policy: Policy | None = None
) -> list[tuple[str, tuple[str, ...], tuple[Rule, ...]]]:
    """(jurisdiction, its zones, the rules binding there) to prove the schedule against."""
    found = _law_targets(subject, audience, cat)
    if policy is None:
        return found
    return [
        (code, zones, apply_policy(rules, code, policy.rules, policy.exceptions))
        for code, zones, rules in found
    ]


def _law_targets(
    subject: Subject, audience: Audience | None, cat: Catalog
) -> list[tuple[str, tuple[str, ...], tuple[Rule, ...]]]:
    if audience is not None:
        return [
            (code, jurisdiction_zones(cat, code), cat.binding(code, audience.purpose))
            for code in audience.jurisdictions
        ]
    targets: dict[str, list[str]] = {}
    for zone in [window.zone for window in subject.windows] or [subject.zone]:
        country = country_of(zone)
        if country is not None and zone not in targets.setdefault(country, []):
            targets[country].append(zone)
    return [(country, tuple(zones), cat.baseline(country)) for country, zones in targets.items()]


def _matching(subject: Subject, zone: str) -> tuple[CallWindow, ...]:
    first, last = subject.span[0].year, subject.span[1].year
    return tuple(w for w in subject.windows if _same_clock(w.zone, zone, first, last))


@functools.cache
def _same_clock(a: str, b: str, first: int, last: int) -> bool:
    return all(same_clock(a, b, year) for year in range(first, last + 1))


def _local(windows: Sequence[CallWindow]) -> tuple[Interval, ...]:
    if not windows:
        return ((0, 1440),)
    merged: list[Interval] = []
    for start, end in sorted((w.start, w.end) for w in windows if w.start < w.end):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _judge(
    subject: Subject,
    zone: str,
    local: tuple[Interval, ...],
    rules: tuple[Rule, ...],
    subdivision: str | None,
) -> tuple[date, list[Span], int, tuple[Rule, ...]] | None:
    dirty = _dirty_days(subject, zone, local, rules, subdivision)
    if not dirty:
        return None
    day, known = min(dirty, key=lambda item: item[0])
    spans = known if known is not None else offence(zone, day, local, rules, subdivision)
    return day, spans, len(dirty), breached_rules(spans, zone, day, rules, subdivision)


def _dirty_days(
    subject: Subject,
    zone: str,
    local: tuple[Interval, ...],
    rules: tuple[Rule, ...],
    subdivision: str | None,
) -> list[tuple[date, list[Span] | None]]:
    """Every offending local date; its spans when computed exactly, None when they are its
    class's (a date the schedule does not make special)."""
    first, last = _local_dates(subject.span, zone)
    groups = _offending_classes(zone, rules, subdivision, (first, last), local)
    if not groups:
        return []
    special = _special_dates(subject, ZoneInfo(zone), first, last)
    free: list[Span] | None = None
    dirty: list[tuple[date, list[Span] | None]] = []
    for group in groups:
        for day in group.dates:
            if day not in special:
                dirty.append((day, None))
                continue
            free = free if free is not None else _free(subject)
            spans = offence(zone, day, local, rules, subdivision, clip=free)
            if spans:
                dirty.append((day, spans))
    return sorted(dirty, key=lambda item: item[0])


def callable_local(subject: Subject, zone: str) -> tuple[Interval, ...]:
    """The local intervals in which the windows call callees of `zone` (whole days without
    windows; none when no window is for that zone)."""
    matching = _matching(subject, zone)
    if subject.windows and not matching:
        return ()
    return _local(matching)


def zone_windows(
    subject: Subject, audience: Audience | None, cat: Catalog
) -> list[tuple[str, str, tuple[Interval, ...]]]:
    """(jurisdiction, zone, callable local intervals) of every zone some window calls."""
    found = []
    for jurisdiction, zones, _ in _targets(subject, audience, cat):
        for zone in zones:
            matching = _matching(subject, zone)
            if matching or not subject.windows:
                found.append((jurisdiction, zone, _local(matching)))
    return found


@dataclass(frozen=True, slots=True)
class Offence:
    """One offending local date of one zone of one jurisdiction, with its exact UTC spans."""

    jurisdiction: str
    zone: str
    day: date
    spans: tuple[Span, ...]
    rules: tuple[Rule, ...]


def offences(
    subject: Subject, audience: Audience | None, cat: Catalog, policy: Policy | None = None
) -> list[Offence]:
    """Every offending date of every jurisdiction zone, exactly (for fixes and calendars)."""
    found: list[Offence] = []
    for jurisdiction, zones, binding in _targets(subject, audience, cat, policy):
        rules = tuple(rule for rule in binding if rule.hours is not None)
        subdivision = jurisdiction.partition("-")[2] or None
        for zone in zones:
            matching = _matching(subject, zone)
            if not rules or (subject.windows and not matching):
                continue
            local = _local(matching)
            for day, known in _dirty_days(subject, zone, local, rules, subdivision):
                spans = known or offence(zone, day, local, rules, subdivision, clip=_free(subject))
                breached = breached_rules(spans, zone, day, rules, subdivision)
                found.append(Offence(jurisdiction, zone, day, tuple(spans), breached))
    return found


@functools.lru_cache(maxsize=65536)
def _local_dates(span: Span, zone: str) -> tuple[date, date]:
    """The first and last local dates of `span` in `zone`."""
    tz = ZoneInfo(zone)
    return span[0].astimezone(tz).date(), (span[1] - _TICK).astimezone(tz).date()


@functools.lru_cache(maxsize=65536)
def _offending_classes(
    zone: str,
    rules: tuple[Rule, ...],
    subdivision: str | None,
    dates: tuple[date, date],
    local: tuple[Interval, ...],
) -> tuple[DayClass, ...]:
    """The classes of `first`..`last` on which `local` breaks the rules (as whole days)."""
    return tuple(
        group
        for group in day_classes(zone, rules, subdivision, *dates)
        if _class_offends(zone, group, local, rules, subdivision)
    )


#: (zone, class key, callable intervals, rules, subdivision) -> whether that class offends.
_VERDICTS: dict[tuple[object, ...], bool] = {}


def _class_offends(
    zone: str,
    group: DayClass,
    local: tuple[Interval, ...],
    rules: tuple[Rule, ...],
    subdivision: str | None,
) -> bool:
    key = (zone, group.key, local, rules, subdivision)
    verdict = _VERDICTS.get(key)
    if verdict is None:
        verdict = bool(offence(zone, group.dates[0], local, rules, subdivision))
        _VERDICTS[key] = verdict
    return verdict


def _special_dates(subject: Subject, tz: ZoneInfo, first: date, last: date) -> set[date]:
    special = {first, last}
    for start, end in subject.blackouts:
        day = start.astimezone(tz).date()
        stop = (end - _TICK).astimezone(tz).date()
        while day <= stop:
            special.add(day)
            day += timedelta(days=1)
    return special


def _free(subject: Subject) -> list[Span]:
    return subtract([subject.span], list(subject.blackouts))


def _label(span: Span, zone: str) -> str:
    tz = ZoneInfo(zone)
    start, end = span[0].astimezone(tz), span[1].astimezone(tz)
    end_text = "24:00" if end.time() == datetime.min.time() and end > start else f"{end:%H:%M}"
    return f"{start:%H:%M}-{end_text}"
