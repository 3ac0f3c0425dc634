"""Tier 1: judging measurements in the warehouse (warehouse/sql/classify_judgments.sql)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from warehouse.classification import matching, sql_support
from warehouse.db import read_sql

# The widest day range: `imap classify` judges everything in its in-memory warehouse.
ALL_DAYS = (date(1970, 1, 1), date(9999, 12, 31))


@dataclass
class JudgmentSummary:
    first_day: date
    last_day: date
    judged: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    local_filtering: int = 0
    fast_path: int = 0      # judged `ok` by the fast path, without the rules


def judgment_query() -> str:
    return read_sql("classify_judgments.sql")


def judge_measurements(
    con: duckdb.DuckDBPyConnection,
    first_day: date = ALL_DAYS[0],
    last_day: date = ALL_DAYS[1],
    *,
    fast_path: bool = True,
) -> JudgmentSummary:
    """Replace the judgments of measurements with ingest_day in [first_day, last_day], in one transaction.

    Needs the `fingerprints` and `networks` tables loaded (an empty fingerprints table only means
    nothing is confirmed). Three steps: which measurements need the rules, and their fingerprint
    matches (matching.py); the rules (classify_judgments.sql); the rest, which every rule would
    call plainly `ok` (classify_fast_path.sql). ``fast_path=False`` sends every measurement through
    the full rules (the tests compare both ways).
    """
    sql_support.prepare(con)
    params = {"first_day": first_day, "last_day": last_day}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM measurement_judgments WHERE ingest_day BETWEEN $first_day AND $last_day", params
        )
        matching.prepare_rules(con, first_day, last_day, fast_path=fast_path)
        con.execute("INSERT INTO measurement_judgments BY NAME " + judgment_query())
        fast = 0
        if fast_path:
            fast = con.execute(
                "INSERT INTO measurement_judgments BY NAME " + read_sql("classify_fast_path.sql"), params
            ).fetchone()[0]
        matching.drop_temp_tables(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    summary = summarize(con, first_day, last_day)
    summary.fast_path = fast
    return summary


def summarize(con: duckdb.DuckDBPyConnection, first_day: date, last_day: date) -> JudgmentSummary:
    params = {"first_day": first_day, "last_day": last_day}
    where = "WHERE ingest_day BETWEEN $first_day AND $last_day"
    summary = JudgmentSummary(first_day, last_day)
    summary.outcomes = dict(
        con.execute(f"SELECT outcome, count(*) FROM measurement_judgments {where} GROUP BY 1 ORDER BY 2 DESC", params).fetchall()
    )
    summary.methods = dict(
        con.execute(
            f"SELECT method, count(*) FROM measurement_judgments {where} AND outcome = 'blocked' GROUP BY 1 ORDER BY 2 DESC",
            params,
        ).fetchall()
    )
    summary.judged = sum(summary.outcomes.values())
    summary.confirmed, summary.local_filtering = con.execute(
        f"SELECT count_if(confirmed), count_if(local_filtering) FROM measurement_judgments {where}", params
    ).fetchone()
    return summary
