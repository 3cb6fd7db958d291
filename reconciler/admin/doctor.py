"""`cxsched doctor`: read-only first contact with a tenant of the Admin API profile.

`diagnose` runs the checks in order, each one a `Check` (name, passed, detail), going on after
a failure where that still makes sense: settings, discovery and token, API versions, the
Personal Connection skills the API user sees, one skill's three blocks read twice (stable
version tokens?), the time formats, zone fields and number types the tenant really returns,
and the tenant's zones against cxsched's IANA table. `answers` settles what it can of the
open questions in docs/admin-api.md (token lifetime, whether the refresh_token grant works,
whether the skill is running). Nothing is written to the tenant.

The report holds no secret: ids are shortened, and every text passes the client's `Redactor`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.admin.client import AdminClient
from reconciler.api.errors import ApiError
from reconciler.api.skills import LiveBlock
from reconciler.skills.normal import BLOCKS
from reconciler.skills.zones import iana_for

__all__ = ["Check", "Report", "diagnose", "render_report"]

_FORMATS = (
    (re.compile(r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$"), "HH:MM:SS"),
    (re.compile(r"^[0-9]{2}:[0-9]{2}$"), "HH:MM"),
    (re.compile(r"^[0-9]:[0-9]{2}$"), "H:MM"),
)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(slots=True)
class Report:
    checks: list[Check] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.passed for check in self.checks)


def diagnose(client: AdminClient, skill_id: str | None = None) -> Report:
    """Every check against the client's tenant; never raises an `ApiError`."""
    report = Report()
    settings = client.settings
    key = settings.access_key_id
    report.checks.append(
        Check(
            "settings",
            True,
            f"issuer {settings.issuer}, client {settings.client_id}, access key "
            f"{key[:4]}... ({len(key)} characters), API version "
            f"{settings.api_version or 'highest per route'}",
        )
    )
    try:
        found = client.describe()
    except ApiError as exc:
        report.checks.append(Check("discovery and token", False, str(exc)))
        return report
    life = found.get("token_lifetime_s")
    report.checks.append(
        Check(
            "discovery and token",
            True,
            f"token endpoint {found['token_endpoint']}, tenant {found['tenant_id']}, API "
            f"endpoint {found['api_endpoint']}, token lifetime {life:g} s",
        )
    )
    versions: Mapping[str, str] = found["versions"]
    notes = "; ".join(found["version_notes"]) or "from /apiversion"
    listed = ", ".join(sorted(set(versions.values())))
    report.checks.append(Check("API versions", True, f"{listed} ({notes})"))
    report.answers.append(("token lifetime (expires_in)", f"{life:g} s"))
    try:
        refresh = client.tokens.try_refresh_grant()
    except ApiError as exc:
        refresh = f"could not be tried: {exc}"
    report.answers.append(("refresh_token grant for a back-end app", refresh))
    skill_id = _skills(client, report, skill_id)
    if skill_id is not None:
        _blocks(client, report, skill_id)
    _zones(client, report)
    report.answers.extend(_unsettled())
    return report


def _skills(client: AdminClient, report: Report, wanted: str | None) -> str | None:
    try:
        skills = list(client.list_skills())
    except ApiError as exc:
        report.checks.append(Check("Personal Connection skills", False, str(exc)))
        return None
    shown = ", ".join(f"{s.skill_id} {s.name!r}" for s in skills[:10])
    more = f" and {len(skills) - 10} more" if len(skills) > 10 else ""
    report.checks.append(
        Check(
            "Personal Connection skills",
            bool(skills),
            f"{len(skills)} visible: {shown}{more}"
            if skills
            else "none visible: give the API user's role Skills View, or create a PC skill",
        )
    )
    if wanted is not None:
        return wanted
    return skills[0].skill_id if skills else None


