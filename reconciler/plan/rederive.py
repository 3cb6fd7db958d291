"""A saved plan re-derived: every action must be what the files at hand and its base give.

A plan file is untrusted: it travels and can be edited. What it may legitimately carry is the
live state it was made on (per schedule: its id, version token and canonical body, the
`base`; a noop whose live body was its desired body after the ignore rules leaves it out, and
the desired file gives it back), the tenant limits, the tenant and the flags; everything else
follows from the desired files and `cxsched.yaml`. `rederive` rebuilds that live state from the
plan (`base_live`), makes the plan again with the same pure function `cxsched plan` uses
(`make_plan`), and `check_same` refuses the saved plan if one action (kind, target, body or
patch, desired, hash, source) or any other part differs, naming the first action that does.

So a hand-edited plan cannot delete in a campaign that does not prune, delete a schedule a file
declares, touch a campaign the plan does not cover, create what no file declares, or send an
update other than the one the desired file and the plan's base imply. A noop whose base an
edit removed is re-derived as a noop, exactly as if the edit had written its desired body as
its base: apply then does less than reviewed (nothing for that schedule), never more.

Errors: `reconciler.errors.PlanError`, naming the action and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.config import IgnoreRule, RepoConfig
from reconciler.errors import PlanError
from reconciler.model import DesiredSchedule, LiveSchedule, VersionToken
from reconciler.plan.build import Action, Plan, make_plan
from reconciler.plan.normalise import canonical, ignore_pointers
from reconciler.plan.planfile import plan_json
from reconciler.validate.desired import DesiredState

__all__ = ["base_live", "check_same", "rederive"]


def base_live(
    plan: Plan, desired: DesiredState, config: RepoConfig
) -> dict[str, list[LiveSchedule]]:
    """The live state a plan says it was made on, per campaign; a schedule listed twice is
    refused. Unmanaged schedules carry no version or body (the plan leaves them alone). A noop
    without a base was made on a live body equal to its desired body after the ignore rules:
    that body, from the desired file of its campaign and name."""
    live: dict[str, list[LiveSchedule]] = {campaign: [] for campaign in plan.campaigns}
    seen: set[tuple[str, str]] = set()
    declared = _declared(desired)
    rules = config.ignore_differences
    targets: list[tuple[str, str, VersionToken, Mapping[str, Any]]] = [
        (
            a.campaign_id,
            a.schedule_id,
            a.base_version or VersionToken(""),
            a.base if a.base is not None else _noop_base(a, declared, rules),
        )
        for a in plan.actions
        if a.schedule_id is not None
    ]
    targets += [
        (u.campaign_id, u.schedule_id, VersionToken(""), {"name": u.name}) for u in plan.unmanaged
    ]
    for campaign_id, schedule_id, version, body in targets:
        if (campaign_id, schedule_id) in seen:
            raise PlanError(
                f"schedule {campaign_id}/{schedule_id} appears twice in the plan; this is not a "
                "plan cxsched wrote: make a new one with `cxsched plan --out FILE`"
            )
        seen.add((campaign_id, schedule_id))
        live.setdefault(campaign_id, []).append(
            LiveSchedule(campaign_id, schedule_id, version, body)
        )
    return live


def _declared(desired: DesiredState) -> dict[tuple[str, str], DesiredSchedule]:
    """The desired schedules by (campaign, name); the first file wins a repeated name."""
    found: dict[tuple[str, str], DesiredSchedule] = {}
    for schedule in desired.schedules:
        found.setdefault((schedule.campaign_id, schedule.name), schedule)
    return found


def _noop_base(
    action: Action,
    declared: Mapping[tuple[str, str], DesiredSchedule],
    rules: Sequence[IgnoreRule],
) -> Mapping[str, Any]:
    """The live body a noop without a base was made on: its desired body after the ignore
    rules (none for any other kind: a plan cxsched wrote gives them all a base)."""
    schedule = declared.get((action.campaign_id, action.name))
    if action.kind != "noop" or schedule is None:
        return {}
    ignore = ignore_pointers(rules, action.campaign_id, action.name)
    return schedule.body if not ignore else canonical(schedule.body, ignore=ignore)


def rederive(saved: Plan, desired: DesiredState, config: RepoConfig) -> Plan:
    """The plan `cxsched plan` makes from `desired`, `config` and the saved plan's base (as
    made by the saved plan's cxsched version, whose major version the caller has checked)."""
    fresh = make_plan(
        desired,
        base_live(saved, desired, config),
        config,
        limits=saved.limits,
        prune=saved.prune,
        paths=saved.paths,
        tenant=saved.tenant,
    )
    return replace(fresh, tool_version=saved.tool_version)


