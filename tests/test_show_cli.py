"""`cxsched show PLAN.json` renders a saved plan without any API call; colour follows the
terminal, `NO_COLOR` and `--no-color`; `-v` works before and after the subcommand."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.emulator import Emulator
from support.apply import body, cli, write_file

CXSCHED = str(Path(sys.executable).parent / "cxsched")


@pytest.fixture
def saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> Path:
    """A saved plan with a create and an update, made against the emulator."""
    monkeypatch.chdir(tmp_path)
    write_file(tmp_path, "c1", "a")
    write_file(tmp_path, "c1", "b")
    emulator.create_schedule("c1", body("b", rate=9))
    assert cli(emulator, ["plan", "--out", "plan.json"]).exit_code == 0
    return tmp_path / "plan.json"


def _offline(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI with no connection setting at all."""
    result = CliRunner().invoke(main, args, env={"CXONE_BASE_URL": "", "CXONE_CLIENT_ID": ""})
    return result.exit_code, result.stdout, result.stderr


def test_show_renders_the_saved_plan_as_plan_did_with_no_api_call(
    saved: Path, emulator: Emulator
) -> None:
    shown_by_plan = cli(emulator, ["plan"]).stdout
    emulator.reset_counters()
    code, text, err = _offline(["show", "plan.json"])
    assert (code, err) == (0, "")
    assert text == shown_by_plan
    assert "Plan: 1 to create, 1 to update, 0 to delete, 0 unchanged; 0 unmanaged." in text
    assert dict(emulator.counters()) == {}


def test_show_json_is_the_plan_document_and_markdown_names_the_file(saved: Path) -> None:
    code, text, _ = _offline(["show", "plan.json", "--format", "json"])
    assert code == 0
    assert json.loads(text) == json.loads(saved.read_text(encoding="utf-8"))
    code, markdown, _ = _offline(["show", "plan.json", "--format", "markdown"])
    assert code == 0 and "1 to create, 1 to update" in markdown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "error: plan file nope.json not found; make one with `cxsched plan --out"),
        ("{", "error: nope.json:1:2: not a plan file (invalid JSON"),
    ],
)
def test_show_refuses_what_is_not_a_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / "nope.json").write_text(content, encoding="utf-8")
    code, text, err = _offline(["show", "nope.json"])
    assert (code, text) == (1, "")
    assert err.startswith(message), err


def _on_a_terminal(cwd: Path, *args: str, **env: str) -> str:
    master, slave = pty.openpty()
    proc = subprocess.run(
        [CXSCHED, *args],
        cwd=cwd,
        env={**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, **env},
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        timeout=30,
        check=False,
    )
    os.close(slave)
    screen = b""
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            screen += chunk
    except OSError:
        pass
    finally:
        os.close(master)
    assert proc.returncode == 0, screen
    return screen.decode()


@pytest.mark.slow
def test_colour_on_a_terminal_unless_no_color_or_the_flag(saved: Path) -> None:
    assert "\x1b[" in _on_a_terminal(saved.parent, "show", "plan.json")
    plain = _on_a_terminal(saved.parent, "show", "plan.json", NO_COLOR="1")
    assert "\x1b[" not in plain and "Plan: 1 to create" in plain
    assert "\x1b[" not in _on_a_terminal(saved.parent, "show", "plan.json", "--no-color")
    assert "\x1b[" not in _on_a_terminal(saved.parent, "--no-color", "show", "plan.json")


def test_verbose_is_accepted_after_the_subcommand_too(saved: Path, emulator: Emulator) -> None:
    for args in (["-v", "plan"], ["plan", "-v"]):
        result = cli(emulator, args)
        assert result.exit_code == 0, result.output
        assert "GET /api/v2/dialer/capacity 200 " in result.stderr, args
        assert "ms attempt 1\n" in result.stderr
    quiet = cli(emulator, ["plan"])
    assert "ms attempt 1" not in quiet.stderr
