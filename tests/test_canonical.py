"""The canonical form: both sides compared alike, no phantom diffs, exact patches."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reconciler.config import IgnoreRule
from reconciler.plan.normalise import (
    FieldChange,
    canonical,
    field_changes,
    ignore_pointers,
    merge_patch,
    parse_pointer,
    payload_hash,
    resolve_pointer,
)

BODY: dict[str, Any] = {
    "name": "Renewals weekdays",
    "startTime": "2027-01-04T08:00:00-05:00",
    "endTime": "2027-03-31T17:00:00-04:00",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
}

SERVER: dict[str, Any] = {
    "id": "sch-1",
    "etag": '"3"',
    "createdAt": "2026-11-01T10:00:00.000Z",
    "modifiedAt": "2026-11-02T10:00:00.000Z",
    "name": "Renewals weekdays",
    "description": "",
    "startTime": "2027-01-04T13:00:00.000Z",
    "endTime": "2027-03-31T21:00:00.000Z",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 50.0, "callRate": 15.0, "capacityThreshold": 0.8},
}


def test_canonical_form_of_a_desired_body() -> None:
    assert canonical(BODY) == {
        "name": "Renewals weekdays",
        "description": "",
        "startTime": "2027-01-04T13:00:00Z",
        "endTime": "2027-03-31T21:00:00Z",
        "timeZone": "America/New_York",
        "blackoutPeriods": [],
        "regulatoryWindows": [],
        "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
    }


def test_server_rendering_and_desired_file_are_the_same_schedule() -> None:
    assert canonical(SERVER) == canonical(BODY)
    assert field_changes(canonical(SERVER), canonical(BODY)) == ()


def test_milliseconds_are_kept_only_when_not_zero() -> None:
    body = {**BODY, "startTime": "2027-01-04T08:00:00.250-05:00"}
    assert canonical(body)["startTime"] == "2027-01-04T13:00:00.250Z"
    assert canonical({**BODY, "startTime": "2027-01-04T13:00:00.000000Z"})["startTime"] == (
        "2027-01-04T13:00:00Z"
    )


def test_aware_datetime_objects_and_non_instants() -> None:
    aware = datetime(2027, 1, 4, 8, tzinfo=timezone(timedelta(hours=-5)))
    assert canonical({**BODY, "startTime": aware})["startTime"] == "2027-01-04T13:00:00Z"
    naive = datetime(2027, 1, 4, 8)
    assert canonical({**BODY, "startTime": naive})["startTime"] == "2027-01-04T08:00:00"
    assert canonical({**BODY, "startTime": "2027-01-04T08:00:00"})["startTime"] == (
        "2027-01-04T08:00:00"
    )
    assert canonical({**BODY, "endTime": "not a time"})["endTime"] == "not a time"


def test_odd_shapes_are_kept_rather_than_refused() -> None:
    body = MappingProxyType(
        {
            **BODY,
            "startTime": "0001-01-01T00:00:00+01:00",  # before the first representable UTC instant
            "blackoutPeriods": ("holiday", {"startTime": "soon", "endTime": 5, "reason": "x"}),
            "regulatoryWindows": ["always"],
            "dialerSettings": MappingProxyType({1: 2.0}),
        }
    )
    assert canonical(body) == {
        **canonical(BODY),
        "startTime": "0001-01-01T00:00:00+01:00",
        "blackoutPeriods": ["holiday", {"startTime": "soon", "endTime": 5, "reason": "x"}],
        "regulatoryWindows": ["always"],
        "dialerSettings": {"1": 2},
    }
    assert canonical({**BODY, "blackoutPeriods": "none"})["blackoutPeriods"] == "none"
    assert canonical({**BODY, "regulatoryWindows": None})["regulatoryWindows"] == []


def test_blackouts_compared_as_a_set_ordered_by_start() -> None:
    one = {
        "startTime": "2027-01-18T00:00:00-05:00",
        "endTime": "2027-01-19T00:00:00-05:00",
        "reason": "MLK Day",
    }
    two = {
        "startTime": "2027-01-01T05:00:00Z",
        "endTime": "2027-01-02T05:00:00Z",
        "reason": "New Year",
    }
    three = {
        "startTime": "2027-01-01T05:00:00.500Z",
        "endTime": "2027-01-02T05:00:00Z",
        "reason": "A",
    }
    left = canonical({**BODY, "blackoutPeriods": [one, three, two]})
    right = canonical({**BODY, "blackoutPeriods": [three, two, one]})
    assert left == right
    assert [b["reason"] for b in left["blackoutPeriods"]] == ["New Year", "A", "MLK Day"]
    assert left["blackoutPeriods"][2]["startTime"] == "2027-01-18T05:00:00Z"


def test_regulatory_windows_ordered_by_zone_then_times() -> None:
    windows = [
        {"startTime": "09:00", "endTime": "20:00", "timeZone": "America/New_York", "enabled": True},
        {"startTime": "08:00", "endTime": "21:00", "timeZone": "America/Chicago", "enabled": False},
        {"startTime": "08:00", "endTime": "21:00", "timeZone": "America/New_York", "enabled": True},
    ]
    ordered = canonical({**BODY, "regulatoryWindows": windows})["regulatoryWindows"]
    assert [(w["timeZone"], w["startTime"]) for w in ordered] == [
        ("America/Chicago", "08:00"),
        ("America/New_York", "08:00"),
        ("America/New_York", "09:00"),
    ]


def test_booleans_stay_booleans() -> None:
    body = {
        **BODY,
        "optimizationSettings": {"useHistoricalAnswerRates": True, "peakHourBoost": 1.0},
    }
    assert canonical(body)["optimizationSettings"] == {
        "useHistoricalAnswerRates": True,
        "peakHourBoost": 1,
    }
    assert type(canonical(body)["optimizationSettings"]["useHistoricalAnswerRates"]) is bool


def test_ignored_pointers_are_removed_from_both_sides() -> None:
    ignore = ("/description", "/dialerSettings/callRate", "/blackoutPeriods/*/reason")
    live = {
        **SERVER,
        "description": "edited in the UI",
        "dialerSettings": {**SERVER["dialerSettings"], "callRate": 22.0},
    }
    blackout = {"startTime": "2027-02-01T00:00:00Z", "endTime": "2027-02-02T00:00:00Z"}
    live["blackoutPeriods"] = [{**blackout, "reason": "x"}]
    desired = {**BODY, "blackoutPeriods": [{**blackout, "reason": "y"}]}
    assert canonical(live, ignore=ignore) == canonical(desired, ignore=ignore)
    assert "description" not in canonical(live, ignore=ignore)
    assert canonical(
        live, ignore=("/nope", "/dialerSettings/nope/deeper", "/blackoutPeriods/7")
    ) == canonical(live)


def test_ignore_list_items_by_index_and_escaped_keys() -> None:
    blackouts = [
        {"startTime": "2027-02-01T00:00:00Z", "endTime": "2027-02-02T00:00:00Z", "reason": "a"},
        {"startTime": "2027-03-01T00:00:00Z", "endTime": "2027-03-02T00:00:00Z", "reason": "b"},
    ]
    canon = canonical({**BODY, "blackoutPeriods": blackouts}, ignore=("/blackoutPeriods/0",))
    assert [b["reason"] for b in canon["blackoutPeriods"]] == ["b"]
    assert canonical(BODY, ignore=("/dialerSettings/*",))["dialerSettings"] == {}
    assert canonical(BODY, ignore=("/blackoutPeriods/*",))["blackoutPeriods"] == []
    assert parse_pointer("/a~1b/c~0d") == ("a/b", "c~d")
    assert parse_pointer("") == ()
    with pytest.raises(ValueError, match="must start with '/'"):
        parse_pointer("description")


def test_ignore_rules_select_schedules_by_globs() -> None:
    rules = (
        IgnoreRule(pointers=("/description",)),
        IgnoreRule(pointers=("/dialerSettings/callRate", "/description"), campaign="renew*"),
        IgnoreRule(pointers=("/timeZone",), campaign="*", name="Evening *"),
    )
    assert ignore_pointers(rules, "renewals-us", "Mornings") == (
        "/description",
        "/dialerSettings/callRate",
    )
    assert ignore_pointers(rules, "collections", "Evening calls") == ("/description", "/timeZone")


def test_field_changes_are_pointers_with_before_and_after() -> None:
    live = canonical(SERVER)
    blackout = {
        "startTime": "2027-02-15T05:00:00Z",
        "endTime": "2027-02-16T05:00:00Z",
        "reason": "Presidents Day",
    }
    desired = canonical(
        {
            **BODY,
            "description": "Q1",
            "dialerSettings": {**BODY["dialerSettings"], "callRate": 20},
            "blackoutPeriods": [blackout],
            "optimizationSettings": {"useHistoricalAnswerRates": False, "peakHourBoost": 1.5},
        }
    )
    assert field_changes(live, desired) == (
        FieldChange("/blackoutPeriods", [], [blackout]),
        FieldChange("/description", "", "Q1"),
        FieldChange("/dialerSettings/callRate", 15, 20),
        FieldChange(
            "/optimizationSettings", None, {"useHistoricalAnswerRates": False, "peakHourBoost": 1.5}
        ),
    )
    assert field_changes(desired, desired) == ()


def test_a_changed_list_item_is_reported_at_the_list() -> None:
    first = {
        "startTime": "09:00",
        "endTime": "20:00",
        "timeZone": "America/New_York",
        "enabled": True,
    }
    before = canonical({**BODY, "regulatoryWindows": [first]})
    after = canonical({**BODY, "regulatoryWindows": [{**first, "enabled": False}]})
    (change,) = field_changes(before, after)
    assert change.pointer == "/regulatoryWindows"
    assert change.before == [first]
    assert change.after == [{**first, "enabled": False}]


def test_nested_changes_are_named_key_by_key_and_booleans_are_not_numbers() -> None:
    before = {"a": {"b": {"c": 1, "d": True}, "e": [1]}, "f": {}}
    after = {"a": {"b": {"c": 2, "d": 1}, "g": "new"}, "f": {"x": 1}}
    assert [change.pointer for change in field_changes(before, after)] == [
        "/a/b/c",
        "/a/b/d",
        "/a/e",
        "/a/g",
        "/f",
    ]
    escaped = field_changes({"a/b": {"c~d": 1}}, {"a/b": {"c~d": 2}})
    assert escaped == (FieldChange("/a~1b/c~0d", 1, 2),)
    assert field_changes({"a": True}, {"a": 1}) == (FieldChange("/a", True, 1),)
    assert field_changes({"a": 1, "b": [2]}, {"a": 1.0, "b": [2.0]}) == ()  # numbers by value
    assert field_changes({"a": 2**70}, {"a": 2**70}) == ()  # too large for orjson: walked
    assert field_changes({"a": 2**70}, {"a": 2**70 + 1}) == (FieldChange("/a", 2**70, 2**70 + 1),)


_LEAF = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["x", "y"]))
_KEYS = st.sampled_from(["a", "b", "c/d", "e~f"])
_TREES = st.recursive(
    _LEAF, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_KEYS, inner, max_size=3)
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _TREES, max_size=4), st.dictionaries(_KEYS, _TREES, max_size=4))
@example({"a": True}, {"a": 1})  # equal to ==, yet a change
@example({"a": {"b": [False]}}, {"a": {"b": [0]}})
def test_field_changes_name_every_difference_and_only_differences(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    changes = field_changes(before, after)
    result = copy.deepcopy(before)
    for change in changes:  # each pointer differs; setting them all gives `after`
        segments = parse_pointer(change.pointer)
        parent = result
        for segment in segments[:-1]:
            parent = parent[segment]
        if segments[-1] not in _parent(after, segments):
            del parent[segments[-1]]
            continue
        new = resolve_pointer(after, change.pointer)
        assert _typed(parent.get(segments[-1], "absent")) != _typed(new)
        parent[segments[-1]] = copy.deepcopy(new)
    assert _typed(result) == _typed(after)
    assert (changes == ()) == (_typed(before) == _typed(after))


def _parent(document: dict[str, Any], segments: tuple[str, ...]) -> dict[str, Any]:
    node = document
    for segment in segments[:-1]:
        node = node[segment]
    return node


def _typed(value: Any) -> Any:
    """`value` with every leaf paired with its type, so that True and 1 differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


