"""Refresh: rewrite declared schedule files from live values, keeping comments and layout.

When a change made on the tenant (in the admin UI) is deliberate, `cxsched import --update`
adopts it by pull request: every declared file whose schedule differs on the tenant gets the
live value of each differing field, and nothing else changes. A number or boolean inside a
mapping (`dialerSettings.callRate`) is replaced in place, so its comment stays; any other field
that differs (a string, a date-time, a list of windows or blackouts) has its top-level block
replaced by the import format's rendering of the live value (date-times in the schedule's zone),
keeping the comment at the end of the key's line; a field the file lacks is appended, one the
live schedule lacks is removed. Comments between fields, and every unchanged field, stay as
they are.

Errors: `reconciler.errors.InputError` when a file cannot be parsed or edited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from reconciler.adopt.importer import file_fields, render_fields
from reconciler.adopt.yamledit import (
    block_end,
    edit_text,
    load_mapping,
    read_text,
    write_checked,
)
from reconciler.config import RepoConfig
from reconciler.model import LiveSchedule
from reconciler.plan.build import make_plan
from reconciler.plan.normalise import parse_pointer, resolve_pointer
from reconciler.validate.desired import DesiredState

__all__ = ["RefreshPlan", "Refreshed", "refresh_plan", "refresh_text", "write_refreshed"]


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One file rewritten from live values: which fields, from what to what (canonical)."""

    path: Path
    campaign_id: str
    name: str
    changes: tuple[tuple[str, Any, Any], ...]  # (pointer, file value, live value)
    text: str


def refresh_text(text: str, live: LiveSchedule, pointers: Sequence[str], *, where: str) -> str:
    """`text` with the fields at `pointers` set to `live`'s values (see the module docstring)."""
    fields = file_fields(live)
    data = load_mapping(text, where)
    in_place: dict[str, Any] = {}
    blocks: set[str] = set()
    for pointer in pointers:
        keys = parse_pointer(pointer)
        value = resolve_pointer(fields, pointer)
        if len(keys) > 1 and _scalar(value) and _present(data, keys):
            in_place[pointer] = value
        else:
            blocks.add(keys[0])
    if in_place:
        text = edit_text(text, in_place, where=where)
    for key in sorted(blocks):
        text = _replace_block(text, key, fields, where)
    return text


def _scalar(value: Any) -> bool:
    return isinstance(value, bool | int | float) and not isinstance(value, str)


def _present(data: CommentedMap, keys: Sequence[str]) -> bool:
    node: Any = data
    for key in keys:
        if not isinstance(node, CommentedMap) or key not in node:
            return False
        node = node[key]
    return True


def _replace_block(text: str, key: str, fields: Mapping[str, Any], where: str) -> str:
    """`text` with the top-level `key` (and its value) rendered from `fields`, or removed."""
    data = load_mapping(text, where)
    lines = text.splitlines(keepends=True)
    new = render_fields({key: fields[key]}) if key in fields else ""
    if key not in data:
        tail = "" if not lines or lines[-1].endswith("\n") else "\n"
        return text + tail + new
    start, end = _block(data, key, lines)
    comment = _eol_comment(data, key)
    if new and comment and new.count("\n") == 1:
        new = new.rstrip("\n") + "  " + comment + "\n"
    return "".join(lines[:start]) + new + "".join(lines[end:])


def _block(data: CommentedMap, key: str, lines: Sequence[str]) -> tuple[int, int]:
    """The lines of `key`'s entry: from its line to the next top-level key, less the comment
    and blank lines just before that key (they belong to it)."""
    start = data.lc.key(key)[0]
    return start, block_end(data, key, lines, start)


def _eol_comment(data: CommentedMap, key: str) -> str | None:
    """The comment at the end of `key`'s line, for a one-line value."""
    tokens = data.ca.items.get(key)
    if not tokens or len(tokens) < 3 or tokens[2] is None:
        return None
    first = str(tokens[2].value).lstrip(" ").split("\n", 1)[0]
    return first if first.startswith("#") else None


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    """What `import --update` would write, and the declared schedules it cannot refresh."""

    files: tuple[Refreshed, ...]
    not_live: tuple[str, ...]  # campaign/name of declared schedules that are not on the tenant


def refresh_plan(
    desired: DesiredState, live: Mapping[str, Sequence[LiveSchedule]], config: RepoConfig
) -> RefreshPlan:
    """The files to rewrite so that each declared schedule matches its live one (pure)."""
    plan = make_plan(desired, live, config, limits=config.tenant.limits(), prune=False, paths=())
    paths = {(s.campaign_id, s.name): s.path for s in desired.schedules}
    by_id = {
        (item.campaign_id, item.schedule_id): item for items in live.values() for item in items
    }
    files: list[Refreshed] = []
    for action in plan.actions:
        if action.kind != "update" or action.schedule_id is None:
            continue
        path = paths[(action.campaign_id, action.name)]
        found = by_id[(action.campaign_id, action.schedule_id)]
        text = read_text(path)
        pointers = [change.pointer for change in action.changes]
        new = refresh_text(text, found, pointers, where=str(path))
        changes = tuple((c.pointer, c.after, c.before) for c in action.changes)
        files.append(Refreshed(path, action.campaign_id, action.name, changes, new))
    not_live = tuple(f"{a.campaign_id}/{a.name}" for a in plan.actions if a.kind == "create")
    return RefreshPlan(tuple(files), not_live)


def write_refreshed(files: Sequence[Refreshed], check: Callable[[], None]) -> None:
    """Write every file atomically, then `check()`; on failure put every original back."""
    write_checked([(item.path, read_text(item.path), item.text) for item in files], check)
