"""Operating imap: partitions and their dependencies, the automation policy (evaluated with Dagster's
own test helper on recorded materializations), the instance configuration and the UI command."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from pipelines import automation
from pipelines.definitions import build_definitions
from pipelines.partitions import (
    calendar_year_partitions,
    daily_partitions,
    july_june_partitions,
    monthly_partitions,
)
from warehouse.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
DAILY = ("ooni_measurements", "measurement_judgments")


@pytest.fixture
def defs(monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    monkeypatch.delenv("IMAP_AUTOMATION", raising=False)
    return build_definitions(load_settings())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- Partitions and their dependencies ---------------------------------------------------------------


def downstream_of(defs: dg.Definitions, day: str, now: datetime) -> dict[str, set[str]]:
    """Every asset partition that depends on one upload day, following the graph's partition mappings."""
    graph = defs.resolve_asset_graph()
    found: dict[str, set[str]] = {}
    frontier = [(dg.AssetKey("ooni_measurements"), {day})]
    while frontier:
        parent, keys = frontier.pop()
        parent_def = graph.get(parent).partitions_def
        for child in graph.get(parent).child_keys:
            child_def = graph.get(child).partitions_def
            mapping = graph.get_partition_mapping(child, parent)
            subset = mapping.get_downstream_partitions_for_partitions(
                parent_def.subset_with_partition_keys(keys), parent_def, child_def, current_time=now)
            new = set(subset.get_partition_keys()) - found.get(child.to_user_string(), set())
            if new:
                found.setdefault(child.to_user_string(), set()).update(new)
                frontier.append((child, new))
    return found


@pytest.mark.parametrize(("day", "months", "years", "july_june"), [
    ("2024-03-15", {"2024-02-01", "2024-03-01"}, {"2024"}, {"2023-07"}),
    ("2024-07-01", {"2024-06-01", "2024-07-01"}, {"2024"}, {"2023-07", "2024-07"}),
    ("2025-01-01", {"2024-12-01", "2025-01-01"}, {"2024", "2025"}, {"2024-07"}),
])
def test_a_new_day_reaches_its_month_the_month_before_and_their_reports_only(
        defs: dg.Definitions, day: str, months: set, years: set, july_june: set) -> None:
    found = downstream_of(defs, day, now=at(day) + timedelta(days=1, hours=7))
    assert found == {
        "measurement_judgments": {day},
        "site_month_verdicts": months,
        "fingerprint_candidates": {day[:4]},
        "site_year_summary": years,
        "report_calendar_year": years,
        "site_july_june_summary": july_june,
        "report_july_june": july_june,
    }


def test_the_month_and_years_in_progress_are_partitions_and_today_is_not() -> None:
    now = at("2026-11-26T15:00:00")
    with dg.partition_loading_context(effective_dt=now):
        assert daily_partitions.get_last_partition_key() == "2026-11-25"
        assert monthly_partitions.get_last_partition_key() == "2026-11-01"
        assert calendar_year_partitions.get_last_partition_key() == "2026"
        assert july_june_partitions.get_last_partition_key() == "2026-07"


