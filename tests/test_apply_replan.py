"""Stale ETags: one-go re-planning (bounded, audited) and the concurrent editor never clobbered."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.api.protocol import CallCounts, ScheduleAPI
from reconciler.apply.run import MAX_REPLANS, ApplyResult, apply_plan
from reconciler.audit.trail import AuditTrail, run_context
from reconciler.config import RepoConfig
from reconciler.cxone import CxoneClient
from reconciler.emulator import Emulator
from reconciler.model import LiveSchedule, TenantLimits, VersionToken
from reconciler.plan.build import Plan, make_plan, read_live
from reconciler.validate.desired import DesiredState, load_desired
from support.apply import GET_ONE, PATCH, body, cli, counters, live, records, write_file
from support.emulator import EmulatorFactory, client_for

LIMITS = TenantLimits(200, 30.0)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _plan(api: ScheduleAPI, desired: DesiredState) -> Plan:
    live_now = read_live(api, {item.campaign_id for item in desired.schedules})
    config = RepoConfig()
    return make_plan(desired, live_now, config, limits=LIMITS, prune=False, paths=["schedules"])


def _apply(api: ScheduleAPI, plan: Plan, desired: DesiredState, replan: bool) -> ApplyResult:
    trail = AuditTrail(Path("trail.jsonl"), run_context("apply schedules"))
    return apply_plan(api, plan, trail, desired=desired.schedules, replan=replan)


def test_one_go_mode_replans_a_stale_schedule_and_audits_it(repo: Path, emulator: Emulator) -> None:
    write_file(repo, "c1", "a")
    made = emulator.create_schedule("c1", body("a", rate=9))
    desired = load_desired([Path("schedules")], RepoConfig())
    with client_for(emulator) as api:
        plan = _plan(api, desired)
        emulator.edit_schedule("c1", made["id"], {"description": "UI edit"})
        emulator.reset_counters()
        result = _apply(api, plan, desired, replan=True)
    (outcome,) = result.results
    assert (outcome.outcome, len(outcome.replans)) == ("applied", 1)
    assert [c.pointer for c in outcome.replans[0].changes] == [
        "/description",
        "/dialerSettings/callRate",
    ]
    assert counters(emulator) == {(PATCH, 412): 1, (GET_ONE, 200): 1, (PATCH, 200): 1}
    replan = next(r for r in records(Path("trail.jsonl")) if r["event"] == "replan")
    assert replan["changes"][0] == {
        "pointer": "/description",
        "before": "UI edit",  # the change being replaced is shown in the trail
        "after": "managed in git",
    }
    assert replan["base_etag"] != plan.actions[0].base_version
    assert live(emulator, "c1")["a"]["description"] == "managed in git"


class _EditAfterEveryRead:
    """The real client, with someone editing the schedule right after each of our reads."""

    def __init__(self, api: CxoneClient, emu: Emulator) -> None:
        self._api = api
        self._emu = emu
        self.edits = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def get_schedule(self, campaign_id: str, schedule_id: str) -> LiveSchedule:
        found = self._api.get_schedule(campaign_id, schedule_id)
        self.edits += 1
        self._emu.edit_schedule(campaign_id, schedule_id, {"description": f"edit {self.edits}"})
        return found

    def update_schedule(
        self,
        campaign_id: str,
        schedule_id: str,
        patch: Mapping[str, Any],
        version: VersionToken,
    ) -> LiveSchedule:
        return self._api.update_schedule(campaign_id, schedule_id, patch, version)

    def list_schedules(self, campaign_id: str) -> Iterator[LiveSchedule]:
        return self._api.list_schedules(campaign_id)

    def call_counts(self) -> CallCounts:
        return self._api.call_counts()


def test_replanning_gives_up_as_a_conflict_after_three_rounds(
    repo: Path, emulator: Emulator
) -> None:
    write_file(repo, "c1", "a")
    made = emulator.create_schedule("c1", body("a", rate=9))
    desired = load_desired([Path("schedules")], RepoConfig())
    with client_for(emulator) as client:
        plan = _plan(client, desired)
        emulator.edit_schedule("c1", made["id"], {"description": "first"})
        emulator.reset_counters()
        racing = _EditAfterEveryRead(client, emulator)
        result = _apply(racing, plan, desired, replan=True)
    (outcome,) = result.results
    assert outcome.outcome == "conflict"
    assert len(outcome.replans) == MAX_REPLANS
    assert counters(emulator) == {(PATCH, 412): MAX_REPLANS + 1, (GET_ONE, 200): MAX_REPLANS + 1}
    assert live(emulator, "c1")["a"]["description"] == f"edit {MAX_REPLANS + 1}"
    trail = records(Path("trail.jsonl"))
    assert [r["event"] for r in trail].count("replan") == MAX_REPLANS
    assert trail[-1]["event"] == "recheck" and trail[-1]["result"] == "conflict"


def test_saved_plan_mode_never_replans(repo: Path, emulator: Emulator) -> None:
    write_file(repo, "c1", "a")
    made = emulator.create_schedule("c1", body("a", rate=9))
    desired = load_desired([Path("schedules")], RepoConfig())
    with client_for(emulator) as api:
        plan = _plan(api, desired)
        emulator.edit_schedule("c1", made["id"], {"description": "UI edit"})
        result = _apply(api, plan, desired, replan=False)
    assert [r.outcome for r in result.results] == ["conflict"]
    assert live(emulator, "c1")["a"]["description"] == "UI edit"
    assert live(emulator, "c1")["a"]["dialerSettings"]["callRate"] == 9


def test_the_concurrent_editor_never_loses_an_edit(
    repo: Path, emulator_factory: EmulatorFactory
) -> None:
    emu = emulator_factory(campaigns=("c1",), editor_interval=0.03, latency_ms=15, seed=7)
    names = [f"s{n:02d}" for n in range(12)]
    for name in names:
        write_file(repo, "c1", name)
        emu.create_schedule("c1", body(name, rate=9, description="old"))
    assert cli(emu, ["plan", "--out", "plan.json"]).exit_code == 0
    result = cli(emu, ["apply", "plan.json", "--workers", "2"])
    assert result.exit_code in (0, 1), result.output
    edited_by_ui = {
        r["schedule"] for r in records() if r["event"] == "recheck" and r["result"] == "conflict"
    }
    now = live(emu, "c1")
    for name in names:
        text = now[name]["description"]
        if name in edited_by_ui:  # a conflict: the editor's text is still there
            assert text.startswith("edited in the admin UI"), (name, text)
        else:  # applied; the editor may have edited it again since, never the other way
            assert text == "managed in git" or text.startswith("edited in the admin UI")
    conflicts = sum(line.startswith("! ") for line in result.stdout.splitlines())
    assert conflicts == len(edited_by_ui)
    planned = {
        a["name"]: a["base_etag"] for a in json.loads(Path("plan.json").read_text())["actions"]
    }
    sent = [r for r in records() if r["event"] == "write" and r["phase"] == "intent"]
    assert len(sent) == len(names)
    assert all(r["base_etag"] == planned[r["schedule"]] for r in sent)  # no ETag refreshed
    assert emu.count(PATCH, 412) == len(edited_by_ui)
    assert emu.editor_edits > 0
