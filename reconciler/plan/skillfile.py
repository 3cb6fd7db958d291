"""The saved plan of the admin profile: JSON both ways, with its hash.

`save_skill_plan` writes `skill_plan_json` plus `planHash` (the digest of the rest) atomically;
`load_skill_plan` reads it back, refusing a file that is too large, not this format, altered
(its hash no longer matches) or malformed, with a `PlanError` that says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from reconciler.errors import PlanError
from reconciler.model import VersionToken
from reconciler.plan.skills import BlockPlan, SkillPlan, plan_digest, skill_plan_json
from reconciler.skills.normal import BLOCKS, BlockName, block_version
from reconciler.util.atomic import write_atomic

__all__ = ["FORMAT", "load_skill_plan", "save_skill_plan"]

FORMAT = "cxsched-skill-plan"
_MAX_BYTES = 16 << 20


def save_skill_plan(plan: SkillPlan, path: Path) -> str:
    """Write the plan to `path`; returns its hash."""
    body = skill_plan_json(plan)
    digest = plan_digest(plan)
    text = json.dumps({**body, "planHash": digest}, indent=2, sort_keys=True, ensure_ascii=False)
    write_atomic(path, text + "\n")
    return digest


def load_skill_plan(path: Path) -> SkillPlan:
    """The plan saved at `path`; PlanError when it cannot be trusted."""
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise PlanError(f"{path}: larger than {_MAX_BYTES:,} bytes; not a plan cxsched wrote")
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PlanError(f"{path}: cannot read the plan ({type(exc).__name__}); plan again") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanError(f"{path}: not a saved plan of the admin profile; plan again with --out")
    if data.get("formatVersion") != 1:
        raise PlanError(f"{path}: plan format version {data.get('formatVersion')!r} is not 1")
    try:
        plan = SkillPlan(
            tuple(_block(item) for item in data["blocks"]),
            str(data["desiredDigest"]),
            {str(k): str(v) for k, v in cast(Mapping[str, Any], data["tenant"]).items()},
            tuple(str(p) for p in data["paths"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"{path}: the plan is malformed ({exc}); plan again") from None
    if plan_digest(plan) != data.get("planHash"):
        raise PlanError(f"{path}: the plan was altered since it was saved (hash mismatch)")
    return plan


def _block(item: Mapping[str, Any]) -> BlockPlan:
    block = item["block"]
    if block not in BLOCKS:
        raise ValueError(f"unknown block {str(block)[:40]!r}")
    base, desired = item["base"], item["desired"]
    if not isinstance(base, dict) or not isinstance(desired, dict):
        raise ValueError("base and desired must be objects")
    version = str(item["baseVersion"])
    if block_version(base) != version:
        raise ValueError("baseVersion does not match base")
    changes = tuple(
        (str(change["pointer"]), change["before"], change["after"]) for change in item["changes"]
    )
    return BlockPlan(
        str(item["skillId"]),
        cast(BlockName, block),
        str(item["path"]),
        VersionToken(version),
        base,
        desired,
        changes,
    )


def _refuse(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")
