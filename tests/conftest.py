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
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from the developer's warehouse, caches and Dagster home."""
    for variable in (
        "IMAP_DB", "IMAP_CACHE_DIR", "IMAP_DAGSTER_HOME", "IMAP_REPORT_DIR", "IMAP_COUNTRY", "IMAP_SOURCE",
        "IMAP_CONFIG", "IMAP_TEST_LISTS_FROM", "IMAP_FINGERPRINTS_FROM", "DAGSTER_HOME",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("IMAP_CONFIG", str(tmp_path / "no-imap.toml"))
    monkeypatch.setenv("IMAP_DB", str(tmp_path / "imap.duckdb"))
    monkeypatch.setenv("IMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IMAP_DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("IMAP_REPORT_DIR", str(tmp_path / "report"))
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
