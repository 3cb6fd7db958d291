"""OIDC discovery, the access-key password grant, and the API's base URL.

1. `GET {issuer}/.well-known/openid-configuration` -> `token_endpoint` (cached).
2. `POST {token_endpoint}`, form-encoded, client authenticated with HTTP Basic:
   `grant_type=password&username=<access key id>&password=<access key secret>` (the form
   encoding URL-encodes the keys, `=` as `%3D`).
3. The `id_token`'s `tenantId` claim -> `GET {issuer}/.well-known/cxone-configuration?tenantId=`
   -> `api_endpoint` (cached; https, or http to loopback).

The token is cached and re-minted `REFRESH_MARGIN` seconds before `expires_in` runs out (at
half its life when it is shorter); one thread mints while the others wait for its token
(single-flight); a token the API refused is handed back with `invalidate`. The id_token is only
decoded for its claims, not verified: it comes straight from the token endpoint over TLS.
Tokens, secrets and the Basic header never reach a log line, an error or a file.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from reconciler.admin import endpoints
from reconciler.admin.errors import AdminAuthError, admin_error
from reconciler.admin.replies import decoded, refusal
from reconciler.admin.settings import AdminSettings, Redactor, checked_url
from reconciler.cxone.errors import ApiError, OtherApiError
from reconciler.cxone.settings import Secret
from reconciler.cxone.transport import Call, Reply, Transport
from reconciler.util.tokencache import Grant, TokenCache

__all__ = ["REFRESH_MARGIN", "Discovery", "TokenSource"]

#: Seconds before expiry at which a token is re-minted.
REFRESH_MARGIN = 300.0
_MAX_JSON = 1 << 20


class Discovery(NamedTuple):
    """What discovery found: the token endpoint, the tenant and its API base URL."""

    token_endpoint: str
    tenant_id: str
    api_endpoint: str


TransportFor = Callable[[str], Transport]


class TokenSource:
    """Hands out a valid bearer token and the discovered API endpoint."""

    def __init__(
        self,
        transport_for: TransportFor,
        settings: AdminSettings,
        redactor: Redactor,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport_for = transport_for
        self._settings = settings
        self._redactor = redactor
        self._clock = clock
        self._cache = TokenCache(self._mint, clock=clock)
        self._token_endpoint: str | None = None
        self._discovery: Discovery | None = None
        self.mints = 0
        self._refresh: Secret | None = None

    def token(self) -> Secret:
        return self._cache.token()

    def invalidate(self, token: Secret) -> None:
        """Forget `token` (refused by the API) unless another thread already replaced it."""
        self._cache.invalidate(token)

    def discovery(self) -> Discovery:
        """The discovery results (minting a token first if none was)."""
        if self._discovery is None:
            self.token()
        assert self._discovery is not None
        return self._discovery

    def token_lifetime(self) -> float | None:
        grant = self._cache.grant
        return None if grant is None else grant.life

    def try_refresh_grant(self) -> str:
        """Whether the tenant honours the refresh_token grant (for `doctor`): a sentence.

        The token it may return is not used: cxsched re-runs the password grant.
        """
        self.token()
        if self._refresh is None or self._token_endpoint is None:
            return "no refresh_token was issued"
        origin, path = _split(self._token_endpoint)
        form = {"grant_type": "refresh_token", "refresh_token": self._refresh.reveal()}
        call = Call(endpoints.Endpoint("POST", path), path, data=form, headers=self._basic())
        reply = self._transport_for(origin).send(call)
        body = decoded(reply, _MAX_JSON)
        if reply.response.status_code == 200 and isinstance(body, dict):
            fresh = body.get("access_token")
            if isinstance(fresh, str):
                self._redactor.add(fresh)
            return "works (HTTP 200)"
        detail = self._redactor.clean(refusal(reply, _MAX_JSON), 120)
        return f"refused (HTTP {reply.response.status_code}: {detail or 'no reason given'})"

    def _basic(self) -> dict[str, str]:
        settings = self._settings
        pair = f"{settings.client_id}:{settings.client_secret.reveal()}"
        self._redactor.add_basic(settings.client_id, settings.client_secret.reveal())
        return {**_ACCEPT, "Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def _mint(self) -> Grant[Secret]:
        token_endpoint = self._token_endpoint or self._discover_token_endpoint()
        self._token_endpoint = token_endpoint
        sent_at = self._clock()
        body = self._post_token(token_endpoint)
        access = body.get("access_token")
        life = body.get("expires_in")
        if not isinstance(access, str) or not access:
            raise self._malformed("no access_token in the answer")
        if isinstance(life, str) and life.isdigit():
            life = int(life)
        if not isinstance(life, (int, float)) or isinstance(life, bool) or not 0 < life < 1e7:
            raise self._malformed("no usable expires_in in the answer")
        self._redactor.add(access)
        refresh = body.get("refresh_token")
        if isinstance(refresh, str) and refresh:
            self._redactor.add(refresh)
            self._refresh = Secret(refresh)
        self.mints += 1
        if self._discovery is None:
            tenant = _tenant_id(body.get("id_token"))
            if tenant is None:
                raise self._malformed("the id_token carries no tenantId claim")
            self._discovery = Discovery(token_endpoint, tenant, self._api_endpoint(tenant))
        renew_in = life - REFRESH_MARGIN if life > 2 * REFRESH_MARGIN else life / 2
        return Grant(Secret(access), sent_at + renew_in, float(life))

    def _discover_token_endpoint(self) -> str:
        issuer = self._settings.issuer
        call = Call(endpoints.DISCOVERY, endpoints.DISCOVERY.path(), headers=_ACCEPT)
        body = self._json(self._transport_for(issuer).send(call), call)
        found = body.get("token_endpoint")
        if not isinstance(found, str):
            raise self._malformed("discovery has no token_endpoint", endpoints.DISCOVERY)
        return checked_url(found, "the issuer's discovery document (token_endpoint)")

    def _post_token(self, token_endpoint: str) -> dict[str, Any]:
        settings = self._settings
        origin, path = _split(token_endpoint)
        headers = self._basic()
        form = {
            "grant_type": "password",
            "username": settings.access_key_id,
            "password": settings.access_key_secret.reveal(),
        }
        endpoint = endpoints.Endpoint("POST", path)
        call = Call(endpoint, path, data=form, headers=headers)
        reply = self._transport_for(origin).send(call)
        status = reply.response.status_code
        if status != 200:
            detail = self._redactor.clean(refusal(reply, _MAX_JSON))
            if status in (400, 401):
                raise AdminAuthError(
                    "POST", endpoints.TOKEN.template, status, reply.attempts, detail
                )
            raise admin_error("POST", endpoints.TOKEN.template, status, reply.attempts, detail)
        return self._json(reply, call)

    def _api_endpoint(self, tenant_id: str) -> str:
        issuer = self._settings.issuer
        endpoint = endpoints.CXONE_CONFIGURATION
        call = Call(endpoint, endpoint.path(), params={"tenantId": tenant_id}, headers=_ACCEPT)
        body = self._json(self._transport_for(issuer).send(call), call)
        found = body.get("api_endpoint")
        if not isinstance(found, str):
            raise self._malformed("cxone-configuration has no api_endpoint", endpoint)
        return checked_url(found, "the tenant's cxone-configuration (api_endpoint)")

    def _json(self, reply: Reply, call: Call) -> dict[str, Any]:
        status = reply.response.status_code
        template = call.endpoint.template
        if status != 200:
            detail = self._redactor.clean(refusal(reply, _MAX_JSON))
            raise admin_error(call.endpoint.method, template, status, reply.attempts, detail)
        body = decoded(reply, _MAX_JSON)
        if not isinstance(body, dict):
            raise self._malformed("the answer is not a JSON object", call.endpoint)
        return body

    def _malformed(self, why: str, endpoint: endpoints.Endpoint = endpoints.TOKEN) -> ApiError:
        return OtherApiError(endpoint.method, endpoint.template, 200, 1, why)


_ACCEPT = {"Accept": "application/json"}


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path or "/"


def _tenant_id(id_token: Any) -> str | None:
    """The `tenantId` claim of a JWT, decoded without verification; None if absent."""
    if not isinstance(id_token, str) or id_token.count(".") != 2 or len(id_token) > 16384:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return None
    tenant = claims.get("tenantId") if isinstance(claims, dict) else None
    if isinstance(tenant, str) and 0 < len(tenant) <= 128 and tenant.isprintable():
        return tenant
    return None
