"""Fetching OONI's fingerprint CSVs over HTTP from real servers on 127.0.0.1 (no mocked HTTP library)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ooni_ingest.fingerprints import FILES, FingerprintSourceError, fetch_fingerprints, local_fingerprints
from ooni_ingest.http import HttpClient
from tests.loopback import LoopbackServer, Reply, Request

COMMIT = "171641e60b54231cad18753a72145da87b0d3e07"
HEADER = b"name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,source,exp_url,notes\n"
DNS = HEADER + b"ooni.kh_dns_1,isp,,dns,full,36.37.242.94,5,KH,sinarproject,,\n"
HTTP = HEADER + b'ooni.x,isp,,body,contains,"multi\nline",5,KH,ooni,,\n'


def client() -> HttpClient:
    return HttpClient(timeout=5, max_retries=3, backoff_seconds=0.01, max_backoff_seconds=0.05)


def serve(files: dict[str, bytes]):
    def route(request: Request) -> Reply:
        name = request.path.rsplit("/", 1)[-1]
        if name in files:
            return Reply(200, files[name], {"Content-Type": "text/plain"})
        return Reply(404, b"404: Not Found")

    return route


def test_fetch_stores_both_files_and_records_the_version(tmp_path: Path) -> None:
    with LoopbackServer(serve({"fingerprints_dns.csv": DNS, "fingerprints_http.csv": HTTP})) as server:
        got = fetch_fingerprints(server.url, COMMIT, tmp_path, client=client())
        paths = [r.path for r in server.requests]
    assert paths == [f"/{COMMIT}/fingerprints_dns.csv", f"/{COMMIT}/fingerprints_http.csv"]
    assert got.origin == "network" and got.commit == COMMIT and got.version.startswith(COMMIT + "@sha256:")
    assert (got.directory / FILES[0]).read_bytes() == DNS and (got.directory / FILES[1]).read_bytes() == HTTP
    assert not list((tmp_path / "fingerprints").glob(".incoming-*"))


def test_a_pinned_commit_is_never_fetched_twice(tmp_path: Path) -> None:
    with LoopbackServer(serve({"fingerprints_dns.csv": DNS, "fingerprints_http.csv": HTTP})) as server:
        first = fetch_fingerprints(server.url, COMMIT, tmp_path, client=client())
        second = fetch_fingerprints(server.url, COMMIT, tmp_path, client=client())
        assert len(server.requests) == 2
    assert second.origin == "cache" and second.sha256 == first.sha256


def test_a_branch_is_fetched_again_and_the_cache_covers_an_outage(tmp_path: Path) -> None:
    with LoopbackServer(serve({"fingerprints_dns.csv": DNS, "fingerprints_http.csv": HTTP})) as server:
        fetch_fingerprints(server.url, "main", tmp_path, client=client())
        again = fetch_fingerprints(server.url, "main", tmp_path, client=client())
        assert again.origin == "network" and len(server.requests) == 4
    with LoopbackServer(lambda request: Reply(503, b"unavailable")) as down:
        stale = fetch_fingerprints(down.url, "main", tmp_path, client=client())
    assert stale.origin == "cache" and "HTTP 503" in stale.note and stale.sha256 == again.sha256


def test_server_errors_and_rate_limits_are_retried(tmp_path: Path) -> None:
    answers = iter([Reply(503), Reply(429, headers={"Retry-After": "0"}), Reply(200, DNS), Reply(200, HTTP)])
    with LoopbackServer(lambda request: next(answers)) as server:
        got = fetch_fingerprints(server.url, "main", tmp_path, client=client())
        assert len(server.requests) == 4
    assert got.origin == "network"


def test_a_body_cut_short_is_retried(tmp_path: Path) -> None:
    answers = iter([Reply(200, DNS, truncate_at=30), Reply(200, DNS), Reply(200, HTTP)])
    with LoopbackServer(lambda request: next(answers)) as server:
        got = fetch_fingerprints(server.url, "main", tmp_path, client=client())
    assert (got.directory / "fingerprints_dns.csv").read_bytes() == DNS


def test_not_found_fails_clearly_without_a_cache(tmp_path: Path) -> None:
    with LoopbackServer(serve({})) as server, pytest.raises(FingerprintSourceError) as error:
        fetch_fingerprints(server.url, "no-such-branch", tmp_path, client=client())
    assert "HTTP 404" in str(error.value) and "/no-such-branch/fingerprints_dns.csv" in str(error.value)
    assert not (tmp_path / "fingerprints" / "refs").exists()


def test_an_html_page_is_not_taken_for_the_csv(tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>captive portal</body></html>"
    with LoopbackServer(serve({"fingerprints_dns.csv": page, "fingerprints_http.csv": HTTP})) as server, \
            pytest.raises(FingerprintSourceError, match="is not OONI's fingerprint CSV"):
        fetch_fingerprints(server.url, COMMIT, tmp_path, client=client())


def test_giving_up_after_bounded_retries(tmp_path: Path) -> None:
    with LoopbackServer(lambda request: Reply(502)) as server:
        with pytest.raises(FingerprintSourceError, match="gave up after 4 attempts"):
            fetch_fingerprints(server.url, "main", tmp_path, client=client())
        assert len(server.requests) == 4


def test_local_directory(tmp_path: Path, fingerprints_dir: Path) -> None:
    got = local_fingerprints(fingerprints_dir)
    assert got.origin == "local" and len(got.sha256) == 64
    # The shared copy's SOURCE file names the upstream commit: the version says which rules these are.
    assert got.commit and got.commit in (fingerprints_dir / "SOURCE").read_text()
    assert got.version == f"{got.commit}@sha256:{got.sha256[:12]}"
    with pytest.raises(FingerprintSourceError, match=r"fingerprints_dns\.csv"):
        local_fingerprints(tmp_path)


def local_copy(root: Path, source: str | None) -> Path:
    root.mkdir()
    (root / FILES[0]).write_bytes(DNS)
    (root / FILES[1]).write_bytes(HTTP)
    if source is not None:
        (root / "SOURCE").write_text(source, encoding="utf-8")
    return root


def test_a_local_copys_source_file_names_its_upstream_commit(tmp_path: Path) -> None:
    noted = local_fingerprints(local_copy(tmp_path / "noted", f"ooni/blocking-fingerprints commit {COMMIT} (2024-10-20)\n"))
    assert noted.commit == COMMIT and noted.ref == "local" and noted.origin == "local"
    # The same bytes fetched at that commit give the same version: the SHA-256 says the copy is unchanged.
    with LoopbackServer(serve({FILES[0]: DNS, FILES[1]: HTTP})) as server:
        fetched = fetch_fingerprints(server.url, COMMIT, tmp_path / "cache", client=client())
    assert noted.version == fetched.version == f"{COMMIT}@sha256:{fetched.sha256[:12]}"

    for name, source in (("none", None), ("vague", "copied from GitHub by hand\n"), ("digest", "sha256 " + "ab" * 32)):
        unknown = local_fingerprints(local_copy(tmp_path / name, source))
        assert unknown.commit is None and unknown.version == f"local@sha256:{noted.sha256[:12]}", name


def test_sync_records_the_commit_of_a_local_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.cli import main as imap
    from warehouse.db import connect

    directory = local_copy(tmp_path / "copy", f"commit {COMMIT}\n")
    db = str(tmp_path / "w.duckdb")
    assert imap(["fingerprints", "sync", "--fingerprints-from", str(directory), "--db", db]) == 0
    assert f"OONI fingerprints {COMMIT}@sha256:" in capsys.readouterr().out
    with connect(db) as con:
        refs = con.execute("SELECT DISTINCT origin_ref FROM fingerprints WHERE origin = 'ooni'").fetchall()
    assert [ref for (ref,) in refs] == [local_fingerprints(directory).version]
