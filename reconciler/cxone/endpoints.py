"""Every call of the REST contract: method, path template and the label counters use.

This table and `payloads` are the only places that know the API's URLs and shapes; a tenant
whose API differs needs a change here, not in the reconciler. Ids are URL-quoted into paths.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple
from urllib.parse import quote

__all__ = [
    "ANALYTICS_QUERY",
    "CAPACITY",
    "CREATE_SCHEDULE",
    "DELETE_SCHEDULE",
    "ENDPOINTS",
    "EXPORT_DOWNLOAD",
    "EXPORT_START",
    "EXPORT_STATUS",
    "GET_SCHEDULE",
    "LIST_SCHEDULES",
    "TOKEN",
    "UPDATE_SCHEDULE",
    "Endpoint",
    "Method",
]

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

_FIELD = re.compile(r"\{(\w+)\}")


class Endpoint(NamedTuple):
    """One call of the contract; `label` is how call counts and the emulator name it."""

    method: Method
    template: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    def path(self, **ids: str) -> str:
        """The template with each `{name}` replaced by the URL-quoted id."""
        return _FIELD.sub(lambda match: quote(ids[match.group(1)], safe=""), self.template)


TOKEN = Endpoint("POST", "/oauth/token")
_SCHEDULES = "/api/v2/campaigns/{campaignId}/schedules"
LIST_SCHEDULES = Endpoint("GET", _SCHEDULES)
CREATE_SCHEDULE = Endpoint("POST", _SCHEDULES)
GET_SCHEDULE = Endpoint("GET", _SCHEDULES + "/{scheduleId}")
UPDATE_SCHEDULE = Endpoint("PATCH", _SCHEDULES + "/{scheduleId}")
DELETE_SCHEDULE = Endpoint("DELETE", _SCHEDULES + "/{scheduleId}")
CAPACITY = Endpoint("GET", "/api/v2/dialer/capacity")
ANALYTICS_QUERY = Endpoint("POST", "/api/v2/analytics/campaigns/details/query")
EXPORT_START = Endpoint("POST", "/api/v2/interaction/exports")
EXPORT_STATUS = Endpoint("GET", "/api/v2/interaction/exports/{exportId}")
#: The finished export's file: the `downloadUrl` the status gives, on the tenant's own origin.
EXPORT_DOWNLOAD = Endpoint("GET", "{downloadUrl}")

ENDPOINTS: tuple[Endpoint, ...] = (
    TOKEN,
    LIST_SCHEDULES,
    CREATE_SCHEDULE,
    GET_SCHEDULE,
    UPDATE_SCHEDULE,
    DELETE_SCHEDULE,
    CAPACITY,
    ANALYTICS_QUERY,
    EXPORT_START,
    EXPORT_STATUS,
)
