"""optimize over 50 campaigns x 14 days of hourly buckets: calls made vs pages needed, CPU time.

Starts the emulator on loopback with 50 campaigns (one America/New_York schedule each), runs
`reconciler.analytics.optimize.advise.optimize` through the real client, and prints:
- the analytics calls made and the pages the buckets need (ceil(buckets / page size) per
  campaign): they should be equal, one paginated query per campaign;
- the CPU seconds of the analysis alone (answer rates + recommendations over buckets already
  read), target < 1 s, and the wall time of the whole run.

    python benchmarks/bench_optimize.py [--campaigns 50] [--days 14]
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import UTC, datetime
from pathlib import Path

from reconciler.analytics.optimize.advise import advise, analysis_period, optimize
from reconciler.api.protocol import AnalyticsQuery
from reconciler.cxone import CxoneClient, Settings
from reconciler.emulator import Emulator
from reconciler.model import DesiredSchedule

NOW = datetime(2027, 3, 20, tzinfo=UTC)
ANALYTICS = "POST /api/v2/analytics/campaigns/details/query"


def _body(index: int) -> dict[str, object]:
    return {
        "name": f"Weekdays {index}",
        "startTime": "2027-01-04T08:00:00-05:00",
        "endTime": "2027-12-31T21:00:00-05:00",
        "timeZone": "America/New_York",
        "regulatoryWindows": [
            {
                "startTime": "08:00",
                "endTime": "21:00",
                "timeZone": "America/New_York",
                "enabled": True,
            }
        ],
        "dialerSettings": {"maxConcurrentCalls": 40, "callRate": 20, "capacityThreshold": 0.8},
        "optimizationSettings": {"useHistoricalAnswerRates": True, "peakHourBoost": 1.2},
    }


def _queries(queries: tuple[AnalyticsQuery, ...]) -> list[tuple[str, AnalyticsQuery]]:
    return [(q.campaign_id, q) for q in queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    ids = [f"bench-{i:03d}" for i in range(args.campaigns)]
    schedules = [DesiredSchedule(Path(f"{c}.yaml"), c, _body(i)) for i, c in enumerate(ids)]
    with Emulator(campaigns=ids) as emu:
        for schedule in schedules:
            emu.create_schedule(schedule.campaign_id, dict(schedule.body))
        settings = Settings.resolve(
            base_url=emu.base_url,
            client_id=emu.client_id,
            client_secret=emu.client_secret,
            env_file=None,
            rps=1000,
        )
        with CxoneClient(settings) as client:
            wall = time.perf_counter()
            report = optimize(client, schedules, now=NOW, days=args.days)
            wall = time.perf_counter() - wall
            calls = emu.count(endpoint=ANALYTICS)
            buckets = {c: tuple(client.query_analytics(q)) for c, q in _queries(report.queries)}
    size = AnalyticsQuery("x", "hour", "", "").page_size
    pages = sum(max(1, math.ceil(len(b) / size)) for b in buckets.values())
    cpu = time.process_time()
    period = analysis_period(NOW, args.days)
    for schedule in schedules:
        advise(schedule, buckets[schedule.campaign_id], period, report.limits, 100)
    cpu = time.process_time() - cpu
    total = sum(len(b) for b in buckets.values())
    changed = sum(1 for a in report.advice if a.changes)
    print(f"campaigns: {len(ids)}, days: {args.days}, hourly buckets: {total}")
    print(f"analytics calls made by optimize: {calls} (pages needed: {pages})")
    print(f"analysis CPU: {cpu:.3f} s (target < 1 s); whole run wall time: {wall:.2f} s")
    print(f"schedules with a recommended change: {changed} of {len(schedules)}")


if __name__ == "__main__":
    main()
