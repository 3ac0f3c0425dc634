"""The ooni_measurements asset through Dagster, and `imap ingest` end to end."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.assets.ingest import JOBS, SKIP_RATE_CHECK, ooni_measurements
from pipelines.cli import main as imap
from pipelines.execution import RANGE_END_TAG, RANGE_START_TAG
from pipelines.resources import build_resources
from warehouse.settings import load_settings

DAYS = {date(2024, 3, 1): 5, date(2024, 3, 2): 4, date(2024, 3, 3): 6}


def run_asset(tmp_path: Path, source: Path, first: str, last: str) -> dg.ExecuteInProcessResult:
    overrides = {"ingest.source": str(source), "ingest.country": "KH"}
    settings = load_settings(overrides)
    defs = dg.Definitions(assets=[ooni_measurements], jobs=JOBS, resources=build_resources(settings, overrides))
    instance = dg.DagsterInstance.ephemeral()
    return defs.resolve_job_def("ingest_job").execute_in_process(
        instance=instance, tags={RANGE_START_TAG: first, RANGE_END_TAG: last}
    )


def test_a_range_is_one_run_materialising_every_day(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path / "m", DAYS)
    result = run_asset(tmp_path, tmp_path / "m", "2024-03-01", "2024-03-03")
    assert result.success
    events = result.get_asset_materialization_events()
    assert sorted(e.materialization.partition for e in events) == ["2024-03-01", "2024-03-02", "2024-03-03"]
    # Each day carries its own counts, and every day the run's totals.
    by_day = {e.materialization.partition: e.materialization.metadata for e in events}
    for day, count in DAYS.items():
        metadata = by_day[day.isoformat()]
        assert metadata["stored"].value == count and metadata["files"].value == 2
        assert metadata["lines"].value == count and metadata["skipped_by_reason"].value == {}
        assert metadata["run_stored"].value == sum(DAYS.values()) and metadata["run_files"].value == 6
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == SKIP_RATE_CHECK and check.passed


def test_bad_input_turns_the_skip_rate_check_red_without_failing_the_run(tmp_path: Path, make_kh_mirror) -> None:
    make_kh_mirror(tmp_path / "m", {date(2024, 3, 1): 10}, extra_lines=[b"{oops", b"[]", b'{"test_name": "web_connectivity"}'])
    cut = next((tmp_path / "m").rglob("*n1.1.jsonl.gz"))
    cut.write_bytes(cut.read_bytes()[:-30])
    result = run_asset(tmp_path, tmp_path / "m", "2024-03-01", "2024-03-01")
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    skipped = result.get_asset_materialization_events()[0].materialization.metadata["skipped_by_reason"].value
    assert skipped == {"invalid_json": 1, "not_an_object": 1, "truncated_gzip": 1, "wrong_country": 1}


def test_one_bad_day_in_a_long_run_turns_the_check_red(tmp_path: Path, make_kh_mirror) -> None:
    # 1 bad line of 124 is under the 2% limit for the run, but a quarter of 2024-03-03's lines.
    make_kh_mirror(tmp_path / "m", {date(2024, 3, 1): 60, date(2024, 3, 2): 60, date(2024, 3, 3): 3})
    (tmp_path / "m" / "raw" / "20240303" / "05" / "KH" / "webconnectivity" / "bad.jsonl.gz").parent.mkdir(parents=True)
    (tmp_path / "m" / "raw" / "20240303" / "05" / "KH" / "webconnectivity" / "bad.jsonl.gz").write_bytes(
        gzip.compress(b"{not json\n"))
    result = run_asset(tmp_path, tmp_path / "m", "2024-03-01", "2024-03-03")
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["skip_rate"].value < 0.02
    assert check.metadata["days_over_limit"].value == {"2024-03-03": 0.25}
    assert "2024-03-03 (1 of 4, 25%)" in check.description


def test_imap_ingest_command(tmp_path: Path, make_kh_mirror, capsys) -> None:
    make_kh_mirror(tmp_path / "m", DAYS, late={"20240302T000000Z_webconnectivity_KH_000005"})
    (tmp_path / "m" / "raw" / "20240302" / "00" / "KH" / "webconnectivity" / "bad.jsonl.gz").write_bytes(
        gzip.compress(b"{not json\n"))
    db = tmp_path / "cli.duckdb"
    argv = ["ingest", "--start", "2024-03-01", "--end", "2024-03-03", "--source", str(tmp_path / "m"),
            "--db", str(db), "--workers", "2"]
    assert imap(argv) == 0
    out = capsys.readouterr().out
    assert "Stored: 15 measurements" in out
    assert "invalid_json" in out and "bad input" in out
    assert "bad.jsonl.gz:1: invalid_json" in out                      # where, not only how many
    assert "Check skip_rate: RED" in out and "2024-03-02 (" in out    # 1 bad line of 6 that day
    assert "2024-03" in out and "measurements/s" in out
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM measurements").fetchall() == [(15,)]
    con.close()
    # The partitions show as materialised in the instance the UI reads.
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster_home"))
    assert instance.get_materialized_partitions(dg.AssetKey("ooni_measurements")) == {
        "2024-03-01", "2024-03-02", "2024-03-03"}
    assert imap(argv) == 0   # a re-run replaces, never duplicates
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT measurement_key) FROM measurements").fetchall() == [(15, 15)]
    con.close()


def test_imap_ingest_rejects_bad_ranges(capsys) -> None:
    assert imap(["ingest", "--start", "2024-03-02", "--end", "2024-03-01", "--source", "s3"]) == 2
    assert "before --start" in capsys.readouterr().err
    assert imap(["ingest", "--start", "2024-03-01", "--end", "2024-03-01", "--source", "/no/such/dir"]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_a_failed_ingest_ends_with_one_clear_error_and_the_summary(tmp_path: Path, monkeypatch, capfd) -> None:
    # .invalid never resolves: the bucket unreachable, as on a machine without network.
    monkeypatch.setenv("IMAP_S3_ENDPOINT", "http://imap-test.invalid")
    db = tmp_path / "offline.duckdb"
    argv = ["ingest", "--start", "2024-03-01", "--end", "2024-03-01", "--source", "s3", "--db", str(db)]
    assert imap(argv) == 1
    out, err = capfd.readouterr()
    assert "Stored: 0 measurements" in out
    assert "imap ingest: error: ingest_job [2024-03-01..2024-03-01] failed" in err
    assert "step ooni_measurements: FetchError" in err and "did not resolve" in err
    assert "Traceback" not in err and "Stack Trace" not in err and "Not executing" not in err


def test_an_ingest_that_finds_no_files_says_so(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    argv = ["ingest", "--start", "2024-03-01", "--end", "2024-03-01", "--source", str(tmp_path / "empty"),
            "--db", str(tmp_path / "w.duckdb")]
    assert imap(argv) == 0
    assert "Warning: no file was found for these days" in capsys.readouterr().out
