"""Runs joining a tenant's long trail: blocks, provenance, and every break between runs named."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from reconciler.audit.continuity import (
    Provenance,
    check_continuity,
    join_run,
    load_provenance,
    origin_intact,
)
from reconciler.audit.trail import GENESIS, AuditTrail, RunContext, record_hash
from reconciler.audit.verify import read_records
from reconciler.errors import AuditError

SYNC = RunContext("sync-1", "github-actions", "c0ffee", "audit sync --tenant production")
NOW = "2027-01-04T13:00:00.000Z"


def _run(tmp_path: Path, name: str, count: int) -> list[dict[str, Any]]:
    """A CI run's own trail: a fresh chain, as a fresh checkout writes it."""
    path = tmp_path / name / "trail.jsonl"
    trail = AuditTrail(path, RunContext(f"cx-{name}", "alice", "c0ffee", "apply plan.json"))
    trail.append({"event": "plan", "action": "apply", "plan_hash": f"sha256:{name}"})
    for index in range(count - 1):
        trail.append({"event": "write", "campaign": "c1", "schedule": f"s{index}"})
    return list(read_records(path))


def _provenance(run: int) -> Provenance:
    return Provenance(tenant="production", run_url=f"https://github.com/acme/s/actions/runs/{run}")


def _long(tmp_path: Path, runs: int = 3) -> tuple[list[dict[str, Any]], list[int]]:
    """A long trail of `runs` runs; also the length of each block (records + its sync)."""
    trail: list[dict[str, Any]] = []
    sizes = []
    for number in range(1, runs + 1):
        joined = join_run(
            trail, _run(tmp_path, f"r{number}", 2 + number), _provenance(number), SYNC, NOW
        )
        trail += joined
        sizes.append(len(joined))
    return trail, sizes


