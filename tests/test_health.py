"""Data-health checks: warehouse.health's rules on crafted (synthetic) warehouses, and the Dagster
checks of pipelines/assets/health.py going red on crafted trouble and green on healthy data."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets import health as checks
from pipelines.execution import RANGE_END_TAG, RANGE_START_TAG
from pipelines.partitions import calendar_year_partitions, daily_partitions, monthly_partitions
from pipelines.resources import build_resources
from warehouse import health
from warehouse.db import connect
from warehouse.settings import HealthSettings, load_settings

DAY = date(2024, 3, 20)
HEALTH = HealthSettings()
VIETTEL, SMART, THIN, VPN = 38623, 45498, 131178, 9009


def add_day(con: duckdb.DuckDBPyConnection, day: date, per_asn: dict[int, int], files: int = 1) -> None:
    """Crafted rows: ``per_asn`` measurements per ASN uploaded on ``day``, and its source files."""
    lines = sum(per_asn.values())
    for asn, n in per_asn.items():
        con.execute(
            "INSERT INTO measurements (measurement_key, input, domain, ingest_day, ingest_source, source_file, "
            "is_synthetic, measurement_start_time, measurement_day, probe_cc, probe_asn, probe_network_name, "
            "test_version) SELECT 'crafted-' || $day || '-' || $asn || '-' || i, 'https://site.example/', "
            "'site.example', $day, 'local', 'crafted.jsonl', true, $day::TIMESTAMP, $day, 'KH', $asn, "
            "'Probe name AS' || $asn, '0.5.28' FROM range($n) AS r(i)",
            {"day": day, "asn": asn, "n": n},
        )
    for index in range(files):
        con.execute("INSERT INTO ingest_files VALUES ($day, 'local', $file, 100, $lines, $lines, 0, true, now())",
                    {"day": day, "file": f"{day}-{index}.jsonl", "lines": lines // max(files, 1)})


def steady(con: duckdb.DuckDBPyConnection, last: date, days: int, per_asn: dict[int, int]) -> None:
    for back in range(days, 0, -1):
        add_day(con, last - timedelta(days=back), per_asn)


@pytest.fixture
def con(tmp_path: Path):
    con = connect(tmp_path / "crafted.duckdb")
    con.execute("INSERT INTO networks VALUES (38623, 'Viettel (Cambodia) / Metfone', 'isp', 'KH', false, NULL, NULL),"
                " (9009, 'M247', 'vpn', 'RO', true, NULL, NULL)")
    yield con
    con.close()


# --- warehouse.health ------------------------------------------------------------------------------


def test_an_empty_day_after_busy_days_is_red_and_says_no_files_came(con) -> None:
    steady(con, DAY, 28, {VIETTEL: 150, SMART: 90})
    found = health.find_empty_days(con, [DAY], HEALTH)
    assert not found.passed
    (empty,) = found.flagged
    assert (empty.day, empty.files, empty.lines, empty.usual) == (DAY, 0, 0, 240)


def test_files_read_but_nothing_stored_is_told_apart(con) -> None:
    steady(con, DAY, 28, {VIETTEL: 150})
    con.execute("INSERT INTO ingest_files VALUES ($day, 'local', 'all-bad.jsonl.gz', 10, 70, 0, 70, false, now())",
                {"day": DAY})
    (empty,) = health.find_empty_days(con, [DAY], HEALTH).flagged
    assert (empty.files, empty.lines) == (1, 70)


def test_on_thin_data_a_day_without_uploads_is_usual(con) -> None:
    for back in range(28, 0, -1):
        if back % 5:
            add_day(con, DAY - timedelta(days=back), {VIETTEL: 30})
    found = health.find_empty_days(con, [DAY - timedelta(days=5), DAY], HEALTH)
    assert found.passed and [e.day for e in found.empty] == [DAY - timedelta(days=5), DAY]
    assert found.empty[1].usual == 30


def test_empty_days_after_a_month_of_nothing_are_red_however_thin(con) -> None:
    found = health.find_empty_days(con, [DAY, DAY + timedelta(days=1)], HEALTH)
    assert found.all_empty and len(found.flagged) == 2
    add_day(con, DAY - timedelta(days=40), {VIETTEL: 3})       # long before: out of the window
    add_day(con, DAY - timedelta(days=20), {VIETTEL: 3})
    assert health.find_empty_days(con, [DAY], HEALTH).passed     # thin, not silent


def test_busy_days_pass(con) -> None:
    steady(con, DAY + timedelta(days=1), 29, {VIETTEL: 150})
    assert health.find_empty_days(con, [DAY], HEALTH).passed


def test_an_isp_collapsing_is_a_coverage_drop_naming_it(con) -> None:
    usual = {VIETTEL: 300, SMART: 100, THIN: 5, VPN: 200}
    steady(con, DAY, 28, usual)
    add_day(con, DAY, {VIETTEL: 310, SMART: 12, THIN: 1})   # Smart under 20 % of its usual 100; the VPN gone
    coverage = health.find_coverage_drops(con, [DAY], HEALTH)
    assert not coverage.passed
    (drop,) = coverage.drops
    assert (drop.day, drop.asn, drop.measurements, drop.usual, drop.earlier_days) == (DAY, SMART, 12, 100, 28)
    assert drop.network == f"Probe name AS{SMART}"    # not in the networks table: the probes' name
    assert coverage.watched_asns == (VIETTEL, SMART) and coverage.thin_asns == (THIN,)


def test_an_isp_known_to_the_networks_table_is_named_from_it(con) -> None:
    steady(con, DAY, 10, {VIETTEL: 300, SMART: 100})
    add_day(con, DAY, {SMART: 100})
    (drop,) = health.find_coverage_drops(con, [DAY], HEALTH).drops
    assert (drop.asn, drop.network, drop.measurements) == (VIETTEL, "Viettel (Cambodia) / Metfone", 0)


def test_steady_coverage_and_short_history_pass(con) -> None:
    steady(con, DAY, 28, {VIETTEL: 300, SMART: 100})
    add_day(con, DAY, {VIETTEL: 280, SMART: 25})
    assert health.find_coverage_drops(con, [DAY], HEALTH).passed
    early = DAY - timedelta(days=25)     # only 3 earlier days hold measurements
    coverage = health.find_coverage_drops(con, [early], HEALTH)
    assert coverage.passed and coverage.without_history == (early,)


def test_month_gaps_own_days_late_days_and_the_month_in_progress() -> None:
    march = date(2024, 3, 1)
    days = {march + timedelta(days=i) for i in range(31 + 7)}
    assert health.month_gaps(march, 7, days, date(2026, 1, 1)).complete
    gaps = health.month_gaps(march, 7, days - {date(2024, 3, 5), date(2024, 4, 7)}, date(2026, 1, 1))
    assert gaps.missing_own == (date(2024, 3, 5),) and gaps.missing_late == (date(2024, 4, 7),)
    # The month in progress needs its days up to yesterday only.
    in_progress = health.month_gaps(march, 7, {march + timedelta(days=i) for i in range(10)}, date(2024, 3, 10))
    assert in_progress.complete
    assert health.month_gaps(march, 7, set(), date(2024, 3, 2)).missing_own == (march, date(2024, 3, 2))


def test_months_missing_up_to_the_month_in_progress() -> None:
    present = {date(2024, m, 1) for m in (1, 2, 4)}
    assert health.months_missing(date(2024, 1, 1), date(2024, 12, 1), present, date(2024, 5, 1)) == [
        date(2024, 3, 1), date(2024, 5, 1)]
    assert health.months_missing(date(2023, 7, 1), date(2024, 6, 1), present, date(2026, 1, 1))[:2] == [
        date(2023, 7, 1), date(2023, 8, 1)]


def test_day_ranges_and_where_to_look() -> None:
    days = [date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7), date(2024, 3, 10)]
    assert health.day_ranges(reversed(days)) == ["2024-03-05..2024-03-07", "2024-03-10"]
    assert health.source_listing("s3", "KH", DAY, s3_endpoint="https://bucket.example/", api_endpoint="") == (
        "https://bucket.example/?list-type=2&prefix=raw/20240320/&delimiter=/")
    assert "since=2024-03-20&until=2024-03-21" in health.source_listing("api", "KH", DAY, s3_endpoint="",
                                                                        api_endpoint="https://api.example")
    assert "raw/20240320/" in health.source_listing("/data/mirror", "KH", DAY, s3_endpoint="", api_endpoint="")
    assert health.explorer_search("KH", DAY, 38623).endswith("probe_cc=KH&test_name=web_connectivity&probe_asn=AS38623")


LOCAL_HEADER = ("name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,"
                "source,exp_url,notes,review_status\n")


def test_fingerprint_file_problems_name_file_and_line(tmp_path: Path) -> None:
    from warehouse.classification.fingerprints import LOCAL_FINGERPRINTS

    assert health.fingerprint_file_problems(LOCAL_FINGERPRINTS, None) == []
    broken = tmp_path / "fingerprints_local.csv"
    broken.write_text(LOCAL_HEADER + "kh.synthetic,isp,,dns,full,,,,crafted,,,confirmed\n", encoding="utf-8")
    (problem,) = health.fingerprint_file_problems(broken, None)
    assert f"{broken}:2" in problem and "pattern" in problem
    (problem,) = health.fingerprint_file_problems(tmp_path / "absent.csv", None)
    assert "absent.csv" in problem
    problems = health.fingerprint_file_problems(LOCAL_FINGERPRINTS, tmp_path / "no-ooni-copy")
    assert len(problems) == 1 and "no-ooni-copy" in problems[0]


# --- The Dagster checks ----------------------------------------------------------------------------


def run_checks(tmp_path: Path, db: Path, check_defs: list, specs: list, instance: dg.DagsterInstance | None = None,
               overrides: dict | None = None, **run) -> dict[str, dg.AssetCheckEvaluation]:
    """Execute checks alone (their assets are stand-in specs, never materialized) in process."""
    overrides = {"paths.db_path": str(db), "ingest.source": str(tmp_path / "mirror"), **(overrides or {})}
    job = dg.define_asset_job("health_checks", selection=dg.AssetSelection.checks(*check_defs))
    defs = dg.Definitions(assets=specs, asset_checks=check_defs, jobs=[job],
                          resources=build_resources(load_settings(overrides), overrides))
    result = defs.resolve_job_def("health_checks").execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(), **run)
    assert result.success
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


INGEST_SPEC = dg.AssetSpec("ooni_measurements", partitions_def=daily_partitions)


def days_run(first: date, last: date) -> dict:
    return key_run(first.isoformat(), last.isoformat())


def key_run(first: str, last: str | None = None) -> dict:
    """Run tags of a partition range (a check-only job has no partitions of its own to take a key)."""
    return {"tags": {RANGE_START_TAG: first, RANGE_END_TAG: last or first}}


def test_ingest_checks_go_red_on_an_empty_day_and_a_collapsing_isp(tmp_path: Path, con) -> None:
    steady(con, DAY, 28, {VIETTEL: 300, SMART: 100})
    add_day(con, DAY, {VIETTEL: 290, SMART: 3})
    con.close()
    results = run_checks(tmp_path, tmp_path / "crafted.duckdb", [checks.no_empty_days, checks.isp_coverage_steady],
                         [INGEST_SPEC], **days_run(DAY, DAY + timedelta(days=1)))
    empty, coverage = results[checks.EMPTY_DAYS_CHECK], results[checks.COVERAGE_CHECK]
    assert not empty.passed and empty.severity == dg.AssetCheckSeverity.ERROR
    assert "2024-03-21" in empty.description and "raw/20240321/" in empty.metadata["empty_days_detail"].value
    assert empty.metadata["red_days"].value == ["2024-03-21"]
    assert not coverage.passed and coverage.severity == dg.AssetCheckSeverity.WARN
    assert f"AS{SMART}" in coverage.description
    assert "probe_asn=AS45498" in coverage.metadata["drops"].value


def test_ingest_checks_pass_on_healthy_days(tmp_path: Path, con) -> None:
    steady(con, DAY + timedelta(days=2), 30, {VIETTEL: 300, SMART: 100})
    con.close()
    results = run_checks(tmp_path, tmp_path / "crafted.duckdb", [checks.no_empty_days, checks.isp_coverage_steady],
                         [INGEST_SPEC], **days_run(DAY, DAY + timedelta(days=1)))
    assert all(r.passed for r in results.values()), {k: r.description for k, r in results.items()}
    assert "every one of 2 upload days" in results[checks.EMPTY_DAYS_CHECK].description


def test_run_alone_the_ingest_checks_look_at_the_latest_materialized_days(tmp_path: Path, con) -> None:
    steady(con, DAY, 28, {VIETTEL: 300})
    con.close()
    instance = dg.DagsterInstance.ephemeral()
    for day in (DAY - timedelta(days=1), DAY):      # DAY was "ingested" but holds nothing
        instance.report_runless_asset_event(dg.AssetMaterialization("ooni_measurements", partition=day.isoformat()))
    results = run_checks(tmp_path, tmp_path / "crafted.duckdb", [checks.no_empty_days], [INGEST_SPEC], instance)
    assert results[checks.EMPTY_DAYS_CHECK].metadata["red_days"].value == [DAY.isoformat()]


def test_month_check_names_the_days_to_backfill(tmp_path: Path) -> None:
    specs = [dg.AssetSpec("site_month_verdicts", partitions_def=monthly_partitions)]
    instance = dg.DagsterInstance.ephemeral()
    march = date(2024, 3, 1)
    judged = [march + timedelta(days=i) for i in range(31 + 7)]
    for day in judged:
        if day not in (date(2024, 3, 9), date(2024, 3, 10)):
            instance.report_runless_asset_event(dg.AssetMaterialization("measurement_judgments", partition=day.isoformat()))
    red = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.month_upload_days_judged], specs, instance,
                     **key_run("2024-03-01"))[checks.MONTH_DAYS_CHECK]
    assert not red.passed and red.severity == dg.AssetCheckSeverity.ERROR
    assert "2024-03-09..2024-03-10" in red.metadata["missing_days"].value
    for day in (date(2024, 3, 9), date(2024, 3, 10)):
        instance.report_runless_asset_event(dg.AssetMaterialization("measurement_judgments", partition=day.isoformat()))
    green = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.month_upload_days_judged], specs, instance,
                       **key_run("2024-03-01"))[checks.MONTH_DAYS_CHECK]
    assert green.passed, green.description
    # A day judged once, then reloaded with other measurements (its judgments removed): red again.
    con = connect(tmp_path / "w.duckdb")
    con.execute(
        "INSERT INTO measurements (measurement_key, input, domain, ingest_day, ingest_source, source_file, "
        "is_synthetic, measurement_start_time, measurement_day, probe_cc, probe_asn, test_version) "
        "VALUES ('reloaded', 'https://a.example/', 'a.example', DATE '2024-03-20', 'local', 'f', true, "
        "TIMESTAMP '2024-03-20 10:00:00', DATE '2024-03-20', 'KH', 38623, '0.5.28')")
    con.close()
    reloaded = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.month_upload_days_judged], specs, instance,
                          **key_run("2024-03-01"))[checks.MONTH_DAYS_CHECK]
    assert not reloaded.passed and "2024-03-20" in reloaded.metadata["missing_days"].value


def test_report_check_names_months_without_verdicts_and_a_missing_site(tmp_path: Path) -> None:
    specs = [dg.AssetSpec("report_calendar_year", partitions_def=calendar_year_partitions)]
    instance = dg.DagsterInstance.ephemeral()
    index = tmp_path / "report" / "2024" / "en" / "index.html"
    instance.report_runless_asset_event(dg.AssetMaterialization(
        "report_calendar_year", partition="2024", metadata={"index_html": dg.MetadataValue.path(str(index))}))
    for month in range(1, 13):
        if month != 4:
            instance.report_runless_asset_event(dg.AssetMaterialization("site_month_verdicts",
                                                                        partition=f"2024-{month:02d}-01"))
    red = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.calendar_year_report_months], specs, instance,
                     **key_run("2024"))[checks.REPORT_MONTHS_CHECK]
    assert not red.passed and "2024-04" in red.description and str(index) in red.description
    index.parent.mkdir(parents=True)
    index.write_text("<html></html>")
    instance.report_runless_asset_event(dg.AssetMaterialization("site_month_verdicts", partition="2024-04-01"))
    green = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.calendar_year_report_months], specs, instance,
                       **key_run("2024"))[checks.REPORT_MONTHS_CHECK]
    assert green.passed and str(index) in green.description


def test_fingerprint_files_check_goes_red_on_a_broken_reviewed_file(tmp_path: Path, monkeypatch) -> None:
    from warehouse.classification import fingerprints

    specs = [dg.AssetSpec("fingerprints")]
    green = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.fingerprint_files_readable], specs)
    assert green[checks.FINGERPRINT_FILES_CHECK].passed
    broken = tmp_path / "fingerprints_local.csv"
    broken.write_text("name,scope\n", encoding="utf-8")
    monkeypatch.setattr(fingerprints, "LOCAL_FINGERPRINTS", broken)
    red = run_checks(tmp_path, tmp_path / "w.duckdb", [checks.fingerprint_files_readable], specs,
                     overrides={"upstream.fingerprints_from": str(tmp_path / "no-such-dir")})
    check = red[checks.FINGERPRINT_FILES_CHECK]
    assert not check.passed and f"{broken}:1" in check.description and "no-such-dir" in check.description
