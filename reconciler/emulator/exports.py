"""Interaction export jobs that move queued -> running -> completed as they are polled.

A job is created `queued`; each `GET` of it is one poll: the first answers `queued`, the
second and third `running`, every later one `completed` with `rowCount` (one row per schedule
the campaign had when the export was requested) and a `downloadUrl` on this emulator that
serves the rows as CSV. Jobs live in memory only; they do not survive a restart.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.errors import Detail, Problem

__all__ = [
    "EXPORT_COLUMNS",
    "ExportJob",
    "ExportJobs",
    "check_export_body",
    "parse_campaign_filter",
]

EXPORT_COLUMNS: tuple[str, ...] = (
    "schedule.id",
    "schedule.name",
    "schedule.startTime",
    "schedule.endTime",
    "schedule.timeZone",
)
_CAMPAIGN_FILTER = re.compile(r'campaign\.id eq "([^"\\]+)"')
_QUEUED_POLLS = 1
_RUNNING_POLLS = 2
_MAX_JOBS = 1000


@dataclass(slots=True)
class ExportJob:
    """One export: its columns, its rows (fixed when requested) and how often it was polled."""

    export_id: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    polls: int = 0

    def status(self) -> str:
        if self.polls <= _QUEUED_POLLS:
            return "queued"
        return "running" if self.polls <= _QUEUED_POLLS + _RUNNING_POLLS else "completed"

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def parse_campaign_filter(value: object) -> str | None:
    """The campaign of a `campaign.id eq "C"` filter, None when it is not exactly that."""
    match = _CAMPAIGN_FILTER.fullmatch(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def check_export_body(body: dict[str, Any]) -> list[Detail]:
    """Every problem of an export request body."""
    found: list[Detail] = [
        (f"/{key}", "unknown field")
        for key in body
        if key not in {"name", "type", "columns", "filter"}
    ]
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 128:
        found.append(("/name", "must be a string of 1 to 128 characters"))
    if body.get("type") != "custom":
        found.append(("/type", 'must be "custom"'))
    found.extend(_check_columns(body.get("columns")))
    if parse_campaign_filter(body.get("filter")) is None:
        found.append(("/filter", 'must be campaign.id eq "CAMPAIGN-ID"'))
    return found


def _check_columns(columns: object) -> list[Detail]:
    if not isinstance(columns, list) or not columns:
        return [("/columns", "must be a non-empty list of column names")]
    return [
        (f"/columns/{i}", f"unknown column {c!r}; known: {', '.join(EXPORT_COLUMNS)}")
        for i, c in enumerate(columns)
        if c not in EXPORT_COLUMNS
    ]


class ExportJobs:
    """The export jobs requested so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, ExportJob] = {}

    def start(self, columns: Sequence[str], schedules: Sequence[dict[str, Any]]) -> ExportJob:
        rows = [[_cell(s, column) for column in columns] for s in schedules]
        job = ExportJob(secrets.token_hex(8), tuple(columns), rows)
        with self._lock:
            if len(self._jobs) >= _MAX_JOBS:
                del self._jobs[next(iter(self._jobs))]
            self._jobs[job.export_id] = job
        return job

    def poll(self, export_id: str) -> ExportJob:
        with self._lock:
            job = self._find(export_id)
            job.polls += 1
            return job

    def peek(self, export_id: str) -> ExportJob:
        with self._lock:
            return self._find(export_id)

    def _find(self, export_id: str) -> ExportJob:
        job = self._jobs.get(export_id)
        if job is None:
            raise Problem(
                404,
                "not_found",
                f"export {export_id!r} does not exist; start an export to get an id",
            )
        return job


def _cell(schedule: dict[str, Any], column: str) -> str:
    return str(schedule.get(column.removeprefix("schedule."), ""))
