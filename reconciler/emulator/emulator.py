"""The emulator's library face: start it in a thread, drive it, read its counters, stop it.

::

    with Emulator(campaigns=("c1",), token_ttl=5) as emu:
        requests.post(f"{emu.base_url}/oauth/token", data={...})
        emu.inject_faults("503", 2)
        assert emu.count("POST /oauth/token", 200) == 1

The server listens on `host:port` (default 127.0.0.1 and a free port) from `start()` (or
`__enter__`) until `close()`, which joins every thread it started. Admin methods act on the
tenant directly, behind any client's back.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from reconciler.emulator.app import Pipeline
from reconciler.emulator.auth import Authority
from reconciler.emulator.contract import Capacity
from reconciler.emulator.editor import ConcurrentEditor
from reconciler.emulator.errors import EmulatorError
from reconciler.emulator.exports import ExportJobs
from reconciler.emulator.faults import FaultInjector
from reconciler.emulator.ratelimit import TokenBucket
from reconciler.emulator.server import EmulatorServer
from reconciler.emulator.state import ScheduleStore
from reconciler.emulator.tenant import Tenant

__all__ = ["DEFAULT_CAPACITY", "DEFAULT_CLIENT_ID", "Emulator", "seed_campaigns"]

DEFAULT_CLIENT_ID = "cxsched-demo"
DEFAULT_CAPACITY = Capacity(200, 30.0)


def seed_campaigns(seed_dir: Path) -> list[str]:
    """The campaigns of a desired-state folder: the names of its subfolders, sorted."""
    if not seed_dir.is_dir():
        raise EmulatorError(f"seed folder {seed_dir} does not exist; pass an existing folder")
    return sorted(p.name for p in seed_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


class Emulator:
    """A local CXone tenant over real HTTP, for the demo, tests and users' CI."""

    def __init__(
        self,
        *,
        seed_dir: Path | None = None,
        campaigns: Iterable[str] = (),
        state_file: Path | None = None,
        rps: float | None = None,
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        seed: int = 0,
        token_ttl: float = 3600.0,
        scopes: Iterable[str] | None = None,
        capacity: Capacity = DEFAULT_CAPACITY,
        editor_interval: float | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        names = [*(seed_campaigns(seed_dir) if seed_dir is not None else []), *campaigns]
        secret = client_secret or secrets.token_urlsafe(18)
        self._tenant = Tenant(
            store=ScheduleStore(names, capacity, state_file),
            authority=Authority(client_id, secret, token_ttl, scopes),
            exports=ExportJobs(),
            seed=seed,
        )
        limiter, faults = TokenBucket(rps), FaultInjector(fault_rate, seed)
        self._pipeline = Pipeline(self._tenant, limiter, faults, latency_ms)
        self._address = (host, port)
        self._editor = (
            ConcurrentEditor(self._tenant.store, editor_interval, seed)
            if editor_interval is not None
            else None
        )
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._started = False
        self.base_url = ""

    def __repr__(self) -> str:
        return f"Emulator(base_url={self.base_url!r}, client_id={self.client_id!r})"

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> Emulator:
        if self._started:
            raise EmulatorError("an emulator starts once; create a new one to serve again")
        self._started = True
        try:
            server = EmulatorServer(self._address, self._pipeline)
        except OSError as exc:
            host, port = self._address
            raise EmulatorError(
                f"cannot listen on {host}:{port} ({exc}); pick another --port or 0 for any"
            ) from exc
        bound_host, bound_port = server.server_address[:2]
        self.base_url = f"http://{bound_host!s}:{bound_port}"
        self._tenant.base_url = self.base_url
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cxsched-emulator",
            daemon=True,  # a forgotten close() must not keep the interpreter alive
        )
        self._thread.start()
        if self._editor is not None:
            self._editor.start()
        return self

    def close(self) -> None:
        """Stop serving and join every thread; safe to call twice."""
        if self._editor is not None:
            self._editor.stop()
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- credentials and counters ----------------------------------------------------------
    @property
    def client_id(self) -> str:
        return self._tenant.authority.client_id

    @property
    def client_secret(self) -> str:
        return self._tenant.authority.client_secret

    def counters(self) -> dict[tuple[str, int], int]:
        """Requests served by (endpoint label, status); status 0 is a dropped connection."""
        return self._pipeline.counters.snapshot()

    def client_env(self) -> dict[str, str]:
        """The CXONE_* settings that point `cxsched` (or any client) at this emulator."""
        return {
            "CXONE_BASE_URL": self.base_url,
            "CXONE_CLIENT_ID": self.client_id,
            "CXONE_CLIENT_SECRET": self.client_secret,
        }

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        return self._pipeline.counters.count(endpoint, status)

    @property
    def rate_limited(self) -> int:
        """429 answers sent, by the rate limit or an injected fault."""
        return self._pipeline.rate_limited

    @property
    def editor_edits(self) -> int:
        """Edits made so far by the concurrent editor."""
        return self._editor.edits if self._editor is not None else 0

    def reset_counters(self) -> None:
        self._pipeline.counters.reset()

    # -- knobs -----------------------------------------------------------------------------
    def set_capacity(self, max_concurrent_calls: int, max_call_rate: float) -> None:
        self._tenant.store.set_capacity(Capacity(max_concurrent_calls, max_call_rate))

    def set_rate_limit(self, rps: float | None) -> None:
        self._pipeline.limiter.set_rate(rps)

    def set_latency(self, ms: float) -> None:
        self._pipeline.latency_ms = ms

    def inject_faults(
        self, kind: str, count: int, endpoint: str | None = None, delay_s: float = 0.0
    ) -> None:
        """Fail the next `count` matching calls (see `reconciler.emulator.faults`)."""
        self._pipeline.faults.inject(kind, count, endpoint, delay_s)

    def set_token_ttl(self, seconds: float) -> None:
        self._tenant.authority.token_ttl = seconds

    def expire_tokens(self) -> None:
        self._tenant.authority.expire_tokens()

    def set_scopes(self, scopes: Iterable[str] | None) -> None:
        self._tenant.authority.set_scopes(scopes)

    # -- the tenant's data -----------------------------------------------------------------
    def add_campaign(self, campaign_id: str) -> None:
        self._tenant.store.add_campaign(campaign_id)

    def campaign_ids(self) -> list[str]:
        """The campaigns the tenant has, in the order they were added."""
        return self._tenant.store.campaign_ids()

    def schedules(self, campaign_id: str) -> list[dict[str, Any]]:
        return self._tenant.store.schedules(campaign_id)

    def create_schedule(self, campaign_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._tenant.store.create(campaign_id, body, "emulator admin create")

    def edit_schedule(
        self, campaign_id: str, schedule_id: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Merge-patch a schedule behind the client's back; the result has a new ETag."""
        return self._tenant.store.edit(campaign_id, schedule_id, patch, "emulator admin edit")