def _rechain(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What someone rewriting the file would do: renumber and rehash everything."""
    out: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, record in enumerate(records, start=1):
        full = {**record, "seq": seq, "prev_hash": prev}
        full["hash"] = record_hash(full)
        out.append(full)
        prev = full["hash"]
    return out


def _gaps(records: list[dict[str, Any]]) -> list[str]:
    return [str(gap) for gap in check_continuity(records)[1]]


def test_each_run_continues_the_chain_of_the_one_before(tmp_path: Path) -> None:
    trail, sizes = _long(tmp_path)
    assert [r["seq"] for r in trail] == list(range(1, len(trail) + 1))
    assert trail[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(trail))
    assert all(r["hash"] == record_hash(r) for r in trail)
    second = trail[sizes[0]]  # the first record of run 2 links to the last of run 1
    assert second["prev_hash"] == trail[sizes[0] - 1]["hash"]
    assert (second["origin"]["seq"], second["origin"]["prev_hash"]) == (1, GENESIS)
    assert second["provenance"]["run_url"].endswith("/runs/2")
    sync = trail[sizes[0] - 1]
    assert sync["event"] == "sync"
    assert sync["block"] == {
        "index": 1,
        "records": 3,
        "run_head": trail[sizes[0] - 2]["origin"]["hash"],
        "run_ids": ["cx-r1"],
        "prev_sync": GENESIS,
    }
    assert trail[-1]["block"]["prev_sync"] == trail[sizes[0] + sizes[1] - 1]["hash"]
    assert all(origin_intact(r) for r in trail if r["event"] != "sync")
    assert check_continuity(trail) == (3, [])


def test_a_run_trail_alone_has_no_runs_to_check(tmp_path: Path) -> None:
    assert check_continuity(_run(tmp_path, "solo", 3)) == (0, [])


def test_a_missing_run_is_named(tmp_path: Path) -> None:
    trail, sizes = _long(tmp_path)
    without = _rechain(trail[: sizes[0]] + trail[sizes[0] + sizes[1] :])
    [gap] = _gaps(without)
    assert gap.endswith(
        "run(s) #2 missing before run #3 (GitHub run https://github.com/acme/s/actions/runs/3)"
    )


def test_a_reordered_run_is_named(tmp_path: Path) -> None:
    trail, (one, two, _three) = _long(tmp_path)
    swapped = _rechain(trail[:one] + trail[one + two :] + trail[one : one + two])
    gaps = _gaps(swapped)
    assert "run(s) #2 missing before run #3" in gaps[0]
    assert any(
        "run #2 (GitHub run https://github.com/acme/s/actions/runs/2) is out of order: "
        "it comes after run #3" in gap
        for gap in gaps
    )


def test_a_record_from_a_run_that_is_not_on_the_trail_is_named(tmp_path: Path) -> None:
    trail, (one, _two, _three) = _long(tmp_path)
    stranger = join_run([], _run(tmp_path, "x", 3), _provenance(9), SYNC, NOW)[1]
    forged = {**stranger, "provenance": trail[one]["provenance"]}
    rewritten = _rechain([*trail[: one + 1], forged, *trail[one + 1 :]])
    gaps = _gaps(rewritten)
    assert any(
        "record of cxsched run cx-x does not follow the record before it in run #2" in gap
        for gap in gaps
    )
    assert any(
        "run #2 (GitHub run https://github.com/acme/s/actions/runs/2) declares 4 record(s) "
        "but 5 precede it" in gap
        for gap in gaps
    )


def test_a_rewritten_record_is_not_what_its_run_wrote(tmp_path: Path) -> None:
    trail, (one, _two, _three) = _long(tmp_path)
    trail[one + 1]["schedule"] = "someone else's"
    gap, then = _gaps(_rechain(trail))
    assert then.endswith(
        "was appended after another run than the one before it: a run was "
        "removed, replaced or reordered"
    )  # run 2's sync was rehashed too
    assert gap == (
        f"seq {one + 2}: record of cxsched run cx-r2 in run #2 (GitHub run "
        "https://github.com/acme/s/actions/runs/2) is not what the run wrote: it was changed "
        "after the run, or comes from a run that is not on the trail"
    )


def test_records_after_the_last_run_belong_to_no_run(tmp_path: Path) -> None:
    trail, _ = _long(tmp_path, runs=1)
    extra = _run(tmp_path, "late", 2)
    [gap] = _gaps(_rechain(trail + extra))
    assert "(cxsched run(s) cx-late) belong to no run on the trail" in gap


def test_a_run_that_lost_its_last_record_is_named(tmp_path: Path) -> None:
    trail, (one, _two, _three) = _long(tmp_path)
    cut = _rechain(trail[: one + 3] + trail[one + 4 :])  # run 2: 4 records, then its sync
    gaps = _gaps(cut)
    assert any(
        "run #2" in gap and "records at the end of the run are missing" in gap for gap in gaps
    )


def test_joining_refuses_records_already_on_a_long_trail(tmp_path: Path) -> None:
    trail, _ = _long(tmp_path, runs=1)
    with pytest.raises(AuditError, match="already belongs to a long trail"):
        join_run(trail, trail, _provenance(2), SYNC, NOW)
    with pytest.raises(AuditError, match="nothing to append"):
        join_run(trail, [], _provenance(2), SYNC, NOW)
    # A record's `tenant` names the API host and client; the trail's name is the label.
    acme = [{**record, "tenant": "acme.example client ci"} for record in _run(tmp_path, "a", 2)]
    joined = join_run([], acme, _provenance(1), SYNC, NOW)
    staging = [
        {**record, "tenant": "staging.example client ci"} for record in _run(tmp_path, "s", 2)
    ]
    with pytest.raises(
        AuditError,
        match=re.escape(
            "record seq 1 of the run trail is of tenant 'staging.example client ci', but the "
            "trail's records are of API host 'acme.example'"
        ),
    ):
        join_run(joined, staging, _provenance(2), SYNC, NOW)
    mixed = [acme[0], {**staging[1], "seq": 2}]
    with pytest.raises(AuditError, match="record seq 2 of the run trail is of tenant 'staging"):
        join_run([], mixed, _provenance(1), SYNC, NOW)
    rotated = [
        {**record, "tenant": "acme.example client ci-2"} for record in _run(tmp_path, "b", 2)
    ]
    assert join_run(joined, rotated, _provenance(2), SYNC, NOW)[-1]["block"]["index"] == 2


def test_provenance_is_read_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "run-info.json"
    info = {
        "tenant": "production",
        "run_url": "https://github.com/acme/s/actions/runs/7",
        "commit": "ab" * 20,
        "pull_request": 12,
        "approvers": [{"login": "carol\x1b[31m", "state": "approved", "environments": ["prod"]}],
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    provenance = load_provenance(path, "production")
    assert provenance.pull_request == 12
    assert provenance.approvers[0].to_json() == {
        "login": "carol?[31m",
        "state": "approved",
        "environments": ["prod"],
        "comment": "",
    }
    assert load_provenance(None, "production") == Provenance(tenant="production")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"tenant": "staging"}', "describes tenant 'staging', not 'production'"),
        ('{"pull_request": NaN}', "not JSON"),
        ('{"pull_request": "12"}', "'pull_request' must be a positive whole number"),
        ('{"run_url": 5}', "'run_url' must be a string"),
        ('{"approvers": [{"state": "approved"}]}', "every approver needs a 'login' string"),
        ("[]", "not a JSON object"),
        ('{"approvers": [{"login": "a", "environments": "prod"}]}', "a list of names"),
    ],
)
def test_bad_provenance_is_refused_with_the_file_and_field(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "run-info.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AuditError, match=r"run-info\.json: ") as caught:
        load_provenance(path, "production")
    assert message in str(caught.value)


def test_missing_or_huge_provenance_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="cannot read the run information"):
        load_provenance(tmp_path / "absent.json", "production")
    huge = tmp_path / "huge.json"
    huge.write_text(" " * (300 * 1024), encoding="utf-8")
    with pytest.raises(AuditError, match="larger than"):
        load_provenance(huge, "production")
