"""The repository config file, `cxsched.yaml` at the repo root: what belongs in git.

It holds the tenant profile (dialer capacity, maximum call rate, API request budget), the
campaigns that opt in to pruning, fields to ignore in diffs and the audit trail's path. It is
optional (every value has a default) and schema-validated (`schemas/config.schema.json`).
Secrets never belong here; the client's credentials come from flags, the environment or `.env`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reconciler.model import TenantLimits

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULT_AUDIT_PATH",
    "IgnoreRule",
    "RepoConfig",
    "TenantProfile",
]

CONFIG_FILENAME = "cxsched.yaml"
DEFAULT_AUDIT_PATH = Path("audit") / "trail.jsonl"


@dataclass(frozen=True, slots=True)
class TenantProfile:
    """Limits of the tenant, as known offline; the live capacity call refines them at plan time."""

    max_concurrent_calls: int = 100
    max_call_rate: float = 30.0
    requests_per_second: float = 10.0

    def limits(self) -> TenantLimits:
        return TenantLimits(self.max_concurrent_calls, self.max_call_rate)


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """JSON pointers (into the schedule body) whose differences are ignored, like Argo CD's
    ignoreDifferences; `campaign` and `name` are fnmatch globs selecting the schedules."""

    pointers: tuple[str, ...]
    campaign: str = "*"
    name: str = "*"


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """The parsed `cxsched.yaml` (or the defaults when there is none)."""

    tenant: TenantProfile = field(default_factory=TenantProfile)
    prune_campaigns: frozenset[str] = frozenset()
    ignore_differences: tuple[IgnoreRule, ...] = ()
    audit_path: Path = DEFAULT_AUDIT_PATH
    source: Path | None = None
