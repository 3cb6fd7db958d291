"""Rendering a plan: the exact text, the PR comment and its size limit, JSON, colour."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from reconciler.config import RepoConfig
from reconciler.model import DesiredSchedule, LiveSchedule, TenantLimits, VersionToken
from reconciler.plan.build import Plan, make_plan
from reconciler.plan.planfile import plan_text
from reconciler.plan.render import MARKDOWN_LIMIT, render_call_counts, render_plan
from reconciler.plan.render.markdown import render_markdown
from reconciler.validate.desired import DesiredState

BODY: dict[str, Any] = {
    "startTime": "2027-01-04T08:00:00-05:00",
    "endTime": "2027-03-31T17:00:00-04:00",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
}
NEW_YEAR = {
    "startTime": "2027-01-01T00:00:00-05:00",
    "endTime": "2027-01-02T00:00:00-05:00",
    "reason": "New Year",
}
MLK = {
    "startTime": "2027-01-18T00:00:00-05:00",
    "endTime": "2027-01-19T00:00:00-05:00",
    "reason": "MLK Day",
}


def _desired(campaign: str, name: str, **fields: Any) -> DesiredSchedule:
    path = Path("schedules") / campaign / f"{name.lower().replace(' ', '-')}.yaml"
    return DesiredSchedule(path, campaign, {**BODY, "name": name, **fields})


def _live(campaign: str, schedule_id: str, name: str, **fields: Any) -> LiveSchedule:
    version = VersionToken(f'"{schedule_id}"')
    return LiveSchedule(campaign, schedule_id, version, {**BODY, "name": name, **fields})


def _plan(schedules: list[DesiredSchedule], lives: list[LiveSchedule], *, prune: bool) -> Plan:
    live: dict[str, list[LiveSchedule]] = {}
    for item in lives:
        live.setdefault(item.campaign_id, []).append(item)
    state = DesiredState(tuple(schedules), (), tuple(s.path for s in schedules), "d" * 64)
    config = RepoConfig(prune_campaigns=frozenset({"c1"}))
    return make_plan(
        state, live, config, limits=TenantLimits(200, 30.0), prune=prune, paths=["schedules"]
    )


def sample_plan(*, prune: bool = True) -> Plan:
    schedules = [
        _desired(
            "c1",
            "Evening",
            blackoutPeriods=[MLK],
            dialerSettings={**BODY["dialerSettings"], "callRate": 20},
        ),
        _desired("c1", "New one", description="Q1"),
        _desired("c2", "Same"),
    ]
    lives = [
        _live("c1", "sch-2", "Evening", blackoutPeriods=[NEW_YEAR]),
        _live("c1", "sch-9", "Old"),
        _live("c2", "sch-3", "Same"),
        _live("c2", "sch-5", "Manual <b>|x"),
    ]
    return _plan(schedules, lives, prune=prune)


EXPECTED_TEXT = """\
Campaign c1:
  ~ update "Evening" (id sch-2)  schedules/c1/evening.yaml
      ~ /blackoutPeriods:
          - {"endTime": "2027-01-02T00:00:00-05:00", "reason": "New Year", "startTime": "2027-01-01T00:00:00-05:00"}
          + {"endTime": "2027-01-19T00:00:00-05:00", "reason": "MLK Day", "startTime": "2027-01-18T00:00:00-05:00"}
      ~ /dialerSettings/callRate: 15 -> 20
  + create "New one"  schedules/c1/new-one.yaml
      + /description: "Q1"
      + /dialerSettings: {"callRate": 15, "capacityThreshold": 0.8, "maxConcurrentCalls": 50}
      + /endTime: "2027-03-31T17:00:00-04:00"
      + /name: "New one"
      + /startTime: "2027-01-04T08:00:00-05:00"
      + /timeZone: "America/New_York"
  - delete "Old" (id sch-9)  not declared in any file

Unmanaged (live, declared by no file; left alone):
  ? c2 "Manual <b>|x" (id sch-5)
  --prune deletes only in campaigns whose cxsched.yaml sets prune: true

