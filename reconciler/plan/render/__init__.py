"""Renderers of a plan: text for a terminal, markdown for a pull request, JSON for tools.

Each renderer is a pure function of the plan (and a few options) to a string: the same plan
gives byte-identical output, with no timestamp or run id, so PR comments diff cleanly.
"""

from __future__ import annotations

from typing import Literal, get_args

from reconciler.plan.build import Plan
from reconciler.plan.planfile import plan_text
from reconciler.plan.render.calls import render_call_counts
from reconciler.plan.render.markdown import MARKDOWN_LIMIT, render_markdown
from reconciler.plan.render.text import render_text

__all__ = [
    "FORMATS",
    "MARKDOWN_LIMIT",
    "PlanFormat",
    "render_call_counts",
    "render_plan",
]

PlanFormat = Literal["text", "markdown", "json"]
FORMATS: tuple[str, ...] = get_args(PlanFormat)


def render_plan(
    plan: Plan,
    fmt: PlanFormat,
    *,
    color: bool = False,
    plan_link: str | None = None,
    plan_file: str | None = None,
) -> str:
    """The plan in `fmt`; `color` styles text, the links point markdown to the full plan."""
    if fmt == "json":
        return plan_text(plan)
    if fmt == "markdown":
        return render_markdown(plan, plan_link=plan_link, plan_file=plan_file)
    return render_text(plan, color=color)
