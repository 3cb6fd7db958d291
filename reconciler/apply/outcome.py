"""What came of each planned action: the records apply returns and the command renders.

`ActionResult` is one action's outcome (`Outcome`), with the new ETag, the error text and, for
a conflict, the fields side by side (`ConflictRow`: as planned on, live now, desired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.plan.build import Action
from reconciler.plan.normalise import FieldChange, field_changes, resolve_pointer

__all__ = [
    "OUTCOMES",
    "ActionResult",
    "ConflictRow",
    "Outcome",
    "changes_json",
    "conflict_rows",
]

Outcome = Literal["applied", "noop", "already-applied", "conflict", "failed", "skipped"]
OUTCOMES: tuple[Outcome, ...] = (
    "applied",
    "noop",
    "already-applied",
    "conflict",
    "failed",
    "skipped",
)


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """One field of a conflict: as the plan saw it, as it is live now, as desired."""

    pointer: str
    base: Any
    live: Any
    desired: Any


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What came of one planned action."""

    action: Action
    outcome: Outcome
    new_etag: str | None = None
    error: str | None = None
    conflict: tuple[ConflictRow, ...] = ()
    live_etag: str | None = None  # the ETag found on re-read, for a conflict
    replans: tuple[Action, ...] = ()


def conflict_rows(action: Action, live: Mapping[str, Any]) -> tuple[ConflictRow, ...]:
    """Base, live-now and desired of every field the plan changes or that differs now.

    The base of a field the plan did not change is the desired value: the plan found them equal.
    For a create (nothing was there to plan on) only the fields that differ now are listed.
    """
    desired = action.desired or {}
    planned = action.changes if action.kind != "create" else ()
    base = {change.pointer: change.before for change in planned}
    drift = {change.pointer for change in field_changes(desired, live)}
    return tuple(
        ConflictRow(
            pointer,
            _base_value(action, base, desired, pointer),
            resolve_pointer(live, pointer),
            resolve_pointer(desired, pointer),
        )
        for pointer in sorted(set(base) | drift)
    )


def _base_value(
    action: Action, base: Mapping[str, Any], desired: Mapping[str, Any], pointer: str
) -> Any:
    if action.kind == "create":
        return None
    return base[pointer] if pointer in base else resolve_pointer(desired, pointer)


def changes_json(changes: Sequence[FieldChange]) -> list[dict[str, Any]]:
    return [{"pointer": c.pointer, "before": c.before, "after": c.after} for c in changes]
