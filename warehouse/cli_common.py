"""Options shared by every `imap` subcommand, and turning them into settings."""

from __future__ import annotations

import argparse
from typing import Any

from warehouse.settings import Settings, load_settings


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
