"""Injected failures: a seeded random rate and explicit bursts.

`fault_rate` P makes each `/api/v2` call fail with probability P, the kind drawn from the same
`random.Random(seed)` (500, 503, drop, slow), so a run is reproducible from its seed when its
requests arrive in the same order. `inject(kind, count, endpoint)` makes the next `count`
matching calls fail as told; `endpoint=None` matches every `/api/v2` call, an endpoint label
(e.g. "POST /oauth/token") matches only that endpoint. Kinds:

- "500", "503": answered with that status (503 with `Retry-After: 1`);
- "429": answered 429 with `Retry-After: 1`, as if the rate limit were hit;
- "drop": the connection is closed without an answer, before the call is carried out;
- "slow": the call is carried out, then its answer is held back `delay_s` seconds (a client
  with a shorter timeout never learns the outcome).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Literal, get_args

from reconciler.emulator.errors import EmulatorError

__all__ = ["RANDOM_SLOW_S", "Fault", "FaultInjector", "FaultKind"]

FaultKind = Literal["500", "503", "drop", "slow", "429"]
_RANDOM_KINDS: tuple[FaultKind, ...] = ("500", "503", "drop", "slow")
#: How long a randomly drawn "slow" fault holds its answer back.
RANDOM_SLOW_S = 0.5


@dataclass(frozen=True, slots=True)
class Fault:
    """A failure to inflict on one request."""

    kind: FaultKind
    delay_s: float = 0.0


@dataclass(slots=True)
class _Burst:
    fault: Fault
    remaining: int
    endpoint: str | None


class FaultInjector:
    """Decides, request by request, whether and how to fail."""

    def __init__(self, rate: float = 0.0, seed: int = 0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise EmulatorError(f"the fault rate must be 0 to 1, got {rate}")
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._rate = rate
        self._bursts: list[_Burst] = []

    def inject(self, kind: str, count: int, endpoint: str | None, delay_s: float) -> None:
        if kind not in get_args(FaultKind):
            kinds = ", ".join(get_args(FaultKind))
            raise EmulatorError(f"unknown fault kind {kind!r}; use one of {kinds}")
        if count < 1:
            raise EmulatorError(f"the fault count must be at least 1, got {count}")
        fault = Fault(kind, delay_s)  # type: ignore[arg-type]
        with self._lock:
            self._bursts.append(_Burst(fault, count, endpoint))

    def draw(self, label: str, is_api: bool) -> Fault | None:
        """The fault for one request with endpoint `label`, if any."""
        with self._lock:
            for burst in self._bursts:
                if burst.endpoint == label or (burst.endpoint is None and is_api):
                    burst.remaining -= 1
                    if burst.remaining == 0:
                        self._bursts.remove(burst)
                    return burst.fault
            if is_api and self._rate > 0 and self._random.random() < self._rate:
                kind = self._random.choice(_RANDOM_KINDS)
                return Fault(kind, RANDOM_SLOW_S if kind == "slow" else 0.0)
        return None
