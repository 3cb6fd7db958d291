"""The schedule workflows' own steps, read from .github/workflows/ and run against the emulator.

A small runner plays GitHub Actions for one job: it resolves each step's `env:` from a table of
the expressions the workflows use (an expression it does not know fails the test), runs every
`run:` script with bash in a copy of a schedules repository, keeps step and job outputs, the job
summary and artifacts, and talks to a stub of the GitHub API. Each job starts from a fresh
checkout (the test's own tree and interpreter stand in for the checkout, setup and install
steps), so the only thing one job hands the next is an artifact, as on GitHub. So the
pull-request comment, the reviewed plan and its apply audit, and the drift issue come from
exactly the commands the workflows run.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.emulator import Emulator
from support.github import REPO, TOKEN, GitHubStub

pytestmark = pytest.mark.slow  # every step is a subprocess, as on a runner

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
INSTALL = "python -m pip install --disable-pip-version-check ."
TRACKED = {"schedules", "scripts"}  # what a checkout brings; everything else is a run's output
PLAN = ("schedules-plan.yml", "plan")
MERGE_PLAN = ("schedules-apply.yml", "plan")
APPLY = ("schedules-apply.yml", "apply")
DRIFT = ("schedules-drift.yml", "drift")
STATUS = "steps.plan.outputs.status"
ISSUE = "Open, update or close the drift issue"
RUNS = f"https://github.com/{REPO}/actions/runs"
SCHEDULE = """\
formatVersion: 1
campaignId: c1
name: Weekday renewals
startTime: "2027-01-04T08:00:00-05:00"
endTime: "2027-03-31T21:00:00-04:00"
timeZone: America/New_York
dialerSettings:
  maxConcurrentCalls: 20
  callRate: {rate}
  capacityThreshold: 0.8
