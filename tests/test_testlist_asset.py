"""The Dagster wiring: the `test_list` asset fills the warehouse, its checks lint, the sensor notices
edits to the project's list."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from pipelines.assets import test_list as module
from pipelines.resources import ImapSettingsResource, WarehouseResource
from warehouse.db import connect

HEADER = "url,category_code,category_description,date_added,source,notes\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    (directory / "test_lists" / "data").mkdir(parents=True)
    return directory


def resources(project: Path, lists_from: Path, db: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=str(db)),
        "imap_settings": ImapSettingsResource(
            project_dir=str(project), overrides_json=json.dumps({"upstream.test_lists_from": str(lists_from)})),
    }


def materialize(project: Path, lists_from: Path, db: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize([module.test_list, module.local_list_lint, module.upstream_lists_lint],
                          resources=resources(project, lists_from, db), raise_on_error=False)


def test_asset_loads_the_effective_list_and_checks_lint(project: Path, crafted_test_lists: Path,
                                                        tmp_path: Path) -> None:
    local = project / "test_lists" / "data" / "kh-local.csv"
    local.write_text(HEADER + "https://local.example-synthetic.org/,NEWS,News Media,2025-01-01,project,\n")
    db = tmp_path / "warehouse.duckdb"
    result = materialize(project, crafted_test_lists, db)
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["rows"].value == 6
    assert (metadata["rows_local"].value, metadata["rows_kh"].value, metadata["rows_global"].value) == (1, 2, 3)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["local_list_lint"].passed and checks["upstream_lists_lint"].passed
    with connect(db) as con:
        assert con.execute("SELECT list, count(*) FROM test_list GROUP BY list ORDER BY list").fetchall() == [
            ("global", 3), ("kh", 2), ("local", 1)]

    # a broken local entry: still loaded (the report keeps working), but the lint check fails
    local.write_text(HEADER + "https://local.example-synthetic.org,NEWS,News Media,2025-01-01,project,\n")
    result = materialize(project, crafted_test_lists, db)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["local_list_lint"].passed
    assert "invalid-url" in checks["local_list_lint"].metadata["first_errors"].value
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM test_list").fetchone() == (6,)


def test_asset_fails_clearly_without_any_upstream(project: Path, tmp_path: Path) -> None:
    result = materialize(project, tmp_path / "nowhere", tmp_path / "warehouse.duckdb")
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert f"test lists unavailable at {tmp_path / 'nowhere'}" in failure.step_failure_data.error.message


def test_sensor_requests_a_run_when_the_file_changes(project: Path, crafted_test_lists: Path, tmp_path: Path) -> None:
    local = project / "test_lists" / "data" / "kh-local.csv"
    local.write_text(HEADER)
    settings = resources(project, crafted_test_lists, tmp_path / "w.duckdb")["imap_settings"]

    def evaluate(cursor: str | None):
        context = dg.build_sensor_context(cursor=cursor, resources={"imap_settings": settings})
        return module.local_test_list_sensor(context)

    first = evaluate(None)
    assert isinstance(first, dg.SensorResult) and len(first.run_requests) == 1
    assert isinstance(evaluate(first.cursor), dg.SkipReason)
    local.write_text(HEADER + "https://new.example-synthetic.org/,NEWS,News Media,2025-01-01,v,\n")
    second = evaluate(first.cursor)
    assert isinstance(second, dg.SensorResult) and second.cursor != first.cursor
    assert module.local_test_list_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert module.local_test_list_sensor in module.SENSORS and module.test_list_job in module.JOBS


def test_offline_fallback_uses_only_an_earlier_copy_from_the_same_upstream(tmp_path: Path, crafted_test_lists: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed sync must never hand the run a local or synthetic copy that happens to be current."""
    from test_lists.sync import sync_from_directory
    from test_lists.upstream import UPSTREAM_FILES, current_snapshot
    from tests.loopback import LoopbackServer, Reply, Request
    from warehouse.settings import load_settings

    commit = "7f01e430040e571f1315734ee36151a6897f71b5"
    files = {name: (crafted_test_lists / name).read_bytes() for name in UPSTREAM_FILES}

    def route(request: Request) -> Reply:
        name = request.path.rsplit("/", 1)[-1]
        return Reply(200, files[name]) if name in files else Reply(404)

    cache = tmp_path / "cache"
    monkeypatch.setenv("IMAP_CACHE_DIR", str(cache))
    with LoopbackServer(route) as server:
        overrides = {"upstream.test_lists_base_url": server.url, "upstream.test_lists_ref": commit,
                     "ingest.max_retries": 0, "ingest.http_timeout_seconds": 5}
        settings = load_settings(overrides, project_dir=tmp_path)
        from_network = module.refresh_upstream(settings)
    assert from_network.commit == commit

    # A volunteer (or the demo) syncs a local copy afterwards: it becomes current.
    local = sync_from_directory(cache, crafted_test_lists)
    assert current_snapshot(cache).directory == local.directory

    # Upstream is now unreachable (the server is gone): the run falls back to the network copy.
    fallback = module.refresh_upstream(settings)
    assert fallback.directory == from_network.directory and fallback.source == server.url
    assert current_snapshot(cache).directory == from_network.directory

    # With only a local copy cached there is nothing trustworthy to fall back to.
    other_cache = tmp_path / "other-cache"
    sync_from_directory(other_cache, crafted_test_lists)
    monkeypatch.setenv("IMAP_CACHE_DIR", str(other_cache))
    with pytest.raises(dg.Failure, match="no earlier copy"):
        module.refresh_upstream(load_settings(overrides, project_dir=tmp_path))
