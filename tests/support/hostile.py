"""A hostile server on 127.0.0.1: forwards to the emulator, except where a rule answers instead.

`HostileProxy(upstream)` listens on a free loopback port (`base_url`) in a thread. Each request
is matched against its rules in order (method and path prefix, query ignored); the first rule
with uses left answers with its `Answer`, built from the request when the answer is a callable
(to echo what the client sent). Unmatched requests go to `upstream` unchanged. An `Answer` can
drip its body one chunk at a time; `close()` stops every drip at once.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Answer", "HostileProxy", "Request", "Rule"]


@dataclass(frozen=True)
class Request:
    """What the client sent: method, path (with query), headers and body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    """A response; `drip` > 0 sends the body `chunk` bytes at a time with that many seconds
    between chunks. `length` overrides Content-Length (None: the body's length; -1: none, the
    body ends when the connection closes)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drip: float = 0.0
    chunk: int = 1
    length: int | None = None


@dataclass
class Rule:
    method: str
    path: str
    answer: Answer | Callable[[Request], Answer]
    times: int = 1_000_000
    used: int = 0


class HostileProxy:
    def __init__(self, upstream: str) -> None:
        self.rules: list[Rule] = []
        self.seen: list[Request] = []
        self._upstream = urlsplit(upstream)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(
        self,
        method: str,
        path: str,
        answer: Answer | Callable[[Request], Answer],
        times: int = 1_000_000,
    ) -> None:
        with self._lock:
            self.rules.append(Rule(method, path, answer, times))

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _rule(self, request: Request) -> Rule | None:
        bare = request.path.split("?", 1)[0]
        with self._lock:
            self.seen.append(request)
            for rule in self.rules:
                matches = rule.method == request.method and bare.startswith(rule.path)
                if matches and rule.used < rule.times:
                    rule.used += 1
                    return rule
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(handler.command, handler.path, dict(handler.headers.items()), body)
        rule = self._rule(request)
        if rule is None:
            self._forward(handler, request)
            return
        answer = rule.answer(request) if callable(rule.answer) else rule.answer
        self._send(handler, answer)

    def _send(self, handler: BaseHTTPRequestHandler, answer: Answer) -> None:
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        size = len(answer.body) if answer.length is None else answer.length
        if size >= 0:
            handler.send_header("Content-Length", str(size))
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            if answer.drip <= 0:
                handler.wfile.write(answer.body)
                return
            for start in range(0, len(answer.body), answer.chunk):
                if self._stop.wait(answer.drip):
                    return
                handler.wfile.write(answer.body[start : start + answer.chunk])
                handler.wfile.flush()
        except OSError:
            return  # the client gave up: that is the point

    def _forward(self, handler: BaseHTTPRequestHandler, request: Request) -> None:
        upstream = http.client.HTTPConnection(
            self._upstream.hostname or "127.0.0.1", self._upstream.port, timeout=10
        )
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            upstream.request(request.method, request.path, body=request.body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            kept = {
                k: v
                for k, v in reply.getheaders()
                if k.lower() not in ("content-length", "connection", "transfer-encoding")
            }
            self._send(handler, Answer(reply.status, data, kept))
        finally:
            upstream.close()
