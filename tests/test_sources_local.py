"""Local sources: what paths tell (layouts, pruning) and content filtering of plain files."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from ooni_ingest.layout import PathHints, hints_for
from ooni_ingest.sources import LocalSource
from warehouse.db import connect
from warehouse.ingest_run import run_ingest


def test_path_hints_for_every_layout() -> None:
    assert hints_for("raw/20240315/04/KH/webconnectivity/2024031504_KH_webconnectivity.n1.0.jsonl.gz") == PathHints(
        date(2024, 3, 15), "KH", "webconnectivity")
    assert hints_for("/m/jsonl/web_connectivity/KH/20200105/00/x.jsonl.gz") == PathHints(
        date(2020, 1, 5), "KH", "web_connectivity")
    sync = hints_for("/data/sync/web_connectivity/2024-03-15/2024031504_KH_webconnectivity.n1.0.jsonl.gz")
    assert sync == PathHints(date(2024, 3, 15), "KH", "web_connectivity") and sync.is_web_connectivity
    assert hints_for("/data/sync/telegram/2024-03-15/x.jsonl.gz").is_web_connectivity is False
    assert hints_for("/anywhere/2024031504_TH_webconnectivity.n1.0.jsonl.gz").country == "TH"
    # A date folder under a name that is not an OONI test says nothing.
    assert hints_for("/home/me/data/2024-03-15/kh.jsonl.gz") == PathHints()
    assert hints_for("/tmp/measurements.jsonl") == PathHints()


def test_mirror_pruned_by_path(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path / "m", {date(2024, 3, 1): 2, date(2024, 3, 2): 2, date(2024, 3, 3): 2})
    other = tmp_path / "m" / "raw" / "20240302" / "00" / "TH" / "webconnectivity" / "x.jsonl.gz"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"not even gzip")
    telegram = tmp_path / "m" / "raw" / "20240302" / "00" / "KH" / "telegram" / "y.jsonl.gz"
    telegram.parent.mkdir(parents=True)
    telegram.write_bytes(b"not even gzip")
    source = LocalSource(tmp_path / "m", "KH")
    units = list(source.plan(date(2024, 3, 2), date(2024, 3, 2)))
    assert len(units) == 2 and {u.ingest_day for u in units} == {date(2024, 3, 2)}
    assert all(u.path_country == "KH" and u.path_test for u in units)
    assert source.pruned_files == 4 + 2   # other days, another country, another test


def plain_file(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"\n".join(json.dumps(r).encode() for r in rows) + b"\n"))


def test_plain_files_are_filtered_by_content(tmp_path: Path, qa_measurements) -> None:
    sample = qa_measurements["successWithHTTP"]
    rows = [
        {**sample, "probe_cc": "KH", "measurement_uid": f"u{n}", "measurement_start_time": f"2024-03-0{d} 10:00:0{n}"}
        for n, d in enumerate([1, 1, 2, 3, 5])
    ]
    rows.append({**sample, "probe_cc": "TH", "measurement_uid": "th", "measurement_start_time": "2024-03-01 10:00:00"})
    rows.append({**sample, "test_name": "telegram", "probe_cc": "KH", "measurement_uid": "tg"})
    plain_file(tmp_path / "downloads" / "kh.jsonl.gz", rows)
    con = connect(tmp_path / "w.duckdb")
    summary = run_ingest(con, LocalSource(tmp_path / "downloads", "KH"), date(2024, 3, 1), date(2024, 3, 3),
                         country="KH", workers=1)
    assert summary.stored == 4 and summary.bad_input == 0
    assert dict(summary.skipped) == {"outside_partition": 1, "other_country": 1, "other_test": 1}
    stored = con.execute("SELECT ingest_day, measurement_day, count(*) FROM measurements GROUP BY 1, 2 ORDER BY 1").fetchall()
    assert stored == [(date(2024, 3, 1), date(2024, 3, 1), 2), (date(2024, 3, 2), date(2024, 3, 2), 1),
                      (date(2024, 3, 3), date(2024, 3, 3), 1)]
    files = con.execute("SELECT ingest_day, lines, stored, skipped FROM ingest_files ORDER BY 1").fetchall()
    # One file, three days: each row has lines = stored + skipped, and the rows add up to its 7 lines.
    assert files == [(date(2024, 3, 1), 5, 2, 3), (date(2024, 3, 2), 1, 1, 0), (date(2024, 3, 3), 1, 1, 0)]
    assert summary.lines == 7


def test_single_file_source_and_qa_directory(tmp_path: Path, qa_samples_dir: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    # The QA samples are Italian probe files from 2024-02-12: a plain directory of .json files.
    summary = run_ingest(con, LocalSource(qa_samples_dir, "IT"), date(2024, 2, 12), date(2024, 2, 12),
                         country="IT", workers=1)
    files = len(list(qa_samples_dir.glob("*.json")))
    assert summary.files == files and summary.bad_input == 0
    # Probe-written files have no uid and an empty report_id, and the QA scenarios share URL, start time
    # and ASN: each is still its own measurement (identity by content), and a re-run stores none twice.
    assert summary.stored == files and "duplicate" not in summary.skipped
    again = run_ingest(con, LocalSource(qa_samples_dir, "IT"), date(2024, 2, 12), date(2024, 2, 12),
                       country="IT", workers=1)
    assert again.stored == files
    assert con.execute("SELECT count(*), count(DISTINCT measurement_key) FROM measurements").fetchall() == [
        (files, files)]


def test_the_same_probe_file_twice_in_a_day_is_stored_once(tmp_path: Path, qa_measurements) -> None:
    """A probe-written measurement copied into a second file (re-serialised) is one measurement."""
    samples = list(qa_measurements.values())
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.jsonl").write_bytes(b"".join(json.dumps(s).encode() + b"\n" for s in samples))
    (tmp_path / "a" / "two.json").write_text(json.dumps(samples[::-1], indent=1, sort_keys=True))
    con = connect(tmp_path / "w.duckdb")
    summary = run_ingest(con, LocalSource(tmp_path / "a", "IT"), date(2024, 2, 12), date(2024, 2, 12),
                         country="IT", workers=1)
    assert summary.stored == len(samples) and summary.skipped["duplicate"] == len(samples)
