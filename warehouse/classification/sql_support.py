"""Preparing a connection for the classification SQL: macros, the fingerprint rules view, page matchers."""

from __future__ import annotations

import re

import duckdb

from warehouse.db import read_sql

# Characters of escaped patterns per regular expression when matching pages. RE2 runs an
# alternation of literals as one fast automaton until the automaton outgrows its memory budget,
# then falls back to a far slower engine. On OONI's 1,300 body patterns, chunks of about 9,000
# characters judged 1.5 million measurements in 16 CPU seconds, chunks of about 11,000 in 154:
# 8,000 keeps a margin below that cliff.
CHUNK_CHARACTERS = 8000


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary macros, the imap_fingerprint_rules view and the two page-matching macros.

    Call after the `fingerprints` table holds what should be matched; cheap enough to call before
    every statement.
    """
    con.execute(read_sql("classify_macros.sql"))
    con.execute(read_sql("classify_fingerprint_rules.sql"))
    literals = [row[0] for row in con.execute(
        "SELECT DISTINCT pattern FROM imap_fingerprint_rules "
        "WHERE location_found = 'body' AND pattern_type IN ('contains', 'prefix', 'full')"
    ).fetchall()]
    regexps = [row[0] for row in con.execute(
        "SELECT DISTINCT pattern FROM imap_fingerprint_rules WHERE location_found = 'body' AND pattern_type = 'regexp'"
    ).fetchall()]
    con.execute(body_hits_macro(literals))
    con.execute(body_regexp_macro(regexps))
    store_nested_patterns(con, literals)


def nested_patterns(patterns: list[str]) -> list[tuple[str, str]]:
    """(outer, inner) pairs of literal patterns where inner lies inside outer: a page matching the
    outer one matches the inner one too, though a scan reports only the outer (longest) text."""
    unique = sorted(set(patterns), key=len)
    return [(outer, inner) for i, inner in enumerate(unique) for outer in unique[i + 1 :] if inner in outer]


def store_nested_patterns(con: duckdb.DuckDBPyConnection, patterns: list[str]) -> None:
    import polars as pl

    pairs = nested_patterns(patterns)
    frame = pl.DataFrame(  # noqa: F841 - read by DuckDB below
        {"outer_pattern": [o for o, _ in pairs], "inner_pattern": [i for _, i in pairs]},
        schema={"outer_pattern": pl.String, "inner_pattern": pl.String},
    )
    con.execute("CREATE OR REPLACE TEMP TABLE imap_body_nested AS SELECT * FROM frame")


def literal_chunks(patterns: list[str]) -> list[str]:
    """RE2 alternations of literal patterns, longest first: where two start at the same place, the
    longer (more specific) one is the match reported."""
    # re.escape escapes exactly the characters that are special to RE2 as well.
    ordered = sorted(set(patterns), key=lambda p: (-len(p), p))
    chunks: list[list[str]] = [[]]
    size = 0
    for pattern in ordered:
        escaped = re.escape(pattern)
        if chunks[-1] and size + len(escaped) > CHUNK_CHARACTERS:
            chunks.append([])
            size = 0
        chunks[-1].append(escaped)
        size += len(escaped) + 1
    return ["|".join(chunk) for chunk in chunks if chunk]


def _literal(text: str) -> str:
    # DuckDB string literals: only the quote is special (backslashes are taken as written).
    return "'" + text.replace("'", "''") + "'"


def body_hits_macro(patterns: list[str]) -> str:
    """`imap_body_hits(body)`: the texts of a page that equal a literal body pattern.

    One automaton pass per chunk instead of one `contains` per rule; the caller joins the hits to
    the rules by equality. The patterns come from the fingerprint files, so the macro is generated
    here, each chunk a quoted literal. A pattern lying inside a longer matching one is not reported
    by the scan; imap_body_nested adds it back.
    """
    chunks = literal_chunks(patterns)
    if not chunks:
        return "CREATE OR REPLACE TEMP MACRO imap_body_hits(body) AS ([]::VARCHAR[]);"
    parts = ", ".join(f"regexp_extract_all(body, {_literal(chunk)})" for chunk in chunks)
    return f"CREATE OR REPLACE TEMP MACRO imap_body_hits(body) AS (list_distinct(flatten([{parts}])));"


def body_regexp_macro(patterns: list[str]) -> str:
    """`imap_body_regexp_maybe(body)`: could one of the regular-expression body rules match? Only
    those pages go through the rules one by one."""
    if not patterns:
        return "CREATE OR REPLACE TEMP MACRO imap_body_regexp_maybe(body) AS (false);"
    alternation = "|".join(f"(?:{p})" for p in sorted(set(patterns)))
    return f"CREATE OR REPLACE TEMP MACRO imap_body_regexp_maybe(body) AS (regexp_matches(body, {_literal(alternation)}));"
