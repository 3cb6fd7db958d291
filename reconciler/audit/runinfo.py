"""Who runs cxsched, from which commit, in which run: the identity stamped on audit records.

In CI the environment says it (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins, or the
generic `CXSCHED_ACTOR` / `CXSCHED_COMMIT` overrides); on a workstation the local git
(`git config user.name`, `git rev-parse HEAD`) and the login name do. Nothing here fails: a
value that cannot be found is recorded as unknown rather than stopping an apply.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["RunContext", "run_context"]

#: Environment variables naming the actor, first match wins.
_ACTOR_VARS = (
    "CXSCHED_ACTOR",
    "GITHUB_ACTOR",
    "GITLAB_USER_LOGIN",
    "BUILD_REQUESTEDFOREMAIL",
    "BUILD_REQUESTEDFOR",
    "BUILD_USER_ID",
)
#: Environment variables naming the commit, first match wins.
_COMMIT_VARS = (
    "CXSCHED_COMMIT",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "BUILD_SOURCEVERSION",
    "GIT_COMMIT",
)
_GIT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class RunContext:
    """The identity of one cxsched invocation."""

    run_id: str
    actor: str
    commit: str | None
    command: str


def run_context(
    command: str, *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> RunContext:
    """The context of a run of `command` (e.g. "apply plan.json"), from CI env or local git."""
    environ = os.environ if env is None else env
    return RunContext(
        run_id=_new_run_id(),
        actor=_first(environ, _ACTOR_VARS) or _git(("config", "user.name"), cwd) or _login(),
        commit=_first(environ, _COMMIT_VARS) or _git(("rev-parse", "HEAD"), cwd),
        command=command,
    )


def _new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def _git(args: tuple[str, ...], cwd: Path | None) -> str | None:
    try:
        done = subprocess.run(
            ("git", *args),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
