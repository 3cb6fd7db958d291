"""One cached bearer token, renewed before it runs out, minted by one thread at a time.

`TokenCache.token` hands out the cached token while the clock is before its `renew_at`. When
none is cached or it is due, the caller takes the lock, looks again and calls the `mint`
function the cache was built with, so threads that find the token due together cause one mint
(single-flight) and all reuse its token. `invalidate` forgets a token the API refused unless
another thread already replaced it, so many threads refused together still cause one mint.
Both API profiles (`reconciler.cxone`, `reconciler.admin`) keep their token here; when to renew
is decided by their `mint`, which returns the `Grant`.

Errors: whatever `mint` raises reaches the caller of `token`, and nothing is cached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Grant", "TokenCache"]

T = TypeVar("T")


@dataclass(frozen=True)
class Grant(Generic[T]):
    """A minted token, the clock reading at which to renew it, and its lifetime in seconds."""

    token: T
    renew_at: float
    life: float


class TokenCache(Generic[T]):
    """Holds the current `Grant`; safe to share between threads."""

    def __init__(
        self, mint: Callable[[], Grant[T]], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._mint = mint
        self._clock = clock
        self._lock = threading.Lock()
        self._grant: Grant[T] | None = None

    @property
    def grant(self) -> Grant[T] | None:
        """The cached grant, due or not; None before the first mint or after `invalidate`."""
        return self._grant

    def token(self) -> T:
        grant = self._grant
        if grant is not None and self._clock() < grant.renew_at:
            return grant.token
        with self._lock:
            grant = self._grant
            if grant is None or self._clock() >= grant.renew_at:
                grant = self._mint()
                self._grant = grant
            return grant.token

    def invalidate(self, token: T) -> None:
        """Forget `token` (refused by the API) unless another thread already replaced it."""
        with self._lock:
            if self._grant is not None and self._grant.token == token:
                self._grant = None
