"""When to try a request again, and how long to wait first.

- 429: wait `Retry-After` (seconds or an HTTP date; capped at `retry_after_cap`), else back
  off. A value that cannot be read, is negative, not finite or absurd (more than a day) counts
  as absent: the normal backoff applies, so a broken header never stops or stalls the run.
- 502, 503, 504, dropped connections and timeouts: exponential backoff with full jitter
  (a random wait in [0, min(cap, base * 2**n)]); a 503 with `Retry-After` waits that instead.
- Bounded twice: at most `max_attempts` sends and no wait that would end past `deadline`
  seconds after the first send.
- A request that is not idempotent (a create) is retried only when it is known not to have
  reached the server: refused or timed out while connecting, or answered 429 / 503 (refused
  before handling). After a lost answer its outcome is unknown and the caller must decide.
  PATCH and DELETE carry If-Match, so retrying them is safe: the ETag guards a double write.
- A refused connection before any answer came (a wrong port or host, a server not started) is
  tried `refused_attempts` times, `refused_wait` apart, and then reported as refused: waiting
  longer would not help, and the address is probably wrong. Once the server has answered, a
  refused connection (a restart) is retried like any other connection failure.
"""

from __future__ import annotations

import email.utils
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

__all__ = [
    "REFUSED_STATUSES",
    "RETRY_STATUSES",
    "RetryPolicy",
    "never_sent",
    "parse_retry_after",
    "refused",
]

#: Statuses worth another try for an idempotent request.
RETRY_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
#: Statuses by which the server says it did not handle the request at all.
REFUSED_STATUSES: frozenset[int] = frozenset({429, 503})
#: A `Retry-After` longer than this (seconds) is not a wait but a broken header.
_ABSURD_WAIT = 86_400.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds and waits of the retry loop (seconds)."""

    max_attempts: int = 6
    deadline: float = 120.0
    base: float = 0.5
    cap: float = 8.0
    retry_after_cap: float = 60.0
    refused_attempts: int = 2
    refused_wait: float = 0.2

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter wait after the `attempt`-th failed send (1-based)."""
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))

    def wait_for(
        self, status: int | None, retry_after: str | None, attempt: int, rng: random.Random
    ) -> float:
        """How long to wait before the next send after this failure."""
        if status in (429, 503) and retry_after is not None:
            seconds = parse_retry_after(retry_after)
            if seconds is not None and seconds <= _ABSURD_WAIT:
                return min(seconds, self.retry_after_cap)
        return self.backoff(attempt, rng)


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or HTTP date).

    None when the value is garbled, not finite or a negative number of seconds; a date in the
    past means no wait.
    """
    text = value.strip()[:64]
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def never_sent(exc: requests.RequestException) -> bool:
    """True if the failure happened before any byte of the request left (safe to resend)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError)):
            return True
        cause = getattr(cause, "reason", None) or _first_arg(cause) or cause.__cause__
        seen += 1
    return False


def refused(exc: requests.RequestException | None) -> bool:
    """True if the connection was refused (nothing listens at that address and port)."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 10:
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
            return isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
                exc, requests.exceptions.ConnectTimeout
            )
        cause = getattr(cause, "reason", None) or _first_arg(cause) or cause.__cause__
        seen += 1
    return False


def _first_arg(exc: BaseException) -> BaseException | None:
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, BaseException) else None
