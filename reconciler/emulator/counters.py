"""Requests served, by endpoint label and HTTP status (0 for a dropped connection)."""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["RequestCounters"]


class RequestCounters:
    """Thread-safe tallies of requests by (endpoint label, status)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, int]] = Counter()

    def record(self, label: str, status: int) -> None:
        with self._lock:
            self._counts[(label, status)] += 1

    def snapshot(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._counts)

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        """Requests matching an endpoint label and/or a status (None matches any)."""
        return sum(
            n
            for (label, code), n in self.snapshot().items()
            if (endpoint is None or label == endpoint) and (status is None or code == status)
        )

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