def test_merge_patch_holds_only_changes() -> None:
    live = canonical(
        {**SERVER, "optimizationSettings": {"useHistoricalAnswerRates": True, "peakHourBoost": 1.2}}
    )
    desired = canonical(
        {**BODY, "dialerSettings": {**BODY["dialerSettings"], "callRate": 20}, "description": "x"}
    )
    assert merge_patch(live, desired) == {
        "description": "x",
        "dialerSettings": {"callRate": 20},
        "optimizationSettings": None,
    }
    assert merge_patch(desired, desired) == {}
    assert merge_patch({"a": 1}, {"a": True}) == {"a": True}
    assert merge_patch({"a": [1]}, {"a": [1, 2]}) == {"a": [1, 2]}


def test_payload_hash_is_the_sha256_of_canonical_json() -> None:
    assert payload_hash({"b": 1, "a": "é"}) == payload_hash({"a": "é", "b": 1})
    assert (
        payload_hash({})
        == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )
    assert payload_hash({"a": 1}) != payload_hash({"a": 2})


def test_resolve_pointer() -> None:
    doc = {"a": [{"b": 1}], "c/d": 2}
    assert resolve_pointer(doc, "/a/0/b") == 1
    assert resolve_pointer(doc, "/c~1d") == 2
    assert resolve_pointer(doc, "/a/1") is None
    assert resolve_pointer(doc, "/x") is None


