"""`cxsched import --update`: a deliberate change made on the tenant is adopted into the
declared file, keeping its comments and layout, so it can be reviewed as a pull request."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.emulator import Emulator
from support.apply import cli

FILE = """\
# yaml-language-server: $schema=../../schemas/schedule.schema.json
# Renewals, East coast: owned by the renewals team.
formatVersion: 1
campaignId: c1
name: Renewals weekdays   # shown in the admin UI
description: managed in git
startTime: "2027-01-04T08:00:00-05:00"
endTime: "2027-03-31T20:00:00-04:00"
timeZone: America/New_York

# The dialer: capacity agreed with the vendor.
dialerSettings:
  maxConcurrentCalls: 10   # vendor contract
  callRate: 12             # attempts per minute
  capacityThreshold: 0.8

# TCPA: no calls before 09:00 or after 20:00 local time.
regulatoryWindows:
  - {startTime: "09:00", endTime: "20:00", timeZone: America/New_York, enabled: true}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "schedules" / "c1" / "renewals.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(FILE, encoding="utf-8")
    return path


def test_a_live_edit_is_adopted_into_the_file_keeping_comments(
    repo: Path, emulator: Emulator
) -> None:
    assert cli(emulator, ["apply", "--auto-approve"]).exit_code == 0
    (item,) = emulator.schedules("c1")
    windows = [dict(item["regulatoryWindows"][0], endTime="19:00")]
    emulator.edit_schedule(
        "c1",
        item["id"],
        {
            "dialerSettings": {**item["dialerSettings"], "callRate": 9},
            "description": "tuned in the admin UI",
            "regulatoryWindows": windows,
        },
    )
    assert cli(emulator, ["plan", "--detailed-exitcode"]).exit_code == 2  # drift

    result = cli(emulator, ["import", "--update"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "updated schedules/c1/renewals.yaml  (c1/Renewals weekdays)",
        '  /description: "managed in git" -> "tuned in the admin UI"',
        "  /dialerSettings/callRate: 12 -> 9",
        '  /regulatoryWindows: [{"enabled":true,"endTime":"20:00","startTime":"09:00",'
        '"timeZone":"America/New_York"}] -> [{"enabled":true,"endTime":"19:00",'
        '"startTime":"09:00","timeZone":"America/New_York"}]',
        "Updated 1 file(s) from live values.",
    ]
    expected = (
        FILE.replace("description: managed in git", "description: tuned in the admin UI")
        .replace("  callRate: 12             # attempts", "  callRate: 9              # attempts")
        .replace(
            '  - {startTime: "09:00", endTime: "20:00", timeZone: America/New_York, '
            "enabled: true}\n",
            "  - startTime: '09:00'\n    endTime: '19:00'\n    timeZone: America/New_York\n"
            "    enabled: true\n",
        )
    )
    assert repo.read_text(encoding="utf-8") == expected
    assert cli(emulator, ["plan", "--detailed-exitcode"]).exit_code == 0  # git matches live
    again = cli(emulator, ["import", "--update", "--campaign", "c1"])
    assert again.exit_code == 0
    assert "No declared file differs from the tenant: nothing to update." in again.stdout


def test_update_leaves_schedules_not_on_the_tenant_and_refuses_out(
    repo: Path, emulator: Emulator
) -> None:
    result = cli(emulator, ["import", "--update"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "not on the tenant, left as is: c1/Renewals weekdays",
        "No declared file differs from the tenant: nothing to update.",
    ]
    assert repo.read_text(encoding="utf-8") == FILE
    refused = cli(emulator, ["import", "--update", "--out", "x"])
    assert refused.exit_code == 1
    assert "--update rewrites the declared files in place" in refused.stderr
    missing = cli(emulator, ["import"])
    assert missing.exit_code == 1
    assert "give exactly one of --campaign ID and --skill ID" in missing.stderr


def test_fields_added_or_removed_live_are_added_or_removed_in_the_file(
    repo: Path, emulator: Emulator
) -> None:
    assert cli(emulator, ["apply", "--auto-approve"]).exit_code == 0
    (item,) = emulator.schedules("c1")
    blackout = {
        "startTime": "2027-01-18T05:00:00Z",
        "endTime": "2027-01-19T05:00:00Z",
        "reason": "MLK Day",
    }
    emulator.edit_schedule("c1", item["id"], {"description": "", "blackoutPeriods": [blackout]})
    result = cli(emulator, ["import", "--update"])
    assert result.exit_code == 0, result.output
    text = repo.read_text(encoding="utf-8")
    assert "description:" not in text
    assert text.endswith(
        "blackoutPeriods:\n"
        "  - startTime: '2027-01-18T00:00:00-05:00'\n"
        "    endTime: '2027-01-19T00:00:00-05:00'\n"
        "    reason: MLK Day\n"
    )
    assert "# TCPA: no calls before 09:00 or after 20:00 local time." in text
    assert cli(emulator, ["plan", "--detailed-exitcode"]).exit_code == 0


def test_nothing_is_written_when_the_live_values_would_not_validate(
    repo: Path, emulator: Emulator
) -> None:
    assert cli(emulator, ["apply", "--auto-approve"]).exit_code == 0
    (item,) = emulator.schedules("c1")
    emulator.edit_schedule(
        "c1", item["id"], {"dialerSettings": {**item["dialerSettings"], "callRate": 25}}
    )
    (repo.parents[2] / "cxsched.yaml").write_text(
        "formatVersion: 1\ntenant:\n  maxCallRate: 20\n", encoding="utf-8"
    )
    result = cli(emulator, ["import", "--update"])
    assert result.exit_code == 1
    assert "would not validate" in result.stderr and "nothing was written" in result.stderr
    assert repo.read_text(encoding="utf-8") == FILE
