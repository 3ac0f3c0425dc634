"""The whole asset graph materialised in process, the way `imap run` and the UI run it (the project's
dagster.yaml, its one-writer pool, the persistent instance), on a small SYNTHETIC corpus across the
partition types: a range of upload days -> two months -> the calendar and both July-June years."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.assets import health
from pipelines.execution import GraphRunner, StageResult

FIRST, LAST_MEASURED = date(2024, 6, 24), date(2024, 7, 3)
LAST_UPLOAD = date(2024, 7, 10)        # the late-upload margin after the last measured day


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    from ooni_ingest.synthetic import write_corpus
    from warehouse.settings import load_settings

    root = tmp_path_factory.mktemp("operations-graph")
    corpus = write_corpus(root / "corpus", seed=5, measurements=400, start=FIRST, end=LAST_MEASURED, workers=1)
    overrides: dict[str, object] = {
        "paths.db_path": root / "imap.duckdb",
        "paths.cache_dir": root / "cache",
        "paths.report_dir": root / "report",
        "paths.dagster_home": root / "dagster_home",
        "ingest.source": str(corpus.bucket_dir),
        "upstream.test_lists_from": str(corpus.test_lists_dir),
        "upstream.fingerprints_from": str(corpus.fingerprints_dir),
    }
    saved = dict(os.environ)
    os.environ["IMAP_INGEST_WORKERS"] = "1"       # parse in process: no worker start-up on 2 shared cores
    os.environ.pop("IMAP_AUTOMATION", None)
    try:
        runner = GraphRunner(load_settings(overrides), overrides)
        stages = {
            "reference": runner.run("reference_job"),
            "days": runner.run("daily_job", partition_range=(FIRST.isoformat(), LAST_UPLOAD.isoformat())),
            "months": runner.run("monthly_job", partition_range=("2024-06-01", "2024-07-01")),
            "calendar": runner.run("calendar_year_job", partition_key="2024"),
            "july_june_2023": runner.run("july_june_job", partition_key="2023-07"),
            "july_june_2024": runner.run("july_june_job", partition_key="2024-07"),
        }
        yield runner, stages, root
    finally:
        os.environ.clear()
        os.environ.update(saved)


def materialized(stage: StageResult) -> dict[str, set]:
    out: dict[str, set] = defaultdict(set)
    for event in stage.result.get_asset_materialization_events():
        out[event.asset_key.to_user_string()].add(event.materialization.partition)
    return dict(out)


def checks_of(stage: StageResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in stage.result.get_asset_check_evaluations()}


def test_a_range_of_days_is_one_run_and_every_partition_type_materialises(graph) -> None:
    _, stages, _ = graph
    days = materialized(stages["days"])
    assert days["ooni_measurements"] == days["measurement_judgments"]
    assert len(days["ooni_measurements"]) == (LAST_UPLOAD - FIRST).days + 1
    assert materialized(stages["months"]) == {"site_month_verdicts": {"2024-06-01", "2024-07-01"}}
    assert materialized(stages["calendar"]) == {key: {"2024"} for key in
                                                ("site_year_summary", "fingerprint_candidates", "report_calendar_year")}
    for period in ("2023-07", "2024-07"):
        assert materialized(stages[f"july_june_{period[:4]}"]) == {
            "site_july_june_summary": {period}, "report_july_june": {period}}
    assert len({stage.run_id for stage in stages.values()}) == len(stages)


def test_the_checks_of_every_stage_run_with_it_and_pass_on_healthy_data(graph) -> None:
    _, stages, _ = graph
    found = {key: check for stage in stages.values() for key, check in checks_of(stage).items()}
    expected_green = {
        ("test_list", "local_list_lint"), ("fingerprints", "fingerprints_usable"),
        ("fingerprints", health.FINGERPRINT_FILES_CHECK),
        ("ooni_measurements", "skip_rate"), ("ooni_measurements", health.EMPTY_DAYS_CHECK),
        ("measurement_judgments", "every_measurement_judged_once"),
        ("site_month_verdicts", "verdict_counts_add_up"), ("site_year_summary", "summary_matches_verdicts"),
    }
    missing = expected_green - set(found)
    assert not missing, f"checks that did not run: {missing}"
    red = {key: found[key].description for key in expected_green if not found[key].passed}
    assert not red, red
    # Too few measurements per ISP a day to tell a drop from chance: a warning that says so, not green.
    coverage = found[("ooni_measurements", health.COVERAGE_CHECK)]
    assert not coverage.passed and coverage.severity == dg.AssetCheckSeverity.WARN
    assert coverage.description.startswith("NOT EVALUATED")
    # Thin synthetic days: upload days after the corpus ends hold nothing, and that is no outage here.
    empty = found[("ooni_measurements", health.EMPTY_DAYS_CHECK)]
    assert empty.metadata["days_checked"].value == (LAST_UPLOAD - FIRST).days + 1


def test_month_check_names_the_upload_days_the_months_still_miss(graph) -> None:
    _, stages, _ = graph
    check = checks_of(stages["months"])[("site_month_verdicts", health.MONTH_DAYS_CHECK)]
    # The corpus starts on 24 June and was ingested up to 10 July: both months are incomplete.
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    table = check.metadata["missing_days"].value
    assert "| 2024-06 | 2024-06-01..2024-06-23 | - |" in table
    assert "| 2024-07 | 2024-07-11..2024-07-31 | 2024-08-01..2024-08-07 |" in table


def test_report_check_says_which_months_of_the_year_are_missing_and_where_the_report_is(graph) -> None:
    _, stages, root = graph
    check = checks_of(stages["calendar"])[("report_calendar_year", health.REPORT_MONTHS_CHECK)]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "2024-01" in check.description and "2024-06" not in check.description.split("report at")[0]
    index = Path(check.metadata["index_html"].value["2024"])
    assert index.is_file() and index.is_relative_to(root / "report")


def test_runs_are_in_the_persistent_instance_the_ui_reads(graph) -> None:
    _, stages, root = graph
    instance = dg.DagsterInstance.from_config(str(root / "dagster_home"))
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        months = instance.get_materialized_partitions(dg.AssetKey("site_month_verdicts"))
        assert months == {"2024-06-01", "2024-07-01"}
        run = instance.get_run_by_id(stages["days"].run_id)
        assert run.tags["dagster/asset_partition_range_end"] == LAST_UPLOAD.isoformat()
    finally:
        instance.dispose()


def test_a_day_run_again_asks_automation_for_its_two_months_only(graph) -> None:
    runner, _, root = graph
    con = duckdb.connect(str(root / "imap.duckdb"), read_only=True)
    before = con.execute("SELECT count(*) FROM measurements WHERE ingest_day = '2024-07-01'").fetchone()[0]
    con.close()
    instance = runner.instance
    defs = runner.definitions
    when = datetime(2024, 7, 11, 7, 0, tzinfo=UTC)    # after the day's ingest tick
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=when)
    assert first.total_requested == 0
    again = runner.run("daily_job", partition_key="2024-07-01")
    assert materialized(again) == {"ooni_measurements": {"2024-07-01"}, "measurement_judgments": {"2024-07-01"}}
    con = duckdb.connect(str(root / "imap.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM measurements WHERE ingest_day = '2024-07-01'").fetchone()[0] == before
    con.close()
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor,
                                               evaluation_time=when.replace(minute=5))
    requested = {k.to_user_string(): result.get_requested_partitions(k)
                 for k in defs.resolve_asset_graph().materializable_asset_keys if result.get_num_requested(k)}
    assert requested == {"site_month_verdicts": {"2024-06-01", "2024-07-01"}}


def test_data_health_job_reruns_the_checks_alone_on_the_latest_partitions(graph) -> None:
    runner, _, _ = graph
    stage = runner.run("data_health_job")
    assert materialized(stage) == {}
    found = checks_of(stage)
    assert set(found) == {
        ("ooni_measurements", health.EMPTY_DAYS_CHECK), ("ooni_measurements", health.COVERAGE_CHECK),
        ("site_month_verdicts", health.MONTH_DAYS_CHECK), ("report_calendar_year", health.REPORT_MONTHS_CHECK),
        ("report_july_june", health.REPORT_MONTHS_CHECK), ("fingerprints", health.FINGERPRINT_FILES_CHECK),
    }
    assert found[("ooni_measurements", health.EMPTY_DAYS_CHECK)].metadata["days_checked"].value == health.RECENT_DAYS
