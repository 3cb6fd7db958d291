"""The analytics query and interaction export endpoints, and the export download link.

The analytics body is parsed strictly: the filter must read `campaign.id eq "C"`, optionally
followed by ` and schedule.id eq "S"`, naming a known campaign (and one of its schedules);
`groupBy` is `["disposition"]`; `interval` is "hour" or "day"; `from` < `to`, at most 400 days
apart. Buckets come from `reconciler.emulator.analytics` and are paged like the schedule list.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from reconciler.emulator.analytics import history
from reconciler.emulator.errors import Detail, Problem
from reconciler.emulator.exports import check_export_body, parse_campaign_filter
from reconciler.emulator.messages import Request, Response, json_response, parse_json_object
from reconciler.emulator.paging import decode_token, encode_token, page_size
from reconciler.emulator.render import format_utc, parse_datetime
from reconciler.emulator.tenant import Tenant

__all__ = ["download_export", "get_export", "query_analytics", "start_export"]

_FILTER = re.compile(r'campaign\.id eq "([^"\\]+)"(?: and schedule\.id eq "([^"\\]+)")?')
_QUERY_FIELDS = frozenset({"filter", "groupBy", "interval", "from", "to", "pageSize", "nextPage"})
_MAX_SPAN = timedelta(days=400)
_MAX_BUCKET_PAGE = 5000


def _bad_query(details: list[Detail]) -> Problem:
    fields = ", ".join(pointer for pointer, _ in details)
    return Problem(
        400,
        "invalid_query",
        f"the analytics query is invalid at {fields}; fix these fields and resend",
        details=details,
    )


def _period(body: dict[str, Any]) -> tuple[datetime, datetime, list[Detail]]:
    start, end = parse_datetime(body.get("from")), parse_datetime(body.get("to"))
    found: list[Detail] = []
    for key, value in (("from", start), ("to", end)):
        if value is None:
            found.append((f"/{key}", "must be an ISO 8601 date-time with an offset"))
    if start is not None and end is not None and not timedelta(0) < end - start <= _MAX_SPAN:
        found.append(("/to", "must be after from, at most 400 days later"))
    return start or datetime.min, end or datetime.min, found


def _shape(body: dict[str, Any]) -> list[Detail]:
    found: list[Detail] = [(f"/{k}", "unknown field") for k in body if k not in _QUERY_FIELDS]
    if body.get("groupBy", ["disposition"]) != ["disposition"]:
        found.append(("/groupBy", 'must be ["disposition"]'))
    if body.get("interval") not in ("hour", "day"):
        found.append(("/interval", 'must be "hour" or "day"'))
    if "nextPage" in body and not isinstance(body["nextPage"], str):
        found.append(("/nextPage", "must be a page token string"))
    return found


def _subject(tenant: Tenant, text: object) -> tuple[str, str | None, list[dict[str, Any]]]:
    match = _FILTER.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise _bad_query([("/filter", 'must be campaign.id eq "C" [and schedule.id eq "S"]')])
    campaign_id, schedule_id = match.group(1), match.group(2)
    if campaign_id not in tenant.store.campaign_ids():
        raise _bad_query([("/filter", f"unknown campaign {campaign_id!r}")])
    schedules = tenant.store.page(campaign_id, 0, 1 << 30)[0]
    if schedule_id is not None and schedule_id not in {s["id"] for s in schedules}:
        raise _bad_query([("/filter", f"unknown schedule {schedule_id!r} in {campaign_id!r}")])
    return campaign_id, schedule_id, schedules


def query_analytics(tenant: Tenant, request: Request, _: Mapping[str, str]) -> Response:
    body = parse_json_object(request)
    start, end, found = _period(body)
    found = _shape(body) + found
    if found:
        raise _bad_query(found)
    size = page_size(body.get("pageSize"), 1000, _MAX_BUCKET_PAGE)
    campaign_id, schedule_id, schedules = _subject(tenant, body.get("filter"))
    fingerprint = "|".join(
        (str(body["filter"]), body["interval"], format_utc(start), format_utc(end))
    )
    scope = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    offset = decode_token(body["nextPage"], "analytics", scope) if "nextPage" in body else 0
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise Problem(400, "invalid_page_token", "nextPage is not a valid page token")
    buckets = history(
        seed=tenant.seed,
        campaign_id=campaign_id,
        schedules=schedules,
        interval=body["interval"],
        start=start,
        end=end,
        schedule_id=schedule_id,
    )
    payload: dict[str, Any] = {"group": buckets[offset : offset + size]}
    if offset + size < len(buckets):
        payload["nextPage"] = encode_token("analytics", scope, offset + size)
    return json_response(200, payload)


def start_export(tenant: Tenant, request: Request, _: Mapping[str, str]) -> Response:
    body = parse_json_object(request)
    found = check_export_body(body)
    campaign_id = parse_campaign_filter(body.get("filter"))
    if campaign_id is not None and campaign_id not in tenant.store.campaign_ids():
        found.append(("/filter", f"unknown campaign {campaign_id!r}"))
    if found or campaign_id is None:
        raise Problem(
            400,
            "invalid_export",
            "the export request is invalid at "
            f"{', '.join(p for p, _ in found)}; fix these fields and resend",
            details=found,
        )
    job = tenant.exports.start(body["columns"], tenant.store.page(campaign_id, 0, 1 << 30)[0])
    location = f"{tenant.base_url}/api/v2/interaction/exports/{job.export_id}"
    return json_response(202, {"id": job.export_id, "status": "queued"}, (("Location", location),))


def get_export(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    job = tenant.exports.poll(params["exportId"])
    payload: dict[str, Any] = {"id": job.export_id, "status": job.status()}
    if payload["status"] == "completed":
        payload["rowCount"] = len(job.rows)
        payload["downloadUrl"] = f"{tenant.base_url}/downloads/{job.export_id}.csv"
    return json_response(200, payload)


def download_export(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    job = tenant.exports.peek(params["file"].removesuffix(".csv"))
    if job.status() != "completed" or not params["file"].endswith(".csv"):
        raise Problem(404, "not_found", "no completed export at this address; poll the export")
    return Response(200, job.csv().encode(), (("Content-Type", "text/csv; charset=utf-8"),))
