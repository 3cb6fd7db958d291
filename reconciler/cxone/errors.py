"""Every failure of the REST contract profile, as one typed tree mapped onto the seam's.

::

    CxoneError(CxschedError)          the API layer failed; the CLI prints it and exits 1
    ├── SettingsError                 a setting is missing or unsafe (names the flag / variable)
    └── ApiError                      an HTTP call failed: .method .path .status .attempts
        ├── AuthError                 401: wrong client id / secret, or a token refused twice
        ├── ScopeError                403: the token lacks a scope (.required)
        ├── NotFoundError             404: no such campaign, schedule or export
        ├── ConflictError             409: the name is taken in the campaign
        ├── PreconditionFailedError   412: the ETag sent is stale (.etag_sent)
        ├── PreconditionRequiredError 428: a write was sent without If-Match
        ├── RejectedError             400: the server refused the body (.details)
        ├── RateLimitedError          429: still over the budget after every retry
        ├── TransientError            5xx, dropped connection or timeout after every retry
        │   └── OutcomeUnknownError   a create was sent but its answer was lost
        └── OtherApiError             any other status

Each is also the seam's error of the same meaning (`reconciler.api.errors`: `ApiError`,
`CredentialsRefused`, `PermissionRefused`, `NotFound`, `NameTaken`, `StaleVersion`,
`VersionRequired`, `Rejected`, `RateLimited`, `Unavailable`, `OutcomeUnknown`), which is all
that plan, apply and the analytics catch.

`ApiError.path` never holds a query string, and no message ever holds a header, a token or the
client secret. `status` is None when no response arrived. Build one from a response with
`api_error`, which knows nothing of `requests`: it takes the decoded error body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.api import errors as seam
from reconciler.errors import CxschedError

__all__ = [
    "ApiError",
    "AuthError",
    "ConflictError",
    "CxoneError",
    "NotFoundError",
    "OtherApiError",
    "OutcomeUnknownError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "RateLimitedError",
    "RejectedError",
    "ScopeError",
    "SettingsError",
    "TransientError",
    "api_error",
]


class CxoneError(CxschedError):
    """The CXone API layer failed."""


class SettingsError(CxoneError):
    """A connection setting is missing, malformed or unsafe."""


class ApiError(CxoneError, seam.ApiError):
    """An HTTP call failed; `str()` says which call, how, and what to do next."""

    hint = "Check the request and try again."

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        attempts: int,
        detail: str = "",
        *,
        hint: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.attempts = attempts
        self.detail = detail
        if hint is not None:
            self.hint = hint
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        outcome = "got no response" if self.status is None else f"answered HTTP {self.status}"
        tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
        detail = f": {self.detail.rstrip('.')}" if self.detail else ""
        return f"{self.method} {self.path} {outcome} after {tries}{detail}. {self.hint}"


class AuthError(ApiError, seam.CredentialsRefused):
    hint = "Check CXONE_CLIENT_ID and CXONE_CLIENT_SECRET (or --client-id / --client-secret)."


class ScopeError(ApiError, seam.PermissionRefused):
    hint = "Grant the API client the missing scope in CXone, then run again."

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        attempts: int,
        required: str,
        *,
        hint: str | None = None,
    ) -> None:
        self.required = required
        detail = f"the token lacks scope {required!r}"
        super().__init__(method, path, status, attempts, detail, hint=hint)


class NotFoundError(ApiError, seam.NotFound):
    hint = "Check the campaign, schedule or export id."


class ConflictError(ApiError, seam.NameTaken):
    hint = "Another schedule of the campaign has that name; re-read the live state and re-plan."


class PreconditionFailedError(ApiError, seam.StaleVersion):
    hint = "The schedule changed since it was read; re-read it and re-plan."

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        attempts: int,
        detail: str,
        *,
        etag_sent: str,
        hint: str | None = None,
    ) -> None:
        self.etag_sent = etag_sent
        detail = f"{detail} (If-Match {etag_sent})"
        super().__init__(method, path, status, attempts, detail, hint=hint)


class PreconditionRequiredError(ApiError, seam.VersionRequired):
    hint = "Writes must carry If-Match with the ETag read; re-read the schedule and re-plan."


class RejectedError(ApiError, seam.Rejected):
    hint = "Fix the fields named and run again."

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        attempts: int,
        detail: str,
        *,
        details: tuple[tuple[str, str], ...] = (),
        hint: str | None = None,
    ) -> None:
        self.details = details
        named = "; ".join(f"{pointer or '/'}: {message}" for pointer, message in details)
        joined = f"{detail.rstrip('.')} ({named})" if named and detail else named or detail
        super().__init__(method, path, status, attempts, joined, hint=hint)


class RateLimitedError(ApiError, seam.RateLimited):
    hint = "The tenant's request budget is exhausted; lower --rps or run again later."


class TransientError(ApiError, seam.Unavailable):
    hint = "The API is unavailable or slow; run again later."


class OutcomeUnknownError(TransientError, seam.OutcomeUnknown):
    hint = "The request may have taken effect; re-read the live state before retrying it."


class OtherApiError(ApiError):
    hint = "Run again with -v to see each request; report the call if it persists."


def api_error(
    method: str,
    path: str,
    status: int,
    attempts: int,
    body: Mapping[str, Any],
    *,
    etag_sent: str | None = None,
    hint: str | None = None,
) -> ApiError:
    """The error for a non-success answer, given its decoded JSON body (or {})."""
    detail = _detail(body)
    if status == 403:
        required = str(body.get("required") or "unknown")
        return ScopeError(method, path, status, attempts, required, hint=hint)
    if status == 412:
        detail = detail or "precondition failed"
        return PreconditionFailedError(
            method, path, status, attempts, detail, etag_sent=etag_sent or "", hint=hint
        )
    if status == 400:
        details = _field_details(body)
        return RejectedError(method, path, status, attempts, detail, details=details, hint=hint)
    simple: dict[int, type[ApiError]] = {
        401: AuthError,
        404: NotFoundError,
        409: ConflictError,
        428: PreconditionRequiredError,
        429: RateLimitedError,
    }
    kind = simple.get(status, TransientError if status >= 500 else OtherApiError)
    return kind(method, path, status, attempts, detail, hint=hint)


def _detail(body: Mapping[str, Any]) -> str:
    message = body.get("message")
    code = body.get("error")
    if isinstance(message, str) and message:
        return f"{code}: {message}" if isinstance(code, str) and code else message
    return code if isinstance(code, str) else ""


def _field_details(body: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = body.get("details")
    if not isinstance(raw, list):
        return ()
    return tuple(
        (str(item.get("field", "")), str(item.get("message", "")))
        for item in raw
        if isinstance(item, Mapping)
    )
