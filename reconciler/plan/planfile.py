"""The plan file: a `Plan` written as JSON, and read back from untrusted JSON.

`plan_json` gives the JSON document, `plan_bytes` / `plan_text` its one serialisation (sorted
keys, indent 2, UTF-8, a final newline: deterministic, so PR comments diff cleanly), made once
by `orjson` and byte-identical to the standard library's `json.dumps(sort_keys=True, indent=2,
ensure_ascii=False)`. `plan_hash` is the SHA-256 of those bytes and names one exact plan in the
audit trail; `save_plan` writes them atomically. A no-op action carries no desired body (only
its hash), nor a base when the live body was its desired body after the ignore rules. Reading
back (`read_plan`, `plan_from_json`):
A plan file travels (a CI artifact, a download) before apply reads it, so every field is
checked for presence and type (limits must be finite), every action for consistency (an update
has a schedule id, a base ETag, a base body and a patch; a noop a schedule id, a base ETag and
its hash; a `desired_hash` matches its `desired` body), and the format version must be the one
this cxsched writes. Whether the actions are the ones the files give is
`reconciler.plan.rederive`'s check. The file is read only up to `MAX_PLAN_BYTES` and decoded
strictly (`reconciler.util.strictjson`): NaN, Infinity, overflowing numbers, integers of more
than 40 digits and deep nesting are refused. The first problem found is reported as a
`reconciler.errors.PlanError` naming its JSON pointer and what to do (make the plan again).
`plan_audit_record` gives the audit trail's "plan" record of a plan (for `plan` and `apply`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, cast

import orjson

from reconciler.audit.records import plan_record
from reconciler.audit.trail import Check
from reconciler.config import IgnoreRule
from reconciler.errors import PlanError
from reconciler.laws.policy import LawException
from reconciler.model import TenantLimits, VersionToken
from reconciler.plan.build import (
    ACTION_KINDS,
    PLAN_FORMAT_VERSION,
    Action,
    ActionKind,
    Plan,
    Unmanaged,
)
from reconciler.plan.normalise import FieldChange, payload_hash
from reconciler.plan.review import review_action, review_json
from reconciler.util import strictjson
from reconciler.util.atomic import write_atomic

__all__ = [
    "MAX_PLAN_BYTES",
    "load_plan",
    "plan_audit_record",
    "plan_bytes",
    "plan_from_json",
    "plan_hash",
    "plan_json",
    "plan_text",
    "read_plan",
    "save_plan",
]

#: Plan files larger than this are refused (128 MiB; 50,000 schedules, 10% changed, need 38).
MAX_PLAN_BYTES = 128 * 1024 * 1024

_STR = (str,)
_OPT_STR = (str, type(None))
_OBJ = (dict,)
_OPT_OBJ = (dict, type(None))
_NUMBER = (int, float)
_NEEDS: Mapping[str, tuple[str, ...]] = {
    "create": ("body", "desired", "desired_hash"),
    "update": ("schedule_id", "base_etag", "base", "body", "desired", "desired_hash"),
    "delete": ("schedule_id", "base_etag", "base"),
    "noop": ("schedule_id", "base_etag", "desired_hash"),
}


#: Plan-file keys whose `Action` attribute has another name.
_FIELD: Mapping[str, str] = {"base_etag": "base_version"}


def _bad(pointer: str, what: str) -> PlanError:
    return PlanError(
        f"plan JSON {pointer or '/'} {what}; this is not a plan cxsched wrote or it was "
        "edited: make a new one with `cxsched plan --out FILE`"
    )


def _get(data: Mapping[str, Any], key: str, kinds: tuple[type, ...], where: str) -> Any:
    pointer = f"{where}/{key}"
    if key not in data:
        raise _bad(pointer, "is missing")
    value = data[key]
    if isinstance(value, bool) and bool not in kinds:
        raise _bad(pointer, f"must be {_names(kinds)}, not a boolean")
    if not isinstance(value, kinds):
        raise _bad(pointer, f"must be {_names(kinds)}, not {type(value).__name__}")
    return value


def _names(kinds: tuple[type, ...]) -> str:
    names = {
        str: "a string",
        dict: "an object",
        list: "a list",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return " or ".join(dict.fromkeys(names[kind] for kind in kinds))


def _objects(data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = _get(data, key, (list,), where)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _bad(f"{where}/{key}/{index}", "must be an object")
    return cast(list[dict[str, Any]], items)


def _strings(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = _get(data, key, (list,), where)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise _bad(f"{where}/{key}/{index}", "must be a string")
    return tuple(items)


def _change(data: Mapping[str, Any], where: str) -> FieldChange:
    if "before" not in data or "after" not in data:
        raise _bad(where, "must have 'before' and 'after'")
    return FieldChange(_get(data, "pointer", _STR, where), data["before"], data["after"])


def _action(data: Mapping[str, Any], where: str) -> Action:
    kind = _get(data, "kind", _STR, where)
    if kind not in ACTION_KINDS:
        raise _bad(f"{where}/kind", f"must be one of {', '.join(ACTION_KINDS)}, not {kind!r}")
    action = Action(
        kind=cast(ActionKind, kind),
        campaign_id=_get(data, "campaign_id", _STR, where),
        name=_get(data, "name", _STR, where),
        schedule_id=_get(data, "schedule_id", _OPT_STR, where),
        base_version=_version(_get(data, "base_etag", _OPT_STR, where)),
        changes=tuple(
            _change(item, f"{where}/changes/{index}")
            for index, item in enumerate(_objects(data, "changes", where))
        ),
        body=_get(data, "body", _OPT_OBJ, where),
        desired=_get(data, "desired", _OPT_OBJ, where),
        desired_hash=_get(data, "desired_hash", _OPT_STR, where),
        source=_get(data, "source", _OPT_STR, where),
        base=_get(data, "base", _OPT_OBJ, where),
    )
    _check_action(action, where)
    return action


def _version(value: str | None) -> VersionToken | None:
    return None if value is None else VersionToken(value)


def _check_action(action: Action, where: str) -> None:
    for key in _NEEDS[action.kind]:
        if getattr(action, _FIELD.get(key, key)) is None:
            raise _bad(f"{where}/{key}", f"must be set for a {action.kind} action")
    if action.desired is not None and action.desired_hash != payload_hash(action.desired):
        raise _bad(f"{where}/desired_hash", "does not match the desired body")


def _unmanaged(data: Mapping[str, Any], where: str) -> Unmanaged:
    return Unmanaged(
        campaign_id=_get(data, "campaign_id", _STR, where),
        schedule_id=_get(data, "schedule_id", _STR, where),
        name=_get(data, "name", _STR, where),
    )


def _rule(data: Mapping[str, Any], where: str) -> IgnoreRule:
    return IgnoreRule(
        pointers=_strings(data, "pointers", where),
        campaign=_get(data, "campaign", _STR, where),
        name=_get(data, "name", _STR, where),
    )


def _limits(data: Mapping[str, Any]) -> TenantLimits:
    limits = _get(data, "limits", _OBJ, "")
    calls = _get(limits, "max_concurrent_calls", (int,), "/limits")
    rate = _get(limits, "max_call_rate", _NUMBER, "/limits")
    for key, value in (("max_concurrent_calls", calls), ("max_call_rate", rate)):
        if not math.isfinite(value) or value < 0:
            raise _bad(f"/limits/{key}", f"must be a finite number of at least 0, not {value!r}")
    return TenantLimits(int(calls), float(rate))


def _check_version(data: Mapping[str, Any]) -> int:
    version = _get(data, "format_version", (int,), "")
    if version != PLAN_FORMAT_VERSION:
        raise PlanError(
            f"plan format version {version} is not supported: this cxsched reads version "
            f"{PLAN_FORMAT_VERSION}; make the plan again with this version of cxsched"
        )
    return int(version)


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    """The plan of a decoded plan file; PlanError naming the first problem."""
    if not isinstance(data, Mapping):
        raise _bad("", "must be an object")
    return Plan(
        format_version=_check_version(data),
        tool_version=_get(data, "tool_version", _STR, ""),
        desired_digest=_get(data, "desired_digest", _STR, ""),
        files=_strings(data, "files", ""),
        paths=_strings(data, "paths", ""),
        campaigns=_strings(data, "campaigns", ""),
        prune=_get(data, "prune", (bool,), ""),
        tenant=_get(data, "tenant", _STR, ""),
        limits=_limits(data),
        ignore=tuple(
            _rule(item, f"/ignore/{i}") for i, item in enumerate(_objects(data, "ignore", ""))
        ),
        actions=tuple(
            _action(item, f"/actions/{i}") for i, item in enumerate(_objects(data, "actions", ""))
        ),
        unmanaged=tuple(
            _unmanaged(item, f"/unmanaged/{i}")
            for i, item in enumerate(_objects(data, "unmanaged", ""))
        ),
        law_exceptions=tuple(
            _exception(item, f"/law_exceptions/{i}")
            for i, item in enumerate(
                _objects(data, "law_exceptions", "") if "law_exceptions" in data else []
            )
        ),
    )


def _exceptions(data: Mapping[str, Any]) -> tuple[LawException, ...]:
    """The optional `law_exceptions` (absent from plans without exceptions)."""
    if "law_exceptions" not in data:
        return ()
    items = _objects(data, "law_exceptions", "")
    return tuple(_exception(item, f"/law_exceptions/{i}") for i, item in enumerate(items))


def _exception(data: Mapping[str, Any], where: str) -> LawException:
    until = _get(data, "until", _OPT_STR, where)
    try:
        day = None if until is None else date.fromisoformat(until)
    except ValueError as exc:
        raise _bad(f"{where}/until", "must be a date like 2027-06-30") from exc
    return LawException(
        rule=_get(data, "rule", _STR, where),
        reason=_get(data, "reason", _STR, where),
        approved_by=_get(data, "approved_by", _STR, where),
        campaign=_get(data, "campaign", _STR, where),
        name=_get(data, "name", _STR, where),
        until=day,
    )


def read_plan(path: Path) -> Plan:
    """Read and check the plan file at `path`."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError as exc:
        raise PlanError(
            f"plan file {path} not found; make one with `cxsched plan --out {path}`"
        ) from exc
    except OSError as exc:
        raise PlanError(f"cannot read the plan file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(
            f"{path}: not a plan file (over the {MAX_PLAN_BYTES:,}-byte limit); "
            f"make a new one with `cxsched plan --out {path}`"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"cannot read the plan file {path}: {exc}") from exc
    try:
        data = strictjson.loads(text)
    except strictjson.UnsafeJson as exc:
        where = f"{path}:{exc.line}:{exc.column}" if exc.line else str(path)
        raise PlanError(
            f"{where}: not a plan file ({exc}); make a new one with `cxsched plan --out {path}`"
        ) from None
    try:
        return plan_from_json(data)
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from exc


