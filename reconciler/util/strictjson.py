"""Decoding untrusted JSON (server answers, plan files) without surprises.

`loads` accepts exactly RFC 8259 JSON holding finite numbers: it refuses `NaN`, `Infinity` and
`-Infinity` (which Python's `json` accepts), a float that overflows to infinity (`1e400`), an
integer of more than `MAX_DIGITS` digits (Python refuses past 4,300 with a bare `ValueError`) and
nesting deeper than `MAX_DEPTH` (instead of a `RecursionError`). Every refusal is an
`UnsafeJson` (a `ValueError`) whose message says what was wrong, and where for syntax errors.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_DIGITS", "UnsafeJson", "loads"]

#: Nesting of arrays and objects accepted at most.
MAX_DEPTH = 64
#: Digits of an integer accepted at most (a 64-bit integer has 20).
MAX_DIGITS = 40


class UnsafeJson(ValueError):
    """The text is not JSON this program accepts; the message says why.

    A syntax error also has its 1-based `line` and `column` (0 otherwise).
    """

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _constant(name: str) -> Any:
    raise UnsafeJson(f"it holds {name}, which JSON does not allow (numbers must be finite)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJson(f"the number {text[:40]} is too large (it overflows to infinity)")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise UnsafeJson(f"an integer has {len(text.lstrip('-')):,} digits (at most {MAX_DIGITS})")
    return int(text)


def loads(text: str | bytes) -> Any:
    """The value of JSON `text`; `UnsafeJson` naming the problem otherwise."""
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except UnsafeJson:
        raise
    except json.JSONDecodeError as exc:
        raise UnsafeJson(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise UnsafeJson(f"it is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsafeJson(f"it is not UTF-8 JSON ({type(exc).__name__})") from None
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    """Refuse nesting deeper than `MAX_DEPTH`, without recursion."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):  # pass i reads the values at depth i + 1
        below: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                below.extend(child for child in item.values() if isinstance(child, dict | list))
            elif isinstance(item, list):
                below.extend(child for child in item if isinstance(child, dict | list))
        if not below:
            return
        level = below
    raise UnsafeJson(f"it is nested deeper than {MAX_DEPTH} levels")
