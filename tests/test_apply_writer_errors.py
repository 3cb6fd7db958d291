"""The writer's error paths: every way a write, a re-read or a look-up can fail, over real HTTP.

Each test makes the emulator refuse a call the way a tenant would (a name taken, a body above
the capacity, a scope withdrawn, a schedule deleted or edited behind our back) and checks what
apply reports, what the audit trail says, and that nothing was overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.apply.run import ApplyResult, apply_plan
from reconciler.audit.trail import AuditTrail, run_context
from reconciler.config import RepoConfig
from reconciler.cxone import CxoneClient
from reconciler.emulator import Emulator
from reconciler.model import LiveSchedule, TenantLimits, VersionToken
from reconciler.plan.build import Plan, make_plan, read_live
from reconciler.validate.desired import DesiredState, load_desired
from support.apply import (
    DELETE,
    GET_ONE,
    LIST,
    PATCH,
    POST,
    TOKEN,
    body,
    cli,
    counters,
    live,
    records,
    write_file,
)
from support.emulator import client_for

READ_ONLY = ("campaigns:read", "dialer:read")
WRITE_ONLY = ("campaigns:write", "dialer:read")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _plan(emu: Emulator, *extra: str) -> None:
    result = cli(emu, ["plan", "--out", "plan.json", *extra])
    assert result.exit_code == 0, result.output


def _outcomes(event: str = "write") -> list[tuple[Any, ...]]:
    return [
        (r["action"], r.get("phase"), r["result"], r.get("status"))
        for r in records()
        if r["event"] == event and r.get("phase") != "intent"
    ]


def test_an_update_to_a_name_taken_meanwhile_is_a_conflict(repo: Path, emulator: Emulator) -> None:
    made = emulator.create_schedule("c1", body("a"))
    path = write_file(repo, "c1", "a")
    document = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**document, "scheduleId": made["id"], "name": "b"}), "utf-8")
    _plan(emulator)
    emulator.create_schedule("c1", body("b", description="made in the admin UI"))
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("! c1/b: CONFLICT: PATCH ")
    assert "answered HTTP 409" in result.stdout
    assert counters(emulator) == {(TOKEN, 200): 1, (PATCH, 409): 1}
    assert _outcomes() == [("update", "outcome", "conflict", 409)]
    assert live(emulator, "c1")["b"]["description"] == "made in the admin UI"


def test_an_update_the_tenant_refuses_fails_and_says_why(repo: Path, emulator: Emulator) -> None:
    emulator.create_schedule("c1", body("a"))
    write_file(repo, "c1", "a", rate=25)
    _plan(emulator)
    emulator.set_capacity(200, 20.0)  # lowered after the plan was made
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("x c1/a: FAILED: PATCH ")
    assert "answered HTTP 400" in result.stdout
    assert counters(emulator) == {(TOKEN, 200): 1, (PATCH, 400): 1}
    assert _outcomes() == [("update", "outcome", "failed", 400)]
    assert live(emulator, "c1")["a"]["dialerSettings"]["callRate"] == 12


def test_a_failed_re_read_after_a_stale_etag_halts_the_run(repo: Path, emulator: Emulator) -> None:
    made = emulator.create_schedule("c1", body("a"))
    write_file(repo, "c1", "a", rate=9)
    write_file(repo, "c1", "z")
    _plan(emulator)
    emulator.edit_schedule("c1", made["id"], {"description": "UI edit"})
    emulator.set_scopes(WRITE_ONLY)  # the re-read needs campaigns:read
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("x c1/a: FAILED: GET ")
    assert "answered HTTP 403" in lines[0]
    assert lines[1].startswith("  c1/z: skipped: not attempted")
    assert counters(emulator) == {(TOKEN, 200): 1, (PATCH, 412): 1, (GET_ONE, 403): 1}
    recheck = [r for r in records() if r["event"] == "recheck"]
    assert [(r["result"], r["status"]) for r in recheck] == [("failed", 403)]
    assert live(emulator, "c1")["a"]["description"] == "UI edit"


def test_a_delete_without_the_write_scope_fails(repo: Path, emulator: Emulator) -> None:
    Path("cxsched.yaml").write_text("formatVersion: 1\ncampaigns:\n  c1:\n    prune: true\n")
    emulator.create_schedule("c1", body("old"))
    write_file(repo, "c1", "a")
    emulator.create_schedule("c1", body("a"))
    _plan(emulator, "--prune")
    emulator.set_scopes(READ_ONLY)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("x c1/old (")
    assert ": FAILED: DELETE " in result.stdout
    assert counters(emulator) == {(TOKEN, 200): 1, (DELETE, 403): 1}
    assert _outcomes() == [("delete", "outcome", "failed", 403)]
    assert sorted(live(emulator, "c1")) == ["a", "old"]


def test_a_lost_create_whose_look_up_fails_is_reported_failed(
    repo: Path, emulator: Emulator
) -> None:
    write_file(repo, "c1", "a")
    _plan(emulator)
    emulator.inject_faults("drop", 1, endpoint=POST)
    emulator.set_scopes(WRITE_ONLY)  # the look-up by name needs campaigns:read
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("x c1/a: FAILED: GET ")
    assert counters(emulator) == {(TOKEN, 200): 1, (POST, 0): 1, (LIST, 403): 1}
    lookups = [(r["result"], r["status"]) for r in records() if r["event"] == "lookup"]
    assert lookups == [("failed", 403)]
    assert emulator.schedules("c1") == []


def test_a_create_refused_as_taken_whose_look_up_fails(repo: Path, emulator: Emulator) -> None:
    write_file(repo, "c1", "a")
    _plan(emulator)
    emulator.create_schedule("c1", body("a", description="made in the admin UI"))
    emulator.set_scopes(WRITE_ONLY)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("x c1/a: FAILED: GET ")
    assert counters(emulator) == {(TOKEN, 200): 1, (POST, 409): 1, (LIST, 403): 1}
    assert live(emulator, "c1")["a"]["description"] == "made in the admin UI"


# -- races a stateful wrapper of the real client sets up ---------------------------------------


LIMITS = TenantLimits(200, 30.0)


def _apply(api: Any, plan: Plan, desired: DesiredState) -> ApplyResult:
    trail = AuditTrail(Path("trail.jsonl"), run_context("apply plan.json"))
    return apply_plan(api, plan, trail, desired=desired.schedules)


def _plan_of(api: CxoneClient) -> tuple[Plan, DesiredState]:
    desired = load_desired([Path("schedules")], RepoConfig())
    live_now = read_live(api, {item.campaign_id for item in desired.schedules})
    plan = make_plan(desired, live_now, RepoConfig(), limits=LIMITS, prune=False, paths=[])
    return plan, desired


class _Racing:
    """The real client; someone edits, then deletes, the schedule around our calls."""

    def __init__(self, api: CxoneClient, emu: Emulator) -> None:
        self._api = api
        self._emu = emu

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def update_schedule(
        self, campaign_id: str, schedule_id: str, patch: Mapping[str, Any], version: VersionToken
    ) -> LiveSchedule:
        self._emu.edit_schedule(campaign_id, schedule_id, {"description": "UI edit"})
        return self._api.update_schedule(campaign_id, schedule_id, patch, version)

    def get_schedule(self, campaign_id: str, schedule_id: str) -> LiveSchedule:
        self._delete(campaign_id, schedule_id)
        return self._api.get_schedule(campaign_id, schedule_id)

    def create_schedule(self, campaign_id: str, body: Mapping[str, Any]) -> LiveSchedule:
        self._emu.create_schedule(campaign_id, {**body, "description": "made in the UI"})
        return self._api.create_schedule(campaign_id, body)

    def list_schedules(self, campaign_id: str) -> Iterator[LiveSchedule]:
        for item in self._emu.schedules(campaign_id):
            self._delete(campaign_id, item["id"])
        return self._api.list_schedules(campaign_id)

    def _delete(self, campaign_id: str, schedule_id: str) -> None:
        current = {s["id"]: s["etag"] for s in self._emu.schedules(campaign_id)}
        version = VersionToken(current[schedule_id])
        self._api.delete_schedule(campaign_id, schedule_id, version)


def test_a_schedule_deleted_after_a_stale_etag_is_not_re_created(
    repo: Path, emulator: Emulator
) -> None:
    emulator.create_schedule("c1", body("a"))
    write_file(repo, "c1", "a", rate=9)
    with client_for(emulator) as api:
        plan, desired = _plan_of(api)
        result = _apply(_Racing(api, emulator), plan, desired)
    (outcome,) = result.results
    assert outcome.outcome == "conflict"
    assert outcome.error is not None and "was deleted on the tenant" in outcome.error
    recheck = [r for r in records(Path("trail.jsonl")) if r["event"] == "recheck"]
    assert [(r["result"], r["status"]) for r in recheck] == [("conflict", 404)]
    assert emulator.schedules("c1") == []


def test_a_name_taken_then_freed_again_is_a_conflict_not_a_retry(
    repo: Path, emulator: Emulator
) -> None:
    write_file(repo, "c1", "a")
    with client_for(emulator) as api:
        plan, desired = _plan_of(api)
        result = _apply(_Racing(api, emulator), plan, desired)
    (outcome,) = result.results
    assert outcome.outcome == "conflict"
    assert outcome.error is not None and "answered HTTP 409" in outcome.error
    assert emulator.schedules("c1") == []  # nothing was re-sent after the 409
