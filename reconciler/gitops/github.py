"""The GitHub side of the cxsched workflows: the plan comment, the job summary, the drift issue.

  pull-request comment  create, or update in place, the ONE comment per tenant that carries the
                        plan (found by its hidden marker `<!-- cxsched-plan:<tenant> -->`)
  job summary           append plans and audit trails to $GITHUB_STEP_SUMMARY
  drift issue           open, update or close the one issue labelled `drift` of a tenant
  audit head status     the commit status `cxsched/audit-head/<tenant>` of the applied commit,
                        whose description is the audit trail's head digest after the apply
  run info              who and why of this run for `cxsched audit sync --run-info`: the run
                        URL, workflow, actor, commit, the pull request the commit came from and
                        the environment reviewers who approved the run (GitHub's approvals API)

It talks to the GitHub REST API at $GITHUB_API_URL (https://api.github.com when unset) as
$GITHUB_TOKEN, for the repository $GITHUB_REPOSITORY, with the standard library only.

Errors:
    GitopsError          an expected failure: the message says what and what to do next
    +-- GitHubError      a REST call failed (method, path, HTTP status)
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "DRIFT_LABEL",
    "GitHub",
    "GitHubError",
    "GitopsError",
    "append_summary",
    "check_plan",
    "comment_body",
    "comment_marker",
    "drift_body",
    "drift_marker",
    "head_status",
    "head_text",
    "read_plans",
    "run_info",
    "run_url",
    "summary_text",
    "sync_drift_issue",
    "upsert_comment",
]

DRIFT_LABEL = "drift"
_COMMENT_LIMIT = 60_000  # GitHub refuses comment and issue bodies over 65,536 characters
_SUMMARY_LIMIT = 900_000  # a step summary holds at most 1 MiB
_MAX_PAGES = 20
_TIMEOUT_S = 30.0
_STATUS_LIMIT = 140  # GitHub refuses a commit status description over 140 characters
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_RESULT_WORDS = {"success": "passed", "failure": "failed", "cancelled": "was cancelled"}


class GitopsError(Exception):
    """An expected failure; its message is printed as `error: <message>`."""


class GitHubError(GitopsError):
    """A GitHub REST call answered an error status or could not be made."""

    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        self.status = status
        super().__init__(f"GitHub API {method} {path} failed ({status or 'no answer'}): {detail}")


class GitHub:
    """A minimal GitHub REST client for one repository."""

    def __init__(self, api_url: str, token: str, repo: str) -> None:
        self._api_url = api_url.rstrip("/")
        self._token = token
        self.repo = repo

    @classmethod
    def from_env(cls) -> GitHub:
        token = os.environ.get("GITHUB_TOKEN", "")
        repo = os.environ.get("GITHUB_REPOSITORY", "")
        if not token or not repo:
            raise GitopsError(
                "GITHUB_TOKEN and GITHUB_REPOSITORY must be set; in a workflow pass "
                "`GITHUB_TOKEN: ${{ github.token }}` in the step's env."
            )
        return cls(os.environ.get("GITHUB_API_URL", "https://api.github.com"), token, repo)

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self._api_url}{path}", data=data, method=method, headers=self._headers()
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise GitHubError(method, path, exc.code, _error_detail(exc)) from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(method, path, 0, f"cannot reach {self._api_url}: {reason}") from exc
        return json.loads(body) if body else None

    def pages(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paginated list, 100 a page, at most `_MAX_PAGES` pages."""
        items: list[dict[str, Any]] = []
        sep = "&" if "?" in path else "?"
        for page in range(1, _MAX_PAGES + 1):
            batch = self.call("GET", f"{path}{sep}per_page=100&page={page}")
            items.extend(batch)
            if len(batch) < 100:
                break
        return items

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json",
            "User-Agent": "cxsched-gitops",
            "X-GitHub-Api-Version": "2022-11-28",
        }


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(exc.read() or b"{}").get("message", "")
    except (ValueError, AttributeError):
        message = ""
    hint = " (does the job's `permissions:` grant this?)" if exc.code in (403, 404) else ""
    return f"{message or exc.reason}{hint}"


def comment_marker(tenant: str) -> str:
    """The hidden marker that tells a tenant's plan comment from every other comment."""
    return f"<!-- cxsched-plan:{tenant} -->"


