"""`cxsched emulator serve` through its entry point."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from reconciler.cli import main

_BANNER = re.compile(r"cxsched emulator listening on (http://127\.0\.0\.1:\d+)\n")


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    (tmp_path / "schedules" / "outbound-sales").mkdir(parents=True)
    process = _serve(
        tmp_path,
        "--client-secret",
        "demo-secret-123",
        "--campaign",
        "extra",
        "--state",
        str(tmp_path / "state.json"),
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


def _banner(process: subprocess.Popen[str]) -> tuple[str, str, str]:
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]
    match = _BANNER.fullmatch(lines[0])
    assert match, lines
    return match.group(1), lines[1], lines[2]


def _token(base_url: str, secret: str) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": "cxsched-demo",
        "client_secret": secret,
    }
    response = requests.post(f"{base_url}/oauth/token", data=form, timeout=5)
    assert response.status_code == 200
    return str(response.json()["access_token"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_credentials_serves_and_stops_on_signal(
    served: subprocess.Popen[str], tmp_path: Path, sig: signal.Signals
) -> None:
    base_url, client_id, secret = _banner(served)
    assert client_id == "demo client id: cxsched-demo\n"
    assert secret == "demo client secret: demo-secret-123\n"
    headers = {"Authorization": f"Bearer {_token(base_url, 'demo-secret-123')}"}
    for campaign in ("outbound-sales", "extra"):
        listed = requests.get(
            f"{base_url}/api/v2/campaigns/{campaign}/schedules", headers=headers, timeout=5
        )
        assert listed.json() == {"schedules": []}
    assert served.stdout is not None
    assert served.stdout.readline() == (
        "campaigns: outbound-sales, extra (seeded from the subfolders of schedules; "
        "--seed PATH for another folder, --empty for none)\n"
    )
    served.send_signal(sig)
    stdout, stderr = served.communicate(timeout=10)
    assert (served.returncode, stdout, stderr) == (0, "cxsched emulator stopped\n", "")
    assert not (tmp_path / "state.json").exists()  # nothing was written


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("--empty",),
            "campaigns: none (an empty tenant; --seed PATH seeds the campaigns of a "
            "schedules folder, --campaign ID adds one)",
        ),
        (
            ("--empty", "--campaign", "extra"),
            "campaigns: extra (--seed PATH seeds the campaigns of a schedules folder)",
        ),
        (
            ("--seed", "schedules", "--random-seed", "7"),
            "campaigns: outbound-sales (seeded from the subfolders of schedules; --seed PATH "
            "for another folder, --empty for none)",
        ),
    ],
)
def test_serve_says_what_it_seeded_and_can_start_empty(
    tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    (tmp_path / "schedules" / "outbound-sales").mkdir(parents=True)
    process = _serve(tmp_path, *args)
    try:
        _banner(process)
        assert process.stdout is not None
        assert process.stdout.readline() == line + "\n"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_empty_and_a_seed_folder_contradict(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["emulator", "serve", "--empty", "--seed", "x"])
    assert result.exit_code == 1
    assert result.output == "error: --empty and --seed contradict each other; pass one of them\n"


def test_serve_options_reach_the_emulator(tmp_path: Path) -> None:
    process = _serve(tmp_path, "--rps", "1", "--seed-dir", str(tmp_path), "--token-ttl", "5")
    try:
        base_url, _, secret_line = _banner(process)
        secret = secret_line.removeprefix("demo client secret: ").strip()
        assert len(secret) >= 20
        form = {"grant_type": "client_credentials", "client_id": "cxsched-demo"}
        answers = [
            requests.post(
                f"{base_url}/oauth/token", data={**form, "client_secret": secret}, timeout=5
            )
            for _ in range(2)
        ]
        assert answers[0].json()["expires_in"] == 5
        assert answers[1].status_code == 429
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_non_loopback_host_is_refused() -> None:
    result = CliRunner().invoke(main, ["emulator", "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert result.output == (
        "error: --host 0.0.0.0 is not a loopback address; the emulator has no real security, "
        "so pass --allow-remote to listen on it anyway\n"
    )


def test_missing_seed_dir_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(main, ["emulator", "serve", "--seed-dir", str(missing)])
    assert result.exit_code == 1
    assert result.output == (
        f"error: seed folder {missing} does not exist; pass an existing folder\n"
    )


def test_port_in_use_is_an_error() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["emulator", "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot listen on 127.0.0.1:{port} (")
    assert result.output.endswith("); pick another --port or 0 for any\n")


def test_serve_in_process_until_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import threading
    import time

    monkeypatch.chdir(tmp_path)  # no ./schedules here: an empty tenant
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def interrupt_when_listening() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_listening, daemon=True).start()
    result = CliRunner().invoke(
        main, ["emulator", "serve", "--port", str(port), "--client-secret", "s-1"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"cxsched emulator listening on http://127.0.0.1:{port}\n"
        "demo client id: cxsched-demo\n"
        "demo client secret: s-1\n"
        "campaigns: none (an empty tenant; --seed PATH seeds the campaigns of a "
        "schedules folder, --campaign ID adds one)\n"
        "cxsched emulator stopped\n"
    )
