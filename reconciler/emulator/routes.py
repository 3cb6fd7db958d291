"""The endpoint table: method + path template -> handler, scope and counter label.

Labels are the contract's templated endpoint names ("GET /api/v2/campaigns/{campaignId}/
schedules"), shared with the client's call counts. A path no template matches is a 404 and a
known path with another method a 405 with `Allow`; both count under the label "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from reconciler.emulator.errors import Problem
from reconciler.emulator.messages import Request, Response
from reconciler.emulator.tenant import Tenant

__all__ = ["UNKNOWN", "Handler", "Match", "Route", "Router"]

UNKNOWN = "unknown"
Handler = Callable[[Tenant, Request, Mapping[str, str]], Response]


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint: `scope` None needs no token; `budgeted` counts toward the rate limit."""

    method: str
    template: str
    handler: Handler
    scope: str | None = None
    budgeted: bool = True

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/v2/")

    def bind(self, segments: Sequence[str]) -> dict[str, str] | None:
        """The path parameters when `segments` fit the template, else None."""
        parts = self.template.strip("/").split("/")
        if len(parts) != len(segments):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{"):
                if not segment:
                    return None
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params


@dataclass(frozen=True, slots=True)
class Match:
    """A request's route and path parameters."""

    route: Route
    params: dict[str, str]


class Router:
    """Finds the route of a request."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = tuple(routes)

    def match(self, method: str, path: str) -> Match:
        segments = [unquote(s) for s in path.strip("/").split("/")] if path != "/" else [""]
        allowed: list[str] = []
        for route in self._routes:
            params = route.bind(segments)
            if params is None:
                continue
            if route.method == method:
                return Match(route, params)
            allowed.append(route.method)
        if allowed:
            raise Problem(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}",
                headers=(("Allow", ", ".join(allowed)),),
            )
        raise Problem(404, "not_found", f"no endpoint at {path}; see /openapi.json")

    def label(self, method: str, path: str) -> str:
        """The counter label of a request, "unknown" when no endpoint takes it."""
        try:
            return self.match(method, path).route.label
        except Problem:
            return UNKNOWN
