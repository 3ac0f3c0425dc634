"""`imap ingest`: load a range of days of OONI measurements, through Dagster, and say what happened."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta

from pipelines.cli import CommandError
from warehouse.cli_common import add_country_option, add_db_option, iso_day, overrides_from_args

INGEST_JOB = "ingest_job"


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="load OONI web_connectivity measurements for a range of days into the warehouse",
        description=(
            "Fetch and parse OONI web_connectivity measurements for START..END (inclusive) and store them "
            "in the warehouse, one day per transaction, as a single Dagster run (partitions of the "
            "`ooni_measurements` asset, visible in `imap ui`). Days are upload days for the bucket and "
            "bucket-layout mirrors (measurements keep arriving for days after they ran: ingest some days "
            "past a month to count it fully) and measurement days for the API and plain files. Bad lines "
            "are skipped and counted by reason; re-running a day replaces it."
        ),
    )
    ingest.add_argument("--start", type=iso_day, required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    ingest.add_argument("--end", type=iso_day, required=True, metavar="DATE", help="last day, YYYY-MM-DD (inclusive)")
    add_country_option(ingest)
    ingest.add_argument(
        "--source",
        metavar="s3|api|PATH",
        help="s3: OONI's public bucket (default); api: api.ooni.io (small pulls); PATH: a local directory or file "
        "(bucket mirror, `oonidata sync` output, or plain .jsonl.gz/.jsonl/.json files)",
    )
    add_db_option(ingest)
    ingest.add_argument("--cache-dir", metavar="DIR", help="downloads cache (default .cache/ or $IMAP_CACHE_DIR)")
    ingest.add_argument("--workers", type=int, metavar="N", help="parsing processes (default: one per core)")
    ingest.add_argument("--no-progress", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=run_ingest_command)


def _check_range(start: date, end: date) -> None:
    from pipelines.partitions import FIRST_DAY

    first_allowed = date.fromisoformat(FIRST_DAY)
    last_allowed = date.today() - timedelta(days=1)
    if end < start:
        raise CommandError(f"--end {end} is before --start {start}")
    if start < first_allowed:
        raise CommandError(f"--start {start} is before {first_allowed}, the first day imap partitions")
    if end > last_allowed:
        raise CommandError(f"--end {end} is not over yet (the last complete UTC day is {last_allowed})")


def run_ingest_command(args: argparse.Namespace) -> int:
    from ooni_ingest.progress import PROGRESS_ENVIRONMENT_VARIABLE
    from pipelines.execution import GraphRunner, StageFailed
    from warehouse.settings import load_settings

    _check_range(args.start, args.end)
    overrides = overrides_from_args(args)
    settings = load_settings(overrides)   # a SettingsError is printed by pipelines.cli.main
    source = settings.ingest.source
    if source not in ("s3", "api") and not os.path.exists(source):
        raise CommandError(f"--source {source}: no such directory or file (use s3, api or a local path)")
    if args.workers is not None:
        os.environ["IMAP_INGEST_WORKERS"] = str(max(1, args.workers))
    if not args.no_progress and sys.stderr.isatty():
        os.environ[PROGRESS_ENVIRONMENT_VARIABLE] = "1"
    print(f"Ingesting {args.start}..{args.end} ({settings.ingest.country}) from {source} into {settings.paths.db_path}",
          flush=True)
    try:
        runner = GraphRunner(settings, overrides)
        stage = runner.run(INGEST_JOB, partition_range=(args.start.isoformat(), args.end.isoformat()))
    except StageFailed as exc:
        print_summary(settings.paths.db_path, args.start, args.end, None,
                      max_skip_rate=settings.ingest.max_skip_rate)
        raise CommandError(f"{exc}\nDays already committed are kept; run the same command again to resume.",
                           exit_code=1) from exc
    finally:
        os.environ.pop(PROGRESS_ENVIRONMENT_VARIABLE, None)
    print_summary(settings.paths.db_path, args.start, args.end, stage.seconds, run_id=stage.run_id,
                  max_skip_rate=settings.ingest.max_skip_rate)
    return 0


def print_summary(db_path, start: date, end: date, seconds: float | None, run_id: str | None = None,
                  max_skip_rate: float | None = None) -> None:
    """What the warehouse now holds for the range, from ingest_files and ingest_skips."""
    from warehouse.db import connect
    from warehouse.ingest_report import range_report

    if not os.path.exists(db_path):
        return
    con = connect(db_path, read_only=True)
    try:
        report = range_report(con, start, end)
    finally:
        con.close()
    for line in report.summary_lines(seconds, max_skip_rate):
        print(line)
    if run_id:
        print(f"Dagster run: {run_id} (see `imap ui`)")
