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


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Map the common options onto "section.name" setting overrides (None means not given)."""
    mapping = {
        "db": "paths.db_path",
        "country": "ingest.country",
        "source": "ingest.source",
        "cache_dir": "paths.cache_dir",
    }
    return {setting: getattr(args, option) for option, setting in mapping.items() if getattr(args, option, None) is not None}


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = overrides_from_args(args)
    overrides.update({k: v for k, v in extra.items() if v is not None})
    return load_settings(overrides)
