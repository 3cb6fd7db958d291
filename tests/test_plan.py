"""make_plan and the plan file: identity, ownership, pruning, ignore rules, JSON round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler import __version__
from reconciler.config import IgnoreRule, RepoConfig
from reconciler.errors import PlanError
from reconciler.model import DesiredSchedule, LiveSchedule, TenantLimits, VersionToken
from reconciler.plan.build import (
    PLAN_FORMAT_VERSION,
    Action,
    Plan,
    PlanCounts,
    Unmanaged,
    make_plan,
    make_plan_from,
    plan_one,
)
from reconciler.plan.normalise import FieldChange, canonical, payload_hash
from reconciler.plan.planfile import (
    load_plan,
    plan_from_json,
    plan_hash,
    plan_json,
    save_plan,
)
from reconciler.validate.desired import DesiredState

LIMITS = TenantLimits(200, 30.0)
BODY: dict[str, Any] = {
    "name": "Weekdays",
    "startTime": "2027-01-04T08:00:00-05:00",
    "endTime": "2027-03-31T17:00:00-04:00",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
}
SERVER: dict[str, Any] = {
    "startTime": "2027-01-04T13:00:00.000Z",
    "endTime": "2027-03-31T21:00:00.000Z",
    "timeZone": "America/New_York",
    "description": "",
    "dialerSettings": {"maxConcurrentCalls": 50.0, "callRate": 15.0, "capacityThreshold": 0.8},
}


def desired(
    name: str, campaign: str = "c1", pin: str | None = None, **fields: Any
) -> DesiredSchedule:
    slug = name.lower().replace(" ", "-")
    path = Path("schedules") / campaign / f"{slug}.yaml"
    return DesiredSchedule(path, campaign, {**BODY, "name": name, **fields}, pin)


def live(name: str, schedule_id: str, campaign: str = "c1", **fields: Any) -> LiveSchedule:
    body = {"id": schedule_id, "etag": f'"{schedule_id}-e"', **SERVER, "name": name, **fields}
    return LiveSchedule(campaign, schedule_id, VersionToken(f'"{schedule_id}-e"'), body)


def state(*schedules: DesiredSchedule) -> DesiredState:
    return DesiredState(
        schedules=schedules,
        findings=(),
        files=tuple(item.path for item in schedules),
        digest="0" * 64,
    )


def plan_of(
    schedules: tuple[DesiredSchedule, ...],
    lives: list[LiveSchedule],
    config: RepoConfig | None = None,
    *,
    prune: bool = False,
) -> Plan:
    by_campaign: dict[str, list[LiveSchedule]] = {}
    for item in lives:
        by_campaign.setdefault(item.campaign_id, []).append(item)
    return make_plan(
        state(*schedules),
        by_campaign,
        config or RepoConfig(),
        limits=LIMITS,
        prune=prune,
        paths=["schedules"],
    )


def test_create_update_and_noop_by_name() -> None:
    plan = plan_of(
        (
            desired("Weekdays"),
            desired("Evenings", dialerSettings={**BODY["dialerSettings"], "callRate": 20}),
            desired("New"),
        ),
        [live("Weekdays", "s1"), live("Evenings", "s2")],
    )
    assert [(a.kind, a.name, a.schedule_id, a.base_version) for a in plan.actions] == [
        ("update", "Evenings", "s2", '"s2-e"'),
        ("create", "New", None, None),
        ("noop", "Weekdays", "s1", '"s1-e"'),
    ]
    update, create, noop = plan.actions
    assert update.changes == (FieldChange("/dialerSettings/callRate", 15, 20),)
    assert update.body == {"dialerSettings": {"callRate": 20}}
    assert update.source == "schedules/c1/evenings.yaml"
    assert create.body == canonical(BODY | {"name": "New"})
    assert create.desired_hash == payload_hash(canonical(BODY | {"name": "New"}))
    assert noop.changes == () and noop.body is None
    assert plan.counts() == PlanCounts(create=1, update=1, delete=0, noop=1, unmanaged=0)
    assert plan.has_changes
    assert [a.kind for a in plan.changes] == ["update", "create"]


def test_no_changes_when_only_the_rendering_differs() -> None:
    plan = plan_of((desired("Weekdays", blackoutPeriods=[]),), [live("Weekdays", "s1")])
    assert not plan.has_changes
    assert plan.counts() == PlanCounts(0, 0, 0, 1, 0)


def test_a_pinned_rename_is_an_update() -> None:
    plan = plan_of((desired("Renamed", pin="s1"),), [live("Weekdays", "s1")])
    (action,) = plan.actions
    assert (action.kind, action.schedule_id, action.body) == ("update", "s1", {"name": "Renamed"})
    assert action.changes == (FieldChange("/name", "Weekdays", "Renamed"),)
    assert plan.unmanaged == ()


def test_a_pinned_rename_frees_the_old_name_for_nobody_else() -> None:
    plan = plan_of(
        (desired("Renamed", pin="s1"), desired("Weekdays")),
        [live("Weekdays", "s1")],
    )
    assert [(a.kind, a.name, a.schedule_id) for a in plan.actions] == [
        ("update", "Renamed", "s1"),
        ("create", "Weekdays", None),
    ]


def test_a_pinned_id_deleted_on_the_tenant_is_an_error_that_says_what_to_do() -> None:
    with pytest.raises(PlanError) as caught:
        plan_of((desired("Weekdays", pin="gone-1"), desired("Other", pin="gone-2")), [])
    assert str(caught.value) == (
        "cannot plan:\n"
        "  schedules/c1/weekdays.yaml: schedule 'Weekdays' is pinned to scheduleId 'gone-1', "
        "which no longer exists in campaign 'c1' (it was deleted on the tenant); remove the "
        "scheduleId line to create it again, or delete the file to let it go\n"
        "  schedules/c1/other.yaml: schedule 'Other' is pinned to scheduleId 'gone-2', which "
        "no longer exists in campaign 'c1' (it was deleted on the tenant); remove the "
        "scheduleId line to create it again, or delete the file to let it go"
    )


def test_one_id_pinned_by_two_files_is_an_error() -> None:
    with pytest.raises(PlanError, match=r"also pinned by schedules/c1/a\.yaml"):
        plan_of((desired("A", pin="s1"), desired("B", pin="s1")), [live("A", "s1")])


def test_undeclared_live_schedules_are_unmanaged_and_left_alone() -> None:
    lives = [live("Weekdays", "s1"), live("Manual", "s9"), live("Elsewhere", "s7", campaign="c9")]
    plan = plan_of((desired("Weekdays"),), lives)
    assert plan.unmanaged == (Unmanaged("c1", "s9", "Manual"),)
    assert [a.kind for a in plan.actions] == ["noop"]
    assert plan.campaigns == ("c1",)


def test_prune_deletes_only_in_campaigns_that_opt_in() -> None:
    schedules = (desired("Weekdays"), desired("Weekdays", campaign="c2"))
    lives = [
        live("Weekdays", "s1"),
        live("Manual", "s9"),
        live("Weekdays", "t1", campaign="c2"),
        live("Manual", "t9", campaign="c2"),
    ]
    opted = RepoConfig(prune_campaigns=frozenset({"c2"}))
    assert not plan_of(schedules, lives, opted).has_changes  # no --prune: nothing deleted
    assert len(plan_of(schedules, lives, RepoConfig(), prune=True).unmanaged) == 2
    plan = plan_of(schedules, lives, opted, prune=True)
    deletes = [a for a in plan.actions if a.kind == "delete"]
    assert [replace(a, base=None) for a in deletes] == [
        Action("delete", "c2", "Manual", "t9", VersionToken('"t9-e"'), (), None, None, None, None)
    ]
    assert deletes[0].base is not None and deletes[0].base["name"] == "Manual"  # what was seen
    assert plan.unmanaged == (Unmanaged("c1", "s9", "Manual"),)
    assert plan.counts() == PlanCounts(0, 0, 1, 2, 1)


def test_ignore_rules_hide_differences_on_both_sides() -> None:
    edited = live("Weekdays", "s1", description="edited in the UI")
    plain = plan_of((desired("Weekdays"),), [edited])
    assert plain.actions[0].changes == (FieldChange("/description", "edited in the UI", ""),)
    config = RepoConfig(ignore_differences=(IgnoreRule(("/description",), campaign="c*"),))
    ignored = plan_of((desired("Weekdays"),), [edited], config)
    assert not ignored.has_changes
    assert ignored.ignore_for("c1", "Weekdays") == ("/description",)
    assert ignored.ignore_for("x1", "Weekdays") == ()
    assert "description" not in (ignored.actions[0].desired or {})


def test_plan_one_decides_a_single_schedule_like_make_plan() -> None:
    action = plan_one(desired("Weekdays", description="new"), live("Weekdays", "s1"))
    assert (action.kind, action.body) == ("update", {"description": "new"})
    assert plan_one(desired("Weekdays"), None).kind == "create"


def test_plan_metadata() -> None:
    plan = plan_of((desired("B"), desired("A", campaign="c0")), [])
    assert plan.format_version == PLAN_FORMAT_VERSION == 2
    assert plan.tool_version == __version__
    assert plan.files == ("schedules/c0/a.yaml", "schedules/c1/b.yaml")
    assert plan.paths == ("schedules",)
    assert plan.campaigns == ("c0", "c1")
    assert plan.limits == LIMITS


def _full_plan() -> Plan:
    config = RepoConfig(
        prune_campaigns=frozenset({"c1"}),
        ignore_differences=(IgnoreRule(("/description",), name="W*"),),
    )
    return plan_of(
        (
            desired("Weekdays", description="x"),
            desired("New"),
            desired("Evenings", description="y"),
        ),
        [live("Weekdays", "s1"), live("Old", "s8"), live("Evenings", "s2")],
        config,
        prune=True,
    )


def test_json_round_trip_and_file(tmp_path: Path) -> None:
    plan = _full_plan()
    assert plan_from_json(json.loads(json.dumps(plan_json(plan)))) == plan
    target = tmp_path / "out" / "plan.json"
    save_plan(plan, target)
    text = target.read_text(encoding="utf-8")
    assert text == json.dumps(plan_json(plan), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert load_plan(target) == plan
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.json"]
    assert plan_hash(plan) == plan_hash(load_plan(target))
    data = json.loads(text)
    assert data["summary"] == {"create": 1, "delete": 1, "noop": 1, "unmanaged": 0, "update": 1}
    assert data["limits"] == {"max_call_rate": 30.0, "max_concurrent_calls": 200}
    assert data["ignore"] == [{"campaign": "*", "name": "W*", "pointers": ["/description"]}]


def _broken(edit: Any) -> dict[str, Any]:
    data = plan_json(_full_plan())
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format_version=1), "plan format version 1 is not supported"),
        (lambda d: d.update(format_version=3), "plan format version 3 is not supported"),
        (lambda d: d.pop("desired_digest"), "plan JSON /desired_digest is missing"),
        (lambda d: d.update(prune="yes"), "plan JSON /prune must be a boolean, not str"),
        (lambda d: d.update(files=[1]), "plan JSON /files/0 must be a string"),
        (
            lambda d: d["limits"].update(max_concurrent_calls=True),
            "must be a number, not a boolean",
        ),
        (lambda d: d["actions"][0].update(kind="rename"), "/actions/0/kind must be one of"),
        (lambda d: d["actions"][0].update(base_etag=None), "/actions/0/base_etag must be set"),
        (
            lambda d: d["actions"][1]["desired"].update(name="X"),
            "/actions/1/desired_hash does not match",
        ),
        (
            lambda d: d["actions"][2]["changes"].append({"pointer": "/x"}),
            "must have 'before' and 'after'",
        ),
        (lambda d: d["unmanaged"].append("s9"), "plan JSON /unmanaged/0 must be an object"),
        (lambda d: d["ignore"][0].update(pointers="/x"), "/ignore/0/pointers must be a list"),
    ],
)
def test_from_json_names_the_first_problem(edit: Any, message: str) -> None:
    with pytest.raises(PlanError, match="make"):
        plan_from_json(_broken(edit))
    with pytest.raises(PlanError) as caught:
        plan_from_json(_broken(edit))
    assert message in str(caught.value)


def test_load_plan_refuses_missing_corrupt_and_foreign_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(PlanError) as caught:
        load_plan(missing)
    assert str(caught.value) == (
        f"plan file {missing} not found; make one with `cxsched plan --out {missing}`"
    )
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format_version": 1,\n  oops}', encoding="utf-8")
    with pytest.raises(PlanError, match=r"corrupt.json:2:3: not a plan file \(invalid JSON"):
        load_plan(corrupt)
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(PlanError, match=r"list.json: plan JSON / must be an object"):
        load_plan(listed)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PlanError, match="cannot read the plan file"):
        load_plan(binary)


def test_save_plan_reports_an_unwritable_place(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(PlanError, match="cannot write the plan file"):
        save_plan(_full_plan(), tmp_path / "file" / "plan.json")


def test_make_plan_from_takes_campaigns_in_any_order_and_needs_each_one() -> None:
    schedules = (desired("A", campaign="c0"), desired("B"), desired("C", description="new"))
    lives = [live("B", "s2"), live("C", "s3"), live("Old", "s9", campaign="c0")]
    whole = plan_of(schedules, lives)
    by_campaign = {"c0": [lives[2]], "c1": lives[:2], "other": []}
    backwards = sorted(by_campaign.items(), reverse=True)
    config = RepoConfig()
    again = make_plan_from(
        state(*schedules), backwards, config, limits=LIMITS, prune=False, paths=["schedules"]
    )
    assert again == whole
    assert [a.kind for a in again.actions] == ["create", "noop", "update"]
    with pytest.raises(ValueError, match="the live schedules of c1 were not given"):
        make_plan_from(
            state(*schedules),
            [("c0", [lives[2]])],
            config,
            limits=LIMITS,
            prune=False,
            paths=["schedules"],
        )
