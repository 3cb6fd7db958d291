"""`cxsched export`: the interaction export polled over real HTTP, and --local metadata files."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.analytics.export import EXPORT_COLUMNS, Backoff, ExportError, run_export
from reconciler.api.protocol import ExportStatus
from reconciler.cli import main
from reconciler.cxone import CxoneClient, CxoneError
from reconciler.emulator import Emulator
from support.emulator import settings_for

STATUS = "GET /api/v2/interaction/exports/{exportId}"
START = "POST /api/v2/interaction/exports"

EAST = """\
formatVersion: 1
campaignId: east
name: East weekdays
timeZone: America/New_York
startTime: "2027-01-04T08:00:00-05:00"
endTime: "2027-12-31T21:00:00-05:00"
blackoutPeriods:
  - startTime: "2027-07-05T00:00:00-04:00"
    endTime: "2027-07-06T00:00:00-04:00"
    reason: Independence Day (observed)
  - startTime: "2027-05-31T00:00:00-04:00"
    endTime: "2027-06-01T00:00:00-04:00"
    reason: Memorial Day
regulatoryWindows:
  - {startTime: "08:00", endTime: "21:00", timeZone: America/New_York, enabled: true}
  - {startTime: "09:00", endTime: "17:00", timeZone: America/Chicago, enabled: false}
