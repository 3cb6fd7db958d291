"""The Admin API emulator's own behaviour: discovery shapes, refusals, the editor, versions."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from reconciler.emulator.admin import AdminEmulator
from support.admin import admin_client


def _token(emulator: AdminEmulator) -> dict[str, str]:
    with admin_client(emulator) as client:
        token = client.tokens.token().reveal()
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def test_discovery_documents_name_the_token_and_api_endpoints(
    admin_emulator: AdminEmulator,
) -> None:
    base = admin_emulator.base_url
    oidc = requests.get(f"{base}/.well-known/openid-configuration", timeout=5).json()
    assert oidc["token_endpoint"] == f"{base}/auth/token"
    assert oidc["token_endpoint_auth_methods_supported"] == ["client_secret_basic"]
    tenant = admin_emulator.tenant.tenant_id
    found = requests.get(
        f"{base}/.well-known/cxone-configuration", params={"tenantId": tenant}, timeout=5
    )
    assert found.json()["api_endpoint"] == base
    unknown = requests.get(
        f"{base}/.well-known/cxone-configuration", params={"tenantId": "x"}, timeout=5
    )
    assert unknown.status_code == 404


def test_token_endpoint_wants_basic_client_auth_and_the_password_grant(
    admin_emulator: AdminEmulator,
) -> None:
    url = f"{admin_emulator.base_url}/auth/token"
    form = {
        "grant_type": "password",
        "username": admin_emulator.access_key_id,
        "password": admin_emulator.access_key_secret,
    }
    in_body = {**form, "client_id": admin_emulator.client_id}
    assert requests.post(url, data=in_body, timeout=5).status_code == 401
    basic = (admin_emulator.client_id, admin_emulator.client_secret)
    credentials = {**form, "grant_type": "client_credentials"}
    assert requests.post(url, data=credentials, auth=basic, timeout=5).json() == {
        "error": "unsupported_grant_type"
    }
    granted = requests.post(url, data=form, auth=basic, timeout=5).json()
    assert granted["token_type"] == "Bearer" and granted["expires_in"] == 3600
    assert granted["id_token"].count(".") == 2 and "refresh_token" in granted


def test_refusals_are_bounded_and_header_only(admin_emulator: AdminEmulator) -> None:
    headers = _token(admin_emulator)
    api = f"{admin_emulator.base_url}/inContactAPI/services/v30.0"
    block = f"{api}/skills/4312345/parameters/schedule-settings"
    garbage = requests.put(block, data=b"{not json", headers=headers, timeout=5)
    assert garbage.status_code == 400 and garbage.content == b""
    assert garbage.headers["icStatusDescription"] == "The request body is not valid JSON"
    bad_time = {"scheduleSettings": {"mondayStartTime": "25:00"}}
    refused = requests.put(block, json=bad_time, headers=headers, timeout=5)
    assert refused.status_code == 400
    assert refused.headers["icStatusDescription"] == "Invalid time for mondayStartTime"
    huge = requests.put(block, data=b"x" * (2 << 20), headers=headers, timeout=10)
    assert huge.status_code == 413
    assert requests.get(f"{api}/nowhere", headers=headers, timeout=5).status_code == 404
    assert requests.delete(block, headers=headers, timeout=5).status_code == 405
    inbound = requests.get(
        f"{api}/skills/1001/parameters/general-settings", headers=headers, timeout=5
    )
    assert inbound.status_code == 404  # not a PC skill
    too_new = f"{admin_emulator.base_url}/inContactAPI/services/v99.0/skills"
    assert requests.get(too_new, headers=headers, timeout=5).status_code == 404


def test_the_admin_ui_editor_changes_a_skill_on_a_timer(
    admin_emulator_factory: Callable[..., AdminEmulator],
) -> None:
    emulator = admin_emulator_factory(editor_interval=0.05)
    deadline = time.monotonic() + 5
    while emulator.tenant.skills[4312345].general["maximumRatio"] == 2.0:
        assert time.monotonic() < deadline, "the editor never edited"
        time.sleep(0.02)
    assert emulator.tenant.skills[4312345].general["maximumRatio"] in (1.0, 3.0, 4.0, 5.0)


def test_the_rate_limit_answers_429_without_retry_after(
    admin_emulator_factory: Callable[..., AdminEmulator],
) -> None:
    emulator = admin_emulator_factory(rps=1)
    headers = _token(emulator)
    url = f"{emulator.base_url}/inContactAPI/services/v30.0/timezones"
    answers = [requests.get(url, headers=headers, timeout=5) for _ in range(3)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and all("Retry-After" not in a.headers for a in limited)
