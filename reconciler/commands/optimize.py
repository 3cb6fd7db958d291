"""`cxsched optimize [PATH...]`: answer rates by local hour, and the pacing they recommend.

The desired state is validated first; then one paginated hourly analytics query per campaign
over the last `--days` days before `--now` (floored to the hour) and the tenant's capacity.
The report (text, markdown or json) goes to stdout. `--write` edits the schedule files in
place (only the recommended values change; each edited file is validated again and restored if
it no longer validates); `--plot FILE.png` draws the rates and the pace (needs cxsched[plot]).
One audit record says what was queried, recommended and written.

Exit codes: 0 success, 1 invalid input, API failure or an edit that does not validate.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import click

from reconciler.analytics.optimize.advise import OptimizeReport, edits, optimize, write_advice
from reconciler.analytics.optimize.render import RENDERERS, Format, display_path
from reconciler.audit.records import command_record
from reconciler.commands._analytics import append_audit, parse_now
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import load_valid_desired
from reconciler.commands._progress import progress
from reconciler.config import RepoConfig, load_repo_config
from reconciler.errors import CxschedError, InputError
from reconciler.plan.normalise import resolve_pointer
from reconciler.util.hashing import canonical_json
from reconciler.validate.desired import load_desired

__all__ = ["command"]


@click.command("optimize")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
@click.option(
    "--days",
    type=click.IntRange(1, 92),
    default=14,
    show_default=True,
    help="Days of hourly history to read, ending at --now.",
)
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="End of the history (ISO 8601 with offset, floored to the hour); "
    "default: the current time. Set it to reproduce a report.",
)
@click.option(
    "--min-attempts",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Attempts each counted weekday hour needs before anything is recommended.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text, markdown (pull requests) or json.",
)
@click.option(
    "--write", is_flag=True, help="Write the recommended values into the files (comments kept)."
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.png",
    help="Draw answer rates and pace into a PNG (needs cxsched[plot]).",
)
@config_option
@api_options
def command(
    *,
    paths: tuple[Path, ...],
    days: int,
    now_text: str | None,
    min_attempts: int,
    fmt: str,
    write: bool,
    plot: Path | None,
    config: Path | None,
    **api: Any,
) -> None:
    """Recommend callRate, maxConcurrentCalls and peakHourBoost from answer rates."""
    now = parse_now(now_text)
    if plot is not None:
        from reconciler.util.plotting import pyplot

        pyplot()  # fail before any API call when matplotlib is missing
    repo = load_repo_config(config)
    if repo.is_admin:
        from reconciler.commands._skills import optimize_skills

        if write or plot is not None:
            raise click.UsageError("--write and --plot are not for the admin profile")
        optimize_skills(
            paths, repo, now=now, days=days, min_attempts=min_attempts, fmt=fmt, api=api
        )
        return
    desired = load_valid_desired(paths, repo)
    with (
        build_client(**api, profile_rps=repo.tenant.requests_per_second) as client,
        progress("Reading analytics") as show,
    ):
        report = optimize(
            client,
            desired.schedules,
            now=now,
            days=days,
            min_attempts=min_attempts,
            on_campaign=lambda n, total, c: show(f"campaign {n}/{total}: {c}"),
        )
    click.echo(RENDERERS[cast(Format, fmt)](report), nl=False)
    if plot is not None:
        from reconciler.analytics.optimize.plot import plot_advice

        plot_advice(report.advice, plot)
        click.echo(f"plotted {plot}", err=True)
    words = ["optimize", *(p.as_posix() for p in paths), f"--days={days}"]
    _write_and_audit(report, repo, words, write)


def _write_and_audit(
    report: OptimizeReport, repo: RepoConfig, words: list[str], write: bool
) -> None:
    written: list[str] = []
    record = command_record("optimize", "optimize", _summary(report))
    try:
        for advice in report.advice if write else ():
            if write_advice(advice, lambda path: _validate(path, repo)) is not None:
                written.append(display_path(advice.schedule.path))
                click.echo(f"wrote {display_path(advice.schedule.path)}", err=True)
                for pointer, value in sorted(edits(advice).items()):
                    was = resolve_pointer(advice.schedule.body, pointer)
                    click.echo(f"  {pointer}: {_shown(was)} -> {_shown(value)}", err=True)
        record["status"] = "ok"
    except CxschedError as exc:
        record.update(status="error", error=str(exc))
        raise
    finally:
        record["written"] = written
        append_audit(repo, words + (["--write"] if write else []), record)


def _shown(value: Any) -> str:
    return "(absent)" if value is None else canonical_json(value)


def _validate(path: Path, repo: RepoConfig) -> None:
    state = load_desired([path], repo)
    errors = [f for f in state.findings if f.severity == "error"]
    if errors or state.has_errors():
        detail = "; ".join(f"{f.path}:{f.line}:{f.column} {f.rule}: {f.message}" for f in errors)
        raise InputError(
            f"the recommended values do not validate in {path}, the file was restored: {detail}"
        )


def _summary(report: OptimizeReport) -> dict[str, Any]:
    return {
        "campaigns": [q.campaign_id for q in report.queries],
        "query": {
            "interval": "hour",
            "from": report.start.isoformat().replace("+00:00", "Z"),
            "to": report.end.isoformat().replace("+00:00", "Z"),
            "min_attempts": report.min_attempts,
        },
        "recommendations": [
            {
                "campaign": a.schedule.campaign_id,
                "schedule": a.schedule.name,
                "file": display_path(a.schedule.path),
                "fields": _fields(a.recommendations),
            }
            for a in report.advice
        ],
    }


def _fields(recs: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"field": r.field, "current": r.current, "value": r.value, "reason": r.reason} for r in recs
    ]
