"""Errors that point the right way, through the CLI: a refused connection names the address and
the setting; a conflict shows base, live now and desired of exactly the leaves that differ, uncut,
with advice that is true for a saved plan and for a one-go apply."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.emulator import Emulator
from support.apply import body, cli, live, write_file

WINDOWS = [
    {"startTime": "09:00", "endTime": "20:00", "timeZone": "America/New_York", "enabled": True},
    {"startTime": "09:00", "endTime": "20:00", "timeZone": "America/Chicago", "enabled": True},
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_refused_connection_says_so_with_the_address_and_the_setting(repo: Path) -> None:
    write_file(repo, "c1", "a")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "CXONE_BASE_URL": f"http://127.0.0.1:{port}",
        "CXONE_CLIENT_ID": "id",
        "CXONE_CLIENT_SECRET": "s",
    }
    result = CliRunner().invoke(main, ["plan"], env=env)
    assert result.exit_code == 1
    error = result.stderr.splitlines()[-1]
    assert error == (
        f"error: POST /oauth/token got no response after 2 attempts: the connection to "
        f"http://127.0.0.1:{port} was refused (nothing is listening there). Check the API "
        "address: CXONE_BASE_URL or --base-url (CXONE_SUBDOMAIN or --subdomain for a tenant), "
        "in the environment or the .env file, and that the server is running."
    )


def _windowed(repo: Path, emulator: Emulator) -> str:
    """c1/a live with two windows and rate 9; the file wants rate 12; a saved plan of that."""
    write_file(repo, "c1", "a")
    path = repo / "schedules" / "c1" / "a.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"regulatoryWindows": [',
            '"regulatoryWindows": [\n    {"startTime": "09:00", "endTime": "20:00", '
            '"timeZone": "America/Chicago", "enabled": true},',
        ),
        encoding="utf-8",
    )
    live_body = {**body("a", rate=9), "regulatoryWindows": list(reversed(WINDOWS))}
    created = emulator.create_schedule("c1", live_body)
    assert cli(emulator, ["plan", "--out", "plan.json"]).exit_code == 0
    return str(created["id"])


def test_a_conflict_shows_the_leaves_that_differ_uncut_and_true_advice(
    repo: Path, emulator: Emulator
) -> None:
    schedule_id = _windowed(repo, emulator)
    windows = [dict(WINDOWS[1], endTime="21:00"), WINDOWS[0]]
    emulator.edit_schedule("c1", schedule_id, {"regulatoryWindows": windows})
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("! c1/a: CONFLICT"))
    assert lines[start + 1 : start + 4] == [
        "    field                         base (planned on)  live now  desired",
        "    /dialerSettings/callRate      9                  9         12",
        '    /regulatoryWindows/0/endTime  "20:00"            "21:00"   "20:00"',
    ]
    assert lines[start + 4] == (
        "Apply incomplete: 0 applied, 0 no-op, 0 already applied, 1 conflict, 0 failed, 0 skipped."
    )
    assert lines[start + 5] == (
        "Conflicts: a schedule changed on the tenant after the plan was made; nothing was "
        "overwritten. Applying plan.json again would conflict again: make a new plan "
        "(`cxsched plan --out plan.json`), review it, and apply that."
    )
    again = cli(emulator, ["apply", "plan.json"])  # the advice holds: it conflicts again
    assert again.exit_code == 1 and "1 conflict" in again.stdout
    assert cli(emulator, ["plan", "--out", "plan.json"]).exit_code == 0
    assert cli(emulator, ["apply", "plan.json"]).exit_code == 0
    assert live(emulator, "c1")["a"]["dialerSettings"]["callRate"] == 12
