"""Real HTTP servers on 127.0.0.1 for tests of the loading code (no mocking of the HTTP library).

A test gives a `route(request) -> Reply` function; the server runs it for every request in its own
thread and records what was asked, so tests can assert on retries, ranges and pagination.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape


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


# ---------------------------------------------------------------------------------------------------
# Enough of S3 and of the OONI API for the ingest tests (tests/test_sources*.py, tests/test_ingest*.py).

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


class FakeS3Bucket:
    """A local directory served as an S3 bucket: ListObjectsV2 and GET (with Range), as S3 answers.

    Listing: `GET /?list-type=2&prefix=P[&delimiter=D][&max-keys=N][&continuation-token=T]` returns a
    `ListBucketResult` whose Contents and CommonPrefixes are in key order, KeyCount counts both, and
    `NextContinuationToken` is an opaque token when `IsTruncated`. `faults[key]` queues replies served
    instead of the object (429, 500, truncated bodies...) before it is served for real.
    """

    def __init__(self, root, *, name: str = "ooni-data-eu-fra", max_keys: int = 1000) -> None:
        self.root = Path(root)
        self.name = name
        self.max_keys = max_keys
        self.faults: dict[str, list[Reply]] = {}
        self.gets: list[str] = []
        self.ranges: list[str] = []

    def keys(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def __call__(self, request: Request) -> Reply:
        if request.path == "/" and request.param("list-type") == "2":
            return self._list(request)
        key = request.path.lstrip("/")
        key = unquote(key)
        queued = self.faults.get(key)
        if queued:
            return queued.pop(0)
        path = self.root / key
        if not path.is_file():
            return Reply(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
        self.gets.append(key)
        data = path.read_bytes()
        range_header = request.headers.get("Range")
        if range_header:
            self.ranges.append(range_header)
            start = int(range_header.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                return Reply(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            return Reply(206, data[start:], {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"})
        return Reply(200, data, {"Content-Type": "application/octet-stream"})

    def _list(self, request: Request) -> Reply:
        prefix = request.param("prefix", "") or ""
        delimiter = request.param("delimiter") or ""
        max_keys = min(int(request.param("max-keys", str(self.max_keys)) or self.max_keys), self.max_keys)
        token = request.param("continuation-token")
        after = base64.urlsafe_b64decode(token.encode()).decode() if token else ""
        entries: list[tuple[str, bool]] = []  # (key or common prefix, is_prefix), in key order
        for key in self.keys():
            if not key.startswith(prefix):
                continue
            if delimiter and delimiter in key[len(prefix):]:
                common = key[: key.index(delimiter, len(prefix)) + len(delimiter)]
                if not entries or entries[-1] != (common, True):
                    entries.append((common, True))
            else:
                entries.append((key, False))
        entries = [entry for entry in entries if entry[0] > after]
        page, rest = entries[:max_keys], entries[max_keys:]
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<ListBucketResult xmlns="{S3_NAMESPACE}">',
            f"<Name>{escape(self.name)}</Name>",
            f"<Prefix>{escape(prefix)}</Prefix>",
        ]
        if token:
            parts.append(f"<ContinuationToken>{escape(token)}</ContinuationToken>")
        if rest:
            next_token = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
            parts.append(f"<NextContinuationToken>{next_token}</NextContinuationToken>")
        parts += [f"<KeyCount>{len(page)}</KeyCount>", f"<MaxKeys>{max_keys}</MaxKeys>"]
        if delimiter:
            parts.append(f"<Delimiter>{escape(delimiter)}</Delimiter>")
        parts.append(f"<IsTruncated>{'true' if rest else 'false'}</IsTruncated>")
        for name, is_prefix in page:
            if is_prefix:
                continue
            size = (self.root / name).stat().st_size
            parts.append(
                f"<Contents><Key>{escape(name)}</Key><LastModified>2024-03-15T04:12:33.000Z</LastModified>"
                f'<ETag>"{size:032x}"</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>'
            )
        for name, is_prefix in page:
            if is_prefix:
                parts.append(f"<CommonPrefixes><Prefix>{escape(name)}</Prefix></CommonPrefixes>")
        parts.append("</ListBucketResult>")
        return Reply(200, "".join(parts).encode(), {"Content-Type": "application/xml"})


class FakeOoniApi:
    """`/api/v1/measurements` (filters probe_cc, test_name, since/until on measurement_start_time; limit,
    offset; metadata with next_url) and `/api/v1/raw_measurement?measurement_uid=` over a list of raw
    measurements. `faults[path]` queues replies served before the real answer (429, 500, slow...)."""

    def __init__(self, measurements: list[dict], *, base_url: str = "https://api.ooni.io") -> None:
        self.measurements = measurements
        self.base_url = base_url
        self.faults: dict[str, list[Reply]] = {}

    def __call__(self, request: Request) -> Reply:
        queued = self.faults.get(request.path)
        if queued:
            return queued.pop(0)
        if request.path == "/api/v1/raw_measurement":
            uid = request.param("measurement_uid")
            for measurement in self.measurements:
                if measurement.get("measurement_uid") == uid:
                    return Reply(200, json.dumps(measurement).encode(), {"Content-Type": "application/json"})
            return Reply(404, b'{"error": "Measurement not found"}', {"Content-Type": "application/json"})
        if request.path == "/api/v1/measurements":
            since, until = request.param("since", ""), request.param("until", "9999")
            selected = [
                m for m in self.measurements
                if m.get("probe_cc") == request.param("probe_cc", m.get("probe_cc"))
                and m.get("test_name") == request.param("test_name", m.get("test_name"))
                and since <= m["measurement_start_time"].replace(" ", "T") < until
            ]
            selected.sort(key=lambda m: m["measurement_start_time"])
            limit, offset = int(request.param("limit", "100")), int(request.param("offset", "0"))
            page = selected[offset : offset + limit]
            more = offset + limit < len(selected)
            body = {
                "metadata": {
                    "count": len(selected), "limit": limit, "offset": offset, "current_page": offset // limit + 1,
                    "next_url": f"{self.base_url}/api/v1/measurements?offset={offset + limit}&limit={limit}" if more else None,
                },
                "results": [
                    {
                        "measurement_uid": m["measurement_uid"], "report_id": m.get("report_id"), "input": m.get("input"),
                        "probe_cc": m.get("probe_cc"), "probe_asn": m.get("probe_asn"), "test_name": m.get("test_name"),
                        "measurement_start_time": m["measurement_start_time"].replace(" ", "T") + "Z",
                        "anomaly": False, "confirmed": False, "failure": False, "scores": "{}",
                        "measurement_url": f"{self.base_url}/api/v1/raw_measurement?measurement_uid={m['measurement_uid']}",
                    }
                    for m in page
                ],
            }
            return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
        return Reply(404, b'{"error": "not found"}', {"Content-Type": "application/json"})
