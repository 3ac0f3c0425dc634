"""A complete synthetic corpus on disk: bucket mirror, test lists, fingerprints, ground truth (and faults)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson

from ooni_ingest.synthetic import reference
from ooni_ingest.synthetic.faults import MANIFEST_NAME, inject_faults
from ooni_ingest.synthetic.measurement import MeasurementTruth, build
from ooni_ingest.synthetic.mirror import write_files
from ooni_ingest.synthetic.plan import plan
from ooni_ingest.synthetic.truth import write_truth

# Folders a corpus owns inside its out_dir; regenerating replaces exactly these.
_PARTS = ("bucket", "test-lists", "fingerprints", "truth")


@dataclass(frozen=True)
class DemoCorpus:
    root: Path
    bucket_dir: Path        # S3-layout mirror: raw/YYYYMMDD/HH/KH/webconnectivity/*.jsonl.gz
    test_lists_dir: Path    # kh.csv, global.csv, 00-LEGEND-new_category_codes.csv (synthetic)
    fingerprints_dir: Path  # fingerprints_dns.csv, fingerprints_http.csv (synthetic)
    truth_dir: Path         # measurements.csv, cells.csv, campaigns.csv, README.txt
    measurements: int
    start: date             # first measurement day covered
    end: date               # last measurement day covered (uploads run a few days past it)
    faults_manifest: Path | None = None


def iter_labelled_measurements(*, seed: int, count: int, start: date, end: date,
                               country: str = "KH") -> Iterator[tuple[dict, MeasurementTruth]]:
    """(raw measurement dict, truth) pairs in measurement-time order; same seed, same pairs.

    Each dict is what ``orjson.loads`` gives for its bucket line: plain, unshared objects that the
    caller may modify (the renderer itself shares cached parts and pre-encoded bodies)."""
    for p in plan(seed, count, start, end, country):
        measurement, truth = build(p, country)
        yield orjson.loads(orjson.dumps(measurement)), truth


def iter_synthetic_measurements(*, seed: int, count: int, start: date, end: date,
                                country: str = "KH") -> Iterator[dict]:
    """Raw measurement dicts exactly as one JSON line of OONI's bucket; truth via
    ``iter_labelled_measurements`` (same arguments, same measurements) or a corpus' truth files."""
    for measurement, _truth in iter_labelled_measurements(seed=seed, count=count, start=start, end=end,
                                                          country=country):
        yield measurement


def write_corpus(out_dir: Path, *, seed: int, measurements: int, start: date, end: date, country: str = "KH",
                 inject_faults_too: bool = False, layout: str = "bucket", workers: int | None = None) -> DemoCorpus:
    """Generate everything for the period ``start``..``end`` under ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for part in _PARTS:
        shutil.rmtree(out_dir / part, ignore_errors=True)
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    planned = plan(seed, measurements, start, end, country)
    bucket = out_dir / "bucket"
    specs, truths = write_files(planned, bucket, cc=country, layout=layout, workers=workers)
    write_truth(out_dir / "truth", truths, start, end)
    reference.write_test_lists(out_dir / "test-lists")
    reference.write_fingerprints(out_dir / "fingerprints")
    manifest = None
    if inject_faults_too:
        if layout == "plain":
            raise ValueError("faults are planted in gzip files: use the bucket or oonidata layout")
        manifest = out_dir / MANIFEST_NAME
        inject_faults(bucket, specs, seed, manifest)
    return DemoCorpus(root=out_dir, bucket_dir=bucket, test_lists_dir=out_dir / "test-lists",
                      fingerprints_dir=out_dir / "fingerprints", truth_dir=out_dir / "truth",
                      measurements=measurements, start=start, end=end, faults_manifest=manifest)


def generate_demo_corpus(out_dir: Path, *, seed: int = 7, measurements: int = 20_000, year: int = 2024,
                         country: str = "KH", inject_faults: bool = False, workers: int | None = None) -> DemoCorpus:
    """A year of synthetic measurements (1 January to 31 December) with everything around them.

    ``workers``: rendering processes (forked); None picks 1 below 10,000 measurements, else one per
    core. Pass 1 when calling from a process that runs threads (forking those can deadlock)."""
    return write_corpus(out_dir, seed=seed, measurements=measurements, start=date(year, 1, 1),
                        end=date(year, 12, 31), country=country, inject_faults_too=inject_faults, workers=workers)
