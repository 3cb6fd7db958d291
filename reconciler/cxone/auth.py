"""OAuth 2.0 client credentials: one cached access token, renewed before it runs out.

The token request is form-encoded and goes through the same paced, retried transport as every
other call. A token is renewed 60 s before `expires_in` runs out (at half its life when it lives
60 s or less); only one thread renews at a time, the others wait and reuse its token. A caller
whose token was refused hands it back with `invalidate`, so 16 threads refused together still
cause one renewal. The token and the secret are held as `Secret`s and never logged; the text
of a refusal goes through the transport's sanitizer, which redacts the secret in every encoding.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from reconciler.cxone import payloads
from reconciler.cxone.endpoints import TOKEN
from reconciler.cxone.errors import ApiError, AuthError, OtherApiError, api_error
from reconciler.cxone.settings import Secret, Settings
from reconciler.cxone.transport import Call, Reply, Transport, json_body
from reconciler.util.tokencache import Grant, TokenCache

__all__ = ["REFRESH_MARGIN", "TokenSource"]

#: Seconds before expiry at which a token is renewed.
REFRESH_MARGIN = 60.0


class TokenSource:
    """Hands out a valid bearer token, fetching one when none is cached or it is due."""

    def __init__(
        self,
        transport: Transport,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._clock = clock
        self._cache = TokenCache(self._fetch, clock=clock)

    def token(self) -> Secret:
        return self._cache.token()

    def invalidate(self, token: Secret) -> None:
        """Forget `token` (refused by the API) unless another thread already replaced it."""
        self._cache.invalidate(token)

    def _fetch(self) -> Grant[Secret]:
        sent_at = self._clock()
        grant = self._grant_from(self._transport.send(self._call()))
        life = grant["expires_in"]
        renew_in = life - REFRESH_MARGIN if life > REFRESH_MARGIN else life / 2
        return Grant(Secret(grant["access_token"]), sent_at + renew_in, life)

    def _call(self) -> Call:
        settings = self._settings
        form = {
            "grant_type": "client_credentials",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.reveal(),
            "scope": " ".join(settings.scopes),
        }
        return Call(TOKEN, TOKEN.path(), data=form, headers={"Accept": "application/json"})

    def _grant_from(self, reply: Reply) -> payloads.TokenGrant:
        response = reply.response
        clean = self._transport.sanitizer
        try:
            body = json_body(reply)
        except ValueError as exc:
            body, problem = None, str(exc)
        else:
            problem = "the body is not a JSON object"
        body = body if isinstance(body, dict) else {}
        if response.status_code != 200:
            raise self._refused(response.status_code, reply.attempts, clean.clean_tree(body))
        try:
            return payloads.token_grant(body)
        except payloads.MalformedPayload as exc:
            why = str(exc) if body else problem
            detail = f"no usable token in the answer: {clean.clean(why)}"
            raise OtherApiError(TOKEN.method, TOKEN.template, 200, reply.attempts, detail) from None

    def _refused(self, status: int, attempts: int, body: dict[str, object]) -> ApiError:
        if status == 401:
            code = body.get("error")
            reason = code if isinstance(code, str) else "unauthorized"
            detail = f"{reason} from {self._transport.base_url}"
            return AuthError(TOKEN.method, TOKEN.template, status, attempts, detail)
        hint = None
        if status == 400:
            scopes = " ".join(self._settings.scopes)
            hint = f"Check that the API client may be granted the scopes '{scopes}' in CXone."
        return api_error(TOKEN.method, TOKEN.template, status, attempts, body, hint=hint)
