"""The markdown plan: a pull-request comment that always fits GitHub's comment limit.

It holds a heading, the summary line, a loud DELETE warning when the plan prunes, a table of
counts per campaign, one collapsible `<details>` section per changed schedule with its table
of changes, the unmanaged schedules, and where the full plan is. When that is longer than
`MARKDOWN_LIMIT` characters, the details sections are dropped from the largest down; if the
comment is still too long, only the counts remain. Either way it says where the full plan is.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from itertools import groupby

from reconciler.plan.build import Action, Plan, PlanCounts
from reconciler.plan.render.text import exception_lines, review_lines
from reconciler.plan.render.values import (
    deletes,
    format_value,
    list_delta,
    shown_changes,
    summary_line,
    visible,
)
from reconciler.plan.review import review_action

__all__ = ["MARKDOWN_LIMIT", "render_markdown"]

#: GitHub refuses comments of 65,536 characters or more; keep a margin for a wrapper's marker.
MARKDOWN_LIMIT = 65_000

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|~#<>"})
_SIGNS = {"create": "+", "update": "~", "delete": "-"}
_COLUMNS = ("create", "update", "delete", "unchanged", "unmanaged")


def _text(value: str) -> str:
    """Plain text made safe for markdown and HTML (table cells, summaries), on one line."""
    return html.escape(visible(value), quote=False).translate(_MD_SPECIAL)


def _code(value: str) -> str:
    return f"<code>{_text(value)}</code>"


def render_markdown(
    plan: Plan,
    *,
    plan_link: str | None = None,
    plan_file: str | None = None,
    limit: int = MARKDOWN_LIMIT,
) -> str:
    """The plan as a PR comment of fewer than `limit` characters."""
    where = _where(plan_link, plan_file)
    head = _head(plan)
    tail = [*_unmanaged(plan), *_exceptions(plan), f"Full plan: {where}", ""]
    sections = [_section(action) for action in plan.changes]
    text = _fit(head, sections, tail, limit, where)
    if len(text) < limit:
        return text
    return _counts_only(plan, where)


def _where(plan_link: str | None, plan_file: str | None) -> str:
    if plan_link:
        return f"[{_text(plan_file or 'plan.json')}]({plan_link})"
    if plan_file:
        return f"{_code(plan_file)} (saved with `--out`; in CI, the workflow's plan artifact)"
    return "run `cxsched plan --out plan.json` to save it"


def _head(plan: Plan) -> list[str]:
    lines = ["## cxsched plan", "", f"**{summary_line(plan.counts())}**", ""]
    lines += _banner(plan, names=True)
    if not plan.has_changes:
        lines += ["No changes: the tenant matches the desired state.", ""]
    return lines + _campaign_table(plan)


def _banner(plan: Plan, *, names: bool) -> list[str]:
    doomed = deletes(plan)
    if not doomed:
        return []
    lines = [
        "> [!CAUTION]",
        f"> **DELETE**: this plan deletes {len(doomed)} schedule(s) from the tenant (`--prune`)"
        + (":" if names else "."),
    ]
    if names:
        lines += [
            f"> - {_code(a.campaign_id)} / {_text(a.name)} ({_code(str(a.schedule_id))})"
            for a in doomed
        ]
    return [*lines, ""]


def _campaign_table(plan: Plan) -> list[str]:
    rows = ["| campaign | " + " | ".join(_COLUMNS) + " |", "|---|" + "--:|" * len(_COLUMNS)]
    for campaign_id in plan.campaigns:
        counts = _campaign_counts(plan, campaign_id)
        rows.append(f"| {_code(campaign_id)} | " + " | ".join(map(str, counts)) + " |")
    total = plan.counts()
    rows.append("| **total** | " + " | ".join(map(str, _row(total))) + " |")
    return [*rows, ""]


def _row(counts: PlanCounts) -> tuple[int, ...]:
    return (counts.create, counts.update, counts.delete, counts.noop, counts.unmanaged)


def _campaign_counts(plan: Plan, campaign_id: str) -> tuple[int, ...]:
    kinds = [a.kind for a in plan.actions if a.campaign_id == campaign_id]
    unmanaged = sum(1 for u in plan.unmanaged if u.campaign_id == campaign_id)
    return (*(kinds.count(k) for k in ("create", "update", "delete", "noop")), unmanaged)


def _section(action: Action) -> str:
    sign = _SIGNS[action.kind]
    title = f"<code>{sign} {action.kind}</code> {_code(action.campaign_id)} / {_text(action.name)}"
    lines = [f"<details><summary>{title}</summary>", ""]
    if action.schedule_id:
        lines.append(
            f"Schedule id {_code(action.schedule_id)}, base ETag {_code(str(action.base_version))}."
        )
    lines.append(
        f"Declared in {_code(action.source)}."
        if action.source
        else "Declared by no file; its campaign opts in to pruning."
    )
    lines += ["", *_changes_table(action), *_review(action), "</details>", ""]
    return "\n".join(lines) + "\n"


def _exceptions(plan: Plan) -> list[str]:
    if not plan.law_exceptions:
        return []
    lines = exception_lines(plan)
    return [f"**{lines[0]}**", "", *(f"- {_text(line[4:])}" for line in lines[1:]), ""]


def _review(action: Action) -> list[str]:
    review = review_action(action)
    if review is None or not review.zones:
        return []
    flag = (
        "**Callable time widens: needs compliance review.**"
        if review.needs_compliance_review
        else "Callable time only narrows."
    )
    return ["", flag, "", "```", *review_lines(review)[1:], "```"]


def _changes_table(action: Action) -> list[str]:
    changes = shown_changes(action)
    if not changes:
        return []
    rows = ["| field | before | after |", "|---|---|---|"]
    for change in changes:
        delta = list_delta(change.before, change.after)
        if delta is None:
            before, after = _cell([change.before]), _cell([change.after])
        else:
            before, after = _cell(delta.removed), _cell(delta.added)
        rows.append(f"| {_code(change.pointer)} | {before} | {after} |")
    return [*rows, ""]


def _cell(values: Sequence[object]) -> str:
    return "<br>".join("" if v is None else _code(format_value(v)) for v in values)


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged:
        return []
    lines = ["### Unmanaged schedules (declared by no file; left alone)", ""]
    for campaign_id, items in groupby(plan.unmanaged, key=lambda u: u.campaign_id):
        for item in items:
            lines.append(f"- {_code(campaign_id)} / {_text(item.name)} ({_code(item.schedule_id)})")
    return [*lines, ""]


def _fit(head: list[str], sections: Sequence[str], tail: list[str], limit: int, where: str) -> str:
    """Head, sections and tail; the largest sections dropped until it fits (if it can)."""
    start, end = "\n".join(head) + "\n", "\n".join(tail)
    if len(start) + sum(map(len, sections)) + len(end) < limit:
        return start + "".join(sections) + end
    note = "_Details of {} changed schedule(s) are left out to fit a PR comment; full plan: {}_\n\n"
    budget = limit - len(start) - len(end) - len(note.format(len(sections), where))
    size = sum(map(len, sections))
    dropped: set[int] = set()
    for index in sorted(range(len(sections)), key=lambda i: (-len(sections[i]), i)):
        if size < budget:
            break
        dropped.add(index)
        size -= len(sections[index])
    kept = "".join(s for i, s in enumerate(sections) if i not in dropped)
    return start + kept + note.format(len(dropped), where) + end


def _counts_only(plan: Plan, where: str) -> str:
    counts = plan.counts()
    lines = ["## cxsched plan", "", f"**{summary_line(counts)}**", ""]
    lines += _banner(plan, names=False)
    lines += ["| " + " | ".join(_COLUMNS) + " |", "|" + "--:|" * len(_COLUMNS)]
    lines += ["| " + " | ".join(map(str, _row(counts))) + " |", ""]
    lines += [
        "_This plan is too large for a PR comment: only its counts are shown._",
        "",
        f"Full plan: {where}",
        "",
    ]
    return "\n".join(lines)
