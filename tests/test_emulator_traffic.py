"""Rate limit, injected faults, latency, counters and the concurrent editor."""

from __future__ import annotations

import time

import pytest
import requests

from reconciler.emulator import Emulator, EmulatorError
from support.emulator import EmulatorFactory, EmulatorSession

CAPACITY = "/api/v2/dialer/capacity"
GET_CAPACITY = "GET /api/v2/dialer/capacity"
BODY = {
    "name": "Evenings",
    "startTime": "2026-12-01T08:00:00Z",
    "endTime": "2027-03-01T00:00:00Z",
    "timeZone": "Europe/Paris",
}


def test_rate_limit_answers_429_with_retry_after(emulator_factory: EmulatorFactory) -> None:
    emulator = emulator_factory(rps=1)
    session = EmulatorSession(emulator)
    assert session.token().status_code == 200  # the one-second burst holds one request
    refused = session.call("GET", CAPACITY)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {
        "error": "rate_limited",
        "message": "the tenant's request budget is used up; retry after 1 s",
    }
    assert emulator.rate_limited == 1
    assert emulator.count(GET_CAPACITY, 429) == 1
    session.close()


def test_rate_limit_refills_and_can_be_switched_off(emulator_factory: EmulatorFactory) -> None:
    emulator = emulator_factory(rps=2)
    session = EmulatorSession(emulator)
    statuses = [session.call("GET", CAPACITY).status_code for _ in range(4)]
    assert statuses.count(429) >= 1
    assert emulator.rate_limited == statuses.count(429)
    time.sleep(0.6)
    assert session.call("GET", CAPACITY).status_code == 200
    emulator.set_rate_limit(None)
    assert {session.call("GET", CAPACITY).status_code for _ in range(40)} == {200}
    session.close()


def test_token_endpoint_counts_toward_the_budget(emulator_factory: EmulatorFactory) -> None:
    emulator = emulator_factory(rps=1)
    session = EmulatorSession(emulator)
    statuses = [session.token().status_code for _ in range(2)]
    assert statuses == [200, 429]
    assert emulator.count("POST /oauth/token", 429) == 1
    session.close()


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(EmulatorError, match="rate limit must be above 0 requests/s"):
        Emulator(rps=0)
    with pytest.raises(EmulatorError, match=r"fault rate must be 0 to 1, got 1\.5"):
        Emulator(fault_rate=1.5)
    emulator = Emulator()
    with pytest.raises(EmulatorError, match="unknown fault kind '418'; use one of 500, 503"):
        emulator.inject_faults("418", 1)
    with pytest.raises(EmulatorError, match="at least 1"):
        emulator.inject_faults("500", 0)
    with pytest.raises(EmulatorError, match="rate limit"):
        emulator.set_rate_limit(-1)
    with pytest.raises(EmulatorError, match="editor interval"):
        Emulator(editor_interval=0)


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503), ("429", 429)])
def test_injected_status_faults(
    emulator: Emulator, emulator_session: EmulatorSession, kind: str, status: int
) -> None:
    emulator_session.token()
    emulator.inject_faults(kind, 2)
    answers = [emulator_session.call("GET", CAPACITY) for _ in range(3)]
    assert [a.status_code for a in answers] == [status, status, 200]
    if kind in ("503", "429"):
        assert answers[0].headers["Retry-After"] == "1"
    assert emulator.count(GET_CAPACITY, status) == 2


