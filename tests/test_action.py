"""action.yml, step by step, against the emulator and a stub of the GitHub API.

`support.runner.Runner.action` reads the composite steps of action.yml, fills the inputs as a
workflow's `with:` would (defaults from action.yml), and runs them in a copy of a schedules
repository; the test's interpreter stands in for setup-python and the install step. So the
annotations, the plan comment, the saved plan and its apply, the audit head and the drift issue
come from exactly the commands the action runs, and its outputs are what a workflow would see.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from reconciler.emulator import Emulator
from support.github import REPO, TOKEN, GitHubStub
from support.runner import SHA, JobRun, Runner

pytestmark = pytest.mark.slow  # every step is a subprocess, as on a runner

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
regulatoryWindows:
  - {{startTime: "08:00", endTime: "21:00", timeZone: America/New_York, enabled: true}}
audience: {{jurisdictions: [US-NY], purpose: telemarketing}}
"""
CREDENTIALS = {
    "base-url": "${{ secrets.CXONE_BASE_URL }}",
    "client-id": "${{ secrets.CXONE_CLIENT_ID }}",
    "client-secret": "${{ secrets.CXONE_CLIENT_SECRET }}",
}
HEAD = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("c1",))


def make_repo(root: Path, folder: str = "schedules", rate: int = 10) -> Path:
    (root / folder / "c1").mkdir(parents=True, exist_ok=True)
    text = SCHEDULE.format(rate=rate)
    (root / folder / "c1" / "weekday-renewals.yaml").write_text(text, encoding="utf-8")
    return root


def runner_for(repo: Path, emu: Emulator, github: GitHubStub) -> Runner:
    context = {
        "secrets.CXONE_BASE_URL": emu.base_url,
        "secrets.CXONE_CLIENT_ID": emu.client_id,
        "secrets.CXONE_CLIENT_SECRET": emu.client_secret,
        "github.token": TOKEN,
    }
    runner = Runner(repo, context, github)
    runner.start_run()
    return runner


