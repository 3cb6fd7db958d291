"""The tenants' long-lived trails on an audit branch of the schedule repository, through `git`.

The branch (default `cxsched-audit`) holds `trails/<tenant>.jsonl` and its head
`trails/<tenant>.jsonl.head`; every commit on it appends one run's block to one tenant's trail
(`reconciler.audit.continuity`) and names the new head hash in its subject. `sync_run` fetches
the branch, checks the trail, appends the run, checks the result and pushes, without force; a
push refused because another run pushed first is retried on the fresh tip, appending the same
run records again onto it, so the chain stays unbroken. The working tree is never touched: the
commit is made with git plumbing and a private index.

`check_history` reads the branch's history of a trail and names every commit that did anything
other than append exactly one run (rewrote earlier records, or names a head its trail does not
end at).

Authentication: with `GITHUB_TOKEN` set, git sends it as an HTTP header to `GITHUB_SERVER_URL`
through `GIT_CONFIG_*` variables: never on a command line, never in output.

Errors: `AuditError` naming what failed (git's own message, without secrets) and what to do.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.audit.continuity import (
    SYNC_EVENT,
    Gap,
    Provenance,
    check_continuity,
    join_run,
    valid_tenant,
)
from reconciler.audit.runinfo import RunContext
from reconciler.audit.trail import head_path
from reconciler.audit.verify import Verification, read_records, verify_trail
from reconciler.errors import AuditError
from reconciler.util.hashing import canonical_json

__all__ = [
    "DEFAULT_BRANCH",
    "BranchReport",
    "Git",
    "HistoryReport",
    "SyncResult",
    "check_history",
    "read_branch_trail",
    "sync_run",
    "trail_file",
    "verify_branch",
]

DEFAULT_BRANCH = "cxsched-audit"
_GIT_TIMEOUT_S = 120.0
_HEAD_IN_SUBJECT = re.compile(r"head (sha256:[0-9a-f]{64})")
_IDENTITY = {
    "GIT_AUTHOR_NAME": "cxsched audit",
    "GIT_AUTHOR_EMAIL": "cxsched-audit@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "cxsched audit",
    "GIT_COMMITTER_EMAIL": "cxsched-audit@users.noreply.github.com",
}


def trail_file(tenant: str) -> str:
    """The path of a tenant's trail on the audit branch."""
    if not valid_tenant(tenant):
        raise AuditError(
            f"{tenant!r} is not a tenant name: use letters, digits, '.', '_' and '-' only"
        )
    return f"trails/{tenant}.jsonl"


