"""What every semantic rule receives: the run's context and a collector of findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reconciler.laws.policy import LawPolicy
from reconciler.laws.proof import Audience
from reconciler.loader import Document
from reconciler.model import Finding, Severity, TenantLimits

__all__ = ["Emitter", "RuleContext"]


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What the rules compare a file with: the current time, the tenant's dialer limits and
    the audience each campaign declares and the calling-hours policy, both from cxsched.yaml.

    `limits_source` names where the limits come from, for the messages.
    """

    now: datetime
    limits: TenantLimits
    limits_source: str = "tenant profile in cxsched.yaml"
    audiences: Mapping[str, Audience] = field(default_factory=dict)
    law_policy: LawPolicy = field(default_factory=LawPolicy)


class Emitter:
    """Collects the findings of one document, placing each at its JSON pointer's position."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.findings: list[Finding] = []

    def __call__(self, pointer: str, rule: str, severity: Severity, message: str) -> None:
        line, column = self.document.locate(pointer)
        self.findings.append(
            Finding(self.document.path, line, column, pointer, rule, severity, message)
        )
