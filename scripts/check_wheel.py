#!/usr/bin/env python3
"""Prove that the built wheel carries what cxsched needs at run time, from outside the checkout.

It builds the sdist and, from it, the wheel (`python -m build`; or takes `--wheel FILE`),
checks that the wheel holds the schemas and the emulator's data, installs it into a virtualenv
OUTSIDE the checkout and, from a temporary folder with nothing of the checkout on the path:

  - `cxsched --version` names the version of pyproject.toml, and `reconciler` is imported
    from the virtualenv;
  - `cxsched validate` passes on copies of the example schedules (examples/schedules-repo/
    and the repository's own schedules/ with its cxsched.yaml);
  - `cxsched emulator serve --port 0` starts, answers a token request, and stops on SIGINT.

The virtualenv is kept between runs (in $XDG_CACHE_HOME/cxsched/check-wheel, keyed by the
checkout, the Python version and the dependencies) and only the wheel is reinstalled, so a run
takes a few seconds; `--fresh` uses a new one (the release does). Needs the package index (for build
requirements and dependencies), never GitHub. Exit codes: 0 the wheel works, 1 it does not
(one line on stderr says what), 2 bad usage.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = (
    (ROOT / "examples" / "schedules-repo", ("cxsched.yaml", "schedules")),
    (ROOT, ("cxsched.yaml", "schedules")),
)
DATA_FILES = (
    "reconciler/py.typed",
    "reconciler/schemas/schedule.schema.json",
    "reconciler/schemas/config.schema.json",
    "reconciler/emulator/openapi.json",
)
STEP_TIMEOUT_S = 300.0
SERVE_TIMEOUT_S = 20.0


class CheckError(Exception):
    """The wheel does not work as it should; the message says where."""


def project() -> dict[str, object]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    table = data["project"]
    assert isinstance(table, dict)
    return table


def run(
    command: Sequence[str | Path], *, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise CheckError(
            f"`{' '.join(map(str, command))}` exited {done.returncode}:\n" + "\n".join(tail)
        )
    return done


def build(outdir: Path) -> Path:
    """The wheel built from the sdist, as a release builds it."""
    run([sys.executable, "-m", "build", "--outdir", outdir, ROOT], cwd=ROOT)
    [wheel] = sorted(outdir.glob("*.whl"))
    return wheel


def check_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in DATA_FILES if name not in names]
    if missing:
        raise CheckError(
            f"{wheel.name} lacks {', '.join(missing)}: see package-data in pyproject.toml"
        )


def venv_dir(fresh: bool, scratch: Path) -> Path:
    if fresh:
        return scratch / "venv"
    deps = json.dumps(project().get("dependencies"), sort_keys=True)
    # One per checkout as well: two worktrees' test runs never reinstall into the same one.
    key = hashlib.sha256(f"{ROOT}\n{sys.version}\n{deps}".encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "cxsched" / "check-wheel" / key


def install(wheel: Path, venv: Path) -> Path:
    if ROOT in venv.resolve().parents:
        raise CheckError(f"the virtualenv {venv} must be outside the checkout {ROOT}")
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", "--clear", venv], cwd=venv.parent)
    pip: list[str | Path] = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run([*pip, "--force-reinstall", "--no-deps", wheel], cwd=venv.parent)
    run([*pip, wheel], cwd=venv.parent)  # the dependencies, when not there yet
    return venv / "bin"


def clean_env(bindir: Path, home: Path) -> dict[str, str]:
    """Nothing of the checkout or the developer's settings: no PYTHONPATH, CXONE_*, venv."""
    return {
        "PATH": f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
    }


def check_version(bindir: Path, work: Path, env: dict[str, str], venv: Path) -> None:
    said = run([bindir / "cxsched", "--version"], cwd=work, env=env).stdout.strip()
    want = f"cxsched, version {project()['version']}"
    if said != want:
        raise CheckError(f"cxsched --version said {said!r}, not {want!r}")
    code = "import reconciler; print(reconciler.__file__)"
    where = Path(run([bindir / "python", "-c", code], cwd=work, env=env).stdout.strip())
    if venv.resolve() not in where.resolve().parents:
        raise CheckError(f"reconciler was imported from {where}, not from the wheel in {venv}")


