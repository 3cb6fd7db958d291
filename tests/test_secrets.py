"""The client secret and the access tokens never reach a byte the program writes.

A whole session (reads, writes, retries, a token renewal, refusals rendered as the CLI would)
runs with logging at DEBUG into a file and onto stderr; then every byte written (stdout,
stderr, the log, every file under tmp_path) is searched for the secret and each token used.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.cxone import CxoneClient, CxoneError, Secret, Settings
from reconciler.cxone.settings import ENV_CLIENT_SECRET
from reconciler.emulator import Emulator

BODY = {
    "name": "Secret-free",
    "startTime": "2026-12-01T17:00:00Z",
    "endTime": "2026-12-01T20:00:00Z",
    "timeZone": "UTC",
}


@pytest.fixture
def debug_log(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> Iterator[Path]:
    """Everything logged at DEBUG, from every logger, into tmp_path/debug.log and stderr."""
    path = tmp_path / "debug.log"
    root = logging.getLogger()
    handlers = [logging.FileHandler(path, encoding="utf-8"), logging.StreamHandler(sys.__stderr__)]
    previous = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        root.addHandler(handler)
    yield path
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(previous)


def _token(client: CxoneClient) -> str:
    """The access token the client holds now (read from its cache, for the search only)."""
    return client._tokens.token().reveal()


def _session(emu: Emulator, tmp_path: Path) -> list[str]:
    """Run a varied session, render what the CLI would, return every token used."""
    rendered: list[str] = []
    env_file = tmp_path / ".env"
    env_file.write_text(f"{ENV_CLIENT_SECRET}={emu.client_secret}\n", encoding="utf-8")
    settings = Settings.resolve(
        base_url=emu.base_url, client_id=emu.client_id, env_file=env_file, environ={}, rps=500
    )
    rendered += [repr(settings), str(settings), f"{settings.client_secret}"]
    tokens: list[str] = []
    with CxoneClient(settings, sleep=lambda _: None) as client:
        rendered.append(repr(client))
        created = client.create_schedule("c1", BODY)
        tokens.append(_token(client))
        emu.inject_faults("429", 1)
        emu.inject_faults("drop", 1)
        client.update_schedule("c1", created.schedule_id, {"description": "x"}, created.version)
        emu.expire_tokens()
        live = list(client.list_schedules("c1"))
        tokens.append(_token(client))
        rendered.append(repr(live))
        for failing in (
            lambda: client.update_schedule("c1", created.schedule_id, {}, created.version),
            lambda: client.get_schedule("c1", "missing"),
        ):
            rendered.append(_render(failing))
        rendered.append(repr(client.call_counts()))
    wrong = Settings(emu.base_url, emu.client_id, Secret(emu.client_secret + "x"), rps=500.0)
    with CxoneClient(wrong) as client:
        rendered.append(_render(client.tenant_limits))
    (tmp_path / "rendered.txt").write_text("\n".join(rendered), encoding="utf-8")
    return tokens


def _render(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except CxoneError as exc:
        logging.getLogger("test").error("error: %s (%r)", exc, exc)
        return f"error: {exc}\n{exc!r}"
    raise AssertionError("the call was expected to fail")


def test_no_secret_or_token_in_any_byte_written(
    tmp_path: Path, debug_log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with Emulator(campaigns=("c1",)) as emu:
        tokens = _session(emu, tmp_path)
        secret = emu.client_secret
    captured = capfd.readouterr()
    assert len(set(tokens)) == 2 and all(len(t) >= 16 for t in tokens)
    written = {
        "stdout": captured.out.encode(),
        "stderr": captured.err.encode(),
        **{
            str(path): path.read_bytes()
            for path in tmp_path.rglob("*")
            if path.is_file() and path.name != ".env"
        },
    }
    log_text = debug_log.read_text(encoding="utf-8")
    assert "reconciler.cxone INFO PATCH /api/v2/campaigns/c1/schedules/" in log_text
    assert "reconciler.cxone DEBUG" in log_text  # the retries were logged too
    assert "error: GET /api/v2/campaigns/c1/schedules/missing answered HTTP 404" in captured.err
    for where, data in written.items():
        for needle in (secret, *tokens):
            assert needle.encode() not in data, f"a secret or token leaked into {where}"


def _cli_available() -> bool:
    try:
        for module in ("import_", "plan"):
            importlib.import_module(f"reconciler.commands.{module}")
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _cli_available(), reason="the import and plan commands are not built")
def test_no_secret_or_token_in_any_byte_a_cli_session_writes(tmp_path: Path) -> None:
    secret = "KNOWN-client-secret-7b1f0c"
    dialer = {"maxConcurrentCalls": 10, "callRate": 5, "capacityThreshold": 0.8}
    with Emulator(campaigns=("c1",), client_secret=secret) as emu:
        emu.create_schedule("c1", {**BODY, "dialerSettings": dialer})
        env = {
            **os.environ,
            **emu.client_env(),
            "CXONE_CLIENT_SECRET": secret,
        }
        runs = [_cxsched(tmp_path, env, "import", "--campaign", "c1")]
        imported = next((tmp_path / "schedules" / "c1").glob("*.yaml"))
        text = imported.read_text(encoding="utf-8").replace("callRate: 5", "callRate: 6")
        imported.write_text(text, encoding="utf-8")
        runs.append(_cxsched(tmp_path, env, "plan", "--out", "plan.json"))
        runs.append(_cxsched(tmp_path, env, "apply", "plan.json"))
        runs.append(_cxsched(tmp_path, {**env, "CXONE_CLIENT_SECRET": secret[::-1]}, "plan"))
        tokens = list(emu._tenant.authority._grants)  # every token the tenant issued
        assert emu.schedules("c1")[0]["dialerSettings"]["callRate"] == 6.0
    assert [run.returncode for run in runs] == [0, 0, 0, 1]
    assert all(b"POST /oauth/token 200 " in run.stderr for run in runs[:3])
    assert b"PATCH /api/v2/campaigns/c1/schedules/" in runs[2].stderr
    assert runs[3].stderr.endswith(
        b"error: POST /oauth/token answered HTTP 401 after 1 attempt: invalid_client from "
        + emu.base_url.encode()
        + b". Check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET (or --client-id / --client-secret).\n"
    )
    assert len(tokens) == 3
    written = [run.stdout + run.stderr for run in runs]
    written += [path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()]
    assert len(written) >= 7  # four runs, the imported file, the plan, the audit trail
    for data in written:
        for needle in (secret, *tokens):
            assert needle.encode() not in data


def _cxsched(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "reconciler", "-vv", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=60, check=False)
