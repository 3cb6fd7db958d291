"""One continuous trail per tenant on the audit branch, made by the workflows' own steps.

Every run works in a fresh clone of one bare repository (real `git`): the jobs of the reusable
workflows cxsched-apply.yml (plan, apply, audit) and cxsched-drift.yml (drift, audit), reached
through our callers schedules-apply.yml and schedules-drift.yml and played by `support.runner`
against the emulator and the GitHub API stub. The audit job's own steps (`python -m
reconciler.gitops run-info`, `cxsched audit sync`) push the run's records to the
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
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.audit.trail import GENESIS, record_hash
from reconciler.cli import main
from reconciler.emulator import Emulator
from support.flow import context_for, drift, merge, no_secret_anywhere, the_call, write_schedule
from support.git import git
from support.github import REPO, TOKEN, GitHubStub
from support.runner import Call, JobRun, Runner, resolve, workflow_jobs

pytestmark = pytest.mark.slow

WHO = "Who and why"
SYNC_STEP = "Append to the audit branch"
RUNS = f"https://github.com/{REPO}/actions/runs"
TRAIL = "trails/production.jsonl"


class CloneRunner(Runner):
    """The workflow runner in a fresh clone (the checkout keeps `.git`): GITHUB_SHA is HEAD,
    GITHUB_WORKFLOW names the caller."""

    def __init__(
        self, repo: Path, context: dict[str, str], github: GitHubStub, workflow: str
    ) -> None:
        super().__init__(repo, context, github)
        self.workflow = workflow

    def _base_env(self) -> dict[str, str]:
        env = super()._base_env()
        env["GITHUB_SHA"] = git(self.repo, "rev-parse", "HEAD")
        env["GITHUB_RUN_ATTEMPT"] = "1"
        env["GITHUB_WORKFLOW"] = self.workflow
        return env

    def job_until(self, call: Call, job_id: str, step: str) -> tuple[JobRun, list[dict[str, Any]]]:
        """Job `job_id` of `call` up to (not including) the step named `step`; the rest of its
        steps as the command lines, folder and environment a runner would use."""
        steps = workflow_jobs(call.workflow)[job_id]["steps"]
        cut = next(i for i, s in enumerate(steps) if s.get("name") == step)
        context = {**self.context, **{f"inputs.{k}": v for k, v in call.inputs.items()}}
        self._checkout()
        done = self._steps(steps[:cut], {}, context)
        commands = []
        for rest in steps[cut:]:
            env = {**self._base_env(), "GITHUB_OUTPUT": str(self.repo.parent / "output.txt")}
            env.update({k: resolve(v, context) for k, v in rest.get("env", {}).items()})
            commands.append({"script": rest["run"], "cwd": str(self.repo), "env": env})
        return done, commands


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("c1",))


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """The schedule repository on the server: `main` with one schedule."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(bare), str(work))
    (work / "schedules" / "c1").mkdir(parents=True)
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


def runner_in(
    origin: Path, name: str, emu: Emulator, github: GitHubStub, workflow: str
) -> CloneRunner:
    return CloneRunner(clone(origin, name), context_for(emu, fork=False), github, workflow)


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
    """A merge: plan, the reviewer approves, apply, then the audit job, the workflow's last."""
    github.merged(commit, pr)
    jobs = merge(runner, between=lambda: github.approve(runner.run_id, approver, "production"))
    call = the_call("schedules-apply.yml", "apply")
    workflow = workflow_jobs(call.workflow)
    assert list(workflow)[-1] == "audit"
    assert (workflow["audit"]["needs"], workflow["audit"]["if"]) == (
        "apply",
        "${{ always() && needs.apply.result != 'skipped' }}",
    )
    assert "apply" in jobs  # it ran, so the audit job runs too, whatever its result
    jobs["audit"] = runner.job(call, "audit")
    return jobs


def race_before_push(runner: CloneRunner, racer: CloneRunner) -> Path:
    """Make the next push from `runner`'s clone meet a branch that `racer` just moved: its
    `pre-push` hook runs the racer's drift audit steps once, then lets the push go (and fail).
    The racer's audit job has checked out and downloaded its artifact already."""
    call = the_call("schedules-drift.yml", "drift")
    workflow = workflow_jobs(call.workflow)
    assert list(workflow)[-1] == "audit"
    assert (workflow["audit"]["needs"], workflow["audit"]["if"]) == (
        "drift",
        "${{ always() && needs.drift.result != 'skipped' }}",
    )
    ready, steps = racer.job_until(call, "audit", WHO)
    assert ready.result == "success", ready.steps
    assert [s["script"].split()[:3] for s in steps] == [
        ["python", "-m", "reconciler.gitops"],
        ["cxsched", "audit", "sync"],
    ]
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
    first = runner_in(origin, "run1", emu, github, "schedules-apply")
    jobs = apply_run(first, github, "carol", git(first.repo, "rev-parse", "HEAD"), pr=7)
    assert jobs["apply"].result == "success", jobs["apply"].steps
    assert jobs["audit"].result == "success", jobs["audit"].steps
    assert jobs["audit"].step(WHO).stdout == (
        "wrote run-info.json: pull request #7, approved by carol\n"
    )
    synced = jobs["audit"].step(SYNC_STEP).stdout
    assert synced.startswith(
        "appended run #1 (4 record(s)) to trails/production.jsonl on cxsched-audit in 1 push(es)"
    )

    # Run 2: a merged change is applied while a drift check pushes its record first.
    commit = merge_change(origin, rate=12)
    second = runner_in(origin, "run2", emu, github, "schedules-apply")
    second.run_id = 4300
    racer = runner_in(origin, "drift", emu, github, "schedules-drift")
    racer.run_id = 4290
    checked = drift(racer)  # merged, not applied yet: the tenant differs
    assert (checked.result, checked.job_outputs) == ("success", {"changes": "true"})
    assert checked.outputs["steps.drift.outputs.exit-code"] == "2"
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
    assert update["tenant"] == f"{emu.base_url.removeprefix('http://')} client {emu.client_id}"
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
    exported = _export_c1(reader, "--since", "2026-01-01", "--format", "csv")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    table = [(r["action"], r["result"], r["approved_by"], r["pull_request"]) for r in rows]
    assert table == [
        ("create", "applied", "carol (production)", f"https://github.com/{REPO}/pull/7"),
        ("update", "applied", "dave (production)", f"https://github.com/{REPO}/pull/8"),
    ]
    assert {r["tenant"] for r in rows} == {"production"}
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
    before = _export_c1(reader, "--until", "2026-01-01", "--format", "json")
    assert json.loads(before.stdout)["rows"] == []

    tampering_is_caught(reader, records)


def _export_c1(reader: Path, *args: str) -> Result:
    """`cxsched audit export` of campaign c1 of tenant production, from the audit branch."""
    branch = ("--branch", "origin/cxsched-audit", "--tenant", "production", "--campaign", "c1")
    return cli(reader, "audit", "export", *branch, *args)


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