def comment_body(
    *,
    tenant: str,
    fork: bool,
    validate: str,
    plan: str,
    plans: dict[str, str],
    run_url: str,
    commit: str,
) -> str:
    """A tenant's pull-request comment: validation result, then the tenant's plan."""
    head = [comment_marker(tenant), f"## cxsched plan for tenant `{tenant}`", ""]
    parts = [*head, f"Validation {_word(validate)}."]
    if fork:
        parts.append(
            "This pull request comes from a fork, which gets no secrets, so it was validated "
            "only and **no plan was made**. A maintainer can push the branch to this repository "
            "to get a plan."
        )
    elif validate != "success":
        parts.append("No plan was made: fix the findings annotated on the changed lines.")
    else:
        parts.extend(_plan_sections(plan, plans))
    parts += ["", "---", f"<sub>{_footer(run_url, commit)}</sub>", ""]
    return _fit("\n".join(parts), _COMMENT_LIMIT)


def _plan_sections(plan: str, plans: dict[str, str]) -> list[str]:
    sections: list[str] = []
    if plan != "success":
        sections.append(f"\n**The plan {_word(plan)}**; see the run log.")
    for tenant, text in sorted(plans.items()):
        sections += ["", f"### Tenant `{tenant}`", "", _nested(text.strip())]
    if plans:
        sections += ["", "On merge: a fresh plan, approval, then exactly that plan is applied."]
    return sections


def _nested(markdown: str) -> str:
    """`markdown` with its headings two levels down, to sit under a tenant's heading."""
    return re.sub(r"^(#{1,4}) ", r"##\1 ", markdown, flags=re.MULTILINE)


def _word(result: str) -> str:
    return _RESULT_WORDS.get(result, f"was {result or 'not run'}")


