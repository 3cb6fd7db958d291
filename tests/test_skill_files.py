"""Skill files: normal forms of both sides, and validate's findings with positions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.admin import wire
from reconciler.cli import main
from reconciler.emulator.admin import AdminEmulator
from reconciler.skills.normal import (
    DAYS,
    MalformedBlock,
    block_version,
    canonical_number,
    canonical_time,
    normal_general,
    normal_zones,
)
from reconciler.validate.skills import NO_HOME, load_skills
from support.admin import run_cli

_HEADER = "formatVersion: 1\nkind: SkillDialingSettings\nskillId: 42\n"


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("9:00", "09:00"),
        ("09:00", "09:00"),
        ("09:00:00", "09:00"),
        ("09:00:30", "09:00:30"),
        ("24:00", "24:00"),
        (" 7:05 ", "07:05"),
        ("09:00:00.000", "09:00"),
    ],
)
def test_times_in_any_of_the_apis_forms_are_one(written: str, normal: str) -> None:
    assert canonical_time(written) == normal


@pytest.mark.parametrize("bad", ["25:00", "9", "09:60", "24:01", None, 900, "nine"])
def test_times_that_are_no_time_of_day_are_refused(bad: object) -> None:
    with pytest.raises(MalformedBlock):
        canonical_time(bad)


def test_numbers_as_strings_or_numbers_are_one() -> None:
    assert canonical_number(3) == canonical_number("3") == canonical_number(3.0) == "3"
    assert canonical_number("2.50") == canonical_number(2.5) == "2.5"
    for bad in ("NaN", float("inf"), True, "1e400", "abc"):
        with pytest.raises(MalformedBlock):
            canonical_number(bad)
    assert normal_general({"aggressiveness": "3", "maximumRatio": 2.0, "x": None}) == {
        "aggressiveness": "3",
        "maximumRatio": "2",
    }


def test_get_and_put_wrappers_and_inactive_times_give_one_version() -> None:
    flat: dict[str, Any] = {"isScheduled": True}
    for day in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"):
        flat |= {
            f"{day}IsActive": day != "sunday",
            f"{day}StartTime": "09:00:00",
            f"{day}EndTime": "17:00:00",
        }
    other = {**flat, "sundayStartTime": "00:00", "mondayStartTime": "9:00"}
    first = wire.normal_of("scheduleSettings", wire.unwrap("scheduleSettings", flat))
    wrapped = {"scheduleSettings": other}
    second = wire.normal_of("scheduleSettings", wire.unwrap("scheduleSettings", wrapped))
    assert first == second and block_version(first) == block_version(second)
    assert first["sunday"] == {"isActive": False}


def test_zone_lists_are_keyed_by_name_whatever_the_order_or_field() -> None:
    one: list[dict[str, Any]] = [
        {
            "name": "Pacific Standard Time",
            "startTime": "09:00:00",
            "endTime": "20:00:00",
            "timeZoneActiveToCall": True,
            "overrideTime": True,
        },
        {
            "standardName": "Eastern Standard Time",
            "startTime": "8:00",
            "endTime": "21:00",
            "timeZoneActiveToCall": "true",
        },
    ]
    bare = wire.normal_of("timeZoneSettings", wire.unwrap("timeZoneSettings", list(reversed(one))))
    wrapped = wire.unwrap("timeZoneSettings", {"timeZoneSettings": one})
    assert bare == wire.normal_of("timeZoneSettings", wrapped)
    assert list(bare) == ["Eastern Standard Time", "Pacific Standard Time"]
    with pytest.raises(MalformedBlock, match="two windows"):
        normal_zones([one[0], one[0]])
    body = wire.put_body("timeZoneSettings", one, bare)
    assert body["timeZoneSettings"][0] == {
        "standardName": "Eastern Standard Time",
        "startTime": "08:00",
        "endTime": "21:00",
        "timeZoneActiveToCall": True,
        "overrideTime": True,
    }


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "skills" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _findings(root: Path) -> list[tuple[int, int, str, str]]:
    found = load_skills([root / "skills"]).findings
    return [(f.line, f.column, f.rule, f.severity) for f in found]


def test_every_no_home_field_is_explained_where_it_is(tmp_path: Path) -> None:
    fields = "".join(f"{key}: x\n" for key in NO_HOME if key != "dialerSettings")
    text = (
        _HEADER + fields + "dialerSettings:\n  maxConcurrentCalls: 10\n  callRate: 5\n"
        "  capacityThreshold: 0.8\ngeneralSettings: {maximumRatio: 2}\n"
    )
    _write(tmp_path, "42.yaml", text)
    found = load_skills([tmp_path / "skills"]).findings
    rules = {(f.pointer, f.rule) for f in found}
    for key in NO_HOME:
        assert (f"/{key}", "no-home") in rules, key
    for key in ("maxConcurrentCalls", "callRate", "capacityThreshold"):
        assert (f"/dialerSettings/{key}", "no-home") in rules
    assert not any(f.rule == "schema-additional" for f in found)
    by_pointer = {f.pointer: f for f in found}
    assert by_pointer["/blackoutPeriods"].line == 4 + list(NO_HOME).index("blackoutPeriods")
    assert "isActive: false" in by_pointer["/blackoutPeriods"].message
    assert "maxConcurrentCallsPerAgent" in by_pointer["/dialerSettings/maxConcurrentCalls"].message
    assert "no calls-per-minute" in by_pointer["/dialerSettings/callRate"].message


def test_windows_zones_and_files_are_checked(tmp_path: Path) -> None:
    days = "".join(
        f"  {day}: {{isActive: true, startTime: '09:00', endTime: '17:00'}}\n"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    )
    _write(
        tmp_path,
        "wrong-name.yaml",
        _HEADER
        + "scheduleSettings:\n  isScheduled: true\n"
        + "  sunday: {isActive: false, startTime: '09:00', endTime: '10:00'}\n"
        + days
        + "  saturday: {isActive: true, startTime: '18:00', endTime: '09:00'}\n"
        + "timeZoneSettings:\n"
        + "  - {timeZone: America/New_York, startTime: '09:00', endTime: '21:00', "
        "timeZoneActiveToCall: true}\n"
        + "  - {timeZone: America/Detroit, startTime: '09:00', endTime: '21:00', "
        "timeZoneActiveToCall: true}\n"
        + "  - {timeZone: America/Nowhere, startTime: '09:00', endTime: '21:00', "
        "timeZoneActiveToCall: true}\n"
        + "  - {timeZone: Asia/Kathmandu, startTime: '09:00', endTime: '21:00', "
        "timeZoneActiveToCall: true}\n"
        + "  - {startTime: '09:00', endTime: '21:00', timeZoneActiveToCall: true}\n",
    )
    assert _findings(tmp_path) == [
        (3, 1, "file-name", "warning"),
        (6, 3, "ignored-times", "warning"),
        (12, 50, "window-order", "error"),
        (15, 5, "zone-duplicate", "error"),
        (16, 6, "unknown-zone", "error"),
        (17, 6, "zone-unmapped", "error"),
        (18, 5, "zone-name", "error"),
    ]


def test_schema_errors_and_an_empty_skill(tmp_path: Path) -> None:
    _write(tmp_path, "42.yaml", _HEADER + "generalSettings: {maximumRatio: 0, aggresiveness: 2}\n")
    _write(tmp_path, "43.yaml", "formatVersion: 1\nkind: SkillDialingSettings\nskillId: 43\n")
    found = load_skills([tmp_path / "skills"]).findings
    assert [(Path(f.path).name, f.rule, f.pointer) for f in found] == [
        ("42.yaml", "schema-range", "/generalSettings/maximumRatio"),
        ("42.yaml", "schema-additional", "/generalSettings/aggresiveness"),
        ("43.yaml", "skill-empty", ""),
    ]
    assert "aggressiveness" in found[1].message


def test_validate_command_uses_the_admin_profile(admin_repo: Path) -> None:
    _write(
        admin_repo, "42.yaml", _HEADER + "blackoutPeriods: []\ngeneralSettings: {maximumRatio: 2}\n"
    )
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert result.stdout.startswith("skills/42.yaml:4:1: error no-home: blackoutPeriods: a skill")
    github = CliRunner().invoke(main, ["validate", "--format", "github"])
    assert github.stdout.startswith("::error file=skills/42.yaml,line=4,col=1")


def test_a_skill_declared_twice_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "42.yaml", _HEADER + "generalSettings: {maximumRatio: 2}\n")
    _write(tmp_path, "b.yaml", _HEADER + "generalSettings: {maximumRatio: 3}\n")
    found = load_skills([tmp_path / "skills"]).findings
    assert [(f.rule, f.severity) for f in found if f.rule == "duplicate-skill"] == [
        ("duplicate-skill", "error")
    ]


def test_workflow_flags_work_with_the_admin_profile(admin_repo: Path) -> None:
    with AdminEmulator() as emulator:
        both = run_cli(emulator, "import", "--skill", "1", "--campaign", "c")
        assert run_cli(emulator, "import", "--skill", "4312345").exit_code == 0
        args = ("plan", "--prune", "--format", "markdown", "--plan-link", "https://ci/run/1")
        pruned = run_cli(emulator, *args)
    assert both.exit_code == 1 and "exactly one of --campaign ID and --skill ID" in both.output
    assert pruned.exit_code == 0
    assert "note: --prune has no effect on skills" in pruned.stderr
    assert pruned.stdout.endswith("```\n\n[The full plan](https://ci/run/1)\n")


def test_a_skill_that_never_dials_is_warned_about(tmp_path: Path) -> None:
    days = "".join(f"  {day}: {{isActive: false}}\n" for day in DAYS)
    zone = (
        "  - {timeZone: America/Chicago, startTime: '09:00', endTime: '20:00', "
        "timeZoneActiveToCall: false}\n"
    )
    _write(
        tmp_path,
        "42.yaml",
        _HEADER + "scheduleSettings:\n  isScheduled: true\n" + days + "timeZoneSettings:\n" + zone,
    )
    assert _findings(tmp_path) == [
        (4, 1, "never-dials", "warning"),
        (13, 1, "never-dials", "warning"),
    ]
