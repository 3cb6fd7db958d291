"""Builds a document from YAML parser events in one iterative pass, keeping positions.

Anchors and aliases, complex keys, nesting deeper than `MAX_DEPTH`, several documents, an empty
stream and a top level that is not a mapping stop the pass with a `Refusal`; duplicate keys are
collected as findings and the pass goes on to find them all.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import intern
from typing import Any

import yaml

from reconciler.loader.document import (
    START,
    Document,
    Refusal,
    escape_pointer,
    mark_of,
    position_of,
)
from reconciler.loader.scalars import NumberRefused, plain_value, scalar_value
from reconciler.model import Finding

__all__ = ["MAX_DEPTH", "Builder"]

#: The deepest nesting of mappings and lists accepted; schedule files need 3.
MAX_DEPTH = 32

#: libyaml's bare parser where available (about 8x faster), else the pure-Python loader.
_Loader: Any
try:
    from yaml._yaml import CParser as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.BaseLoader
_SCALAR = yaml.ScalarEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent


class _Frame:
    """One open mapping or list while the events are read."""

    __slots__ = ("container", "is_mapping", "key", "key_pointer", "pointer")

    def __init__(self, container: dict[str, Any] | list[Any], pointer: str) -> None:
        self.container: Any = container
        self.is_mapping = type(container) is dict
        self.pointer = pointer
        self.key: str | None = None  # a mapping's key waiting for its value
        self.key_pointer = ""


class Builder:
    """Builds one document from the event stream in a single iterative pass.

    `marks` maps each JSON pointer to where it was written; a key whose pointer is already
    there is a duplicate.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.marks: dict[str, Any] = {}  # values: the parser's Mark objects
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0

    def build(self, text: str) -> Document:
        parser = _Loader(text)
        try:
            self._read(parser.get_event)
        finally:
            parser.dispose()
        if self.documents == 0:
            raise Refusal("yaml-empty", "the file is empty; it must hold one mapping", START)
        if not isinstance(self.root, dict):
            message = (
                f"the top level is {_kind(self.root)}; it must be a mapping of names to values"
            )
            raise Refusal("yaml-root", message, position_of(self.marks.get("")))
        return Document(self.path, self.root, self.marks)

    def _read(self, next_event: Callable[[], Any]) -> None:
        """The hot loop: one branch per event type, the common ones first.

        An untagged, unanchored scalar in an open container (nearly every event) is handled
        inline; anything else goes through `_scalar`.
        """
        stack = self.stack
        marks = self.marks
        event: Any = None
        try:
            while True:
                event = next_event()
                kind = type(event)
                if kind is _SCALAR:
                    frame = stack[-1] if stack else None
                    if frame is None or event.tag is not None or event.anchor is not None:
                        self._scalar(frame, event)
                    elif not frame.is_mapping:
                        container = frame.container
                        marks[f"{frame.pointer}/{len(container)}"] = event.start_mark
                        text = event.value
                        container.append(plain_value(text) if event.implicit[0] else text)
                    elif frame.key is None:
                        key = intern(event.value)  # one object per name: smaller pickles
                        if "/" in key or "~" in key:
                            pointer = f"{frame.pointer}/{escape_pointer(key)}"
                        else:
                            pointer = f"{frame.pointer}/{key}"
                        if pointer in marks:
                            self._duplicate(frame, event, key, pointer)
                        else:
                            marks[pointer] = event.start_mark
                        frame.key = key
                        frame.key_pointer = pointer
                    else:
                        text = event.value
                        frame.container[frame.key] = (
                            plain_value(text) if event.implicit[0] else text
                        )
                        frame.key = None
                elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                    stack.pop()
                elif kind is _MAPPING_START or kind is _SEQUENCE_START:
                    self._open(event)
                elif kind is yaml.StreamEndEvent:
                    return
                else:
                    self._other(event)
        except NumberRefused as refused:
            pointer = self._pointer_here()
            message = f"{pointer or '/'}: {refused}"
            raise Refusal(refused.rule, message, mark_of(event), pointer) from None

    def _pointer_here(self) -> str:
        """The JSON pointer of the value being read when a scalar was refused."""
        frame = self.stack[-1] if self.stack else None
        if frame is None:
            return ""
        if frame.is_mapping:
            return frame.key_pointer if frame.key is not None else frame.pointer
        return f"{frame.pointer}/{len(frame.container)}"

    def _scalar(self, frame: _Frame | None, event: yaml.ScalarEvent) -> None:
        if frame is not None and frame.is_mapping and frame.key is None:
            self._key(frame, event)
        else:
            self._place(frame, event, scalar_value(event))

    def _other(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.AliasEvent):
            raise Refusal("yaml-alias", _ALIAS, mark_of(event))
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise Refusal("yaml-multi-doc", _MULTI_DOC, mark_of(event))

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_mapping and frame.key is None:
            message = "a mapping key must be a plain string, not a list or mapping"
            raise Refusal("yaml-key", message, mark_of(event))
        if len(self.stack) >= MAX_DEPTH:
            message = f"nesting is deeper than {MAX_DEPTH} levels; a schedule file needs 3"
            raise Refusal("yaml-depth", message, mark_of(event))
        container: Any = {} if type(event) is yaml.MappingStartEvent else []
        self.stack.append(_Frame(container, self._place(frame, event, container)))

    def _key(self, frame: _Frame, event: yaml.ScalarEvent) -> None:
        if event.anchor is not None:
            raise Refusal("yaml-alias", _ALIAS, mark_of(event))
        if event.tag is not None and event.tag != "!":
            scalar_value(event)  # refuses unsupported tags
        key = event.value
        pointer = f"{frame.pointer}/{escape_pointer(key)}"
        if pointer in self.marks:
            self._duplicate(frame, event, key, pointer)
        else:
            self.marks[pointer] = event.start_mark
        frame.key = key
        frame.key_pointer = pointer

    def _duplicate(self, frame: _Frame, event: yaml.ScalarEvent, key: str, pointer: str) -> None:
        first = self.marks[pointer]
        where = f"the mapping {frame.pointer}" if frame.pointer else "the top level"
        message = (
            f"key {key!r} appears twice in {where} (first at line {first.line + 1}); "
            "remove one of them"
        )
        at = mark_of(event)
        self.findings.append(
            Finding(self.path, at.line, at.column, "", "yaml-duplicate-key", "error", message)
        )

    def _place(self, frame: _Frame | None, event: yaml.NodeEvent, value: Any) -> str:
        """Attach `value` to the open container (or make it the root); its pointer."""
        if event.anchor is not None:
            raise Refusal("yaml-alias", _ALIAS, mark_of(event))
        if frame is None:
            self.root = value
            self.marks[""] = event.start_mark
            return ""
        container = frame.container
        if type(container) is dict:
            assert frame.key is not None
            container[frame.key] = value
            frame.key = None
            return frame.key_pointer
        assert type(container) is list
        pointer = f"{frame.pointer}/{len(container)}"
        self.marks[pointer] = event.start_mark
        container.append(value)
        return pointer


_MULTI_DOC = "a second YAML document starts here; a file holds one document (one schedule per file)"
_ALIAS = (
    "anchors and aliases (&name, *name, <<: *name) are not allowed; write the values out in full"
)


def _kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, list):
        return "a list"
    return f"a scalar ({value!r})"
