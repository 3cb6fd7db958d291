"""The schedules repository and the workflow runs that the workflow flow tests share.

A schedules repository with one schedule for campaign c1 (`write_schedule`), the expression
context of a run against the emulator (`context_for`), our callers' one call of a reusable
workflow (`the_call`), and the apply and drift runs played job by job through
`support.runner` (`merge`, `drift`); `no_secret_anywhere` checks what the jobs printed and
posted for the tenant's secret.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from reconciler.emulator import Emulator
from support.github import REPO, TOKEN
from support.runner import WORKFLOWS, Call, JobRun, Runner, calls, workflow_jobs

__all__ = [
    "SCHEDULE",
    "context_for",
    "declared",
    "drift",
    "merge",
    "no_secret_anywhere",
    "the_call",
    "write_schedule",
]

SCHEDULE = """\
formatVersion: 1
campaignId: c1
name: Weekday renewals
startTime: "2027-01-04T08:00:00-05:00"
endTime: "2027-03-31T21:00:00-04:00"
timeZone: America/New_York
# No windows: calls for which no calling-hours rule is known, so the span alone is legal.
audience: {{jurisdictions: [US-NY], purpose: informational}}
dialerSettings:
  maxConcurrentCalls: 20
  callRate: {rate}
  capacityThreshold: 0.8
"""


def write_schedule(repo: Path, rate: int) -> None:
    text = SCHEDULE.format(rate=rate)
    (repo / "schedules" / "c1" / "weekday-renewals.yaml").write_text(text, encoding="utf-8")


def declared(rate: int) -> dict[str, Any]:
    """The schedule file's body as the API holds it."""
    body = yaml.safe_load(SCHEDULE.format(rate=rate))
    del body["formatVersion"], body["campaignId"], body["audience"]  # file-only keys
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
        "github.event.pull_request.number || github.ref": "7",
    }


def the_call(caller: str, job_id: str) -> Call:
    """Our caller's one call (one tenant) of a reusable workflow."""
    [call] = calls(WORKFLOWS / caller, job_id)
    assert call.inputs["tenant"] == "production"
    return call


def merge(runner: Runner, between: Callable[[], object] | None = None) -> dict[str, JobRun]:
    """The apply workflow's jobs in their order; `between` runs after the plan job, where the
    reviewers approve. The apply job runs only when the plan job's `changes` output says so."""
    call = the_call("schedules-apply.yml", "apply")
    assert call.workflow == "cxsched-apply.yml"
    runner.start_run()
    jobs = {"plan": runner.job(call, "plan")}
    if between is not None:
        between()
    apply_job = workflow_jobs(call.workflow)["apply"]
    assert (apply_job["needs"], apply_job["if"]) == ("plan", "needs.plan.outputs.changes == 'true'")
    if jobs["plan"].result == "success" and jobs["plan"].job_outputs.get("changes") == "true":
        jobs["apply"] = runner.job(call, "apply")
    return jobs


def drift(runner: Runner) -> JobRun:
    """A new run of the drift workflow's drift job."""
    call = the_call("schedules-drift.yml", "drift")
    assert call.workflow == "cxsched-drift.yml"
    runner.start_run()
    return runner.job(call, "drift")


def no_secret_anywhere(runner: Runner, emu: Emulator, *jobs: JobRun) -> None:
    texts = [s.stdout + s.stderr for job in jobs for s in job.steps]
    if runner.summary.exists():
        texts.append(runner.summary.read_text(encoding="utf-8"))
    texts += [c["body"] for c in runner.github.comments.values()]
    texts += [i["body"] for i in runner.github.issues.values()]
    assert all(emu.client_secret not in text for text in texts)
