"""The request pipeline: route, pace, fail on purpose, authenticate, handle, count.

For every request, in order: find its route (404/405), add the configured latency, take a
token from the tenant-wide bucket (429 + `Retry-After` when empty; the token endpoint counts
too), draw an injected fault, check the bearer token and scope (401/403), run the handler.
Every answer, error or not, is counted under the route's label and status; an unexpected
exception becomes a 500 JSON error instead of a dead worker.
"""

from __future__ import annotations

import logging
import threading

from reconciler.emulator import endpoints, reports
from reconciler.emulator.counters import RequestCounters
from reconciler.emulator.errors import EmulatorError, Problem
from reconciler.emulator.faults import Fault, FaultInjector
from reconciler.emulator.messages import Request, Response, problem_response
from reconciler.emulator.ratelimit import TokenBucket
from reconciler.emulator.routes import UNKNOWN, Match, Route, Router
from reconciler.emulator.tenant import Tenant

__all__ = ["ROUTES", "Pipeline"]

_log = logging.getLogger("reconciler.emulator")
_SCHEDULES = "/api/v2/campaigns/{campaignId}/schedules"
_SCHEDULE = f"{_SCHEDULES}/{{scheduleId}}"
_READ, _WRITE = "campaigns:read", "campaigns:write"

ROUTES: tuple[Route, ...] = (
    Route("POST", "/oauth/token", endpoints.token),
    Route("GET", _SCHEDULES, endpoints.list_schedules, _READ),
    Route("POST", _SCHEDULES, endpoints.create_schedule, _WRITE),
    Route("GET", _SCHEDULE, endpoints.get_schedule, _READ),
    Route("PATCH", _SCHEDULE, endpoints.patch_schedule, _WRITE),
    Route("DELETE", _SCHEDULE, endpoints.delete_schedule, _WRITE),
    Route("GET", "/api/v2/dialer/capacity", endpoints.capacity, "dialer:read"),
    Route(
        "POST",
        "/api/v2/analytics/campaigns/details/query",
        reports.query_analytics,
        "analytics:read",
    ),
    Route("POST", "/api/v2/interaction/exports", reports.start_export, "interaction:read"),
    Route("GET", "/api/v2/interaction/exports/{exportId}", reports.get_export, "interaction:read"),
    Route("GET", "/downloads/{file}", reports.download_export, budgeted=False),
    Route("GET", "/openapi.json", endpoints.openapi, budgeted=False),
)


class Pipeline:
    """Turns a `Request` into a counted `Response`."""

    def __init__(
        self, tenant: Tenant, limiter: TokenBucket, faults: FaultInjector, latency_ms: float
    ) -> None:
        self.tenant = tenant
        self.limiter = limiter
        self.faults = faults
        self.latency_ms = latency_ms
        self.counters = RequestCounters()
        self.router = Router(ROUTES)
        self.stopping = threading.Event()

    def handle(self, request: Request) -> Response:
        label = UNKNOWN
        try:
            match = self.router.match(request.method, request.path)
            label = match.route.label
            response = self._run(match, request)
        except Problem as problem:
            response = problem_response(problem)
        except EmulatorError as exc:  # e.g. the state file cannot be written
            _log.error("emulator: %s %s failed: %s", request.method, request.path, exc)
            response = problem_response(Problem(500, "internal_error", str(exc)))
        except Exception:  # a bug in a handler must not kill the worker
            _log.exception("emulator: %s %s failed", request.method, request.path)
            response = problem_response(
                Problem(500, "internal_error", "the emulator failed on this request")
            )
        return self.finish(response.with_(label=label))

    def finish(self, response: Response) -> Response:
        """Count an answer (or a drop) under its label."""
        self.counters.record(response.label, 0 if response.drop else response.status)
        return response

    def _run(self, match: Match, request: Request) -> Response:
        route = match.route
        if self.latency_ms > 0:
            self.stopping.wait(self.latency_ms / 1000)
        if route.budgeted:
            wait = self.limiter.take()
            if wait:
                raise _too_many(wait, "the tenant's request budget is used up")
        fault = self.faults.draw(route.label, route.is_api)
        if fault is not None and fault.kind != "slow":
            return _fail(fault)
        try:
            if route.scope is not None:
                self.tenant.authority.authorize(request.header("Authorization"), route.scope)
            response = route.handler(self.tenant, request, match.params)
        except Problem as problem:  # a refusal is held back by a "slow" fault too
            response = problem_response(problem)
        return response.with_(delay_s=fault.delay_s) if fault is not None else response

    @property
    def rate_limited(self) -> int:
        return self.counters.count(status=429)


def _too_many(wait: int, why: str) -> Problem:
    return Problem(
        429,
        "rate_limited",
        f"{why}; retry after {wait} s",
        headers=(("Retry-After", str(wait)),),
    )


def _fail(fault: Fault) -> Response:
    if fault.kind == "drop":
        return Response(0, drop=True)
    if fault.kind == "429":
        return problem_response(_too_many(1, "injected rate limit"))
    problem = Problem(
        int(fault.kind),
        "server_error" if fault.kind == "500" else "service_unavailable",
        f"injected {fault.kind} fault; retry later",
        headers=(("Retry-After", "1"),) if fault.kind == "503" else (),
    )
    return problem_response(problem)
