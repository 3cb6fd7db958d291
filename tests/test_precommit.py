"""The pre-commit hook, run by real pre-commit in a temporary git repository: it validates the
whole repository once (checks across files hold), and a change to cxsched.yaml alone runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.apply import write_file
from support.git import git

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (dev extra)"),
]


@pytest.fixture
def schedules_repo(tmp_path: Path) -> Path:
    """A git repository of schedules whose pre-commit config is the shipped hook.

    The hook's own fields are used as they are shipped, with `repo: local` and the installed
    `cxsched` as entry (`language: system`), so no environment is built from the network.
    """
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["language"] == "python" and hook["entry"] == "cxsched validate"
    local = {**hook, "language": "system", "entry": f"{BIN / 'cxsched'} validate"}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    root = tmp_path / "schedules-repo"
    root.mkdir()
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for name in ("a", "b"):
        write_file(root, "c1", name)
    (root / "cxsched.yaml").write_text("formatVersion: 1\ntenant:\n  maxCallRate: 20\n")
    (root / "README.md").write_text("schedules\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    return root


def _run(root: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home")}
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--files", *files],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_hook_passes_a_valid_repository_and_skips_other_files(schedules_repo: Path) -> None:
    ok = _run(schedules_repo, "schedules/c1/a.yaml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "cxsched validate" in ok.stdout and "Passed" in ok.stdout
    other = _run(schedules_repo, "README.md")
    assert other.returncode == 0
    assert "(no files to check)Skipped" in other.stdout


def test_a_capacity_change_in_cxsched_yaml_alone_runs_the_hook_over_every_file(
    schedules_repo: Path,
) -> None:
    (schedules_repo / "cxsched.yaml").write_text("formatVersion: 1\ntenant:\n  maxCallRate: 10\n")
    result = _run(schedules_repo, "cxsched.yaml")
    assert result.returncode == 1, result.stdout
    assert "Failed" in result.stdout
    for name in ("a", "b"):  # both files, though only cxsched.yaml changed
        assert f"schedules/c1/{name}.yaml:" in result.stdout
    assert "error call-rate-limit: callRate 12 is above the tenant's maxCallRate 10" in (
        result.stdout
    )


def test_a_duplicate_across_files_fails_though_one_file_is_staged(schedules_repo: Path) -> None:
    dup = schedules_repo / "schedules" / "c1" / "copy.yaml"
    dup.write_text((schedules_repo / "schedules" / "c1" / "a.yaml").read_text())
    result = _run(schedules_repo, "schedules/c1/copy.yaml")
    assert result.returncode == 1, result.stdout
    assert "schedules/c1/" in result.stdout and "duplicate" in result.stdout
