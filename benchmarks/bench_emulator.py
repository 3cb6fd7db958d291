"""Emulator throughput on loopback: keep-alive sessions, rate limit off, list and get calls.

Usage: python benchmarks/bench_emulator.py [--requests 3000] [--clients 4]
The emulator runs in this process as tests run it; the clients run in their own processes
(one keep-alive session each) so that their own CPU time does not compete for this process.
Prints requests per second (the target is at least 500) and latency percentiles.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import requests

from reconciler.emulator import Emulator

BODY = {
    "startTime": "2026-12-01T08:00:00-05:00",
    "endTime": "2027-03-01T00:00:00Z",
    "timeZone": "America/New_York",
    "dialerSettings": {"maxConcurrentCalls": 50, "callRate": 15, "capacityThreshold": 0.8},
}


def _token(emulator: Emulator) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
    }
    answer = requests.post(f"{emulator.base_url}/oauth/token", data=form, timeout=5)
    return str(answer.json()["access_token"])


def _client(base_url: str, paths: list[str], token: str) -> list[float]:
    """GET every path over one keep-alive session; the latency of each."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    with requests.Session() as session:
        for path in paths:
            started = time.perf_counter()
            answer = session.get(f"{base_url}{path}", headers=headers, timeout=10)
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {path} answered {answer.status_code}")
    return latencies


def _warm_up() -> None:
    """Nothing: makes the pool start its processes before the clock starts."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with Emulator(campaigns=("c1",)) as emulator:
        ids = [emulator.create_schedule("c1", {**BODY, "name": f"s{i}"})["id"] for i in range(20)]
        token = _token(emulator)
        paths = [
            "/api/v2/campaigns/c1/schedules"
            if i % 2
            else f"/api/v2/campaigns/c1/schedules/{ids[i % len(ids)]}"
            for i in range(args.requests)
        ]
        shares = [paths[i :: args.clients] for i in range(args.clients)]
        spawn = multiprocessing.get_context("spawn")  # never fork a process running threads
        with ProcessPoolExecutor(args.clients, mp_context=spawn) as pool:
            for done in [pool.submit(_warm_up) for _ in range(args.clients)]:
                done.result()
            started = time.perf_counter()
            runs = [pool.submit(_client, emulator.base_url, share, token) for share in shares]
            latencies = [run.result() for run in runs]
            elapsed = time.perf_counter() - started
    every = sorted(x for out in latencies for x in out)
    print(f"emulator: {len(every)} requests from {args.clients} client processes, keep-alive")
    print(f"throughput: {len(every) / elapsed:.0f} requests/s (target >= 500)")
    print(
        f"latency: median {statistics.median(every) * 1000:.2f} ms, "
        f"p99 {every[int(len(every) * 0.99) - 1] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
