"""The report's Dagster assets: one render per reporting year, the English index in the metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.assets.report import INDEX_METADATA_KEY, report_calendar_year, report_july_june
from pipelines.commands.run import REPORT_METADATA_KEY
from pipelines.execution import materialized_path
from pipelines.resources import build_resources
from tests.test_report_warehouse import small_warehouse
from warehouse.settings import load_settings


@pytest.fixture
def resources(tmp_path: Path) -> dict[str, object]:
    db_path = small_warehouse(tmp_path / "w.duckdb", synthetic=True)
    overrides = {"paths.db_path": str(db_path), "paths.report_dir": str(tmp_path / "reports")}
    return build_resources(load_settings(overrides), overrides)


def test_calendar_year_asset_renders_and_records_the_index(resources: dict[str, object], tmp_path: Path) -> None:
    assert INDEX_METADATA_KEY == REPORT_METADATA_KEY  # `imap run` and `imap demo` print this path
    result = dg.materialize([report_calendar_year], partition_key="2024", resources=resources,
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    index = materialized_path(result, REPORT_METADATA_KEY)
    assert index == tmp_path / "reports" / "2024" / "en" / "index.html"
    assert index.is_file()
    metadata = result.asset_materializations_for_node("report_calendar_year")[0].metadata
    assert metadata["blocked_websites"].value == 4
    assert metadata["synthetic_demo_data"].value is True
    assert Path(metadata["index_html_km"].value).is_file()


def test_july_june_partition_is_the_year_it_ends_in(resources: dict[str, object], tmp_path: Path) -> None:
    result = dg.materialize([report_july_june], partition_key="2023-07", resources=resources,
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert materialized_path(result, REPORT_METADATA_KEY) == (
        tmp_path / "reports" / "2023-07_2024-06" / "en" / "index.html")


def test_assets_depend_on_the_summaries_and_the_monthly_verdicts() -> None:
    keys = {spec.key.to_user_string() for spec in report_calendar_year.specs}
    assert keys == {"report_calendar_year"}
    deps = {dep.asset_key.to_user_string() for spec in report_calendar_year.specs for dep in spec.deps}
    assert deps == {"site_year_summary", "site_month_verdicts"}
    deps = {dep.asset_key.to_user_string() for spec in report_july_june.specs for dep in spec.deps}
    assert deps == {"site_july_june_summary", "site_month_verdicts"}
