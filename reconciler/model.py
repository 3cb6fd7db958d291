"""Plain, immutable records of the domain, shared by every layer.

The desired side comes from YAML files (`DesiredSchedule`), the live side from the API
(`LiveSchedule`); both carry the schedule as an API-shaped JSON mapping (`body`) in the API's own
camelCase field names. Comparison happens on their canonical forms
(see `reconciler.plan.normalise`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NewType

__all__ = [
    "FORMAT_VERSION",
    "SCHEDULE_FIELDS",
    "SERVER_ONLY_FIELDS",
    "DesiredSchedule",
    "Finding",
    "JSONDict",
    "LiveSchedule",
    "Severity",
    "TenantLimits",
    "VersionToken",
]

JSONDict = dict[str, Any]

#: An opaque token naming one version of a live resource, as the API profile reads it (the
#: ETag for the REST contract; another profile may derive it from a digest of what it read).
#: The core only compares tokens, sends them back with guarded writes and records them.
VersionToken = NewType("VersionToken", str)
Severity = Literal["error", "warning"]

#: The version of the schedule file format (the `formatVersion` key of every file).
FORMAT_VERSION = 1

#: Schedule fields a user declares, in the API's own names and in display order.
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

#: Fields the server owns; never compared, never sent.
SERVER_ONLY_FIELDS: frozenset[str] = frozenset({"id", "etag", "createdAt", "modifiedAt"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation result, pointing at a file position and a JSON pointer in it."""

    path: str
    line: int
    column: int
    pointer: str
    rule: str
    severity: Severity
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)


@dataclass(frozen=True, slots=True)
class DesiredSchedule:
    """A schedule as declared in a file of `schedules/`.

    `body` holds only the API fields of `SCHEDULE_FIELDS` that the file sets, as loaded
    (date-times stay the strings the file wrote). `schedule_id` is the pinned live id, if any.
    """

    path: Path
    campaign_id: str
    body: Mapping[str, Any]
    schedule_id: str | None = None

    @property
    def name(self) -> str:
        return str(self.body["name"])


@dataclass(frozen=True, slots=True)
class LiveSchedule:
    """A schedule as the API returned it, with the version token that guards writes to it."""

    campaign_id: str
    schedule_id: str
    version: VersionToken
    body: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.body.get("name", ""))


@dataclass(frozen=True, slots=True)
class TenantLimits:
    """The tenant's dialer limits (`GET /api/v2/dialer/capacity` or the repo's tenant profile)."""

    max_concurrent_calls: int
    max_call_rate: float
