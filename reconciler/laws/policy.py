"""Organisation policy from cxsched.yaml's `laws:`: stricter house rules and counsel-approved
exceptions.

A house rule is one more rule binding every callee (or the callees of its listed
jurisdictions); it can only narrow what the law allows, since every binding rule must allow a
call. An exception lifts one rule (by id) for the schedules of a campaign (and name glob),
until a date when given, for a recorded reason and approver; plans and the audit trail list
the exceptions in force.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from reconciler.laws.model import Hours, Interval, Rule

__all__ = ["LawException", "LawPolicy", "apply_policy", "read_policy"]


@dataclass(frozen=True, slots=True)
class LawException:
    """A counsel-approved exception to one rule for some schedules."""

    rule: str
    reason: str
    approved_by: str
    campaign: str = "*"
    name: str = "*"
    until: date | None = None

    def matches(self, campaign: str, name: str) -> bool:
        return fnmatch.fnmatchcase(campaign, self.campaign) and fnmatch.fnmatchcase(name, self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "campaign": self.campaign,
            "name": self.name,
            "until": self.until.isoformat() if self.until else None,
            "reason": self.reason,
            "approved_by": self.approved_by,
        }


@dataclass(frozen=True, slots=True)
class LawPolicy:
    """House rules and exceptions; the empty policy changes nothing."""

    house_rules: tuple[tuple[Rule, tuple[str, ...]], ...] = ()
    exceptions: tuple[LawException, ...] = ()

    def for_schedule(self, campaign: str, name: str) -> tuple[LawException, ...]:
        return tuple(item for item in self.exceptions if item.matches(campaign, name))


def apply_policy(
    rules: tuple[Rule, ...],
    jurisdiction: str,
    policy: LawPolicy,
    exceptions: Sequence[LawException],
) -> tuple[Rule, ...]:
    """`rules` with the house rules for `jurisdiction` added and the excepted rules lifted."""
    out = []
    for rule in rules:
        lifted = [item for item in exceptions if item.rule == rule.id]
        if any(item.until is None for item in lifted):
            continue
        ends = [item.until for item in lifted if item.until is not None]
        out.append(_after(rule, max(ends)) if ends else rule)
    country = jurisdiction.split("-", 1)[0]
    for rule, codes in policy.house_rules:
        if not codes or jurisdiction in codes or country in codes:
            out.append(rule)
    return tuple(out)


@functools.cache
def _after(rule: Rule, until: date) -> Rule:
    """`rule` in force only after `until` (one object per pair, for the proof's caches)."""
    start = until + timedelta(days=1)
    if rule.effective_from is not None and rule.effective_from > start:
        start = rule.effective_from
    return replace(rule, effective_from=start)


def read_policy(data: Mapping[str, Any], source: str) -> LawPolicy:
    """The policy of a `laws:` mapping already checked by the config schema."""
    rules = tuple(
        (
            _house_rule(item, f"{source} laws.houseRules[{index}]"),
            tuple(item.get("jurisdictions", ())),
        )
        for index, item in enumerate(data.get("houseRules", ()))
    )
    exceptions = tuple(
        LawException(
            rule=item["rule"],
            reason=item["reason"],
            approved_by=item["approvedBy"],
            campaign=item.get("campaign", "*"),
            name=item.get("name", "*"),
            until=date.fromisoformat(item["until"]) if item.get("until") else None,
        )
        for item in data.get("exceptions", ())
    )
    return LawPolicy(rules, exceptions)


def _house_rule(item: Mapping[str, Any], where: str) -> Rule:
    hours = item["hours"]
    return Rule(
        id=item["id"],
        jurisdiction="*",
        level="national",
        name=item.get("name", item["id"]),
        purposes=frozenset(("telemarketing", "debt-collection", "informational", "research")),
        hours=Hours(
            _intervals(hours["weekday"]),
            _intervals(hours.get("saturday", hours["weekday"])),
            _intervals(hours.get("sunday", hours["weekday"])),
        ),
        clocks=("called-local",),
        effective_from=None,
        effective_to=None,
        citation=f"house rule, {where}: {item['reason']}",
        source=where,
        confidence="P",
        scope="organisation policy",
    )


def _intervals(items: Sequence[Sequence[str]]) -> tuple[Interval, ...]:
    return tuple((_minutes(start), _minutes(end)) for start, end in items)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)
