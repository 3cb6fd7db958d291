"""The release checks: the tag names the version, and the wheel carries its data files.

scripts/release_check.py refuses a tag that is not `v<version of pyproject.toml>`, a version
without a dated CHANGELOG.md section, and an example that pins another version;
scripts/check_wheel.py (which the test command runs on a freshly built wheel) refuses a wheel
without the schemas or the emulator's data.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release_check = script("release_check")
check_wheel = script("check_wheel")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what release_check reads, with version 1.2.3 released on 2027-01-05."""
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.2.3"\n', encoding="utf-8")
    changelog = "# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2027-01-05\n\n- things\n"
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for path in (tmp_path / "examples").rglob("*.yml"):
        text = path.read_text(encoding="utf-8").replace(release_check.version(), "1.2.3")
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_tag_of_the_version_with_its_dated_section_passes(project: Path) -> None:
    assert release_check.problems("v1.2.3", project) == []


def test_every_disagreement_is_named(project: Path) -> None:
    (project / "CHANGELOG.md").write_text("## [1.2.3] - Unreleased\n", encoding="utf-8")
    apply = (
        project / "examples" / "schedules-repo" / ".github" / "workflows" / "schedules-apply.yml"
    )
    apply.write_text(apply.read_text(encoding="utf-8").replace("1.2.3", "1.2.2"), encoding="utf-8")
    assert release_check.problems("v1.2.4", project) == [
        "tag 'v1.2.4' is not v1.2.3, the version in pyproject.toml",
        "CHANGELOG.md has no dated section '## [1.2.3] - YYYY-MM-DD'",
        "schedules-apply.yml: cxsched-version '1.2.2', not '1.2.3'",
        "schedules-apply.yml: calls the workflows of v1.2.2, not v1.2.3",
    ]


def test_this_repository_agrees_but_for_the_release_date() -> None:
    version = release_check.version()
    found = release_check.problems(f"v{version}")
    assert set(found) <= {f"CHANGELOG.md has no dated section '## [{version}] - YYYY-MM-DD'"}
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_script_exits_1_with_the_reasons_and_2_on_bad_usage() -> None:
    command = [sys.executable, str(ROOT / "scripts" / "release_check.py")]
    done = subprocess.run(
        [*command, "v0.0.0"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 1
    assert done.stderr.startswith("release_check: tag 'v0.0.0' is not v")
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stderr) == (2, "usage: release_check.py TAG\n")


def wheel_without(tmp_path: Path, dropped: str) -> Path:
    wheel = tmp_path / "cxsched-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as out:
        for name in check_wheel.DATA_FILES:
            if name != dropped:
                out.writestr(name, "{}")
        out.writestr("reconciler/__init__.py", "")
    return wheel


@pytest.mark.parametrize(
    "dropped", ["reconciler/schemas/schedule.schema.json", "reconciler/emulator/openapi.json"]
)
def test_a_wheel_without_its_data_files_is_refused(tmp_path: Path, dropped: str) -> None:
    wheel = wheel_without(tmp_path, dropped)
    with pytest.raises(check_wheel.CheckError, match=f"lacks {dropped}: see package-data"):
        check_wheel.check_contents(wheel)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_wheel.py"), "--wheel", str(wheel)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"check_wheel: {wheel.name} lacks {dropped}")


def test_the_wheels_virtualenv_is_outside_the_checkout(tmp_path: Path) -> None:
    assert ROOT not in check_wheel.venv_dir(False, tmp_path).parents
    with pytest.raises(check_wheel.CheckError, match="must be outside the checkout"):
        check_wheel.install(tmp_path / "x.whl", ROOT / ".venv-wheel")


@pytest.mark.slow
def test_an_installed_wheel_without_its_schemas_fails_at_run_time(tmp_path: Path) -> None:
    """The run from outside the checkout, not only the listing, finds a missing data file."""
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)]
    subprocess.run(pip, capture_output=True, text=True, timeout=300, check=True)
    [built] = dist.glob("*.whl")
    doctored = tmp_path / built.name
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(doctored, "w") as out:
        for item in source.infolist():
            if not item.filename.startswith("reconciler/schemas/"):
                out.writestr(item, source.read(item))
    bindir = check_wheel.install(doctored, tmp_path / "venv")
    work = tmp_path / "work"
    work.mkdir()
    env = check_wheel.clean_env(bindir, tmp_path)
    check_wheel.check_version(bindir, work, env, tmp_path / "venv")
    with pytest.raises(check_wheel.CheckError) as refused:
        check_wheel.check_validate(bindir, work, env)
    said = str(refused.value).splitlines()
    assert said[0].endswith("bin/cxsched validate` exited 3:")
    assert said[1].startswith("internal error (FileNotFoundError)")
    assert "site-packages/reconciler/schemas/config.schema.json" in said[1]
