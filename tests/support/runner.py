"""A small stand-in for GitHub Actions that runs the steps of our workflows and of action.yml.

`Runner` plays one job at a time in a copy of a schedules repository: it resolves each step's
`env:` from a table of the expressions the workflows use (an expression it does not know fails
the test), runs every `run:` script with bash, keeps step and job outputs, the job summary and
artifacts, and points the steps at a stub of the GitHub API. Each job starts from a fresh
checkout (the files the repository held when the runner was made; the test's own interpreter
stands in for the checkout, setup and install steps), so the only thing one job hands the next
is an artifact, as on GitHub.

`calls(caller, job_id)` reads a caller's job that `uses:` one of our reusable workflows (by
`./.github/workflows/...` or `owner/cxsched/.github/workflows/...@sha`) and gives, per matrix
entry, the called workflow and its inputs (defaults filled in, unknown or missing ones fail).
`Runner.action(with_)` runs the composite steps of action.yml with those inputs.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.github import REPO, GitHubStub

__all__ = [
    "ACTION",
    "INSTALL_STEP",
    "ROOT",
    "SHA",
    "WORKFLOWS",
    "Call",
    "JobRun",
    "Runner",
    "StepRun",
    "calls",
    "load_yaml",
    "resolve",
    "workflow_jobs",
]

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
INSTALL_STEP = "Install cxsched"
SHA = "0123456789abcdef0123456789abcdef01234567"  # the run's commit, $GITHUB_SHA
_PIP = "python -m pip install --disable-pip-version-check"
_INSTALLS = {  # cxsched==VERSION, else the checkout (workflows) or the action's own source
    f'{_PIP} "${{VERSION:+cxsched==}}${{VERSION:-.}}"',
    f'{_PIP} "${{VERSION:+cxsched==}}${{VERSION:-$ACTION_PATH}}"',
}


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


@dataclass(frozen=True)
class Call:
    """One call of a reusable workflow: its file name in .github/workflows and its inputs."""

    workflow: str
    inputs: dict[str, str]


def load_yaml(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:
        data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def workflow_jobs(name: str) -> dict[str, Any]:
    jobs = load_yaml(WORKFLOWS / name)["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def resolve(text: str, context: dict[str, str], missing: str | None = None) -> str:
    """`text` with its expressions replaced; an unknown one fails the test unless `missing`."""

    def lookup(found: re.Match[str]) -> str:
        if found[1] in context:
            return context[found[1]]
        if missing is None:
            pytest.fail(f"the runner does not know the expression ${{{{ {found[1]} }}}}")
        return missing

    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lookup, str(text))


def _inputs(declared: dict[str, Any], given: dict[str, str], where: str) -> dict[str, str]:
    unknown = set(given) - set(declared)
    assert not unknown, f"{where}: no such inputs {sorted(unknown)}"
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in given:
            values[name] = given[name]
        else:
            assert not spec.get("required"), f"{where}: the required input {name} is missing"
            values[name] = str(spec.get("default", ""))
    return values


def calls(caller: Path, job_id: str) -> list[Call]:
    """Per matrix entry (or once), the reusable workflow the caller's job calls, with inputs."""
    job = load_yaml(caller)["jobs"][job_id]
    found = re.fullmatch(
        r"(?:\./|[\w.-]+/cxsched/(?=.*@[0-9a-f]{40}$))\.github/workflows/([\w.-]+\.yml)(?:@.*)?",
        job["uses"],
    )
    assert found, f"{caller.name}: {job['uses']} is not one of our reusable workflows"
    declared = load_yaml(WORKFLOWS / found[1])["on"]["workflow_call"]["inputs"]
    entries = job.get("strategy", {}).get("matrix", {}).get("include", [{}])
    result = []
    for entry in entries:
        context = {f"matrix.{k}": str(v) for k, v in entry.items()}
        given = {k: resolve(str(v), context) for k, v in job.get("with", {}).items()}
        result.append(Call(found[1], _inputs(declared, given, f"{caller.name}: {job_id}")))
    return result


