"""`python -m reconciler.gitops`: the steps of the cxsched Action and reusable workflows.

Subcommands:
  run COMMAND  run validate / plan / apply / drift as one step (see reconciler.gitops.steps)
  pr-comment   create, or update in place, a tenant's ONE pull-request plan comment from the
               downloaded plans (`--plans DIR` of `plan-<tenant>/plan.md`)
  summary      append plans and audit trails to the job summary ($GITHUB_STEP_SUMMARY)
  run-info     write who and why of this run as JSON for `cxsched audit sync --run-info`
  check-plan   fail unless a plan step produced a plan that agrees with its exit status
  drift-issue  open, update or close the one issue labelled `drift` of a tenant

Exit codes: 0 done, 1 failure (one line on stderr) or cxsched's own failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reconciler.gitops.github import (
    GitHub,
    GitHubError,
    GitopsError,
    append_summary,
    check_plan,
    comment_body,
    read_plans,
    run_info,
    run_url,
    summary_text,
    sync_drift_issue,
    upsert_comment,
)
from reconciler.gitops.steps import COMMANDS, StepSettings, run_step

__all__ = ["main"]


def _cmd_run(args: argparse.Namespace) -> int:
    settings = StepSettings(
        tenant=args.tenant,
        paths=tuple(args.paths.split()),
        config=args.config,
        plan_file=args.plan_file,
        rps=args.rps,
        comment=args.comment == "true",
        skip_validate=args.skip_validate,
    )
    result = run_step(args.command, settings)
    for line in result.lines:
        print(line)
    return result.status


def _cmd_pr_comment(args: argparse.Namespace) -> int:
    fork = args.fork == "true"
    plans = {} if fork else read_plans(Path(args.plans))
    body = comment_body(
        tenant=args.tenant,
        fork=fork,
        validate=args.validate,
        plan=args.plan,
        plans={k: v for k, v in plans.items() if k == args.tenant},
        run_url=run_url(),
        commit=args.commit,
    )
    try:
        print(upsert_comment(GitHub.from_env(), args.pr, args.tenant, body))
    except GitHubError as exc:
        if not (fork and exc.status == 403):
            raise
        # A fork's pull request gets a read-only token unless the repository allows more.
        print(f"::warning::cannot comment on a fork's pull request (read-only token): {exc}")
        print(append_summary(body))
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    trail = Path(args.trail) if args.trail else None
    print(append_summary(summary_text(args.title, args.files, trail)))
    return 0


def _cmd_run_info(args: argparse.Namespace) -> int:
    info = run_info(GitHub.from_env(), args.tenant, dict(os.environ))
    Path(args.out).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    approved = [a["login"] for a in info["approvers"] if a["state"] == "approved"]
    pr = f"pull request #{info['pull_request']}" if info["pull_request"] else "no pull request"
    print(f"wrote {args.out}: {pr}, approved by {', '.join(approved) or 'nobody'}")
    return 0


def _cmd_check_plan(args: argparse.Namespace) -> int:
    markdown = Path(args.markdown) if args.markdown else None
    print(check_plan(args.status, markdown, Path(args.json) if args.json else None))
    return 0


def _cmd_drift_issue(args: argparse.Namespace) -> int:
    plan = Path(args.plan).read_text(encoding="utf-8") if Path(args.plan).is_file() else ""
    if args.status in (0, 2):
        plan_json = Path(args.plan_json) if args.plan_json else None
        try:
            check_plan(args.status, Path(args.plan), plan_json)
        except GitopsError as exc:
            raise GitopsError(
                f"the drift plan for tenant {args.tenant} is unusable: {exc} The drift issue is "
                "left as it is."
            ) from exc
    print(sync_drift_issue(GitHub.from_env(), args.tenant, args.status, plan, run_url()))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reconciler.gitops", description=(__doc__ or "").split("\n")[0]
    )
    sub = parser.add_subparsers(dest="subcommand", required=True)
    run = sub.add_parser("run", help="run one cxsched command as a workflow step")
    run.add_argument("command", choices=COMMANDS)
    run.add_argument("--tenant", default="production", help="names the environments and texts")
    run.add_argument("--paths", default="", help="schedule paths, space-separated")
    run.add_argument("--config", default="", help="cxsched.yaml to use")
    run.add_argument("--plan-file", default="plan.json", help="the saved plan")
    run.add_argument("--rps", default="", help="API requests per second")
    run.add_argument("--comment", choices=("true", "false"), default="false")
    run.add_argument("--skip-validate", action="store_true", help="plan: already validated")
    run.set_defaults(handler=_cmd_run)
    pr = sub.add_parser("pr-comment", help="create or update a tenant's plan comment")
    pr.add_argument("--tenant", required=True)
    pr.add_argument("--pr", type=int, required=True, help="pull request number")
    pr.add_argument("--fork", choices=("true", "false"), default="false")
    pr.add_argument("--validate", default="", help="result of the validate job")
    pr.add_argument("--plan", default="", help="result of the plan job")
    pr.add_argument("--plans", default="plans", help="folder of plan-<tenant>/plan.md")
    pr.add_argument("--commit", default="", help="the pull request's head commit")
    pr.set_defaults(handler=_cmd_pr_comment)
    summary = sub.add_parser("summary", help="append files to the job summary")
    summary.add_argument("--title", required=True)
    summary.add_argument("--trail", help="audit trail whose head digest to publish")
    summary.add_argument("files", nargs="+", help=".md files verbatim, others as text")
    summary.set_defaults(handler=_cmd_summary)
    info = sub.add_parser("run-info", help="write this run's provenance for cxsched audit sync")
    info.add_argument("--tenant", required=True)
    info.add_argument("--out", default="run-info.json", help="the JSON file to write")
    info.set_defaults(handler=_cmd_run_info)
    check = sub.add_parser("check-plan", help="fail unless a plan step produced a plan")
    check.add_argument("--status", type=int, help="exit code of plan --detailed-exitcode")
    check.add_argument("--markdown", help="the markdown plan (plan.md)")
    check.add_argument("--json", help="the saved plan (plan.json)")
    check.set_defaults(handler=_cmd_check_plan)
    drift = sub.add_parser("drift-issue", help="open, update or close the drift issue")
    drift.add_argument("--tenant", required=True)
    drift.add_argument("--status", type=int, required=True, help="exit code of plan")
    drift.add_argument("--plan", default="plan.md", help="the markdown plan")
    drift.add_argument("--plan-json", help="the saved plan, checked against the status")
    drift.set_defaults(handler=_cmd_drift_issue)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except (GitopsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