# --- properties -------------------------------------------------------------------------

_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
_NUMBERS = st.one_of(
    st.integers(1, 500), st.floats(0.01, 30, allow_nan=False).map(lambda f: round(f, 3))
)


@st.composite
def _instant_text(draw: st.DrawFn) -> str:
    instant = draw(_INSTANTS).astimezone(draw(_OFFSETS))
    spec = draw(st.sampled_from(["seconds", "milliseconds", "microseconds"]))
    return instant.isoformat(timespec=spec)


@st.composite
def desired_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": draw(st.text(min_size=1, max_size=20)),
        "startTime": draw(_instant_text()),
        "endTime": draw(_instant_text()),
        "timeZone": draw(st.sampled_from(["UTC", "America/New_York", "Europe/Paris"])),
        "dialerSettings": {
            "maxConcurrentCalls": draw(st.integers(1, 200)),
            "callRate": draw(_NUMBERS),
            "capacityThreshold": draw(st.sampled_from([0.5, 0.8, 1, 1.0])),
        },
    }
    if draw(st.booleans()):
        body["description"] = draw(st.text(max_size=30))
    if draw(st.booleans()):
        body["blackoutPeriods"] = draw(st.lists(_blackouts(), max_size=4))
    if draw(st.booleans()):
        body["regulatoryWindows"] = draw(st.lists(_windows(), max_size=3))
    if draw(st.booleans()):
        body["optimizationSettings"] = {
            "useHistoricalAnswerRates": draw(st.booleans()),
            "peakHourBoost": draw(st.sampled_from([1, 1.0, 1.25, 2])),
        }
    return body


