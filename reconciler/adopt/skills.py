"""`cxsched import --skill ID`: a skill's live dialing settings as a skill file.

The three blocks are read once each and written in the file format (`schemas/skill.schema.json`)
so that a plan made right after shows no changes: zones by IANA name where cxsched knows one
(else by CXone standard name), the general settings that shape pacing, inactive days without
their (ignored) times. Values the schema would refuse are kept and left for `validate` to name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.api.skills import SkillAPI
from reconciler.skills.normal import DAYS, PACING_FIELDS
from reconciler.skills.zones import iana_for

__all__ = ["skill_file_text"]

_SCHEMA = Path("schemas") / "skill.schema.json"


def skill_file_text(api: SkillAPI, skill_id: str, path: Path) -> str:
    """The YAML text of skill `skill_id`'s live settings, for a file at `path`."""
    schedule = api.read_block(skill_id, "scheduleSettings").settings
    zones = api.read_block(skill_id, "timeZoneSettings").settings
    general = api.read_block(skill_id, "generalSettings").settings
    schema = Path(os.path.relpath(str(_SCHEMA), str(path.parent))).as_posix()
    lines = [
        f"# yaml-language-server: $schema={schema}",
        "# Imported by `cxsched import`. Times of the weekly schedule are in the business",
        "# unit's time zone; zone windows in each zone's own local time.",
        "formatVersion: 1",
        "kind: SkillDialingSettings",
        f"skillId: {int(skill_id)}",
        "scheduleSettings:",
        f"  isScheduled: {_yaml(schedule['isScheduled'])}",
    ]
    for day in DAYS:
        lines.append(f"  {day}: {_flow(schedule[day])}")
    lines.append("timeZoneSettings:" + ("" if zones else " []"))
    for name, window in sorted(zones.items()):
        iana = iana_for(name)
        named = {"timeZone": iana} if iana is not None else {"standardName": name}
        lines.append(f"  - {_flow({**named, **window})}")
    pacing = {key: _value(general[key]) for key in PACING_FIELDS if key in general}
    if pacing:
        lines.append("generalSettings:")
        lines.extend(f"  {key}: {_yaml(value)}" for key, value in pacing.items())
    return "\n".join(lines) + "\n"


def _value(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def _flow(mapping: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{key}: {_yaml(value)}" for key, value in mapping.items()) + "}"


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)