def test_every_time_window_dependency_reaches_into_the_future(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    mappings = [(node.key, mapping) for node in graph.asset_nodes for mapping in node.partition_mappings.values()]
    windows = [m for _, m in mappings if isinstance(m, dg.TimeWindowPartitionMapping)]
    assert len(windows) >= 6 and all(m.allow_nonexistent_upstream_partitions for m in windows)
    verdicts = graph.get(dg.AssetKey("site_month_verdicts")).partition_mappings
    assert verdicts[dg.AssetKey("measurement_judgments")].end_offset == 1     # late uploads


# --- Automation --------------------------------------------------------------------------------------


def test_automation_is_off_by_default_and_on_when_asked(defs: dg.Definitions,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    sensor = defs.resolve_sensor_def(automation.SENSOR_NAME)
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    repository = defs.get_repository_def()
    assert all(s.default_status == dg.DefaultSensorStatus.STOPPED for s in repository.sensor_defs)
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in repository.schedule_defs)
    monkeypatch.setenv("IMAP_AUTOMATION", "1")
    started = build_definitions(load_settings()).resolve_sensor_def(automation.SENSOR_NAME)
    assert started.default_status == dg.DefaultSensorStatus.RUNNING
    monkeypatch.setenv("IMAP_AUTOMATION", "0")
    stopped = build_definitions(load_settings()).resolve_sensor_def(automation.SENSOR_NAME)
    assert stopped.default_status == dg.DefaultSensorStatus.STOPPED


def test_every_asset_has_an_automation_condition(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.materializable_asset_keys if graph.get(k).automation_condition is None} == set()


def days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


class Ticks:
    """The automation sensor's ticks, evaluated in process against recorded materializations."""

    def __init__(self, defs: dg.Definitions) -> None:
        self.defs = defs
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor = None

    def materialize(self, key: str, *partitions: str | None) -> None:
        for partition in partitions or (None,):
            self.instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))

    def tick(self, when: str) -> dict[str, set]:
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance, cursor=self.cursor,
                                                   evaluation_time=at(when))
        self.cursor = result.cursor
        graph = self.defs.resolve_asset_graph()
        return {k.to_user_string(): set(result.get_requested_partitions(k)) for k in graph.materializable_asset_keys
                if result.get_num_requested(k)}

    def materialize_requested(self, requested: dict[str, set]) -> None:
        for key, partitions in requested.items():
            self.materialize(key, *sorted(partitions, key=str))


@pytest.fixture
def june_2024(defs: dg.Definitions) -> Ticks:
    return june_2024_with(defs)


def june_2024_with(defs: dg.Definitions) -> Ticks:
    """June 2024 ingested, judged and reported; the automation sensor switched on on Tuesday 2 July."""
    ticks = Ticks(defs)
    ticks.materialize("test_list")
    ticks.materialize("fingerprints")
    for key in DAILY:
        ticks.materialize(key, *days("2024-05-25", "2024-06-30"))
    ticks.materialize("site_month_verdicts", "2024-05-01", "2024-06-01")
    for key in ("site_year_summary", "report_calendar_year", "fingerprint_candidates"):
        ticks.materialize(key, "2024")
    for key in ("site_july_june_summary", "report_july_june"):
        ticks.materialize(key, "2023-07")
    assert ticks.tick("2024-07-02T04:00:00") == {}         # switching on requests nothing by itself
    return ticks


def test_a_new_day_is_ingested_after_uploads_settle_and_flows_to_its_months_and_reports(june_2024: Ticks) -> None:
    ticks = june_2024
    assert ticks.tick("2024-07-02T05:59:00") == {}         # OONI's uploads of 1 July still settling
    requested = ticks.tick("2024-07-02T06:01:00")
    # Yesterday (not ingested yet), and the days since the last ingest (1 July) within the catch-up window.
    assert requested == {"ooni_measurements": {"2024-07-01"}, "measurement_judgments": {"2024-07-01"}}
    assert ticks.tick("2024-07-02T06:02:00") == {}         # requested once, not again while it runs
    ticks.materialize_requested(requested)
    # The day belongs to July and holds late uploads of June: both months, nothing older.
    requested = ticks.tick("2024-07-02T06:03:00")
    assert requested == {"site_month_verdicts": {"2024-06-01", "2024-07-01"}}
    ticks.materialize_requested(requested)
    requested = ticks.tick("2024-07-02T06:04:00")
    assert requested == {
        "site_year_summary": {"2024"}, "report_calendar_year": {"2024"},
        "site_july_june_summary": {"2023-07", "2024-07"}, "report_july_june": {"2023-07", "2024-07"},
    }
    ticks.materialize_requested(requested)
    assert ticks.tick("2024-07-02T06:05:00") == {}
    assert ticks.tick("2024-07-03T05:00:00") == {}


def test_after_a_pause_missed_days_are_caught_up_in_one_request(june_2024: Ticks) -> None:
    requested = june_2024.tick("2024-07-05T06:30:00")      # the daemon was off on 2-4 July
    assert requested == {key: {"2024-07-01", "2024-07-02", "2024-07-03", "2024-07-04"} for key in DAILY}


