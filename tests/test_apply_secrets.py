"""The secret search: nothing a plan/apply/audit session writes holds the secret or a token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.apply import POST, body, env_for, write_file
from support.emulator import EmulatorFactory

CXSCHED = str(Path(sys.executable).parent / "cxsched")


@pytest.mark.slow
def test_no_secret_or_token_in_anything_a_session_writes(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = emulator_factory(campaigns=("c1", "c2"))
    for name in ("a", "b"):
        write_file(tmp_path, "c1", name)
    write_file(tmp_path, "c2", "c")
    emu.create_schedule("c1", body("b", rate=9))
    env = {**os.environ, **env_for(emu)}
    outputs: list[str] = []
    tokens: set[str] = set()

    def run(*args: str) -> int:
        done = subprocess.run(
            [CXSCHED, "-vv", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        outputs.extend((done.stdout, done.stderr))
        tokens.update(emu._tenant.authority._grants)  # every token issued, for the search only
        return done.returncode

    assert run("plan", "--out", "plan.json", "--format", "json") == 0
    emu.inject_faults("drop", 1, endpoint=POST)
    emu.edit_schedule("c1", emu.schedules("c1")[0]["id"], {"description": "UI"})
    assert run("apply", "plan.json") == 1  # one conflict, one lost answer recovered
    emu.expire_tokens()
    assert run("apply", "--auto-approve") == 0
    assert run("plan", "--detailed-exitcode") == 0
    assert run("audit", "verify") == 0
    assert run("audit", "show", "--format", "json") == 0
    assert run("apply", "plan.json", "--client-secret", "not-the-secret") == 1

    assert len(tokens) == 4  # one per run that reached the API
    needles = [emu.client_secret, "not-the-secret", *tokens]
    written = {f"output {n}": text.encode() for n, text in enumerate(outputs)}
    written |= {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert any(name.endswith("trail.jsonl") for name in written)
    for where, data in written.items():
        for needle in needles:
            assert needle.encode() not in data, f"a secret or token leaked into {where}"
