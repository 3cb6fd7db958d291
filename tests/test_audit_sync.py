"""`cxsched audit sync` against a real bare repository: creating, continuing and refusing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.audit.branch import Git, sync_run, trail_file
from reconciler.audit.continuity import Provenance
from reconciler.audit.trail import AuditTrail, RunContext
from reconciler.cli import main
from reconciler.errors import AuditError
from support.git import git

TOKEN = "ghs_never-printed-0123456789"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of a bare repository with one commit on main; the current folder."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    clone = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(bare), str(clone))
    (clone / "README").write_text("schedules\n", encoding="utf-8")
    git(clone, "add", "README")
    git(clone, "commit", "--quiet", "-m", "start")
    git(clone, "push", "--quiet", "origin", "HEAD:main")
    monkeypatch.chdir(clone)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    return clone


def run_trail(work: Path, name: str, writes: int = 1) -> Path:
    """A run's own trail at audit/trail.jsonl, as a fresh checkout's run writes it."""
    path = work / "audit" / "trail.jsonl"
    for leftover in (path, path.with_name("trail.jsonl.head")):
        leftover.unlink(missing_ok=True)
    trail = AuditTrail(path, RunContext(name, "alice", "c0ffee", "apply plan.json"))
    trail.append({"event": "plan", "action": "apply"})
    for index in range(writes):
        trail.append({"event": "write", "campaign": "c1", "schedule": f"s{index}"})
    return path


def sync(*args: str) -> Result:
    return CliRunner().invoke(
        main, ["audit", "sync", "--tenant", "production", *args], catch_exceptions=False
    )


def test_the_first_run_creates_the_branch_and_the_next_continues_it(work: Path) -> None:
    run_trail(work, "run-a")
    first = sync()
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith(
        "appended run #1 (2 record(s)) to trails/production.jsonl on cxsched-audit in 1 push(es)"
    )
    head = lines[1].removeprefix("head ")
    subject = git(work, "log", "-1", "--format=%s", "origin/cxsched-audit")
    assert subject == f"audit(production): run #1, 2 record(s), head {head}"
    assert git(work, "log", "-1", "--format=%an", "origin/cxsched-audit") == "cxsched audit"
    assert git(work, "ls-tree", "--name-only", "-r", "origin/cxsched-audit") == (
        "trails/production.jsonl\ntrails/production.jsonl.head"
    )
    assert git(work, "status", "--porcelain") == "?? audit/"  # the work tree is untouched

    again = sync()  # the same run again (a re-run of the job): nothing is appended twice
    assert again.output.splitlines()[0] == (
        "run #1 is on trails/production.jsonl on cxsched-audit already; nothing appended"
    )

    run_trail(work, "run-b", writes=2)
    second = sync()
    assert second.exit_code == 0, second.output
    assert second.output.startswith("appended run #2 (3 record(s))")
    verified = CliRunner().invoke(
        main, ["audit", "verify", "--branch", "origin/cxsched-audit", "--tenant", "production"]
    )
    assert verified.exit_code == 0, verified.output
    assert "continuity: OK, 2 run(s), each following the one before\n" in verified.output
    assert "history: OK, 2 commit(s), each appending one run\n" in verified.output
    assert TOKEN not in first.output + second.output + verified.output


def test_a_push_refused_for_another_reason_than_a_race_fails_clearly(work: Path) -> None:
    bare = work.parent / "origin.git"
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'denied: read-only token' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    run_trail(work, "run-a")
    refused = sync()
    assert refused.exit_code == 1
    assert refused.output.startswith("error: cannot push the audit branch cxsched-audit to origin:")
    assert "does the job have `contents: write`?" in refused.output
    assert TOKEN not in refused.output


def test_a_branch_that_keeps_moving_gives_up_after_the_attempts(work: Path) -> None:
    run_trail(work, "run-a")
    assert sync().exit_code == 0
    other = work.parent / "other"
    git(
        work.parent,
        "clone",
        "--quiet",
        "--branch",
        "cxsched-audit",
        str(work.parent / "origin.git"),
        str(other),
    )
    hook = work / ".git" / "hooks" / "pre-push"  # someone else pushes before each of ours
    hook.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        f"cd {other} && unset GIT_DIR GIT_INDEX_FILE && echo x >> moved && git add moved && "
        "git -c user.name=o -c user.email=o@e commit -qm moved && git push -q origin HEAD\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)
    run_trail(work, "run-b")
    pauses: list[float] = []
    with pytest.raises(AuditError, match="moved under every one of 3 pushes"):
        sync_run(
            Git(work),
            remote="origin",
            branch="cxsched-audit",
            run_trail=work / "audit" / "trail.jsonl",
            provenance=Provenance(tenant="production"),
            context=RunContext("sync", "ci", None, "audit sync"),
            attempts=3,
            pause=pauses.append,
        )
    assert pauses == [1.0, 2.0]


def test_a_damaged_or_deleted_trail_on_the_branch_is_not_appended_to(work: Path) -> None:
    run_trail(work, "run-a")
    assert sync().exit_code == 0
    git(work, "switch", "--quiet", "-c", "edit", "origin/cxsched-audit")
    trail = work / trail_file("production")
    lines = trail.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["schedule"] = "edited"
    trail.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n", encoding="utf-8")
    git(work, "commit", "--quiet", "-am", "edit")
    git(work, "push", "--quiet", "origin", "HEAD:cxsched-audit")
    run_trail(work, "run-b")
    damaged = sync()
    assert damaged.exit_code == 1
    assert "does not verify: line 1" in damaged.output
    assert damaged.output.rstrip().endswith("nothing was appended")
    git(work, "fetch", "--quiet", "origin", "cxsched-audit")
    checked = CliRunner().invoke(
        main, ["audit", "verify", "--branch", "origin/cxsched-audit", "--tenant", "production"]
    )
    assert checked.exit_code == 1
    assert checked.output.splitlines() == [
        "audit trail trails/production.jsonl at origin/cxsched-audit: FAILED at line 1 (seq 1): "
        "the line is not its record's canonical JSON: it was edited or rewritten",
        "history: FAILED, 1 problem(s):",
        "  not checked: the trail at this revision does not verify",
    ]

    git(work, "rm", "--quiet", "-r", "trails")
    git(work, "commit", "--quiet", "-m", "delete")
    git(work, "push", "--quiet", "origin", "HEAD:cxsched-audit")
    deleted = sync()
    assert deleted.exit_code == 1
    assert "trails/production.jsonl was on the audit branch before and is gone" in deleted.output


def test_bad_input_is_refused_before_any_push(work: Path) -> None:
    bad = CliRunner().invoke(main, ["audit", "sync", "--tenant", "../etc"])
    assert bad.exit_code == 1
    assert "'../etc' is not a tenant name" in bad.output
    missing = sync()
    assert missing.exit_code == 1
    assert "no audit trail at audit/trail.jsonl" in missing.output
    run_trail(work, "run-a")
    (work / "run-info.json").write_text('{"tenant": "staging"}', encoding="utf-8")
    other = sync("--run-info", "run-info.json")
    assert other.exit_code == 1
    assert "describes tenant 'staging', not 'production'" in other.output
    assert git(work, "ls-remote", "--heads", "origin", "cxsched-audit") == ""


def verify_branch(revision: str, tenant: str = "production") -> Result:
    return CliRunner().invoke(
        main, ["audit", "verify", "--branch", revision, "--tenant", tenant], catch_exceptions=False
    )


def test_tenants_share_the_branch_and_the_commit_says_who_and_why(work: Path) -> None:
    info = {
        "run_url": "https://github.com/acme/schedules/actions/runs/9",
        "commit": "ab" * 20,
        "pull_request": 12,
        "pull_request_url": "https://github.com/acme/schedules/pull/12",
        "approvers": [{"login": "carol", "state": "approved", "environments": ["production"]}],
    }
    (work / "run-info.json").write_text(json.dumps(info), encoding="utf-8")
    run_trail(work, "run-a")
    assert sync("--run-info", "run-info.json").exit_code == 0
    body = git(work, "log", "-1", "--format=%b", "origin/cxsched-audit")
    assert body.splitlines() == [
        "Run: https://github.com/acme/schedules/actions/runs/9",
        "cxsched run(s): run-a",
        f"Commit: {'ab' * 20}",
        "Pull request: https://github.com/acme/schedules/pull/12",
        "Approved by: carol",
    ]
    run_trail(work, "run-s")
    staging = CliRunner().invoke(main, ["audit", "sync", "--tenant", "staging"])
    assert staging.output.startswith("appended run #1 (2 record(s)) to trails/staging.jsonl")
    assert verify_branch("origin/cxsched-audit", "staging").exit_code == 0
    assert verify_branch("origin/cxsched-audit").exit_code == 0
    absent = verify_branch("origin/cxsched-audit", "qa")
    assert absent.exit_code == 1
    assert "no trail trails/qa.jsonl at origin/cxsched-audit (is the branch fetched?)" in (
        absent.output
    )


def test_history_names_a_commit_that_cut_the_trail_or_misnames_its_head(work: Path) -> None:
    for name in ("run-a", "run-b"):
        run_trail(work, name)
        assert sync().exit_code == 0
    git(work, "fetch", "--quiet", "origin", "cxsched-audit")
    git(work, "switch", "--quiet", "-c", "cut", "origin/cxsched-audit")
    git(work, "commit", "--quiet", "--amend", "-m", "tidy up")  # the head no longer named
    relabelled = verify_branch("cut")
    assert relabelled.exit_code == 1
    tip = git(work, "rev-parse", "HEAD")[:12]
    assert relabelled.output.splitlines()[-3:] == [
        "history: FAILED, 2 problem(s):",
        f"  commit {tip} (tidy up) names no head digest: it was not made by `audit sync`",
        "  the trail goes on after the head its last commit names (seq 3): records were added "
        "without `audit sync`",
    ]
    git(work, "reset", "--quiet", "--hard", "origin/cxsched-audit")
    trail = work / trail_file("production")
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    first_run = lines[:3]
    trail.write_text("".join(first_run), encoding="utf-8")
    head = json.loads(first_run[-1])
    (work / (trail_file("production") + ".head")).write_text(
        json.dumps({"hash": head["hash"], "seq": head["seq"]}) + "\n", encoding="utf-8"
    )
    git(work, "commit", "--quiet", "-am", f"audit(production): head {head['hash']}")
    cut = verify_branch("cut")
    assert cut.exit_code == 1
    assert "continuity: OK, 1 run(s)" in cut.output  # what is left is a valid trail...
    second = git(work, "rev-parse", "origin/cxsched-audit")[:12]
    cutter = git(work, "rev-parse", "HEAD")[:12]
    # ... but the history shows the second run removed
    assert cut.output.splitlines()[-1] == (
        f"  commit {cutter} (audit(production): head {head['hash']}) rewrote records already "
        f"on the branch (from line 4), which commit {second} had: the trail must only grow"
    )


def test_a_run_trail_that_does_not_verify_or_is_empty_is_not_appended(work: Path) -> None:
    path = run_trail(work, "run-a")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[1], encoding="utf-8")
    broken = sync()
    assert broken.exit_code == 1
    assert "the run trail audit/trail.jsonl does not verify: line 1 (seq 2)" in broken.output
    path.write_text("", encoding="utf-8")  # a trail as it is born: no record, its head at seq 0
    genesis = json.dumps({"hash": "sha256:" + "0" * 64, "seq": 0}, separators=(",", ":"))
    path.with_name("trail.jsonl.head").write_text(genesis + "\n", encoding="utf-8")
    empty = sync()
    assert empty.exit_code == 1
    assert "has no records: there is nothing to append" in empty.output


def test_the_token_goes_to_git_in_the_environment_and_never_into_a_message(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com",
    }
    repo = Git(tmp_path, env)
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    said = repo.message(f"fatal: {TOKEN} / AUTHORIZATION: basic {basic}\x1b[2J\n".encode())
    assert said == "fatal: *** / ***[2J"  # token, header and control characters gone
    shown = repo.text("config", "--get", "http.https://github.com/.extraheader")
    assert shown == f"AUTHORIZATION: basic {basic}"  # configured for git, from the environment
    plain = Git(tmp_path, {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": TOKEN})
    assert plain.attempt("config", "--get", "http.https://github.com/.extraheader").returncode == 1


def test_records_appended_outside_a_run_are_named_by_history_and_continuity(work: Path) -> None:
    run_trail(work, "run-a")
    assert sync().exit_code == 0
    git(work, "fetch", "--quiet", "origin", "cxsched-audit")
    git(work, "switch", "--quiet", "-c", "extra", "origin/cxsched-audit")
    trail = work / trail_file("production")
    last = json.loads(trail.read_text(encoding="utf-8").splitlines()[-1])
    AuditTrail(trail, RunContext("stray", "mallory", None, "apply")).append({"event": "write"})
    head = json.loads(trail.read_text(encoding="utf-8").splitlines()[-1])
    assert head["prev_hash"] == last["hash"]  # the chain holds
    git(work, "commit", "--quiet", "-am", f"audit(production): head {head['hash']}")
    caught = verify_branch("extra")
    assert caught.exit_code == 1
    assert (
        f"  seq {head['seq']}: records seq {head['seq']}..{head['seq']} (cxsched run(s) stray) "
        "belong to no run on the trail: no sync record closes them"
    ) in caught.output.splitlines()
    commit = git(work, "rev-parse", "HEAD")[:12]
    assert caught.output.splitlines()[-2:] == [
        "history: FAILED, 1 problem(s):",
        f"  commit {commit} (audit(production): head {head['hash']}) does not append "
        "exactly one run",
    ]
