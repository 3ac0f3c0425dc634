"""`imap export verdicts`, `imap classify` errors, `imap fingerprints ...`, and the Dagster assets of the stage."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from ooni_ingest.parse import parse_measurement, rows_to_frame
from ooni_ingest.read import read_measurement_file
from pipelines.cli import main as imap
from warehouse.db import connect


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory, synthetic_corpus) -> Path:
    """The synthetic corpus's measurements (Oct-Dec 2024) loaded, then the classification assets
    materialised through Dagster as `imap run` does: reference, days, months, year."""
    from pipelines.assets import classification as assets
    from pipelines.resources import build_resources
    from warehouse.settings import load_settings

    root = tmp_path_factory.mktemp("classification-assets")
    db = root / "w.duckdb"
    con = connect(db)
    rows = []
    for path in sorted(Path(synthetic_corpus.bucket_dir).rglob("*.jsonl.gz")):
        day = path.parts[-5]
        for item in read_measurement_file(path):
            rows.append(parse_measurement(item.measurement, ingest_day=date(int(day[:4]), int(day[4:6]), int(day[6:])),
                                          ingest_source="s3", source_file=path.name, source_line=item.line))
    frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB below
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
    first, last = con.execute("SELECT min(ingest_day), max(ingest_day) FROM measurements").fetchone()
    con.close()

    overrides = {"paths.db_path": str(db), "paths.cache_dir": str(root / "cache"),
                 "upstream.fingerprints_from": str(synthetic_corpus.fingerprints_dir), "ingest.country": "KH"}
    resources = build_resources(load_settings(overrides), overrides)
    instance = dg.DagsterInstance.ephemeral()
    runs = [
        ([assets.fingerprints], {}),
        ([assets.measurement_judgments], {"dagster/asset_partition_range_start": str(first),
                                          "dagster/asset_partition_range_end": str(last)}),
        ([assets.site_month_verdicts], {"dagster/asset_partition_range_start": "2024-10-01",
                                        "dagster/asset_partition_range_end": "2024-12-01"}),
    ]
    checks, row_counts = {}, {}

    def record(result: dg.ExecuteInProcessResult) -> None:
        assert result.success
        checks.update({e.check_name: e for e in result.get_asset_check_evaluations()})
        for event in result.get_asset_materialization_events():
            metadata, asset = event.materialization.metadata, event.asset_key.to_user_string()
            # One event per partition, each with that partition's own count: they add up to the table.
            row_counts[asset] = row_counts.get(asset, 0) + metadata["dagster/row_count"].value
            if asset == "measurement_judgments":
                row_counts.setdefault("judged_by_day", {})[event.materialization.partition] = metadata["judged"].value
                row_counts["run_fast_path"] = metadata["run_fast_path"].value

    for selection, tags in runs:
        record(dg.materialize(selection, resources=resources, instance=instance, tags=tags))
    record(dg.materialize([assets.site_year_summary, assets.fingerprint_candidates], resources=resources,
                          instance=instance, partition_key="2024"))
    (root / "checks.json").write_text(json.dumps({name: e.passed for name, e in checks.items()}))
    (root / "row_counts.json").write_text(json.dumps(row_counts))
    return root


def test_asset_checks_pass(small_warehouse: Path) -> None:
    checks = json.loads((small_warehouse / "checks.json").read_text())
    assert checks == {"fingerprints_usable": True, "every_measurement_judged_once": True,
                      "verdict_counts_add_up": True, "summary_matches_verdicts": True}


def test_tiers_are_filled(small_warehouse: Path) -> None:
    con = connect(small_warehouse / "w.duckdb", read_only=True)
    try:
        measured, judged = con.execute(
            "SELECT (SELECT count(*) FROM measurements), (SELECT count(*) FROM measurement_judgments)").fetchone()
        assert measured == judged > 0
        verdicts = dict(con.execute("SELECT verdict, count(*) FROM site_month_verdicts GROUP BY 1").fetchall())
        assert verdicts.get("confirmed", 0) + verdicts.get("likely", 0) > 0
        summary = con.execute("SELECT count(*), count_if(verdict IN ('confirmed', 'likely')) FROM site_period_summary "
                              "WHERE period_label = '2024'").fetchone()
        assert summary[0] > 0 and summary[1] > 0
    finally:
        con.close()


def test_row_counts_in_asset_metadata(small_warehouse: Path) -> None:
    row_counts = json.loads((small_warehouse / "row_counts.json").read_text())
    con = connect(small_warehouse / "w.duckdb", read_only=True)
    try:
        expected = dict(zip(
            ["fingerprints", "measurement_judgments", "site_month_verdicts", "site_year_summary", "fingerprint_candidates"],
            con.execute(
                "SELECT (SELECT count(*) FROM fingerprints), (SELECT count(*) FROM measurement_judgments), "
                "(SELECT count(*) FROM site_month_verdicts WHERE month BETWEEN '2024-10-01' AND '2024-12-01'), "
                "(SELECT count(*) FROM site_period_summary WHERE period_label = '2024'), "
                "(SELECT count(*) FROM fingerprint_candidates WHERE period_label = '2024')"
            ).fetchone(), strict=True,
        ))
        ok_without_rules = con.execute(
            "SELECT count(*) FROM measurement_judgments WHERE outcome = 'ok' AND method IS NULL").fetchone()[0]
        by_day = dict(con.execute("SELECT strftime(ingest_day, '%Y-%m-%d'), count(*) FROM measurement_judgments "
                                  "GROUP BY 1").fetchall())
    finally:
        con.close()
    assert row_counts.pop("run_fast_path") <= ok_without_rules
    judged_by_day = row_counts.pop("judged_by_day")
    assert {day: n for day, n in judged_by_day.items() if n} == by_day and len(set(by_day.values())) > 1
    assert row_counts == expected and expected["measurement_judgments"] > 0


def test_export_verdicts_csv_and_json(small_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(small_warehouse / "w.duckdb")
    assert imap(["export", "verdicts", "--year", "2024", "--db", db]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {"month", "asn", "domain", "measurements", "verdict", "method"} <= set(rows[0])
    assert all(r["month"].startswith("2024-") and r["asn"].isdigit() for r in rows)
    out = small_warehouse / "verdicts.json"
    assert imap(["export", "verdicts", "--year", "2024", "--db", db, "--format", "json", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert len(data) == len(rows) and isinstance(data[0]["asn"], int) and isinstance(data[0]["methods"], list)
    blocked = [r for r in data if r["verdict"] in ("confirmed", "likely")]
    assert blocked and all(r["method"] for r in blocked)


def test_export_errors(small_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert imap(["export", "verdicts", "--year", "2023", "--db", str(small_warehouse / "w.duckdb")]) == 1
    assert "no verdicts for 2023" in capsys.readouterr().err
    assert imap(["export", "verdicts", "--year", "2024", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "no warehouse here yet" in capsys.readouterr().err


def test_fingerprints_candidates_and_review_commands(small_warehouse: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    review = tmp_path / "review.csv"
    db = str(small_warehouse / "w.duckdb")
    assert imap(["fingerprints", "candidates", "--year", "2024", "--db", db, "--review-file", str(review)]) == 0
    assert "candidates for 2024" in capsys.readouterr().out and review.exists()
    local = tmp_path / "local.csv"
    local.write_text((Path(__file__).resolve().parents[1] / "warehouse/reference/fingerprints_local.csv").read_text())
    assert imap(["fingerprints", "review", "--review-file", str(review), "--local-file", str(local)]) == 0
    assert "pending" in capsys.readouterr().out


def test_classify_reports_bad_lines_and_keeps_going(tmp_path: Path, qa_samples_dir: Path, fingerprints_dir: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    good = json.loads((qa_samples_dir / "successWithHTTP.json").read_text())
    path = tmp_path / "mixed.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "test_version": "0.3.0"}) + "\n")
    status = imap(["classify", "--fingerprints-from", str(fingerprints_dir), str(path)])
    captured = capsys.readouterr()
    assert status == 1
    assert [json.loads(line)["outcome"] for line in captured.out.splitlines()] == ["ok"]
    assert f"{path}:2: invalid_json" in captured.err and "unknown_test_version" in captured.err
    assert imap(["classify", str(tmp_path / "missing.json")]) == 2