def _blocks(client: AdminClient, report: Report, skill_id: str) -> None:
    try:
        running = client.skill_running(skill_id)
    except ApiError as exc:
        report.checks.append(Check(f"skill {skill_id}", False, str(exc)))
        return
    state = {True: "running", False: "not running", None: "not said"}[running]
    report.answers.append(
        (
            f"skill {skill_id} isRunning now",
            f"{state} (whether a PUT is taken while it runs needs a write; doctor writes nothing)",
        )
    )
    for block in BLOCKS:
        try:
            first = client.read_block(skill_id, block)
            second = client.read_block(skill_id, block)
        except ApiError as exc:
            report.checks.append(Check(f"skill {skill_id} {block}", False, str(exc)))
            continue
        stable = first.version == second.version
        detail = (
            f"read twice, same version {first.version[:19]}..."
            if stable
            else "read twice, versions differ: a block that changes between reads (or a "
            "server-side counter in it) would make every apply a conflict"
        )
        report.checks.append(Check(f"skill {skill_id} {block} stable", stable, detail))
        report.answers.extend(_observed(first))


def _observed(live: LiveBlock) -> list[tuple[str, str]]:
    raw: Any = live.raw
    if live.block == "scheduleSettings" and isinstance(raw, Mapping):
        formats = sorted(
            {_format(value) for key, value in raw.items() if key.endswith(("StartTime", "EndTime"))}
        )
        return [("time format the tenant returns (schedule)", ", ".join(formats) or "none")]
    if live.block == "timeZoneSettings" and isinstance(raw, list):
        keys = sorted({k for item in raw for k in ("name", "standardName") if k in item})
        formats = sorted({_format(item.get("startTime")) for item in raw})
        return [
            ("zone name field on GET time-zones", ", ".join(keys) or "no zones on this skill"),
            ("time format the tenant returns (zones)", ", ".join(formats) or "no zones"),
        ]
    if live.block == "generalSettings" and isinstance(raw, Mapping):
        types = [
            f"{name}: {type(raw[name]).__name__}"
            for name in ("aggressiveness", "maximumRatio", "waitTimeFactor")
            if name in raw
        ]
        return [("number types on GET general-settings", ", ".join(types) or "none present")]
    return []


def _format(value: Any) -> str:
    if not isinstance(value, str):
        return type(value).__name__
    for pattern, name in _FORMATS:
        if pattern.match(value):
            return name
    return "other"


def _zones(client: AdminClient, report: Report) -> None:
    try:
        zones = client.zones()
    except ApiError as exc:
        report.checks.append(Check("time zones", False, str(exc)))
        return
    enabled = [zone for zone in zones if zone.enabled]
    unmapped = [zone.standard_name for zone in enabled if iana_for(zone.standard_name) is None]
    detail = f"{len(zones)} listed, {len(enabled)} enabled for the business unit: " + ", ".join(
        zone.standard_name for zone in enabled[:20]
    )
    if unmapped:
        detail += f"; without an IANA name in cxsched (write standardName): {', '.join(unmapped)}"
    report.checks.append(Check("time zones", bool(enabled), detail))


def _unsettled() -> list[tuple[str, str]]:
    return [
        ("time zone of schedule-settings times", "not observable read-only; see docs"),
        ("InvalidParameter preconditions, partial PUT semantics", "need a write"),
        ("Retry-After on 429", "none seen in this run (429s are backed off either way)"),
    ]


def render_report(report: Report, clean: Any) -> str:
    """The report as text; `clean` blanks secrets (the client's `Redactor.clean`)."""
    lines = ["cxsched doctor (admin profile, read-only)", ""]
    for check in report.checks:
        mark = "ok  " if check.passed else "FAIL"
        lines.append(f"[{mark}] {check.name}: {clean(check.detail, 2000)}")
    if report.answers:
        lines += ["", "Observed (open questions of docs/admin-api.md):"]
        lines += [f"  - {question}: {clean(answer, 500)}" for question, answer in report.answers]
    failed = sum(1 for check in report.checks if not check.passed)
    lines += ["", f"{len(report.checks)} check(s), {failed} failed."]
    return "\n".join(lines) + "\n"
