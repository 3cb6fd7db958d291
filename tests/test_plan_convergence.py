"""Convergence against the real emulator: whatever is written, the next plan is a no-op."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cxone import CxoneClient, Settings
from reconciler.emulator import Emulator
from reconciler.model import DesiredSchedule
from reconciler.plan.build import plan_one
from reconciler.plan.normalise import canonical

_NAMES = itertools.count()
_ZONES = ("UTC", "America/New_York", "America/Los_Angeles", "Europe/Paris", "Asia/Kolkata")
_OFFSETS = st.sampled_from([-300, -240, -420, 0, 60, 330, 345]).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_BASE = datetime(2027, 1, 1, tzinfo=UTC)


@st.composite
def _span(draw: st.DrawFn) -> tuple[str, str]:
    """Two instants, start before end, each written with its own offset and precision."""
    start = _BASE + timedelta(seconds=draw(st.integers(0, 300 * 86_400)))
    start += timedelta(microseconds=draw(st.sampled_from([0, 250_000, 123_456])))
    end = start + timedelta(seconds=draw(st.integers(60, 90 * 86_400)))
    spec = draw(st.sampled_from(["seconds", "milliseconds", "microseconds"]))
    return (
        start.astimezone(draw(_OFFSETS)).isoformat(timespec=spec),
        end.astimezone(draw(_OFFSETS)).isoformat(timespec=spec),
    )


@st.composite
def _window(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.integers(0, 22 * 60))
    end = draw(st.integers(start + 1, 23 * 60 + 59))
    return {
        "startTime": f"{start // 60:02d}:{start % 60:02d}",
        "endTime": f"{end // 60:02d}:{end % 60:02d}",
        "timeZone": draw(st.sampled_from(_ZONES)),
        "enabled": draw(st.booleans()),
    }


@st.composite
def schedule_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """Valid desired bodies, written the ways a file may write them."""
    start, end = draw(_span())
    body: dict[str, Any] = {
        "name": f"Schedule {next(_NAMES)}",
        "startTime": start,
        "endTime": end,
        "timeZone": draw(st.sampled_from(_ZONES)),
        "dialerSettings": {
            "maxConcurrentCalls": draw(st.integers(1, 200)),
            "callRate": draw(st.sampled_from([1, 7.5, 15, 15.0, 29.99, 30])),
            "capacityThreshold": draw(st.sampled_from([0.1, 0.8, 1, 1.0])),
        },
    }
    if draw(st.booleans()):
        body["description"] = draw(st.sampled_from(["", "Q1 renewals", "Ünïcode ✓"]))
    if draw(st.booleans()):
        spans = draw(st.lists(_span(), max_size=3))
        body["blackoutPeriods"] = [
            {"startTime": s, "endTime": e, "reason": f"Holiday {i}"}
            for i, (s, e) in enumerate(spans)
        ]
    if draw(st.booleans()):
        body["regulatoryWindows"] = draw(st.lists(_window(), max_size=2))
    if draw(st.booleans()):
        body["optimizationSettings"] = {
            "useHistoricalAnswerRates": draw(st.booleans()),
            "peakHourBoost": draw(st.sampled_from([1, 1.0, 1.25, 2])),
        }
    return body


@pytest.fixture
def client(emulator: Emulator) -> Iterator[CxoneClient]:
    config = Settings.resolve(
        base_url=emulator.base_url,
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        env_file=None,
        rps=1000,
    )
    with CxoneClient(config) as api:
        yield api


def _desired(body: dict[str, Any]) -> DesiredSchedule:
    return DesiredSchedule(Path("schedules/c1/x.yaml"), "c1", body)


_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(body=schedule_bodies())
def test_a_created_schedule_reads_back_as_no_change(
    client: CxoneClient, body: dict[str, Any]
) -> None:
    created = client.create_schedule("c1", canonical(body))
    assert canonical(created.body) == canonical(body)
    assert plan_one(_desired(body), created).kind == "noop"


@_SETTINGS
@given(before=schedule_bodies(), after=schedule_bodies())
def test_a_merge_patch_update_converges(
    client: CxoneClient, before: dict[str, Any], after: dict[str, Any]
) -> None:
    live = client.create_schedule("c1", before)
    action = plan_one(_desired(after), live)
    assert action.kind == "update" and action.body is not None and action.base_version is not None
    updated = client.update_schedule("c1", live.schedule_id, action.body, action.base_version)
    assert plan_one(_desired(after), updated).kind == "noop"
    (reread,) = [s for s in client.list_schedules("c1") if s.schedule_id == live.schedule_id]
    assert canonical(reread.body) == canonical(after)
