"""Progress lines on stderr for plan, export and optimize: on a terminal only, erased when done,
never in pipes (the exact-output tests of those commands run without a terminal)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.emulator import Emulator
from support.apply import env_for, write_file

CXSCHED = str(Path(sys.executable).parent / "cxsched")


def _screen(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run cxsched with a pseudo-terminal as stdout and stderr; (exit code, screen)."""
    master, slave = pty.openpty()
    proc = subprocess.run(
        [CXSCHED, *args],
        cwd=cwd,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        timeout=60,
        check=False,
    )
    os.close(slave)
    screen = b""
    try:
        while chunk := os.read(master, 65536):
            screen += chunk
    except OSError:
        pass
    finally:
        os.close(master)
    return proc.returncode, screen.decode(errors="replace")


@pytest.mark.slow
def test_plan_and_export_show_progress_on_a_terminal_and_erase_it(
    tmp_path: Path, emulator: Emulator
) -> None:
    for campaign in ("c1", "c2"):
        write_file(tmp_path, campaign, "a")
    code, screen = _screen(tmp_path, env_for(emulator), "plan")
    assert code == 0, screen
    assert "\r\x1b[KReading the tenant: campaign 1/2: c1" in screen
    assert "\r\x1b[KReading the tenant: campaign 2/2: c2\r\x1b[K" in screen  # erased
    code, screen = _screen(tmp_path, env_for(emulator), "export", "--campaign", "c1")
    assert code == 0, screen
    assert "\r\x1b[KExport of c1: running (2 poll(s))" in screen
    assert "\r\x1b[KExport of c1: completed" in screen
