"""`cxsched export`: the tenant's interaction export, or schedule metadata files for WFM.

Without `--local`: start the interaction export of each campaign (`--campaign`, repeatable;
default the campaigns of the desired files), poll it with backoff until it completes, fails or
`--timeout` seconds pass, and print its id, status and row count; with `--out FILE` (one
campaign) download the finished file there (atomically). `cxsched export status ID [--out FILE]`
polls an export started earlier the same way. With `--local`: write schedule
metadata rows as csv or json from the desired files (`--source desired`, no API call) or from
the live tenant (`--source live`), to `--out` (atomically) or stdout. One audit record says
what was exported.

Exit codes: 0 success, 1 invalid input, API failure, a failed export or a timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import click

from reconciler.analytics.export import (
    MAX_DOWNLOAD_BYTES,
    ExportError,
    ExportOutcome,
    run_export,
    wait_export,
)
from reconciler.analytics.metadata import (
    Format,
    ScheduleRow,
    render_rows,
    row_from_desired,
    row_from_live,
)
from reconciler.api.protocol import ExportStatus, ScheduleAPI
from reconciler.audit.records import command_record
from reconciler.commands._analytics import append_audit
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import DEFAULT_PATHS, load_valid_desired
from reconciler.commands._output import write_or_echo
from reconciler.commands._progress import progress
from reconciler.config import RepoConfig, load_repo_config
from reconciler.errors import InputError
from reconciler.util.atomic import write_atomic

__all__ = ["command"]

_DEFAULT_TIMEOUT = 60.0


@click.command("export")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
@click.option("--campaign", "campaigns", multiple=True, metavar="ID", help="Campaign to export.")
@click.option("--local", is_flag=True, help="Write schedule metadata rows instead.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Format of --local rows.",
)
@click.option(
    "--source",
    type=click.Choice(["desired", "live"]),
    default="desired",
    show_default=True,
    help="Rows of --local from the files (offline) or the live tenant.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File for the finished export's download (one campaign), or for --local rows.",
)
@config_option
@api_options
def command(
    *,
    paths: tuple[Path, ...],
    campaigns: tuple[str, ...],
    local: bool,
    fmt: str,
    source: str,
    out: Path | None,
    config: Path | None,
    **api: Any,
) -> None:
    """Export interactions of a campaign (or poll one: `export status ID`), or schedule
    metadata with --local."""
    repo = load_repo_config(config)
    if local:
        _local(_Request(repo, paths, campaigns, api), cast(Format, fmt), source, out)
        return
    timeout = api.pop("timeout") or _DEFAULT_TIMEOUT
    if paths[:1] == (Path("status"),) and not Path("status").exists():
        _status(repo, paths[1:], out, timeout, api)
        return
    targets = campaigns or _campaigns(paths, repo)
    if out is not None and len(targets) != 1:
        raise InputError("--out saves one export's file: pass exactly one --campaign")
    done: list[dict[str, Any]] = []
    try:
        with build_client(**api, profile_rps=repo.tenant.requests_per_second) as client:
            for campaign_id in targets:
                with progress(f"Export of {campaign_id}") as show:
                    outcome = run_export(
                        client, campaign_id, timeout=timeout, on_poll=_shown_by(show)
                    )
                s = outcome.status
                click.echo(f"{campaign_id}\t{s.export_id}\t{s.status}\t{s.row_count} rows")
                _deliver(client, s, out)
                done.append(
                    {"campaign": campaign_id, "export_id": s.export_id, "status": s.status}
                    | {"row_count": s.row_count, "out": None if out is None else out.as_posix()}
                )
    except ExportError as exc:
        s = exc.status
        done.append({"export_id": s.export_id, "status": s.status, "error": str(exc)})
        raise
    finally:
        record = command_record("export", "export", {"exports": done})
        append_audit(repo, ["export", *targets], record)


def _status(
    repo: RepoConfig, ids: tuple[Path, ...], out: Path | None, timeout: float, api: dict[str, Any]
) -> None:
    """`export status ID`: poll an export started earlier until it ends; download with --out."""
    if len(ids) != 1:
        raise InputError("usage: cxsched export status EXPORT-ID [--out FILE]")
    export_id = ids[0].as_posix()
    record: dict[str, Any] = {"export_id": export_id}
    try:
        with build_client(**api, profile_rps=repo.tenant.requests_per_second) as client:
            with progress(f"Export {export_id}") as show:
                outcome: ExportOutcome = wait_export(
                    client,
                    ExportStatus(export_id, "queued"),
                    timeout=timeout,
                    on_poll=_shown_by(show),
                )
            s = outcome.status
            click.echo(f"{s.export_id}\t{s.status}\t{s.row_count} rows")
            _deliver(client, s, out)
            record |= {"status": s.status, "row_count": s.row_count}
    except ExportError as exc:
        record |= {"status": exc.status.status, "error": str(exc)}
        raise
    finally:
        event = {"event": "export", "action": "export-status", "exports": [record]}
        append_audit(repo, ["export", "status", export_id], event)


def _shown_by(show: Callable[[str], None]) -> Callable[[ExportStatus, int], None]:
    return lambda status, polls: show(f"{status.status} ({polls} poll(s))")


def _deliver(client: ScheduleAPI, status: ExportStatus, out: Path | None) -> None:
    """Save the finished file to `out`, or say where it is and how to save it."""
    if out is None:
        if status.download_url:
            shown = urlsplit(status.download_url)._replace(query="", fragment="").geturl()
            click.echo(f"download: {shown} (pass --out FILE to save it)", err=True)
        return
    data = client.download_export(status, MAX_DOWNLOAD_BYTES)
    _write_bytes(out, data)
    click.echo(f"wrote {len(data)} bytes ({status.row_count} rows) to {out.as_posix()}", err=True)


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _campaigns(paths: tuple[Path, ...], repo: RepoConfig) -> tuple[str, ...]:
    desired = load_valid_desired(paths, repo)
    return tuple(sorted({s.campaign_id for s in desired.schedules}))


@dataclass(frozen=True, slots=True)
class _Request:
    repo: RepoConfig
    paths: tuple[Path, ...]
    campaigns: tuple[str, ...]
    api: dict[str, Any]


def _local(req: _Request, fmt: Format, source: str, out: Path | None) -> None:
    rows = _rows(req, source)
    write_or_echo(render_rows(rows, fmt), out, f"{len(rows)} rows")
    where = [p.as_posix() for p in req.paths or DEFAULT_PATHS]
    record = command_record(
        "export",
        "export-local",
        {
            "source": source,
            "format": fmt,
            "rows": len(rows),
            "out": None if out is None else out.as_posix(),
        },
    )
    append_audit(req.repo, ["export", "--local", *where], record)


def _rows(req: _Request, source: str) -> list[ScheduleRow]:
    if source == "desired":
        desired = load_valid_desired(req.paths, req.repo)
        wanted = req.campaigns
        return [
            row_from_desired(s) for s in desired.schedules if not wanted or s.campaign_id in wanted
        ]
    targets = req.campaigns or _campaigns(req.paths, req.repo)
    with build_client(**req.api, profile_rps=req.repo.tenant.requests_per_second) as client:
        return [row_from_live(live) for c in targets for live in client.list_schedules(c)]


for _param in command.params:
    if _param.name == "timeout":
        _param.help = "Seconds to wait for the export to finish [default 60]."
