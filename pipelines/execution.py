"""Running the asset graph in process against the persistent local Dagster instance.

`imap run`, `imap demo` and `imap ingest` go through here, so the orchestrated path is the one
users run and every run shows up afterwards in `imap ui`.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.instance_tuning import relax_local_run_history_durability
from warehouse.settings import Settings

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


class StageFailed(RuntimeError):
    """A run of the graph failed; the message names the job, the partitions and the failing step."""


@dataclass(frozen=True)
class StageResult:
    job: str
    partitions: str
    run_id: str
    seconds: float
    result: dg.ExecuteInProcessResult


def prepare_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance in the project's Dagster home, with the project's dagster.yaml."""
    home = settings.paths.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    source = settings.paths.project_dir / "dagster.yaml"
    if source.is_file():
        target = home / "dagster.yaml"
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
    export_environment(settings)
    relax_local_run_history_durability()
    return dg.DagsterInstance.get()


def export_environment(settings: Settings) -> None:
    """Make the settings visible to code loaded by Dagster itself (the UI, the daemon)."""
    os.environ["DAGSTER_HOME"] = str(settings.paths.dagster_home)
    os.environ["IMAP_PROJECT_DIR"] = str(settings.paths.project_dir)
    os.environ["IMAP_DB"] = str(settings.paths.db_path)
    os.environ["IMAP_CACHE_DIR"] = str(settings.paths.cache_dir)
    os.environ["IMAP_REPORT_DIR"] = str(settings.paths.report_dir)
    os.environ["IMAP_COUNTRY"] = settings.ingest.country
    os.environ["IMAP_SOURCE"] = settings.ingest.source
    for variable, value in (
        ("IMAP_TEST_LISTS_FROM", settings.upstream.test_lists_from),
        ("IMAP_FINGERPRINTS_FROM", settings.upstream.fingerprints_from),
    ):
        if value:
            os.environ[variable] = value
        else:
            os.environ.pop(variable, None)


class GraphRunner:
    """Runs jobs of the code location one after another, stopping at the first failure."""

    def __init__(
        self, settings: Settings, overrides: dict[str, object] | None = None, *, log_level: str = "WARNING"
    ) -> None:
        self.settings = settings
        # The console shows warnings and errors only; every event is in the run's log in `imap ui`.
        self.run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
        self.instance = prepare_instance(settings)
        self.definitions = build_definitions(settings, overrides)

    def run(
        self,
        job_name: str,
        *,
        partition_key: str | None = None,
        partition_range: tuple[str, str] | None = None,
    ) -> StageResult:
        job = self.definitions.resolve_job_def(job_name)
        tags: dict[str, str] = {"imap/command": "cli"}
        label = "unpartitioned"
        if partition_range is not None:
            tags[RANGE_START_TAG], tags[RANGE_END_TAG] = partition_range
            label = f"{partition_range[0]}..{partition_range[1]}"
        elif partition_key is not None:
            label = partition_key
        started = time.monotonic()
        result = job.execute_in_process(
            run_config=self.run_config,
            instance=self.instance,
            partition_key=partition_key,
            tags=tags,
            raise_on_error=False,
        )
        if not result.success:
            raise StageFailed(f"{job_name} [{label}] failed (run {result.run_id}): {describe_failure(result)}")
        return StageResult(job_name, label, result.run_id, time.monotonic() - started, result)


def describe_failure(result: dg.ExecuteInProcessResult) -> str:
    """The failing step and the message of the error it raised (unwrapped from Dagster's types)."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            # Skip Dagster's wrappers down to the error the asset raised (not its own causes,
            # which are usually less telling: "disk full" rather than which file).
            while error.cause is not None and error.cls_name.startswith("Dagster"):
                error = error.cause
            message = error.message.strip()
            qualified_name, _, rest = message.partition(": ")
            if qualified_name.split(".")[-1] == error.cls_name:  # "pkg.mod.Error: text" -> "text"
                message = rest
            return f"step {event.step_key}: {error.cls_name}: {message}"
    return "see `imap ui` for the run's logs"


def day_range(first: date, last: date) -> tuple[str, str]:
    return first.isoformat(), last.isoformat()


def materialized_path(result: dg.ExecuteInProcessResult, metadata_key: str) -> Path | None:
    """The path an asset recorded under ``metadata_key`` (e.g. the report's index.html)."""
    for event in result.get_asset_materialization_events():
        value = event.materialization.metadata.get(metadata_key)
        if value is not None:
            return Path(str(getattr(value, "value", value)))
    return None
