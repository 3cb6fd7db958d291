"""Import: live schedules written as desired files, so a tenant's campaign can be adopted.

Each live schedule becomes `<out>/<slug>.yaml` in the repository's format: the schema modeline,
`formatVersion`, `campaignId`, the pinned `scheduleId` (so a later rename is an update), then the
fields in `SCHEDULE_FIELDS` order. Date-times are written in the schedule's own time zone with
its offset (`2027-01-04T08:00:00-05:00`), integral numbers as integers, empty values left out.
The files validate, and a plan made right after shows no changes.

Importing into a campaign the repository already manages never duplicates a declaration:
`declared_schedules` reads the files already in the folder, and a live schedule one of them
declares (by its pinned `scheduleId`, else by name) is skipped, or with `force` that file is
rewritten in place; only the others get new files, under names no declaring file uses.

Files are prepared first and written only when none would overwrite an existing file (unless
forced); each write is atomic. Errors: `reconciler.errors.InputError` for a refused overwrite,
an unusable campaign id or a folder that cannot be written.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from reconciler.errors import InputError
from reconciler.loader import load_file
from reconciler.model import FORMAT_VERSION, SCHEDULE_FIELDS, LiveSchedule
from reconciler.plan.normalise import canonical
from reconciler.util.atomic import write_atomic
from reconciler.validate.desired import find_schedule_files

__all__ = [
    "CAMPAIGN_ID_PATTERN",
    "SCHEMA_PATH",
    "Declared",
    "ImportedFile",
    "Skipped",
    "check_campaign_id",
    "declared_schedules",
    "file_fields",
    "prepare_import",
    "render_fields",
    "schedule_document",
    "schema_reference",
    "slugify",
    "write_import",
]

#: Where the schema lives, relative to the repository root.
SCHEMA_PATH = Path("schemas") / "schedule.schema.json"
#: A campaign id as the schema allows it; it names a folder, so nothing else is accepted.
CAMPAIGN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

_SLUG_MAX = 64
_NESTED_ORDER: Mapping[str, tuple[str, ...]] = {
    "dialerSettings": ("maxConcurrentCalls", "callRate", "capacityThreshold"),
    "blackoutPeriods": ("startTime", "endTime", "reason"),
    "regulatoryWindows": ("startTime", "endTime", "timeZone", "enabled"),
    "optimizationSettings": ("useHistoricalAnswerRates", "peakHourBoost"),
}


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """One file an import writes: where, what, and for which live schedule.

    `in_place` is set when the file already declares that schedule and is rewritten (force)."""

    path: Path
    text: str
    schedule_id: str
    name: str
    in_place: bool = False


@dataclass(frozen=True, slots=True)
class Declared:
    """A schedule file already in the repository, and what it declares."""

    path: Path
    campaign_id: str | None
    schedule_id: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A live schedule an import leaves alone: `by` already declares it (`how`: id or name)."""

    schedule_id: str
    name: str
    by: Path
    how: str


def declared_schedules(folders: Iterable[Path]) -> tuple[Declared, ...]:
    """The schedule files in `folders` (those that exist) and what each declares; a file that
    does not load declares nothing."""
    found: dict[Path, Declared] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            files = find_schedule_files([folder])
        except InputError:  # a folder without schedule files
            continue
        for name in files:
            found.setdefault(Path(name).resolve(), _declared(Path(name)))
    return tuple(found.values())


def _declared(path: Path) -> Declared:
    document = load_file(str(path), path.as_posix()).document
    data = document.data if document is not None else {}

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return Declared(path, text("campaignId"), text("scheduleId"), text("name"))


def _declaration(live: LiveSchedule, declared: Sequence[Declared]) -> Skipped | None:
    """Which file declares `live`: one pinning its id, else an unpinned one of its name."""
    mine = [d for d in declared if d.campaign_id in (None, live.campaign_id)]
    for item in mine:
        if item.schedule_id == live.schedule_id:
            return Skipped(live.schedule_id, live.name, item.path, "its pinned scheduleId")
    for item in mine:
        if item.schedule_id is None and item.name == live.name:
            return Skipped(live.schedule_id, live.name, item.path, "its name")
    return None


def check_campaign_id(campaign_id: str) -> str:
    """The campaign id if it can name a folder; InputError otherwise."""
    if not CAMPAIGN_ID_PATTERN.fullmatch(campaign_id):
        raise InputError(
            f"campaign id {campaign_id!r} is not valid: use letters, digits, '_', '.', '-', "
            "starting with a letter or digit, at most 64 characters"
        )
    return campaign_id


def slugify(name: str) -> str:
    """A file name stem from a schedule name: lowercase ASCII letters, digits and '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "schedule"


def schema_reference(out_dir: Path, repo_root: Path) -> str:
    """The schema's path as the modeline of a file in `out_dir` refers to it (POSIX)."""
    target = (repo_root / SCHEMA_PATH).resolve()
    return Path(os.path.relpath(target, out_dir.resolve())).as_posix()


