"""Retries, pacing and tokens under the failures a tenant really shows, over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from reconciler.cxone import (
    AuthError,
    CxoneClient,
    OutcomeUnknownError,
    PreconditionFailedError,
    RateLimitedError,
    RejectedError,
    ScopeError,
    Secret,
    Settings,
    TransientError,
)
from reconciler.emulator import Emulator

TOKEN = "POST /oauth/token"
SCHEDULES = "/api/v2/campaigns/{campaignId}/schedules"
GET_ONE = f"GET {SCHEDULES}/{{scheduleId}}"
PATCH_ONE = f"PATCH {SCHEDULES}/{{scheduleId}}"
CREATE = f"POST {SCHEDULES}"
BODY: dict[str, Any] = {
    "name": "Evenings",
    "startTime": "2026-12-01T17:00:00Z",
    "endTime": "2026-12-01T20:00:00Z",
    "timeZone": "UTC",
}


class _Sleeps(list[float]):
    """Records the client's retry waits instead of sleeping through them."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def _settings(emu: Emulator, **overrides: Any) -> Settings:
    base = Settings(emu.base_url, emu.client_id, Secret(emu.client_secret), rps=500.0)
    return replace(base, **overrides)


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("c1",))


@pytest.fixture
def schedule_id(emu: Emulator) -> str:
    return str(emu.create_schedule("c1", BODY)["id"])


