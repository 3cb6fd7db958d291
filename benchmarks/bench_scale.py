"""Plan and apply at scale: how close `cxsched plan` and `cxsched apply` come to the tenant's bound.

For each size N (default 1,000 and 10,000; `--large` or CXSCHED_BENCH_LARGE=1 adds 50,000),
N realistic schedule files over 50 campaigns are generated in a temporary folder, and the same
schedules are seeded on an emulator running in its own process, limited to R requests/s
(default 10), 10% of them with another call rate. Then, each as a `cxsched` process:

- `cxsched plan schedules --out plan.json` (`--repeat` runs, the median shown; the peak RSS
  is the highest of them): wall time against the API bound (the minimum of
  calls / R: a token, the capacity, one list per campaign page) and against max(bound, CPU),
  the process's CPU (with its validation workers), its peak RSS, the plan file's size, and the
  calls made against the minimum. Target: wall <= 1.2 x max(bound, CPU), calls = minimum.
- `cxsched apply plan.json`: the time to its first write (loading the plan and re-validating
  the files) and its wall time against its bound (a token and one write per change, / R).
  Target: wall <= 1.05 x bound, calls = minimum.

    python benchmarks/bench_scale.py [--sizes 1000,10000] [--large] [--rps 10] [--repeat 3]
                                     [--skip-apply]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from bench_validate import TEMPLATE, schedule_fields, write_schedules

CAMPAIGNS = 50
CHANGED_EVERY = 10  # 10% of the schedules differ on the tenant
PAGE = 500
PLAN_TARGET = 1.2
APPLY_TARGET = 1.05
WRITES = ("POST /api/v2/campaigns/", "PATCH /api/v2/campaigns/", "DELETE /api/v2/campaigns/")


def _fields(index: int) -> dict[str, Any]:
    return schedule_fields(index, CAMPAIGNS)


def _live_body(fields: dict[str, Any], changed: bool) -> dict[str, Any]:
    """The body the tenant holds for the file made of `fields`; `changed`: another callRate."""
    month = fields["month"]
    return {
        "name": f"Generated schedule {fields['index']}",
        "description": f"Benchmark schedule {fields['index']} of campaign {fields['campaign']}.",
        "startTime": f"2027-{month:02d}-01T08:00:00-05:00",
        "endTime": f"2027-{month:02d}-28T21:00:00-05:00",
        "timeZone": "America/New_York",
        "blackoutPeriods": [
            {
                "startTime": f"2027-{month:02d}-{day}T00:00:00-05:00",
                "endTime": f"2027-{month:02d}-{day + 1}T00:00:00-05:00",
                "reason": reason,
            }
            for day, reason in ((10, "Company holiday"), (20, "Systems maintenance"))
        ],
        "dialerSettings": {
            "maxConcurrentCalls": fields["calls"],
            "callRate": fields["rate"] + (1 if changed else 0),
            "capacityThreshold": 0.8,
        },
        "regulatoryWindows": [
            {"startTime": "08:00", "endTime": "21:00", "timeZone": zone, "enabled": True}
            for zone in ("America/New_York", "America/Chicago")
        ],
        "optimizationSettings": {"useHistoricalAnswerRates": True, "peakHourBoost": 1.25},
    }


def generate(root: Path, count: int) -> None:
    """The desired files: schedules/<campaign>/schedule-NNNNN.yaml."""
    write_schedules(root, count, lambda index: TEMPLATE.format(**_fields(index)), CAMPAIGNS)


# -- the emulator, in its own process ----------------------------------------------------------


def _serve(count: int, rps: float, conn: Connection) -> None:
    """The emulator's process: seed, then answer 'counters', 'reset' and 'stop' on `conn`."""
    from reconciler.emulator import Emulator

    campaigns = [f"campaign-{n:02d}" for n in range(CAMPAIGNS)]
    with Emulator(campaigns=campaigns, rps=rps) as emu:
        for index in range(count):
            fields = _fields(index)
            changed = index % CHANGED_EVERY == 0
            emu.create_schedule(fields["campaign"], _live_body(fields, changed))
        conn.send(emu.client_env())
        while True:
            command = conn.recv()
            if command == "counters":
                conn.send(emu.counters())
            elif command == "reset":
                emu.reset_counters()
                conn.send(None)
            else:
                conn.send(None)
                return


