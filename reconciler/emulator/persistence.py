"""The emulator's JSON state file: read at start, replaced atomically after every write.

The document is `{"formatVersion": 1, "capacity": {...}, "campaigns": {ID: [Schedule, ...]}}`
with schedules in their rendered API form (ETags included), oldest first. A write goes to a
temporary file in the same folder and then `os.replace`s the old one, so a crash never leaves
half a file behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.emulator.errors import StateFileError
from reconciler.util.atomic import write_atomic

__all__ = ["STATE_VERSION", "read_state", "write_state"]

STATE_VERSION = 1


def read_state(path: Path) -> dict[str, Any] | None:
    """The saved state, None when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError(
            f"cannot read the emulator state {path}: {exc}; fix or delete the file"
        ) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(
            f"{path}:{exc.lineno}: the emulator state is not valid JSON ({exc.msg}); "
            "delete the file to start empty"
        ) from exc
    _check_shape(path, document)
    return dict(document)


def _check_shape(path: Path, document: object) -> None:
    ok = (
        isinstance(document, dict)
        and document.get("formatVersion") == STATE_VERSION
        and isinstance(document.get("campaigns"), dict)
        and all(isinstance(v, list) for v in document["campaigns"].values())
    )
    if not ok:
        raise StateFileError(
            f"{path}: not an emulator state file of format version {STATE_VERSION} "
            "(expected formatVersion and campaigns); delete the file to start empty"
        )


def write_state(path: Path, document: dict[str, Any]) -> None:
    """Replace the state file atomically with `document`."""
    text = json.dumps({"formatVersion": STATE_VERSION, **document}, indent=1, sort_keys=True)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise StateFileError(f"cannot write the emulator state {path}: {exc}") from exc
