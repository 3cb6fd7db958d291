"""Change a few values of a YAML file in place, keeping its comments, key order and layout.

ruamel.yaml's round-trip parser finds where each value sits (line and column); the edit then
replaces exactly those characters of the original text, so the diff of an edited file shows only
the changed values, whatever the file's indentation, quoting or comment alignment. A mapping
that does not exist yet is appended at the end of the document, indented like the file's other
nested mappings. Files are replaced atomically (temp file in the same folder, then
`os.replace`), keeping their permission bits; `edit_file` checks the result with a caller's
validator and puts the original bytes back when the check fails (`write_checked`, for several
files at once). `load_mapping`, `read_text` and `block_end` serve the other edits of
declared files (`reconciler.adopt.refresh`).

Errors: `reconciler.errors.InputError` when the file cannot be read, parsed or written, or
when a pointer crosses something that is not a mapping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from reconciler.errors import InputError
from reconciler.util.atomic import atomic_write

__all__ = [
    "append_items",
    "block_end",
    "edit_file",
    "edit_text",
    "load_mapping",
    "read_text",
    "render_scalar",
    "write_checked",
]

_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|[^\s,\]}#]+')

_COMMENT = re.compile(r"( +)#")


def render_scalar(value: Any) -> str:
    """A YAML plain scalar for a bool, int or float (floats keep a decimal point)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"cannot render {value!r} as a YAML scalar")


def edit_text(text: str, values: Mapping[str, Any], *, where: str = "<yaml>") -> str:
    """`text` with the value at each JSON pointer of `values` set (parents made as needed)."""
    data = load_mapping(text, where)
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    missing: dict[str, dict[str, Any]] = {}
    for pointer, value in values.items():
        keys = [k.replace("~1", "/").replace("~0", "~") for k in pointer.split("/")[1:]]
        parent = _parent(data, keys, where, pointer)
        if parent is None:
            missing.setdefault(keys[0], {})[keys[-1]] = value
        elif keys[-1] in parent:
            line, column = parent.lc.value(keys[-1])
            edits.append((line, column, render_scalar(value)))
        else:
            raise InputError(f"{where}: {pointer} is not set; add it before editing it")
    for line, column, new in sorted(edits, reverse=True):
        lines[line] = _replace_at(lines[line], column, new)
    return "".join(lines) + _appended(text, missing, _indent(data))


def append_items(
    text: str, key: str, items: Sequence[Mapping[str, str]], *, where: str = "<yaml>"
) -> str:
    """`text` with `items` (mappings of strings) appended to the top-level block list `key`.

    The new items go right after the list's last item, indented like it, in block style with
    double-quoted values; a missing list is added at the end of the document.
    """
    data = load_mapping(text, where)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if key not in data:
        return "".join(lines) + f"{key}:\n" + _items(items, 2)
    seq = data[key]
    if not isinstance(seq, CommentedSeq) or not seq or seq.fa.flow_style():
        raise InputError(
            f"{where}: {key} is not a block list (one '- ' item per line); write it as one "
            "to let cxsched add items to it"
        )
    end = block_end(data, key, lines, seq.lc.item(len(seq) - 1)[0])
    dash = max(0, seq.lc.item(0)[1] - 2)
    return "".join(lines[:end]) + _items(items, dash) + "".join(lines[end:])


def load_mapping(text: str, where: str) -> CommentedMap:
    """The round-trip parse of `text`; InputError naming `where` unless it is a mapping."""
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise InputError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, CommentedMap):
        raise InputError(f"{where}: the document is not a mapping")
    return data


def block_end(data: CommentedMap, key: str, lines: Sequence[str], last: int) -> int:
    """Where the top-level `key`'s entry ends: the next top-level key's line (or the end of the
    file), less the comment and blank lines just before it (they belong to that key), but not
    before line `last` + 1 (the entry's last line of content)."""
    start = data.lc.key(key)[0]
    starts = sorted(data.lc.key(k)[0] for k in data)
    end = next((line for line in starts if line > start), len(lines))
    while end - 1 > last and _blank_or_comment(lines[end - 1]):
        end -= 1
    return end


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _items(items: Sequence[Mapping[str, str]], indent: int) -> str:
    pad = " " * indent
    out = ""
    for item in items:
        for index, (name, value) in enumerate(item.items()):
            lead = f"{pad}- " if index == 0 else f"{pad}  "
            out += f"{lead}{name}: {json.dumps(value, ensure_ascii=False)}\n"
    return out


def _parent(data: CommentedMap, keys: list[str], where: str, pointer: str) -> CommentedMap | None:
    """The mapping holding the last key, None when it does not exist (one level only)."""
    node = data
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None and depth == 0 and len(keys) == 2:
            return None
        if not isinstance(child, CommentedMap):
            raise InputError(f"{where}: {pointer}: {key!r} is not a mapping")
        node = child
    return node


def _replace_at(line: str, column: int, new: str) -> str:
    """`line` with the scalar at `column` replaced; a trailing comment keeps its column."""
    match = _SCALAR.match(line, column)
    end = match.end() if match else column
    rest = line[end:]
    comment = _COMMENT.match(rest)
    if comment:
        gap = max(1, len(comment.group(1)) - (len(new) - (end - column)))
        rest = " " * gap + rest[comment.end(1) :]
    return line[:column] + new + rest


def _indent(data: CommentedMap) -> int:
    """The indentation of the file's nested block mappings (2 when it has none)."""
    for child in data.values():
        if isinstance(child, CommentedMap) and child and not child.fa.flow_style():
            column = child.lc.key(next(iter(child)))[1]
            if isinstance(column, int) and column > 0:
                return column
    return 2


def _appended(text: str, missing: Mapping[str, Mapping[str, Any]], indent: int) -> str:
    if not missing:
        return ""
    pad = " " * indent
    out = "" if not text or text.endswith("\n") else "\n"
    for key, children in missing.items():
        out += f"{key}:\n"
        out += "".join(f"{pad}{k}: {render_scalar(v)}\n" for k, v in children.items())
    return out


def edit_file(
    path: Path, values: Mapping[str, Any], validate: Callable[[Path], None]
) -> tuple[str, str]:
    """Edit `path` in place, then `validate(path)`; restore the original if it raises.

    Returns (before, after) texts.
    """
    before = read_text(path)
    after = edit_text(before, values, where=str(path))
    write_checked([(path, before, after)], lambda: validate(path))
    return before, after


def read_text(path: Path) -> str:
    """The UTF-8 text of `path`; InputError naming it when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc


def write_checked(files: Sequence[tuple[Path, str, str]], check: Callable[[], None]) -> None:
    """Write each (path, before, after) as `after`, then `check()`; if anything raises, put
    every file back as `before` and re-raise."""
    try:
        for path, _before, after in files:
            atomic_write(path, after)
        check()
    except BaseException:
        for path, before, _after in files:
            atomic_write(path, before)
        raise
