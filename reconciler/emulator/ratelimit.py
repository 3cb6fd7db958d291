"""The tenant-wide request budget: a token bucket refilled at `rps` per second.

The bucket holds at most `rps` tokens (a one-second burst). A request takes one token; when
none is left it is refused, and the refusal says how many whole seconds (at least 1) to wait
before a token is back, the figure sent in `Retry-After`. No limit when `rps` is None.
"""

from __future__ import annotations

import math
import threading
import time

from reconciler.emulator.errors import EmulatorError

__all__ = ["TokenBucket"]


class TokenBucket:
    """A thread-safe token bucket; `take()` returns 0 when allowed, else seconds to wait."""

    def __init__(self, rps: float | None) -> None:
        self._lock = threading.Lock()
        self._rps: float | None = None
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self.set_rate(rps)

    @property
    def rps(self) -> float | None:
        return self._rps

    def set_rate(self, rps: float | None) -> None:
        if rps is not None and not rps > 0:
            raise EmulatorError(f"the rate limit must be above 0 requests/s or None, got {rps}")
        with self._lock:
            self._rps = rps
            self._tokens = float(rps) if rps is not None else 0.0
            self._stamp = time.monotonic()

    def take(self) -> int:
        """Take a token: 0 when allowed, else the whole seconds until one is available."""
        with self._lock:
            if self._rps is None:
                return 0
            now = time.monotonic()
            capacity = max(self._rps, 1.0)
            self._tokens = min(capacity, self._tokens + (now - self._stamp) * self._rps)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - self._tokens) / self._rps))
