"""Every call of the Admin API profile: method, path template, label.

Discovery and the token live on the issuer's host; the API on the discovered `api_endpoint`,
under `/inContactAPI/services/{version}/`, where `{version}` is chosen per route (see
`reconciler.admin.versions`). Ids are URL-quoted into paths by `Endpoint.path`.
"""

from __future__ import annotations

from reconciler.cxone.endpoints import Endpoint

__all__ = [
    "API_BASE",
    "API_VERSIONS",
    "BUSINESS_UNIT",
    "CXONE_CONFIGURATION",
    "DIALER_CONTACTS",
    "DISCOVERY",
    "GENERAL_GET",
    "GENERAL_PUT",
    "ROUTED",
    "SCHEDULE_GET",
    "SCHEDULE_PUT",
    "SKILL",
    "SKILLS",
    "TIMEZONES",
    "TOKEN",
    "ZONES_GET",
    "ZONES_PUT",
    "Endpoint",
]

API_BASE = "/inContactAPI/services/{version}"

DISCOVERY = Endpoint("GET", "/.well-known/openid-configuration")
CXONE_CONFIGURATION = Endpoint("GET", "/.well-known/cxone-configuration")
#: The token endpoint's path is discovered; this label stands for it in counts and errors.
TOKEN = Endpoint("POST", "{token_endpoint}")

API_VERSIONS = Endpoint("GET", f"{API_BASE}/apiversion")
SKILLS = Endpoint("GET", f"{API_BASE}/skills")
SKILL = Endpoint("GET", f"{API_BASE}/skills/{{skillId}}")
_PARAMETERS = f"{API_BASE}/skills/{{skillId}}/parameters"
SCHEDULE_GET = Endpoint("GET", f"{_PARAMETERS}/schedule-settings")
SCHEDULE_PUT = Endpoint("PUT", f"{_PARAMETERS}/schedule-settings")
ZONES_GET = Endpoint("GET", f"{_PARAMETERS}/time-zones")
ZONES_PUT = Endpoint("PUT", f"{_PARAMETERS}/time-zones")
GENERAL_GET = Endpoint("GET", f"{_PARAMETERS}/general-settings")
GENERAL_PUT = Endpoint("PUT", f"{_PARAMETERS}/general-settings")
TIMEZONES = Endpoint("GET", f"{API_BASE}/timezones")
BUSINESS_UNIT = Endpoint("GET", f"{API_BASE}/business-unit")
DIALER_CONTACTS = Endpoint("GET", f"{API_BASE}/wfm-data/skills/dialer-contacts")

#: The versioned calls, whose version `/apiversion` decides per route.
ROUTED: tuple[Endpoint, ...] = (
    SKILLS,
    SKILL,
    SCHEDULE_GET,
    SCHEDULE_PUT,
    ZONES_GET,
    ZONES_PUT,
    GENERAL_GET,
    GENERAL_PUT,
    TIMEZONES,
    BUSINESS_UNIT,
    DIALER_CONTACTS,
)