def check_validate(bindir: Path, work: Path, env: dict[str, str]) -> int:
    files = 0
    for index, (source, names) in enumerate(EXAMPLES):
        target = work / f"example-{index}"
        target.mkdir()
        for name in names:
            copy = shutil.copytree if (source / name).is_dir() else shutil.copy2
            copy(source / name, target / name)
        done = run([bindir / "cxsched", "validate"], cwd=target, env=env)
        said = done.stdout + done.stderr
        found = re.search(
            r"(\d+) schedule files?(?: and cxsched\.yaml)? checked: no problems found", said
        )
        if not found:
            raise CheckError(f"cxsched validate in a copy of {source} said: {said.strip()}")
        files += int(found[1])
    return files


def check_emulator(bindir: Path, work: Path, env: dict[str, str]) -> None:
    command = [str(bindir / "cxsched"), "emulator", "serve", "--port", "0"]
    env = {**env, "PYTHONUNBUFFERED": "1"}  # the banner through a pipe, line by line
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as server:
        assert server.stdout is not None
        stream = server.stdout
        reader = threading.Thread(target=_pump, args=(stream, lines))
        reader.start()
        try:
            said = _read_banner(lines)
            _ask_for_a_token(said["url"], said["id"], said["secret"])
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=SERVE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                server.kill()
                raise CheckError("the emulator did not stop on SIGINT") from None
            reader.join(timeout=SERVE_TIMEOUT_S)
    rest = "".join(lines.get() for _ in range(lines.qsize()))
    if "cxsched emulator stopped" not in rest:
        raise CheckError(f"the emulator exited {server.returncode} without saying it stopped")


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def _read_banner(lines: queue.Queue[str]) -> dict[str, str]:
    """The URL and the demo credentials the emulator prints at start-up."""
    patterns = {
        "url": r"listening on (http://127\.0\.0\.1:\d+)",
        "id": r"demo client id: (\S+)",
        "secret": r"demo client secret: (\S+)",
    }
    found: dict[str, str] = {}
    deadline = time.monotonic() + SERVE_TIMEOUT_S
    while len(found) < len(patterns):
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise CheckError(f"the emulator did not start within {SERVE_TIMEOUT_S:.0f} s") from None
        for key, pattern in patterns.items():
            match = re.search(pattern, line)
            if match:
                found[key] = match[1]
    return found


def _ask_for_a_token(url: str, client_id: str, secret: str) -> None:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    request = urllib.request.Request(
        f"{url}/oauth/token", data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
        body = json.loads(answer.read())
    if answer.status != 200 or not body.get("access_token"):
        raise CheckError(f"the emulator at {url} answered a token request with {answer.status}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--wheel", type=Path, help="check this wheel instead of building one")
    parser.add_argument("--fresh", action="store_true", help="a new virtualenv, not the cached one")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="cxsched-wheel-") as temp:
            scratch = Path(temp)
            wheel = args.wheel.resolve() if args.wheel else build(scratch / "dist")
            check_contents(wheel)
            venv = venv_dir(args.fresh, scratch)
            venv.parent.mkdir(parents=True, exist_ok=True)
            bindir = install(wheel, venv)
            work = scratch / "work"
            work.mkdir()
            env = clean_env(bindir, scratch)
            check_version(bindir, work, env, venv)
            files = check_validate(bindir, work, env)
            check_emulator(bindir, work, env)
    except (CheckError, OSError, subprocess.SubprocessError) as exc:
        print(f"check_wheel: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    print(
        f"{wheel.name}: data files present; installed outside the checkout it runs --version, "
        f"validates {files} example files and serves the emulator ({took:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
