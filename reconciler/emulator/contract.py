"""The emulator's own copy of the REST contract's schedule model (see cxone-api.md).

Kept apart from the client's field lists on purpose: a mistake in one cannot hide in both, and
the contract tests compare the two sides over real HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCHEDULE_FIELDS", "SERVER_ONLY_FIELDS", "Capacity"]

#: The fields of a schedule a client may set, in the contract's order.
SCHEDULE_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "startTime",
    "endTime",
    "timeZone",
    "blackoutPeriods",
    "dialerSettings",
    "regulatoryWindows",
    "optimizationSettings",
)

#: Fields the server sets and owns.
SERVER_ONLY_FIELDS: frozenset[str] = frozenset({"id", "etag", "createdAt", "modifiedAt"})


@dataclass(frozen=True, slots=True)
class Capacity:
    """The tenant's dialer capacity, as `GET /api/v2/dialer/capacity` serves it."""

    max_concurrent_calls: int
    max_call_rate: float