def test_faults_aimed_at_one_endpoint_spare_the_others(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator.inject_faults("503", 1, endpoint="POST /oauth/token")
    assert emulator_session.token().status_code == 503
    assert emulator_session.token().status_code == 200
    emulator.inject_faults("500", 1, endpoint="GET /api/v2/campaigns/{campaignId}/schedules")
    assert emulator_session.call("GET", CAPACITY).status_code == 200
    listed = emulator_session.call("GET", "/api/v2/campaigns/c1/schedules")
    assert listed.status_code == 500


def test_untargeted_faults_spare_the_token_endpoint(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator.inject_faults("500", 1)
    assert emulator_session.token().status_code == 200
    assert emulator_session.call("GET", CAPACITY).status_code == 500


def test_drop_closes_the_connection_without_an_answer(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.token()
    emulator.inject_faults("drop", 1)
    with pytest.raises(requests.ConnectionError):
        emulator_session.call("GET", CAPACITY)
    assert emulator.count(GET_CAPACITY, 0) == 1
    assert emulator_session.call("GET", CAPACITY).status_code == 200


def test_dropped_create_did_not_happen(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.token()
    emulator.inject_faults("drop", 1, endpoint="POST /api/v2/campaigns/{campaignId}/schedules")
    with pytest.raises(requests.ConnectionError):
        emulator_session.call("POST", "/api/v2/campaigns/c1/schedules", json=BODY)
    assert emulator.schedules("c1") == []


def test_slow_fault_carries_out_the_call_then_answers_late(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.token()
    emulator.inject_faults("slow", 1, delay_s=0.6)
    with pytest.raises(requests.Timeout):
        emulator_session.http.post(
            f"{emulator.base_url}/api/v2/campaigns/c1/schedules",
            json=BODY,
            headers={"Authorization": f"Bearer {emulator_session.access_token}"},
            timeout=0.2,
        )
    assert [s["name"] for s in emulator.schedules("c1")] == ["Evenings"]
    started = time.monotonic()
    emulator.inject_faults("slow", 1, delay_s=0.3)
    assert emulator_session.call("GET", CAPACITY).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    emulator.inject_faults("slow", 1, delay_s=0.3)
    assert emulator_session.call("GET", "/api/v2/campaigns/zz/schedules").status_code == 404
    assert time.monotonic() - started >= 0.3


def test_latency_is_added_to_every_request(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.token()
    emulator.set_latency(150)
    started = time.monotonic()
    assert emulator_session.call("GET", CAPACITY).status_code == 200
    assert time.monotonic() - started >= 0.15
    emulator.set_latency(0)


def _fault_sequence(emulator_factory: EmulatorFactory, seed: int) -> list[int]:
    emulator = emulator_factory(fault_rate=0.5, seed=seed)
    session = EmulatorSession(emulator)
    session.token()
    statuses = []
    for _ in range(30):
        try:
            statuses.append(session.call("GET", CAPACITY).status_code)
        except requests.ConnectionError:
            statuses.append(0)
    session.close()
    return statuses


def test_fault_rate_is_reproducible_from_the_seed(emulator_factory: EmulatorFactory) -> None:
    first = _fault_sequence(emulator_factory, seed=0)
    assert first == _fault_sequence(emulator_factory, seed=0)
    assert first != _fault_sequence(emulator_factory, seed=4)
    assert set(first) == {200, 500, 503, 0}
    assert 10 <= first.count(200) <= 24


def test_counters_by_label_status_and_reset(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.call("GET", "/api/v2/campaigns/c1/schedules")
    emulator_session.call("GET", "/api/v2/campaigns/zz/schedules")
    emulator_session.call("GET", "/api/v2/nowhere")
    emulator_session.call("PUT", CAPACITY)
    assert emulator.counters() == {
        ("POST /oauth/token", 200): 1,
        ("GET /api/v2/campaigns/{campaignId}/schedules", 200): 1,
        ("GET /api/v2/campaigns/{campaignId}/schedules", 404): 1,
        ("unknown", 404): 1,
        ("unknown", 405): 1,
    }
    assert emulator.count() == 5
    assert emulator.count(status=404) == 2
    assert emulator.count("GET /api/v2/campaigns/{campaignId}/schedules") == 2
    emulator.reset_counters()
    assert emulator.counters() == {}
    assert emulator.rate_limited == 0


def test_concurrent_editor_changes_etags_in_the_background(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = emulator_factory(campaigns=("c1",), editor_interval=0.05, seed=3)
    first = emulator.create_schedule("c1", BODY)
    deadline = time.monotonic() + 5
    while emulator.editor_edits < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    current = emulator.schedules("c1")[0]
    assert emulator.editor_edits >= 2
    assert current["etag"] != first["etag"]
    assert current["description"].startswith("edited in the admin UI")
    session = EmulatorSession(emulator)
    stale = session.call(
        "PATCH",
        f"/api/v2/campaigns/c1/schedules/{first['id']}",
        json={"description": "mine"},
        headers={"If-Match": first["etag"]},
    )
    assert stale.status_code == 412
    session.close()


def test_editor_idles_without_schedules(emulator_factory: EmulatorFactory) -> None:
    emulator = emulator_factory(campaigns=("c1",), editor_interval=0.02)
    time.sleep(0.1)
    assert emulator.editor_edits == 0
    assert emulator.schedules("c1") == []


def test_close_joins_every_thread_and_is_idempotent() -> None:
    import threading

    before = threading.active_count()
    emulator = Emulator(campaigns=("c1",), editor_interval=0.05).start()
    sessions = [EmulatorSession(emulator) for _ in range(4)]
    for session in sessions:
        assert session.call("GET", CAPACITY).status_code == 200  # keep-alive left open
    assert threading.active_count() > before
    emulator.close()
    emulator.close()
    assert threading.active_count() == before
    for session in sessions:
        session.close()


def test_start_twice_and_port_in_use_are_refused(emulator: Emulator) -> None:
    with pytest.raises(EmulatorError, match="an emulator starts once"):
        emulator.start()
    port = int(emulator.base_url.rsplit(":", 1)[1])
    with pytest.raises(EmulatorError, match=f"cannot listen on 127.0.0.1:{port}"):
        Emulator(port=port).start()
