"""The dependency rules of docs/architecture.md hold, and breaking one is caught.

`lint-imports` checks the contracts in pyproject.toml; these tests run it on the real tree and
on a copy of the package with one forbidden import added, so a contract that can never fail
would be noticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT / "reconciler", tree / "reconciler", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    module.write_text(text.replace(anchor, anchor + "\n" + line + "\n", 1), encoding="utf-8")


def test_the_tree_keeps_every_contract(tmp_path: Path) -> None:
    done = _lint(_copy(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "plan/build.py",
            "import reconciler.cxone.client",
            "The core sees the tenant only through the seam",
        ),
        ("apply/writer.py", "import click", "Only the CLI and the commands use click"),
        ("validate/desired.py", "import reconciler.plan.build", "The flow runs one way"),
        (
            "emulator/state.py",
            "import reconciler.model",
            "The emulator keeps its own copy of the contract",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    tree = _copy(tmp_path)
    _add_import(tree / "reconciler" / module, line)
    done = _lint(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = [row for row in done.stdout.splitlines() if row.endswith("BROKEN")]
    assert len(broken) == 1 and broken[0].startswith(contract[:40]), done.stdout
