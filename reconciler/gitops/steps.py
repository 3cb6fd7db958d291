"""The four commands of the cxsched GitHub Action and reusable workflows, one step each.

`run_step(command, settings)` runs `cxsched` for `validate`, `plan`, `apply` or `drift` in the
current directory (the checkout of a schedules repository) and then does the GitHub side:

  validate  `cxsched validate --format github` (annotations on the changed lines)
  plan      validate, then `cxsched plan --prune --detailed-exitcode --format markdown --out
            <plan-file>` (markdown next to it as `<plan-file stem>.md`), the job summary and,
            in a pull request when asked, the tenant's one plan comment
  apply     `cxsched apply <plan-file>` (report in `apply.txt` beside it), `cxsched audit
            verify`, the trail as text in `audit.txt`, the job summary
  drift     the plan without the comment, then the tenant's `drift` issue opened, updated or
            closed

The step outputs go to $GITHUB_OUTPUT (when set): `exit-code` (cxsched's own: 0 none, 2 changes
pending, 1 failure), `changes` ("true" or "false"), `plan-file` and `audit-head` (the hash of
the last audit record, empty when there is no trail). A step fails (non-zero status) when
cxsched failed; "changes pending" is an output, not a failure.

Errors:
    GitopsError   bad settings (a tenant name or path with control characters), a cxsched run
                  that did not finish, or a GitHub call that failed
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.gitops.github import (
    GitHub,
    GitHubError,
    GitopsError,
    append_summary,
    check_plan,
    comment_body,
    head_status,
    plan_has_changes,
    run_url,
    summary_text,
    sync_drift_issue,
    upsert_comment,
)

__all__ = ["COMMANDS", "PullRequest", "StepResult", "StepSettings", "pull_request", "run_step"]

COMMANDS = ("validate", "plan", "apply", "drift")
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CXSCHED_TIMEOUT_S = 6 * 3600.0  # a job's own timeout-minutes is the real bound
_EVENT_LIMIT = 32 * 1024 * 1024


@dataclass(frozen=True)
class StepSettings:
    """What one step runs: the tenant, the files, the settings file and the request budget."""

    tenant: str = "production"
    paths: tuple[str, ...] = ()  # empty: cxsched's default, schedules/
    config: str = ""  # empty: ./cxsched.yaml when present
    plan_file: str = "plan.json"
    rps: str = ""  # empty: the tenant profile's budget
    comment: bool = False  # plan: keep the tenant's pull-request comment up to date
    skip_validate: bool = False  # plan: an earlier job has validated (and annotated) already

    def check(self) -> None:
        if not _TENANT.fullmatch(self.tenant):
            raise GitopsError(
                f"tenant {_shown(self.tenant)} is not a name: use letters, digits, '.', '_' "
                "and '-' (at most 63), as in the GitHub environment `<tenant>-plan`."
            )
        for value in (*self.paths, self.config, self.plan_file, self.rps):
            if _CONTROL.search(value):
                raise GitopsError(f"setting {_shown(value)} holds control characters")
        if not self.plan_file:
            raise GitopsError("the plan file must be named (the input plan-file)")

    @property
    def plan_md(self) -> Path:
        return Path(self.plan_file).with_suffix(".md")


@dataclass(frozen=True)
class StepResult:
    """The step's exit status, its outputs and what it says on stdout."""

    status: int
    outputs: dict[str, str] = field(default_factory=dict)
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class PullRequest:
    """The pull request of the event that started the run."""

    number: int
    head_sha: str
    fork: bool


def _shown(value: str) -> str:
    return repr(_CONTROL.sub("?", value[:80]))


def run_step(command: str, settings: StepSettings) -> StepResult:
    """Run `command` for `settings`; write the outputs to $GITHUB_OUTPUT and return them."""
    settings.check()
    runners = {"validate": _validate, "plan": _plan, "apply": _apply, "drift": _drift}
    if command not in runners:
        raise GitopsError(f"unknown command {_shown(command)}: use one of {', '.join(COMMANDS)}")
    result = runners[command](settings)
    _write_outputs(result.outputs)
    return result


def _validate(settings: StepSettings) -> StepResult:
    status = _cxsched(settings, ["validate", "--format", "github", *settings.paths]).returncode
    return StepResult(status, _outputs(settings, status, changes=False, plan=False))


