"""Ingest of the synthetic corpus (both test versions, planted faults) against its ground truth."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from ooni_ingest.sources import LocalSource
from warehouse.db import connect
from warehouse.ingest_run import run_ingest

synthetic = pytest.importorskip("ooni_ingest.synthetic.corpus")

START, END = date(2024, 1, 1), date(2024, 1, 20)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("synthetic")
    return synthetic.write_corpus(out, seed=11, measurements=1500, start=START, end=END, inject_faults_too=True)


def test_synthetic_corpus_ingests_to_its_ground_truth(corpus, tmp_path: Path) -> None:
    with open(corpus.truth_dir / "measurements.csv", newline="") as handle:
        truth = list(csv.DictReader(handle))
    manifest = json.loads(corpus.faults_manifest.read_text())
    lost = set(manifest["lost_measurement_uids"])
    last_upload = max(date.fromisoformat(row["upload_day"]) for row in truth)
    con = connect(tmp_path / "w.duckdb")
    summary = run_ingest(con, LocalSource(corpus.bucket_dir, "KH"), START, last_upload + timedelta(days=1),
                         country="KH", workers=2)

    stored = {uid for (uid,) in con.execute("SELECT measurement_uid FROM measurements").fetchall()}
    assert stored == {row["measurement_uid"] for row in truth} - lost
    per_day = Counter(row["upload_day"] for row in truth if row["measurement_uid"] not in lost)
    by_day = {day.isoformat(): n for day, n in con.execute("SELECT ingest_day, count(*) FROM measurements GROUP BY 1").fetchall()}
    assert by_day == dict(per_day)
    measured = Counter(row["measurement_day"][:7] for row in truth if row["measurement_uid"] not in lost)
    months = {m.strftime("%Y-%m"): n for m, n in con.execute(
        "SELECT date_trunc('month', measurement_day), count(*) FROM measurements GROUP BY 1").fetchall()}
    assert months == dict(measured)

    versions = {v[:4] for (v,) in con.execute("SELECT DISTINCT test_version FROM measurements").fetchall()}
    assert versions == {"0.4.", "0.5."}
    assert con.execute("SELECT bool_and(is_synthetic) FROM measurements").fetchall() == [(True,)]

    skips = {(f, r): (n, line) for f, r, n, line in con.execute(
        "SELECT source_file, reason, count, first_line FROM ingest_skips").fetchall()}
    for fault in manifest["faults"]:
        key = (str(corpus.bucket_dir / fault["file"]), fault["reason"])
        assert key in skips, fault
        if fault["reason"] != "truncated_gzip":
            assert skips[key][1] <= fault["line"], fault
    assert sum(Counter(f["reason"] for f in manifest["faults"]).values()) <= summary.bad_input
    # Every line read is either stored or skipped for a reason (a truncated gzip counts as one line).
    assert summary.lines == summary.stored + sum(summary.skipped.values())
