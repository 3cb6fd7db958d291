"""The emulator's answers conform to its own OpenAPI 3.1 document (schemathesis).

Schemathesis generates requests from `reconciler/emulator/openapi.json` for every operation;
each answer (status code, content type, headers, body) is checked against the document. Path
campaign ids point at a seeded campaign half of the time so that successful answers are
checked too, not only 404s. A scripted scenario then walks every operation through its
successful and its notable failure answers (201, 204, 202, 401, 403, 409, 412, 428, 429, ...),
validating each answer against the document the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from reconciler.emulator import Emulator

DOCUMENT = json.loads(
    resources.files("reconciler.emulator").joinpath("openapi.json").read_text("utf-8")
)
schema = schemathesis.openapi.from_dict(DOCUMENT)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
BODY = {
    "name": "Evenings",
    "startTime": "2026-12-01T08:00:00Z",
    "endTime": "2027-03-01T00:00:00Z",
    "timeZone": "Europe/Paris",
    "blackoutPeriods": [
        {"startTime": "2026-12-24T00:00:00Z", "endTime": "2026-12-26T00:00:00Z", "reason": "x"}
    ],
    "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 5, "capacityThreshold": 1},
    "regulatoryWindows": [{"startTime": "08:00", "endTime": "21:00", "timeZone": "UTC"}],
    "optimizationSettings": {"useHistoricalAnswerRates": False, "peakHourBoost": 1.5},
}


@pytest.fixture(scope="module")
def tenant() -> Iterator[tuple[Emulator, dict[str, str], str]]:
    with Emulator(campaigns=("c1",)) as emulator:
        schedule_id = emulator.create_schedule("c1", BODY)["id"]
        form = {
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        }
        token = requests.post(f"{emulator.base_url}/oauth/token", data=form, timeout=5).json()
        yield emulator, {"Authorization": f"Bearer {token['access_token']}"}, schedule_id


def _aim(case: Any, schedule_id: str) -> None:
    params = case.path_parameters or {}
    if "campaignId" in params and len(str(params["campaignId"])) % 2 == 0:
        params["campaignId"] = "c1"
        if "scheduleId" in params:
            params["scheduleId"] = schedule_id


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_answers_match_the_openapi_document(
    case: Any, tenant: tuple[Emulator, dict[str, str], str]
) -> None:
    emulator, headers, schedule_id = tenant
    _aim(case, schedule_id)
    response = case.call(base_url=emulator.base_url, headers=headers, timeout=10)
    case.validate_response(response, checks=CHECKS)


def test_document_describes_every_endpoint_label() -> None:
    from reconciler.emulator.app import ROUTES

    documented = {
        f"{method.upper()} {path}"
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert documented == {route.label for route in ROUTES}


class _Scenario:
    """Builds explicit cases of the document's operations and checks their answers."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, status: int, **data: Any) -> schemathesis.Response:
        headers = {**self.headers, **data.pop("headers", {})}
        if method == "PATCH":
            data.setdefault("media_type", "application/json")
        case = schema[path][method].Case(headers=headers, **data)
        response = case.call(base_url=self.emulator.base_url, session=self.session, timeout=10)
        # a deliberate 5xx is checked for its shape, not for being a server error
        case.validate_response(response, checks=CHECKS if status < 500 else CHECKS[1:])
        assert response.status_code == status, response.text
        return response

    def token(self, scope: str | None = None) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.emulator.client_id,
            "client_secret": self.emulator.client_secret,
        }
        if scope is not None:
            form["scope"] = scope
        answer = self.call(
            "POST", "/oauth/token", 200, body=form, media_type="application/x-www-form-urlencoded"
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}


SCHEDULES = "/api/v2/campaigns/{campaignId}/schedules"
ONE = f"{SCHEDULES}/{{scheduleId}}"
QUERY = "/api/v2/analytics/campaigns/details/query"
EXPORTS = "/api/v2/interaction/exports"


