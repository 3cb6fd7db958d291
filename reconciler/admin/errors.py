"""The Admin API's failures, mapped onto the seam's errors (`reconciler.api.errors`).

The API says what went wrong in one of several places: a JSON body `{error, errorDescription}`
(or `error_description`, `error_Description`, `message`), or only the `icStatusDescription`
response header. `admin_error` takes whichever is there, cleans it (secrets blanked, control
characters replaced, length bounded) and picks the error by status:

=======  ==========================  ================================================
status   error                       seam meaning
=======  ==========================  ================================================
400      `RejectedError`             Rejected (a bare `InvalidParameter` gets a hint)
401      `AdminAuthError`            CredentialsRefused
403      `AdminPermissionError`      PermissionRefused (the API user's role)
404      `NotFoundError`             NotFound (no such skill)
429      `RateLimitedError`          RateLimited (after the own backoff ran out)
5xx      `TransientError`            Unavailable
other    `OtherApiError`             ApiError
=======  ==========================  ================================================

A 200 whose items report failures (`ItemsFailedError`) is a Rejected too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.api import errors as seam
from reconciler.cxone.errors import (
    ApiError,
    NotFoundError,
    OtherApiError,
    RateLimitedError,
    RejectedError,
    TransientError,
)

__all__ = [
    "INVALID_PARAMETER_HINT",
    "AdminAuthError",
    "AdminPermissionError",
    "ItemsFailedError",
    "admin_error",
    "described",
]

INVALID_PARAMETER_HINT = (
    "The tenant answered a bare InvalidParameter: some tenants gate this block behind "
    "prerequisites the published API does not name (e.g. a calling list, or the skill's "
    "dialing mode). Check the skill in the CXone admin UI, then run again; nothing after this "
    "block was written."
)


class AdminAuthError(ApiError, seam.CredentialsRefused):
    hint = (
        "Check CXONE_CLIENT_ID / CXONE_CLIENT_SECRET (the registered back-end app) and "
        "CXONE_ACCESS_KEY_ID / CXONE_ACCESS_KEY_SECRET (the API user's access key, active user)."
    )


class AdminPermissionError(ApiError, seam.PermissionRefused):
    hint = "Give the API user's role the permission this call needs (see README, real tenant)."


class ItemsFailedError(RejectedError):
    hint = "The tenant answered 200 but refused the items named; nothing else was changed."


def described(body: Any, header: str | None) -> str:
    """The error text of an answer: from its JSON body, else the icStatusDescription header."""
    if isinstance(body, Mapping):
        code = body.get("error")
        for key in ("errorDescription", "error_description", "error_Description", "message"):
            text = body.get(key)
            if isinstance(text, str) and text.strip():
                return f"{code}: {text}" if isinstance(code, str) and code else text
        if isinstance(code, str) and code:
            return code
    return header.strip() if header else ""


def admin_error(
    method: str, path: str, status: int, attempts: int, detail: str, *, hint: str | None = None
) -> ApiError:
    """The error for a non-success answer whose (already cleaned) text is `detail`."""
    if status == 400:
        if detail.strip() == "InvalidParameter" and hint is None:
            hint = INVALID_PARAMETER_HINT
        return RejectedError(method, path, status, attempts, detail, hint=hint)
    kinds: dict[int, type[ApiError]] = {
        401: AdminAuthError,
        403: AdminPermissionError,
        404: NotFoundError,
        429: RateLimitedError,
    }
    kind = kinds.get(status, TransientError if status >= 500 else OtherApiError)
    return kind(method, path, status, attempts, detail, hint=hint)
