"""Sending one call: pacing, one pooled session, timeouts, retries, logging and call counts.

`Transport.send` paces every attempt through the shared `Pacer`, sends it on one pooled
`requests.Session` with (connect, read) timeouts, reads the whole answer within `Limits` (a
total deadline and a size cap per send), and retries per `RetryPolicy`. It returns the final
response and its body, whatever its status, for the caller to map (`json_body` decodes it
strictly); it raises only when no usable response came: `OutcomeUnknownError` as soon as a
non-idempotent call may have been received, `TransientError` when the retries of a connection
failure or timeout run out or when an answer passes the deadline, `OtherApiError` when it passes
the size cap. Those two are not retried: a server that drips or floods would do it again. A
connection refused before the server has ever answered fails sooner, saying so with the address
and the settings to check.

Each attempt logs one INFO line on the logger "reconciler.cxone" (method, path, status,
milliseconds, attempt) and is counted by (endpoint label, status or "error"). Neither the log nor
an error ever holds a header, a query string, a request body or a token.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import requests

from reconciler.cxone.endpoints import Endpoint
from reconciler.cxone.errors import ApiError, OtherApiError, OutcomeUnknownError, TransientError
from reconciler.cxone.limits import Exceeded, Limits, Watch, adapter, read_body
from reconciler.cxone.pacer import Pacer
from reconciler.cxone.retry import (
    REFUSED_STATUSES,
    RETRY_STATUSES,
    RetryPolicy,
    never_sent,
    refused,
)
from reconciler.util import strictjson
from reconciler.util.sanitize import PLAIN, Sanitizer

__all__ = ["POOL_SIZE", "Call", "Reply", "Transport", "json_body"]

LOG = logging.getLogger("reconciler.cxone")

#: Connections kept per host: enough for 16 worker threads.
POOL_SIZE = 16


@dataclass(frozen=True, slots=True)
class Call:
    """One logical request. `path` is already quoted; `params` never carry secrets."""

    endpoint: Endpoint
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    data: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool = True


class Reply(NamedTuple):
    """The final response of a call, how many sends it took, and its whole body."""

    response: requests.Response
    attempts: int
    body: bytes = b""


def json_body(reply: Reply) -> Any:
    """The decoded JSON of the answer; `strictjson.UnsafeJson` (a ValueError) if it is none."""
    return strictjson.loads(reply.body)


class Transport:
    """Paced, retried HTTP to one base URL; safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        pacer: Pacer,
        *,
        timeouts: tuple[float, float] = (5.0, 30.0),
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        limits: Limits | None = None,
        sanitizer: Sanitizer = PLAIN,
    ) -> None:
        self.base_url = base_url
        self.limits = limits or Limits()
        self.sanitizer = sanitizer
        self._pacer = pacer
        self._timeouts = timeouts
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._session = _session(base_url)
        self._counts: Counter[tuple[str, int | str]] = Counter()
        self._lock = threading.Lock()
        self._answered = False  # any response yet: a refusal then is a restart, not a typo

    def close(self) -> None:
        self._session.close()

    def call_counts(self) -> dict[tuple[str, int | str], int]:
        with self._lock:
            return dict(self._counts)

    def send(self, call: Call) -> Reply:
        """Send `call` until it gets a final answer or the policy gives up."""
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            response, body, failure = self._attempt(call, attempt)
            if response is not None and not _retryable(call, response.status_code):
                return Reply(response, attempt, body)
            status = None if response is None else response.status_code
            retry_after = None if response is None else response.headers.get("Retry-After")
            wait = self._policy.wait_for(status, retry_after, attempt, self._rng)
            if response is None and not self._answered and refused(failure):
                if attempt >= self._policy.refused_attempts:
                    raise _refused(call, attempt, self.base_url) from failure
                wait = min(wait, self._policy.refused_wait)
            if self._exhausted(attempt, started, wait):
                if response is not None:
                    return Reply(response, attempt, body)
                raise _gave_up(call, attempt, failure, self.base_url) from failure
            LOG.debug("%s %s: retrying in %.2fs", call.endpoint.method, call.path, wait)
            self._sleep(wait)

    def _exhausted(self, attempt: int, started: float, wait: float) -> bool:
        policy = self._policy
        return attempt >= policy.max_attempts or self._clock() - started + wait > policy.deadline

    def _attempt(
        self, call: Call, attempt: int
    ) -> tuple[requests.Response | None, bytes, requests.RequestException | None]:
        self._pacer.acquire()
        began = time.perf_counter()
        try:
            response, body = self._exchange(call)
        except Exceeded as exc:
            shown = "" if exc.status is None else f"HTTP {exc.status}, "
            self._record(call, "error", began, attempt, f"{shown}over the {exc.bound} limit")
            raise _over_limit(call, attempt, exc, self.limits) from None
        except requests.RequestException as exc:
            self._record(call, "error", began, attempt, type(exc).__name__)
            if not call.idempotent and not never_sent(exc):
                raise _unknown(call, attempt, exc) from exc
            return None, b"", exc
        self._record(call, response.status_code, began, attempt)
        self._answered = True
        return response, body, None

    def _exchange(self, call: Call) -> tuple[requests.Response, bytes]:
        """One request and its whole answer within `limits`; `Exceeded` past one of them."""
        limits = self.limits
        connect, read = self._timeouts
        with Watch(limits.deadline) as watch:
            try:
                response = self._session.request(
                    call.endpoint.method,
                    self.base_url + call.path,
                    params=call.params,
                    json=call.json,
                    data=call.data,
                    headers=dict(call.headers),
                    timeout=(connect, min(read, limits.deadline)),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException:
                if watch.expired:  # the watch cut the socket while waiting for the answer
                    raise Exceeded("deadline", None) from None
                raise
            return response, read_body(response, limits, watch)

    def _record(
        self, call: Call, status: int | str, began: float, attempt: int, why: str = ""
    ) -> None:
        with self._lock:
            self._counts[(call.endpoint.label, status)] += 1
        millis = round((time.perf_counter() - began) * 1000)
        shown = f"{status} ({why})" if why else status
        LOG.info(
            "%s %s %s %dms attempt %d", call.endpoint.method, call.path, shown, millis, attempt
        )


def _session(base_url: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials; proxies and CA bundle taken below
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    watched = adapter(POOL_SIZE)
    session.mount("https://", watched)
    session.mount("http://", watched)
    return session


def _retryable(call: Call, status: int) -> bool:
    return status in (RETRY_STATUSES if call.idempotent else REFUSED_STATUSES)


def _describe(exc: requests.RequestException | None, base_url: str) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connecting to {base_url} timed out"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "no answer within the read timeout"
    if exc is not None and never_sent(exc):
        return f"could not connect to {base_url}"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the connection was dropped"
    return "the request failed"


def _gave_up(
    call: Call, attempts: int, exc: requests.RequestException | None, base_url: str
) -> TransientError:
    method, path = call.endpoint.method, call.path
    return TransientError(method, path, None, attempts, _describe(exc, base_url))


def _refused(call: Call, attempts: int, base_url: str) -> TransientError:
    detail = f"the connection to {base_url} was refused (nothing is listening there)"
    hint = (
        "Check the API address: CXONE_BASE_URL or --base-url (CXONE_SUBDOMAIN or --subdomain "
        "for a tenant), in the environment or the .env file, and that the server is running."
    )
    return TransientError(call.endpoint.method, call.path, None, attempts, detail, hint=hint)


def _unknown(call: Call, attempts: int, exc: requests.RequestException) -> OutcomeUnknownError:
    method, path = call.endpoint.method, call.path
    detail = f"{_describe(exc, '')} after sending"
    return OutcomeUnknownError(method, path, None, attempts, detail)


def _over_limit(call: Call, attempts: int, exc: Exceeded, limits: Limits) -> ApiError:
    method, path = call.endpoint.method, call.path
    if exc.bound == "deadline":
        detail = f"no complete answer within the {limits.deadline:g} s limit per call"
        hint = (
            "The API is too slow or its answer never ends; run again later, or raise the limit "
            "with --call-deadline or CXONE_CALL_DEADLINE."
        )
    else:
        detail = f"the answer is larger than the {limits.max_bytes:,}-byte limit per call"
        hint = (
            "Raise the limit with --max-response-mb or CXONE_MAX_RESPONSE_MB only if the tenant "
            "really sends that much; otherwise report the call."
        )
    if not call.idempotent:
        return OutcomeUnknownError(method, path, exc.status, attempts, detail)
    kind = TransientError if exc.bound == "deadline" else OtherApiError
    return kind(method, path, exc.status, attempts, detail, hint=hint)
