"""`cxsched doctor`: read-only checks against the configured tenant, as a redacted report.

For the admin profile (`profile: admin` in cxsched.yaml): discovery, token, API versions, the
Personal Connection skills visible, one skill's blocks read twice, the formats the tenant
returns and its zones (see `reconciler.admin.doctor`). The report is safe to attach to a bug
report: no secret, token or key secret is in it. Exit 0 when every check passed, else 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler.commands._api import api_options, build_skill_client
from reconciler.commands._config import config_option
from reconciler.config import load_repo_config

__all__ = ["command"]


@click.command("doctor")
@click.option("--skill", "skill_id", metavar="ID", help="The skill to read [default: the first].")
@config_option
@api_options
@click.pass_context
def command(
    ctx: click.Context, /, *, skill_id: str | None, config: Path | None, **api: Any
) -> None:
    """Check the tenant read-only and print a redacted report (admin profile)."""
    from reconciler.admin.doctor import diagnose, render_report

    repo = load_repo_config(config)
    if not repo.is_admin:
        raise click.UsageError(
            "doctor checks a tenant of the admin profile: set `profile: admin` in cxsched.yaml"
        )
    if skill_id is not None and not (skill_id.isdigit() and len(skill_id) <= 12):
        raise click.UsageError("--skill takes a skill id (digits)")
    with build_skill_client(**api) as client:
        report = diagnose(client, skill_id)
        click.echo(render_report(report, client.redactor.clean), nl=False)
    ctx.exit(0 if report.ok else 1)
