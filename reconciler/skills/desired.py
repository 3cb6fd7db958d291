"""A skill's desired dialing settings, as a file declares them, in normal form.

`DesiredSkill.blocks` holds the normal form (`reconciler.skills.normal`) of each block the file
declares: the weekly schedule and the zone windows whole, the general settings only for the
fields named. `desired_settings` lays a declared block over the live one: the whole block for
the schedule and the zones, the named fields over the live values for general settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.skills.normal import (
    BLOCKS,
    BlockName,
    normal_general,
    normal_schedule,
    normal_zones,
)
from reconciler.skills.zones import standard_name

__all__ = ["DesiredSkill", "desired_settings", "skill_from_data"]


@dataclass(frozen=True, slots=True)
class DesiredSkill:
    """One skill file: its skill, the normal form per declared block, the zones' file names."""

    path: Path
    skill_id: str
    blocks: Mapping[BlockName, Mapping[str, Any]]
    zone_names: Mapping[str, str]  # CXone standard name -> the name the file wrote

    def declared(self) -> tuple[BlockName, ...]:
        """The blocks the file declares, in the order apply writes them."""
        return tuple(block for block in BLOCKS if block in self.blocks)


def skill_from_data(path: Path, data: Mapping[str, Any]) -> DesiredSkill:
    """The desired skill of a file's data that validated (no error findings)."""
    blocks: dict[BlockName, Mapping[str, Any]] = {}
    zone_names: dict[str, str] = {}
    schedule = data.get("scheduleSettings")
    if isinstance(schedule, Mapping):
        blocks["scheduleSettings"] = normal_schedule(schedule["isScheduled"], schedule)
    zones = data.get("timeZoneSettings")
    if isinstance(zones, list):
        entries = []
        for entry in zones:
            written = str(entry.get("standardName") or entry.get("timeZone"))
            name = str(entry.get("standardName") or standard_name(entry["timeZone"]))
            zone_names[name] = written
            entries.append({**entry, "standardName": name})
        blocks["timeZoneSettings"] = normal_zones(entries)
    general = data.get("generalSettings")
    if isinstance(general, Mapping):
        blocks["generalSettings"] = normal_general(general)
    return DesiredSkill(path, str(data["skillId"]), blocks, zone_names)


def desired_settings(
    block: BlockName, declared: Mapping[str, Any], live: Mapping[str, Any]
) -> dict[str, Any]:
    """The whole block as it should be: `declared` laid over `live` where only part is managed."""
    if block == "generalSettings":
        return {**live, **declared}
    return dict(declared)
