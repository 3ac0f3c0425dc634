"""`imap demo`, `imap run` and `imap ui`: the whole pipeline through Dagster."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import date, timedelta
from pathlib import Path

from pipelines.cli import CommandError
from warehouse.cli_common import (
    add_country_option,
    add_db_option,
    add_offline_reference_options,
    overrides_from_args,
    reporting_year,
)

# Jobs of the code location, one per partition type (see pipelines/assets/jobs.py).
REFERENCE_JOB = "reference_job"
DAILY_JOB = "daily_job"
MONTHLY_JOB = "monthly_job"
YEAR_JOBS = {1: "calendar_year_job", 7: "july_june_job"}
REPORT_METADATA_KEY = "index_html"

DEMO_YEAR = 2024


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="run the whole pipeline offline on synthetic data and print where the report is",
        description=(
            "Generate a synthetic OONI bucket mirror, test list and fingerprints (deterministic by "
            "--seed), then ingest, classify and render the report through Dagster, offline. Everything "
            "made from it is labelled as synthetic demo data."
        ),
    )
    demo.add_argument("--measurements", type=int, default=20_000, help="synthetic measurements (default 20000)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the generator (default 7)")
    demo.add_argument("--out", metavar="DIR", help="demo folder (default build/demo in the project)")
    demo.set_defaults(handler=run_demo)

    run = subparsers.add_parser(
        "run",
        help="the main job: ingest a year, classify it and render its report",
        description=(
            "Ingest the year's web_connectivity measurements (upload days of the period plus the late-upload "
            "margin), refresh the test list and fingerprints, judge every measurement, build the monthly "
            "verdicts and render the report. Each stage is a Dagster run visible in `imap ui`."
        ),
    )
    run.add_argument("--year", type=reporting_year, required=True, help="reporting year, e.g. 2024")
    run.add_argument(
        "--period-start-month",
        type=int,
        choices=sorted(YEAR_JOBS),
        default=None,
        help="1: calendar year (default); 7: July of the year before to June of --year, as the iMAP reports",
    )
    add_country_option(run)
    run.add_argument("--source", help="s3 (default), api, or a local directory of .jsonl.gz files")
    add_offline_reference_options(run)
    add_db_option(run)
    run.set_defaults(handler=run_year)

    ui = subparsers.add_parser(
        "ui",
        help="open the Dagster UI (and its daemon: schedules, sensors, backfills) on the same definitions",
        description="Start `dagster dev` on imap's code location with the project's Dagster home.",
    )
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument(
        "--automation",
        action="store_true",
        help="start the automation sensor (daily ingest, then the months and reports a new day affects; "
        "README 'Operating imap'); without it the sensor starts stopped unless started in the UI",
    )
    add_db_option(ui)
    ui.set_defaults(handler=run_ui)


def _today() -> date:
    return date.today()


def execute_period(settings, overrides: dict[str, object], year: int, start_month: int, *, echo=print) -> Path | None:
    """Run every stage for the reporting year; returns the report's index.html."""
    from pipelines.execution import GraphRunner, day_range, materialized_path
    from warehouse.periods import period_for_year

    period = period_for_year(year, start_month)
    runner = GraphRunner(settings, overrides)
    last_upload_day = min(period.end + timedelta(days=settings.ingest.late_upload_days), _today() - timedelta(days=1))
    if last_upload_day < period.start:
        raise CommandError(f"period {period.label} has not started yet")
    last_month = min(period.last_month, date(last_upload_day.year, last_upload_day.month, 1))
    stages = [
        (REFERENCE_JOB, {}),
        (DAILY_JOB, {"partition_range": day_range(period.start, last_upload_day)}),
        (MONTHLY_JOB, {"partition_range": (period.first_month.isoformat(), last_month.isoformat())}),
        (YEAR_JOBS[start_month], {"partition_key": period.partition_key}),
    ]
    report = None
    for job_name, partitions in stages:
        echo(f"==> {job_name} {next(iter(partitions.values()), '')}", flush=True)
        stage = runner.run(job_name, **partitions)
        echo(f"    done in {stage.seconds:.1f}s (run {stage.run_id})", flush=True)
        report = materialized_path(stage.result, REPORT_METADATA_KEY) or report
    return report


def _run_stages(settings, overrides, year: int, start_month: int) -> Path | None:
    from pipelines.execution import StageFailed

    try:
        return execute_period(settings, overrides, year, start_month)
    except StageFailed as exc:
        raise CommandError(str(exc), exit_code=1) from exc


def run_year(args: argparse.Namespace) -> int:
    from warehouse.settings import load_settings

    overrides = overrides_from_args(args)
    if args.period_start_month is not None:
        overrides["report.period_start_month"] = args.period_start_month
    settings = load_settings(overrides)
    report = _run_stages(settings, overrides, args.year, settings.report.period_start_month)
    print(f"Warehouse: {settings.paths.db_path}")
    print(f"Report: {report}" if report else "Report: not rendered (see `imap ui`)")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from ooni_ingest.synthetic import generate_demo_corpus
    from warehouse.settings import find_project_dir, load_settings

    demo_dir = Path(args.out).resolve() if args.out else find_project_dir() / "build" / "demo"
    print(f"Generating {args.measurements} synthetic measurements (seed {args.seed}) in {demo_dir / 'data'}")
    corpus = generate_demo_corpus(demo_dir / "data", seed=args.seed, measurements=args.measurements, year=DEMO_YEAR)
    overrides: dict[str, object] = {
        "paths.db_path": demo_dir / "imap-demo.duckdb",
        "paths.report_dir": demo_dir / "report",
        "paths.cache_dir": demo_dir / "cache",
        "ingest.source": str(corpus.bucket_dir),
        "ingest.country": "KH",
        "upstream.test_lists_from": str(corpus.test_lists_dir),
        "upstream.fingerprints_from": str(corpus.fingerprints_dir),
        "report.period_start_month": 1,
    }
    settings = load_settings(overrides)
    report = _run_stages(settings, overrides, DEMO_YEAR, 1)
    print(f"Warehouse (synthetic demo data): {settings.paths.db_path}")
    print(f"Report (synthetic demo data): {report}")
    return 0 if report else 1


def run_ui(args: argparse.Namespace) -> int:
    from pipelines.execution import prepare_instance
    from warehouse.settings import load_settings

    if args.automation:
        # Read by pipelines.definitions in the processes `dagster dev` starts (settings.automation.enabled).
        os.environ["IMAP_AUTOMATION"] = "1"
    settings = load_settings(overrides_from_args(args))
    prepare_instance(settings)
    command = [
        sys.executable, "-m", "dagster", "dev",
        "-m", "pipelines.definitions",
        "--host", args.host, "--port", str(args.port),
    ]
    print(f"Dagster home: {settings.paths.dagster_home}; warehouse: {settings.paths.db_path}; automation: "
          f"{'on' if settings.automation.enabled else 'off (start imap_automation in the UI, or imap ui --automation)'}",
          flush=True)
    os.chdir(settings.paths.project_dir)
    # Started in the background by a script or service, SIGINT arrives ignored, and an ignored signal
    # stays ignored across exec: `dagster dev` then turns a SIGTERM into SIGINTs its webserver, daemon
    # and code server never see, and nothing stops. Restore the default so that it can.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(sys.executable, command)
    return 0  # not reached
