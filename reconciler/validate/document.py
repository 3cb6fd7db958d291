"""Validation of loaded documents: their JSON Schema, then the semantic rules -> findings.

The schemas in `schemas/` are the single source of the file formats; the package ships them
(``reconciler/schemas``) and builds one Draft 2020-12 validator per schema, once per process.
Schema errors become findings with a small, stable set of rule ids:

====================  =================================================================
rule                  the schema said
====================  =================================================================
schema-required       a required field is missing
schema-additional     an unknown field (with a "did you mean" for a near name)
schema-type           a value of the wrong type
schema-format         a string of the wrong shape (pattern, format: ``25:00``, a date)
schema-range          a number, string or list out of its range
schema-value          a value other than the allowed constant or choices
naive-datetime        a date-time without a UTC offset (the message names the fix)
schema                anything else
====================  =================================================================

Semantic findings (`reconciler.validate.rules`) at a pointer the schema already rejected are
dropped.

`jsonschema` is the reference. When `jsonschema-rs` is installed, it answers "is this document
valid?" first, about a hundred times faster; only a document it rejects is passed to
`jsonschema`, whose errors the findings explain. A document `jsonschema` accepts is valid
whatever the pre-check said.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from reconciler.loader import Document, Position, escape_pointer, load_file
from reconciler.model import DesiredSchedule, Finding, TenantLimits
from reconciler.validate.rules import RuleContext, check_document, limit_findings
from reconciler.validate.timezones import get_zone, known_zones

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

__all__ = [
    "SchemaName",
    "check_limits",
    "prepare",
    "schema",
    "schema_findings",
    "validate_document",
]

SchemaName = Literal["schedule", "config", "skill"]

_RULES = {
    "required": "schema-required",
    "additionalProperties": "schema-additional",
    "type": "schema-type",
    "pattern": "schema-format",
    "format": "schema-format",
    "minimum": "schema-range",
    "maximum": "schema-range",
    "exclusiveMinimum": "schema-range",
    "exclusiveMaximum": "schema-range",
    "minLength": "schema-range",
    "maxLength": "schema-range",
    "minItems": "schema-range",
    "maxItems": "schema-range",
    "const": "schema-value",
    "enum": "schema-value",
}
_NAIVE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")
_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@functools.cache
def schema(name: SchemaName) -> dict[str, Any]:
    """The JSON Schema `name` as shipped in the package."""
    resource = resources.files("reconciler").joinpath("schemas", f"{name}.schema.json")
    loaded: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


def prepare(name: SchemaName) -> None:
    """Build the validators of `name` and read the zone names now, so forked workers share them.

    With the fast pre-check, `jsonschema` itself is imported only once a document fails it.
    """
    if _pre_check(name) is None:  # pragma: no cover - optional accelerator
        _validator(name)
    known_zones()


@functools.cache
def _inlined(name: SchemaName) -> dict[str, Any]:
    """The schema `name` with its local references inlined (see `_inline`)."""
    document = schema(name)
    inlined: dict[str, Any] = _inline(document, document.get("$defs", {}), ())
    return inlined


@functools.cache
def _validator(name: SchemaName) -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # imported late: about 0.1 s of start-up

    return Draft202012Validator(_inlined(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def _pre_check(name: SchemaName) -> Callable[[Any], bool] | None:
    """A fast validity check for the schema `name`, when `jsonschema-rs` is installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - optional accelerator
        return None
    fast = jsonschema_rs.Draft202012Validator(dict(_inlined(name)), validate_formats=True)
    return fast.is_valid


def _inline(node: Any, defs: Mapping[str, Any], seen: tuple[str, ...]) -> Any:
    """`node` with its local `#/$defs/...` references replaced by copies of their targets.

    The validator then skips resolving references at every use, which halves its time.
    """
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    own = {key: _inline(value, defs, seen) for key, value in node.items() if key != "$ref"}
    ref = node.get("$ref")
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else ""
    if name not in defs or name in seen:
        return own if ref is None else {**own, "$ref": ref}
    return {**_inline(defs[name], defs, (*seen, name)), **own}


def validate_document(document: Document, context: RuleContext) -> list[Finding]:
    """The schema findings of a schedule file, then its semantic ones where the schema agreed."""
    found = schema_findings(document, "schedule")
    rejected = {finding.pointer for finding in found}
    found.extend(f for f in check_document(document, context) if f.pointer not in rejected)
    return found


def schema_findings(document: Document, name: SchemaName) -> list[Finding]:
    """Findings for every way `document` breaks the schema `name`, one per pointer and rule."""
    fast = _pre_check(name)
    if fast is not None and fast(document.data):
        return []
    zone = document.data.get("timeZone")
    hint = get_zone(zone) if isinstance(zone, str) else None
    seen: set[tuple[str, str]] = set()
    found: list[Finding] = []
    for error in _validator(name).iter_errors(document.data):
        for pointer, rule, message in _explain(error, hint):
            if (pointer, rule) not in seen:
                seen.add((pointer, rule))
                line, column = document.locate(pointer)
                found.append(Finding(document.path, line, column, pointer, rule, "error", message))
    return found


def check_limits(
    schedules: Sequence[DesiredSchedule],
    limits: TenantLimits,
    *,
    source: str = "live capacity from the API",
) -> list[Finding]:
    """`call-rate-limit` and `concurrency-limit` errors of `schedules` against `limits`.

    The plan calls this with the tenant's live capacity; positions are read back from the
    files only for the schedules that break a limit.
    """
    found: list[Finding] = []
    for item in schedules:
        locate = functools.partial(_locate_in_file, item.path)
        found.extend(limit_findings(item.path.as_posix(), item.body, limits, locate, source))
    return sorted(found, key=Finding.sort_key)


