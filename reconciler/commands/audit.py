"""`cxsched audit verify|show|sync|export`: check the audit trail, list it, keep it, report it.

`verify` exits 0 and prints the record count and head hash when the chain is intact, or exits 1
naming the first bad record (line, seq, what is wrong); on a trail made of CI runs it also
checks that every run follows the one before (`--branch` reads a tenant's trail, and its
history, from the audit branch). `--expect-head sha256:...` checks the trail against a head
digest recorded elsewhere (the record must still be in the chain); `--allow-new` accepts a trail
that does not exist yet (no file and no head). `show` lists records filtered by tenant,
campaign, schedule (name or id), run id (or a prefix of it), kind of event and time, as text or
JSON; text output passes every field through `reconciler.util.sanitize` (a trail written by
anyone may hold escape sequences or workflow commands) and JSON output escapes control
characters anyway. `sync` and `export` are in `reconciler.commands.audit_branch`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import click

from reconciler.audit.export import RecordQuery
from reconciler.audit.trail import trail_path
from reconciler.audit.verify import RecordFilter, read_records, verify_trail
from reconciler.commands._config import config_option
from reconciler.commands.audit_branch import (
    continuity_lines,
    export,
    instant,
    sync,
    verify_branch_lines,
)
from reconciler.config import load_repo_config
from reconciler.util.hashing import canonical_json
from reconciler.util.sanitize import PLAIN

__all__ = ["command"]

_audit_file = click.option(
    "--audit-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The trail to read [default: audit_path of cxsched.yaml, else audit/trail.jsonl].",
)


@click.group("audit")
def command() -> None:
    """Verify or show the hash-chained audit trail of plan and apply runs."""


def _digest(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        raise click.BadParameter("give a head digest as `audit verify` prints it: sha256:<64 hex>")
    return value


@command.command("verify")
@_audit_file
@config_option
@click.option(
    "--expect-head",
    metavar="sha256:HEX",
    callback=_digest,
    help="A head digest recorded elsewhere (a CI job summary): the record it names must still "
    "be in the chain.",
)
@click.option(
    "--allow-new",
    is_flag=True,
    help="Accept a trail that does not exist yet (no file and no head): a first run.",
)
@click.option("--branch", metavar="REF", help="Check a tenant's trail at this git revision.")
@click.option("--tenant", metavar="NAME", help="With --branch: whose trail to check.")
@click.pass_context
def verify(
    ctx: click.Context,
    /,
    *,
    audit_file: Path | None,
    config: Path | None,
    expect_head: str | None,
    allow_new: bool,
    branch: str | None,
    tenant: str | None,
) -> None:
    """Check every record's hash and link and the trail's head; name the first bad record."""
    if branch is not None:
        if tenant is None:
            raise click.UsageError("--branch needs --tenant (whose trail to check)")
        ok, lines = verify_branch_lines(branch, tenant)
        click.echo("\n".join(lines))
        ctx.exit(0 if ok else 1)
    path = trail_path(load_repo_config(config), audit_file)
    report = verify_trail(path, expect_head=expect_head, allow_new=allow_new)
    if report.problem is not None:
        click.echo(f"audit trail {path}: FAILED at {report.problem}")
        click.echo(
            f"The {report.count} record(s) before it are intact. The trail was changed outside "
            "cxsched: restore it from a copy and find out who changed it."
        )
        ctx.exit(1)
    click.echo(f"audit trail {path}: OK, {report.count} record(s), head {report.head_hash}")
    if report.anchored is not None:
        click.echo(f"anchored: the expected head {expect_head} is seq {report.anchored}")
    if report.note is not None:
        click.echo(f"note: {report.note}")
    continuous, lines = continuity_lines(path) if path.exists() else (True, [])
    if lines:
        click.echo("\n".join(lines))
    if not continuous:
        ctx.exit(1)


@command.command("show")
@_audit_file
@config_option
@click.option("--tenant", metavar="NAME", help="Only records of this tenant.")
@click.option("--campaign", metavar="ID", help="Only records of this campaign.")
@click.option("--schedule", metavar="NAME|ID", help="Only records of this schedule.")
@click.option(
    "--event",
    "events",
    multiple=True,
    metavar="KIND",
    help="Only records of this kind of event (plan, write, recheck, replan, lookup, sync, ...); "
    "repeat for several.",
)
@click.option("--run", "run_id", metavar="RUN", help="Only records of this run (id or prefix).")
@click.option("--since", metavar="ISO", help="Only records at or after this time (default UTC).")
@click.option("--until", metavar="ISO", help="Only records at or before this time.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per record; json: a JSON array of the full records.",
)
def show(
    *,
    audit_file: Path | None,
    config: Path | None,
    tenant: str | None,
    campaign: str | None,
    schedule: str | None,
    events: tuple[str, ...],
    run_id: str | None,
    since: str | None,
    until: str | None,
    fmt: Literal["text", "json"],
) -> None:
    """List the records of the trail that match every filter given."""
    path = trail_path(load_repo_config(config), audit_file)
    selected = RecordQuery(
        RecordFilter(
            campaign=campaign,
            schedule=schedule,
            run=run_id,
            since=instant(since, "--since"),
            until=instant(until, "--until"),
        ),
        tenant=tenant,
        events=frozenset(events),
    )
    records = [record for record in read_records(path) if selected.matches(record)]
    if fmt == "json":
        click.echo(canonical_json(records) if not records else _json_lines(records))
        return
    for record in records:
        click.echo(_text(record))


def _json_lines(records: list[dict[str, Any]]) -> str:
    return "[\n" + ",\n".join(canonical_json(record) for record in records) + "\n]"


def _text(record: dict[str, Any]) -> str:
    event = record.get("event") or "?"
    if record.get("phase"):
        event = f"{event}/{record['phase']}"
    parts = [
        str(record.get("time")),
        f"#{record.get('seq')}",
        str(record.get("run_id")),
        str(record.get("actor")),
        event,
        record.get("action") or "",
        _target(record),
        record.get("result") or "",
        f"HTTP {record['status']}" if record.get("status") is not None else "",
        _etags(record),
        f"error: {record['error']}" if record.get("error") else "",
        _run_block(record),
    ]
    return "  ".join(PLAIN.clean(part, limit=_SHOWN) for part in parts if part)


#: Characters of one field shown at most by `audit show`.
_SHOWN = 2000


def _run_block(record: dict[str, Any]) -> str:
    """For a `sync` record: the run it closes, its workflow run and who approved it."""
    block, provenance = record.get("block"), record.get("provenance")
    if not isinstance(block, dict) or not isinstance(provenance, dict):
        return ""
    approvers = [
        str(a.get("login"))
        for a in provenance.get("approvers") or []
        if isinstance(a, dict) and a.get("state") == "approved"
    ]
    text = f"run #{block.get('index')} of {provenance.get('tenant')}"
    if provenance.get("run_url"):
        text += f" {provenance['run_url']}"
    return text + (f" approved by {', '.join(approvers)}" if approvers else "")


def _target(record: dict[str, Any]) -> str:
    if record.get("campaign") is None:
        campaigns = record.get("campaigns") or []
        return ",".join(str(c) for c in campaigns)
    target = f"{record['campaign']}/{record.get('schedule')}"
    return f"{target} ({record['schedule_id']})" if record.get("schedule_id") else target


def _etags(record: dict[str, Any]) -> str:
    base, new = record.get("base_etag"), record.get("new_etag")
    if base is None and new is None:
        return ""
    return f"etag {base or '-'} -> {new or '-'}" if new else f"etag {base}"


command.add_command(sync)
command.add_command(export)
