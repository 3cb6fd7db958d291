"""YAML files in, plain JSON-like values with the source position of every node out.

The loader reads YAML's *events* from libyaml (the C parser, about 8x faster than pure Python;
the pure parser is the fallback) and builds the values itself in one iterative pass, recording
the line and column of every JSON pointer on the way. Owning that pass makes it safe and strict:

* values follow the YAML 1.2 core schema, as editors do: a plain scalar is null, a boolean
  (``true``/``false``), an integer, a finite float or else a string. There is no timestamp type, no
  base-60 number and no ``.inf``/``.nan`` (JSON has none), so ``2027-01-04T08:00:00-05:00`` and
  ``21:00`` stay the strings the file wrote;
* mapping keys are always strings, and a key written twice is refused;
* anchors and aliases are refused outright, so an alias "billion laughs" bomb never expands;
* nesting deeper than `MAX_DEPTH` is refused without recursion;
* a number JSON cannot hold is refused with its field: ``!!float nan`` / ``!!float inf``
  (``yaml-non-finite``) and an integer of more than 40 digits (``yaml-number-size``), so one
  absurd file is a finding and never stops the run;
* a file over the size limit is refused from its size alone, before it is read;
* a file with NUL bytes or invalid UTF-8, a YAML syntax error, several documents, an empty file
  or a top level that is not a mapping each give one finding with its position.

Problems never raise: `load_file` returns them as `Finding` records (rule ids ``yaml-*`` and
``file-unreadable``) in a `LoadResult` without a document.

Modules: `document` (positions and the loaded document), `scalars` (scalar values), `builder`
(the pass over the events); this one reads files and maps parser errors to findings.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from reconciler.loader.builder import MAX_DEPTH, Builder
from reconciler.loader.document import (
    START,
    Document,
    Mark,
    Position,
    Refusal,
    escape_pointer,
)
from reconciler.model import Finding

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "Document",
    "LoadResult",
    "Mark",
    "Position",
    "escape_pointer",
    "load_bytes",
    "load_file",
]

#: Files larger than this are refused without being read (1 MiB).
DEFAULT_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading one file gave: a document, or the findings that refused it.

    `digest` is the SHA-256 of the bytes read (empty when the file was not read).
    """

    path: str
    document: Document | None
    findings: tuple[Finding, ...]
    digest: str


def load_file(
    path: Path | str, display: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadResult:
    """Load one YAML file; `display` is the path shown in findings (default: `path` as given)."""
    shown = display if display is not None else Path(path).as_posix()
    try:
        with open(path, "rb", buffering=0) as stream:  # noqa: PTH123 - str paths: no Path per file
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                message = (
                    f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; a schedule "
                    "file needs a few kilobytes: split it or remove what does not belong"
                )
                return _refusal(shown, "yaml-size", message, START)
            raw = stream.read(size + 1)  # a buffer of the file's size, not of the limit
            if len(raw) > size:  # it grew after the size check: read on up to the limit
                raw += stream.read(max_bytes + 1 - len(raw))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _refusal(shown, "file-unreadable", f"cannot read the file: {reason}", START)
    if len(raw) > max_bytes:  # it grew after the size check
        return _refusal(shown, "yaml-size", f"file is over the {max_bytes:,}-byte limit", START)
    return load_bytes(raw, shown)


def load_bytes(raw: bytes, path: str) -> LoadResult:
    """Load YAML from bytes already read; `path` is the name shown in findings."""
    digest = hashlib.sha256(raw).hexdigest()
    text_or_finding = _decode(raw, path)
    if isinstance(text_or_finding, Finding):
        return LoadResult(path, None, (text_or_finding,), digest)
    builder = Builder(path)
    try:
        document = builder.build(text_or_finding)
    except Refusal as refused:
        finding = _finding(path, refused.rule, str(refused), refused.position, refused.pointer)
        builder.findings.append(finding)
        document = None
    except yaml.YAMLError as exc:
        builder.findings.append(_yaml_error(path, exc, text_or_finding))
        document = None
    if builder.findings:
        return LoadResult(path, None, tuple(builder.findings), digest)
    return LoadResult(path, document, (), digest)


def _refusal(path: str, rule: str, message: str, position: Position) -> LoadResult:
    return LoadResult(path, None, (_finding(path, rule, message, position),), "")


def _finding(path: str, rule: str, message: str, position: Position, pointer: str = "") -> Finding:
    return Finding(path, position.line, position.column, pointer, rule, "error", message)


def _decode(raw: bytes, path: str) -> str | Finding:
    nul = raw.find(b"\x00")
    if nul >= 0:
        where = _byte_position(raw, nul)
        message = "binary file (NUL byte); a schedule file is UTF-8 text"
        return _finding(path, "yaml-encoding", message, where)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = _byte_position(raw, exc.start)
        message = f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return _finding(path, "yaml-encoding", message, where)


def _byte_position(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    return Position(raw.count(b"\n", 0, offset) + 1, column)


def _yaml_error(path: str, exc: yaml.YAMLError, text: str) -> Finding:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        hint = " (the line holds a tab: indent YAML with spaces, not tabs)"
        message = f"invalid YAML: {problem}{context}{hint if _tab_near(text, mark.line) else ''}"
        return _finding(path, "yaml-syntax", message, Position(mark.line + 1, mark.column + 1))
    if isinstance(exc, yaml.reader.ReaderError):
        where = _char_position(text, exc.position)
        message = f"control character #x{exc.character:04x} is not allowed; remove it"
        return _finding(path, "yaml-encoding", message, where)
    return _finding(path, "yaml-syntax", f"invalid YAML: {exc}", START)  # pragma: no cover


def _tab_near(text: str, line: int) -> bool:
    lines = text.split("\n", line + 1)
    return line < len(lines) and "\t" in lines[line]


def _char_position(text: str, offset: int) -> Position:
    return Position(text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)
