"""Apply of the admin profile: compare-before-write, block by block, without ETags.

For each skill, its changed blocks are written in the fixed order of `BLOCKS` (weekly
schedule, zones, general settings). Per block:

1. re-read it; already as desired -> `already-applied`, no write;
2. its version token (the digest of its normal form) differs from the plan's base -> someone
   changed it since the plan: `conflict`, with a three-way view (base / live now / desired) of
   every field either side touched, and no write;
3. else write a body built from what was just read plus the planned block (fields cxsched does
   not manage are sent back as read), re-read it and verify: as desired -> `applied`; differing
   only in fields the plan changed -> `normalised` (the server stored its own form of a value:
   reported, not a failure); differing elsewhere -> `conflict` (another writer raced us).

A block that fails or conflicts stops the rest of its skill (`skipped`), so a partial failure
says exactly which blocks landed. Each write has an intent record (flushed before the call)
and an outcome record in the audit trail; every other decision has one record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.api.errors import ApiError
from reconciler.api.skills import SkillAPI
from reconciler.audit.trail import AuditTrail, Check
from reconciler.plan.skills import BlockPlan, SkillPlan, skill_plan_record
from reconciler.skills.normal import Change, diff
from reconciler.util.hashing import digest

__all__ = ["BlockResult", "Result", "apply_skill_plan", "render_skill_results"]

Result = Literal["applied", "normalised", "already-applied", "conflict", "failed", "skipped"]
_OK: frozenset[str] = frozenset({"applied", "normalised", "already-applied"})


@dataclass(frozen=True, slots=True)
class BlockResult:
    """What became of one planned block."""

    skill_id: str
    block: str
    result: Result
    detail: str = ""
    three_way: tuple[tuple[str, Any, Any, Any], ...] = ()
    normalised: tuple[Change, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.result in _OK


def apply_skill_plan(
    api: SkillAPI,
    plan: SkillPlan,
    trail: AuditTrail,
    *,
    checks: Sequence[Check] = (),
    mode: Literal["one-go", "saved-plan"] = "saved-plan",
) -> list[BlockResult]:
    """Apply every changed block of `plan`; one result per changed block."""
    trail.append(skill_plan_record(plan, checks, action="apply", mode=mode))
    results: list[BlockResult] = []
    stopped: set[str] = set()
    for block in plan.changed:
        if block.skill_id in stopped:
            result = BlockResult(
                block.skill_id,
                block.block,
                "skipped",
                "an earlier block of this skill did not land",
            )
            _record(trail, block, "decision", result)
        else:
            result = _apply_block(api, block, trail)
        results.append(result)
        if not result.ok:
            stopped.add(block.skill_id)
    return results


def _apply_block(api: SkillAPI, block: BlockPlan, trail: AuditTrail) -> BlockResult:
    try:
        live = api.read_block(block.skill_id, block.block)
    except ApiError as exc:
        return _failed(trail, block, exc, "re-read")
    if live.settings == block.desired:
        result = BlockResult(block.skill_id, block.block, "already-applied", "already as planned")
        _record(trail, block, "recheck", result, new_version=live.version)
        return result
    if live.version != block.base_version:
        view = _three_way(block.base, live.settings, block.desired)
        shown = ", ".join(pointer for pointer, *_ in view)
        detail = f"changed on the tenant since the plan ({shown}); re-plan and review"
        result = BlockResult(block.skill_id, block.block, "conflict", detail, view)
        _record(trail, block, "recheck", result, new_version=live.version)
        return result
    _record(trail, block, "intent", None, base_version=live.version)
    try:
        api.write_block(live, block.desired)
    except ApiError as exc:
        return _failed(trail, block, exc, "write")
    try:
        after = api.read_block(block.skill_id, block.block)
    except ApiError as exc:
        return _failed(trail, block, exc, "verify")
    return _verified(trail, block, after.settings, after.version)


def _verified(
    trail: AuditTrail, block: BlockPlan, after: Mapping[str, Any], version: str
) -> BlockResult:
    drift = diff(block.desired, after)
    planned = {pointer for pointer, _, _ in block.changes}
    if not drift:
        result = BlockResult(block.skill_id, block.block, "applied")
    elif all(pointer in planned for pointer, _, _ in drift):
        words = "; ".join(f"{p} from {want!r} to {got!r}" for p, want, got in drift)
        detail = f"applied; the server normalised {words}"
        result = BlockResult(
            block.skill_id, block.block, "normalised", detail, normalised=tuple(drift)
        )
    else:
        view = _three_way(block.base, after, block.desired)
        detail = "another writer changed the block while it was written; re-plan and review"
        result = BlockResult(block.skill_id, block.block, "conflict", detail, view)
    _record(trail, block, "outcome", result, new_version=version)
    return result


def _failed(trail: AuditTrail, block: BlockPlan, exc: ApiError, step: str) -> BlockResult:
    result = BlockResult(block.skill_id, block.block, "failed", f"{step}: {exc}")
    phase = "outcome" if step in ("write", "verify") else "recheck"
    _record(trail, block, phase, result, status=exc.status)
    return result


def _three_way(
    base: Mapping[str, Any], live: Mapping[str, Any], desired: Mapping[str, Any]
) -> tuple[tuple[str, Any, Any, Any], ...]:
    pointers = sorted({p for p, _, _ in diff(base, live)} | {p for p, _, _ in diff(base, desired)})
    return tuple((p, _at(base, p), _at(live, p), _at(desired, p)) for p in pointers)


def _at(value: Mapping[str, Any], pointer: str) -> Any:
    node: Any = value
    for part in pointer.lstrip("/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _record(
    trail: AuditTrail,
    block: BlockPlan,
    phase: str,
    result: BlockResult | None,
    *,
    base_version: str | None = None,
    new_version: str | None = None,
    status: int | str | None = None,
) -> None:
    record: dict[str, Any] = {
        "event": "write" if phase in ("intent", "outcome") else phase,
        "campaign": None,
        "schedule": block.block,
        "schedule_id": block.skill_id,
        "skill": block.skill_id,
        "block": block.block,
        "action": "update",
        "phase": phase if phase in ("intent", "outcome") else None,
        "result": None if result is None else result.result,
        "base_etag": base_version or block.base_version,
        "new_etag": new_version,
        "changes": [{"pointer": p, "before": b, "after": a} for p, b, a in block.changes],
        "desired_hash": digest(block.desired),
        "status": status,
        "error": None if result is None or result.ok else result.detail,
    }
    if result is not None and result.three_way:
        record["three_way"] = [
            {"pointer": p, "base": b, "live": lv, "desired": d} for p, b, lv, d in result.three_way
        ]
    if result is not None and result.normalised:
        record["normalised"] = [
            {"pointer": p, "sent": s, "stored": g} for p, s, g in result.normalised
        ]
    trail.append(record)


def render_skill_results(results: Sequence[BlockResult]) -> str:
    """One line per block (plus the three-way view of a conflict), then a summary."""
    lines: list[str] = []
    for item in results:
        suffix = f": {item.detail}" if item.detail else ""
        lines.append(f"{item.result:<15} skill {item.skill_id} {item.block}{suffix}")
        for pointer, base, live, desired in item.three_way:
            lines.append(
                f"    {pointer}: base {_json(base)} | live now {_json(live)} | "
                f"desired {_json(desired)}"
            )
    done = sum(1 for item in results if item.ok)
    lines.append(
        f"Apply: {done} of {len(results)} block(s) done"
        + (f", {len(results) - done} not" if done < len(results) else "")
        + "."
    )
    return "\n".join(lines)


def _json(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)