"""


@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class JobRun:
    result: str
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # "steps.<id>.outputs.<key>"
    job_outputs: dict[str, str] = field(default_factory=dict)  # the job's `outputs:`, if set
    summary: str = ""  # what this job appended to the job summary

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)


class Runner:
    """Runs the jobs of the schedule workflows in `repo`, as GitHub Actions would."""

    def __init__(self, repo: Path, context: dict[str, str], github: GitHubStub) -> None:
        self.repo = repo
        self.context = context
        self.artifacts = repo.parent / "artifacts"
        self.summary = repo.parent / "summary.md"
        self.github = github
        self.run_id = 4241

    def start_run(self) -> None:
        """A new workflow run: no artifacts, an empty summary, a new run id."""
        for path in [self.artifacts, self.summary]:
            if path.exists():
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        self.run_id += 1
        self.context["github.run_id"] = str(self.run_id)

    def _checkout(self) -> None:
        """A fresh checkout: the tracked files only, nothing an earlier job left behind."""
        for path in self.repo.iterdir():
            if path.name not in TRACKED:
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def job(self, workflow: str, job_id: str, **matrix: object) -> JobRun:
        job = workflow_jobs(workflow)[job_id]
        context = {**self.context, **{f"matrix.{k}": str(v) for k, v in matrix.items()}}
        self._checkout()
        before = self.summary.read_text(encoding="utf-8") if self.summary.exists() else ""
        run = JobRun("success")
        for step in job["steps"]:
            if not self._condition(step.get("if"), run.result == "failure"):
                continue
            done = self._step(step, context)
            run.steps.append(done)
            if done.returncode != 0:
                run.result = "failure"
        run.outputs = {k: v for k, v in context.items() if k.startswith("steps.")}
        for key, expression in job.get("outputs", {}).items():
            value = resolve(expression, context, missing="")
            if value:  # the runner skips an empty output: it never overrides another's
                run.job_outputs[key] = value
        after = self.summary.read_text(encoding="utf-8") if self.summary.exists() else ""
        run.summary = after[len(before) :]
        return run

    def _condition(self, expression: str | None, failed: bool) -> bool:
        if expression is None:
            return not failed
        terms = expression.removeprefix("${{").removesuffix("}}").strip().split(" && ")
        run = "always()" in terms or not failed
        for term in terms:
            found = re.fullmatch(r"hashFiles\('(.+)'\) != ''", term)
            if found:
                run = run and (self.repo / found[1]).exists()
            elif term != "always()":
                pytest.fail(f"the runner cannot evaluate `if: {expression}`")
        return run

    def _step(self, step: dict[str, Any], context: dict[str, str]) -> StepRun:
        name = step.get("name", step.get("uses", ""))
        uses = step.get("uses", "").split("@")[0]
        if uses == "actions/upload-artifact":
            return self._upload(name, step["with"], context)
        if uses == "actions/download-artifact":
            return self._download(name, step["with"], context)
        if uses or step["run"] == INSTALL:
            return StepRun(name, 0, "", "")  # checkout/setup/install: the test's tree and venv
        return self._shell(name, step, context)

    def _shell(self, name: str, step: dict[str, Any], context: dict[str, str]) -> StepRun:
        outputs = self.repo.parent / "output.txt"
        outputs.write_text("", encoding="utf-8")
        env = {**self._base_env(), "GITHUB_OUTPUT": str(outputs)}
        env.update({k: resolve(v, context) for k, v in step.get("env", {}).items()})
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for line in outputs.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            context[f"steps.{step['id']}.outputs.{key}"] = value
        return StepRun(name, done.returncode, done.stdout, done.stderr)

    def _base_env(self) -> dict[str, str]:
        return {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.repo.parent),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTOR": "octocat",
            "GITHUB_API_URL": self.github.url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
            "GITHUB_STEP_SUMMARY": str(self.summary),
        }

    def _upload(self, name: str, spec: dict[str, Any], context: dict[str, str]) -> StepRun:
        target = self.artifacts / resolve(spec["name"], context)
        found = [self.repo / p for p in spec["path"].split() if (self.repo / p).exists()]
        for path in found:
            copy = shutil.copytree if path.is_dir() else shutil.copy2
            target.mkdir(parents=True, exist_ok=True)
            copy(path, target / path.name)
        missing = not found and spec.get("if-no-files-found") == "error"
        return StepRun(name, int(missing), "", "no files found" if missing else "")

    def _download(self, name: str, spec: dict[str, Any], context: dict[str, str]) -> StepRun:
        if "name" in spec:  # one artifact, its files straight into `path` (default: workspace)
            source = self.artifacts / resolve(spec["name"], context)
            if not source.is_dir():
                return StepRun(name, 1, "", f"Artifact not found for name: {source.name}")
            shutil.copytree(source, self.repo / spec.get("path", "."), dirs_exist_ok=True)
            return StepRun(name, 0, "", "")
        names = sorted(p.name for p in self.artifacts.glob("*")) if self.artifacts.exists() else []
        for artifact in fnmatch.filter(names, spec["pattern"]):
            shutil.copytree(self.artifacts / artifact, self.repo / spec["path"] / artifact)
        return StepRun(name, 0, "", "")


def workflow_jobs(name: str) -> dict[str, Any]:
    jobs = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def tenants(workflow: str, job_id: str) -> list[dict[str, Any]]:
    entries = workflow_jobs(workflow)[job_id]["strategy"]["matrix"]["include"]
    assert isinstance(entries, list)
    return entries


def resolve(text: str, context: dict[str, str], missing: str | None = None) -> str:
    """`text` with its expressions replaced; an unknown one fails the test unless `missing`."""

    def lookup(found: re.Match[str]) -> str:
        if found[1] in context:
            return context[found[1]]
        if missing is None:
            pytest.fail(f"the runner does not know the expression ${{{{ {found[1]} }}}}")
        return missing

    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lookup, str(text))


@pytest.fixture
def github() -> Iterator[GitHubStub]:
    with GitHubStub() as stub:
        yield stub


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("c1",))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "schedules" / "c1").mkdir(parents=True)
    (root / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "gitops.py", root / "scripts" / "gitops.py")
    write_schedule(root, rate=10)
    return root


def write_schedule(repo: Path, rate: int) -> None:
    text = SCHEDULE.format(rate=rate)
    (repo / "schedules" / "c1" / "weekday-renewals.yaml").write_text(text, encoding="utf-8")


def declared(rate: int) -> dict[str, Any]:
    """The schedule file's body as the API holds it."""
    body = yaml.safe_load(SCHEDULE.format(rate=rate))
    del body["formatVersion"], body["campaignId"]
    assert isinstance(body, dict)
    return body


