"""The plan of the admin profile: per skill and block, what differs between file and tenant.

`make_skill_plan` checks the zones the files name against the tenant (`GET /timezones` and the
business unit's enabled zones), then reads each declared block once and records, per block,
the normal form read (`base`), its version token (`base_version`), the whole desired block and
the field changes between them. `render_skill_plan` shows it as text, markdown or JSON, and
`skill_plan_record` gives the audit trail's "plan" record of it (for `plan` and `apply`).

Errors: `ZonesRefused` (an `InputError`) for zones the tenant does not know or does not enable;
`InputError` for a skill the tenant does not have; the seam's `ApiError`s otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from reconciler.api.errors import NotFound
from reconciler.api.skills import SkillAPI, TenantZone
from reconciler.audit.records import plan_record
from reconciler.audit.trail import Check
from reconciler.errors import InputError, PlanError
from reconciler.model import VersionToken
from reconciler.skills.desired import DesiredSkill, desired_settings
from reconciler.skills.normal import BlockName, Change, diff
from reconciler.skills.zones import iana_for, same_clock
from reconciler.util.hashing import digest
from reconciler.util.sanitize import strip_controls
from reconciler.validate.skills import DesiredSkills

__all__ = [
    "BlockPlan",
    "SkillPlan",
    "ZonesRefused",
    "check_rederived",
    "check_unit_zone",
    "check_zones",
    "make_skill_plan",
    "render_skill_plan",
    "skill_plan_json",
    "skill_plan_record",
]


@dataclass(frozen=True, slots=True)
class BlockPlan:
    """One block of one skill: what was read, what is wanted, and the changes between."""

    skill_id: str
    block: BlockName
    path: str
    base_version: VersionToken
    base: Mapping[str, Any]
    desired: Mapping[str, Any]
    changes: tuple[Change, ...]

    @property
    def action(self) -> Literal["update", "none"]:
        return "update" if self.changes else "none"


@dataclass(frozen=True, slots=True)
class SkillPlan:
    """Every declared block, skills in file order, blocks in write order; bound to a tenant."""

    blocks: tuple[BlockPlan, ...]
    desired_digest: str
    tenant: Mapping[str, str]
    paths: tuple[str, ...]

    @property
    def has_changes(self) -> bool:
        return any(block.changes for block in self.blocks)

    @property
    def changed(self) -> tuple[BlockPlan, ...]:
        return tuple(block for block in self.blocks if block.changes)

    def skills(self) -> list[str]:
        return list(dict.fromkeys(block.skill_id for block in self.blocks))


class ZonesRefused(InputError):
    """Files name zones the tenant does not list or its business unit does not enable."""


def check_zones(skills: Iterable[DesiredSkill], zones: Sequence[TenantZone]) -> None:
    """Refuse zones absent from the tenant's `/timezones` or not enabled for its unit."""
    listed = {zone.standard_name: zone for zone in zones}
    problems: list[str] = []
    for skill in skills:
        for name, written in skill.zone_names.items():
            shown = written if written == name else f"{written} (CXone {name!r})"
            zone = listed.get(name)
            if zone is None:
                problems.append(
                    f"{skill.path.as_posix()}: zone {shown} is not in the tenant's /timezones; "
                    "write standardName: with one of the names `cxsched doctor` lists"
                )
            elif not zone.enabled:
                problems.append(
                    f"{skill.path.as_posix()}: zone {shown} is not enabled for the business "
                    "unit; enable it in CXone (Admin > Business Unit > Time Zones) or remove "
                    "it from the file (cxsched never changes business-unit settings)"
                )
    if problems:
        raise ZonesRefused("\n".join(problems) + "\nnothing was planned")


def check_unit_zone(
    api: SkillAPI, configured: str, now: datetime, *, stopped: str = "nothing was planned"
) -> None:
    """Refuse when the business unit's zone on the tenant is not `configured` (cxsched.yaml's
    `skills.businessUnitTimeZone`, in which validate read the weekly schedules)."""
    standard = api.business_unit_zone()
    advice = f"or remove it to judge the zones' windows alone (stricter); {stopped}"
    if standard is None:
        raise InputError(
            f"cxsched.yaml: skills.businessUnitTimeZone is {configured}, but the tenant's "
            "GET /business-unit names no defaultTimeZone, so the zone the calling-law proof "
            f"used cannot be confirmed; check the business unit in CXone, {advice}"
        )
    if same_clock(configured, standard, now):
        return
    shown = strip_controls(standard)[:80]
    iana = iana_for(standard)
    fix = f"set it to {iana}" if iana else f"set it to the IANA zone of {shown!r}"
    raise InputError(
        f"cxsched.yaml: skills.businessUnitTimeZone is {configured}, but the tenant's business "
        f"unit is in {shown!r}{f' ({iana})' if iana else ''}, so the calling-law proof read "
        f"the weekly schedules on the wrong clock; {fix} and validate again, {advice}"
    )


