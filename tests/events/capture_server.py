"""A stand-in for PostHog's capture endpoint on 127.0.0.1: records what the real ``posthog`` client sends.

Every request body is kept (gunzipped when the client compressed it) with its path and headers. The server can
answer 500 the next N times, hold every answer for a while (a slow PostHog), and tell a test when a request has
arrived. It never talks to the internet; the client is pointed at it with ``host=server.url``.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int  # what the server answered (or was about to answer when the client went away)

    @property
    def events(self) -> list[dict[str, Any]]:
        batch = self.body.get("batch")
        return list(batch) if isinstance(batch, list) else [self.body]


@dataclass
class CaptureServer:
    """A threaded HTTP server recording requests; ``fail(n)`` and ``delay`` shape its answers."""

    delay: float = 0.0
    _failures: int = 0
    _failure_status: int = 500
    requests: list[Request] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _released: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> CaptureServer:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                status = capture._record(self.path, dict(self.headers.items()), json.loads(raw))
                if capture.delay:
                    capture._released.wait(capture.delay)
                payload = b'{"status": 1}' if status == 200 else b'{"detail": "capture server says no"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up or was killed meanwhile
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # answer whatever is held
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def release(self) -> None:
        """Answer the requests held by ``delay`` now, and later ones at once."""
        self.delay = 0.0
        self._released.set()

    def fail(self, times: int, status: int = 500) -> None:
        """Answer ``status`` to the next ``times`` requests."""
        with self._lock:
            self._failures, self._failure_status = times, status

    def _record(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> int:
        with self._lock:
            status = 200
            if self._failures > 0:
                self._failures -= 1
                status = self._failure_status
            self.requests.append(Request(path=path, headers=headers, body=body, status=status))
            self._lock.notify_all()
            return status

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Request]:
        """Block until at least ``count`` requests arrived; return them."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.requests) >= count, timeout=timeout):
                raise AssertionError(f"the capture server got {len(self.requests)} request(s), expected {count}")
            return list(self.requests)

    def accepted_events(self) -> list[dict[str, Any]]:
        """Every event of every request answered 200, in arrival order."""
        with self._lock:
            return [event for request in self.requests if request.status == 200 for event in request.events]

    def all_events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for request in self.requests for event in request.events]


@pytest.fixture
def capture_server() -> Iterator[CaptureServer]:
    server = CaptureServer().start()
    yield server
    server.stop()
