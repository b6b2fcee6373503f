"""A capture endpoint on 127.0.0.1 for the benchmark, in a process of its own (so that it does not compete for the
GIL with the client it measures): counts the events and distinct uuids of every ``POST /batch/``.

``python capture.py`` prints its port on stdout; ``GET /stats`` answers ``{"requests", "events", "uuids"}`` and
``GET /stats?reset=1`` also starts counting afresh.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Counts:
    """What arrived so far."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.events = 0
        self.uuids: set[str] = set()


COUNTS = Counts()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PostHog's endpoint

    def setup(self) -> None:
        super().setup()
        # Headers and body are two writes: without this, Nagle's algorithm and the client's delayed ACK hold every
        # answer on a kept-alive connection for 40 ms, which would measure the server, not the client.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        batch = json.loads(raw).get("batch", [])
        with COUNTS.lock:
            COUNTS.requests += 1
            COUNTS.events += len(batch)
            COUNTS.uuids.update(event["uuid"] for event in batch)
        self._answer(b'{"status": 1}')

    def do_GET(self) -> None:
        with COUNTS.lock:
            body = json.dumps(
                {"requests": COUNTS.requests, "events": COUNTS.events, "uuids": len(COUNTS.uuids)}
            ).encode()
            if self.path.endswith("reset=1"):
                COUNTS.requests, COUNTS.events, COUNTS.uuids = 0, 0, set()
        self._answer(body)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
