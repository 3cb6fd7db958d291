"""`cxsched plan [PATH...]`: what would change on the tenant, field by field.

The tenant is read with the minimum of calls (one token, the dialer capacity, one list per
campaign page) while the desired state (default `schedules/`) is validated: if it has errors
they are printed, what was read is discarded and nothing is planned (plan never writes). Then
the dialer limits are checked against the live capacity, and the plan is rendered as text,
markdown (a PR comment) or JSON, serialised once for `--out` (the file `cxsched apply FILE`
takes) and the audit trail's plan hash. The calls made are listed on stderr.

A plan is recorded in the audit trail only when it is saved (`--out`) or a trail is named
(`--audit-file`): a dry run on a laptop leaves the working tree clean.

Exit codes: 0 success (with `--detailed-exitcode`: no changes), 2 changes pending or drift
(only with `--detailed-exitcode`: a change to apply, or an unmanaged schedule, live but in no
file, of a campaign whose `unmanaged` setting in cxsched.yaml is not `ignore`), 1 invalid
desired state, limits exceeded or an API failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import click

from reconciler.api.protocol import CallCounts
from reconciler.audit.trail import AuditTrail, Check, run_context, trail_path
from reconciler.commands._api import api_options, build_client, tenant_name
from reconciler.commands._config import config_option
from reconciler.commands._desired import (
    DEFAULT_PATHS,
    echo_findings,
    load_valid_desired,
    validate_first_on_error,
)
from reconciler.commands._output import use_color
from reconciler.commands._progress import progress
from reconciler.config import RepoConfig, load_repo_config
from reconciler.errors import CxschedError, InputError
from reconciler.plan.build import Plan, Unmanaged, make_plan_from
from reconciler.plan.checks import LimitsExceeded, limits_check, validated_check
from reconciler.plan.planfile import plan_audit_record, plan_bytes, plan_hash, save_plan
from reconciler.plan.prefetch import TenantReader, announced, expected_campaigns
from reconciler.plan.render import FORMATS, PlanFormat, render_call_counts, render_plan
from reconciler.plan.scope import check_prune_scope, plan_paths
from reconciler.validate.desired import DesiredState

__all__ = ["command"]


@click.command("plan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)  # fmt: skip
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan as JSON, for `cxsched apply FILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 2 when something would, 1 on error.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete live schedules no file declares, in campaigns whose cxsched.yaml sets "
    "prune: true.",
)
@click.option(
    "--plan-link",
    metavar="URL",
    help="Where the full plan can be found (a CI artifact); markdown links to it.",
)
@click.option(
    "--audit-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the plan in this audit trail. Without it a plan is recorded only with --out "
    "(in audit_path of cxsched.yaml, else audit/trail.jsonl).",
)
@config_option
@api_options
@click.pass_context
def command(
    ctx: click.Context,
    /,
    *,
    paths: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    prune: bool,
    plan_link: str | None,
    audit_file: Path | None,
    config: Path | None,
    **api: Any,
) -> None:
    """Show what applying PATHs (default schedules/) would change on the tenant.

    With `profile: admin` in cxsched.yaml, PATHs are skill files (default skills/).
    """
    repo = load_repo_config(config)
    if repo.is_admin:
        from reconciler.commands._skills import plan_skills

        if prune:
            click.echo("note: --prune has no effect on skills (they are never deleted)", err=True)
        skill_plan = plan_skills(paths, repo, fmt, out, api, plan_link=plan_link)
        ctx.exit(2 if detailed_exitcode and skill_plan.has_changes else 0)
    targets = paths or DEFAULT_PATHS
    with validate_first_on_error(targets, repo):
        client = build_client(**api, profile_rps=repo.tenant.requests_per_second)
    with client, TenantReader(client, expected_campaigns(targets)) as reader:
        desired = load_valid_desired(
            targets, repo, started=reader.start, stopped="nothing was planned"
        )
        check_prune_scope(desired, repo, prune=prune)
        try:
            tenant = tenant_name(client)
            plan, limit_check = _plan(reader, desired, repo, targets, prune=prune, tenant=tenant)
        except CxschedError:
            _echo_calls(client.call_counts())  # then the error, as every command ends
            raise
        calls = client.call_counts()
    checks = (validated_check(desired), limit_check)
    del desired  # the plan has what it needs: its bodies go before the plan is serialised
    data = plan_bytes(plan)
    text = (
        data.decode("utf-8")
        if fmt == "json"
        else render_plan(
            plan,
            cast(PlanFormat, fmt),
            color=fmt == "text" and use_color(),
            plan_link=plan_link,
            plan_file=out.as_posix() if out else None,
        )
    )
    if out is not None:
        save_plan(plan, out, data)
    if out is not None or audit_file is not None:
        digest = plan_hash(plan, data)
        _audit(trail_path(repo, audit_file), plan, digest, checks, targets=targets, prune=prune)
    click.echo(text, nl=False)
    _echo_calls(calls)
    drift = [u for u in plan.unmanaged if repo.unmanaged_is_drift(u.campaign_id)]
    if detailed_exitcode and drift:
        click.echo(_drift_note(drift), err=True)
    ctx.exit(2 if detailed_exitcode and (plan.has_changes or drift) else 0)


def _drift_note(drift: Sequence[Unmanaged]) -> str:
    campaigns = sorted({u.campaign_id for u in drift})
    return (
        f"drift: {len(drift)} unmanaged schedule(s), live but in no file, in "
        f"{', '.join(campaigns)}: adopt them (`cxsched import --campaign ID`), delete them "
        "(`plan --prune` where the campaign allows it), or set `unmanaged: ignore` for the "
        "campaign in cxsched.yaml"
    )


def _plan(
    reader: TenantReader,
    desired: DesiredState,
    repo: RepoConfig,
    targets: Sequence[Path],
    *,
    prune: bool,
    tenant: str,
) -> tuple[Plan, Check]:
    """Live capacity (limits re-checked against it), then the plan, each campaign decided as
    its live schedules arrive."""
    limits = reader.limits()
    try:
        check, findings = limits_check(desired, limits, "the tenant's live capacity")
    except LimitsExceeded as exc:
        echo_findings(exc.findings, len(desired.files))
        raise InputError(
            "dialer limits exceed the tenant's live capacity; nothing was planned"
        ) from exc
    echo_findings(findings, len(desired.files))
    campaigns = {item.campaign_id for item in desired.schedules}
    paths = plan_paths(targets)
    with progress("Reading the tenant") as show:
        live = announced(
            reader.stream(campaigns),
            len(campaigns),
            lambda number, total, campaign: show(f"campaign {number}/{total}: {campaign}"),
        )
        plan = make_plan_from(
            desired, live, repo, limits=limits, prune=prune, paths=paths, tenant=tenant
        )
    return plan, check


def _echo_calls(counts: CallCounts) -> None:
    click.echo(render_call_counts(counts), err=True)


def _audit(
    path: Path,
    plan: Plan,
    digest: str,
    checks: Sequence[Check],
    *,
    targets: Sequence[Path],
    prune: bool,
) -> None:
    words = ["plan", *(t.as_posix() for t in targets), *(["--prune"] if prune else [])]
    trail = AuditTrail(path, run_context(" ".join(words)))
    trail.append(plan_audit_record(plan, checks, action="plan", digest=digest))
