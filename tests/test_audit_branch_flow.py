"""One continuous trail per tenant on the audit branch, made by the workflows' own steps.

Every run works in a fresh clone of one bare repository (real `git`): the apply workflow's plan,
apply and audit jobs, and the drift workflow's jobs, run by the workflow runner of
`test_gitops_flow` against the emulator and the GitHub API stub. The audit job's own steps
(`scripts/gitops.py run-info`, `cxsched audit sync`) push the run's records to the
`cxsched-audit` branch; a drift run that pushes while an apply run is between its fetch and its
push (a `pre-push` hook starts it) makes the apply's first push fail, and the retry appends onto
the fresh branch. Then the branch is read back in another clone: verified, exported, and
tampered with.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.audit.trail import GENESIS, record_hash
from reconciler.cli import main
from reconciler.emulator import Emulator
from support.github import REPO, TOKEN, GitHubStub
from test_gitops_flow import (
    APPLY,
    DRIFT,
    JobRun,
    Runner,
    context_for,
    merge,
    no_secret_anywhere,
    resolve,
    tenants,
    workflow_jobs,
    write_schedule,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AUDIT_APPLY = ("schedules-apply.yml", "audit")
AUDIT_DRIFT = ("schedules-drift.yml", "audit")
SYNC_STEP = "Append to the audit branch"
RUNS = f"https://github.com/{REPO}/actions/runs"
TRAIL = "trails/production.jsonl"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Merger", "-c", "user.email=m@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


class CloneRunner(Runner):
    """The workflow runner in a fresh clone: the checkout keeps `.git`, GITHUB_SHA is HEAD."""

    def _checkout(self) -> None:
        for path in self.repo.iterdir():
            if path.name not in {".git", "schedules", "scripts"}:
                subprocess.run(["rm", "-rf", str(path)], check=True)

    def _base_env(self) -> dict[str, str]:
        env = super()._base_env()
        env["GITHUB_SHA"] = git(self.repo, "rev-parse", "HEAD")
        env["GITHUB_RUN_ATTEMPT"] = "1"
        env["GITHUB_WORKFLOW"] = self.context.get("workflow", "schedules-apply")
        return env

    def step_command(self, job: tuple[str, str], name: str, **matrix: object) -> dict[str, Any]:
        """A step of a job, as the command line, folder and environment a runner would use."""
        step = next(s for s in workflow_jobs(job[0])[job[1]]["steps"] if s.get("name") == name)
        context = {**self.context, **{f"matrix.{k}": str(v) for k, v in matrix.items()}}
        env = {**self._base_env(), "GITHUB_OUTPUT": str(self.repo.parent / "output.txt")}
        env.update({k: resolve(v, context) for k, v in step.get("env", {}).items()})
        return {"script": step["run"], "cwd": str(self.repo), "env": env}


@pytest.fixture
def github() -> Iterator[GitHubStub]:
    with GitHubStub() as stub:
        yield stub


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("c1",))


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """The schedule repository on the server: `main` with one schedule and the scripts."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(bare), str(work))
    (work / "schedules" / "c1").mkdir(parents=True)
    (work / "scripts").mkdir()
    (work / "scripts" / "gitops.py").write_bytes((ROOT / "scripts" / "gitops.py").read_bytes())
    write_schedule(work, rate=10)
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Renewals")
    git(work, "push", "--quiet", "origin", "HEAD:main")
    return bare


def clone(origin: Path, name: str) -> Path:
    target = origin.parent / name / "repo"
    target.parent.mkdir()
    git(origin.parent, "clone", "--quiet", str(origin), str(target))
    return target


def merge_change(origin: Path, rate: int) -> str:
    """A pull request merged on `main` that sets the call rate; returns the merge commit."""
    work = origin.parent / "work"
    git(work, "pull", "--quiet", "origin", "main")
    write_schedule(work, rate=rate)
    git(work, "commit", "--quiet", "-am", f"Renewals: call rate {rate}")
    git(work, "push", "--quiet", "origin", "HEAD:main")
    return git(work, "rev-parse", "HEAD")


