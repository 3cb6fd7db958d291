"""A cancelled apply (a real `cxsched` process, SIGTERM or SIGINT mid-run) streams its lines,
finishes the write in flight, starts nothing new, says what was and was not applied and what to
run next, records the interruption in the trail and exits 143 or 130; Ctrl-C at the approval
prompt exits 130."""

from __future__ import annotations

import json
import os
import pty
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from reconciler.emulator import Emulator
from support.apply import cli, env_for, records, write_file
from support.emulator import EmulatorFactory

CXSCHED = str(Path(sys.executable).parent / "cxsched")
NAMES = tuple(f"s{index}" for index in range(8))


def _reader(stream: IO[str]) -> queue.Queue[str | None]:
    """Lines of `stream` as they arrive (None at its end), read on a thread."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _until(
    lines: queue.Queue[str | None], count: int, marker: str = "", limit_s: float = 20.0
) -> list[str]:
    """The lines up to the `count`th that contains `marker`, waiting at most `limit_s`."""
    seen: list[str] = []
    deadline = time.monotonic() + limit_s
    while sum(marker in line for line in seen) < count:
        line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        assert line is not None, f"output ended early: {seen}"
        seen.append(line)
    return seen


def _rest(lines: queue.Queue[str | None]) -> list[str]:
    rest: list[str] = []
    while (line := lines.get(timeout=20)) is not None:
        rest.append(line)
    return rest


#: Runs its arguments with SIGINT at its default, as a terminal delivers it, even when the tests
#: run in the background of a shell (which starts background jobs with SIGINT ignored).
DEFAULT_SIGINT = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]


def _start(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*DEFAULT_SIGINT, CXSCHED, "apply", *args, "--workers", "1"],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _slow_apply(
    tmp_path: Path, emulator_factory: EmulatorFactory, *args: str
) -> tuple[Emulator, subprocess.Popen[str]]:
    """A saved plan of every name in NAMES, then `cxsched apply ARGS` started against an
    emulator that answers each call after 300 ms (time to signal it mid-apply)."""
    emu = emulator_factory(campaigns=("c1",))
    for name in NAMES:
        write_file(tmp_path, "c1", name)
    assert cli(emu, ["plan", "--out", "plan.json"]).exit_code == 0
    emu.set_latency(300)
    proc = _start(tmp_path, env_for(emu), *args)
    assert proc.stdout is not None and proc.stderr is not None
    return emu, proc


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        (signal.SIGTERM, 143, ("plan.json",), "Next: run `cxsched apply plan.json` again"),
        (
            signal.SIGINT,
            130,
            ("schedules", "--auto-approve"),
            "Next: run `cxsched apply schedules --auto-approve` again",
        ),
    ],
)
def test_a_signal_mid_apply_finishes_the_write_in_flight_and_reports(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    emulator_factory: EmulatorFactory,
    case: tuple[signal.Signals, int, tuple[str, ...], str],
) -> None:
    sig, code, args, rerun = case
    monkeypatch.chdir(tmp_path)
    emu, proc = _slow_apply(tmp_path, emulator_factory, *args)
    assert proc.stdout is not None and proc.stderr is not None
    lines = _reader(proc.stdout)
    try:
        shown = _until(lines, 2, ": created (ETag ")  # streamed as they complete
        proc.send_signal(sig)
        shown += _rest(lines)
    finally:
        proc.wait(timeout=20)
        stderr = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == code, (shown, stderr)
    created = sorted(item["name"] for item in emu.schedules("c1"))
    assert 2 <= len(created) <= 3  # the write in flight at the signal finished; nothing new
    done = [line for line in shown if ": created (ETag " in line]
    assert sorted(line.split(":")[0][5:] for line in done) == created
    summary = shown[shown.index(done[-1]) + 1 :]
    missing = [name for name in NAMES if name not in created]
    signame = sig.name
    assert summary == [
        f"Apply interrupted ({signame} received): {len(created)} applied, 0 no-op, "
        f"0 already applied, 0 conflict, 0 failed, {len(missing)} skipped.",
        f"Not started ({len(missing)}):",
        *(f"  + c1/{name}" for name in missing),
        summary[-1],
    ]
    assert summary[-1].startswith(rerun), summary[-1]
    assert stderr.startswith("API calls: "), stderr

    trail = records()
    assert trail[-1]["event"] == "interrupt"
    assert trail[-1]["error"] == f"{signame} received"
    assert trail[-1]["not_started"] == [f"c1/{name}" for name in missing]
    intents = [r["schedule"] for r in trail if r["phase"] == "intent"]
    outcomes = [r["schedule"] for r in trail if r["phase"] == "outcome"]
    assert intents == outcomes and sorted(outcomes) == created  # no write left unknown
    verify = cli(emu, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output

    emu.set_latency(0)
    again = cli(emu, ["apply", *args])
    assert again.exit_code == 0, again.output
    assert cli(emu, ["plan", "--detailed-exitcode"]).exit_code == 0


@pytest.mark.slow
def test_json_events_stream_and_end_with_an_interrupted_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory
) -> None:
    monkeypatch.chdir(tmp_path)
    emu, proc = _slow_apply(tmp_path, emulator_factory, "plan.json", "--json")
    assert proc.stdout is not None and proc.stderr is not None
    lines = _reader(proc.stdout)
    try:
        shown = _until(lines, 3)
        proc.send_signal(signal.SIGTERM)
        shown += _rest(lines)
    finally:
        proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 143
    events = [json.loads(line) for line in shown]
    assert [e["type"] for e in events[:3]] == ["version", "plan", "change"]
    assert events[0]["format_version"] == 1
    assert events[1]["mode"] == "saved-plan" and events[1]["changes"] == 8
    changes = [e for e in events if e["type"] == "change"]
    assert len(changes) == 8  # one event per change, those not started included
    applied = [f"c1/{e['schedule']}" for e in changes if e["outcome"] == "applied"]
    skipped = [f"c1/{e['schedule']}" for e in changes if e["outcome"] == "skipped"]
    assert sorted(applied + skipped) == [f"c1/{name}" for name in NAMES]
    assert {e["error"] for e in changes if e["outcome"] == "skipped"} == {
        "not started: SIGTERM received"
    }
    assert events[-1]["type"] == "summary"
    assert events[-1]["interrupted"] == "SIGTERM received"
    assert events[-1]["ok"] is False
    assert events[-1]["counts"]["applied"] == len(applied) == len(emu.schedules("c1"))
    assert events[-1]["not_started"] == skipped
    assert events[-1]["next"].startswith("Next: run `cxsched apply plan.json` again")


@pytest.mark.slow
def test_ctrl_c_at_the_approval_prompt_exits_130_and_changes_nothing(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = emulator_factory(campaigns=("c1",))
    write_file(tmp_path, "c1", "a")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*DEFAULT_SIGINT, CXSCHED, "apply", "schedules"],
        cwd=tmp_path,
        env={**os.environ, **env_for(emu)},
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline and b"[y/N]" not in screen:
            if select.select([master], [], [], 0.1)[0]:
                screen += os.read(master, 4096)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        while select.select([master], [], [], 0.2)[0]:
            try:
                screen += os.read(master, 4096)
            except OSError:
                break
    finally:
        os.close(master)
    text = screen.decode(errors="replace")
    assert proc.returncode == 130, text
    assert text.rstrip().endswith("interrupted"), text
    assert emu.schedules("c1") == []
    assert not (tmp_path / "audit" / "trail.jsonl").exists()


@pytest.mark.slow
def test_a_second_signal_stops_at_once_leaving_the_write_in_flight_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory
) -> None:
    monkeypatch.chdir(tmp_path)
    emu, proc = _slow_apply(tmp_path, emulator_factory, "plan.json")
    assert proc.stdout is not None and proc.stderr is not None
    lines = _reader(proc.stdout)
    trail = tmp_path / "audit" / "trail.jsonl"
    try:
        _until(lines, 1, ": created (ETag ")
        emu.set_latency(3000)  # the next write hangs long enough to be cut short
        deadline = time.monotonic() + 10
        while trail.read_text(encoding="utf-8").count('"phase":"intent"') < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    finally:
        stderr = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 143
    assert "SIGTERM again: stopping at once; a write in flight keeps its intent" in stderr
    last = records()[-1]
    assert (last["event"], last["phase"]) == ("write", "intent")  # attempted, result unknown
    emu.set_latency(0)
    assert cli(emu, ["audit", "verify"]).exit_code == 0
    assert cli(emu, ["apply", "plan.json"]).exit_code == 0  # the re-run settles it
    assert cli(emu, ["plan", "--detailed-exitcode"]).exit_code == 0


@pytest.mark.slow
def test_sigterm_outside_apply_exits_143_saying_so(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = emulator_factory(campaigns=("c1",), latency_ms=2000)
    write_file(tmp_path, "c1", "a")
    proc = subprocess.Popen(
        [CXSCHED, "plan"],
        cwd=tmp_path,
        env={**os.environ, **env_for(emu)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while emu.count() == 0:  # wait until it is talking to the tenant, slowly
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 143, stderr
    assert stderr.endswith("interrupted\n") and stdout == ""
    assert not (tmp_path / "audit").exists()
