"""`cxsched apply PATH` on a terminal (a real pseudo-terminal): shows the plan, asks, obeys."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.apply import env_for, write_file
from support.emulator import EmulatorFactory

CXSCHED = str(Path(sys.executable).parent / "cxsched")


def _on_a_terminal(cwd: Path, env: dict[str, str], answer: str, limit_s: float = 30.0) -> str:
    """Run `cxsched apply` with a pty as its terminal, answer the prompt, return the screen."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [CXSCHED, "apply", "schedules"], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    screen, answered = b"", False
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the terminal closed: the process is gone
                    break
                screen += chunk
            if not answered and b"[y/N]" in screen:
                os.write(master, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
    finally:
        os.close(master)
        proc.wait(timeout=10)
    assert answered, screen.decode(errors="replace")
    return f"exit {proc.returncode}\n" + screen.decode(errors="replace").replace("\r\n", "\n")


@pytest.mark.slow
def test_a_terminal_user_confirms_and_sees_progress(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = emulator_factory(campaigns=("c1",))
    for index in range(21):
        write_file(tmp_path, "c1", f"s{index:02d}")
    env = {**os.environ, **env_for(emu), "TERM": "dumb"}
    screen = _on_a_terminal(tmp_path, env, "y")
    assert screen.startswith("exit 0\n"), screen
    assert "Plan: 21 to create, 0 to update, 0 to delete, 0 unchanged; 0 unmanaged." in screen
    assert "Apply these 21 change(s)? [y/N]: y" in screen
    assert "Reading the tenant: campaign 1/1: c1" in screen  # progress while planning
    assert "Applying" in screen  # the progress bar, on the terminal's stderr
    assert "Apply complete: 21 applied, 0 no-op," in screen
    assert len(emu.schedules("c1")) == 21


@pytest.mark.slow
def test_a_terminal_user_declines_and_nothing_is_written(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = emulator_factory(campaigns=("c1",))
    write_file(tmp_path, "c1", "a")
    screen = _on_a_terminal(tmp_path, {**os.environ, **env_for(emu)}, "n")
    assert screen.startswith("exit 1\n"), screen
    assert "Apply cancelled: nothing was changed." in screen
    assert emu.schedules("c1") == []
    assert not (tmp_path / "audit" / "trail.jsonl").exists()
