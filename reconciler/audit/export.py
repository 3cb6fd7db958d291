"""The compliance officer's view of a trail: selecting records and the table of changes.

`RecordQuery` adds the tenant and the kind of event to `reconciler.audit.verify.RecordFilter`
for `cxsched audit show` and `export`. `change_rows` turns a trail into one row per write
outcome: when, which schedule, what changed from what to what, the result, the commit and pull
request it came from, who ran and who approved it, and the plan and run that did it.
`render_csv` and `render_json` write that table with the verification result and the head
digest it was checked against. CSV cells that a spreadsheet would run as a formula (starting
with `=`, `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`.

Errors: none; the caller reads and verifies the trail.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.audit.verify import RecordFilter
from reconciler.util.hashing import canonical_json

__all__ = [
    "COLUMNS",
    "Checked",
    "RecordQuery",
    "change_rows",
    "escape_cell",
    "record_tenant",
    "render_csv",
    "render_json",
]

#: The columns of the officer's table, in order.
COLUMNS: tuple[str, ...] = (
    "time",
    "tenant",
    "campaign",
    "schedule",
    "schedule_id",
    "action",
    "result",
    "changes",
    "error",
    "commit",
    "pull_request",
    "actor",
    "approved_by",
    "plan_hash",
    "run_url",
    "cxsched_run",
    "seq",
    "record_hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record_tenant(record: Mapping[str, Any]) -> str | None:
    """The tenant a record belongs to: its run's provenance (the trail's name for it), else
    its own `tenant` (the API host and client it was made against)."""
    provenance = record.get("provenance")
    found = provenance.get("tenant") if isinstance(provenance, dict) else None
    if isinstance(found, str):
        return found
    tenant = record.get("tenant")
    return tenant if isinstance(tenant, str) else None


def _tenants(record: Mapping[str, Any]) -> set[str]:
    """Every name of a record's tenant: its run's provenance and its own `tenant`."""
    provenance = record.get("provenance")
    names = [provenance.get("tenant") if isinstance(provenance, dict) else None]
    names.append(record.get("tenant"))
    return {name for name in names if isinstance(name, str)}


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Every criterion of `RecordFilter`, plus the tenant and the kinds of event."""

    base: RecordFilter = field(default_factory=RecordFilter)
    tenant: str | None = None
    events: frozenset[str] = frozenset()

    def matches(self, record: Mapping[str, Any]) -> bool:
        if self.tenant is not None and self.tenant not in _tenants(record):
            return False
        if self.events and record.get("event") not in self.events:
            return False
        return self.base.matches(dict(record))


@dataclass(frozen=True, slots=True)
class Checked:
    """What the table was checked against: the verification's outcome and the head digest."""

    ok: bool
    summary: str
    head: str
    records: int
    runs: int


def change_rows(
    records: Iterable[Mapping[str, Any]], query: RecordQuery
) -> list[dict[str, str | int | None]]:
    """One row per write outcome that `query` selects, with its intent's changes and its plan."""
    intents: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    plans: dict[Any, str] = {}
    rows: list[dict[str, str | int | None]] = []
    for record in records:
        event, run_id = record.get("event"), record.get("run_id")
        if event == "plan" and record.get("action") == "apply":
            plans[run_id] = str(record.get("plan_hash"))
        if event != "write":
            continue
        key = (run_id, record.get("campaign"), record.get("schedule"), record.get("action"))
        if record.get("phase") == "intent":
            intents[key] = record
        elif record.get("phase") == "outcome" and query.matches(record):
            rows.append(_row(record, intents.get(key, {}), plans.get(run_id)))
    return rows


def _row(
    outcome: Mapping[str, Any], intent: Mapping[str, Any], plan_hash: str | None
) -> dict[str, str | int | None]:
    provenance = outcome.get("provenance")
    ran: Mapping[str, Any] = provenance if isinstance(provenance, dict) else {}
    return {
        "time": _str(outcome.get("time")),
        "tenant": record_tenant(outcome),
        "campaign": _str(outcome.get("campaign")),
        "schedule": _str(outcome.get("schedule")),
        "schedule_id": _str(outcome.get("schedule_id") or intent.get("schedule_id")),
        "action": _str(outcome.get("action")),
        "result": _str(outcome.get("result")),
        "changes": _changes(outcome.get("changes") or intent.get("changes")),
        "error": _str(outcome.get("error")),
        "commit": _str(outcome.get("commit")),
        "pull_request": _str(ran.get("pull_request_url") or ran.get("pull_request")),
        "actor": _str(outcome.get("actor")),
        "approved_by": _approvers(ran.get("approvers")),
        "plan_hash": plan_hash,
        "run_url": _str(ran.get("run_url")),
        "cxsched_run": _str(outcome.get("run_id")),
        "seq": outcome.get("seq") if isinstance(outcome.get("seq"), int) else None,
        "record_hash": _str(outcome.get("hash")),
    }


def _str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _changes(changes: object) -> str | None:
    if not isinstance(changes, list) or not changes:
        return None
    parts = []
    for change in changes:
        if isinstance(change, dict):
            before, after = _value(change.get("before")), _value(change.get("after"))
            parts.append(f"{change.get('pointer')}: {before} -> {after}")
    return "; ".join(parts)


def _value(value: object) -> str:
    return "(none)" if value is None else canonical_json(value)


def _approvers(approvers: object) -> str | None:
    if not isinstance(approvers, list):
        return None
    names = []
    for approver in approvers:
        if isinstance(approver, dict) and approver.get("state", "approved") == "approved":
            environments = ", ".join(str(e) for e in approver.get("environments") or [])
            login = str(approver.get("login"))
            names.append(f"{login} ({environments})" if environments else login)
    return "; ".join(names) or None


def escape_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(rows: Sequence[Mapping[str, Any]], checked: Checked) -> str:
    """The table as CSV; every row also says how the trail verified and against which head."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "trail_check", "trail_head"])
    for row in rows:
        cells = [row.get(column) for column in COLUMNS]
        writer.writerow([escape_cell(c) for c in (*cells, checked.summary, checked.head)])
    return out.getvalue()


def render_json(
    rows: Sequence[Mapping[str, Any]], checked: Checked, criteria: Mapping[str, Any]
) -> str:
    """The table as one JSON document, with the verification and the criteria it answers."""
    document = {
        "verification": {
            "ok": checked.ok,
            "summary": checked.summary,
            "head": checked.head,
            "records": checked.records,
            "runs": checked.runs,
        },
        "criteria": dict(criteria),
        "columns": list(COLUMNS),
        "rows": [dict(row) for row in rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