def test_a_failed_ingest_is_retried_at_the_next_daily_tick_not_before(june_2024: Ticks) -> None:
    ticks = june_2024
    assert ticks.tick("2024-07-02T06:01:00")["ooni_measurements"] == {"2024-07-01"}
    assert ticks.tick("2024-07-02T12:00:00") == {}         # the run failed: no retry storm
    assert ticks.tick("2024-07-03T06:01:00")["ooni_measurements"] == {"2024-07-01", "2024-07-02"}


@pytest.mark.parametrize(("rejudge_days", "first_day"), [(62, "2024-05-25"), (14, "2024-06-24")])
def test_weekly_reference_refresh_and_new_fingerprints_rejudge_recent_days_only(
        rejudge_days: int, first_day: str) -> None:
    ticks = june_2024_with(build_definitions(load_settings({"automation.rejudge_days": rejudge_days})))
    refreshed = ticks.tick("2024-07-08T05:01:00")          # Monday: weekly reference refresh
    week = set(days("2024-07-01", "2024-07-07"))            # (and the daily ingest, missed since Tuesday)
    assert refreshed == {"test_list": {None}, "fingerprints": {None}, "ooni_measurements": week,
                         "measurement_judgments": week}
    ticks.materialize("test_list")
    ticks.materialize("fingerprints")
    # The ingested days of the last automation.rejudge_days (up to yesterday) are judged again, no older ones.
    judged_again = ticks.tick("2024-07-08T05:02:00")
    assert judged_again == {"measurement_judgments": set(days(first_day, "2024-06-30"))}


def test_fingerprint_candidates_are_rediscovered_weekly_when_their_year_changed(june_2024: Ticks) -> None:
    ticks = june_2024
    ticks.materialize("measurement_judgments", "2024-06-30")
    assert "fingerprint_candidates" not in ticks.tick("2024-07-03T08:00:00")
    assert ticks.tick("2024-07-08T07:01:00")["fingerprint_candidates"] == {"2024"}
    ticks.materialize("fingerprint_candidates", "2024")
    assert "fingerprint_candidates" not in ticks.tick("2024-07-15T07:01:00")   # nothing changed that week


def test_imap_ui_automation_flag_starts_the_sensor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    import os

    from pipelines.cli import main as imap

    monkeypatch.delenv("IMAP_AUTOMATION", raising=False)
    monkeypatch.chdir(tmp_path)
    launched = []
    monkeypatch.setattr(os, "execv", lambda path, argv: launched.append(argv))
    assert imap(["ui", "--port", "3999"]) == 0
    assert "IMAP_AUTOMATION" not in os.environ and "automation: off" in capsys.readouterr().out
    assert imap(["ui", "--automation", "--port", "3999"]) == 0
    assert os.environ["IMAP_AUTOMATION"] == "1" and "automation: on" in capsys.readouterr().out
    assert launched[-1][-6:] == ["-m", "pipelines.definitions", "--host", "127.0.0.1", "--port", "3999"]
    assert load_settings().automation.enabled


def test_imap_ui_started_in_the_background_stops_on_sigterm(tmp_path: Path) -> None:
    # A script or service starts it with SIGINT ignored (what a non-interactive shell's `&` does);
    # SIGTERM must still stop the webserver, the daemon and the code server, not leave them running.
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "IMAP_DB": str(tmp_path / "w.duckdb"), "IMAP_DAGSTER_HOME": str(tmp_path / "home")}
    ui = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "imap"), "ui", "--port", str(port)], env=env, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("imap ui did not come up in 150 s")
        ui.send_signal(signal.SIGTERM)
        ui.wait(timeout=60)
        # Its helpers (log tails, orphan watchers) follow within seconds; before the fix nothing stopped.
        deadline, left = time.monotonic() + 30, ["?"]
        while left and time.monotonic() < deadline:
            time.sleep(1)
            left = subprocess.run(["ps", "-o", "pid=,args=", "-g", str(ui.pid)], capture_output=True,
                                  text=True).stdout.splitlines()
        assert not left, f"still running 30 s after SIGTERM: {left}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(ui.pid, signal.SIGKILL)