dialerSettings: {maxConcurrentCalls: 40, callRate: 6.5, capacityThreshold: 0.8}
"""
WEST = """\
formatVersion: 1
campaignId: west
scheduleId: sch-west-1
name: West, "evenings"
timeZone: America/Los_Angeles
startTime: "2027-01-04T17:00:00-08:00"
endTime: "2027-06-30T21:00:00-07:00"
# No windows: informational calls, for which no calling-hours rule is known.
audience: {jurisdictions: [US-CA], purpose: informational}
dialerSettings: {maxConcurrentCalls: 10, callRate: 2, capacityThreshold: 0.5}
"""

CSV = (
    "campaign,id,name,start,end,zone,windows,blackouts\n"
    "east,,East weekdays,2027-01-04T13:00:00Z,2028-01-01T02:00:00Z,America/New_York,"
    "09:00-17:00 America/Chicago (disabled); 08:00-21:00 America/New_York,"
    "2027-05-31T04:00:00Z/2027-06-01T04:00:00Z Memorial Day; "
    "2027-07-05T04:00:00Z/2027-07-06T04:00:00Z Independence Day (observed)\n"
    'west,sch-west-1,"West, ""evenings""",2027-01-05T01:00:00Z,2027-07-01T04:00:00Z,'
    "America/Los_Angeles,,\n"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for campaign, text in (("east", EAST), ("west", WEST)):
        (tmp_path / "schedules" / campaign).mkdir(parents=True)
        (tmp_path / "schedules" / campaign / "s.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def emu(emulator_factory: Any, repo: Path) -> Emulator:
    emulator: Emulator = emulator_factory(campaigns=("east", "west"))
    for campaign, text in (("east", EAST), ("west", WEST)):
        body = yaml.safe_load(text)
        del body["campaignId"], body["formatVersion"]
        body.pop("scheduleId", None)
        body.pop("audience", None)  # a file-only key, never sent to the API
        emulator.create_schedule(campaign, body)
    return emulator


def _run(emu: Emulator | None, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=emu.client_env() if emu else {})


def _trail(repo: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (repo / "audit/trail.jsonl").read_text().splitlines()]


def test_export_polls_until_completed(emu: Emulator, repo: Path) -> None:
    result = _run(emu, "export", "--campaign", "east")
    assert result.exit_code == 0, result.output
    campaign, export_id, status, rows = result.stdout.rstrip("\n").split("\t")
    assert (campaign, status, rows) == ("east", "completed", "1 rows")
    # queued on start, queued, running, running, completed: four polls.
    assert emu.count(endpoint=START) == 1
    assert emu.count(endpoint=STATUS, status=200) == 4
    assert _trail(repo)[0]["exports"] == [
        {
            "campaign": "east",
            "export_id": export_id,
            "status": "completed",
            "row_count": 1,
            "out": None,
        }
    ]


def test_export_survives_a_503(emu: Emulator) -> None:
    emu.inject_faults("503", 1, endpoint=STATUS)
    result = _run(emu, "export", "--campaign", "west")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\tcompleted\t1 rows\n")
    assert emu.count(endpoint=STATUS, status=503) == 1


def test_export_gives_up_at_its_timeout(emu: Emulator) -> None:
    started = time.monotonic()
    result = _run(emu, "export", "--campaign", "east", "--timeout", "0.3")
    elapsed = time.monotonic() - started
    assert (result.exit_code, result.stdout) == (1, "")
    assert re.fullmatch(
        r"error: export (\S+) of campaign east is still (queued|running) after 0\.3 s "
        r"\(\d polls\); raise --timeout, or poll it again later with "
        r"`cxsched export status \1`\n",
        result.stderr,
    ), result.stderr
    assert elapsed < 5
    assert emu.count(endpoint=STATUS) <= 3


def test_a_poll_failing_after_the_clients_retries_is_just_another_poll(emu: Emulator) -> None:
    settings = settings_for(emu)
    emu.inject_faults("503", 2, endpoint=STATUS)
    with CxoneClient(dataclasses.replace(settings, max_attempts=1)) as client:
        outcome = run_export(client, "east", timeout=10, backoff=Backoff(0.01, 2, 0.02))
    assert (outcome.status.status, outcome.transient_failures, outcome.polls) == ("completed", 2, 6)


class _Tenant:
    """A stateful fake of the export half of the seam: a fixed sequence of statuses."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.columns: tuple[str, ...] = ()

    def start_export(self, campaign_id: str, columns: tuple[str, ...]) -> ExportStatus:
        self.columns = columns
        return ExportStatus("exp-1", "queued")

    def get_export(self, export_id: str) -> ExportStatus:
        return ExportStatus(export_id, self.statuses.pop(0), 7)  # type: ignore[arg-type]


def test_backoff_doubles_to_its_cap_and_a_failed_export_raises() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    tenant = _Tenant(["queued"] * 6 + ["failed"])
    with pytest.raises(ExportError) as caught:
        run_export(tenant, "c1", timeout=60, sleep=sleep, clock=lambda: clock[0])  # type: ignore[arg-type]
    assert slept == [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0]
    assert str(caught.value) == (
        "export exp-1 of campaign c1 failed on the tenant after 7 polls; start it again, "
        "or ask the tenant's admin why"
    )
    assert (
        tenant.columns
        == EXPORT_COLUMNS
        == (
            "schedule.id",
            "schedule.name",
            "schedule.startTime",
            "schedule.endTime",
            "schedule.timeZone",
        )
    )


def test_local_csv_from_desired_files_is_exact_and_offline(repo: Path) -> None:
    result = _run(None, "export", "--local")
    assert (result.exit_code, result.stdout) == (0, CSV)
    record = _trail(repo)[0]
    assert (record["action"], record["source"], record["rows"]) == ("export-local", "desired", 2)


def test_local_json_to_a_file(repo: Path) -> None:
    result = _run(
        None, "export", "--local", "--format", "json", "--out", "wfm.json", "--campaign", "west"
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "wrote 1 rows to wfm.json\n")
    assert (repo / "wfm.json").read_text() == (
        '{\n  "format_version": 1,\n  "schedules": [\n    {\n'
        '      "campaign": "west",\n      "id": "sch-west-1",\n'
        '      "name": "West, \\"evenings\\"",\n'
        '      "start": "2027-01-05T01:00:00Z",\n      "end": "2027-07-01T04:00:00Z",\n'
        '      "zone": "America/Los_Angeles",\n      "windows": [],\n      "blackouts": []\n'
        "    }\n  ]\n}\n"
    )
    assert not list(repo.glob(".wfm.json.*"))  # no temp file left behind


def test_local_rows_from_live_state_match_the_desired_ones(emu: Emulator) -> None:
    live = _run(emu, "export", "--local", "--source", "live")
    assert live.exit_code == 0, live.output
    ids = {s["name"]: s["id"] for c in ("east", "west") for s in emu.schedules(c)}
    # The same rows, with the live ids (the desired west file pins an id of another tenant).
    expected = CSV.replace("east,,", f"east,{ids['East weekdays']},").replace(
        "sch-west-1", ids['West, "evenings"']
    )
    assert live.stdout == expected


def test_out_downloads_the_finished_export(emu: Emulator, repo: Path) -> None:
    result = _run(emu, "export", "--campaign", "east", "--out", "east.csv")
    assert result.exit_code == 0, result.output
    _, _, status, rows = result.stdout.rstrip("\n").split("\t")
    assert (status, rows) == ("completed", "1 rows")
    (live,) = emu.schedules("east")
    data = (repo / "east.csv").read_text(encoding="utf-8")
    assert data == (
        "schedule.id,schedule.name,schedule.startTime,schedule.endTime,schedule.timeZone\n"
        f"{live['id']},East weekdays,{live['startTime']},{live['endTime']},America/New_York\n"
    )
    assert result.stderr.splitlines()[0] == f"wrote {len(data)} bytes (1 rows) to east.csv"
    assert _trail(repo)[0]["exports"][0]["out"] == "east.csv"


def test_without_out_the_download_address_is_given(emu: Emulator) -> None:
    result = _run(emu, "export", "--campaign", "west")
    assert result.exit_code == 0, result.output
    export_id = result.stdout.split("\t")[1]
    assert result.stderr.splitlines()[0] == (
        f"download: {emu.base_url}/downloads/{export_id}.csv (pass --out FILE to save it)"
    )


def test_export_status_polls_an_export_started_earlier_and_downloads_it(
    emu: Emulator, repo: Path
) -> None:
    started = _run(emu, "export", "--campaign", "east", "--timeout", "0.01")
    assert started.exit_code == 1
    match = re.search(r"`cxsched export status (\S+)`", started.stderr)
    assert match, started.stderr
    export_id = match.group(1)
    result = _run(emu, "export", "status", export_id, "--out", "later.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{export_id}\tcompleted\t1 rows\n"
    assert (repo / "later.csv").read_text(encoding="utf-8").startswith("schedule.id,")
    missing = _run(emu, "export", "status", "nope")
    assert missing.exit_code == 1
    assert "answered HTTP 404" in missing.stderr


def test_out_takes_one_campaign(repo: Path) -> None:
    result = _run(None, "export", "--campaign", "east", "--campaign", "west", "--out", "x.csv")
    assert (result.exit_code, result.stderr) == (
        1,
        "error: --out saves one export's file: pass exactly one --campaign\n",
    )


def test_a_download_elsewhere_than_the_api_origin_is_refused(emu: Emulator) -> None:
    settings = settings_for(emu)
    elsewhere = ExportStatus("x", "completed", 1, "https://files.example/x.csv?sig=secret")
    with CxoneClient(settings) as client, pytest.raises(CxoneError) as caught:
        client.download_export(elsewhere, 1000)
    assert "at https://files.example, not on the API's own origin" in str(caught.value)
    assert "secret" not in str(caught.value)
