"""The whole flow of the admin profile through the CLI against the Admin API emulator.

import -> validate -> plan (no changes) -> edit -> plan with field diffs -> saved plan -> apply
-> plan (no changes) -> audit verify, then conflicts with the emulator's "admin UI" editor,
a server that normalises a value, a gated block, refused zones, doctor, and secrets.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote_plus

import requests

from reconciler.emulator.admin import AdminEmulator
from support.admin import admin_client, run_cli

SKILL = "skills/4312345.yaml"


def _edit(path: str, old: str, new: str) -> None:
    text = Path(path).read_text(encoding="utf-8")
    assert old in text, old
    Path(path).write_text(text.replace(old, new), encoding="utf-8")


def _records(root: Path) -> list[dict[str, object]]:
    lines = (root / "audit" / "trail.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_import_plan_apply_converge(admin_emulator: AdminEmulator, admin_repo: Path) -> None:
    imported = run_cli(admin_emulator, "import", "--skill", "4312345")
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == f"wrote {SKILL}  (skill 4312345)\n"
    text = Path(SKILL).read_text(encoding="utf-8")
    assert "kind: SkillDialingSettings" in text
    assert '  - {timeZone: "America/Chicago", startTime: "08:00", endTime: "21:00"' in text
    assert "  sunday: {isActive: false}\n" in text

    assert run_cli(admin_emulator, "validate").exit_code == 0
    fresh = run_cli(admin_emulator, "plan", "--detailed-exitcode")
    assert fresh.exit_code == 0, fresh.output
    assert fresh.stdout.endswith("No changes: 3 block(s) already as declared.\n")

    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
    _edit(
        SKILL,
        'monday: {isActive: true, startTime: "08:00", endTime: "20:00"}',
        'monday: {isActive: true, startTime: "8:00", endTime: "21:00"}',
    )
    _edit(
        SKILL,
        "  sunday: {isActive: false}",
        '  sunday: {isActive: true, startTime: "12:00", endTime: "17:00"}',
    )
    planned = run_cli(admin_emulator, "plan", "--out", "plan.json", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert planned.stdout == (
        "skill 4312345 (skills/4312345.yaml)\n"
        "  ~ scheduleSettings\n"
        '      /monday/endTime: "20:00" -> "21:00"\n'
        '      /sunday/endTime: (absent) -> "17:00"\n'
        "      /sunday/isActive: false -> true\n"
        '      /sunday/startTime: (absent) -> "12:00"\n'
        "  = timeZoneSettings: no changes\n"
        "  ~ generalSettings\n"
        '      /maximumRatio: "2" -> "2.5"\n'
        "Plan: 2 block(s) of 1 skill(s) to update, 1 unchanged.\n"
    )
    saved = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    assert [b["baseVersion"][:7] for b in saved["blocks"]] == ["sha256:"] * 3

    applied = run_cli(admin_emulator, "apply", "plan.json")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout == (
        "applied         skill 4312345 scheduleSettings\n"
        "applied         skill 4312345 generalSettings\n"
        "Apply: 2 of 2 block(s) done.\n"
    )
    stored = admin_emulator.tenant.skills[4312345]
    assert stored.schedule["sundayStartTime"] == "12:00:00"
    assert stored.general["minimumRetryMinutes"] == 60  # unmanaged, sent back as read
    assert run_cli(admin_emulator, "plan", "--detailed-exitcode").exit_code == 0

    records = _records(admin_repo)
    writes = [(r["block"], r["phase"], r["result"]) for r in records if r["event"] == "write"]
    assert writes == [
        ("scheduleSettings", "intent", None),
        ("scheduleSettings", "outcome", "applied"),
        ("generalSettings", "intent", None),
        ("generalSettings", "outcome", "applied"),
    ]
    verified = run_cli(admin_emulator, "audit", "verify")
    assert verified.exit_code == 0 and "OK" in verified.stdout

    again = run_cli(admin_emulator, "apply", "plan.json")  # re-applying the same plan: a no-op
    assert again.exit_code == 0
    assert "already-applied" in again.stdout
    assert admin_emulator.count("PUT", "/skills/{skillId}/parameters/general-settings") == 1


def test_admin_ui_edit_after_the_plan_is_a_conflict(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
    assert run_cli(admin_emulator, "plan", "--out", "plan.json").exit_code == 0
    admin_emulator.edit(4312345, "generalSettings", {"maximumRatio": 3.0, "aggressiveness": "4"})
    result = run_cli(admin_emulator, "apply", "plan.json")
    assert result.exit_code == 1
    assert "conflict        skill 4312345 generalSettings: changed on the tenant" in result.stdout
    assert '    /maximumRatio: base "2" | live now "3" | desired "2.5"' in result.stdout
    assert '    /aggressiveness: base "3" | live now "4" | desired "3"' in result.stdout
    assert admin_emulator.count("PUT", "/skills/{skillId}/parameters/general-settings") == 0
    assert admin_emulator.tenant.skills[4312345].general["maximumRatio"] == 3.0
    conflict = [r for r in _records(admin_repo) if r["result"] == "conflict"]
    assert conflict and conflict[0]["three_way"]


def test_a_value_the_server_normalises_is_reported_as_such(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.56\n")  # the tenant keeps one decimal
    result = run_cli(admin_emulator, "apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert (
        "normalised      skill 4312345 generalSettings: applied; the server normalised "
        "/maximumRatio from '2.56' to '2.6'"
    ) in result.stdout


def test_a_gated_block_stops_its_skill_and_says_what_landed(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312346").exit_code == 0
    path = "skills/4312346.yaml"
    _edit(
        path,
        'friday: {isActive: true, startTime: "09:00", endTime: "19:00"}',
        'friday: {isActive: true, startTime: "09:00", endTime: "18:00"}',
    )
    _edit(path, "maximumRatio: 1.5\n", "maximumRatio: 1.2\n")
    result = run_cli(admin_emulator, "apply", "--auto-approve")
    assert result.exit_code == 1
    assert "failed          skill 4312346 scheduleSettings: write: PUT" in result.stdout
    assert "bare InvalidParameter" in result.stdout
    assert "skipped         skill 4312346 generalSettings" in result.stdout
    assert "Apply: 0 of 2 block(s) done, 2 not." in result.stdout
    assert admin_emulator.tenant.skills[4312346].general["maximumRatio"] == 1.5


def test_zones_not_enabled_or_unknown_are_refused_before_any_write(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312347").exit_code == 0
    _edit(
        "skills/4312347.yaml",
        "timeZoneSettings: []",
        "timeZoneSettings:\n"
        '  - {timeZone: America/Anchorage, startTime: "09:00", endTime: "20:00",'
        " timeZoneActiveToCall: true}\n"
        '  - {standardName: Mars Standard Time, startTime: "09:00", endTime: "20:00",'
        " timeZoneActiveToCall: true}",
    )
    result = run_cli(admin_emulator, "plan")
    assert result.exit_code == 1
    assert (
        "skills/4312347.yaml: zone America/Anchorage (CXone 'Alaskan Standard Time') is not "
        "enabled for the business unit" in result.stderr
    )
    assert "zone Mars Standard Time is not in the tenant's /timezones" in result.stderr
    assert admin_emulator.count("PUT", "/skills/{skillId}/parameters/time-zones") == 0


def test_unknown_skill_names_the_file(admin_emulator: AdminEmulator, admin_repo: Path) -> None:
    Path("skills").mkdir()
    Path("skills/77.yaml").write_text(
        "formatVersion: 1\nkind: SkillDialingSettings\nskillId: 77\n"
        "generalSettings: {maximumRatio: 2}\n",
        encoding="utf-8",
    )
    result = run_cli(admin_emulator, "plan")
    assert result.exit_code == 1
    assert "skills/77.yaml: the tenant has no Personal Connection skill 77" in result.stderr
    assert "Skill 77 was not found" in result.stderr


def test_saved_plan_refuses_changed_files_and_alterations(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
    assert run_cli(admin_emulator, "plan", "--out", "plan.json").exit_code == 0
    plan = Path("plan.json").read_text(encoding="utf-8")
    assert '"after": "2.5"' in plan
    Path("plan.json").write_text(plan.replace('"after": "2.5"', '"after": "9.5"'), encoding="utf-8")
    altered = run_cli(admin_emulator, "apply", "plan.json")
    assert altered.exit_code == 1
    assert "altered since it was saved" in altered.stderr
    Path("plan.json").write_text(plan, encoding="utf-8")
    _edit(SKILL, "maximumRatio: 2.5\n", "maximumRatio: 3\n")
    changed = run_cli(admin_emulator, "apply", "plan.json")
    assert changed.exit_code == 1
    assert "the skill files changed since this plan was made" in changed.stderr
    assert admin_emulator.count("PUT", "/skills/{skillId}/parameters/general-settings") == 0


def test_doctor_reports_read_only_and_redacted(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    result = run_cli(admin_emulator, "doctor")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[ok  ] Personal Connection skills: 3 visible: 4312345 'Renewals US PC'" in out
    assert "[ok  ] skill 4312345 scheduleSettings stable: read twice, same version" in out
    assert "time format the tenant returns (schedule): HH:MM:SS" in out
    assert "zone name field on GET time-zones: name" in out
    assert "number types on GET general-settings: aggressiveness: str, maximumRatio: float" in out
    assert "refresh_token grant for a back-end app: works (HTTP 200)" in out
    assert "skill 4312345 isRunning now: not running" in out
    assert "8 check(s), 0 failed." in out
    assert not any(method == "PUT" for (method, _r, _s) in admin_emulator.counts)
    for secret in (admin_emulator.client_secret, admin_emulator.access_key_secret):
        assert secret not in result.output
    assert admin_emulator.access_key_id not in result.output


def test_doctor_fails_on_bad_credentials(admin_emulator: AdminEmulator, admin_repo: Path) -> None:
    result = run_cli(admin_emulator, "doctor", "--client-secret", "wrong-secret-value")
    assert result.exit_code == 1
    assert "[FAIL] discovery and token: POST {token_endpoint} answered HTTP 401" in result.stdout
    assert "invalid_client" in result.stdout
    assert "wrong-secret-value" not in result.output


def test_secrets_never_reach_output_files_or_trail(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    outputs = []
    outputs.append(run_cli(admin_emulator, "import", "--skill", "4312345").output)
    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
    outputs.append(run_cli(admin_emulator, "-v", "plan", "--out", "plan.json").output)
    outputs.append(run_cli(admin_emulator, "-v", "apply", "plan.json").output)
    outputs.append(run_cli(admin_emulator, "doctor").output)
    written = "".join(p.read_text(encoding="utf-8") for p in admin_repo.rglob("*") if p.is_file())
    everything = "".join(outputs) + written

    pair = f"{admin_emulator.client_id}:{admin_emulator.client_secret}"
    for secret in (admin_emulator.client_secret, admin_emulator.access_key_secret):
        assert secret not in everything
        assert quote_plus(secret) not in everything
    assert base64.b64encode(pair.encode()).decode() not in everything
    issued = [*admin_emulator._tokens, *admin_emulator._refresh_tokens]
    assert len(issued) >= 8  # every command minted; doctor also tried the refresh grant
    assert not any(token in everything for token in issued)


def test_emulator_serve_admin_profile_runs_and_stops(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "emulator",
            "serve",
            "--profile",
            "admin",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("cxsched Admin API emulator listening on http://127.0.0.1:")
        lines = [process.stdout.readline() for _ in range(6)]
        assert any(line.strip().startswith("CXONE_ACCESS_KEY_ID=AK") for line in lines)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "cxsched emulator stopped" in out


def test_a_zone_without_an_iana_name_round_trips_by_standard_name(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    admin_emulator.tenant.enabled.add("Foo Standard Time")
    window = {"startTime": "10:00:00", "endTime": "19:00:00", "timeZoneActiveToCall": False}
    admin_emulator.edit(4312347, "timeZoneSettings", {"Foo Standard Time": window})
    assert run_cli(admin_emulator, "import", "--skill", "4312347").exit_code == 0
    text = Path("skills/4312347.yaml").read_text(encoding="utf-8")
    assert (
        '  - {standardName: "Foo Standard Time", startTime: "10:00", endTime: "19:00", '
        "timeZoneActiveToCall: false}\n"
    ) in text
    plan = run_cli(admin_emulator, "plan", "--detailed-exitcode", "--format", "json")
    assert plan.exit_code == 1  # the emulator's /timezones does not list it: refused, named
    assert "zone Foo Standard Time is not in the tenant's /timezones" in plan.stderr


def test_plan_renders_markdown_and_json(admin_emulator: AdminEmulator, admin_repo: Path) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    _edit(SKILL, "aggressiveness: 3\n", "aggressiveness: 4\n")
    markdown = run_cli(admin_emulator, "plan", "--format", "markdown")
    assert markdown.stdout.startswith("### cxsched plan (admin profile)\n\n```diff\n")
    assert '      /aggressiveness: "3" -> "4"\n' in markdown.stdout
    shown = json.loads(run_cli(admin_emulator, "plan", "--format", "json").stdout)
    assert shown["format"] == "cxsched-skill-plan"
    changed = [b for b in shown["blocks"] if b["changes"]]
    assert changed[0]["changes"] == [{"pointer": "/aggressiveness", "before": "3", "after": "4"}]
    assert shown["planHash"].startswith("sha256:")


def test_emulator_wants_wrapped_puts_and_answers_errors_in_a_header(
    admin_emulator: AdminEmulator,
) -> None:
    with admin_client(admin_emulator) as client:
        token = client.tokens.token().reveal()
    url = (
        f"{admin_emulator.base_url}/inContactAPI/services/v30.0/skills/4312345/parameters/"
        "general-settings"
    )
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    flat = requests.put(url, json={"maximumRatio": 3}, headers=headers, timeout=5)
    assert flat.status_code == 400
    assert flat.content == b""
    assert "generalSettings is required" in flat.headers["icStatusDescription"]
    got = requests.get(url, headers=headers, timeout=5).json()
    assert "generalSettings" not in got and got["maximumRatio"] == 2.0  # GET is flat


def test_optimize_counts_answer_rates_by_local_hour(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    _edit(
        SKILL,
        'friday: {isActive: true, startTime: "08:00", endTime: "20:00"}',
        'friday: {isActive: true, startTime: "08:00", endTime: "18:00"}',
    )
    result = run_cli(
        admin_emulator,
        "optimize",
        "--now",
        "2027-01-16T00:30:00Z",
        "--days",
        "7",
        "--min-attempts",
        "200",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(
        "Answer rates (connects / dials) by local hour, 2027-01-09T00:00Z to 2027-01-16T00:00Z, "
        "in the business unit's zone 'Eastern Standard Time' (America/New_York).\n"
    )
    assert "    17:00     600 dials   28.3%  [24.9% - 32.1%]\n" in out
    assert "  weekday: best hour 17:00 (28.3%), lowest 08:00 (10.0%)\n" in out
    assert "  weekend: no dials\n" in out
    assert "GET /wfm-data/skills/dialer-contacts 204 x1" in result.stderr  # an empty Saturday
    shown = json.loads(
        run_cli(
            admin_emulator,
            "optimize",
            "--now",
            "2027-01-16T00:00:00Z",
            "--days",
            "1",
            "--format",
            "json",
        ).stdout
    )
    hours = shown["skills"][0]["weekday"]
    assert [h["hour"] for h in hours] == list(range(8, 20))
    assert hours[-1] == {
        "hour": 19,
        "dials": 120,
        "connects": 26,
        "rate": 26 / 120,
        "interval": hours[-1]["interval"],
        "scheduled": True,
    }
    refused = run_cli(admin_emulator, "optimize", "--write")
    assert refused.exit_code == 1 and "not for the admin profile" in refused.output


def test_reporting_dates_need_a_literal_z(admin_emulator: AdminEmulator) -> None:
    with admin_client(admin_emulator) as client:
        token = client.tokens.token().reveal()
    url = f"{admin_emulator.base_url}/inContactAPI/services/v30.0/wfm-data/skills/dialer-contacts"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    offset = {"startDate": "2027-01-11T00:00:00+00:00", "endDate": "2027-01-12T00:00:00+00:00"}
    assert requests.get(url, params=offset, headers=headers, timeout=5).status_code == 400
    zulu = {"startDate": "2027-01-11T00:00:00Z", "endDate": "2027-01-12T00:00:00Z"}
    body = requests.get(url, params=zulu, headers=headers, timeout=5).json()
    # 13:00-24:00 UTC is 08:00-19:00 local on Monday; 00:00 UTC is still Sunday there
    assert len(body["wfM_OB_StatsV9"]) == 11 * 3


def test_hostile_answers_are_refused_cleanly(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    admin_emulator.edit(4312345, "generalSettings", {"maximumRatio": float("nan")})
    not_finite = run_cli(admin_emulator, "plan")
    assert not_finite.exit_code == 1
    assert (
        "GET /inContactAPI/services/{version}/skills/{skillId}/parameters/general-settings "
        "answered HTTP 200 after 1 attempt: the answer is not JSON"
    ) in not_finite.stderr
    admin_emulator.edit(4312345, "generalSettings", {"maximumRatio": 2.0})
    admin_emulator.edit(4312345, "scheduleSettings", {"mondayEndTime": "27:61\x1b[2J"})
    bad_time = run_cli(admin_emulator, "plan")
    assert bad_time.exit_code == 1
    assert "is not a time of day (HH:MM)" in bad_time.stderr
    assert "\x1b" not in bad_time.output
    assert "Traceback" not in bad_time.output


def _unit_zone(zone: str) -> None:
    Path("cxsched.yaml").write_text(
        f"formatVersion: 1\nprofile: admin\nskills:\n  businessUnitTimeZone: {zone}\n",
        encoding="utf-8",
    )


def test_the_business_unit_zone_validate_assumed_is_the_tenants(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    for same in ("America/New_York", "US/Eastern"):  # the table's name, and an alias of it
        _unit_zone(same)
        result = run_cli(admin_emulator, "plan")
        assert result.exit_code == 0, result.output
    # the zones' check and this one share one read of the business unit per run
    assert admin_emulator.count("GET", "/business-unit") == 2

    _unit_zone("America/Chicago")
    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
    for args in (("plan",), ("apply", "--auto-approve")):
        result = run_cli(admin_emulator, *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.endswith(
            "error: cxsched.yaml: skills.businessUnitTimeZone is America/Chicago, but the "
            "tenant's business unit is in 'Eastern Standard Time' (America/New_York), so the "
            "calling-law proof read the weekly schedules on the wrong clock; set it to "
            "America/New_York and validate again, or remove it to judge the zones' windows "
            "alone (stricter); nothing was planned\n"
        )
    assert not any(
        admin_emulator.count("PUT", f"/skills/{{skillId}}/parameters/{block}")
        for block in ("general-settings", "schedule-settings", "time-zones")
    )

    admin_emulator.set_unit_zone("Martian Standard Time\x1b[2J")
    result = run_cli(admin_emulator, "plan")
    assert result.exit_code == 1
    assert "business unit is in 'Martian Standard Time', so the" in result.stderr
    assert "set it to the IANA zone of 'Martian Standard Time' and" in result.stderr
    assert "\x1b" not in result.output

    admin_emulator.set_unit_zone(None)
    result = run_cli(admin_emulator, "plan")
    assert result.exit_code == 1
    assert "GET /business-unit names no defaultTimeZone" in result.stderr


def test_without_a_unit_zone_in_the_config_the_business_unit_is_not_asked(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312347").exit_code == 0
    admin_emulator.set_unit_zone("Pacific Standard Time")
    assert run_cli(admin_emulator, "plan").exit_code == 0
    assert admin_emulator.count("GET", "/business-unit") == 0


def test_a_saved_plan_is_not_applied_once_the_business_unit_keeps_another_clock(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    assert run_cli(admin_emulator, "import", "--skill", "4312345").exit_code == 0
    _unit_zone("America/New_York")
    _edit(SKILL, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
    assert run_cli(admin_emulator, "plan", "--out", "plan.json").exit_code == 0
    admin_emulator.set_unit_zone("Central Standard Time")
    result = run_cli(admin_emulator, "apply", "plan.json")
    assert result.exit_code == 1
    assert (
        "business unit is in 'Central Standard Time' (America/Chicago), so the calling-law "
        "proof read the weekly schedules on the wrong clock; set it to America/Chicago and "
        "validate again, or remove it to judge the zones' windows alone (stricter); nothing "
        "was applied\n"
    ) in result.stderr
    assert admin_emulator.count("PUT", "/skills/{skillId}/parameters/general-settings") == 0
    admin_emulator.set_unit_zone("Eastern Standard Time")
    assert run_cli(admin_emulator, "apply", "plan.json").exit_code == 0
    assert admin_emulator.count("PUT", "/skills/{skillId}/parameters/general-settings") == 1