load_plan = read_plan


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON document: stable, no secret, no timestamp."""
    return {
        "format_version": plan.format_version,
        "tool_version": plan.tool_version,
        "desired_digest": plan.desired_digest,
        "files": list(plan.files),
        "paths": list(plan.paths),
        "campaigns": list(plan.campaigns),
        "prune": plan.prune,
        "tenant": plan.tenant,
        "limits": {
            "max_concurrent_calls": int(plan.limits.max_concurrent_calls),
            "max_call_rate": float(plan.limits.max_call_rate),
        },
        "ignore": [_rule_json(rule) for rule in plan.ignore],
        "summary": plan.counts()._asdict(),
        "actions": [_action_json(action) for action in plan.actions],
        "unmanaged": [_unmanaged_json(item) for item in plan.unmanaged],
    } | (
        {"law_exceptions": [item.to_json() for item in plan.law_exceptions]}
        if plan.law_exceptions
        else {}
    )


def plan_hash(plan: Plan, data: bytes | None = None) -> str:
    """`sha256:<hex>` of the plan file's bytes (`data`, when already serialised)."""
    return "sha256:" + hashlib.sha256(plan_bytes(plan) if data is None else data).hexdigest()


def plan_audit_record(
    plan: Plan,
    checks: Sequence[Check],
    *,
    action: Literal["plan", "apply"],
    digest: str,
    mode: Literal["one-go", "saved-plan"] | None = None,
) -> dict[str, Any]:
    """The audit trail's "plan" record of `plan` (made, or about to be applied); `digest` is
    its `plan_hash`."""
    return plan_record(
        action=action,
        mode=mode,
        plan_hash=digest,
        desired_digest=plan.desired_digest,
        campaigns=plan.campaigns,
        counts=plan.counts()._asdict(),
        checks=checks,
        law_exceptions=[item.to_json() for item in plan.law_exceptions],
        tenant=plan.tenant,
    )