# --- The instance: local and shared ------------------------------------------------------------------


def test_local_instance_has_one_writer_pool_no_telemetry_and_run_monitoring(tmp_path: Path) -> None:
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.event_log_storage.supports_global_concurrency_limits
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert not instance.telemetry_enabled
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    finally:
        instance.dispose()


def test_shared_deployment_example_validates_and_keeps_the_local_settings(tmp_path: Path) -> None:
    example = REPO / "deploy" / "dagster.postgres.yaml"
    (tmp_path / "dagster.yaml").write_text(example.read_text())
    config, _ = dagster_instance_config(str(tmp_path))      # Dagster's own schema (no database needed)
    assert set(config["storage"]) == {"postgres"}
    local = yaml.safe_load((REPO / "dagster.yaml").read_text())
    shared = yaml.safe_load(example.read_text())
    assert {k: v for k, v in shared.items() if k != "storage"} == local


def test_imap_keeps_its_dagster_yaml_current_but_never_replaces_a_shared_deployments(tmp_path: Path) -> None:
    from pipelines.execution import install_instance_config

    source, target = REPO / "dagster.yaml", tmp_path / "home" / "dagster.yaml"
    target.parent.mkdir()
    assert install_instance_config(source, target) and target.read_bytes() == source.read_bytes()
    assert not install_instance_config(source, target)           # already current
    # An earlier copy of the project's file (same header) is brought up to date...
    target.write_text(source.read_text().replace("default_limit: 1", "default_limit: 3"))
    assert install_instance_config(source, target) and target.read_bytes() == source.read_bytes()
    # ...but the team's PostgreSQL configuration in a shared DAGSTER_HOME stays as it is.
    shared = (REPO / "deploy" / "dagster.postgres.yaml").read_text()
    target.write_text(shared)
    assert not install_instance_config(source, target) and target.read_text() == shared


# --- What the UI shows ---------------------------------------------------------------------------------


def test_partitioned_assets_say_what_their_keys_mean(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    partitioned = [node for node in graph.asset_nodes if node.partitions_def is not None]
    assert partitioned
    for node in partitioned:
        assert "Partitions: one per" in (node.description or ""), node.key
    july_june = graph.get(dg.AssetKey("report_july_june")).description
    assert "key 2023-07 = July 2023 to June 2024" in july_june


def test_warehouse_assets_show_their_table_and_columns(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    metadata = graph.get(dg.AssetKey("site_month_verdicts")).metadata
    assert metadata["dagster/table_name"] == "main.site_month_verdicts"
    columns = {c.name: c for c in metadata["dagster/column_schema"].columns}
    assert columns["verdict"].type == "VARCHAR" and "confirmed, likely" in columns["verdict"].description
    summary = graph.get(dg.AssetKey("site_year_summary")).metadata["dagster/column_schema"]
    by_asn = next(c for c in summary.columns if c.name == "by_asn")
    assert by_asn.description == "one entry per blocking ASN"


def test_every_step_that_opens_the_warehouse_for_writing_is_in_the_writer_pool() -> None:
    """DuckDB lets one process hold the file for writing: every asset and check using the `warehouse`
    resource waits for the duckdb_writer pool (dagster.yaml). The reports alone open it read-only and
    retry instead (pipelines/assets/report.py)."""
    definitions = build_definitions(load_settings())
    read_only = {"report_calendar_year", "report_july_june"}
    steps = [(c.node_def.name, c.required_resource_keys, c.node_def.pool) for c in definitions.asset_checks]
    steps += [(a.node_def.name, a.required_resource_keys, a.node_def.pool) for a in definitions.assets
              if hasattr(a, "node_def") and a.node_def.name not in read_only]
    using = [(name, pool) for name, resources, pool in steps if "warehouse" in resources]
    assert len(using) >= 10
    assert [name for name, pool in using if pool != "duckdb_writer"] == []
