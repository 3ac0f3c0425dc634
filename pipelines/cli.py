"""`imap`: the one command users run. Each stage registers its own subcommands.

Command modules import only argparse-level things at import time; heavy libraries (Dagster,
DuckDB, Polars) are imported inside the handlers so that `imap --help` and `imap testlist lint`
start quickly.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from warehouse.settings import SettingsError

# Modules exposing `register(subparsers)`. Order is the order of `imap --help`.
COMMAND_MODULES = (
    "pipelines.commands.run",       # demo, run, ui
    "pipelines.commands.ingest",    # ingest
    "test_lists.cli",               # testlist ...
    "warehouse.cli",                # classify, export, fingerprints ...
    "reports.cli",                  # report
    "ooni_ingest.cli",              # measurement (one measurement from the OONI API)
    "ooni_ingest.synthetic.cli",    # synth
)


class CommandError(Exception):
    """A user-facing failure: printed without a traceback, exit status 2 unless given."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imap",
        description=(
            "Internet censorship monitoring for Cambodia: ingest OONI web_connectivity measurements, "
            "judge blocking per website, ISP and month, and publish the yearly report."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Dagster flags beta/preview parameters (e.g. backfill_policy) on every import: useful to us in
    # tests, noise to a user running a command.
    warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CommandError as exc:
        print(f"imap {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except SettingsError as exc:  # imap.toml, $IMAP_CONFIG or an IMAP_* variable: names which
        print(f"imap {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
