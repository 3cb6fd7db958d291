"""`cxsched import`: live schedules adopted as files that validate and plan to no change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.adopt.importer import schema_reference, slugify
from reconciler.cli import main
from reconciler.config import RepoConfig
from reconciler.emulator import Emulator
from reconciler.validate.desired import load_desired

BODY: dict[str, Any] = {
    "name": "Renewals Q1 weekdays",
    "description": "Q1 renewals, East coast",
    "startTime": "2027-01-04T08:00:00-05:00",
    "endTime": "2027-03-31T17:00:00.500-04:00",
    "timeZone": "America/New_York",
    "blackoutPeriods": [
        {
            "startTime": "2027-02-15T00:00:00-05:00",
            "endTime": "2027-02-16T00:00:00-05:00",
            "reason": "Presidents' Day",
        },
        {
            "startTime": "2027-01-18T00:00:00-05:00",
            "endTime": "2027-01-19T00:00:00-05:00",
            "reason": "Martin Luther King Jr. Day",
        },
    ],
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
    "regulatoryWindows": [
        {"startTime": "08:00", "endTime": "21:00", "timeZone": "America/New_York", "enabled": True}
    ],
    "optimizationSettings": {"useHistoricalAnswerRates": True, "peakHourBoost": 1.5},
}

Run = Callable[..., Result]


def quoted(value: str) -> str:
    """How the import writes a string: single-quoted when it starts with a digit."""
    return f"'{value}'" if value[:1].isdigit() else value


@pytest.fixture
def run(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.chdir(tmp_path)
    env = {**emulator.client_env(), "CXONE_RPS": "500"}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def test_import_writes_files_that_validate_and_plan_to_no_change(
    emulator: Emulator, tmp_path: Path, run: Run
) -> None:
    first = emulator.create_schedule("c1", BODY)
    evening = emulator.create_schedule(
        "c1",
        {
            "name": "Évening / calls!",
            "startTime": "2027-01-04T17:00:00Z",
            "endTime": "2027-06-30T23:00:00Z",
            # Germany sets no calling hours, so this schedule without windows is legal there.
            "timeZone": "Europe/Berlin",
            "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 7.5, "capacityThreshold": 1},
        },
    )
    emulator.create_schedule("c2", {**BODY, "name": "Elsewhere"})
    result = run("import", "--campaign", "c1")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote schedules/c1/evening-calls.yaml  (Évening / calls!, id {evening['id']})\n"
        f"wrote schedules/c1/renewals-q1-weekdays.yaml  (Renewals Q1 weekdays, id {first['id']})\n"
        "Imported 2 schedule(s) of campaign c1 into schedules/c1/.\n"
    )
    assert result.stderr == (
        "API calls: GET /api/v2/campaigns/{campaignId}/schedules 200 x1, POST /oauth/token 200 x1\n"
    )
    text = (tmp_path / "schedules" / "c1" / "renewals-q1-weekdays.yaml").read_text("utf-8")
    assert text == (
        "# yaml-language-server: $schema=../../schemas/schedule.schema.json\n"
        "formatVersion: 1\n"
        "campaignId: c1\n"
        f"scheduleId: {quoted(first['id'])}\n"
        "name: Renewals Q1 weekdays\n"
        "description: Q1 renewals, East coast\n"
        "startTime: '2027-01-04T08:00:00-05:00'\n"
        "endTime: '2027-03-31T17:00:00.500-04:00'\n"
        "timeZone: America/New_York\n"
        "blackoutPeriods:\n"
        "  - startTime: '2027-01-18T00:00:00-05:00'\n"
        "    endTime: '2027-01-19T00:00:00-05:00'\n"
        "    reason: Martin Luther King Jr. Day\n"
        "  - startTime: '2027-02-15T00:00:00-05:00'\n"
        "    endTime: '2027-02-16T00:00:00-05:00'\n"
        "    reason: Presidents' Day\n"
        "dialerSettings:\n"
        "  maxConcurrentCalls: 50\n"
        "  callRate: 15\n"
        "  capacityThreshold: 0.8\n"
        "regulatoryWindows:\n"
        "  - startTime: '08:00'\n"
        "    endTime: '21:00'\n"
        "    timeZone: America/New_York\n"
        "    enabled: true\n"
        "optimizationSettings:\n"
        "  useHistoricalAnswerRates: true\n"
        "  peakHourBoost: 1.5\n"
    )
    berlin = (tmp_path / "schedules" / "c1" / "evening-calls.yaml").read_text("utf-8")
    assert "startTime: '2027-01-04T18:00:00+01:00'\n" in berlin
    assert "endTime: '2027-07-01T01:00:00+02:00'\n" in berlin
    assert "  callRate: 7.5\n  capacityThreshold: 1\n" in berlin
    assert "blackoutPeriods" not in berlin and "description" not in berlin
    desired = load_desired([Path("schedules")], RepoConfig())
    assert [f for f in desired.findings if f.severity == "error"] == []
    assert len(desired.schedules) == 2
    emulator.reset_counters()
    plan = run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.endswith(
        "Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged; 0 unmanaged.\n"
    )


def test_a_rename_after_import_is_an_update(emulator: Emulator, tmp_path: Path, run: Run) -> None:
    created = emulator.create_schedule("c1", BODY)
    assert run("import", "--campaign", "c1").exit_code == 0
    path = tmp_path / "schedules" / "c1" / "renewals-q1-weekdays.yaml"
    path.write_text(
        path.read_text("utf-8").replace("name: Renewals Q1", "name: Renewals 2027 Q1"), "utf-8"
    )
    result = run("plan")
    assert result.exit_code == 0
    assert result.stdout == (
        "Campaign c1:\n"
        f'  ~ update "Renewals 2027 Q1 weekdays" (id {created["id"]})  '
        "schedules/c1/renewals-q1-weekdays.yaml\n"
        '      ~ /name: "Renewals Q1 weekdays" -> "Renewals 2027 Q1 weekdays"\n'
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged; 0 unmanaged.\n"
    )


def test_import_never_overwrites_without_force(
    emulator: Emulator, tmp_path: Path, run: Run
) -> None:
    emulator.create_schedule("c1", BODY)
    emulator.create_schedule("c1", {**BODY, "name": "Second"})
    folder = tmp_path / "schedules" / "c1"
    folder.mkdir(parents=True)
    (folder / "second.yaml").write_text("# mine\n", "utf-8")
    result = run("import", "--campaign", "c1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: 1 file(s) already exist: schedules/c1/second.yaml; nothing was written. "
        "Pass --force to overwrite them, or --out to import into another folder\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["second.yaml"]
    assert run("import", "--campaign", "c1", "--force").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["renewals-q1-weekdays.yaml", "second.yaml"]
    assert (folder / "second.yaml").read_text("utf-8").startswith("# yaml-language-server")


def test_import_into_another_folder_and_an_empty_campaign(emulator: Emulator, run: Run) -> None:
    emulator.create_schedule("c1", BODY)
    result = run("import", "--campaign", "c1", "--out", "adopted")
    assert result.exit_code == 0
    assert "Imported 1 schedule(s) of campaign c1 into adopted/.\n" in result.stdout
    assert "note: validate expects the files of campaign c1 in a folder named c1" in result.stderr
    assert (
        Path("adopted/renewals-q1-weekdays.yaml")
        .read_text("utf-8")
        .startswith("# yaml-language-server: $schema=../schemas/schedule.schema.json\n")
    )
    empty = run("import", "--campaign", "c2")
    assert empty.exit_code == 0
    assert empty.stdout == "Imported 0 schedule(s) of campaign c2 into schedules/c2/.\n"


def test_bad_campaign_ids_are_refused_before_any_call(emulator: Emulator, run: Run) -> None:
    result = run("import", "--campaign", "../etc")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: campaign id '../etc' is not valid")
    assert emulator.counters() == {}
    unknown = run("import", "--campaign", "nope")
    assert unknown.exit_code == 1
    assert "404" in unknown.stderr


def test_slugs_and_collisions(emulator: Emulator, tmp_path: Path, run: Run) -> None:
    assert slugify("Renewals Q1 — weekdays (East)") == "renewals-q1-weekdays-east"
    assert slugify("Café crème") == "cafe-creme"
    assert slugify("!!!") == "schedule"
    assert slugify("x" * 100) == "x" * 64
    for name in ("Same name", "same-name", "SAME NAME!"):
        emulator.create_schedule("c1", {**BODY, "name": name})
    assert run("import", "--campaign", "c1").exit_code == 0
    names = sorted(p.name for p in (tmp_path / "schedules" / "c1").iterdir())
    assert names == ["same-name-2.yaml", "same-name-3.yaml", "same-name.yaml"]
    assert schema_reference(tmp_path / "a" / "b", tmp_path) == "../../schemas/schedule.schema.json"


def test_import_into_a_managed_campaign_never_duplicates(
    emulator: Emulator, tmp_path: Path, run: Run
) -> None:
    pinned = emulator.create_schedule("c1", BODY)
    by_name = emulator.create_schedule("c1", {**BODY, "name": "Evenings"})
    fresh = emulator.create_schedule("c1", {**BODY, "name": "Weekends"})
    assert run("import", "--campaign", "c1").exit_code == 0
    folder = tmp_path / "schedules" / "c1"
    # The team renamed the imported files and dropped the pin of one (declared by name now).
    (folder / "renewals-q1-weekdays.yaml").rename(folder / "q1.yaml")
    evenings = (folder / "evenings.yaml").read_text("utf-8")
    (folder / "evenings.yaml").unlink()
    unpinned = "".join(line for line in evenings.splitlines(True) if "scheduleId" not in line)
    (folder / "late-shift.yaml").write_text(unpinned, "utf-8")
    (folder / "weekends.yaml").unlink()
    before = {p.name: p.read_text("utf-8") for p in folder.iterdir()}
    result = run("import", "--campaign", "c1")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote schedules/c1/weekends.yaml  (Weekends, id {fresh['id']})\n"
        f"skipped Evenings (id {by_name['id']}): already declared by "
        "schedules/c1/late-shift.yaml (its name)\n"
        f"skipped Renewals Q1 weekdays (id {pinned['id']}): already declared by "
        "schedules/c1/q1.yaml (its pinned scheduleId)\n"
        "Imported 1 schedule(s) of campaign c1 into schedules/c1/.\n"
        "Skipped 2 schedule(s) already declared in the repository (--force rewrites their "
        "files in place).\n"
    )
    after = {p.name: p.read_text("utf-8") for p in folder.iterdir()}
    assert sorted(after) == ["late-shift.yaml", "q1.yaml", "weekends.yaml"]
    assert {name: after[name] for name in before} == before
    assert run("validate").exit_code == 0
    plan = run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    emulator.edit_schedule("c1", by_name["id"], {"description": "changed live"})
    forced = run("import", "--campaign", "c1", "--force")
    assert forced.exit_code == 0, forced.output
    assert "updated schedules/c1/late-shift.yaml  (Evenings, id" in forced.stdout
    assert "Updated 3 file(s) of schedules already declared, in place.\n" in forced.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(after)
    assert "description: changed live\n" in (folder / "late-shift.yaml").read_text("utf-8")
    assert run("validate").exit_code == 0
