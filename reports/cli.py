"""`imap report`: render a reporting period's report from the warehouse (read-only)."""

from __future__ import annotations

import argparse
import sys

from warehouse.cli_common import add_db_option, reporting_year


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render the yearly report (English and Khmer static site) from the warehouse",
        description=(
            "Render the Cambodia Internet Censorship Report for a reporting year as a static site: an "
            "index page per language, a page per blocked website, CSV and JSON downloads of every table, "
            "and the assets the pages need, all local (it works offline, opened from disk). The warehouse "
            "is opened read-only; its period must have been ingested and classified (`imap run`)."
        ),
    )
    parser.add_argument("--year", type=reporting_year, required=True, help="reporting year, e.g. 2024")
    parser.add_argument(
        "--period-start-month",
        type=int,
        choices=range(1, 13),
        metavar="M",
        default=None,
        help="first month of the reporting year: 1 for the calendar year (default), 7 for July-June as "
        "the iMAP reports (year 2024 is then July 2023 to June 2024)",
    )
    add_db_option(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder the report goes in, as DIR/<period>/ (default build/report, or $IMAP_REPORT_DIR)",
    )
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    import duckdb

    from reports.data import ReportDataError
    from reports.i18n import TranslationError
    from reports.render import render_report
    from warehouse.cli_common import settings_from_args
    from warehouse.db import connect
    from warehouse.periods import period_for_year
    from warehouse.settings import SettingsError

    try:
        settings = settings_from_args(
            args, **{"report.period_start_month": args.period_start_month, "paths.report_dir": args.out}
        )
        period = period_for_year(args.year, settings.report.period_start_month)
        con = connect(settings.paths.db_path, read_only=True)
    except (SettingsError, ValueError, FileNotFoundError, duckdb.Error) as exc:
        print(f"imap report: error: {exc}", file=sys.stderr)
        return 2
    try:
        rendered = render_report(con, period, settings.paths.report_dir, settings)
    except (ReportDataError, TranslationError, duckdb.Error) as exc:
        print(f"imap report: error: {settings.paths.db_path}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"imap report: error: cannot write the report under {settings.paths.report_dir}: {exc}",
              file=sys.stderr)
        return 1
    finally:
        con.close()
    label = " (synthetic demo data)" if rendered.synthetic else ""
    print(f"Report {period.label}{label}: {rendered.blocked_websites} blocked websites, "
          f"{len(rendered.tables)} tables in {rendered.folder / 'data'}")
    for code, page in rendered.index_pages.items():
        print(f"  {code}: {page}")
    return 0
