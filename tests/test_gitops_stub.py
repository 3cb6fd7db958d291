"""The GitHub API stub of `tests/support/github.py` pins the behaviour the gitops tests rely on."""

from __future__ import annotations

import json
from typing import Any
from urllib.request import Request, urlopen

from support.github import REPO, TOKEN, GitHubStub


def _get(url: str, token: str) -> tuple[int, Any]:
    request = Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except OSError as exc:
        return getattr(exc, "code", 0), None


def test_stub_refuses_a_wrong_token(github: GitHubStub) -> None:
    assert _get(f"{github.url}/repos/{REPO}/issues", "wrong") == (401, None)
    assert _get(f"{github.url}/repos/{REPO}/issues", TOKEN) == (200, [])


def test_stub_pages_lists_like_github(github: GitHubStub) -> None:
    for n in range(3):
        github.add_issue(f"t{n}", "", ["drift"])
    github.add_issue("closed", "", ["drift"], state="closed")
    github.add_issue("other", "", ["bug"])
    base = f"{github.url}/repos/{REPO}/issues?labels=drift&state=open&per_page=2"
    assert [i["title"] for i in _get(f"{base}&page=1", TOKEN)[1]] == ["t0", "t1"]
    assert [i["title"] for i in _get(f"{base}&page=2", TOKEN)[1]] == ["t2"]


def test_stub_answers_run_approvals_and_a_commits_pull_requests(github: GitHubStub) -> None:
    github.approve(4242, "carol", "production", comment="checked the plan")
    github.merged("ab" * 20, 7)
    approvals = f"{github.url}/repos/{REPO}/actions/runs/4242/approvals"
    status, reviews = _get(approvals, TOKEN)
    assert status == 200
    assert [(r["user"]["login"], r["state"], r["environments"][0]["name"]) for r in reviews] == [
        ("carol", "approved", "production")
    ]
    assert _get(f"{github.url}/repos/{REPO}/actions/runs/1/approvals", TOKEN) == (200, [])
    status, pulls = _get(f"{github.url}/repos/{REPO}/commits/{'ab' * 20}/pulls", TOKEN)
    assert (status, [p["number"] for p in pulls]) == (200, [7])
    assert _get(approvals, "wrong") == (401, None)


def _post(url: str, token: str, payload: dict[str, Any]) -> tuple[int, Any]:
    data = json.dumps(payload).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = Request(url, data=data, method="POST", headers=headers)
    try:
        with urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except OSError as exc:
        return getattr(exc, "code", 0), None


def test_stub_keeps_commit_statuses_per_commit_and_checks_them(github: GitHubStub) -> None:
    sha = "cd" * 20
    url = f"{github.url}/repos/{REPO}/statuses/{sha}"
    status = {"state": "success", "context": "ci/x", "description": "d", "target_url": "u"}
    assert _post(url, TOKEN, status)[0] == 201
    assert _post(url, TOKEN, {**status, "state": "done"})[0] == 422
    assert _post(url, TOKEN, {**status, "description": "x" * 141})[0] == 422
    assert _post(url, "wrong", status) == (401, None)
    assert [s["context"] for s in github.statuses[sha]] == ["ci/x"]
    assert github.statuses[sha][0]["description"] == "d"
    github.read_only = True
    assert _post(url, TOKEN, status) == (403, None)
    assert len(github.statuses[sha]) == 1
