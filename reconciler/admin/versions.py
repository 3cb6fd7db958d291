"""Which API version each route is called with.

`GET .../apiversion` lists `{apiInfo: [{uri, version, verb}]}`; for every route the client
uses, the highest version listed for its verb and URI wins. A pinned version
(`CXONE_API_VERSION`) is used for every route instead. A route the list does not name, or a
tenant whose list cannot be read, gets `DEFAULT_VERSION` (the version live clients pin), and
`VersionChoice.notes` says so, for `cxsched doctor`. The first `/apiversion` call itself goes to
`BOOTSTRAP_VERSION`, the oldest version skill parameters are known to exist at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.admin.endpoints import API_BASE, Endpoint
from reconciler.admin.settings import parse_version

__all__ = ["BOOTSTRAP_VERSION", "DEFAULT_VERSION", "VersionChoice", "choose_versions"]

BOOTSTRAP_VERSION = "v13.0"
DEFAULT_VERSION = "v30.0"


@dataclass(frozen=True, slots=True)
class VersionChoice:
    """The version per endpoint label, and what was assumed rather than read."""

    versions: Mapping[str, str]
    notes: tuple[str, ...] = ()

    def of(self, endpoint: Endpoint) -> str:
        return self.versions.get(endpoint.label, DEFAULT_VERSION)


def _route(endpoint: Endpoint) -> str:
    """The URI as `/apiversion` names it: the template after the versioned base."""
    return endpoint.template.removeprefix(API_BASE).lower()


def _uri_key(uri: str) -> str:
    text = uri.strip().lower().split("?")[0].rstrip("/")
    for prefix in ("/incontactapi/services/", "incontactapi/services/"):
        if text.startswith(prefix):
            text = "/" + text[len(prefix) :].partition("/")[2]
    text = text if text.startswith("/") else "/" + text
    # {skillId} in the template, {id} or {skillid} in a listing: any placeholder matches
    parts = ["{}" if part.startswith("{") else part for part in text.split("/")]
    return "/".join(parts)


def choose_versions(
    endpoints: Sequence[Endpoint], api_info: Any, pinned: str | None
) -> VersionChoice:
    """The version per route from an `/apiversion` answer (None if unread) or the pin."""
    if pinned is not None:
        return VersionChoice({e.label: pinned for e in endpoints}, (f"pinned to {pinned}",))
    best: dict[tuple[str, str], tuple[int, int]] = {}
    for item in _items(api_info):
        verb, uri, version = item.get("verb"), item.get("uri"), item.get("version")
        parsed = parse_version(str(version)) if isinstance(version, (str, int, float)) else None
        if not isinstance(verb, str) or not isinstance(uri, str) or parsed is None:
            continue
        key = (verb.strip().upper(), _uri_key(uri))
        best[key] = max(best.get(key, parsed), parsed)
    versions: dict[str, str] = {}
    missing: list[str] = []
    for endpoint in endpoints:
        found = best.get((endpoint.method, _uri_key(_route(endpoint))))
        if found is None:
            missing.append(endpoint.label)
            versions[endpoint.label] = DEFAULT_VERSION
        else:
            versions[endpoint.label] = f"v{found[0]}.{found[1]}"
    notes: tuple[str, ...] = ()
    if api_info is None:
        notes = (f"/apiversion could not be read; every route uses {DEFAULT_VERSION}",)
    elif missing:
        notes = (f"/apiversion does not list {', '.join(missing)}; using {DEFAULT_VERSION}",)
    return VersionChoice(versions, notes)


def _items(api_info: Any) -> list[Mapping[str, Any]]:
    if isinstance(api_info, Mapping):
        api_info = api_info.get("apiInfo", api_info.get("apiVersions"))
    if not isinstance(api_info, list):
        return []
    return [item for item in api_info[:5000] if isinstance(item, Mapping)]
