"""The seam's own failures: what went wrong with a call to the tenant, in no profile's terms.

Plan, apply, audit and analytics catch only these; each API profile raises its own subclasses
(`reconciler.cxone.errors` for the REST contract maps HTTP statuses onto them), so a second
profile plugs in without the core learning its protocol.

::

    ApiError(CxschedError)        a call to the tenant failed: .status .attempts
    ├── CredentialsRefused        the credentials or the token were refused
    ├── PermissionRefused         the client lacks a permission (scope, role)
    ├── NotFound                  no such campaign, schedule or export (or it is gone)
    ├── NameTaken                 another schedule of the campaign has that name
    ├── StaleVersion              the version token sent is no longer the current one
    ├── VersionRequired           a guarded write was sent without a version token
    ├── Rejected                  the tenant refused the body (.details: pointer, message)
    ├── RateLimited               still over the request budget after every retry
    └── Unavailable               no useful answer after every retry
        └── OutcomeUnknown        a write was sent but its answer was lost

`status` is the profile's own code for the failed call (an HTTP status for the REST contract,
None when no answer came); the audit trail records it as it is and nothing compares it.
"""

from __future__ import annotations

from reconciler.errors import CxschedError

__all__ = [
    "ApiError",
    "CredentialsRefused",
    "NameTaken",
    "NotFound",
    "OutcomeUnknown",
    "PermissionRefused",
    "RateLimited",
    "Rejected",
    "StaleVersion",
    "Unavailable",
    "VersionRequired",
]


class ApiError(CxschedError):
    """A call to the tenant failed; `str()` says which call, how, and what to do next."""

    status: int | str | None = None
    attempts: int = 1


class CredentialsRefused(ApiError):
    """The credentials or the token were refused: every further call would fail too."""


class PermissionRefused(ApiError):
    """The client lacks a permission: every further call of that kind would fail too."""


class NotFound(ApiError):
    """No such campaign, schedule or export (or it was deleted)."""


class NameTaken(ApiError):
    """Another schedule of the campaign already has that name."""


class StaleVersion(ApiError):
    """The version token sent with a guarded write is no longer the current one."""


class VersionRequired(ApiError):
    """A guarded write was refused because it carried no version token."""


class Rejected(ApiError):
    """The tenant refused the body of the call."""


class RateLimited(ApiError):
    """The tenant's request budget stayed exhausted after every retry."""


class Unavailable(ApiError):
    """No useful answer after every retry (server errors, dropped connections, timeouts)."""


class OutcomeUnknown(Unavailable):
    """A write was sent but its answer was lost: it may or may not have taken effect."""
