"""Schedules CRUD of the emulator over real HTTP: rendering, validation, ETags, paging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import Emulator, Problem
from reconciler.emulator.contract import Capacity
from reconciler.emulator.state import ScheduleStore
from support.emulator import EmulatorFactory, EmulatorSession

BODY: dict[str, Any] = {
    "name": "Evenings",
    "description": "weekday evenings",
    "startTime": "2026-12-01T08:00:00-05:00",
    "endTime": "2027-03-01T00:00:00+01:00",
    "timeZone": "America/New_York",
    "blackoutPeriods": [],
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
    "regulatoryWindows": [
        {"startTime": "08:00", "endTime": "21:00", "timeZone": "America/New_York", "enabled": True}
    ],
    "optimizationSettings": {"useHistoricalAnswerRates": True, "peakHourBoost": 1},
}
SCHEDULES = "/api/v2/campaigns/c1/schedules"


def _create(session: EmulatorSession, **changes: Any) -> dict[str, Any]:
    response = session.call("POST", SCHEDULES, json={**BODY, **changes})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_renders_utc_milliseconds_floats_and_omits_empty_lists(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    response = emulator_session.call("POST", SCHEDULES, json=BODY)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["ETag"] == created["etag"]
    assert created["etag"].startswith('"') and created["etag"].endswith('"')
    assert response.headers["Location"] == f"{emulator.base_url}{SCHEDULES}/{created['id']}"
    assert response.headers["Content-Type"] == "application/json"
    assert created["startTime"] == "2026-12-01T13:00:00.000Z"
    assert created["endTime"] == "2027-02-28T23:00:00.000Z"
    assert created["dialerSettings"] == {
        "maxConcurrentCalls": 50.0,
        "callRate": 15.0,
        "capacityThreshold": 0.8,
    }
    assert isinstance(created["dialerSettings"]["maxConcurrentCalls"], float)
    assert created["optimizationSettings"] == {
        "useHistoricalAnswerRates": True,
        "peakHourBoost": 1.0,
    }
    assert created["regulatoryWindows"][0]["startTime"] == "08:00"
    assert "blackoutPeriods" not in created
    assert created["createdAt"] == created["modifiedAt"]
    assert created["createdAt"].endswith("Z") and len(created["createdAt"]) == 24
    assert list(created) == [
        "id",
        "name",
        "description",
        "startTime",
        "endTime",
        "timeZone",
        "dialerSettings",
        "regulatoryWindows",
        "optimizationSettings",
        "createdAt",
        "modifiedAt",
        "etag",
    ]
    assert emulator.schedules("c1") == [created]


def test_blackout_dates_are_rendered_in_utc(emulator_session: EmulatorSession) -> None:
    blackout = {
        "startTime": "2026-12-24T00:00:00.123456+02:00",
        "endTime": "2026-12-26T00:00:00Z",
        "reason": "holidays",
    }
    created = _create(emulator_session, blackoutPeriods=[blackout])
    assert created["blackoutPeriods"] == [
        {
            "startTime": "2026-12-23T22:00:00.123Z",
            "endTime": "2026-12-26T00:00:00.000Z",
            "reason": "holidays",
        }
    ]


def test_read_only_fields_sent_are_ignored(emulator_session: EmulatorSession) -> None:
    created = _create(emulator_session, id="mine", etag='"x"', createdAt="2020-01-01T00:00:00Z")
    assert created["id"] != "mine"
    assert created["etag"] != '"x"'
    assert not created["createdAt"].startswith("2020")


def test_get_returns_the_schedule_and_its_etag(emulator_session: EmulatorSession) -> None:
    created = _create(emulator_session)
    response = emulator_session.call("GET", f"{SCHEDULES}/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["ETag"] == created["etag"]


def test_unknown_campaign_and_schedule_are_404(emulator_session: EmulatorSession) -> None:
    for method, path in (
        ("GET", "/api/v2/campaigns/nope/schedules"),
        ("POST", "/api/v2/campaigns/nope/schedules"),
        ("GET", f"{SCHEDULES}/missing"),
        ("PATCH", f"{SCHEDULES}/missing"),
        ("DELETE", f"{SCHEDULES}/missing"),
    ):
        response = emulator_session.call(method, path, json=BODY, headers={"If-Match": '"x"'})
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == "not_found"


def _details(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error"] == "invalid_schedule"
    return {d["field"]: d["message"] for d in payload["details"]}


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": ""}, "/name"),
        ({"name": "x" * 129}, "/name"),
        ({"name": 5}, "/name"),
        ({"description": "d" * 1025}, "/description"),
        ({"startTime": "tomorrow"}, "/startTime"),
        ({"startTime": "2026-12-01T08:00:00"}, "/startTime"),
        ({"endTime": "2026-11-01T00:00:00Z"}, "/endTime"),
        ({"timeZone": "Mars/Olympus_Mons"}, "/timeZone"),
        ({"timeZone": None, "unexpected": 1}, "/timeZone"),
        ({"colour": "red"}, "/colour"),
        ({"dialerSettings": {"maxConcurrentCalls": 201}}, "/dialerSettings/maxConcurrentCalls"),
        ({"dialerSettings": {"maxConcurrentCalls": 1.5}}, "/dialerSettings/maxConcurrentCalls"),
        ({"dialerSettings": {"maxConcurrentCalls": True}}, "/dialerSettings/maxConcurrentCalls"),
        ({"dialerSettings": {"callRate": 31}}, "/dialerSettings/callRate"),
        ({"dialerSettings": {"callRate": 0}}, "/dialerSettings/callRate"),
        ({"dialerSettings": {"callRate": "5"}}, "/dialerSettings/callRate"),
        ({"dialerSettings": {"capacityThreshold": 0}}, "/dialerSettings/capacityThreshold"),
        ({"dialerSettings": {"capacityThreshold": 1.01}}, "/dialerSettings/capacityThreshold"),
        ({"dialerSettings": {"turbo": True}}, "/dialerSettings/turbo"),
        ({"dialerSettings": []}, "/dialerSettings"),
        ({"optimizationSettings": {"peakHourBoost": 2.5}}, "/optimizationSettings/peakHourBoost"),
        ({"optimizationSettings": {"peakHourBoost": 0.9}}, "/optimizationSettings/peakHourBoost"),
        (
            {"optimizationSettings": {"useHistoricalAnswerRates": "yes"}},
            "/optimizationSettings/useHistoricalAnswerRates",
        ),
        ({"blackoutPeriods": {}}, "/blackoutPeriods"),
        (
            {"blackoutPeriods": [{"startTime": "2026-12-24T00:00:00Z"}]},
            "/blackoutPeriods/0/endTime",
        ),
        (
            {
                "blackoutPeriods": [
                    {
                        "startTime": "2026-12-24T00:00:00Z",
                        "endTime": "2026-12-25T00:00:00Z",
                        "reason": "",
                    }
                ]
            },
            "/blackoutPeriods/0/reason",
        ),
        (
            {
                "blackoutPeriods": [
                    {
                        "startTime": "2026-12-26T00:00:00Z",
                        "endTime": "2026-12-25T00:00:00Z",
                        "reason": "backwards",
                    }
                ]
            },
            "/blackoutPeriods/0/endTime",
        ),
        (
            {"regulatoryWindows": [{"startTime": "8:00", "endTime": "21:00", "timeZone": "UTC"}]},
            "/regulatoryWindows/0/startTime",
        ),
        (
            {"regulatoryWindows": [{"startTime": "21:00", "endTime": "08:00", "timeZone": "UTC"}]},
            "/regulatoryWindows/0/endTime",
        ),
        (
            {
                "regulatoryWindows": [
                    {"startTime": "08:00", "endTime": "21:00", "timeZone": "UTC", "enabled": 1}
                ]
            },
            "/regulatoryWindows/0/enabled",
        ),
        (
            {"regulatoryWindows": [{"startTime": "08:00", "endTime": "24:00", "timeZone": "X"}]},
            "/regulatoryWindows/0/timeZone",
        ),
    ],
)
def test_invalid_fields_are_400_with_their_pointer(
    emulator_session: EmulatorSession, changes: dict[str, Any], pointer: str
) -> None:
    response = emulator_session.call("POST", SCHEDULES, json={**BODY, **changes})
    details = _details(response)
    assert pointer in details
    assert pointer in response.json()["message"]


def test_missing_required_fields_are_each_reported(emulator_session: EmulatorSession) -> None:
    response = emulator_session.call("POST", SCHEDULES, json={"description": "only this"})
    assert _details(response) == {
        "/name": "is required",
        "/startTime": "is required",
        "/endTime": "is required",
        "/timeZone": "is required",
    }


def test_limits_follow_the_tenant_capacity(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator.set_capacity(40, 10.0)
    response = emulator_session.call("POST", SCHEDULES, json=BODY)
    assert set(_details(response)) == {
        "/dialerSettings/maxConcurrentCalls",
        "/dialerSettings/callRate",
    }
    emulator.set_capacity(50, 15.0)
    assert emulator_session.call("POST", SCHEDULES, json=BODY).status_code == 201


def test_duplicate_name_is_409_on_create_and_on_rename(emulator_session: EmulatorSession) -> None:
    first = _create(emulator_session)
    duplicate = emulator_session.call("POST", SCHEDULES, json=BODY)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"
    assert duplicate.json()["existingId"] == first["id"]
    second = _create(emulator_session, name="Mornings")
    rename = emulator_session.call(
        "PATCH",
        f"{SCHEDULES}/{second['id']}",
        json={"name": "Evenings"},
        headers={"If-Match": second["etag"]},
    )
    assert rename.status_code == 409
    same_name_elsewhere = emulator_session.call("POST", "/api/v2/campaigns/c2/schedules", json=BODY)
    assert same_name_elsewhere.status_code == 201


def test_patch_is_a_merge_patch_with_a_new_etag(emulator_session: EmulatorSession) -> None:
    created = _create(emulator_session, blackoutPeriods=[])
    patch = {
        "description": None,
        "dialerSettings": {"callRate": 20},
        "regulatoryWindows": [
            {"startTime": "09:00", "endTime": "20:00", "timeZone": "America/Chicago"}
        ],
        "etag": '"ignored"',
    }
    response = emulator_session.call(
        "PATCH",
        f"{SCHEDULES}/{created['id']}",
        json=patch,
        headers={"If-Match": created["etag"], "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert "description" not in patched
    assert patched["dialerSettings"] == {
        "maxConcurrentCalls": 50.0,
        "callRate": 20.0,
        "capacityThreshold": 0.8,
    }
    assert patched["regulatoryWindows"] == patch["regulatoryWindows"]
    assert patched["etag"] not in (created["etag"], '"ignored"')
    assert response.headers["ETag"] == patched["etag"]
    assert patched["createdAt"] == created["createdAt"]
    assert patched["modifiedAt"] >= created["modifiedAt"]


def test_patch_result_is_validated_as_a_whole(emulator_session: EmulatorSession) -> None:
    created = _create(emulator_session)
    for patch, pointer in (
        ({"endTime": "2026-01-01T00:00:00Z"}, "/endTime"),
        ({"name": None}, "/name"),
        ({"dialerSettings": {"callRate": 99}}, "/dialerSettings/callRate"),
    ):
        response = emulator_session.call(
            "PATCH",
            f"{SCHEDULES}/{created['id']}",
            json=patch,
            headers={"If-Match": created["etag"]},
        )
        assert pointer in _details(response)
    unchanged = emulator_session.call("GET", f"{SCHEDULES}/{created['id']}").json()
    assert unchanged == created


def test_patch_and_delete_need_the_current_etag(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    created = _create(emulator_session)
    path = f"{SCHEDULES}/{created['id']}"
    missing = emulator_session.call("PATCH", path, json={"description": "x"})
    assert missing.status_code == 428
    assert missing.json()["error"] == "precondition_required"
    assert emulator_session.call("DELETE", path).status_code == 428
    edited = emulator.edit_schedule("c1", created["id"], {"description": "from the UI"})
    stale = emulator_session.call(
        "PATCH", path, json={"description": "x"}, headers={"If-Match": created["etag"]}
    )
    assert stale.status_code == 412
    assert stale.json()["etag"] == edited["etag"]
    stale_delete = emulator_session.call("DELETE", path, headers={"If-Match": created["etag"]})
    assert stale_delete.status_code == 412
    deleted = emulator_session.call("DELETE", path, headers={"If-Match": edited["etag"]})
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert emulator.schedules("c1") == []


def test_patch_body_must_be_a_json_object(emulator_session: EmulatorSession) -> None:
    created = _create(emulator_session)
    response = emulator_session.call(
        "PATCH",
        f"{SCHEDULES}/{created['id']}",
        json=["not", "an", "object"],
        headers={"If-Match": created["etag"]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_list_pages_in_creation_order(emulator_session: EmulatorSession) -> None:
    made = [_create(emulator_session, name=f"wave {i}")["id"] for i in range(5)]
    seen: list[str] = []
    pages = 0
    query = "?pageSize=2"
    while True:
        response = emulator_session.call("GET", SCHEDULES + query)
        assert response.status_code == 200
        page = response.json()
        pages += 1
        seen += [s["id"] for s in page["schedules"]]
        if "nextPage" not in page:
            break
        query = f"?pageSize=2&nextPage={page['nextPage']}"
    assert (seen, pages) == (made, 3)


def test_list_defaults_to_100_and_exact_pages_have_no_next(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    for i in range(101):
        emulator.create_schedule("c2", {**BODY, "name": f"s{i}"})
    first = emulator_session.call("GET", "/api/v2/campaigns/c2/schedules").json()
    assert len(first["schedules"]) == 100
    rest = emulator_session.call(
        "GET", f"/api/v2/campaigns/c2/schedules?nextPage={first['nextPage']}"
    ).json()
    assert [s["name"] for s in rest["schedules"]] == ["s100"]
    assert "nextPage" not in rest
    whole = emulator_session.call("GET", "/api/v2/campaigns/c2/schedules?pageSize=101").json()
    assert len(whole["schedules"]) == 101 and "nextPage" not in whole
    empty = emulator_session.call("GET", SCHEDULES).json()
    assert empty == {"schedules": []}


@pytest.mark.parametrize("query", ["pageSize=0", "pageSize=501", "pageSize=abc", "pageSize=1e9"])
def test_page_size_out_of_range_is_400(emulator_session: EmulatorSession, query: str) -> None:
    response = emulator_session.call("GET", f"{SCHEDULES}?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_page_size"
    assert response.json()["details"][0]["field"] == "/pageSize"


@pytest.mark.parametrize("token", ["garbage", "eyJrIjoiYW5hbHl0aWNzIn0", "%FF%FE", "bnVsbA"])
def test_garbage_page_token_is_400(emulator_session: EmulatorSession, token: str) -> None:
    response = emulator_session.call("GET", f"{SCHEDULES}?nextPage={token}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_page_token"


def test_page_token_of_another_campaign_is_400(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    for i in range(3):
        emulator.create_schedule("c1", {**BODY, "name": f"s{i}"})
    token = emulator_session.call("GET", f"{SCHEDULES}?pageSize=1").json()["nextPage"]
    other = emulator_session.call("GET", f"/api/v2/campaigns/c2/schedules?nextPage={token}")
    assert other.status_code == 400


def test_admin_face_creates_edits_and_refuses_like_the_api(emulator: Emulator) -> None:
    created = emulator.create_schedule("c1", BODY)
    assert created["startTime"] == "2026-12-01T13:00:00.000Z"
    edited = emulator.edit_schedule("c1", created["id"], {"dialerSettings": {"callRate": 1}})
    assert edited["dialerSettings"]["callRate"] == 1.0
    assert edited["etag"] != created["etag"]
    with pytest.raises(Problem) as invalid:
        emulator.create_schedule("c1", {**BODY, "name": ""})
    assert invalid.value.status == 400
    assert invalid.value.details == (("/name", "must be 1 to 128 characters long, got 0"),)
    with pytest.raises(Problem) as missing:
        emulator.edit_schedule("c1", "nope", {})
    assert missing.value.status == 404
    with pytest.raises(Problem):
        emulator.schedules("no-such-campaign")
    emulator.add_campaign("c9")
    assert emulator.schedules("c9") == []


def test_seed_dir_subfolders_are_campaigns(
    emulator_factory: EmulatorFactory, tmp_path: Any
) -> None:
    for name in ("alpha", "beta", ".hidden"):
        (tmp_path / name).mkdir()
    (tmp_path / "README.md").write_text("not a campaign")
    emulator = emulator_factory(seed_dir=tmp_path, campaigns=("gamma",))
    assert emulator.schedules("alpha") == emulator.schedules("gamma") == []
    with pytest.raises(Problem):
        emulator.schedules(".hidden")


def test_names_are_free_again_after_a_rename_or_delete_and_known_after_a_restore(
    tmp_path: Path,
) -> None:
    def body(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "startTime": "2027-01-04T08:00:00-05:00",
            "endTime": "2027-03-31T20:00:00-04:00",
            "timeZone": "America/New_York",
            "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 12, "capacityThreshold": 0.8},
        }

    state = tmp_path / "state.json"
    store = ScheduleStore(["c1"], Capacity(200, 30.0), state)
    first = store.create("c1", body("A"), "create")
    second = store.create("c1", body("B"), "create")
    with pytest.raises(Problem, match="already has a schedule named 'A'"):
        store.create("c1", body("A"), "create")
    store.update("c1", first["id"], {"name": "A2"}, first["etag"], "rename")
    store.create("c1", body("A"), "create")  # the old name is free
    store.delete("c1", second["id"], store.get("c1", second["id"])["etag"], "delete")
    store.create("c1", body("B"), "create")  # so is a deleted one's
    restored = ScheduleStore([], Capacity(200, 30.0), state)
    for name in ("A", "A2", "B"):
        with pytest.raises(Problem, match=f"already has a schedule named '{name}'"):
            restored.create("c1", body(name), "create")
    assert sorted(item["name"] for item in restored.schedules("c1")) == ["A", "A2", "B"]