class Runner:
    """Runs jobs of our reusable workflows and action.yml in `repo`, as GitHub Actions would."""

    def __init__(self, repo: Path, context: dict[str, str], github: GitHubStub) -> None:
        self.repo = repo
        self.context = context
        self.artifacts = repo.parent / "artifacts"
        self.summary = repo.parent / "summary.md"
        self.github = github
        self.run_id = 4241
        self.tracked = {path.name for path in repo.iterdir()}  # what a checkout brings

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
            if path.name not in self.tracked:
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def job(self, call: Call, job_id: str) -> JobRun:
        """Job `job_id` of the reusable workflow of `call`, with its inputs."""
        job = workflow_jobs(call.workflow)[job_id]
        context = {**self.context, **{f"inputs.{k}": v for k, v in call.inputs.items()}}
        self._checkout()
        return self._steps(job["steps"], job.get("outputs", {}), context)

    def action(self, given: dict[str, str], env: dict[str, str] | None = None) -> JobRun:
        """The composite steps of action.yml as one step of a job; outputs are the action's."""
        action = load_yaml(ACTION)
        inputs = _inputs(action["inputs"], given, "action.yml")
        context = {
            **self.context,
            "github.action_path": str(ROOT),
            **{f"inputs.{k}": resolve(v, self.context) for k, v in inputs.items()},
        }
        outputs = {k: v["value"] for k, v in action["outputs"].items()}
        return self._steps(action["runs"]["steps"], outputs, context, env or {})

    def _steps(
        self,
        steps: list[dict[str, Any]],
        outputs: dict[str, str],
        context: dict[str, str],
        env: dict[str, str] | None = None,
    ) -> JobRun:
        before = self.summary.read_text(encoding="utf-8") if self.summary.exists() else ""
        run = JobRun("success")
        for step in steps:
            if not self._condition(step.get("if"), run.result == "failure"):
                continue
            done = self._step(step, context, env or {})
            run.steps.append(done)
            if done.returncode != 0:
                run.result = "failure"
        run.outputs = {k: v for k, v in context.items() if k.startswith("steps.")}
        for key, expression in outputs.items():
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

    def _step(self, step: dict[str, Any], context: dict[str, str], env: dict[str, str]) -> StepRun:
        name = step.get("name", step.get("uses", ""))
        uses = step.get("uses", "").split("@")[0]
        if uses == "actions/upload-artifact":
            return self._upload(name, step["with"], context)
        if uses == "actions/download-artifact":
            return self._download(name, step["with"], context)
        if uses:  # checkout and setup-python: the test's own tree and interpreter
            return StepRun(name, 0, "", "")
        if name == INSTALL_STEP:  # the test's venv has cxsched; the line itself is pinned
            assert step["run"] in _INSTALLS, step["run"]
            return StepRun(name, 0, "", "")
        return self._shell(name, step, context, env)

    def _shell(
        self, name: str, step: dict[str, Any], context: dict[str, str], extra: dict[str, str]
    ) -> StepRun:
        outputs = self.repo.parent / "output.txt"
        outputs.write_text("", encoding="utf-8")
        env = {**self._base_env(), **extra, "GITHUB_OUTPUT": str(outputs)}
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
            if "id" in step:  # GitHub keeps the outputs of a step with an id only
                context[f"steps.{step['id']}.outputs.{key}"] = value
        return StepRun(name, done.returncode, done.stdout, done.stderr)

    def _base_env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k.startswith(("COVERAGE_", "COV_CORE_"))}
        return {
            **keep,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.repo.parent),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTOR": "octocat",
            "GITHUB_API_URL": self.github.url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_SHA": SHA,
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
        for artifact in fnmatch.filter(names, resolve(spec["pattern"], context)):
            shutil.copytree(self.artifacts / artifact, self.repo / spec["path"] / artifact)
        return StepRun(name, 0, "", "")
