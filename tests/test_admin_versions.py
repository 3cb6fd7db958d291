"""Which API version each Admin API route is called with: the `/apiversion` answer, the pin,
and the fallback when the answer is missing or malformed.

The answers are the shapes live tenants send (and shapes they must not break us with); the
routes are the client's own (`endpoints.ROUTED`). The last tests read the choice from a client
of the Admin API emulator over loopback HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.admin import endpoints
from reconciler.admin.versions import DEFAULT_VERSION, VersionChoice, choose_versions
from reconciler.emulator.admin import AdminEmulator
from support.admin import admin_client

ROUTED = endpoints.ROUTED
LABELS = [e.label for e in ROUTED]
GENERAL = "parameters/general-settings"
EVERY = "GET /inContactAPI/services/{version}/skills/{skillId}/parameters/general-settings"


def _listing(version: str) -> list[dict[str, Any]]:
    """An `/apiversion` list naming every routed call at `version`."""
    return [
        {"uri": e.template.removeprefix(endpoints.API_BASE), "verb": e.method, "version": version}
        for e in ROUTED
    ]


def test_a_pin_is_used_for_every_route_without_reading_the_answer() -> None:
    choice = choose_versions(ROUTED, {"apiInfo": _listing("v31.0")}, "v18.0")
    assert dict(choice.versions) == dict.fromkeys(LABELS, "v18.0")
    assert choice.notes == ("pinned to v18.0",)


def test_every_route_listed_gets_its_highest_version_and_no_note() -> None:
    listing = _listing("v20.0") + _listing("v31.0") + _listing("v9.0")
    choice = choose_versions(ROUTED, {"apiInfo": listing}, None)
    assert set(choice.versions.values()) == {"v31.0"}
    assert choice.notes == ()
    assert choice.of(endpoints.GENERAL_GET) == "v31.0"


def test_an_unread_answer_means_the_default_everywhere_and_says_so() -> None:
    choice = choose_versions(ROUTED, None, None)
    assert dict(choice.versions) == dict.fromkeys(LABELS, DEFAULT_VERSION)
    assert choice.notes == (f"/apiversion could not be read; every route uses {DEFAULT_VERSION}",)


@pytest.mark.parametrize(
    "answer",
    [
        "v31.0",
        42,
        [],
        {},
        {"apiInfo": "all of them"},
        {"apiInfo": [None, 7, "GET /skills", ["GET", "/skills", "v31.0"]]},
        {"apiInfo": [{"uri": "/skills", "verb": "GET"}]},  # no version
        {"apiInfo": [{"uri": "/skills", "verb": "GET", "version": "latest"}]},
        {"apiInfo": [{"uri": "/skills", "verb": "GET", "version": None}]},
        {"apiInfo": [{"uri": "/skills", "verb": "GET", "version": {"major": 31}}]},
        {"apiInfo": [{"uri": 17, "verb": "GET", "version": "v31.0"}]},
        {"apiInfo": [{"uri": "/skills", "verb": ["GET"], "version": "v31.0"}]},
        {"apiInfo": [{"uri": "/skills", "verb": "GET", "version": "v31.0\x1b[2J"}]},
    ],
)
def test_a_malformed_answer_falls_back_to_the_default_and_names_the_routes(answer: Any) -> None:
    choice = choose_versions(ROUTED, answer, None)
    assert dict(choice.versions) == dict.fromkeys(LABELS, DEFAULT_VERSION)
    assert choice.notes == (
        f"/apiversion does not list {', '.join(LABELS)}; using {DEFAULT_VERSION}",
    )


def test_good_entries_count_among_bad_ones_and_only_the_missing_routes_are_named() -> None:
    answer = {
        "apiInfo": [
            None,
            {"uri": "/skills", "verb": "get ", "version": 24},  # a number, a lower-case verb
            {"uri": "/skills", "verb": "GET", "version": 26.5},
            {"uri": "/skills", "verb": "GET", "version": "garbage"},
            {"uri": "skills/{id}/", "verb": "GET", "version": "v25"},  # no slash, other name
            {"uri": f"/SKILLS/{{skillid}}/{GENERAL}", "verb": "GET", "version": "30"},
        ]
    }
    choice = choose_versions(ROUTED, answer, None)
    assert choice.of(endpoints.SKILLS) == "v26.5"
    assert choice.of(endpoints.SKILL) == "v25.0"
    assert choice.of(endpoints.GENERAL_GET) == "v30.0"
    assert choice.of(endpoints.GENERAL_PUT) == DEFAULT_VERSION  # the GET says nothing of PUT
    missing = [e.label for e in ROUTED if e not in (endpoints.SKILLS, endpoints.SKILL)]
    missing.remove(EVERY)
    assert choice.notes == (
        f"/apiversion does not list {', '.join(missing)}; using {DEFAULT_VERSION}",
    )


def test_full_uris_with_the_service_prefix_and_a_query_match_their_route() -> None:
    answer = {
        "apiVersions": [  # the older key
            {
                "uri": "/inContactAPI/services/v31.0/skills/{id}/parameters/general-settings?x=1",
                "verb": "PUT",
                "version": "v31.0",
            },
            {"uri": "incontactapi/services/v29.0/business-unit", "verb": "GET", "version": "v29.0"},
        ]
    }
    choice = choose_versions(ROUTED, answer, None)
    assert choice.of(endpoints.GENERAL_PUT) == "v31.0"
    assert choice.of(endpoints.BUSINESS_UNIT) == "v29.0"


def test_a_route_the_choice_does_not_know_gets_the_default() -> None:
    assert VersionChoice({}).of(endpoints.SKILLS) == DEFAULT_VERSION


def test_an_answer_past_5000_entries_is_read_no_further() -> None:
    filler = [{"uri": "/other", "verb": "GET", "version": "v13.0"}] * 5000
    choice = choose_versions(ROUTED, {"apiInfo": filler + _listing("v31.0")}, None)
    assert set(choice.versions.values()) == {DEFAULT_VERSION}


def test_a_tenant_whose_apiversion_fails_uses_the_default_and_says_so(
    admin_emulator: AdminEmulator,
) -> None:
    admin_emulator.fail_next(404)
    with admin_client(admin_emulator) as client:
        described = client.describe()
        block = client.read_block("4312345", "generalSettings")
    assert set(described["versions"].values()) == {DEFAULT_VERSION}
    assert described["version_notes"] == [
        f"/apiversion could not be read; every route uses {DEFAULT_VERSION}"
    ]
    assert block.settings["maximumRatio"] == "2"
    assert admin_emulator.count("GET", "/apiversion", 404) == 1


def test_the_emulators_answer_gives_its_highest_version_without_notes(
    admin_emulator: AdminEmulator,
) -> None:
    with admin_client(admin_emulator) as client:
        described = client.describe()
    assert set(described["versions"].values()) == {"v31.0"}
    assert described["version_notes"] == []
