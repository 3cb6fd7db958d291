"""The CXone API client: settings, OAuth token cache, pacing, retries and typed errors.

This package is the only place that knows URLs, headers and payload shapes. Everything else
uses `CxoneClient` through the `reconciler.api.protocol.ScheduleAPI` protocol.
"""

from __future__ import annotations

from reconciler.cxone.client import CxoneClient
from reconciler.cxone.errors import (
    ApiError,
    AuthError,
    ConflictError,
    CxoneError,
    NotFoundError,
    OtherApiError,
    OutcomeUnknownError,
    PreconditionFailedError,
    PreconditionRequiredError,
    RateLimitedError,
    RejectedError,
    ScopeError,
    SettingsError,
    TransientError,
)
from reconciler.cxone.settings import Secret, Settings

__all__ = [
    "ApiError",
    "AuthError",
    "ConflictError",
    "CxoneClient",
    "CxoneError",
    "NotFoundError",
    "OtherApiError",
    "OutcomeUnknownError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "RateLimitedError",
    "RejectedError",
    "ScopeError",
    "Secret",
    "Settings",
    "SettingsError",
    "TransientError",
]
