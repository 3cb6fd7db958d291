"""A saved plan is re-derived, bound to its tenant and kept inside the repository.

Each test edits plan.json the way a careless or hostile hand could and checks that
`cxsched apply plan.json` refuses the whole plan, naming the action, before any API call
(the emulator's counters stay empty), and that what the trail records is what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler import __version__
from reconciler.emulator import Emulator
from reconciler.plan.normalise import payload_hash
from support.apply import body, cli, counters, live, records, write_file
from support.emulator import EmulatorFactory

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _setup(repo: Path, emu: Emulator, *, prune_c1: bool = False) -> None:
    """c1/a to create, c1/b to update, c2/c unchanged, c1/manual live but declared by no file."""
    write_file(repo, "c1", "a")
    write_file(repo, "c1", "b")
    write_file(repo, "c2", "c")
    emu.create_schedule("c1", body("b", rate=9))
    emu.create_schedule("c2", body("c"))
    emu.create_schedule("c1", body("manual"))
    if prune_c1:
        (repo / "cxsched.yaml").write_text(
            "formatVersion: 1\ncampaigns:\n  c1: {prune: true}\n", encoding="utf-8"
        )


def _plan(emu: Emulator, *extra: str) -> dict[str, Any]:
    result = cli(emu, ["plan", "--out", "plan.json", *extra])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    return data


def _action(plan: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [a for a in plan["actions"] if a["name"] == name]
    assert len(found) == 1
    return found[0]


def _refused(emu: Emulator, plan: dict[str, Any], message: str) -> str:
    Path("plan.json").write_text(json.dumps(plan), encoding="utf-8")
    emu.reset_counters()
    before = {c: live(emu, c) for c in ("c1", "c2")}
    result = cli(emu, ["apply", "plan.json"])
    assert result.exit_code == 1, result.output
    assert message in result.stderr, result.stderr
    assert "nothing was applied" in result.stderr
    assert counters(emu) == {}  # not even a token
    assert {c: live(emu, c) for c in ("c1", "c2")} == before
    return result.stderr


def _delete_of(item: dict[str, Any]) -> dict[str, Any]:
    return {
        **item,
        "kind": "delete",
        "changes": [],
        "body": None,
        "desired": None,
        "desired_hash": None,
        "source": None,
    }


def test_a_delete_of_a_schedule_git_declares_is_refused(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator, prune_c1=True)
    plan = _plan(emulator, "--prune")
    index = plan["actions"].index(_action(plan, "b"))
    plan["actions"][index] = _delete_of(_action(plan, "b"))
    stderr = _refused(emulator, plan, "deletes a schedule that schedules/c1/b.yaml declares")
    assert f"action {index + 1} (delete c1/b (" in stderr


def test_a_delete_in_a_campaign_that_does_not_prune_is_refused(
    repo: Path, emulator: Emulator
) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator, "--prune")
    (manual,) = plan["unmanaged"]
    plan["unmanaged"] = []
    plan["actions"].insert(0, _delete_of({**manual, "kind": "delete", "name": "manual"}))
    plan["actions"][0] |= {"base_etag": live(emulator, "c1")["manual"]["etag"], "base": {}}
    _refused(emulator, plan, "deletes in campaign 'c1', which does not opt in to pruning")


def test_an_action_in_a_campaign_the_plan_does_not_cover_is_refused(
    repo: Path, emulator: Emulator
) -> None:
    _setup(repo, emulator)
    emulator.add_campaign("c9")
    victim = emulator.create_schedule("c9", body("precious"))
    plan = _plan(emulator)
    forged = {
        "kind": "delete",
        "campaign_id": "c9",
        "name": "precious",
        "schedule_id": victim["id"],
        "base_etag": victim["etag"],
        "base": {},
        **dict.fromkeys(("body", "desired", "desired_hash", "source")),
        "changes": [],
    }
    plan["actions"].append(forged)
    _refused(emulator, plan, "is in campaign 'c9', which the plan does not cover")
    assert [s["name"] for s in emulator.schedules("c9")] == ["precious"]


def test_a_create_no_file_declares_is_refused(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    forged = json.loads(json.dumps(_action(plan, "a")))
    forged["name"] = forged["body"]["name"] = forged["desired"]["name"] = "intruder"
    forged["desired_hash"] = payload_hash(forged["desired"])
    plan["actions"].append(forged)
    _refused(emulator, plan, "creates a schedule that no desired file declares")


def test_an_update_body_other_than_the_file_and_base_give_is_refused(
    repo: Path, emulator: Emulator
) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    update = _action(plan, "b")
    wide_open = [
        {"startTime": "00:00", "endTime": "23:59", "timeZone": "UTC", "enabled": True},
    ]
    update["body"] = {**update["body"], "regulatoryWindows": wide_open, "blackoutPeriods": []}
    assert update["desired_hash"] == payload_hash(update["desired"])  # still matches git
    stderr = _refused(emulator, plan, "(update c1/b (")
    assert "differs in body from what schedules/c1/b.yaml and the plan's base give" in stderr


def test_a_forged_base_cannot_widen_an_update(repo: Path, emulator: Emulator) -> None:
    """The base is what a plan may carry; an update re-derived from a forged one is refused
    unless the patch is exactly what file and base give (then it only moves toward git)."""
    _setup(repo, emulator)
    plan = _plan(emulator)
    update = _action(plan, "b")
    update["base"]["dialerSettings"]["callRate"] = 12  # claims live already matches git
    _refused(emulator, plan, "(update c1/b (")


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["/etc"], "path '/etc' is absolute"),
        (["schedules/../../outside"], "climbs out with '..'"),
        (["escape"], "resolves outside the repository"),
    ],
)
def test_plan_paths_must_lie_inside_the_repository(
    repo: Path, emulator: Emulator, paths: list[str], message: str
) -> None:
    _setup(repo, emulator)
    outside = repo.parent / f"{repo.name}-outside"
    outside.mkdir()
    (repo / "escape").symlink_to(outside)
    plan = _plan(emulator)
    plan["paths"] = paths
    _refused(emulator, plan, message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "it holds NaN, which JSON does not allow"),
        ("Infinity", "it holds Infinity, which JSON does not allow"),
        ("-Infinity", "Infinity, which JSON does not allow"),
        ('"30"', "/limits/max_call_rate must be a number, not str"),
        ("1e400", "the number 1e400 is too large"),
    ],
)
def test_non_finite_or_non_numeric_limits_are_refused(
    repo: Path, emulator: Emulator, value: str, message: str
) -> None:
    _setup(repo, emulator)
    _plan(emulator)
    text = Path("plan.json").read_text(encoding="utf-8")
    rate = json.loads(text)["limits"]["max_call_rate"]
    edited = text.replace(f'"max_call_rate": {rate}', f'"max_call_rate": {value}')
    assert edited != text
    Path("plan.json").write_text(edited, encoding="utf-8")
    emulator.reset_counters()
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert counters(emulator) == {}


def test_the_trail_records_what_was_sent_and_the_tenant(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    tenant = f"{emulator.base_url.split('://')[1]} client {emulator.client_id}"
    assert plan["tenant"] == tenant
    assert cli(emulator, ["apply", "plan.json"]).exit_code == 0
    trail = records()
    intents = {r["schedule"]: r for r in trail if r["phase"] == "intent"}
    assert intents["a"]["sent_hash"] == payload_hash(_action(plan, "a")["body"])
    assert intents["b"]["sent_hash"] == payload_hash(_action(plan, "b")["body"])
    assert _action(plan, "b")["body"] == {"dialerSettings": {"callRate": 12}}
    assert {r["tenant"] for r in trail} == {tenant}
    assert live(emulator, "c1")["b"]["dialerSettings"]["callRate"] == 12


def test_a_plan_is_bound_to_its_tenant(repo: Path, emulator_factory: EmulatorFactory) -> None:
    planned = emulator_factory(campaigns=("c1", "c2"))
    other = emulator_factory(campaigns=("c1", "c2"))
    _setup(repo, planned)
    _setup(repo, other)
    plan = _plan(planned)
    host_a = planned.base_url.split("://")[1]
    host_b = other.base_url.split("://")[1]
    assert plan["tenant"] == f"{host_a} client {planned.client_id}"
    assert planned.client_secret not in Path("plan.json").read_text(encoding="utf-8")
    other.reset_counters()
    result = cli(other, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert (
        f"plan.json was made against tenant {host_a} client {planned.client_id}, but this "
        f"apply would write to tenant {host_b} client {other.client_id}; nothing was applied"
    ) in result.stderr
    assert counters(other) == {}
    assert "a" not in live(other, "c1")


def test_a_plan_with_the_tenant_edited_is_refused(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    plan["tenant"] = "acme.api.nice.incontact.com client prod"
    _refused(emulator, plan, "was made against tenant acme.api.nice.incontact.com client prod")


def test_an_untouched_plan_still_applies(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator, prune_c1=True)
    _plan(emulator, "--prune")
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 0, result.output
    assert sorted(live(emulator, "c1")) == ["a", "b"]  # manual pruned, as reviewed


def test_prune_with_some_files_of_a_campaign_is_refused(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator, prune_c1=True)
    emulator.create_schedule("c1", body("a"))
    emulator.reset_counters()
    before = live(emulator, "c1")
    one_file = "schedules/c1/a.yaml"
    for args in (["apply", "--prune", "--auto-approve", one_file], ["plan", "--prune", one_file]):
        result = cli(emulator, args)
        assert result.exit_code == 1, result.output
        assert (
            "error: --prune needs every file of a campaign it prunes, and these were not given: "
            "schedules/c1/b.yaml; they may declare schedules a prune would delete."
        ) in result.stderr
    # The tenant may be read while the files validate; nothing is written.
    assert {key[0].split()[0] for key in counters(emulator)} <= {"GET", "POST"}
    assert not any(
        key[0].startswith(("POST /api", "PATCH", "DELETE")) for key in counters(emulator)
    )
    assert live(emulator, "c1") == before
    whole = cli(emulator, ["apply", "--prune", "--auto-approve", "schedules/c1"])
    assert whole.exit_code == 0, whole.output
    assert sorted(live(emulator, "c1")) == ["a", "b"]  # only the schedule no file declares


def test_a_plan_of_another_minor_version_still_applies(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    plan["tool_version"] = f"{__version__.split('.')[0]}.999.0"
    Path("plan.json").write_text(json.dumps(plan), encoding="utf-8")
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 0, result.output
    assert live(emulator, "c1")["b"]["dialerSettings"]["callRate"] == 12


def test_a_noop_without_a_base_is_re_derived_from_its_file(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    noop = _action(plan, "c")
    assert noop["kind"] == "noop" and noop["base"] is None and noop["desired"] is None
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 0, result.output
    assert {n: s["description"] for n, s in live(emulator, "c2").items()} == {"c": "managed in git"}


def test_a_noop_given_a_base_its_file_does_not_match_is_refused(
    repo: Path, emulator: Emulator
) -> None:
    """A base that is not the desired body re-derives an update, not the saved noop."""
    _setup(repo, emulator)
    plan = _plan(emulator)
    noop = _action(plan, "c")
    noop["base"] = json.loads(json.dumps(_action(plan, "b")["base"])) | {"name": "c"}
    stderr = _refused(emulator, plan, "(noop c2/c (")
    assert "differs in body, changes, desired, kind from what schedules/c2/c.yaml" in stderr


def test_a_noop_no_file_declares_is_refused(repo: Path, emulator: Emulator) -> None:
    _setup(repo, emulator)
    plan = _plan(emulator)
    (manual,) = plan["unmanaged"]
    plan["unmanaged"] = []
    plan["actions"].append(
        {
            **_action(plan, "c"),
            "campaign_id": "c1",
            "name": "manual",
            "schedule_id": manual["schedule_id"],
            "base_etag": live(emulator, "c1")["manual"]["etag"],
            "source": None,
        }
    )
    _refused(emulator, plan, "(noop c1/manual (")
