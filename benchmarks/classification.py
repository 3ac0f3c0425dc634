"""Classification speed: judging measurements and building the monthly verdicts, in measurements per second.

Builds a `measurements` table of ``--rows`` rows (default 1.5 million, about a Cambodian year) from
synthetic measurements parsed by the real parser, repeated with fresh keys and days spread over the
year, then times `judge_measurements` over all of it and `build_month_verdicts` over its months.
The hand-made method of the 2023 report took about 34 minutes for 1.58 million (775 per second).

Two mixes, because the speed depends on it (plain successes take a short path):
  cambodia   the shares of the 2022 iMAP report: 96.4 % of measurements ok, the rest drawn from
             the generator's anomalous scenarios (blocking, traps, failures)
  synthetic  the generator's own mix, built to exercise every trap: about 40 % not ok

    python -m benchmarks classification            # or: make bench
    python -m benchmarks.classification --mix synthetic --rows 3000000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

TARGET_PER_SECOND = 1_000_000
SHARED_FINGERPRINTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ooni-fingerprints"


# The 2022 iMAP report's monthly table: 96.42 % ok, 2.87 % anomaly, 0.71 % failure.
CAMBODIA_OK_SHARE = 0.9642


def synthetic_rows(base: int, seed: int, mix: str) -> list[dict]:
    """Parsed synthetic measurements; for the cambodia mix, anomalies thinned to the report's share."""
    import orjson

    from ooni_ingest.parse import parse_measurement
    from ooni_ingest.synthetic import iter_labelled_measurements

    ok, other = [], []
    for raw, truth in iter_labelled_measurements(seed=seed, count=base, start=date(2024, 1, 1), end=date(2024, 12, 31)):
        raw = orjson.loads(orjson.dumps(raw))
        row = parse_measurement(raw, ingest_day=date(2024, 1, 1), ingest_source="s3", source_file="bench", source_line=None)
        (ok if truth.outcome == "ok" else other).append(row)
    if mix == "synthetic":
        return ok + other
    keep = round(len(ok) * (1 - CAMBODIA_OK_SHARE) / CAMBODIA_OK_SHARE)
    step = max(1, len(other) // max(1, keep))
    return ok + other[::step][:keep]


def build_measurements(con, rows: int, base: int, seed: int, mix: str = "synthetic") -> int:
    from ooni_ingest.parse import rows_to_frame

    parsed = synthetic_rows(base, seed, mix)
    frame = rows_to_frame(parsed)  # noqa: F841 - read by DuckDB below
    con.execute("CREATE TEMP TABLE bench_base AS SELECT * FROM frame")
    copies = -(-rows // len(parsed))
    # Each copy gets fresh keys and its measurement (and ingest) day moved by a few days, so cells,
    # days and months look like a year of data rather than one sample repeated.
    con.execute(
        """
        INSERT INTO measurements
        SELECT b.* REPLACE (
            measurement_key || '-' || c AS measurement_key,
            measurement_uid || '-' || c AS measurement_uid,
            least(measurement_day + (c % 7)::INTEGER, DATE '2024-12-31') AS measurement_day,
            least(measurement_day + (c % 7)::INTEGER, DATE '2024-12-31') AS ingest_day)
        FROM bench_base AS b, range($copies) AS r(c)
        LIMIT $rows
        """,
        {"copies": copies, "rows": rows},
    )
    con.execute("DROP TABLE bench_base")
    return con.execute("SELECT count(*) FROM measurements").fetchone()[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.classification", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--base", type=int, default=20_000, help="distinct synthetic measurements to repeat")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=("cambodia", "synthetic", "both"), default="both")
    parser.add_argument(
        "--fingerprints-from", metavar="DIR", type=Path, default=SHARED_FINGERPRINTS if SHARED_FINGERPRINTS.is_dir() else None,
        help="OONI's fingerprint CSVs (default: ../shared/data/ooni-fingerprints when present, else the synthetic set); "
        "matching pages against OONI's 1,300 body patterns is a large part of the work",
    )
    parser.add_argument("--synthetic-fingerprints", action="store_true",
                        help="match against the synthetic corpus's small fingerprint set instead of OONI's")
    args = parser.parse_args(argv)
    if args.synthetic_fingerprints:
        args.fingerprints_from = None
    mixes = ("cambodia", "synthetic") if args.mix == "both" else (args.mix,)
    status = 0
    for mix in mixes:
        status |= run(mix, args)
    return status


def run(mix: str, args: argparse.Namespace) -> int:
    from ooni_ingest.fingerprints import local_fingerprints
    from ooni_ingest.synthetic import reference
    from warehouse.classification.judgments import judge_measurements
    from warehouse.classification.reference import load_reference
    from warehouse.classification.verdicts import build_month_verdicts
    from warehouse.db import connect
    from warehouse.settings import ClassificationThresholds

    thresholds = ClassificationThresholds()
    with tempfile.TemporaryDirectory(prefix="imap-bench-") as tmp:
        fingerprints_dir = args.fingerprints_from
        if fingerprints_dir is None:
            fingerprints_dir = Path(tmp) / "fingerprints"
            reference.write_fingerprints(fingerprints_dir)
        con = connect(Path(tmp) / "bench.duckdb")
        load_reference(con, local_fingerprints(fingerprints_dir), thresholds.excluded_network_kinds)
        started = time.perf_counter()
        rows = build_measurements(con, args.rows, args.base, args.seed, mix)
        print(f"[{mix} mix] built {rows:,} measurements from {args.base:,} synthetic ones in {time.perf_counter() - started:.1f} s "
              f"(DuckDB threads: {con.execute('SELECT current_setting(?)', ['threads']).fetchone()[0]}, "
              f"cores: {os.cpu_count()}; fingerprints: {fingerprints_dir})", flush=True)

        started, cpu = time.perf_counter(), time.process_time()
        summary = judge_measurements(con)
        judging, judging_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        verdicts = build_month_verdicts(con, date(2024, 1, 1), date(2024, 12, 1), thresholds)
        monthly, monthly_cpu = time.perf_counter() - started, time.process_time() - cpu
        con.close()

    total = judging + monthly
    rate = rows / total
    # CPU seconds as well: on a shared machine, wall time also counts other people's work.
    print(f"judging:          {judging:6.2f} s ({judging_cpu:5.1f} CPU s)  {rows / judging:12,.0f} measurements/s  "
          f"{summary.outcomes}")
    print(f"monthly verdicts: {monthly:6.2f} s ({monthly_cpu:5.1f} CPU s)  {rows / monthly:12,.0f} measurements/s  "
          f"{verdicts.cells:,} cells")
    print(f"both:             {total:6.2f} s ({judging_cpu + monthly_cpu:5.1f} CPU s)  {rate:12,.0f} measurements/s  "
          f"(target {TARGET_PER_SECOND:,} on the cambodia mix; the hand-made method: about 775/s)", flush=True)
    if mix == "cambodia" and rate < TARGET_PER_SECOND:
        print("BELOW TARGET")
        return 1
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
