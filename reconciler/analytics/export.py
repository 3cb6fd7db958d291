"""`cxsched export`: the tenant's interaction export, and schedule metadata files for WFM tools.

`run_export` starts the contract's interaction export of a campaign and polls it: at once, then
with exponential backoff (0.25 s doubling to 5 s) until it completes, fails or the timeout
passes (one last poll at the deadline); a poll that fails transiently (after the client's own
retries) is just another poll. `wait_export` polls an export started earlier (`cxsched export
status ID`) the same way. Schedule
rows (`schedule_rows`) come from desired files or from live state and render as CSV or JSON,
sorted by (campaign, name, id), date-times as UTC instants.

::

    CxschedError
    └── ExportError        the export failed on the tenant or did not finish in time
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reconciler.api.errors import Unavailable
from reconciler.api.protocol import ExportStatus, ScheduleAPI
from reconciler.errors import CxschedError

__all__ = [
    "EXPORT_COLUMNS",
    "MAX_DOWNLOAD_BYTES",
    "Backoff",
    "ExportError",
    "ExportOutcome",
    "run_export",
    "wait_export",
]

#: The largest export file `cxsched export --out` accepts.
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024

#: The columns of the interaction export, as the contract names them.
EXPORT_COLUMNS: tuple[str, ...] = (
    "schedule.id",
    "schedule.name",
    "schedule.startTime",
    "schedule.endTime",
    "schedule.timeZone",
)
_TERMINAL = frozenset({"completed", "failed"})
_MAX_POLLS = 10_000


class ExportError(CxschedError):
    """The interaction export failed or did not finish before the timeout."""

    def __init__(self, message: str, status: ExportStatus) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between polls: `first`, then doubling up to `cap` seconds."""

    first: float = 0.25
    factor: float = 2.0
    cap: float = 5.0

    def delays(self) -> Iterable[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.cap)


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """A completed export and what it took."""

    status: ExportStatus
    polls: int
    transient_failures: int
    seconds: float


def run_export(
    api: ScheduleAPI,
    campaign_id: str,
    *,
    timeout: float = 60.0,
    backoff: Backoff = Backoff(),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_poll: Callable[[ExportStatus, int], None] | None = None,
) -> ExportOutcome:
    """Start the export of `campaign_id` and poll it until it completes (or raise)."""
    began = clock()
    status = api.start_export(campaign_id, EXPORT_COLUMNS)
    what = f" of campaign {campaign_id}"
    return wait_export(
        api,
        status,
        what,
        timeout=timeout,
        backoff=backoff,
        sleep=sleep,
        clock=clock,
        began=began,
        on_poll=on_poll,
    )


def wait_export(
    api: ScheduleAPI,
    status: ExportStatus,
    what: str = "",
    *,
    timeout: float = 60.0,
    backoff: Backoff = Backoff(),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    began: float | None = None,
    on_poll: Callable[[ExportStatus, int], None] | None = None,
) -> ExportOutcome:
    """Poll the export `status` names until it completes (or raise); `what` says whose.

    `on_poll(status, polls)` is called after each poll (for a progress line).
    """
    began = clock() if began is None else began
    deadline = began + timeout
    polls = failures = 0
    wait = 0.0  # the first poll goes out at once
    for delay in itertools.islice(backoff.delays(), _MAX_POLLS):
        if status.status in _TERMINAL:
            break
        remaining = deadline - clock()
        if remaining <= 0:
            raise _timed_out(what, status, timeout, polls)
        sleep(min(wait, remaining))
        wait = delay
        polls += 1
        try:
            status = api.get_export(status.export_id)
        except Unavailable:
            failures += 1
        if on_poll is not None:
            on_poll(status, polls)
    if status.status not in _TERMINAL:
        raise _timed_out(what, status, timeout, polls)
    if status.status == "failed":
        raise ExportError(
            f"export {status.export_id}{what} failed on the tenant "
            f"after {polls} polls; start it again, or ask the tenant's admin why",
            status,
        )
    return ExportOutcome(status, polls, failures, clock() - began)


def _timed_out(what: str, status: ExportStatus, timeout: float, polls: int) -> ExportError:
    return ExportError(
        f"export {status.export_id}{what} is still {status.status} after "
        f"{timeout:g} s ({polls} polls); raise --timeout, or poll it again later with "
        f"`cxsched export status {status.export_id}`",
        status,
    )
