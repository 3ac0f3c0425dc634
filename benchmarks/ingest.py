"""Ingest throughput and memory on a synthetic bucket mirror (`make bench`, or `python -m benchmarks.ingest`).

Prints, on the same files: the baseline the issue sets (gzip module decompression plus `orjson.loads`
of every line, one process and one per worker), the same baseline with ISA-L's faster gzip (what
imap's reader uses), imap's parse throughput (read + parse + Arrow spool, the same worker count),
their ratios per CPU second and per wall second, a full ingest into a fresh DuckDB file (with the
share of its time spent loading DuckDB), its peak memory for a quarter of the period and for all of
it (bounded memory means the two stay close), and the time extrapolated to a Cambodian year of 2.4
million measurements. The corpus is generated once and reused (build/bench/).

The per-CPU-second ratio is measured file by file in the same worker process, baseline and imap
back to back in alternating order, so that both see the same machine: on a shared machine wall
time, and even CPU time, move with whatever else runs.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path

import orjson

YEAR_MEASUREMENTS = 2_400_000
START = date(2024, 1, 1)


def _files(bucket: Path) -> list[Path]:
    return sorted(bucket.rglob("*.jsonl.gz"))


def _baseline_file(path: Path, opener=gzip.open) -> tuple[int, int, float]:
    """gzip + orjson.loads of every line: what any reader of the bucket must do at least.

    Returns (lines, JSON bytes, CPU seconds).
    """
    cpu = time.process_time()
    lines = size = 0
    with opener(path, "rb") as stream:
        try:
            for line in stream:
                size += len(line)
                with contextlib.suppress(orjson.JSONDecodeError):
                    orjson.loads(line)
                lines += 1
        except EOFError:
            pass
    return lines, size, time.process_time() - cpu


def _parse_file(args: tuple[Path, Path, int]) -> tuple[int, float]:
    """imap's parse of one file into Arrow spools: (lines, CPU seconds)."""
    from ooni_ingest.parse_file import ParseTask, parse_unit
    from ooni_ingest.sources import WorkUnit

    cpu = time.process_time()
    path, spool, index = args
    unit = WorkUnit(source_file=str(path), ingest_source="local", ingest_day=None, path_country="KH", path_test=True)
    result = parse_unit(ParseTask(unit, path, "KH", date(2000, 1, 1), date(2100, 1, 1), spool, index))
    for part in result.days.values():
        part.spool.unlink()
    return result.stored + result.skipped, time.process_time() - cpu


def _paired_file(args: tuple[Path, Path, int]) -> tuple[int, float, float, float]:
    """(lines, CPU seconds of the gzip baseline, of the ISA-L baseline, of imap's parse) for one
    file, measured back to back in this process; the order alternates from file to file."""
    from isal import igzip

    path, _, index = args
    steps = [
        lambda: _baseline_file(path),
        lambda: _baseline_file(path, igzip.open),
        lambda: _parse_file(args),
    ]
    order = [0, 1, 2] if index % 2 == 0 else [2, 1, 0]
    cpu = [0.0, 0.0, 0.0]
    lines = 0
    for step in order:
        result = steps[step]()
        cpu[step] = result[-1]
        if step == 0:
            lines = result[0]
    return lines, cpu[0], cpu[1], cpu[2]


def _pool_map(function, items: list, workers: int) -> tuple[list, float]:
    started = time.perf_counter()
    if workers <= 1:
        results = [function(item) for item in items]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(function, items[: workers * 2]))   # start-up is not throughput
            started = time.perf_counter()
            results = list(pool.map(function, items, chunksize=4))
    return results, time.perf_counter() - started


def ensure_corpus(data_dir: Path, measurements: int, days: int, seed: int) -> Path:
    """The synthetic mirror for these parameters, generated (in a child process) when missing."""
    root = data_dir / f"ingest-s{seed}-n{measurements}-d{days}"
    marker = root / "complete.json"
    if not marker.is_file():
        print(f"generating {measurements:,} synthetic measurements over {days} days in {root} ...", flush=True)
        started = time.perf_counter()
        code = (
            "import sys; from datetime import date; from pathlib import Path\n"
            "from ooni_ingest.synthetic.corpus import write_corpus\n"
            f"write_corpus(Path({str(root)!r}), seed={seed}, measurements={measurements}, "
            f"start=date({START.year}, {START.month}, {START.day}), "
            f"end=date.fromordinal({(START + timedelta(days=days - 1)).toordinal()}))\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        marker.write_text(json.dumps({"measurements": measurements, "days": days, "seed": seed}))
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    return root / "bucket"


def _ingest_child(bucket: Path, db: Path, first: date, last: date, workers: int) -> None:
    """Run in a fresh process so that its peak RSS is the ingest's alone."""
    from ooni_ingest.sources import LocalSource
    from warehouse.db import connect
    from warehouse.ingest_run import run_ingest

    db.unlink(missing_ok=True)
    con = connect(db)
    summary = run_ingest(con, LocalSource(bucket, "KH"), first, last, country="KH", workers=workers,
                         spool_root=db.parent / "spool")
    con.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"stored": summary.stored, "lines": summary.lines, "seconds": summary.seconds,
                      "load_seconds": summary.load_seconds,
                      "bytes": summary.bytes, "skipped": dict(summary.skipped),
                      "peak_rss_mib": own, "peak_worker_rss_mib": children}))


