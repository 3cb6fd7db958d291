"""Organisation policy in cxsched.yaml: stricter house rules, counsel-approved exceptions in
validate, in the plan and in the audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.emulator import Emulator
from support.emulator import EmulatorFactory
from support.laws import legal, schedule, validate, write

NY = "America/New_York"
START, END = "2027-01-08T00:00:00-05:00", "2027-01-11T00:00:00-05:00"  # Fri to Sun
POLICY = """\
formatVersion: 1
laws:
  houseRules:
    - id: HOUSE-HOURS
      hours: {weekday: [["09:00", "20:00"]], sunday: []}
      reason: no calls before 09:00 or after 20:00, none on Sundays
  exceptions:
    - rule: US-RI
      campaign: laws
      until: "2027-01-09"
      reason: consented customers only, memo 2026-12-01
      approvedBy: J. Doe, counsel
"""


def test_a_house_rule_narrows_what_the_law_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cxsched.yaml").write_text(
        POLICY.split("  exceptions:", maxsplit=1)[0], encoding="utf-8"
    )
    text = schedule(START, END, [("08:30", "20:00", NY)], jurisdictions=["US-NY"])
    write(tmp_path, text)
    code, findings = validate(tmp_path, monkeypatch)
    assert code == 1
    assert [message.split("; ", 2)[:2] for _, _, message in legal(findings)] == [
        [
            "US-NY callees in America/New_York can be called outside legal hours: first on "
            "Fri 2027-01-08 at 08:30-09:00 local time, 3 days in all",
            "HOUSE-HOURS allows 09:00-20:00 on weekdays (house rule, cxsched.yaml "
            "laws.houseRules[0]: no calls before 09:00 or after 20:00, none on Sundays, "
            "confidence P)",
        ]
    ]


def test_an_exception_lifts_a_rule_until_its_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cxsched.yaml").write_text(
        "formatVersion: 1\nlaws:\n"
        + POLICY.split("laws:\n")[1].split("  houseRules:", maxsplit=1)[0]
        + "  exceptions:"
        + POLICY.split("  exceptions:")[1],
        encoding="utf-8",
    )
    # RI closes at 17:00 on Saturdays and all Sunday: lifted to Saturday the 9th, not after.
    text = schedule(START, END, [("10:00", "17:30", NY)], jurisdictions=["US-RI"])
    write(tmp_path, text)
    code, findings = validate(tmp_path, monkeypatch)
    assert code == 1
    assert [message.split("; ", 1)[0] for _, _, message in legal(findings)] == [
        "US-RI callees in America/New_York can be called outside legal hours: first on "
        "Sun 2027-01-10 at 10:00-17:30 local time, 1 day in all"
    ]


@pytest.fixture
def emu(emulator_factory: EmulatorFactory) -> Emulator:
    emulator = emulator_factory(campaigns=("laws",))
    live: dict[str, Any] = {
        "name": "Law test",
        "startTime": START,
        "endTime": END,
        "timeZone": NY,
        "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 5, "capacityThreshold": 0.5},
    }
    emulator.create_schedule("laws", live)
    return emulator


def test_exceptions_appear_in_the_plan_and_the_audit_trail(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = "formatVersion: 1\nlaws:\n  exceptions:" + POLICY.split("  exceptions:")[1]
    (tmp_path / "cxsched.yaml").write_text(config, encoding="utf-8")
    sunday = ("2027-01-10T00:00:00-05:00", "2027-01-11T00:00:00-05:00", "Sunday")
    text = schedule(
        START, END, [("10:00", "17:30", NY)], jurisdictions=["US-RI"], blackouts=[sunday]
    )
    write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    env = {**emu.client_env(), "CXONE_RPS": "500"}
    result = CliRunner().invoke(main, ["plan"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (
        "Calling-law exceptions approved by counsel (cxsched.yaml laws.exceptions):\n"
        "  ! US-RI lifted for laws/* until 2027-01-09: consented customers only, memo "
        "2026-12-01 (approved by J. Doe, counsel)\n"
    ) in result.stdout
    expected = {
        "rule": "US-RI",
        "campaign": "laws",
        "name": "*",
        "until": "2027-01-09",
        "reason": "consented customers only, memo 2026-12-01",
        "approved_by": "J. Doe, counsel",
    }
    data = json.loads(CliRunner().invoke(main, ["plan", "--format", "json"], env=env).stdout)
    assert data["law_exceptions"] == [expected]
    saved = CliRunner().invoke(main, ["plan", "--out", "plan.json"], env=env)
    assert saved.exit_code == 0, saved.output
    applied = CliRunner().invoke(main, ["apply", "plan.json"], env=env)
    assert applied.exit_code == 0, applied.output
    records = [
        json.loads(line)
        for line in (tmp_path / "audit" / "trail.jsonl").read_text("utf-8").splitlines()
    ]
    plans = [r for r in records if r.get("event") == "plan"]
    assert [(r["action"], r["law_exceptions"]) for r in plans] == [
        ("plan", [expected]),  # only the saved plan is recorded; the dry runs are not
        ("apply", [expected]),
    ]
