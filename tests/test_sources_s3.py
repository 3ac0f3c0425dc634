"""The bucket source against a loopback server speaking S3's ListObjectsV2 and GET with Range."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ooni_ingest.http import FetchError, HttpClient
from ooni_ingest.s3 import S3Bucket, parse_listing_page
from ooni_ingest.sources import S3Source
from tests.loopback import FakeS3Bucket, LoopbackServer, Reply
from warehouse.db import connect
from warehouse.ingest_run import run_ingest

DAYS = {date(2024, 3, 1): 6, date(2024, 3, 2): 4, date(2024, 3, 3): 5}


def http() -> HttpClient:
    return HttpClient(timeout=2.0, max_retries=2, backoff_seconds=0.001, sleep=lambda _: None)


def test_listing_follows_continuation_tokens_and_rolls_up_prefixes(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path, DAYS, files_per_day=3)
    (tmp_path / "raw" / "20240301" / "00" / "KH" / "webconnectivity" / "postcan.tar.gz").write_bytes(b"tar")
    fake = FakeS3Bucket(tmp_path, max_keys=2)
    with LoopbackServer(fake) as server:
        bucket = S3Bucket(server.url, http())
        hours = bucket.list("raw/20240301/", delimiter="/").prefixes
        assert hours == ["raw/20240301/00/", "raw/20240301/03/", "raw/20240301/06/"]
        everything = bucket.list("raw/")
        assert [o.key for o in everything.objects] == sorted(fake.keys())
        assert bucket.list_requests == 2 + 5   # 3 prefixes at 2 a page, then 10 keys at 2 a page
        tokens = [r.param("continuation-token") for r in server.requests if r.param("continuation-token")]
        assert len(tokens) == 5 and all(tokens)
        source = S3Source(bucket, tmp_path / "cache", "KH")
        keys = [o.key for o in source.keys_for_day(date(2024, 3, 1))]
        assert len(keys) == 3 and all(k.endswith(".jsonl.gz") for k in keys)   # postcans are left out


def test_listing_xml_errors_name_the_url() -> None:
    with pytest.raises(FetchError, match="not valid XML"):
        parse_listing_page(b"<oops", "http://x/?prefix=raw/")
    with pytest.raises(FetchError, match="ListBucketResult"):
        parse_listing_page(b"<Error><Code>AccessDenied</Code></Error>", "http://x/")


def test_ingest_from_s3_with_faults_then_cache_reuse(tmp_path: Path, make_kh_mirror) -> None:
    written = make_kh_mirror(tmp_path / "bucket", DAYS, files_per_day=2)
    fake = FakeS3Bucket(tmp_path / "bucket", max_keys=3)
    key = "raw/20240302/03/KH/webconnectivity/2024030203_KH_webconnectivity.n1.1.jsonl.gz"
    size = (tmp_path / "bucket" / key).stat().st_size
    fake.faults[key] = [Reply(429, b"", {"Retry-After": "0"}), Reply(500), Reply(200, (tmp_path / "bucket" / key).read_bytes(),
                                                                                   truncate_at=size // 2)]
    con = connect(tmp_path / "w.duckdb")
    with LoopbackServer(fake) as server:
        source = S3Source(S3Bucket(server.url, HttpClient(timeout=2, max_retries=5, backoff_seconds=0.001,
                                                         sleep=lambda _: None)), tmp_path / "cache", "KH")
        summary = run_ingest(con, source, date(2024, 3, 1), date(2024, 3, 3), country="KH", workers=1)
        assert summary.stored == sum(DAYS.values())
        assert fake.ranges == [f"bytes={size // 2}-"]   # the cut download resumed
        gets = len(fake.gets)
        again = run_ingest(con, source, date(2024, 3, 1), date(2024, 3, 3), country="KH", workers=1)
        assert len(fake.gets) == gets   # nothing downloaded twice
    assert again.stored == summary.stored
    by_day = dict(con.execute("SELECT ingest_day, count(*) FROM measurements GROUP BY 1").fetchall())
    assert by_day == {day: len(rows) for day, rows in written.items()}
    assert con.execute("SELECT DISTINCT ingest_source FROM measurements").fetchall() == [("s3",)]
    assert con.execute("SELECT count(*) FROM ingest_files WHERE source_file LIKE 'raw/%'").fetchall() == [(6,)]


def test_network_failure_keeps_finished_days_and_the_next_run_resumes(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path / "bucket", DAYS, files_per_day=2)
    fake = FakeS3Bucket(tmp_path / "bucket")
    broken = "raw/20240302/00/KH/webconnectivity/2024030200_KH_webconnectivity.n1.0.jsonl.gz"
    fake.faults[broken] = [Reply(503)] * 10
    con = connect(tmp_path / "w.duckdb")
    with LoopbackServer(fake) as server:
        source = S3Source(S3Bucket(server.url, http()), tmp_path / "cache", "KH")
        with pytest.raises(FetchError, match="2024030200_KH"):
            run_ingest(con, source, date(2024, 3, 1), date(2024, 3, 3), country="KH", workers=1)
        days = dict(con.execute("SELECT ingest_day, count(*) FROM measurements GROUP BY 1").fetchall())
        assert days == {date(2024, 3, 1): 6}   # day 1 committed; nothing of day 2 or 3
        fake.faults.clear()
        run_ingest(con, source, date(2024, 3, 2), date(2024, 3, 3), country="KH", workers=1)
    days = dict(con.execute("SELECT ingest_day, count(*) FROM measurements GROUP BY 1").fetchall())
    assert days == DAYS
