"""The admin profile's side of `validate`, `plan`, `apply` and `import` (skill files).

Each command checks `RepoConfig.is_admin` first and, when set, hands its parsed arguments to
the function here: the same shape as the REST-contract path (validate before any API call,
one library call, render, exit code), over `reconciler.api.skills.SkillAPI`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from reconciler.adopt.skills import skill_file_text
from reconciler.api.protocol import CallCounts
from reconciler.apply.preflight import approval_check
from reconciler.apply.skills import apply_skill_plan, render_skill_results
from reconciler.audit.trail import AuditTrail, Check, run_context, trail_path
from reconciler.commands._api import build_skill_client
from reconciler.config import RepoConfig
from reconciler.errors import InputError, PlanError
from reconciler.model import Finding
from reconciler.plan.render import render_call_counts
from reconciler.plan.scope import check_inside, plan_paths, repo_root
from reconciler.plan.skillfile import load_skill_plan, save_skill_plan
from reconciler.plan.skills import (
    SkillPlan,
    check_rederived,
    check_unit_zone,
    make_skill_plan,
    render_skill_plan,
    skill_plan_record,
)
from reconciler.util.atomic import write_atomic
from reconciler.validate.report import OutputFormat, render_findings, summary_line
from reconciler.validate.skills import DesiredSkills, SkillLawContext, load_skills

__all__ = ["apply_skills", "import_skill", "optimize_skills", "plan_skills", "validate_skills"]


def _paths(paths: Sequence[Path], repo: RepoConfig) -> tuple[Path, ...]:
    return tuple(paths) or (repo.skills_path,)


def _laws(repo: RepoConfig, now: datetime | None = None) -> SkillLawContext:
    """What the calling-law proof of skill files needs: the clock, house rules, unit zone."""
    return SkillLawContext(now or datetime.now(UTC), repo.law_policy, repo.business_unit_zone)


def validate_skills(
    paths: Sequence[Path],
    repo: RepoConfig,
    fmt: OutputFormat,
    strict: bool,
    now: datetime | None = None,
) -> int:
    """`cxsched validate` for skill files, judged as of `now` (default: the current time);
    returns the exit code."""
    desired = load_skills(_paths(paths, repo), _laws(repo, now))
    files = len(desired.files) + (1 if repo.source else 0)
    click.echo(render_findings(desired.findings, fmt, files=files, strict=strict), nl=False)
    if desired.undeclared:
        count = len(desired.undeclared)
        skills = "1 skill declares" if count == 1 else f"{count} skills declare"
        click.echo(
            f"note: {skills} no audience, so calling hours were checked against the national "
            "baseline of their zones' countries only; declare `audience` (docs/laws.md)",
            err=True,
        )
    click.echo(summary_line(desired.findings, files=files), err=True)
    return 1 if any(strict or f.severity == "error" for f in desired.findings) else 0


def _valid(paths: Sequence[Path], repo: RepoConfig) -> DesiredSkills:
    desired = load_skills(_paths(paths, repo), _laws(repo))
    _echo_findings(desired.findings, len(desired.files))
    if desired.has_errors():
        raise InputError("the skill files do not validate; no API call was made")
    return desired


def _echo_findings(findings: Sequence[Finding], files: int) -> None:
    if findings:
        click.echo(render_findings(findings, "text", files=files), err=True, nl=False)
        click.echo(summary_line(findings, files=files), err=True)


def _validated_check(desired: DesiredSkills) -> Check:
    errors = sum(1 for f in desired.findings if f.severity == "error")
    detail = (
        f"{len(desired.skills)} skill(s) in {len(desired.files)} file(s): {errors} errors, "
        f"{len(desired.findings) - errors} warning(s)"
    )
    return Check("validate", errors == 0, detail)


def _tenant(api: Any) -> dict[str, str]:
    found = api.describe()
    return {"api_endpoint": str(found["api_endpoint"]), "tenant_id": str(found["tenant_id"])}


def plan_skills(
    paths: Sequence[Path],
    repo: RepoConfig,
    fmt: str,
    out: Path | None,
    api: dict[str, Any],
    *,
    plan_link: str | None = None,
) -> SkillPlan:
    """`cxsched plan` for skill files: the plan, rendered on stdout, saved with `--out`."""
    targets = _paths(paths, repo)
    desired = _valid(targets, repo)
    with build_skill_client(**api) as client:
        try:
            plan = make_skill_plan(
                client,
                desired,
                _tenant(client),
                plan_paths(targets),
                unit_zone=repo.business_unit_zone,
            )
        finally:
            _echo_calls(client.call_counts())
    if out is not None:
        save_skill_plan(plan, out)
    words = ["plan", *(t.as_posix() for t in targets)]
    trail = AuditTrail(trail_path(repo), run_context(" ".join(words)))
    trail.append(skill_plan_record(plan, (_validated_check(desired),), action="plan"))
    click.echo(render_skill_plan(plan, fmt, plan_link=plan_link), nl=False)
    return plan


def apply_skills(
    targets: Sequence[Path],
    repo: RepoConfig,
    *,
    auto_approve: bool,
    audit_file: Path | None,
    api: dict[str, Any],
) -> bool:
    """`cxsched apply` for skill files: a saved plan, or plan and apply in one go."""
    saved = len(targets) == 1 and targets[0].suffix.lower() == ".json"
    command = " ".join(["apply", *(t.as_posix() for t in targets)])
    trail = AuditTrail(trail_path(repo, audit_file), run_context(command))
    if saved:
        plan = load_skill_plan(targets[0])
        root = repo_root()
        check_inside(plan.paths, root, f"{targets[0]}: path")
        desired = _valid([Path(p) for p in plan.paths], repo)
        check_inside(desired.files, root, f"{targets[0]}: skill file")
        if desired.digest != plan.desired_digest:
            raise PlanError(
                f"{targets[0]}: the skill files changed since this plan was made; plan again"
            )
        check_rederived(plan, desired, str(targets[0]))
    elif not auto_approve and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError(
            "apply without a saved plan needs confirmation, and this is not a terminal: "
            "pass --auto-approve (CI), or save a plan with `cxsched plan --out plan.json`"
        )
    else:
        desired = _valid(_paths(targets, repo), repo)
    with build_skill_client(**api) as client:
        try:
            tenant = _tenant(client)
            if saved:
                if dict(plan.tenant) != tenant:
                    raise PlanError(
                        f"{targets[0]}: this plan was made against another tenant "
                        f"({plan.tenant.get('api_endpoint')}); plan again against this one"
                    )
                if repo.business_unit_zone is not None:
                    check_unit_zone(
                        client,
                        repo.business_unit_zone,
                        datetime.now(UTC),
                        stopped="nothing was applied",
                    )
                checks: tuple[Check, ...] = (
                    _validated_check(desired),
                    Check("plan-file", True, "hash verified"),
                    Check(
                        "plan re-derived",
                        True,
                        f"{len(plan.blocks)} block(s) as the skill files give over the plan's base",
                    ),
                )
                results = apply_skill_plan(client, plan, trail, checks=checks)
            else:
                paths = plan_paths(_paths(targets, repo))
                plan = make_skill_plan(
                    client, desired, tenant, paths, unit_zone=repo.business_unit_zone
                )
                click.echo(render_skill_plan(plan, "text"), nl=False)
                question = f"Apply these {len(plan.changed)} block(s)?"
                if plan.has_changes and not auto_approve and not click.confirm(question):
                    click.echo("Apply cancelled: nothing was changed.")
                    return False
                checks = (_validated_check(desired), approval_check(auto_approve))
                results = apply_skill_plan(client, plan, trail, checks=checks, mode="one-go")
        finally:
            calls = client.call_counts()
    click.echo(render_skill_results(results))
    _echo_calls(calls)
    return all(result.ok for result in results)


def import_skill(skill_id: str, repo: RepoConfig, out: Path | None, force: bool, api: Any) -> Path:
    """`cxsched import --skill ID`: the skill's live blocks as a file; its path."""
    if not skill_id.isdigit() or len(skill_id) > 12:
        raise InputError(f"--skill {skill_id[:20]!r} is not a skill id (digits, e.g. 4312345)")
    path = out if out is not None else repo.skills_path / f"{int(skill_id)}.yaml"
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it (nothing was written)")
    with build_skill_client(**api) as client:
        try:
            text = skill_file_text(client, str(int(skill_id)), path)
        finally:
            calls = client.call_counts()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    _echo_calls(calls)
    return path


