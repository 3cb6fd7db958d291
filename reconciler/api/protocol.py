"""The one seam between the reconciler and a CXone API profile.

Plan, apply, audit and the analytics features see only this protocol: no URL, header or status
code. `reconciler.cxone.client.CxoneClient` implements it for the REST contract; another API
profile (e.g. the Admin API's skill schedule settings) can implement it beside the first.

Guarded writes take the opaque `VersionToken` the schedule was read with (`LiveSchedule.version`)
and fail with `StaleVersion` when it is no longer current. Every error raised through the seam
is one of `reconciler.api.errors`, whatever the profile.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from reconciler.model import LiveSchedule, TenantLimits, VersionToken

__all__ = [
    "AnalyticsBucket",
    "AnalyticsQuery",
    "CallCounts",
    "ExportStatus",
    "ScheduleAPI",
    "WriteKind",
]

WriteKind = Literal["create", "update", "delete"]

#: Calls made, by (endpoint label, HTTP status or "error"), e.g. ("GET schedules", 200).
CallCounts = Mapping[tuple[str, int | str], int]


@dataclass(frozen=True, slots=True)
class AnalyticsQuery:
    """An analytics query: attempts by disposition, per hour or day, over [start, end)."""

    campaign_id: str
    interval: Literal["hour", "day"]
    start: str  # ISO 8601 date-time with offset
    end: str
    schedule_id: str | None = None
    page_size: int = 500


@dataclass(frozen=True, slots=True)
class AnalyticsBucket:
    """Attempts with one disposition in the bucket starting at `interval` (UTC)."""

    interval: str
    disposition: str
    count: int


@dataclass(frozen=True, slots=True)
class ExportStatus:
    """The state of an interaction export job."""

    export_id: str
    status: Literal["queued", "running", "completed", "failed"]
    row_count: int | None = None
    download_url: str | None = None


class ScheduleAPI(Protocol):
    """What the reconciler needs from a tenant."""

    def list_schedules(self, campaign_id: str) -> Iterator[LiveSchedule]:
        """Every schedule of a campaign, page by page (one call per page)."""
        ...

    def get_schedule(self, campaign_id: str, schedule_id: str) -> LiveSchedule: ...

    def create_schedule(self, campaign_id: str, body: Mapping[str, Any]) -> LiveSchedule: ...

    def update_schedule(
        self,
        campaign_id: str,
        schedule_id: str,
        patch: Mapping[str, Any],
        version: VersionToken,
    ) -> LiveSchedule:
        """Apply a JSON Merge Patch, only if the schedule is still at `version`."""
        ...

    def delete_schedule(self, campaign_id: str, schedule_id: str, version: VersionToken) -> None:
        """Delete the schedule, only if it is still at `version`."""
        ...

    def success_status(self, kind: WriteKind) -> int | str:
        """The profile's own code for a successful write of `kind`, for the audit trail."""
        ...

    def tenant_limits(self) -> TenantLimits: ...

    def query_analytics(self, query: AnalyticsQuery) -> Iterator[AnalyticsBucket]:
        """Every bucket of the query, page by page."""
        ...

    def start_export(self, campaign_id: str, columns: tuple[str, ...]) -> ExportStatus: ...

    def get_export(self, export_id: str) -> ExportStatus: ...

    def download_export(self, status: ExportStatus, max_bytes: int) -> bytes:
        """The file of a completed export (at most `max_bytes`)."""
        ...

    def call_counts(self) -> CallCounts:
        """How many calls this client made so far, by endpoint and status."""
        ...
