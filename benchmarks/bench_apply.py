"""Plan and apply at scale against a rate-limited tenant: calls vs the minimum, time vs the bound.

N schedules (default 1,000) across N/20 campaigns are live on an emulator limited to R requests/s
(default 10) with 20 ms latency; the desired state changes 10% of them. One client (paced at R)
plans (token, capacity, one list per campaign page) and applies (one PATCH per change) on the
worker pool. Printed: calls made vs the minimum, 429s received (and whether any reached the
user as a failure), wall time vs the lower bound (calls / R). Targets: calls = minimum, no 429
reaching the user, wall <= 1.15 x bound.

    python benchmarks/bench_apply.py [--schedules 1000] [--rps 10] [--latency-ms 20] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from reconciler.apply.run import apply_plan
from reconciler.audit.trail import AuditTrail, run_context
from reconciler.config import RepoConfig
from reconciler.cxone import CxoneClient, Secret, Settings
from reconciler.emulator import Emulator
from reconciler.plan.build import make_plan, read_live
from reconciler.validate.desired import load_desired

PER_CAMPAIGN = 20
CHANGED_SHARE = 0.10
WALL_TARGET = 1.15


class Figures(NamedTuple):
    calls: int
    minimum: int
    rejected: int
    failed: int
    seconds: float
    plan_seconds: float
    apply_seconds: float


def _body(name: str, rate: float) -> dict[str, Any]:
    return {
        "name": name,
        "description": "benchmark",
        "startTime": "2027-01-04T08:00:00-05:00",
        "endTime": "2027-03-31T20:00:00-04:00",
        "timeZone": "America/New_York",
        "dialerSettings": {"maxConcurrentCalls": 10, "callRate": rate, "capacityThreshold": 0.8},
        "regulatoryWindows": [
            {
                "startTime": "09:00",
                "endTime": "20:00",
                "timeZone": "America/New_York",
                "enabled": True,
            }
        ],
    }


def _seed(emu: Emulator, root: Path, schedules: int) -> tuple[list[str], int]:
    """Live schedules on the emulator, desired files under root; every 10th one differs."""
    campaigns = [f"bench-{n:03d}" for n in range(max(1, schedules // PER_CAMPAIGN))]
    changed = 0
    for index in range(schedules):
        campaign = campaigns[index % len(campaigns)]
        name = f"schedule {index:05d}"
        differs = index % round(1 / CHANGED_SHARE) == 0
        changed += differs
        emu.create_schedule(campaign, _body(name, 10 if differs else 12))
        folder = root / campaign
        folder.mkdir(parents=True, exist_ok=True)
        document = {"formatVersion": 1, "campaignId": campaign, **_body(name, 12)}
        (folder / f"s{index:05d}.yaml").write_text(json.dumps(document), encoding="utf-8")
    return campaigns, changed


def run(schedules: int, rps: float, latency_ms: float, workers: int) -> Figures:
    with tempfile.TemporaryDirectory() as tmp, Emulator(rps=rps, latency_ms=latency_ms) as emu:
        root = Path(tmp) / "schedules"
        for n in range(max(1, schedules // PER_CAMPAIGN)):
            emu.add_campaign(f"bench-{n:03d}")
        campaigns, changed = _seed(emu, root, schedules)
        desired = load_desired([root], RepoConfig())
        errors = [f for f in desired.findings if f.severity == "error"]
        if errors or len(desired.schedules) != schedules:
            raise SystemExit(f"the generated files do not validate: {errors[:1]}")
        trail = AuditTrail(Path(tmp) / "trail.jsonl", run_context("bench apply"))
        settings = Settings(emu.base_url, emu.client_id, Secret(emu.client_secret), rps=rps)
        emu.reset_counters()
        began = time.perf_counter()
        with CxoneClient(settings) as client:
            limits = client.tenant_limits()
            live = read_live(client, campaigns)
            plan = make_plan(
                desired, live, RepoConfig(), limits=limits, prune=False, paths=[str(root)]
            )
            planned = time.perf_counter()
            result = apply_plan(client, plan, trail, desired=desired.schedules, workers=workers)
        ended = time.perf_counter()
        pages = sum(-(-max(1, len(items)) // 500) for items in live.values())
        return Figures(
            calls=emu.count(),
            minimum=1 + 1 + pages + changed,
            rejected=emu.rate_limited,
            failed=sum(r.outcome in ("failed", "conflict", "skipped") for r in result.results),
            seconds=ended - began,
            plan_seconds=planned - began,
            apply_seconds=ended - planned,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schedules", type=int, default=1000, help="N live schedules")
    parser.add_argument("--rps", type=float, default=10.0, help="tenant budget R (requests/s)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="emulator latency")
    parser.add_argument("--workers", type=int, default=4, help="apply worker threads")
    args = parser.parse_args()
    figures = run(args.schedules, args.rps, args.latency_ms, args.workers)
    bound = figures.minimum / args.rps
    ratio = figures.seconds / bound
    print(
        f"{args.schedules} schedules in {max(1, args.schedules // PER_CAMPAIGN)} campaigns, "
        f"{CHANGED_SHARE:.0%} changed; R = {args.rps:g}/s, latency {args.latency_ms:g} ms"
    )
    calls_ok, failed_ok = figures.calls == figures.minimum, figures.failed == 0
    print(f"calls made      {figures.calls} (minimum {figures.minimum})  {_mark(calls_ok)}")
    print(
        f"429s received   {figures.rejected}; actions failed {figures.failed}  {_mark(failed_ok)}"
    )
    print(
        f"wall time       {figures.seconds:.2f} s (plan {figures.plan_seconds:.2f} s, apply "
        f"{figures.apply_seconds:.2f} s); bound {bound:.2f} s; ratio {ratio:.3f} "
        f"(target <= {WALL_TARGET})  {_mark(ratio <= WALL_TARGET)}"
    )


def _mark(met: bool) -> str:
    return "[target met]" if met else "[TARGET MISSED]"


if __name__ == "__main__":
    main()
