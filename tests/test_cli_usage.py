"""Usage errors exit 1 with click's message: exit 2 only ever means "changes pending"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "--detailed-exitcod"], "No such option '--detailed-exitcod'"),
        (["plan", "--format", "yaml"], "Invalid value for '--format'"),
        (["import"], "give exactly one of --campaign ID and --skill ID"),
        (["apply", "--workers", "99"], "Invalid value for '--workers'"),
        (["audit", "verify", "--expect"], "No such option '--expect'"),
        (["--no-such-flag", "plan"], "No such option '--no-such-flag'"),
        (["plna"], "No such command 'plna'"),
        (["audit"], "Commands:"),
    ],
)
def test_usage_errors_exit_1_not_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args, env={"CXONE_CLIENT_SECRET": ""})
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert message in result.output
    assert "Usage: " in result.output


def test_a_mistyped_flag_through_the_entry_point_exits_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", "--detailed-exitcod"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "No such option '--detailed-exitcod'" in done.stderr
    assert done.stdout == ""
