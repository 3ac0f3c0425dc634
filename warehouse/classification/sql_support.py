"""Preparing a connection for the classification SQL: macros, the fingerprint rules view, the network lists."""

from __future__ import annotations

import duckdb

from warehouse.db import read_sql


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary macros (classify_macros.sql), the imap_fingerprint_rules view and the network
    variables (classify_reference_networks.sql).

    Call after the `fingerprints` and `networks` tables hold what should be matched; cheap enough to
    call before every statement.
    """
    con.execute(read_sql("classify_macros.sql"))
    con.execute(read_sql("classify_fingerprint_rules.sql"))
    con.execute(read_sql("classify_reference_networks.sql"))


def body_patterns(con: duckdb.DuckDBPyConnection, *, regexp: bool) -> list[str]:
    """The distinct body patterns of the rules: literal ones (contains, prefix, full), or regular expressions."""
    kinds = "= 'regexp'" if regexp else "IN ('contains', 'prefix', 'full')"
    return [row[0] for row in con.execute(
        f"SELECT DISTINCT pattern FROM imap_fingerprint_rules WHERE location_found = 'body' AND pattern_type {kinds} "
        "ORDER BY pattern"
    ).fetchall()]


def sql_literal(text: str) -> str:
    # DuckDB string literals: only the quote is special (backslashes are taken as written).
    return "'" + text.replace("'", "''") + "'"


def body_regexp_macro(patterns: list[str]) -> str:
    """`imap_body_regexp_hits(body)`: the regular-expression body patterns a page matches.

    One regexp_matches per pattern with the pattern as a constant, so each is compiled once (RE2
    runs each of OONI's dozen as a fast scan; one alternation of all of them is slower). The patterns
    come from the fingerprint files, so the macro is generated here, each pattern a quoted literal.
    """
    if not patterns:
        return "CREATE OR REPLACE TEMP MACRO imap_body_regexp_hits(body) AS ([]::VARCHAR[]);"
    cases = ", ".join(
        f"CASE WHEN regexp_matches(body, {sql_literal(p)}) THEN {sql_literal(p)} END" for p in sorted(set(patterns))
    )
    return f"CREATE OR REPLACE TEMP MACRO imap_body_regexp_hits(body) AS (list_filter([{cases}], lambda p: p IS NOT NULL));"