def _footer(run_url: str, commit: str) -> str:
    where = f"[workflow run]({run_url})" if run_url else "the workflow run"
    return f"Updated by {where} for commit {commit[:12] or 'unknown'}."


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n_(truncated: the full text is in the run's artifacts and job summary)_\n"
    return text[: limit - len(note)] + note


def read_plans(folder: Path) -> dict[str, str]:
    """Tenant -> markdown plan, from `<folder>/plan-<tenant>/plan.md` (downloaded artifacts)."""
    if not folder.is_dir():
        return {}
    found = sorted(folder.glob("plan-*/plan.md"))
    return {p.parent.name.removeprefix("plan-"): p.read_text(encoding="utf-8") for p in found}


def upsert_comment(github: GitHub, pr: int, tenant: str, body: str) -> str:
    """Update the tenant's marked comment of pull request `pr`, or create it; says which."""
    marker = comment_marker(tenant)
    for comment in github.pages(f"/repos/{github.repo}/issues/{pr}/comments"):
        if marker in (comment.get("body") or ""):
            github.call(
                "PATCH", f"/repos/{github.repo}/issues/comments/{comment['id']}", {"body": body}
            )
            return f"updated comment {comment['id']} on pull request #{pr}"
    created = github.call("POST", f"/repos/{github.repo}/issues/{pr}/comments", {"body": body})
    return f"created comment {created['id']} on pull request #{pr}"


def drift_marker(tenant: str) -> str:
    """The hidden marker that tells a tenant's drift issue from any other `drift` issue."""
    return f"<!-- cxsched-drift:{tenant} -->"


def drift_body(tenant: str, plan: str, run_url: str) -> str:
    """The drift issue: what differs on the tenant and the two ways to resolve it."""
    lines = [
        drift_marker(tenant),
        f"The live schedules of tenant `{tenant}` differ from the repository.",
        "",
        "Either bring the change into git with a pull request, or re-run the apply workflow "
        "to put the tenant back as the repository says. This issue closes itself once a "
        "drift check finds no difference.",
        "",
        _nested(plan.strip()),
        "",
        f"<sub>{_footer(run_url, os.environ.get('GITHUB_SHA', ''))}</sub>",
        "",
    ]
    return _fit("\n".join(lines), _COMMENT_LIMIT)


def sync_drift_issue(github: GitHub, tenant: str, status: int, plan: str, run_url: str) -> str:
    """Exit status 2 opens or updates the tenant's drift issue, 0 closes it."""
    if status not in (0, 2):
        raise GitopsError(
            f"the drift plan for tenant {tenant} failed (exit {status}); the drift issue is left "
            "as it is; read the plan step's log above."
        )
    if not plan.strip():
        raise GitopsError(
            f"the drift plan for tenant {tenant} is empty or missing (exit {status}); the drift "
            "issue is left as it is; read the plan step's log above."
        )
    issue = _find_drift_issue(github, tenant)
    base = f"/repos/{github.repo}/issues"
    if status == 0:
        if issue is None:
            return f"no drift on tenant {tenant}"
        github.call("POST", f"{base}/{issue}/comments", {"body": f"No drift any more ({run_url})."})
        github.call("PATCH", f"{base}/{issue}", {"state": "closed", "state_reason": "completed"})
        return f"closed drift issue #{issue} of tenant {tenant}"
    body = drift_body(tenant, plan, run_url)
    if issue is not None:
        github.call("PATCH", f"{base}/{issue}", {"body": body})
        return f"updated drift issue #{issue} of tenant {tenant}"
    payload = {"title": f"Drift on tenant {tenant}", "body": body, "labels": [DRIFT_LABEL]}
    return f"opened drift issue #{github.call('POST', base, payload)['number']} of tenant {tenant}"


def _find_drift_issue(github: GitHub, tenant: str) -> int | None:
    path = f"/repos/{github.repo}/issues?labels={DRIFT_LABEL}&state=open"
    for issue in github.pages(path):
        if "pull_request" not in issue and drift_marker(tenant) in (issue.get("body") or ""):
            return int(issue["number"])
    return None


def check_plan(status: int | None, markdown: Path | None, plan_json: Path | None) -> str:
    """What a plan step left, if it is a plan; GitopsError when it failed or left none.

    `status` is the exit status of `cxsched plan --detailed-exitcode` (None: not detailed);
    with plan.json, 2 must come with changes or unmanaged schedules (drift), and 0 without
    changes.
    """
    if status is not None and status not in (0, 2):
        raise GitopsError(f"the plan failed (exit {status}); read the plan step's log above.")
    if markdown is not None and not _text_of(markdown).strip():
        raise GitopsError(f"{markdown} is missing or empty: the plan step produced no plan.")
    if plan_json is None:
        return f"{markdown} holds a plan"
    changes = _plan_changes(plan_json)
    drift = changes > 0 or _unmanaged(plan_json) > 0
    if status is not None and ((status == 2 and not drift) or (status == 0 and changes > 0)):
        raise GitopsError(
            f"plan exit status {status} does not match {plan_json} ({changes} change(s)); "
            "the plan step is broken: read its log above."
        )
    return f"{plan_json} holds a plan with {changes} change(s)"


def _text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _plan_changes(path: Path) -> int:
    text = _text_of(path)
    if not text.strip():
        raise GitopsError(f"{path} is missing or empty: the plan step produced no plan.")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    actions = data.get("actions") if isinstance(data, dict) else None
    kinds = [a.get("kind") for a in actions if isinstance(a, dict)] if actions else []
    if not isinstance(data, dict) or not isinstance(data.get("format_version"), int):
        raise GitopsError(f"{path} is not a cxsched plan: the plan step produced no plan.")
    if not isinstance(actions, list) or len(kinds) != len(actions):
        raise GitopsError(f"{path} is not a cxsched plan (no list of actions).")
    return sum(1 for kind in kinds if kind != "noop")


def plan_has_changes(path: Path) -> bool:
    """Whether the saved plan at `path` has a create, update or delete (an apply to make)."""
    try:
        return _plan_changes(path) > 0
    except GitopsError:
        return False


def _unmanaged(path: Path) -> int:
    """The plan's count of unmanaged schedules (live, in no file), 0 when it has none."""
    summary = json.loads(_text_of(path)).get("summary")
    count = summary.get("unmanaged") if isinstance(summary, dict) else 0
    return count if isinstance(count, int) else 0


def head_text(trail: Path) -> str:
    """The audit trail's head digest, to anchor it (`cxsched audit verify --expect-head`)."""
    head = trail.with_name(trail.name + ".head")
    try:
        data = json.loads(head.read_text(encoding="utf-8"))
        digest, seq = str(data["hash"]), int(data["seq"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"_No audit head at {head.as_posix()}: the trail cannot be anchored._\n"
    if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        return f"_The audit head at {head.as_posix()} is not a digest._\n"
    return (
        f"Audit trail head: `{digest}` (seq {seq}). Keep it: "
        f"`cxsched audit verify --expect-head {digest}` proves later that the trail still "
        "holds this record.\n"
    )


def head_status(
    github: GitHub, commit: str, tenant: str, head: str, *, success: bool, target_url: str
) -> str:
    """Publish the trail's head digest `head` as the commit status `cxsched/audit-head/<tenant>`
    of `commit`: `success` when the apply succeeded, else `failure`; `target_url` the run."""
    if not _COMMIT.fullmatch(commit):
        raise GitopsError(f"GITHUB_SHA {commit[:80]!r} is not a commit: no status to set.")
    if not _DIGEST.fullmatch(head):
        raise GitopsError(f"the audit head {head[:80]!r} is not a sha256 digest.")
    context = f"cxsched/audit-head/{tenant}"
    state = "success" if success else "failure"
    payload = {"state": state, "context": context, "description": head[:_STATUS_LIMIT]}
    if target_url:
        payload["target_url"] = target_url
    github.call("POST", f"/repos/{github.repo}/statuses/{commit}", payload)
    return f"set commit status {context} ({state}) on {commit[:12]}: {head}"


def summary_text(title: str, files: Sequence[str], trail: Path | None = None) -> str:
    """A job-summary section: `.md` files as they are, other files as fenced text, then the
    audit trail's head digest when `trail` is given."""
    parts = [f"## {title}", ""]
    for name in files:
        path = Path(name)
        if not path.is_file():
            parts += [f"_{name} was not produced._", ""]
            continue
        text = path.read_text(encoding="utf-8").rstrip()
        parts += [_nested(text) if path.suffix == ".md" else _fenced(text), ""]
    if trail is not None:
        parts += [head_text(trail)]
    return _fit("\n".join(parts) + "\n", _SUMMARY_LIMIT)


def _fenced(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text}\n{fence}"


def append_summary(text: str) -> str:
    """Append `text` to the file GitHub renders as the job summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if not target:
        raise GitopsError("GITHUB_STEP_SUMMARY is not set: run this in a GitHub Actions step.")
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(text)
    return f"appended {len(text)} characters to the job summary"


def run_url() -> str:
    """The link to this workflow run, from the runner's environment (empty outside one)."""
    server, repo, run = (
        os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else ""


def run_info(github: GitHub, tenant: str, environ: dict[str, str]) -> dict[str, Any]:
    """This run's provenance: where it ran, for which commit and pull request, who approved."""
    run_id, commit = environ.get("GITHUB_RUN_ID", ""), environ.get("GITHUB_SHA", "")
    info: dict[str, Any] = {
        "tenant": tenant,
        "run_url": run_url() or None,
        "workflow": environ.get("GITHUB_WORKFLOW") or None,
        "run_attempt": environ.get("GITHUB_RUN_ATTEMPT") or None,
        "event": environ.get("GITHUB_EVENT_NAME") or None,
        "actor": environ.get("GITHUB_TRIGGERING_ACTOR") or environ.get("GITHUB_ACTOR") or None,
        "commit": commit or None,
        "pull_request": None,
        "pull_request_url": None,
        "approvers": [],
    }
    if commit:
        pulls = github.call("GET", f"/repos/{github.repo}/commits/{commit}/pulls") or []
        merged = [p for p in pulls if p.get("merge_commit_sha") == commit] or pulls
        if merged:
            info["pull_request"] = int(merged[0]["number"])
            info["pull_request_url"] = str(merged[0].get("html_url") or "") or None
    if run_id:
        path = f"/repos/{github.repo}/actions/runs/{run_id}/approvals"
        info["approvers"] = [_approver(item) for item in github.call("GET", path) or []]
    return info


def _approver(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "login": str((item.get("user") or {}).get("login") or "unknown"),
        "state": str(item.get("state") or ""),
        "environments": [str(e.get("name")) for e in item.get("environments") or []],
        "comment": str(item.get("comment") or ""),
    }
