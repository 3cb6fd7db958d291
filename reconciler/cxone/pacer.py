"""A token-bucket pacer shared by every thread of one client, so a run stays under the budget.

The tenant's own bucket refills at `rps` tokens a second and holds about `rps` of them, so a
client that never sends faster than `rps` on average, with a burst of one, never sees a 429 from
its own traffic: the server's larger bucket absorbs the jitter of the network. Each caller
reserves the next free slot under a lock, then sleeps outside it until that slot comes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Pacer"]


class Pacer:
    """Releases at most `burst` requests at once and `rps` a second on average, across threads."""

    def __init__(
        self,
        rps: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rps <= 0 or burst < 1:
            raise ValueError(f"a pacer needs rps > 0 and burst >= 1, got {rps} and {burst}")
        self._interval = 1.0 / rps
        self._slack = (burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = clock()

    @property
    def rps(self) -> float:
        return 1.0 / self._interval

    def acquire(self) -> float:
        """Wait for this caller's slot; returns the seconds waited."""
        wait = self._reserve()
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def _reserve(self) -> float:
        with self._lock:
            now = self._clock()
            slot = max(self._next, now - self._slack)
            self._next = slot + self._interval
            return slot - now
