"""`cxsched calendar FILE --zone ZONE [--png OUT]`: a schedule's callable hours per local date
in one zone, with the legal hours of its audience beside them (not legal advice).

Exit 0, or 1 when the file, its audience or the zone cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.commands._config import config_option
from reconciler.config import load_repo_config
from reconciler.errors import InputError
from reconciler.laws.audience import audience_of
from reconciler.laws.calendar import calendar_days
from reconciler.laws.catalog import catalog
from reconciler.laws.proof import MAX_SPAN_DAYS
from reconciler.laws.render import calendar_text
from reconciler.loader import load_file
from reconciler.validate.rules.legal import policy_of, subject_of
from reconciler.validate.rules.view import ScheduleView
from reconciler.validate.timezones import get_zone

__all__ = ["command"]


@click.command("calendar")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--zone", required=True, metavar="ZONE", help="IANA zone of the callees.")
@click.option(
    "--png",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OUT",
    help="Also draw the calendar into this PNG file (needs matplotlib).",
)
@config_option
def command(file: Path, zone: str, png: Path | None, config: Path | None) -> None:
    """Callable hours of FILE per local date in ZONE, with the legal hours beside them."""
    if get_zone(zone) is None:
        raise InputError(f"unknown time zone {zone[:64]!r}; use an IANA name like America/Chicago")
    loaded = load_file(file, str(file))
    if loaded.document is None:
        first = loaded.findings[0]
        raise InputError(f"{first.path}:{first.line}:{first.column}: {first.message}")
    subject = subject_of(ScheduleView.of(loaded.document.data))
    if subject is None:
        raise InputError(f"{file}: no readable span or zone; run `cxsched validate {file}`")
    if (subject.span[1] - subject.span[0]).days > MAX_SPAN_DAYS:
        raise InputError(f"{file}: the span is longer than {MAX_SPAN_DAYS} days; split it")
    repo = load_repo_config(config)
    audience, own = audience_of(loaded.document.data, repo.audiences)
    if own and audience is None:
        raise InputError(f"{file}: the audience is malformed; run `cxsched validate {file}`")
    policy = policy_of(loaded.document.data, repo.law_policy)
    days = calendar_days(subject, audience, catalog(), zone, policy)
    who = ", ".join(audience.jurisdictions) if audience else "the national baseline"
    title = f"{file}: callable and legal hours in {zone}, for {who} (not legal advice)"
    click.echo(calendar_text(days, title), nl=False)
    if png is not None:
        from reconciler.laws.plot import plot_calendar

        plot_calendar(days, title, png)
        click.echo(f"wrote {png}", err=True)
