"""The Dagster code location: wiring only.

Assets and their checks live in the modules of `pipelines.assets`; a module declares its jobs,
schedules and sensors in module-level lists named JOBS, SCHEDULES and SENSORS. This module collects
them, applies what holds for every asset (open-ended period mappings, the automation policy of
pipelines.automation, table metadata from the warehouse schema) and binds resources built from
imap's settings.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import dagster as dg

from pipelines import assets as assets_package
from pipelines.automation import apply_automation
from pipelines.console_logger import imap_console_logger
from pipelines.instance_tuning import relax_local_run_history_durability
from pipelines.partitions import allow_open_periods, describe_partitions
from pipelines.resources import build_resources
from pipelines.table_metadata import with_table_metadata
from warehouse.settings import Settings, load_settings


def asset_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{assets_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(assets_package.__path__)
    ]


def _collect(modules: list[ModuleType], attribute: str) -> list:
    """Concatenate the ``JOBS`` / ``SCHEDULES`` / ``SENSORS`` lists the asset modules declare."""
    return [item for module in modules for item in getattr(module, attribute, ())]


def build_definitions(settings: Settings | None = None, overrides: dict[str, object] | None = None) -> dg.Definitions:
    settings = settings or load_settings(overrides)
    modules = asset_modules()
    assets = dg.load_assets_from_modules(modules)
    assets = dg.map_asset_specs(lambda spec: describe_partitions(with_table_metadata(allow_open_periods(spec))), assets)
    assets, automation_sensors = apply_automation(assets, settings.automation)
    return dg.Definitions(
        assets=assets,
        asset_checks=dg.load_asset_checks_from_modules(modules),
        jobs=_collect(modules, "JOBS"),
        schedules=_collect(modules, "SCHEDULES"),
        sensors=[*_collect(modules, "SENSORS"), *automation_sensors],
        resources=build_resources(settings, overrides),
        # Dagster's own console for runs launched from the UI; imap's for the commands (execution.py).
        loggers={**dg.default_loggers(), "imap_console": imap_console_logger},
    )


@dg.definitions
def defs() -> dg.Definitions:
    # Run workers launched from the UI load this module: give them the same fast local history.
    relax_local_run_history_durability()
    return build_definitions()
