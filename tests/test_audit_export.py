"""`cxsched audit show` by tenant and event, and `audit export`: the officer's table, verified."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.audit.continuity import Approver, Provenance, join_run
from reconciler.audit.export import escape_cell
from reconciler.audit.trail import AuditTrail, RunContext, head_path, record_hash
from reconciler.audit.verify import read_records
from reconciler.cli import main
from reconciler.util.hashing import canonical_json

RUNS = "https://github.com/acme/schedules/actions/runs"
SNEAKY = '=HYPERLINK("http://x")'


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _run(folder: Path, run_id: str, writes: list[tuple[str, str, int, int]]) -> list[Any]:
    """A run's own trail: its plan, then an update's intent and outcome per (campaign, name)."""
    path = folder / run_id / "trail.jsonl"
    trail = AuditTrail(path, RunContext(run_id, "octocat", "c0ffee" + run_id, "apply plan.json"))
    trail.append({"event": "plan", "action": "apply", "plan_hash": f"sha256:plan-{run_id}"})
    for campaign, name, before, after in writes:
        common = {"campaign": campaign, "schedule": name, "schedule_id": f"id-{name}"}
        change = [{"pointer": "/dialerSettings/callRate", "before": before, "after": after}]
        trail.append(
            {"event": "write", **common, "action": "update", "phase": "intent", "changes": change}
        )
        trail.append(
            {
                "event": "write",
                **common,
                "action": "update",
                "phase": "outcome",
                "result": "applied",
                "status": 200,
            }
        )
    return list(read_records(path))


@pytest.fixture
def long_trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two approved runs of tenant production, joined as the audit branch holds them."""
    monkeypatch.chdir(tmp_path)
    records: list[dict[str, Any]] = []
    runs = [
        ("run-1", [("collections", "Weekday", 10, 12), ("renewals", "Weekend", 5, 6)], "carol"),
        ("run-2", [("collections", SNEAKY, 12, -3)], "@dave"),
    ]
    for number, (run_id, writes, approver) in enumerate(runs, start=1):
        provenance = Provenance(
            tenant="production",
            run_url=f"{RUNS}/{number}",
            pull_request=number,
            pull_request_url=f"https://github.com/acme/schedules/pull/{number}",
            approvers=(Approver(approver, "approved", ("production",), ""),),
        )
        context = RunContext(f"sync-{number}", "github-actions", None, "audit sync")
        now = f"2026-0{number}-15T10:00:00.000Z"
        records += join_run(records, _run(tmp_path, run_id, writes), provenance, context, now)
    path = tmp_path / "trails" / "production.jsonl"
    path.parent.mkdir()
    path.write_text("".join(canonical_json(r) + "\n" for r in records), encoding="utf-8")
    head = {"hash": records[-1]["hash"], "seq": records[-1]["seq"]}
    head_path(path).write_text(canonical_json(head) + "\n", encoding="utf-8")
    return path


def test_show_filters_by_tenant_and_kind_of_event(long_trail: Path) -> None:
    trail = str(long_trail)
    syncs = _cli(
        "audit",
        "show",
        "--audit-file",
        trail,
        "--tenant",
        "production",
        "--event",
        "sync",
        "--format",
        "json",
    )
    assert [r["block"]["index"] for r in json.loads(syncs.stdout)] == [1, 2]
    assert _cli("audit", "show", "--audit-file", trail, "--tenant", "staging").stdout == ""
    text = _cli("audit", "show", "--audit-file", trail, "--event", "sync").stdout.splitlines()
    assert [line.split("  ", 4)[4] for line in text] == [
        f"sync  append  appended  run #1 of production {RUNS}/1 approved by carol",
        f"sync  append  appended  run #2 of production {RUNS}/2 approved by @dave",
    ]
    plans_and_writes = _cli(
        "audit",
        "show",
        "--audit-file",
        trail,
        "--event",
        "plan",
        "--event",
        "write",
        "--campaign",
        "renewals",
        "--format",
        "json",
    )
    assert [(r["event"], r.get("phase")) for r in json.loads(plans_and_writes.stdout)] == [
        ("write", "intent"),
        ("write", "outcome"),
    ]


def test_verify_of_a_long_trail_checks_the_runs(long_trail: Path) -> None:
    result = _cli("audit", "verify", "--audit-file", str(long_trail))
    assert result.exit_code == 0
    assert (
        result.output.splitlines()[1] == "continuity: OK, 2 run(s), each following the one before"
    )


