"""`imap run` on a machine that cannot reach GitHub: the reference data from local folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from ooni_ingest.synthetic import generate_demo_corpus
from pipelines.cli import main as imap


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    return generate_demo_corpus(tmp_path_factory.mktemp("corpus"), seed=3, measurements=400, year=2024, workers=1)


def test_offline_run_fails_fast_and_says_how_to_run_offline(corpus, tmp_path: Path, monkeypatch, capsys) -> None:
    # .invalid never resolves: GitHub unreachable, as on a machine without network.
    monkeypatch.setenv("IMAP_FINGERPRINTS_BASE_URL", "http://imap-test.invalid/fingerprints")
    monkeypatch.setenv("IMAP_TEST_LISTS_BASE_URL", "http://imap-test.invalid/test-lists")
    argv = ["run", "--year", "2024", "--source", str(corpus.bucket_dir), "--db", str(tmp_path / "w.duckdb")]
    assert imap(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("imap run: error: reference_job") and "Traceback" not in err
    assert "did not resolve" in err and "--fingerprints-from DIR" in err


def test_run_with_local_reference_data_needs_no_network(corpus, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("IMAP_FINGERPRINTS_BASE_URL", "http://imap-test.invalid/fingerprints")
    monkeypatch.setenv("IMAP_TEST_LISTS_BASE_URL", "http://imap-test.invalid/test-lists")
    argv = ["run", "--year", "2024", "--source", str(corpus.bucket_dir), "--db", str(tmp_path / "w.duckdb"),
            "--test-lists-from", str(corpus.test_lists_dir), "--fingerprints-from", str(corpus.fingerprints_dir)]
    assert imap(argv) == 0
    out = capsys.readouterr().out
    assert "Report:" in out and (tmp_path / "w.duckdb").is_file()
