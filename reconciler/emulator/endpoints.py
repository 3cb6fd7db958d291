"""The OAuth, schedule and capacity endpoints of the contract, plus `/openapi.json`.

Each handler takes the tenant, the request and its path parameters and returns a `Response`
or raises a `Problem`; authentication, rate limiting and faults happen before, in the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote

from reconciler.emulator.errors import Problem
from reconciler.emulator.messages import (
    JSON_TYPE,
    Request,
    Response,
    json_response,
    parse_json_object,
)
from reconciler.emulator.paging import decode_token, encode_token, page_size
from reconciler.emulator.tenant import Tenant

__all__ = [
    "MERGE_PATCH_TYPE",
    "capacity",
    "create_schedule",
    "delete_schedule",
    "get_schedule",
    "list_schedules",
    "openapi",
    "patch_schedule",
    "token",
]

FORM_TYPE = "application/x-www-form-urlencoded"
MERGE_PATCH_TYPE = "application/merge-patch+json"
_MAX_LIST_PAGE = 500


def _form(request: Request) -> dict[str, str]:
    if request.media_type() != FORM_TYPE:
        raise Problem(
            400,
            "invalid_request",
            f"POST /oauth/token needs a form-encoded body (Content-Type {FORM_TYPE}), "
            f"not {request.header('Content-Type') or 'no content type'}",
        )
    try:
        fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Problem(400, "invalid_request", f"unreadable form body: {exc}") from exc
    repeated = sorted(name for name, values in fields.items() if len(values) > 1)
    if repeated:
        raise Problem(400, "invalid_request", f"repeated form fields: {', '.join(repeated)}")
    return {name: values[0] for name, values in fields.items()}


def token(tenant: Tenant, request: Request, _: Mapping[str, str]) -> Response:
    payload = tenant.authority.issue(_form(request))
    return json_response(200, payload, (("Cache-Control", "no-store"), ("Pragma", "no-cache")))


def _query(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}


def list_schedules(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    campaign_id = params["campaignId"]
    query = _query(request)
    size = page_size(query.get("pageSize"), 100, _MAX_LIST_PAGE)
    after = 0
    if "nextPage" in query:
        position = decode_token(query["nextPage"], "schedules", campaign_id)
        if not isinstance(position, int) or isinstance(position, bool):
            raise Problem(400, "invalid_page_token", "nextPage is not a valid page token")
        after = position
    schedules, resume = tenant.store.page(campaign_id, after, size)
    payload: dict[str, Any] = {"schedules": schedules}
    if resume is not None:
        payload["nextPage"] = encode_token("schedules", campaign_id, resume)
    return json_response(200, payload)


def _where(request: Request) -> str:
    return f"{request.method} {request.path}"


def _schedule_response(status: int, schedule: dict[str, Any], *extra: tuple[str, str]) -> Response:
    return json_response(status, schedule, (("ETag", schedule["etag"]), *extra))


def create_schedule(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    campaign_id = params["campaignId"]
    body = parse_json_object(request)
    schedule = tenant.store.create(campaign_id, body, _where(request))
    location = (
        f"{tenant.base_url}/api/v2/campaigns/{quote(campaign_id, safe='')}"
        f"/schedules/{schedule['id']}"
    )
    return _schedule_response(201, schedule, ("Location", location))


def get_schedule(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    schedule = tenant.store.peek(params["campaignId"], params["scheduleId"])
    return _schedule_response(200, schedule)


def patch_schedule(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    campaign_id, schedule_id = params["campaignId"], params["scheduleId"]
    tenant.store.peek(campaign_id, schedule_id)  # 404 before anything else
    body = parse_json_object(request, (MERGE_PATCH_TYPE, JSON_TYPE))
    schedule = tenant.store.update(
        campaign_id, schedule_id, body, request.header("If-Match"), _where(request)
    )
    return _schedule_response(200, schedule)


def delete_schedule(tenant: Tenant, request: Request, params: Mapping[str, str]) -> Response:
    tenant.store.delete(
        params["campaignId"], params["scheduleId"], request.header("If-Match"), _where(request)
    )
    return Response(204)


def capacity(tenant: Tenant, request: Request, _: Mapping[str, str]) -> Response:
    limits = tenant.store.capacity
    return json_response(
        200,
        {
            "maxConcurrentCalls": limits.max_concurrent_calls,
            "maxCallRate": float(limits.max_call_rate),
        },
    )


@cache
def openapi_document() -> bytes:
    """The emulator's OpenAPI 3.1 document, as shipped in the package."""
    text = resources.files("reconciler.emulator").joinpath("openapi.json").read_text("utf-8")
    return json.dumps(json.loads(text), separators=(",", ":")).encode()


def openapi(tenant: Tenant, request: Request, _: Mapping[str, str]) -> Response:
    return Response(200, openapi_document(), (("Content-Type", JSON_TYPE),))
