"""Definition metadata that makes the UI's asset pages useful: which warehouse table an asset writes,
with its columns, types and the comments of warehouse/sql/schema.sql (the contract between stages).

Applied to every asset in pipelines.definitions; the asset modules need not repeat the schema.
"""

from __future__ import annotations

import re
from functools import cache

import dagster as dg
import duckdb

from warehouse.db import apply_schema, read_sql

# Asset key -> the table it writes (first) and the bookkeeping tables it writes too.
ASSET_TABLES: dict[str, tuple[str, ...]] = {
    "test_list": ("test_list",),
    "fingerprints": ("fingerprints", "networks"),
    "ooni_measurements": ("measurements", "ingest_files", "ingest_skips"),
    # A view over the two tables after it (schema.sql): readers query the view.
    "measurement_judgments": ("measurement_judgments", "ruled_judgments", "judged_days"),
    "site_month_verdicts": ("site_month_verdicts",),
    "fingerprint_candidates": ("fingerprint_candidates",),
    "site_year_summary": ("site_period_summary",),
    "site_july_june_summary": ("site_period_summary",),
}

_TABLE_BLOCK = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.S)
# Views whose columns are those of a table (same names, same meaning): described by its comments.
VIEW_COLUMNS_OF = {"measurement_judgments": "ruled_judgments"}


@cache
def _column_comments() -> dict[str, dict[str, str]]:
    """table -> column -> the `--` comment on the column's line in schema.sql."""
    comments: dict[str, dict[str, str]] = {}
    for table, body in _TABLE_BLOCK.findall(read_sql("schema.sql")):
        columns = comments.setdefault(table, {})
        depth, column = 0, None
        for line in body.splitlines():
            code, _, comment = line.partition("--")
            if depth == 0:  # a column starts here (a STRUCT type may run over several lines)
                match = re.match(r"\s*(\w+)\s", code)
                column = match.group(1) if match else None
            depth += code.count("(") - code.count(")")
            if column and comment.strip():
                columns.setdefault(column, comment.strip())
    for view, table in VIEW_COLUMNS_OF.items():
        comments[view] = comments.get(table, {})
    return comments


@cache
def table_schemas() -> dict[str, dg.TableSchema]:
    """Every warehouse table as a Dagster TableSchema (types from DuckDB itself)."""
    con = duckdb.connect(":memory:")
    try:
        apply_schema(con)
        rows = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    comments = _column_comments()
    columns: dict[str, list[dg.TableColumn]] = {}
    for table, name, data_type, nullable in rows:
        columns.setdefault(table, []).append(dg.TableColumn(
            name, data_type, description=comments.get(table, {}).get(name),
            constraints=dg.TableColumnConstraints(nullable=bool(nullable)),
        ))
    return {table: dg.TableSchema(columns=cols) for table, cols in columns.items()}


def with_table_metadata(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Add `dagster/table_name` and `dagster/column_schema` to the spec of an asset that writes a table."""
    tables = ASSET_TABLES.get(spec.key.to_user_string())
    if not tables:
        return spec
    schema = table_schemas().get(tables[0])
    metadata = {"dagster/table_name": f"main.{tables[0]}", "warehouse_tables": ", ".join(tables)}
    if schema is not None:
        metadata["dagster/column_schema"] = schema
    return spec.merge_attributes(metadata=metadata)
