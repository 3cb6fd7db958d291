"""`cxsched audit verify|show` through the entry point, on real trail files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.audit.trail import AuditTrail, RunContext, head_path
from reconciler.cli import main


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two runs: a plan, then an apply with one update (intent + outcome) in c1 and one in c2."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "audit" / "trail.jsonl"
    first = AuditTrail(path, RunContext("run-aaa", "alice", "c0ffee", "plan"))
    first.append({"event": "plan", "action": "plan", "campaigns": ["c1", "c2"]})
    second = AuditTrail(path, RunContext("run-bbb", "bob", "c0ffee", "apply plan.json"))
    for campaign, name, sid in (("c1", "morning", "s-1"), ("c2", "weekend", "s-2")):
        common = {"event": "write", "campaign": campaign, "schedule": name, "schedule_id": sid}
        second.append({**common, "action": "update", "phase": "intent", "base_etag": '"e1"'})
        second.append(
            {
                **common,
                "action": "update",
                "phase": "outcome",
                "result": "applied",
                "status": 200,
                "base_etag": '"e1"',
                "new_etag": '"e2"',
            }
        )
    return path


def test_verify_reports_count_and_head(trail: Path) -> None:
    result = _cli("audit", "verify")
    head = json.loads(head_path(trail).read_text(encoding="utf-8"))["hash"]
    assert result.exit_code == 0
    assert result.stdout == f"audit trail audit/trail.jsonl: OK, 5 record(s), head {head}\n"


def test_verify_names_the_first_bad_record_and_exits_1(trail: Path) -> None:
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace('"s-1"', '"s-9"')
    trail.write_text("".join(lines), encoding="utf-8")
    result = _cli("audit", "verify", "--audit-file", str(trail))
    assert result.exit_code == 1
    assert result.stdout == (
        f"audit trail {trail}: FAILED at line 3 (seq 3): content does not match its hash: "
        "the record was edited\n"
        "The 2 record(s) before it are intact. The trail was changed outside cxsched: restore "
        "it from a copy and find out who changed it.\n"
    )


def test_verify_of_a_trail_cut_at_the_end(trail: Path) -> None:
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    trail.write_text("".join(lines[:3]), encoding="utf-8")
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "audit trail audit/trail.jsonl: FAILED at line 4 (seq 4): truncated: the head records "
        "seq 5 but the trail ends at seq 3: records were deleted from the end"
    )


def test_verify_follows_the_config_audit_path(trail: Path) -> None:
    Path("conf").mkdir()
    Path("conf/cxsched.yaml").write_text(
        "formatVersion: 1\naudit:\n  path: ../audit/trail.jsonl\n", encoding="utf-8"
    )
    result = _cli("audit", "verify", "--config", "conf/cxsched.yaml")
    assert result.exit_code == 0
    assert result.stdout.startswith("audit trail conf/../audit/trail.jsonl: OK, 5 record(s)")


def test_verify_without_a_trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no audit trail at audit/trail.jsonl; pass --audit-file or set audit.path in "
        "cxsched.yaml\n"
    )


def test_show_filters_by_campaign_schedule_and_run(trail: Path) -> None:
    by_campaign = _cli("audit", "show", "--campaign", "c2").stdout.splitlines()
    assert [line.split("  ")[1:] for line in by_campaign] == [
        ["#4", "run-bbb", "bob", "write/intent", "update", "c2/weekend (s-2)", 'etag "e1"'],
        [
            "#5",
            "run-bbb",
            "bob",
            "write/outcome",
            "update",
            "c2/weekend (s-2)",
            "applied",
            "HTTP 200",
            'etag "e1" -> "e2"',
        ],
    ]
    assert len(_cli("audit", "show", "--schedule", "s-1").stdout.splitlines()) == 2
    assert len(_cli("audit", "show", "--schedule", "morning").stdout.splitlines()) == 2
    only_plan = _cli("audit", "show", "--run", "run-a").stdout.splitlines()
    assert [line.split("  ")[1:] for line in only_plan] == [
        ["#1", "run-aaa", "alice", "plan", "plan", "c1,c2"]
    ]


def test_show_filters_by_time_and_renders_json(trail: Path) -> None:
    records = json.loads(_cli("audit", "show", "--format", "json").stdout)
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    middle = records[2]["time"]
    since = json.loads(_cli("audit", "show", "--since", middle, "--format", "json").stdout)
    assert 3 in [r["seq"] for r in since]
    assert [r["seq"] for r in since] == [r["seq"] for r in records if r["time"] >= middle]
    until = json.loads(_cli("audit", "show", "--until", middle, "--format", "json").stdout)
    assert [r["seq"] for r in until] == [r["seq"] for r in records if r["time"] <= middle]
    assert _cli("audit", "show", "--until", "2000-01-01", "--format", "json").stdout == "[]\n"
    assert _cli("audit", "show", "--since", "2000-01-01T00:00:00").exit_code == 0


def test_show_refuses_a_bad_time(trail: Path) -> None:
    result = _cli("audit", "show", "--since", "yesterday")
    assert result.exit_code == 1  # a usage error; 2 only ever means "changes pending"
    assert "'yesterday' is not an ISO 8601 date or date-time" in result.stderr


def _head(trail: Path) -> str:
    return str(json.loads(head_path(trail).read_text(encoding="utf-8"))["hash"])


@pytest.mark.parametrize("keep", [1, 0])
def test_a_trail_cut_to_its_start_with_the_head_deleted_fails(trail: Path, keep: int) -> None:
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    trail.write_text("".join(lines[:keep]), encoding="utf-8")
    head_path(trail).unlink()
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "audit trail audit/trail.jsonl: FAILED at trail: trail.jsonl.head is missing: a trail "
        "is created with its head, so it was deleted"
    )
    assert _cli("audit", "verify", "--allow-new").exit_code == 1  # a trail that exists is not new


def test_a_new_trail_is_born_with_its_head_and_allow_new_accepts_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    new = _cli("audit", "verify", "--allow-new")
    assert (new.exit_code, new.stdout) == (
        0,
        f"audit trail audit/trail.jsonl: OK, 0 record(s), head sha256:{'0' * 64}\n"
        "note: no trail yet: a new trail (--allow-new); the first append creates it\n",
    )
    assert _cli("audit", "verify").exit_code == 1  # without the flag: no trail is an error
    path = Path("audit/trail.jsonl")
    AuditTrail(path, RunContext("run-1", "alice", None, "plan")).append({"event": "plan"})
    assert _cli("audit", "verify").exit_code == 0
    path.write_text("", encoding="utf-8")
    head_path(path).unlink()
    assert _cli("audit", "verify").exit_code == 1


def test_expect_head_anchors_the_trail(trail: Path) -> None:
    anchor = _head(trail)
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    ok = _cli("audit", "verify", "--expect-head", anchor)
    assert ok.exit_code == 0
    assert f"anchored: the expected head {anchor} is seq 5\n" in ok.stdout
    AuditTrail(trail, RunContext("run-ccc", "carol", None, "plan")).append({"event": "plan"})
    grown = _cli("audit", "verify", "--expect-head", anchor)
    assert grown.exit_code == 0  # records appended after the anchor are fine
    assert "OK, 6 record(s)" in grown.stdout
    # Cut back to 3 records and forge a matching head: the chain holds, the anchor does not.
    trail.write_text("".join(lines[:3]), encoding="utf-8")
    forged = json.loads(lines[2])
    head_path(trail).write_text(
        json.dumps({"hash": forged["hash"], "seq": forged["seq"]}), encoding="utf-8"
    )
    assert _cli("audit", "verify").exit_code == 0  # the chain alone cannot tell
    cut = _cli("audit", "verify", "--expect-head", anchor)
    assert cut.exit_code == 1
    assert cut.stdout.startswith(
        f"audit trail audit/trail.jsonl: FAILED at trail: no record has the expected head "
        f"{anchor}: the trail was rewritten, or cut before that record\n"
    )
    bad = _cli("audit", "verify", "--expect-head", "abc")
    assert bad.exit_code == 1
    assert "give a head digest as `audit verify` prints it" in bad.output


def test_a_record_with_a_duplicate_key_fails(trail: Path) -> None:
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    # A forged first value before the real one: a reader keeping the first sees "s-9".
    lines[2] = lines[2].replace('"schedule_id":"s-1"', '"schedule_id":"s-9","schedule_id":"s-1"')
    trail.write_text("".join(lines), encoding="utf-8")
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "audit trail audit/trail.jsonl: FAILED at line 3: key 'schedule_id' appears twice: "
        "two readers could disagree on this record\n"
    )


def test_a_record_not_in_canonical_form_fails(trail: Path) -> None:
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = json.dumps(json.loads(lines[1]), sort_keys=True) + "\n"  # spaces after ':'
    trail.write_text("".join(lines), encoding="utf-8")
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert "FAILED at line 2 (seq 2): the line is not its record's canonical JSON" in result.stdout
