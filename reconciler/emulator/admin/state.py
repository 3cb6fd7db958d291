"""The emulated tenant: skills and their parameter blocks, zones, the business unit.

Blocks are stored the way the API returns them: flat, times as `HH:MM:SS`, `aggressiveness`
as a string, zones named `name`. Everything is guarded by one lock; `edit` is the "admin UI"
changing a block behind cxsched's back.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DAYS", "ZONES", "AdminTenant", "Skill", "wire_time"]

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

#: (displayName, standardName, offset) of the emulated `/timezones`.
ZONES: tuple[tuple[str, str, str], ...] = (
    ("(UTC-05:00) Eastern Time (US & Canada)", "Eastern Standard Time", "-05:00"),
    ("(UTC-06:00) Central Time (US & Canada)", "Central Standard Time", "-06:00"),
    ("(UTC-07:00) Mountain Time (US & Canada)", "Mountain Standard Time", "-07:00"),
    ("(UTC-07:00) Arizona", "US Mountain Standard Time", "-07:00"),
    ("(UTC-08:00) Pacific Time (US & Canada)", "Pacific Standard Time", "-08:00"),
    ("(UTC-09:00) Alaska", "Alaskan Standard Time", "-09:00"),
    ("(UTC-10:00) Hawaii", "Hawaiian Standard Time", "-10:00"),
    ("(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "GMT Standard Time", "+00:00"),
)
#: Zones the business unit enables (Alaska and Hawaii and London are not).
ENABLED = (
    "Eastern Standard Time",
    "Central Standard Time",
    "Mountain Standard Time",
    "US Mountain Standard Time",
    "Pacific Standard Time",
)

_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$")


def wire_time(value: Any) -> str | None:
    """A time the API accepts (`H:MM`, `HH:MM`, `HH:MM:SS`) as it stores it, `HH:MM:SS`."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 24 or minutes > 59 or seconds > 59:
        return None
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _schedule(start: str, end: str, weekend: bool) -> dict[str, Any]:
    flat: dict[str, Any] = {"isScheduled": True}
    for day in DAYS:
        active = weekend or day not in ("saturday", "sunday")
        flat[f"{day}StartTime"] = start if active else "00:00:00"
        flat[f"{day}EndTime"] = end if active else "00:00:00"
        flat[f"{day}IsActive"] = active
    return flat


def _general(ratio: float, aggressiveness: int) -> dict[str, Any]:
    return {
        "minimumRetryMinutes": 60,
        "maximumAttempts": 3,
        "defaultContactExpiration": 7,
        "loadCallbacks": True,
        "loadFresh": True,
        "loadNonFresh": True,
        "overrideBusinessUnitAbandonRate": False,
        "maximumRingingDuration": 25,
        "beginDampenPercentage": 80,
        "abandonRateCutoff": 3.0,
        "abandonRateThreshold": 2.5,
        "inactiveBlenderTimer": 0,
        "maximumRatio": ratio,
        "aggressiveness": str(aggressiveness),
        "percentageOfAgentsBeforeOverdial": 50,
        "blockMultipleCalls": True,
        "maxConcurrentCallsPerAgent": 1,
        "maxWaitTimeSeconds": 2,
        "deliverCallbacksOnDNCHolidays": False,
    }


def _zone(name: str, start: str, end: str, active: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "description": name,
        "startTime": start,
        "endTime": end,
        "timeZoneActiveToCall": active,
        "overrideTime": True,
    }


@dataclass(slots=True)
class Skill:
    """One skill; the blocks are held in their GET shapes."""

    skill_id: int
    name: str
    strategy: str = "Personal Connection"
    media_type: int = 4
    outbound: bool = True
    gated: bool = False
    schedule: dict[str, Any] = field(default_factory=dict)
    zones: list[dict[str, Any]] = field(default_factory=list)
    general: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "skillId": self.skill_id,
            "skillName": self.name,
            "mediaTypeId": self.media_type,
            "isOutbound": self.outbound,
            "outboundStrategy": self.strategy,
            "isRunning": False,
            "isActive": True,
            "campaignId": 1,
        }


class AdminTenant:
    """The tenant's skills, zones and business unit, shared by every request thread."""

    def __init__(self, extra_skills: int = 0) -> None:
        self.lock = threading.RLock()
        self.tenant_id = "11eb0b62-6d1c-2f30-a0c2-0242ac110003"
        self.enabled = set(ENABLED)
        self.unit_zone: str | None = "Eastern Standard Time"  # the business unit's default
        self.skills: dict[int, Skill] = {}
        east = _zone("Eastern Standard Time", "08:00:00", "21:00:00")
        self._add(
            Skill(4312345, "Renewals US PC", schedule=_schedule("08:00:00", "20:00:00", False))
        )
        self.skills[4312345].zones = [east, _zone("Central Standard Time", "08:00:00", "21:00:00")]
        self.skills[4312345].general = _general(2.0, 3)
        self._add(Skill(4312346, "Collections PC", gated=True))
        self.skills[4312346].schedule = _schedule("09:00:00", "19:00:00", False)
        self.skills[4312346].zones = [copy.deepcopy(east)]
        self.skills[4312346].general = _general(1.5, 2)
        self._add(Skill(4312347, "Winback PC", schedule=_schedule("10:00:00", "18:00:00", True)))
        self.skills[4312347].zones = []
        self.skills[4312347].general = _general(1.0, 1)
        self._add(Skill(1001, "Inbound Support", strategy="", media_type=4, outbound=False))
        self._add(Skill(1002, "Progressive Outbound", strategy="Progressive"))
        for number in range(extra_skills):
            skill = Skill(5000000 + number, f"Extra PC {number}")
            skill.schedule = _schedule("09:00:00", "17:00:00", False)
            skill.general = _general(1.0, 1)
            self._add(skill)

    def _add(self, skill: Skill) -> None:
        self.skills[skill.skill_id] = skill

    def pc_skills(self) -> list[Skill]:
        with self.lock:
            return [
                skill
                for _, skill in sorted(self.skills.items())
                if skill.outbound and skill.strategy == "Personal Connection"
            ]

    def edit(self, skill_id: int, block: str, changes: Mapping[str, Any]) -> None:
        """An edit made in the admin UI: flat fields of a block set as given."""
        with self.lock:
            skill = self.skills[skill_id]
            if block == "scheduleSettings":
                skill.schedule.update(changes)
            elif block == "generalSettings":
                skill.general.update(changes)
            else:
                zones = {zone["name"]: zone for zone in skill.zones}
                for name, values in changes.items():
                    if values is None:
                        zones.pop(name, None)
                    else:
                        zones[name] = {
                            **zones.get(name, _zone(name, "09:00:00", "21:00:00")),
                            **values,
                        }
                skill.zones = list(zones.values())
