"""Schedule files for the calling-law tests, and `cxsched validate` run on them.

`schedule(...)` writes the YAML of one schedule of campaign "laws" with the given span,
windows, blackouts and audience; `validate(root)` runs the real command line in `root` and
returns its exit code and findings as JSON records.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reconciler.cli import main

__all__ = ["FILE", "legal", "schedule", "validate", "write"]

FILE = "schedules/laws/s.yaml"


def schedule(
    start: str,
    end: str,
    windows: Sequence[tuple[str, str, str]],
    *,
    zone: str = "America/New_York",
    jurisdictions: Sequence[str] = (),
    purpose: str | None = "telemarketing",
    blackouts: Sequence[tuple[str, str, str]] = (),
) -> str:
    """The YAML of a schedule; windows are (start, end, zone), blackouts (start, end, reason)."""
    lines = [
        "formatVersion: 1",
        "campaignId: laws",
        "name: Law test",
        f'startTime: "{start}"',
        f'endTime: "{end}"',
        f"timeZone: {zone}",
    ]
    if jurisdictions:
        lines.append("audience:")
        lines.append(f"  jurisdictions: [{', '.join(jurisdictions)}]")
        if purpose is not None:
            lines.append(f"  purpose: {purpose}")
    if blackouts:
        lines.append("blackoutPeriods:")
        for b_start, b_end, reason in blackouts:
            lines.append(f'  - {{startTime: "{b_start}", endTime: "{b_end}", reason: {reason}}}')
    lines.append("dialerSettings: {maxConcurrentCalls: 10, callRate: 5, capacityThreshold: 0.5}")
    if windows:
        lines.append("regulatoryWindows:")
        for w_start, w_end, w_zone in windows:
            lines.append(
                f'  - {{startTime: "{w_start}", endTime: "{w_end}", timeZone: {w_zone}, '
                "enabled: true}"
            )
    return "\n".join(lines) + "\n"


def write(root: Path, text: str, name: str = FILE) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def validate(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, list[Any]]:
    """Exit code and findings of `cxsched validate --format json` in `root`."""
    monkeypatch.chdir(root)
    monkeypatch.delenv("CXSCHED_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["validate", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    findings: list[Any] = json.loads(result.stdout)["findings"]
    return result.exit_code, findings


def legal(findings: Sequence[Any]) -> list[tuple[str, str, str]]:
    """(severity, rule, message) of the legal-* findings."""
    return [
        (item["severity"], item["rule"], item["message"])
        for item in findings
        if item["rule"].startswith("legal-")
    ]
