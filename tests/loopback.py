"""Real HTTP servers on 127.0.0.1 for tests of the loading code (no mocking of the HTTP library).

A test gives a `route(request) -> Reply` function; the server runs it for every request in its own
thread and records what was asked, so tests can assert on retries, ranges and pagination.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Send only this many bytes of the body, then close the connection (a truncated response).
    truncate_at: int | None = None
    # Sleep this long before answering (a slow server, for timeout tests).
    delay: float = 0.0


Route = Callable[[Request], Reply]


class LoopbackServer:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                request = Request(
                    self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), dict(self.headers)
                )
                server.requests.append(request)
                reply = server.route(request)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                self.send_response(reply.status)
                headers = {"Content-Length": str(len(body)), **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if reply.truncate_at is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command == "HEAD":
                    return
                if reply.truncate_at is not None:
                    self.wfile.write(body[: reply.truncate_at])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            do_GET = _serve
            do_HEAD = _serve

            def log_message(self, format: str, *args: object) -> None:  # quiet test output
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
