"""The calling-law proof through `cxsched validate`: hand-computed cases, one law each.

Every expected date, span and count below is worked out by hand from the rule data
(reconciler/laws/rules.json) and a calendar; the notes say how.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from support.laws import legal, schedule, validate, write

NY, CHI, DEN = "America/New_York", "America/Chicago", "America/Denver"
START_MON, END_SAT = "2027-01-04T00:00:00-05:00", "2027-01-09T00:00:00-05:00"


def head(message: str) -> str:
    """The part of a legal-hours message before the rules it cites."""
    return message.split("; ", 1)[0]


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[tuple[str, str, str]]:
    write(tmp_path, text)
    code, findings = validate(tmp_path, monkeypatch)
    found = legal(findings)
    assert code == (1 if any(severity == "error" for severity, _, _ in found) else 0)
    return found


def heads(found: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(rule, head(message)) for _, rule, message in found]


def test_rhode_island_saturday_ends_at_17(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2027-01-02 is a Saturday; RI allows 10:00-17:00 on Saturdays.
    text = schedule(
        "2027-01-02T00:00:00-05:00",
        "2027-01-03T00:00:00-05:00",
        [("10:00", "17:30", NY)],
        jurisdictions=["US-RI"],
    )
    assert run(tmp_path, monkeypatch, text) == [
        (
            "error",
            "legal-hours",
            "US-RI callees in America/New_York can be called outside legal hours: first on "
            "Sat 2027-01-02 at 17:00-17:30 local time, 1 day in all; US-RI allows 10:00-17:00 "
            "on Saturdays (R.I. Gen. Laws 5-61-3.6; 5-61-2 (hours of operation), confidence P); "
            "add blackouts for the hours the law closes on such days (`cxsched validate --fix` "
            "adds them) (not legal advice)",
        )
    ]


def test_rhode_island_bans_sundays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Mon 2027-01-04 to Sun 2027-01-10: 10:00-17:00 is legal on every day but the Sunday.
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-11T00:00:00-05:00",
        [("10:00", "17:00", NY)],
        jurisdictions=["US-RI"],
    )
    found = run(tmp_path, monkeypatch, text)
    assert heads(found) == [
        (
            "legal-hours",
            "US-RI callees in America/New_York can be called outside legal hours: first on "
            "Sun 2027-01-10 at 10:00-17:00 local time, 1 day in all",
        )
    ]
    assert "US-RI allows none on Sundays" in found[0][2]
    assert "cxsched validate --fix" in found[0][2]
    sunday = ("2027-01-10T00:00:00-05:00", "2027-01-11T00:00:00-05:00", "Sunday")
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-11T00:00:00-05:00",
        [("10:00", "17:00", NY)],
        jurisdictions=["US-RI"],
        blackouts=[sunday],
    )
    assert run(tmp_path, monkeypatch, text) == []


def test_texas_sunday_starts_at_noon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sun 2027-01-03. Chicago 10:00 is two hours early. The Denver window 12:00-20:00 is
    # legal in the callee's own time and in Central time (13:00-21:00), the disputed clock.
    text = schedule(
        "2027-01-03T00:00:00-06:00",
        "2027-01-04T00:00:00-06:00",
        [("10:00", "21:00", CHI), ("12:00", "20:00", DEN)],
        zone=CHI,
        jurisdictions=["US-TX"],
    )
    found = run(tmp_path, monkeypatch, text)
    assert heads(found) == [
        (
            "legal-hours",
            "US-TX callees in America/Chicago can be called outside legal hours: first on "
            "Sun 2027-01-03 at 10:00-12:00 local time, 1 day in all",
        )
    ]
    assert (
        "US-TX allows 12:00-21:00 on Sundays (read in the callee's local time and in "
        in (found[0][2])
    )


def test_texas_el_paso_is_judged_on_central_time_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mountain 20:00-21:00 is 21:00-22:00 in Central time: legal locally, not on Texas time.
    text = schedule(
        "2027-01-04T00:00:00-06:00",
        "2027-01-05T00:00:00-06:00",
        [("09:00", "21:00", CHI), ("10:00", "21:00", DEN)],
        zone=CHI,
        jurisdictions=["US-TX"],
    )
    assert heads(run(tmp_path, monkeypatch, text)) == [
        (
            "legal-hours",
            "US-TX callees in America/Denver can be called outside legal hours: first on "
            "Mon 2027-01-04 at 20:00-21:00 local time, 1 day in all",
        )
    ]


def test_mississippi_central_standard_time_in_july(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 08:00 CST is 09:00 CDT, so 08:30 CDT is early in July (Mon 5 to Sat 10: six days)...
    july = schedule(
        "2027-07-05T00:00:00-05:00",
        "2027-07-11T00:00:00-05:00",
        [("08:30", "20:00", CHI)],
        zone=CHI,
        jurisdictions=["US-MS"],
    )
    assert heads(run(tmp_path, monkeypatch, july)) == [
        (
            "legal-hours",
            "US-MS callees in America/Chicago can be called outside legal hours: first on "
            "Mon 2027-07-05 at 08:30-09:00 local time, 6 days in all",
        )
    ]
    # ...and legal in January, when Chicago keeps Central Standard Time.
    january = schedule(
        "2027-01-04T00:00:00-06:00",
        "2027-01-10T00:00:00-06:00",
        [("08:30", "20:00", CHI)],
        zone=CHI,
        jurisdictions=["US-MS"],
    )
    assert run(tmp_path, monkeypatch, january) == []


def test_florida_panhandle_without_a_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-09T00:00:00-05:00",
        [("08:00", "20:00", NY)],
        jurisdictions=["US-FL"],
    )
    assert run(tmp_path, monkeypatch, text) == [
        (
            "warning",
            "legal-no-window",
            "no enabled window calls US-FL callees in America/Chicago, so they are never "
            "called; add a window for America/Chicago or drop US-FL from the audience",
        )
    ]


def test_florida_central_window_open_at_20_30(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mon 2027-01-04 to Fri 2027-01-08: five days past Florida's 20:00.
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-09T00:00:00-05:00",
        [("08:00", "20:00", NY), ("08:00", "20:30", CHI)],
        jurisdictions=["US-FL"],
    )
    assert heads(run(tmp_path, monkeypatch, text)) == [
        (
            "legal-hours",
            "US-FL callees in America/Chicago can be called outside legal hours: first on "
            "Mon 2027-01-04 at 20:00-20:30 local time, 5 days in all",
        )
    ]


def test_pennsylvania_flag_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Flag Day 2027 is Monday June 14: not in the federal calendar, in Pennsylvania's list.
    text = schedule(
        "2027-06-14T00:00:00-04:00",
        "2027-06-15T00:00:00-04:00",
        [("09:00", "20:00", NY)],
        jurisdictions=["US-PA"],
    )
    found = run(tmp_path, monkeypatch, text)
    assert heads(found) == [
        (
            "legal-hours",
            "US-PA callees in America/New_York can be called outside legal hours: first on "
            "Mon 2027-06-14 at 09:00-20:00 local time, 1 day in all",
        )
    ]
    assert "US-PA allows none on Flag Day (73 P.S. 2245(a)(1)" in found[0][2]
    after = schedule(
        "2027-06-15T00:00:00-04:00",
        "2027-06-18T00:00:00-04:00",
        [("09:00", "20:00", NY)],
        jurisdictions=["US-PA"],
    )
    assert run(tmp_path, monkeypatch, after) == []


def test_oregon_closes_at_20_from_2026(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    windows = [("08:00", "21:00", "America/Los_Angeles"), ("08:00", "21:00", "America/Boise")]
    old = schedule(
        "2025-03-03T00:00:00-08:00",
        "2025-03-08T00:00:00-08:00",
        windows,
        zone="America/Los_Angeles",
        jurisdictions=["US-OR"],
    )
    assert run(tmp_path, monkeypatch, old) == []
    new = schedule(
        "2026-03-02T00:00:00-08:00",
        "2026-03-07T00:00:00-08:00",
        windows,
        zone="America/Los_Angeles",
        jurisdictions=["US-OR"],
    )
    assert heads(run(tmp_path, monkeypatch, new)) == [
        (
            "legal-hours",
            f"US-OR callees in {zone} can be called outside legal hours: first on "
            "Mon 2026-03-02 at 20:00-21:00 local time, 5 days in all",
        )
        for zone in ("America/Los_Angeles", "America/Boise")
    ]


def test_canada_weekday_21_15_is_legal_saturday_19_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weekdays = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-09T00:00:00-05:00",
        [("09:00", "21:15", "America/Toronto")],
        zone="America/Toronto",
        jurisdictions=["CA-ON"],
    )
    assert run(tmp_path, monkeypatch, weekdays) == []
    saturday = schedule(
        "2027-01-09T00:00:00-05:00",
        "2027-01-10T00:00:00-05:00",
        [("10:00", "19:00", "America/Toronto")],
        zone="America/Toronto",
        jurisdictions=["CA-ON"],
    )
    found = run(tmp_path, monkeypatch, saturday)
    assert heads(found) == [
        (
            "legal-hours",
            "CA-ON callees in America/Toronto can be called outside legal hours: first on "
            "Sat 2027-01-09 at 18:00-19:00 local time, 1 day in all",
        )
    ]
    assert "CA-CRTC allows 10:00-18:00 on Saturdays" in found[0][2]


def test_france_lunch_break_and_ascension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paris = "Europe/Paris"
    lunch = schedule(
        "2027-05-03T00:00:00+02:00",
        "2027-05-06T00:00:00+02:00",
        [("10:00", "13:30", paris)],
        zone=paris,
        jurisdictions=["FR"],
    )
    assert heads(run(tmp_path, monkeypatch, lunch)) == [
        (
            "legal-hours",
            "FR callees in Europe/Paris can be called outside legal hours: first on "
            "Mon 2027-05-03 at 13:00-13:30 local time, 3 days in all",
        )
    ]
    ascension = schedule(
        "2027-05-06T00:00:00+02:00",
        "2027-05-07T00:00:00+02:00",
        [("10:00", "13:00", paris)],
        zone=paris,
        jurisdictions=["FR"],
    )
    found = run(tmp_path, monkeypatch, ascension)
    assert heads(found) == [
        (
            "legal-hours",
            "FR callees in Europe/Paris can be called outside legal hours: first on "
            "Thu 2027-05-06 at 10:00-13:00 local time, 1 day in all",
        )
    ]
    assert "FR-D223-9 allows none on Ascension Day" in found[0][2]


@pytest.mark.parametrize(
    ("start", "end", "window", "spans"),
    [
        # Spring forward, Sun 2027-03-14: a 23-hour day; 07:00 EDT is still an hour early.
        (
            "2027-03-14T00:00:00-05:00",
            "2027-03-15T00:00:00-04:00",
            ("07:00", "21:00"),
            "07:00-08:00",
        ),
        # Fall back, Sun 2027-11-07: a 25-hour day; 21:30 EST is half an hour late.
        (
            "2027-11-07T00:00:00-04:00",
            "2027-11-08T00:00:00-05:00",
            ("08:00", "21:30"),
            "21:00-21:30",
        ),
        # The same days with a window of the whole day: the repeated or skipped hour is night.
        (
            "2027-03-14T00:00:00-05:00",
            "2027-03-15T00:00:00-04:00",
            ("00:00", "23:59"),
            "00:00-08:00, 21:00-23:59",
        ),
        (
            "2027-11-07T00:00:00-04:00",
            "2027-11-08T00:00:00-05:00",
            ("00:00", "23:59"),
            "00:00-08:00, 21:00-23:59",
        ),
    ],
)
def test_daylight_saving_days(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    start: str,
    end: str,
    window: tuple[str, str],
    spans: str,
) -> None:
    text = schedule(start, end, [(*window, NY)], jurisdictions=["US-NY"])
    day = "Sun 2027-03-14" if start.startswith("2027-03") else "Sun 2027-11-07"
    assert heads(run(tmp_path, monkeypatch, text)) == [
        (
            "legal-hours",
            f"US-NY callees in America/New_York can be called outside legal hours: first on "
            f"{day} at {spans} local time, 1 day in all",
        )
    ]


def test_a_whole_day_window_without_a_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-09T00:00:00-05:00",
        [("00:00", "23:59", NY)],
        purpose=None,
    )
    found = run(tmp_path, monkeypatch, text)
    assert heads(found) == [
        (
            "legal-hours",
            "no audience declared, so judged by the national baseline of US: US callees in "
            "America/New_York can be called outside legal hours: first on Mon 2027-01-04 at "
            "00:00-08:00, 21:00-23:59 local time, 5 days in all",
        )
    ]
    assert found[0][2].endswith(
        "declare `audience` (jurisdictions, purpose) to be judged by the law where the callees "
        "are (not legal advice)"
    )


def test_no_windows_means_the_whole_span(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = schedule(
        "2027-01-04T12:00:00-05:00", "2027-01-06T00:00:00-05:00", [], jurisdictions=["US-NY"]
    )
    # The span starts at noon: the first day breaks only at night, the second all night.
    assert heads(run(tmp_path, monkeypatch, text)) == [
        (
            "legal-hours",
            "US-NY callees in America/New_York can be called outside legal hours: first on "
            "Mon 2027-01-04 at 21:00-24:00 local time, 2 days in all",
        )
    ]


def test_blackouts_and_the_span_are_subtracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RI, Sat 2027-01-09 10:00-17:30: a blackout from 17:00 removes the late half hour.
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-10T00:00:00-05:00",
        [("10:00", "17:30", NY)],
        jurisdictions=["US-RI"],
        blackouts=[("2027-01-09T17:00:00-05:00", "2027-01-10T00:00:00-05:00", "Early close")],
    )
    assert run(tmp_path, monkeypatch, text) == []


def test_purpose_decides_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Texas's Sunday rule binds telemarketing; a debt collector keeps to Reg F's 08:00-21:00.
    text = schedule(
        "2027-01-03T00:00:00-06:00",
        "2027-01-04T00:00:00-06:00",
        [("10:00", "21:00", CHI), ("10:00", "21:00", DEN)],
        zone=CHI,
        jurisdictions=["US-TX"],
        purpose="debt-collection",
    )
    assert run(tmp_path, monkeypatch, text) == []


def test_a_whole_country_is_judged_by_the_strictest_composite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-05T00:00:00-05:00",
        [("09:00", "19:00", "Pacific/Honolulu")],
        zone="Pacific/Honolulu",
        jurisdictions=["US"],
    )
    # The span is Sun 19:00 to Mon 19:00 in Honolulu (UTC-10): Sunday's window is over before
    # it starts; on Monday the composite allows 10:00-18:00 (state unknown).
    found = run(tmp_path, monkeypatch, text)
    errors = [(rule, message) for severity, rule, message in found if severity == "error"]
    assert [(rule, head(message)) for rule, message in errors] == [
        (
            "legal-hours",
            "US callees in Pacific/Honolulu can be called outside legal hours: first on "
            "Mon 2027-01-04 at 09:00-10:00, 18:00-19:00 local time, 1 day in all",
        )
    ]
    assert "; US-COMPOSITE allows 10:00-18:00 on weekdays (composite of KY" in errors[0][1]


def test_unknown_jurisdiction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-05T00:00:00-05:00",
        [("09:00", "17:00", NY)],
        jurisdictions=["US-NY", "US-XX"],
    )
    assert run(tmp_path, monkeypatch, text) == [
        (
            "error",
            "legal-jurisdiction",
            "unknown jurisdiction 'US-XX'; use an ISO 3166 country (FR) or subdivision (US-TX) "
            "code; `cxsched laws` lists the known ones",
        )
    ]


def test_the_campaign_declares_the_audience_in_cxsched_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cxsched.yaml").write_text(
        "formatVersion: 1\n"
        "campaigns:\n"
        "  laws:\n"
        "    audience: {jurisdictions: [US-RI], purpose: telemarketing}\n",
        encoding="utf-8",
    )
    text = schedule(
        "2027-01-02T00:00:00-05:00",
        "2027-01-03T00:00:00-05:00",
        [("10:00", "17:30", NY)],
        purpose=None,
    )
    assert [rule for _, rule, _ in run(tmp_path, monkeypatch, text)] == ["legal-hours"]


def test_undeclared_schedules_get_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, schedule(START_MON, END_SAT, [("09:00", "20:00", NY)]))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "note: 1 schedule declares no audience, so calling hours were checked against the "
        "national baseline of their zones' countries only; declare `audience` (docs/laws.md)\n"
        "1 schedule file checked: no problems found\n"
    )


def test_a_span_longer_than_five_years_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2033-01-04T00:00:00-05:00",
        [("09:00", "20:00", NY)],
        jurisdictions=["US-NY"],
    )
    assert run(tmp_path, monkeypatch, text) == [
        (
            "error",
            "legal-span",
            "the schedule spans 2192 days; the calling-law proof judges at most 1827 (five "
            "years): split it into shorter schedules",
        )
    ]
