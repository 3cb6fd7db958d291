"""Rendering an apply's results: one line per change, conflicts three ways, a summary, events.

Pure functions from `ApplyResult` to text (or, for `apply --json`, to JSON-ready dicts); the
apply command prints what they return. A conflict shows base (as planned on), live now and
desired of exactly the fields that differ, down to the leaf that differs (a window's `endTime`,
not the whole window list), as canonical JSON and never cut; `(absent)` for none. The summary
says what to run next, which differs for a saved plan (applying it again conflicts again) and
a one-go apply (it re-plans).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.apply.run import ActionResult, ApplyResult, ConflictRow
from reconciler.util.hashing import canonical_json

__all__ = [
    "NextStep",
    "leaf_rows",
    "render_result",
    "render_results",
    "render_summary",
    "result_event",
]

_SYMBOL = {"create": "+", "update": "~", "delete": "-", "noop": " "}
_DONE = {"create": "created", "update": "updated", "delete": "deleted", "noop": "no change"}
_LABEL = {
    "applied": "applied",
    "noop": "no-op",
    "already-applied": "already applied",
    "conflict": "conflict",
    "failed": "failed",
    "skipped": "skipped",
}


def render_results(result: ApplyResult) -> str:
    """One line (a table for a conflict) per change, in plan order; no-ops are only counted."""
    lines = [render_result(r) for r in result.results if r.outcome != "noop"]
    return "\n".join(lines)


def render_result(result: ActionResult) -> str:
    action = result.action
    target = f"{action.campaign_id}/{action.name}"
    if action.schedule_id is not None and action.kind == "delete":
        target += f" ({action.schedule_id})"
    if result.outcome == "applied":
        line = f"{_SYMBOL[action.kind]} {target}: {_DONE[action.kind]}{_etags(result)}"
        replans = len(result.replans)
        return line + (f" (re-planned {replans} time(s) after stale ETags)" if replans else "")
    if result.outcome == "already-applied":
        return f"= {target}: already applied (the live schedule already matches)"
    if result.outcome == "conflict":
        table = _conflict_table(result.conflict)
        return f"! {target}: CONFLICT: {result.error}" + (f"\n{table}" if table else "")
    if result.outcome == "failed":
        return f"x {target}: FAILED: {result.error}"
    return f"  {target}: {result.outcome}: {result.error or ''}".rstrip(": ")


def _etags(result: ActionResult) -> str:
    action = result.action
    if result.new_etag is None:
        return ""
    if action.base_version is None:
        return f" (ETag {result.new_etag})"
    return f" (ETag {action.base_version} -> {result.new_etag})"


def _cell(value: Any) -> str:
    return "(absent)" if value is None else canonical_json(value)


def leaf_rows(rows: Sequence[ConflictRow]) -> list[ConflictRow]:
    """The rows split down to the leaves where base, live now and desired differ."""
    return [leaf for row in rows for leaf in _leaves(row)]


def _leaves(row: ConflictRow) -> Iterator[ConflictRow]:
    values = (row.base, row.live, row.desired)
    if values[0] == values[1] == values[2]:
        return
    if all(isinstance(v, dict) for v in values):
        keys = sorted(set().union(*values))
        for key in keys:
            step = key.replace("~", "~0").replace("/", "~1")
            parts = (v.get(key) for v in values)
            yield from _leaves(ConflictRow(f"{row.pointer}/{step}", *parts))
        return
    if all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
        for index in range(len(values[0])):
            parts = (v[index] for v in values)
            yield from _leaves(ConflictRow(f"{row.pointer}/{index}", *parts))
        return
    yield row


def _conflict_table(rows: Sequence[ConflictRow]) -> str:
    leaves = leaf_rows(rows)
    if not leaves:
        return ""
    header = ("field", "base (planned on)", "live now", "desired")
    cells = [
        header,
        *((r.pointer, _cell(r.base), _cell(r.live), _cell(r.desired)) for r in leaves),
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(_table_line(row, widths) for row in cells)


def _table_line(row: Sequence[str], widths: Sequence[int]) -> str:
    return "    " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()


@dataclass(frozen=True, slots=True)
class NextStep:
    """How this apply was started, so that the summary's advice is true for it.

    `plan_file` is the saved plan applied (None for a one-go apply); `command` the one-go
    command line to run again (e.g. "cxsched apply schedules --auto-approve").
    """

    plan_file: str | None = None
    command: str = "cxsched apply"


def render_summary(result: ApplyResult, step: NextStep | None = None) -> str:
    """The figures, the changes not started (if interrupted) and what to run next."""
    counts = result.counts()
    figures = ", ".join(f"{counts[outcome]} {_LABEL[outcome]}" for outcome in counts)
    if result.ok and result.interrupted is None:
        return f"Apply complete: {figures}."
    lines = [
        f"Apply interrupted ({result.interrupted}): {figures}."
        if result.interrupted
        else f"Apply incomplete: {figures}."
    ]
    if result.interrupted:
        lines += _not_started(result)
    lines += _advice(result, step or NextStep())
    return "\n".join(lines)


def _not_started(result: ApplyResult) -> list[str]:
    skipped = [r.action for r in result.results if r.outcome == "skipped"]
    if not skipped:
        return ["Every change was attempted before it stopped."]
    items = (f"  {_SYMBOL[a.kind]} {a.campaign_id}/{a.name}" for a in skipped)
    return [f"Not started ({len(skipped)}):", *items]


def _advice(result: ApplyResult, step: NextStep) -> list[str]:
    counts = result.counts()
    if step.plan_file is not None:
        new_plan = f"cxsched plan --out {step.plan_file}"
        if counts["conflict"]:
            return [
                "Conflicts: a schedule changed on the tenant after the plan was made; nothing "
                f"was overwritten. Applying {step.plan_file} again would conflict again: make a "
                f"new plan (`{new_plan}`), review it, and apply that."
            ]
        return [
            f"Next: run `cxsched apply {step.plan_file}` again to finish (changes already made "
            f"are recognised as already applied), or make a new plan with `{new_plan}`."
        ]
    conflict = (
        "Conflicts: a schedule changed on the tenant beyond what re-planning may overwrite; "
        "review the live change with `cxsched plan`. "
        if counts["conflict"]
        else ""
    )
    return [f"{conflict}Next: run `{step.command}` again: it plans afresh and finishes the rest."]


def result_event(result: ActionResult) -> dict[str, Any]:
    """One change's result as an `apply --json` event (docs/json-output.md)."""
    action = result.action
    return {
        "type": "change",
        "campaign": action.campaign_id,
        "schedule": action.name,
        "schedule_id": action.schedule_id,
        "action": action.kind,
        "outcome": result.outcome,
        "base_etag": action.base_version,
        "new_etag": result.new_etag,
        "error": result.error,
        "replans": len(result.replans),
        "conflict": [
            {"field": r.pointer, "base": r.base, "live": r.live, "desired": r.desired}
            for r in leaf_rows(result.conflict)
        ],
    }
