"""Write planned measurements as files the way OONI publishes them, deterministically.

Layouts (``layout=``):

- ``bucket``: OONI's S3 bucket, ``raw/YYYYMMDD/HH/CC/webconnectivity/YYYYMMDDHH_CC_webconnectivity.n1.<counter>.jsonl.gz``;
  the date and hour are the upload (collector reception) time, not the measurement time.
- ``oonidata``: what ``oonidata sync`` writes, ``web_connectivity/YYYY-MM-DD/<same file name>`` (upload day).
- ``plain``: uncompressed ``.jsonl`` files, ``YYYY-MM-DD/<file name without .gz>``.

Files are gzip with mtime 0 and no file name, lines sorted by upload time, so that the same plan
gives byte-identical files. Large plans are rendered by several processes (fork), each writing
whole files; the content does not depend on which process wrote what.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from isal import igzip

from ooni_ingest.synthetic.measurement import MeasurementTruth, build
from ooni_ingest.synthetic.plan import Planned, utc

LAYOUTS = ("bucket", "oonidata", "plain")
MAX_LINES_PER_FILE = 200
# ISA-L's gzip (isal) is ~5x faster than zlib for as small a file; gzip was half the cost of a
# million-measurement benchmark corpus. Readers do not care which deflate made the stream.
GZIP_LEVEL = 2


@dataclass(frozen=True, slots=True)
class FileSpec:
    relpath: str
    indices: tuple[int, ...]


def file_name(hour_key: str, cc: str, counter: int, compressed: bool = True) -> str:
    return f"{hour_key}_{cc}_webconnectivity.n1.{counter}.jsonl" + (".gz" if compressed else "")


def layout_files(planned: Sequence[Planned], cc: str, layout: str = "bucket") -> list[FileSpec]:
    """Group measurements into files by upload hour (several files per busy hour)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (known: {', '.join(LAYOUTS)})")
    order = sorted(range(len(planned)), key=lambda i: (planned[i].upload_us, planned[i].seed))
    by_hour: dict[int, list[int]] = {}
    for i in order:
        by_hour.setdefault(planned[i].upload_us // 3_600_000_000, []).append(i)
    specs: list[FileSpec] = []
    for hour, indices in sorted(by_hour.items()):
        when = utc(hour * 3600)
        hour_key = f"{when:%Y%m%d%H}"
        for counter, lo in enumerate(range(0, len(indices), MAX_LINES_PER_FILE)):
            chunk = tuple(indices[lo: lo + MAX_LINES_PER_FILE])
            if layout == "bucket":
                rel = f"raw/{when:%Y%m%d}/{when:%H}/{cc}/webconnectivity/{file_name(hour_key, cc, counter)}"
            elif layout == "oonidata":
                rel = f"web_connectivity/{when:%Y-%m-%d}/{file_name(hour_key, cc, counter)}"
            else:
                rel = f"{when:%Y-%m-%d}/{file_name(hour_key, cc, counter, compressed=False)}"
            specs.append(FileSpec(rel, chunk))
    return specs


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: no timestamp, no original file name."""
    return igzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def render_file(planned: Sequence[Planned], spec: FileSpec, cc: str) -> tuple[bytes, list[MeasurementTruth]]:
    lines = []
    truths = []
    for i in spec.indices:
        m, truth = build(planned[i], cc)
        lines.append(orjson.dumps(m))
        truths.append(truth)
    data = b"\n".join(lines) + b"\n"
    return (data if spec.relpath.endswith(".jsonl") else gzip_bytes(data)), truths


# Set in the parent before forking workers, so that they read the plan without pickling it.
_SHARED: tuple[Sequence[Planned], str, Path] | None = None


def _write_one(spec: FileSpec) -> list[MeasurementTruth]:
    assert _SHARED is not None
    planned, cc, root = _SHARED
    data, truths = render_file(planned, spec, cc)
    path = root / spec.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return truths


def default_workers(count: int) -> int:
    """Parallel only where it pays for the fork (large plans) and where fork exists."""
    if count < 10_000 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def write_files(planned: Sequence[Planned], root: Path, *, cc: str = "KH", layout: str = "bucket",
                workers: int | None = None) -> tuple[list[FileSpec], list[MeasurementTruth]]:
    """Write every planned measurement under ``root``; returns the files and the truth in plan order."""
    global _SHARED
    specs = layout_files(planned, cc, layout)
    workers = default_workers(len(planned)) if workers is None else workers
    _SHARED = (planned, cc, root)
    try:
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results: Iterable[list[MeasurementTruth]] = pool.map(_write_one, specs, chunksize=8)
                results = list(results)
        else:
            results = [_write_one(spec) for spec in specs]
    finally:
        _SHARED = None
    truth_by_index: dict[int, MeasurementTruth] = {}
    for spec, truths in zip(specs, results, strict=True):
        truth_by_index.update(zip(spec.indices, truths, strict=True))
    return specs, [truth_by_index[i] for i in range(len(planned))]
