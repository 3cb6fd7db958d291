"""The Admin API emulator's answers, one function per route, and the API's habits.

Faithful to what is known of the real API (docs/admin-api.md):

- GETs of skill parameter blocks are flat; PUTs must be wrapped (`{"scheduleSettings": {...}}`,
  `{"timeZoneSettings": [...]}`, `{"generalSettings": {...}}`), else 400;
- times are taken as `H:MM`, `HH:MM` or `HH:MM:SS` and returned as `HH:MM:SS`; zones are
  returned with `name` and taken with `standardName`; `aggressiveness` comes back as a string;
- the skills list pages with `skip`/`top`, gives `_links.next` on a full page, and answers an
  empty page with `204 No Content`;
- API errors have no body: their text is only in the `icStatusDescription` header;
- a "gated" skill answers its schedule PUT with a bare `{"error": "InvalidParameter"}`;
- a time-zone PUT naming a zone the business unit does not enable answers `200` with per-item
  failures (`timeZoneResults[].success: false`) and applies only the other zones;
- a call without `Accept: application/json` gets 406 "No known way to render data";
- reporting dates must end in a literal `Z` (`+00:00` is refused); dialer statistics come
  wrapped in the spec's `wfM_OB_StatsV9`, and a period without any as 204.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from reconciler.emulator.admin.state import ZONES, AdminTenant, Skill, wire_time

__all__ = [
    "Answer",
    "block_get",
    "block_put",
    "business_unit",
    "dialer_contacts",
    "skill_get",
    "skills_page",
    "timezones",
]

MAX_TOP = 100


class Answer(NamedTuple):
    """Status, JSON body (None for no body) and the `icStatusDescription` header, if any."""

    status: int
    body: Any = None
    description: str | None = None


def refused(status: int, description: str) -> Answer:
    return Answer(status, None, description)


def skills_page(tenant: AdminTenant, query: Mapping[str, str], base: str) -> Answer:
    try:
        skip = int(query.get("skip", "0"))
        top = int(query.get("top", "50"))
    except ValueError:
        return refused(400, "skip and top must be integers")
    if skip < 0 or not 1 <= top <= MAX_TOP:
        return refused(400, f"top must be 1..{MAX_TOP} and skip >= 0")
    skills = tenant.pc_skills()
    page = skills[skip : skip + top]
    if not page:
        return Answer(204)
    links: dict[str, Any] = {"self": f"{base}?skip={skip}&top={top}", "next": None}
    if len(page) == top:
        links["next"] = f"{base}?skip={skip + top}&top={top}"
    return Answer(
        200,
        {
            "businessUnitId": 4600001,
            "totalRecords": len(skills),
            "skills": [skill.summary() for skill in page],
            "_links": links,
        },
    )


def _skill(tenant: AdminTenant, skill_id: str) -> Skill | None:
    skill = tenant.skills.get(int(skill_id)) if skill_id.isdigit() else None
    if skill is None or not skill.outbound or skill.strategy != "Personal Connection":
        return None
    return skill


def skill_get(tenant: AdminTenant, skill_id: str) -> Answer:
    with tenant.lock:
        skill = _skill(tenant, skill_id)
        if skill is None:
            return refused(404, f"Skill {skill_id[:20]} was not found")
        return Answer(200, {"skills": [{**skill.summary(), "agentless": False}]})


def block_get(tenant: AdminTenant, skill_id: str, block: str) -> Answer:
    with tenant.lock:
        skill = _skill(tenant, skill_id)
        if skill is None:
            return refused(404, f"Skill {skill_id[:20]} was not found")
        if block == "schedule-settings":
            return Answer(200, copy.deepcopy(skill.schedule))
        if block == "time-zones":
            return Answer(200, {"timeZoneSettings": copy.deepcopy(skill.zones)})
        return Answer(200, copy.deepcopy(skill.general))


def block_put(tenant: AdminTenant, skill_id: str, block: str, body: Any) -> Answer:
    with tenant.lock:
        skill = _skill(tenant, skill_id)
        if skill is None:
            return refused(404, f"Skill {skill_id[:20]} was not found")
        if block == "schedule-settings":
            return _put_schedule(skill, body)
        if block == "time-zones":
            return _put_zones(tenant, skill, body)
        return _put_general(skill, body)


def _put_schedule(skill: Skill, body: Any) -> Answer:
    inner = body.get("scheduleSettings") if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        return refused(400, "The request body is invalid: scheduleSettings is required")
    if skill.gated:
        return Answer(400, {"error": "InvalidParameter"})
    updated = dict(skill.schedule)
    for key, value in inner.items():
        if key.endswith(("StartTime", "EndTime")):
            stored = wire_time(value)
            if stored is None:
                return refused(400, f"Invalid time for {key[:40]}")
            updated[key] = stored
        elif key.endswith("IsActive") or key == "isScheduled":
            if not isinstance(value, bool):
                return refused(400, f"{key[:40]} must be a boolean")
            updated[key] = value
    skill.schedule = updated
    return Answer(200)


def _put_zones(tenant: AdminTenant, skill: Skill, body: Any) -> Answer:
    inner = body.get("timeZoneSettings") if isinstance(body, dict) else None
    if not isinstance(inner, list):
        return refused(400, "The request body is invalid: timeZoneSettings is required")
    known = {standard for _display, standard, _offset in ZONES}
    kept, results = [], []
    for item in inner:
        name = item.get("standardName") if isinstance(item, dict) else None
        start = wire_time(item.get("startTime")) if isinstance(item, dict) else None
        end = wire_time(item.get("endTime")) if isinstance(item, dict) else None
        if not isinstance(name, str) or start is None or end is None:
            return refused(400, "Each time zone needs standardName, startTime and endTime")
        if name not in known or name not in tenant.enabled:
            results.append(
                {
                    "standardName": name,
                    "success": False,
                    "error": "Time zone is not enabled for the business unit",
                }
            )
            continue
        active = item.get("timeZoneActiveToCall", True)
        override = item.get("overrideTime", True)
        kept.append(
            {
                "name": name,
                "description": name,
                "startTime": start,
                "endTime": end,
                "timeZoneActiveToCall": bool(active),
                "overrideTime": bool(override),
            }
        )
        results.append({"standardName": name, "success": True})
    skill.zones = kept
    return Answer(200, {"timeZoneResults": results})


def _put_general(skill: Skill, body: Any) -> Answer:
    inner = body.get("generalSettings") if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        return refused(400, "The request body is invalid: generalSettings is required")
    updated = dict(skill.general)
    for key, value in inner.items():
        if key not in updated:
            return refused(400, f"Unknown setting {key[:40]}")
        if isinstance(updated[key], bool) != isinstance(value, bool):
            return refused(400, f"Invalid value for {key[:40]}")
        updated[key] = _stored(key, value)
    skill.general = updated
    return Answer(200)


def _stored(key: str, value: Any) -> Any:
    if key == "aggressiveness":
        return str(value)
    if key == "maximumRatio" and isinstance(value, (int, float)):
        return round(float(value), 1)  # the tenant keeps one decimal
    return value


def timezones() -> Answer:
    listed = [
        {"displayName": display, "standardName": standard, "offset": offset}
        for display, standard, offset in ZONES
    ]
    return Answer(200, {"timeZones": listed})


def business_unit(tenant: AdminTenant) -> Answer:
    with tenant.lock:
        enabled = sorted(tenant.enabled)
        zone = tenant.unit_zone
    unit: dict[str, Any] = {
        "businessUnitId": 4600001,
        "allowPredictiveDialing": True,
        "outboundPortLimit": 200,
        "concurrentPortLimit": 400,
        "timeZones": [{"standardName": name} for name in enabled],
    }
    if zone is not None:
        unit["defaultTimeZone"] = zone
    return Answer(200, {"businessUnits": [unit]})


def _utc_z(text: str | None) -> datetime | None:
    if not isinstance(text, str) or not text.endswith("Z"):
        return None
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        return None


def answer_rate(local_hour: int) -> float:
    """The emulated tenant's answer rate by local hour: rising to 17:00, then falling."""
    return round(0.10 + 0.02 * min(local_hour - 8, 9) - 0.03 * max(local_hour - 17, 0), 2)


def dialer_contacts(tenant: AdminTenant, query: Mapping[str, str]) -> Answer:
    """Hourly dials and connects of every PC skill: 120 dials an hour, 08:00-20:00 UTC-5."""
    start, end = _utc_z(query.get("startDate")), _utc_z(query.get("endDate"))
    if start is None or end is None or not start < end <= start + timedelta(days=31):
        return refused(400, "startDate and endDate must be UTC with a Z, at most 31 days apart")
    rows = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    hour = hour if hour >= start else hour + timedelta(hours=1)
    while hour < end:
        local = hour - timedelta(hours=5)
        if 8 <= local.hour < 20 and local.weekday() < 5:
            for skill in tenant.pc_skills():
                dials = 120
                rows.append(
                    {
                        "intervalStartDate": hour.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "skillId": skill.skill_id,
                        "skillName": skill.name,
                        "dials": dials,
                        "connects": round(dials * answer_rate(local.hour)),
                        "rightPartyConnects": 0,
                        "abandons": 1,
                    }
                )
        hour += timedelta(hours=1)
    if not rows:
        return Answer(204)
    return Answer(200, {"wfM_OB_StatsV9": rows})
