"""Apply a plan: ETag-guarded writes, conflicts re-read and re-decided, every write audited.

Each change becomes one call through the `ScheduleAPI` seam: PATCH with the plan's base ETag
and the merge patch only, POST for a create, DELETE with the base ETag for a prune; a fresh
plan costs no read at all. Before a call the trail gets an *intent* record, after it an
*outcome* record (`reconciler.apply.writer`), so an apply that is killed leaves behind what it
attempted. Actions run on a small worker pool (the client paces the calls): deletes first, then
updates, then creates, so that a pruned name is free for a create or a rename.

A stale ETag (412) re-reads that schedule. If it already equals the desired state the action is
done ("already-applied"); otherwise a saved plan stops there ("conflict", with base, live-now
and desired side by side: nothing is overwritten that the plan did not show), while a one-go
apply (`replan=True`) re-plans that schedule (up to `MAX_REPLANS` times, each re-plan audited)
and applies the fresh diff. A create whose answer was lost is looked up by name before it is
sent again, so it is never duplicated.

One action failing does not stop the others, except for failures every further call would
repeat (credentials or scope refused, the audit trail refusing a record): the actions not yet
started are then "skipped". A `Stop` requested from outside (the command does so on SIGINT or
SIGTERM) works the same way: the writes in flight finish, nothing new starts, the rest is
"skipped", and an "interrupt" record in the trail names what was not started. Errors:
`reconciler.errors.AuditError` escapes, before any call, when the plan record cannot be written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from reconciler.api.protocol import ScheduleAPI
from reconciler.apply.outcome import OUTCOMES, ActionResult, ConflictRow, Outcome
from reconciler.apply.writer import MAX_REPLANS, ActionWriter, Halted
from reconciler.audit.records import interrupt_record
from reconciler.audit.trail import AuditTrail, Check
from reconciler.errors import AuditError
from reconciler.model import DesiredSchedule
from reconciler.plan.build import Action, Plan
from reconciler.plan.planfile import plan_audit_record, plan_hash

__all__ = [
    "MAX_REPLANS",
    "OUTCOMES",
    "ActionResult",
    "ApplyResult",
    "ConflictRow",
    "Outcome",
    "Stop",
    "apply_plan",
]

#: Action kinds in the order they are written, one pool round each.
_PHASES: tuple[str, ...] = ("delete", "update", "create")


class Stop:
    """A request, from another thread or a signal handler, that an apply start nothing new."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def request(self, reason: str) -> None:
        """Ask the apply to stop; the first reason given is kept."""
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """Every action's result, in plan order; `interrupted` names the stop reason, if any."""

    results: tuple[ActionResult, ...]
    interrupted: str | None = None

    def counts(self) -> dict[Outcome, int]:
        outcomes = [result.outcome for result in self.results]
        return {outcome: outcomes.count(outcome) for outcome in OUTCOMES}

    @property
    def ok(self) -> bool:
        """True when nothing failed or conflicted (skipped actions follow a failure)."""
        return not any(r.outcome in ("conflict", "failed", "skipped") for r in self.results)


def apply_plan(
    api: ScheduleAPI,
    plan: Plan,
    trail: AuditTrail,
    *,
    desired: Iterable[DesiredSchedule] = (),
    replan: bool = False,
    checks: Sequence[Check] = (),
    workers: int = 4,
    on_result: Callable[[ActionResult], None] | None = None,
    stop: Stop | None = None,
) -> ApplyResult:
    """Write every change of `plan`; see the module docstring for the rules.

    `desired` is the desired state the plan was made from (needed to re-plan in one-go mode);
    `checks` are the checks the caller ran before (validation, freshness), recorded with the
    plan record and every intent record; `on_result` is called (in this thread) per change as
    it completes; `stop`, once requested, starts nothing new (see the module docstring).
    """
    writer = ActionWriter(
        api,
        trail,
        ignore=plan.ignore,
        desired={(item.campaign_id, item.name): item for item in desired},
        checks=checks,
        replan=replan,
        tenant=plan.tenant,
    )
    trail.append(
        plan_audit_record(
            plan,
            checks,
            action="apply",
            digest=plan_hash(plan),
            mode="one-go" if replan else "saved-plan",
        )
    )
    stop = stop or Stop()
    run = _Run(writer, max(1, workers), on_result, stop)
    results = run.execute(plan.actions)
    if not stop.requested:
        return ApplyResult(results)
    not_started = [r.action for r in results if r.outcome == "skipped"]
    trail.append(
        interrupt_record(
            reason=stop.reason,
            counts={str(k): v for k, v in ApplyResult(results).counts().items()},
            not_started=[f"{a.campaign_id}/{a.name}" for a in not_started],
        )
    )
    return ApplyResult(results, interrupted=stop.reason)


class _Run:
    """One pool round per phase; stops starting actions after a halting failure."""

    def __init__(
        self,
        writer: ActionWriter,
        workers: int,
        on_result: Callable[[ActionResult], None] | None,
        stop: Stop,
    ) -> None:
        self._writer = writer
        self._workers = workers
        self._on_result = on_result
        self._halted = threading.Event()
        self._reason = ""
        self._stop = stop

    def execute(self, actions: Sequence[Action]) -> tuple[ActionResult, ...]:
        results: dict[int, ActionResult] = {
            index: ActionResult(action, "noop", action.base_version)
            for index, action in enumerate(actions)
            if action.kind == "noop"
        }
        with ThreadPoolExecutor(self._workers, thread_name_prefix="cxsched-apply") as pool:
            try:
                for phase in _PHASES:
                    batch = [(i, a) for i, a in enumerate(actions) if a.kind == phase]
                    results.update(self._round(pool, batch))
            except BaseException:
                self._halt("interrupted")
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return tuple(results[index] for index in range(len(actions)))

    def _round(
        self, pool: ThreadPoolExecutor, batch: Sequence[tuple[int, Action]]
    ) -> dict[int, ActionResult]:
        futures: dict[Future[ActionResult], int] = {
            pool.submit(self._one, action): index for index, action in batch
        }
        done: dict[int, ActionResult] = {}
        for future in as_completed(futures):
            result = future.result()
            done[futures[future]] = result
            if self._on_result is not None:
                self._on_result(result)
        return done

    def _one(self, action: Action) -> ActionResult:
        if self._stop.requested:
            return ActionResult(action, "skipped", error=f"not started: {self._stop.reason}")
        if self._halted.is_set():
            return ActionResult(action, "skipped", error=f"not attempted: {self._reason}")
        try:
            return self._writer.write(action)
        except (Halted, AuditError) as exc:
            self._halt(str(exc))
            return ActionResult(action, "failed", error=str(exc))

    def _halt(self, reason: str) -> None:
        if not self._halted.is_set():
            self._reason = reason
            self._halted.set()
