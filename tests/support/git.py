"""`git` in a test's repository, with a committer identity of its own and a time limit."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git"]


def git(cwd: Path, *args: str) -> str:
    """Run `git ARGS` in `cwd` (failing the test on a non-zero exit); its stdout, stripped."""
    done = subprocess.run(
        ["git", "-c", "user.name=Tester", "-c", "user.email=tester@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()
