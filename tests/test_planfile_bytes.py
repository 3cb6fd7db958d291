"""The plan file's bytes: one orjson pass, identical to the standard library's JSON text."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import IgnoreRule, RepoConfig
from reconciler.errors import PlanError
from reconciler.model import DesiredSchedule, LiveSchedule, TenantLimits, VersionToken
from reconciler.plan.build import Action, Plan, make_plan
from reconciler.plan.normalise import FieldChange
from reconciler.plan.planfile import (
    load_plan,
    plan_bytes,
    plan_hash,
    plan_json,
    plan_text,
    save_plan,
)
from reconciler.validate.desired import DesiredState

EDGE_NUMBERS: list[Any] = [
    0,
    -0.0,
    0.0,
    1.0,
    0.1,
    0.8,
    1 / 3,
    100.0,
    1e-4,
    9.99e-5,
    1e-5,
    -1e-5,
    5.5e-6,
    -1e-7,
    1.234e-9,
    1e-10,
    5e-324,
    1.5e-300,
    1e15,
    1e16,
    -1e22,
    1.5e300,
    12345678901234567890.0,
    2**53 + 1,
    2**63 - 1,
    -(2**63),
    2**64 - 1,
    True,
    False,
    None,
]


def _body(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "startTime": "2027-01-04T08:00:00-05:00",
        "endTime": "2027-03-31T20:00:00-04:00",
        "timeZone": "America/New_York",
        "dialerSettings": {"maxConcurrentCalls": 10, "callRate": 15, "capacityThreshold": 0.8},
        **extra,
    }


def _plan(*names: str, **extra: Any) -> Plan:
    schedules = tuple(
        DesiredSchedule(Path(f"schedules/c1/{i}.yaml"), "c1", _body(name, **extra))
        for i, name in enumerate(names)
    )
    live = [
        LiveSchedule("c1", f"s{i}", VersionToken(f'"e{i}"'), {"id": f"s{i}", **_body(name)})
        for i, name in enumerate(names)
    ]
    state = DesiredState(
        schedules=schedules, findings=(), files=tuple(s.path for s in schedules), digest="d"
    )
    return make_plan(
        state,
        {"c1": live},
        RepoConfig(),
        limits=TenantLimits(200, 30.0),
        prune=False,
        paths=["schedules"],
    )


def _stdlib(plan: Plan) -> bytes:
    text = json.dumps(plan_json(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8")


def _with_values(plan: Plan, values: list[Any]) -> Plan:
    """The plan with its update action's change carrying `values` (any JSON value goes)."""
    update = next(a for a in plan.actions if a.kind == "update")
    edited = replace(update, changes=(FieldChange("/x", values, {"nested": values}),))
    return replace(plan, actions=tuple(edited if a is update else a for a in plan.actions))


def test_bytes_match_the_standard_library_for_number_edge_cases() -> None:
    plan = _with_values(_plan("Weekdays", "Evenings", description="new"), EDGE_NUMBERS)
    assert plan_bytes(plan) == _stdlib(plan)
    assert b"1e-05" in plan_bytes(plan)
    assert b"-1e-07" in plan_bytes(plan)
    assert b"5.5e-06" in plan_bytes(plan)
    assert b"9.99e-05" in plan_bytes(plan)
    assert b"18446744073709551615" in plan_bytes(plan)


@pytest.mark.parametrize("value", EDGE_NUMBERS)
def test_each_number_alone_matches(value: Any) -> None:
    plan = _with_values(_plan("Weekdays", description="new"), [value])
    assert plan_bytes(plan) == _stdlib(plan)


def test_strings_that_look_like_small_floats_are_left_alone() -> None:
    tricky = ["x 1e-7", "0.00001", " 1e-5", "a\n 1e-5", 'é 😀 \u2028 \x7f \x00 \\ "']
    plan = _with_values(_plan("Weekdays", description="ré 1e-7"), tricky)
    assert plan_bytes(plan) == _stdlib(plan)
    assert "ré 1e-7" in plan_text(plan)