def _local(value: Any, zone: ZoneInfo | None) -> Any:
    """A canonical UTC instant as a date-time in the schedule's zone, with its offset."""
    if zone is None or not isinstance(value, str) or not value.endswith("Z"):
        return value
    try:
        instant = datetime.fromisoformat(value).astimezone(zone)
    except (ValueError, OverflowError):
        return value
    spec = "milliseconds" if instant.microsecond else "seconds"
    return instant.isoformat(timespec=spec)


def _zone(name: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if isinstance(name, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _ordered(key: str, value: Any) -> Any:
    """Nested objects with their keys in the format's order (unknown keys last, sorted)."""
    order = _NESTED_ORDER.get(key, ())
    if isinstance(value, list):
        return [_ordered(key, item) for item in value]
    if not isinstance(value, dict):
        return value
    known = [k for k in order if k in value]
    return {k: value[k] for k in [*known, *sorted(set(value) - set(known))]}


def file_fields(live: LiveSchedule) -> dict[str, Any]:
    """The fields of a live schedule as a desired file writes them, in the format's order."""
    body = canonical(live.body)
    zone = _zone(body.get("timeZone"))
    for key in ("startTime", "endTime"):
        body[key] = _local(body.get(key), zone)
    for blackout in body.get("blackoutPeriods", []):
        for key in ("startTime", "endTime"):
            if isinstance(blackout, dict) and key in blackout:
                blackout[key] = _local(blackout[key], zone)
    return {
        key: _ordered(key, body[key])
        for key in SCHEDULE_FIELDS
        if key in body and body[key] not in ("", [], None)
    }


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Strings that start with a digit (times, date-times) quoted, as the format asks."""
    style = "'" if value[:1].isdigit() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def schedule_document(live: LiveSchedule, schema_ref: str) -> str:
    """The YAML text of one live schedule as a desired file."""
    document = {
        "formatVersion": FORMAT_VERSION,
        "campaignId": live.campaign_id,
        "scheduleId": live.schedule_id,
        **file_fields(live),
    }
    return f"# yaml-language-server: $schema={schema_ref}\n{render_fields(document)}"


def render_fields(fields: Mapping[str, Any]) -> str:
    """YAML text of `fields` in the import format (block style, times quoted)."""
    return yaml.dump(
        dict(fields),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100_000,
    )


def _unique_slugs(live: Iterable[LiveSchedule], taken: Iterable[str] = ()) -> dict[str, str]:
    """schedule id -> a slug no other schedule of the import (nor `taken`) uses (`-2`, ...)."""
    used: set[str] = set(taken)
    slugs: dict[str, str] = {}
    for item in sorted(live, key=lambda s: (slugify(s.name), s.schedule_id)):
        base = slug = slugify(item.name)
        counter = 1
        while slug in used:
            counter += 1
            slug = f"{base}-{counter}"
        used.add(slug)
        slugs[item.schedule_id] = slug
    return slugs


def prepare_import(
    live: Sequence[LiveSchedule],
    out_dir: Path,
    schema_ref: str,
    declared: Sequence[Declared] = (),
    *,
    force: bool = False,
    repo_root: Path | None = None,
) -> tuple[tuple[ImportedFile, ...], tuple[Skipped, ...]]:
    """The files an import of `live` into `out_dir` writes (sorted by path), and the live
    schedules it skips because a file in `declared` already declares them (with `force`,
    that file is rewritten in place instead)."""
    owners = {item.schedule_id: _declaration(item, declared) for item in live}
    fresh = [item for item in live if owners[item.schedule_id] is None]
    taken = {
        d.path.stem
        for d in declared
        if d.path.parent.resolve() == out_dir.resolve() and (d.schedule_id or d.name)
    }
    slugs = _unique_slugs(fresh, taken)
    files = [
        ImportedFile(
            out_dir / f"{slugs[item.schedule_id]}.yaml",
            schedule_document(item, schema_ref),
            item.schedule_id,
            item.name,
        )
        for item in fresh
    ]
    skipped: list[Skipped] = []
    for item in live:
        owner = owners[item.schedule_id]
        if owner is None:
            continue
        if force:
            ref = schema_ref
            if repo_root is not None and owner.by.parent.resolve() != out_dir.resolve():
                ref = schema_reference(owner.by.parent, repo_root)
            text = schedule_document(item, ref)
            files.append(ImportedFile(owner.by, text, item.schedule_id, item.name, in_place=True))
        else:
            skipped.append(owner)
    return (
        tuple(sorted(files, key=lambda f: f.path)),
        tuple(sorted(skipped, key=lambda k: (k.by, k.schedule_id))),
    )


def write_import(files: Sequence[ImportedFile], *, force: bool) -> None:
    """Write every file atomically; refuse (writing none) if one exists and `force` is off."""
    existing = [f.path for f in files if f.path.exists() and not f.in_place]
    if existing and not force:
        shown = ", ".join(p.as_posix() for p in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise InputError(
            f"{len(existing)} file(s) already exist: {shown}{more}; nothing was written. "
            "Pass --force to overwrite them, or --out to import into another folder"
        )
    for item in files:
        _write_atomic(item.path, item.text)


def _write_atomic(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
