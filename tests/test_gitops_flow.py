"""Our schedule workflows, run step by step against the emulator and a GitHub API stub.

The callers in .github/workflows/schedules-*.yml name, per tenant, a reusable workflow
(cxsched-plan.yml, cxsched-apply.yml, cxsched-drift.yml) and its inputs; `support.runner` plays
GitHub Actions for the called jobs, one at a time, in a copy of a schedules repository. So the
pull-request comment, the reviewed plan and its apply audit, and the drift issue come from
exactly the commands the workflows run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.emulator import Emulator
from support.flow import (
    context_for,
    declared,
    drift,
    merge,
    no_secret_anywhere,
    the_call,
    write_schedule,
)
from support.github import REPO, GitHubStub
from support.runner import SHA, JobRun, Runner, workflow_jobs

pytestmark = pytest.mark.slow  # every step is a subprocess, as on a runner

STATUS = "steps.drift.outputs.exit-code"
ISSUE = "Drift check"
RUNS = f"https://github.com/{REPO}/actions/runs"
MARKER = "<!-- cxsched-plan:production -->"
CONTEXT = "cxsched/audit-head/production"


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("c1",))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "schedules" / "c1").mkdir(parents=True)
    write_schedule(root, rate=10)
    return root


def pull_request(runner: Runner, *, fork: bool) -> dict[str, JobRun]:
    """The plan workflow's jobs in their order; a fork's plan job is skipped by its `if`."""
    call = the_call("schedules-plan.yml", "plan")
    assert call.workflow == "cxsched-plan.yml"
    runner.start_run()
    jobs = {"validate": runner.job(call, "validate")}
    runner.context["needs.validate.result"] = jobs["validate"].result
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    assert workflow_jobs(call.workflow)["plan"]["if"] == same_repo
    plan_result = "skipped"
    if not fork and jobs["validate"].result == "success":
        jobs["plan"] = runner.job(call, "plan")
        plan_result = jobs["plan"].result
    runner.context["needs.plan.result"] = plan_result
    jobs["comment"] = runner.job(call, "comment")
    return jobs


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
    assert first.startswith(
        f"{MARKER}\n## cxsched plan for tenant `production`\n\nValidation passed.\n"
    )
    nested = plan_md.strip().replace("## cxsched plan", "#### cxsched plan", 1)
    assert f"### Tenant `production`\n\n{nested}\n" in first
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary == f"## Plan for tenant production\n\n{nested}\n\n"
    assert emu.schedules("c1") == []  # a plan never writes
    plan_step = jobs["plan"].step("Plan")
    assert plan_step.stdout == f"appended {len(summary)} characters to the job summary\n"
    assert jobs["plan"].outputs["steps.plan.outputs.exit-code"] == "2"
    assert jobs["plan"].outputs["steps.plan.outputs.changes"] == "true"

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
    assert sorted(p.name for p in kept.iterdir()) == [
        "apply.txt",
        "audit",
        "audit.txt",
        "plan.json",
        "plan.md",
    ]
    assert job.job_outputs["audit-head"].startswith("sha256:")
    assert json.loads(trail_end(kept))["hash"] == job.job_outputs["audit-head"]
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
    # ... and as the applied commit's status, outside the repository's files
    assert statuses(github) == [("success", head, f"{RUNS}/4242")]
    assert said(job, "Apply") == f"set commit status {CONTEXT} (success) on {SHA[:12]}: {head}"
    no_secret_anywhere(runner, emu, *jobs.values())


def statuses(github: GitHubStub) -> list[tuple[str, str, str]]:
    """The applied commit's audit-head statuses: state, description, link; nothing else set."""
    assert set(github.statuses) <= {SHA}
    found = github.statuses.get(SHA, [])
    assert all(s["context"] == CONTEXT for s in found)
    return [(s["state"], s["description"], s["target_url"]) for s in found]


