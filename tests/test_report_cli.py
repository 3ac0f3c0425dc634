"""`imap report`: options, output, and clear errors with a non-zero status."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from tests.test_report_warehouse import small_warehouse


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_warehouse(tmp_path_factory.mktemp("cli") / "w.duckdb", synthetic=True)


def test_report_renders_and_prints_the_pages(warehouse_file: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    assert main(["report", "--year", "2024", "--db", str(warehouse_file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Report 2024 (synthetic demo data): 4 blocked websites" in printed
    assert f"en: {out / '2024' / 'en' / 'index.html'}" in printed
    assert f"km: {out / '2024' / 'km' / 'index.html'}" in printed
    assert (out / "2024" / "km" / "sites" / "news.example.kh.html").is_file()


def test_july_june_option_and_report_dir_variable(warehouse_file: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAP_REPORT_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("IMAP_DB", str(warehouse_file))
    assert main(["report", "--year", "2024", "--period-start-month", "7"]) == 0
    assert (tmp_path / "from-env" / "2023-07_2024-06" / "en" / "index.html").is_file()


def test_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.duckdb"
    assert main(["report", "--year", "2024", "--db", str(missing), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "imap run" in err
    assert not missing.exists(), "a report never creates a warehouse"


def test_period_without_data_is_an_error(warehouse_file: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--year", "2019", "--db", str(warehouse_file), "--out", str(tmp_path / "o")]) == 1
    assert "no measurements between 2019-01-01 and 2019-12-31" in capsys.readouterr().err
    assert not (tmp_path / "o" / "2019").exists()


def test_bad_year_is_rejected(warehouse_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:     # argparse: a usage error, before anything is opened
        main(["report", "--year", "1999", "--db", str(warehouse_file)])
    assert exited.value.code == 2
    assert "1999 is not a reporting year" in capsys.readouterr().err


def test_evidence_links_must_be_https(warehouse_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "imap.toml"
    config.write_text('[report]\nexplorer_url = "javascript:alert(1)//"\n')
    monkeypatch.setenv("IMAP_CONFIG", str(config))
    assert main(["report", "--year", "2024", "--db", str(warehouse_file), "--out", str(tmp_path / "o")]) == 1
    assert "report.explorer_url must be an https:// URL" in capsys.readouterr().err
