"""`load_desired`: finding files, the schedules it yields, the digest and the worker pool."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.config import RepoConfig
from reconciler.errors import InputError
from reconciler.model import DesiredSchedule
from reconciler.validate.desired import find_schedule_files, load_desired

BASE = (Path(__file__).parent / "data" / "valid_schedule.yaml").read_text(encoding="utf-8")
NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _tree(root: Path, count: int = 3) -> Path:
    folder = root / "schedules" / "renewals-us"
    folder.mkdir(parents=True)
    for index in range(count):
        text = BASE.replace("Renewals Q1 2035", f"Renewals {index}")
        (folder / f"s{index}.yaml").write_text(text, encoding="utf-8")
    return root / "schedules"


def test_folders_are_searched_for_yaml_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _tree(tmp_path, 2)
    (tmp_path / "schedules" / "renewals-us" / "c.yml").write_text(BASE, encoding="utf-8")
    (tmp_path / "schedules" / "README.md").write_text("docs", encoding="utf-8")
    (tmp_path / "schedules" / ".hidden").mkdir()
    (tmp_path / "schedules" / ".hidden" / "x.yaml").write_text("", encoding="utf-8")
    (tmp_path / "schedules" / ".swap.yaml").write_text("", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    assert find_schedule_files([Path("schedules/"), Path("./schedules/renewals-us/s0.yaml")]) == [
        "schedules/renewals-us/c.yml",
        "schedules/renewals-us/s0.yaml",
        "schedules/renewals-us/s1.yaml",
    ]
    assert find_schedule_files([Path("notes.txt")]) == ["notes.txt"]


def test_missing_paths_and_empty_folders_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        find_schedule_files([tmp_path / "missing"])
    with pytest.raises(InputError, match=r"no schedule files \(\*.yaml, \*.yml\) in this folder"):
        find_schedule_files([tmp_path])


def test_schedules_hold_only_api_fields_and_the_pinned_id(tmp_path: Path) -> None:
    path = _tree(tmp_path, 1) / "renewals-us" / "s0.yaml"
    path.write_text(BASE.replace("name:", "scheduleId: sch-9\nname:"), encoding="utf-8")
    state = load_desired([path], RepoConfig(), now=NOW)
    (schedule,) = state.schedules
    assert schedule == DesiredSchedule(
        Path(path.as_posix()), "renewals-us", schedule.body, schedule_id="sch-9"
    )
    assert list(schedule.body) == [
        "name",
        "startTime",
        "endTime",
        "timeZone",
        "blackoutPeriods",
        "dialerSettings",
        "regulatoryWindows",
        "optimizationSettings",
    ]
    assert schedule.body["startTime"] == "2035-01-04T08:00:00-05:00"
    assert state.files == (Path(path.as_posix()),)
    assert not state.has_errors() and not state.has_errors(strict=True)
    assert (state.error_count, state.warning_count) == (0, 0)


def test_files_with_errors_yield_no_schedule(tmp_path: Path) -> None:
    root = _tree(tmp_path, 2)
    (root / "renewals-us" / "s1.yaml").write_text(BASE.replace("12.5", "'x'"), encoding="utf-8")
    (root / "renewals-us" / "s2.yaml").write_text("", encoding="utf-8")
    state = load_desired([root], RepoConfig(), now=NOW)
    assert [item.name for item in state.schedules] == ["Renewals 0"]
    assert len(state.files) == 3
    assert state.has_errors() and state.error_count == 2


def test_warnings_fail_only_when_strict(tmp_path: Path) -> None:
    root = _tree(tmp_path, 1)
    state = load_desired([root], RepoConfig(), now=datetime(2036, 1, 1, tzinfo=UTC))
    assert [f.rule for f in state.findings] == ["schedule-past"]
    assert len(state.schedules) == 1
    assert not state.has_errors()
    assert state.has_errors(strict=True)


def test_the_digest_follows_content_names_and_membership(tmp_path: Path) -> None:
    root = _tree(tmp_path, 2)
    first = load_desired([root], RepoConfig(), now=NOW).digest
    assert load_desired([root], RepoConfig(), now=NOW).digest == first
    path = root / "renewals-us" / "s1.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    edited = load_desired([root], RepoConfig(), now=NOW).digest
    path.rename(root / "renewals-us" / "s9.yaml")
    renamed = load_desired([root], RepoConfig(), now=NOW).digest
    assert len({first, edited, renamed}) == 3
    assert len(first) == 64


def test_a_pool_of_workers_gives_the_same_state(tmp_path: Path) -> None:
    root = _tree(tmp_path, 12)
    (root / "renewals-us" / "s3.yaml").write_text(BASE.replace("12.5", "40"), encoding="utf-8")
    twin = BASE.replace("Renewals Q1 2035", "Renewals 10")
    (root / "renewals-us" / "s11.yaml").write_text(twin, encoding="utf-8")
    alone = load_desired([root], RepoConfig(), now=NOW, workers=1)
    pooled = load_desired([root], RepoConfig(), now=NOW, workers=2)
    assert pooled == alone
    assert [(Path(f.path).name, f.rule) for f in pooled.findings] == [
        ("s11.yaml", "duplicate-schedule"),
        ("s3.yaml", "call-rate-limit"),
    ]