def test_a_token_that_may_not_set_statuses_is_a_warning_not_a_failed_apply(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    runner = Runner(repo, context_for(emu, fork=False), github)
    github.read_only = True  # as a job without `statuses: write`
    job = merge(runner)["apply"]
    assert job.result == "success", job.steps
    assert job.outputs["steps.apply.outputs.exit-code"] == "0"
    [live] = emu.schedules("c1")
    assert live["name"] == "Weekday renewals"
    assert said(job, "Apply") == (
        "::warning::the audit head is not published as a commit status (the token may not set "
        "statuses: grant the job `statuses: write`): GitHub API POST "
        f"/repos/{REPO}/statuses/{SHA} failed (403): Resource not accessible by integration "
        "(does the job's `permissions:` grant this?)"
    )
    assert github.statuses == {}
    assert f"Audit trail head: `{job.job_outputs['audit-head']}` (seq 4)." in job.summary


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
    assert (jobs["plan"].result, jobs["plan"].job_outputs) == ("success", {"changes": "false"})
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
    assert jobs["plan"].job_outputs == {"changes": "false"}
    assert jobs["plan"].outputs["steps.plan.outputs.exit-code"] == "1"
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
    assert [s.name for s in job.steps][-2:] == ["Apply", "Upload the plan and the audit trail"]
    assert job.outputs["steps.apply.outputs.exit-code"] == "1"
    assert emu.schedules("c1")[0]["dialerSettings"]["callRate"] == 5  # the edit survives
    assert "c1/Weekday renewals: CONFLICT: c1/Weekday renewals changed on the tenant" in (
        job.summary
    )
    assert "recheck  update  c1/Weekday renewals" in job.summary  # the audit trail says so too
    failed = (("failure", job.job_outputs["audit-head"], f"{RUNS}/4242"),)
    assert statuses(github) == [*failed]  # a failed apply's head is published too
    kept = runner.artifacts / "audit-production-4242-1"
    assert json.loads(trail_end(kept))["hash"] == failed[0][1]  # the trail's head

    again = merge(runner)  # re-running the workflow re-plans from the tenant as it is now
    assert row(5, 12) in again["plan"].summary
    assert again["apply"].result == "success"
    assert emu.schedules("c1")[0]["dialerSettings"]["callRate"] == 12
    head = again["apply"].job_outputs["audit-head"]
    assert statuses(github) == [*failed, ("success", head, f"{RUNS}/4243")]


def said(job: JobRun, step: str) -> str:
    """The last line a step printed: what it did on GitHub."""
    return job.step(step).stdout.splitlines()[-1]


def trail_end(folder: Path) -> str:
    return (folder / "audit" / "trail.jsonl").read_text(encoding="utf-8").splitlines()[-1]


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
    assert said(first, ISSUE) == "opened drift issue #101 of tenant production"
    assert first.job_outputs == {"changes": "true"}
    plan_md = (runner.artifacts / "drift-production" / "plan.md").read_text(encoding="utf-8")
    nested = plan_md.strip().replace("## cxsched plan", "#### cxsched plan", 1)
    assert f"\n\n{nested}\n\n" in github.issues[101]["body"]
    assert f"Full plan: [plan.json]({RUNS}/4242)" in plan_md
    assert said(drift(runner), ISSUE) == "updated drift issue #101 of tenant production"
    assert [i["state"] for i in github.issues.values()] == ["open"]

    assert merge(runner)["apply"].result == "success"  # re-apply (workflow_dispatch)
    healed = drift(runner)
    assert healed.outputs[STATUS] == "0"
    assert said(healed, ISSUE) == "closed drift issue #101 of tenant production"
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
    last = job.step(ISSUE).stderr.splitlines()[-1]
    assert last.startswith("error: the drift plan for tenant production failed (exit 1)")
    assert "upload" in [s.name.split()[0].lower() for s in job.steps][-1]  # always uploaded
    assert github.requests == []


def test_a_mistyped_drift_option_fails_the_job_and_opens_no_issue(
    repo: Path, emu: Emulator, github: GitHubStub
) -> None:
    """A usage error exits 1, never 2 ("changes pending"), so no drift issue is opened."""
    runner = Runner(repo, context_for(emu, fork=False), github)
    emu.create_schedule("c1", declared(rate=5))  # drift there is, but the plan cannot run
    call = the_call("schedules-drift.yml", "drift")
    mistyped = replace(call, inputs={**call.inputs, "rps": "eight"})
    runner.start_run()
    job = runner.job(mistyped, "drift")
    assert "Invalid value for '--rps'" in job.step(ISSUE).stderr
    assert job.outputs[STATUS] == "1"
    assert job.result == "failure"
    last = job.step(ISSUE).stderr.splitlines()[-1]
    assert last.startswith("error: the drift plan for tenant production failed (exit 1)")
    assert github.requests == []
