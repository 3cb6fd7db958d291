"""Positions in a file, and a loaded document that maps JSON pointers to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import yaml

__all__ = [
    "START",
    "Document",
    "Mark",
    "Position",
    "Refusal",
    "escape_pointer",
    "mark_of",
    "position_of",
]


class Position(NamedTuple):
    """A 1-based line and column in a file."""

    line: int
    column: int


#: Where a finding about the whole file points.
START = Position(1, 1)


class Mark(Protocol):
    """Where a node starts, as the YAML parser reports it: 0-based line and column."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Document:
    """The top-level mapping of a file and where each JSON pointer in it was written.

    `marks` holds the parser's 0-based marks (converted only when asked, by `locate`): a mapping
    member's mark is that of its key, a list item's that of the item.
    """

    path: str
    data: dict[str, Any]
    marks: Mapping[str, Mark]

    def locate(self, pointer: str) -> Position:
        """The 1-based position of `pointer`, or of its nearest ancestor written in the file."""
        while True:
            mark = self.marks.get(pointer)
            if mark is not None:
                return Position(mark.line + 1, mark.column + 1)
            if not pointer:
                return START
            pointer = pointer.rpartition("/")[0]


class Refusal(Exception):
    """Stops reading a file with one finding: its rule, message, position and JSON pointer."""

    def __init__(self, rule: str, message: str, position: Position, pointer: str = "") -> None:
        super().__init__(message)
        self.rule = rule
        self.position = position
        self.pointer = pointer


def escape_pointer(key: str) -> str:
    """One JSON pointer reference token (RFC 6901): '~' -> '~0', '/' -> '~1'."""
    if "~" in key or "/" in key:
        return key.replace("~", "~0").replace("/", "~1")
    return key


def mark_of(event: yaml.Event) -> Position:
    """The 1-based position where `event` starts."""
    return position_of(event.start_mark)


def position_of(mark: Mark | None) -> Position:
    """The 1-based position of a parser mark (the file's start when there is none)."""
    return Position(mark.line + 1, mark.column + 1) if mark is not None else START
