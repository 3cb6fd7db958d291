"""Answer rates by local hour for the skills of the admin profile (`optimize` there).

The tenant's hourly dialer statistics (`SkillAPI.dialer_contacts`: dials and connects per skill
per hour, UTC) are counted per local hour of day in the business unit's zone, which is the zone
the weekly schedule's times are read in, weekdays and weekends apart. Each hour has its answer
rate (connects / dials) and 95% Wilson interval; hours outside every active window of the
file's weekly schedule are marked. The report names each skill's best and worst counted hour
inside its schedule; it recommends no new values (there is no calls-per-minute knob on a
skill) and never writes files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reconciler.analytics.optimize.answer_rates import HourStat, pooled
from reconciler.api.skills import SkillAPI
from reconciler.skills.desired import DesiredSkill
from reconciler.skills.normal import DAYS
from reconciler.skills.zones import iana_for

__all__ = ["SkillRates", "SkillRatesReport", "render_skill_rates", "skill_rates"]

_WEEKDAYS = DAYS[1:6]


@dataclass(frozen=True, slots=True)
class SkillRates:
    """One skill's counted hours by day type, and which local hours its schedule allows."""

    skill_id: str
    path: str
    weekday: tuple[HourStat, ...]
    weekend: tuple[HourStat, ...]
    scheduled: frozenset[tuple[str, int]]  # (day type, local hour) inside an active window

    def inside(self, kind: str, hour: int) -> bool:
        return not self.scheduled or (kind, hour) in self.scheduled


@dataclass(frozen=True, slots=True)
class SkillRatesReport:
    start: datetime
    end: datetime
    zone: str
    zone_note: str
    min_attempts: int
    skills: tuple[SkillRates, ...]


def skill_rates(
    api: SkillAPI,
    skills: Sequence[DesiredSkill],
    *,
    start: datetime,
    end: datetime,
    min_attempts: int,
) -> SkillRatesReport:
    """Read the period's statistics once and count them per skill and local hour."""
    standard = api.business_unit_zone()
    iana = iana_for(standard) if standard else None
    zone_note = (
        f"the business unit's zone {standard!r} ({iana})"
        if iana
        else f"UTC: the business unit's zone {standard!r} has no IANA name in cxsched"
    )
    zone = ZoneInfo(iana or "UTC")
    wanted = {skill.skill_id: skill for skill in skills}
    counts: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in api.dialer_contacts(start, end):
        if row.skill_id not in wanted:
            continue
        local = row.start.astimezone(zone)
        kind = "weekday" if local.weekday() < 5 else "weekend"
        cell = counts[(row.skill_id, kind, local.hour)]
        cell[0] += row.dials
        cell[1] += row.connects
    found = tuple(_rates(skill, counts) for skill in skills if skill.skill_id in wanted)
    return SkillRatesReport(start, end, iana or "UTC", zone_note, min_attempts, found)


def _rates(skill: DesiredSkill, counts: Mapping[tuple[str, str, int], list[int]]) -> SkillRates:
    def table(kind: str) -> tuple[HourStat, ...]:
        return tuple(
            HourStat(hour, dials, connects)
            for (skill_id, day_type, hour), (dials, connects) in sorted(counts.items())
            if skill_id == skill.skill_id and day_type == kind and dials
        )

    return SkillRates(
        skill.skill_id, skill.path.as_posix(), table("weekday"), table("weekend"), _scheduled(skill)
    )


def _scheduled(skill: DesiredSkill) -> frozenset[tuple[str, int]]:
    schedule = skill.blocks.get("scheduleSettings")
    if schedule is None or not schedule.get("isScheduled"):
        return frozenset()
    hours: set[tuple[str, int]] = set()
    for day in DAYS:
        window = schedule[day]
        if not window.get("isActive"):
            continue
        kind = "weekday" if day in _WEEKDAYS else "weekend"
        first, last = _minutes(window["startTime"]), _minutes(window["endTime"])
        hours.update(
            (kind, hour) for hour in range(24) if hour * 60 < last and hour * 60 + 60 > first
        )
    return frozenset(hours)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def render_skill_rates(report: SkillRatesReport, fmt: str) -> str:
    """The report as text (markdown alike, in a code block) or json."""
    if fmt == "json":
        return json.dumps(_json(report), indent=2, sort_keys=True) + "\n"
    lines = [
        f"Answer rates (connects / dials) by local hour, {_z(report.start)} to "
        f"{_z(report.end)}, in {report.zone_note}.",
    ]
    for item in report.skills:
        lines += ["", f"skill {item.skill_id} ({item.path})"]
        for kind, hours in (("weekday", item.weekday), ("weekend", item.weekend)):
            if not hours:
                lines.append(f"  {kind}: no dials")
                continue
            mean = pooled(hours)
            lines.append(f"  {kind}: {mean.attempts} dials, mean rate {_pct(mean.rate)}")
            for stat in hours:
                low, high = stat.interval
                mark = "" if item.inside(kind, stat.hour) else "  (outside the weekly schedule)"
                lines.append(
                    f"    {stat.hour:02d}:00  {stat.attempts:>6} dials  {_pct(stat.rate):>6}"
                    f"  [{_pct(low)} - {_pct(high)}]{mark}"
                )
            lines.extend(_extremes(item, kind, hours, report.min_attempts))
    text = "\n".join(lines) + "\n"
    return f"```\n{text}```\n" if fmt == "markdown" else text


def _extremes(
    item: SkillRates, kind: str, hours: Sequence[HourStat], min_attempts: int
) -> list[str]:
    counted = [s for s in hours if s.attempts >= min_attempts and item.inside(kind, s.hour)]
    if len(counted) < 2:
        return [f"  {kind}: too few hours with {min_attempts}+ dials to compare"]
    best = max(counted, key=lambda s: (s.rate or 0.0, -s.hour))
    worst = min(counted, key=lambda s: (s.rate or 0.0, s.hour))
    return [
        f"  {kind}: best hour {best.hour:02d}:00 ({_pct(best.rate)}), lowest "
        f"{worst.hour:02d}:00 ({_pct(worst.rate)})"
    ]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def _json(report: SkillRatesReport) -> dict[str, Any]:
    def hours(item: SkillRates, kind: str, stats: Sequence[HourStat]) -> list[dict[str, Any]]:
        return [
            {
                "hour": s.hour,
                "dials": s.attempts,
                "connects": s.answered,
                "rate": s.rate,
                "interval": list(s.interval),
                "scheduled": item.inside(kind, s.hour),
            }
            for s in stats
        ]

    return {
        "from": _z(report.start),
        "to": _z(report.end),
        "zone": report.zone,
        "skills": [
            {
                "skillId": item.skill_id,
                "file": item.path,
                "weekday": hours(item, "weekday", item.weekday),
                "weekend": hours(item, "weekend", item.weekend),
            }
            for item in report.skills
        ],
    }
