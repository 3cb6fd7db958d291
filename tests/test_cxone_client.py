"""Every call of the contract through `CxoneClient`, against the emulator over real HTTP."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from reconciler.api.protocol import AnalyticsQuery, ScheduleAPI
from reconciler.cxone import (
    ConflictError,
    CxoneClient,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    RejectedError,
    Secret,
    Settings,
)
from reconciler.emulator import Emulator
from reconciler.model import LiveSchedule, TenantLimits, VersionToken

SCHEDULES = "/api/v2/campaigns/{campaignId}/schedules"
ONE = SCHEDULES + "/{scheduleId}"
BODY: dict[str, Any] = {
    "name": "Weekday mornings",
    "description": "first wave",
    "startTime": "2026-12-01T08:00:00-05:00",
    "endTime": "2026-12-01T12:00:00-05:00",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 5, "capacityThreshold": 0.8},
}


def _settings(emu: Emulator, **overrides: Any) -> Settings:
    base = Settings(emu.base_url, emu.client_id, Secret(emu.client_secret), rps=500.0)
    return replace(base, **overrides)


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    """The shared fixture's emulator, with campaigns c1 and c2."""
    return emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[CxoneClient]:
    with CxoneClient(_settings(emu)) as api:
        yield api


def test_the_client_is_a_schedule_api(client: CxoneClient) -> None:
    api: ScheduleAPI = client
    assert list(api.list_schedules("c2")) == []


def test_create_get_update_delete_round_trip(emu: Emulator, client: CxoneClient) -> None:
    created = client.create_schedule("c1", BODY)
    assert created.campaign_id == "c1"
    assert created.body["startTime"] == "2026-12-01T13:00:00.000Z"
    assert created.version == created.body["etag"]
    fetched = client.get_schedule("c1", created.schedule_id)
    assert fetched == created
    updated = client.update_schedule(
        "c1", created.schedule_id, {"dialerSettings": {"callRate": 7}}, created.version
    )
    assert updated.version != created.version
    assert updated.body["dialerSettings"] == {
        "maxConcurrentCalls": 10.0,
        "callRate": 7.0,
        "capacityThreshold": 0.8,
    }
    client.delete_schedule("c1", created.schedule_id, updated.version)
    assert emu.schedules("c1") == []
    with pytest.raises(NotFoundError) as caught:
        client.get_schedule("c1", created.schedule_id)
    assert str(caught.value).startswith(
        f"GET /api/v2/campaigns/c1/schedules/{created.schedule_id} answered HTTP 404 after 1 "
        "attempt: "
    )
    assert str(caught.value).endswith(". Check the campaign, schedule or export id.")
    assert client.call_counts() == {
        ("POST /oauth/token", 200): 1,
        (f"POST {SCHEDULES}", 201): 1,
        (f"GET {ONE}", 200): 1,
        (f"PATCH {ONE}", 200): 1,
        (f"DELETE {ONE}", 204): 1,
        (f"GET {ONE}", 404): 1,
    }
    assert emu.counters() == client.call_counts()


def test_list_follows_next_page_one_call_per_page(emu: Emulator) -> None:
    made = [emu.create_schedule("c1", {**BODY, "name": f"wave {i}"}) for i in range(5)]
    with CxoneClient(_settings(emu, page_size=2)) as client:
        live = list(client.list_schedules("c1"))
    assert sorted(s.schedule_id for s in live) == sorted(m["id"] for m in made)
    assert all(isinstance(s, LiveSchedule) and s.version.startswith('"') for s in live)
    assert emu.count(endpoint=f"GET {SCHEDULES}") == 3


def test_list_is_lazy_one_page_at_a_time(emu: Emulator) -> None:
    for i in range(3):
        emu.create_schedule("c1", {**BODY, "name": f"wave {i}"})
    with CxoneClient(_settings(emu, page_size=2)) as client:
        pages = client.list_schedules("c1")
        next(pages)
        assert emu.count(endpoint=f"GET {SCHEDULES}") == 1


