"""The repository config file, `cxsched.yaml` at the repo root: what belongs in git.

It holds the API profile the tenant speaks (`rest-contract`, the default, or `admin`: CXone's
Admin API with skill files under `skills/`), the tenant profile (dialer capacity, maximum call
rate, API request budget), the campaigns that opt in to pruning, those whose unmanaged
schedules are not drift, and the audience each campaign calls, the organisation's calling-hours
policy (house rules, counsel-approved exceptions: `reconciler.laws`), fields to ignore in diffs
and the audit trail's path. It is optional (every value has a default) and schema-validated
(`schemas/config.schema.json`).
Secrets never belong here; the client's credentials come from flags, the environment or `.env`.

`load_repo_config` raises `ConfigError` (an `InputError`) carrying one finding per problem, each
with its file:line:column, so `validate` can report them like a schedule's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import InputError
from reconciler.laws.audience import read_audience
from reconciler.laws.policy import LawPolicy, read_policy
from reconciler.laws.proof import Audience
from reconciler.model import Finding, TenantLimits

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULT_AUDIT_PATH",
    "DEFAULT_SKILLS_PATH",
    "PROFILES",
    "ConfigError",
    "IgnoreRule",
    "RepoConfig",
    "TenantProfile",
    "load_repo_config",
]

CONFIG_FILENAME = "cxsched.yaml"
DEFAULT_AUDIT_PATH = Path("audit") / "trail.jsonl"
DEFAULT_SKILLS_PATH = Path("skills")
#: The API profiles a tenant may speak (`profile:` in cxsched.yaml).
PROFILES: tuple[str, ...] = ("rest-contract", "admin")


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
    audiences: Mapping[str, Audience] = field(default_factory=dict)
    law_policy: LawPolicy = field(default_factory=LawPolicy)
    unmanaged_ignored: frozenset[str] = frozenset()
    profile: str = "rest-contract"
    skills_path: Path = DEFAULT_SKILLS_PATH
    #: IANA zone of the business unit, in which skills' weekly schedules are read (if known).
    business_unit_zone: str | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the tenant speaks the Admin API (skills) rather than the REST contract."""
        return self.profile == "admin"

    def unmanaged_is_drift(self, campaign_id: str) -> bool:
        """Whether an unmanaged schedule of this campaign counts as drift (the default)."""
        return campaign_id not in self.unmanaged_ignored


class ConfigError(InputError):
    """The repository config file is invalid; `findings` say where and why."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(sorted(findings, key=Finding.sort_key))
        lines = (f"{f.path}:{f.line}:{f.column}: {f.rule}: {f.message}" for f in self.findings)
        super().__init__("invalid repository config:\n" + "\n".join(lines))


def load_repo_config(path: Path | None = None) -> RepoConfig:
    """The config at `path`; with None, `./cxsched.yaml` if it exists, else the defaults.

    `audit_path` is kept as written: relative paths are relative to the config file
    (`source`). Raises `InputError` for a missing `path`, `ConfigError` for an invalid file.
    """
    if path is None:
        path = Path(CONFIG_FILENAME)
        if not path.is_file():
            return RepoConfig()
    elif not path.is_file():
        raise InputError(
            f"config file {path} does not exist; create it or drop --config to use the defaults"
        )
    # Imported here: the many modules that need only the records above skip YAML and jsonschema.
    from reconciler.loader import load_file
    from reconciler.validate.document import schema_findings

    loaded = load_file(path)
    if loaded.document is None:
        raise ConfigError(loaded.findings)
    findings = schema_findings(loaded.document, "config")
    if findings:
        raise ConfigError(findings)
    return _repo_config(loaded.document.data, path)


def _repo_config(data: Mapping[str, Any], source: Path) -> RepoConfig:
    tenant = data.get("tenant", {})
    defaults = TenantProfile()
    profile = TenantProfile(
        max_concurrent_calls=tenant.get("maxConcurrentCalls", defaults.max_concurrent_calls),
        max_call_rate=float(tenant.get("maxCallRate", defaults.max_call_rate)),
        requests_per_second=float(tenant.get("requestsPerSecond", defaults.requests_per_second)),
    )
    campaigns = data.get("campaigns", {})
    prune = frozenset(name for name, options in campaigns.items() if options.get("prune") is True)
    ignore = tuple(
        IgnoreRule(tuple(rule["pointers"]), rule.get("campaign", "*"), rule.get("name", "*"))
        for rule in data.get("ignoreDifferences", ())
    )
    audit = Path(data.get("audit", {}).get("path", DEFAULT_AUDIT_PATH))
    ignored = frozenset(
        name for name, options in campaigns.items() if options.get("unmanaged") == "ignore"
    )
    audiences = {
        name: audience
        for name, options in campaigns.items()
        if (audience := read_audience(options.get("audience"))) is not None
    }
    policy = read_policy(data.get("laws", {}), source.name)
    skills = Path(data.get("skills", {}).get("path", DEFAULT_SKILLS_PATH))
    unit_zone = data.get("skills", {}).get("businessUnitTimeZone")
    return RepoConfig(
        profile,
        prune,
        ignore,
        audit,
        source,
        audiences,
        policy,
        ignored,
        profile=data.get("profile", PROFILES[0]),
        skills_path=skills,
        business_unit_zone=unit_zone,
    )
