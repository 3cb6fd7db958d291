"""A local CXone emulator: the contract's REST API over real HTTP on loopback.

`Emulator` starts it in a thread for tests and scripts; `cxsched emulator serve` runs it in
the foreground. The package, by concern::

    emulator     the library face (start, stop, counters, admin knobs)
    server       HTTP/1.1 keep-alive server on a bounded worker pool
    app          the request pipeline: route, latency, rate limit, faults, auth, handler
    routes       endpoint table and counter labels
    endpoints    OAuth token, schedules CRUD, dialer capacity, /openapi.json
    reports      analytics query, interaction exports
    state        schedules per campaign with ETags; persistence writes its JSON file
    validation   server-side schedule validation (400 with field details)
    render       UTC/millisecond date-times, floats, omitted empty lists
    tenant       what an endpoint may touch: schedules, OAuth authority, exports, seed
    analytics    deterministic synthetic history (the documented answer-rate curve)
    auth, ratelimit, faults, editor, exports, paging, counters, messages, errors
"""

from __future__ import annotations

from reconciler.emulator.emulator import DEFAULT_CLIENT_ID, Emulator
from reconciler.emulator.errors import EmulatorError, Problem, StateFileError

__all__ = ["DEFAULT_CLIENT_ID", "Emulator", "EmulatorError", "Problem", "StateFileError"]
