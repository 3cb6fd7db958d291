"""`cxsched plan [PATH...]`: what would change on the tenant, field by field.

The desired state (default `schedules/`) is validated first: if it has errors they are printed
and no API call is made. Then the tenant is read with the minimum of calls (one token, the
dialer capacity, one list per campaign page), the dialer limits are checked against the live
capacity, and the plan is rendered as text, markdown (a PR comment) or JSON. `--out` saves it
for `cxsched apply FILE`. The calls made are listed on stderr.

Exit codes: 0 success (with `--detailed-exitcode`: no changes), 2 changes pending (only with
`--detailed-exitcode`), 1 invalid desired state, limits exceeded or an API failure.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import click

from reconciler.api.protocol import CallCounts, ScheduleAPI
from reconciler.audit.trail import AuditTrail, Check, run_context, trail_path
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import DEFAULT_PATHS, echo_findings, load_valid_desired
from reconciler.config import RepoConfig, load_repo_config
from reconciler.errors import CxschedError
from reconciler.model import Finding, LiveSchedule, TenantLimits
from reconciler.plan.build import Plan, make_plan, plan_hash, read_live, save_plan
from reconciler.plan.render import FORMATS, PlanFormat, render_call_counts, render_plan
from reconciler.validate.desired import DesiredState
from reconciler.validate.document import check_limits

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
    config: Path | None,
    **api: Any,
) -> None:
    """Show what applying PATHs (default schedules/) would change on the tenant."""
    repo = load_repo_config(config)
    targets = paths or DEFAULT_PATHS
    desired = load_valid_desired(targets, repo)
    with build_client(**api, profile_rps=repo.tenant.requests_per_second) as client:
        try:
            limits, limit_findings, live = _read_tenant(ctx, client, desired)
        except (CxschedError, click.exceptions.Exit):
            _echo_calls(client.call_counts())
            raise
        calls = client.call_counts()
    plan = make_plan(
        desired, live, repo, limits=limits, prune=prune, paths=[p.as_posix() for p in targets]
    )
    text = render_plan(
        plan,
        cast(PlanFormat, fmt),
        color=fmt == "text" and sys.stdout.isatty(),
        plan_link=plan_link,
        plan_file=out.as_posix() if out else None,
    )
    if out is not None:
        save_plan(plan, out)
    _audit(repo, plan, _checks(desired, limit_findings, limits), targets, prune)
    click.echo(text, nl=False)
    _echo_calls(calls)
    ctx.exit(2 if detailed_exitcode and plan.has_changes else 0)


def _read_tenant(
    ctx: click.Context, client: ScheduleAPI, desired: DesiredState
) -> tuple[TenantLimits, list[Finding], dict[str, list[LiveSchedule]]]:
    """Live capacity (limits re-checked against it, exit 1 if exceeded), then live schedules."""
    limits = client.tenant_limits()
    findings = check_limits(desired.schedules, limits)
    echo_findings(findings, len(desired.files))
    if any(f.severity == "error" for f in findings):
        _fail(ctx, "dialer limits exceed the tenant's live capacity; nothing was planned")
    live = read_live(client, {item.campaign_id for item in desired.schedules})
    return limits, findings, live


def _fail(ctx: click.Context, message: str) -> None:
    click.echo(f"error: {message}", err=True)
    ctx.exit(1)


def _echo_calls(counts: CallCounts) -> None:
    click.echo(render_call_counts(counts), err=True)


def _checks(
    desired: DesiredState, limit_findings: Sequence[Finding], limits: TenantLimits
) -> list[Check]:
    warnings = desired.warning_count
    limit_warnings = sum(1 for f in limit_findings if f.severity == "warning")
    return [
        Check(
            "schema",
            True,
            f"{len(desired.schedules)} schedule(s) in {len(desired.files)} file(s) valid, "
            f"{warnings} warning(s)",
        ),
        Check(
            "limits",
            True,
            f"maxConcurrentCalls <= {limits.max_concurrent_calls}, callRate <= "
            f"{limits.max_call_rate:g} (live capacity), {limit_warnings} warning(s)",
        ),
    ]


def _audit(
    repo: RepoConfig, plan: Plan, checks: Sequence[Check], targets: Sequence[Path], prune: bool
) -> None:
    words = ["plan", *(t.as_posix() for t in targets), *(["--prune"] if prune else [])]
    trail = AuditTrail(trail_path(repo), run_context(" ".join(words)))
    trail.append(
        {
            "event": "plan",
            "action": "plan",
            "plan_hash": plan_hash(plan),
            "desired_digest": plan.desired_digest,
            "campaigns": list(plan.campaigns),
            "counts": plan.counts()._asdict(),
            "checks": [check.to_json() for check in checks],
        }
        | (
            {"law_exceptions": [item.to_json() for item in plan.law_exceptions]}
            if plan.law_exceptions
            else {}
        )
    )