def _rule_json(rule: IgnoreRule) -> dict[str, Any]:
    return {"campaign": rule.campaign, "name": rule.name, "pointers": list(rule.pointers)}


def _unmanaged_json(item: Unmanaged) -> dict[str, Any]:
    return {"campaign_id": item.campaign_id, "schedule_id": item.schedule_id, "name": item.name}


def _action_json(action: Action) -> dict[str, Any]:
    noop = action.kind == "noop"  # its hash names the desired body; the body stays out
    review = review_action(action)
    extra = {} if review is None or not review.zones else {"review": review_json(review)}
    return extra | {
        "kind": action.kind,
        "campaign_id": action.campaign_id,
        "name": action.name,
        "schedule_id": action.schedule_id,
        "base_etag": action.base_version,
        "changes": [
            {"pointer": c.pointer, "before": c.before, "after": c.after} for c in action.changes
        ],
        "body": None if action.body is None else dict(action.body),
        "desired": None if action.desired is None or noop else dict(action.desired),
        "desired_hash": action.desired_hash,
        "source": action.source,
        "base": None if action.base is None else dict(action.base),
    }


_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
#: A float below 1e-4 as orjson writes it (`0.00001`, `1e-7`), where Python writes `1e-05`,
#: `1e-07`. Only a number ending its line (a value: a string ends with a quote) matches.
_SMALL_FLOAT = re.compile(rb"(?<= )-?(?:0\.0000\d+|\d(?:\.\d+)?e-\d+)(?=,?\n)")


