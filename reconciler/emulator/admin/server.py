"""`AdminEmulator`: the Admin API emulator over real HTTP on loopback.

It serves, on one base URL that is at once the issuer and the API endpoint:

- `GET /.well-known/openid-configuration`, `POST /auth/token` (password grant with the access
  key, client authenticated with HTTP Basic; an id_token whose `tenantId` leads on),
  `GET /.well-known/cxone-configuration?tenantId=` (`api_endpoint` = this server);
- `GET /inContactAPI/services/vNN.0/apiversion` and, under each version up to `MAX_VERSION`
  (time zones from v17), `skills`, the skill parameter blocks (GET and PUT), `timezones` and
  `business-unit`, each needing the bearer token and `Accept: application/json`.

Test hooks: `fail_next(status, count)` answers the next API calls with `status` and no
`Retry-After`; `revoke_tokens()` makes every issued token stale (401); `edit(...)` is an "admin
UI" edit; `editor_interval` runs such edits on a timer; `rps` is a rate limit answered with
429 without `Retry-After`. `counts` tallies answers by (method, route, status).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl

from reconciler.emulator.admin import handlers
from reconciler.emulator.admin.handlers import Answer, refused
from reconciler.emulator.admin.state import AdminTenant

__all__ = ["MAX_VERSION", "AdminEmulator"]

MAX_VERSION = 31
MIN_ZONES_VERSION = 17
_MAX_BODY = 1 << 20
_API = re.compile(r"^/inContactAPI/services/v([0-9]{1,3})\.0(/.*)$")
_BLOCK = re.compile(
    r"^/skills/([^/]{1,40})/parameters/(schedule-settings|time-zones|general-settings)$"
)
_PLAIN = (
    "/skills",
    "/timezones",
    "/business-unit",
    "/apiversion",
    "/wfm-data/skills/dialer-contacts",
)
_SKILL = re.compile(r"^/skills/([0-9]{1,12})$")
_ROUTES = (
    "/skills",
    "/skills/{skillId}",
    "/skills/{skillId}/parameters/schedule-settings",
    "/skills/{skillId}/parameters/time-zones",
    "/skills/{skillId}/parameters/general-settings",
    "/timezones",
    "/business-unit",
    "/wfm-data/skills/dialer-contacts",
)


class AdminEmulator:
    """The emulated tenant and its HTTP server; `start()` it, `close()` it (or use `with`)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: float = 3600.0,
        rps: float | None = None,
        extra_skills: int = 0,
        editor_interval: float | None = None,
        client_id: str = "cxsched-admin-demo",
        client_secret: str | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
    ) -> None:
        self.tenant = AdminTenant(extra_skills)
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.access_key_id = access_key_id or "AK" + secrets.token_hex(8).upper()
        self.access_key_secret = access_key_secret or secrets.token_urlsafe(30) + "=="
        self.token_ttl = token_ttl
        self.counts: Counter[tuple[str, str, int]] = Counter()
        self._tokens: dict[str, float] = {}
        self._refresh_tokens: set[str] = set()
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._rps = rps
        self._last_admit = 0.0
        self._editor_interval = editor_interval
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        cast(Any, self._server).emulator = self
        self._threads: list[threading.Thread] = []

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        """The CXONE_* settings of a client of this emulator."""
        return {
            "CXONE_ISSUER": self.base_url,
            "CXONE_CLIENT_ID": self.client_id,
            "CXONE_CLIENT_SECRET": self.client_secret,
            "CXONE_ACCESS_KEY_ID": self.access_key_id,
            "CXONE_ACCESS_KEY_SECRET": self.access_key_secret,
        }

    def start(self) -> AdminEmulator:
        serve = threading.Thread(target=self._server.serve_forever, daemon=True)
        serve.start()
        self._threads.append(serve)
        if self._editor_interval is not None:
            editor = threading.Thread(target=self._editor, daemon=True)
            editor.start()
            self._threads.append(editor)
        return self

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> AdminEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- test hooks ---------------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def edit(self, skill_id: int, block: str, changes: Mapping[str, Any]) -> None:
        """An edit made in the admin UI (flat GET-shaped fields of the block)."""
        self.tenant.edit(skill_id, block, changes)

    def set_unit_zone(self, standard: str | None) -> None:
        """The business unit's `defaultTimeZone` (a CXone standard name; None: not answered)."""
        with self.tenant.lock:
            self.tenant.unit_zone = standard

    def tally(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self.counts[(method, route, status)] += 1

    def count(self, method: str, route: str, status: int | None = None) -> int:
        with self._lock:
            counts = dict(self.counts)
        return sum(
            n
            for (m, r, s), n in counts.items()
            if m == method and r == route and (status is None or s == status)
        )

    def _editor(self) -> None:
        assert self._editor_interval is not None
        step = 0
        while not self._stop.wait(self._editor_interval):
            step += 1
            for skill in self.tenant.pc_skills()[:1]:
                self.edit(skill.skill_id, "generalSettings", {"maximumRatio": 1.0 + step % 5})

    # -- request handling ---------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
        return token

    def issue_refresh(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._refresh_tokens.add(token)
        return token

    def refresh_valid(self, token: str) -> bool:
        with self._lock:
            return token in self._refresh_tokens

    def token_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
            return expiry is not None and time.monotonic() < expiry

    def take_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def admit(self) -> bool:
        """False when over the rate limit (the caller answers 429 without Retry-After)."""
        if self._rps is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last_admit < 1.0 / self._rps:
                return False
            self._last_admit = now
            return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cxsched-admin-emulator"
    sys_version = ""
    timeout = 10

    @property
    def _emulator(self) -> AdminEmulator:
        return cast(AdminEmulator, cast(Any, self.server).emulator)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        path, _, raw_query = self.path.partition("?")
        query = dict(parse_qsl(raw_query))
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._answer(method, "oversize", refused(413, "Request too large"), close=True)
            return
        raw = self.rfile.read(length) if length else b""
        route, answer = self._route(method, path, query, raw)
        self._answer(method, route, answer)

    def _route(
        self, method: str, path: str, query: Mapping[str, str], raw: bytes
    ) -> tuple[str, Answer]:
        emulator = self._emulator
        base = emulator.base_url
        if path == "/.well-known/openid-configuration" and method == "GET":
            return path, Answer(200, _discovery(base))
        if path == "/.well-known/cxone-configuration" and method == "GET":
            if query.get("tenantId") != emulator.tenant.tenant_id:
                return path, Answer(404, {"error": "tenant_not_found"})
            return path, Answer(200, _configuration(base, emulator.tenant.tenant_id))
        if path == "/auth/token" and method == "POST":
            return path, self._token(raw)
        match = _API.match(path)
        if match is None:
            return "unknown", refused(404, "Not found")
        version, rest = int(match[1]), match[2]
        route = _route_label(rest)
        return route, self._api(method, version, rest, query=query, raw=raw)

    def _api(
        self, method: str, version: int, rest: str, *, query: Mapping[str, str], raw: bytes
    ) -> Answer:
        emulator = self._emulator
        if not emulator.admit():
            return Answer(429, None, "Too many requests")
        failure = emulator.take_failure()
        if failure is not None:
            return refused(failure, "Injected failure")
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not emulator.token_valid(auth[7:]):
            return refused(401, "Token is invalid or expired")
        if "application/json" not in self.headers.get("Accept", ""):
            return refused(406, "No known way to render data")
        if version > MAX_VERSION or version < 13:
            return refused(404, "Unsupported API version")
        if rest == "/apiversion" and method == "GET":
            return Answer(200, _api_info())
        body = _json(raw)
        tenant = emulator.tenant
        found = _BLOCK.match(rest)
        if found is not None and found[2] == "time-zones" and version < MIN_ZONES_VERSION:
            return refused(404, "Not found")
        if found is not None and method == "GET":
            return handlers.block_get(tenant, found[1], found[2])
        if found is not None and method == "PUT":
            if body is _BAD:
                return refused(400, "The request body is not valid JSON")
            return handlers.block_put(tenant, found[1], found[2], body)
        if rest == "/skills" and method == "GET":
            base = f"{emulator.base_url}/inContactAPI/services/v{version}.0/skills"
            return handlers.skills_page(tenant, query, base)
        single = _SKILL.match(rest)
        if single is not None and method == "GET":
            return handlers.skill_get(tenant, single[1])
        if rest == "/timezones" and method == "GET":
            return handlers.timezones()
        if rest == "/business-unit" and method == "GET":
            return handlers.business_unit(tenant)
        if rest == "/wfm-data/skills/dialer-contacts" and method == "GET":
            return handlers.dialer_contacts(tenant, query)
        return refused(404 if _route_label(rest) == "unknown" else 405, "Not found")

    def _token(self, raw: bytes) -> Answer:
        emulator = self._emulator
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        auth = self.headers.get("Authorization", "")
        try:
            pair = base64.b64decode(auth.removeprefix("Basic "), validate=True).decode()
        except ValueError:
            pair = ""
        if (
            not auth.startswith("Basic ")
            or pair != f"{emulator.client_id}:{emulator.client_secret}"
        ):
            return Answer(401, {"error": "invalid_client"})
        if form.get("grant_type") == "refresh_token":
            if not emulator.refresh_valid(form.get("refresh_token", "")):
                return Answer(400, {"error": "invalid_grant"})
            return Answer(200, self._grant())
        if form.get("grant_type") != "password":
            return Answer(400, {"error": "unsupported_grant_type"})
        if (form.get("username"), form.get("password")) != (
            emulator.access_key_id,
            emulator.access_key_secret,
        ):
            return Answer(400, {"error": "invalid_grant", "error_description": "Invalid key"})
        return Answer(200, self._grant())

    def _grant(self) -> dict[str, Any]:
        emulator = self._emulator
        return {
            "access_token": emulator.issue_token(),
            "token_type": "Bearer",
            "expires_in": int(emulator.token_ttl),
            "refresh_token": emulator.issue_refresh(),
            "id_token": _id_token(emulator),
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        }

    def _answer(self, method: str, route: str, answer: Answer, close: bool = False) -> None:
        self._emulator.tally(method, route, answer.status)
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        if answer.description is not None:
            self.send_header("icStatusDescription", answer.description)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        if answer.status != 204:
            self.send_header("Content-Length", str(len(payload)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if payload and answer.status != 204:
            self.wfile.write(payload)


_BAD = object()


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _BAD


def _route_label(rest: str) -> str:
    if rest in _PLAIN:
        return rest
    found = _BLOCK.match(rest)
    if found is not None:
        return f"/skills/{{skillId}}/parameters/{found[2]}"
    if _SKILL.match(rest):
        return "/skills/{skillId}"
    return "unknown"


def _discovery(base: str) -> dict[str, Any]:
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/auth/authorize",
        "token_endpoint": f"{base}/auth/token",
        "jwks_uri": f"{base}/auth/jwks",
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "grant_types_supported": ["authorization_code", "password", "refresh_token"],
    }


def _configuration(base: str, tenant_id: str) -> dict[str, Any]:
    return {
        "private": False,
        "ui_endpoint": base,
        "auth_endpoint": base,
        "api_endpoint": base,
        "area": "na1",
        "cluster": "C32",
        "domain": "niceincontact.com",
        "tenantId": tenant_id,
    }


def _id_token(emulator: AdminEmulator) -> str:
    def part(value: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {
        "iss": emulator.base_url,
        "aud": emulator.client_id,
        "sub": "user:11eb0b62-0000-0000-0000-000000000001",
        "tenantId": emulator.tenant.tenant_id,
        "icBUId": 4600001,
        "icClusterId": "C32",
        "area": "na1",
        "iat": now,
        "exp": now + int(emulator.token_ttl),
    }
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def _api_info() -> dict[str, Any]:
    info: list[dict[str, str]] = []
    for route in _ROUTES:
        low = MIN_ZONES_VERSION if "time-zones" in route else 13
        for verb in ("GET", "PUT") if "parameters" in route else ("GET",):
            info.extend(
                {"uri": route, "version": f"v{version}.0", "verb": verb}
                for version in range(low, MAX_VERSION + 1)
            )
    return {"apiInfo": info}


with contextlib.suppress(Exception):  # pragma: no cover - keep http.server quiet on resets
    ThreadingHTTPServer.allow_reuse_address = True
