"""Synthetic web_connectivity measurements, test lists and fingerprints with known ground truth.

Used by ``imap demo`` (offline end-to-end run), by the tests of every stage and by the benchmarks.
Everything is SYNTHETIC and labelled so: every measurement has ``annotations.imap_synthetic =
"true"``, a report_id containing ``SYNTHETIC`` and a software_name starting with
``imap-synthetic-ooniprobe``; websites are fictional names under reserved TLDs (``.example``,
``.test``); the test lists and fingerprints say "synthetic" in their source/notes columns.

Public API::

    generate_demo_corpus(out_dir, seed=7, measurements=20_000, year=2024, country="KH", inject_faults=False)
        -> DemoCorpus(root, bucket_dir, test_lists_dir, fingerprints_dir, truth_dir, measurements, start, end,
                      faults_manifest)
    write_corpus(out_dir, seed=, measurements=, start=, end=, layout="bucket"|"oonidata"|"plain", ...)
    iter_synthetic_measurements(seed=, count=, start=, end=, country="KH") -> Iterator[dict]
    iter_labelled_measurements(...same...) -> Iterator[(dict, MeasurementTruth)]
    read_measurement_truth(truth_dir) -> {uid: MeasurementTruth}; read_cell_truth(truth_dir) -> {(month, asn, domain): CellTruth}

Same seed and parameters give byte-identical files. The world being simulated (ISPs and their
blocking methods, sites, campaigns, outages) is in ``landscape``; what every scenario means and
the exact ground-truth rules are in the docstring of ``scenarios``; truth file columns in ``truth``;
planted faults in ``faults``.
"""

from ooni_ingest.synthetic.corpus import (
    DemoCorpus,
    generate_demo_corpus,
    iter_labelled_measurements,
    iter_synthetic_measurements,
    write_corpus,
)
from ooni_ingest.synthetic.measurement import MeasurementTruth
from ooni_ingest.synthetic.scenarios import SCENARIOS
from ooni_ingest.synthetic.truth import CellTruth, read_cell_truth, read_measurement_truth

__all__ = [
    "SCENARIOS",
    "CellTruth",
    "DemoCorpus",
    "MeasurementTruth",
    "generate_demo_corpus",
    "iter_labelled_measurements",
    "iter_synthetic_measurements",
    "read_cell_truth",
    "read_measurement_truth",
    "write_corpus",
]
