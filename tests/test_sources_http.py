"""The retry policy and atomic, resumable downloads, against real HTTP servers on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from ooni_ingest.http import FetchError, HttpClient
from tests.loopback import LoopbackServer, Reply, Request


def client(**kwargs) -> tuple[HttpClient, list[float]]:
    waits: list[float] = []
    options = {"timeout": 2.0, "max_retries": 3, "backoff_seconds": 0.01, "sleep": waits.append, **kwargs}
    return HttpClient(**options), waits


def scripted(*replies: Reply):
    """A route answering with ``replies`` in turn, then repeating the last one."""
    queue = list(replies)

    def route(request: Request) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return route


def test_429_waits_for_retry_after_then_succeeds() -> None:
    route = scripted(Reply(429, b"slow down", {"Retry-After": "7"}), Reply(200, b'{"ok": true}'))
    with LoopbackServer(route) as server:
        http, waits = client()
        assert http.get_json(server.url + "/x") == {"ok": True}
    assert waits == [7.0]
    assert len(server.requests) == 2


def test_5xx_is_retried_a_bounded_number_of_times() -> None:
    with LoopbackServer(scripted(Reply(503, b"busy"))) as server:
        http, waits = client(max_retries=2)
        with pytest.raises(FetchError, match="gave up after 3 attempts; last: HTTP 503") as raised:
            http.get(server.url + "/always-busy")
    assert len(server.requests) == 3 and len(waits) == 2
    # Exponential with ±50% jitter: attempt n waits backoff * 2**n * [0.5, 1.5).
    assert 0.005 <= waits[0] < 0.015 and 0.01 <= waits[1] < 0.03
    assert raised.value.url.endswith("/always-busy")


def test_500_then_success() -> None:
    with LoopbackServer(scripted(Reply(500), Reply(500), Reply(200, b"fine"))) as server:
        http, _ = client()
        assert http.get(server.url + "/").content == b"fine"


def test_404_fails_at_once() -> None:
    with LoopbackServer(scripted(Reply(404, b"no such thing"))) as server:
        http, waits = client()
        with pytest.raises(FetchError, match="HTTP 404") as raised:
            http.get(server.url + "/missing")
    assert raised.value.status == 404 and waits == [] and len(server.requests) == 1


def test_timeouts_are_retried() -> None:
    with LoopbackServer(scripted(Reply(200, b"late", delay=1.0), Reply(200, b"quick"))) as server:
        http, waits = client(timeout=0.3)
        assert http.get(server.url + "/").content == b"quick"
    assert len(waits) == 1


def test_truncated_json_body_is_retried() -> None:
    body = b'{"results": [1, 2, 3]}'
    with LoopbackServer(scripted(Reply(200, body, truncate_at=5), Reply(200, body))) as server:
        http, waits = client()
        assert http.get_json(server.url + "/") == {"results": [1, 2, 3]}
    assert len(waits) == 1


def ranged(data: bytes, first_cut: int | None):
    """Serve ``data`` with Range support; the first full GET is cut after ``first_cut`` bytes."""
    state = {"cut": first_cut}

    def route(request: Request) -> Reply:
        start = int(request.headers.get("Range", "bytes=0-").removeprefix("bytes=").split("-")[0])
        if start >= len(data):
            return Reply(416, b"")
        reply = Reply(206 if start else 200, data[start:])
        if state["cut"] is not None:
            reply.truncate_at, state["cut"] = state["cut"], None
        return reply

    return route


def test_download_resumes_with_range_after_a_cut_and_renames_atomically(tmp_path: Path) -> None:
    data = bytes(range(256)) * 2000
    target = tmp_path / "cache" / "obj.jsonl.gz"
    with LoopbackServer(ranged(data, first_cut=300_000)) as server:
        http, _ = client()
        assert http.download(server.url + "/obj", target, expected_size=len(data)) == target
        assert target.read_bytes() == data
        ranges = [r.headers.get("Range") for r in server.requests]
        assert ranges[0] is None and len(ranges) == 2
        assert ranges[1] == "bytes=300000-"   # resumed exactly where the cut connection stopped
        assert not (tmp_path / "cache" / "obj.jsonl.gz.part").exists()
        # Complete files are never fetched again.
        http.download(server.url + "/obj", target, expected_size=len(data))
        assert len(server.requests) == 2


def test_failed_download_leaves_only_a_part_file_and_the_next_run_resumes(tmp_path: Path) -> None:
    data = b"x" * 500_000
    target = tmp_path / "obj"
    kept = 200_000
    with LoopbackServer(scripted(Reply(200, data, truncate_at=200_000), Reply(503))) as server:
        http, _ = client(max_retries=1)
        with pytest.raises(FetchError):
            http.download(server.url + "/obj", target, expected_size=len(data))
    assert not target.exists()
    assert (tmp_path / "obj.part").stat().st_size == kept > 0
    with LoopbackServer(ranged(data, first_cut=None)) as server:
        http, _ = client()
        http.download(server.url + "/obj", target, expected_size=len(data))
        assert [r.headers.get("Range") for r in server.requests] == [f"bytes={kept}-"]
    assert target.read_bytes() == data


def test_size_mismatch_is_not_accepted(tmp_path: Path) -> None:
    with LoopbackServer(scripted(Reply(200, b"short"))) as server:
        http, _ = client(max_retries=1)
        with pytest.raises(FetchError, match="the listing says 99"):
            http.download(server.url + "/obj", tmp_path / "obj", expected_size=99)
    assert not (tmp_path / "obj").exists()


def test_a_host_that_does_not_resolve_is_tried_twice_not_the_whole_backoff() -> None:
    # .invalid never resolves (RFC 6761): what a machine without network or DNS sees for any host.
    http, waits = client(max_retries=5)
    with pytest.raises(FetchError, match="did not resolve"):
        http.get("http://imap-test.invalid/")
    assert len(waits) == 1
