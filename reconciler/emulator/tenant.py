"""Everything an endpoint may read or change: the tenant behind the emulator's API."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.emulator.auth import Authority
from reconciler.emulator.exports import ExportJobs
from reconciler.emulator.state import ScheduleStore

__all__ = ["Tenant"]


@dataclass(slots=True)
class Tenant:
    """The schedules, the OAuth authority, the export jobs and the analytics seed.

    `base_url` is filled in once the server has bound its port (for `Location` headers and
    download links).
    """

    store: ScheduleStore
    authority: Authority
    exports: ExportJobs
    seed: int
    base_url: str = ""