def apply_run(
    runner: CloneRunner, github: GitHubStub, approver: str, commit: str, pr: int
) -> dict[str, JobRun]:
    """A merge: plan, the reviewer approves, apply, then the audit job."""
    github.merged(commit, pr)
    jobs = merge(runner, between=lambda: github.approve(runner.run_id, approver, "production"))
    audit = workflow_jobs(AUDIT_APPLY[0])["audit"]
    assert (audit["needs"], audit["if"]) == (
        "apply",
        "${{ always() && needs.apply.result != 'skipped' }}",
    )
    [tenant] = tenants(*APPLY)
    jobs["audit"] = runner.job(*AUDIT_APPLY, **tenant)
    return jobs


def race_before_push(runner: CloneRunner, racer: CloneRunner) -> Path:
    """Make the next push from `runner`'s clone meet a branch that `racer` just moved: its
    `pre-push` hook runs the racer's audit steps once, then lets the push go (and fail)."""
    [tenant] = tenants(*DRIFT)
    steps = [racer.step_command(AUDIT_DRIFT, n, **tenant) for n in ("Who and why", SYNC_STEP)]
    spec = runner.repo.parent / "race.json"
    marker = runner.repo.parent / "raced"
    spec.write_text(json.dumps({"steps": steps, "marker": str(marker)}), encoding="utf-8")
    hook = runner.repo / ".git" / "hooks" / "pre-push"
    hook.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, subprocess, sys\n"
        "sys.stdin.read()\n"
        f"spec = json.loads(pathlib.Path({str(spec)!r}).read_text())\n"
        "marker = pathlib.Path(spec['marker'])\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    for step in spec['steps']:\n"
        "        subprocess.run(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c',\n"
        "                        step['script']], cwd=step['cwd'], env=step['env'], check=True,\n"
        "                       stdout=subprocess.DEVNULL)\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)
    return marker


def cli(cwd: Path, *args: str) -> Result:
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return runner.invoke(main, list(args), catch_exceptions=False)


def branch_records(repo: Path, revision: str = "origin/cxsched-audit") -> list[dict[str, Any]]:
    text = git(repo, "show", f"{revision}:{TRAIL}")
    return [json.loads(line) for line in text.splitlines()]


