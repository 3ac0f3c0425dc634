"""`imap classify FILE...`: judge measurement files without a warehouse, one JSON object per measurement.

Files go through the ingest's reader and parser into an in-memory DuckDB warehouse, then through the
same judgment SQL as the pipeline, so the command and the report can never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ooni_ingest.fingerprints import FingerprintFiles
from ooni_ingest.parse import SkipMeasurement, parse_measurement, rows_to_frame
from ooni_ingest.read import read_measurement_file
from warehouse.classification.judgments import judge_measurements
from warehouse.classification.reference import ReferenceResult, load_reference
from warehouse.db import connect

# Output fields, in order; README "Classification" documents them.
OUTPUT_FIELDS = (
    "measurement_uid", "report_id", "input", "domain", "probe_asn", "probe_cc", "measurement_start_time",
    "test_version", "outcome", "layer", "method", "confirmed", "local_filtering", "fingerprint",
    "fingerprint_scope", "failure", "suspect_answers", "ooni_blocking", "source", "line",
)


@dataclass
class ClassifyRun:
    judgments: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)   # "file:line: reason: message", first few
    reference: ReferenceResult | None = None


def _parsed_rows(paths: list[Path], run: ClassifyRun, country: str | None) -> Iterator[dict]:
    for path in paths:
        for item in read_measurement_file(path):
            where = f"{path}:{item.line}" if item.line else str(path)
            if item.error:
                run.skipped[item.error.reason] += 1
                run.errors.append(f"{where}: {item.error.reason}: {item.error.message}")
                continue
            try:
                row = parse_measurement(
                    item.measurement, ingest_day=date.today(), ingest_source="local",
                    source_file=str(path), source_line=item.line, country=country,
                )
            except SkipMeasurement as exc:
                run.skipped[exc.reason] += 1
                run.errors.append(f"{where}: {exc.reason}: {exc.message}")
                continue
            yield row


def classify_files(
    paths: list[Path],
    files: FingerprintFiles,
    excluded_network_kinds: tuple[str, ...],
    *,
    country: str | None = None,
) -> ClassifyRun:
    run = ClassifyRun()
    con = connect(":memory:")
    try:
        run.reference = load_reference(con, files, excluded_network_kinds)
        rows = []
        for number, row in enumerate(_parsed_rows(paths, run, country)):
            # Probe-written files repeat keys (same report, URL and start time): judge every line.
            row["measurement_key"] = f"{number:012d}"
            rows.append(row)
        if rows:
            frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB's replacement scan below
            con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
            judge_measurements(con)
        run.judgments = _judgments(con)
    finally:
        con.close()
    return run


def _judgments(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = con.execute(
        """
        SELECT m.measurement_uid, m.report_id, m.input, j.domain, j.probe_asn, j.probe_cc,
               strftime(m.measurement_start_time, '%Y-%m-%d %H:%M:%S') AS measurement_start_time,
               m.test_version, j.outcome, j.layer, j.method, j.confirmed, j.local_filtering,
               j.fingerprint_name AS fingerprint, j.fingerprint_scope, j.failure, j.suspect_answers,
               m.probe_blocking AS ooni_blocking, m.source_file AS source, m.source_line AS line
        FROM measurement_judgments j JOIN measurements m USING (measurement_key)
        ORDER BY j.measurement_key
        """
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