class Git:
    """Runs git in one repository; the job's token, if any, goes in the environment only."""

    def __init__(self, cwd: Path, env: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd
        environ = dict(os.environ if env is None else env)
        auth = _auth(environ)
        self._secrets = [s for s in (environ.get("GITHUB_TOKEN", ""), *_secret_parts(auth)) if s]
        self._env = {**environ, "GIT_TERMINAL_PROMPT": "0", **_IDENTITY, **auth}

    def run(self, *args: str, data: bytes | None = None, index: Path | None = None) -> bytes:
        done = self.attempt(*args, data=data, index=index)
        if done.returncode != 0:
            raise AuditError(f"git {args[0]} failed: {self.message(done.stderr)}")
        return done.stdout

    def attempt(
        self, *args: str, data: bytes | None = None, index: Path | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        env = self._env if index is None else {**self._env, "GIT_INDEX_FILE": str(index)}
        try:
            return subprocess.run(
                ("git", *args),
                cwd=self.cwd,
                env=env,
                input=data,
                capture_output=True,
                timeout=_GIT_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise AuditError(f"cannot run git {args[0]} in {self.cwd}: {exc}") from exc

    def text(self, *args: str) -> str:
        return self.run(*args).decode("utf-8", "replace").strip()

    def show(self, revision: str, path: str) -> bytes | None:
        done = self.attempt("cat-file", "blob", f"{revision}:{path}")
        return done.stdout if done.returncode == 0 else None

    def message(self, stderr: bytes) -> str:
        """git's last line of `stderr`, without the token or control characters."""
        text = stderr.decode("utf-8", "replace").strip()
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
        return text.splitlines()[-1] if text else "no message"


def _auth(environ: Mapping[str, str]) -> dict[str, str]:
    token, server = environ.get("GITHUB_TOKEN", ""), environ.get("GITHUB_SERVER_URL", "")
    if not token or not server.startswith("https://"):
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server.rstrip('/')}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }


def _secret_parts(auth: Mapping[str, str]) -> list[str]:
    value = auth.get("GIT_CONFIG_VALUE_0", "")
    return [value, value.rsplit(" ", 1)[-1]] if value else []


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What `sync_run` did: the run's number on the trail, the new head, the pushes it took."""

    tenant: str
    index: int
    records: int
    head: str
    commit: str
    attempts: int
    already: bool = False


def sync_run(
    git: Git,
    *,
    remote: str,
    branch: str,
    run_trail: Path,
    provenance: Provenance,
    context: RunContext,
    attempts: int = 5,
    pause: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Append the run trail's records to the tenant's trail on `branch` and push it."""
    path = trail_file(provenance.tenant)
    run = _run_records(run_trail)
    for attempt in range(1, attempts + 1):
        tip = _fetch(git, remote, branch)
        trail = _branch_records(git, tip, path)
        done = _already(trail, run, provenance.tenant)
        if done is not None:
            return SyncResult(
                provenance.tenant, done, 0, str(trail[-1]["hash"]), tip or "", 0, True
            )
        joined = join_run(trail, run, provenance, context, _now())
        records = [*trail, *joined]
        _check(records, f"{path} with this run appended")
        head = str(records[-1]["hash"])
        commit = _commit(git, tip, path, records, _message(provenance, joined, head))
        pushed = git.attempt("push", "--quiet", remote, f"{commit}:refs/heads/{branch}")
        if pushed.returncode == 0:
            index = int(joined[-1]["block"]["index"])
            return SyncResult(provenance.tenant, index, len(run), head, commit, attempt)
        if _fetch(git, remote, branch) == tip:  # not a race: the push itself failed
            raise AuditError(
                f"cannot push the audit branch {branch} to {remote}: "
                f"{git.message(pushed.stderr)}; does the job have `contents: write`?"
            )
        if attempt < attempts:
            pause(min(8.0, 0.5 * 2**attempt))
    raise AuditError(
        f"the audit branch {branch} moved under every one of {attempts} pushes; "
        "re-run the job to append this run"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _run_records(run_trail: Path) -> list[dict[str, Any]]:
    report = verify_trail(run_trail)
    if report.problem is not None:
        raise AuditError(f"the run trail {run_trail} does not verify: {report.problem}")
    records = list(read_records(run_trail))
    if not records:
        raise AuditError(f"the run trail {run_trail} has no records: there is nothing to append")
    return records


def _fetch(git: Git, remote: str, branch: str) -> str | None:
    listed = git.text("ls-remote", "--heads", remote, f"refs/heads/{branch}")
    if not listed:
        return None
    git.run("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:refs/cxsched/audit")
    return git.text("rev-parse", "--verify", "refs/cxsched/audit^{commit}")


def _branch_records(git: Git, tip: str | None, path: str) -> list[dict[str, Any]]:
    if tip is None:
        return []
    text = git.show(tip, path)
    if text is None:
        if git.text("log", "--format=%H", "-1", tip, "--", path):
            raise AuditError(
                f"{path} was on the audit branch before and is gone at {tip[:12]}: the trail was "
                "deleted; restore it from the branch's history or a mirror before appending"
            )
        return []  # a new tenant: its trail starts now
    with tempfile.TemporaryDirectory(prefix="cxsched-audit-") as folder:
        local = Path(folder) / Path(path).name
        local.write_bytes(text)
        head = git.show(tip, path + ".head")
        if head is not None:
            head_path(local).write_bytes(head)
        _check_file(local, f"{path} at {tip[:12]}")
        return list(read_records(local))


def _check_file(local: Path, what: str) -> None:
    report = verify_trail(local)
    if report.problem is not None:
        raise AuditError(f"{what} does not verify: {report.problem}; nothing was appended")
    _check(list(read_records(local)), what)


def _check(records: Sequence[dict[str, Any]], what: str) -> None:
    _, gaps = check_continuity(records)
    if gaps:
        raise AuditError(f"{what}: {gaps[0]}; nothing was appended")


def _already(
    trail: Sequence[dict[str, Any]], run: Sequence[dict[str, Any]], tenant: str
) -> int | None:
    """The run's number if its block is on the trail already (a re-run of the sync job)."""
    head = str(run[-1]["hash"])
    for record in reversed(trail):
        block = record.get("block")
        if isinstance(block, dict) and block.get("run_head") == head:
            return int(block.get("index") or 0)
    return None


def _message(provenance: Provenance, joined: Sequence[dict[str, Any]], head: str) -> str:
    block = joined[-1]["block"]
    lines = [
        f"audit({provenance.tenant}): run #{block['index']}, {block['records']} record(s), "
        f"head {head}",
        "",
        f"Run: {provenance.run_url or 'outside CI'}",
        f"cxsched run(s): {', '.join(block['run_ids'])}",
    ]
    if provenance.commit:
        lines.append(f"Commit: {provenance.commit}")
    if provenance.pull_request_url:
        lines.append(f"Pull request: {provenance.pull_request_url}")
    approved = [a.login for a in provenance.approvers if a.state == "approved"]
    if approved:
        lines.append(f"Approved by: {', '.join(approved)}")
    return "\n".join(lines) + "\n"


def _commit(
    git: Git, tip: str | None, path: str, records: Sequence[dict[str, Any]], message: str
) -> str:
    content = "".join(canonical_json(record) + "\n" for record in records).encode("utf-8")
    last = records[-1]
    head = canonical_json({"hash": last["hash"], "seq": last["seq"]}) + "\n"
    with tempfile.TemporaryDirectory(prefix="cxsched-index-") as folder:
        index = Path(folder) / "index"
        git.run("read-tree", *([tip] if tip else ["--empty"]), index=index)
        for name, data in ((path, content), (path + ".head", head.encode("utf-8"))):
            blob = git.run("hash-object", "-w", "--stdin", data=data).decode().strip()
            git.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", index=index)
        tree = git.run("write-tree", index=index).decode().strip()
    parents = ["-p", tip] if tip else []
    return git.run("commit-tree", tree, *parents, data=message.encode("utf-8")).decode().strip()


# -- reading the branch back --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """The outcome of `check_history`: the commits read and every one that broke the rules."""

    commits: int
    runs: int
    head: str
    problems: tuple[str, ...]


def read_branch_trail(git: Git, revision: str, tenant: str, folder: Path) -> Path:
    """Write the tenant's trail and head at `revision` into `folder`; return the trail's path."""
    path = trail_file(tenant)
    text = git.show(revision, path)
    if text is None:
        raise AuditError(f"no trail {path} at {revision} (is the branch fetched?)")
    local = folder / Path(path).name
    local.write_bytes(text)
    head = git.show(revision, path + ".head")
    if head is not None:
        head_path(local).write_bytes(head)
    return local


def check_history(
    git: Git, revision: str, tenant: str, records: Sequence[Mapping[str, Any]]
) -> HistoryReport:
    """Check that each commit of `revision` changing the tenant's trail appended one run only.

    `records` is the trail at `revision`, its chain verified. Each commit's subject names the
    head the trail had then; the chain makes that record the proof of every record before it.
    So a commit whose head is no longer in the trail had its records rewritten later, and the
    commit that follows the last such commit is the one that rewrote them. Only the commit
    subjects are read (one `git log`), so the cost grows with the trail, not with its history.
    """
    path = trail_file(tenant)
    listed = git.text(
        "log", "--first-parent", "--reverse", "--format=%H %s", revision, "--", path
    ).splitlines()
    commits = [(line.partition(" ")[0], line.partition(" ")[2]) for line in listed if line]
    seq_of = {str(record.get("hash")): index for index, record in enumerate(records, start=1)}
    problems: list[str] = []
    last_stale: int | None = None
    previous_seq = 0
    for number, (commit, subject) in enumerate(commits):
        name = f"commit {commit[:12]} ({_clip(_CONTROL.sub('', subject))})"
        named = _HEAD_IN_SUBJECT.search(subject)
        if named is None:
            problems.append(f"{name} names no head digest: it was not made by `audit sync`")
            continue
        seq = seq_of.get(named[1])
        if seq is None:
            last_stale = number
            continue
        added = sum(1 for r in records[previous_seq:seq] if r.get("event") == SYNC_EVENT)
        if last_stale is None and (added != 1 or records[seq - 1].get("event") != SYNC_EVENT):
            problems.append(f"{name} does not append exactly one run")
        previous_seq = seq
    if last_stale is not None:
        problems.append(_rewrite(git, commits, last_stale, path, records))
    elif commits and records and previous_seq != len(records):
        problems.append(
            f"the trail goes on after the head its last commit names (seq {previous_seq}): "
            "records were added without `audit sync`"
        )
    return HistoryReport(len(commits), len(commits), _final_hash(records), tuple(problems))


def _rewrite(
    git: Git,
    commits: Sequence[tuple[str, str]],
    last_stale: int,
    path: str,
    records: Sequence[Mapping[str, Any]],
) -> str:
    stale = commits[last_stale][0]
    before = (git.show(stale, path) or b"").splitlines()
    now = [canonical_json(record).encode("utf-8") for record in records]
    line = next(
        (n for n, (a, b) in enumerate(zip(before, now, strict=False), start=1) if a != b),
        min(len(before), len(now)) + 1,
    )
    if last_stale + 1 < len(commits):
        commit, subject = commits[last_stale + 1][0], commits[last_stale + 1][1]
        who = f"commit {commit[:12]} ({_clip(_CONTROL.sub('', subject))})"
    else:
        who = "the trail's last change"
    return (
        f"{who} rewrote records already on the branch (from line {line}), which commit "
        f"{stale[:12]} had: the trail must only grow"
    )


def _final_hash(records: Sequence[Mapping[str, Any]]) -> str:
    return str(records[-1]["hash"]) if records else ""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clip(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass(frozen=True, slots=True)
class BranchReport:
    """A tenant's trail on the branch: its chain, its runs' continuity and its history."""

    trail: Verification
    runs: int
    gaps: tuple[Gap, ...]
    history: HistoryReport

    @property
    def ok(self) -> bool:
        return self.trail.ok and not self.gaps and not self.history.problems


def verify_branch(git: Git, revision: str, tenant: str) -> BranchReport:
    """Check the tenant's trail at `revision`: hash chain and head, runs, and every commit."""
    with tempfile.TemporaryDirectory(prefix="cxsched-verify-") as folder:
        local = read_branch_trail(git, revision, tenant, Path(folder))
        report = verify_trail(local)
        records = list(read_records(local)) if report.ok else []
    runs, gaps = check_continuity(records)
    trail = Verification(Path(trail_file(tenant)), report.count, report.head_hash, report.problem)
    history = (
        check_history(git, revision, tenant, records)
        if report.ok
        else HistoryReport(0, 0, "", ("not checked: the trail at this revision does not verify",))
    )
    return BranchReport(trail, runs, tuple(gaps), history)
