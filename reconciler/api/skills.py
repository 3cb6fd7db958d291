"""The seam for a profile whose resource is a skill's dialing settings (the Admin API).

A skill has three blocks (`reconciler.skills.normal.BLOCKS`), each read and written whole. The
profile reads a block into a `LiveBlock`: its normal form (`settings`), the version token that
digests it, and the body as read (`raw`, opaque here) from which the profile builds the next
write, so fields cxsched does not manage survive. There is no server-side version guard: the
caller compares tokens before it writes (see `reconciler.apply.skills`).

Errors raised through this seam are `reconciler.api.errors`, as for schedules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from reconciler.api.protocol import CallCounts
from reconciler.model import VersionToken
from reconciler.skills.normal import BlockName

__all__ = ["DialerInterval", "LiveBlock", "SkillAPI", "SkillInfo", "TenantZone"]


@dataclass(frozen=True, slots=True)
class SkillInfo:
    """One outbound Personal Connection skill the API user can see."""

    skill_id: str
    name: str
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class TenantZone:
    """A zone of the tenant's `/timezones` list, and whether its business unit enables it."""

    standard_name: str
    display_name: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class LiveBlock:
    """A block as just read: normal form, its version token, and the body as the API sent it."""

    skill_id: str
    block: BlockName
    settings: Mapping[str, Any]
    version: VersionToken
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DialerInterval:
    """Dials and connects of one skill in the interval starting at `start` (UTC)."""

    skill_id: str
    start: datetime
    dials: int
    connects: int


class SkillAPI(Protocol):
    """What the reconciler needs from a tenant whose resource is a skill's dialing settings."""

    def list_skills(self) -> Iterator[SkillInfo]:
        """Every outbound Personal Connection skill, page by page."""
        ...

    def read_block(self, skill_id: str, block: BlockName) -> LiveBlock: ...

    def write_block(self, base: LiveBlock, settings: Mapping[str, Any]) -> None:
        """Write `settings` (normal form, managed fields only) over `base` as read just now."""
        ...

    def zones(self) -> tuple[TenantZone, ...]:
        """The tenant's zones, each with whether the business unit enables it."""
        ...

    def business_unit_zone(self) -> str | None:
        """The business unit's default zone (CXone standard name), if the tenant says."""
        ...

    def dialer_contacts(self, start: datetime, end: datetime) -> Iterator[DialerInterval]:
        """Hourly dials and connects of every skill over [start, end), UTC."""
        ...

    def describe(self) -> Mapping[str, Any]:
        """What the profile found about the tenant (API endpoint, versions), nothing secret."""
        ...

    def call_counts(self) -> CallCounts: ...