class Tenant:
    """The emulator process and the pipe that drives it."""

    def __init__(self, count: int, rps: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(count, rps, child), daemon=True)
        self._process.start()
        self._lock = threading.Lock()
        self.env: dict[str, str] = self._conn.recv()

    def ask(self, command: str) -> Any:
        with self._lock:
            self._conn.send(command)
            return self._conn.recv()

    def calls(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (endpoint, status), number in self.ask("counters").items():
            key = f"{endpoint} {status}"
            counts[key] = counts.get(key, 0) + number
        return counts

    def close(self) -> None:
        self.ask("stop")
        self._process.join(30)


# -- the cxsched processes ---------------------------------------------------------------------


class Run(NamedTuple):
    wall: float
    cpu: float
    peak_mib: float
    first_write: float | None


def _cxsched(args: Sequence[str], root: Path, env: dict[str, str], tenant: Tenant) -> Run:
    """Run `cxsched ARGS` in `root`; its wall, CPU (its children's too), peak RSS and the
    moment the tenant saw its first write (polled every 20 ms)."""
    command = [str(Path(sys.executable).with_name("cxsched")), *args]
    started = time.perf_counter()
    first: list[float] = []
    errors = (root / "stderr.txt").open("w+b")
    process = subprocess.Popen(
        command, cwd=root, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=errors
    )
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if any(key.startswith(WRITES) for key in tenant.calls()):
                first.append(time.perf_counter() - started)
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    watcher.join()
    errors.seek(0)
    said = errors.read().decode("utf-8", "replace")
    errors.close()
    if process.returncode != 0:
        raise SystemExit(f"cxsched {' '.join(args)} exited {process.returncode}:\n{said}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, usage.ru_maxrss / 1024, first[0] if first else None)


class Figures(NamedTuple):
    schedules: int
    plan: Run
    plan_bound: float
    plan_calls: int
    plan_minimum: int
    plan_bytes: int
    apply: Run | None
    apply_bound: float
    apply_calls: int
    apply_minimum: int


def measure(count: int, rps: float, skip_apply: bool, repeat: int) -> Figures:
    tenant = Tenant(count, rps)
    try:
        with tempfile.TemporaryDirectory(prefix="cxsched-scale-") as folder:
            root = Path(folder)
            generate(root, count)
            env = {**tenant.env, "CXONE_RPS": f"{rps:g}", "CXSCHED_ACTOR": "bench"}
            per_campaign = [len(range(n, count, CAMPAIGNS)) for n in range(CAMPAIGNS)]
            pages = sum(-(-max(1, size) // PAGE) for size in per_campaign)
            plan_minimum = 2 + pages
            runs: list[tuple[Run, int]] = []
            for _ in range(repeat):
                tenant.ask("reset")
                run = _cxsched(["plan", "schedules", "--out", "plan.json"], root, env, tenant)
                runs.append((run, sum(tenant.calls().values())))
            plan, plan_calls = sorted(runs)[len(runs) // 2]  # the median wall time
            plan = plan._replace(peak_mib=max(run.peak_mib for run, _ in runs))
            size = (root / "plan.json").stat().st_size
            changes = len(range(0, count, CHANGED_EVERY))
            apply_minimum = 1 + changes
            applied: Run | None = None
            apply_calls = 0
            if not skip_apply:
                tenant.ask("reset")
                applied = _cxsched(["apply", "plan.json"], root, env, tenant)
                apply_calls = sum(tenant.calls().values())
            return Figures(
                schedules=count,
                plan=plan,
                plan_bound=plan_minimum / rps,
                plan_calls=plan_calls,
                plan_minimum=plan_minimum,
                plan_bytes=size,
                apply=applied,
                apply_bound=apply_minimum / rps,
                apply_calls=apply_calls,
                apply_minimum=apply_minimum,
            )
    finally:
        tenant.close()


def report(figures: Figures) -> None:
    plan = figures.plan
    limit = max(figures.plan_bound, plan.cpu)
    print(
        f"{figures.schedules:,} schedules in {CAMPAIGNS} campaigns, 10% changed "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  plan   wall {plan.wall:6.2f} s = {plan.wall / figures.plan_bound:.2f} x API bound "
        f"{figures.plan_bound:.1f} s, {plan.wall / limit:.2f} x max(bound, CPU) "
        f"(target <= {PLAN_TARGET})  {_mark(plan.wall <= PLAN_TARGET * limit)}"
    )
    print(
        f"         CPU {plan.cpu:.2f} s, peak RSS {plan.peak_mib:.0f} MiB, plan file "
        f"{figures.plan_bytes / 1e6:.1f} MB ({figures.plan_bytes / figures.schedules / 1e3:.2f} "
        f"KB/schedule)"
    )
    print(
        f"         calls {figures.plan_calls} (minimum {figures.plan_minimum})  "
        f"{_mark(figures.plan_calls == figures.plan_minimum)}"
    )
    applied = figures.apply
    if applied is None:
        return
    first = f"{applied.first_write:.2f} s" if applied.first_write is not None else "none"
    ratio = applied.wall / figures.apply_bound
    print(
        f"  apply  wall {applied.wall:6.2f} s = {ratio:.3f} x bound {figures.apply_bound:.1f} s "
        f"(target <= {APPLY_TARGET})  {_mark(ratio <= APPLY_TARGET)}"
    )
    print(
        f"         first write after {first}; CPU {applied.cpu:.2f} s, peak RSS "
        f"{applied.peak_mib:.0f} MiB; calls {figures.apply_calls} (minimum "
        f"{figures.apply_minimum})  {_mark(figures.apply_calls == figures.apply_minimum)}"
    )


def _mark(met: bool) -> str:
    return "[target met]" if met else "[TARGET MISSED]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated N")
    parser.add_argument("--large", action="store_true", help="add 50,000 schedules")
    parser.add_argument("--rps", type=float, default=10.0, help="tenant budget R (requests/s)")
    parser.add_argument("--skip-apply", action="store_true", help="measure plan only")
    parser.add_argument("--repeat", type=int, default=3, help="plan runs (the median is shown)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    if args.large or os.environ.get("CXSCHED_BENCH_LARGE", "") not in ("", "0"):
        sizes.append(50_000)
    print(
        f"R = {args.rps:g} requests/s, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; emulator in its own process; plan: median of {args.repeat}"
    )
    for count in sizes:
        sys.stdout.flush()
        report(measure(count, args.rps, args.skip_apply, max(1, args.repeat)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
