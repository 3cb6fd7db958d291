"""Rendering findings as text, GitHub workflow commands and JSON, exactly."""

from __future__ import annotations

import json

from reconciler.model import Finding
from reconciler.validate.report import render_findings, summary_line

ERROR = Finding("s/c/a.yaml", 3, 1, "/name", "schema-type", "error", "name must be a string")
WARNING = Finding(
    "s/c,d/b:x.yaml", 9, 5, "/blackoutPeriods/0", "blackout-overlap", "warning", "50% over\nlap"
)


def test_text() -> None:
    assert render_findings([ERROR, WARNING], "text", files=2) == (
        "s/c/a.yaml:3:1: error schema-type: name must be a string\n"
        "s/c,d/b:x.yaml:9:5: warning blackout-overlap: 50% over\nlap\n"
    )


def test_github_escapes_data_and_properties() -> None:
    assert render_findings([ERROR, WARNING], "github", files=2) == (
        "::error file=s/c/a.yaml,line=3,col=1,title=schema-type::name must be a string\n"
        "::warning file=s/c%2Cd/b%3Ax.yaml,line=9,col=5,title=blackout-overlap::50%25 over%0Alap\n"
    )


def test_json() -> None:
    report = json.loads(render_findings([WARNING], "json", files=1, strict=True))
    assert report == {
        "format_version": 1,
        "valid": False,
        "strict": True,
        "files": 1,
        "errors": 0,
        "warnings": 1,
        "findings": [
            {
                "path": "s/c,d/b:x.yaml",
                "line": 9,
                "column": 5,
                "pointer": "/blackoutPeriods/0",
                "rule": "blackout-overlap",
                "severity": "warning",
                "message": "50% over\nlap",
            }
        ],
    }
    assert json.loads(render_findings([WARNING], "json", files=1))["valid"] is True


def test_nothing_to_render() -> None:
    assert render_findings([], "text", files=3) == ""
    assert render_findings([], "github", files=3) == ""
    assert json.loads(render_findings([], "json", files=3))["valid"] is True


def test_summary_line() -> None:
    assert summary_line([], files=1) == "1 schedule file checked: no problems found"
    assert summary_line([ERROR], files=2) == "2 schedule files checked: 1 error, 0 warnings"
    assert (
        summary_line([ERROR, ERROR, WARNING], files=2)
        == "2 schedule files checked: 2 errors, 1 warning"
    )