def _locate_in_file(path: Path, pointer: str) -> Position:
    document = load_file(path).document
    return document.locate(pointer) if document is not None else Position(1, 1)


def _explain(error: ValidationError, zone: ZoneInfo | None) -> Iterable[tuple[str, str, str]]:
    pointer = "".join(f"/{escape_pointer(str(part))}" for part in error.absolute_path)
    label = _label(error.absolute_path)
    if error.validator == "required":
        return _missing(error, pointer, label)
    if error.validator == "additionalProperties":
        return _unknown(error, pointer, label)
    if "propertyNames" in error.relative_schema_path:
        key = str(error.instance)
        return [(f"{pointer}/{escape_pointer(key)}", "schema-format", _shape(error, repr(key)))]
    naive = _naive(error, label, zone)
    if naive is not None:
        return [(pointer, "naive-datetime", naive)]
    rule = _RULES.get(str(error.validator), "schema")
    return [(pointer, rule, f"{label} {_message(error)}")]


def _label(path: Iterable[Any]) -> str:
    parts = list(path)
    if not parts:
        return "the top level"
    if isinstance(parts[-1], int):
        owner = parts[-2] if len(parts) > 1 else "list"
        return f"{owner} item {parts[-1] + 1}"
    return str(parts[-1])


def _schema_of(error: ValidationError) -> Mapping[str, Any]:
    """The subschema that failed, as a mapping (boolean schemas have no keywords)."""
    return error.schema if isinstance(error.schema, Mapping) else {}


def _missing(error: ValidationError, pointer: str, label: str) -> list[tuple[str, str, str]]:
    properties = _schema_of(error).get("properties", {})
    where = "" if not pointer else f" in {label}"
    found = []
    required = error.validator_value if isinstance(error.validator_value, list) else []
    for field in required:
        if isinstance(error.instance, dict) and field not in error.instance:
            description = properties.get(field, {}).get("description", "")
            message = f"missing required field {field!r}{where}" + (
                f": {description}" if description else ""
            )
            found.append((f"{pointer}/{escape_pointer(field)}", "schema-required", message))
    return found


def _unknown(error: ValidationError, pointer: str, label: str) -> list[tuple[str, str, str]]:
    known = sorted(_schema_of(error).get("properties", {}))
    where = "" if not pointer else f" in {label}"
    found = []
    for key in error.instance if isinstance(error.instance, dict) else ():
        if key in known:
            continue
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        fix = f"did you mean {near[0]!r}?" if near else f"the fields here are {', '.join(known)}"
        message = f"unknown field {key!r}{where}; {fix}"
        found.append((f"{pointer}/{escape_pointer(key)}", "schema-additional", message))
    return found


def _naive(error: ValidationError, label: str, zone: ZoneInfo | None) -> str | None:
    value = error.instance
    if error.validator not in ("pattern", "format") or not isinstance(value, str):
        return None
    if _schema_of(error).get("format") != "date-time" or not _NAIVE.fullmatch(value):
        return None
    offset = "-05:00"
    where = ""
    try:
        local = datetime.fromisoformat(value)
        if zone is not None:
            offset = local.replace(tzinfo=zone).isoformat()[-6:]
            where = f" ({zone.key} on that date)"
    except ValueError:
        pass
    return (
        f"{label} {value!r} has no UTC offset, so its instant depends on where it is read; "
        f"add an offset such as {offset}{where}, or Z for UTC"
    )


def _message(error: ValidationError) -> str:
    keyword, limit, value = str(error.validator), error.validator_value, error.instance
    if keyword == "type":
        wanted = " or ".join(_TYPES.get(kind, kind) for kind in _as_list(limit))
        quote = "; quote it" if "string" in _as_list(limit) and _is_scalar(value) else ""
        return f"must be {wanted}, not {_describe(value)}{quote}"
    if keyword in ("pattern", "format"):
        return _shape(error, repr(value))
    explain = _RANGES.get(keyword)
    return explain(limit, value) if explain else f"is invalid: {error.message}"


def _shape(error: ValidationError, shown: str) -> str:
    title = _schema_of(error).get("title")
    examples = _schema_of(error).get("examples") or []
    example = f", e.g. {examples[0]!r}" if examples else ""
    if title:
        return f"{shown} is not a valid {title}{example}"
    return f"{shown} does not match {error.validator_value!r}{example}"


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, int | float | bool) or value is None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null (empty)"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value:g}"
    return f"the string {value!r}"


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list) else 0


_RANGES: dict[str, Callable[[Any, Any], str]] = {
    "minimum": lambda limit, value: f"must be at least {limit}, not {value!r}",
    "maximum": lambda limit, value: f"must be at most {limit}, not {value!r}",
    "exclusiveMinimum": lambda limit, value: f"must be greater than {limit}, not {value!r}",
    "exclusiveMaximum": lambda limit, value: f"must be less than {limit}, not {value!r}",
    "minLength": lambda limit, value: (
        "must not be empty" if limit == 1 else f"must have at least {limit} characters"
    ),
    "maxLength": lambda limit, value: (
        f"must have at most {limit} characters (it has {_size(value)})"
    ),
    "minItems": lambda limit, value: f"must have at least {limit} items",
    "maxItems": lambda limit, value: f"must have at most {limit} items (it has {_size(value)})",
    "const": lambda limit, value: f"must be {limit!r}, not {value!r}",
    "enum": lambda limit, value: f"must be one of {', '.join(map(repr, limit))}, not {value!r}",
}
