"""Rendering findings for people and machines: text, JSON and GitHub workflow commands.

* ``text``: one line per finding, ``file:line:col: severity rule-id: message``.
* ``github``: ``::error file=F,line=L,col=C,title=RULE::message`` (``::warning`` for warnings),
  which GitHub Actions turns into inline annotations on the pull request.
* ``json``: one object, stable across releases of the same ``format_version``
  (docs/json-output.md)::

    {"format_version": 1, "valid": bool, "strict": bool, "files": int,
     "errors": int, "warnings": int,
     "findings": [{"path", "line", "column", "pointer", "rule", "severity", "message"}]}

  ``valid`` is false when there is an error, or any finding under ``strict``.

Findings are rendered in the order given; `reconciler.validate.desired` sorts them by file and line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal, TypedDict

from reconciler.model import Finding, Severity

__all__ = [
    "REPORT_FORMAT_VERSION",
    "FindingRecord",
    "OutputFormat",
    "Report",
    "render_findings",
    "summary_line",
]

OutputFormat = Literal["text", "json", "github"]
REPORT_FORMAT_VERSION = 1


class FindingRecord(TypedDict):
    path: str
    line: int
    column: int
    pointer: str
    rule: str
    severity: Severity
    message: str


class Report(TypedDict):
    format_version: int
    valid: bool
    strict: bool
    files: int
    errors: int
    warnings: int
    findings: list[FindingRecord]


def render_findings(
    findings: Sequence[Finding], fmt: OutputFormat, *, files: int, strict: bool = False
) -> str:
    """The findings in `fmt`, ending with a newline unless empty (text and github)."""
    if fmt == "json":
        return json.dumps(_report(findings, files, strict), indent=2) + "\n"
    render = _github if fmt == "github" else _text
    return "".join(f"{render(finding)}\n" for finding in findings)


def summary_line(findings: Sequence[Finding], *, files: int, config: str | None = None) -> str:
    """One line for people: what was checked (schedule files, the config) and what was found.

    `files` counts schedule files; `config` names the repository config when it was checked:
    "1 schedule file and cxsched.yaml checked: no problems found".
    """
    errors = sum(1 for finding in findings if finding.severity == "error")
    warnings = len(findings) - errors
    schedules = f"{files} schedule file{'' if files == 1 else 's'}"
    checked = f"{schedules}{f' and {config}' if config else ''} checked"
    if not findings:
        return f"{checked}: no problems found"
    return f"{checked}: {_count(errors, 'error')}, {_count(warnings, 'warning')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _text(finding: Finding) -> str:
    return (
        f"{finding.path}:{finding.line}:{finding.column}: "
        f"{finding.severity} {finding.rule}: {finding.message}"
    )


def _github(finding: Finding) -> str:
    properties = ",".join(
        f"{name}={_escape_property(value)}"
        for name, value in (
            ("file", finding.path),
            ("line", str(finding.line)),
            ("col", str(finding.column)),
            ("title", finding.rule),
        )
    )
    return f"::{finding.severity} {properties}::{_escape_data(finding.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _report(findings: Sequence[Finding], files: int, strict: bool) -> Report:
    errors = sum(1 for finding in findings if finding.severity == "error")
    return Report(
        format_version=REPORT_FORMAT_VERSION,
        valid=not (errors or (strict and findings)),
        strict=strict,
        files=files,
        errors=errors,
        warnings=len(findings) - errors,
        findings=[_record(finding) for finding in findings],
    )


def _record(finding: Finding) -> FindingRecord:
    return FindingRecord(
        path=finding.path,
        line=finding.line,
        column=finding.column,
        pointer=finding.pointer,
        rule=finding.rule,
        severity=finding.severity,
        message=finding.message,
    )