def test_non_ascii_is_written_as_utf8() -> None:
    plan = _plan("Crème brûlée ☕", "日本語の予定", description="ünïcode 😀")
    data = plan_bytes(plan)
    assert data == _stdlib(plan)
    assert "Crème brûlée ☕".encode() in data
    assert b"\\u" not in data


def test_integers_outside_64_bits_fall_back_to_the_standard_library() -> None:
    plan = _with_values(_plan("Weekdays", description="new"), [2**64, -(2**63) - 1, 10**30])
    assert plan_bytes(plan) == _stdlib(plan)
    assert b"1000000000000000000000000000000" in plan_bytes(plan)


def test_hash_is_of_the_file_bytes_and_survives_a_round_trip(tmp_path: Path) -> None:
    plan = _plan("Weekdays", "Evenings", description="new")
    target = tmp_path / "plan.json"
    data = plan_bytes(plan)
    save_plan(plan, target, data)
    assert target.read_bytes() == data
    assert plan_hash(plan) == "sha256:" + hashlib.sha256(data).hexdigest()
    assert plan_hash(plan, data) == plan_hash(plan)
    loaded = load_plan(target)
    assert plan_bytes(loaded) == data
    assert plan_hash(loaded) == plan_hash(plan)


def test_noop_actions_carry_no_desired_body(tmp_path: Path) -> None:
    plan = _plan("Weekdays", "Evenings")
    assert [a.kind for a in plan.actions] == ["noop", "noop"]
    document = json.loads(plan_bytes(plan))
    for action in document["actions"]:
        assert action["desired"] is None
        assert action["body"] is None
        assert action["desired_hash"].startswith("sha256:")
    target = tmp_path / "plan.json"
    save_plan(plan, target)
    assert load_plan(target).actions == plan.actions


def test_a_noop_without_its_hash_is_refused(tmp_path: Path) -> None:
    document = json.loads(plan_bytes(_plan("Weekdays")))
    document["actions"][0]["desired_hash"] = None
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(PlanError, match="/actions/0/desired_hash must be set for a noop action"):
        load_plan(target)


def test_create_and_update_keep_their_bodies() -> None:
    plan = _plan("Weekdays", description="new")
    action: Action = plan.actions[0]
    assert action.kind == "update"
    document = json.loads(plan_bytes(plan))["actions"][0]
    assert document["body"] == {"description": "new"}
    assert document["desired"]["description"] == "new"


def test_a_noop_made_on_its_desired_body_carries_no_base(tmp_path: Path) -> None:
    """The desired body (named by `desired_hash`) is the base; apply re-derives it."""
    plan = _plan("Weekdays", "Evenings")
    assert [a.base for a in plan.actions] == [None, None]
    document = json.loads(plan_bytes(plan))
    assert [a["base"] for a in document["actions"]] == [None, None]
    target = tmp_path / "plan.json"
    save_plan(plan, target)
    assert load_plan(target).actions == plan.actions


def test_a_noop_whose_live_body_differs_in_an_ignored_field_keeps_its_base() -> None:
    desired = DesiredSchedule(Path("schedules/c1/0.yaml"), "c1", _body("Weekdays"))
    seen = _body("Weekdays", description="edited on the tenant")
    state = DesiredState(schedules=(desired,), findings=(), files=(desired.path,), digest="d")
    plan = make_plan(
        state,
        {"c1": [LiveSchedule("c1", "s0", VersionToken('"e0"'), {"id": "s0", **seen})]},
        RepoConfig(ignore_differences=(IgnoreRule(pointers=("/description",)),)),
        limits=TenantLimits(200, 30.0),
        prune=False,
        paths=["schedules"],
    )
    (action,) = plan.actions
    assert action.kind == "noop"
    assert action.base is not None and action.base["description"] == "edited on the tenant"
    assert json.loads(plan_bytes(plan))["actions"][0]["base"]["description"] == (
        "edited on the tenant"
    )


def test_an_update_without_its_base_is_refused(tmp_path: Path) -> None:
    document = json.loads(plan_bytes(_plan("Weekdays", description="new")))
    document["actions"][0]["base"] = None
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(PlanError, match="/actions/0/base must be set for a update action"):
        load_plan(target)
