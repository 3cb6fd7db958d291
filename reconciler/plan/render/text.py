"""The text plan, Terraform-like: `+ create`, `~ update`, `- delete` with field changes.

    Campaign renewals-us:
      ~ update "Q1 weekdays" (id sch-0001)  schedules/renewals-us/q1-weekdays.yaml
          ~ /dialerSettings/callRate: 15 -> 20

    Plan: 0 to create, 1 to update, 0 to delete, 5 unchanged; 0 unmanaged.

An update that changes when callees can be called is followed by its callable-time review
(`reconciler.plan.review`): per zone, widens or narrows, with a week grid; widening needs
compliance review. Colour (green create, yellow update, red delete) only when asked: the CLI
asks on a TTY.
"""

from __future__ import annotations

from itertools import groupby

from reconciler.plan.build import Action, Plan, Unmanaged
from reconciler.plan.render.values import (
    change_lines,
    deletes,
    format_value,
    shown_changes,
    summary_line,
)
from reconciler.plan.review import DAYS, Review, grid_header, review_action

__all__ = ["exception_lines", "render_text", "review_lines"]

_SIGNS = {"create": "+", "update": "~", "delete": "-"}
#: ANSI SGR colour codes per change sign (green, yellow, red, cyan).
_COLORS = {"+": "32", "~": "33", "-": "31", "?": "36"}


def _style(text: str, code: str, *, bold: bool = False) -> str:
    """`text` in the ANSI colour `code` (and bold), reset after."""
    return f"\x1b[{code}m" + ("\x1b[1m" if bold else "") + f"{text}\x1b[0m"


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as text, ending with its summary line and a newline."""
    paint = _Painter(color)
    lines: list[str] = []
    for campaign_id, group in groupby(plan.changes, key=lambda a: a.campaign_id):
        lines.append(f"Campaign {campaign_id}:")
        for action in group:
            lines.extend(_action_lines(action, paint))
        lines.append("")
    if not plan.has_changes:
        lines += ["No changes: the tenant matches the desired state.", ""]
    if plan.unmanaged:
        lines += [*_unmanaged_lines(plan, paint), ""]
    if deletes(plan):
        lines += [*_delete_banner(plan, color), ""]
    if plan.law_exceptions:
        lines += [*exception_lines(plan), ""]
    lines.append(summary_line(plan.counts()))
    return "\n".join(lines) + "\n"


class _Painter:
    """Prefixes a line with its sign, coloured by it when colour is on."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, sign: str, text: str) -> str:
        line = f"{sign} {text}"
        return _style(line, _COLORS[sign]) if self.color else line


def _title(action: Action) -> str:
    ident = f" (id {action.schedule_id})" if action.schedule_id else ""
    where = action.source or "not declared in any file"
    return f"{action.kind} {format_value(action.name)}{ident}  {where}"


def _action_lines(action: Action, paint: _Painter) -> list[str]:
    lines = ["  " + paint(_SIGNS[action.kind], _title(action))]
    for change in shown_changes(action):
        for index, (sign, text) in enumerate(change_lines(change)):
            indent = "      " if index == 0 else "          "
            lines.append(indent + paint(sign, text))
    review = review_action(action)
    if review is not None and review.zones:
        lines.extend("      " + line for line in review_lines(review))
    return lines


def exception_lines(plan: Plan) -> list[str]:
    """The counsel-approved calling-law exceptions the plan's schedules rely on."""
    lines = ["Calling-law exceptions approved by counsel (cxsched.yaml laws.exceptions):"]
    for item in plan.law_exceptions:
        until = f" until {item.until.isoformat()}" if item.until else ""
        lines.append(
            f"  ! {item.rule} lifted for {item.campaign}/{item.name}{until}: {item.reason} "
            f"(approved by {item.approved_by})"
        )
    return lines


def review_lines(review: Review) -> list[str]:
    """The review as text: a verdict line, then per zone its verdict and week grid."""
    flag = "needs compliance review" if review.needs_compliance_review else "no review needed"
    lines = [f"callable time: {flag} (+ added, - removed, # kept, . never; local hours)"]
    for zone in review.zones:
        lines.append(f"  {zone.zone} {zone.verdict}")
        lines.append(f"        {grid_header()}")
        lines.extend(f"    {day} {row}" for day, row in zip(DAYS, zone.grid, strict=True))
    return lines


def _unmanaged_lines(plan: Plan, paint: _Painter) -> list[str]:
    lines = ["Unmanaged (live, declared by no file; left alone):"]
    lines += ["  " + paint("?", _unmanaged(item)) for item in plan.unmanaged]
    hint = (
        "  --prune deletes only in campaigns whose cxsched.yaml sets prune: true"
        if plan.prune
        else "  Import them (cxsched import) or delete them with --prune in a campaign that"
        " sets prune: true."
    )
    return [*lines, hint]


def _unmanaged(item: Unmanaged) -> str:
    return f"{item.campaign_id} {format_value(item.name)} (id {item.schedule_id})"


def _delete_banner(plan: Plan, color: bool) -> list[str]:
    doomed = deletes(plan)
    head = f"DELETE: this plan deletes {len(doomed)} schedule(s) from the tenant (--prune):"
    lines = [head] + [
        f"  - {a.campaign_id} {format_value(a.name)} (id {a.schedule_id})" for a in doomed
    ]
    if not color:
        return lines
    return [_style(line, "31", bold=True) for line in lines]