def _plan(settings: StepSettings) -> StepResult:
    pr = pull_request() if settings.comment else None
    if pr is not None and pr.fork:  # a fork's pull request gets no secrets: validate only
        result = _validate(settings)
        lines = _comment(settings, pr, validate=result.status, plan=None)
        return StepResult(result.status, result.outputs, lines)
    if not settings.skip_validate:
        checked = _validate(settings)
        if checked.status != 0:
            lines = _comment(settings, pr, validate=checked.status, plan=None)
            return StepResult(checked.status, checked.outputs, lines)
    status = _checked(settings, _run_plan(settings))
    lines = _summary(f"Plan for tenant {settings.tenant}", settings.plan_md)
    lines += _comment(settings, pr, validate=0, plan=status)
    return StepResult(_plan_step_status(status), _planned(settings, status), lines)


def _drift(settings: StepSettings) -> StepResult:
    status = _run_plan(settings)
    lines = _summary(f"Drift check of tenant {settings.tenant}", settings.plan_md)
    outputs = _planned(settings, status)
    plan = settings.plan_md.read_text(encoding="utf-8") if settings.plan_md.is_file() else ""
    if status in (0, 2):
        try:
            check_plan(status, settings.plan_md, Path(settings.plan_file))
        except GitopsError as exc:
            _write_outputs(outputs)
            raise GitopsError(
                f"the drift plan for tenant {settings.tenant} is unusable: {exc} The drift issue "
                "is left as it is."
            ) from exc
    try:
        said = sync_drift_issue(GitHub.from_env(), settings.tenant, status, plan, run_url())
    except GitopsError:
        _write_outputs(outputs)  # the plan's outcome is known even when the issue is not
        raise
    return StepResult(0, outputs, (*lines, said))


def _apply(settings: StepSettings) -> StepResult:
    done = _cxsched(settings, ["apply", settings.plan_file, *_rps(settings)], capture=True)
    report = Path(settings.plan_file).with_name("apply.txt")
    report.write_text(done.stdout, encoding="utf-8")
    status = done.returncode
    audit_txt = Path(settings.plan_file).with_name("audit.txt")
    if _audit_head(settings):
        verified = _cxsched(settings, ["audit", "verify"]).returncode
        shown = _cxsched(settings, ["audit", "show", "--format", "text"], capture=True)
        audit_txt.write_text(shown.stdout, encoding="utf-8")
        status = status or verified or shown.returncode
    lines: tuple[str, ...] = (done.stdout.rstrip("\n"),) if done.stdout.strip() else ()
    lines += _summary(
        f"Apply to tenant {settings.tenant}", report, audit_txt, trail=_trail(settings)
    )
    outputs = _outputs(settings, done.returncode, changes=done.returncode != 0, plan=True)
    published, said = _publish_head(settings, outputs["audit-head"], success=status == 0)
    return StepResult(status or published, outputs, (*lines, said) if said else lines)


def _publish_head(settings: StepSettings, head: str, *, success: bool) -> tuple[int, str]:
    """The trail's head as the applied commit's status: (0, what was done or a warning), or
    (1, an error) when GitHub refused it for another reason than permission; (0, "") when
    there is no head."""
    if not head:
        return 0, ""
    commit = os.environ.get("GITHUB_SHA", "")
    try:
        return 0, head_status(
            GitHub.from_env(), commit, settings.tenant, head, success=success, target_url=run_url()
        )
    except GitHubError as exc:
        if exc.status != 403:
            return 1, f"::error::the audit head is not published: {_clean(exc)}"
        # A fork's token, or a job without `statuses: write`: the head is in the summary.
        return 0, (
            "::warning::the audit head is not published as a commit status (the token may not "
            f"set statuses: grant the job `statuses: write`): {_clean(exc)}"
        )
    except GitopsError as exc:
        return 0, f"::warning::the audit head is not published as a commit status: {_clean(exc)}"


def _clean(exc: Exception) -> str:
    return _CONTROL.sub("?", str(exc))[:500]


def _run_plan(settings: StepSettings) -> int:
    link = ["--plan-link", run_url()] if run_url() else []
    args = ["plan", "--prune", "--detailed-exitcode", "--format", "markdown"]
    args += ["--out", settings.plan_file, *_rps(settings), *link, *settings.paths]
    done = _cxsched(settings, args, capture=True)
    settings.plan_md.write_text(done.stdout, encoding="utf-8")
    return done.returncode


def _checked(settings: StepSettings, status: int) -> int:
    """`status`, or 1 when a plan that says it succeeded left no usable plan behind."""
    if status not in (0, 2):
        return status
    try:
        check_plan(status, settings.plan_md, Path(settings.plan_file))
    except GitopsError as exc:
        print(f"::error::{exc}")
        return 1
    return status


def _plan_step_status(status: int) -> int:
    """Changes pending (2) is an output of the step, not its failure."""
    return 0 if status in (0, 2) else status