@st.composite
def _blackouts(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "startTime": draw(_instant_text()),
        "endTime": draw(_instant_text()),
        "reason": draw(st.text(min_size=1, max_size=10)),
    }


@st.composite
def _windows(draw: st.DrawFn) -> dict[str, Any]:
    clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
    return {
        "startTime": draw(clock),
        "endTime": draw(clock),
        "timeZone": draw(st.sampled_from(["America/Chicago", "America/New_York"])),
        "enabled": draw(st.booleans()),
    }


def emulator_rendering(body: dict[str, Any]) -> dict[str, Any]:
    """The server's rendering: UTC Z with milliseconds, floats, empty lists omitted, ids added."""

    def render(key: str, value: Any, in_window: bool) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str) and key in ("startTime", "endTime") and not in_window:
            utc = datetime.fromisoformat(value).astimezone(UTC)
            return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
        if isinstance(value, dict):
            return {k: render(k, v, in_window) for k, v in value.items() if v != []}
        if isinstance(value, list):
            return [render(key, item, in_window or key == "regulatoryWindows") for item in value]
        return value

    rendered = {k: render(k, v, False) for k, v in body.items() if v != []}
    return {"id": "sch-9", "etag": '"1"', "createdAt": "2026-01-01T00:00:00.000Z", **rendered}


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396, section 2."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


@settings(max_examples=50, deadline=None)
@given(desired_bodies())
def test_canonical_is_idempotent(body: dict[str, Any]) -> None:
    once = canonical(body)
    assert canonical(once) == once
    assert canonical(canonical(emulator_rendering(body))) == canonical(emulator_rendering(body))


@settings(max_examples=50, deadline=None)
@given(desired_bodies())
def test_no_phantom_diff_against_the_servers_rendering(body: dict[str, Any]) -> None:
    assert canonical(emulator_rendering(body)) == canonical(body)
    assert field_changes(canonical(emulator_rendering(body)), canonical(body)) == ()


@settings(max_examples=50, deadline=None)
@given(desired_bodies(), desired_bodies())
def test_merge_patch_applied_to_live_yields_desired(
    live: dict[str, Any], desired: dict[str, Any]
) -> None:
    live_canon = canonical(emulator_rendering(live))
    desired_canon = canonical(desired)
    patched = apply_merge_patch(live_canon, merge_patch(live_canon, desired_canon))
    assert canonical(patched) == desired_canon
    changed = {change.pointer.split("/")[1] for change in field_changes(live_canon, desired_canon)}
    assert changed == set(merge_patch(live_canon, desired_canon))
