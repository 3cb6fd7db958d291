"""The rule data shipped in the package, and `cxsched laws` / `cxsched laws show`."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from jsonschema import Draft202012Validator

from reconciler.cli import main
from reconciler.laws.catalog import catalog
from reconciler.laws.holidays import easter, holiday_names
from reconciler.laws.zones import country_of, jurisdiction_zones

NOTICE = (
    "Research notes compiled 2026-12 from public statute sites, regulators' pages and "
    "law-firm notes. Not legal advice."
)


def _data() -> dict[str, object]:
    text = resources.files("reconciler.laws").joinpath("rules.json").read_text("utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def test_the_rule_data_fits_its_schema() -> None:
    laws_schema = json.loads(
        resources.files("reconciler").joinpath("schemas", "laws.schema.json").read_text("utf-8")
    )
    Draft202012Validator.check_schema(laws_schema)
    errors = list(Draft202012Validator(laws_schema).iter_errors(_data()))
    assert errors == []


def test_every_rule_keeps_its_citation_source_and_confidence() -> None:
    cat = catalog()
    ids = [rule.id for rule in cat.rules]
    assert len(ids) == len(set(ids))
    for rule in cat.rules:
        assert rule.citation and rule.source and rule.confidence in ("P", "P(q)", "S", "?")
        assert jurisdiction_zones(cat, rule.jurisdiction), rule.id


def test_every_zone_of_the_data_is_a_tzdata_zone() -> None:
    for zones in catalog().zones.values():
        for name in zones:
            assert ZoneInfo(name).key == name


def test_the_rules_the_task_names_are_there() -> None:
    cat = catalog()
    expected = {
        "US-TX": "Mon-Fri 09:00-21:00, Sat 09:00-21:00, Sun 12:00-21:00",
        "US-RI": "Mon-Fri 09:00-18:00, Sat 10:00-17:00, Sun none, holidays none",
        "US-MS": "Mon-Fri 08:00-20:00, Sat 08:00-20:00, Sun none",
        "US-WA": "Mon-Fri 08:00-20:00, Sat 08:00-20:00, Sun 08:00-20:00",
        "US-CT": "Mon-Fri 09:00-20:00, Sat 09:00-20:00, Sun 09:00-20:00",
        "US-KY": "Mon-Fri 10:00-21:00, Sat 10:00-21:00, Sun 10:00-21:00",
        "CA-CRTC": "Mon-Fri 09:00-21:30, Sat 10:00-18:00, Sun 10:00-18:00",
        "FR-D223-9": "Mon-Fri 10:00-13:00 and 14:00-20:00, Sat none, Sun none, holidays none",
        "AU-TM": "Mon-Fri 09:00-20:00, Sat 09:00-17:00, Sun none, holidays none",
        "GB-NOTE": "no statutory hours",
    }
    assert {code: cat.rule(code).hours_summary() for code in expected} == expected  # type: ignore[union-attr]
    assert cat.rule("US-MS").clocks == ("called-local", "UTC-06:00")  # type: ignore[union-attr]
    assert cat.rule("US-NV").confidence == "?"  # type: ignore[union-attr]
    assert str(cat.rule("US-OR").effective_from) == "2026-01-01"  # type: ignore[union-attr]
    assert str(cat.rule("US-CT").effective_from) == "2023-10-01"  # type: ignore[union-attr]


def test_multi_zone_states_and_the_countries_of_zones() -> None:
    cat = catalog()
    assert jurisdiction_zones(cat, "US-FL") == ("America/New_York", "America/Chicago")
    assert jurisdiction_zones(cat, "US-TX") == ("America/Chicago", "America/Denver")
    assert "America/Phoenix" in jurisdiction_zones(cat, "US-AZ")
    assert "America/Indiana/Tell_City" in jurisdiction_zones(cat, "US")
    assert (country_of("America/Toronto"), country_of("Europe/Paris")) == ("CA", "FR")


def test_pennsylvania_holidays_add_flag_day_good_friday_and_election_day() -> None:
    rule = catalog().rule("US-PA")
    assert rule is not None and rule.holidays is not None
    names = holiday_names(rule.holidays, "PA", 2027)
    assert (names[date(2027, 6, 14)], names[date(2027, 3, 26)], names[date(2027, 11, 2)]) == (
        "Flag Day",
        "Good Friday",
        "Election Day",
    )
    assert [easter(2025), easter(2026), easter(2027)] == [
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]


def test_laws_lists_every_rule() -> None:
    result = CliRunner().invoke(main, ["laws"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == NOTICE
    assert (
        "US-RI          Mon-Fri 09:00-18:00, Sat 10:00-17:00, Sun none, holidays none; in force; "
        "confidence P; telemarketing; R.I. Gen. Laws 5-61-3.6; 5-61-2 (hours of operation)"
    ) in lines
    listed = [line.split(" ", 1)[0] for line in lines[2:-2]]
    assert listed == [rule.id for rule in catalog().rules]


def test_laws_show_a_jurisdiction() -> None:
    result = CliRunner().invoke(main, ["laws", "show", "US-TX"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:9] == [
        NOTICE,
        "",
        "US-TX",
        "  zones: America/Chicago, America/Denver",
        "  rules by purpose:",
        "    telemarketing: US-TCPA, US-TSR, US-TX",
        "    debt-collection: US-REGF",
        "    informational: no hours rule known",
        "    research: no hours rule known",
    ]
    assert "  clock: the callee's local time, America/Chicago" in result.stdout
    shown = json.loads(CliRunner().invoke(main, ["laws", "show", "FR", "--format", "json"]).stdout)
    assert shown["binding"]["telemarketing"] == ["FR-D223-9"]
    assert shown["zones"] == ["Europe/Paris"]


def test_laws_show_an_unknown_code() -> None:
    result = CliRunner().invoke(main, ["laws", "show", "US-ZZ"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: unknown jurisdiction or rule 'US-ZZ'; `cxsched laws` lists the rules (codes "
        "are ISO 3166, like US-TX or FR)\n"
    )
