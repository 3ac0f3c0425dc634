"""Options shared by every `imap` subcommand, and turning them into settings."""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from warehouse.settings import Settings, load_settings

# OONI's web_connectivity data starts in 2016; a year far outside this range is a typo (24 for 2024).
FIRST_REPORTING_YEAR = 2012


def iso_day(text: str) -> date:
    """An argparse type for a day written YYYY-MM-DD, with a message saying what is wrong with it."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise argparse.ArgumentTypeError(f"{text!r} is not a calendar date") from None
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def reporting_year(text: str) -> int:
    """An argparse type for --year: a four-digit year from FIRST_REPORTING_YEAR to next year."""
    last = date.today().year + 1
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (e.g. 2024)") from None
    if not FIRST_REPORTING_YEAR <= year <= last:
        raise argparse.ArgumentTypeError(f"{year} is not a reporting year imap can use ({FIRST_REPORTING_YEAR}-{last})")
    return year


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="DuckDB warehouse file (default: warehouse/imap.duckdb in the project, or $IMAP_DB)",
    )


def add_country_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--country", metavar="CC", help="probe country code (default: KH, or $IMAP_COUNTRY)")


def add_offline_reference_options(parser: argparse.ArgumentParser) -> None:
    """Where the reference data comes from when this machine cannot reach GitHub."""
    parser.add_argument(
        "--test-lists-from", metavar="DIR",
        help="read upstream kh.csv, global.csv and the category legend from this folder or test-lists clone "
        "instead of fetching them (offline; default: $IMAP_TEST_LISTS_FROM, else fetched over HTTPS)",
    )
    parser.add_argument(
        "--fingerprints-from", metavar="DIR",
        help="read OONI's fingerprint CSVs from this folder instead of fetching them (offline; default: "
        "$IMAP_FINGERPRINTS_FROM, else fetched over HTTPS at the pinned commit)",
    )


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Map the common options onto "section.name" setting overrides (None means not given)."""
    mapping = {
        "db": "paths.db_path",
        "country": "ingest.country",
        "source": "ingest.source",
        "cache_dir": "paths.cache_dir",
        "test_lists_from": "upstream.test_lists_from",
        "fingerprints_from": "upstream.fingerprints_from",
    }
    return {setting: getattr(args, option) for option, setting in mapping.items() if getattr(args, option, None) is not None}


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = overrides_from_args(args)
    overrides.update({k: v for k, v in extra.items() if v is not None})
    return load_settings(overrides)
