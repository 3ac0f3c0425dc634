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
    """The persistent instance in the Dagster home of the settings (the project's .dagster_home unless
    IMAP_DAGSTER_HOME says otherwise), with the project's dagster.yaml where imap manages it."""
    settings.paths.dagster_home.mkdir(parents=True, exist_ok=True)
    install_instance_config(settings.paths.project_dir / "dagster.yaml", settings.paths.dagster_home / "dagster.yaml")
    export_environment(settings)
    relax_local_run_history_durability()
    return dg.DagsterInstance.get()


def install_instance_config(source: Path, target: Path) -> bool:
    """Copy the project's dagster.yaml to ``target`` when it is missing or is an earlier copy of it
    (same first line); returns whether it copied.

    Any other file is left alone: on a shared machine IMAP_DAGSTER_HOME points at the team's Dagster
    home, whose dagster.yaml (deploy/dagster.postgres.yaml) keeps run history in PostgreSQL and must
    not be replaced by the local SQLite configuration.
    """
    if not source.is_file():
        return False
    wanted = source.read_bytes()
    if target.is_file():
        present = target.read_bytes()
        if present == wanted or present.split(b"\n", 1)[0] != wanted.split(b"\n", 1)[0]:
            return False
    shutil.copyfile(source, target)
    return True


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
        # The console shows warnings (a paragraph each) and leaves failures to the command, which
        # names the step and its error in one line; every event is in the run's log in `imap ui`.
        self.run_config = {"loggers": {"imap_console": {"config": {"log_level": log_level}}}}
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
