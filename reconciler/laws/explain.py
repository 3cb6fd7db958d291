"""Sentences about a proof, for findings, plans and the `laws` command: which jurisdiction,
zone, date and hours, which rule with its citation and confidence. Not legal advice, and every
message that judges a schedule says so.
"""

from __future__ import annotations

from datetime import date

from reconciler.laws.allowed import day_kind
from reconciler.laws.holidays import holiday_names
from reconciler.laws.model import Rule, intervals_label
from reconciler.laws.proof import Breach, Uncovered

__all__ = [
    "allowance",
    "allowance_on",
    "breach_message",
    "rules_on",
    "uncovered_message",
]

_KINDS = {"weekday": "weekdays", "saturday": "Saturdays", "sunday": "Sundays"}


def rules_on(breach: Breach) -> str:
    """What the breached rules allow on the breach's first date; rules that allow the same
    share one clause, each with its citation and confidence."""
    clauses: dict[str, list[Rule]] = {}
    for rule in breach.rules:
        clauses.setdefault(allowance(rule, breach), []).append(rule)
    return "; ".join(
        f"{', '.join(rule.id for rule in rules)} {'allows' if len(rules) == 1 else 'allow'} "
        f"{text} ({'; '.join(f'{r.citation}, confidence {r.confidence}' for r in rules)})"
        for text, rules in clauses.items()
    )


def allowance(rule: Rule, breach: Breach) -> str:
    """What `rule` allows on the breach's first date, e.g. '12:00-21:00 on Sundays'."""
    return allowance_on(rule, breach.first, breach.jurisdiction)


def allowance_on(rule: Rule, day: date, jurisdiction: str) -> str:
    """What `rule` allows on `day` for callees of `jurisdiction`, e.g. 'none on Flag Day'."""
    assert rule.hours is not None
    subdivision = jurisdiction.partition("-")[2] or None
    kind = day_kind(rule, day, subdivision)
    if kind == "holiday" and rule.holidays is not None:
        when = f"on {holiday_names(rule.holidays, subdivision, day.year)[day]}"
    else:
        when = f"on {_KINDS[kind]}"
    clocks = ", ".join(c for c in rule.clocks if c != "called-local")
    clock = f" (read in the callee's local time and in {clocks})" if clocks else ""
    return f"{intervals_label(rule.hours.of(kind))} {when}{clock}"


def breach_message(breach: Breach, advice: str | None = None) -> str:
    """The message of a `legal-hours` finding; `advice` replaces the schedule's remedy (for
    files that have no blackouts, such as skills) unless the audience is undeclared."""
    day = f"{breach.first:%a} {breach.first.isoformat()}"
    days = "1 day" if breach.days == 1 else f"{breach.days} days"
    rules = rules_on(breach)
    where = (
        f"no audience declared, so judged by the national baseline of {breach.jurisdiction}: "
        if breach.baseline
        else ""
    )
    return (
        f"{where}{breach.jurisdiction} callees in {breach.zone} can be called outside legal "
        f"hours: first on {day} at {', '.join(breach.spans)} local time, {days} in all; "
        f"{rules}; {advice if advice and not breach.baseline else _fix(breach)} "
        "(not legal advice)"
    )


def _fix(breach: Breach) -> str:
    if breach.baseline:
        return (
            "declare `audience` (jurisdictions, purpose) to be judged by the law where the "
            "callees are"
        )
    subdivision = breach.jurisdiction.partition("-")[2] or None
    if any(
        rule.hours is not None
        and rule.hours.of(day_kind(rule, breach.first, subdivision)) != rule.hours.weekday
        for rule in breach.rules
    ):
        return (
            "add blackouts for the hours the law closes on such days "
            "(`cxsched validate --fix` adds them)"
        )
    return "narrow the windows to the allowed hours"


def uncovered_message(item: Uncovered) -> str:
    """The message of a `legal-no-window` finding."""
    return (
        f"no enabled window calls {item.jurisdiction} callees in {item.zone}, so they are never "
        f"called; add a window for {item.zone} or drop {item.jurisdiction} from the audience"
    )
