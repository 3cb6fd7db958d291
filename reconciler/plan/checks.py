"""The checks that gate a plan and an apply, as the audit trail records them.

Plan and apply run the same checks under the same names: "validate" (the whole desired state
validated, with its warning count) and "dialer limits" (every schedule within the tenant's
limits, live or as the plan recorded them). `LimitsExceeded` carries the findings that fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.audit.trail import Check
from reconciler.errors import InputError
from reconciler.model import Finding, TenantLimits
from reconciler.validate.desired import DesiredState
from reconciler.validate.document import check_limits

__all__ = ["LimitsExceeded", "limits_check", "validated_check"]


class LimitsExceeded(InputError):
    """Dialer settings of the desired state exceed the tenant's limits; nothing was sent."""

    def __init__(self, findings: Sequence[Finding], message: str) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


def validated_check(desired: DesiredState) -> Check:
    """The "validate" check of a desired state that has no errors."""
    detail = (
        f"{len(desired.schedules)} schedule(s) in {len(desired.files)} file(s): "
        f"0 errors, {desired.warning_count} warning(s)"
    )
    return Check("validate", True, detail)


def limits_check(
    desired: DesiredState, limits: TenantLimits, against: str
) -> tuple[Check, list[Finding]]:
    """The "dialer limits" check and its findings; `LimitsExceeded` when one is an error."""
    findings = check_limits(desired.schedules, limits)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        shown = "\n  ".join(f"{f.path}:{f.line}: {f.pointer}: {f.message}" for f in errors)
        raise LimitsExceeded(findings, f"dialer limits exceeded; nothing was applied:\n  {shown}")
    warnings = len(findings)
    detail = (
        f"maxConcurrentCalls <= {limits.max_concurrent_calls}, "
        f"callRate <= {limits.max_call_rate:g} ({against}), {warnings} warning(s)"
    )
    return Check("dialer limits", True, detail), findings
