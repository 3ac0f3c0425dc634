"""`sync` against real HTTP servers on 127.0.0.1: commit pinning, retries, and a cache that is never
left half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.cli import main
from test_lists.sync import Fetcher, SyncError, sync_from_directory, sync_from_network
from test_lists.upstream import UPSTREAM_FILES, cache_root, current_snapshot
from tests.loopback import LoopbackServer, Reply, Request

COMMIT = "7f01e430040e571f1315734ee36151a6897f71b5"
OTHER = "0123456789abcdef0123456789abcdef01234567"


def fast() -> Fetcher:
    return Fetcher(timeout=5, max_retries=3, backoff_seconds=0)


class Upstream:
    """A raw.githubusercontent.com and api.github.com stand-in: files per commit, branches to commits."""

    def __init__(self, files_by_commit: dict[str, dict[str, bytes]], branches: dict[str, str]) -> None:
        self.files = files_by_commit
        self.branches = branches
        self.faults: dict[str, list[Reply]] = {}  # path -> replies to give first (then the real one)

    def __call__(self, request: Request) -> Reply:
        queued = self.faults.get(request.path)
        if queued:
            return queued.pop(0)
        if request.path.startswith("/api/commits/"):
            sha = self.branches.get(request.path.rsplit("/", 1)[1])
            return Reply(200, sha.encode()) if sha else Reply(404, b'{"message": "No commit found"}')
        parts = request.path.strip("/").split("/")  # <ref>/lists/<name>
        ref = self.branches.get(parts[0], parts[0])
        body = self.files.get(ref, {}).get(parts[-1])
        return Reply(200, body) if body is not None and parts[1:2] == ["lists"] else Reply(404, b"404: Not Found")


@pytest.fixture
def upstream_files(crafted_test_lists: Path) -> dict[str, bytes]:
    return {name: (crafted_test_lists / name).read_bytes() for name in UPSTREAM_FILES}


def test_branch_is_resolved_and_files_come_from_that_commit(tmp_path: Path, upstream_files) -> None:
    route = Upstream({COMMIT: upstream_files}, {"master": COMMIT})
    with LoopbackServer(route) as server:
        snapshot = sync_from_network(tmp_path, server.url, "master", api_url=server.url + "/api", fetcher=fast())
        paths = [r.path for r in server.requests]
    assert snapshot.commit == COMMIT and snapshot.ref == "master"
    assert paths[0] == "/api/commits/master"
    assert all(p.startswith(f"/{COMMIT}/lists/") for p in paths[1:])  # pinned, not the moving branch
    assert snapshot.directory == cache_root(tmp_path) / "master" / COMMIT[:12]
    for name in UPSTREAM_FILES:
        assert (snapshot.directory / name).read_bytes() == upstream_files[name]
    manifest = json.loads((snapshot.directory / "manifest.json").read_text())
    assert manifest["commit"] == COMMIT and manifest["files"]["kh.csv"]["sha256"]
    assert current_snapshot(tmp_path).directory == snapshot.directory


def test_a_commit_ref_needs_no_api_and_an_unresolvable_branch_is_recorded_as_such(tmp_path, upstream_files) -> None:
    route = Upstream({COMMIT: upstream_files, "develop": upstream_files}, {})
    with LoopbackServer(route) as server:
        pinned = sync_from_network(tmp_path, server.url, COMMIT, api_url=server.url + "/api", fetcher=fast())
        assert not any(r.path.startswith("/api") for r in server.requests)
        branch = sync_from_network(tmp_path, server.url, "develop", api_url=server.url + "/api", fetcher=fast())
    assert pinned.commit == COMMIT
    assert branch.commit is None and "could not resolve 'develop'" in branch.note
    assert branch.upstream_ref == "develop (branch, commit unknown)"


def test_429_and_5xx_are_retried(tmp_path: Path, upstream_files) -> None:
    route = Upstream({COMMIT: upstream_files}, {})
    kh_path = f"/{COMMIT}/lists/kh.csv"
    route.faults[kh_path] = [Reply(503), Reply(429, headers={"Retry-After": "0"}), Reply(500)]
    with LoopbackServer(route) as server:
        snapshot = sync_from_network(tmp_path, server.url, COMMIT, fetcher=fast())
        assert [r.path for r in server.requests].count(kh_path) == 4
    assert (snapshot.directory / "kh.csv").read_bytes() == upstream_files["kh.csv"]


def test_truncated_bodies_are_retried(tmp_path: Path, upstream_files) -> None:
    route = Upstream({COMMIT: upstream_files}, {})
    body = upstream_files["global.csv"]
    route.faults[f"/{COMMIT}/lists/global.csv"] = [Reply(200, body, truncate_at=20)]
    with LoopbackServer(route) as server:
        snapshot = sync_from_network(tmp_path, server.url, COMMIT, fetcher=fast())
    assert (snapshot.directory / "global.csv").read_bytes() == body


@pytest.mark.parametrize(("fault", "message"), [
    ([Reply(404, b"404: Not Found")], "HTTP 404"),
    ([Reply(503)] * 4, "gave up after 4 attempts (HTTP 503)"),
    ([Reply(200, b"<html>rate limited</html>")], "does not look like a Citizen Lab list"),
    ([Reply(200, b"url,a\n\xff\xfe")], "not valid UTF-8"),
])
def test_failures_name_the_url_and_leave_the_cache_as_it_was(tmp_path: Path, upstream_files, fault, message) -> None:
    route = Upstream({COMMIT: upstream_files}, {})
    with LoopbackServer(route) as server:
        before = sync_from_network(tmp_path, server.url, COMMIT, fetcher=fast())
        route.files[OTHER] = dict(upstream_files, **{"kh.csv": b"url,category_code\n"})
        route.faults[f"/{OTHER}/lists/global.csv"] = list(fault)
        with pytest.raises(SyncError) as error:
            sync_from_network(tmp_path, server.url, OTHER, fetcher=fast())
    assert f"/{OTHER}/lists/global.csv" in str(error.value) and message in str(error.value)
    assert current_snapshot(tmp_path).directory == before.directory
    assert (before.directory / "kh.csv").read_bytes() == upstream_files["kh.csv"]
    assert not [p for p in cache_root(tmp_path).rglob("*") if ".incoming" in p.name]
    assert not (cache_root(tmp_path) / OTHER).exists()


def test_from_a_local_copy_records_the_commit_its_source_names(tmp_path: Path, crafted_test_lists: Path) -> None:
    (crafted_test_lists / "SOURCE").write_text(f"citizenlab/test-lists commit {COMMIT} (2026-06-30)\n")
    snapshot = sync_from_directory(tmp_path / "cache", crafted_test_lists)
    assert snapshot.commit == COMMIT and snapshot.ref == "local" and snapshot.upstream_ref == COMMIT
    assert (snapshot.directory / "kh.csv").read_bytes() == (crafted_test_lists / "kh.csv").read_bytes()
    (crafted_test_lists / "SOURCE").unlink()
    unnamed = sync_from_directory(tmp_path / "cache", crafted_test_lists)
    assert unnamed.commit is None and unnamed.upstream_ref.startswith("local copy sha256-")
    snapshot = sync_from_directory(tmp_path / "cache", crafted_test_lists)
    (crafted_test_lists / "global.csv").unlink()
    with pytest.raises(SyncError, match=r"global\.csv"):
        sync_from_directory(tmp_path / "cache", crafted_test_lists)
    assert current_snapshot(tmp_path / "cache").directory == snapshot.directory


def test_sync_command_uses_the_configured_base_url(tmp_path: Path, upstream_files, monkeypatch, capsys) -> None:
    route = Upstream({COMMIT: upstream_files}, {"master": COMMIT})
    with LoopbackServer(route) as server:
        monkeypatch.setenv("IMAP_TEST_LISTS_BASE_URL", server.url)
        assert main(["testlist", "sync", "--api-url", server.url + "/api"]) == 0
        assert f"commit {COMMIT}" in capsys.readouterr().out
        assert main(["testlist", "sync", "--ref", "no-such-branch", "--api-url", server.url + "/api"]) == 2
    err = capsys.readouterr().err
    assert "sync failed, the cache is unchanged" in err and "/no-such-branch/lists/" in err
    assert current_snapshot(tmp_path / "cache").commit == COMMIT


def test_a_host_name_that_does_not_resolve_is_tried_twice_not_through_the_whole_backoff(tmp_path: Path) -> None:
    import requests

    class CountingSession(requests.Session):  # real requests, counted
        attempts = 0

        def get(self, *args, **kwargs):  # type: ignore[override]
            CountingSession.attempts += 1
            return super().get(*args, **kwargs)

    fetcher = Fetcher(timeout=5, max_retries=5, backoff_seconds=0, session=CountingSession())
    with pytest.raises(SyncError, match="did not resolve"):  # .invalid never resolves (RFC 6761)
        fetcher.get("http://imap-test-lists.invalid/lists/kh.csv")
    assert CountingSession.attempts == 2
