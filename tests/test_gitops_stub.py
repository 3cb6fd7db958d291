"""The GitHub API stub of `tests/support/github.py` pins the behaviour the gitops tests rely on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.request import Request, urlopen

import pytest

from support.github import REPO, TOKEN, GitHubStub


@pytest.fixture
def github() -> Iterator[GitHubStub]:
    with GitHubStub() as stub:
        yield stub


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
