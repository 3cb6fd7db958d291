"""The bearer-token cache both API profiles use: renewal time, single-flight mint, invalidate."""

from __future__ import annotations

import threading
import time

import pytest

from reconciler.util.tokencache import Grant, TokenCache


class _Minter:
    """Mints `token-1`, `token-2`, ... taking `delay` seconds, renewable at `now + life`."""

    def __init__(self, clock: list[float], *, life: float = 100.0, delay: float = 0.0) -> None:
        self.clock = clock
        self.life = life
        self.delay = delay
        self.count = 0
        self.fail = False

    def __call__(self) -> Grant[str]:
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("refused")
        self.count += 1
        return Grant(f"token-{self.count}", self.clock[0] + self.life, self.life)


def test_many_threads_that_find_no_token_cause_one_mint() -> None:
    clock = [0.0]
    minter = _Minter(clock, delay=0.05)
    cache = TokenCache(minter, clock=lambda: clock[0])
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(cache.token())) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert got == ["token-1"] * 16
    assert minter.count == 1
    assert cache.grant == Grant("token-1", 100.0, 100.0)


def test_a_token_is_renewed_at_its_renewal_time_and_not_before() -> None:
    clock = [0.0]
    minter = _Minter(clock)
    cache = TokenCache(minter, clock=lambda: clock[0])
    assert cache.token() == "token-1"
    clock[0] = 99.9
    assert cache.token() == "token-1"
    clock[0] = 100.0
    assert cache.token() == "token-2"
    assert minter.count == 2


def test_invalidate_forgets_only_the_token_still_cached() -> None:
    clock = [0.0]
    minter = _Minter(clock)
    cache = TokenCache(minter, clock=lambda: clock[0])
    first = cache.token()
    cache.invalidate(first)
    assert cache.grant is None
    second = cache.token()
    assert second == "token-2"
    cache.invalidate(first)  # refused late, after another thread replaced it
    assert cache.token() == "token-2"
    assert minter.count == 2


def test_a_failed_mint_reaches_the_caller_and_caches_nothing() -> None:
    clock = [0.0]
    minter = _Minter(clock)
    minter.fail = True
    cache = TokenCache(minter, clock=lambda: clock[0])
    with pytest.raises(RuntimeError, match="refused"):
        cache.token()
    assert cache.grant is None
    minter.fail = False
    assert cache.token() == "token-1"
