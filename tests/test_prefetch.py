"""Reading the tenant while the desired files are validated: reads only, discarded on failure."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.api.errors import NotFound
from reconciler.cli import main
from reconciler.cxone import CxoneClient, Secret, Settings
from reconciler.emulator import Emulator
from reconciler.plan.prefetch import TenantReader, expected_campaigns
from support.apply import (
    CAPACITY,
    LIST,
    TOKEN,
    body,
    cli,
    counters,
    env_for,
    live,
    write_file,
)
from support.emulator import EmulatorFactory

WRITES = {"POST /api/v2/campaigns/{campaignId}/schedules"} | {
    f"{verb} /api/v2/campaigns/{{campaignId}}/schedules/{{scheduleId}}"
    for verb in ("PATCH", "DELETE")
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _slow_tenant(emulator_factory: EmulatorFactory, repo: Path) -> Emulator:
    """Ten campaigns with a drifted and a missing schedule each, answering after 150 ms; one
    file of the desired state is invalid."""
    campaigns = [f"c{n}" for n in range(10)]
    emu = emulator_factory(campaigns=campaigns)
    for campaign in campaigns:
        write_file(repo, campaign, "drifted")
        write_file(repo, campaign, "missing")
        emu.create_schedule(campaign, body("drifted", rate=9))
    write_file(repo, "c9", "zz-bad", rate=-1)
    emu.set_latency(150)
    emu.reset_counters()
    return emu


def _assert_nothing_written(emu: Emulator) -> None:
    calls = counters(emu)
    assert not {endpoint for endpoint, _ in calls} & WRITES
    assert calls[(TOKEN, 200)] == 1  # the reading had started before validation failed
    assert set(calls) <= {(TOKEN, 200), (CAPACITY, 200), (LIST, 200)}
    assert calls.get((LIST, 200), 0) < 10  # and was stopped, not finished
    for campaign in (f"c{n}" for n in range(10)):
        assert list(live(emu, campaign)) == ["drifted"]
        assert live(emu, campaign)["drifted"]["dialerSettings"]["callRate"] == 9


def test_apply_sends_no_write_when_validation_fails_while_the_tenant_is_read(
    repo: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = _slow_tenant(emulator_factory, repo)
    result = cli(emu, ["apply", "--auto-approve"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "schedules/c9/zz-bad.yaml:11:5: error schema-range: callRate must be greater than 0, "
        "not -1\n"
        "21 schedule files checked: 1 error, 0 warnings\n"
        "error: the desired state does not validate; nothing was applied\n"
    )
    _assert_nothing_written(emu)
    assert not Path("audit/trail.jsonl").exists()


def test_no_write_either_when_a_pool_of_processes_validates(
    repo: Path, emulator_factory: EmulatorFactory
) -> None:
    """From 500 files on a pool of processes checks them (one per CPU) while threads read the
    tenant; the CLI runs as its own process here, as it does in CI."""
    emu = _slow_tenant(emulator_factory, repo)
    for n in range(500):
        write_file(repo, f"c{n % 10}", f"extra-{n:03d}")
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
        env={**os.environ, **env_for(emu)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.endswith(
        "521 schedule files checked: 1 error, 0 warnings\n"
        "error: the desired state does not validate; nothing was applied\n"
    )
    calls = counters(emu)
    assert not {endpoint for endpoint, _ in calls} & WRITES
    for campaign in (f"c{n}" for n in range(10)):
        assert list(live(emu, campaign)) == ["drifted"]
    assert not Path("audit/trail.jsonl").exists()


def test_plan_discards_what_was_read_when_validation_fails(
    repo: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = _slow_tenant(emulator_factory, repo)
    result = cli(emu, ["plan", "--out", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.endswith(
        "error: the desired state does not validate; nothing was planned\n"
    )
    _assert_nothing_written(emu)
    assert not Path("plan.json").exists()
    assert not Path("audit/trail.jsonl").exists()


def test_a_valid_state_is_planned_with_the_minimum_of_calls(
    repo: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = _slow_tenant(emulator_factory, repo)
    Path("schedules/c9/zz-bad.yaml").unlink()
    emu.set_latency(0)
    result = cli(emu, ["plan"])
    assert result.exit_code == 0, result.output
    assert "Plan: 10 to create, 10 to update, 0 to delete, 0 unchanged; 0 unmanaged." in (
        result.stdout
    )
    assert counters(emu) == {(TOKEN, 200): 1, (CAPACITY, 200): 1, (LIST, 200): 10}


def test_expected_campaigns_are_the_folder_names(tmp_path: Path) -> None:
    for folder in ("schedules/c1", "schedules/c2/nested", "schedules/.git", "other/c3"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "other/c3/x.yaml").write_text("{}", encoding="utf-8")
    (tmp_path / "schedules/top.yaml").write_text("{}", encoding="utf-8")
    paths = [tmp_path / "schedules", tmp_path / "other/c3/x.yaml", tmp_path / "missing"]
    assert expected_campaigns(paths) == ["c1", "c2", "c3"]


def _client(emu: Emulator) -> CxoneClient:
    return CxoneClient(Settings(emu.base_url, emu.client_id, Secret(emu.client_secret)))


def _wait_for_lists(emu: Emulator, count: int) -> None:
    deadline = time.monotonic() + 10
    while emu.count(LIST) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_reader_drops_unneeded_and_missing_campaigns_and_reads_unexpected_ones(
    emulator: Emulator,
) -> None:
    emulator.create_schedule("c1", body("one"))
    emulator.create_schedule("c2", body("two"))
    with _client(emulator) as client, TenantReader(client, ["c1", "ghost"]) as reader:
        reader.start()
        _wait_for_lists(emulator, 2)  # c1, then ghost: 404, dropped as nobody asks for it
        assert reader.limits().max_concurrent_calls == 200
        got = reader.live({"c1", "c2"})
    assert sorted(got) == ["c1", "c2"]
    assert [item.name for item in got["c1"]] == ["one"]
    assert [item.name for item in got["c2"]] == ["two"]
    assert counters(emulator) == {
        (TOKEN, 200): 1,
        (CAPACITY, 200): 1,
        (LIST, 200): 2,
        (LIST, 404): 1,
    }


def test_reader_raises_the_error_of_a_campaign_asked_for(emulator: Emulator) -> None:
    with _client(emulator) as client, TenantReader(client, ["ghost"]) as reader:
        reader.start()
        _wait_for_lists(emulator, 1)
        with pytest.raises(NotFound):
            reader.live({"ghost"})


def test_an_unstarted_reader_reads_in_the_caller(emulator: Emulator) -> None:
    with _client(emulator) as client, TenantReader(client, ["c1", "c2"]) as reader:
        assert reader.live({"c1"}) == {"c1": []}
        assert reader.limits().max_call_rate == 30.0
    assert counters(emulator) == {(TOKEN, 200): 1, (CAPACITY, 200): 1, (LIST, 200): 1}


def test_without_credentials_an_invalid_state_is_still_reported_first(repo: Path) -> None:
    write_file(repo, "c1", "bad", rate=-1)
    env = {"CXONE_BASE_URL": "", "CXONE_SUBDOMAIN": "", "CXONE_CLIENT_ID": ""}
    env["CXONE_CLIENT_SECRET"] = ""
    for args in (["plan"], ["apply", "--auto-approve"]):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 1
        assert result.stderr == (
            "schedules/c1/bad.yaml:11:5: error schema-range: callRate must be greater than 0, "
            "not -1\n"
            "1 schedule file checked: 1 error, 0 warnings\n"
            "error: the desired state does not validate; no API call was made\n"
        )
    Path("schedules/c1/bad.yaml").unlink()
    write_file(repo, "c1", "good")
    result = CliRunner().invoke(main, ["plan"], env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no tenant: set CXONE_SUBDOMAIN (or CXONE_BASE_URL) in the environment or .env, "
        "or pass --subdomain / --base-url.\n"
    )


def test_a_saved_plan_without_credentials_names_the_missing_setting(
    repo: Path, emulator: Emulator
) -> None:
    write_file(repo, "c1", "good")
    assert cli(emulator, ["plan", "--out", "plan.json"]).exit_code == 0
    env = {"CXONE_BASE_URL": "", "CXONE_SUBDOMAIN": "", "CXONE_CLIENT_ID": ""}
    result = CliRunner().invoke(main, ["apply", "plan.json"], env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no tenant: set CXONE_SUBDOMAIN (or CXONE_BASE_URL) in the environment or .env, "
        "or pass --subdomain / --base-url.\n"
    )
