"""`imap synth`: write a synthetic corpus (bucket mirror, test lists, fingerprints, ground truth)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from warehouse.cli_common import iso_day


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `imap synth` to `imap`."""
    synth = subparsers.add_parser(
        "synth",
        help="write a synthetic OONI corpus with known ground truth (for demos, tests and benchmarks)",
        description=(
            "Generate SYNTHETIC web_connectivity 0.4/0.5 measurements of fictional websites on Cambodian "
            "networks, in OONI's bucket layout (or oonidata's / plain files), with a synthetic test list, "
            "fingerprint files and the ground truth per measurement and per month x ASN x domain cell. "
            "Same seed and options give byte-identical files."
        ),
    )
    synth.add_argument("--out", metavar="DIR", required=True, help="folder to write (its corpus parts are replaced)")
    synth.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    synth.add_argument("--measurements", type=int, default=20_000, help="number of measurements (default 20000)")
    synth.add_argument("--year", type=int, default=2024, help="calendar year measured (default 2024)")
    synth.add_argument("--start", type=iso_day, help="first measurement day YYYY-MM-DD (overrides --year)")
    synth.add_argument("--end", type=iso_day, help="last measurement day YYYY-MM-DD (overrides --year)")
    synth.add_argument("--country", default="KH", help="probe_cc written into measurements (default KH)")
    synth.add_argument("--layout", choices=("bucket", "oonidata", "plain"), default="bucket",
                       help="bucket: raw/YYYYMMDD/HH/CC/webconnectivity/*.jsonl.gz (default); oonidata: "
                            "web_connectivity/YYYY-MM-DD/*.jsonl.gz; plain: uncompressed YYYY-MM-DD/*.jsonl")
    synth.add_argument("--faults", action="store_true",
                       help="also plant bad input (truncated gzip, invalid JSON, ...) and write faults.json")
    synth.add_argument("--workers", type=int, help="processes rendering files (default: 1, or all cores from 10k)")
    synth.set_defaults(handler=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from ooni_ingest.synthetic import write_corpus

    start = args.start or date(args.year, 1, 1)
    end = args.end or date(args.year, 12, 31)
    if end < start:
        print(f"imap synth: error: --end {end} is before --start {start}", file=sys.stderr)
        return 2
    if args.measurements < 1:
        print("imap synth: error: --measurements must be positive", file=sys.stderr)
        return 2
    began = time.perf_counter()
    try:
        corpus = write_corpus(Path(args.out), seed=args.seed, measurements=args.measurements, start=start, end=end,
                              country=args.country.upper(), inject_faults_too=args.faults, layout=args.layout,
                              workers=args.workers)
    except ValueError as exc:
        print(f"imap synth: error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - began
    files = sorted(p for p in corpus.bucket_dir.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in files)
    print(f"SYNTHETIC corpus (seed {args.seed}): {corpus.measurements} measurements of {start} to {end} "
          f"in {seconds:.1f} s")
    print(f"  measurements ({args.layout} layout): {corpus.bucket_dir}  ({len(files)} files, {size / 1e6:.1f} MB)")
    print(f"  test lists:    {corpus.test_lists_dir}")
    print(f"  fingerprints:  {corpus.fingerprints_dir}")
    print(f"  ground truth:  {corpus.truth_dir}  (measurements.csv, cells.csv, campaigns.csv)")
    if corpus.faults_manifest:
        print(f"  faults:        {corpus.faults_manifest}")
    return 0
