"""How fast `cxsched validate` checks a large tree of schedule files.

Generates N realistic schedule files (default 10,000) spread over 20 campaigns in a temporary
folder, then times `cxsched validate` over them end to end (a subprocess, so interpreter start,
imports and output are included) and the library call `load_desired` alone. Prints files per
second. Target: 10,000 files in under 3 s on a 2-core machine.

    python benchmarks/bench_validate.py [-n 10000] [--repeat 3] [--workers N] [--pure]

The schema check uses `jsonschema-rs`, when installed, as a fast pre-check; `--pure` hides it
to time `jsonschema` alone.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.config import RepoConfig
from reconciler.validate.desired import load_desired

TEMPLATE = """\
# yaml-language-server: $schema=../../schemas/schedule.schema.json
formatVersion: 1
campaignId: {campaign}
name: Generated schedule {index}
description: Benchmark schedule {index} of campaign {campaign}.
startTime: "2027-{month:02d}-01T08:00:00-05:00"
endTime: "2027-{month:02d}-28T21:00:00-05:00"
timeZone: America/New_York
blackoutPeriods:
  - startTime: "2027-{month:02d}-10T00:00:00-05:00"
    endTime: "2027-{month:02d}-11T00:00:00-05:00"
    reason: Company holiday
  - startTime: "2027-{month:02d}-20T00:00:00-05:00"
    endTime: "2027-{month:02d}-21T00:00:00-05:00"
    reason: Systems maintenance
dialerSettings:
  maxConcurrentCalls: {calls}
  callRate: {rate}
  capacityThreshold: 0.8
regulatoryWindows:
  - startTime: "08:00"
    endTime: "21:00"
    timeZone: America/New_York
    enabled: true
  - startTime: "08:00"
    endTime: "21:00"
    timeZone: America/Chicago
    enabled: true
optimizationSettings:
  useHistoricalAnswerRates: true
  peakHourBoost: 1.25
"""


def schedule_fields(index: int, campaigns: int = 20) -> dict[str, Any]:
    """The values `TEMPLATE` is filled with for schedule number `index`."""
    return {
        "campaign": f"campaign-{index % campaigns:02d}",
        "index": index,
        "month": 1 + index % 2,
        "calls": 10 + index % 50,
        "rate": 5 + index % 20,
    }


def write_schedules(
    root: Path, count: int, text_of: Callable[[int], str], campaigns: int = 20
) -> None:
    """Write `text_of(index)` for `count` schedules to
    `root`/schedules/campaign-NN/schedule-NNNNN.yaml, round robin over `campaigns`."""
    for index in range(count):
        folder = root / "schedules" / f"campaign-{index % campaigns:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"schedule-{index:05d}.yaml").write_text(text_of(index), encoding="utf-8")


def generate(root: Path, count: int) -> None:
    """Write `count` valid schedule files under `root`/schedules (winter months only)."""
    write_schedules(root, count, lambda index: TEMPLATE.format(**schedule_fields(index)))


_PURE = (
    "import sys; sys.modules['jsonschema_rs'] = None; "
    "from reconciler.cli import main; main(prog_name='cxsched')"
)


def time_cli(root: Path, pure: bool) -> float:
    cxsched = [str(Path(sys.executable).with_name("cxsched"))]
    command = [sys.executable, "-c", _PURE] if pure else cxsched
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "validate", "schedules"], cwd=root, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"validate failed:\n{done.stdout.decode()}{done.stderr.decode()}")
    return elapsed


def time_library(root: Path, workers: int | None) -> float:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    previous = Path.cwd()
    os.chdir(root)
    try:
        started = time.perf_counter()
        state = load_desired([Path("schedules")], RepoConfig(), now=now, workers=workers)
        elapsed = time.perf_counter() - started
    finally:
        os.chdir(previous)
    if state.findings:
        raise SystemExit(f"unexpected findings: {state.findings[:3]}")
    return elapsed


def _has_rs() -> bool:
    try:
        import jsonschema_rs  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description="Time cxsched validate over N files.")
    parser.add_argument("-n", "--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="library run only")
    parser.add_argument("--pure", action="store_true", help="without jsonschema-rs")
    args = parser.parse_args()
    if args.pure:
        sys.modules["jsonschema_rs"] = None  # type: ignore[assignment]
    engine = "jsonschema" if args.pure or not _has_rs() else "jsonschema-rs pre-check + jsonschema"
    with tempfile.TemporaryDirectory(prefix="cxsched-bench-") as folder:
        root = Path(folder)
        generate(root, args.files)
        print(f"{args.files} files, {os.cpu_count()} CPUs, best of {args.repeat}, {engine}")
        runs = (
            ("cxsched validate (process)", functools.partial(time_cli, root, args.pure)),
            ("load_desired (library)", functools.partial(time_library, root, args.workers)),
        )
        for label, run in runs:
            best = min(run() for _ in range(args.repeat))
            print(f"{label:28} {best:6.2f} s  {args.files / best:8,.0f} files/s")


if __name__ == "__main__":
    main()
