"""The "concurrent editor": someone changing schedules in the admin UI while cxsched runs.

Every `interval` seconds a background thread picks one schedule of the tenant (a seeded
`random.Random`, so the choice sequence is reproducible) and changes its description, which
gives it a new ETag: a client holding the old ETag gets 412 on its next write. The thread
stops when the emulator closes.
"""

from __future__ import annotations

import logging
import random
import threading

from reconciler.emulator.errors import EmulatorError, Problem
from reconciler.emulator.state import ScheduleStore

__all__ = ["ConcurrentEditor"]

_log = logging.getLogger("reconciler.emulator")


class ConcurrentEditor:
    """A thread that edits one random schedule per interval."""

    def __init__(self, store: ScheduleStore, interval: float, seed: int = 0) -> None:
        if not interval > 0:
            raise EmulatorError(f"the editor interval must be above 0 seconds, got {interval}")
        self._store = store
        self._interval = interval
        self._random = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cxsched-editor", daemon=True)
        self.edits = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.edit_one()

    def edit_one(self) -> str | None:
        """Edit one random schedule; its id, or None when the tenant has none."""
        choices = [
            (campaign_id, schedule["id"])
            for campaign_id in self._store.campaign_ids()
            for schedule in self._store.schedules(campaign_id)
        ]
        if not choices:
            return None
        campaign_id, schedule_id = self._random.choice(choices)
        description = f"edited in the admin UI (edit {self.edits + 1})"
        try:
            self._store.edit(
                campaign_id, schedule_id, {"description": description}, "concurrent editor"
            )
        except Problem as problem:  # deleted or made invalid in between: skip this round
            _log.info("emulator: concurrent editor skipped %s: %s", schedule_id, problem)
            return None
        self.edits += 1
        return str(schedule_id)