def rechain(records: list[dict[str, Any]]) -> str:
    """What someone rewriting the trail would do: renumber and rehash every record."""
    prev, lines = GENESIS, []
    for seq, record in enumerate(records, start=1):
        full = {**record, "seq": seq, "prev_hash": prev}
        full["hash"] = record_hash(full)
        prev = full["hash"]
        lines.append(json.dumps(full, sort_keys=True, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def test_two_apply_runs_and_a_racing_drift_run_make_one_continuous_trail(
    origin: Path, emu: Emulator, github: GitHubStub
) -> None:
    # Run 1: the first apply creates the schedule and starts the tenant's trail.
    first = CloneRunner(clone(origin, "run1"), context_for(emu, fork=False), github)
    jobs = apply_run(first, github, "carol", git(first.repo, "rev-parse", "HEAD"), pr=7)
    assert jobs["apply"].result == "success", jobs["apply"].steps
    assert jobs["audit"].result == "success", jobs["audit"].steps
    assert jobs["audit"].step("Who and why").stdout == (
        "wrote run-info.json: pull request #7, approved by carol\n"
    )
    synced = jobs["audit"].step(SYNC_STEP).stdout
    assert synced.startswith(
        "appended run #1 (4 record(s)) to trails/production.jsonl on cxsched-audit in 1 push(es)"
    )

    # Run 2: a merged change is applied while a drift check pushes its record first.
    commit = merge_change(origin, rate=12)
    second = CloneRunner(clone(origin, "run2"), context_for(emu, fork=False), github)
    second.run_id = 4300
    racer = CloneRunner(clone(origin, "drift"), context_for(emu, fork=False), github)
    racer.run_id = 4290
    racer.context["workflow"] = "schedules-drift"
    racer.start_run()
    [tenant] = tenants(*DRIFT)
    checked = racer.job(*DRIFT, **tenant)  # merged, not applied yet: the tenant differs
    assert (checked.result, checked.outputs["steps.plan.outputs.status"]) == ("success", "2")
    marker = race_before_push(second, racer)
    jobs = apply_run(second, github, "dave", commit, pr=8)
    assert marker.exists()  # the drift run did push in between
    assert jobs["audit"].result == "success", jobs["audit"].steps
    pushed = jobs["audit"].step(SYNC_STEP).stdout
    assert pushed.startswith("appended run #3 (4 record(s)) to trails/production.jsonl on ")
    assert " in 2 push(es): commit " in pushed  # the first push met the drift run's commit

    # Read back in a fresh clone: one chain, three runs, in push order, each linking the last.
    reader = clone(origin, "reader")
    git(reader, "fetch", "--quiet", "origin", "cxsched-audit")
    records = branch_records(reader)
    syncs = [r for r in records if r["event"] == "sync"]
    assert [(s["block"]["index"], s["provenance"]["run_url"]) for s in syncs] == [
        (1, f"{RUNS}/4242"),
        (2, f"{RUNS}/4291"),
        (3, f"{RUNS}/4301"),
    ]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(records))
    log = git(reader, "log", "--format=%s", "origin/cxsched-audit").splitlines()
    assert log[0] == f"audit(production): run #3, 4 record(s), head {records[-1]['hash']}"
    assert len(log) == 3
    verified = cli(
        reader, "audit", "verify", "--branch", "origin/cxsched-audit", "--tenant", "production"
    )
    assert verified.exit_code == 0, verified.output
    assert verified.output == (
        f"audit trail {TRAIL} at origin/cxsched-audit: OK, {len(records)} record(s), "
        f"head {records[-1]['hash']}\n"
        "continuity: OK, 3 run(s), each following the one before\n"
        "history: OK, 3 commit(s), each appending one run\n"
    )

    everything = git(reader, "log", "-p", "origin/cxsched-audit")
    assert emu.client_secret not in everything and TOKEN not in everything
    no_secret_anywhere(second, emu, *jobs.values())

    # Who and why, on every record of the approval-gated apply.
    third = records[[i for i, r in enumerate(records) if r["event"] == "sync"][1] + 1 :]
    assert [r["event"] for r in third] == ["plan", "plan", "write", "write", "sync"]
    assert {(r["commit"], r["actor"]) for r in third[:-1]} == {(commit, "octocat")}
    assert all(r["provenance"] == third[-1]["provenance"] for r in third)
    update = next(
        r
        for r in records
        if r["event"] == "write" and r.get("phase") == "outcome" and r["action"] == "update"
    )
    assert update["commit"] == commit
    assert update["actor"] == "octocat"
    assert update["provenance"] == {
        "tenant": "production",
        "run_url": f"{RUNS}/4301",
        "workflow": "schedules-apply",
        "run_attempt": "1",
        "event": None,
        "actor": "octocat",
        "commit": commit,
        "pull_request": 8,
        "pull_request_url": f"https://github.com/{REPO}/pull/8",
        "approvers": [
            {"login": "dave", "state": "approved", "environments": ["production"], "comment": ""}
        ],
    }

    # The officer's table for campaign c1 this year.
    exported = cli(
        reader,
        "audit",
        "export",
        "--branch",
        "origin/cxsched-audit",
        "--tenant",
        "production",
        "--campaign",
        "c1",
        "--since",
        "2026-01-01",
        "--format",
        "csv",
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    table = [(r["action"], r["result"], r["approved_by"], r["pull_request"]) for r in rows]
    assert table == [
        ("create", "applied", "carol (production)", f"https://github.com/{REPO}/pull/7"),
        ("update", "applied", "dave (production)", f"https://github.com/{REPO}/pull/8"),
    ]
    assert rows[0]["changes"].startswith("/blackoutPeriods: (none) -> []; ")
    assert rows[1]["changes"] == "/dialerSettings/callRate: 10 -> 12"
    assert [r["run_url"] for r in rows] == [f"{RUNS}/4242", f"{RUNS}/4301"]
    assert rows[1]["commit"] == commit and rows[1]["plan_hash"].startswith("sha256:")
    head = records[-1]["hash"]
    assert {(r["trail_check"], r["trail_head"]) for r in rows} == {
        (f"OK, {len(records)} record(s) in 3 run(s), head {head}", head)
    }
    assert (
        exported.stderr == f"audit trail: OK, {len(records)} record(s) in 3 run(s), head {head}\n"
    )
    before = cli(
        reader,
        "audit",
        "export",
        "--branch",
        "origin/cxsched-audit",
        "--tenant",
        "production",
        "--campaign",
        "c1",
        "--until",
        "2026-01-01",
        "--format",
        "json",
    )
    assert json.loads(before.stdout)["rows"] == []

    tampering_is_caught(reader, records)


def tampering_is_caught(reader: Path, records: list[dict[str, Any]]) -> None:
    """Deleting the middle run, or rewriting one of its records, shows in `audit verify`."""
    blocks = [i for i, r in enumerate(records) if r["event"] == "sync"]
    middle = records[blocks[0] + 1 : blocks[1] + 1]
    assert {r["provenance"]["run_url"] for r in middle} == {f"{RUNS}/4291"}
    copy = reader.parent / "copy"
    copy.mkdir()
    trail, head = copy / "production.jsonl", copy / "production.jsonl.head"
    head.write_text(git(reader, "show", f"origin/cxsched-audit:{TRAIL}.head") + "\n")

    # The middle run's lines deleted: the chain breaks right after them.
    kept = [r for r in records if r not in middle]
    trail.write_text(
        "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in kept)
    )
    cut = cli(copy, "audit", "verify", "--audit-file", str(trail))
    assert cut.exit_code == 1
    assert cut.output.startswith(
        f"audit trail {trail}: FAILED at line {blocks[0] + 2} (seq {blocks[1] + 2}): seq "
        f"{blocks[1] + 2} where {blocks[0] + 2} was expected"
    )

    # ... and renumbered and rehashed so that the chain holds: the missing run is named.
    trail.write_text(rechain(kept))
    last = json.loads(trail.read_text().splitlines()[-1])
    head.write_text(json.dumps({"hash": last["hash"], "seq": last["seq"]}) + "\n")
    gap = cli(copy, "audit", "verify", "--audit-file", str(trail))
    assert gap.exit_code == 1
    assert gap.output.splitlines()[1:] == [
        "continuity: FAILED, 1 gap(s) in 2 run(s):",
        f"  seq {len(kept)}: run(s) #2 missing before run #3 (GitHub run {RUNS}/4301)",
    ]

    # One record rewritten (the update's new call rate), rehashed, committed on the branch: the
    # chain holds, but the record is not what its run wrote and the commit rewrote history.
    forged = [dict(r) for r in records]
    target = next(
        i for i, r in enumerate(forged) if r.get("phase") == "intent" and r["action"] == "update"
    )
    forged[target]["changes"] = [{"pointer": "/dialerSettings/callRate", "before": 10, "after": 9}]
    text = rechain(forged)
    new_head = json.loads(text.splitlines()[-1])["hash"]
    git(reader, "switch", "--quiet", "-c", "forged", "origin/cxsched-audit")
    (reader / TRAIL).write_text(text)
    (reader / (TRAIL + ".head")).write_text(
        json.dumps({"hash": new_head, "seq": len(forged)}, separators=(",", ":")) + "\n"
    )
    git(
        reader,
        "commit",
        "--quiet",
        "-am",
        f"audit(production): run #3, 4 record(s), head {new_head}",
    )
    stale = git(reader, "rev-parse", "origin/cxsched-audit")  # the last commit before the forgery
    caught = cli(reader, "audit", "verify", "--branch", "forged", "--tenant", "production")
    assert caught.exit_code == 1
    lines = caught.output.splitlines()
    assert lines[0].endswith(f"OK, {len(forged)} record(s), head {new_head}")  # the chain holds
    assert lines[1] == "continuity: FAILED, 1 gap(s) in 3 run(s):"
    assert lines[2] == (
        f"  seq {target + 1}: record of cxsched run {forged[target]['run_id']} in run #3 "
        f"(GitHub run {RUNS}/4301) is not what the run wrote: it was changed after the run, or "
        "comes from a run that is not on the trail"
    )
    assert lines[3] == "history: FAILED, 1 problem(s):"
    assert lines[4].startswith(
        f"  commit {git(reader, 'rev-parse', 'HEAD')[:12]} (audit(production)"
    )
    assert (
        f"rewrote records already on the branch (from line {target + 1}), which commit "
        in (lines[4])
    )
    assert lines[4].endswith(f"{stale[:12]} had: the trail must only grow")
    assert len(lines) == 5
