"""Report rendering speed on a full year: about 2,000 websites, 30 ISPs and 12 months.

The warehouse is generated with SQL (tiers 0, 1 and 3 consistent with each other; tier 4 by the
classification stage's own summary), then `render_report` is timed. Prints the seconds per phase.

    python -m benchmarks report            # or: python -m benchmarks.report --websites 2000 --isps 30
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

# Cells: a website is measured on an ISP in a month with probability COVERAGE; about 7% of websites
# are blocked on a third of the ISPs from some month on, by the ISP's method, with fingerprints on
# half of those ISPs (confirmed). Measurement counts per cell vary from 1 to 9.
GENERATE_CELLS = """
CREATE OR REPLACE TEMP TABLE bench_cells AS
WITH sites AS (SELECT s AS site, 'site' || s || '.example' AS domain FROM range($websites) t(s)),
isps AS (SELECT i AS isp, 64500 + i AS asn FROM range($isps) t(i)),
months AS (SELECT m, (DATE '2024-01-01' + to_months(m::INTEGER))::DATE AS month FROM range($months) t(m)),
grid AS (
    SELECT site, domain, isp, asn, m, month,
           hash(site, isp, m) % 1000 AS roll,
           1 + hash(site, isp, m, 'n') % 9 AS n,
           site % 14 = 0 AND isp % 3 = 0 AND m >= site % 5 AS blocking,
           isp % 6 = 0 AS fingerprinted
    FROM sites, isps, months
)
SELECT
    month, asn, domain, 'KH' AS probe_cc, n::INTEGER AS measurements,
    CASE WHEN blocking THEN 0 ELSE n END::INTEGER AS ok_count,
    CASE WHEN blocking THEN n ELSE 0 END::INTEGER AS blocked_count,
    0 AS down_count, 0 AS inconclusive_count,
    CASE WHEN blocking THEN n ELSE 0 END::INTEGER AS isp_blocked_count,
    CASE WHEN blocking AND fingerprinted THEN n ELSE 0 END::INTEGER AS confirmed_count,
    0 AS local_filtering_count,
    CASE WHEN blocking THEN n ELSE 0 END::INTEGER AS ooni_anomaly_count,
    least(n, 28)::INTEGER AS days,
    CASE WHEN blocking THEN least(n, 28) ELSE 0 END::INTEGER AS blocked_days,
    NULL::DOUBLE AS blocked_share_lower, NULL::DOUBLE AS blocked_share_upper,
    CASE WHEN n < 5 THEN 'insufficient' WHEN blocking AND fingerprinted THEN 'confirmed'
         WHEN blocking THEN 'likely' ELSE 'accessible' END AS verdict,
    CASE WHEN blocking THEN ['dns.nxdomain', 'dns.redirect', 'tls.reset'][1 + isp % 3] END AS method,
    CASE WHEN blocking THEN 1.0 END AS method_share,
    CASE WHEN blocking THEN [['dns.nxdomain', 'dns.redirect', 'tls.reset'][1 + isp % 3]] ELSE [] END AS methods,
    CASE WHEN blocking THEN [{'method': ['dns.nxdomain', 'dns.redirect', 'tls.reset'][1 + isp % 3], 'count': n::INTEGER}]
         ELSE [] END AS method_counts,
    CASE WHEN blocking AND fingerprinted THEN ['bench_isp_' || isp] ELSE [] END AS fingerprints,
    CASE WHEN blocking THEN ['bench_' || site || '_' || isp || '_' || m || '_0'] ELSE [] END
        AS example_measurement_uids,
    blocking, fingerprinted, site, isp, m
