"""The calling-law rules: a schedule must not be able to ring a phone outside the law there.

The audience comes from the file's `audience`, else from its campaign in cxsched.yaml, else
the national baseline of its zones' countries (`reconciler.laws.proof`).

=================  ========  ============================================================
rule               severity  finding
=================  ========  ============================================================
legal-hours        error     callable time outside a declared jurisdiction's legal hours
legal-no-window    warning   a zone of a declared jurisdiction that no window calls
legal-jurisdiction error     a declared code with no known zone
legal-span         error     a span longer than the proof judges (five years)
=================  ========  ============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from reconciler.laws.audience import audience_of, unknown_code_message, unknown_codes
from reconciler.laws.catalog import catalog
from reconciler.laws.explain import breach_message, uncovered_message
from reconciler.laws.policy import LawPolicy
from reconciler.laws.proof import (
    MAX_SPAN_DAYS,
    Audience,
    CallWindow,
    Policy,
    Subject,
    prove,
)
from reconciler.spans import merge
from reconciler.validate.rules.context import Emitter, RuleContext
from reconciler.validate.rules.view import ScheduleView

__all__ = ["check_laws", "policy_of", "subject_of"]


def check_laws(view: ScheduleView, emit: Emitter, context: RuleContext) -> None:
    """`legal-*` findings of one schedule whose span is readable and in order."""
    subject = subject_of(view)
    if subject is None:
        return
    days = (subject.span[1] - subject.span[0]).days
    if days > MAX_SPAN_DAYS:
        message = (
            f"the schedule spans {days} days; the calling-law proof judges at most "
            f"{MAX_SPAN_DAYS} (five years): split it into shorter schedules"
        )
        emit("/endTime", "legal-span", "error", message)
        return
    audience, pointer = _audience(emit, view, context)
    cat = catalog()
    if audience is not None:
        unknown = unknown_codes(audience, cat)
        for index, code in unknown:
            message = unknown_code_message(code)
            emit(f"{pointer}/{index}", "legal-jurisdiction", "error", message)
        if unknown:
            return
    proof = prove(subject, audience, cat, policy_of(emit.document.data, context.law_policy))
    for breach in proof.breaches:
        where = (
            "/regulatoryWindows" if breach.window is None else f"/regulatoryWindows/{breach.window}"
        )
        emit(where, "legal-hours", "error", breach_message(breach))
    for item in proof.uncovered:
        emit("/regulatoryWindows", "legal-no-window", "warning", uncovered_message(item))


def policy_of(data: Mapping[str, Any], policy: LawPolicy) -> Policy:
    """The policy and the exceptions that apply to the schedule document `data`."""
    campaign, name = data.get("campaignId"), data.get("name")
    if not isinstance(campaign, str) or not isinstance(name, str):
        return Policy(policy)
    return Policy(policy, policy.for_schedule(campaign, name))


def subject_of(view: ScheduleView) -> Subject | None:
    """What the proof needs of `view`, or None without a readable span and zone."""
    span, zone = view.span, view.zone
    if span is None or zone is None:
        return None
    windows = tuple(
        CallWindow(w.zone.key, _minutes(w.start), _minutes(w.end), w.index)
        for w in view.windows
        if w.enabled and w.start < w.end
    )
    blackouts = tuple(merge([(b.start, b.end) for b in view.blackouts]))
    return Subject(zone.key, span, windows, blackouts)


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _audience(
    emit: Emitter, view: ScheduleView, context: RuleContext
) -> tuple[Audience | None, str]:
    audience, own = audience_of(emit.document.data, context.audiences)
    return audience, "/audience/jurisdictions" if own else "/campaignId"
