"""Loading partitions: re-runs replace, duplicates are stored once, failures leave the old day whole."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ooni_ingest.sources import LocalSource
from warehouse.db import connect
from warehouse.ingest_load import replace_ingest_partition
from warehouse.ingest_run import run_ingest

D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


def counts(con) -> dict:
    return dict(con.execute("SELECT ingest_day, count(*) FROM measurements GROUP BY 1").fetchall())


def test_rerunning_days_replaces_them(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path / "m", {D1: 5, D2: 7, D3: 3})
    con = connect(tmp_path / "w.duckdb")
    source = LocalSource(tmp_path / "m", "KH")
    for _ in range(2):
        run_ingest(con, source, D1, D3, country="KH", workers=1)
    run_ingest(con, source, D2, D2, country="KH", workers=1)
    assert counts(con) == {D1: 5, D2: 7, D3: 3}
    assert con.execute("SELECT count(*) FROM ingest_files").fetchall() == [(6,)]
    # A day whose files disappeared is emptied by its re-run.
    for path in (tmp_path / "m" / "raw" / "20240303").rglob("*.gz"):
        path.unlink()
    run_ingest(con, source, D3, D3, country="KH", workers=1)
    assert counts(con) == {D1: 5, D2: 7}


def test_duplicates_within_and_across_partitions(tmp_path: Path, make_kh_mirror) -> None:
    written = make_kh_mirror(tmp_path / "m", {D1: 4, D2: 4}, files_per_day=1)
    # Day 2 re-uploads a measurement of day 1, and repeats one of its own.
    repeat_of_day1 = json.dumps(written[D1][0]).encode()
    repeat_of_day2 = json.dumps(written[D2][1]).encode()
    (path,) = (tmp_path / "m" / "raw" / "20240302").rglob("*.gz")
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + repeat_of_day1 + b"\n" + repeat_of_day2 + b"\n"))
    con = connect(tmp_path / "w.duckdb")
    summary = run_ingest(con, LocalSource(tmp_path / "m", "KH"), D1, D2, country="KH", workers=1)
    assert summary.skipped["duplicate"] == 1 and summary.taken_from_other_days == 1
    assert counts(con) == {D1: 3, D2: 5}
    assert con.execute("SELECT count(*), count(DISTINCT measurement_key) FROM measurements").fetchall() == [(8, 8)]
    assert con.execute("SELECT stored, skipped FROM ingest_files WHERE ingest_day = ?", [D2]).fetchall() == [(5, 1)]
    # Re-running day 1 takes the measurement back: still no duplicates.
    run_ingest(con, LocalSource(tmp_path / "m", "KH"), D1, D1, country="KH", workers=1)
    assert counts(con) == {D1: 4, D2: 4}


def test_failed_load_rolls_back_to_the_previous_day(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path / "m", {D1: 6})
    con = connect(tmp_path / "w.duckdb")
    run_ingest(con, LocalSource(tmp_path / "m", "KH"), D1, D1, country="KH", workers=1)
    before = con.execute("SELECT measurement_key FROM measurements ORDER BY 1").fetchall()
    good = con.sql("SELECT * FROM measurements LIMIT 2").pl()

    def tables():
        yield "good", good
        yield "broken", pl.DataFrame({"measurement_key": ["x"], "source_line": [1]})   # NOT NULL columns missing
    with pytest.raises(duckdb.Error, match=r"NOT NULL"):
        replace_ingest_partition(con, ingest_day=D1, ingest_source="local", tables=tables(), files=[], skips=[])
    assert con.execute("SELECT measurement_key FROM measurements ORDER BY 1").fetchall() == before
    assert con.execute("SELECT count(*) FROM ingest_files").fetchall() == [(2,)]


def test_late_uploads_count_in_their_measurement_month(tmp_path: Path, make_kh_mirror) -> None:
    late_uid = "20240301T000000Z_webconnectivity_KH_000000"
    make_kh_mirror(tmp_path / "m", {D1: 3}, late={late_uid})
    con = connect(tmp_path / "w.duckdb")
    run_ingest(con, LocalSource(tmp_path / "m", "KH"), D1, D1, country="KH", workers=1)
    rows = con.execute("SELECT measurement_day, ingest_day, count(*) FROM measurements GROUP BY 1, 2 ORDER BY 1").fetchall()
    assert rows == [(date(2024, 2, 29), D1, 1), (D1, D1, 2)]


def test_measurements_from_the_future_are_implausible(tmp_path: Path, make_kh_mirror) -> None:
    written = make_kh_mirror(tmp_path / "m", {D1: 2}, files_per_day=1)
    future = {**written[D1][0], "measurement_uid": "future", "measurement_start_time": "2024-03-09 00:00:00"}
    (path,) = (tmp_path / "m").rglob("*.gz")
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + json.dumps(future).encode() + b"\n"))
    con = connect(tmp_path / "w.duckdb")
    summary = run_ingest(con, LocalSource(tmp_path / "m", "KH"), D1, D1, country="KH", workers=1)
    assert summary.stored == 2 and summary.skipped["implausible_time"] == 1


def judged_per_day(con) -> dict:
    return dict(con.execute("SELECT ingest_day, count(*) FROM measurement_judgments GROUP BY 1").fetchall())


def test_a_reloaded_day_keeps_its_judgments_only_if_its_measurements_are_the_same(tmp_path: Path, make_kh_mirror) -> None:
    """The fast path's `ok` judgments are derived from the measurements of judged days (the view
    measurement_judgments). Reloading a day from the same files keeps its judgments; a reload that
    changes its measurements removes them, so that it never shows judgments of rows it no longer holds
    nor unjudged rows as `ok`; a measurement another day takes over leaves its judgment behind."""
    from warehouse.classification.judgments import judge_measurements

    written = make_kh_mirror(tmp_path / "m", {D1: 4, D2: 4}, files_per_day=1)
    con = connect(tmp_path / "w.duckdb")
    source = LocalSource(tmp_path / "m", "KH")
    run_ingest(con, source, D1, D2, country="KH", workers=1)
    judge_measurements(con)
    everything = "SELECT * FROM measurement_judgments ORDER BY measurement_key"
    judged = con.execute(everything).fetchall()
    assert judged_per_day(con) == {D1: 4, D2: 4}
    assert con.execute("SELECT sum(fast_path) FROM judged_days").fetchone()[0] > 0   # some are derived

    run_ingest(con, source, D2, D2, country="KH", workers=1)   # the same files: nothing changes
    assert con.execute(everything).fetchall() == judged

    # The same measurement ids, one stored differently (as a newer parser might): day 2 is judged again.
    (path,) = (tmp_path / "m" / "raw" / "20240302").rglob("*.gz")
    original = path.read_bytes()
    lines = gzip.decompress(original).splitlines()
    changed = json.loads(lines[0])
    changed["test_keys"]["queries"] = None
    changed["test_keys"]["dns_experiment_failure"] = "dns_nxdomain_error"
    path.write_bytes(gzip.compress(b"\n".join([json.dumps(changed).encode(), *lines[1:]]) + b"\n"))
    run_ingest(con, source, D2, D2, country="KH", workers=1)
    assert counts(con) == {D1: 4, D2: 4} and judged_per_day(con) == {D1: 4}
    path.write_bytes(original)
    run_ingest(con, source, D2, D2, country="KH", workers=1)
    judge_measurements(con, D2, D2)
    assert con.execute(everything).fetchall() == judged

    # Day 2 gets one more measurement, a re-upload of one of day 1's, which every rule judged (no
    # fast path): day 2 is no longer judged, and day 1 keeps the judgments of what it still holds.
    judge_measurements(con, fast_path=False)
    taken = written[D1][0]["measurement_uid"]
    (path,) = (tmp_path / "m" / "raw" / "20240302").rglob("*.gz")
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + json.dumps(written[D1][0]).encode() + b"\n"))
    run_ingest(con, source, D2, D2, country="KH", workers=1)
    assert counts(con) == {D1: 3, D2: 5}
    assert judged_per_day(con) == {D1: 3}
    assert con.execute("SELECT count(*) FROM ruled_judgments WHERE ingest_day = ? OR measurement_key = ?",
                       [D2, taken]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM judged_days WHERE ingest_day = ?", [D2]).fetchone()[0] == 0
    judge_measurements(con, D2, D2)
    assert judged_per_day(con) == {D1: 3, D2: 5}
    assert con.execute("SELECT count(*) - count(DISTINCT measurement_key) FROM measurement_judgments").fetchone()[0] == 0


def test_a_month_with_a_day_not_judged_since_its_reload_fails_its_count_check(tmp_path: Path, make_kh_mirror) -> None:
    """A reload that changed a day leaves it unjudged; the month's verdicts then miss its
    measurements, and check_verdict_counts (the verdict_counts_add_up check) names the day."""
    from warehouse.classification.judgments import judge_measurements
    from warehouse.classification.verdicts import build_month_verdicts, check_verdict_counts
    from warehouse.settings import ClassificationThresholds

    make_kh_mirror(tmp_path / "m", {D1: 4, D2: 4}, files_per_day=1)
    con = connect(tmp_path / "w.duckdb")
    source = LocalSource(tmp_path / "m", "KH")
    run_ingest(con, source, D1, D2, country="KH", workers=1)
    judge_measurements(con)
    build_month_verdicts(con, D1, D1, ClassificationThresholds())
    assert check_verdict_counts(con, D1, D1, "KH").passed

    make_kh_mirror(tmp_path / "m", {D2: 5}, files_per_day=1)   # day 2 now holds other measurements
    run_ingest(con, source, D2, D2, country="KH", workers=1)
    build_month_verdicts(con, D1, D1, ClassificationThresholds())
    found = check_verdict_counts(con, D1, D1, "KH")
    assert not found.passed and found.not_judged == 5 and found.days_not_judged == [D2]
    assert "5 measurements of these months on upload days not judged (2024-03-02)" in found.describe()
    judge_measurements(con, D2, D2)
    build_month_verdicts(con, D1, D1, ClassificationThresholds())
    assert check_verdict_counts(con, D1, D1, "KH").passed