def optimize_skills(
    paths: Sequence[Path],
    repo: RepoConfig,
    *,
    now: datetime,
    days: int,
    min_attempts: int,
    fmt: str,
    api: dict[str, Any],
) -> None:
    """`cxsched optimize` for skill files: answer rates by local hour, read-only."""
    from reconciler.analytics.skill_rates import render_skill_rates, skill_rates

    desired = _valid(_paths(paths, repo), repo)
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    with build_skill_client(**api) as client:
        try:
            report = skill_rates(
                client, desired.skills, start=start, end=end, min_attempts=min_attempts
            )
        finally:
            _echo_calls(client.call_counts())
    click.echo(render_skill_rates(report, fmt), nl=False)
    words = ["optimize", *(p.as_posix() for p in paths), f"--days={days}"]
    record = {
        "event": "optimize",
        "action": "optimize",
        "campaigns": [item.skill_id for item in report.skills],
        "query": {"interval": "hour", "from": start.isoformat(), "to": end.isoformat()},
        "status": "ok",
        "written": [],
    }
    AuditTrail(trail_path(repo), run_context(" ".join(words))).append(record)


def _echo_calls(counts: CallCounts) -> None:
    click.echo(render_call_counts(_short(counts)), err=True)


def _short(counts: CallCounts) -> dict[tuple[str, int | str], int]:
    """Call labels without the versioned base path, which only repeats itself."""
    short: dict[tuple[str, int | str], int] = {}
    for (label, status), count in counts.items():
        key = (label.replace("/inContactAPI/services/{version}", ""), status)
        short[key] = short.get(key, 0) + count
    return short
