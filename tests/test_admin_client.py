"""The Admin API profile's client against its emulator over real HTTP: auth and habits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from reconciler.admin.errors import INVALID_PARAMETER_HINT, ItemsFailedError
from reconciler.admin.settings import AdminSettings, Redactor
from reconciler.api.errors import CredentialsRefused, NotFound, RateLimited, Rejected
from reconciler.cxone.errors import SettingsError
from reconciler.emulator.admin import AdminEmulator
from support.admin import Clock, admin_client

Factory = Callable[..., AdminEmulator]


def test_discovery_grant_and_tenant_lead_to_the_api(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        found = client.describe()
        skills = [skill.skill_id for skill in client.list_skills()]
    assert found["token_endpoint"] == f"{admin_emulator.base_url}/auth/token"
    assert found["tenant_id"] == admin_emulator.tenant.tenant_id
    assert found["api_endpoint"] == admin_emulator.base_url
    assert skills == ["4312345", "4312346", "4312347"]  # inbound and progressive left out
    assert admin_emulator.count("POST", "/auth/token", 200) == 1
    assert admin_emulator.count("GET", "/.well-known/openid-configuration", 200) == 1
    assert admin_emulator.count("GET", "/.well-known/cxone-configuration", 200) == 1


def test_access_key_with_equals_signs_is_form_encoded(admin_emulator_factory: Factory) -> None:
    emulator = admin_emulator_factory(access_key_secret="abc=def==")
    with admin_client(emulator) as client:
        assert client.read_block("4312345", "generalSettings").settings["aggressiveness"] == "3"


def test_wrong_access_key_is_refused_without_echoing_it(admin_emulator: AdminEmulator) -> None:
    with (
        admin_client(admin_emulator, CXONE_ACCESS_KEY_SECRET="wrong-secret-value") as client,
        pytest.raises(CredentialsRefused) as caught,
    ):
        client.read_block("4312345", "scheduleSettings")
    text = str(caught.value)
    assert "invalid_grant" in text and "CXONE_ACCESS_KEY_SECRET" in text
    assert "wrong-secret-value" not in text


def test_token_is_reminted_before_it_expires(admin_emulator: AdminEmulator) -> None:
    clock = Clock()
    with admin_client(admin_emulator, clock=clock) as client:
        client.read_block("4312345", "scheduleSettings")
        clock.now += 3600 - 301  # still valid: no new token
        client.read_block("4312345", "scheduleSettings")
        assert admin_emulator.count("POST", "/auth/token") == 1
        clock.now += 2  # within 300 s of expiry: re-mint first
        client.read_block("4312345", "scheduleSettings")
    assert admin_emulator.count("POST", "/auth/token") == 2
    assert admin_emulator.count("GET", "/.well-known/openid-configuration") == 1  # cached


def test_parallel_callers_share_one_mint(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        threads = [
            threading.Thread(target=client.read_block, args=("4312345", "generalSettings"))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert admin_emulator.count("POST", "/auth/token") == 1
    assert admin_emulator.count("GET", "/skills/{skillId}/parameters/general-settings", 200) == 8


def test_a_refused_token_is_reminted_once(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        client.read_block("4312345", "scheduleSettings")
        admin_emulator.revoke_tokens()
        block = client.read_block("4312345", "scheduleSettings")
    assert block.settings["monday"]["startTime"] == "08:00"
    assert admin_emulator.count("GET", "/skills/{skillId}/parameters/schedule-settings", 401) == 1
    assert admin_emulator.count("POST", "/auth/token") == 2


def test_accept_header_is_required_and_always_sent(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        client.read_block("4312345", "scheduleSettings")
        token = client.tokens.token().reveal()
    url = f"{admin_emulator.base_url}/inContactAPI/services/v30.0/skills"
    bare = requests.get(url, headers={"Authorization": f"Bearer {token}", "Accept": ""}, timeout=5)
    assert bare.status_code == 406
    assert bare.headers["icStatusDescription"] == "No known way to render data"
    refused = sum(n for (_m, _r, status), n in admin_emulator.counts.items() if status == 406)
    assert refused == 1  # only the bare request: the client always sends Accept


def test_paging_follows_links_next_and_stops_on_204(admin_emulator_factory: Factory) -> None:
    emulator = admin_emulator_factory(extra_skills=3)  # 6 PC skills, pages of 3: 3 + 3 + 204
    with admin_client(emulator) as client:
        client.settings = AdminSettings.resolve(environ=emulator.env(), env_file=None)
        object.__setattr__(client.settings, "page_size", 3)
        skills = [skill.skill_id for skill in client.list_skills()]
    assert len(skills) == 6 and len(set(skills)) == 6
    assert emulator.count("GET", "/skills", 200) == 2
    assert emulator.count("GET", "/skills", 204) == 1


def test_error_text_only_in_the_header_is_shown(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client, pytest.raises(NotFound) as caught:
        client.read_block("999", "scheduleSettings")
    assert "Skill 999 was not found" in str(caught.value)
    assert "HTTP 404" in str(caught.value)


def test_429_without_retry_after_backs_off_on_its_own(admin_emulator: AdminEmulator) -> None:
    sleeps: list[float] = []
    with admin_client(admin_emulator, sleeps=sleeps) as client:
        client.read_block("4312345", "scheduleSettings")
        admin_emulator.fail_next(429, 2)
        block = client.read_block("4312345", "generalSettings")
    assert block.settings["maximumRatio"] == "2"
    assert len(sleeps) == 2 and all(0 <= wait <= 8 for wait in sleeps)
    assert admin_emulator.count("GET", "/skills/{skillId}/parameters/general-settings", 429) == 2


def test_429_past_the_budget_is_rate_limited(admin_emulator: AdminEmulator) -> None:
    sleeps: list[float] = []
    with admin_client(admin_emulator, sleeps=sleeps) as client:
        client.read_block("4312345", "scheduleSettings")
        admin_emulator.fail_next(429, 10)
        with pytest.raises(RateLimited):
            client.read_block("4312345", "generalSettings")
    assert len(sleeps) == client.settings.max_attempts - 1


def test_highest_version_per_route_unless_pinned(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        highest = client.describe()["versions"]
    with admin_client(admin_emulator, CXONE_API_VERSION="30") as client:
        pinned = client.describe()["versions"]
        client.read_block("4312345", "timeZoneSettings")
    assert set(highest.values()) == {"v31.0"}
    assert set(pinned.values()) == {"v30.0"}
    assert admin_emulator.count("GET", "/apiversion") == 1  # the pinned client never asks


def test_a_pinned_version_the_tenant_lacks_fails_clearly(admin_emulator: AdminEmulator) -> None:
    with (
        admin_client(admin_emulator, CXONE_API_VERSION="v16.0") as client,
        pytest.raises(NotFound) as caught,
    ):
        client.read_block("4312345", "timeZoneSettings")  # time-zones exist from v17
    assert "Not found" in str(caught.value)


def test_bare_invalid_parameter_gets_a_hint(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        base = client.read_block("4312346", "scheduleSettings")
        with pytest.raises(Rejected) as caught:
            client.write_block(base, base.settings)
    assert "InvalidParameter" in str(caught.value)
    assert INVALID_PARAMETER_HINT in str(caught.value)


def test_per_item_failures_in_a_200_are_refused(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        base = client.read_block("4312345", "timeZoneSettings")
        wanted = {
            **base.settings,
            "Alaskan Standard Time": {
                "startTime": "09:00",
                "endTime": "20:00",
                "timeZoneActiveToCall": True,
            },
        }
        with pytest.raises(ItemsFailedError) as caught:
            client.write_block(base, wanted)
    assert "Alaskan Standard Time: Time zone is not enabled" in str(caught.value)
    assert isinstance(caught.value, Rejected)


def test_put_is_wrapped_times_sent_hhmm_and_unmanaged_fields_kept(
    admin_emulator: AdminEmulator,
) -> None:
    admin_emulator.edit(4312345, "generalSettings", {"minimumRetryMinutes": 95})
    with admin_client(admin_emulator) as client:
        general = client.read_block("4312345", "generalSettings")
        client.write_block(general, {**general.settings, "maximumRatio": "2.5"})
        schedule = client.read_block("4312345", "scheduleSettings")
        monday = {"isActive": True, "startTime": "9:00", "endTime": "21:00"}
        client.write_block(schedule, {**schedule.settings, "monday": monday})
    stored = admin_emulator.tenant.skills[4312345]
    assert stored.general["minimumRetryMinutes"] == 95
    assert stored.general["maximumRatio"] == 2.5
    assert stored.schedule["mondayStartTime"] == "09:00:00"  # HH:MM in, HH:MM:SS out
    assert stored.schedule["sundayStartTime"] == "00:00:00"  # an inactive day kept as read


def test_settings_need_both_credentials_and_a_safe_issuer() -> None:
    base = {
        "CXONE_CLIENT_ID": "app",
        "CXONE_CLIENT_SECRET": "s3cret-app",
        "CXONE_ACCESS_KEY_ID": "AKID",
        "CXONE_ACCESS_KEY_SECRET": "s3cret-key",
    }
    settings = AdminSettings.resolve(environ=base, env_file=None)
    assert settings.issuer == "https://cxone.niceincontact.com"
    assert "s3cret" not in repr(settings)
    missing = {k: v for k, v in base.items() if k != "CXONE_ACCESS_KEY_SECRET"}
    with pytest.raises(SettingsError, match="CXONE_ACCESS_KEY_SECRET"):
        AdminSettings.resolve(environ=missing, env_file=None)
    with pytest.raises(SettingsError, match="not loopback"):
        AdminSettings.resolve(environ={**base, "CXONE_ISSUER": "http://example.com"}, env_file=None)
    with pytest.raises(SettingsError, match="not an API version"):
        AdminSettings.resolve(environ={**base, "CXONE_API_VERSION": "latest"}, env_file=None)
    issuer = {**base, "CXONE_ISSUER": "https://user:pw@cxone.example.com/"}
    with pytest.raises(SettingsError) as refused:
        AdminSettings.resolve(environ=issuer, env_file=None)
    assert str(refused.value) == (
        "URL 'https://cxone.example.com/' must not carry user info; fix --issuer."
    )
    assert AdminSettings.resolve(environ={**base, "CXONE_RPS": "7"}, env_file=None).rps == 7.0
    with pytest.raises(SettingsError) as refused:
        AdminSettings.resolve(environ={**base, "CXONE_RPS": "fast"}, env_file=None)
    assert str(refused.value) == (
        "CXONE_RPS 'fast' (from the environment) is not a number; use e.g. 5."
    )
    with pytest.raises(SettingsError) as refused:
        AdminSettings.resolve(rps=0, environ=base, env_file=None)
    assert str(refused.value) == "CXONE_RPS (or --rps) must be above 0 and at most 1000; got 0."


def test_redactor_blanks_secrets_in_every_encoding() -> None:
    redactor = Redactor(["a+b=c/d"])
    redactor.add_basic("app", "a+b=c/d")
    text = "x a+b=c/d a%2Bb%3Dc%2Fd YStiPWMvZA YXBwOmErYj1jL2Q= \x1b[31m"
    cleaned = redactor.clean(text)
    assert "a+b" not in cleaned and "%2B" not in cleaned and "YXBwOmErYj1jL2Q" not in cleaned
    assert "\x1b" not in cleaned


def test_dialer_statistics_are_read_under_any_wrapper_key() -> None:
    from reconciler.admin.client import _interval, _stats_rows

    row = {
        "intervalStartDate": "2027-01-11T14:00:00.000Z",
        "skillId": 7,
        "dials": 10,
        "connects": 3,
    }
    for key in ("wfM_OB_StatsV9", "outboundStats", "somethingNew"):
        rows = _stats_rows({key: [row], "totalRecords": 1})
        assert rows == [row]
    assert _stats_rows({"totalRecords": 0}) is None
    parsed = _interval(row)
    assert parsed is not None and parsed.start.hour == 14 and parsed.skill_id == "7"
    assert _interval({**row, "dials": -1}) is None
    assert _interval({**row, "dials": True}) is None
    assert _interval({**row, "intervalStartDate": "yesterday"}) is None


def test_settings_come_from_flags_then_environment_then_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "CXONE_CLIENT_ID=from-file\nCXONE_CLIENT_SECRET=file-secret\n"
        "CXONE_ACCESS_KEY_ID=AKFILE\nCXONE_ACCESS_KEY_SECRET=file-key-secret\n"
        "CXONE_API_VERSION=v29.0\nCXONE_ISSUER=https://cxone-gov.niceincontact.com/\n",
        encoding="utf-8",
    )
    settings = AdminSettings.resolve(
        access_key_id="AKFLAG", environ={"CXONE_CLIENT_ID": "from-env"}, env_file=env_file
    )
    assert (settings.client_id, settings.access_key_id) == ("from-env", "AKFLAG")
    assert settings.access_key_secret.reveal() == "file-key-secret"
    assert settings.api_version == "v29.0"
    assert settings.issuer == "https://cxone-gov.niceincontact.com"


def test_config_names_the_profile(tmp_path: Path) -> None:
    from reconciler.config import ConfigError, load_repo_config

    good = tmp_path / "good.yaml"
    good.write_text("formatVersion: 1\nprofile: admin\nskills: {path: dialing}\n", "utf-8")
    repo = load_repo_config(good)
    assert repo.is_admin and repo.skills_path == Path("dialing")
    bad = tmp_path / "bad.yaml"
    bad.write_text("formatVersion: 1\nprofile: genesys\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_repo_config(bad)
    assert "bad.yaml:2:" in str(caught.value) and "schema-value" in str(caught.value)