def test_unknown_campaign_is_not_found(client: CxoneClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        list(client.list_schedules("no such/campaign"))
    assert caught.value.path == "/api/v2/campaigns/no%20such%2Fcampaign/schedules"
    assert (caught.value.method, caught.value.status, caught.value.attempts) == ("GET", 404, 1)


def test_stale_etag_is_precondition_failed(emu: Emulator, client: CxoneClient) -> None:
    created = client.create_schedule("c1", BODY)
    emu.edit_schedule("c1", created.schedule_id, {"description": "edited in the UI"})
    with pytest.raises(PreconditionFailedError) as caught:
        client.update_schedule("c1", created.schedule_id, {"description": "ours"}, created.version)
    assert caught.value.etag_sent == created.version
    assert (caught.value.status, caught.value.attempts) == (412, 1)
    assert f"(If-Match {created.version}). The schedule changed since it was read" in str(
        caught.value
    )
    with pytest.raises(PreconditionFailedError):
        client.delete_schedule("c1", created.schedule_id, created.version)
    assert [s["description"] for s in emu.schedules("c1")] == ["edited in the UI"]


def test_write_without_if_match_is_precondition_required(client: CxoneClient) -> None:
    created = client.create_schedule("c1", BODY)
    with pytest.raises(PreconditionRequiredError) as caught:
        client.delete_schedule("c1", created.schedule_id, VersionToken(""))
    assert caught.value.status == 428


def test_duplicate_name_is_a_conflict(client: CxoneClient) -> None:
    client.create_schedule("c1", BODY)
    with pytest.raises(ConflictError) as caught:
        client.create_schedule("c1", BODY)
    assert (caught.value.method, caught.value.status) == ("POST", 409)
    assert str(caught.value).endswith(
        "Another schedule of the campaign has that name; re-read the live state and re-plan."
    )


def test_invalid_body_is_rejected_with_field_details(client: CxoneClient) -> None:
    with pytest.raises(RejectedError) as caught:
        client.create_schedule("c1", {**BODY, "timeZone": "Mars/Olympus"})
    assert caught.value.details == (
        ("/timeZone", "unknown IANA time zone 'Mars/Olympus', e.g. America/New_York"),
    )
    assert "(/timeZone: unknown IANA time zone 'Mars/Olympus'" in str(caught.value)


def test_tenant_limits(emu: Emulator, client: CxoneClient) -> None:
    emu.set_capacity(150, 25.5)
    assert client.tenant_limits() == TenantLimits(150, 25.5)


def test_analytics_follow_pages(emu: Emulator, client: CxoneClient) -> None:
    query = AnalyticsQuery(
        "c1", "hour", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", page_size=40
    )
    buckets = list(client.query_analytics(query))
    pages = emu.count(endpoint="POST /api/v2/analytics/campaigns/details/query", status=200)
    assert pages == -(-len(buckets) // 40) and pages > 1
    assert {b.disposition for b in buckets} <= {
        "ANSWERED",
        "NO_ANSWER",
        "BUSY",
        "VOICEMAIL",
        "ABANDONED",
        "FAILED",
    }
    assert all(b.count >= 0 and b.interval.endswith("Z") for b in buckets)


def test_export_moves_to_completed(client: CxoneClient) -> None:
    client.create_schedule("c1", BODY)
    columns = ("schedule.id", "schedule.name")
    started = client.start_export("c1", columns)
    assert started.status == "queued"
    states: list[str] = [started.status]
    for _ in range(10):
        status = client.get_export(started.export_id)
        states.append(status.status)
        if status.status == "completed":
            break
    assert states[-1] == "completed"
    assert status.row_count == 1
    with pytest.raises(NotFoundError):
        client.get_export("nope")


def test_one_info_line_per_request(
    emu: Emulator, client: CxoneClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="reconciler.cxone"):
        list(client.list_schedules("c1"))
        with pytest.raises(NotFoundError):
            client.get_schedule("c1", "s?x")
    lines = [re.sub(r" \d+ms ", " Nms ", r.getMessage()) for r in caplog.records]
    assert lines == [
        "POST /oauth/token 200 Nms attempt 1",
        "GET /api/v2/campaigns/c1/schedules 200 Nms attempt 1",
        "GET /api/v2/campaigns/c1/schedules/s%3Fx 404 Nms attempt 1",
    ]
    assert {r.name for r in caplog.records} == {"reconciler.cxone"}
