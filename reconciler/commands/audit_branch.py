"""`cxsched audit sync|export`, and the branch and continuity parts of `audit verify|show`.

`sync` appends a run's own trail to the tenant's trail on the audit branch and pushes it
(retrying on a fresh tip when another run pushed first). `export` writes the compliance
officer's table of changes as CSV or JSON, with the verification result and head digest. The
work is in `reconciler.audit.branch`, `.continuity` and `.export`; this module parses options
and renders.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import click

from reconciler.audit.branch import DEFAULT_BRANCH, Git, read_branch_trail, sync_run, verify_branch
from reconciler.audit.continuity import Gap, check_continuity, load_provenance
from reconciler.audit.export import Checked, RecordQuery, change_rows, render_csv, render_json
from reconciler.audit.runinfo import run_context
from reconciler.audit.trail import trail_path
from reconciler.audit.verify import RecordFilter, read_records, verify_trail
from reconciler.commands._config import config_option
from reconciler.commands._output import write_or_echo
from reconciler.config import load_repo_config

__all__ = ["continuity_lines", "export", "instant", "sync", "verify_branch_lines"]


def instant(value: str | None, flag: str) -> datetime | None:
    """An ISO 8601 date or date-time option; UTC when it has no offset."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or date-time (e.g. 2027-01-04T13:00:00Z)",
            param_hint=flag,
        ) from exc
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def continuity_lines(path: Path) -> tuple[bool, list[str]]:
    """The continuity of a trail's runs, as lines to print; nothing for a single run's trail."""
    runs, gaps = check_continuity(list(read_records(path)))
    if not runs and not gaps:
        return True, []
    return not gaps, _continuity(runs, gaps)


def _continuity(runs: int, gaps: Sequence[Gap]) -> list[str]:
    if not gaps:
        return [f"continuity: OK, {runs} run(s), each following the one before"]
    return [f"continuity: FAILED, {len(gaps)} gap(s) in {runs} run(s):"] + [
        f"  {gap}" for gap in gaps
    ]


def verify_branch_lines(branch: str, tenant: str) -> tuple[bool, list[str]]:
    """`audit verify --branch`: the tenant's trail at `branch`, its runs and its history."""
    report = verify_branch(Git(Path.cwd()), branch, tenant)
    where = f"audit trail {report.trail.path} at {branch}"
    if report.trail.problem is not None:
        lines = [f"{where}: FAILED at {report.trail.problem}"]
    else:
        head = report.trail.head_hash
        lines = [f"{where}: OK, {report.trail.count} record(s), head {head}"]
        lines += _continuity(report.runs, report.gaps)
    history = report.history
    if history.problems:
        lines.append(f"history: FAILED, {len(history.problems)} problem(s):")
        lines += [f"  {problem}" for problem in history.problems]
    else:
        lines.append(f"history: OK, {history.commits} commit(s), each appending one run")
    return report.ok, lines


@click.command("sync")
@click.option("--tenant", required=True, help="The tenant whose trail the run continues.")
@click.option(
    "--run-info",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON from `scripts/gitops.py run-info`: run URL, pull request, approvers.",
)
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="The audit branch.")
@click.option("--remote", default="origin", show_default=True, help="The git remote to push to.")
@click.option(
    "--audit-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The run's own trail [default: audit_path of cxsched.yaml, else audit/trail.jsonl].",
)
@config_option
def sync(
    *,
    tenant: str,
    run_info: Path | None,
    branch: str,
    remote: str,
    audit_file: Path | None,
    config: Path | None,
) -> None:
    """Append this run's trail to the tenant's trail on the audit branch, and push it."""
    run_trail = trail_path(load_repo_config(config), audit_file)
    done = sync_run(
        Git(Path.cwd()),
        remote=remote,
        branch=branch,
        run_trail=run_trail,
        provenance=load_provenance(run_info, tenant),
        context=run_context(f"audit sync --tenant {tenant}"),
    )
    where = f"trails/{tenant}.jsonl on {branch}"
    if done.already:
        click.echo(f"run #{done.index} is on {where} already; nothing appended")
    else:
        pushes = f"{done.attempts} push(es)"
        click.echo(
            f"appended run #{done.index} ({done.records} record(s)) to {where} "
            f"in {pushes}: commit {done.commit[:12]}"
        )
    click.echo(f"head {done.head}")


@contextmanager
def _trail(
    audit_file: Path | None, config: Path | None, branch: str | None, tenant: str | None
) -> Iterator[Path]:
    if branch is None:
        yield trail_path(load_repo_config(config), audit_file)
        return
    if tenant is None:
        raise click.UsageError("--branch needs --tenant (whose trail to read)")
    with tempfile.TemporaryDirectory(prefix="cxsched-export-") as folder:
        yield read_branch_trail(Git(Path.cwd()), branch, tenant, Path(folder))


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="csv: one row per change; json: the rows with the verification.",
)
@click.option("--tenant", metavar="NAME", help="Only this tenant's changes.")
@click.option("--campaign", metavar="ID", help="Only changes to this campaign's schedules.")
@click.option("--schedule", metavar="NAME|ID", help="Only changes to this schedule.")
@click.option("--since", metavar="DATE", help="Only changes at or after this time (default UTC).")
@click.option("--until", metavar="DATE", help="Only changes at or before this time.")
@click.option("--branch", metavar="REF", help="Read the tenant's trail from this git revision.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the table to this file instead of standard output.",
)
@click.option(
    "--audit-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The trail to read [default: audit_path of cxsched.yaml, else audit/trail.jsonl].",
)
@config_option
@click.pass_context
def export(
    ctx: click.Context,
    *,
    fmt: Literal["csv", "json"],
    tenant: str | None,
    campaign: str | None,
    schedule: str | None,
    since: str | None,
    until: str | None,
    branch: str | None,
    out: Path | None,
    audit_file: Path | None,
    config: Path | None,
) -> None:
    """Write the table of changes (when, what from what to what, who approved), verified."""
    query = RecordQuery(
        RecordFilter(
            campaign=campaign,
            schedule=schedule,
            since=instant(since, "--since"),
            until=instant(until, "--until"),
        ),
        tenant=tenant,
    )
    with _trail(audit_file, config, branch, tenant) as path:
        checked = _checked(path)
        rows = change_rows(read_records(path), query) if checked.records else []
    criteria = {
        "tenant": tenant,
        "campaign": campaign,
        "schedule": schedule,
        "since": since,
        "until": until,
    }
    text = render_csv(rows, checked) if fmt == "csv" else render_json(rows, checked, criteria)
    write_or_echo(text, out, f"{len(rows)} change(s)")
    click.echo(f"audit trail: {checked.summary}", err=True)
    if not checked.ok:
        ctx.exit(1)


def _checked(path: Path) -> Checked:
    report = verify_trail(path)
    if report.problem is not None:
        summary = f"FAILED at {report.problem}"
        return Checked(False, summary, report.head_hash, report.count, 0)
    runs, gaps = check_continuity(list(read_records(path)))
    if gaps:
        summary = f"FAILED: {len(gaps)} gap(s) between runs, first {gaps[0]}"
        return Checked(False, summary, report.head_hash, report.count, runs)
    summary = f"OK, {report.count} record(s) in {runs} run(s), head {report.head_hash}"
    return Checked(True, summary, report.head_hash, report.count, runs)
