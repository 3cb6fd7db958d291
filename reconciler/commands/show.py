"""`cxsched show PLAN.json`: render a saved plan for review, without any API call.

The plan file is read and checked as `cxsched apply` reads it (format version, every action
complete, desired hashes matching), then rendered as text (the default, coloured on a
terminal), markdown (a pull-request comment) or JSON (the plan document itself). Nothing is
read from the tenant and no setting is needed.

Exit codes: 0 shown, 1 the file is missing or not a valid plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from reconciler.commands._output import use_color
from reconciler.plan.planfile import read_plan
from reconciler.plan.render import FORMATS, PlanFormat, render_plan

__all__ = ["command"]


@click.command("show")
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path), metavar="PLAN.json")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)  # fmt: skip
def command(plan_file: Path, fmt: str) -> None:
    """Show the saved plan PLAN.json (made by `cxsched plan --out`); no API call."""
    plan = read_plan(plan_file)
    text = render_plan(
        plan,
        cast(PlanFormat, fmt),
        color=fmt == "text" and use_color(),
        plan_file=plan_file.as_posix(),
    )
    click.echo(text, nl=False)
