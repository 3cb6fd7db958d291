"""Edges of the calling-law features: audience declarations, the catalog as text and JSON,
`cxsched calendar` on files it cannot use, holiday calendars, and `validate --fix` on files
with nothing to fix.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.adopt.lawfix import fix_files
from reconciler.cli import main
from reconciler.laws.audience import as_mapping, audience_of, read_audience
from reconciler.laws.catalog import catalog
from reconciler.laws.holidays import easter, holiday_dates, holiday_names
from reconciler.laws.model import HolidayCalendar, HolidayExtra
from reconciler.laws.policy import LawPolicy
from reconciler.laws.proof import Audience
from support.laws import FILE, schedule, write

NY = "America/New_York"
NOTICE = catalog().notice

# -- audience -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        ["US-RI"],
        "US-RI",
        {},
        {"jurisdictions": "US-RI"},
        {"jurisdictions": []},
        {"jurisdictions": ["US-RI", 7]},
        {"jurisdictions": ["US-RI"], "purpose": "marketing"},
        {"jurisdictions": ["US-RI"], "purpose": ["telemarketing"]},
    ],
)
def test_a_malformed_audience_is_none(value: Any) -> None:
    assert read_audience(value) is None


def test_an_audience_keeps_its_order_drops_repeats_and_round_trips() -> None:
    declared = {"jurisdictions": ["US-TX", "US-RI", "US-TX"], "purpose": "debt-collection"}
    audience = read_audience(declared)
    assert audience == Audience(("US-TX", "US-RI"), "debt-collection")
    assert as_mapping(audience) == {
        "jurisdictions": ["US-TX", "US-RI"],
        "purpose": "debt-collection",
    }
    bare = read_audience({"jurisdictions": ["FR"]})
    assert bare == Audience(("FR",), None)
    assert as_mapping(bare) == {"jurisdictions": ["FR"]}  # no purpose written when none declared


def test_a_schedule_without_its_own_audience_takes_its_campaigns() -> None:
    campaigns = {"laws": Audience(("US-RI",), "telemarketing")}
    assert audience_of({"campaignId": "laws"}, campaigns) == (campaigns["laws"], False)
    assert audience_of({"campaignId": "other"}, campaigns) == (None, False)
    assert audience_of({"campaignId": 7}, campaigns) == (None, False)
    own = {"campaignId": "laws", "audience": {"jurisdictions": ["FR"]}}
    assert audience_of(own, campaigns) == (Audience(("FR",), None), True)


# -- the catalog as text and JSON ---------------------------------------------------------------


def _laws(*args: str) -> Result:
    return CliRunner().invoke(main, ["laws", *args])


def test_the_catalog_as_json_lists_every_rule() -> None:
    result = _laws("--format", "json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["notice"] == NOTICE
    assert [rule["id"] for rule in shown["rules"]] == [rule.id for rule in catalog().rules]
    pa = next(rule for rule in shown["rules"] if rule["id"] == "US-PA")
    assert pa["jurisdiction"] == "US-PA"
    assert pa["hours"] == "Mon-Fri 08:00-21:00, Sat 08:00-21:00, Sun 08:00-21:00, holidays none"


def test_a_rule_without_zones_is_shown_as_the_rule() -> None:
    result = _laws("show", "US-COMPOSITE")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        NOTICE,
        "",
        "US-COMPOSITE: Strictest composite of the US state rules (state unknown) (US, composite)",
        "  hours: Mon-Fri 10:00-18:00, Sat 10:00-17:00, Sun none, holidays none",
    ]
    assert "  clock: the callee's local time" in lines
    assert "  in force: in force" in lines
    assert "  holidays: US (public, government) plus Flag Day, Good Friday, Election Day" in lines
    assert (
        "  frequency caps (reported, not enforced): at most 3 calls per 24 h (strictest state cap)"
    ) in lines
    assert "  rules by purpose:" not in lines


def test_holidays_name_the_subdivision_and_nothing_added_when_nothing_is() -> None:
    pa = _laws("show", "US-PA").stdout.splitlines()
    assert "  holidays: US-PA (public) plus Flag Day, Good Friday, Election Day" in pa
    it = _laws("show", "IT-CODE").stdout.splitlines()
    assert "  holidays: IT (public)" in it


def test_a_rule_without_zones_as_json() -> None:
    result = _laws("show", "US-TCPA", "--format", "json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert set(shown) == {"notice", "rule"}
    assert shown["rule"]["id"] == "US-TCPA"
    assert shown["rule"]["clocks"] == ["called-local"]
    assert (shown["rule"]["effectiveFrom"], shown["rule"]["effectiveTo"]) == (None, None)


# -- cxsched calendar on files it cannot use ----------------------------------------------------


def _calendar(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    monkeypatch.delenv("CXSCHED_CONFIG", raising=False)
    return CliRunner().invoke(main, ["calendar", FILE, "--zone", NY, *args])


def test_calendar_of_a_file_that_is_not_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "formatVersion: 1\nname: [unclosed\n")
    result = _calendar(tmp_path, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"error: {FILE}:")
    assert "Traceback" not in result.output


def test_calendar_of_a_file_without_a_span(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "formatVersion: 1\ncampaignId: laws\nname: No span\ntimeZone: Mars/Base\n")
    result = _calendar(tmp_path, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: {FILE}: no readable span or zone; run `cxsched validate {FILE}`\n"
    )


def test_calendar_of_a_span_past_five_years(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-01T00:00:00-05:00", "2033-01-01T00:00:00-05:00", [("09:00", "17:00", NY)]
    )
    write(tmp_path, text)
    result = _calendar(tmp_path, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"error: {FILE}: the span is longer than 1827 days; split it\n"


def test_calendar_takes_the_audience_of_the_campaign_in_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-09T00:00:00-05:00", "2027-01-10T00:00:00-05:00", [("10:00", "17:30", NY)]
    )
    write(tmp_path, text)
    (tmp_path / "cxsched.yaml").write_text(
        "formatVersion: 1\ncampaigns:\n  laws:\n    audience:\n      jurisdictions: [US-RI]\n",
        encoding="utf-8",
    )
    result = _calendar(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{FILE}: callable and legal hours in {NY}, for US-RI (not legal advice)\n"
        "2027-01-09 Sat  callable 10:00-17:30  legal 10:00-17:00  OUTSIDE 17:00-17:30\n"
    )


# -- holidays -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter(year: int, sunday: date) -> None:
    assert easter(year) == sunday


def test_the_additions_of_a_rule_fall_on_their_days() -> None:
    extras = (
        HolidayExtra("Mardi Gras", "mardi-gras"),
        HolidayExtra("Good Friday", "good-friday"),
        HolidayExtra("Election Day", "election-day"),
        HolidayExtra("Flag Day", "fixed", 6, 14),
    )
    calendar = HolidayCalendar("US", ("public",), "AL", False, extras)
    names = holiday_names(calendar, None, 2027)
    assert names[date(2027, 2, 9)] == "Mardi Gras"
    assert names[date(2027, 3, 26)] == "Good Friday"
    assert names[date(2027, 11, 2)] == "Election Day"  # the Tuesday after the first Monday
    assert names[date(2027, 6, 14)] == "Flag Day"
    assert holiday_names(calendar, None, 2026)[date(2026, 11, 3)] == "Election Day"


def test_a_category_the_country_lacks_is_skipped() -> None:
    plain = HolidayCalendar("US", ("public",), "AL")
    with_missing = HolidayCalendar("US", ("public", "catholic"), "AL")
    assert holiday_dates(with_missing, None, 2027) == holiday_dates(plain, None, 2027)
    assert date(2027, 7, 5) in holiday_dates(plain, None, 2027)  # July 4th observed


def test_a_declared_subdivision_is_used_only_when_the_country_has_it() -> None:
    spain = HolidayCalendar("ES", ("public",), None, True)
    national = holiday_names(spain, None, 2027)
    madrid = holiday_names(spain, "MD", 2027)
    assert madrid[date(2027, 5, 3)] == "Monday following Madrid Day"
    assert date(2027, 5, 3) not in national
    assert holiday_names(spain, "ZZ", 2027) == national
    fixed = HolidayCalendar("ES", ("public",), None, False)
    assert holiday_names(fixed, "MD", 2027) == national  # a rule that ignores the declaration


# -- validate --fix on files with nothing to fix -----------------------------------------------


def test_fix_files_leaves_files_it_cannot_use_or_need_not_change(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("formatVersion: 1\nname: [unclosed\n", encoding="utf-8")
    spanless = tmp_path / "spanless.yaml"
    spanless.write_text("formatVersion: 1\ncampaignId: laws\nname: x\n", encoding="utf-8")
    compliant = tmp_path / "compliant.yaml"
    compliant.write_text(
        schedule(
            "2027-01-04T00:00:00-05:00",
            "2027-01-09T00:00:00-05:00",
            [("10:00", "17:00", NY)],
            jurisdictions=["US-RI"],
        ),
        encoding="utf-8",
    )
    before = {path: path.read_bytes() for path in (broken, spanless, compliant)}
    paths = [str(path) for path in before]
    assert fix_files(paths, {}, LawPolicy()) == []
    assert {path: path.read_bytes() for path in before} == before


@pytest.mark.parametrize(
    "audience", ["audience: {jurisdictions: [US-RI], purpose: marketing}", "audience: US-RI"]
)
def test_calendar_refuses_a_malformed_audience_rather_than_ignore_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audience: str
) -> None:
    text = schedule(
        "2027-01-09T00:00:00-05:00", "2027-01-10T00:00:00-05:00", [("10:00", "17:30", NY)]
    )
    write(tmp_path, text + audience + "\n")
    result = _calendar(tmp_path, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: {FILE}: the audience is malformed; run `cxsched validate {FILE}`\n"
    )