def make_skill_plan(
    api: SkillAPI,
    desired: DesiredSkills,
    tenant: Mapping[str, str],
    paths: Sequence[str],
    *,
    unit_zone: str | None = None,
    now: datetime | None = None,
) -> SkillPlan:
    """Read every declared block once and plan it against the files.

    `unit_zone` is the business unit's zone validate assumed (cxsched.yaml's
    `skills.businessUnitTimeZone`): the tenant's must keep the same clock from `now` on.
    """
    if any(skill.zone_names for skill in desired.skills):
        check_zones(desired.skills, api.zones())
    if unit_zone is not None:
        check_unit_zone(api, unit_zone, now or datetime.now(UTC))
    blocks: list[BlockPlan] = []
    for skill in desired.skills:
        for block in skill.declared():
            try:
                live = api.read_block(skill.skill_id, block)
            except NotFound as exc:
                raise InputError(
                    f"{skill.path.as_posix()}: the tenant has no Personal Connection skill "
                    f"{skill.skill_id} ({exc}); fix skillId (cxsched doctor lists the skills)"
                ) from exc
            want = desired_settings(block, skill.blocks[block], live.settings)
            changes = tuple(diff(live.settings, want))
            blocks.append(
                BlockPlan(
                    skill.skill_id,
                    block,
                    skill.path.as_posix(),
                    live.version,
                    dict(live.settings),
                    want,
                    changes,
                )
            )
    return SkillPlan(tuple(blocks), desired.digest, dict(tenant), tuple(paths))


def check_rederived(plan: SkillPlan, desired: DesiredSkills, where: str) -> None:
    """Refuse a saved plan whose blocks are not those the skill files give over its bases.

    A plan's hash proves only that nobody edited it without recomputing the hash. Its blocks
    must be the declared blocks of `desired` (skill by skill, in write order, each from its
    file), each `desired` block `desired_settings` of the file over the plan's `base` (apply
    then checks the base against the tenant), and its changes the diff of the two: the plan
    writes nothing the files do not say.
    """
    expected = [(skill, block) for skill in desired.skills for block in skill.declared()]
    planned = [(block.skill_id, block.block, block.path) for block in plan.blocks]
    if planned != [(s.skill_id, block, s.path.as_posix()) for s, block in expected]:
        raise PlanError(
            f"{where}: its blocks are not those the skill files declare; nothing was applied. "
            "Make and review a new plan with `cxsched plan --out`"
        )
    for (skill, name), block in zip(expected, plan.blocks, strict=True):
        want = desired_settings(name, skill.blocks[name], block.base)
        changes = tuple(diff(block.base, want))
        if digest(dict(block.desired)) != digest(want) or digest(
            [list(c) for c in block.changes]
        ) != digest([list(c) for c in changes]):
            raise PlanError(
                f"{where}: skill {block.skill_id} {name} is not what {block.path} gives over "
                "the plan's base; nothing was applied. Make and review a new plan with "
                "`cxsched plan --out`"
            )


def skill_plan_json(plan: SkillPlan) -> dict[str, Any]:
    """The plan as the JSON object saved by `--out` (without its `plan_hash`)."""
    return {
        "format": "cxsched-skill-plan",
        "formatVersion": 1,
        "profile": "admin",
        "tenant": dict(plan.tenant),
        "desiredDigest": plan.desired_digest,
        "paths": list(plan.paths),
        "blocks": [
            {
                "skillId": block.skill_id,
                "block": block.block,
                "path": block.path,
                "action": block.action,
                "baseVersion": block.base_version,
                "base": block.base,
                "desired": block.desired,
                "changes": [
                    {"pointer": pointer, "before": before, "after": after}
                    for pointer, before, after in block.changes
                ],
            }
            for block in plan.blocks
        ],
    }


def plan_digest(plan: SkillPlan) -> str:
    return digest(skill_plan_json(plan))


def skill_plan_record(
    plan: SkillPlan,
    checks: Sequence[Check],
    *,
    action: Literal["plan", "apply"],
    mode: Literal["one-go", "saved-plan"] | None = None,
) -> dict[str, Any]:
    """The audit trail's "plan" record of `plan` (made, or about to be applied)."""
    return plan_record(
        action=action,
        plan_hash=plan_digest(plan),
        desired_digest=plan.desired_digest,
        campaigns=plan.skills(),
        counts={"update": len(plan.changed), "none": len(plan.blocks) - len(plan.changed)},
        checks=checks,
        mode=mode,
    )


def render_skill_plan(plan: SkillPlan, fmt: str, *, plan_link: str | None = None) -> str:
    """The plan as `text`, `markdown` (a PR comment, linking `plan_link`) or `json`."""
    if fmt == "json":
        body = {**skill_plan_json(plan), "planHash": plan_digest(plan)}
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    lines = _text_lines(plan)
    if fmt == "markdown":
        link = f"\n[The full plan]({plan_link})\n" if plan_link else ""
        return "### cxsched plan (admin profile)\n\n```diff\n" + "\n".join(lines) + "\n```\n" + link
    return "\n".join(lines) + "\n"


def _text_lines(plan: SkillPlan) -> list[str]:
    lines: list[str] = []
    current = None
    for block in plan.blocks:
        if block.skill_id != current:
            current = block.skill_id
            lines.append(f"skill {block.skill_id} ({block.path})")
        if not block.changes:
            lines.append(f"  = {block.block}: no changes")
            continue
        lines.append(f"  ~ {block.block}")
        lines.extend(
            f"      {pointer}: {_shown(before)} -> {_shown(after)}"
            for pointer, before, after in block.changes
        )
    changed = len(plan.changed)
    unchanged = len(plan.blocks) - changed
    skills = len({block.skill_id for block in plan.changed})
    if changed:
        lines.append(
            f"Plan: {changed} block(s) of {skills} skill(s) to update, {unchanged} unchanged."
        )
    else:
        lines.append(f"No changes: {unchanged} block(s) already as declared.")
    return lines


def _shown(value: Any) -> str:
    if value is None:
        return "(absent)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
