"""The convergence law, for random desired and live states: after apply, a plan is empty."""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.apply.run import apply_plan
from reconciler.audit.trail import AuditTrail, run_context
from reconciler.audit.verify import verify_trail
from reconciler.config import RepoConfig
from reconciler.emulator import Emulator
from reconciler.model import TenantLimits
from reconciler.plan.build import make_plan, read_live
from reconciler.validate.desired import load_desired
from support.apply import body
from support.emulator import client_for

LIMITS = TenantLimits(200, 30.0)
_campaigns = itertools.count()
# The same instants written with different offsets: the canonical form must not care.
STARTS = ("2027-01-04T08:00:00-05:00", "2027-01-04T13:00:00Z", "2027-01-04T14:00:00+01:00")
BLACKOUTS = (
    {"startTime": "2027-02-01T00:00:00Z", "endTime": "2027-02-02T00:00:00Z", "reason": "A"},
    {"startTime": "2027-02-10T05:00:00+05:00", "endTime": "2027-02-11T00:00:00Z", "reason": "B"},
    {"startTime": "2027-03-01T00:00:00-08:00", "endTime": "2027-03-02T00:00:00Z", "reason": "C"},
)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


schedule = st.fixed_dictionaries(
    {
        "rate": st.sampled_from([5, 12.5, 15.0, 30]),
        "description": st.sampled_from(["", "day shift", "Überstunden ✓"]),
        "start": st.sampled_from(STARTS),
        "blackouts": st.lists(st.sampled_from(BLACKOUTS), unique_by=lambda b: b["reason"]),
        "boost": st.none() | st.sampled_from([1.0, 1.25, 2]),
        "live": st.sampled_from(["absent", "equal", "drifted", "reordered"]),
    }
)


def _body(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    out = body(name, rate=spec["rate"], description=spec["description"])
    out["startTime"] = spec["start"]
    if spec["blackouts"]:
        out["blackoutPeriods"] = list(spec["blackouts"])
    if spec["boost"] is not None:
        boost = spec["boost"]
        out["optimizationSettings"] = {"useHistoricalAnswerRates": True, "peakHourBoost": boost}
    return out


def _live_body(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    out = _body(name, spec)
    if spec["live"] == "drifted":
        out["dialerSettings"] = {**out["dialerSettings"], "callRate": 7}
        out["description"] = "hand edit"
    elif spec["live"] == "reordered":
        out["blackoutPeriods"] = list(reversed(spec["blackouts"]))
        out["startTime"] = STARTS[(STARTS.index(spec["start"]) + 1) % len(STARTS)]
    return out


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(schedule, min_size=1, max_size=4))
def test_apply_then_plan_is_empty(emu: Emulator, specs: list[dict[str, Any]]) -> None:
    campaign = f"p{next(_campaigns)}"
    emu.add_campaign(campaign)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "schedules" / campaign
        root.mkdir(parents=True)
        for index, spec in enumerate(specs):
            name = f"schedule {index}"
            document = {"formatVersion": 1, "campaignId": campaign, **_body(name, spec)}
            (root / f"s{index}.yaml").write_text(json.dumps(document), encoding="utf-8")
            if spec["live"] != "absent":
                emu.create_schedule(campaign, _live_body(name, spec))
        desired = load_desired([root], RepoConfig())
        assert not desired.has_errors(), desired.findings
        trail = AuditTrail(Path(tmp) / "trail.jsonl", run_context("apply"))
        with client_for(emu) as api:
            before = make_plan(desired, read_live(api, [campaign]), RepoConfig(), **_opts())
            result = apply_plan(api, before, trail, desired=desired.schedules)
            assert result.ok, result
            after = make_plan(desired, read_live(api, [campaign]), RepoConfig(), **_opts())
        assert not after.has_changes, [a for a in after.actions if a.is_change]
        equal = sum(spec["live"] in ("equal", "reordered") for spec in specs)
        assert before.counts().noop == equal  # no phantom diff from offsets, order or floats
        assert verify_trail(trail.path).ok


def _opts() -> dict[str, Any]:
    return {"limits": LIMITS, "prune": False, "paths": ["schedules"]}
