"""Validation of skill files (the admin profile): schema, then the skill's own rules.

Files are found like schedule files (`*.yaml`, `*.yml`, hidden folders skipped). Each is
loaded with positions, checked against `schemas/skill.schema.json`, then:

===============  =======  ==========================================================
rule             level    finding
===============  =======  ==========================================================
no-home          error    a field of the schedule model that a skill has no home for
                          (date span, blackouts, calls per minute, ...); says what to
                          use instead (docs/admin-api.md has the table)
skill-empty      error    no block declared
window-order     error    a window whose start is not before its end
window-missing   error    an active day without its start and end
ignored-times    warning  times of an inactive day (they are ignored)
never-dials      warning  a scheduled skill with no active day, or no zone active to call
zone-name        error    a zone named by both or neither of timeZone / standardName
unknown-zone     error    a timeZone that is no IANA zone
zone-unmapped    error    an IANA zone with no known CXone name: write standardName
zone-duplicate   error    two windows for one CXone zone
duplicate-skill  error    one skill declared by two files
file-name        warning  a file not named <skillId>.yaml
legal-*          error    the calling-law proof (`reconciler.validate.skill_laws`), for
                          files without other errors, when `load_skills` is given a
                          `SkillLawContext` (the commands always give one)
===============  =======  ==========================================================

Whether a zone is enabled for the business unit needs the tenant: plan checks it.
Errors: `InputError` for a path that does not exist or a folder without skill files.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import InputError
from reconciler.loader import Document, load_file
from reconciler.model import Finding, Severity
from reconciler.skills.desired import DesiredSkill, skill_from_data
from reconciler.skills.normal import DAYS, MalformedBlock, canonical_time
from reconciler.skills.zones import standard_name
from reconciler.validate.document import schema_findings
from reconciler.validate.skill_laws import SkillLawContext, check_skill_laws
from reconciler.validate.timezones import get_zone

__all__ = ["NO_HOME", "DesiredSkills", "SkillLawContext", "load_skills"]

_SUFFIXES = (".yaml", ".yml")

#: Fields of the schedule model with no home on a skill, and what to use instead.
NO_HOME: dict[str, str] = {
    "name": "a skill's name is not managed here; use skillName (for people, never sent)",
    "description": "a skill has no description to manage; use a YAML comment",
    "campaignId": "a skill file names its skill with skillId (CXone campaigns only roll "
    "skills up for reporting)",
    "scheduleId": "a skill file names its skill with skillId",
    "startTime": "a skill has no date span: its weekly schedule recurs without end; start "
    "and stop the skill on those dates outside cxsched (POST /skills/{id}/start, /stop) or "
    "expire the contacts at list upload",
    "endTime": "a skill has no date span: its weekly schedule recurs without end; start "
    "and stop the skill on those dates outside cxsched (POST /skills/{id}/start, /stop) or "
    "expire the contacts at list upload",
    "timeZone": "a skill's weekly schedule is in the business unit's time zone; give "
    "destination zones their windows in timeZoneSettings",
    "blackoutPeriods": "a skill has no blackout days in the Admin API; for a whole day set "
    "that weekday's isActive: false and restore it after, or stop the skill",
    "regulatoryWindows": "use timeZoneSettings: [{timeZone, startTime, endTime, "
    "timeZoneActiveToCall}] (enabled becomes timeZoneActiveToCall)",
    "dialerSettings": "a skill has no dialerSettings; use generalSettings (see the fields below)",
    "optimizationSettings": "a skill has no optimisation settings; tune "
    "generalSettings.aggressiveness and maximumRatio (cxsched optimize advises)",
}
_DIALER_NO_HOME: dict[str, str] = {
    "maxConcurrentCalls": "use generalSettings.maxConcurrentCallsPerAgent: per agent, not a "
    "total (the tenant's port limits cap the total)",
    "callRate": "a skill has no calls-per-minute setting; pacing is "
    "generalSettings.maximumRatio (lines per agent) and aggressiveness",
    "capacityThreshold": "the nearest setting is generalSettings.abandonRateThreshold "
    "(percent), a different measure",
}


@dataclass(frozen=True, slots=True)
class DesiredSkills:
    """The skills the files declare (only files without errors), findings, files, digest,
    and the files judged by the national baseline because they declare no audience."""

    skills: tuple[DesiredSkill, ...]
    findings: tuple[Finding, ...]
    files: tuple[Path, ...]
    digest: str
    undeclared: tuple[str, ...] = ()

    def has_errors(self) -> bool:
        return any(finding.severity == "error" for finding in self.findings)


def load_skills(paths: Sequence[Path], laws: SkillLawContext | None = None) -> DesiredSkills:
    """Load and validate every skill file under `paths`; with `laws`, prove the calling laws
    too for every file without other errors."""
    files = _find(paths)
    skills: list[DesiredSkill] = []
    findings: list[Finding] = []
    undeclared: list[str] = []
    digests: list[str] = []
    owners: dict[str, str] = {}
    for path in files:
        loaded = load_file(path, path)
        digests.append(f"{path}\0{loaded.digest}\n")
        if loaded.document is None:
            findings.extend(loaded.findings)
            continue
        found = check_skill(loaded.document)
        skill_id = loaded.document.data.get("skillId")
        if isinstance(skill_id, int) and not isinstance(skill_id, bool):
            first = owners.setdefault(str(skill_id), path)
            if first != path:
                found.append(
                    _at(
                        loaded.document,
                        "/skillId",
                        "duplicate-skill",
                        f"skill {skill_id} is also declared by {first}; keep one file",
                    )
                )
        if laws is not None and not any(finding.severity == "error" for finding in found):
            legal, baseline = check_skill_laws(loaded.document, laws)
            found.extend(legal)
            if baseline:
                undeclared.append(path)
        findings.extend(found)
        if not any(finding.severity == "error" for finding in found):
            skills.append(skill_from_data(Path(path), loaded.document.data))
    total = hashlib.sha256("".join(sorted(digests)).encode()).hexdigest()
    return DesiredSkills(
        tuple(skills),
        tuple(sorted(findings, key=Finding.sort_key)),
        tuple(Path(path) for path in files),
        total,
        tuple(undeclared),
    )


def check_skill(document: Document) -> list[Finding]:
    """Every finding of one skill file."""
    data = document.data
    found = _no_home(document)
    homeless = {f"/{key}" for key in NO_HOME if key in data}
    found.extend(
        finding
        for finding in schema_findings(document, "skill")
        if not (finding.rule == "schema-additional" and finding.pointer in homeless)
    )
    rejected = {finding.pointer for finding in found}
    semantic = [*_blocks(document), *_file_name(document)]
    found.extend(f for f in semantic if not any(f.pointer.startswith(p) for p in rejected if p))
    return found


def _no_home(document: Document) -> list[Finding]:
    found = []
    for key, advice in NO_HOME.items():
        if key not in document.data:
            continue
        found.append(_at(document, f"/{key}", "no-home", f"{key}: {advice}"))
        nested = document.data[key]
        if key == "dialerSettings" and isinstance(nested, Mapping):
            for field, hint in _DIALER_NO_HOME.items():
                if field in nested:
                    pointer = f"/dialerSettings/{field}"
                    found.append(_at(document, pointer, "no-home", f"{field}: {hint}"))
    return found


def _blocks(document: Document) -> Iterator[Finding]:
    data = document.data
    if not any(key in data for key in ("scheduleSettings", "timeZoneSettings", "generalSettings")):
        yield _at(
            document,
            "",
            "skill-empty",
            "the file declares no block: add scheduleSettings, timeZoneSettings or generalSettings",
        )
    schedule = data.get("scheduleSettings")
    if isinstance(schedule, Mapping):
        for day in DAYS:
            entry = schedule.get(day)
            if isinstance(entry, Mapping):
                yield from _day(document, day, entry)
        active = [
            d for d in DAYS if isinstance(schedule.get(d), Mapping) and schedule[d].get("isActive")
        ]
        if schedule.get("isScheduled") is True and not active:
            yield _at(
                document,
                "/scheduleSettings",
                "never-dials",
                "the skill is scheduled but no weekday is active: it never dials; set "
                "isScheduled: false or activate a day",
                "warning",
            )
    zones = data.get("timeZoneSettings")
    if isinstance(zones, list):
        yield from _zones(document, zones)
        if zones and not any(
            isinstance(z, Mapping) and z.get("timeZoneActiveToCall") is True for z in zones
        ):
            yield _at(
                document,
                "/timeZoneSettings",
                "never-dials",
                "no zone is active to call: numbers in every listed zone are skipped",
                "warning",
            )


def _day(document: Document, day: str, entry: Mapping[str, Any]) -> Iterator[Finding]:
    pointer = f"/scheduleSettings/{day}"
    has_times = "startTime" in entry or "endTime" in entry
    if entry.get("isActive") is False:
        if has_times:
            yield _at(
                document,
                pointer,
                "ignored-times",
                f"{day} is inactive, so its startTime and endTime are ignored; remove them",
                "warning",
            )
        return
    if "startTime" not in entry or "endTime" not in entry:
        yield _at(
            document,
            pointer,
            "window-missing",
            f"{day} is active: give its startTime and endTime (HH:MM)",
        )
        return
    yield from _order(document, pointer, entry)


def _order(document: Document, pointer: str, entry: Mapping[str, Any]) -> Iterator[Finding]:
    try:
        start, end = canonical_time(entry["startTime"]), canonical_time(entry["endTime"])
    except MalformedBlock:
        return
    if start >= end:
        yield _at(
            document,
            f"{pointer}/endTime",
            "window-order",
            f"the window ends ({end}) before or when it starts ({start}); a window "
            "cannot cross midnight",
        )


def _zones(document: Document, zones: list[Any]) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for index, entry in enumerate(zones):
        if not isinstance(entry, Mapping):
            continue
        pointer = f"/timeZoneSettings/{index}"
        iana, standard = entry.get("timeZone"), entry.get("standardName")
        if (iana is None) == (standard is None):
            yield _at(
                document,
                pointer,
                "zone-name",
                "name the zone by timeZone (IANA, e.g. America/New_York) or by "
                "standardName (CXone's name), not both and not neither",
            )
            continue
        if isinstance(iana, str):
            yield from _mapped(document, pointer, iana)
            standard = standard_name(iana)
        if isinstance(standard, str):
            if standard in seen:
                yield _at(
                    document,
                    pointer,
                    "zone-duplicate",
                    f"CXone zone {standard!r} already has a window (item {seen[standard]})"
                    "; a skill has one window per zone",
                )
            seen.setdefault(standard, index)
        yield from _order(document, pointer, entry)


def _mapped(document: Document, pointer: str, iana: str) -> Iterator[Finding]:
    """Findings for an IANA name: unknown, or without a known CXone name."""
    if get_zone(iana) is None:
        yield _at(
            document,
            f"{pointer}/timeZone",
            "unknown-zone",
            f"{iana!r} is not an IANA time zone (e.g. America/New_York)",
        )
        return
    if standard_name(iana) is None:
        yield _at(
            document,
            f"{pointer}/timeZone",
            "zone-unmapped",
            f"cxsched does not know CXone's name for {iana!r}; write standardName: with "
            "the name the tenant's GET /timezones gives (cxsched doctor lists them)",
        )


def _file_name(document: Document) -> Iterator[Finding]:
    skill_id = document.data.get("skillId")
    stem = Path(document.path).stem
    if isinstance(skill_id, int) and stem != str(skill_id):
        yield _at(
            document,
            "/skillId",
            "file-name",
            f"name the file {skill_id}.yaml, after its skill, so each skill has one obvious file",
            "warning",
        )


def _at(
    document: Document, pointer: str, rule: str, message: str, severity: str = "error"
) -> Finding:
    line, column = document.locate(pointer)
    level: Severity = "warning" if severity == "warning" else "error"
    return Finding(document.path, line, column, pointer, rule, level, message)


def _find(paths: Sequence[Path]) -> list[str]:
    found: dict[str, None] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(_walk(path))
            if not files:
                raise InputError(f"{path}: no skill files (*.yaml, *.yml) in this folder")
            found.update(dict.fromkeys(files))
        elif path.exists():
            found[os.path.normpath(path).replace(os.sep, "/")] = None
        else:
            raise InputError(f"{path}: no such file or folder; give the skills folder or files")
    return sorted(found)


def _walk(root: Path) -> Iterator[str]:
    for folder, subfolders, names in os.walk(os.path.normpath(root)):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            if name.endswith(_SUFFIXES) and not name.startswith("."):
                yield os.path.normpath(f"{folder}/{name}").replace(os.sep, "/")