def test_export_writes_the_officers_table_for_a_campaign_and_period(long_trail: Path) -> None:
    result = _cli(
        "audit",
        "export",
        "--audit-file",
        str(long_trail),
        "--campaign",
        "collections",
        "--since",
        "2026-01-01",
        "--until",
        "2026-12-31",
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    head = json.loads(long_trail.read_text().splitlines()[-1])["hash"]
    assert all(r["time"].startswith("2026-") for r in rows)
    assert [
        (
            r["schedule"],
            r["changes"],
            r["approved_by"],
            r["pull_request"],
            r["run_url"],
            r["plan_hash"],
            r["commit"],
        )
        for r in rows
    ] == [
        (
            "Weekday",
            "/dialerSettings/callRate: 10 -> 12",
            "carol (production)",
            "https://github.com/acme/schedules/pull/1",
            f"{RUNS}/1",
            "sha256:plan-run-1",
            "c0ffeerun-1",
        ),
        (
            "'" + SNEAKY,
            "/dialerSettings/callRate: 12 -> -3",
            "'@dave (production)",
            "https://github.com/acme/schedules/pull/2",
            f"{RUNS}/2",
            "sha256:plan-run-2",
            "c0ffeerun-2",
        ),
    ]
    assert {r["trail_head"] for r in rows} == {head}
    assert {r["trail_check"] for r in rows} == {f"OK, 10 record(s) in 2 run(s), head {head}"}
    assert result.stderr == f"audit trail: OK, 10 record(s) in 2 run(s), head {head}\n"
    none = _cli("audit", "export", "--audit-file", str(long_trail), "--until", "2000-01-01")
    assert none.stdout.splitlines() == [none.stdout.splitlines()[0]]  # the header only


def test_export_as_json_to_a_file(long_trail: Path, tmp_path: Path) -> None:
    out = tmp_path / "officer.json"
    result = _cli(
        "audit",
        "export",
        "--audit-file",
        str(long_trail),
        "--format",
        "json",
        "--campaign",
        "renewals",
        "--out",
        str(out),
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.startswith(f"wrote 1 change(s) to {out}\naudit trail: OK, 10 record(s)")
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["verification"]["ok"] is True
    assert document["verification"]["runs"] == 2
    assert document["criteria"]["campaign"] == "renewals"
    [row] = document["rows"]
    assert (row["schedule"], row["changes"], row["approved_by"]) == (
        "Weekend",
        "/dialerSettings/callRate: 5 -> 6",
        "carol (production)",
    )


def test_export_to_a_file_that_cannot_be_written_exits_1(long_trail: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    out = tmp_path / "a-file" / "officer.csv"
    result = _cli("audit", "export", "--audit-file", str(long_trail), "--out", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"cannot write {out}" in result.stderr
    assert "Traceback" not in result.output


def test_export_of_a_damaged_trail_says_so_and_exits_1(long_trail: Path) -> None:
    lines = long_trail.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[2]
    long_trail.write_text("".join(lines), encoding="utf-8")
    result = _cli("audit", "export", "--audit-file", str(long_trail))
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["trail_check"] for r in rows} == {
        "FAILED at line 3 (seq 4): seq 4 where 3 was expected: records before it were deleted, "
        "inserted or reordered"
    }
    assert result.stderr.startswith("audit trail: FAILED at line 3 (seq 4)")


def test_export_from_a_branch_needs_the_tenant(long_trail: Path) -> None:
    result = _cli("audit", "export", "--branch", "cxsched-audit")
    assert result.exit_code == 1  # a usage error
    assert "--branch needs --tenant" in result.stderr
    verify = _cli("audit", "verify", "--branch", "cxsched-audit")
    assert verify.exit_code == 1
    assert "--branch needs --tenant" in verify.stderr


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (12, "12"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_escaped(cell: object, written: str) -> None:
    assert escape_cell(cell) == written


def test_export_names_a_gap_between_runs_and_refuses_a_bad_date(long_trail: Path) -> None:
    records = [json.loads(line) for line in long_trail.read_text(encoding="utf-8").splitlines()]
    first_sync = next(i for i, r in enumerate(records) if r["event"] == "sync")
    kept = records[first_sync + 1 :]  # run 1 removed, the rest renumbered and rehashed
    prev = "sha256:" + "0" * 64
    for seq, record in enumerate(kept, start=1):
        record.update(seq=seq, prev_hash=prev)
        del record["hash"]
        record["hash"] = record_hash(record)
        prev = record["hash"]
    long_trail.write_text("".join(canonical_json(r) + "\n" for r in kept), encoding="utf-8")
    head = {"hash": kept[-1]["hash"], "seq": kept[-1]["seq"]}
    head_path(long_trail).write_text(canonical_json(head) + "\n", encoding="utf-8")
    result = _cli("audit", "export", "--audit-file", str(long_trail), "--format", "json")
    assert result.exit_code == 1
    verification = json.loads(result.stdout)["verification"]
    assert verification["ok"] is False
    assert verification["summary"] == (
        f"FAILED: 1 gap(s) between runs, first seq {len(kept)}: run(s) #1 missing before run #2 "
        f"(GitHub run {RUNS}/2)"
    )
    bad = _cli("audit", "export", "--audit-file", str(long_trail), "--since", "last year")
    assert bad.exit_code == 1
    assert "'last year' is not an ISO 8601 date or date-time" in bad.stderr
