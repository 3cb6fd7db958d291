"""The rule catalog as text and JSON, for `cxsched laws` and `cxsched laws show`.

Every rendering carries the catalog's notice: research notes, not legal advice.
"""

from __future__ import annotations

from typing import Any

from reconciler.laws.calendar import CalendarDay
from reconciler.laws.catalog import Catalog
from reconciler.laws.model import PURPOSES, Rule, intervals_label
from reconciler.laws.zones import jurisdiction_zones

__all__ = [
    "calendar_text",
    "catalog_json",
    "catalog_text",
    "jurisdiction_json",
    "jurisdiction_text",
]


def catalog_text(cat: Catalog) -> str:
    """One line per rule: id, purposes, hours, effective dates, confidence and citation."""
    lines = [cat.notice, ""]
    for rule in cat.rules:
        lines.append(
            f"{rule.id:<14} {rule.hours_summary()}; {_effective(rule)}; confidence "
            f"{rule.confidence}; {', '.join(sorted(rule.purposes))}; {rule.citation}"
        )
    lines.append("")
    lines.append("`cxsched laws show CODE` shows one jurisdiction (or rule) in full.")
    return "\n".join(lines) + "\n"


def catalog_json(cat: Catalog) -> dict[str, Any]:
    return {"notice": cat.notice, "rules": [rule_json(rule) for rule in cat.rules]}


def jurisdiction_text(cat: Catalog, code: str) -> str:
    """Everything about `code` (a jurisdiction or a rule id): zones, binding rules, notes."""
    rule = cat.rule(code)
    if rule is not None and not jurisdiction_zones(cat, code):
        return "\n".join([cat.notice, "", *_rule_lines(rule)]) + "\n"
    zones = ", ".join(jurisdiction_zones(cat, code))
    lines = [cat.notice, "", code, f"  zones: {zones}", "  rules by purpose:"]
    for purpose in PURPOSES:
        binding = cat.binding(code, purpose)
        names = ", ".join(r.id for r in binding) if binding else "no hours rule known"
        lines.append(f"    {purpose}: {names}")
    seen = {r.id: r for purpose in PURPOSES for r in cat.binding(code, purpose)}
    for item in seen.values():
        lines.append("")
        lines.extend(_rule_lines(item))
    return "\n".join(lines) + "\n"


def jurisdiction_json(cat: Catalog, code: str) -> dict[str, Any]:
    rule = cat.rule(code)
    if rule is not None and not jurisdiction_zones(cat, code):
        return {"notice": cat.notice, "rule": rule_json(rule)}
    return {
        "notice": cat.notice,
        "jurisdiction": code,
        "zones": list(jurisdiction_zones(cat, code)),
        "binding": {p: [r.id for r in cat.binding(code, p)] for p in PURPOSES},
        "rules": [
            rule_json(r) for r in {r.id: r for p in PURPOSES for r in cat.binding(code, p)}.values()
        ],
    }


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "jurisdiction": rule.jurisdiction,
        "level": rule.level,
        "name": rule.name,
        "purposes": sorted(rule.purposes),
        "hours": rule.hours_summary(),
        "clocks": list(rule.clocks),
        "effectiveFrom": rule.effective_from.isoformat() if rule.effective_from else None,
        "effectiveTo": rule.effective_to.isoformat() if rule.effective_to else None,
        "citation": rule.citation,
        "source": rule.source,
        "confidence": rule.confidence,
        "scope": rule.scope,
        "frequencyCaps": rule.frequency_caps,
        "notes": list(rule.notes),
    }


def _rule_lines(rule: Rule) -> list[str]:
    lines = [
        f"{rule.id}: {rule.name} ({rule.jurisdiction}, {rule.level})",
        f"  hours: {rule.hours_summary()}",
        f"  clock: {', '.join(_clock(c) for c in rule.clocks)}",
        f"  in force: {_effective(rule)}",
        f"  purposes: {', '.join(sorted(rule.purposes))}",
        f"  scope: {rule.scope}",
        f"  citation: {rule.citation}",
        f"  source: {rule.source}",
        f"  confidence: {rule.confidence}",
    ]
    if rule.holidays is not None:
        extra = ", ".join(e.name for e in rule.holidays.add)
        where = rule.holidays.country + (
            f"-{rule.holidays.subdivision}" if rule.holidays.subdivision else ""
        )
        lines.append(
            f"  holidays: {where} ({', '.join(rule.holidays.categories)})"
            + (f" plus {extra}" if extra else "")
        )
    if rule.frequency_caps:
        lines.append(f"  frequency caps (reported, not enforced): {rule.frequency_caps}")
    lines.extend(f"  note: {note}" for note in rule.notes)
    return lines


def _clock(clock: str) -> str:
    return "the callee's local time" if clock == "called-local" else clock


def _effective(rule: Rule) -> str:
    end = rule.effective_to
    if rule.effective_from is None:
        return "in force" if end is None else f"until {end.isoformat()}"
    start = rule.effective_from.isoformat()
    return f"from {start}" if end is None else f"{start} to {end.isoformat()}"


def calendar_text(days: list[CalendarDay], title: str) -> str:
    """One line per local date: callable, legal and outside hours."""
    lines = [title]
    for item in days:
        legal = "no hours rule" if item.legal is None else intervals_label(item.legal)
        line = f"{item.day:%Y-%m-%d %a}  callable {intervals_label(item.callable)}  legal {legal}"
        if item.outside:
            line += f"  OUTSIDE {intervals_label(item.outside)}"
        lines.append(line)
    return "\n".join(lines) + "\n"
