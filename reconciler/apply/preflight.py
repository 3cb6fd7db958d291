"""What apply checks before its first write, and the plan it then writes.

Two ways in, each returning a `Prepared` (the plan, the desired state it was made from, and the
checks that passed, as the audit trail records them):

- `saved_plan`: a plan file, applied exactly: it must be of this format and tool major
  version, made against the tenant at hand, its paths inside the repository, the desired files
  it names must still validate and be byte-for-byte those it was made from (their digest),
  every action must be the one the files, `cxsched.yaml` and the plan's recorded base give
  (`reconciler.plan.rederive`), and the dialer limits it recorded must still hold. Nothing is
  read from the tenant.
- `one_go_plan`: a fresh plan of the desired state against the live tenant (one list call per
  campaign page and the capacity call), limits checked against the live capacity; the reads
  may have been started while the desired state was validated (`reconciler.plan.prefetch`),
  the writes never are.

Errors: `reconciler.errors.PlanError` for an unusable or stale plan file,
`reconciler.plan.checks.LimitsExceeded` (an `InputError`) for limits exceeded, and the input
errors of loading the desired state. No call is made before all of these pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from reconciler import __version__
from reconciler.api.protocol import ScheduleAPI
from reconciler.audit.trail import Check
from reconciler.config import RepoConfig
from reconciler.errors import PlanError
from reconciler.plan.build import Plan, make_plan, make_plan_from, read_live
from reconciler.plan.checks import limits_check, validated_check
from reconciler.plan.planfile import load_plan
from reconciler.plan.prefetch import TenantReader, announced
from reconciler.plan.rederive import check_same, rederive
from reconciler.plan.scope import check_inside, check_prune_scope, plan_paths, repo_root
from reconciler.validate.desired import DesiredState

__all__ = ["LoadDesired", "Prepared", "approval_check", "one_go_plan", "saved_plan"]

#: Loads the desired state of some paths and raises when it has errors (the caller's, so that
#: it can show the findings its own way).
LoadDesired = Callable[[Sequence[Path]], DesiredState]


class Prepared(NamedTuple):
    """A plan ready to apply, the desired state it was made from, and the checks passed."""

    plan: Plan
    desired: DesiredState
    checks: tuple[Check, ...]


def saved_plan(path: Path, load_desired: LoadDesired, repo: RepoConfig, *, tenant: str) -> Prepared:
    """The plan file at `path`, checked against the tenant at hand (`tenant`, as the plan
    records it) and re-derived from the desired files and `repo` it was made from."""
    plan = load_plan(path)
    _check_tool_version(plan, path)
    _check_tenant(plan, path, tenant)
    root = repo_root()
    check_inside(plan.paths, root, f"{path}: path")
    desired = load_desired(tuple(Path(p) for p in plan.paths))
    check_inside(desired.files, root, f"{path}: desired file")
    if desired.digest != plan.desired_digest:
        raise PlanError(
            f"{path}: the desired files changed since this plan was made (their digest was "
            f"{plan.desired_digest}, it is now {desired.digest}); nothing was applied. Make and "
            f"review a new plan: `cxsched plan {' '.join(plan.paths)} --out {path}`"
        )
    check_prune_scope(desired, repo, prune=plan.prune)
    check_same(plan, rederive(plan, desired, repo), repo, path)
    limits, _ = limits_check(desired, plan.limits, "the plan's tenant limits")
    fresh = Check("desired files unchanged", True, f"digest {plan.desired_digest} as planned")
    made = Check(
        "plan file", True, f"format {plan.format_version}, made by cxsched {plan.tool_version}"
    )
    same = Check(
        "plan re-derived",
        True,
        f"{len(plan.actions)} action(s) as the files, cxsched.yaml and the plan's base give, "
        f"for tenant {plan.tenant}",
    )
    return Prepared(plan, desired, (made, validated_check(desired), fresh, same, limits))


def _check_tenant(plan: Plan, path: Path, tenant: str) -> None:
    if plan.tenant != tenant:
        raise PlanError(
            f"{path} was made against tenant {plan.tenant or '(none recorded)'}, but this apply "
            f"would write to tenant {tenant}; nothing was applied. Point the settings at the "
            "plan's tenant, or make a new plan against this one"
        )


def _check_tool_version(plan: Plan, path: Path) -> None:
    if plan.tool_version.split(".")[0] != __version__.split(".")[0]:
        raise PlanError(
            f"{path} was made by cxsched {plan.tool_version}, this is cxsched {__version__} "
            "(another major version); make the plan again with this version"
        )


def one_go_plan(
    api: ScheduleAPI,
    desired: DesiredState,
    repo: RepoConfig,
    paths: Sequence[Path],
    *,
    prune: bool,
    tenant: str,
    on_campaign: Callable[[int, int, str], None] | None = None,
    reader: TenantReader | None = None,
) -> Prepared:
    """A fresh plan of `desired` against the live tenant, limits checked against it.

    `reader` has the reads made while `desired` was validated (without one the tenant is read
    now); `on_campaign(number, total, campaign_id)` is called as each campaign's schedules come.
    """
    check_prune_scope(desired, repo, prune=prune)
    campaigns = {item.campaign_id for item in desired.schedules}
    targets = plan_paths(paths)
    if reader is None:
        live = read_live(api, campaigns, on_campaign)
        limits = api.tenant_limits()
        check, _ = limits_check(desired, limits, "the tenant's live capacity")
        plan = make_plan(
            desired, live, repo, limits=limits, prune=prune, paths=targets, tenant=tenant
        )
    else:
        limits = reader.limits()
        check, _ = limits_check(desired, limits, "the tenant's live capacity")
        pairs = announced(reader.stream(campaigns), len(campaigns), on_campaign)
        plan = make_plan_from(
            desired, pairs, repo, limits=limits, prune=prune, paths=targets, tenant=tenant
        )
    return Prepared(plan, desired, (validated_check(desired), check))


def approval_check(auto_approve: bool) -> Check:
    """The "approval" check: how a one-go plan was approved."""
    how = "--auto-approve" if auto_approve else "confirmed on the terminal"
    return Check("approval", True, how)
