"""Preparing a connection for the classification SQL: macros, the fingerprint rules view, reference tables."""

from __future__ import annotations

import re

import duckdb

from warehouse.db import read_sql

# Matches nothing: RE2 has no empty-set literal, and a class of nothing cannot match.
NEVER_MATCHES = r"[^\s\S]"


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary macros and the imap_fingerprint_rules view, plus the body-pattern prefilter variable.

    Call after the `fingerprints` table holds what should be matched; cheap enough to call before
    every statement.
    """
    con.execute(read_sql("classify_macros.sql"))
    con.execute(read_sql("classify_fingerprint_rules.sql"))
    patterns = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT pattern FROM imap_fingerprint_rules "
            "WHERE location_found = 'body' AND pattern_type IN ('contains', 'full', 'prefix')"
        ).fetchall()
    ]
    con.execute("SET VARIABLE imap_body_regex = ?", [body_prefilter(patterns)])


def body_prefilter(patterns: list[str]) -> str:
    """One RE2 alternation of literal patterns: a page matching none of them skips the exact matching."""
    if not patterns:
        return NEVER_MATCHES
    # re.escape escapes exactly the characters that are special to RE2 as well.
    return "|".join(re.escape(pattern) for pattern in sorted(set(patterns)))
