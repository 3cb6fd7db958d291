"""One string object for equal keys and short values across many parsed documents.

A parser makes a new string for every key and value it reads, so 50,000 schedule bodies hold
50,000 copies of `"dialerSettings"`, `"America/New_York"` or `"08:00"`. `StringPool.share`
rebuilds a JSON-like value (dicts, lists, scalars) with one object per distinct key and per
distinct short string value, which roughly halves the memory a large desired or live state
takes (and what a worker process sends back, as pickle writes a shared object once). Long
strings (names, descriptions) are kept as they are, and the pool stops growing at a bound.
No errors: a value of any other type is returned unchanged.
"""

from __future__ import annotations

from typing import Any

__all__ = ["StringPool"]

#: Strings up to this length are shared; longer ones are unlikely to repeat.
_SHORT = 40
#: The most distinct strings a pool keeps.
_ENTRIES = 100_000


class StringPool:
    """Equal short strings as one object; one pool per batch of documents."""

    __slots__ = ("_strings",)

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}

    def share(self, value: Any) -> Any:
        """`value` rebuilt with shared keys and short strings (dicts and lists are new)."""
        if isinstance(value, dict):
            return {self._string(key): self.share(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.share(item) for item in value]
        if isinstance(value, str) and len(value) <= _SHORT:
            return self._string(value)
        return value

    def _string(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        shared = self._strings.get(value)
        if shared is not None:
            return shared
        if len(self._strings) < _ENTRIES:
            self._strings[value] = value
        return value
