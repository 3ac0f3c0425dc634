"""Resources: small ConfigurableResource classes built from imap's settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from warehouse.db import apply_schema
from warehouse.settings import Settings, load_settings


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file, with the schema applied on every connection.

    DuckDB allows one writing process per file: every asset using this resource sits in the
    `duckdb_writer` concurrency pool, limited to one step at a time in dagster.yaml.
    """

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with self.get_connection() as con:
            # Closed here even when the step fails: dagster-duckdb's context manager skips its close
            # on an error, and the open connection (with its own configuration) then keeps the file
            # from being opened again in this process, e.g. for `imap ingest`'s summary.
            try:
                apply_schema(con)
                yield con
            finally:
                con.close()


class ImapSettingsResource(dg.ConfigurableResource):
    """imap's settings (warehouse.settings), so assets see what the command line configured.

    `overrides_json` holds "section.name" -> value pairs applied on top of imap.toml and IMAP_*.
    """

    project_dir: str
    overrides_json: str = "{}"

    def load(self) -> Settings:
        return load_settings(json.loads(self.overrides_json), project_dir=Path(self.project_dir))


def build_resources(settings: Settings, overrides: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(database=str(settings.paths.db_path)),
        "imap_settings": ImapSettingsResource(
            project_dir=str(settings.paths.project_dir),
            # Paths and tuples become strings/lists; load_settings coerces them back by field type.
            overrides_json=json.dumps(
                {k: v for k, v in (overrides or {}).items() if v is not None}, default=str
            ),
        ),
    }
