"""A killed apply (a real `cxsched` process, SIGKILL mid-write) leaves a trail that says what was
attempted, still verifies, and a re-run converges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.apply import body, cli, env_for, records, write_file
from support.emulator import EmulatorFactory

CXSCHED = str(Path(sys.executable).parent / "cxsched")


def _wait_for_intent(trail: Path, proc: subprocess.Popen[bytes], limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and proc.poll() is None:
        if trail.exists() and '"phase":"intent"' in trail.read_text(encoding="utf-8"):
            return
        time.sleep(0.01)
    raise AssertionError(f"no intent record within {limit_s} s (exit {proc.poll()})")


@pytest.mark.slow
def test_a_killed_apply_leaves_intent_without_outcome_and_a_rerun_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory
) -> None:
    monkeypatch.chdir(tmp_path)
    emu = emulator_factory(campaigns=("c1",))
    for name in ("a", "b", "c", "d"):
        write_file(tmp_path, "c1", name)
    emu.create_schedule("c1", body("b", rate=9))
    assert cli(emu, ["plan", "--out", "plan.json"]).exit_code == 0
    emu.set_latency(400)
    trail = tmp_path / "audit" / "trail.jsonl"
    proc = subprocess.Popen(
        [CXSCHED, "apply", "plan.json", "--workers", "1"],
        cwd=tmp_path,
        env={**os.environ, **env_for(emu)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_intent(trail, proc)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    emu.set_latency(0)
    killed = records()
    assert killed[-1]["phase"] == "intent"  # attempted, outcome never recorded
    attempted = killed[-1]["schedule"]
    assert not any(r["phase"] == "outcome" and r["schedule"] == attempted for r in killed)

    verify = cli(emu, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert f"OK, {len(killed)} record(s)" in verify.stdout

    rerun = cli(emu, ["apply", "plan.json"])
    assert rerun.exit_code == 0, rerun.output
    assert "0 conflict, 0 failed, 0 skipped." in rerun.stdout
    assert sorted(item["name"] for item in emu.schedules("c1")) == ["a", "b", "c", "d"]
    assert cli(emu, ["plan", "--detailed-exitcode"]).exit_code == 0
    final = cli(emu, ["audit", "verify"])
    assert final.exit_code == 0 and "OK, " in final.stdout
    after = records()[len(killed) :]
    retried = [r for r in after if r["schedule"] == attempted and r["phase"] == "outcome"]
    assert retried and retried[-1]["result"] in ("applied", "already-applied")
    assert json.loads(trail.read_text(encoding="utf-8").splitlines()[0])["event"] == "plan"