def check_same(saved: Plan, fresh: Plan, config: RepoConfig, path: Path) -> None:
    """PlanError naming the first difference between a saved plan and its re-derivation."""
    want, got = plan_json(fresh), plan_json(saved)
    if want == got:
        return
    problem = _action_problem(got["actions"], want["actions"], saved, config)
    if problem is None:
        keys = sorted(key for key in want if want[key] != got.get(key))
        problem = f"its {', '.join(keys)} differ(s) from what the files and cxsched.yaml give"
    raise PlanError(
        f"{path}: {problem}; nothing was applied. The plan was edited or made from other "
        f"files or another cxsched.yaml: make and review a new one with "
        f"`cxsched plan {' '.join(saved.paths)} --out {path}`"
    )


def _action_problem(
    got: Sequence[dict[str, Any]],
    want: Sequence[dict[str, Any]],
    saved: Plan,
    config: RepoConfig,
) -> str | None:
    for index in range(max(len(got), len(want))):
        mine = got[index] if index < len(got) else None
        theirs = want[index] if index < len(want) else None
        if mine == theirs:
            continue
        if mine is None:
            assert theirs is not None
            return f"the plan lacks the action {_name(theirs)} that the files give"
        match = _find(mine, want)
        if match is None:
            return f"action {index + 1} ({_name(mine)}) {_why_absent(mine, saved, config)}"
        if mine["kind"] == "delete" and match["kind"] != "delete":
            return (
                f"action {index + 1} ({_name(mine)}) deletes a schedule that "
                f"{match['source']} declares"
            )
        fields = sorted(key for key in match if match[key] != mine.get(key))
        return (
            f"action {index + 1} ({_name(mine)}) differs in {', '.join(fields)} from what "
            f"{match['source'] or 'the files'} and the plan's base give (fresh: {_name(match)})"
        )
    return None


def _find(action: Mapping[str, Any], actions: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The re-derived action for the same schedule (its id, else a create of its name)."""
    for other in actions:
        if other["campaign_id"] != action["campaign_id"]:
            continue
        if action["schedule_id"] is not None and other["schedule_id"] == action["schedule_id"]:
            return other
        unpinned = action["schedule_id"] is None and other["schedule_id"] is None
        if unpinned and other["name"] == action["name"]:
            return other
    return None


def _why_absent(action: Mapping[str, Any], saved: Plan, config: RepoConfig) -> str:
    campaign = action["campaign_id"]
    if campaign not in saved.campaigns:
        return f"is in campaign {campaign!r}, which the plan does not cover"
    if action["kind"] == "delete" and not (saved.prune and campaign in config.prune_campaigns):
        return f"deletes in campaign {campaign!r}, which does not opt in to pruning (cxsched.yaml)"
    if action["kind"] == "create":
        return "creates a schedule that no desired file declares"
    return "is not an action the desired files and the plan's base give"


def _name(action: Mapping[str, Any]) -> str:
    target = f"{action['kind']} {action['campaign_id']}/{action['name']}"
    return f"{target} ({action['schedule_id']})" if action["schedule_id"] else target
