"""Synthetic corpus generation speed (`make bench`, or `python -m benchmarks.synthetic [--measurements N]`).

Prints, for one corpus written to a temporary folder: planning time, rendering + gzip + write time
with one process and with every core, measurements per second, JSON bytes per measurement and
the time extrapolated to one million measurements (the size the ingest and classification
benchmarks use).
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import tempfile
import time
from datetime import date
from pathlib import Path


def _json_bytes(bucket: Path, sample: int = 200) -> tuple[int, int]:
    sizes = []
    for path in sorted(bucket.rglob("*.jsonl.gz"))[:sample]:
        sizes += [len(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    sizes.sort()
    return sizes[len(sizes) // 2], sum(sizes) // max(1, len(sizes))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (workers are joined before reading)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synthetic")
    parser.add_argument("--measurements", type=int, default=100_000)
    args = parser.parse_args(argv)

    from ooni_ingest.synthetic.mirror import write_files
    from ooni_ingest.synthetic.plan import plan

    n = args.measurements
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    began = time.perf_counter()
    planned = plan(1, n, start, end)
    plan_s = time.perf_counter() - began
    print(f"plan {n:,} measurements: {plan_s:.2f} s", flush=True)

    cores = os.cpu_count() or 1
    results = {}
    cpu_per_measurement = 0.0
    for workers in sorted({1, cores}):
        with tempfile.TemporaryDirectory() as tmp:
            cpu_before = _cpu()
            began = time.perf_counter()
            specs, _truths = write_files(planned, Path(tmp), workers=workers)
            seconds = time.perf_counter() - began
            cpu_us = (_cpu() - cpu_before) / n * 1e6
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*.gz"))
            median, mean = _json_bytes(Path(tmp))
        results[workers] = seconds
        print(f"render + gzip + write, {workers} process(es): {seconds:.1f} s = {n / seconds:,.0f} measurements/s "
              f"({len(specs):,} files, {size / 1e6:,.0f} MB gzip; JSON median {median:,} B, mean {mean:,} B); "
              f"CPU {cpu_us:.0f} us per measurement", flush=True)
        cpu_per_measurement = cpu_us
    best = min(results.values())
    per_million = (plan_s + best) * 1_000_000 / n
    print(f"extrapolated: 1,000,000 measurements in {per_million:.0f} s on {cores} core(s) as measured; "
          f"{(plan_s * 1e6 / n + cpu_per_measurement / cores):.0f} s if the {cores} core(s) were idle "
          f"(CPU time; other work on a shared machine inflates the wall clock)")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
