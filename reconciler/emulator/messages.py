"""Requests and answers as plain values, apart from the socket that carries them.

The HTTP server turns bytes into a `Request`; the pipeline returns a `Response` that the server
writes back (or, for an injected "drop" fault, does not). JSON bodies are parsed strictly:
`NaN`/`Infinity` and non-object documents are refused with a 400.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.emulator.errors import Problem

__all__ = [
    "JSON_TYPE",
    "Request",
    "Response",
    "json_response",
    "parse_json_object",
    "problem_response",
]

JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request: method, raw path (without the query), query string, headers, body."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of a header, whatever the case of its name."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def media_type(self) -> str:
        """The Content-Type without its parameters, lower-cased ("" when absent)."""
        raw = self.header("Content-Type") or ""
        return raw.split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Response:
    """An answer: status, headers and body; `drop` closes the connection without answering."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    label: str = "unknown"
    delay_s: float = 0.0
    drop: bool = False
    close: bool = False

    def with_(self, **changes: Any) -> Response:
        return replace(self, **changes)


def json_response(
    status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """A JSON answer with its Content-Type."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, (("Content-Type", JSON_TYPE), *headers))


def problem_response(problem: Problem) -> Response:
    """The contract's error body for a refused request."""
    payload: dict[str, Any] = {"error": problem.code, "message": problem.message}
    payload.update(problem.extra)
    if problem.details:
        payload["details"] = [{"field": f, "message": m} for f, m in problem.details]
    return json_response(problem.status, payload, problem.headers)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_object(request: Request, allowed_types: tuple[str, ...] = (JSON_TYPE,)) -> Any:
    """The request body as a JSON object, or a 415/400 `Problem` saying what is wrong."""
    if request.media_type() not in allowed_types:
        raise Problem(
            415,
            "unsupported_media_type",
            f"{request.method} {request.path} needs Content-Type {' or '.join(allowed_types)}, "
            f"got {request.header('Content-Type') or 'none'}",
        )
    try:
        document = json.loads(request.body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Problem(
            400, "invalid_json", f"the request body is not valid UTF-8 JSON ({exc}); fix it"
        ) from exc
    if not isinstance(document, dict):
        raise Problem(400, "invalid_request", "the request body must be a JSON object")
    return document
