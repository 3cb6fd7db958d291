"""OAuth 2.0 client credentials and bearer-token checks.

One confidential client (id + secret) may ask `POST /oauth/token` for a token carrying the
intersection of the scopes it requests and the scopes the tenant allows (all of them when it
requests none). Tokens are random, expire after the configured lifetime and are checked on
every `/api/v2` call: 401 for a missing, unknown or expired token, 403 naming the scope a call
needs when the token (or, since a change of `set_scopes`, the tenant) lacks it.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.emulator.errors import Problem

__all__ = ["ALL_SCOPES", "Authority", "Grant"]

ALL_SCOPES: tuple[str, ...] = (
    "campaigns:read",
    "campaigns:write",
    "dialer:read",
    "analytics:read",
    "interaction:read",
)
_MAX_TOKENS = 10_000


@dataclass(frozen=True, slots=True)
class Grant:
    """An issued token's scopes and the monotonic time it expires at."""

    scopes: frozenset[str]
    expires_at: float


class Authority:
    """Issues and checks bearer tokens for one client."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        token_ttl: float,
        scopes: Iterable[str] | None = None,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self.token_ttl = token_ttl
        self.allowed = frozenset(ALL_SCOPES if scopes is None else scopes)

    @property
    def client_secret(self) -> str:
        return self._secret

    def __repr__(self) -> str:
        return f"Authority(client_id={self.client_id!r}, client_secret='***')"

    def set_scopes(self, scopes: Iterable[str] | None) -> None:
        self.allowed = frozenset(ALL_SCOPES if scopes is None else scopes)

    def expire_tokens(self) -> None:
        with self._lock:
            self._grants.clear()

    def issue(self, form: dict[str, str]) -> dict[str, object]:
        """The token response for a client-credentials form, or a 400/401 `Problem`."""
        grant_type = form.get("grant_type")
        if grant_type != "client_credentials":
            raise Problem(
                400,
                "unsupported_grant_type",
                f"grant_type must be client_credentials, got {grant_type!r}",
            )
        self._authenticate(form.get("client_id", ""), form.get("client_secret", ""))
        scopes = self._granted(form.get("scope", ""))
        token = secrets.token_urlsafe(24)
        ttl = self.token_ttl
        with self._lock:
            self._prune()
            self._grants[token] = Grant(scopes, time.monotonic() + ttl)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": max(1, math.ceil(ttl)),
            "scope": " ".join(s for s in ALL_SCOPES if s in scopes),
        }

    def authorize(self, authorization: str | None, scope: str) -> None:
        """Check a request's `Authorization` header for a live token carrying `scope`."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("missing bearer token: send Authorization: Bearer <token>")
        with self._lock:
            grant = self._grants.get(token.strip())
        if grant is None or grant.expires_at <= time.monotonic():
            raise _unauthorized("the access token is unknown or expired; request a new token")
        if scope not in grant.scopes or scope not in self.allowed:
            raise Problem(
                403,
                "insufficient_scope",
                f"this call needs the scope {scope}; request a token with it",
                extra={"required": scope},
            )

    def _authenticate(self, client_id: str, client_secret: str) -> None:
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self._secret.encode())
        if not (id_ok and secret_ok):
            raise Problem(
                401,
                "invalid_client",
                "unknown client id or wrong client secret; check CXONE_CLIENT_ID and "
                "CXONE_CLIENT_SECRET",
            )

    def _granted(self, requested: str) -> frozenset[str]:
        names = frozenset(requested.split())
        unknown = sorted(names - frozenset(ALL_SCOPES))
        if unknown:
            raise Problem(400, "invalid_scope", f"unknown scope(s): {' '.join(unknown)}")
        granted = (names or self.allowed) & self.allowed
        if not granted:
            raise Problem(
                400,
                "invalid_scope",
                f"none of the requested scopes is allowed for this client "
                f"(allowed: {' '.join(sorted(self.allowed)) or 'none'})",
            )
        return granted

    def _prune(self) -> None:
        now = time.monotonic()
        for token in [t for t, g in self._grants.items() if g.expires_at <= now]:
            del self._grants[token]
        while len(self._grants) >= _MAX_TOKENS:
            del self._grants[next(iter(self._grants))]


def _unauthorized(message: str) -> Problem:
    return Problem(
        401, "invalid_token", message, headers=(("WWW-Authenticate", 'Bearer realm="cxone"'),)
    )