def context_for(emu: Emulator, *, fork: bool) -> dict[str, str]:
    return {
        "secrets.CXONE_SUBDOMAIN": "",
        "secrets.CXONE_BASE_URL": emu.base_url,
        "secrets.CXONE_CLIENT_ID": emu.client_id,
        "secrets.CXONE_CLIENT_SECRET": emu.client_secret,
        "github.token": TOKEN,
        "github.server_url": "https://github.com",
        "github.repository": REPO,
        "github.run_attempt": "1",
        "github.event.pull_request.number": "7",
        "github.event.pull_request.head.sha": "fedcba9876543210fedcba9876543210fedcba98",
        "github.event.pull_request.head.repo.full_name != github.repository": str(fork).lower(),
    }


def pull_request(runner: Runner, *, fork: bool) -> dict[str, JobRun]:
    """The plan workflow's jobs in their order; a fork's plan job is skipped by its `if`."""
    runner.start_run()
    jobs = {"validate": runner.job("schedules-plan.yml", "validate")}
    runner.context["needs.validate.result"] = jobs["validate"].result
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    assert workflow_jobs("schedules-plan.yml")["plan"]["if"] == same_repo
    plan_result = "skipped"
    if not fork and jobs["validate"].result == "success":
        runs = [runner.job("schedules-plan.yml", "plan", **t) for t in tenants(*PLAN)]
        plan_result = "failure" if any(r.result == "failure" for r in runs) else "success"
        jobs["plan"] = runs[0]
    runner.context["needs.plan.result"] = plan_result
    jobs["comment"] = runner.job("schedules-plan.yml", "comment")
    return jobs


def no_secret_anywhere(runner: Runner, emu: Emulator, *jobs: JobRun) -> None:
    texts = [s.stdout + s.stderr for job in jobs for s in job.steps]
    if runner.summary.exists():
        texts.append(runner.summary.read_text(encoding="utf-8"))
    texts += [c["body"] for c in runner.github.comments.values()]
    texts += [i["body"] for i in runner.github.issues.values()]
    assert all(emu.client_secret not in text for text in texts)