def event(tmp_path: Path, *, fork: bool) -> dict[str, str]:
    """The pull_request event the runner would hand the step, as GITHUB_EVENT_PATH."""
    head_repo = "someone/schedules" if fork else REPO
    payload = {
        "pull_request": {"number": 7, "head": {"sha": HEAD, "repo": {"full_name": head_repo}}}
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {"GITHUB_EVENT_PATH": str(path)}


def no_secret_anywhere(runner: Runner, emu: Emulator, *jobs: JobRun) -> None:
    texts = [s.stdout + s.stderr for job in jobs for s in job.steps]
    texts += [p.read_text(encoding="utf-8") for p in runner.repo.rglob("*") if p.is_file()]
    if runner.summary.exists():
        texts.append(runner.summary.read_text(encoding="utf-8"))
    texts += [c["body"] for c in runner.github.comments.values()]
    texts += [i["body"] for i in runner.github.issues.values()]
    assert all(emu.client_secret not in text for text in texts)


def test_validate_annotates_the_findings_and_fails(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo", rate=-1)
    job = runner_for(repo, emu, github).action({"command": "validate"})
    assert job.result == "failure"
    assert [s.name.split("@")[0] for s in job.steps] == [
        "actions/setup-python",
        "Install cxsched",
        "Run cxsched",
    ]
    assert job.steps[-1].stdout.startswith("::error file=schedules/c1/weekday-renewals.yaml,line=")
    assert job.job_outputs == {"exit-code": "1", "changes": "false"}
    assert emu.count() == 0


def test_plan_in_a_pull_request_comments_then_apply_applies_that_plan(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    runner = runner_for(repo, emu, github)
    given = {"command": "plan", "pr-comment": "true", "rps": "5", **CREDENTIALS}
    plan = runner.action(given, event(tmp_path, fork=False))
    assert plan.result == "success", plan.steps
    head = plan.job_outputs.pop("audit-head")
    assert plan.job_outputs == {"exit-code": "2", "changes": "true", "plan-file": "plan.json"}
    assert head.startswith("sha256:")
    assert plan.steps[-1].stdout.splitlines()[-1] == "created comment 101 on pull request #7"
    [body] = github.comments_on(7)
    assert body.startswith("<!-- cxsched-plan:production -->\n## cxsched plan for tenant")
    assert "Weekday renewals" in body and f"for commit {HEAD[:12]}." in body
    assert "## Plan for tenant production" in runner.summary.read_text(encoding="utf-8")
    assert emu.schedules("c1") == []  # a plan never writes

    # the same comment is updated by the next push, not a second one added
    make_repo(repo, rate=12)
    again = runner.action(given, event(tmp_path, fork=False))
    assert again.steps[-1].stdout.splitlines()[-1] == "updated comment 101 on pull request #7"
    [body] = github.comments_on(7)
    assert '"callRate": 12' in body

    applied = runner.action({"command": "apply", "tenant": "production", **CREDENTIALS})
    assert applied.result == "success", applied.steps
    assert applied.job_outputs["exit-code"] == "0"
    assert applied.job_outputs["changes"] == "false"
    [live] = emu.schedules("c1")
    assert live["dialerSettings"]["callRate"] == 12
    trail = (repo / "audit" / "trail.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(trail[-1])["hash"] == applied.job_outputs["audit-head"]
    assert [json.loads(r)["event"] for r in trail] == ["plan", "plan", "plan", "write", "write"]
    assert "Apply to tenant production" in applied.summary
    assert (repo / "apply.txt").read_text(encoding="utf-8") in applied.steps[-1].stdout
    head = applied.job_outputs["audit-head"]
    [status] = github.statuses[SHA]  # the applied commit's
    assert {k: status[k] for k in ("context", "state", "description", "target_url")} == {
        "context": "cxsched/audit-head/production",
        "state": "success",
        "description": head,
        "target_url": f"https://github.com/{REPO}/actions/runs/4242",
    }
    assert applied.steps[-1].stdout.splitlines()[-1] == (
        f"set commit status cxsched/audit-head/production (success) on {SHA[:12]}: {head}"
    )

    nothing = runner.action({"command": "plan", **CREDENTIALS})
    assert (nothing.result, nothing.job_outputs["exit-code"]) == ("success", "0")
    assert nothing.job_outputs["changes"] == "false"
    no_secret_anywhere(runner, emu, plan, again, applied, nothing)


def test_apply_without_statuses_write_warns_and_still_succeeds(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    runner = runner_for(repo, emu, github)
    assert runner.action({"command": "plan", **CREDENTIALS}).job_outputs["changes"] == "true"
    github.read_only = True  # a fork's token, or a job without `statuses: write`
    applied = runner.action({"command": "apply", "tenant": "staging", **CREDENTIALS})
    assert applied.result == "success", applied.steps
    assert applied.job_outputs["exit-code"] == "0"
    assert applied.job_outputs["audit-head"].startswith("sha256:")
    last = applied.steps[-1].stdout.splitlines()[-1]
    assert last.startswith(
        "::warning::the audit head is not published as a commit status (the token may not set "
        f"statuses: grant the job `statuses: write`): GitHub API POST /repos/{REPO}/statuses/"
        f"{SHA} failed (403): "
    )
    assert github.requests == [("POST", f"/repos/{REPO}/statuses/{SHA}")]
    assert github.statuses == {}
    assert len(emu.schedules("c1")) == 1


def test_a_status_refused_for_another_reason_fails_the_apply_step(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    runner = runner_for(repo, emu, github)
    assert runner.action({"command": "plan", **CREDENTIALS}).job_outputs["changes"] == "true"
    unknown = {"GITHUB_SHA": "ab" * 32}  # a commit GitHub does not know (404)
    applied = runner.action({"command": "apply", **CREDENTIALS}, unknown)
    assert applied.result == "failure"
    assert applied.job_outputs["exit-code"] == "0"  # the apply itself succeeded
    assert len(emu.schedules("c1")) == 1
    assert applied.steps[-1].stdout.splitlines()[-1] == (
        "::error::the audit head is not published: GitHub API POST "
        f"/repos/{REPO}/statuses/{'ab' * 32} failed (404): Not Found (does the job's "
        "`permissions:` grant this?)"
    )
    assert github.statuses == {}


def test_apply_without_a_token_warns_that_the_head_is_not_published(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    runner = runner_for(repo, emu, github)
    assert runner.action({"command": "plan", **CREDENTIALS}).job_outputs["changes"] == "true"
    applied = runner.action({"command": "apply", "github-token": "", **CREDENTIALS})
    assert applied.result == "success", applied.steps
    assert applied.steps[-1].stdout.splitlines()[-1] == (
        "::warning::the audit head is not published as a commit status: GITHUB_TOKEN and "
        "GITHUB_REPOSITORY must be set; in a workflow pass `GITHUB_TOKEN: ${{ github.token }}` "
        "in the step's env."
    )
    assert (github.requests, github.statuses) == ([], {})


def test_a_forks_pull_request_is_validated_only(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    given = {"command": "plan", "pr-comment": "true", **CREDENTIALS}
    runner = runner_for(repo, emu, github)
    job = runner.action(given, event(tmp_path, fork=True))
    assert job.result == "success"
    assert job.job_outputs == {"exit-code": "0", "changes": "false"}
    [body] = github.comments_on(7)
    assert "**no plan was made**" in body

    github.read_only = True  # a public repository gives a fork's run a read-only token
    again = runner.action(given, event(tmp_path, fork=True))
    assert again.result == "success"
    said = again.steps[-1].stdout.splitlines()
    assert said[0].startswith("::warning::cannot comment on a fork's pull request")
    assert said[1].startswith("appended ")
    assert "**no plan was made**" in again.summary
    assert emu.count() == 0


def test_paths_and_config_are_the_repositorys_own(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo", folder="desired")
    (repo / "ops").mkdir()
    config = "formatVersion: 1\naudit:\n  path: ../trail/audit.jsonl\n"
    (repo / "ops" / "cxsched.yaml").write_text(config, encoding="utf-8")
    given = {"command": "plan", "paths": "desired", "config": "ops/cxsched.yaml"}
    given |= {"plan-file": "out/plan.json", **CREDENTIALS}
    (repo / "out").mkdir()
    job = runner_for(repo, emu, github).action(given)
    assert job.result == "success", job.steps
    assert job.job_outputs["plan-file"] == "out/plan.json"
    assert (repo / "out" / "plan.md").read_text(encoding="utf-8").count("Weekday renewals") > 0
    trail = (repo / "trail" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(trail[-1])["hash"] == job.job_outputs["audit-head"]


def test_drift_opens_the_tenants_issue_and_closes_it_when_healed(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    body = yaml.safe_load(SCHEDULE.format(rate=10))
    del body["formatVersion"], body["campaignId"], body["audience"]
    live = emu.create_schedule("c1", body)
    emu.edit_schedule(
        "c1", live["id"], {"dialerSettings": {**live["dialerSettings"], "callRate": 5}}
    )
    runner = runner_for(repo, emu, github)
    given = {"command": "drift", "tenant": "staging", **CREDENTIALS}
    first = runner.action(given)
    assert first.result == "success", first.steps
    assert (first.job_outputs["exit-code"], first.job_outputs["changes"]) == ("2", "true")
    assert first.steps[-1].stdout.splitlines()[-1] == "opened drift issue #101 of tenant staging"
    assert github.issues[101]["title"] == "Drift on tenant staging"

    emu.edit_schedule("c1", live["id"], {"dialerSettings": live["dialerSettings"]})
    healed = runner.action(given)
    assert healed.job_outputs["exit-code"] == "0"
    assert healed.steps[-1].stdout.splitlines()[-1] == "closed drift issue #101 of tenant staging"
    assert github.issues[101]["state"] == "closed"


def test_a_bad_tenant_name_is_refused_before_anything_runs(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    job = runner_for(repo, emu, github).action({"command": "plan", "tenant": "prod\nuction"})
    assert job.result == "failure"
    assert job.steps[-1].stderr == (
        "error: tenant 'prod?uction' is not a name: use letters, digits, '.', '_' and '-' "
        "(at most 63), as in the GitHub environment `<tenant>-plan`.\n"
    )
    assert emu.count() == 0


def test_an_unreadable_event_file_is_a_clear_error(
    tmp_path: Path, emu: Emulator, github: GitHubStub
) -> None:
    repo = make_repo(tmp_path / "repo")
    (tmp_path / "event.json").write_text("{not json", encoding="utf-8")
    given = {"command": "plan", "pr-comment": "true", **CREDENTIALS}
    env = {"GITHUB_EVENT_PATH": str(tmp_path / "event.json")}
    job = runner_for(repo, emu, github).action(given, env)
    assert job.result == "failure"
    assert job.steps[-1].stderr.startswith(
        "error: cannot read the event file $GITHUB_EVENT_PATH: Expecting property name"
    )
    assert (emu.count(), github.requests) == (0, [])
