"""The example schedules repository (examples/schedules-repo/) adopts cxsched in a few lines.

Its three workflows only call our reusable workflows; `support.runner.calls` reads each call
(the workflow it names at a commit, and the inputs it passes, which must exist and include the
required ones), and the runner plays the called jobs in a copy of the example against the
emulator and the GitHub API stub: a pull request gets its plan comment, the merge applies the
reviewed plan, and the drift check finds nothing to report afterwards.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.emulator import Emulator
from support.github import TOKEN, GitHubStub
from support.runner import ROOT, Call, JobRun, Runner, calls, load_yaml

pytestmark = pytest.mark.slow  # every step is a subprocess, as on a runner

EXAMPLE = ROOT / "examples" / "schedules-repo"
WORKFLOWS = EXAMPLE / ".github" / "workflows"


@pytest.fixture
def emu(emulator_factory: Callable[..., Emulator]) -> Emulator:
    return emulator_factory(campaigns=("renewals-us",))


@pytest.fixture
def runner(tmp_path: Path, emu: Emulator, github: GitHubStub) -> Runner:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    context = {
        "secrets.CXONE_SUBDOMAIN": "",
        "secrets.CXONE_BASE_URL": emu.base_url,
        "secrets.CXONE_CLIENT_ID": emu.client_id,
        "secrets.CXONE_CLIENT_SECRET": emu.client_secret,
        "github.token": TOKEN,
        "github.run_attempt": "1",
        "github.event.pull_request.number": "3",
        "github.event.pull_request.head.sha": "abcdef0123456789abcdef0123456789abcdef01",
        "github.event.pull_request.head.repo.full_name != github.repository": "false",
    }
    return Runner(repo, context, github)


def call(name: str) -> Call:
    [job_id] = load_yaml(WORKFLOWS / name)["jobs"]
    [found] = calls(WORKFLOWS / name, job_id)
    return found


def test_each_workflow_is_one_call_of_a_few_lines() -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        jobs = load_yaml(path)["jobs"]
        [job] = jobs.values()
        assert set(job) == {"uses", "permissions", "with"}, path.name
        text = path.read_text(encoding="utf-8")
        lines = text[text.index("\njobs:") + 1 :].strip().splitlines()
        assert len(lines) == 5, lines  # jobs:, the job, uses, permissions, with
    assert (
        call("schedules-plan.yml").inputs["cxsched-version"]
        == call("schedules-apply.yml").inputs["cxsched-version"]
    )


def ran(job: JobRun) -> JobRun:
    assert job.result == "success", [(s.name, s.returncode, s.stderr[-500:]) for s in job.steps]
    return job


def test_a_pull_request_then_the_merge_then_a_quiet_drift_check(
    runner: Runner, emu: Emulator, github: GitHubStub
) -> None:
    plan = call("schedules-plan.yml")
    assert plan.workflow == "cxsched-plan.yml"
    runner.start_run()
    validate = ran(runner.job(plan, "validate"))
    assert validate.steps[-1].stdout == ""  # the example validates without a finding
    runner.context["needs.validate.result"] = "success"
    ran(runner.job(plan, "plan"))
    runner.context["needs.plan.result"] = "success"
    ran(runner.job(plan, "comment"))
    [body] = github.comments_on(3)
    assert "Renewals weekday 2027" in body and "1 to create" in body

    apply = call("schedules-apply.yml")
    runner.start_run()
    planned = ran(runner.job(apply, "plan"))
    assert planned.job_outputs == {"changes": "true"}
    applied = ran(runner.job(apply, "apply"))
    [live] = emu.schedules("renewals-us")
    assert (live["name"], live["dialerSettings"]["callRate"]) == ("Renewals weekday 2027", 12)
    kept = runner.artifacts / f"audit-production-{runner.run_id}-1"
    trail = (kept / "audit" / "trail.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(trail[-1])["hash"] == applied.job_outputs["audit-head"]

    drift = call("schedules-drift.yml")
    runner.start_run()
    quiet = ran(runner.job(drift, "drift"))
    assert quiet.step("Drift check").stdout.splitlines()[-1] == "no drift on tenant production"
    assert quiet.job_outputs == {"changes": "false"}
    assert github.issues == {}
