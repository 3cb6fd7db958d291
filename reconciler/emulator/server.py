"""The HTTP/1.1 server: keep-alive connections served by a bounded pool of workers.

`EmulatorServer` accepts connections on its own thread and hands each one to a
`ThreadPoolExecutor`; at most `workers` connections are served at once and `backlog` more
wait. Beyond that a connection gets an immediate 503 and is closed, so a flood never grows
threads. Each connection has a socket timeout (idle keep-alive connections are closed after
`IDLE_TIMEOUT_S`), bodies are limited to `MAX_BODY` bytes (413), and http.server's own
refusals (bad request line, more than 100 headers, over-long lines) are answered with the
contract's JSON error. Closing the server wakes every worker and joins them all.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from reconciler.emulator.app import Pipeline
from reconciler.emulator.errors import Problem
from reconciler.emulator.messages import Request, Response, problem_response
from reconciler.emulator.routes import UNKNOWN

__all__ = ["IDLE_TIMEOUT_S", "MAX_BODY", "EmulatorServer"]

_log = logging.getLogger("reconciler.emulator")
MAX_BODY = 1 << 20
IDLE_TIMEOUT_S = 10.0
_LINGER_BYTES = 8 << 20
_LINGER_S = 2.0
_ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    408: "request_timeout",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    431: "request_header_fields_too_large",
    501: "not_implemented",
    505: "http_version_not_supported",
}
_BUSY_BODY = b'{"error":"service_unavailable","message":"too many connections; retry"}'
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n"
    + f"Content-Length: {len(_BUSY_BODY)}\r\n\r\n".encode()
    + _BUSY_BODY
)


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time from a connection and writes the pipeline's answer."""

    protocol_version = "HTTP/1.1"
    server_version = "cxsched-emulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # headers and body leave in one write, flushed after each request

    @property
    def _pipeline(self) -> Pipeline:
        return cast(EmulatorServer, self.server).pipeline

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):  # every method reaches the router (404/405 there)
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except Problem as problem:
            label = self._pipeline.router.label(self.command, path)
            response = problem_response(problem).with_(label=label, close=True)
            self._send(self._pipeline.finish(response))
            return
        request = Request(self.command, path, query, dict(self.headers.items()), body)
        self._send(self._pipeline.handle(request))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise Problem(411, "length_required", "send the body with a Content-Length")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        if not (raw.strip().isdigit() and raw.strip().isascii()):
            raise Problem(400, "bad_request", f"Content-Length {raw!r} is not a byte count")
        size = int(raw)
        if size > MAX_BODY:
            raise Problem(
                413, "payload_too_large", f"the body has {size} bytes; the limit is {MAX_BODY}"
            )
        body = self.rfile.read(size)
        if len(body) < size:
            raise Problem(400, "bad_request", "the body ended before Content-Length bytes")
        return body

    def _send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.delay_s > 0:
            self._pipeline.stopping.wait(response.delay_s)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if response.close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        if response.close:
            self._linger()

    def _linger(self) -> None:
        """Close gracefully: drain what the client still sends so it can read our answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            deadline, drained = time.monotonic() + _LINGER_S, 0
            while drained < _LINGER_BYTES and time.monotonic() < deadline:
                chunk = self.rfile.read1(65536)
                if not chunk:
                    break
                drained += len(chunk)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals, as the contract's JSON error on a closing connection."""
        text = message or explain or "the request could not be read"
        problem = Problem(code, _ERROR_CODES.get(code, "bad_request"), text)
        response = problem_response(problem).with_(label=UNKNOWN, close=True)
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # unparsed: answer with a status line anyway
            self.request_version = "HTTP/1.0"
        self._send(self._pipeline.finish(response))

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        _log.info("emulator: " + format, *args)


class EmulatorServer(ThreadingHTTPServer):
    """A `ThreadingHTTPServer` whose connections run on a bounded worker pool."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], pipeline: Pipeline, workers: int = 24, backlog: int = 64
    ) -> None:
        self.pipeline = pipeline
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="cxsched-emulator")
        self._slots = threading.BoundedSemaphore(workers + backlog)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.pipeline.finish(Response(503, label=UNKNOWN))
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open.add(request)
        self._pool.submit(self._work, request, client_address)

    def _work(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
            self.shutdown_request(request)
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.debug("emulator: connection from %s failed", client_address, exc_info=True)

    def server_close(self) -> None:
        """Stop listening, wake every worker (closing its connection) and join them."""
        super().server_close()
        self.pipeline.stopping.set()
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._pool.shutdown(wait=True)
