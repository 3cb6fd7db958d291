"""Scalar values under the YAML 1.2 core schema, as JSON can hold them.

A plain (unquoted) scalar is null, a boolean (``true``/``false``), an integer (decimal, ``0o``
octal, ``0x`` hex), a finite float, or else the string as written: there is no timestamp type,
no base-60 number, no ``yes``/``no`` boolean and no ``.inf``/``.nan``. Quoted scalars are
strings. The explicit core tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``) are
read; any other tag is refused (`yaml-tag`). Numbers stay what JSON can hold: an integer of more
than `MAX_DIGITS` digits raises `NumberRefused` (rule `yaml-number-size`; Python itself gives up
past 4,300 digits), and ``!!float nan`` or ``!!float inf`` is refused (`yaml-non-finite`). A
`NumberRefused` carries no position: the builder, which knows where it is, adds it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import yaml

from reconciler.loader.document import Refusal, mark_of

__all__ = ["MAX_DIGITS", "NumberRefused", "plain_value", "scalar_value"]

#: Digits of an integer read at most; a schedule file needs a handful.
MAX_DIGITS = 40


class NumberRefused(ValueError):
    """A number JSON cannot hold (or no schedule needs): its rule and what to do."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _int(text: str, base: int = 10) -> int:
    digits = len(text.lstrip("+-"))
    if digits > MAX_DIGITS:
        message = f"an integer of {digits:,} digits is not allowed (at most {MAX_DIGITS})"
        raise NumberRefused("yaml-number-size", message)
    return int(text, base)


def _finite(text: str) -> float:
    spelled = text.strip().lower().lstrip("+-") in (".inf", ".nan")  # YAML's own spellings
    number = math.nan if spelled else float(text)
    if not math.isfinite(number):
        message = (
            f"{text.strip()!r} is not a finite number; JSON and the API have no NaN or infinity: "
            "write a number"
        )
        raise NumberRefused("yaml-non-finite", message)
    return number


_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_WORDS: dict[str, Any] = {  # JSON has no infinity or NaN: ".inf" and ".nan" stay strings
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
}  # fmt: skip
_NUMERIC_START = frozenset("0123456789+-.")


def plain_value(value: str) -> Any:
    """A plain (unquoted) scalar under the YAML 1.2 core schema."""
    if value in _WORDS:
        return _WORDS[value]
    if value[0] not in _NUMERIC_START:
        return value
    if _INT.fullmatch(value):
        return _int(value)
    if _FLOAT.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else value
    if _OCT.fullmatch(value):
        return _int(value[2:], 8)
    if _HEX.fullmatch(value):
        return _int(value[2:], 16)
    return value


_TAGGED: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": _int,
    "tag:yaml.org,2002:float": _finite,
    "tag:yaml.org,2002:bool": lambda text: {"true": True, "false": False}[text.lower()],
    "tag:yaml.org,2002:null": lambda text: None,
}


def scalar_value(event: yaml.ScalarEvent) -> Any:
    """The value of a scalar event; `Refusal` for an unsupported tag, `NumberRefused`."""
    tag = event.tag
    if tag is None or tag == "!":
        return plain_value(event.value) if event.implicit[0] else event.value
    convert = _TAGGED.get(tag)
    if convert is None:
        raise Refusal("yaml-tag", f"the tag {tag} is not supported; remove it", mark_of(event))
    try:
        return convert(event.value)
    except NumberRefused:
        raise
    except (ValueError, KeyError) as exc:
        message = f"{event.value!r} cannot be read as {tag}; remove the tag or fix the value"
        raise Refusal("yaml-tag", message, mark_of(event)) from exc
