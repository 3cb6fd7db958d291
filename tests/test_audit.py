"""The audit trail: chained appends, the head sidecar, and every kind of tampering caught."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reconciler.audit.trail import (
    GENESIS,
    RECORD_FIELDS,
    AuditTrail,
    Check,
    Head,
    RunContext,
    head_path,
    read_head,
    record_hash,
    run_context,
    trail_path,
)
from reconciler.audit.verify import RecordFilter, read_records, verify_trail
from reconciler.config import RepoConfig
from reconciler.errors import AuditError

CONTEXT = RunContext(run_id="run-1", actor="alice", commit="abc123", command="apply plan.json")


def _trail(tmp_path: Path, count: int = 4) -> Path:
    path = tmp_path / "audit" / "trail.jsonl"
    trail = AuditTrail(path, CONTEXT)
    for index in range(count):
        trail.append({"event": "write", "campaign": "c1", "schedule": f"s{index}", "status": 200})
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _problem(path: Path) -> str:
    report = verify_trail(path)
    assert not report.ok
    return str(report.problem)


def test_records_are_stamped_and_chained(tmp_path: Path) -> None:
    path = _trail(tmp_path, 3)
    records = list(read_records(path))
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert records[0]["prev_hash"] == GENESIS
    assert [r["prev_hash"] for r in records[1:]] == [r["hash"] for r in records[:2]]
    for record in records:
        assert tuple(sorted(record)) == tuple(sorted(RECORD_FIELDS))
        assert record["hash"] == record_hash(record)
        assert record["time"].endswith("Z")
        assert (record["run_id"], record["actor"], record["commit"]) == ("run-1", "alice", "abc123")
    assert read_head(path) == Head(3, records[-1]["hash"])


def test_the_hash_covers_the_canonical_json_without_hash(tmp_path: Path) -> None:
    import hashlib

    path = _trail(tmp_path, 1)
    line = _lines(path)[0]
    record = json.loads(line)
    body = {k: v for k, v in record.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert record["hash"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert line == json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


def test_an_intact_trail_verifies(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    report = verify_trail(path)
    assert report.ok
    assert report.count == 4
    assert report.head_hash == json.loads(_lines(path)[-1])["hash"]
    assert report.note is None


def test_an_edited_record_is_named(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    lines = _lines(path)
    lines[1] = lines[1].replace('"status":200', '"status":201')
    path.write_text("".join(lines), encoding="utf-8")
    assert _problem(path) == (
        "line 2 (seq 2): content does not match its hash: the record was edited"
    )


def test_an_edited_and_rehashed_record_breaks_the_next_link(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    lines = _lines(path)
    record = json.loads(lines[1])
    record["schedule"] = "forged"
    record["hash"] = record_hash(record)
    lines[1] = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    assert _problem(path) == (
        "line 3 (seq 3): prev_hash does not match the hash of seq 2: that record was edited "
        "and rehashed, or records were replaced"
    )


def test_a_deleted_record_is_named(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    lines = _lines(path)
    del lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    assert _problem(path) == (
        "line 2 (seq 3): seq 3 where 2 was expected: records before it were deleted, "
        "inserted or reordered"
    )


def test_reordered_records_are_named(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    lines = _lines(path)
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    assert _problem(path).startswith("line 2 (seq 3): seq 3 where 2 was expected")


def test_deleting_the_tail_is_caught_by_the_head(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    path.write_text("".join(_lines(path)[:2]), encoding="utf-8")
    assert _problem(path) == (
        "line 3 (seq 3): truncated: the head records seq 4 but the trail ends at seq 2: "
        "records were deleted from the end"
    )


def test_deleting_every_record_is_caught(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    path.write_text("", encoding="utf-8")
    assert _problem(path).startswith("line 1 (seq 1): truncated: the head records seq 4")
    path.unlink()
    assert _problem(path).startswith("line 1 (seq 1): truncated")


def test_a_partial_last_line_is_named(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-20])
    assert _problem(path) == "line 4: incomplete last line (an append was interrupted)"


def test_garbage_and_missing_fields_are_named(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    lines = _lines(path)
    path.write_text("".join([lines[0], "not json\n", *lines[2:]]), encoding="utf-8")
    assert _problem(path) == "line 2: not a JSON record"
    path.write_text("".join([lines[0], "[1]\n"]), encoding="utf-8")
    assert _problem(path) == "line 2: not a JSON object"
    path.write_text("".join([lines[0], '{"seq": 2}\n']), encoding="utf-8")
    assert _problem(path).startswith("line 2 (seq 2): missing field(s) time, run_id,")


def test_a_missing_or_replaced_head_is_caught(tmp_path: Path) -> None:
    path = _trail(tmp_path)
    head = head_path(path)
    saved = head.read_text(encoding="utf-8")
    head.write_text(json.dumps({"seq": 4, "hash": GENESIS}), encoding="utf-8")
    assert _problem(path).startswith("line 4 (seq 4): the head (seq 4, sha256:000")
    head.unlink()
    assert _problem(path).startswith(
        "trail: trail.jsonl.head is missing: a trail is created with its head, so it was deleted"
    )
    head.write_text("{broken", encoding="utf-8")
    with pytest.raises(AuditError, match=r"unreadable audit head"):
        verify_trail(path)
    head.write_text(saved, encoding="utf-8")
    assert verify_trail(path).ok


def test_a_head_one_record_behind_is_an_interrupted_append(tmp_path: Path) -> None:
    path = _trail(tmp_path, 2)
    head = head_path(path)
    before = head.read_text(encoding="utf-8")
    AuditTrail(path, CONTEXT).append({"event": "write"})
    head.write_text(before, encoding="utf-8")  # killed between the record and the head
    report = verify_trail(path)
    assert report.ok and report.count == 3
    assert report.note is not None and "one record behind" in report.note
    AuditTrail(path, CONTEXT).append({"event": "write"})
    assert verify_trail(path).note is None
    assert verify_trail(path).count == 4


def test_the_first_append_killed_before_its_head_still_verifies(tmp_path: Path) -> None:
    """A trail is born with its head (seq 0): an append killed before moving it leaves that."""
    path = _trail(tmp_path, 1)
    head_path(path).write_text(json.dumps({"seq": 0, "hash": GENESIS}), encoding="utf-8")
    assert verify_trail(path).ok
    AuditTrail(path, CONTEXT).append({"event": "write"})
    assert verify_trail(path).count == 2


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("tail", "the end of the trail (seq 2) does not match its head"),
        ("partial", "the last line is incomplete"),
        ("garbage", "the last line is not an audit record"),
        ("head", "its head file trail.jsonl.head is missing"),
        ("head0", "the head (seq 0) is behind the end (seq 3)"),
    ],
)
def test_appending_to_a_damaged_trail_is_refused(tmp_path: Path, damage: str, message: str) -> None:
    path = _trail(tmp_path, 3)
    lines = _lines(path)
    if damage == "tail":
        path.write_text("".join(lines[:2]), encoding="utf-8")
    elif damage == "partial":
        path.write_text("".join(lines)[:-5], encoding="utf-8")
    elif damage == "garbage":
        path.write_text("".join(lines[:2]) + "oops\n", encoding="utf-8")
    elif damage == "head0":
        head_path(path).write_text(json.dumps({"seq": 0, "hash": GENESIS}), encoding="utf-8")
    else:
        head_path(path).unlink()
    before = path.read_bytes()
    with pytest.raises(AuditError, match=re.escape(message)) as caught:
        AuditTrail(path, CONTEXT).append({"event": "write"})
    assert "cxsched audit verify --audit-file" in str(caught.value)
    assert path.read_bytes() == before


def test_reserved_keys_cannot_be_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\['hash', 'seq'\]"):
        AuditTrail(tmp_path / "t.jsonl", CONTEXT).append({"seq": 9, "hash": "x"})


def test_an_unwritable_trail_is_an_audit_error(tmp_path: Path) -> None:
    blocker = tmp_path / "dir"
    blocker.mkdir()
    with pytest.raises(AuditError, match=r"cannot open the audit trail"):
        AuditTrail(blocker, CONTEXT).append({"event": "write"})


def test_threads_append_one_record_each_without_gaps(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    trail = AuditTrail(path, CONTEXT)

    def work(worker: int) -> None:
        for index in range(20):
            trail.append({"event": "write", "schedule": f"{worker}-{index}"})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    report = verify_trail(path)
    assert report.ok and report.count == 120


_WORKER = """
import sys
from pathlib import Path
from reconciler.audit.trail import AuditTrail, run_context
trail = AuditTrail(Path(sys.argv[1]), run_context("worker"))
for index in range(40):
    trail.append({"event": "write", "schedule": sys.argv[2] + str(index)})
