"""`imap classify`, `imap export verdicts` and `imap fingerprints sync|candidates|review`.

A library command module: errors go to stderr with a non-zero exit status (it must not import
pipelines). Heavy imports happen inside the handlers so `imap --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from warehouse.cli_common import add_country_option, add_db_option, reporting_year, settings_from_args

EXIT_ERROR = 1
EXIT_USAGE = 2


def _error(command: str, message: str, status: int = EXIT_ERROR) -> int:
    print(f"imap {command}: error: {message}", file=sys.stderr)
    return status


def _add_year_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=reporting_year, required=True, help="reporting year, e.g. 2024")
    parser.add_argument(
        "--period-start-month", type=int, choices=(1, 7), default=None,
        help="1: calendar year (default); 7: July of the year before to June of --year (the iMAP reports)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    classify = subparsers.add_parser(
        "classify",
        help="judge measurement files (.json, .jsonl, .jsonl.gz) and print one JSON object per measurement",
        description=(
            "Judge web_connectivity 0.4/0.5 measurements with the same SQL as the pipeline and print one JSON "
            "object per line: measurement_uid (null in probe-written files: use report_id and input), "
            "report_id, input, outcome (ok, blocked, down, inconclusive), layer (dns, tcp, tls, http), "
            "method (dns.nxdomain, tls.reset, ...), confirmed, local_filtering, fingerprint, failure and more. "
            "Lines that cannot be read are reported on stderr and make the exit status 1."
        ),
    )
    classify.add_argument("files", nargs="+", metavar="FILE", type=Path)
    classify.add_argument("--country", metavar="CC", help="only measurements from this probe country")
    classify.add_argument(
        "--fingerprints-from", metavar="DIR",
        help="directory with OONI's fingerprints_dns.csv and fingerprints_http.csv (default: settings; "
        "fetched and cached, or classified without them when offline and never cached)",
    )
    classify.set_defaults(handler=run_classify)

    export = subparsers.add_parser(
        "export", help="export tables of the warehouse", description="Export tables of the warehouse."
    )
    export_commands = export.add_subparsers(dest="export_command", metavar="TABLE", required=True)
    verdicts = export_commands.add_parser(
        "verdicts",
        help="the per website x ASN x month verdicts of a year, as CSV or JSON",
        description=(
            "Write the per (website, ASN, month) verdicts of the reporting year: month (YYYY-MM), asn, "
            "network_name, domain, measurements, outcome counts, verdict (confirmed, likely, inconclusive, "
            "accessible, down, insufficient), method, bounds of the blocked share and example measurement uids."
        ),
    )
    _add_year_options(verdicts)
    add_country_option(verdicts)
    add_db_option(verdicts)
    verdicts.add_argument("--format", choices=("csv", "json"), default="csv")
    verdicts.add_argument("--out", metavar="FILE", type=Path, help="write here instead of standard output")
    verdicts.set_defaults(handler=run_export_verdicts)

    fingerprints = subparsers.add_parser(
        "fingerprints",
        help="blocking fingerprints: sync OONI's, discover candidates, apply volunteers' reviews",
        description="OONI's blocking fingerprints, the reviewed local file and the candidate review loop.",
    )
    fp_commands = fingerprints.add_subparsers(dest="fingerprints_command", metavar="ACTION", required=True)
    sync = fp_commands.add_parser(
        "sync", help="fetch OONI's fingerprint CSVs (pinned, cached) and load them with the local file",
        description="Fetch OONI's fingerprints at upstream.fingerprints_ref into the cache and load them, "
        "with warehouse/reference/fingerprints_local.csv and networks.csv, into the warehouse.",
    )
    sync.add_argument("--fingerprints-from", metavar="DIR", help="use this directory instead of the network")
    add_db_option(sync)
    sync.set_defaults(handler=run_fingerprints_sync)

    candidates = fp_commands.add_parser(
        "candidates", help="find answers and pages shared by many domains and add them to the review file",
        description="Find DNS answers, page bodies and titles shared across many domains among anomalous "
        "measurements of the year, store them in fingerprint_candidates and merge those no fingerprint covers "
        "into the review file (decisions already made are kept).",
    )
    _add_year_options(candidates)
    add_country_option(candidates)
    add_db_option(candidates)
    candidates.add_argument("--review-file", metavar="CSV", type=Path, help="default: warehouse/reference/fingerprint_review.csv")
    candidates.set_defaults(handler=run_fingerprints_candidates)

    review = fp_commands.add_parser(
        "review", help="show the review file's decisions; --apply moves them into the local fingerprint file",
        description="Check the review file. With --apply, rows whose status is confirmed, likely or "
        "false_positive become rows of warehouse/reference/fingerprints_local.csv (validated first) and leave "
        "the review file; the next run matches them.",
    )
    review.add_argument("--review-file", metavar="CSV", type=Path)
    review.add_argument("--local-file", metavar="CSV", type=Path)
    review.add_argument("--apply", action="store_true", help="write the decisions into the local fingerprint file")
    review.set_defaults(handler=run_fingerprints_review)


def run_classify(args: argparse.Namespace) -> int:
    from ooni_ingest.fingerprints import FingerprintSourceError, fetch_fingerprints, local_fingerprints
    from ooni_ingest.http import HttpClient
    from warehouse.classification.classify_files import OUTPUT_FIELDS, classify_files

    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        return _error("classify", f"no such file: {', '.join(missing)}", EXIT_USAGE)
    settings = settings_from_args(args, **{"upstream.fingerprints_from": args.fingerprints_from})
    upstream = settings.upstream
    try:
        if upstream.fingerprints_from:
            files = local_fingerprints(upstream.fingerprints_from)
        else:
            # One attempt only: classifying a file must not wait a minute on an offline machine.
            client = HttpClient(timeout=min(15.0, settings.ingest.http_timeout_seconds), max_retries=0)
            try:
                files = fetch_fingerprints(
                    upstream.fingerprints_base_url, upstream.fingerprints_ref, settings.paths.cache_dir, client=client
                )
            finally:
                client.close()
    except FingerprintSourceError as exc:
        if upstream.fingerprints_from:
            return _error("classify", str(exc))
        print(f"imap classify: warning: {exc}; classifying with the local fingerprint file only, so "
              "`confirmed` may be under-reported", file=sys.stderr)
        files = _no_ooni_fingerprints(settings.paths.cache_dir)
    run = classify_files(args.files, files, settings.thresholds.excluded_network_kinds, country=args.country)
    out = sys.stdout
    for judgment in run.judgments:
        out.write(json.dumps({name: judgment[name] for name in OUTPUT_FIELDS}, ensure_ascii=False) + "\n")
    out.flush()
    if run.skipped:
        for line in run.errors[:20]:
            print(f"imap classify: skipped {line}", file=sys.stderr)
        counts = ", ".join(f"{reason}: {count}" for reason, count in run.skipped.most_common())
        print(f"imap classify: {len(run.judgments)} judged, {sum(run.skipped.values())} skipped ({counts})",
              file=sys.stderr)
        return EXIT_ERROR
    return 0


def _no_ooni_fingerprints(cache_dir: Path):
    """An empty pair of OONI CSVs (header only), for classifying offline without a cached copy."""
    from ooni_ingest.fingerprints import FILES, local_fingerprints
    from warehouse.classification.fingerprints import OONI_COLUMNS

    directory = Path(cache_dir) / "fingerprints" / "none"
    directory.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (directory / name).write_text(",".join(OONI_COLUMNS) + "\n", encoding="utf-8")
    return local_fingerprints(directory)


VERDICT_FIELDS = (
    "month", "asn", "network_name", "domain", "measurements", "ok_count", "blocked_count", "down_count",
    "inconclusive_count", "isp_blocked_count", "confirmed_count", "local_filtering_count", "ooni_anomaly_count",
    "days", "blocked_days", "blocked_share_lower", "blocked_share_upper", "verdict", "method", "method_share",
    "methods", "fingerprints", "example_measurement_uids",
)


def run_export_verdicts(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.classification.export import verdict_rows, write_verdicts
    from warehouse.db import connect
    from warehouse.periods import period_for_year

    settings = settings_from_args(args, **{"report.period_start_month": args.period_start_month})
    try:
        period = period_for_year(args.year, settings.report.period_start_month)
    except ValueError as exc:
        return _error("export verdicts", str(exc), EXIT_USAGE)
    try:
        con = connect(settings.paths.db_path, read_only=True)
    except (FileNotFoundError, duckdb.Error) as exc:
        return _error("export verdicts", str(exc))
    try:
        rows = verdict_rows(con, period, args.country)
    except duckdb.CatalogException:
        return _error("export verdicts", f"{settings.paths.db_path} has no site_month_verdicts table; run `imap run` first")
    finally:
        con.close()
    if not rows:
        return _error("export verdicts", f"no verdicts for {period.label} in {settings.paths.db_path}; "
                      f"run `imap run --year {args.year}` first")
    try:
        write_verdicts(rows, VERDICT_FIELDS, args.format, args.out)
    except OSError as exc:
        return _error("export verdicts", f"{args.out}: {exc.strerror or exc}")
    if args.out:
        print(f"{len(rows)} verdicts of {period.label} written to {args.out}", file=sys.stderr)
    return 0


def _open_warehouse(settings: Any, command: str):
    import duckdb

    from warehouse.db import connect

    try:
        return connect(settings.paths.db_path)
    except duckdb.Error as exc:
        raise SystemExit(_error(command, f"{settings.paths.db_path}: {exc}")) from None


def run_fingerprints_sync(args: argparse.Namespace) -> int:
    from ooni_ingest.fingerprints import FingerprintSourceError
    from warehouse.classification.fingerprints import FingerprintFileError
    from warehouse.classification.networks import NetworksFileError
    from warehouse.classification.reference import load_reference, obtain_fingerprint_files

    settings = settings_from_args(args, **{"upstream.fingerprints_from": args.fingerprints_from})
    try:
        files = obtain_fingerprint_files(settings)
    except FingerprintSourceError as exc:
        return _error("fingerprints sync", str(exc))
    con = _open_warehouse(settings, "fingerprints sync")
    try:
        result = load_reference(con, files, settings.thresholds.excluded_network_kinds)
    except (FingerprintFileError, NetworksFileError) as exc:
        return _error("fingerprints sync", str(exc))
    finally:
        con.close()
    where = f"local copy {files.directory}" if files.origin == "local" else files.origin
    if files.origin == "local" and not files.commit:
        where += ", no SOURCE file naming its upstream commit"
    print(f"OONI fingerprints {files.version} ({where}{': ' + files.note if files.note else ''})")
    print(f"Local fingerprint file {result.local_ref}; {result.fingerprints} fingerprints, {result.networks} networks "
          f"loaded into {settings.paths.db_path}")
    for reason, count in sorted(result.skipped.items()):
        print(f"  skipped {count}: {reason}")
    return 0


def run_fingerprints_candidates(args: argparse.Namespace) -> int:
    from warehouse.classification.candidates import (
        REVIEW_FILE,
        ReviewFileError,
        candidate_rows,
        discover_candidates,
        merge_review_file,
    )
    from warehouse.periods import period_for_year

    settings = settings_from_args(args, **{"report.period_start_month": args.period_start_month})
    period = period_for_year(args.year, settings.report.period_start_month)
    review_file = args.review_file or REVIEW_FILE
    con = _open_warehouse(settings, "fingerprints candidates")
    try:
        if not con.execute("SELECT count(*) FROM measurement_judgments").fetchone()[0]:
            return _error("fingerprints candidates", f"{settings.paths.db_path} has no judged measurements; "
                          f"run `imap run --year {args.year}` first")
        found = discover_candidates(con, period, settings.thresholds, args.country)
        rows = candidate_rows(con, period.label)
    finally:
        con.close()
    try:
        merged = merge_review_file(review_file, rows)
    except (ReviewFileError, OSError) as exc:
        return _error("fingerprints candidates", str(exc))
    print(f"{found} candidates for {period.label} ({len(rows)} not covered by a fingerprint); review file "
          f"{review_file}: {merged.added} added, {merged.updated} updated, {merged.pending} pending, "
          f"{merged.decided} decided")
    for row in rows[:15]:
        print(f"  {row['kind']:10} {row['pattern'][:40]:40} {row['domain_count']:>4} domains  ASNs {row['asns']}"
              f"{'  bogon' if row['is_bogon'] == 'yes' else ''}")
    return 0


def run_fingerprints_review(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.classification.candidates import REVIEW_FILE, ReviewFileError, apply_review
    from warehouse.classification.fingerprints import LOCAL_FINGERPRINTS

    review_file = args.review_file or REVIEW_FILE
    local_file = args.local_file or LOCAL_FINGERPRINTS
    if not review_file.exists():
        return _error("fingerprints review", f"{review_file} does not exist; run `imap fingerprints candidates` first")
    con = duckdb.connect()
    try:
        result = apply_review(review_file, local_file, con, dry_run=not args.apply)
    except (ReviewFileError, OSError) as exc:
        return _error("fingerprints review", str(exc))
    finally:
        con.close()
    verb = "moved into" if args.apply else "would move into (use --apply)"
    print(f"{review_file}: {result.pending} pending, {len(result.applied)} decided")
    for row in result.applied:
        print(f"  {row['review_status']:14} {row['name']} ({row['scope']}, {row['location_found']} "
              f"{row['pattern_type']} {row['pattern'][:50]!r})")
    if result.applied:
        print(f"{len(result.applied)} fingerprints {verb} {local_file}")
    return 0
