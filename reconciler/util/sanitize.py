"""Making text from outside (a server's answer, a stored record) safe to show: one place for it.

`Sanitizer.clean(text)` is what every piece of foreign text goes through before it reaches a
message, a log line, an audit record or the terminal:

1. control characters are removed: ANSI escape sequences whole (CSI, OSC, ...), C0 and C1
   controls, DEL and the invisible Unicode format characters that reorder or hide text;
   tabs become spaces and line breaks join the lines with one space;
2. GitHub workflow commands are removed: a line that starts with ``::`` is dropped, and a
   ``::name ...::`` command anywhere else is cut out;
3. credentials are redacted as ``***``: the secrets the sanitizer was given, raw, URL-encoded,
   JSON-escaped and base64-encoded (standard and URL-safe alphabets, at every alignment, so the
   secret is also found inside an encoded request body or an HTTP Basic ``id:secret``), and
   anything token-shaped after ``Bearer`` or ``Basic`` or after ``client_secret=`` /
   ``access_token=``;
4. the result is cut to `MAX_TEXT` characters.

`clean_tree` applies `clean` to every string (and key) of a decoded JSON value and cuts long
lists. Nothing here raises. Secrets shorter than 4 characters are not searched for (they would
redact ordinary words); real credentials are far longer.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["MAX_ITEMS", "MAX_TEXT", "PLAIN", "Sanitizer", "strip_controls"]

#: Characters of foreign text kept at most.
MAX_TEXT = 300
#: Items of a foreign list kept at most by `clean_tree`.
MAX_ITEMS = 20
_MIN_SECRET = 4
_CUT = " [cut]"
_MASK = "***"

_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|[\x20-\x2f]*[\x30-\x7e]"  # two- and three-character escapes
    r")?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
)
_CONTROL = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_BLANK = re.compile(r"[\t\x0b\x0c ]+")
_COMMAND = re.compile(r"::[A-Za-z][\w-]*(?:[ \t][^\n]*?)?::")
_BEARER = re.compile(r"(?i)\b(bearer)(?:\s+|%20|\+)[A-Za-z0-9\-._~+/%]+=*")
_BASIC = re.compile(r"(?i)\b(basic)(?:\s+|%20|\+)([A-Za-z0-9+/]+=*)")
_ASSIGNED = re.compile(
    r"(?i)\b(client_secret|access_token|refresh_token|password)"
    r"(\"?\s*[=:]\s*\"?|%3D)[^\s&\"',;]+"
)


def strip_controls(text: str) -> str:
    """`text` on one line without escape sequences, control characters or workflow commands."""
    lines = []
    for raw in text.splitlines():
        line = _BLANK.sub(" ", _CONTROL.sub("", _ESCAPE.sub("", raw))).strip()
        if line and not line.startswith("::"):
            lines.append(line)
    joined = " ".join(lines)
    while True:
        stripped = _COMMAND.sub("", joined)
        if stripped == joined:
            return stripped.strip()
        joined = stripped


@dataclass(frozen=True, slots=True)
class Sanitizer:
    """Cleans foreign text; `secrets` are redacted in every encoding `_forms` knows."""

    secrets: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        forms = sorted({f for s in self.secrets for f in _forms(s)}, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, forms))) if forms else None
        object.__setattr__(self, "_pattern", pattern)

    @classmethod
    def for_credentials(cls, client_id: str, secret: str) -> Sanitizer:
        """A sanitizer for an OAuth client: the secret alone and as HTTP Basic credentials."""
        basic = (f"{client_id}:{secret}", f"{quote_plus(client_id)}:{quote_plus(secret)}")
        return cls((secret, *basic) if secret else ())

    def clean(self, text: str, limit: int = MAX_TEXT) -> str:
        """`text` safe to show: one line, no controls or commands, credentials redacted, cut."""
        shown = strip_controls(text)
        if self._pattern is not None:
            shown = self._pattern.sub(_MASK, shown)
        shown = _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}{_MASK}", shown)
        shown = _BEARER.sub(lambda m: f"{m.group(1)} {_MASK}", shown)
        shown = _BASIC.sub(_basic, shown)
        return shown if len(shown) <= limit else shown[:limit].rstrip() + _CUT

    def clean_tree(self, value: Any, depth: int = 8) -> Any:
        """A decoded JSON value with every string cleaned and lists cut to `MAX_ITEMS`."""
        if isinstance(value, str):
            return self.clean(value)
        if depth <= 0:
            return None
        if isinstance(value, dict):
            items = list(value.items())[:MAX_ITEMS]
            return {self.clean(str(k)): self.clean_tree(v, depth - 1) for k, v in items}
        if isinstance(value, list):
            return [self.clean_tree(item, depth - 1) for item in value[:MAX_ITEMS]]
        return value


#: A sanitizer that knows no secret: controls, commands, bearer tokens and length only.
PLAIN = Sanitizer()


def _basic(match: re.Match[str]) -> str:
    """`Basic <base64 of id:secret>` with the credentials masked; other words after Basic kept."""
    try:
        decoded = base64.b64decode(match.group(2) + "==", validate=False)
    except ValueError:
        return match.group(0)
    return f"{match.group(1)} {_MASK}" if b":" in decoded else match.group(0)


def _forms(secret: str) -> Iterable[str]:
    """Every way `secret` may be written in text a server echoes back."""
    if len(secret) < _MIN_SECRET:
        return
    texts = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}
    texts |= {text.lower() for text in texts if "%" in text}
    yield from texts
    for text in {secret, quote_plus(secret)}:
        for core in _base64_cores(text.encode()):
            yield core
            yield core.replace("+", "-").replace("/", "_")


def _base64_cores(raw: bytes) -> Iterable[str]:
    """The base64 characters that only `raw` determines, at each of the three alignments."""
    for offset in range(3):
        encoded = base64.b64encode(b"\x00" * offset + raw).decode("ascii")
        start = -(-8 * offset // 6)
        end = 8 * (offset + len(raw)) // 6
        core = encoded[start:end]
        if len(core) >= _MIN_SECRET:
            yield core
