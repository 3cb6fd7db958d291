"""Opaque page tokens and page sizes, shared by the schedule list and analytics queries.

A token is URL-safe base64 of a small JSON document naming what it pages (`kind`), a
fingerprint of the query it belongs to and the position to resume from. Anything else handed
back as `nextPage` is refused with a 400, as is a page size outside its range.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from reconciler.emulator.errors import Problem

__all__ = ["decode_token", "encode_token", "page_size"]


def encode_token(kind: str, scope: str, position: Any) -> str:
    """A token resuming `kind` paging of `scope` at `position`."""
    raw = json.dumps({"k": kind, "s": scope, "p": position}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, kind: str, scope: str) -> Any:
    """The position a token resumes at, or a 400 `Problem` when it is not one of ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeEncodeError, binascii.Error) as exc:
        raise _bad_token() from exc
    if (
        not isinstance(document, dict)
        or document.get("k") != kind
        or document.get("s") != scope
        or "p" not in document
    ):
        raise _bad_token()
    return document["p"]


def _bad_token() -> Problem:
    return Problem(
        400,
        "invalid_page_token",
        "nextPage is not a token this query returned; restart from the first page",
        details=[("/nextPage", "unknown or malformed page token")],
    )


def page_size(value: object, default: int, maximum: int, pointer: str = "/pageSize") -> int:
    """A page size from a query string or JSON body, within 1..maximum."""
    if value is None:
        return default
    number: int | None = None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    if number is None or not 1 <= number <= maximum:
        raise Problem(
            400,
            "invalid_page_size",
            f"pageSize must be an integer from 1 to {maximum}, got {value!r}",
            details=[(pointer, f"must be 1 to {maximum}")],
        )
    return number
