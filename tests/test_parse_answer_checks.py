"""The answer checks stored at ingest (dns_answers_in_control, dns_answers_explained) equal their SQL
definition, on OONI's QA samples and the synthetic corpus, and the classification macros compute the
same for rows stored before the columns existed (NULL)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import duckdb

from ooni_ingest.parse import parse_measurement, rows_to_frame
from warehouse.classification import sql_support
from warehouse.db import connect

# The definition the columns document (warehouse/sql/schema.sql), written out in SQL.
SQL_DEFINITION = """
SELECT measurement_key,
       dns_answers_in_control,
       dns_answers_explained,
       len(coalesce(dns_answers, [])) > 0 AND list_has_all(coalesce(control_dns_addrs, []), dns_answers),
       len(coalesce(dns_answers, [])) > 0
           AND list_has_all(coalesce(control_dns_addrs, []) || coalesce(doh_answers, []) || coalesce(tls_ok_ips, []),
                            dns_answers)
FROM measurements
ORDER BY measurement_key
"""
MACROS = """
SELECT measurement_key, imap_answers_in_control(m), imap_answers_explained(m)
FROM measurements m
ORDER BY measurement_key
"""


def warehouse_of(raws: list[dict]) -> duckdb.DuckDBPyConnection:
    rows = []
    for number, raw in enumerate(raws):
        row = parse_measurement(raw, ingest_day=date(2024, 3, 1), ingest_source="local", source_file="f",
                                source_line=number + 1)
        row["measurement_key"] = f"k{number:06d}"
        rows.append(row)
    con = connect(":memory:")
    frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB below
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
    sql_support.prepare(con)
    return con


def assert_stored_equal_definition(con: duckdb.DuckDBPyConnection) -> Counter:
    """Checks every row and returns how often each (in_control, explained) pair occurs."""
    rows = con.execute(SQL_DEFINITION).fetchall()
    assert rows
    for key, in_control, explained, defined_in_control, defined_explained in rows:
        assert (in_control, explained) == (defined_in_control, defined_explained), key
    # The fallback for older rows: the macros give the stored values, and the same once they are NULL.
    stored = con.execute(MACROS).fetchall()
    assert stored == [(key, a, b) for key, a, b, _, _ in rows]
    con.execute("UPDATE measurements SET dns_answers_in_control = NULL, dns_answers_explained = NULL")
    assert con.execute(MACROS).fetchall() == stored
    return Counter((a, b) for _, a, b, _, _ in rows)


def test_answer_checks_on_the_qa_samples(qa_measurements: dict[str, dict]) -> None:
    seen = assert_stored_equal_definition(warehouse_of(list(qa_measurements.values())))
    assert seen[(True, True)] and seen[(False, False)]


def test_answer_checks_on_the_synthetic_corpus() -> None:
    from ooni_ingest.synthetic import iter_synthetic_measurements

    raws = list(iter_synthetic_measurements(seed=11, count=3000, start=date(2024, 1, 1), end=date(2024, 12, 31)))
    seen = assert_stored_equal_definition(warehouse_of(raws))
    # Every combination the fast path tells apart occurs: in the control's answers; explained only
    # by DoH or a verified handshake; not explained (or no answers).
    assert seen[(True, True)] and seen[(False, True)] and seen[(False, False)]
    assert (True, False) not in seen
