"""`cxsched apply PLAN.json` and `cxsched apply [PATH...]`: make the tenant match the plan.

With a saved plan (one `.json` argument) exactly that plan is applied, after checking that it
is of this format and tool major version, that the desired files it was made from still
validate and have not changed since (their digest), and nothing else is read from the tenant:
one write per change. With paths (default `schedules/`) the plan is made and shown first (the
tenant is read while the files are validated; nothing is written before they all validate); on
a terminal you confirm it, in CI `--auto-approve` does; without either apply refuses before any
call (the checks are `reconciler.apply.preflight`'s). Conflicts of a one-go apply are
re-planned per schedule (see `reconciler.apply.run`).

Exit codes: 0 everything applied (or nothing to do), 1 invalid input, a refused plan, or any
action that failed or conflicted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import click

from reconciler.api.protocol import CallCounts, ScheduleAPI
from reconciler.apply.preflight import Prepared, approval_check, one_go_plan, saved_plan
from reconciler.apply.report import render_results, render_summary
from reconciler.apply.run import ActionResult, ApplyResult, apply_plan
from reconciler.audit.trail import AuditTrail, run_context, trail_path
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import (
    DEFAULT_PATHS,
    load_valid_desired,
    validate_first_on_error,
)
from reconciler.config import RepoConfig, load_repo_config
from reconciler.cxone import CxoneClient
from reconciler.errors import InputError
from reconciler.plan.build import Plan
from reconciler.plan.prefetch import TenantReader, expected_campaigns
from reconciler.plan.render import render_plan
from reconciler.plan.render.calls import render_call_counts

__all__ = ["command"]

#: Changes from which a progress bar is shown (on a terminal only).
_PROGRESS_FROM = 20


@click.command("apply")
@click.argument(
    "targets", nargs=-1, type=click.Path(path_type=Path), metavar="[PLAN.json | PATH...]"
)
@click.option("--auto-approve", is_flag=True, help="Apply a fresh plan without asking (for CI).")
@click.option(
    "--prune",
    is_flag=True,
    help="Delete unmanaged schedules of campaigns whose config opts in (paths only).",
)
@click.option(
    "--audit-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The audit trail [default: audit_path of cxsched.yaml, else audit/trail.jsonl].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Writes in flight at once (the request rate is paced either way).",
)
@config_option
@api_options
@click.pass_context
def command(
    ctx: click.Context,
    /,
    *,
    targets: tuple[Path, ...],
    auto_approve: bool,
    prune: bool,
    audit_file: Path | None,
    workers: int,
    config: Path | None,
    **api: Any,
) -> None:
    """Apply a saved plan, or plan PATHs (default schedules/) and apply after confirmation."""
    repo = load_repo_config(config)
    saved = len(targets) == 1 and targets[0].suffix.lower() == ".json"
    if saved and prune:
        raise click.UsageError("--prune is decided when a plan is made: use `plan --prune --out`")
    prepared = saved_plan(targets[0], partial(load_valid_desired, repo=repo)) if saved else None
    paths = targets or DEFAULT_PATHS
    if not saved and not auto_approve and not _interactive():
        load_valid_desired(paths, repo)  # its errors first; then the refusal, before any call
        raise InputError(
            "apply without a saved plan needs confirmation, and this is not a terminal: "
            "pass --auto-approve (CI), or save a plan with `cxsched plan --out plan.json` "
            "and apply that file"
        )
    trail = AuditTrail(trail_path(repo, audit_file), run_context(_command_line(targets, prune)))
    client = _client(api, repo, None if saved else paths)
    with client:
        if prepared is None:
            prepared = _one_go(client, repo, paths, prune)
            if not _approved(prepared.plan, auto_approve):
                click.echo("Apply cancelled: nothing was changed.")
                ctx.exit(1)
            prepared = prepared._replace(checks=(*prepared.checks, approval_check(auto_approve)))
        result = _apply(client, prepared, trail, replan=not saved, workers=workers)
        calls = client.call_counts()
    _report(result, calls)
    ctx.exit(0 if result.ok else 1)


def _client(api: dict[str, Any], repo: RepoConfig, paths: Sequence[Path] | None) -> CxoneClient:
    """The API client; when it cannot be made, the errors of the desired state at `paths` (a
    one-go apply, which validates while it reads) are reported first."""
    if paths is None:  # a saved plan: its desired state was validated already
        return build_client(**api, profile_rps=repo.tenant.requests_per_second)
    with validate_first_on_error(paths, repo):
        return build_client(**api, profile_rps=repo.tenant.requests_per_second)


def _one_go(api: ScheduleAPI, repo: RepoConfig, paths: Sequence[Path], prune: bool) -> Prepared:
    """Validate `paths` while the tenant is read; no write before they all validate."""
    with TenantReader(api, expected_campaigns(paths)) as reader:
        desired = load_valid_desired(
            paths, repo, started=reader.start, stopped="nothing was applied"
        )
        return one_go_plan(api, desired, repo, paths, prune=prune, reader=reader)


def _command_line(targets: Sequence[Path], prune: bool) -> str:
    """The command as recorded in the audit trail (never a connection flag or secret)."""
    return " ".join(["apply", *(t.as_posix() for t in targets), *(["--prune"] if prune else [])])


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _approved(plan: Plan, auto_approve: bool) -> bool:
    click.echo(render_plan(plan, "text", color=sys.stdout.isatty()), nl=False)
    if not plan.has_changes or auto_approve:
        return True
    return click.confirm(f"Apply these {len(plan.changes)} change(s)?", default=False)


# -- apply and report ------------------------------------------------------------------------


def _apply(
    api: ScheduleAPI, prepared: Prepared, trail: AuditTrail, *, replan: bool, workers: int
) -> ApplyResult:
    with _progress(len(prepared.plan.changes)) as advance:
        return apply_plan(
            api,
            prepared.plan,
            trail,
            desired=prepared.desired.schedules,
            replan=replan,
            checks=prepared.checks,
            workers=workers,
            on_result=advance,
        )


@contextmanager
def _progress(total: int) -> Iterator[Callable[[ActionResult], None] | None]:
    if total < _PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Applying", file=sys.stderr) as bar:
        yield lambda _result: bar.update(1)


def _report(result: ApplyResult, calls: CallCounts) -> None:
    lines = render_results(result)
    if lines:
        click.echo(lines)
    click.echo(render_summary(result))
    click.echo(render_call_counts(calls), err=True)