FROM grid
WHERE roll < $coverage_permille
"""
INSERT_TIERS = [
    "INSERT INTO site_month_verdicts BY NAME SELECT * EXCLUDE (blocking, fingerprinted, site, isp, m) FROM bench_cells",
    """INSERT INTO measurements BY NAME
       SELECT 'bench_' || site || '_' || isp || '_' || m || '_' || k AS measurement_key,
              'bench_' || site || '_' || isp || '_' || m || '_' || k AS measurement_uid,
              'https://' || domain || '/' AS input, domain, month AS ingest_day, 'local' AS ingest_source,
              'bench.jsonl' AS source_file, true AS is_synthetic,
              (month + INTERVAL (k % 28) DAY)::TIMESTAMP AS measurement_start_time,
              (month + INTERVAL (k % 28) DAY)::DATE AS measurement_day, 'KH' AS probe_cc, asn AS probe_asn,
              'Bench ISP ' || isp AS probe_network_name, 'imap-benchmark' AS software_name,
              '0.5.28' AS test_version
       FROM bench_cells, range(measurements) t(k)""",
    # The blocked measurements' judgments, as the rules store them; once the days are recorded as
    # judged (record_judged_days), the view derives the rest as the fast path's `ok`.
    """INSERT INTO ruled_judgments BY NAME
       SELECT 'bench_' || site || '_' || isp || '_' || m || '_' || k AS measurement_key, month AS ingest_day,
              (month + INTERVAL (k % 28) DAY)::DATE AS measurement_day, 'KH' AS probe_cc,
              asn AS probe_asn, domain, 'blocked' AS outcome, 'dns' AS layer,
              method, fingerprinted AS confirmed, false AS local_filtering,
              CASE WHEN fingerprinted THEN 'bench_isp_' || isp END AS fingerprint_name,
              CASE WHEN fingerprinted THEN 'isp' END AS fingerprint_scope
       FROM bench_cells, range(measurements) t(k)
       WHERE blocking""",
    """INSERT INTO networks SELECT 64500 + i, 'Bench ISP ' || i, 'isp', 'KH', false, NULL, 'benchmark'
       FROM range($isps) t(i)""",
    """INSERT INTO test_list (url, domain, category_code, category_description, date_added, source, notes, list,
                             upstream_ref)
       SELECT 'https://site' || s || '.example/', 'site' || s || '.example',
              ['NEWS', 'HUMR', 'POLR', 'GMB'][1 + s % 4], NULL, DATE '2020-01-01', 'benchmark', '',
              CASE WHEN s % 10 = 0 THEN 'kh' ELSE 'global' END, 'bench'
       FROM range($websites + 50) t(s)""",
]


def build_warehouse(path: Path, *, websites: int, isps: int, months: int, coverage: float) -> dict[str, int]:
    from warehouse.classification.judgments import record_judged_days
    from warehouse.classification.summary import build_period_summary
    from warehouse.db import connect
    from warehouse.periods import period_for_year
    from warehouse.settings import ClassificationThresholds

    con = connect(path)
    try:
        params = {"websites": websites, "isps": isps, "months": months,
                  "coverage_permille": int(coverage * 1000)}
        con.execute(GENERATE_CELLS, {k: v for k, v in params.items() if f"${k}" in GENERATE_CELLS})
        for sql in INSERT_TIERS:
            con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        record_judged_days(con)
        build_period_summary(con, period_for_year(2024), ClassificationThresholds(), country="KH")
        counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                  for table in ("measurements", "site_month_verdicts", "site_period_summary")}
        counts["blocked_websites"] = con.execute(
            "SELECT count(*) FROM site_period_summary WHERE verdict IN ('confirmed', 'likely')").fetchall()[0][0]
    finally:
        con.close()
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.splitlines()[0])
    parser.add_argument("--websites", type=int, default=2000)
    parser.add_argument("--isps", type=int, default=30)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--coverage", type=float, default=0.6, help="share of website x ISP x month cells measured")
    parser.add_argument("--keep", metavar="DIR", help="keep the warehouse and the report in DIR")
    args = parser.parse_args(argv)

    from reports.data import load_report_data
    from reports.provenance import build_provenance
    from reports.render import render_report, render_site
    from reports.tables import build_tables
    from warehouse.db import connect
    from warehouse.periods import period_for_year
    from warehouse.settings import Paths, Settings

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="imap-bench-report-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        db_path = root / "bench.duckdb"
        db_path.unlink(missing_ok=True)
        started = time.perf_counter()
        counts = build_warehouse(db_path, websites=args.websites, isps=args.isps, months=args.months,
                                 coverage=args.coverage)
        print(f"warehouse: {counts} generated in {time.perf_counter() - started:.1f}s", flush=True)
        settings = Settings(paths=Paths.under(root))
        period = period_for_year(2024)
        con = connect(db_path, read_only=True)
        try:
            phases = {}
            started = time.perf_counter()
            data = load_report_data(con, period, settings)
            phases["read warehouse"] = time.perf_counter() - started
            started = time.perf_counter()
            tables = build_tables(data, settings)
            phases["build tables"] = time.perf_counter() - started
            started = time.perf_counter()
            scratch = root / "phases"
            shutil.rmtree(scratch, ignore_errors=True)
            render_site(scratch, data, tables, build_provenance(data, settings.paths.project_dir), settings)
            phases["write pages and downloads"] = time.perf_counter() - started
            started, cpu_started = time.perf_counter(), time.process_time()
            rendered = render_report(con, period, root / "report", settings)
            total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            con.close()
        files = list(rendered.folder.rglob("*"))
        size = sum(f.stat().st_size for f in files if f.is_file())
        for phase, seconds in phases.items():
            print(f"  {phase:<28} {seconds:6.2f}s")
        # CPU seconds too: on a shared machine the wall clock says more about the neighbours.
        print(f"report: {total:.2f}s end to end ({cpu:.2f}s CPU) for {rendered.blocked_websites} blocked websites "
              f"({rendered.site_pages} pages per language), {len(files)} files, {size / 1e6:.1f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
