"""`cxsched adherence` against the emulator: planned vs actual attempts per local day.

Planned figures are computed by hand below. Actual attempts are the emulator's synthetic
history (about 400 attempts an hour on weekdays, 240 on weekends, 08:00-21:00 local); the test
sums them independently over each local day written as a literal UTC range.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.api.protocol import AnalyticsQuery
from reconciler.cli import main
from reconciler.cxone import CxoneClient
from reconciler.emulator import Emulator
from support.emulator import settings_for

LIST = "GET /api/v2/campaigns/{campaignId}/schedules"
ANALYTICS = "POST /api/v2/analytics/campaigns/details/query"

EAST = """\
formatVersion: 1
campaignId: east
name: East evenings
timeZone: America/New_York
startTime: "2027-03-01T00:00:00-05:00"
endTime: "2027-12-01T00:00:00-05:00"
blackoutPeriods:
  - startTime: "2027-03-15T12:00:00-04:00"
    endTime: "2027-03-16T00:00:00-04:00"
    reason: Staff meeting
regulatoryWindows:
  - {startTime: "08:00", endTime: "21:00", timeZone: America/New_York, enabled: true}
  - {startTime: "09:00", endTime: "17:00", timeZone: Europe/London, enabled: false}
dialerSettings:
  maxConcurrentCalls: 40
  callRate: 6.5
  capacityThreshold: 0.8
"""

# Spring-forward week, callRate 6.5 attempts/min, window 08:00-21:00 New York = 780 min/day:
#   2027-03-10 .. 03-14 and 03-16: 780 min x 6.5 = 5070.0 planned each
#   2027-03-14 is 23 hours long (02:00 EST -> 03:00 EDT) but its window is still 780 min
#   2027-03-15: blackout 12:00-24:00 EDT leaves 08:00-12:00 = 240 min x 6.5 = 1560.0
#   total planned: 6 x 5070.0 + 1560.0 = 31980.0
SPRING_PLANNED = [5070.0, 5070.0, 5070.0, 5070.0, 5070.0, 1560.0, 5070.0]
SPRING_HOURS = [24, 24, 24, 24, 23, 24, 24]
# Local days as UTC ranges: midnight EST is 05:00Z, midnight EDT is 04:00Z.
SPRING_DAYS = [
    ("2027-03-10", "2027-03-10T05:00:00Z", "2027-03-11T05:00:00Z"),
    ("2027-03-11", "2027-03-11T05:00:00Z", "2027-03-12T05:00:00Z"),
    ("2027-03-12", "2027-03-12T05:00:00Z", "2027-03-13T05:00:00Z"),
    ("2027-03-13", "2027-03-13T05:00:00Z", "2027-03-14T05:00:00Z"),
    ("2027-03-14", "2027-03-14T05:00:00Z", "2027-03-15T04:00:00Z"),  # 23 hours
    ("2027-03-15", "2027-03-15T04:00:00Z", "2027-03-16T04:00:00Z"),
    ("2027-03-16", "2027-03-16T04:00:00Z", "2027-03-17T04:00:00Z"),
]
# Fall-back week: 2027-11-07 is 25 hours long (02:00 EDT -> 01:00 EST), 780 min x 6.5 still.
FALL_PLANNED = [5070.0] * 7  # total 35490.0
FALL_HOURS = [24, 24, 24, 25, 24, 24, 24]
FALL_DAYS = [
    ("2027-11-04", "2027-11-04T04:00:00Z", "2027-11-05T04:00:00Z"),
    ("2027-11-05", "2027-11-05T04:00:00Z", "2027-11-06T04:00:00Z"),
    ("2027-11-06", "2027-11-06T04:00:00Z", "2027-11-07T04:00:00Z"),
    ("2027-11-07", "2027-11-07T04:00:00Z", "2027-11-08T05:00:00Z"),  # 25 hours
    ("2027-11-08", "2027-11-08T05:00:00Z", "2027-11-09T05:00:00Z"),
    ("2027-11-09", "2027-11-09T05:00:00Z", "2027-11-10T05:00:00Z"),
    ("2027-11-10", "2027-11-10T05:00:00Z", "2027-11-11T05:00:00Z"),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schedules/east").mkdir(parents=True)
    (tmp_path / "schedules/east/evenings.yaml").write_text(EAST, encoding="utf-8")
    return tmp_path


@pytest.fixture
def emu(emulator_factory: Any, repo: Path) -> Emulator:
    emulator: Emulator = emulator_factory(campaigns=("east",))
    body = yaml.safe_load(EAST)
    del body["campaignId"], body["formatVersion"]
    emulator.create_schedule("east", body)
    return emulator


def _run(emu: Emulator, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=emu.client_env())


def _actual(emu: Emulator, days: list[tuple[str, str, str]]) -> list[int]:
    """Attempts of the campaign's only schedule in each UTC range, read independently."""
    settings = settings_for(emu)
    with CxoneClient(settings) as client:
        return [
            sum(b.count for b in client.query_analytics(AnalyticsQuery("east", "hour", lo, hi)))
            for _, lo, hi in days
        ]


