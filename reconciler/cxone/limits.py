"""Bounds on one send: a total deadline and a size cap, whatever the server does.

A read timeout bounds each wait for a byte, not a whole answer: a server dripping one byte every
few seconds, or streaming gigabytes, would hold a call forever. `Limits` adds the two bounds:

* `deadline`: seconds from sending a request to the last byte of its answer. A `Watch` (one
  timer per send) shuts the connection's socket down when it runs out, which ends any blocked
  read at once, in the status line, the headers or the body;
* `max_bytes`: the body is streamed and reading stops once it is past the cap (a
  `Content-Length` past it is refused before reading; a compressed body counts decoded).

`read_body` raises `Exceeded` (which bound, and the status when one arrived); the transport turns
it into an API error naming the call and the setting to change. Connections are made by
`adapter()`, whose connections tell the current thread's `Watch` which socket to shut down.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from typing import Any, Literal

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "Exceeded",
    "Limits",
    "Watch",
    "adapter",
    "read_body",
]

#: Seconds one send may take, answer included.
DEFAULT_DEADLINE = 60.0
#: Bytes of one answer read at most (16 MiB).
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024

_CURRENT = threading.local()


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one send: `deadline` seconds and `max_bytes` bytes of answer."""

    deadline: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES


class Exceeded(Exception):
    """A send passed one of its `Limits`; `status` is the answer's, when one had arrived."""

    def __init__(self, bound: Literal["deadline", "size"], status: int | None) -> None:
        super().__init__(bound)
        self.bound = bound
        self.status = status


class Watch:
    """The deadline of one send: after `seconds`, marks itself expired and cuts the socket.

    Use it as a context manager around the send and the body read, in the sending thread.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._conn: _Watched | None = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Watch:
        _CURRENT.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        _CURRENT.watch = None
        with self._lock:
            self._conn = self._sock = None

    def attach(self, conn: _Watched) -> None:
        """Watch the socket `conn` just sent on (kept even if `conn` lets go of it)."""
        with self._lock:
            self._conn, self._sock = conn, conn.sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            conn, sock = self._conn, self._sock
            if conn is None or conn.cxsched_watch is not self:
                return  # done, or the connection already serves another send
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def read_body(response: requests.Response, limits: Limits, watch: Watch) -> bytes:
    """The whole body of a streamed `response` within `limits`; `Exceeded` otherwise."""
    status = response.status_code
    length = response.headers.get("Content-Length", "").strip()
    if length.isdigit() and int(length) > limits.max_bytes:
        response.close()
        raise Exceeded("size", status)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limits.max_bytes:
                raise Exceeded("size", status)
            chunks.append(chunk)
            if watch.expired:
                raise Exceeded("deadline", status)
    except requests.RequestException:
        response.close()
        if watch.expired:
            raise Exceeded("deadline", status) from None
        raise
    except Exceeded:
        response.close()
        raise
    if watch.expired:  # the cut socket may look like the end of a body without a length
        raise Exceeded("deadline", status)
    return b"".join(chunks)


class _Watched(HTTPConnection):
    """A connection that tells the sending thread's `Watch` which socket to cut."""

    cxsched_watch: Watch | None = None

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch: Watch | None = getattr(_CURRENT, "watch", None)
        self.cxsched_watch = watch
        super().request(*args, **kwargs)
        if watch is not None:
            watch.attach(self)


class _WatchedTls(_Watched, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Watched


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTls


_WATCHED_POOLS = {"http": _Pool, "https": _TlsPool}


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # not SOCKS, whose connections differ
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def adapter(pool_maxsize: int) -> HTTPAdapter:
    """An adapter without retries whose connections a `Watch` can cut."""
    return _Adapter(pool_connections=2, pool_maxsize=pool_maxsize, max_retries=0)
