"""MEASUREMENT_SCHEMA is the `measurements` table, column for column, and parsed rows fit it."""

from __future__ import annotations

from datetime import date

import duckdb

from ooni_ingest.parse import COLUMNS, MEASUREMENT_SCHEMA, parse_measurement, rows_to_frame
from warehouse.db import apply_schema


def table_schema():
    con = duckdb.connect()
    apply_schema(con)
    return con.sql("SELECT * FROM measurements LIMIT 0").pl().schema, con


def test_polars_schema_equals_the_duckdb_table() -> None:
    schema, _ = table_schema()
    assert list(MEASUREMENT_SCHEMA.items()) == list(schema.items())


def test_parsed_rows_insert_by_name_and_fill_every_not_null_column(qa_measurements) -> None:
    rows = [
        parse_measurement(raw, ingest_day=date(2024, 2, 13), ingest_source="local", source_file=name, source_line=None)
        for name, raw in qa_measurements.items()
    ]
    frame = rows_to_frame(rows)
    assert frame.schema == MEASUREMENT_SCHEMA and frame.height == len(rows)
    _, con = table_schema()
    con.register("batch", frame)
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM batch").fetchall()
    not_null = [name for name, _, nullable in
                con.execute("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                            "WHERE table_name = 'measurements'").fetchall() if nullable == "NO"]
    assert "measurement_key" in not_null
    for column in not_null:
        assert con.execute(f'SELECT count(*) FROM measurements WHERE "{column}" IS NULL').fetchall() == [(0,)], column
    back = con.sql("SELECT * FROM measurements ORDER BY source_file").pl()
    assert back.sort("source_file").equals(frame.sort("source_file"))


def test_ingest_batches_equal_the_rows_of_parse_measurement(qa_measurements) -> None:
    """Ingest's value lists (pairs, body bytes) give exactly the table parse_measurement's rows give."""
    from ooni_ingest.parse import measurement_values
    from ooni_ingest.schema import rows_to_arrow, values_to_arrow
    from ooni_ingest.synthetic import iter_synthetic_measurements

    raws = list(qa_measurements.values())
    raws += list(iter_synthetic_measurements(seed=3, count=400, start=date(2024, 1, 1), end=date(2024, 12, 31)))
    where = {"ingest_day": date(2024, 2, 13), "ingest_source": "local", "source_file": "f", "source_line": 1}
    values = [measurement_values(raw, **where) for raw in raws]
    rows = [parse_measurement(raw, **where) for raw in raws]
    assert any(isinstance(v[COLUMNS.index("http_body_sample")], bytes) for v in values)
    assert values_to_arrow(values).equals(rows_to_arrow(rows))
    assert all(isinstance(row["http_body_sample"], str | None) for row in rows)