def _check_days(
    data: dict[str, Any], days: list[Any], planned: list[float], hours: list[int], actual: list[int]
) -> None:
    rows = data["schedules"][0]["days"]
    assert [r["date"] for r in rows] == [d[0] for d in days]
    assert [r["planned"] for r in rows] == planned
    assert [r["hours"] for r in rows] == hours
    assert [r["actual"] for r in rows] == actual
    assert [r["adherence"] for r in rows] == [
        round(a / p, 4) for a, p in zip(actual, planned, strict=True)
    ]
    flagged = [abs(a / p - 1) > 0.1 for a, p in zip(actual, planned, strict=True)]
    assert [r["flagged"] for r in rows] == flagged


def test_spring_forward_week_across_a_blackout_matches_the_hand_computation(
    emu: Emulator,
) -> None:
    result = _run(
        emu, "adherence", "--from", "2027-03-10", "--to", "2027-03-16", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    actual = _actual(emu, SPRING_DAYS)
    _check_days(data, SPRING_DAYS, SPRING_PLANNED, SPRING_HOURS, actual)
    schedule = data["schedules"][0]
    assert schedule["planned"] == 31980.0
    assert schedule["actual"] == sum(actual)
    assert schedule["adherence"] == round(sum(actual) / 31980.0, 4)
    # Weekdays dial about 400 x 13 = 5200 (within 10% of 5070); the weekend (~3120) and the
    # blackout day (dialed all day by the emulator, planned 1560) are flagged.
    assert [r["flagged"] for r in schedule["days"]] == [
        False,
        False,
        False,
        True,
        True,
        True,
        False,
    ]
    # Lookup by name: one list call; one hourly query filtered to the schedule (2 pages).
    assert emu.count(endpoint=LIST) == 1


def test_fall_back_week_has_a_25_hour_day(emu: Emulator) -> None:
    result = _run(
        emu, "adherence", "--from", "2027-11-04", "--to", "2027-11-10", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _check_days(data, FALL_DAYS, FALL_PLANNED, FALL_HOURS, _actual(emu, FALL_DAYS))
    assert data["schedules"][0]["planned"] == 35490.0


def test_text_and_csv_reports(emu: Emulator) -> None:
    text = _run(emu, "adherence", "--from", "2027-03-14", "--to", "2027-03-15")
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == (
        "adherence 2027-03-14 to 2027-03-15 (local days of each schedule), tolerance +-10%"
    )
    assert lines[3] == "  date        hours  callable min   planned    actual  adherence"
    assert lines[4].startswith("  2027-03-14     23         780.0    5070.0  ")
    assert lines[5].startswith("  2027-03-15     24         240.0    1560.0  ")
    assert lines[4].endswith("  !") and lines[5].endswith("  !")
    out = _run(emu, "adherence", "--from", "2027-03-14", "--to", "2027-03-15", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == [
        "campaign",
        "schedule",
        "scheduleId",
        "date",
        "hours",
        "callableMinutes",
        "planned",
        "actual",
        "adherence",
        "flagged",
    ]
    assert [r[3:7] for r in rows[1:]] == [
        ["2027-03-14", "23", "780.0", "5070.0"],
        ["2027-03-15", "24", "240.0", "1560.0"],
    ]
    assert [r[9] for r in rows[1:]] == ["true", "true"]


def test_fail_under_exits_1_and_a_pinned_id_needs_no_list_call(emu: Emulator, repo: Path) -> None:
    live_id = emu.schedules("east")[0]["id"]
    path = repo / "schedules/east/evenings.yaml"
    path.write_text(EAST.replace("name: East", f"scheduleId: {live_id}\nname: East"))
    emu.reset_counters()
    args = ("adherence", "--from", "2027-03-10", "--to", "2027-03-16", "--format", "json")
    passed = _run(emu, *args, "--fail-under", "0.9")
    totals = json.loads(passed.stdout)["schedules"][0]
    overall = totals["actual"] / totals["planned"]
    assert (passed.exit_code, 0.9 < overall < 1.1) == (0, True)
    failed = _run(emu, *args, "--fail-under", "1.5")
    assert failed.exit_code == 1
    assert failed.stderr == f"error: adherence below 1.5: east/East evenings {overall:.1%}\n"
    assert emu.count(endpoint=LIST) == 0
    trail = [json.loads(line) for line in (repo / "audit/trail.jsonl").read_text().splitlines()]
    assert [(r["event"], r["status"]) for r in trail] == [
        ("adherence", "ok"),
        ("adherence", "below"),
    ]
    assert trail[0]["results"][0]["schedule_id"] == live_id


def test_a_schedule_not_on_the_tenant_is_skipped_with_the_reason(emu: Emulator, repo: Path) -> None:
    (repo / "schedules/east/evenings.yaml").write_text(EAST.replace("East evenings", "Brand new"))
    result = _run(emu, "adherence", "--from", "2027-03-10", "--to", "2027-03-10")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "skipped east / Brand new: campaign east has no live schedule named 'Brand new'; "
        "apply it first, or pin its scheduleId"
    )
    assert emu.count(endpoint=ANALYTICS) == 0


def test_a_reversed_range_is_refused(emu: Emulator) -> None:
    result = _run(emu, "adherence", "--from", "2027-03-16", "--to", "2027-03-10")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: --from 2027-03-16 is after --to 2027-03-10; swap them\n",
    )


def test_markdown_over_the_week_before_now(emu: Emulator) -> None:
    result = _run(emu, "adherence", "--now", "2027-03-17T12:00:00Z", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        "## cxsched adherence",
        "",
        "Adherence 2027-03-10 to 2027-03-16 (local days of each schedule), tolerance +-10%.",
        "",
        "### east / East evenings (America/New_York)",
        "",
        "| date | hours | callable min | planned | actual | adherence | |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    assert lines[8].startswith("| 2027-03-10 | 24 | 780.0 | 5070.0 | ")
    assert lines[13].startswith("| 2027-03-15 | 24 | 240.0 | 1560.0 | ")
    assert lines[13].endswith(" | ! |")
    assert lines[15].startswith("| **overall** | | | 31980.0 | ")


def test_a_span_outside_the_period_is_said_not_shown_as_silent_zeros(emu: Emulator) -> None:
    result = _run(emu, "adherence", "--now", "2026-12-01T12:00:00Z")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == (
        "  note: its span 2027-03-01 to 2027-11-30 does not overlap the period 2026-11-24 to "
        "2026-11-30: nothing was planned (pass --from/--to within the span)"
    )
    data = json.loads(
        _run(emu, "adherence", "--now", "2026-12-01T12:00:00Z", "--format", "json").stdout
    )
    assert data["schedules"][0]["note"].startswith("its span 2027-03-01 to 2027-11-30 ")
    inside = json.loads(
        _run(
            emu, "adherence", "--from", "2027-03-10", "--to", "2027-03-16", "--format", "json"
        ).stdout
    )
    assert inside["schedules"][0]["note"] is None
