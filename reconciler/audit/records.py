"""The records cxsched writes to the audit trail, built in one place each.

The trail stamps every record with its sequence number, time, run and hash
(`reconciler.audit.trail`); these builders give the part that says what happened. The record
format is documented in docs/audit.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from reconciler.audit.trail import Check

__all__ = [
    "ActionEvent",
    "CommandEvent",
    "action_record",
    "command_record",
    "interrupt_record",
    "plan_record",
]

#: Events about one planned action: a write's intent or outcome, a re-read after a stale
#: version, a re-plan, a look-up by name after a lost answer.
ActionEvent = Literal["write", "recheck", "replan", "lookup"]
#: Events of the analytics commands.
CommandEvent = Literal["optimize", "adherence", "export"]


def plan_record(
    *,
    action: Literal["plan", "apply"],
    plan_hash: str,
    desired_digest: str,
    campaigns: Sequence[str],
    counts: Mapping[str, int],
    checks: Sequence[Check],
    mode: Literal["one-go", "saved-plan"] | None = None,
    law_exceptions: Sequence[Mapping[str, Any]] = (),
    tenant: str | None = None,
) -> dict[str, Any]:
    """The "plan" record: a plan made (`action` "plan") or about to be applied ("apply"),
    with the counsel-approved calling-law exceptions it relies on, if any."""
    record: dict[str, Any] = {"event": "plan", "action": action}
    if law_exceptions:
        record["law_exceptions"] = [dict(item) for item in law_exceptions]
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


def action_record(
    event: ActionEvent,
    *,
    campaign: str,
    schedule: str,
    schedule_id: str | None,
    action: str,
    desired_hash: str | None,
    tenant: str | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """A record about one planned action on `tenant`; `fields` says what happened (phase,
    result, ...)."""
    return {
        "event": event,
        "campaign": campaign,
        "schedule": schedule,
        "schedule_id": schedule_id,
        "action": action,
        "desired_hash": desired_hash,
        "tenant": tenant,
        **fields,
    }


def command_record(event: CommandEvent, action: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The one record of an analytics command's run (`action` names its variant)."""
    return {"event": event, "action": action, **fields}


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
