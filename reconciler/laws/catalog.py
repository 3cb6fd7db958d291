"""The rule catalog: the rule data shipped in the package, loaded once, looked up by
jurisdiction, purpose and date.

Which rules bind a callee: the national rules of the callee's country, plus the rules of the
declared subdivision (`US-TX`), or, when only the country is declared (`US`), its `composite`
rule (the strictest of its subdivisions, since the state is unknown). A purpose of None
(undeclared) takes every purpose's rules, the strictest reading.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any, cast

from reconciler.laws.model import (
    HolidayCalendar,
    HolidayExtra,
    Hours,
    Interval,
    Purpose,
    Rule,
)

__all__ = ["Catalog", "catalog", "parse_catalog"]


@dataclass(frozen=True, slots=True, eq=False)
class Catalog:
    """Every rule, and the IANA zones of every jurisdiction the data knows.

    Compared (and hashed) by identity: there is one catalog per process.
    """

    notice: str
    rules: tuple[Rule, ...]
    zones: Mapping[str, tuple[str, ...]]

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def jurisdiction_rules(self, jurisdiction: str) -> tuple[Rule, ...]:
        """The rules written for exactly `jurisdiction`, in data order."""
        return tuple(rule for rule in self.rules if rule.jurisdiction == jurisdiction)

    def binding(self, jurisdiction: str, purpose: Purpose | None) -> tuple[Rule, ...]:
        """The rules (any date) that bind calls to callees of `jurisdiction` for `purpose`."""
        return _binding(self, jurisdiction, purpose)

    def baseline(self, country: str) -> tuple[Rule, ...]:
        """The national rules of `country` for every purpose: the undeclared baseline."""
        return tuple(r for r in self.rules if r.country == country and r.level == "national")

    def knows(self, jurisdiction: str) -> bool:
        return jurisdiction in self.zones or any(
            rule.jurisdiction == jurisdiction for rule in self.rules
        )


@functools.cache
def _binding(cat: Catalog, jurisdiction: str, purpose: Purpose | None) -> tuple[Rule, ...]:
    country = jurisdiction.split("-", 1)[0]
    whole_country = jurisdiction == country
    found = []
    for rule in cat.rules:
        if purpose is not None and purpose not in rule.purposes:
            continue
        if _binds(rule, jurisdiction, country, whole_country):
            found.append(rule)
    return tuple(found)


def _binds(rule: Rule, jurisdiction: str, country: str, whole_country: bool) -> bool:
    if rule.level == "subdivision":
        return rule.jurisdiction == jurisdiction
    if rule.level == "composite" and not whole_country:
        return False
    return rule.country == country


@functools.cache
def catalog() -> Catalog:
    """The catalog shipped in the package (`reconciler/laws/rules.json`)."""
    text = resources.files("reconciler.laws").joinpath("rules.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    """A catalog from rule data already checked against `laws.schema.json`."""
    zones = {code: tuple(names) for code, names in data["zones"].items()}
    return Catalog(str(data["notice"]), tuple(_rule(item) for item in data["rules"]), zones)


def _rule(item: Mapping[str, Any]) -> Rule:
    return Rule(
        id=item["id"],
        jurisdiction=item["jurisdiction"],
        level=item["level"],
        name=item["name"],
        purposes=frozenset(item["purposes"]),
        hours=_hours(item["hours"]),
        clocks=tuple(item["clocks"]),
        effective_from=_date(item["effectiveFrom"]),
        effective_to=_date(item["effectiveTo"]),
        citation=item["citation"],
        source=item["source"],
        confidence=item["confidence"],
        scope=item["scope"],
        holidays=_calendar(item.get("holidays")),
        frequency_caps=item.get("frequencyCaps"),
        notes=tuple(item.get("notes", ())),
    )


def _hours(item: Mapping[str, Any] | None) -> Hours | None:
    if item is None:
        return None
    holiday = item.get("holiday")
    return Hours(
        _intervals(item["weekday"]),
        _intervals(item["saturday"]),
        _intervals(item["sunday"]),
        None if holiday is None else _intervals(holiday),
    )


def _intervals(items: list[list[str]]) -> tuple[Interval, ...]:
    return tuple((_minutes(start), _minutes(end)) for start, end in items)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _calendar(item: Mapping[str, Any] | None) -> HolidayCalendar | None:
    if item is None:
        return None
    extras = tuple(
        HolidayExtra(extra["name"], extra["rule"], extra.get("month", 0), extra.get("day", 0))
        for extra in item.get("add", ())
    )
    return HolidayCalendar(
        country=item["country"],
        categories=tuple(cast(list[str], item["categories"])),
        subdivision=item.get("subdivision"),
        use_declared_subdivision=bool(item.get("useDeclaredSubdivision", False)),
        add=extras,
    )