def test_scenario_schedules_conform(emulator: Emulator) -> None:
    run = _Scenario(emulator)
    run.token()
    c1 = {"campaignId": "c1"}
    created = run.call("POST", SCHEDULES, 201, path_parameters=c1, body=BODY).json()
    run.call("POST", SCHEDULES, 409, path_parameters=c1, body=BODY)
    run.call("POST", SCHEDULES, 400, path_parameters=c1, body={**BODY, "name": ""})
    run.call("POST", SCHEDULES, 201, path_parameters=c1, body={**BODY, "name": "Second"})
    page = run.call("GET", SCHEDULES, 200, path_parameters=c1, query={"pageSize": 1}).json()
    run.call("GET", SCHEDULES, 200, path_parameters=c1, query={"nextPage": page["nextPage"]})
    run.call("GET", SCHEDULES, 400, path_parameters=c1, query={"nextPage": "nope"})
    run.call("GET", SCHEDULES, 404, path_parameters={"campaignId": "zz"})
    ids = {**c1, "scheduleId": created["id"]}
    run.call("GET", ONE, 200, path_parameters=ids)
    run.call("PATCH", ONE, 428, path_parameters=ids, body={"description": "x"})
    patched = run.call(
        "PATCH",
        ONE,
        200,
        path_parameters=ids,
        body={"description": "x", "blackoutPeriods": None},
        headers={"If-Match": created["etag"]},
        media_type="application/merge-patch+json",
    ).json()
    stale = {"If-Match": created["etag"]}
    run.call("PATCH", ONE, 412, path_parameters=ids, body={"name": "y"}, headers=stale)
    fresh = {"If-Match": patched["etag"]}
    run.call("PATCH", ONE, 409, path_parameters=ids, body={"name": "Second"}, headers=fresh)
    run.call("DELETE", ONE, 428, path_parameters=ids)
    run.call("DELETE", ONE, 412, path_parameters=ids, headers=stale)
    run.call("DELETE", ONE, 204, path_parameters=ids, headers=fresh)
    run.call("GET", ONE, 404, path_parameters=ids)


def test_scenario_reports_and_refusals_conform(emulator_factory: Any) -> None:
    emulator = emulator_factory(campaigns=("c1",), rps=50)
    emulator.create_schedule("c1", BODY)
    run = _Scenario(emulator)
    run.call("GET", "/api/v2/dialer/capacity", 401)
    run.token()
    run.call("GET", "/api/v2/dialer/capacity", 200)
    query = {
        "filter": 'campaign.id eq "c1"',
        "groupBy": ["disposition"],
        "interval": "hour",
        "from": "2026-12-01T00:00:00Z",
        "to": "2026-12-03T00:00:00Z",
        "pageSize": 10,
    }
    page = run.call("POST", QUERY, 200, body=query).json()
    run.call("POST", QUERY, 200, body={**query, "nextPage": page["nextPage"]})
    run.call("POST", QUERY, 400, body={**query, "interval": "week"})
    export = {
        "name": "all",
        "type": "custom",
        "columns": ["schedule.id", "schedule.name"],
        "filter": 'campaign.id eq "c1"',
    }
    export_id = run.call("POST", EXPORTS, 202, body=export).json()["id"]
    polls = [
        run.call("GET", f"{EXPORTS}/{{exportId}}", 200, path_parameters={"exportId": export_id})
        for _ in range(4)
    ]
    assert polls[-1].json()["status"] == "completed"
    run.call("GET", "/downloads/{file}", 200, path_parameters={"file": f"{export_id}.csv"})
    run.call("GET", "/openapi.json", 200)
    run.token("campaigns:read")
    emulator.set_rate_limit(1)
    run.call("GET", "/api/v2/dialer/capacity", 403)
    limited = run.call("GET", "/api/v2/dialer/capacity", 429)
    assert limited.headers["retry-after"] == ["1"]
    emulator.set_rate_limit(None)
    emulator.inject_faults("503", 1)
    run.call("GET", "/api/v2/dialer/capacity", 503)


def test_document_schemas_are_valid_and_examples_fit_them() -> None:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:doc", document)
    examples = 0
    for name, component in DOCUMENT["components"]["schemas"].items():
        Draft202012Validator.check_schema(component)
        validator = Draft202012Validator(
            {"$ref": f"urn:doc#/components/schemas/{name}"}, registry=registry
        )
        for example in component.get("examples", []):
            validator.validate(example)
            examples += 1
    assert examples == 4


def test_document_examples_are_accepted(emulator: Emulator) -> None:
    run = _Scenario(emulator)
    run.token()
    emulator.add_campaign("outbound-sales")
    schemas = DOCUMENT["components"]["schemas"]
    created = run.call(
        "POST",
        SCHEDULES,
        201,
        path_parameters={"campaignId": "outbound-sales"},
        body=schemas["ScheduleInput"]["examples"][0],
    ).json()
    run.call(
        "PATCH",
        ONE,
        200,
        path_parameters={"campaignId": "outbound-sales", "scheduleId": created["id"]},
        body=schemas["SchedulePatch"]["examples"][0],
        headers={"If-Match": created["etag"]},
    )
    run.call("POST", QUERY, 200, body=schemas["AnalyticsQuery"]["examples"][0])
    run.call("POST", EXPORTS, 202, body=schemas["ExportRequest"]["examples"][0])
