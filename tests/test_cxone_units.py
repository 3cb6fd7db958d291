"""The client's pure parts: pacing arithmetic, retry waits, error sentences, payload mapping."""

from __future__ import annotations

import random
import socket
import threading
from datetime import UTC, datetime

import pytest
import requests

from reconciler.api.protocol import AnalyticsBucket, AnalyticsQuery, ExportStatus
from reconciler.cxone import errors, payloads
from reconciler.cxone.endpoints import ENDPOINTS, GET_SCHEDULE, LIST_SCHEDULES
from reconciler.cxone.pacer import Pacer
from reconciler.cxone.retry import RetryPolicy, never_sent, parse_retry_after
from reconciler.model import LiveSchedule, TenantLimits, VersionToken


class _FakeTime:
    """A clock that only moves when slept on, recording each sleep."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_pacer_spaces_requests_at_rps_with_burst_one() -> None:
    fake = _FakeTime()
    pacer = Pacer(10.0, clock=fake.clock, sleep=fake.sleep)
    waits = [round(pacer.acquire(), 6) for _ in range(4)]
    assert waits == [0.0, 0.1, 0.1, 0.1]
    fake.now += 5.0  # idle: no credit is saved beyond the burst of one
    assert [round(pacer.acquire(), 6) for _ in range(2)] == [0.0, 0.1]
    assert pacer.rps == 10.0


def test_pacer_burst_lets_n_through_then_paces() -> None:
    fake = _FakeTime()
    pacer = Pacer(4.0, burst=3, clock=fake.clock, sleep=fake.sleep)
    fake.now += 10.0
    assert [round(pacer.acquire(), 6) for _ in range(5)] == [0.0, 0.0, 0.0, 0.25, 0.25]


def test_pacer_reserves_distinct_slots_across_threads() -> None:
    slots: list[float] = []
    lock = threading.Lock()
    fake_now = 0.0
    pacer = Pacer(100.0, clock=lambda: fake_now, sleep=lambda s: None)

    def worker() -> None:
        for _ in range(25):
            wait = pacer.acquire()
            with lock:
                slots.append(round(wait, 6))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(slots) == [round(i * 0.01, 6) for i in range(200)]


def test_pacer_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="rps > 0"):
        Pacer(0)


def test_backoff_is_full_jitter_within_the_cap() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        waits = [policy.backoff(attempt, rng) for _ in range(200)]
        assert min(waits) >= 0.0 and max(waits) <= ceiling
        assert max(waits) > ceiling * 0.8  # the whole range is used, not a fixed sleep


def test_retry_after_is_honoured_for_429_and_503_only_and_capped() -> None:
    policy = RetryPolicy(retry_after_cap=30.0)
    rng = random.Random(1)
    assert policy.wait_for(429, "2", 1, rng) == 2.0
    assert policy.wait_for(503, "1.5", 1, rng) == 1.5
    assert policy.wait_for(429, "3600", 1, rng) == 30.0
    assert policy.wait_for(502, "2", 1, rng) <= 0.5
    assert policy.wait_for(429, "soon", 1, rng) <= 0.5
    assert policy.wait_for(None, None, 3, rng) <= 2.0


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(" 5 ", now) == 5.0
    assert parse_retry_after("-3", now) is None
    assert parse_retry_after("Fri, 27 Nov 2026 12:00:07 GMT", now) == 7.0
    assert parse_retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("tomorrow", now) is None
    assert parse_retry_after("", now) is None
    assert 0 <= (parse_retry_after("Fri, 27 Nov 2026 12:00:07 GMT") or 0) < 10**9


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_refused_connection_is_known_not_sent() -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(f"http://127.0.0.1:{_free_port()}/", timeout=2)
    assert never_sent(caught.value)


def test_a_dropped_or_timed_out_answer_may_have_been_received() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"

        def drop() -> None:
            conn, _ = server.accept()
            conn.recv(65536)
            conn.close()

        dropper = threading.Thread(target=drop)
        dropper.start()
        with pytest.raises(requests.ConnectionError) as dropped:
            requests.post(url, data=b"x", timeout=5)
        dropper.join(timeout=5)
        assert not never_sent(dropped.value)
        with pytest.raises(requests.ReadTimeout) as slow:
            requests.post(url, data=b"x", timeout=(2, 0.2))  # accepted by the backlog, no answer
        assert not never_sent(slow.value)
    assert never_sent(requests.ConnectTimeout())
    assert not never_sent(requests.RequestException())


def test_endpoint_labels_and_quoted_paths() -> None:
    assert [e.label for e in ENDPOINTS] == [
        "POST /oauth/token",
        "GET /api/v2/campaigns/{campaignId}/schedules",
        "POST /api/v2/campaigns/{campaignId}/schedules",
        "GET /api/v2/campaigns/{campaignId}/schedules/{scheduleId}",
        "PATCH /api/v2/campaigns/{campaignId}/schedules/{scheduleId}",
        "DELETE /api/v2/campaigns/{campaignId}/schedules/{scheduleId}",
        "GET /api/v2/dialer/capacity",
        "POST /api/v2/analytics/campaigns/details/query",
        "POST /api/v2/interaction/exports",
        "GET /api/v2/interaction/exports/{exportId}",
    ]
    assert LIST_SCHEDULES.path(campaignId="a/b c") == "/api/v2/campaigns/a%2Fb%20c/schedules"
    assert GET_SCHEDULE.path(campaignId="c1", scheduleId="../x?y") == (
        "/api/v2/campaigns/c1/schedules/..%2Fx%3Fy"
    )


def test_error_sentences() -> None:
    error = errors.api_error(
        "PATCH",
        "/api/v2/campaigns/c1/schedules/s1",
        412,
        2,
        {"error": "precondition_failed"},
        etag_sent='"v1"',
    )
    assert isinstance(error, errors.PreconditionFailedError)
    assert error.etag_sent == '"v1"'
    assert str(error) == (
        "PATCH /api/v2/campaigns/c1/schedules/s1 answered HTTP 412 after 2 attempts: "
        'precondition_failed (If-Match "v1"). The schedule changed since it was read; '
        "re-read it and re-plan."
    )
    rejected = errors.api_error(
        "POST",
        "/p",
        400,
        1,
        {
            "error": "invalid",
            "message": "bad body.",
            "details": [{"field": "/name", "message": "too long"}, "junk"],
        },
    )
    assert isinstance(rejected, errors.RejectedError)
    assert rejected.details == (("/name", "too long"),)
    assert str(rejected) == (
        "POST /p answered HTTP 400 after 1 attempt: invalid: bad body (/name: too long). "
        "Fix the fields named and run again."
    )
    scope = errors.api_error("GET", "/p", 403, 1, {"required": "dialer:read"})
    assert isinstance(scope, errors.ScopeError) and scope.required == "dialer:read"
    kinds = {
        status: type(errors.api_error("GET", "/p", status, 1, {}))
        for status in (401, 404, 409, 428, 429, 500, 504, 418)
    }
    assert kinds == {
        401: errors.AuthError,
        404: errors.NotFoundError,
        409: errors.ConflictError,
        428: errors.PreconditionRequiredError,
        429: errors.RateLimitedError,
        500: errors.TransientError,
        504: errors.TransientError,
        418: errors.OtherApiError,
    }
    lost = errors.TransientError("GET", "/p", None, 6, "")
    assert (
        str(lost) == "GET /p got no response after 6 attempts. "
        "The API is unavailable or slow; run again later."
    )
    assert isinstance(lost, errors.CxoneError)


def test_payload_readers() -> None:
    assert payloads.live_schedule("c1", {"id": "s1", "name": "n"}, '"e1"') == LiveSchedule(
        "c1", "s1", VersionToken('"e1"'), {"id": "s1", "name": "n"}
    )
    assert payloads.live_schedule("c1", {"id": "s1", "etag": '"b"'}, '"h"').version == '"b"'
    with pytest.raises(payloads.MalformedPayload, match="has no etag"):
        payloads.live_schedule("c1", {"id": "s1"}, None)
    with pytest.raises(payloads.MalformedPayload, match="'id' is missing or not a str"):
        payloads.live_schedule("c1", {"id": 5}, '"e"')
    assert payloads.tenant_limits({"maxConcurrentCalls": 200.0, "maxCallRate": 30}) == TenantLimits(
        200, 30.0
    )
    with pytest.raises(payloads.MalformedPayload, match="not a number"):
        payloads.tenant_limits({"maxConcurrentCalls": True, "maxCallRate": 30})
    assert payloads.schedules_page({"schedules": [], "nextPage": ""}) == ([], None)
    with pytest.raises(payloads.MalformedPayload, match="not a list of objects"):
        payloads.schedules_page({"schedules": [1]})
    buckets, token = payloads.analytics_page(
        {
            "group": [
                {"interval": "2026-01-01T00:00:00.000Z", "disposition": "BUSY", "count": 3.0}
            ],
            "nextPage": "t",
        }
    )
    assert (buckets, token) == ([AnalyticsBucket("2026-01-01T00:00:00.000Z", "BUSY", 3)], "t")
    assert payloads.export_status(
        {"id": "x", "status": "completed", "rowCount": 4.0, "downloadUrl": "u"}
    ) == (ExportStatus("x", "completed", 4, "u"))
    with pytest.raises(payloads.MalformedPayload, match="unknown export status 'lost'"):
        payloads.export_status({"id": "x", "status": "lost"})
    with pytest.raises(payloads.MalformedPayload, match="non-positive"):
        payloads.token_grant({"access_token": "t", "expires_in": 0})


def test_request_bodies() -> None:
    query = AnalyticsQuery(
        'c"1',
        "hour",
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
        schedule_id="s1",
        page_size=50,
    )
    assert payloads.analytics_body(query, "p2") == {
        "filter": 'campaign.id eq "c\\"1" and schedule.id eq "s1"',
        "groupBy": ["disposition"],
        "interval": "hour",
        "from": "2026-01-01T00:00:00Z",
        "to": "2026-01-02T00:00:00Z",
        "pageSize": 50,
        "nextPage": "p2",
    }
    assert payloads.export_body("c1", ("schedule.id", "schedule.name")) == {
        "name": "cxsched schedules of c1",
        "type": "custom",
        "columns": ["schedule.id", "schedule.name"],
        "filter": 'campaign.id eq "c1"',
    }
