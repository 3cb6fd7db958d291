"""Reading the tenant while the desired files are validated: reads only, never a write.

A `TenantReader` reads, in one background thread, what a plan needs from the tenant: the dialer
capacity (which also fetches the token), then the live schedules of each campaign the desired
state is expected to manage (`expected_campaigns`: the folder names of `schedules/<campaign>/`),
one list call per page. The caller validates meanwhile, then asks for what it needs:

- `limits()` waits for the capacity (its error, if reading it failed, is raised here);
- `stream(campaign_ids)` stops the thread from reading any campaign not among them and gives
  each of them, with its live schedules, as soon as it is read (a plan decides it meanwhile:
  `reconciler.plan.build.make_plan_from`), then reads the campaigns it did not expect; the
  ones read but not needed are dropped. `live(campaign_ids)` is the same as a mapping.

Start it only once any worker processes of validation have been forked (`load_desired`'s
`started` hook): a process must not fork while this thread may hold a lock.

When validation fails the caller leaves the `with` block: `close()` stops the thread at the next
page and everything read is discarded. The reader only ever calls `tenant_limits` and
`list_schedules`, so nothing is written before the desired state validates. An error of a
campaign nobody asked for (a folder that is not a campaign: 404) is dropped.

Errors: the `reconciler.api.errors` of the reads asked for, from `limits()` and `live()`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType

from reconciler.api.protocol import ScheduleAPI
from reconciler.model import LiveSchedule, TenantLimits
from reconciler.util.shared import StringPool

__all__ = ["TenantReader", "announced", "expected_campaigns"]

#: Seconds `close()` waits for a call in flight before it leaves the (daemon) thread behind.
_CLOSE_WAIT = 5.0


def expected_campaigns(paths: Sequence[Path]) -> list[str]:
    """The campaigns `paths` are expected to hold: the sub-folders of a folder (the layout
    `schedules/<campaign-id>/*.yaml`), the folder of a file; hidden names skipped, sorted."""
    found: set[str] = set()
    for path in paths:
        if path.is_dir():
            try:
                found.update(
                    child.name
                    for child in path.iterdir()
                    if child.is_dir() and not child.name.startswith(".")
                )
            except OSError:
                continue
        elif path.is_file() and path.parent.name:
            found.add(path.parent.name)
    return sorted(found)


def announced(
    pairs: Iterable[tuple[str, list[LiveSchedule]]],
    total: int,
    on_campaign: Callable[[int, int, str], None] | None,
) -> Iterator[tuple[str, list[LiveSchedule]]]:
    """`pairs` as they come, calling `on_campaign(number, total, campaign_id)` for each."""
    for number, (campaign_id, live) in enumerate(pairs, start=1):
        if on_campaign is not None:
            on_campaign(number, total, campaign_id)
        yield campaign_id, live


class _Stopped(Exception):
    """The reader was told to stop, between two pages."""


_Read = tuple[str, list[LiveSchedule] | None, BaseException | None]


class TenantReader:
    """Capacity and live schedules of the expected campaigns, read in a background thread."""

    def __init__(self, api: ScheduleAPI, campaign_ids: Iterable[str]) -> None:
        self._api = api
        self._expected = sorted(set(campaign_ids))
        self._lock = threading.Lock()
        self._wanted: set[str] | None = None  # None: every expected campaign
        self._stop = threading.Event()
        self._limits: TenantLimits | None = None
        self._limits_error: BaseException | None = None
        #: (campaign, its schedules, the error reading it); None once the thread is done
        self._read: queue.SimpleQueue[_Read | None] = queue.SimpleQueue()
        self._strings = StringPool()  # what is read waits for validation: kept small
        self._thread = threading.Thread(target=self._run, name="cxsched-read", daemon=True)
        self._started = False

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> TenantReader:
        """Start reading (once); unstarted, `limits()` and `live()` read in the caller."""
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop at the next page and wait for the thread (a call in flight, up to
        `_CLOSE_WAIT` seconds; it is a reader that writes nothing); what was read is
        discarded."""
        self._stop.set()
        if self._started:
            self._thread.join(_CLOSE_WAIT)
        while not self._read.empty():
            self._read.get_nowait()

    def __enter__(self) -> TenantReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- what the caller asks for ----------------------------------------------------------
    def limits(self) -> TenantLimits:
        """The tenant's dialer capacity, read first; its read error is raised here."""
        self._wait_for(lambda: self._limits is not None or self._limits_error is not None)
        if self._limits_error is not None:
            raise self._limits_error
        if self._limits is None:  # not started, or stopped before reading it
            self._limits = self._api.tenant_limits()
        return self._limits

    def live(self, campaign_ids: Iterable[str]) -> dict[str, list[LiveSchedule]]:
        """Every live schedule of each of `campaign_ids`, as `read_live` gives them."""
        return dict(sorted(self.stream(campaign_ids)))

    def stream(self, campaign_ids: Iterable[str]) -> Iterator[tuple[str, list[LiveSchedule]]]:
        """Each of `campaign_ids` with its live schedules, as soon as they are read."""
        wanted = set(campaign_ids)
        with self._lock:
            self._wanted = wanted
        left = set(wanted)
        while self._started:
            read = self._read.get()
            if read is None:
                break
            campaign_id, items, error = read
            if campaign_id not in left:
                continue  # not asked for: dropped, its error too (a folder, not a campaign)
            if error is not None:
                raise error
            assert items is not None
            left.discard(campaign_id)
            yield campaign_id, items
        if self._limits_error is not None:  # the tenant failed its first read: not read further
            raise self._limits_error
        for campaign_id in sorted(left):
            yield campaign_id, list(self._api.list_schedules(campaign_id))

    # -- the thread ------------------------------------------------------------------------
    def _wait_for(self, ready: Callable[[], bool]) -> None:
        while self._started and self._thread.is_alive() and not ready():
            self._thread.join(0.01)

    def _run(self) -> None:
        try:
            self._limits = self._api.tenant_limits()
        except Exception as exc:  # raised to the caller by limits() and stream()
            self._limits_error = exc
            return
        finally:
            if self._limits is None:
                self._read.put(None)
        try:
            for campaign_id in self._expected:
                if self._stop.is_set():
                    return
                if self._wants(campaign_id):
                    self._read.put((campaign_id, self._read_campaign(campaign_id), None))
        except _Stopped:
            return
        except Exception as exc:  # raised by stream() only if this campaign is asked for
            self._read.put((campaign_id, None, exc))  # and nothing more is read
        finally:
            self._read.put(None)

    def _wants(self, campaign_id: str) -> bool:
        with self._lock:
            return self._wanted is None or campaign_id in self._wanted

    def _read_campaign(self, campaign_id: str) -> list[LiveSchedule]:
        items: list[LiveSchedule] = []
        for item in self._api.list_schedules(campaign_id):
            body = self._strings.share(dict(item.body))
            items.append(LiveSchedule(item.campaign_id, item.schedule_id, item.version, body))
            if self._stop.is_set():
                raise _Stopped
        return items
