"""The records cxsched writes to the audit trail, built in one place each.

The trail stamps every record with its sequence number, time, run and hash
(`reconciler.audit.trail`); these builders give the part that says what happened. The record
format is documented in docs/audit.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from reconciler.audit.trail import Check

__all__ = ["plan_record"]


def plan_record(
    *,
    action: Literal["plan", "apply"],
    plan_hash: str,
    desired_digest: str,
    campaigns: Sequence[str],
    counts: Mapping[str, int],
    checks: Sequence[Check],
    mode: Literal["one-go", "saved-plan"] | None = None,
    tenant: str | None = None,
) -> dict[str, Any]:
    """The "plan" record: a plan made (`action` "plan") or about to be applied ("apply")."""
    record: dict[str, Any] = {"event": "plan", "action": action}
    if mode is not None:
        record["mode"] = mode
    record |= {
        "plan_hash": plan_hash,
        "desired_digest": desired_digest,
        "campaigns": list(campaigns),
        "counts": dict(counts),
        "checks": [check.to_json() for check in checks],
        "tenant": tenant,
    }
    return record
