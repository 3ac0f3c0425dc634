"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_DIR.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared, the reference corpus beside the clone; tests needing it skip visibly without it."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip(f"reference corpus {SHARED_DIR} is absent (it sits beside the clone on developer machines and in CI)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def qa_samples_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "ooni-qa-samples"


@pytest.fixture(scope="session")
def citizenlab_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "citizenlab"


@pytest.fixture(scope="session")
def fingerprints_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "ooni-fingerprints"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tests away from the developer's warehouse, caches and Dagster home."""
    for variable in (
        "IMAP_DB", "IMAP_CACHE_DIR", "IMAP_DAGSTER_HOME", "IMAP_REPORT_DIR", "IMAP_COUNTRY", "IMAP_SOURCE",
        "IMAP_CONFIG", "IMAP_TEST_LISTS_FROM", "IMAP_FINGERPRINTS_FROM", "IMAP_AUTOMATION", "DAGSTER_HOME",
    ):
        monkeypatch.delenv(variable, raising=False)
    # An empty configuration of the test's own, so the developer's imap.toml is not read (outside
    # tmp_path, which some tests list as a bucket or a folder of lists).
    config = tmp_path_factory.mktemp("imap-config") / "imap.toml"
    config.touch()
    monkeypatch.setenv("IMAP_CONFIG", str(config))
    monkeypatch.setenv("IMAP_DB", str(tmp_path / "imap.duckdb"))
    monkeypatch.setenv("IMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IMAP_DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("IMAP_REPORT_DIR", str(tmp_path / "report"))
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")


# --- Ingest: real OONI QA measurements turned into a small Cambodian bucket mirror -----------------


@pytest.fixture(scope="session")
def qa_measurements(qa_samples_dir: Path) -> dict[str, dict]:
    """The QA suite's web_connectivity 0.5 measurements by scenario name (file name without .json)."""
    import json

    return {path.stem: json.loads(path.read_text()) for path in sorted(qa_samples_dir.glob("*.json"))}


@pytest.fixture
def make_kh_mirror(qa_measurements: dict[str, dict]):
    """Write a bucket-layout mirror of KH measurements made from the QA samples.

    `make_kh_mirror(root, {date: n_measurements, ...}, files_per_day=2, late=None)` writes
    `root/raw/YYYYMMDD/HH/KH/webconnectivity/*.jsonl.gz` and returns the measurements written per
    upload day. Each measurement gets a unique uid and a start time on its upload day (or, for the
    uids in `late`, on the day before: a late upload).
    """
    import gzip
    import json
    from datetime import timedelta

    samples = list(qa_measurements.values())

    def make(root: Path, per_day: dict, files_per_day: int = 2, late: set[str] | None = None,
             extra_lines: list[bytes] | None = None) -> dict:
        written: dict = {}
        counter = 0
        for day, count in sorted(per_day.items()):
            rows = []
            for _ in range(count):
                sample = samples[counter % len(samples)]
                uid = f"{day:%Y%m%d}T000000Z_webconnectivity_KH_{counter:06d}"
                measured = day - timedelta(days=1) if late and uid in late else day
                rows.append({**sample, "probe_cc": "KH", "probe_asn": "AS38623", "measurement_uid": uid,
                             "report_id": f"{day:%Y%m%d}_KH_report", "measurement_start_time":
                             f"{measured} {counter % 24:02d}:{counter % 60:02d}:00"})
                counter += 1
            written[day] = rows
            for index in range(files_per_day):
                chunk = rows[index::files_per_day]
                hour = f"{index * 3:02d}"
                path = (root / "raw" / f"{day:%Y%m%d}" / hour / "KH" / "webconnectivity" /
                        f"{day:%Y%m%d}{hour}_KH_webconnectivity.n1.{index}.jsonl.gz")
                path.parent.mkdir(parents=True, exist_ok=True)
                lines = [json.dumps(row).encode() for row in chunk]
                if extra_lines and index == 0:
                    lines += extra_lines
                path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
        return written

    return make


# A crafted (synthetic) upstream test-lists directory for the test-list tests: a small legend with
# real codes and descriptions, a kh.csv and a global.csv. Small enough to read in the test output.
CRAFTED_LEGEND = """Category Description,New Code,Replaces old code(s),Description
News Media,NEWS,FEXP,"Major news outlets, regional news outlets and independent media."
Human Rights Issues,HUMR,HUMR MINR WOMR MINF,Sites dedicated to discussing human rights issues.
Political Criticism,POLR,POLR POLT,Content that offers critical political viewpoints.
Social Networking,GRP,GRP,Social networking tools and platforms.
Miscellaneous content,MISC,MISC KWRD,Sites that don't fit in any category.
"""
CRAFTED_KH = """url,category_code,category_description,date_added,source,notes
https://kh-news.example-synthetic.org/,NEWS,News Media,2020-01-15,crafted,Synthetic test entry
https://rights.example-synthetic.org/,HUMR,Human Rights Issues,2021-03-01,crafted,"Synthetic, with a comma"
"""
CRAFTED_GLOBAL = """url,category_code,category_description,date_added,source,notes
https://social.example-synthetic.net/,GRP,Social Networking,2014-04-15,crafted,
http://www.global-news.example-synthetic.net/,NEWS,News Media,2014-04-15,crafted,
https://video.example-synthetic.net/watch/1,GRP,Social Networking,2014-04-15,crafted,
"""


@pytest.fixture
def crafted_test_lists(tmp_path: Path) -> Path:
    """A directory laid out like upstream's lists/ (legend, kh.csv, global.csv), synthetic content."""
    directory = tmp_path / "crafted-lists"
    directory.mkdir()
    (directory / "00-LEGEND-new_category_codes.csv").write_text(CRAFTED_LEGEND, encoding="utf-8")
    (directory / "kh.csv").write_text(CRAFTED_KH, encoding="utf-8")
    (directory / "global.csv").write_text(CRAFTED_GLOBAL, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def report_pipeline_warehouse(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A synthetic year (2024) through the pipeline's libraries (tests/test_report_warehouse.py),
    built once per test session and shared by the xdist workers, which only open it read-only."""
    import shutil

    from filelock import FileLock

    from tests.test_report_warehouse import build_pipeline_warehouse

    base = tmp_path_factory.getbasetemp()
    # Under xdist every worker has its own basetemp inside the session's; share the session's.
    root = (base if worker_id == "master" else base.parent) / "report-pipeline"
    with FileLock(f"{root}.lock"):
        ready = root / "ready"
        if not ready.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            build_pipeline_warehouse(root)
            ready.touch()
    return root / "pipeline.duckdb"


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory: pytest.TempPathFactory):
    """A clean synthetic corpus with ground truth (ooni_ingest.synthetic): 5,000 measurements of
    2024-10-01..2024-12-31 (20k-a-year density, every scenario and cell class present), seed 11."""
    from datetime import date

    from ooni_ingest.synthetic import write_corpus

    return write_corpus(tmp_path_factory.mktemp("synthetic-corpus"), seed=11, measurements=5000,
                        start=date(2024, 10, 1), end=date(2024, 12, 31))


@pytest.fixture(scope="session")
def synthetic_faulty_corpus(tmp_path_factory: pytest.TempPathFactory):
    """The same corpus with bad input planted in the mirror; ``.faults_manifest`` lists file, line, reason."""
    from datetime import date

    from ooni_ingest.synthetic import write_corpus

    return write_corpus(tmp_path_factory.mktemp("synthetic-faulty-corpus"), seed=11, measurements=5000,
                        start=date(2024, 10, 1), end=date(2024, 12, 31), inject_faults_too=True)
