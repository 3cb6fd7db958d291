"""`cxsched adherence [PATH...]`: planned versus actual dial attempts per local day.

The desired state is validated first. Live ids come from the files' pinned `scheduleId`, else
from one listing per campaign; then one paginated hourly analytics query per schedule, filtered
to it. Days are local days of each schedule's zone, from `--from` to `--to` (both included;
default the seven days before `--now`'s UTC date). `--fail-under RATIO` turns the report into a
CI alert. One audit record says what was queried and measured.

Exit codes: 0 success, 1 invalid input, API failure or (with --fail-under) a schedule whose
overall adherence is below RATIO.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import click

from reconciler.analytics.adherence.measure import AdherenceReport, adherence
from reconciler.analytics.adherence.render import RENDERERS, Format
from reconciler.audit.records import command_record
from reconciler.commands._analytics import append_audit, parse_now
from reconciler.commands._api import api_options, build_client
from reconciler.commands._config import config_option
from reconciler.commands._desired import load_valid_desired
from reconciler.config import load_repo_config

__all__ = ["command"]

_DEFAULT_DAYS = 7


@click.command("adherence")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH...]")
@click.option(
    "--from",
    "first",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First local day (YYYY-MM-DD); default six days before --to.",
)
@click.option(
    "--to",
    "last",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last local day, included; default the day before --now (UTC date).",
)
@click.option("--now", "now_text", metavar="ISO", help="Reference time for the default days.")
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 10),
    default=0.1,
    show_default=True,
    help="Flag days whose adherence is off by more than this (0.1 = +-10%).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text, markdown, json or csv (one row per day).",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="RATIO",
    help="Exit 1 when a schedule's overall adherence is below RATIO (e.g. 0.9).",
)
@config_option
@api_options
@click.pass_context
def command(
    ctx: click.Context,
    /,
    *,
    paths: tuple[Path, ...],
    first: Any,
    last: Any,
    now_text: str | None,
    tolerance: float,
    fmt: str,
    fail_under: float | None,
    config: Path | None,
    **api: Any,
) -> None:
    """Compare the attempts each schedule planned with those the dialer made."""
    to_day: date = last.date() if last else parse_now(now_text).date() - timedelta(days=1)
    from_day: date = first.date() if first else to_day - timedelta(days=_DEFAULT_DAYS - 1)
    repo = load_repo_config(config)
    desired = load_valid_desired(paths, repo)
    with build_client(**api, profile_rps=repo.tenant.requests_per_second) as client:
        report = adherence(
            client, desired.schedules, first=from_day, last=to_day, tolerance=tolerance
        )
    click.echo(RENDERERS[cast(Format, fmt)](report), nl=False)
    below = report.below(fail_under) if fail_under is not None else ()
    words = ["adherence", *(p.as_posix() for p in paths), f"--from={from_day}", f"--to={to_day}"]
    append_audit(repo, words, _record(report, fail_under, bool(below)))
    if below:
        names = ", ".join(
            f"{s.schedule.campaign_id}/{s.schedule.name} {s.ratio:.1%}" for s in below if s.ratio
        )
        click.echo(f"error: adherence below {fail_under:g}: {names}", err=True)
        ctx.exit(1)


def _record(report: AdherenceReport, fail_under: float | None, failed: bool) -> dict[str, Any]:
    return command_record("adherence", "adherence", _result_fields(report, fail_under, failed))


def _result_fields(
    report: AdherenceReport, fail_under: float | None, failed: bool
) -> dict[str, Any]:
    return {
        "query": {"interval": "hour", "from": str(report.first), "to": str(report.last)},
        "campaigns": sorted({q.campaign_id for q in report.queries}),
        "results": [
            {
                "campaign": r.schedule.campaign_id,
                "schedule": r.schedule.name,
                "schedule_id": r.schedule_id,
                "planned": round(r.planned, 2),
                "actual": r.actual,
                "adherence": None if r.ratio is None else round(r.ratio, 4),
                "flagged_days": [str(d.day) for d in r.days if d.flagged(report.tolerance)],
            }
            for r in report.schedules
        ],
        "skipped": [f"{k.schedule.campaign_id}/{k.schedule.name}" for k in report.skipped],
        "fail_under": fail_under,
        "status": "below" if failed else "ok",
    }
