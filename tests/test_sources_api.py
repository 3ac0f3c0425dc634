"""The OONI API source and `imap measurement`, against a loopback server speaking the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ooni_ingest.api import OoniApi
from ooni_ingest.http import FetchError, HttpClient
from ooni_ingest.sources import ApiSource
from pipelines.cli import main as imap
from tests.loopback import FakeOoniApi, LoopbackServer, Reply
from warehouse.db import connect
from warehouse.ingest_run import run_ingest


def api_measurements(qa_measurements: dict[str, dict]) -> list[dict]:
    """Eight KH measurements on 2024-03-01, three on 03-02, one TH one; uids as the collector gives."""
    samples = list(qa_measurements.values())
    out = []
    for n, (day, cc) in enumerate([("2024-03-01", "KH")] * 8 + [("2024-03-02", "KH")] * 3 + [("2024-03-01", "TH")]):
        out.append({**samples[n % len(samples)], "probe_cc": cc, "measurement_uid": f"{day.replace('-', '')}{n:06d}.000000_{cc}_webconnectivity_{n:016x}",
                    "measurement_start_time": f"{day} {n:02d}:00:00"})
    return out


def http() -> HttpClient:
    return HttpClient(timeout=2.0, max_retries=3, backoff_seconds=0.001, sleep=lambda _: None)


def test_pages_rate_limits_and_raw_cache(tmp_path: Path, qa_measurements) -> None:
    fake = FakeOoniApi(api_measurements(qa_measurements))
    fake.faults["/api/v1/measurements"] = [Reply(429, b"", {"Retry-After": "1"}), Reply(502)]
    with LoopbackServer(fake) as server:
        api = OoniApi(server.url, http(), tmp_path / "api")
        pages = list(api.measurement_pages(probe_cc="KH", day=date(2024, 3, 1), page_size=3))
        assert [len(p.results) for p in pages] == [3, 3, 2]
        assert [p.offset for p in pages] == [0, 3, 6]
        uid = pages[0].results[0]["measurement_uid"]
        first = api.raw_measurement(uid)
        requests_before = len(server.requests)
        assert api.raw_measurement(uid) == first   # from the cache, no new request
        assert len(server.requests) == requests_before
        with pytest.raises(FetchError, match="HTTP 404"):
            api.raw_measurement("no-such-uid")


def test_ingest_from_the_api_stores_measurement_days(tmp_path: Path, qa_measurements) -> None:
    fake = FakeOoniApi(api_measurements(qa_measurements))
    con = connect(tmp_path / "w.duckdb")
    with LoopbackServer(fake) as server:
        fake.faults["/api/v1/raw_measurement"] = [Reply(500), Reply(429, b"", {"Retry-After": "0"})]
        source = ApiSource(OoniApi(server.url, http(), tmp_path / "api"), "KH")
        summary = run_ingest(con, source, date(2024, 3, 1), date(2024, 3, 2), country="KH", workers=1)
    assert summary.stored == 11 and summary.bad_input == 0
    rows = con.execute("SELECT ingest_day, measurement_day, count(*), min(source_file) FROM measurements "
                       "GROUP BY 1, 2 ORDER BY 1").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [(date(2024, 3, 1), date(2024, 3, 1), 8),
                                                 (date(2024, 3, 2), date(2024, 3, 2), 3)]
    assert "/api/v1/measurements?" in rows[0][3]
    assert con.execute("SELECT DISTINCT ingest_source FROM measurements").fetchall() == [("api",)]


def test_imap_measurement_prints_saves_and_summarises(tmp_path: Path, qa_measurements, monkeypatch, capsys) -> None:
    measurements = api_measurements(qa_measurements)
    uid = measurements[0]["measurement_uid"]
    with LoopbackServer(FakeOoniApi(measurements)) as server:
        monkeypatch.setenv("IMAP_API_ENDPOINT", server.url)
        assert imap(["measurement", uid]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["measurement_uid"] == uid and printed["test_keys"]
        out = tmp_path / "evidence.json"
        assert imap(["measurement", uid, "--out", str(out)]) == 0
        assert json.loads(out.read_text()) == printed
        assert imap(["measurement", uid, "--summary"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["measurement_key"] == uid and summary["domain"]
        assert imap(["measurement", "20240301000099.000000_KH_webconnectivity_00000000000000ff"]) == 1
        assert "HTTP 404" in capsys.readouterr().err
        requests_before = len(server.requests)
        with pytest.raises(SystemExit) as exited:       # a typo is a usage error, never sent to the API
            imap(["measurement", "missing"])
        assert exited.value.code == 2 and "is not an OONI measurement id" in capsys.readouterr().err
        assert len(server.requests) == requests_before