def _planned(settings: StepSettings, status: int) -> dict[str, str]:
    """Outputs of a plan: `changes` only when there is something to apply (exit 2 also means
    drift that no apply resolves, an unmanaged schedule)."""
    changes = status == 2 and plan_has_changes(Path(settings.plan_file))
    return _outputs(settings, status, changes=changes, plan=status in (0, 2))


def _outputs(settings: StepSettings, status: int, *, changes: bool, plan: bool) -> dict[str, str]:
    return {
        "exit-code": str(status),
        "changes": str(changes).lower(),
        "plan-file": settings.plan_file if plan and Path(settings.plan_file).is_file() else "",
        "audit-head": _audit_head(settings),
    }


def _rps(settings: StepSettings) -> list[str]:
    return ["--rps", settings.rps] if settings.rps else []


def _cxsched(
    settings: StepSettings, args: Sequence[str], *, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """`cxsched ARGS` with this interpreter; stderr goes to the step's log as it comes."""
    env = dict(os.environ)
    if settings.config:
        env["CXSCHED_CONFIG"] = settings.config
    try:
        return subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            env=env,
            stdout=subprocess.PIPE if capture else None,
            text=True,
            timeout=_CXSCHED_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitopsError(f"cxsched {args[0]} did not finish in {exc.timeout:.0f} s") from exc


def _trail(settings: StepSettings) -> Path | None:
    """The audit trail's path by the repository config, or None when the config is unusable."""
    from reconciler.audit.trail import trail_path
    from reconciler.config import load_repo_config
    from reconciler.errors import CxschedError

    try:
        return trail_path(load_repo_config(Path(settings.config) if settings.config else None))
    except (CxschedError, OSError):
        return None


def _audit_head(settings: StepSettings) -> str:
    """The hash of the trail's last record, or "" when there is no trail (or no valid config)."""
    from reconciler.audit.trail import read_head
    from reconciler.errors import CxschedError

    trail = _trail(settings)
    try:
        head = None if trail is None else read_head(trail)
    except (CxschedError, OSError):
        return ""
    return head.hash if head is not None else ""


def _summary_text(text: str) -> tuple[str, ...]:
    return (append_summary(text),) if os.environ.get("GITHUB_STEP_SUMMARY") else ()


def _summary(title: str, *files: Path, trail: Path | None = None) -> tuple[str, ...]:
    if not os.environ.get("GITHUB_STEP_SUMMARY"):
        return ()
    return (append_summary(summary_text(title, [str(f) for f in files], trail)),)


def _comment(
    settings: StepSettings, pr: PullRequest | None, *, validate: int, plan: int | None
) -> tuple[str, ...]:
    if pr is None:
        return ()
    plan_md = settings.plan_md
    known = plan is not None and plan_md.is_file()
    plans = {settings.tenant: plan_md.read_text(encoding="utf-8")} if known else {}
    body = comment_body(
        tenant=settings.tenant,
        fork=pr.fork,
        validate="success" if validate == 0 else "failure",
        plan="skipped" if plan is None else "success" if plan in (0, 2) else "failure",
        plans=plans,
        run_url=run_url(),
        commit=pr.head_sha,
    )
    try:
        return (upsert_comment(GitHub.from_env(), pr.number, settings.tenant, body),)
    except GitHubError as exc:
        if not (pr.fork and exc.status == 403):
            raise
        # A fork's pull request gets a read-only token unless the repository allows more.
        warning = f"::warning::cannot comment on a fork's pull request (read-only token): {exc}"
    return (warning, *_summary_text(body))


def pull_request() -> PullRequest | None:
    """The pull request of $GITHUB_EVENT_PATH, or None when the run is not for one."""
    path = os.environ.get("GITHUB_EVENT_PATH", "")
    if not path:
        return None
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(_EVENT_LIMIT + 1)
        if len(raw) > _EVENT_LIMIT:
            raise ValueError(f"larger than {_EVENT_LIMIT // 2**20} MiB")
        event: Any = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise GitopsError(f"cannot read the event file $GITHUB_EVENT_PATH: {exc}") from exc
    pr = _mapping(event, "pull_request")
    if not isinstance(pr.get("number"), int):
        return None
    head = _mapping(pr, "head")
    sha = head.get("sha")
    fork = _mapping(head, "repo").get("full_name") != os.environ.get("GITHUB_REPOSITORY")
    return PullRequest(
        pr["number"], _CONTROL.sub("", sha if isinstance(sha, str) else "")[:64], fork
    )


def _mapping(node: Any, key: str) -> dict[str, Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def _write_outputs(outputs: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT", "")
    if not target or not outputs:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        out.writelines(f"{key}={_CONTROL.sub('', value)}\n" for key, value in outputs.items())
