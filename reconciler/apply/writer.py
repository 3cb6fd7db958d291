"""The writer of one planned action: its calls, its audit records, and what came of it.

`ActionWriter.write(action)` makes the calls for one create, update or delete and returns an
`ActionResult`. Every call is preceded by an *intent* record and followed by an *outcome*
record in the audit trail (event "write"); a re-read after a stale ETag adds a "recheck"
record, a re-plan a "replan" record, a look-up by name after a lost create answer a "lookup"
record. See `reconciler.apply.run` for the rules this follows.

Errors: `Halted` (internal) when a failure means every further call would fail too (refused
credentials or scope); `reconciler.errors.AuditError` escapes when a record cannot be written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from reconciler.api.errors import (
    ApiError,
    CredentialsRefused,
    NameTaken,
    NotFound,
    OutcomeUnknown,
    PermissionRefused,
    StaleVersion,
)
from reconciler.api.protocol import ScheduleAPI
from reconciler.apply.outcome import ActionResult, Outcome, changes_json, conflict_rows
from reconciler.audit.records import ActionEvent, action_record
from reconciler.audit.trail import AuditTrail, Check
from reconciler.config import IgnoreRule
from reconciler.model import DesiredSchedule, LiveSchedule
from reconciler.plan.build import Action, plan_one
from reconciler.plan.normalise import (
    canonical,
    field_changes,
    ignore_pointers,
    payload_hash,
)

__all__ = ["MAX_CREATE_ATTEMPTS", "MAX_REPLANS", "ActionWriter", "Halted"]

#: Re-plans of one schedule after stale ETags, in one-go mode.
MAX_REPLANS = 3
#: Creates sent for one schedule when answers are lost (each after a look-up by name).
MAX_CREATE_ATTEMPTS = 3


class Halted(Exception):
    """A failure that every further call would repeat (credentials or scope refused)."""


class ActionWriter:
    """Writes planned actions through `api`, recording each step in `trail`."""

    def __init__(
        self,
        api: ScheduleAPI,
        trail: AuditTrail,
        *,
        ignore: Sequence[IgnoreRule],
        desired: Mapping[tuple[str, str], DesiredSchedule],
        checks: Sequence[Check],
        replan: bool,
        tenant: str = "",
    ) -> None:
        self._api = api
        self._trail = trail
        self._ignore_rules = tuple(ignore)
        self._desired = desired
        self._checks = [check.to_json() for check in checks]
        self._replan = replan
        self._tenant = tenant

    def write(self, action: Action) -> ActionResult:
        writers: dict[str, Callable[[Action], ActionResult]] = {
            "create": self._create,
            "update": self._update,
            "delete": self._delete,
        }
        return writers[action.kind](action)

    # -- records -------------------------------------------------------------------------

    def _record(self, action: Action, event: ActionEvent, **fields: Any) -> None:
        record = action_record(
            event,
            campaign=action.campaign_id,
            schedule=action.name,
            schedule_id=action.schedule_id,
            action=action.kind,
            desired_hash=action.desired_hash,
            tenant=self._tenant,
            fields=fields,
        )
        self._trail.append(record)

    def _intent(self, action: Action, attempt: int, checks: Sequence[Check] = ()) -> None:
        self._record(
            action,
            "write",
            phase="intent",
            attempt=attempt,
            base_etag=action.base_version,
            changes=changes_json(action.changes),
            sent_hash=None if action.body is None else payload_hash(action.body),
            checks=[*self._checks, *(check.to_json() for check in checks)],
        )

    def _outcome(self, action: Action, attempt: int, result: str, **fields: Any) -> None:
        kind = action.kind
        if result == "applied" and kind != "noop":
            fields.setdefault("status", self._api.success_status(kind))
        fields.setdefault("status", None)
        self._record(
            action,
            "write",
            phase="outcome",
            attempt=attempt,
            result=result,
            base_etag=action.base_version,
            **fields,
        )

    def _error(self, action: Action, attempt: int, result: str, exc: ApiError) -> None:
        self._outcome(action, attempt, result, status=exc.status, error=str(exc))

    def _failed(self, action: Action, exc: ApiError) -> ActionResult:
        if isinstance(exc, CredentialsRefused | PermissionRefused):
            raise Halted(str(exc)) from exc
        return ActionResult(action, "failed", error=str(exc))

    # -- update --------------------------------------------------------------------------

    def _update(self, action: Action) -> ActionResult:
        current, replans, checks = action, list[Action](), tuple[Check, ...]()
        for attempt in range(1, MAX_REPLANS + 2):
            self._intent(current, attempt, checks)
            try:
                assert current.schedule_id is not None and current.base_version is not None
                assert current.body is not None
                live = self._api.update_schedule(
                    current.campaign_id, current.schedule_id, current.body, current.base_version
                )
            except StaleVersion as exc:
                self._error(current, attempt, "stale", exc)
            except NotFound as exc:
                self._error(current, attempt, "conflict", exc)
                return _with_replans(_gone(action), replans)
            except NameTaken as exc:
                self._error(current, attempt, "conflict", exc)
                return ActionResult(action, "conflict", error=str(exc), replans=tuple(replans))
            except ApiError as exc:
                self._error(current, attempt, "failed", exc)
                return self._failed(action, exc)
            else:
                self._outcome(current, attempt, "applied", new_etag=live.version)
                return ActionResult(action, "applied", live.version, replans=tuple(replans))
            step = self._after_stale(action, current, attempt)
            if isinstance(step, ActionResult):
                return _with_replans(step, replans)
            current, checks = step
            replans.append(current)
        raise AssertionError("unreachable: the last round always ends in a result")

    def _after_stale(
        self, action: Action, current: Action, attempt: int
    ) -> ActionResult | tuple[Action, tuple[Check, ...]]:
        """Re-read after a 412: done, a conflict, or (one-go mode) a fresh action to write."""
        assert current.schedule_id is not None
        try:
            live = self._api.get_schedule(current.campaign_id, current.schedule_id)
        except NotFound as exc:
            self._record(current, "recheck", result="conflict", status=exc.status, error=str(exc))
            return _gone(action)
        except ApiError as exc:
            self._record(current, "recheck", result="failed", status=exc.status, error=str(exc))
            return self._failed(action, exc)
        now = canonical(live.body, ignore=self._ignore(current))
        drift = field_changes(now, current.desired or {})
        if not drift:
            self._record(current, "recheck", result="already-applied", new_etag=live.version)
            return ActionResult(action, "already-applied", live.version, live_etag=live.version)
        desired = self._desired.get((current.campaign_id, current.name))
        if not self._replan or desired is None or attempt > MAX_REPLANS:
            return self._conflict(action, current, live, now)
        fresh = plan_one(desired, live, self._ignore_rules)
        self._record(
            fresh,
            "replan",
            base_etag=live.version,
            changes=changes_json(fresh.changes),
            result=fresh.kind,
            round=attempt,
        )
        check = Check("re-read after 412", True, f"re-planned on ETag {live.version}")
        return fresh, (check,)

    def _conflict(
        self, action: Action, current: Action, live: LiveSchedule, now: Mapping[str, Any]
    ) -> ActionResult:
        message = (
            f"{current.campaign_id}/{current.name} changed on the tenant since it was planned "
            f"(ETag {current.base_version} -> {live.version}); nothing was overwritten. "
            "Run `cxsched plan` again to see the change."
        )
        self._record(
            current,
            "recheck",
            result="conflict",
            base_etag=current.base_version,
            new_etag=live.version,
            changes=changes_json(field_changes(now, current.desired or {})),
            error=message,
        )
        rows = conflict_rows(current, now)
        return ActionResult(
            action, "conflict", error=message, conflict=rows, live_etag=live.version
        )

    def _ignore(self, action: Action) -> tuple[str, ...]:
        return ignore_pointers(self._ignore_rules, action.campaign_id, action.name)

    # -- delete --------------------------------------------------------------------------

    def _delete(self, action: Action) -> ActionResult:
        assert action.schedule_id is not None and action.base_version is not None
        self._intent(action, 1)
        try:
            self._api.delete_schedule(action.campaign_id, action.schedule_id, action.base_version)
        except NotFound as exc:
            self._error(action, 1, "already-applied", exc)
            return ActionResult(action, "already-applied")
        except StaleVersion as exc:
            self._error(action, 1, "conflict", exc)
            message = (
                f"{action.campaign_id}/{action.name} ({action.schedule_id}) changed on the "
                "tenant since it was planned; it was not deleted. Run `cxsched plan` again."
            )
            return ActionResult(action, "conflict", error=message)
        except ApiError as exc:
            self._error(action, 1, "failed", exc)
            return self._failed(action, exc)
        self._outcome(action, 1, "applied")
        return ActionResult(action, "applied")

    # -- create --------------------------------------------------------------------------

    def _create(self, action: Action) -> ActionResult:
        checks: tuple[Check, ...] = ()
        for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
            self._intent(action, attempt, checks)
            try:
                assert action.body is not None
                live = self._api.create_schedule(action.campaign_id, action.body)
            except OutcomeUnknown as exc:
                self._error(action, attempt, "unknown", exc)
                found = self._lookup(action, attempt)
                if isinstance(found, ActionResult):
                    return found
                checks = (found,)
                continue
            except NameTaken as exc:
                self._error(action, attempt, "conflict", exc)
                return self._after_409(action, attempt, exc)
            except ApiError as exc:
                self._error(action, attempt, "failed", exc)
                return self._failed(action, exc)
            new_id = live.schedule_id
            self._outcome(action, attempt, "applied", new_etag=live.version, schedule_id=new_id)
            return ActionResult(action, "applied", live.version)
        message = (
            f"creating {action.campaign_id}/{action.name}: no answer after "
            f"{MAX_CREATE_ATTEMPTS} attempts and no schedule of that name exists; run apply again"
        )
        return ActionResult(action, "failed", error=message)

    def _find(self, action: Action) -> LiveSchedule | None:
        for live in self._api.list_schedules(action.campaign_id):
            if live.name == action.name:
                return live
        return None

    def _lookup(self, action: Action, attempt: int) -> ActionResult | Check:
        """After a lost answer: the created schedule if it exists, else the check to retry on."""
        try:
            found = self._find(action)
        except ApiError as exc:
            self._record(action, "lookup", result="failed", status=exc.status, error=str(exc))
            return self._failed(action, exc)
        if found is not None:
            return self._existing(action, attempt, found, landed="applied")
        self._record(action, "lookup", result="absent", round=attempt)
        return Check("look-up by name", True, f"no {action.name!r} in {action.campaign_id}")

    def _after_409(self, action: Action, attempt: int, exc: NameTaken) -> ActionResult:
        """The name is taken: already applied if that schedule equals desired, else a conflict."""
        try:
            found = self._find(action)
        except ApiError as lookup_exc:
            return self._failed(action, lookup_exc)
        if found is None:
            return ActionResult(action, "conflict", error=str(exc))
        return self._existing(action, attempt, found, landed="already-applied", error=str(exc))

    def _existing(
        self,
        action: Action,
        attempt: int,
        found: LiveSchedule,
        *,
        landed: Outcome,
        error: str | None = None,
    ) -> ActionResult:
        """A schedule of that name exists: `landed` if it equals desired, else a conflict."""
        now = canonical(found.body, ignore=self._ignore(action))
        same = not field_changes(now, action.desired or {})
        result: Outcome = landed if same else "conflict"
        self._record(
            action,
            "lookup",
            result=result,
            new_etag=found.version,
            schedule_id=found.schedule_id,
            round=attempt,
        )
        if same:
            return ActionResult(action, result, found.version)
        message = error or (
            f"{action.campaign_id}/{action.name} exists on the tenant ({found.schedule_id}) with "
            "other content; nothing was overwritten. Run `cxsched plan` again."
        )
        rows = conflict_rows(action, now)
        return ActionResult(
            action, "conflict", error=message, conflict=rows, live_etag=found.version
        )


def _gone(action: Action) -> ActionResult:
    message = (
        f"{action.campaign_id}/{action.name} ({action.schedule_id}) was deleted on the tenant "
        "since it was planned; it was not re-created. Run `cxsched plan` again."
    )
    return ActionResult(action, "conflict", error=message)


def _with_replans(result: ActionResult, replans: list[Action]) -> ActionResult:
    return replace(result, replans=tuple(replans))