"""


def test_processes_append_without_interleaving(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(path), name], cwd=tmp_path)
        for name in ("a", "b", "c")
    ]
    assert [proc.wait(timeout=60) for proc in procs] == [0, 0, 0]
    report = verify_trail(path)
    assert report.ok and report.count == 120
    assert len({r["run_id"] for r in read_records(path)}) == 3


def test_run_context_prefers_the_ci_environment(tmp_path: Path) -> None:
    env = {"GITHUB_ACTOR": "octocat", "GITHUB_SHA": "f" * 40}
    context = run_context("apply", env=env, cwd=tmp_path)
    assert (context.actor, context.commit, context.command) == ("octocat", "f" * 40, "apply")
    assert run_context("apply", env=env).run_id != context.run_id


def test_run_context_falls_back_to_local_git(tmp_path: Path) -> None:
    git_env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (
        ["init", "-q"],
        ["config", "user.name", "Local Dev"],
        ["config", "user.email", "dev@example.com"],
        ["commit", "-q", "--allow-empty", "-m", "x"],
    ):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, env=git_env)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    context = run_context("apply", env={}, cwd=tmp_path)
    assert (context.actor, context.commit) == ("Local Dev", head)


def test_run_context_without_git_uses_the_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    context = run_context("apply", env={}, cwd=tmp_path)
    assert context.commit is None
    assert context.actor == getpass.getuser()


def test_trail_path_follows_flag_then_config(tmp_path: Path) -> None:
    assert trail_path(RepoConfig(), None) == Path("audit/trail.jsonl")
    config = RepoConfig(audit_path=Path("logs/a.jsonl"), source=tmp_path / "cxsched.yaml")
    assert trail_path(config, None) == tmp_path / "logs/a.jsonl"
    assert trail_path(config, Path("x.jsonl")) == Path("x.jsonl")


def test_checks_are_recorded_as_given(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    check = Check("validate", True, "3 files, 0 errors")
    AuditTrail(path, CONTEXT).append({"event": "plan", "checks": [check.to_json()]})
    (record,) = read_records(path)
    assert record["checks"] == [{"name": "validate", "passed": True, "detail": "3 files, 0 errors"}]


def test_record_filter_selects_by_every_criterion() -> None:
    from datetime import UTC, datetime

    record = {
        "campaign": "c1",
        "schedule": "morning",
        "schedule_id": "s-1",
        "run_id": "20270104T130000Z-abcd",
        "time": "2027-01-04T13:00:00.000Z",
    }
    assert RecordFilter().matches(record)
    assert RecordFilter(campaign="c1", schedule="s-1", run="20270104").matches(record)
    assert RecordFilter(schedule="morning").matches(record)
    assert not RecordFilter(campaign="c2").matches(record)
    assert not RecordFilter(schedule="evening").matches(record)
    assert not RecordFilter(run="2028").matches(record)
    noon = datetime(2027, 1, 4, 12, tzinfo=UTC)
    one = datetime(2027, 1, 4, 13, tzinfo=UTC)
    assert RecordFilter(since=noon, until=one).matches(record)
    assert not RecordFilter(since=datetime(2027, 1, 4, 14, tzinfo=UTC)).matches(record)
    assert not RecordFilter(until=noon).matches(record)
    assert not RecordFilter(until=noon).matches({**record, "time": "garbage"})


def test_read_records_names_an_unreadable_line(tmp_path: Path) -> None:
    path = _trail(tmp_path, 2)
    path.write_text(_lines(path)[0] + "{oops\n", encoding="utf-8")
    with pytest.raises(AuditError, match=r"line 2: not a JSON record"):
        list(read_records(path))
    with pytest.raises(AuditError, match=r"no audit trail at"):
        list(read_records(tmp_path / "none.jsonl"))


def test_a_trail_is_born_with_its_head(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "trail.jsonl"
    path.parent.mkdir()
    # Killed right after creating the head: a new, empty trail, which verifies and carries on.
    head_path(path).write_text(json.dumps({"hash": GENESIS, "seq": 0}), encoding="utf-8")
    report = verify_trail(path)
    assert (report.ok, report.count, report.head_hash) == (True, 0, GENESIS)
    AuditTrail(path, CONTEXT).append({"event": "plan"})
    assert read_head(path) == Head(1, record_hash(json.loads(_lines(path)[0])))
    assert verify_trail(path).ok
    # Without its head, a trail is damaged whatever it holds, and nothing is appended to it.
    head_path(path).unlink()
    assert not verify_trail(path).ok
    with pytest.raises(AuditError, match=r"its head file trail\.jsonl\.head is missing"):
        AuditTrail(path, CONTEXT).append({"event": "plan"})
    path.write_text("", encoding="utf-8")
    assert not verify_trail(path).ok
    with pytest.raises(AuditError, match=r"its head file trail\.jsonl\.head is missing"):
        AuditTrail(path, CONTEXT).append({"event": "plan"})