def test_a_pull_request_gets_one_plan_comment_that_the_next_push_updates(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    runner = Runner(repo, context_for(emu, fork=False), github)
    jobs = pull_request(runner, fork=False)
    assert {name: job.result for name, job in jobs.items()} == dict.fromkeys(jobs, "success")
    plan_md = (runner.artifacts / "plan-production" / "plan.md").read_text(encoding="utf-8")
    assert "Weekday renewals" in plan_md
    assert (runner.artifacts / "plan-production" / "plan.json").is_file()
    [first] = github.comments_on(7)
    assert first.startswith("<!-- cxsched-plan -->\n## cxsched plan\n\nValidation passed.\n")
    nested = plan_md.strip().replace("## cxsched plan", "#### cxsched plan", 1)
    assert f"### Tenant `production`\n\n{nested}\n" in first
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary == f"## Plan for tenant production\n\n{nested}\n\n"
    assert emu.schedules("c1") == []  # a plan never writes

    write_schedule(repo, rate=12)
    again = pull_request(runner, fork=False)
    assert again["comment"].step("Post or update the plan comment").stdout == (
        "updated comment 101 on pull request #7\n"
    )
    [second] = github.comments_on(7)
    assert (second.count('"callRate": 12'), second.count('"callRate": 10')) == (1, 0)
    no_secret_anywhere(runner, emu, *jobs.values(), *again.values())


def test_a_pull_request_from_a_fork_is_validated_only(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    runner = Runner(repo, context_for(emu, fork=True), github)
    jobs = pull_request(runner, fork=True)
    assert list(jobs) == ["validate", "comment"]
    assert jobs["comment"].result == "success"
    [body] = github.comments_on(7)
    assert "**no plan was made**" in body
    assert emu.count() == 0  # not a single call reached the tenant


def test_an_invalid_schedule_stops_before_the_tenant_and_the_comment_says_so(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    write_schedule(repo, rate=-1)
    runner = Runner(repo, context_for(emu, fork=False), github)
    jobs = pull_request(runner, fork=False)
    assert jobs["validate"].result == "failure"
    assert "::error file=schedules/c1/weekday-renewals.yaml" in jobs["validate"].steps[-1].stdout
    [body] = github.comments_on(7)
    assert "No plan was made: fix the findings annotated on the changed lines." in body
    assert emu.count() == 0


def merge(runner: Runner, between: Callable[[], object] | None = None) -> dict[str, JobRun]:
    """The apply workflow's jobs in their order; `between` runs after the plan job, where the
    reviewers approve. The apply job runs only when the plan job's `changes` output says so."""
    [tenant] = tenants(*MERGE_PLAN)
    assert tenants(*APPLY) == [tenant]
    runner.start_run()
    jobs = {"plan": runner.job(*MERGE_PLAN, **tenant)}
    if between is not None:
        between()
    apply_job = workflow_jobs(APPLY[0])["apply"]
    assert (apply_job["needs"], apply_job["if"]) == ("plan", "needs.plan.outputs.changes == 'true'")
    if jobs["plan"].result == "success" and jobs["plan"].job_outputs.get("changes") == "true":
        jobs["apply"] = runner.job(*APPLY, **tenant)
    return jobs


def test_a_merge_applies_the_reviewed_plan_and_leaves_an_audit_trail(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    runner = Runner(repo, context_for(emu, fork=False), github)
    jobs = merge(runner, between=lambda: assert_no_write(emu))
    assert (jobs["plan"].result, jobs["plan"].job_outputs) == ("success", {"changes": "true"})
    handed = runner.artifacts / "plan-production-1"
    assert sorted(p.name for p in handed.iterdir()) == ["audit", "plan.json", "plan.md"]
    plan_md = (handed / "plan.md").read_text(encoding="utf-8")
    nested = plan_md.strip().replace("## cxsched plan", "#### cxsched plan", 1)
    assert jobs["plan"].summary == f"## Plan for tenant production\n\n{nested}\n\n"
    assert "+ create" in plan_md and "Weekday renewals" in plan_md

    job = jobs["apply"]
    assert job.result == "success", job.steps
    [live] = emu.schedules("c1")
    assert live["name"] == "Weekday renewals"
    kept = runner.artifacts / "audit-production-4242-1"
    assert sorted(p.name for p in kept.iterdir()) == ["apply.txt", "audit", "plan.json", "plan.md"]
    assert (kept / "plan.json").read_bytes() == (handed / "plan.json").read_bytes()
    trail = (kept / "audit" / "trail.jsonl").read_text(encoding="utf-8").splitlines()
    assert trail[0] == (handed / "audit" / "trail.jsonl").read_text(encoding="utf-8").strip()
    # the plan job's record, then the apply's: its plan, the create's intent and outcome
    assert [json.loads(record)["event"] for record in trail] == ["plan", "plan", "write", "write"]
    audit_txt = (repo / "audit.txt").read_text(encoding="utf-8")
    assert job.summary.startswith("## Apply to tenant production\n\n```text\n")
    assert f"```text\n{audit_txt.rstrip()}\n```" in job.summary
    head = json.loads(trail[-1])["hash"]  # published, so the trail can be anchored later
    assert f"Audit trail head: `{head}` (seq 4)." in job.summary
    no_secret_anywhere(runner, emu, *jobs.values())


def row(before: int, after: int) -> str:
    """The plan's markdown row for a call-rate change."""
    code = "| <code>/dialerSettings/callRate</code> | <code>{}</code> | <code>{}</code> |"
    return code.format(before, after)


def assert_no_write(emu: Emulator) -> None:
    """Nothing was written while the plan job ran: it only reads the tenant."""
    assert emu.schedules("c1") == []


def test_a_merge_with_nothing_to_do_skips_the_apply_and_asks_no_reviewer(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    emu.create_schedule("c1", declared(rate=10))  # the tenant already matches git
    runner = Runner(repo, context_for(emu, fork=False), github)
    jobs = merge(runner)
    assert list(jobs) == ["plan"]
    assert (jobs["plan"].result, jobs["plan"].job_outputs) == ("success", {})
    assert "No changes" in jobs["plan"].summary
    assert {label for label, _ in emu.counters()} == {  # reads only
        "POST /oauth/token",
        "GET /api/v2/dialer/capacity",
        "GET /api/v2/campaigns/{campaignId}/schedules",
    }


def test_a_failing_plan_fails_the_plan_job_and_applies_nothing(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    context = {**context_for(emu, fork=False), "secrets.CXONE_CLIENT_SECRET": "wrong"}
    runner = Runner(repo, context, github)
    jobs = merge(runner)
    assert list(jobs) == ["plan"]
    assert jobs["plan"].result == "failure"
    assert jobs["plan"].step("Plan").returncode == 1
    assert jobs["plan"].job_outputs == {}
    assert emu.schedules("c1") == []


def test_a_tenant_edit_after_the_reviewed_plan_is_a_conflict_not_overwritten(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    runner = Runner(repo, context_for(emu, fork=False), github)
    live = emu.create_schedule("c1", declared(rate=10))  # as an earlier apply left it
    write_schedule(repo, rate=12)
    edited = {"dialerSettings": {**live["dialerSettings"], "callRate": 5}}
    jobs = merge(runner, between=lambda: emu.edit_schedule("c1", live["id"], edited))
    assert row(10, 12) in jobs["plan"].summary  # what the reviewers approved
    job = jobs["apply"]
    assert job.result == "failure"
    assert job.step("Apply").returncode == 1
    assert [s.name for s in job.steps][-3:] == [
        "Audit trail",
        "Job summary",
        "Upload the plan and the audit trail",
    ]
    assert emu.schedules("c1")[0]["dialerSettings"]["callRate"] == 5  # the edit survives
    assert "c1/Weekday renewals: CONFLICT: c1/Weekday renewals changed on the tenant" in (
        job.summary
    )
    assert "recheck  update  c1/Weekday renewals" in job.summary  # the audit trail says so too

    again = merge(runner)  # re-running the workflow re-plans from the tenant as it is now
    assert row(5, 12) in again["plan"].summary
    assert again["apply"].result == "success"
    assert emu.schedules("c1")[0]["dialerSettings"]["callRate"] == 12


def drift(runner: Runner) -> JobRun:
    [tenant] = tenants(*DRIFT)
    runner.start_run()
    return runner.job(*DRIFT, **tenant)


def test_drift_opens_one_issue_updates_it_and_closes_it_after_reapply(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    runner = Runner(repo, context_for(emu, fork=False), github)
    live = emu.create_schedule("c1", declared(rate=10))  # as an earlier apply left it
    emu.edit_schedule(
        "c1", live["id"], {"dialerSettings": {**live["dialerSettings"], "callRate": 5}}
    )
    first = drift(runner)
    assert first.outputs[STATUS] == "2"
    assert first.result == "success"
    assert first.step(ISSUE).stdout == "opened drift issue #101 of tenant production\n"
    plan_md = (runner.artifacts / "drift-production" / "plan.md").read_text(encoding="utf-8")
    nested = plan_md.strip().replace("## cxsched plan", "#### cxsched plan", 1)
    assert f"\n\n{nested}\n\n" in github.issues[101]["body"]
    assert f"Full plan: [plan.json]({RUNS}/4242)" in plan_md
    assert drift(runner).step(ISSUE).stdout == "updated drift issue #101 of tenant production\n"
    assert [i["state"] for i in github.issues.values()] == ["open"]

    assert merge(runner)["apply"].result == "success"  # re-apply (workflow_dispatch)
    healed = drift(runner)
    assert healed.outputs[STATUS] == "0"
    assert healed.step(ISSUE).stdout == "closed drift issue #101 of tenant production\n"
    assert github.issues[101]["state"] == "closed"
    no_secret_anywhere(runner, emu, first, healed)


def test_a_failing_drift_plan_fails_the_job_and_leaves_the_issue(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    context = {**context_for(emu, fork=False), "secrets.CXONE_CLIENT_SECRET": "wrong"}
    runner = Runner(repo, context, github)
    job = drift(runner)
    assert job.outputs[STATUS] == "1"
    assert job.result == "failure"
    assert job.step(ISSUE).stderr.startswith("error: the drift plan for tenant production failed")
    assert github.requests == []


def test_a_mistyped_drift_option_fails_the_job_and_opens_no_issue(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    """A usage error exits 1, never 2 ("changes pending"), so no drift issue is opened."""
    runner = Runner(repo, context_for(emu, fork=False), github)
    emu.create_schedule("c1", declared(rate=5))  # drift there is, but the plan cannot run
    [tenant] = tenants(*DRIFT)
    runner.start_run()
    job = runner.job(*DRIFT, **{**tenant, "rps": "eight"})
    assert "Invalid value for '--rps'" in job.step("Plan").stderr
    assert job.outputs[STATUS] == "1"
    assert job.result == "failure"
    assert job.step(ISSUE).stderr.startswith("error: the drift plan for tenant production failed")
    assert github.requests == []
