"""`CxoneClient`: the `ScheduleAPI` seam over the REST contract, one method per call.

Each method builds a `Call` from the endpoint table, adds the bearer token, sends it through the
transport and maps the answer: a record on success, an error of `reconciler.cxone.errors`
otherwise. A 401 from the API invalidates the token and the call is sent once more with a fresh
one. Lists and analytics are generators that fetch one page per step, following `nextPage`.
A create whose answer was lost raises `OutcomeUnknownError`; the caller looks the schedule up by
name before trying again.

Every answer is untrusted: it is decoded strictly (`reconciler.util.strictjson`: no NaN or
Infinity, no overflowing number, no deep nesting), a listing that hands back a `nextPage` token it
already gave stops at once, and every piece of server text that reaches an error message (error
bodies, field details, the reason a payload was refused) goes through the transport's
`Sanitizer` first: no control characters, no workflow commands, no credentials, bounded length.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from reconciler.api.protocol import (
    AnalyticsBucket,
    AnalyticsQuery,
    CallCounts,
    ExportStatus,
    WriteKind,
)
from reconciler.cxone import endpoints, payloads
from reconciler.cxone.auth import TokenSource
from reconciler.cxone.errors import ApiError, OtherApiError, OutcomeUnknownError, api_error
from reconciler.cxone.limits import Limits
from reconciler.cxone.pacer import Pacer
from reconciler.cxone.retry import RetryPolicy
from reconciler.cxone.settings import Settings
from reconciler.cxone.transport import Call, Reply, Transport, json_body
from reconciler.model import LiveSchedule, TenantLimits, VersionToken
from reconciler.util.sanitize import Sanitizer

__all__ = ["MAX_PAGES", "CxoneClient"]

#: Pages followed at most in one listing or query; a server handing out more is broken.
MAX_PAGES = 10_000

_T = TypeVar("_T")
_A = TypeVar("_A")

_REFUSED_TOKEN = "The API refused a freshly issued token; check the API client in CXone."


class CxoneClient:
    """A thread-safe client of one tenant; close it (or use `with`) to release connections.

    `sleep` is how retry waits pass (tests record them instead of waiting); pacing always
    follows the real clock.
    """

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        policy = RetryPolicy(max_attempts=settings.max_attempts, deadline=settings.deadline)
        self._transport = Transport(
            settings.base_url,
            Pacer(settings.rps),
            timeouts=(settings.connect_timeout, settings.read_timeout),
            policy=policy,
            sleep=sleep,
            limits=Limits(settings.call_deadline, settings.max_response_bytes),
            sanitizer=Sanitizer.for_credentials(
                settings.client_id, settings.client_secret.reveal()
            ),
        )
        self._tokens = TokenSource(self._transport, settings)

    def __repr__(self) -> str:
        return f"CxoneClient(base_url={self.settings.base_url!r}, rps={self.settings.rps:g})"

    def __enter__(self) -> CxoneClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def call_counts(self) -> CallCounts:
        return self._transport.call_counts()

    def list_schedules(self, campaign_id: str) -> Iterator[LiveSchedule]:
        path = endpoints.LIST_SCHEDULES.path(campaignId=campaign_id)
        next_page: str | None = None
        pages = _Pages(endpoints.LIST_SCHEDULES.method, path)
        for _ in range(MAX_PAGES):
            params = {"pageSize": str(self.settings.page_size)}
            if next_page is not None:
                params["nextPage"] = next_page
            call = Call(endpoints.LIST_SCHEDULES, path, params=params)
            reply = self._send(call)
            page = self._json(call, reply)
            items, next_page = self._parsed(call, reply, payloads.schedules_page, page)
            for item in items:
                yield self._parsed(call, reply, partial(payloads.live_schedule, campaign_id), item)
            if next_page is None:
                return
            pages.follow(next_page, reply.attempts)
        raise _endless(endpoints.LIST_SCHEDULES.method, path)

    def get_schedule(self, campaign_id: str, schedule_id: str) -> LiveSchedule:
        ids = {"campaignId": campaign_id, "scheduleId": schedule_id}
        call = Call(endpoints.GET_SCHEDULE, endpoints.GET_SCHEDULE.path(**ids))
        return self._schedule(call, campaign_id)

    def create_schedule(self, campaign_id: str, body: Mapping[str, Any]) -> LiveSchedule:
        path = endpoints.CREATE_SCHEDULE.path(campaignId=campaign_id)
        call = Call(endpoints.CREATE_SCHEDULE, path, json=dict(body), idempotent=False)
        return self._schedule(call, campaign_id, ok=201)

    def update_schedule(
        self,
        campaign_id: str,
        schedule_id: str,
        patch: Mapping[str, Any],
        version: VersionToken,
    ) -> LiveSchedule:
        ids = {"campaignId": campaign_id, "scheduleId": schedule_id}
        path = endpoints.UPDATE_SCHEDULE.path(**ids)
        call = Call(endpoints.UPDATE_SCHEDULE, path, json=dict(patch), headers=_if_match(version))
        return self._schedule(call, campaign_id)

    def delete_schedule(self, campaign_id: str, schedule_id: str, version: VersionToken) -> None:
        ids = {"campaignId": campaign_id, "scheduleId": schedule_id}
        path = endpoints.DELETE_SCHEDULE.path(**ids)
        self._send(Call(endpoints.DELETE_SCHEDULE, path, headers=_if_match(version)), ok=204)

    def success_status(self, kind: WriteKind) -> int:
        """The HTTP status the contract answers a successful write of `kind` with."""
        return _WRITE_STATUS[kind]

    def tenant_limits(self) -> TenantLimits:
        call = Call(endpoints.CAPACITY, endpoints.CAPACITY.path())
        return self._read(call, payloads.tenant_limits)

    def query_analytics(self, query: AnalyticsQuery) -> Iterator[AnalyticsBucket]:
        next_page: str | None = None
        pages = _Pages(endpoints.ANALYTICS_QUERY.method, endpoints.ANALYTICS_QUERY.path())
        for _ in range(MAX_PAGES):
            body = payloads.analytics_body(query, next_page)
            call = Call(endpoints.ANALYTICS_QUERY, endpoints.ANALYTICS_QUERY.path(), json=body)
            buckets, next_page = self._read(call, payloads.analytics_page)
            yield from buckets
            if next_page is None:
                return
            pages.follow(next_page, 1)
        raise _endless(endpoints.ANALYTICS_QUERY.method, endpoints.ANALYTICS_QUERY.path())

    def start_export(self, campaign_id: str, columns: tuple[str, ...]) -> ExportStatus:
        body = payloads.export_body(campaign_id, columns)
        path = endpoints.EXPORT_START.path()
        call = Call(endpoints.EXPORT_START, path, json=body, idempotent=False)
        return self._read(call, payloads.export_status, ok=202)

    def get_export(self, export_id: str) -> ExportStatus:
        call = Call(endpoints.EXPORT_STATUS, endpoints.EXPORT_STATUS.path(exportId=export_id))
        return self._read(call, payloads.export_status)

    def download_export(self, status: ExportStatus, max_bytes: int) -> bytes:
        """The finished export's file. Only a `downloadUrl` on the API's own origin is
        fetched (the bearer token goes nowhere else); at most `max_bytes` are accepted."""
        path = _same_origin_path(status.download_url, self._transport.base_url)
        label = endpoints.EXPORT_DOWNLOAD
        call = Call(label, path)
        reply = self._send(call)
        data = reply.body
        if len(data) > max_bytes:
            detail = f"the file is larger than {max_bytes} bytes; refusing it"
            raise OtherApiError(label.method, label.template, 200, reply.attempts, detail)
        return data

    def _read(self, call: Call, parse: Callable[[dict[str, Any]], _T], ok: int = 200) -> _T:
        reply = self._send(call, ok)
        return self._parsed(call, reply, parse, self._json(call, reply))

    def _schedule(self, call: Call, campaign_id: str, ok: int = 200) -> LiveSchedule:
        reply = self._send(call, ok)
        etag = reply.response.headers.get("ETag")
        read = partial(payloads.live_schedule, campaign_id, etag_header=etag)
        return self._parsed(call, reply, read, self._json(call, reply))

    def _send(self, call: Call, ok: int = 200) -> Reply:
        """Send with the bearer token; on a 401 renew the token once and send again."""
        token = self._tokens.token()
        reply = self._transport.send(_authorized(call, token.reveal()))
        if reply.response.status_code == 401:
            self._tokens.invalidate(token)
            again = self._transport.send(_authorized(call, self._tokens.token().reveal()))
            reply = Reply(again.response, reply.attempts + again.attempts, again.body)
        if reply.response.status_code != ok:
            raise _failure(call, reply, self._transport.sanitizer)
        return reply

    def _json(self, call: Call, reply: Reply) -> dict[str, Any]:
        try:
            body = json_body(reply)
        except ValueError as exc:
            raise self._malformed(call, reply, f"the body is not usable JSON: {exc}") from None
        if not isinstance(body, dict):
            raise self._malformed(call, reply, "the body is not a JSON object")
        return body

    def _parsed(self, call: Call, reply: Reply, parse: Callable[[_A], _T], body: _A) -> _T:
        try:
            return parse(body)
        except payloads.MalformedPayload as exc:
            raise self._malformed(call, reply, str(exc)) from None

    def _malformed(self, call: Call, reply: Reply, why: str) -> OtherApiError:
        status = reply.response.status_code
        shown = self._transport.sanitizer.clean(why)
        return OtherApiError(call.endpoint.method, call.path, status, reply.attempts, shown)


class _Pages:
    """The `nextPage` tokens of one listing: a token handed out twice would loop forever."""

    def __init__(self, method: str, path: str) -> None:
        self._method = method
        self._path = path
        self._seen: set[str] = set()

    def follow(self, token: str, attempts: int) -> None:
        if token in self._seen:
            detail = (
                f"the server handed out the same nextPage token again after "
                f"{len(self._seen) + 1} pages; the listing would never end"
            )
            raise OtherApiError(self._method, self._path, 200, attempts, detail)
        self._seen.add(token)


#: The status of a successful write, per kind (the contract's 201 Created, 200 OK, 204).
_WRITE_STATUS: dict[WriteKind, int] = {"create": 201, "update": 200, "delete": 204}


def _if_match(etag: str) -> dict[str, str]:
    """The guard of a write; an empty ETag sends none, and the server answers 428."""
    return {"If-Match": etag} if etag else {}


def _same_origin_path(url: str | None, base_url: str) -> str:
    """The path (and query) of `url` when it is on the origin of `base_url`; else an error."""
    label = endpoints.EXPORT_DOWNLOAD
    parts, base = urlsplit(url or ""), urlsplit(base_url)
    if not url or (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        where = f"at {parts.scheme}://{parts.netloc}" if parts.netloc else "without a URL"
        detail = (
            f"the export's download is {where}, not on the API's own origin "
            f"{base.scheme}://{base.netloc}; fetch it from the CXone admin UI"
        )
        raise OtherApiError(label.method, label.template, None, 0, detail)
    base_path = base.path.rstrip("/")
    path = parts.path if not base_path else parts.path.removeprefix(base_path)
    return path + (f"?{parts.query}" if parts.query else "")


def _authorized(call: Call, token: str) -> Call:
    headers = {**call.headers, "Accept": "application/json", "Authorization": f"Bearer {token}"}
    return replace(call, headers=headers)


def _endless(method: str, path: str) -> OtherApiError:
    detail = "the server still returned a nextPage; the listing was cut off"
    return OtherApiError(method, path, 200, MAX_PAGES, detail)


def _failure(call: Call, reply: Reply, sanitizer: Sanitizer) -> ApiError:
    method, path = call.endpoint.method, call.path
    status, attempts = reply.response.status_code, reply.attempts
    if not call.idempotent and status >= 500 and status != 503:
        detail = f"the server failed with HTTP {status} while handling it"
        return OutcomeUnknownError(method, path, status, attempts, detail)
    try:
        body = json_body(reply)
    except ValueError:
        body = None
    body = sanitizer.clean_tree(body) if isinstance(body, dict) else {}
    hint = _REFUSED_TOKEN if status == 401 else None
    return api_error(
        method, path, status, attempts, body, etag_sent=call.headers.get("If-Match"), hint=hint
    )