def test_429_storm_waits_retry_after_then_succeeds(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("429", 3, endpoint=GET_ONE)
    sleeps = _Sleeps()
    with CxoneClient(_settings(emu), sleep=sleeps) as client:
        assert client.get_schedule("c1", schedule_id).schedule_id == schedule_id
        assert client.call_counts() == {(TOKEN, 200): 1, (GET_ONE, 429): 3, (GET_ONE, 200): 1}
    assert sleeps == [1.0, 1.0, 1.0]
    assert emu.rate_limited == 3


def test_429_beyond_max_attempts_is_rate_limited(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("429", 10, endpoint=GET_ONE)
    sleeps = _Sleeps()
    with (
        CxoneClient(_settings(emu), sleep=sleeps) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.get_schedule("c1", schedule_id)
    assert sleeps == [1.0] * 5
    assert str(caught.value) == (
        f"GET /api/v2/campaigns/c1/schedules/{schedule_id} answered HTTP 429 after 6 attempts: "
        "rate_limited: injected rate limit; retry after 1 s. The tenant's request budget is "
        "exhausted; lower --rps or run again later."
    )
    assert emu.count(endpoint=GET_ONE) == 6


def test_503_burst_is_retried_for_reads_and_creates(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("503", 2)
    sleeps = _Sleeps()
    with CxoneClient(_settings(emu), sleep=sleeps) as client:
        client.get_schedule("c1", schedule_id)
        emu.inject_faults("503", 1, endpoint=CREATE)
        client.create_schedule("c1", {**BODY, "name": "Late"})
    assert sleeps == [1.0, 1.0, 1.0]
    assert len(emu.schedules("c1")) == 2


def test_500_is_not_retried(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("500", 1)
    sleeps = _Sleeps()
    with (
        CxoneClient(_settings(emu), sleep=sleeps) as client,
        pytest.raises(TransientError) as caught,
    ):
        client.get_schedule("c1", schedule_id)
    assert (caught.value.status, caught.value.attempts, sleeps) == (500, 1, [])


def test_retries_stop_at_the_deadline(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("503", 10, endpoint=GET_ONE)
    with CxoneClient(_settings(emu, deadline=1.5)) as client:
        began = time.monotonic()
        with pytest.raises(TransientError) as caught:
            client.get_schedule("c1", schedule_id)
    assert caught.value.attempts == 2
    assert 0.9 < time.monotonic() - began < 3.0


def test_dropped_read_is_retried(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("drop", 2, endpoint=GET_ONE)
    sleeps = _Sleeps()
    with CxoneClient(_settings(emu), sleep=sleeps) as client:
        client.get_schedule("c1", schedule_id)
        assert client.call_counts()[(GET_ONE, "error")] == 2
    assert len(sleeps) == 2 and sleeps[0] <= 0.5 and sleeps[1] <= 1.0
    assert emu.count(endpoint=GET_ONE, status=0) == 2


def test_dropped_create_is_an_unknown_outcome_not_retried(emu: Emulator) -> None:
    emu.inject_faults("drop", 1, endpoint=CREATE)
    with CxoneClient(_settings(emu)) as client, pytest.raises(OutcomeUnknownError) as caught:
        client.create_schedule("c1", BODY)
    assert str(caught.value) == (
        "POST /api/v2/campaigns/c1/schedules got no response after 1 attempt: the connection "
        "was dropped after sending. The request may have taken effect; re-read the "
        "live state before retrying it."
    )
    assert emu.count(endpoint=CREATE) == 1


def test_server_error_on_create_is_an_unknown_outcome(emu: Emulator) -> None:
    emu.inject_faults("500", 1, endpoint=CREATE)
    with (
        CxoneClient(_settings(emu), sleep=_Sleeps()) as client,
        pytest.raises(OutcomeUnknownError) as caught,
    ):
        client.create_schedule("c1", BODY)
    assert str(caught.value) == (
        "POST /api/v2/campaigns/c1/schedules answered HTTP 500 after 1 attempt: the server "
        "failed with HTTP 500 while handling it. The request may have taken effect; re-read the "
        "live state before retrying it."
    )


def test_slow_read_past_the_timeout_is_retried(emu: Emulator, schedule_id: str) -> None:
    emu.inject_faults("slow", 1, endpoint=GET_ONE, delay_s=1.0)
    with CxoneClient(_settings(emu, read_timeout=0.3), sleep=_Sleeps()) as client:
        client.get_schedule("c1", schedule_id)
        counts = client.call_counts()
    assert (counts[(GET_ONE, "error")], counts[(GET_ONE, 200)]) == (1, 1)


def test_slow_create_is_unknown_and_did_land(emu: Emulator) -> None:
    emu.inject_faults("slow", 1, endpoint=CREATE, delay_s=1.0)
    with (
        CxoneClient(_settings(emu, read_timeout=0.3)) as client,
        pytest.raises(OutcomeUnknownError) as caught,
    ):
        client.create_schedule("c1", BODY)
    assert "no answer within the read timeout after sending" in str(caught.value)
    assert [s["name"] for s in emu.schedules("c1")] == ["Evenings"]


def test_slow_patch_is_retried_and_its_own_write_shows_as_412(
    emu: Emulator, schedule_id: str
) -> None:
    etag = emu.schedules("c1")[0]["etag"]
    emu.inject_faults("slow", 1, endpoint=PATCH_ONE, delay_s=1.0)
    with (
        CxoneClient(_settings(emu, read_timeout=0.3), sleep=_Sleeps()) as client,
        pytest.raises(PreconditionFailedError) as caught,
    ):
        client.update_schedule("c1", schedule_id, {"description": "ours"}, etag)
    assert (caught.value.etag_sent, caught.value.attempts) == (etag, 2)
    assert emu.schedules("c1")[0]["description"] == "ours"


def test_a_refused_connection_on_a_fresh_start_says_so_quickly() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(f"http://127.0.0.1:{port}", "id", Secret("s"), rps=500.0)
    sleeps = _Sleeps()
    with (
        CxoneClient(settings, sleep=sleeps) as client,
        pytest.raises(TransientError) as caught,
    ):
        try:
            client.create_schedule("c1", BODY)
        finally:
            assert client.call_counts() == {(TOKEN, "error"): 2}
    assert len(sleeps) == 1 and sum(sleeps) <= 0.2  # tried twice, quickly: no 8 s of backoff
    assert str(caught.value) == (
        f"POST /oauth/token got no response after 2 attempts: the connection to "
        f"http://127.0.0.1:{port} was refused (nothing is listening there). Check the API "
        "address: CXONE_BASE_URL or --base-url (CXONE_SUBDOMAIN or --subdomain for a tenant), "
        "in the environment or the .env file, and that the server is running."
    )


def test_expired_token_is_renewed_once(emu: Emulator, schedule_id: str) -> None:
    with CxoneClient(_settings(emu)) as client:
        client.get_schedule("c1", schedule_id)
        emu.expire_tokens()
        client.get_schedule("c1", schedule_id)
        client.get_schedule("c1", schedule_id)
        assert client.call_counts() == {(TOKEN, 200): 2, (GET_ONE, 200): 3, (GET_ONE, 401): 1}
    assert emu.count(endpoint=TOKEN) == 2


def test_short_lived_token_is_renewed_before_it_expires(emu: Emulator, schedule_id: str) -> None:
    emu.set_token_ttl(2.0)
    with CxoneClient(_settings(emu)) as client:
        client.get_schedule("c1", schedule_id)
        time.sleep(1.1)  # past half of the token's 2 s life
        client.get_schedule("c1", schedule_id)
    assert emu.count(endpoint=TOKEN) == 2
    assert emu.count(status=401) == 0


def test_token_refused_twice_is_an_auth_error(emu: Emulator, schedule_id: str) -> None:
    emu.set_token_ttl(0.001)
    with CxoneClient(_settings(emu)) as client, pytest.raises(AuthError) as caught:
        client.get_schedule("c1", schedule_id)
    assert caught.value.attempts == 2
    assert str(caught.value).endswith(
        "The API refused a freshly issued token; check the API client in CXone."
    )
    assert emu.count(endpoint=TOKEN) == 2


def test_wrong_secret_says_what_to_check(emu: Emulator) -> None:
    settings = replace(_settings(emu), client_secret=Secret("not-the-secret"))
    with CxoneClient(settings) as client, pytest.raises(AuthError) as caught:
        client.tenant_limits()
    assert str(caught.value) == (
        f"POST /oauth/token answered HTTP 401 after 1 attempt: invalid_client from "
        f"{emu.base_url}. Check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET (or --client-id / "
        "--client-secret)."
    )
    assert "not-the-secret" not in repr(caught.value)


def test_missing_scope_is_named(emu: Emulator) -> None:
    emu.set_scopes(["campaigns:read", "campaigns:write", "analytics:read", "interaction:read"])
    with CxoneClient(_settings(emu)) as client, pytest.raises(ScopeError) as caught:
        client.tenant_limits()
    assert caught.value.required == "dialer:read"
    assert str(caught.value) == (
        "GET /api/v2/dialer/capacity answered HTTP 403 after 1 attempt: the token lacks scope "
        "'dialer:read'. Grant the API client the missing scope in CXone, then run again."
    )


def test_no_allowed_scope_at_all_is_refused_at_the_token_endpoint(emu: Emulator) -> None:
    emu.set_scopes([])
    with CxoneClient(_settings(emu)) as client, pytest.raises(RejectedError) as caught:
        client.tenant_limits()
    assert str(caught.value) == (
        "POST /oauth/token answered HTTP 400 after 1 attempt: invalid_scope: none of the "
        "requested scopes is allowed for this client (allowed: none). Check that the API client "
        "may be granted the scopes 'campaigns:read campaigns:write analytics:read "
        "interaction:read dialer:read' in CXone."
    )


def test_sixteen_threads_share_one_token(emu: Emulator, schedule_id: str) -> None:
    errors: list[BaseException] = []
    with CxoneClient(_settings(emu)) as client:

        def work() -> None:
            try:
                for _ in range(3):
                    client.get_schedule("c1", schedule_id)
            except BaseException as exc:  # collected, re-checked below
                errors.append(exc)

        for round_ in range(2):
            threads = [threading.Thread(target=work) for _ in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=20)
            assert emu.count(endpoint=TOKEN) == round_ + 1
            emu.expire_tokens()
        counts = client.call_counts()
    assert errors == []
    assert counts[(TOKEN, 200)] == 2
    assert counts[(GET_ONE, 200)] == 96


def test_paced_client_sees_no_429_from_a_limited_tenant(emu: Emulator, schedule_id: str) -> None:
    emu.set_rate_limit(5)
    with CxoneClient(_settings(emu, rps=5.0)) as client:
        for _ in range(12):
            client.get_schedule("c1", schedule_id)
    assert emu.rate_limited == 0
    assert emu.count(endpoint=GET_ONE, status=200) == 12


def test_a_refused_connection_after_an_answer_is_retried_as_a_restart(
    emu: Emulator, schedule_id: str
) -> None:
    sleeps = _Sleeps()
    with CxoneClient(_settings(emu), sleep=sleeps) as client:
        client.get_schedule("c1", schedule_id)
        emu.close()  # the server goes away mid-run: it may come back
        with pytest.raises(TransientError) as caught:
            client.get_schedule("c1", schedule_id)
    assert len(sleeps) == 5
    assert "after 6 attempts: could not connect to" in str(caught.value)
