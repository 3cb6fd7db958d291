"""The calling-law proof of skill files through `cxsched validate` (the admin profile).

A skill recurs without end, so it is judged over the 366 days from `--now`; here
2027-01-01T00:00:00Z (a Friday), so the horizon ends 2028-01-02T00:00:00Z. Every date,
span and count below is worked out by hand from the rule data (reconciler/laws/rules.json)
and a calendar; the notes say how.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main

NOW = "2027-01-01T00:00:00Z"
NY, CHI, DEN, PHX = "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix"
WEEK = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def skill(
    *,
    week: Mapping[str, tuple[str, str]] | None = None,
    zones: Sequence[tuple[str, str, str]] = (),
    jurisdictions: Sequence[str] = (),
) -> str:
    """A skill file: `week` maps active weekdays to (start, end) (the others inactive), zones
    are (zone, start, end), all active to call."""
    lines = ["formatVersion: 1", "kind: SkillDialingSettings", "skillId: 42"]
    if jurisdictions:
        lines += ["audience:", f"  jurisdictions: [{', '.join(jurisdictions)}]"]
        lines.append("  purpose: telemarketing")
    if week is not None:
        lines += ["scheduleSettings:", "  isScheduled: true"]
        for day in WEEK:
            if day in week:
                start, end = week[day]
                lines.append(f"  {day}: {{isActive: true, startTime: '{start}', endTime: '{end}'}}")
            else:
                lines.append(f"  {day}: {{isActive: false}}")
    if zones:
        lines.append("timeZoneSettings:")
        for zone, start, end in zones:
            lines.append(
                f"  - {{timeZone: {zone}, startTime: '{start}', endTime: '{end}', "
                "timeZoneActiveToCall: true}"
            )
    return "\n".join(lines) + "\n"


def run(
    root: Path, monkeypatch: pytest.MonkeyPatch, text: str, unit_zone: str | None = None
) -> tuple[Result, list[tuple[str, int, str, str, str]]]:
    """`cxsched validate --format json --now NOW` in a repository of the admin profile."""
    config = "formatVersion: 1\nprofile: admin\n"
    if unit_zone is not None:
        config += f"skills:\n  businessUnitTimeZone: {unit_zone}\n"
    (root / "cxsched.yaml").write_text(config, encoding="utf-8")
    (root / "skills").mkdir(exist_ok=True)
    (root / "skills" / "42.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("CXSCHED_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--now", NOW])
    records = json.loads(result.stdout)
    findings = records["findings"] if isinstance(records, dict) else records
    found = [
        (f["path"], f["line"], f["severity"], f["rule"], f["message"])
        for f in findings
        if f["rule"].startswith("legal-")
    ]
    return result, found


def head(message: str) -> str:
    return message.split("; ", 1)[0]


EVERY_DAY_10_20 = dict.fromkeys(WEEK, ("10:00", "20:00"))


def test_texas_skill_open_sunday_at_ten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Weekly 10:00-20:00 Central every day; Chicago window 09:00-21:00 -> 10:00-20:00.
    # Texas allows 12:00-21:00 on Sundays: 10:00-12:00 is early on every Sunday of the
    # horizon, Sun 2027-01-03 to Sun 2027-12-26: 52 Sundays. El Paso (Denver) window
    # 12:00-19:00 inside the weekly 09:00-19:00 Mountain = 13:00-20:00 Central: legal.
    text = skill(
        week=EVERY_DAY_10_20,
        zones=[(CHI, "09:00", "21:00"), (DEN, "12:00", "19:00")],
        jurisdictions=["US-TX"],
    )
    result, found = run(tmp_path, monkeypatch, text, unit_zone=CHI)
    assert result.exit_code == 1
    assert [
        (line, severity, rule, head(message)) for _, line, severity, rule, message in found
    ] == [
        (
            17,
            "error",
            "legal-hours",
            "US-TX callees in America/Chicago can be called outside legal hours: first on "
            "Sun 2027-01-03 at 10:00-12:00 local time, 52 days in all",
        )
    ]
    message = found[0][4]
    assert found[0][0] == "skills/42.yaml"
    assert "US-TX allows 12:00-21:00 on Sundays (read in the callee's local time and in " in (
        message
    )
    assert "Tex. Bus. & Com. Code 301.051, confidence S" in message
    assert message.endswith(
        "narrow that zone's window or the weekly schedule of those days to the allowed hours "
        "(a skill has no blackouts) (not legal advice)"
    )
    # With Sunday inactive in the weekly schedule the skill is legal.
    week = {day: hours for day, hours in EVERY_DAY_10_20.items() if day != "sunday"}
    text = skill(
        week=week,
        zones=[(CHI, "09:00", "21:00"), (DEN, "12:00", "19:00")],
        jurisdictions=["US-TX"],
    )
    result, found = run(tmp_path, monkeypatch, text, unit_zone=CHI)
    assert (result.exit_code, found) == (0, [])


def test_rhode_island_skill_open_saturday_until_half_past_five(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The business unit is in Central time: Saturday 09:00-16:30 Central is 10:00-17:30
    # Eastern all year. RI allows 10:00-17:00 on Saturdays and nothing on holidays: every
    # Saturday of the horizon offends, Sat 2027-01-02 to Sat 2028-01-01 (before the horizon
    # ends at 19:00 Eastern): 53 days. The first is no holiday, so 17:00-17:30.
    text = skill(
        week={"saturday": ("09:00", "16:30")},
        zones=[(NY, "08:00", "21:00")],
        jurisdictions=["US-RI"],
    )
    result, found = run(tmp_path, monkeypatch, text, unit_zone=CHI)
    assert result.exit_code == 1
    assert [(line, rule, head(message)) for _, line, _, rule, message in found] == [
        (
            17,
            "legal-hours",
            "US-RI callees in America/New_York can be called outside legal hours: first on "
            "Sat 2027-01-02 at 17:00-17:30 local time, 53 days in all",
        )
    ]
    assert "US-RI allows 10:00-17:00 on Saturdays (R.I. Gen. Laws 5-61-3.6" in found[0][4]


def test_compliant_florida_skill_with_both_zones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Weekly 08:00-21:00 Eastern every day; Eastern and Central windows 08:00-20:00: Florida's
    # 08:00-20:00 every day holds in both of its zones.
    text = skill(
        week=dict.fromkeys(WEEK, ("08:00", "21:00")),
        zones=[(NY, "08:00", "20:00"), (CHI, "08:00", "20:00")],
        jurisdictions=["US-FL"],
    )
    result, found = run(tmp_path, monkeypatch, text, unit_zone=NY)
    assert (result.exit_code, found) == (0, [])
    assert "note:" not in result.stderr


def test_florida_skill_without_a_panhandle_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = skill(zones=[(NY, "08:00", "20:00")], jurisdictions=["US-FL"])
    result, found = run(tmp_path, monkeypatch, text)
    assert result.exit_code == 0
    assert found == [
        (
            "skills/42.yaml",
            7,
            "warning",
            "legal-no-window",
            "no enabled window calls US-FL callees in America/Chicago, so they are never "
            "called; add a window for America/Chicago or drop US-FL from the audience",
        )
    ]


def test_an_undeclared_skill_is_judged_by_the_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No audience: the US baseline (TCPA, TSR: 08:00-21:00). The horizon starts at 19:00 on
    # Thu 2026-12-31 in New York, so the first early call is Fri 2027-01-01 07:00-08:00, and
    # every date to Sat 2028-01-01 offends: 365 + 1 = 366 days. No weekly schedule is
    # judged without the business unit's zone.
    text = skill(week=EVERY_DAY_10_20, zones=[(NY, "07:00", "21:00")])
    result, found = run(tmp_path, monkeypatch, text)
    assert result.exit_code == 1
    assert [(line, rule, head(message)) for _, line, _, rule, message in found] == [
        (
            14,
            "legal-hours",
            "no audience declared, so judged by the national baseline of US: US callees in "
            "America/New_York can be called outside legal hours: first on Fri 2027-01-01 at "
            "07:00-08:00 local time, 366 days in all",
        )
    ]
    assert found[0][4].endswith(
        "declare `audience` (jurisdictions, purpose) to be judged by the law where the callees "
        "are (not legal advice)"
    )
    assert result.stderr.startswith(
        "note: 1 skill declares no audience, so calling hours were checked against the "
        "national baseline of their zones' countries only; declare `audience` (docs/laws.md)\n"
    )
    # With the business unit's zone, the weekly 10:00-20:00 closes the early hour.
    result, found = run(tmp_path, monkeypatch, text, unit_zone=NY)
    assert (result.exit_code, found) == (0, [])
    assert "note: 1 skill declares no audience" in result.stderr


def test_weekly_schedule_is_converted_across_daylight_saving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Phoenix keeps no daylight saving: its 08:00-18:00 is 10:00-20:00 Eastern in winter and
    # 11:00-21:00 in summer. Florida closes at 20:00, so every summer-time date offends, from
    # Sun 2027-03-14 (the clocks change at 02:00) to Sat 2027-11-06 (they change back on
    # Sun 11-07): 18+30+31+30+31+31+30+31+6 = 238 days. Central: 09:00-19:00 or 10:00-20:00.
    text = skill(
        week=dict.fromkeys(WEEK, ("08:00", "18:00")),
        zones=[(NY, "08:00", "21:00"), (CHI, "08:00", "20:00")],
        jurisdictions=["US-FL"],
    )
    result, found = run(tmp_path, monkeypatch, text, unit_zone=PHX)
    assert result.exit_code == 1
    assert [(line, rule, head(message)) for _, line, _, rule, message in found] == [
        (
            17,
            "legal-hours",
            "US-FL callees in America/New_York can be called outside legal hours: first on "
            "Sun 2027-03-14 at 20:00-21:00 local time, 238 days in all",
        )
    ]


def test_an_unknown_business_unit_zone_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = skill(week=EVERY_DAY_10_20, zones=[(NY, "08:00", "20:00")], jurisdictions=["US-FL"])
    result, found = run(tmp_path, monkeypatch, text, unit_zone="Mars/Olympus")
    assert result.exit_code == 1
    assert [(line, severity, rule) for _, line, severity, rule, _ in found] == [
        (7, "error", "legal-zone"),
        (16, "warning", "legal-no-window"),
    ]
    assert found[0][4] == (
        "cxsched.yaml skills.businessUnitTimeZone 'Mars/Olympus' is not an IANA zone (e.g. "
        "America/Chicago), so the weekly schedule cannot be placed in time"
    )


def test_audience_is_never_part_of_the_desired_blocks(tmp_path: Path) -> None:
    from reconciler.validate.skills import load_skills

    (tmp_path / "skills").mkdir()
    text = skill(zones=[(NY, "08:00", "20:00")], jurisdictions=["US-NY"])
    (tmp_path / "skills" / "42.yaml").write_text(text, encoding="utf-8")
    desired = load_skills([tmp_path / "skills"])
    assert desired.findings == ()
    assert list(desired.skills[0].blocks) == ["timeZoneSettings"]
