"""A stateful stand-in for the part of the GitHub REST API that reconciler.gitops uses.

It serves pull-request comments and issues on 127.0.0.1 from a thread, remembers them, checks
the bearer token, pages lists like GitHub (`per_page`, `page`) and can refuse writes with 403
the way a fork's read-only token is refused. It also answers, read-only, a workflow run's
deployment approvals (`GET /repos/{repo}/actions/runs/{run_id}/approvals`, set in `approvals`)
and the pull requests a commit came from (`GET /repos/{repo}/commits/{sha}/pulls`, set in
`pulls`), and keeps commit statuses per commit (`POST /repos/{repo}/statuses/{sha}`, in
`statuses`; GitHub's checks of state and description length, 422 otherwise).
`tests/test_gitops_stub.py` pins the behaviour
the other gitops tests rely on.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_stub-token"
REPO = "acme/schedules"


class GitHubStub:
    """Comments and issues of one repository, kept in memory."""

    def __init__(self) -> None:
        self.comments: dict[int, dict[str, Any]] = {}  # id -> comment (+ "issue")
        self.issues: dict[int, dict[str, Any]] = {}  # number -> issue
        self.requests: list[tuple[str, str]] = []
        self.approvals: dict[int, list[dict[str, Any]]] = {}  # run id -> review history
        self.pulls: dict[str, list[dict[str, Any]]] = {}  # commit sha -> pull requests
        self.statuses: dict[str, list[dict[str, Any]]] = {}  # commit sha -> statuses, in order
        self.read_only = False
        self._next = 100
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GitHubStub:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def comments_on(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.values() if c["issue"] == number]

    def add_issue(self, title: str, body: str, labels: list[str], state: str = "open") -> int:
        number = self._new_id()
        self.issues[number] = {
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "labels": [{"name": name} for name in labels],
        }
        return number

    def approve(self, run_id: int, login: str, environment: str, comment: str = "") -> None:
        """A required reviewer approves the run's deployment to `environment`."""
        review = {
            "environments": [{"id": 1, "name": environment}],
            "state": "approved",
            "comment": comment,
            "user": {"login": login, "id": 1, "type": "User"},
        }
        self.approvals.setdefault(run_id, []).append(review)

    def merged(self, commit: str, number: int) -> None:
        """`commit` is the merge commit of pull request `number`."""
        url = f"https://github.com/{REPO}/pull/{number}"
        pull = {"number": number, "html_url": url, "merge_commit_sha": commit, "state": "closed"}
        self.pulls.setdefault(commit, []).append(pull)

    def _new_id(self) -> int:
        self._next += 1
        return self._next

    def answer(self, method: str, url: str, payload: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, url))
            if self.read_only and method != "GET":
                return 403, {"message": "Resource not accessible by integration"}
            return self._route(method, url, payload)

    def _route(self, method: str, url: str, payload: Any) -> tuple[int, Any]:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        runs = re.fullmatch(rf"/repos/{REPO}/actions/runs/(\d+)/approvals", parts.path)
        if runs and method == "GET":
            return 200, self.approvals.get(int(runs[1]), [])
        pulls = re.fullmatch(rf"/repos/{REPO}/commits/([0-9a-f]{{7,40}})/pulls", parts.path)
        if pulls and method == "GET":
            return 200, self.pulls.get(pulls[1], [])
        statuses = re.fullmatch(rf"/repos/{REPO}/statuses/([0-9a-f]{{40}})", parts.path)
        if statuses and method == "POST":
            return self._add_status(statuses[1], payload)
        prefix = f"/repos/{REPO}/issues"
        if not parts.path.startswith(prefix):
            return 404, {"message": "Not Found"}
        rest = parts.path.removeprefix(prefix).strip("/").split("/")
        match method, rest:
            case "GET", [""]:
                return 200, _page(self._open_issues(query.get("labels", "")), query)
            case "POST", [""]:
                return 201, self.issues[self.add_issue(**payload)]
            case "PATCH", [number] if int(number) in self.issues:
                self.issues[int(number)].update(payload)
                return 200, self.issues[int(number)]
            case "GET", [number, "comments"]:
                return 200, _page(self._comments(int(number)), query)
            case "POST", [number, "comments"]:
                return 201, self._add_comment(int(number), payload["body"])
            case "PATCH", ["comments", cid] if int(cid) in self.comments:
                self.comments[int(cid)]["body"] = payload["body"]
                return 200, self.comments[int(cid)]
        return 404, {"message": "Not Found"}

    def _add_status(self, sha: str, payload: Any) -> tuple[int, Any]:
        fields = ("state", "context", "description", "target_url")
        if not isinstance(payload, dict) or set(payload) - set(fields):
            return 422, {"message": "Invalid request."}
        status = {"id": self._new_id(), "context": "default", **payload}
        if status["state"] not in ("error", "failure", "pending", "success"):
            return 422, {"message": "Validation Failed: state"}
        if len(str(status.get("description") or "")) > 140:
            return 422, {"message": "Validation Failed: description is too long (maximum is 140)"}
        self.statuses.setdefault(sha, []).append(status)
        return 201, status

    def _open_issues(self, label: str) -> list[dict[str, Any]]:
        found = [i for i in self.issues.values() if i["state"] == "open"]
        return [i for i in found if not label or label in [lab["name"] for lab in i["labels"]]]

    def _comments(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def _add_comment(self, number: int, body: str) -> dict[str, Any]:
        cid = self._new_id()
        self.comments[cid] = {"id": cid, "body": body, "issue": number}
        return self.comments[cid]


def _page(items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    size, page = int(query.get("per_page", "30")), int(query.get("page", "1"))
    return items[(page - 1) * size : page * size]


def _handler(stub: GitHubStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length)) if length else None
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, body = 401, {"message": "Bad credentials"}
            else:
                status, body = stub.answer(self.command, self.path, payload)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
