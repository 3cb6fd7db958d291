"""Property: an edited plan.json is refused before any write, or sends exactly the fresh plan.

For random desired and live states of a campaign and a random edit of the saved plan,
`cxsched apply plan.json` either refuses the whole plan with no write reaching the emulator
and the tenant unchanged, or its writes (as the trail's intent records name them: kind,
schedule and the digest of the body sent) are exactly those of the plan `cxsched plan` made
from the same files. The one edit a plan without a signature cannot reveal is a delete removed
together with the live schedule it was based on: that plan looks made before the schedule
existed, and apply then does less than reviewed (that delete is not sent), never more.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.emulator import Emulator
from reconciler.plan.normalise import payload_hash
from support.apply import body, cli, counters, records, write_file

_campaigns = itertools.count()
_WRITES = ("POST", "PATCH", "DELETE")
Edit = Callable[[dict[str, Any], int], None]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


def _pick(items: list[Any], n: int) -> Any:
    return items[n % len(items)] if items else None


def _set_kind(plan: dict[str, Any], n: int) -> None:
    if action := _pick(plan["actions"], n):
        action["kind"] = ("create", "update", "delete", "noop")[n % 4]


def _widen_body(plan: dict[str, Any], n: int) -> None:
    if action := _pick([a for a in plan["actions"] if a["body"]], n):
        action["body"]["regulatoryWindows"] = [
            {"startTime": "00:00", "endTime": "23:59", "timeZone": "UTC", "enabled": True}
        ]


def _rate(plan: dict[str, Any], n: int) -> None:
    if action := _pick([a for a in plan["actions"] if a["desired"]], n):
        action["desired"]["dialerSettings"]["callRate"] = 29
        action["desired_hash"] = payload_hash(action["desired"])
        if action["body"] is not None:
            action["body"]["dialerSettings"] = action["desired"]["dialerSettings"]


def _drop(plan: dict[str, Any], n: int) -> None:
    if plan["actions"]:
        del plan["actions"][n % len(plan["actions"])]


def _duplicate(plan: dict[str, Any], n: int) -> None:
    if action := _pick(plan["actions"], n):
        plan["actions"].append(copy.deepcopy(action))


def _unmanaged_to_delete(plan: dict[str, Any], n: int) -> None:
    if item := _pick(plan["unmanaged"], n):
        plan["unmanaged"].remove(item)
        plan["actions"].append(
            {
                **item,
                "kind": "delete",
                "base_etag": '"1"',
                "base": {"name": item["name"]},
                "changes": [],
                **dict.fromkeys(("body", "desired", "desired_hash", "source")),
            }
        )


def _base(plan: dict[str, Any], n: int) -> None:
    if action := _pick([a for a in plan["actions"] if a["base"]], n):
        action["base"]["description"] = f"forged {n}"


def _other_campaign(plan: dict[str, Any], n: int) -> None:
    if action := _pick(plan["actions"], n):
        action["campaign_id"] = "elsewhere"


def _top(plan: dict[str, Any], n: int) -> None:
    key, value = _pick(
        [
            ("prune", not plan["prune"]),
            ("tenant", "other.example client x"),
            ("paths", ["/etc"]),
            ("campaigns", []),
            ("ignore", [{"campaign": "*", "name": "*", "pointers": ["/description"]}]),
        ],
        n,
    )
    plan[key] = value


def _summary(plan: dict[str, Any], n: int) -> None:
    plan["summary"] = {"create": n, "update": 0, "delete": 0, "noop": 0, "unmanaged": 0}


def _nothing(plan: dict[str, Any], n: int) -> None:
    del plan, n


EDITS: tuple[Edit, ...] = (
    _set_kind,
    _widen_body,
    _rate,
    _drop,
    _duplicate,
    _unmanaged_to_delete,
    _base,
    _other_campaign,
    _top,
    _summary,
    _nothing,
)

schedule_state = st.fixed_dictionaries(
    {
        "rate": st.sampled_from([5, 12, 15]),
        "description": st.sampled_from(["", "day shift"]),
        "live": st.sampled_from(["absent", "equal", "drifted"]),
    }
)


def _writes(emu: Emulator) -> int:
    return sum(
        n
        for (label, _), n in counters(emu).items()
        if label.startswith(_WRITES) and "/oauth/" not in label
    )


def _sent(trail: list[dict[str, Any]], run_id: str) -> list[tuple[Any, ...]]:
    """Every write of the run: kind, schedule, id, If-Match and the digest of the body sent."""
    return sorted(
        (r["action"], r["schedule"], r["schedule_id"], r["base_etag"], r["sent_hash"])
        for r in trail
        if r["run_id"] == run_id and r["phase"] == "intent"
    )


def _planned(plan: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The writes a plan makes, in the form of `_sent`."""
    return sorted(
        (
            a["kind"],
            a["name"],
            a["schedule_id"],
            a["base_etag"],
            None if a["body"] is None else payload_hash(a["body"]),
        )
        for a in plan["actions"]
        if a["kind"] != "noop"
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    schedules=st.dictionaries(st.sampled_from(["a", "b", "c"]), schedule_state, min_size=1),
    manual=st.booleans(),
    prune=st.booleans(),
    edit=st.sampled_from(EDITS),
    n=st.integers(0, 11),
)
def test_an_edited_plan_is_refused_or_is_the_fresh_plan(
    emu: Emulator,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    schedules: dict[str, dict[str, Any]],
    manual: bool,
    prune: bool,
    edit: Edit,
    n: int,
) -> None:
    campaign = f"p{next(_campaigns)}"
    emu.add_campaign(campaign)
    repo = tmp_path_factory.mktemp("repo")
    for name, state in schedules.items():
        write_file(repo, campaign, name, rate=state["rate"], description=state["description"])
        if state["live"] != "absent":
            rate = state["rate"] if state["live"] == "equal" else 9
            emu.create_schedule(campaign, body(name, rate=rate, description=state["description"]))
    if manual:
        emu.create_schedule(campaign, body("manual"))
    if prune:
        config = f"formatVersion: 1\ncampaigns:\n  {campaign}: {{prune: true}}\n"
        (repo / "cxsched.yaml").write_text(config, encoding="utf-8")
    with contextlib.chdir(repo):
        made = cli(emu, ["plan", "--out", "plan.json", *(["--prune"] if prune else [])])
        assert made.exit_code == 0, made.output
        fresh = json.loads(Path("plan.json").read_text(encoding="utf-8"))
        edited = copy.deepcopy(fresh)
        edit(edited, n)
        Path("plan.json").write_text(json.dumps(edited), encoding="utf-8")
        before = emu.schedules(campaign)
        emu.reset_counters()
        result = cli(emu, ["apply", "plan.json"])
        trail = records() if Path("audit/trail.jsonl").exists() else []
    if result.exit_code != 0:  # refused, before any write
        assert result.exit_code == 1
        assert result.stderr.startswith("error: "), result.output
        assert _writes(emu) == 0
        assert emu.schedules(campaign) == before
        return
    applied = [r for r in trail if r["event"] == "plan" and r["action"] == "apply"]
    assert len(applied) == 1
    # What reached the tenant is the fresh plan's writes, less a delete the edit removed whole.
    sent = _sent(trail, applied[0]["run_id"])
    planned = _planned(fresh)
    assert set(sent) <= set(planned), edit.__name__
    kept = {a["schedule_id"] for a in edited["actions"]}
    for missing in set(planned) - set(sent):
        assert missing[0] == "delete" and missing[2] not in kept, (edit.__name__, missing)
    assert _writes(emu) == len(sent)
