"""The JSON shapes of the contract: request bodies out, domain records in.

Every function here is pure. Readers raise `MalformedPayload` when a required field is missing,
has the wrong type, is a number that is not finite, or is an id or ETag that is not printable
ASCII of at most 256 characters (ids and ETags go into paths, headers and messages); the client
turns that into an `OtherApiError` naming the call.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict, TypeVar, cast, get_args

from reconciler.api.protocol import AnalyticsBucket, AnalyticsQuery, ExportStatus
from reconciler.model import LiveSchedule, TenantLimits, VersionToken

__all__ = [
    "AnalyticsBody",
    "ExportBody",
    "MalformedPayload",
    "TokenGrant",
    "analytics_body",
    "analytics_page",
    "export_body",
    "export_status",
    "live_schedule",
    "schedules_page",
    "tenant_limits",
    "token_grant",
]

_T = TypeVar("_T")
_TOKEN_MAX = 256
_TOKEN = re.compile(f"[\\x21-\\x7e]{{1,{_TOKEN_MAX}}}")
_ExportState = Literal["queued", "running", "completed", "failed"]


class MalformedPayload(ValueError):
    """A response body lacks a field the contract promises."""


AnalyticsBody = TypedDict(
    "AnalyticsBody",
    {
        "filter": str,
        "groupBy": list[str],
        "interval": str,
        "from": str,
        "to": str,
        "pageSize": int,
        "nextPage": NotRequired[str],
    },
)


class ExportBody(TypedDict):
    name: str
    type: Literal["custom"]
    columns: list[str]
    filter: str


class TokenGrant(TypedDict):
    access_token: str
    expires_in: float


def token_grant(body: Mapping[str, Any]) -> TokenGrant:
    token = _field(body, "access_token", str)
    expires = _number(body, "expires_in")
    if not token or expires <= 0:
        raise MalformedPayload("an empty access_token or a non-positive expires_in")
    return {"access_token": token, "expires_in": expires}


def live_schedule(
    campaign_id: str, body: Mapping[str, Any], etag_header: str | None = None
) -> LiveSchedule:
    """A schedule resource; its ETag from the body's `etag`, else the `ETag` header."""
    schedule_id = _token(_field(body, "id", str), "id")
    etag = body.get("etag") or etag_header
    if not isinstance(etag, str) or not etag:
        raise MalformedPayload(f"schedule {schedule_id!r} has no etag")
    _token(etag, "etag")
    return LiveSchedule(campaign_id, schedule_id, VersionToken(etag), dict(body))


def schedules_page(body: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str | None]:
    return _list(body, "schedules"), _next_page(body)


def _filter(campaign_id: str, schedule_id: str | None = None) -> str:
    text = f"campaign.id eq {json.dumps(campaign_id)}"
    return text if schedule_id is None else f"{text} and schedule.id eq {json.dumps(schedule_id)}"


def analytics_body(query: AnalyticsQuery, next_page: str | None) -> AnalyticsBody:
    body: AnalyticsBody = {
        "filter": _filter(query.campaign_id, query.schedule_id),
        "groupBy": ["disposition"],
        "interval": query.interval,
        "from": query.start,
        "to": query.end,
        "pageSize": query.page_size,
    }
    if next_page is not None:
        body["nextPage"] = next_page
    return body


def analytics_page(body: Mapping[str, Any]) -> tuple[list[AnalyticsBucket], str | None]:
    buckets = [
        AnalyticsBucket(
            interval=_field(item, "interval", str),
            disposition=_field(item, "disposition", str),
            count=int(_number(item, "count")),
        )
        for item in _list(body, "group")
    ]
    return buckets, _next_page(body)


def tenant_limits(body: Mapping[str, Any]) -> TenantLimits:
    return TenantLimits(
        max_concurrent_calls=int(_number(body, "maxConcurrentCalls")),
        max_call_rate=float(_number(body, "maxCallRate")),
    )


def export_body(campaign_id: str, columns: tuple[str, ...]) -> ExportBody:
    return {
        "name": f"cxsched schedules of {campaign_id}",
        "type": "custom",
        "columns": list(columns),
        "filter": _filter(campaign_id),
    }


def export_status(body: Mapping[str, Any]) -> ExportStatus:
    state = _field(body, "status", str)
    if state not in get_args(_ExportState):
        raise MalformedPayload(f"unknown export status {state!r}")
    rows = body.get("rowCount")
    url = body.get("downloadUrl")
    return ExportStatus(
        export_id=_token(_field(body, "id", str), "id"),
        status=cast(_ExportState, state),
        row_count=int(rows) if isinstance(rows, int | float) else None,
        download_url=url if isinstance(url, str) else None,
    )


def _field(body: Mapping[str, Any], name: str, kind: type[_T]) -> _T:
    value = body.get(name)
    if not isinstance(value, kind):
        raise MalformedPayload(f"field {name!r} is missing or not a {kind.__name__}")
    return value


def _token(value: str, name: str) -> str:
    """An id or ETag: it goes into paths, headers and messages, so printable ASCII, bounded."""
    if not _TOKEN.fullmatch(value):
        raise MalformedPayload(
            f"field {name!r} is not an identifier (printable ASCII, at most {_TOKEN_MAX})"
        )
    return value


def _number(body: Mapping[str, Any], name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayload(f"field {name!r} is missing or not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise MalformedPayload(f"field {name!r} is not a finite number")
    return number


def _list(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = body.get(name, [])
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise MalformedPayload(f"field {name!r} is not a list of objects")
    return items


def _next_page(body: Mapping[str, Any]) -> str | None:
    token = body.get("nextPage")
    return token if isinstance(token, str) and token else None