_DIGITS = frozenset(b"0123456789")


def _python_float(match: re.Match[bytes]) -> bytes:
    return repr(float(match[0])).encode("ascii")


def plan_bytes(plan: Plan) -> bytes:
    """The plan file's bytes: the JSON form with sorted keys, indent 2 and a final newline.

    Byte-identical to `json.dumps(plan_json(plan), sort_keys=True, indent=2,
    ensure_ascii=False) + "\\n"` in UTF-8, made by `orjson` in one pass. Floats below 1e-4 are
    rewritten as Python writes them; a document orjson refuses (an integer outside 64 bits) is
    written by the standard library instead.
    """
    document = plan_json(plan)
    try:
        data = orjson.dumps(document, option=_ORJSON) + b"\n"
    except orjson.JSONEncodeError:
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        return text.encode("utf-8")
    if _may_hold_small_float(data):
        data = _SMALL_FLOAT.sub(_python_float, data)
    return data


def _may_hold_small_float(data: bytes) -> bool:
    """Whether `data` may hold a float below 1e-4: a quick scan, before the slower regex."""
    if b"0.0000" in data:
        return True
    at = data.find(b"e-")
    while at != -1:
        if at and data[at - 1] in _DIGITS:
            return True
        at = data.find(b"e-", at + 2)
    return False


def plan_text(plan: Plan) -> str:
    """`plan_bytes` as text."""
    return plan_bytes(plan).decode("utf-8")


def save_plan(plan: Plan, path: Path, data: bytes | None = None) -> None:
    """Write the plan file (`data`, when already serialised) atomically (a temporary file
    beside it, then `os.replace`)."""
    try:
        write_atomic(path, plan_bytes(plan) if data is None else data)
    except OSError as exc:
        raise PlanError(f"cannot write the plan file {path}: {exc.strerror or exc}") from exc
