"""How much the calling-law proof adds to `cxsched validate`.

Generates N schedule files (default 10,000) over 20 campaigns, each declaring 5 US
jurisdictions and spanning 90 days (60 different start dates, two blackouts each, four
windows), then times `load_desired` over them with the proof switched off (validate as it was
before the proof) and on, and `cxsched validate` end to end. Prints both figures and their
ratio. Target: the proof at most doubles validate's time.

    python benchmarks/bench_laws.py [-n 10000] [--repeat 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import bench_validate
from bench_validate import write_schedules

from reconciler.validate.rules import schedule as schedule_rules

#: States whose rules allow 09:00-20:00 every day of 2027 (no Sunday or holiday bans).
_STATES = (
    "US-NY", "US-NJ", "US-IL", "US-MO", "US-WI", "US-CO", "US-CA", "US-WA", "US-FL", "US-MA",
    "US-MD", "US-OK", "US-VA", "US-NC", "US-MI", "US-MN", "US-OH", "US-GA", "US-CT", "US-TN",
)  # fmt: skip

_NEW_YORK = ZoneInfo("America/New_York")

_TEMPLATE = """\
# yaml-language-server: $schema=../../schemas/schedule.schema.json
formatVersion: 1
campaignId: {campaign}
name: Generated schedule {index}
audience:
  jurisdictions: [{jurisdictions}]
  purpose: telemarketing
startTime: "{start}"
endTime: "{end}"
timeZone: America/New_York
blackoutPeriods:
  - startTime: "{b1}"
    endTime: "{b1_end}"
    reason: Company holiday
  - startTime: "{b2}"
    endTime: "{b2_end}"
    reason: Systems maintenance
dialerSettings:
  maxConcurrentCalls: {calls}
  callRate: {rate}
  capacityThreshold: 0.8
regulatoryWindows:
  - {{startTime: "09:00", endTime: "20:00", timeZone: America/New_York, enabled: true}}
  - {{startTime: "09:00", endTime: "20:00", timeZone: America/Chicago, enabled: true}}
  - {{startTime: "09:00", endTime: "20:00", timeZone: America/Denver, enabled: true}}
  - {{startTime: "09:00", endTime: "20:00", timeZone: America/Los_Angeles, enabled: true}}
optimizationSettings:
  useHistoricalAnswerRates: true
  peakHourBoost: 1.25
"""


def generate(root: Path, count: int) -> None:
    """Write `count` legal schedule files under `root`/schedules (many cross the DST change)."""
    write_schedules(root, count, _text)


def _text(index: int) -> str:
    start = date(2027, 1, 4) + timedelta(days=index % 60)
    states = ", ".join(_STATES[(index + k * 3) % len(_STATES)] for k in range(5))
    b1, b2 = start + timedelta(days=10 + index % 7), start + timedelta(days=40 + index % 11)
    return _TEMPLATE.format(
        campaign=f"campaign-{index % 20:02d}",
        index=index,
        jurisdictions=states,
        start=_stamp(start, 9),
        end=_stamp(start + timedelta(days=89), 20),
        b1=_stamp(b1, 0),
        b1_end=_stamp(b1 + timedelta(days=1), 0),
        b2=_stamp(b2, 0),
        b2_end=_stamp(b2 + timedelta(days=1), 0),
        calls=10 + index % 50,
        rate=5 + index % 20,
    )


def _stamp(day: date, hour: int) -> str:
    """Local `hour` of `day` in New York, with the offset of that date."""
    return datetime.combine(day, dt_time(hour), tzinfo=_NEW_YORK).isoformat()


def time_library(root: Path, workers: int | None, proof: bool) -> float:
    """Seconds of `load_desired` over `root`/schedules, with or without the proof."""
    original: Callable[..., None] = getattr(schedule_rules, "check_laws")  # noqa: B009
    if not proof:  # forked workers inherit the switch
        setattr(schedule_rules, "check_laws", lambda *args: None)  # noqa: B010
    try:
        return bench_validate.time_library(root, workers)
    finally:
        setattr(schedule_rules, "check_laws", original)  # noqa: B010


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the calling-law proof in validate.")
    parser.add_argument("-n", "--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxsched-bench-laws-") as folder:
        root = Path(folder)
        generate(root, args.files)
        print(f"{args.files} files x 5 jurisdictions x 90 days, {os.cpu_count()} CPUs, best of "
              f"{args.repeat}")  # fmt: skip
        runs = [(time_library(root, args.workers, False), time_library(root, args.workers, True))
                for _ in range(args.repeat)]  # fmt: skip
        without, with_proof = min(run[0] for run in runs), min(run[1] for run in runs)
        cli = min(bench_validate.time_cli(root, pure=False) for _ in range(args.repeat))
        print(f"load_desired without the proof  {without:6.2f} s")
        print(f"load_desired with the proof     {with_proof:6.2f} s")
        print(f"ratio                           {with_proof / without:6.2f} x  (target <= 2.00)")
        print(f"cxsched validate (process)      {cli:6.2f} s")


if __name__ == "__main__":
    main()
