"""The demo (`./scripts/demo`, the README's main command) runs end to end and checks itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.apply import write_file

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scripts" / "demo.py"
HEADERS = [
    "== Step 1: validate the desired state",
    "== Step 2: plan: what would change on the tenant",
    "== Step 3: save the plan for review (exit 2: changes pending)",
    "== Step 4: apply exactly the saved plan (ETag-guarded writes, audited)",
    "== Step 5: plan again: nothing to apply, but the schedule made by hand is drift (exit 2)",
    "== Step 6: verify the audit trail's hash chain",
]


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXONE_", "CXSCHED_"))}
    return subprocess.run(
        [sys.executable, str(DEMO), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _check_run(done: subprocess.CompletedProcess[str], schedules: int) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("== Step")] == HEADERS
    assert f"Apply complete: {schedules} applied, 0 no-op, 0 already applied, 0 conflict, " in (
        done.stdout
    )
    assert "No changes: the tenant matches the desired state." in lines
    assert f"Plan: 0 to create, 0 to update, 0 to delete, {schedules} unchanged; 1 unmanaged." in (
        lines
    )
    assert re.search(r"audit trail \S+: OK, \d+ record\(s\), head sha256:[0-9a-f]{64}", done.stdout)
    assert lines[-1] == "Demo complete: the tenant matches git, and the audit trail verifies."


@pytest.mark.slow
def test_the_demo_on_the_example_schedules(tmp_path: Path) -> None:
    done = _demo("--workdir", str(tmp_path / "demo"))
    count = len(list((ROOT / "schedules").rglob("*.yaml")))
    _check_run(done, count)
    assert (tmp_path / "demo" / "audit" / "trail.jsonl").is_file()
    assert (tmp_path / "demo" / "tenant.json").is_file()


@pytest.mark.slow
def test_the_demo_is_repeatable_and_records_every_step(tmp_path: Path) -> None:
    for campaign, name in (("c1", "morning"), ("c1", "evening"), ("c2", "weekend")):
        write_file(tmp_path, campaign, name)
    args = ("--schedules", str(tmp_path / "schedules"), "--workdir", str(tmp_path / "demo"))
    first, second = _demo(*args), _demo(*args)
    for done in (first, second):
        _check_run(done, 3)
        assert ": OK, 8 record(s), head sha256:" in done.stdout  # saved plan + 1 + 2 per write
        assert "Plan: 2 to create, 1 to update, 0 to delete, 0 unchanged; 1 unmanaged." in (
            done.stdout
        )
        assert '~ /description: "Edited by hand in the admin UI" -> "managed in git"' in (
            done.stdout
        )


def test_the_demo_fails_loudly_without_schedules(tmp_path: Path) -> None:
    (tmp_path / "schedules").mkdir()
    done = _demo("--schedules", str(tmp_path / "schedules"), "--workdir", str(tmp_path / "w"))
    assert done.returncode == 1
    assert done.stdout.startswith("demo: ")
    assert "no schedule files" in done.stdout


@pytest.mark.slow
def test_the_admin_profile_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXONE_", "CXSCHED_"))}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo_admin.py"), "--workdir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len([line for line in lines if line.startswith("== Step")]) == 9
    assert (
        "conflict        skill 4312345 generalSettings: changed on the tenant since the plan"
        in (done.stdout)
    )
    assert lines[-1] == "Demo complete: the skill matches git, and the audit trail verifies."
