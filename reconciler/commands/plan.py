"""`cxsched plan [PATH...]`: what would change on the tenant, field by field.

The tenant is read with the minimum of calls (one token, the dialer capacity, one list per
campaign page) while the desired state (default `schedules/`) is validated: if it has errors
they are printed, what was read is discarded and nothing is planned (plan never writes). Then
the dialer limits are checked against the live capacity, and the plan is rendered as text,
markdown (a PR comment) or JSON, serialised once for `--out` (the file `cxsched apply FILE`
takes) and the audit trail's plan hash. The calls made are listed on stderr.

Exit codes: 0 success (with `--detailed-exitcode`: no changes), 2 changes pending (only with
`--detailed-exitcode`), 1 invalid desired state, limits exceeded or an API failure.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import click

from reconciler.api.protocol import CallCounts
from reconciler.audit.records import plan_record
from reconciler.audit.trail import AuditTrail, Check, run_context, trail_path
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import (
    DEFAULT_PATHS,
    echo_findings,
    load_valid_desired,
    validate_first_on_error,
)
from reconciler.config import RepoConfig, load_repo_config
from reconciler.errors import CxschedError, InputError
from reconciler.plan.build import Plan, make_plan_from
from reconciler.plan.checks import LimitsExceeded, limits_check, validated_check
from reconciler.plan.planfile import plan_bytes, plan_hash, save_plan
from reconciler.plan.prefetch import TenantReader, expected_campaigns
from reconciler.plan.render import FORMATS, PlanFormat, render_call_counts, render_plan
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
    with validate_first_on_error(targets, repo):
        client = build_client(**api, profile_rps=repo.tenant.requests_per_second)
    with client, TenantReader(client, expected_campaigns(targets)) as reader:
        desired = load_valid_desired(
            targets, repo, started=reader.start, stopped="nothing was planned"
        )
        try:
            plan, limit_check = _plan(reader, desired, repo, targets, prune)
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
            color=fmt == "text" and sys.stdout.isatty(),
            plan_link=plan_link,
            plan_file=out.as_posix() if out else None,
        )
    )
    if out is not None:
        save_plan(plan, out, data)
    _audit(repo, plan, plan_hash(plan, data), checks, targets=targets, prune=prune)
    click.echo(text, nl=False)
    _echo_calls(calls)
    ctx.exit(2 if detailed_exitcode and plan.has_changes else 0)


def _plan(
    reader: TenantReader,
    desired: DesiredState,
    repo: RepoConfig,
    targets: Sequence[Path],
    prune: bool,
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
    live = reader.stream({item.campaign_id for item in desired.schedules})
    paths = [p.as_posix() for p in targets]
    plan = make_plan_from(desired, live, repo, limits=limits, prune=prune, paths=paths)
    return plan, check


def _echo_calls(counts: CallCounts) -> None:
    click.echo(render_call_counts(counts), err=True)


def _audit(
    repo: RepoConfig,
    plan: Plan,
    digest: str,
    checks: Sequence[Check],
    *,
    targets: Sequence[Path],
    prune: bool,
) -> None:
    words = ["plan", *(t.as_posix() for t in targets), *(["--prune"] if prune else [])]
    trail = AuditTrail(trail_path(repo), run_context(" ".join(words)))
    record = plan_record(
        action="plan",
        plan_hash=digest,
        desired_digest=plan.desired_digest,
        campaigns=plan.campaigns,
        counts=plan.counts()._asdict(),
        checks=checks,
    )
    trail.append(record)
