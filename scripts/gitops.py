#!/usr/bin/env python3
"""GitHub glue for the cxsched workflows; every workflow step calls `cxsched` or this script.

Subcommands:
  pr-comment   create, or update in place, the ONE pull-request comment that carries the plans
               (found by its hidden marker `<!-- cxsched-plan -->`)
  summary      append plans and audit trails to the job summary ($GITHUB_STEP_SUMMARY)
  drift-issue  open, update or close the one issue labelled `drift` of a tenant
  run-info     write who and why of this run as JSON for `cxsched audit sync --run-info`: the
               run URL, workflow, actor, commit, the pull request the commit came from and the
               environment reviewers who approved the run (GitHub's run approvals API)

It talks to the GitHub REST API at $GITHUB_API_URL (https://api.github.com when unset) as
$GITHUB_TOKEN, for the repository $GITHUB_REPOSITORY. Standard library only, so it runs on a
runner's own Python. Exit codes: 0 done, 1 failure (one line on stderr), 2 bad usage.

Errors:
    GitopsError          an expected failure: the message says what and what to do next
    +-- GitHubError      a REST call failed (method, path, HTTP status)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "COMMENT_MARKER",
    "DRIFT_LABEL",
    "GitHub",
    "GitHubError",
    "GitopsError",
    "append_summary",
    "comment_body",
    "drift_body",
    "drift_marker",
    "main",
    "read_plans",
    "run_info",
    "summary_text",
    "sync_drift_issue",
    "upsert_comment",
]

COMMENT_MARKER = "<!-- cxsched-plan -->"
DRIFT_LABEL = "drift"
_COMMENT_LIMIT = 60_000  # GitHub refuses comment and issue bodies over 65,536 characters
_SUMMARY_LIMIT = 900_000  # a step summary holds at most 1 MiB
_MAX_PAGES = 20
_TIMEOUT_S = 30.0
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


def comment_body(
    *, fork: bool, validate: str, plan: str, plans: dict[str, str], run_url: str, commit: str
) -> str:
    """The pull-request comment: validation result, then one section per tenant plan."""
    parts = [COMMENT_MARKER, "## cxsched plan", "", f"Validation {_word(validate)}."]
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
        sections.append(f"\n**The plan {_word(plan)}** for at least one tenant; see the run log.")
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


def upsert_comment(github: GitHub, pr: int, body: str) -> str:
    """Update the marked comment of pull request `pr`, or create it; says which."""
    for comment in github.pages(f"/repos/{github.repo}/issues/{pr}/comments"):
        if COMMENT_MARKER in (comment.get("body") or ""):
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


def summary_text(title: str, files: Sequence[str]) -> str:
    """A job-summary section: `.md` files as they are, other files as fenced text."""
    parts = [f"## {title}", ""]
    for name in files:
        path = Path(name)
        if not path.is_file():
            parts += [f"_{name} was not produced._", ""]
            continue
        text = path.read_text(encoding="utf-8").rstrip()
        parts += [_nested(text) if path.suffix == ".md" else _fenced(text), ""]
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


def _run_url() -> str:
    server, repo, run = (
        os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else ""


def run_info(github: GitHub, tenant: str, environ: dict[str, str]) -> dict[str, Any]:
    """This run's provenance: where it ran, for which commit and pull request, who approved."""
    run_id, commit = environ.get("GITHUB_RUN_ID", ""), environ.get("GITHUB_SHA", "")
    info: dict[str, Any] = {
        "tenant": tenant,
        "run_url": _run_url() or None,
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


def _cmd_run_info(args: argparse.Namespace) -> str:
    info = run_info(GitHub.from_env(), args.tenant, dict(os.environ))
    Path(args.out).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    approved = [a["login"] for a in info["approvers"] if a["state"] == "approved"]
    pr = f"pull request #{info['pull_request']}" if info["pull_request"] else "no pull request"
    return f"wrote {args.out}: {pr}, approved by {', '.join(approved) or 'nobody'}"


def _cmd_pr_comment(args: argparse.Namespace) -> str:
    fork = args.fork == "true"
    body = comment_body(
        fork=fork,
        validate=args.validate,
        plan=args.plan,
        plans={} if fork else read_plans(Path(args.plans)),
        run_url=_run_url(),
        commit=args.commit,
    )
    try:
        return upsert_comment(GitHub.from_env(), args.pr, body)
    except GitHubError as exc:
        if not (fork and exc.status == 403):
            raise
        # A fork's pull request gets a read-only token unless the repository allows more.
        print(f"::warning::cannot comment on a fork's pull request (read-only token): {exc}")
    return append_summary(body)


def _cmd_summary(args: argparse.Namespace) -> str:
    return append_summary(summary_text(args.title, args.files))


def _cmd_drift_issue(args: argparse.Namespace) -> str:
    plan = Path(args.plan).read_text(encoding="utf-8") if Path(args.plan).is_file() else ""
    return sync_drift_issue(GitHub.from_env(), args.tenant, args.status, plan, _run_url())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gitops.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("pr-comment", help="create or update the pull request's plan comment")
    pr.add_argument("--pr", type=int, required=True, help="pull request number")
    pr.add_argument("--fork", choices=("true", "false"), default="false")
    pr.add_argument("--validate", default="", help="result of the validate job")
    pr.add_argument("--plan", default="", help="result of the plan job")
    pr.add_argument("--plans", default="plans", help="folder of plan-<tenant>/plan.md")
    pr.add_argument("--commit", default="", help="the pull request's head commit")
    pr.set_defaults(handler=_cmd_pr_comment)
    summary = sub.add_parser("summary", help="append files to the job summary")
    summary.add_argument("--title", required=True)
    summary.add_argument("files", nargs="+", help=".md files verbatim, others as text")
    summary.set_defaults(handler=_cmd_summary)
    drift = sub.add_parser("drift-issue", help="open, update or close the drift issue")
    drift.add_argument("--tenant", required=True)
    drift.add_argument("--status", type=int, required=True, help="exit code of plan")
    drift.add_argument("--plan", default="plan.md", help="the markdown plan")
    drift.set_defaults(handler=_cmd_drift_issue)
    info = sub.add_parser("run-info", help="write this run's provenance for cxsched audit sync")
    info.add_argument("--tenant", required=True)
    info.add_argument("--out", default="run-info.json", help="the JSON file to write")
    info.set_defaults(handler=_cmd_run_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(args.handler(args))
    except (GitopsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
