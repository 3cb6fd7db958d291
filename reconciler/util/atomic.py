"""Atomic file replacement, the one way cxsched writes a file that someone may be reading.

The content goes to a temporary file in the same folder, is flushed to disk, then renamed over the
target with `os.replace`, so a reader (or a crash) sees the old file or the new one, never half of
one. Callers translate the `OSError` into their own layer's error with the path named.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from reconciler.errors import InputError

__all__ = ["atomic_write", "write_atomic"]


def write_atomic(path: Path, content: str | bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `content` (text is written as UTF-8, newlines untouched).

    The file keeps the permission bits it had; a new one gets `mode` (default 0o644). Missing
    parent folders are created. Raises `OSError`; the temporary file never outlives a failure.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    bits = stat.S_IMODE(path.stat().st_mode) if path.exists() else (mode or 0o644)
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), bits)
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    """`write_atomic`, with a failure as an `InputError` naming the path."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}") from exc
