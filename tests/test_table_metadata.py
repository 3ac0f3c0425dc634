"""Every warehouse column has a description on its asset page (the `-- comment` of schema.sql).

The README promises that each asset page shows its table's columns with their meaning; a column
added to warehouse/sql/schema.sql without a trailing comment fails here.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.table_metadata import ASSET_TABLES, _column_comments, table_schemas
from warehouse.db import apply_schema
from warehouse.settings import load_settings


def warehouse_columns() -> dict[str, list[str]]:
    """table or view -> its columns, in order, as DuckDB creates them from schema.sql (ALTERs included)."""
    con = duckdb.connect(":memory:")
    try:
        apply_schema(con)
        rows = con.execute(
            "SELECT c.table_name, c.column_name FROM duckdb_columns() c "
            "JOIN (SELECT table_oid AS oid, internal FROM duckdb_tables() "
            "      UNION ALL SELECT view_oid, internal FROM duckdb_views()) t ON t.oid = c.table_oid "
            "WHERE NOT t.internal AND c.schema_name = 'main' ORDER BY c.table_name, c.column_index"
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


WAREHOUSE = warehouse_columns()


def test_the_schema_defines_every_table_an_asset_writes() -> None:
    written = {table for tables in ASSET_TABLES.values() for table in tables}
    assert written <= set(WAREHOUSE), f"assets write tables schema.sql does not define: {written - set(WAREHOUSE)}"


@pytest.mark.parametrize("table", sorted(WAREHOUSE))
def test_every_column_has_a_description(table: str) -> None:
    described = {column.name: (column.description or "").strip() for column in table_schemas()[table].columns}
    missing = [column for column in WAREHOUSE[table] if not described.get(column)]
    assert not missing, (
        f"{table}: columns without a description: {', '.join(missing)}; "
        "add a trailing `-- comment` on the column's line in warehouse/sql/schema.sql"
    )


@pytest.mark.parametrize("table", sorted(WAREHOUSE))
def test_comments_are_read_for_real_columns_only(table: str) -> None:
    """A comment the reader attached to a name that is not a column (a section heading, a STRUCT field)
    would be a description shown nowhere, and a sign that it misread the block."""
    assert set(_column_comments().get(table, {})) <= set(WAREHOUSE[table])


def test_a_column_spanning_lines_gets_the_comment_on_its_last_line() -> None:
    comments = _column_comments()
    assert comments["site_period_summary"]["by_asn"] == "one entry per blocking ASN"
    # The columns around section headings keep their own comments.
    assert comments["measurements"]["test_runtime"].startswith("seconds")
    assert comments["measurements"]["dns_experiment_failure"].startswith("test_keys.dns_experiment_failure")


def test_every_asset_page_describes_every_column(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAP_AUTOMATION", raising=False)
    graph = build_definitions(load_settings()).resolve_asset_graph()
    pages = 0
    for key in graph.get_all_asset_keys():
        schema = graph.get(key).metadata.get("dagster/column_schema")
        if schema is None:
            continue
        assert isinstance(schema, dg.TableSchema)
        pages += 1
        missing = [column.name for column in schema.columns if not (column.description or "").strip()]
        assert not missing, f"{key.to_user_string()}: columns without a description: {', '.join(missing)}"
    assert pages == len(ASSET_TABLES)
