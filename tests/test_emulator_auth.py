"""OAuth client credentials, token expiry and scopes of the emulator."""

from __future__ import annotations

import time

import pytest
import requests

from reconciler.emulator import Emulator
from support.emulator import EmulatorFactory, EmulatorSession

ALL = "campaigns:read campaigns:write dialer:read analytics:read interaction:read"
CAPACITY = "/api/v2/dialer/capacity"


def test_token_is_issued_for_form_encoded_credentials(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    response = emulator_session.token()
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"access_token", "token_type", "expires_in", "scope"}
    assert payload["token_type"] == "Bearer"
    assert payload["expires_in"] == 3600
    assert payload["scope"] == ALL
    assert len(payload["access_token"]) >= 24
    assert response.headers["Cache-Control"] == "no-store"
    assert emulator.count("POST /oauth/token", 200) == 1


def test_each_token_is_new(emulator_session: EmulatorSession) -> None:
    first = emulator_session.token().json()["access_token"]
    second = emulator_session.token().json()["access_token"]
    assert first != second


def test_json_body_is_refused_with_a_form_encoding_message(emulator: Emulator) -> None:
    response = requests.post(
        f"{emulator.base_url}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        },
        timeout=5,
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"] == "invalid_request"
    assert "form-encoded" in response.json()["message"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "campaigns:read everything:write"}, 400, "invalid_scope"),
    ],
)
def test_token_refusals(emulator: Emulator, form: dict[str, str], status: int, error: str) -> None:
    base = {
        "grant_type": "client_credentials",
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
    }
    response = requests.post(f"{emulator.base_url}/oauth/token", data={**base, **form}, timeout=5)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert emulator.client_secret not in response.text


def test_repeated_form_fields_are_refused(emulator: Emulator) -> None:
    response = requests.post(
        f"{emulator.base_url}/oauth/token",
        data="grant_type=client_credentials&client_id=a&client_id=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "client_id" in response.json()["message"]


def test_configured_credentials_are_used(emulator_factory: EmulatorFactory) -> None:
    emulator = emulator_factory(client_id="ci-bot", client_secret="s3cret-value")
    assert (emulator.client_id, emulator.client_secret) == ("ci-bot", "s3cret-value")
    assert "s3cret-value" not in repr(emulator)
    session = EmulatorSession(emulator)
    assert session.token().status_code == 200
    session.close()


def test_generated_secret_differs_per_emulator(emulator_factory: EmulatorFactory) -> None:
    first, second = emulator_factory(), emulator_factory()
    assert first.client_id == second.client_id == "cxsched-demo"
    assert first.client_secret != second.client_secret
    assert len(first.client_secret) >= 20


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer not-a-token", "Basic abc", "bearer  "]
)
def test_missing_or_unknown_token_is_401(emulator: Emulator, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.get(f"{emulator.base_url}{CAPACITY}", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="cxone"'
    assert emulator.count(CAPACITY.join(["GET ", ""]), 401) == 1


def test_token_expires_after_its_ttl(emulator_factory: EmulatorFactory) -> None:
    emulator = emulator_factory(token_ttl=0.5)
    session = EmulatorSession(emulator)
    assert session.token().json()["expires_in"] == 1
    assert session.call("GET", CAPACITY).status_code == 200
    time.sleep(0.6)
    assert session.call("GET", CAPACITY).status_code == 401
    emulator.set_token_ttl(60)
    assert session.token().json()["expires_in"] == 60
    assert session.call("GET", CAPACITY).status_code == 200
    session.close()


def test_expire_tokens_invalidates_every_issued_token(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    assert emulator_session.call("GET", CAPACITY).status_code == 200
    emulator.expire_tokens()
    assert emulator_session.call("GET", CAPACITY).status_code == 401
    emulator_session.token()
    assert emulator_session.call("GET", CAPACITY).status_code == 200


def test_requested_scopes_limit_the_token(emulator_session: EmulatorSession) -> None:
    granted = emulator_session.token("campaigns:read")
    assert granted.json()["scope"] == "campaigns:read"
    assert emulator_session.call("GET", "/api/v2/campaigns/c1/schedules").status_code == 200
    refused = emulator_session.call("GET", CAPACITY)
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert refused.json()["required"] == "dialer:read"


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/api/v2/campaigns/c1/schedules", "campaigns:read"),
        ("POST", "/api/v2/campaigns/c1/schedules", "campaigns:write"),
        ("GET", "/api/v2/campaigns/c1/schedules/x", "campaigns:read"),
        ("PATCH", "/api/v2/campaigns/c1/schedules/x", "campaigns:write"),
        ("DELETE", "/api/v2/campaigns/c1/schedules/x", "campaigns:write"),
        ("GET", CAPACITY, "dialer:read"),
        ("POST", "/api/v2/analytics/campaigns/details/query", "analytics:read"),
        ("POST", "/api/v2/interaction/exports", "interaction:read"),
        ("GET", "/api/v2/interaction/exports/x", "interaction:read"),
    ],
)
def test_every_endpoint_names_its_scope(
    emulator_session: EmulatorSession, method: str, path: str, scope: str
) -> None:
    others = " ".join(s for s in ALL.split() if s != scope)
    assert emulator_session.token(others).status_code == 200
    response = emulator_session.call(method, path, json={})
    assert response.status_code == 403
    assert response.json()["required"] == scope


def test_tenant_scopes_restrict_new_and_existing_tokens(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = emulator_factory(scopes=("campaigns:read", "dialer:read"))
    session = EmulatorSession(emulator)
    assert session.token().json()["scope"] == "campaigns:read dialer:read"
    assert session.token("campaigns:write").json()["error"] == "invalid_scope"
    session.token()
    assert session.call("GET", CAPACITY).status_code == 200
    emulator.set_scopes(["campaigns:read"])
    assert session.call("GET", CAPACITY).json()["required"] == "dialer:read"
    emulator.set_scopes(None)
    assert session.token().json()["scope"] == ALL
    session.close()


def test_client_env_points_a_client_at_the_emulator(emulator: Emulator) -> None:
    env = emulator.client_env()
    assert sorted(env) == ["CXONE_BASE_URL", "CXONE_CLIENT_ID", "CXONE_CLIENT_SECRET"]
    answer = requests.post(
        f"{env['CXONE_BASE_URL']}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["CXONE_CLIENT_ID"],
            "client_secret": env["CXONE_CLIENT_SECRET"],
        },
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
