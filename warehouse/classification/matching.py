"""Fingerprint matching for the judgments: each distinct page and each distinct DNS answer once.

Block pages repeat (an ISP serves the same page for every blocked site), so the pages of the
measurements are matched once per distinct body rather than once per measurement (DuckDB groups the
candidate pages by body first), and the answers once per distinct address. The literal body patterns
(about 1,100 of OONI's 1,300 body rules) are found in one pass per page by an Aho-Corasick automaton
(Polars' ``str.extract_many``, overlapping matches, so a pattern inside or across another is found
too); OONI's dozen regular expressions run in DuckDB (RE2, as the rules always have). The result is
the temporary table imap_measurement_fingerprints that classify_judgments.sql joins: one row per
measurement (by row number) that matched anything, with its strongest DNS and page match;
imap_dns_answer_matches (the answers that matched a DNS rule) also keeps the fast path
(imap_fast_ok, classify_rule_rows.sql) off their measurements (imap_dns_matched_rows).
"""

from __future__ import annotations

from datetime import date

import duckdb

from warehouse.classification.sql_support import body_patterns, body_regexp_macro
from warehouse.db import read_sql

# Chunks of the distinct page bodies matched in parallel (more than the machine's 2 cores, so the
# work spreads evenly when the bodies differ in length).
PARTS = 8


def match_answers(con: duckdb.DuckDBPyConnection, first_day: date, last_day: date) -> None:
    """imap_dns_answer_matches (classify_dns_answer_matches.sql) for the answers of measurements with
    ingest_day in [first_day, last_day], and imap_dns_matched_rows (classify_dns_matched_rows.sql),
    their measurements, which the fast path leaves to the rules.

    Needs sql_support.prepare(con) first.
    """
    params = {"first_day": first_day, "last_day": last_day}
    con.execute(read_sql("classify_dns_answer_matches.sql"), params)
    con.execute(read_sql("classify_dns_matched_rows.sql"), params)


def match_fingerprints(con: duckdb.DuckDBPyConnection) -> None:
    """imap_measurement_fingerprints for the measurements of imap_rule_input."""
    bodies = con.sql(read_sql("classify_candidate_pages.sql")).pl()
    hits = body_hits(con, bodies, "measurement_row", body_patterns(con, regexp=False), body_patterns(con, regexp=True))
    con.register("imap_page_hits", hits)
    try:
        con.execute(read_sql("classify_fingerprint_matches.sql"))
    finally:
        con.unregister("imap_page_hits")


def page_hits(con: duckdb.DuckDBPyConnection, pages, literals: list[str], regexps: list[str]):
    """(measurement_key, pattern, regexp, starts, whole) for every page of ``pages`` (measurement_key,
    body) and every body pattern it contains, each distinct body matched once (body_hits)."""
    import polars as pl

    bodies = pages.group_by("body").agg(pl.col("measurement_key"))
    return body_hits(con, bodies, "measurement_key", literals, regexps)


def body_hits(con: duckdb.DuckDBPyConnection, bodies, page: str, literals: list[str], regexps: list[str]):
    """(page, pattern, regexp, starts, whole) for every distinct body of ``bodies`` (``body``, and in
    column ``page`` the list of pages that show it) and every body pattern it contains: the literal
    patterns by one automaton pass (overlapping matches, so a pattern inside or across another is
    found too), the regular expressions by DuckDB (RE2, as the rules always have); `starts` and
    `whole` say whether the body starts with or is the pattern (for `prefix` and `full` rules)."""
    import polars as pl

    schema = {page: bodies.schema[page].inner, "pattern": pl.String, "regexp": pl.Boolean,
              "starts": pl.Boolean, "whole": pl.Boolean}
    bodies = bodies.with_row_index("body_id")
    if bodies.is_empty():
        return pl.DataFrame(schema=schema)
    # Chunks matched in parallel (the automaton in Polars' pool, the regular expressions as one
    # DuckDB task per Arrow batch).
    size = -(-len(bodies) // PARTS)
    chunks = [bodies.slice(offset, size).select("body_id", "body") for offset in range(0, len(bodies), size)]
    found = []
    if literals:
        hit = pl.col("body").str.extract_many(literals, overlapping=True).list.unique().alias("pattern")
        literal = pl.concat(pl.collect_all([chunk.lazy().select("body_id", "body", hit) for chunk in chunks]))
        literal = literal.explode("pattern").drop_nulls("pattern")
        found.append(literal.select(
            "body_id", "pattern", pl.lit(False).alias("regexp"),
            pl.col("body").str.starts_with(pl.col("pattern")).alias("starts"),
            (pl.col("body") == pl.col("pattern")).alias("whole"),
        ))
    if regexps:
        con.execute(body_regexp_macro(regexps))
        con.register("imap_candidate_bodies", pl.concat(chunks, rechunk=False))
        try:
            matched = con.sql(
                "SELECT body_id, unnest(imap_body_regexp_hits(body)) AS pattern FROM imap_candidate_bodies"
            ).pl()
        finally:
            con.unregister("imap_candidate_bodies")
        found.append(matched.select(
            pl.col("body_id").cast(pl.UInt32), "pattern", pl.lit(True).alias("regexp"),
            pl.lit(False).alias("starts"), pl.lit(False).alias("whole"),
        ))
    if not found:
        return pl.DataFrame(schema=schema)
    return (
        pl.concat(found)
        .join(bodies.select("body_id", page), on="body_id")
        .explode(page)
        .select(list(schema))
    )