def _run_child(bucket: Path, db: Path, first: date, last: date, workers: int) -> dict:
    command = [sys.executable, "-m", "benchmarks.ingest", "--child", str(bucket), str(db), first.isoformat(),
               last.isoformat(), str(workers)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__)
    parser.add_argument("--measurements", type=int, default=int(os.environ.get("IMAP_BENCH_MEASUREMENTS", 200_000)))
    parser.add_argument("--days", type=int, default=28, help="days the measurements are spread over (default 28)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--data-dir", type=Path, default=Path("build/bench"))
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        bucket, db, first, last, workers = args.child
        _ingest_child(Path(bucket), Path(db), date.fromisoformat(first), date.fromisoformat(last), int(workers))
        return 0

    bucket = ensure_corpus(args.data_dir, args.measurements, args.days, args.seed)
    files = _files(bucket)
    compressed = sum(p.stat().st_size for p in files)
    workers = args.workers
    print(f"corpus: {len(files):,} files, {compressed / 1e6:,.1f} MB gzip, workers: {workers}", flush=True)

    counts, one_seconds = _pool_map(_baseline_file, files, 1)
    lines = sum(n for n, _, _ in counts)
    json_bytes = sum(size for _, size, _ in counts)
    print(f"  {lines:,} lines, {json_bytes / 1e6:,.1f} MB of JSON ({json_bytes / max(lines, 1) / 1e3:.1f} KB a measurement; "
          "real Cambodian data: about 10 KB)", flush=True)
    _, pool_seconds = _pool_map(_baseline_file, files, workers)
    baseline_one, baseline_pool = lines / one_seconds, lines / pool_seconds
    print(f"baseline gzip+orjson.loads (wall clock): {baseline_one:,.0f} measurements/s in 1 process, "
          f"{baseline_pool:,.0f}/s with {workers} ({json_bytes / 1e6 / pool_seconds:,.0f} MB/s of JSON)", flush=True)

    spool = args.data_dir / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    tasks = [(p, spool, i) for i, p in enumerate(files)]
    parsed, parse_seconds = _pool_map(_parse_file, tasks, workers)
    parse_rate = sum(n for n, _ in parsed) / parse_seconds
    print(f"imap parse (rows + Arrow spool, wall clock): {parse_rate:,.0f} measurements/s with {workers} "
          f"-> {parse_rate / baseline_pool:.0%} of the baseline with {workers} (per wall second)", flush=True)

    paired, _ = _pool_map(_paired_file, tasks, workers)
    paired_lines = sum(p[0] for p in paired)
    gzip_cpu, isal_cpu, parse_cpu = (sum(p[k] for p in paired) for k in (1, 2, 3))
    per_cpu_gzip, per_cpu_isal, per_cpu_parse = paired_lines / gzip_cpu, paired_lines / isal_cpu, paired_lines / parse_cpu
    print(f"per CPU second (each file: baselines and imap back to back in one of {workers} workers): "
          f"baseline gzip+orjson.loads {per_cpu_gzip:,.0f}, imap parse {per_cpu_parse:,.0f} measurements "
          f"-> ratio {per_cpu_parse / per_cpu_gzip:.0%} (target at least 50%)", flush=True)
    print(f"  for reference, the baseline with ISA-L's gzip (imap's reader): {per_cpu_isal:,.0f} measurements per "
          f"CPU second -> imap parse is {per_cpu_parse / per_cpu_isal:.0%} of it", flush=True)

    db = args.data_dir / "bench.duckdb"
    days = sorted({p.relative_to(bucket).parts[1] for p in files})
    first_day, last_day = date.fromisoformat(f"{days[0][:4]}-{days[0][4:6]}-{days[0][6:]}"), \
        date.fromisoformat(f"{days[-1][:4]}-{days[-1][4:6]}-{days[-1][6:]}")
    quarter_last = first_day + timedelta(days=max(0, (last_day - first_day).days // 4))
    quarter = _run_child(bucket, db, first_day, quarter_last, workers)
    full = _run_child(bucket, db, first_day, last_day, workers)
    rate = full["stored"] / full["seconds"]
    print(f"full ingest into DuckDB ({first_day}..{last_day}): {full['stored']:,} stored in {full['seconds']:.1f} s "
          f"= {rate:,.0f} measurements/s, {full['bytes'] / 1e6 / full['seconds']:.1f} MB/s of gzip; skipped {full['skipped']}")
    print(f"  of which loading DuckDB (one transaction a day, in the main process while the workers parse ahead): "
          f"{full['load_seconds']:.1f} s wall clock, {full['load_seconds'] / full['seconds']:.0%}")
    print(f"peak memory: main process {full['peak_rss_mib']:,.0f} MiB, largest worker {full['peak_worker_rss_mib']:,.0f} MiB "
          f"(a quarter of the period: {quarter['peak_rss_mib']:,.0f} / {quarter['peak_worker_rss_mib']:,.0f} MiB); "
          "target under 1024 MiB for a year")
    scale = YEAR_MEASUREMENTS / max(full["stored"], 1)
    print(f"extrapolated Cambodian year ({YEAR_MEASUREMENTS:,} measurements) from a local mirror: "
          f"{full['seconds'] * scale / 60:,.1f} minutes (measurements here are {json_bytes / max(lines, 1) / 1e3:.1f} KB; "
          f"scale by size for real data)")
    db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
