"""A tenant's trail on the audit branch after years of runs: how long checking and appending take.

N runs (default 1,460: one a day for four years) of R records each (default 5: a plan, two
writes' intents and outcomes) are joined into one trail and committed on a `cxsched-audit`
branch, one commit per run (built with `git fast-import`), in a bare repository with a clone.
Printed: the trail's size, the time of `audit verify --branch` (chain, continuity, every
commit's head read with one `git log`), and of one more `audit sync` (fetch, verify,
append, commit, push). Targets: each under 5 s at the default size.

    python benchmarks/bench_audit_branch.py [--runs 1460] [--records 5]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from reconciler.audit.branch import Git, sync_run, verify_branch
from reconciler.audit.continuity import Approver, Provenance, join_run
from reconciler.audit.trail import GENESIS, RECORD_FIELDS, RunContext, record_hash
from reconciler.util.hashing import canonical_json

TENANT = "production"
VERIFY_TARGET_S = 5.0
SYNC_TARGET_S = 5.0


def _run_records(number: int, count: int) -> list[dict[str, Any]]:
    """A run's own trail, as a plan and its writes leave it (realistic sizes, no files)."""
    records: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, count + 1):
        record: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
        record.update(
            seq=seq,
            time=f"2027-01-01T05:17:{seq:02d}.000Z",
            run_id=f"run-{number:05d}",
            actor="octocat",
            commit="0123456789abcdef0123456789abcdef01234567",
            command="apply plan.json",
            event="write" if seq > 1 else "plan",
            campaign="collections",
            schedule=f"Weekday {seq}",
            schedule_id=f"sch-{seq:04d}",
            action="update",
            phase="intent" if seq % 2 == 0 else "outcome",
            changes=[{"pointer": "/dialerSettings/callRate", "before": 10, "after": 12}],
            checks=[{"name": "validate", "passed": True, "detail": "12 schedule(s) in 12 file(s)"}],
            prev_hash=prev,
        )
        del record["hash"]
        record["hash"] = record_hash(record)
        prev = record["hash"]
        records.append(record)
    return records


def _build(repo: Path, runs: int, count: int) -> int:
    """Commit `runs` runs on refs/heads/cxsched-audit with fast-import; the trail's size."""
    trail: list[dict[str, Any]] = []
    text = b""
    stream = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE)
    assert stream.stdin is not None
    context = RunContext("sync", "github-actions", None, "audit sync")
    for number in range(1, runs + 1):
        provenance = Provenance(
            tenant=TENANT,
            run_url=f"https://github.com/acme/schedules/actions/runs/{number}",
            approvers=(Approver("carol", "approved", (TENANT,), ""),),
        )
        joined = join_run(trail, _run_records(number, count), provenance, context, "2027-01-01")
        trail += joined
        text += "".join(canonical_json(r) + "\n" for r in joined).encode()
        head = canonical_json({"hash": trail[-1]["hash"], "seq": trail[-1]["seq"]}).encode()
        message = f"audit({TENANT}): run #{number}, head {trail[-1]['hash']}".encode()
        parts = [
            b"commit refs/heads/cxsched-audit\n",
            b"committer cxsched <c@example.com> 1700000000 +0000\n",
            b"data %d\n%s\n" % (len(message), message),
            b"M 100644 inline trails/%s.jsonl\ndata %d\n%s\n" % (TENANT.encode(), len(text), text),
            b"M 100644 inline trails/%s.jsonl.head\ndata %d\n%s\n\n"
            % (TENANT.encode(), len(head) + 1, head + b"\n"),
        ]
        stream.stdin.write(b"".join(parts))
    stream.stdin.close()
    if stream.wait() != 0:
        raise SystemExit("git fast-import failed")
    return len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1460)
    parser.add_argument("--records", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bare, work = Path(folder) / "origin.git", Path(folder) / "work"
        subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
        started = time.perf_counter()
        size = _build(bare, args.runs, args.records)
        built = time.perf_counter() - started
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(bare), str(work)], check=True)
        subprocess.run(
            ["git", "-C", str(work), "fetch", "-q", "origin", "cxsched-audit"], check=True
        )
        git = Git(work, {"PATH": "/usr/bin:/bin"})

        started = time.perf_counter()
        report = verify_branch(git, "origin/cxsched-audit", TENANT)
        verified = time.perf_counter() - started
        assert report.ok, (report.trail.problem, report.gaps[:3], report.history.problems[:3])

        run_trail = Path(folder) / "run" / "trail.jsonl"
        run_trail.parent.mkdir()
        records = _run_records(args.runs + 1, args.records)
        run_trail.write_text("".join(canonical_json(r) + "\n" for r in records))
        last = {"hash": records[-1]["hash"], "seq": records[-1]["seq"]}
        run_trail.with_name("trail.jsonl.head").write_text(canonical_json(last) + "\n")
        started = time.perf_counter()
        done = sync_run(
            git,
            remote="origin",
            branch="cxsched-audit",
            run_trail=run_trail,
            provenance=Provenance(tenant=TENANT),
            context=RunContext("sync", "ci", None, "audit sync"),
        )
        synced = time.perf_counter() - started
    print(
        f"trail: {args.runs} runs, {report.trail.count} records, {size / 1e6:.1f} MB "
        f"(built in {built:.1f} s)"
    )
    print(
        f"audit verify --branch: {verified:.2f} s (target < {VERIFY_TARGET_S:.0f} s): "
        f"{report.runs} runs, {report.history.commits} commits"
    )
    print(
        f"audit sync of one more run: {synced:.2f} s (target < {SYNC_TARGET_S:.0f} s), "
        f"run #{done.index}"
    )


if __name__ == "__main__":
    main()
