"""The plan's callable-time review, against the emulator over real HTTP: per zone, does a
change widen or narrow when callees can be called, as a week grid; widening needs review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.emulator import Emulator
from support.emulator import EmulatorFactory
from support.laws import schedule, write

NY = "America/New_York"
START, END = "2027-01-04T00:00:00-05:00", "2027-01-11T00:00:00-05:00"
# 08:00 added, 09:00-18:59 kept, 19:00 removed, every day of the week.
ROW = "........+##########-...."


@pytest.fixture
def emu(emulator_factory: EmulatorFactory) -> Emulator:
    emulator = emulator_factory(campaigns=("laws",))
    live: dict[str, Any] = {
        "name": "Law test",
        "startTime": START,
        "endTime": END,
        "timeZone": NY,
        "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 5, "capacityThreshold": 0.5},
        "regulatoryWindows": [
            {"startTime": "09:00", "endTime": "20:00", "timeZone": NY, "enabled": True}
        ],
    }
    emulator.create_schedule("laws", live)
    return emulator


def plan(emu: Emulator, root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    env = {**emu.client_env(), "CXONE_RPS": "500"}
    return CliRunner().invoke(main, ["plan", *args], env=env, catch_exceptions=False)


def test_a_window_moved_earlier_widens_and_narrows(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, schedule(START, END, [("08:00", "19:00", NY)], jurisdictions=["US-NY"]))
    result = plan(emu, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    review = result.stdout.split("      callable time: ", 1)[1].split("\n\nPlan: ")[0]
    assert review.splitlines() == [
        "needs compliance review (+ added, - removed, # kept, . never; local hours)",
        "        America/New_York widens and narrows",
        "              0     6     12    18",
        *(f"          {day} {ROW}" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")),
    ]
    data = json.loads(plan(emu, tmp_path, monkeypatch, "--format", "json").stdout)
    assert data["actions"][0]["review"] == {
        "needs_compliance_review": True,
        "zones": [{"zone": NY, "verdict": "widens and narrows", "grid": [ROW] * 7}],
    }
    markdown = plan(emu, tmp_path, monkeypatch, "--format", "markdown").stdout
    assert "**Callable time widens: needs compliance review.**" in markdown
    assert f"    Mon {ROW}\n" in markdown


def test_a_narrower_window_needs_no_review(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, schedule(START, END, [("10:00", "20:00", NY)], jurisdictions=["US-NY"]))
    data = json.loads(plan(emu, tmp_path, monkeypatch, "--format", "json").stdout)
    assert data["actions"][0]["review"] == {
        "needs_compliance_review": False,
        "zones": [
            {"zone": NY, "verdict": "narrows", "grid": ["." * 9 + "-" + "#" * 10 + "...."] * 7}
        ],
    }
    markdown = plan(emu, tmp_path, monkeypatch, "--format", "markdown").stdout
    assert "Callable time only narrows." in markdown


def test_a_change_of_pace_has_no_review(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(START, END, [("09:00", "20:00", NY)], jurisdictions=["US-NY"])
    write(tmp_path, text.replace("callRate: 5", "callRate: 6"))
    result = plan(emu, tmp_path, monkeypatch)
    assert "callable time" not in result.stdout
    data = json.loads(plan(emu, tmp_path, monkeypatch, "--format", "json").stdout)
    assert "review" not in data["actions"][0]
    assert data["actions"][0]["kind"] == "update"
