"""`cxsched apply`: exact calls, refusals before any call, conflicts, failures, convergence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.emulator import Emulator
from support.apply import (
    CAPACITY,
    DELETE,
    GET_ONE,
    LIST,
    PATCH,
    POST,
    TOKEN,
    body,
    cli,
    counters,
    events,
    live,
    records,
    without,
    write_file,
)
from support.emulator import EmulatorFactory, EmulatorSession


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _three(repo: Path, emu: Emulator) -> str:
    """a: to create; b: live with a drifted call rate; c (campaign c2): live and equal."""
    write_file(repo, "c1", "a")
    write_file(repo, "c1", "b")
    write_file(repo, "c2", "c")
    drifted = emu.create_schedule("c1", body("b", rate=9))
    emu.create_schedule("c2", body("c"))
    return str(drifted["id"])


def _plan(emu: Emulator, *extra: str) -> None:
    result = cli(emu, ["plan", "--out", "plan.json", *extra])
    assert result.exit_code == 0, result.output


def test_a_fresh_saved_plan_costs_one_token_and_one_write_per_change(
    repo: Path, emulator: Emulator
) -> None:
    b_id = _three(repo, emulator)
    _plan(emulator)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 0, result.output
    assert counters(emulator) == {(TOKEN, 200): 1, (POST, 201): 1, (PATCH, 200): 1}
    etags = {name: item["etag"] for name, item in live(emulator, "c1").items()}
    assert result.stdout.splitlines()[:3] == [  # as they complete: updates before creates
        f"~ c1/b: updated (ETag {_base_etag('b')} -> {etags['b']})",
        f"+ c1/a: created (ETag {etags['a']})",
        "Apply complete: 2 applied, 1 no-op, 0 already applied, 0 conflict, 0 failed, 0 skipped.",
    ]
    assert result.stdout.splitlines()[3:] == []
    assert result.stderr == f"API calls: {PATCH} 200 x1, {POST} 201 x1, {TOKEN} 200 x1\n"
    assert live(emulator, "c1")["b"]["id"] == b_id
    assert live(emulator, "c1")["b"]["dialerSettings"]["callRate"] == 12
    again = cli(emulator, ["plan", "--detailed-exitcode"])
    assert again.exit_code == 0
    assert "Plan: 0 to create, 0 to update, 0 to delete, 3 unchanged; 0 unmanaged." in again.output


def test_the_trail_holds_the_plan_then_intent_and_outcome_per_write(
    repo: Path, emulator: Emulator
) -> None:
    _three(repo, emulator)
    _plan(emulator)
    assert cli(emulator, ["apply", "plan.json"]).exit_code == 0
    trail = records()
    applied = trail[1:]
    assert trail[0]["event"] == "plan" and trail[0]["action"] == "plan"  # written by plan
    assert (applied[0]["event"], applied[0]["action"], applied[0]["command"]) == (
        "plan",
        "apply",
        "apply plan.json",
    )
    assert [c["name"] for c in applied[0]["checks"]] == [
        "plan file",
        "validate",
        "desired files unchanged",
        "plan re-derived",
        "dialer limits",
    ]
    assert applied[0]["checks"][1]["detail"] == "3 schedule(s) in 3 file(s): 0 errors, 0 warning(s)"
    assert [(r["phase"], r["action"], r["schedule"], r["result"]) for r in applied[1:]] == [
        ("intent", "update", "b", None),
        ("outcome", "update", "b", "applied"),
        ("intent", "create", "a", None),
        ("outcome", "create", "a", "applied"),
    ]
    intent, outcome = applied[1], applied[2]
    assert intent["changes"] == [{"pointer": "/dialerSettings/callRate", "before": 9, "after": 12}]
    assert intent["desired_hash"].startswith("sha256:")
    assert (outcome["status"], outcome["base_etag"]) == (200, intent["base_etag"])
    assert outcome["new_etag"] == live(emulator, "c1")["b"]["etag"]
    assert {(r["actor"], r["commit"]) for r in trail} == {("tester", "c0ffee")}


def test_a_plan_whose_files_changed_is_refused_without_any_call(
    repo: Path, emulator: Emulator
) -> None:
    _three(repo, emulator)
    _plan(emulator)
    plan = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    write_file(repo, "c1", "a", rate=14)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    digest = plan["desired_digest"]
    assert result.stderr.startswith(
        "error: plan.json: the desired files changed since this plan was made (their digest "
        f"was {digest}, it is now "
    )
    assert result.stderr.rstrip().endswith(
        "nothing was applied. Make and review a new plan: `cxsched plan schedules --out plan.json`"
    )
    assert counters(emulator) == {}
    assert len(records()) == 1  # only the plan's own record


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tool_version", "99.0.0", "plan.json was made by cxsched 99.0.0, this is cxsched "),
        ("format_version", 99, "format"),
    ],
)
def test_a_plan_of_another_version_is_refused(
    repo: Path, emulator: Emulator, key: str, value: object, message: str
) -> None:
    _three(repo, emulator)
    _plan(emulator)
    plan = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    plan[key] = value
    Path("plan.json").write_text(json.dumps(plan), encoding="utf-8")
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert counters(emulator) == {}


def test_an_invalid_desired_state_writes_nothing(repo: Path, emulator: Emulator) -> None:
    _three(repo, emulator)
    write_file(repo, "c1", "bad", rate=-1)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "--auto-approve"])
    assert result.exit_code == 1
    assert result.stderr == (
        "schedules/c1/bad.yaml:11:5: error schema-range: callRate must be greater than 0, not -1\n"
        "4 schedule files checked: 1 error, 0 warnings\n"
        "error: the desired state does not validate; nothing was applied\n"
    )
    assert {endpoint for endpoint, _ in counters(emulator)} <= {TOKEN, CAPACITY, LIST}
    assert not Path("audit/trail.jsonl").exists()


def test_one_go_apply_off_a_terminal_needs_auto_approve(repo: Path, emulator: Emulator) -> None:
    _three(repo, emulator)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "schedules"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: apply without a saved plan needs confirmation, and this is not a terminal: "
        "pass --auto-approve (CI), or save a plan with `cxsched plan --out plan.json` and "
        "apply that file\n"
    )
    assert counters(emulator) == {}


def test_one_go_apply_plans_with_minimal_reads_then_converges(
    repo: Path, emulator: Emulator
) -> None:
    _three(repo, emulator)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "--auto-approve"])
    assert result.exit_code == 0, result.output
    assert "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged; 0 unmanaged." in result.stdout
    assert counters(emulator) == {
        (TOKEN, 200): 1,
        (CAPACITY, 200): 1,
        (LIST, 200): 2,
        (POST, 201): 1,
        (PATCH, 200): 1,
    }
    plan_record = records()[0]
    assert plan_record["mode"] == "one-go"
    assert [c["name"] for c in plan_record["checks"]] == ["validate", "dialer limits", "approval"]
    assert plan_record["checks"][2]["detail"] == "--auto-approve"
    again = cli(emulator, ["apply", "--auto-approve"])
    assert again.exit_code == 0
    assert "Apply complete: 0 applied, 3 no-op," in again.stdout


def test_prune_is_decided_by_the_plan_not_by_apply(repo: Path, emulator: Emulator) -> None:
    _three(repo, emulator)
    _plan(emulator)
    result = cli(emulator, ["apply", "plan.json", "--prune"])
    assert result.exit_code == 1  # a usage error: 2 only ever means "changes pending"
    assert "--prune is decided when a plan is made" in result.output


def test_a_concurrent_edit_is_a_conflict_and_is_never_overwritten(
    repo: Path, emulator: Emulator
) -> None:
    for name in ("a", "b", "c"):
        write_file(repo, "c1", name)
        emulator.create_schedule("c1", body(name, rate=9, description="old"))
    _plan(emulator)
    edited = emulator.edit_schedule("c1", live(emulator, "c1")["b"]["id"], {"description": "UI"})
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    now = live(emulator, "c1")
    assert now["b"]["description"] == "UI"  # the editor's change survives
    assert now["b"]["etag"] == edited["etag"]
    assert [now[n]["description"] for n in ("a", "c")] == ["managed in git", "managed in git"]
    base = records()[1]["counts"]  # the apply's plan record
    assert base["update"] == 3
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("! c1/b"))
    conflict = lines[start : start + 4]
    assert conflict[0] == (
        f"! c1/b: CONFLICT: c1/b changed on the tenant since it was planned (ETag "
        f"{_base_etag('b')} -> {edited['etag']}); nothing was overwritten. "
        "Run `cxsched plan` again to see the change."
    )
    assert conflict[1:] == [
        "    field                     base (planned on)  live now  desired",
        '    /description              "old"              "UI"      "managed in git"',
        "    /dialerSettings/callRate  9                  9         12",
    ]
    assert "Apply incomplete: 2 applied, 0 no-op, 0 already applied, 1 conflict, 0 failed," in (
        result.stdout
    )
    assert counters(emulator) == {
        (TOKEN, 200): 1,
        (PATCH, 200): 2,
        (PATCH, 412): 1,
        (GET_ONE, 200): 1,
    }
    assert ("recheck", None, "update", "b", "conflict") in events()
    _plan(emulator)  # the next plan shows the editor's change before overwriting it
    shown = cli(emulator, ["plan"]).stdout
    assert '~ /description: "UI" -> "managed in git"' in shown
    assert cli(emulator, ["apply", "plan.json"]).exit_code == 0
    assert cli(emulator, ["plan", "--detailed-exitcode"]).exit_code == 0


def _base_etag(name: str) -> str:
    plan = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    return str(next(a["base_etag"] for a in plan["actions"] if a["name"] == name))


def test_a_stale_etag_whose_live_state_already_matches_is_done(
    repo: Path, emulator: Emulator
) -> None:
    _three(repo, emulator)
    _plan(emulator)
    b_id = live(emulator, "c1")["b"]["id"]
    emulator.edit_schedule("c1", b_id, {"dialerSettings": {"callRate": 12.0}})
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 0, result.output
    assert "= c1/b: already applied (the live schedule already matches)" in result.stdout
    assert "Apply complete: 1 applied, 1 no-op, 1 already applied, 0 conflict," in result.stdout
    assert counters(emulator) == {
        (TOKEN, 200): 1,
        (POST, 201): 1,
        (PATCH, 412): 1,
        (GET_ONE, 200): 1,
    }


def test_prune_deletes_with_if_match_and_a_changed_one_is_kept(
    repo: Path, emulator: Emulator
) -> None:
    Path("cxsched.yaml").write_text(
        "formatVersion: 1\ncampaigns:\n  c1:\n    prune: true\n", encoding="utf-8"
    )
    write_file(repo, "c1", "a")
    emulator.create_schedule("c1", body("a"))
    gone = emulator.create_schedule("c1", body("old-1"))
    kept = emulator.create_schedule("c1", body("old-2"))
    _plan(emulator, "--prune")
    emulator.edit_schedule("c1", kept["id"], {"description": "still needed"})
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert f"- c1/old-1 ({gone['id']}): deleted" in result.stdout
    assert (
        f"! c1/old-2 ({kept['id']}): CONFLICT: c1/old-2 ({kept['id']}) changed on the tenant"
        in (result.stdout)
    )
    assert sorted(live(emulator, "c1")) == ["a", "old-2"]
    assert counters(emulator) == {(TOKEN, 200): 1, (DELETE, 204): 1, (DELETE, 412): 1}


def test_a_failed_action_does_not_stop_the_others(repo: Path, emulator: Emulator) -> None:
    write_file(repo, "c1", "a")
    write_file(repo, "c1", "fast", rate=25)
    write_file(repo, "c2", "c")
    _plan(emulator)
    emulator.set_capacity(200, 20.0)  # the tenant's limit dropped after the plan was made
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.count("created") == 2
    failed = [line for line in result.stdout.splitlines() if line.startswith("x ")]
    assert len(failed) == 1
    assert failed[0].startswith(
        "x c1/fast: FAILED: POST /api/v2/campaigns/c1/schedules answered HTTP 400"
    )
    assert "Apply incomplete: 2 applied, 0 no-op, 0 already applied, 0 conflict, 1 failed," in (
        result.stdout
    )
    assert sorted(live(emulator, "c1")) == ["a"] and sorted(live(emulator, "c2")) == ["c"]


def test_refused_credentials_skip_the_remaining_actions(repo: Path, emulator: Emulator) -> None:
    _three(repo, emulator)
    _plan(emulator)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json", "--workers", "1"], secret="wrong-secret")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("x c1/b: FAILED: POST /oauth/token answered HTTP 401")
    assert lines[1].startswith(  # the update runs (and fails) first, the create is not tried
        "  c1/a: skipped: not attempted: POST /oauth/token answered HTTP 401"
    )
    assert "1 failed, 1 skipped." in result.stdout
    assert counters(emulator) == {(TOKEN, 401): 1}
    assert "wrong-secret" not in result.output


@pytest.mark.parametrize("fault", ["drop", "slow"])
def test_a_create_with_a_lost_answer_is_looked_up_not_duplicated(
    repo: Path, emulator_factory: EmulatorFactory, fault: str
) -> None:
    emu = emulator_factory(campaigns=("c1",))
    write_file(repo, "c1", "a")
    _plan(emu)
    emu.inject_faults(fault, 1, endpoint=POST, delay_s=2.0)
    emu.reset_counters()
    result = cli(emu, ["apply", "plan.json", "--timeout", "0.5"])
    assert result.exit_code == 0, result.output
    assert [item["name"] for item in emu.schedules("c1")] == ["a"]
    assert "+ c1/a: created (ETag " in result.stdout
    trail = [e for e in events() if e[0] != "plan"]
    if fault == "drop":  # never carried out: looked up, absent, sent again
        assert counters(emu) == {(TOKEN, 200): 1, (POST, 0): 1, (LIST, 200): 1, (POST, 201): 1}
        assert [e[4] for e in trail] == [None, "unknown", "absent", None, "applied"]
        assert records()[-2]["checks"][-1]["name"] == "look-up by name"
    else:  # carried out, answer too late: found by name, not sent again
        assert counters(emu) == {(TOKEN, 200): 1, (POST, 201): 1, (LIST, 200): 1}
        assert [e[4] for e in trail] == [None, "unknown", "applied"]
    assert cli(emu, ["plan", "--detailed-exitcode"]).exit_code == 0


def test_a_create_whose_name_was_taken_meanwhile(repo: Path, emulator: Emulator) -> None:
    write_file(repo, "c1", "a")
    write_file(repo, "c1", "b")
    _plan(emulator)
    emulator.create_schedule("c1", without(body("a"), "description"))  # other content
    emulator.create_schedule("c1", body("b"))  # the same content
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert "= c1/b: already applied (the live schedule already matches)" in result.stdout
    lines = result.stdout.splitlines()  # in the order the writes finished
    at = next(i for i, line in enumerate(lines) if line.startswith("! c1/a"))
    assert "answered HTTP 409" in lines[at]
    assert lines[at + 1 : at + 3] == [
        "    field         base (planned on)  live now  desired",
        '    /description  (absent)           ""        "managed in git"',
    ]
    assert live(emulator, "c1")["a"].get("description", "") == ""  # not overwritten


def test_a_schedule_deleted_since_the_plan_is_not_recreated(
    repo: Path, emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    Path("cxsched.yaml").write_text("formatVersion: 1\ncampaigns:\n  c1:\n    prune: true\n")
    b_id = _three(repo, emulator)
    doomed = emulator.create_schedule("c1", body("old"))
    _plan(emulator, "--prune")
    for sid, etag in ((b_id, live(emulator, "c1")["b"]["etag"]), (doomed["id"], doomed["etag"])):
        path = f"/api/v2/campaigns/c1/schedules/{sid}"
        assert emulator_session.call("DELETE", path, headers={"If-Match": etag}).status_code == 204
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert (
        f"! c1/b: CONFLICT: c1/b ({b_id}) was deleted on the tenant since it was planned; it "
        "was not re-created. Run `cxsched plan` again."
    ) in result.stdout.splitlines()
    assert f"= c1/old ({doomed['id']}): already applied (the live schedule already matches)" in (
        result.stdout
    )
    assert sorted(live(emulator, "c1")) == ["a"]
    assert counters(emulator) == {
        (TOKEN, 200): 1,
        (DELETE, 404): 1,
        (PATCH, 404): 1,
        (POST, 201): 1,
    }


def test_a_create_whose_answers_keep_getting_lost_gives_up(repo: Path, emulator: Emulator) -> None:
    write_file(repo, "c1", "a")
    _plan(emulator)
    emulator.inject_faults("drop", 3, endpoint=POST)
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "x c1/a: FAILED: creating c1/a: no answer after 3 attempts and no schedule of that "
        "name exists; run apply again"
    )
    assert counters(emulator) == {(TOKEN, 200): 1, (POST, 0): 3, (LIST, 200): 3}
    assert emulator.schedules("c1") == []
    assert cli(emulator, ["apply", "plan.json"]).exit_code == 0  # the re-run converges
    assert [item["name"] for item in emulator.schedules("c1")] == ["a"]
