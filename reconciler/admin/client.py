"""`AdminClient`: the `SkillAPI` seam over CXone's Admin API.

Every call goes through the REST profile's paced, retried `Transport` (one per host, one shared
`Pacer`), with `Accept: application/json` and the bearer token; a 401 re-mints the token once and
sends again. The API version of each route is chosen on first use (`reconciler.admin.versions`).
429s come without a usable `Retry-After`, so the transport's own bounded backoff applies.

Habits handled here: lists page with `skip`/`top` and follow `_links.next` (on the API's own
host only); an empty page may be `204 No Content`; error text may be only in the
`icStatusDescription` header; a `200` may carry per-item failures (`...Results[].success`),
which is a `Rejected` naming the items. Answers are bounded in size and refused when they hold
non-finite numbers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reconciler.admin import endpoints, wire
from reconciler.admin.auth import TokenSource
from reconciler.admin.errors import ItemsFailedError, admin_error
from reconciler.admin.replies import decoded, refusal
from reconciler.admin.settings import AdminSettings, Redactor
from reconciler.admin.versions import BOOTSTRAP_VERSION, VersionChoice, choose_versions
from reconciler.api.protocol import CallCounts
from reconciler.api.skills import DialerInterval, LiveBlock, SkillInfo, TenantZone
from reconciler.cxone.errors import ApiError, OtherApiError
from reconciler.cxone.pacer import Pacer
from reconciler.cxone.retry import RetryPolicy
from reconciler.cxone.transport import Call, Reply, Transport
from reconciler.skills.normal import BlockName, MalformedBlock, block_version

__all__ = ["MAX_PAGES", "AdminClient"]

MAX_PAGES = 1000
_MAX_BODY = 8 << 20
_PC = "personal connection"
_GET: dict[BlockName, endpoints.Endpoint] = {
    "scheduleSettings": endpoints.SCHEDULE_GET,
    "timeZoneSettings": endpoints.ZONES_GET,
    "generalSettings": endpoints.GENERAL_GET,
}
_PUT: dict[BlockName, endpoints.Endpoint] = {
    "scheduleSettings": endpoints.SCHEDULE_PUT,
    "timeZoneSettings": endpoints.ZONES_PUT,
    "generalSettings": endpoints.GENERAL_PUT,
}


class AdminClient:
    """A thread-safe client of one tenant's Admin API; close it (or use `with`).

    `sleep` is how retry waits pass and `clock` how token lifetimes are measured (tests pass
    their own); pacing always follows the real clock.
    """

    def __init__(
        self,
        settings: AdminSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._pacer = Pacer(settings.rps)
        self._policy = RetryPolicy(
            max_attempts=settings.max_attempts, deadline=settings.deadline, base=1.0, cap=8.0
        )
        self._transports: dict[str, Transport] = {}
        self._lock = threading.Lock()
        self.redactor = Redactor(settings.secrets())
        self.tokens = TokenSource(self._transport, settings, self.redactor, clock=clock)
        self._versions: VersionChoice | None = None
        self._unit: Mapping[str, Any] | None = None  # GET /business-unit, read once a run

    def __repr__(self) -> str:
        return f"AdminClient(issuer={self.settings.issuer!r})"

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for transport in self._transports.values():
                transport.close()

    def call_counts(self) -> CallCounts:
        counts: dict[tuple[str, int | str], int] = {}
        with self._lock:
            transports = list(self._transports.values())
        for transport in transports:
            for key, count in transport.call_counts().items():
                counts[key] = counts.get(key, 0) + count
        return counts

    # -- the seam -----------------------------------------------------------------------------

    def list_skills(self) -> Iterator[SkillInfo]:
        endpoint = endpoints.SKILLS
        params: dict[str, str] = {
            "mediaTypeId": "4",
            "outboundStrategy": "Personal Connection",
            "skip": "0",
            "top": str(self.settings.page_size),
        }
        for _ in range(MAX_PAGES):
            reply = self._send(endpoint, {}, params=params, ok=(200, 204))
            if reply.response.status_code == 204:
                return
            body = self._json(endpoint, reply)
            nested = body.get("resultSet")
            items = body.get("skills", nested.get("skills") if isinstance(nested, dict) else None)
            if not isinstance(items, list):
                raise self._malformed(endpoint, reply, "the answer has no skills list")
            yield from (skill for item in items if (skill := _skill(item)) is not None)
            following = self._next(body, params, len(items))
            if following is None:
                return
            params = following
        raise self._malformed(endpoints.SKILLS, None, "the listing never ended")

    def read_block(self, skill_id: str, block: BlockName) -> LiveBlock:
        endpoint = _GET[block]
        reply = self._send(endpoint, {"skillId": skill_id}, ok=(200, 204))
        body = None if reply.response.status_code == 204 else self._json(endpoint, reply, obj=False)
        try:
            flat = wire.unwrap(block, body)
            settings = wire.normal_of(block, flat)
        except MalformedBlock as exc:
            raise self._malformed(endpoint, reply, str(exc)) from None
        return LiveBlock(skill_id, block, settings, block_version(settings), flat)

    def write_block(self, base: LiveBlock, settings: Mapping[str, Any]) -> None:
        endpoint = _PUT[base.block]
        body = wire.put_body(base.block, base.raw, settings)
        reply = self._send(endpoint, {"skillId": base.skill_id}, json_body=body, ok=(200, 204))
        if reply.response.status_code == 200:
            self._item_failures(endpoint, reply)

    def zones(self) -> tuple[TenantZone, ...]:
        listed = self._json(endpoints.TIMEZONES, self._send(endpoints.TIMEZONES, {}))
        enabled = _enabled_zones(self._business_unit())
        zones = []
        for item in _list_of(listed, "timeZones"):
            name = item.get("standardName")
            if isinstance(name, str) and name.strip():
                shown = item.get("displayName")
                display = shown if isinstance(shown, str) else name
                zones.append(TenantZone(name.strip(), display[:120], name.strip() in enabled))
        return tuple(zones)

    def skill_running(self, skill_id: str) -> bool | None:
        """`isRunning` of one skill (for `doctor`); None when the answer does not say."""
        body = self._json(endpoints.SKILL, self._send(endpoints.SKILL, {"skillId": skill_id}))
        skills = body.get("skills")
        item = skills[0] if isinstance(skills, list) and skills else body
        running = item.get("isRunning") if isinstance(item, Mapping) else None
        return running if isinstance(running, bool) else None

    def business_unit_zone(self) -> str | None:
        unit = self._business_unit()
        units = unit.get("businessUnits")
        first = units[0] if isinstance(units, list) and units else unit
        zone = first.get("defaultTimeZone") if isinstance(first, Mapping) else None
        return zone.strip()[:128] if isinstance(zone, str) and zone.strip() else None

    def _business_unit(self) -> Mapping[str, Any]:
        """The business unit as the tenant answers it; one call however often it is asked."""
        with self._lock:
            unit = self._unit
        if unit is None:
            unit = self._json(endpoints.BUSINESS_UNIT, self._send(endpoints.BUSINESS_UNIT, {}))
            with self._lock:
                self._unit = unit
        return unit

    def dialer_contacts(self, start: datetime, end: datetime) -> Iterator[DialerInterval]:
        """One call per day of the period (a bounded answer each); 204 is an empty day."""
        endpoint = endpoints.DIALER_CONTACTS
        day = start
        while day < end:
            stop = min(day + timedelta(days=1), end)
            params = {"startDate": _z(day), "endDate": _z(stop), "mediaTypeId": "4"}
            reply = self._send(endpoint, {}, params=params, ok=(200, 204))
            if reply.response.status_code == 200:
                rows = _stats_rows(self._json(endpoint, reply))
                if rows is None:
                    raise self._malformed(endpoint, reply, "no list of dialer statistics in it")
                for row in rows:
                    interval = _interval(row)
                    if interval is not None and start <= interval.start < end:
                        yield interval
            day = stop

    def describe(self) -> Mapping[str, Any]:
        found = self.tokens.discovery()
        versions = self._choice()
        return {
            "issuer": self.settings.issuer,
            "token_endpoint": found.token_endpoint,
            "tenant_id": found.tenant_id,
            "api_endpoint": found.api_endpoint,
            "token_lifetime_s": self.tokens.token_lifetime(),
            "versions": dict(versions.versions),
            "version_notes": list(versions.notes),
        }

    # -- sending ------------------------------------------------------------------------------

    def _transport(self, origin: str) -> Transport:
        with self._lock:
            transport = self._transports.get(origin)
            if transport is None:
                transport = Transport(
                    origin,
                    self._pacer,
                    timeouts=(self.settings.connect_timeout, self.settings.read_timeout),
                    policy=self._policy,
                    sleep=self._sleep,
                )
                self._transports[origin] = transport
            return transport

    def _choice(self) -> VersionChoice:
        if self._versions is None:
            pinned = self.settings.api_version
            info = None if pinned is not None else self._api_info()
            self._versions = choose_versions(endpoints.ROUTED, info, pinned)
        return self._versions

    def _api_info(self) -> Any:
        try:
            reply = self._send(endpoints.API_VERSIONS, {}, version=BOOTSTRAP_VERSION)
            return self._json(endpoints.API_VERSIONS, reply)
        except ApiError as exc:
            if exc.status in (401, 403) or exc.status is None:
                raise
            return None

    def _send(
        self,
        endpoint: endpoints.Endpoint,
        ids: Mapping[str, str],
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        ok: tuple[int, ...] = (200,),
        version: str | None = None,
    ) -> Reply:
        """Send with the bearer token; on a 401 re-mint once and send again."""
        api = self.tokens.discovery().api_endpoint
        chosen = version or self._choice().of(endpoint)
        path = endpoint.path(version=chosen, **ids)
        call = Call(endpoint, path, params=params, json=json_body)
        transport = self._transport(api)
        token = self.tokens.token()
        reply = transport.send(_authorized(call, token.reveal()))
        if reply.response.status_code == 401:
            self.tokens.invalidate(token)
            again = transport.send(_authorized(call, self.tokens.token().reveal()))
            reply = Reply(again.response, reply.attempts + again.attempts, again.body)
        if reply.response.status_code not in ok:
            status = reply.response.status_code
            detail = self.redactor.clean(refusal(reply, _MAX_BODY))
            raise admin_error(endpoint.method, endpoint.template, status, reply.attempts, detail)
        return reply

    def _json(self, endpoint: endpoints.Endpoint, reply: Reply, *, obj: bool = True) -> Any:
        body = decoded(reply, _MAX_BODY)
        if obj and not isinstance(body, dict):
            raise self._malformed(endpoint, reply, "the answer is not a JSON object")
        if body is None and reply.body.strip():
            raise self._malformed(endpoint, reply, "the answer is not JSON")
        return body

    def _next(
        self, body: Mapping[str, Any], params: Mapping[str, str], count: int
    ) -> dict[str, str] | None:
        """The parameters of the next page, from `_links.next`, else from a full page."""
        links = body.get("_links")
        following = links.get("next") if isinstance(links, Mapping) else None
        if isinstance(following, str) and following:
            query = dict(parse_qsl(urlsplit(following).query))
            if "skip" in query and query["skip"].isdigit():
                return {**params, "skip": query["skip"], "top": query.get("top", params["top"])}
            return None
        if links is None and count >= int(params["top"]):
            return {**params, "skip": str(int(params["skip"]) + count)}
        return None

    def _item_failures(self, endpoint: endpoints.Endpoint, reply: Reply) -> None:
        body = decoded(reply, _MAX_BODY)
        if not isinstance(body, Mapping):
            return
        failed: list[str] = []
        for key, value in body.items():
            if not (isinstance(key, str) and key.endswith("Results") and isinstance(value, list)):
                continue
            for item in value[:500]:
                if isinstance(item, Mapping) and item.get("success") is False:
                    name = item.get("standardName", item.get("name", item.get("id", "?")))
                    why = item.get("error", item.get("errorDescription", "refused"))
                    failed.append(self.redactor.clean(f"{name}: {why}", 120))
        if failed:
            detail = "items refused: " + "; ".join(failed)
            raise ItemsFailedError(endpoint.method, endpoint.template, 200, reply.attempts, detail)

    def _malformed(self, endpoint: endpoints.Endpoint, reply: Reply | None, why: str) -> ApiError:
        status = None if reply is None else reply.response.status_code
        attempts = 1 if reply is None else reply.attempts
        return OtherApiError(endpoint.method, endpoint.template, status, attempts, why)


def _authorized(call: Call, token: str) -> Call:
    headers = {**call.headers, "Accept": "application/json", "Authorization": f"Bearer {token}"}
    return replace(call, headers=headers)


def _skill(item: Any) -> SkillInfo | None:
    if not isinstance(item, Mapping):
        return None
    strategy = str(item.get("outboundStrategy", "")).strip().lower()
    if item.get("isOutbound") is False or (strategy and strategy != _PC):
        return None
    skill_id = item.get("skillId")
    if isinstance(skill_id, bool) or not isinstance(skill_id, (int, str)):
        return None
    name = item.get("skillName")
    active = item.get("isActive")
    return SkillInfo(
        str(skill_id),
        name[:128] if isinstance(name, str) else "",
        active if isinstance(active, bool) else True,
    )


def _list_of(body: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = body.get(key)
    if not isinstance(items, list):
        return []
    return [item for item in items[:2000] if isinstance(item, Mapping)]


def _enabled_zones(unit: Mapping[str, Any]) -> frozenset[str]:
    units = unit.get("businessUnits")
    first = units[0] if isinstance(units, list) and units else unit
    zones = first.get("timeZones") if isinstance(first, Mapping) else None
    names: set[str] = set()
    for item in zones if isinstance(zones, list) else []:
        name = item.get("standardName", item.get("name")) if isinstance(item, Mapping) else item
        if isinstance(name, str):
            names.add(name.strip())
    return frozenset(names)


#: Where the statistics list may be: the spec's key, then the key a v21 client reads.
_STATS_KEYS = ("wfM_OB_StatsV9", "outboundStats", "dialerContacts")
_MAX_COUNT = 10_000_000


def _z(moment: datetime) -> str:
    """UTC with a literal Z (the API refuses +00:00 on reporting dates)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stats_rows(body: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The statistics list, under whichever wrapper key this version uses."""
    for key in _STATS_KEYS:
        if isinstance(body.get(key), list):
            return [row for row in body[key][:100_000] if isinstance(row, Mapping)]
    for value in body.values():  # an unknown wrapper: the one list of rows with dials
        if (
            isinstance(value, list)
            and value
            and isinstance(value[0], Mapping)
            and "dials" in value[0]
        ):
            return [row for row in value[:100_000] if isinstance(row, Mapping)]
    return [] if not body else None


def _interval(row: Mapping[str, Any]) -> DialerInterval | None:
    skill, text = row.get("skillId"), row.get("intervalStartDate")
    dials, connects = row.get("dials"), row.get("connects")
    counts_ok = all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= _MAX_COUNT
        for n in (dials, connects)
    )
    if not isinstance(text, str) or isinstance(skill, bool) or not counts_ok:
        return None
    if not isinstance(skill, (int, str)):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    assert isinstance(dials, int) and isinstance(connects, int)
    return DialerInterval(str(skill), moment.astimezone(UTC), dials, min(connects, dials))
