"""Rendering an apply's results as text: one line per change, conflicts side by side, a summary.

Pure functions from `ApplyResult` (and the client's call counts) to text; the apply command
prints what they return. Values in conflict tables are canonical JSON, `(absent)` for none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.apply.run import ActionResult, ApplyResult, ConflictRow
from reconciler.util.hashing import canonical_json

__all__ = ["render_result", "render_results", "render_summary"]

_SYMBOL = {"create": "+", "update": "~", "delete": "-", "noop": " "}
_DONE = {"create": "created", "update": "updated", "delete": "deleted", "noop": "no change"}
_MAX_CELL = 40
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
    text = "(absent)" if value is None else canonical_json(value)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 3] + "..."


def _conflict_table(rows: Sequence[ConflictRow]) -> str:
    if not rows:
        return ""
    header = ("field", "base (planned on)", "live now", "desired")
    cells = [header, *((r.pointer, _cell(r.base), _cell(r.live), _cell(r.desired)) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(_table_line(row, widths) for row in cells)


def _table_line(row: Sequence[str], widths: Sequence[int]) -> str:
    return "    " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()


def render_summary(result: ApplyResult) -> str:
    counts = result.counts()
    figures = ", ".join(f"{counts[outcome]} {_LABEL[outcome]}" for outcome in counts)
    if result.ok:
        return f"Apply complete: {figures}."
    return (
        f"Apply incomplete: {figures}.\n"
        "Fix what failed (conflicts: review the live change, then plan again); "
        "running apply again converges."
    )
