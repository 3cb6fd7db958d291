"""`python -m reconciler.gitops`, run as the workflows run it, against a stub of the GitHub API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.gitops.github import GitHub, GitopsError, head_status
from support.github import REPO, TOKEN, GitHubStub

MARKER = "<!-- cxsched-plan:production -->"
RUN_URL = f"https://github.com/{REPO}/actions/runs/4242"
FOOTER = f"<sub>Updated by [workflow run]({RUN_URL}) for commit 0123456789ab.</sub>"


def gitops(
    tmp_path: Path, github: GitHubStub, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    base = {
        **{k: v for k, v in os.environ.items() if k.startswith(("COVERAGE_", "COV_CORE_"))},
        "PATH": os.environ["PATH"],
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SHA": "0123456789abcdef",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    return subprocess.run(
        [sys.executable, "-m", "reconciler.gitops", *args],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def write_plan(tmp_path: Path, tenant: str, text: str) -> None:
    folder = tmp_path / "plans" / f"plan-{tenant}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.md").write_text(text, encoding="utf-8")


def comment(
    tmp_path: Path, github: GitHubStub, *extra: str, **env: str
) -> subprocess.CompletedProcess[str]:
    args = ["pr-comment", "--tenant", "production", "--pr", "7", "--commit", "0123456789abcdef"]
    args += ["--validate", "success"]
    return gitops(tmp_path, github, *args, *extra, **env)


def test_plan_comment_is_created_once_then_updated_in_place(
    tmp_path: Path, github: GitHubStub
) -> None:
    write_plan(tmp_path, "production", "## cxsched plan\n\n**1 to create**\n")
    write_plan(tmp_path, "staging", "No changes.\n")
    first = comment(tmp_path, github, "--plan", "success")
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == "created comment 101 on pull request #7\n"
    assert github.comments_on(7) == [
        "\n".join(
            [
                MARKER,
                "## cxsched plan for tenant `production`",
                "",
                "Validation passed.",
                "",
                "### Tenant `production`",
                "",
                "#### cxsched plan",
                "",
                "**1 to create**",
                "",
                "On merge: a fresh plan, approval, then exactly that plan is applied.",
                "",
                "---",
                FOOTER,
                "",
            ]
        )
    ]
    write_plan(tmp_path, "production", "**1 to update**\n")
    second = comment(tmp_path, github, "--plan", "success")
    assert second.stdout == "updated comment 101 on pull request #7\n"
    [body] = github.comments_on(7)
    assert "**1 to update**" in body
    assert "**1 to create**" not in body


def test_each_tenant_keeps_its_own_comment(tmp_path: Path, github: GitHubStub) -> None:
    write_plan(tmp_path, "production", "**1 to create**\n")
    write_plan(tmp_path, "staging", "**2 to create**\n")
    assert comment(tmp_path, github, "--plan", "success").stdout == (
        "created comment 101 on pull request #7\n"
    )
    staging = ["pr-comment", "--tenant", "staging", "--pr", "7", "--validate", "success"]
    done = gitops(tmp_path, github, *staging, "--plan", "success")
    assert done.stdout == "created comment 102 on pull request #7\n"
    first, second = github.comments_on(7)
    assert ("**1 to create**" in first, "**2 to create**" in first) == (True, False)
    assert second.startswith("<!-- cxsched-plan:staging -->\n## cxsched plan for tenant `staging`")
    assert "**2 to create**" in second


def test_the_marked_comment_is_found_past_the_first_page(
    tmp_path: Path, github: GitHubStub
) -> None:
    for n in range(150):
        github.answer("POST", f"/repos/{REPO}/issues/7/comments", {"body": f"review {n}"})
    github.answer("POST", f"/repos/{REPO}/issues/7/comments", {"body": MARKER})
    done = comment(tmp_path, github, "--plan", "success")
    assert done.stdout == "updated comment 251 on pull request #7\n"
    assert len(github.comments_on(7)) == 151
    pages = [url for method, url in github.requests if method == "GET"]
    assert pages == [
        f"/repos/{REPO}/issues/7/comments?per_page=100&page=1",
        f"/repos/{REPO}/issues/7/comments?per_page=100&page=2",
    ]


def test_a_fork_is_validated_only_and_the_comment_says_so(
    tmp_path: Path, github: GitHubStub
) -> None:
    write_plan(tmp_path, "production", "a plan that a fork cannot have\n")
    done = comment(tmp_path, github, "--fork", "true", "--plan", "skipped")
    assert done.returncode == 0
    [body] = github.comments_on(7)
    assert body.splitlines()[3:5] == [
        "Validation passed.",
        "This pull request comes from a fork, which gets no secrets, so it was validated only "
        "and **no plan was made**. A maintainer can push the branch to this repository to get "
        "a plan.",
    ]
    assert "a plan that a fork cannot have" not in body


def test_a_fork_with_a_read_only_token_gets_the_text_in_the_job_summary(
    tmp_path: Path, github: GitHubStub
) -> None:
    github.read_only = True
    done = comment(tmp_path, github, "--fork", "true", "--plan", "skipped")
    assert done.returncode == 0
    assert done.stdout.startswith(
        "::warning::cannot comment on a fork's pull request (read-only token): GitHub API "
        f"POST /repos/{REPO}/issues/7/comments failed (403): Resource not accessible by "
        "integration (does the job's `permissions:` grant this?)\n"
    )
    assert "**no plan was made**" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert github.comments_on(7) == []


@pytest.mark.parametrize(
    ("validate", "plan", "line"),
    [
        (
            "failure",
            "skipped",
            "No plan was made: fix the findings annotated on the changed lines.",
        ),
        ("success", "failure", "**The plan failed**; see the run log."),
    ],
)
def test_a_failed_step_is_named_in_the_comment(
    tmp_path: Path, github: GitHubStub, validate: str, plan: str, line: str
) -> None:
    args = ["pr-comment", "--tenant", "t1", "--pr", "7", "--validate", validate, "--plan", plan]
    assert gitops(tmp_path, github, *args).returncode == 0
    [body] = github.comments_on(7)
    assert line in body.splitlines()
    assert f"Validation {'passed' if validate == 'success' else 'failed'}." in body


def test_a_plan_too_long_for_a_comment_is_truncated_with_a_note(
    tmp_path: Path, github: GitHubStub
) -> None:
    write_plan(tmp_path, "production", "x" * 70_000)
    assert comment(tmp_path, github, "--plan", "success").returncode == 0
    [body] = github.comments_on(7)
    assert len(body) == 60_000
    assert body.endswith("_(truncated: the full text is in the run's artifacts and job summary)_\n")


def test_a_refused_comment_fails_with_the_call_and_the_cause(
    tmp_path: Path, github: GitHubStub
) -> None:
    github.read_only = True
    done = comment(tmp_path, github, "--plan", "success")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: GitHub API POST /repos/{REPO}/issues/7/comments failed (403): Resource not "
        "accessible by integration (does the job's `permissions:` grant this?)\n"
    )


def test_a_wrong_token_is_reported_without_echoing_it(tmp_path: Path, github: GitHubStub) -> None:
    done = comment(tmp_path, github, "--plan", "success", GITHUB_TOKEN="ghs_not-the-right-one")
    assert done.returncode == 1
    assert done.stderr == (
        f"error: GitHub API GET /repos/{REPO}/issues/7/comments?per_page=100&page=1 failed "
        "(401): Bad credentials\n"
    )


def test_missing_token_and_unreachable_api_are_clear_errors(
    tmp_path: Path, github: GitHubStub
) -> None:
    done = comment(tmp_path, github, "--plan", "success", GITHUB_TOKEN="")
    assert done.returncode == 1
    assert done.stderr.startswith("error: GITHUB_TOKEN and GITHUB_REPOSITORY must be set")
    done = comment(tmp_path, github, "--plan", "success", GITHUB_API_URL="http://127.0.0.1:9")
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"error: GitHub API GET /repos/{REPO}/issues/7/comments?per_page=100&page=1 failed "
        "(no answer): cannot reach http://127.0.0.1:9: "
    )


def test_summary_appends_markdown_as_is_and_text_fenced(tmp_path: Path, github: GitHubStub) -> None:
    (tmp_path / "summary.md").write_text("earlier\n", encoding="utf-8")
    (tmp_path / "plan.md").write_text("**2 to create**\n", encoding="utf-8")
    (tmp_path / "audit.txt").write_text("seq 1 apply\n```\n", encoding="utf-8")
    done = gitops(
        tmp_path, github, "summary", "--title", "Apply", "plan.md", "audit.txt", "gone.md"
    )
    assert (done.returncode, done.stdout) == (0, "appended 87 characters to the job summary\n")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == (
        "earlier\n## Apply\n\n**2 to create**\n\n````text\nseq 1 apply\n```\n````\n\n"
        "_gone.md was not produced._\n\n"
    )


def test_summary_outside_a_workflow_says_so(tmp_path: Path, github: GitHubStub) -> None:
    (tmp_path / "plan.md").write_text("x\n", encoding="utf-8")
    done = gitops(tmp_path, github, "summary", "--title", "t", "plan.md", GITHUB_STEP_SUMMARY="")
    assert (done.returncode, done.stderr) == (
        1,
        "error: GITHUB_STEP_SUMMARY is not set: run this in a GitHub Actions step.\n",
    )


def drift(tmp_path: Path, github: GitHubStub, status: int) -> subprocess.CompletedProcess[str]:
    args = ["drift-issue", "--tenant", "production", "--status", str(status), "--plan", "plan.md"]
    return gitops(tmp_path, github, *args)


def test_drift_opens_one_issue_updates_it_then_closes_it(
    tmp_path: Path, github: GitHubStub
) -> None:
    other = github.add_issue("Drift on tenant staging", "<!-- cxsched-drift:staging -->", ["drift"])
    (tmp_path / "plan.md").write_text("**1 to update**\n", encoding="utf-8")
    assert drift(tmp_path, github, 2).stdout == "opened drift issue #102 of tenant production\n"
    issue = github.issues[102]
    assert (issue["title"], issue["labels"], issue["state"]) == (
        "Drift on tenant production",
        [{"name": "drift"}],
        "open",
    )
    assert issue["body"].startswith("<!-- cxsched-drift:production -->\nThe live schedules of")
    assert "\n**1 to update**\n" in issue["body"]
    (tmp_path / "plan.md").write_text("**2 to update**\n", encoding="utf-8")
    assert drift(tmp_path, github, 2).stdout == "updated drift issue #102 of tenant production\n"
    assert "\n**2 to update**\n" in github.issues[102]["body"]
    assert drift(tmp_path, github, 0).stdout == "closed drift issue #102 of tenant production\n"
    assert github.issues[102]["state"] == "closed"
    assert github.comments_on(102) == [f"No drift any more ({RUN_URL})."]
    assert github.issues[other]["state"] == "open"
    assert drift(tmp_path, github, 0).stdout == "no drift on tenant production\n"


def test_a_failed_drift_plan_leaves_the_issue_alone_and_fails(
    tmp_path: Path, github: GitHubStub
) -> None:
    number = github.add_issue("Drift", "<!-- cxsched-drift:production -->", ["drift"])
    done = drift(tmp_path, github, 1)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "error: the drift plan for tenant production failed (exit 1); the drift issue is left "
        "as it is; read the plan step's log above.\n"
    )
    assert github.issues[number]["state"] == "open"
    assert github.requests == []


def _plan_json(tmp_path: Path, kinds: list[str]) -> None:
    actions = [{"kind": kind} for kind in kinds]
    text = json.dumps({"format_version": 2, "actions": actions})
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("status", "markdown", "kinds", "message"),
    [
        (
            2,
            "",
            ["update"],
            "error: plan.md is missing or empty: the plan step produced no plan.\n",
        ),
        (
            2,
            None,
            ["update"],
            "error: plan.md is missing or empty: the plan step produced no plan.\n",
        ),
        (
            2,
            "**1**\n",
            None,
            "error: plan.json is missing or empty: the plan step produced no plan.\n",
        ),
        (
            2,
            "**1**\n",
            ["noop"],
            "error: plan exit status 2 does not match plan.json (0 change(s))",
        ),
        (0, "**1**\n", ["create"], "error: plan exit status 0 does not match plan.json (1 change"),
        (1, "**1**\n", ["create"], "error: the plan failed (exit 1); read the plan step's log"),
    ],
)
def test_check_plan_fails_on_an_empty_missing_or_inconsistent_plan(
    tmp_path: Path,
    github: GitHubStub,
    *,
    status: int,
    markdown: str | None,
    kinds: list[str] | None,
    message: str,
) -> None:
    if markdown is not None:
        (tmp_path / "plan.md").write_text(markdown, encoding="utf-8")
    if kinds is not None:
        _plan_json(tmp_path, kinds)
    args = ["check-plan", "--status", str(status), "--markdown", "plan.md", "--json", "plan.json"]
    done = gitops(tmp_path, github, *args)
    assert done.returncode == 1
    assert done.stderr.startswith(message)


def test_check_plan_accepts_a_plan_that_matches_its_status(
    tmp_path: Path, github: GitHubStub
) -> None:
    (tmp_path / "plan.md").write_text("**1 to update**\n", encoding="utf-8")
    _plan_json(tmp_path, ["noop", "update"])
    args = ["check-plan", "--status", "2", "--markdown", "plan.md", "--json", "plan.json"]
    done = gitops(tmp_path, github, *args)
    assert (done.returncode, done.stdout) == (0, "plan.json holds a plan with 1 change(s)\n")


@pytest.mark.parametrize("status", [0, 2])
def test_an_empty_drift_plan_fails_and_opens_no_issue(
    tmp_path: Path, github: GitHubStub, status: int
) -> None:
    (tmp_path / "plan.md").write_text("", encoding="utf-8")
    done = drift(tmp_path, github, status)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "error: the drift plan for tenant production is unusable: plan.md is missing or empty: "
        "the plan step produced no plan. The drift issue is left as it is.\n"
    )
    assert github.requests == []


def test_a_drift_plan_json_must_agree_with_the_status(tmp_path: Path, github: GitHubStub) -> None:
    (tmp_path / "plan.md").write_text("**0 to update**\n", encoding="utf-8")
    args = ["drift-issue", "--tenant", "production", "--status", "2", "--plan", "plan.md"]
    done = gitops(tmp_path, github, *args, "--plan-json", "plan.json")
    assert done.returncode == 1
    assert "plan.json is missing or empty" in done.stderr
    assert github.requests == []


def test_summary_publishes_the_audit_head(tmp_path: Path, github: GitHubStub) -> None:
    (tmp_path / "apply.txt").write_text("done\n", encoding="utf-8")
    (tmp_path / "audit").mkdir()
    digest = "sha256:" + "ab" * 32
    head = json.dumps({"hash": digest, "seq": 7})
    (tmp_path / "audit" / "trail.jsonl.head").write_text(head, encoding="utf-8")
    args = ["summary", "--title", "Apply", "--trail", "audit/trail.jsonl", "apply.txt"]
    assert gitops(tmp_path, github, *args).returncode == 0
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert f"Audit trail head: `{digest}` (seq 7)." in summary
    assert f"`cxsched audit verify --expect-head {digest}`" in summary
    (tmp_path / "audit" / "trail.jsonl.head").unlink()
    assert gitops(tmp_path, github, *args).returncode == 0
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "_No audit head at audit/trail.jsonl.head: the trail cannot be anchored._" in summary


def test_run_info_names_the_pull_request_and_the_approvers(
    tmp_path: Path, github: GitHubStub
) -> None:
    github.merged("0123456789abcdef", 7)
    github.approve(4242, "carol", "production", comment="plan read")
    env = {"GITHUB_ACTOR": "octocat", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_WORKFLOW": "apply"}
    done = gitops(tmp_path, github, "run-info", "--tenant", "production", "--out", "i.json", **env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "wrote i.json: pull request #7, approved by carol\n"
    assert json.loads((tmp_path / "i.json").read_text(encoding="utf-8")) == {
        "tenant": "production",
        "run_url": RUN_URL,
        "workflow": "apply",
        "run_attempt": "2",
        "event": None,
        "actor": "octocat",
        "commit": "0123456789abcdef",
        "pull_request": 7,
        "pull_request_url": f"https://github.com/{REPO}/pull/7",
        "approvers": [
            {
                "login": "carol",
                "state": "approved",
                "environments": ["production"],
                "comment": "plan read",
            }
        ],
    }
    assert github.requests == [
        ("GET", f"/repos/{REPO}/commits/0123456789abcdef/pulls"),
        ("GET", f"/repos/{REPO}/actions/runs/4242/approvals"),
    ]


def test_run_info_of_an_unapproved_run_without_a_pull_request(
    tmp_path: Path, github: GitHubStub
) -> None:
    done = gitops(tmp_path, github, "run-info", "--tenant", "production")
    assert done.stdout == "wrote run-info.json: no pull request, approved by nobody\n"
    info = json.loads((tmp_path / "run-info.json").read_text(encoding="utf-8"))
    assert (info["pull_request"], info["approvers"]) == (None, [])
    refused = gitops(tmp_path, github, "run-info", "--tenant", "production", GITHUB_TOKEN="bad")
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"error: GitHub API GET /repos/{REPO}/commits/")


def test_head_status_sets_the_digest_on_a_commit_and_refuses_anything_else(
    github: GitHubStub,
) -> None:
    client, digest, sha = GitHub(github.url, TOKEN, REPO), "sha256:" + "5f" * 32, "ab" * 20
    with pytest.raises(GitopsError, match="GITHUB_SHA '0123456789abcdef' is not a commit"):
        head_status(client, "0123456789abcdef", "eu", digest, success=True, target_url="")
    with pytest.raises(GitopsError, match="the audit head 'sha256:5f' is not a sha256 digest"):
        head_status(client, sha, "eu", "sha256:5f", success=True, target_url="")
    assert github.requests == []
    said = head_status(client, sha, "eu", digest, success=False, target_url="")
    assert said == f"set commit status cxsched/audit-head/eu (failure) on {sha[:12]}: {digest}"
    [status] = github.statuses[sha]  # outside a workflow run: no link
    assert (status["context"], status["state"], status["description"]) == (
        "cxsched/audit-head/eu",
        "failure",
        digest,
    )
    assert "target_url" not in status
