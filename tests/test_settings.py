from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.settings import ClassificationThresholds, SettingsError, load_settings


def test_defaults_live_under_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAP_DB")
    settings = load_settings(project_dir=tmp_path)
    assert settings.paths.db_path == tmp_path / "warehouse" / "imap.duckdb"
    assert settings.ingest.country == "KH"
    assert settings.ingest.source == "s3"


def test_precedence_file_then_environment_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "imap.toml"
    config.write_text('[ingest]\ncountry = "TH"\nlate_upload_days = 3\n[thresholds]\nmin_days = 4\n')
    monkeypatch.setenv("IMAP_CONFIG", str(config))
    assert load_settings(project_dir=tmp_path).ingest.country == "TH"
    monkeypatch.setenv("IMAP_COUNTRY", "MM")
    settings = load_settings(project_dir=tmp_path)
    assert settings.ingest.country == "MM"
    assert settings.ingest.late_upload_days == 3
    assert settings.thresholds.min_days == 4
    assert load_settings({"ingest.country": "KH", "ingest.source": None}, project_dir=tmp_path).ingest.country == "KH"


def test_unknown_or_mistyped_settings_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "imap.toml"
    monkeypatch.setenv("IMAP_CONFIG", str(config))
    config.write_text("[ingest]\ncountyr = 'KH'\n")
    with pytest.raises(SettingsError, match=r"ingest\.countyr"):
        load_settings(project_dir=tmp_path)
    config.write_text("[thresholds]\nmin_days = 'two'\n")
    with pytest.raises(SettingsError, match=r"thresholds\.min_days must be an integer"):
        load_settings(project_dir=tmp_path)
    config.write_text("[thresholds\n")
    with pytest.raises(SettingsError, match=r"imap\.toml"):
        load_settings(project_dir=tmp_path)


def test_as_dict_is_plain(tmp_path: Path) -> None:
    values = load_settings(project_dir=tmp_path).as_dict()
    assert values["thresholds"]["confidence"] == ClassificationThresholds().confidence
    assert isinstance(values["thresholds"]["excluded_network_kinds"], list)
    assert isinstance(values["paths"]["db_path"], str)


def test_a_missing_config_file_and_a_bad_setting_are_one_line_errors(tmp_path, monkeypatch, capsys) -> None:
    from pipelines.cli import main as imap

    monkeypatch.setenv("IMAP_CONFIG", str(tmp_path / "missing.toml"))
    assert imap(["export", "verdicts", "--year", "2024", "--db", str(tmp_path / "w.duckdb")]) == 2
    assert "$IMAP_CONFIG names" in capsys.readouterr().err
    (tmp_path / "imap.toml").write_text('[ingest]\ncountri = "KH"\n')
    monkeypatch.setenv("IMAP_CONFIG", str(tmp_path / "imap.toml"))
    assert imap(["run", "--year", "2024", "--db", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("imap run: error: ") and "unknown setting ingest.countri" in err and "Traceback" not in err
    for argv in (["ingest", "--start", "2024-03-01", "--end", "2024-03-01"],
                 ["measurement", "20240301000001.000000_KH_webconnectivity_0000000000000001"]):
        assert imap(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"imap {argv[0]}: error: ") and "unknown setting ingest.countri" in err


@pytest.mark.parametrize("year", ["24", "99999", "twenty"])
def test_years_outside_the_reporting_range_are_usage_errors(year: str, capsys) -> None:
    from pipelines.cli import main as imap

    with pytest.raises(SystemExit) as exited:
        imap(["export", "verdicts", "--year", year])
    assert exited.value.code == 2 and "argument --year" in capsys.readouterr().err
