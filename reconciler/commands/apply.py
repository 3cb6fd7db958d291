"""`cxsched apply PLAN.json` and `cxsched apply [PATH...]`: make the tenant match the plan.

With a saved plan (one `.json` argument) exactly that plan is applied, after checking that it
is of this format and tool major version, that it was made against this tenant, that the
desired files it was made from still validate and have not changed since (their digest), and
that every action is the one those files, `cxsched.yaml` and the plan's recorded base give;
nothing else is read from the tenant: one write per change. With paths (default `schedules/`)
the plan is made and shown first (the tenant is read while the files are validated; nothing is
written before they all validate); on a terminal you confirm it, in CI `--auto-approve` does;
without either apply refuses before any call (the checks are `reconciler.apply.preflight`'s).
Conflicts of a one-go apply are re-planned per schedule (see `reconciler.apply.run`).

Output: when stdout is not a terminal (CI logs, pipes) one line per change as it completes;
on a terminal a progress bar on stderr, then the lines; with `--json` one JSON event per line
(docs/json-output.md). On SIGINT or SIGTERM the writes in flight finish, nothing new starts,
the trail records the interruption and the report says what was and was not applied and what
to run next; a second signal stops at once (a write in flight then keeps an intent record
without an outcome: its result is unknown until the next plan).

Exit codes: 0 everything applied (or nothing to do), 1 invalid input, a refused plan, or any
action that failed or conflicted, 130 interrupted (SIGINT, also at the approval prompt), 143
terminated (SIGTERM).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import click

from reconciler.api.protocol import ScheduleAPI
from reconciler.apply.preflight import Prepared, approval_check, one_go_plan, saved_plan
from reconciler.apply.run import ApplyResult, Stop, apply_plan
from reconciler.audit.trail import AuditTrail, run_context, trail_path
from reconciler.commands._api import api_options, build_client, tenant_name
from reconciler.commands._apply_output import Output, output_for
from reconciler.commands._config import config_option
from reconciler.commands._desired import (
    DEFAULT_PATHS,
    load_valid_desired,
    validate_first_on_error,
)
from reconciler.commands._progress import progress
from reconciler.commands._signals import graceful
from reconciler.config import RepoConfig, load_repo_config
from reconciler.cxone import CxoneClient
from reconciler.errors import InputError
from reconciler.plan.build import Plan
from reconciler.plan.prefetch import TenantReader, expected_campaigns

__all__ = ["command"]


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
@click.option(
    "--json",
    "json_events",
    is_flag=True,
    help="Print one JSON event per line (docs/json-output.md), for tools; never asks.",
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
    json_events: bool,
    config: Path | None,
    **api: Any,
) -> None:
    """Apply a saved plan, or plan PATHs (default schedules/) and apply after confirmation."""
    repo = load_repo_config(config)
    if repo.is_admin:
        from reconciler.commands._skills import apply_skills

        if prune:
            click.echo("note: --prune has no effect on skills (they are never deleted)", err=True)
        done = apply_skills(
            targets, repo, auto_approve=auto_approve, audit_file=audit_file, api=api
        )
        ctx.exit(0 if done else 1)
    saved = len(targets) == 1 and targets[0].suffix.lower() == ".json"
    if saved and prune:
        raise click.UsageError("--prune is decided when a plan is made: use `plan --prune --out`")
    paths = targets or DEFAULT_PATHS
    if not saved and not auto_approve and (json_events or not _interactive()):
        load_valid_desired(paths, repo)  # its errors first; then the refusal, before any call
        where = "with --json" if json_events else "and this is not a terminal"
        raise InputError(
            f"apply without a saved plan needs confirmation, {where}: "
            "pass --auto-approve (CI), or save a plan with `cxsched plan --out plan.json` "
            "and apply that file"
        )
    out = output_for(json_events=json_events)
    trail = AuditTrail(trail_path(repo, audit_file), run_context(_command_line(targets, prune)))
    client = _client(api, repo, None if saved else paths)
    with client:
        tenant = tenant_name(client)
        if saved:  # every check before any call
            load = partial(load_valid_desired, repo=repo)
            prepared = saved_plan(targets[0], load, repo, tenant=tenant)
        else:
            prepared = _one_go(client, repo, paths, prune=prune, tenant=tenant)
            if not _approved(out, prepared.plan, auto_approve):
                click.echo("Apply cancelled: nothing was changed.")
                ctx.exit(1)
            prepared = prepared._replace(checks=(*prepared.checks, approval_check(auto_approve)))
        out.start(prepared.plan, saved=saved)
        result, code = _apply(client, prepared, trail, out, replan=not saved, workers=workers)
        calls = client.call_counts()
    out.finish(result, calls, out.next_step(targets, saved=saved, auto_approve=auto_approve))
    ctx.exit(code if code is not None else 0 if result.ok else 1)


def _client(api: dict[str, Any], repo: RepoConfig, paths: Sequence[Path] | None) -> CxoneClient:
    """The API client; when it cannot be made, the errors of the desired state at `paths` (a
    one-go apply, which validates while it reads) are reported first."""
    if paths is None:  # a saved plan: its desired state is validated before any call
        return build_client(**api, profile_rps=repo.tenant.requests_per_second)
    with validate_first_on_error(paths, repo):
        return build_client(**api, profile_rps=repo.tenant.requests_per_second)


def _one_go(
    api: ScheduleAPI, repo: RepoConfig, paths: Sequence[Path], *, prune: bool, tenant: str
) -> Prepared:
    """Validate `paths` while the tenant is read; no write before they all validate."""
    with TenantReader(api, expected_campaigns(paths)) as reader:
        desired = load_valid_desired(
            paths, repo, started=reader.start, stopped="nothing was applied"
        )
        with progress("Reading the tenant") as show:
            return one_go_plan(
                api,
                desired,
                repo,
                paths,
                prune=prune,
                tenant=tenant,
                reader=reader,
                on_campaign=lambda n, total, c: show(f"campaign {n}/{total}: {c}"),
            )


def _command_line(targets: Sequence[Path], prune: bool) -> str:
    """The command as recorded in the audit trail (never a connection flag or secret)."""
    return " ".join(["apply", *(t.as_posix() for t in targets), *(["--prune"] if prune else [])])


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _approved(out: Output, plan: Plan, auto_approve: bool) -> bool:
    out.show_plan(plan)
    if not plan.has_changes or auto_approve:
        return True
    return _confirm(f"Apply these {len(plan.changes)} change(s)? [y/N]: ")


def _confirm(prompt: str) -> bool:
    """Ask yes or no; end of input is no. Ctrl-C propagates (exit 130), unlike click.confirm."""
    while True:
        click.echo(prompt, nl=False)
        try:
            answer = input("").strip().lower()
        except EOFError:
            click.echo()
            return False
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        click.echo("Error: invalid input", err=True)


# -- apply ---------------------------------------------------------------------------------


def _apply(
    api: ScheduleAPI,
    prepared: Prepared,
    trail: AuditTrail,
    out: Output,
    *,
    replan: bool,
    workers: int,
) -> tuple[ApplyResult, int | None]:
    """Apply, stopping gracefully on the first SIGINT/SIGTERM; the exit code that implies."""
    stop = Stop()
    with graceful(stop.request) as caught, out.progress(len(prepared.plan.changes)) as advance:
        result = apply_plan(
            api,
            prepared.plan,
            trail,
            desired=prepared.desired.schedules,
            replan=replan,
            checks=prepared.checks,
            workers=workers,
            on_result=advance,
            stop=stop,
        )
    return result, caught.exit_code
