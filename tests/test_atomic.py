"""Atomic replacement: whole content or the old file, permissions kept, no temporary left."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from reconciler.util.atomic import write_atomic


def test_new_file_gets_content_and_default_mode(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "plan.json"
    write_atomic(target, "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.json"]


def test_replacing_keeps_permission_bits_and_writes_bytes(tmp_path: Path) -> None:
    target = tmp_path / "trail.head"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(target, b"\x89PNG new")
    assert target.read_bytes() == b"\x89PNG new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_failure_leaves_old_content_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "keep.txt").write_text("kept", encoding="utf-8")
    with pytest.raises(OSError):
        write_atomic(target, "text")
    assert (target / "keep.txt").read_text(encoding="utf-8") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]
