"""Fingerprint matching for the judgments: each distinct page and each distinct DNS answer once.

Block pages repeat (an ISP serves the same page for every blocked site), so the pages of the
measurements are matched once per distinct body rather than once per measurement, and the answers
once per distinct address. The literal body patterns (about 1,100 of OONI's 1,300 body rules) are
found in one pass per page by an Aho-Corasick automaton (Polars' ``str.extract_many``, overlapping
matches, so a pattern inside or across another is found too); OONI's dozen regular expressions run
in DuckDB (RE2, as the rules always have). The result is the temporary table
imap_measurement_fingerprints that classify_judgments.sql joins: one row per measurement that
matched anything, with its strongest DNS and page match; imap_dns_answer_matches (the answers that
matched a DNS rule) also keeps the fast path (classify_fast_path.sql) off their measurements.
"""

from __future__ import annotations

from datetime import date

import duckdb

from warehouse.classification.sql_support import body_patterns, body_regexp_macro, sql_literal
from warehouse.db import read_sql

TEMP_TABLES = (
    "imap_dns_answer_matches", "imap_rule_input", "imap_candidate_bodies", "imap_body_hits", "imap_measurement_fingerprints",
)


def prepare_rules(con: duckdb.DuckDBPyConnection, first_day: date, last_day: date, *, fast_path: bool) -> None:
    """The temporary tables the rules read, for measurements with ingest_day in [first_day, last_day]:
    imap_rule_input (the measurements the fast path does not take) and imap_measurement_fingerprints.

    Needs sql_support.prepare(con) first; drop_temp_tables(con) frees the memory afterwards.
    """
    params = {"first_day": first_day, "last_day": last_day}
    con.execute(read_sql("classify_dns_answer_matches.sql"), params)
    answers = [row[0] for row in con.execute("SELECT DISTINCT answer FROM imap_dns_answer_matches ORDER BY 1").fetchall()]
    con.execute(matched_answers_macro(answers))
    con.execute(read_sql("classify_rule_input.sql"), params | {"fast_path": fast_path})
    match_fingerprints(con)


def match_fingerprints(con: duckdb.DuckDBPyConnection) -> None:
    """imap_measurement_fingerprints for the measurements of imap_rule_input."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE imap_candidate_bodies AS "
        "SELECT DISTINCT body FROM imap_rule_input WHERE page_candidate AND body IS NOT NULL"
    )
    hits = literal_hits(con, body_patterns(con, regexp=False))
    con.execute(body_regexp_macro(body_patterns(con, regexp=True)))
    con.register("imap_literal_hits", hits)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE imap_body_hits AS
            SELECT body, pattern, false AS regexp FROM imap_literal_hits
            UNION ALL
            SELECT body, unnest(imap_body_regexp_hits(body)) AS pattern, true AS regexp FROM imap_candidate_bodies
            """
        )
    finally:
        con.unregister("imap_literal_hits")
    con.execute(read_sql("classify_fingerprint_matches.sql"))


def matched_answers_macro(answers: list[str]) -> str:
    """`imap_dns_matched_answers()`: the answers that matched a DNS rule, as a constant list, so the
    fast path tests them with a plain filter (a subquery there becomes a join over every row)."""
    items = ", ".join(sql_literal(a) for a in answers)
    return f"CREATE OR REPLACE TEMP MACRO imap_dns_matched_answers() AS ([{items}]::VARCHAR[]);"


def literal_hits(con: duckdb.DuckDBPyConnection, patterns: list[str]):
    """(body, pattern) for every distinct candidate body and every literal pattern it contains."""
    import polars as pl

    bodies = con.sql("SELECT body FROM imap_candidate_bodies").pl()
    if not patterns or bodies.is_empty():
        return pl.DataFrame(schema={"body": pl.String, "pattern": pl.String})
    return (
        bodies.select("body", pl.col("body").str.extract_many(patterns, overlapping=True).list.unique().alias("pattern"))
        .explode("pattern")
        .drop_nulls("pattern")
    )


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
