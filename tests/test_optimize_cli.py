"""`cxsched optimize` against the emulator over real HTTP, through the CLI entry point.

The emulator's synthetic history peaks at 18:00 local on weekdays, in the zone of each
campaign's first schedule. History: 14 days before 2027-03-20T00:00Z (across the US DST change
of 2027-03-14).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
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

NOW = "2027-03-20T00:00:00Z"
ANALYTICS = "POST /api/v2/analytics/campaigns/details/query"

WEST = """\
# yaml-language-server: $schema=../../schemas/schedule.schema.json
formatVersion: 1
campaignId: west
name: West weekdays   # the Los Angeles team
timeZone: America/Los_Angeles
startTime: "2027-01-04T08:00:00-08:00"
endTime: "2027-12-31T21:00:00-08:00"
regulatoryWindows:
  - startTime: "08:00"
    endTime: "21:00"
    timeZone: America/Los_Angeles
    enabled: true
dialerSettings:
  maxConcurrentCalls: 40   # lines
  callRate: 20             # attempts per minute
  capacityThreshold: 0.8
optimizationSettings:
  useHistoricalAnswerRates: true
  peakHourBoost: 1.2
"""
EAST = (
    WEST.replace("west", "east")
    .replace("West", "East")
    .replace("Los Angeles team", "New York team")
    .replace("America/Los_Angeles", "America/New_York")
    .replace("-08:00", "-05:00")
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for campaign, text in (("west", WEST), ("east", EAST)):
        (tmp_path / "schedules" / campaign).mkdir(parents=True)
        (tmp_path / "schedules" / campaign / "weekdays.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def emu(emulator_factory: Any, repo: Path) -> Emulator:
    """An emulator whose campaigns hold the repo's schedules (they set each campaign's zone)."""
    emulator: Emulator = emulator_factory(campaigns=("west", "east"))
    for path in sorted((repo / "schedules").rglob("*.yaml")):
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
        campaign = body.pop("campaignId")
        del body["formatVersion"]
        emulator.create_schedule(campaign, body)
    return emulator


def _run(emu: Emulator | None, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=emu.client_env() if emu else {})


def _json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["campaign_id"]: s for s in data["schedules"]}


def _recs(schedule: dict[str, Any]) -> dict[str, Any]:
    return {r["field"]: r["value"] for r in schedule["recommendations"]}


def _peak(schedule: dict[str, Any]) -> int:
    return int(max(schedule["weekday"], key=lambda h: h["rate"])["hour"])


def _utc_peak(emu: Emulator, campaign: str, day: str) -> int:
    """The UTC hour of the highest answer rate on one day, from the raw hourly buckets."""
    settings = settings_for(emu)
    attempts: dict[int, int] = {}
    answered: dict[int, int] = {}
    with CxoneClient(settings) as client:
        query = AnalyticsQuery(campaign, "hour", f"{day}T00:00:00Z", f"{day}T23:59:59Z")
        for b in client.query_analytics(query):
            hour = datetime.fromisoformat(b.interval).astimezone(UTC).hour
            attempts[hour] = attempts.get(hour, 0) + b.count
            answered[hour] = answered.get(hour, 0) + (b.count if b.disposition == "ANSWERED" else 0)
    return max(attempts, key=lambda h: answered[h] / attempts[h])


def test_finds_the_weekday_peak_in_each_schedules_own_zone(emu: Emulator) -> None:
    data = _json(_run(emu, "optimize", "--now", NOW, "--format", "json"))
    schedules = _by_name(data)
    # One query per campaign (three pages of hourly buckets each): the only analytics calls.
    assert emu.count(endpoint=ANALYTICS) == emu.count(endpoint=ANALYTICS, status=200) == 6
    # The raw history peaks at different UTC hours: 18:00 PDT is 01:00Z, 18:00 EDT is 22:00Z ...
    assert _utc_peak(emu, "west", "2027-03-17") == 1
    assert _utc_peak(emu, "east", "2027-03-16") == 22
    # ... and both are the same local hour, across the DST change inside the period.
    assert _peak(schedules["west"]) == _peak(schedules["east"]) == 18
    assert [h["hour"] for h in schedules["west"]["weekday"]] == list(range(8, 21))
    assert data["queries"] == [
        {"campaign_id": c, "interval": "hour", "from": "2027-03-06T00:00:00Z", "to": NOW}
        for c in ("east", "west")
    ]
    assert _recs(schedules["west"]) == {
        "peakHourBoost": 1.54,
        "callRate": 19.24,
        "maxConcurrentCalls": 50,
    }
    reasons = [r["reason"] for r in schedules["west"]["recommendations"]]
    assert reasons[0] == (
        "peak 18:00 answers 45.1% [43.6%-46.6%], the mean 29.3% [28.9%-29.7%]; "
        "boost = peak / mean = 1.54"
    )
    assert reasons[1].startswith("keeps the expected answered calls per weekday of callRate 20")
    assert reasons[2] == "scales with the peak pace callRate x boost (1.23x): 50"


def test_text_report_has_a_table_with_bars(emu: Emulator) -> None:
    result = _run(emu, "optimize", "schedules/west", "--now", NOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "answer rates 2027-03-06T00:00Z to 2027-03-20T00:00Z, 1 hourly analytics query; "
        "tenant maxCallRate 30, capacity 200"
    )
    assert lines[2] == "west / West weekdays (America/Los_Angeles) schedules/west/weekdays.yaml"
    assert lines[3] == "  weekday  attempts  answer  95% interval"
    peak = next(line for line in lines if line.startswith("  18:00"))
    assert peak.endswith("█" * 20)  # the highest rate gets the full bar
    assert lines[-4:-2] == [
        "  recommendations",
        "    peakHourBoost       1.2 -> 1.54: peak 18:00 answers 45.1% [43.6%-46.6%], the mean "
        "29.3% [28.9%-29.7%]; boost = peak / mean = 1.54",
    ]


def test_markdown_report(emu: Emulator) -> None:
    result = _run(emu, "optimize", "schedules/east", "--now", NOW, "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:6] == [
        "## cxsched optimize",
        "",
        "Answer rates from 2027-03-06T00:00Z to 2027-03-20T00:00Z; tenant maxCallRate 30, "
        "capacity 200.",
        "",
        "### east / East weekdays (America/New_York)",
        "",
    ]
    assert "| `maxConcurrentCalls` | 40 -> 50 | scales with the peak pace callRate x boost " in (
        result.stdout
    )


def test_thin_data_recommends_nothing_and_says_why(emu: Emulator) -> None:
    data = _json(
        _run(
            emu,
            "optimize",
            "schedules/west",
            "--now",
            NOW,
            "--min-attempts",
            "5000",
            "--format",
            "json",
        )
    )
    recs = data["schedules"][0]["recommendations"]
    assert [r["value"] for r in recs] == [None, None, None]
    assert recs[0]["reason"] == (
        "thin data: weekday 08:00 has 4064, 09:00 has 3918, 10:00 has 3918 (and 10 more) "
        "attempts, fewer than the minimum 5000 per hour; query more days or lower --min-attempts"
    )
    # A single Sunday has no weekday hour at all.
    sunday = _json(
        _run(
            emu,
            "optimize",
            "schedules/west",
            "--days",
            "1",
            "--now",
            "2027-03-22T07:00:00Z",
            "--format",
            "json",
        )
    )
    recs = sunday["schedules"][0]["recommendations"]
    assert {r["value"] for r in recs} == {None}
    assert recs[1]["reason"] == (
        "thin data: no weekday hour inside the enabled regulatory windows over the period; "
        "query more days or lower --min-attempts"
    )


def test_recommendations_never_exceed_the_tenants_limits(emu: Emulator) -> None:
    emu.set_capacity(10, 5.0)
    data = _json(_run(emu, "optimize", "schedules/west", "--now", NOW, "--format", "json"))
    recs = {r["field"]: r for r in data["schedules"][0]["recommendations"]}
    assert data["limits"] == {"max_concurrent_calls": 10, "max_call_rate": 5.0}
    # callRate x boost stays within maxCallRate 5; concurrency within 10 x 0.8 = 8.
    assert recs["callRate"]["value"] == 3.24  # floor(5 / 1.54, 0.01)
    assert recs["callRate"]["value"] * recs["peakHourBoost"]["value"] <= 5.0
    assert recs["maxConcurrentCalls"]["value"] == 8
    assert recs["callRate"]["reason"].endswith(
        ", bounded by the tenant's maxCallRate 5 / boost 1.54 = 3.25"
    )
    assert recs["maxConcurrentCalls"]["reason"] == (
        "scales with the peak pace callRate x boost (0.21x): 9, bounded by the tenant's "
        "capacity 10 x capacityThreshold 0.8 = 8"
    )


def test_write_changes_only_the_recommended_values_and_keeps_comments(
    emu: Emulator, repo: Path
) -> None:
    result = _run(emu, "optimize", "schedules/west", "--now", NOW, "--write")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [  # every field written, with its old value
        "wrote schedules/west/weekdays.yaml",
        "  /dialerSettings/callRate: 20 -> 19.24",
        "  /dialerSettings/maxConcurrentCalls: 40 -> 50",
        "  /optimizationSettings/peakHourBoost: 1.2 -> 1.54",
    ]
    after = (repo / "schedules/west/weekdays.yaml").read_text(encoding="utf-8")
    expected = (
        WEST.replace("maxConcurrentCalls: 40   # lines", "maxConcurrentCalls: 50   # lines")
        .replace("callRate: 20             #", "callRate: 19.24          #")
        .replace("peakHourBoost: 1.2", "peakHourBoost: 1.54")
    )
    assert after == expected
    # The edited file validates, and a second run has nothing left to change.
    assert _run(None, "validate", "schedules/west").exit_code == 0
    again = _json(_run(emu, "optimize", "schedules/west", "--now", NOW, "--format", "json"))
    assert [r["changed"] for r in again["schedules"][0]["recommendations"]] == [False] * 3
    trail = [json.loads(line) for line in (repo / "audit/trail.jsonl").read_text().splitlines()]
    assert [(r["event"], r["written"], r["status"]) for r in trail] == [
        ("optimize", ["schedules/west/weekdays.yaml"], "ok"),
        ("optimize", [], "ok"),
    ]
    assert trail[0]["query"] == {
        "interval": "hour",
        "from": "2027-03-06T00:00:00Z",
        "to": NOW,
        "min_attempts": 100,
    }
    assert emu.client_secret not in (repo / "audit/trail.jsonl").read_text()


def test_write_restores_a_file_that_no_longer_validates(emu: Emulator, repo: Path) -> None:
    # The repository's tenant profile allows 45 concurrent calls; the live tenant 200.
    (repo / "cxsched.yaml").write_text("formatVersion: 1\ntenant:\n  maxConcurrentCalls: 45\n")
    result = _run(emu, "optimize", "schedules/west", "--now", NOW, "--write")
    assert result.exit_code == 1
    assert "error: the recommended values do not validate in schedules/west/weekdays.yaml, " in (
        result.stderr
    )
    assert "the file was restored" in result.stderr
    assert (repo / "schedules/west/weekdays.yaml").read_text(encoding="utf-8") == WEST
    trail = (repo / "audit/trail.jsonl").read_text().splitlines()
    assert json.loads(trail[-1])["status"] == "error"


def test_invalid_desired_state_makes_no_api_call(emu: Emulator, repo: Path) -> None:
    (repo / "schedules/west/weekdays.yaml").write_text(WEST.replace("callRate: 20", "callRate: -1"))
    result = _run(emu, "optimize", "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == (
        "schedules/west/weekdays.yaml:15:3: error schema-range: callRate must be greater than 0, "
        "not -1\n2 schedule files checked: 1 error, 0 warnings\n"
        "error: the desired state does not validate; no API call was made\n"
    )
    assert emu.count() == 0


@pytest.mark.parametrize(
    ("now", "message"),
    [
        (
            "2027-03-20T00:00:00",
            "--now '2027-03-20T00:00:00' has no UTC offset; add Z or e.g. -05:00",
        ),
        ("yesterday", "--now 'yesterday' is not ISO 8601; write e.g. 2027-01-15T00:00:00Z"),
    ],
)
def test_bad_now_is_refused(repo: Path, now: str, message: str) -> None:
    result = _run(None, "optimize", "--now", now)
    assert (result.exit_code, result.stderr) == (1, f"error: {message}\n")


def test_plot_without_matplotlib_names_the_extra(repo: Path) -> None:
    code = "import sys; sys.modules['matplotlib'] = None; from reconciler.cli import main; main()"
    args = [sys.executable, "-c", code, "optimize", "--now", NOW, "--plot", "rates.png"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "error: --plot needs matplotlib: install cxsched[plot] (pip install 'cxsched[plot]')\n"
    )


def test_plot_draws_a_png(emu: Emulator, repo: Path) -> None:
    pytest.importorskip(
        "matplotlib", reason="matplotlib (the cxsched[plot] extra) is not installed"
    )
    result = _run(emu, "optimize", "--now", NOW, "--plot", "rates.png")
    assert result.exit_code == 0, result.output
    assert result.stderr == "plotted rates.png\n"
    assert (repo / "rates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_reports_turning_on_historical_answer_rates(emu: Emulator, repo: Path) -> None:
    path = repo / "schedules/west/weekdays.yaml"
    path.write_text(
        WEST.replace("useHistoricalAnswerRates: true", "useHistoricalAnswerRates: false")
    )
    result = _run(emu, "optimize", "schedules/west", "--now", NOW, "--write")
    assert result.exit_code == 0, result.output
    assert "  /optimizationSettings/useHistoricalAnswerRates: false -> true" in (
        result.stderr.splitlines()
    )
    assert "useHistoricalAnswerRates: true" in path.read_text(encoding="utf-8")


MULTI = WEST.replace(
    """    timeZone: America/Los_Angeles
    enabled: true
dialerSettings:""",
    """    timeZone: America/Los_Angeles
    enabled: true
  - startTime: "08:00"
    endTime: "21:00"
    timeZone: Pacific/Honolulu
    enabled: true
dialerSettings:""",
)


def test_hours_no_one_dialed_do_not_block_advice_for_a_multi_zone_schedule(
    emu: Emulator, repo: Path
) -> None:
    # Honolulu's window reaches 21:00-23:00 Los Angeles time, when the campaign never dials.
    (repo / "schedules/west/weekdays.yaml").write_text(MULTI, encoding="utf-8")
    result = _run(emu, "optimize", "schedules/west", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "thin data" not in result.stdout
    assert "  not dialed in the period (not counted): weekday 21:00, 22:00, 23:00; " in (
        result.stdout
    )
    data = _json(_run(emu, "optimize", "schedules/west", "--now", NOW, "--format", "json"))
    (west,) = data["schedules"]
    assert {"day": "weekday", "hour": 22} in west["not_dialed"]
    assert [r["value"] is not None for r in west["recommendations"]] == [True] * 3
