"""How close the client runs to the tenant's request budget without being refused.

For 1, 4 and 16 worker threads sharing one client paced at R requests/s, send N schedule reads
to an emulator whose tenant-wide limit is also R, and print the achieved rate / R (target >= 0.9)
and the 429s received (target 0).

    python benchmarks/bench_client.py [--rps 10] [--calls 200] [--threads 1,4,16]
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import NamedTuple

from reconciler.cxone import CxoneClient, Secret, Settings
from reconciler.emulator import Emulator

_BODY = {
    "name": "Benchmark",
    "startTime": "2026-12-01T17:00:00Z",
    "endTime": "2026-12-01T20:00:00Z",
    "timeZone": "UTC",
}


class Result(NamedTuple):
    threads: int
    calls: int
    seconds: float
    rejected: int

    def rate(self) -> float:
        return self.calls / self.seconds


def run(rps: float, calls: int, threads: int) -> Result:
    """N reads over `threads` workers, timed from the first send to the last answer."""
    with Emulator(campaigns=("c1",), rps=rps) as emu:
        schedule_id = str(emu.create_schedule("c1", _BODY)["id"])
        settings = Settings(emu.base_url, emu.client_id, Secret(emu.client_secret), rps=rps)
        with CxoneClient(settings) as client:
            client.tenant_limits()  # the token and one call before the clock starts
            emu.reset_counters()
            shares = [calls // threads + (i < calls % threads) for i in range(threads)]
            began = time.perf_counter()
            workers = [
                threading.Thread(target=_read, args=(client, schedule_id, n)) for n in shares
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            seconds = time.perf_counter() - began
        return Result(threads, calls, seconds, emu.rate_limited)


def _read(client: CxoneClient, schedule_id: str, count: int) -> None:
    for _ in range(count):
        client.get_schedule("c1", schedule_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=10.0, help="budget R (requests/s)")
    parser.add_argument("--calls", type=int, default=200, help="N calls per run")
    parser.add_argument("--threads", default="1,4,16", help="worker counts, comma-separated")
    args = parser.parse_args()
    print(f"budget R = {args.rps:g} requests/s, N = {args.calls} calls per run")
    print(f"{'threads':>7} {'seconds':>8} {'achieved/s':>10} {'rate / R':>8} {'429s':>5}")
    for threads in (int(part) for part in args.threads.split(",")):
        result = run(args.rps, args.calls, threads)
        ratio = result.rate() / args.rps
        print(
            f"{threads:>7} {result.seconds:>8.2f} {result.rate():>10.2f} {ratio:>8.3f} "
            f"{result.rejected:>5}"
        )


if __name__ == "__main__":
    main()
