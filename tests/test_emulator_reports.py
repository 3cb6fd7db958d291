"""Analytics history and interaction exports of the emulator."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from reconciler.emulator import Emulator
from support.emulator import EmulatorFactory, EmulatorSession

QUERY = "/api/v2/analytics/campaigns/details/query"
EXPORTS = "/api/v2/interaction/exports"
DISPOSITIONS = {"ANSWERED", "NO_ANSWER", "BUSY", "VOICEMAIL", "ABANDONED", "FAILED"}
BODY = {
    "name": "Evenings",
    "startTime": "2026-10-01T00:00:00Z",
    "endTime": "2026-11-01T00:00:00Z",
    "timeZone": "Europe/Paris",
}


def _query(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "filter": 'campaign.id eq "c1"',
        "groupBy": ["disposition"],
        "interval": "hour",
        "from": "2026-10-05T00:00:00Z",
        "to": "2026-10-19T00:00:00Z",
        "pageSize": 5000,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def _all_buckets(session: EmulatorSession, body: dict[str, Any]) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = []
    for _ in range(100):
        response = session.call("POST", QUERY, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        buckets += page["group"]
        if "nextPage" not in page:
            return buckets
        body = {**body, "nextPage": page["nextPage"]}
    raise AssertionError("too many pages")


def _rates(buckets: list[dict[str, Any]], zone: str) -> dict[tuple[bool, int], float]:
    attempts: dict[tuple[bool, int], int] = defaultdict(int)
    answered: dict[tuple[bool, int], int] = defaultdict(int)
    for bucket in buckets:
        local = datetime.fromisoformat(bucket["interval"]).astimezone(ZoneInfo(zone))
        key = (local.weekday() >= 5, local.hour)
        attempts[key] += bucket["count"]
        if bucket["disposition"] == "ANSWERED":
            answered[key] += bucket["count"]
    return {key: answered[key] / attempts[key] for key in attempts}


def test_hourly_history_follows_the_local_answer_rate_curve(
    emulator_session: EmulatorSession,
) -> None:
    buckets = _all_buckets(emulator_session, _query())
    assert {b["disposition"] for b in buckets} == DISPOSITIONS
    assert all(b["count"] > 0 for b in buckets)
    assert all(b["interval"].endswith(":00:00.000Z") for b in buckets)
    rates = _rates(buckets, "America/New_York")
    assert {hour for _, hour in rates} == set(range(8, 21))
    weekday = {hour: rate for (weekend, hour), rate in rates.items() if not weekend}
    weekend = {hour: rate for (weekend, hour), rate in rates.items() if weekend}
    assert max(weekday, key=lambda h: weekday[h]) == 18
    assert 0.12 <= weekday[9] <= 0.2 and 0.34 <= weekday[12] <= 0.4
    assert 0.42 <= weekday[18] <= 0.48
    assert 11 <= max(weekend, key=lambda h: weekend[h]) <= 14
    assert max(weekend.values()) - min(weekend.values()) < 0.26


def test_history_is_deterministic_per_seed(emulator_factory: EmulatorFactory) -> None:
    runs = []
    for seed in (1, 1, 2):
        emulator = emulator_factory(campaigns=("c1",), seed=seed)
        session = EmulatorSession(emulator)
        runs.append(_all_buckets(session, _query(interval="day")))
        session.close()
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_hourly_attempts_are_in_the_hundreds(emulator_session: EmulatorSession) -> None:
    buckets = _all_buckets(emulator_session, _query(to="2026-10-06T00:00:00Z"))
    per_hour: dict[str, int] = defaultdict(int)
    for bucket in buckets:
        per_hour[bucket["interval"]] += bucket["count"]
    assert len(per_hour) == 13
    assert all(216 <= n <= 440 for n in per_hour.values())  # a Sunday evening hour, then Monday


def test_daily_buckets_are_sums_of_hourly_ones(emulator_session: EmulatorSession) -> None:
    hourly = _all_buckets(emulator_session, _query())
    daily = _all_buckets(emulator_session, _query(interval="day"))
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for bucket in hourly:
        day = bucket["interval"][:10] + "T00:00:00.000Z"
        sums[(day, bucket["disposition"])] += bucket["count"]
    assert {(b["interval"], b["disposition"]): b["count"] for b in daily} == sums
    assert len({b["interval"] for b in daily}) == 14
    keys = [(b["interval"], b["disposition"]) for b in daily]
    assert keys == sorted(keys)


def test_campaign_zone_comes_from_its_first_schedule(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator.create_schedule("c1", BODY)
    rates = _rates(_all_buckets(emulator_session, _query()), "Europe/Paris")
    assert {hour for _, hour in rates} == set(range(8, 21))


def test_schedule_filter_gives_shares_within_its_span(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    first = emulator.create_schedule("c1", BODY)
    second = emulator.create_schedule(
        "c1", {**BODY, "name": "Late", "startTime": "2026-10-12T00:00:00Z"}
    )
    whole = _all_buckets(emulator_session, _query())
    shares = [
        _all_buckets(
            emulator_session, _query(filter=f'campaign.id eq "c1" and schedule.id eq "{s["id"]}"')
        )
        for s in (first, second)
    ]
    assert all(b["interval"] >= "2026-10-12" for b in shares[1])
    combined: dict[tuple[str, str], int] = defaultdict(int)
    for share in shares:
        for bucket in share:
            combined[(bucket["interval"], bucket["disposition"])] += bucket["count"]
    assert combined == {(b["interval"], b["disposition"]): b["count"] for b in whole}
    assert sum(b["count"] for b in shares[1]) > 0


def test_analytics_pages(emulator: Emulator, emulator_session: EmulatorSession) -> None:
    first = emulator_session.call("POST", QUERY, json=_query(pageSize=100)).json()
    assert len(first["group"]) == 100
    everything = _all_buckets(emulator_session, _query(pageSize=100))
    assert everything == _all_buckets(emulator_session, _query())
    pages = emulator.count("POST " + QUERY, 200)
    assert pages == 1 + -(-len(everything) // 100) + 1
    default = emulator_session.call("POST", QUERY, json=_query(pageSize=None)).json()
    assert len(default["group"]) == 1000


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"filter": 'campaign.id eq "c1" or true'}, "/filter"),
        ({"filter": "campaign.id eq c1"}, "/filter"),
        ({"filter": 'campaign.id eq "nope"'}, "/filter"),
        ({"filter": 'campaign.id eq "c1" and schedule.id eq "nope"'}, "/filter"),
        ({"filter": None}, "/filter"),
        ({"groupBy": ["hour"]}, "/groupBy"),
        ({"interval": "week"}, "/interval"),
        ({"from": "yesterday"}, "/from"),
        ({"to": "2026-10-01T00:00:00"}, "/to"),
        ({"to": "2026-10-05T00:00:00Z"}, "/to"),
        ({"from": "2020-01-01T00:00:00Z"}, "/to"),
        ({"pageSize": 5001}, "/pageSize"),
        ({"pageSize": 0}, "/pageSize"),
        ({"pageSize": True}, "/pageSize"),
        ({"nextPage": "garbage"}, "/nextPage"),
        ({"nextPage": 3}, "/nextPage"),
        ({"extra": 1}, "/extra"),
    ],
)
def test_bad_queries_are_400(
    emulator_session: EmulatorSession, changes: dict[str, Any], pointer: str
) -> None:
    response = emulator_session.call("POST", QUERY, json=_query(**changes))
    assert response.status_code == 400, response.text
    assert pointer in [d["field"] for d in response.json()["details"]]


def test_page_token_of_another_query_is_400(emulator_session: EmulatorSession) -> None:
    token = emulator_session.call("POST", QUERY, json=_query(pageSize=10)).json()["nextPage"]
    other = emulator_session.call("POST", QUERY, json=_query(interval="day", nextPage=token))
    assert other.status_code == 400
    assert other.json()["error"] == "invalid_page_token"


def _export(session: EmulatorSession, **changes: Any) -> requests.Response:
    body = {
        "name": "schedules",
        "type": "custom",
        "columns": ["schedule.id", "schedule.name", "schedule.timeZone"],
        "filter": 'campaign.id eq "c1"',
        **changes,
    }
    return session.call("POST", EXPORTS, json=body)


def test_export_moves_queued_running_completed(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    made = [emulator.create_schedule("c1", {**BODY, "name": f"s{i}"}) for i in range(3)]
    started = _export(emulator_session)
    assert started.status_code == 202
    export_id = started.json()["id"]
    assert started.json() == {"id": export_id, "status": "queued"}
    assert started.headers["Location"] == f"{emulator.base_url}{EXPORTS}/{export_id}"
    polls = [emulator_session.call("GET", f"{EXPORTS}/{export_id}").json() for _ in range(5)]
    assert [p["status"] for p in polls] == [
        "queued",
        "running",
        "running",
        "completed",
        "completed",
    ]
    done = polls[-1]
    assert done["rowCount"] == 3
    assert done["downloadUrl"] == f"{emulator.base_url}/downloads/{export_id}.csv"
    assert "rowCount" not in polls[1]
    csv = requests.get(done["downloadUrl"], timeout=5)
    assert csv.status_code == 200
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines() == ["schedule.id,schedule.name,schedule.timeZone"] + [
        f"{s['id']},{s['name']},Europe/Paris" for s in made
    ]


def test_download_before_completion_or_unknown_is_404(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    export_id = _export(emulator_session).json()["id"]
    early = requests.get(f"{emulator.base_url}/downloads/{export_id}.csv", timeout=5)
    assert early.status_code == 404
    for _ in range(4):
        emulator_session.call("GET", f"{EXPORTS}/{export_id}")
    assert requests.get(f"{emulator.base_url}/downloads/{export_id}", timeout=5).status_code == 404
    assert requests.get(f"{emulator.base_url}/downloads/x.csv", timeout=5).status_code == 404


def test_unknown_export_is_404(emulator_session: EmulatorSession) -> None:
    response = emulator_session.call("GET", f"{EXPORTS}/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"type": "standard"}, "/type"),
        ({"name": ""}, "/name"),
        ({"columns": []}, "/columns"),
        ({"columns": "schedule.id"}, "/columns"),
        ({"columns": ["schedule.id", "agent.name"]}, "/columns/1"),
        ({"filter": 'campaign.id eq "zz"'}, "/filter"),
        ({"filter": "everything"}, "/filter"),
        ({"format": "csv"}, "/format"),
    ],
)
def test_bad_export_requests_are_400(
    emulator_session: EmulatorSession, changes: dict[str, Any], pointer: str
) -> None:
    response = _export(emulator_session, **changes)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_export"
    assert pointer in [d["field"] for d in response.json()["details"]]


def test_history_ignores_the_wall_clock() -> None:
    from reconciler.emulator.analytics import history

    start = datetime(2030, 1, 7, tzinfo=UTC)
    end = datetime(2030, 1, 8, tzinfo=UTC)
    first = history(seed=5, campaign_id="c", schedules=[], interval="day", start=start, end=end)
    again = history(seed=5, campaign_id="c", schedules=[], interval="day", start=start, end=end)
    assert first == again and len(first) == 6
