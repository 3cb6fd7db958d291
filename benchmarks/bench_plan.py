"""Plan CPU time: make_plan and the renderers over generated schedules, without HTTP.

Generates N desired schedules across 50 campaigns and their live counterparts as the server
renders them (UTC `Z` with milliseconds, floats, empty lists omitted), with 10% of them changed,
then times `make_plan` and each renderer in CPU seconds. Target: under 3 s for 10,000.

    python benchmarks/bench_plan.py [--schedules 10000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from reconciler.config import RepoConfig
from reconciler.model import DesiredSchedule, LiveSchedule, TenantLimits
from reconciler.plan.build import Plan, make_plan
from reconciler.plan.render import PlanFormat, render_plan
from reconciler.validate.desired import DesiredState

CAMPAIGNS = 50
TARGET_S = 3.0


def _desired_body(index: int) -> dict[str, Any]:
    start = datetime(2027, 1, 4, 8) + timedelta(days=index % 60)
    holidays = [
        {
            "startTime": f"2027-{month:02d}-15T00:00:00-05:00",
            "endTime": f"2027-{month:02d}-16T00:00:00-05:00",
            "reason": f"Holiday {month}",
        }
        for month in range(1, 1 + index % 4)
    ]
    body: dict[str, Any] = {
        "name": f"Schedule {index:05d}",
        "startTime": start.isoformat() + "-05:00",
        "endTime": (start + timedelta(days=90)).isoformat() + "-05:00",
        "timeZone": "America/New_York",
        "dialerSettings": {
            "maxConcurrentCalls": 10 + index % 50,
            "callRate": 15,
            "capacityThreshold": 0.8,
        },
        "regulatoryWindows": [
            {
                "startTime": "08:00",
                "endTime": "21:00",
                "timeZone": "America/New_York",
                "enabled": True,
            }
        ],
    }
    if holidays:
        body["blackoutPeriods"] = holidays
    return body


def _render_server(value: Any, key: str = "") -> Any:
    """The server's rendering of a body: UTC Z with milliseconds, floats, no empty lists."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and key in ("startTime", "endTime") and "T" in value:
        utc = datetime.fromisoformat(value).astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dict):
        return {k: _render_server(v, k) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [_render_server(item, key) for item in value]
    return value


def _live_body(index: int, desired: dict[str, Any]) -> dict[str, Any]:
    body = _render_server(desired)
    if index % 10 == 0:  # 10% drifted: a call rate and a blackout edited on the tenant
        body["dialerSettings"]["callRate"] = 20.0
        body["blackoutPeriods"] = [
            {
                "startTime": "2027-07-05T04:00:00.000Z",
                "endTime": "2027-07-06T04:00:00.000Z",
                "reason": "July 4th",
            }
        ]
    return {
        "id": f"sch-{index:05d}",
        "etag": f'"{index}"',
        "createdAt": "2026-11-01T00:00:00.000Z",
        **body,
    }


def generate(count: int) -> tuple[DesiredState, dict[str, list[LiveSchedule]]]:
    schedules: list[DesiredSchedule] = []
    live: dict[str, list[LiveSchedule]] = {}
    for index in range(count):
        campaign = f"campaign-{index % CAMPAIGNS:02d}"
        body = _desired_body(index)
        path = Path("schedules") / campaign / f"schedule-{index:05d}.yaml"
        schedules.append(DesiredSchedule(path, campaign, body))
        server = _live_body(index, body)
        live.setdefault(campaign, []).append(
            LiveSchedule(campaign, server["id"], server["etag"], server)
        )
    files = tuple(item.path for item in schedules)
    state = DesiredState(
        schedules=tuple(schedules), findings=(), files=files, digest="sha256:bench"
    )
    return state, live


def _cpu(label: str, work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = work()
    elapsed = time.process_time() - start
    print(f"  {label:<22} {elapsed:6.2f} s CPU")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    count = parser.parse_args().schedules
    desired, live = generate(count)
    print(f"plan benchmark: {count} schedules in {CAMPAIGNS} campaigns, 10% changed")
    config, limits = RepoConfig(), TenantLimits(200, 30.0)
    planned, plan = _cpu(
        "make_plan",
        lambda: make_plan(desired, live, config, limits=limits, prune=False, paths=["schedules"]),
    )
    assert isinstance(plan, Plan)
    total = planned
    formats: tuple[PlanFormat, ...] = ("text", "markdown", "json")
    for fmt in formats:
        elapsed, _ = _cpu(f"render {fmt}", partial(render_plan, plan, fmt))
        total += elapsed
    counts = plan.counts()
    print(f"  {'changes':<22} {counts.update} updates, {counts.noop} unchanged")
    verdict = "meets" if total < TARGET_S else "MISSES"
    print(
        f"total {total:.2f} s CPU (make_plan + 3 renderings); {verdict} the {TARGET_S:.0f} s target"
    )


if __name__ == "__main__":
    main()
