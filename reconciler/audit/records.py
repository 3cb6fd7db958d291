"""The records cxsched writes to the audit trail, built in one place each.

The trail stamps every record with its sequence number, time, run and hash
(`reconciler.audit.trail`); these builders give the part that says what happened. The record
format is documented in docs/audit.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from reconciler.audit.trail import Check

__all__ = ["interrupt_record", "plan_record"]


def plan_record(
    *,
    action: Literal["plan", "apply"],
    plan_hash: str,
    desired_digest: str,
    campaigns: Sequence[str],
    counts: Mapping[str, int],
    checks: Sequence[Check],
    mode: Literal["one-go", "saved-plan"] | None = None,
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
    }
    return record


def interrupt_record(
    *, reason: str, counts: Mapping[str, int], not_started: Sequence[str]
) -> dict[str, Any]:
    """The "interrupt" record: an apply stopped early (`reason`, e.g. "SIGTERM received").

    Writes in flight when it stopped have their own outcome records; `not_started` lists the
    changes (campaign/name) that were never attempted, `counts` the outcomes of them all.
    """
    return {
        "event": "interrupt",
        "action": "apply",
        "result": "interrupted",
        "error": reason,
        "counts": dict(counts),
        "not_started": list(not_started),
    }