DELETE: this plan deletes 1 schedule(s) from the tenant (--prune):
  - c1 "Old" (id sch-9)

Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged; 1 unmanaged.
"""  # noqa: E501


def test_text_plan_is_terraform_like() -> None:
    assert render_plan(sample_plan(), "text") == EXPECTED_TEXT


def test_text_without_prune_keeps_unmanaged_and_says_how_to_adopt() -> None:
    text = render_plan(sample_plan(prune=False), "text")
    assert "DELETE" not in text
    assert '  ? c1 "Old" (id sch-9)\n' in text
    assert "Import them (cxsched import) or delete them with --prune" in text
    assert text.endswith("Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged; 2 unmanaged.\n")


def test_text_without_changes() -> None:
    plan = _plan([_desired("c2", "Same")], [_live("c2", "sch-3", "Same")], prune=False)
    assert render_plan(plan, "text") == (
        "No changes: the tenant matches the desired state.\n\n"
        "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged; 0 unmanaged.\n"
    )


def test_colour_only_when_asked() -> None:
    plain = render_plan(sample_plan(), "text")
    coloured = render_plan(sample_plan(), "text", color=True)
    assert "\x1b[" not in plain
    assert click.style('  - delete "Old"', fg="red") not in coloured
    assert (
        "  " + click.style('- delete "Old" (id sch-9)  not declared in any file', fg="red")
        in coloured
    )
    assert click.style('  - c1 "Old" (id sch-9)', fg="red", bold=True) in coloured
    assert click.unstyle(coloured) == plain


def test_markdown_comment() -> None:
    text = render_plan(sample_plan(), "markdown", plan_file="plan.json")
    assert text.startswith(
        "## cxsched plan\n\n"
        "**Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged; 1 unmanaged.**\n\n"
        "> [!CAUTION]\n"
        "> **DELETE**: this plan deletes 1 schedule(s) from the tenant (`--prune`):\n"
        "> - <code>c1</code> / Old (<code>sch-9</code>)\n\n"
        "| campaign | create | update | delete | unchanged | unmanaged |\n"
        "|---|--:|--:|--:|--:|--:|\n"
        "| <code>c1</code> | 1 | 1 | 1 | 0 | 0 |\n"
        "| <code>c2</code> | 0 | 0 | 0 | 1 | 1 |\n"
        "| **total** | 1 | 1 | 1 | 1 | 1 |\n\n"
    )
    assert text.count("<details>") == 3 and text.count("</details>") == 3
    assert "| <code>/dialerSettings/callRate</code> | <code>15</code> | <code>20</code> |\n" in text
    assert "- <code>c2</code> / Manual &lt;b&gt;\\|x (<code>sch-5</code>)\n" in text
    assert text.endswith(
        "Full plan: <code>plan.json</code> (saved with `--out`; in CI, the workflow's plan "
        "artifact)\n"
    )


def test_markdown_links_to_the_full_plan() -> None:
    text = render_plan(sample_plan(), "markdown", plan_link="https://ci.example/run/7")
    assert text.endswith("Full plan: [plan.json](https://ci.example/run/7)\n")
    bare = render_plan(sample_plan(), "markdown")
    assert bare.endswith("Full plan: run `cxsched plan --out plan.json` to save it\n")


def _big_plan(count: int) -> Plan:
    schedules = [
        _desired(
            f"c{i % 40}",
            f"Schedule {i:05d}",
            description=f"changed {i}" * (1 + i % 7),
            blackoutPeriods=[MLK],
        )
        for i in range(count)
    ]
    lives = [_live(f"c{i % 40}", f"s{i}", f"Schedule {i:05d}") for i in range(count)]
    return _plan(schedules, lives, prune=False)


def test_markdown_stays_under_the_comment_limit_and_points_to_the_plan_file() -> None:
    plan = _big_plan(2100)
    assert plan.counts().update == 2100
    text = render_plan(plan, "markdown", plan_file="plan.json")
    assert len(text) < 65_536
    assert len(text) <= MARKDOWN_LIMIT
    assert "Full plan: <code>plan.json</code>" in text
    kept = text.count("<details>")
    assert 0 < kept < 2100
    assert f"_Details of {2100 - kept} changed schedule(s) are left out to fit a PR comment" in text
    kept_ids = {int(i) for i in re.findall(r"Schedule (\d{5})</summary>", text)}
    assert len(kept_ids) == kept
    sizes = {i: 1 + i % 7 for i in range(2100)}  # how long each description is
    dropped_ids = set(sizes) - kept_ids
    assert max(sizes[i] for i in kept_ids) <= min(sizes[i] for i in dropped_ids)


def test_markdown_falls_back_to_counts_only() -> None:
    text = render_markdown(_big_plan(300), plan_file="plan.json", limit=2_000)
    assert len(text) < 2_000
    assert "<details>" not in text
    assert "_This plan is too large for a PR comment: only its counts are shown._" in text
    assert "| 0 | 300 | 0 | 0 | 0 |" in text
    assert "Full plan: <code>plan.json</code>" in text


def test_rendering_is_deterministic() -> None:
    for fmt in ("text", "markdown", "json"):
        first = render_plan(sample_plan(), fmt).encode()
        assert render_plan(sample_plan(), fmt).encode() == first


def test_json_format_is_the_plan_file() -> None:
    plan = sample_plan()
    text = render_plan(plan, "json")
    assert text == plan_text(plan)
    assert json.loads(text)["format_version"] == 2


def test_call_counts_line() -> None:
    counts: dict[tuple[str, int | str], int] = {
        ("POST /oauth/token", 200): 1,
        ("GET /api/v2/dialer/capacity", 200): 1,
        ("GET /x", "error"): 2,
    }
    assert render_call_counts(counts) == (
        "API calls: GET /api/v2/dialer/capacity 200 x1, GET /x error x2, POST /oauth/token 200 x1"
    )
    assert render_call_counts({}) == "API calls: none"
