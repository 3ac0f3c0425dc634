"""`imap measurement UID`: one raw measurement from the OONI API, as evidence (printed or saved)."""

from __future__ import annotations

import argparse
import re
import sys

# OONI's measurement ids: "20240315041233.123456_KH_webconnectivity_<hex>" (collector time, country,
# test name, random part). Checked before asking the API, so a typo is not retried over the network.
MEASUREMENT_UID = re.compile(r"\d{14}\.\d{6}_[A-Z]{2}_[a-z_]+_[0-9a-f]{8,}")


def measurement_uid(text: str) -> str:
    if not MEASUREMENT_UID.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an OONI measurement id (like 20240315041233.123456_KH_webconnectivity_5d3ea4e8d2d2c7f7; "
            "it is the last part of an OONI Explorer link, explorer.ooni.org/m/<id>)"
        )
    return text.strip()


def register(subparsers: argparse._SubParsersAction) -> None:
    measurement = subparsers.add_parser(
        "measurement",
        help="fetch one raw measurement from the OONI API by its uid (evidence for a verdict)",
        description=(
            "Fetch the raw measurement MEASUREMENT_UID from the OONI API (api.ooni.io, or $IMAP_API_ENDPOINT), "
            "keep a copy in the downloads cache, and print it as JSON or save it to a file. --summary prints the "
            "fields imap stores for it instead (DNS answers, TCP/TLS/HTTP results, control, the probe's verdict). "
            "Explorer page: https://explorer.ooni.org/m/<uid>."
        ),
    )
    measurement.add_argument("uid", metavar="MEASUREMENT_UID", type=measurement_uid,
                             help="e.g. 20240315041233.123456_KH_webconnectivity_...")
    measurement.add_argument("--out", metavar="FILE", help="save the raw JSON here instead of printing it")
    measurement.add_argument("--summary", action="store_true", help="print the parsed row instead of the raw JSON")
    measurement.set_defaults(handler=run_measurement)


def run_measurement(args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    import orjson

    from ooni_ingest.api import OoniApi, write_atomically
    from ooni_ingest.http import FetchError, HttpClient
    from ooni_ingest.parse import SkipMeasurement, parse_measurement
    from warehouse.settings import load_settings

    settings = load_settings()   # a SettingsError is printed by pipelines.cli.main
    http = HttpClient(timeout=settings.ingest.http_timeout_seconds, max_retries=settings.ingest.max_retries)
    api = OoniApi(settings.ingest.api_endpoint, http, settings.paths.cache_dir / "api")
    try:
        data = api.raw_measurement_bytes(args.uid)
    except FetchError as exc:
        print(f"imap measurement: error: {exc}", file=sys.stderr)
        return 1
    finally:
        http.close()
    document = orjson.loads(data)
    if args.summary:
        try:
            row = parse_measurement(document, ingest_day=date.today(), ingest_source="api",
                                    source_file=api.raw_measurement_url(args.uid), source_line=None)
        except SkipMeasurement as exc:
            print(f"imap measurement: {args.uid} is not a storable web_connectivity measurement: {exc}",
                  file=sys.stderr)
            return 1
        shown = {k: v for k, v in row.items() if v not in (None, [], "") and k != "http_body_sample"}
        sys.stdout.write(orjson.dumps(shown, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")
        return 0
    pretty = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    if args.out:
        write_atomically(Path(args.out), pretty + b"\n")
        print(f"Saved {args.uid} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(pretty.decode() + "\n")
    return 0
