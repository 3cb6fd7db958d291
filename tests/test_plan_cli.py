"""`cxsched plan` against the emulator over real HTTP: calls, output, exit codes, plan files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.cxone import CxoneClient, Settings
from reconciler.emulator import Emulator
from reconciler.plan.planfile import load_plan, plan_hash

TOKEN = "POST /oauth/token"
LIST = "GET /api/v2/campaigns/{campaignId}/schedules"
CAPACITY = "GET /api/v2/dialer/capacity"

BODY: dict[str, Any] = {
    "startTime": "2027-01-04T08:00:00-05:00",
    "endTime": "2027-03-31T17:00:00-04:00",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
    "regulatoryWindows": [
        {"startTime": "08:00", "endTime": "21:00", "timeZone": "America/New_York", "enabled": True}
    ],
}

WEEKDAYS = """\
# yaml-language-server: $schema=../../schemas/schedule.schema.json
formatVersion: 1
campaignId: {campaign}
name: {name}
startTime: "2027-01-04T08:00:00-05:00"
endTime: "2027-03-31T17:00:00-04:00"
timeZone: America/New_York
blackoutPeriods: []
dialerSettings:
  maxConcurrentCalls: 50
  callRate: {rate}
  capacityThreshold: 0.8
regulatoryWindows:
  - startTime: "08:00"
    endTime: "21:00"
    timeZone: America/New_York
    enabled: true
"""

PRUNE_C1 = "formatVersion: 1\ncampaigns:\n  c1:\n    prune: true\n"


def write_schedule(
    root: Path, campaign: str, name: str, *, rate: float = 15, extra: str = ""
) -> Path:
    path = root / "schedules" / campaign / f"{name.lower().replace(' ', '-')}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WEEKDAYS.format(campaign=campaign, name=name, rate=rate) + extra, "utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


Run = Callable[..., Result]


@pytest.fixture
def run(emulator: Emulator, repo: Path) -> Run:
    env = {**emulator.client_env(), "CXONE_RPS": "500"}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def live_create(emulator: Emulator, campaign: str, name: str, **fields: Any) -> dict[str, Any]:
    return emulator.create_schedule(campaign, {**BODY, "name": name, **fields})


def test_plan_reads_the_tenant_with_the_minimum_of_calls(
    emulator: Emulator, repo: Path, run: Run
) -> None:
    write_schedule(repo, "c1", "Weekdays")
    write_schedule(repo, "c1", "Evenings", rate=20)
    write_schedule(repo, "c2", "Mornings")
    evenings = live_create(emulator, "c1", "Evenings")
    live_create(emulator, "c1", "Weekdays")
    manual = live_create(emulator, "c1", "Manual")
    result = run("plan")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Campaign c1:\n"
        f'  ~ update "Evenings" (id {evenings["id"]})  schedules/c1/evenings.yaml\n'
        "      ~ /dialerSettings/callRate: 15 -> 20\n"
        "\n"
        "Campaign c2:\n"
        '  + create "Mornings"  schedules/c2/mornings.yaml\n'
        '      + /dialerSettings: {"callRate": 15, "capacityThreshold": 0.8, '
        '"maxConcurrentCalls": 50}\n'
        '      + /endTime: "2027-03-31T17:00:00-04:00"\n'
        '      + /name: "Mornings"\n'
        "      + /regulatoryWindows:\n"
        '          + {"enabled": true, "endTime": "21:00", "startTime": "08:00", '
        '"timeZone": "America/New_York"}\n'
        '      + /startTime: "2027-01-04T08:00:00-05:00"\n'
        '      + /timeZone: "America/New_York"\n'
        "\n"
        "Unmanaged (live, declared by no file; left alone):\n"
        f'  ? c1 "Manual" (id {manual["id"]})\n'
        "  Import them (cxsched import) or delete them with --prune in a campaign that sets "
        "prune: true.\n"
        "\n"
        "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged; 1 unmanaged.\n"
    )
    assert emulator.counters() == {(TOKEN, 200): 1, (CAPACITY, 200): 1, (LIST, 200): 2}
    assert result.stderr == (f"API calls: {LIST} 200 x2, {CAPACITY} 200 x1, {TOKEN} 200 x1\n")


def test_one_list_call_per_page(emulator: Emulator, repo: Path, run: Run) -> None:
    write_schedule(repo, "c1", "Weekdays")
    for index in range(501):  # the client asks for pages of 500
        live_create(emulator, "c1", f"Other {index:03d}")
    result = run("plan", "--format", "json")
    assert result.exit_code == 0
    assert emulator.counters() == {(TOKEN, 200): 1, (CAPACITY, 200): 1, (LIST, 200): 2}
    assert json.loads(result.stdout)["summary"]["unmanaged"] == 501


def test_invalid_desired_state_plans_nothing(emulator: Emulator, repo: Path, run: Run) -> None:
    write_schedule(repo, "c1", "Weekdays", extra="colour: blue\n")
    result = run("plan")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "schedules/c1/weekdays.yaml:18:1: error " in result.stderr
    assert result.stderr.endswith(
        "error: the desired state does not validate; nothing was planned\n"
    )
    assert set(emulator.counters()) <= {(TOKEN, 200), (CAPACITY, 200), (LIST, 200)}


def test_limits_are_checked_against_live_capacity(emulator: Emulator, repo: Path, run: Run) -> None:
    write_schedule(repo, "c1", "Weekdays")
    emulator.set_capacity(40, 30.0)
    result = run("plan")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "schedules/c1/weekdays.yaml:" in result.stderr
    assert "maxConcurrentCalls" in result.stderr
    assert result.stderr.endswith(
        "error: dialer limits exceed the tenant's live capacity; nothing was planned\n"
    )
    calls = emulator.counters()  # the list of c1 may have been read meanwhile, and dropped
    assert calls.pop((LIST, 200), 1) == 1
    assert calls == {(TOKEN, 200): 1, (CAPACITY, 200): 1}
    assert f"{CAPACITY} 200 x1, {TOKEN} 200 x1\nerror: dialer limits" in result.stderr


def test_detailed_exitcode(emulator: Emulator, repo: Path, run: Run) -> None:
    write_schedule(repo, "c1", "Weekdays")
    assert run("plan").exit_code == 0
    assert run("plan", "--detailed-exitcode").exit_code == 2
    live_create(emulator, "c1", "Weekdays")
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 0
    assert result.stdout == (
        "No changes: the tenant matches the desired state.\n\n"
        "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged; 0 unmanaged.\n"
    )


def test_a_pinned_schedule_deleted_on_the_tenant(emulator: Emulator, repo: Path, run: Run) -> None:
    write_schedule(repo, "c1", "Weekdays", extra="scheduleId: sch-gone\n")
    result = run("plan")
    assert result.exit_code == 1
    assert "scheduleId 'sch-gone', which no longer exists in campaign 'c1'" in result.stderr
    assert "remove the scheduleId line to create it again" in result.stderr


def test_prune_needs_the_flag_and_the_campaigns_consent(
    emulator: Emulator, repo: Path, run: Run
) -> None:
    write_schedule(repo, "c1", "Weekdays")
    live_create(emulator, "c1", "Weekdays")
    old = live_create(emulator, "c1", "Old")
    assert "1 unmanaged" in run("plan", "--prune").stdout
    (repo / "cxsched.yaml").write_text(PRUNE_C1, "utf-8")
    plain = run("plan")
    assert "0 to delete" in plain.stdout, plain.stderr
    result = run("plan", "--prune", "--detailed-exitcode")
    assert result.exit_code == 2
    assert f'  - delete "Old" (id {old["id"]})  not declared in any file\n' in result.stdout
    assert (
        "DELETE: this plan deletes 1 schedule(s) from the tenant (--prune):\n"
        f'  - c1 "Old" (id {old["id"]})\n'
    ) in result.stdout
    markdown = run("plan", "--prune", "--format", "markdown").stdout
    assert "> **DELETE**: this plan deletes 1 schedule(s) from the tenant (`--prune`):" in markdown


def test_saved_plan_has_what_apply_needs_and_no_secret(
    emulator: Emulator, repo: Path, run: Run
) -> None:
    write_schedule(repo, "c1", "Weekdays", rate=20)
    write_schedule(repo, "c1", "New")
    weekdays = live_create(emulator, "c1", "Weekdays")
    result = run("plan", "--out", "plans/plan.json", "--format", "markdown")
    assert result.exit_code == 0
    assert "Full plan: <code>plans/plan.json</code>" in result.stdout
    text = (repo / "plans" / "plan.json").read_text(encoding="utf-8")
    plan = load_plan(repo / "plans" / "plan.json")
    update = next(a for a in plan.actions if a.kind == "update")
    assert update.base_version == weekdays["etag"]
    assert update.body == {"dialerSettings": {"callRate": 20}}
    assert plan.files == ("schedules/c1/new.yaml", "schedules/c1/weekdays.yaml")
    assert len(plan.desired_digest) == 64
    assert emulator.client_secret not in text
    assert "access_token" not in text and "Bearer" not in text
    trail = [json.loads(line) for line in (repo / "audit" / "trail.jsonl").read_text().splitlines()]
    assert [r["event"] for r in trail] == ["plan"]
    record = trail[0]
    assert record["plan_hash"] == plan_hash(plan)
    assert record["desired_digest"] == plan.desired_digest
    assert record["campaigns"] == ["c1"]
    assert record["counts"] == {"create": 1, "update": 1, "delete": 0, "noop": 0, "unmanaged": 0}
    assert [(c["name"], c["passed"]) for c in record["checks"]] == [
        ("validate", True),
        ("dialer limits", True),
    ]
    assert emulator.client_secret not in json.dumps(record)


def test_output_is_byte_identical_across_runs(emulator: Emulator, repo: Path, run: Run) -> None:
    for index in range(6):
        write_schedule(repo, "c1" if index % 2 else "c2", f"Schedule {index}", rate=20 + index)
        live_create(emulator, "c1" if index % 2 else "c2", f"Schedule {index}")
    live_create(emulator, "c2", "Manual")
    for fmt in ("text", "markdown", "json"):
        first, second = run("plan", "--format", fmt), run("plan", "--format", fmt)
        assert first.exit_code == second.exit_code == 0
        assert first.stdout_bytes == second.stdout_bytes
        assert "Schedule 5" in first.stdout


def test_apply_then_plan_converges(emulator: Emulator, repo: Path, run: Run) -> None:
    blackouts = (
        "blackoutPeriods:\n"
        "  - startTime: '2027-02-15T00:00:00.250-05:00'\n"
        "    endTime: '2027-02-16T00:00:00-05:00'\n"
        "    reason: Presidents Day\n"
        "  - startTime: '2027-01-18T00:00:00-05:00'\n"
        "    endTime: '2027-01-19T00:00:00-05:00'\n"
        "    reason: MLK Day\n"
        "optimizationSettings:\n  useHistoricalAnswerRates: true\n  peakHourBoost: 1.0\n"
        "description: converge\n"
    )
    for name in ("Weekdays", "Evenings", "Mornings"):
        text = WEEKDAYS.format(campaign="c1", name=name, rate=15.0)
        path = repo / "schedules" / "c1" / f"{name.lower()}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("blackoutPeriods: []\n", "") + blackouts, "utf-8")
    live_create(emulator, "c1", "Evenings", description="old")
    assert run("plan", "--out", "plan.json").exit_code == 0
    plan = load_plan(repo / "plan.json")
    settings = Settings.resolve(
        base_url=emulator.base_url,
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        env_file=None,
    )
    with CxoneClient(settings) as client:
        for action in plan.changes:
            assert action.body is not None
            if action.kind == "create":
                client.create_schedule(action.campaign_id, action.body)
            else:
                assert action.schedule_id is not None and action.base_version is not None
                client.update_schedule(
                    action.campaign_id, action.schedule_id, action.body, action.base_version
                )
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.endswith(
        "Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged; 0 unmanaged.\n"
    )


def test_an_unmanaged_schedule_is_drift_unless_its_campaign_ignores_it(
    emulator: Emulator, repo: Path, run: Run
) -> None:
    write_schedule(repo, "c1", "Weekdays")
    live_create(emulator, "c1", "Weekdays")
    live_create(emulator, "c1", "Made by hand")
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 2
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged; 1 unmanaged." in (
        result.stdout
    )
    assert result.stderr.splitlines()[-1] == (
        "drift: 1 unmanaged schedule(s), live but in no file, in c1: adopt them (`cxsched "
        "import --campaign ID`), delete them (`plan --prune` where the campaign allows it), or "
        "set `unmanaged: ignore` for the campaign in cxsched.yaml"
    )
    assert run("plan").exit_code == 0  # without the flag: 0, as ever
    (repo / "cxsched.yaml").write_text(
        "formatVersion: 1\ncampaigns:\n  c1:\n    unmanaged: ignore\n", "utf-8"
    )
    quiet = run("plan", "--detailed-exitcode")
    assert quiet.exit_code == 0, quiet.output
    assert "drift:" not in quiet.stderr
    (repo / "cxsched.yaml").write_text(
        "formatVersion: 1\ncampaigns:\n  c1:\n    unmanaged: maybe\n", "utf-8"
    )
    refused = run("validate")
    assert refused.exit_code == 1 and "cxsched.yaml:4:" in refused.stdout


def test_a_dry_run_plan_leaves_the_working_tree_clean(
    emulator: Emulator, repo: Path, run: Run
) -> None:
    write_schedule(repo, "c1", "Weekdays")
    assert run("plan").exit_code == 0
    assert run("plan", "--format", "json").exit_code == 0
    assert not (repo / "audit").exists()  # nothing recorded, nothing to commit
    assert run("plan", "--audit-file", "elsewhere/trail.jsonl").exit_code == 0
    assert not (repo / "audit").exists()
    (recorded,) = [
        json.loads(line) for line in (repo / "elsewhere" / "trail.jsonl").read_text().splitlines()
    ]
    assert (recorded["event"], recorded["action"]) == ("plan", "plan")
    assert run("plan", "--out", "plan.json").exit_code == 0
    assert len((repo / "audit" / "trail.jsonl").read_text().splitlines()) == 1
