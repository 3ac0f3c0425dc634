"""Tier 1: judging measurements in the warehouse (warehouse/sql/classify_*.sql)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import duckdb

from warehouse.classification import matching, sql_support
from warehouse.db import read_sql

# The widest day range: `imap classify` judges everything in its in-memory warehouse.
ALL_DAYS = (date(1970, 1, 1), date(9999, 12, 31))
# The temporary tables of a judging run (dropped at its end) and the Arrow data it registers.
TEMP_TABLES = ("imap_dns_answer_matches", "imap_dns_matched_rows", "imap_rule_rows", "imap_measurement_fingerprints")
RULE_INPUT = "imap_rule_input"
# Rows per Arrow batch of imap_rule_input: DuckDB scans registered Arrow data a batch per task, so a
# year's 130,000 rule rows spread over both cores.
RULE_INPUT_BATCH = 4096


class JudgingError(RuntimeError):
    """Judging could not account for every measurement; the transaction was rolled back."""


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
    steps: dict[str, float] = field(default_factory=dict)   # wall-clock seconds of each step, in order


def judgment_query() -> str:
    return read_sql("classify_judgments.sql")


@contextlib.contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        steps[name] = round(time.perf_counter() - started, 3)


def judge_measurements(
    con: duckdb.DuckDBPyConnection,
    first_day: date = ALL_DAYS[0],
    last_day: date = ALL_DAYS[1],
    *,
    fast_path: bool = True,
) -> JudgmentSummary:
    """Replace the judgments of measurements with ingest_day in [first_day, last_day], in one transaction.

    Needs the `fingerprints` and `networks` tables loaded (an empty fingerprints table only means
    nothing is confirmed). The steps: the DNS answers that match a fingerprint (matching.py); which
    measurements need the rules (classify_rule_rows.sql) and what the rules read of them
    (classify_rule_input.sql); their fingerprint matches (matching.py); the rules
    (classify_judgments.sql), stored in ruled_judgments; the days, recorded as judged
    (classify_judged_days.sql). The rest, which every rule would call plainly `ok`, is not stored:
    the view measurement_judgments derives it (schema.sql). ``fast_path=False`` sends every
    measurement through the full rules (the tests compare both ways).
    """
    steps: dict[str, float] = {}
    with _timed(steps, "prepare"):
        sql_support.prepare(con)
    params = {"first_day": first_day, "last_day": last_day}
    con.execute("BEGIN TRANSACTION")
    try:
        # (record_judged_days replaces the range's judged_days rows below, in the same transaction.)
        with _timed(steps, "delete"):
            con.execute("DELETE FROM ruled_judgments WHERE ingest_day BETWEEN $first_day AND $last_day", params)
        with _timed(steps, "dns_answers"):
            matching.match_answers(con, first_day, last_day)
        with _timed(steps, "rule_rows"):
            con.execute(read_sql("classify_rule_rows.sql"), params | {"fast_path": fast_path})
        with _timed(steps, "rule_input"):
            con.register(RULE_INPUT, con.sql(read_sql("classify_rule_input.sql")).to_arrow_table(RULE_INPUT_BATCH))
        with _timed(steps, "fingerprints"):
            matching.match_fingerprints(con)
        with _timed(steps, "rules"):
            (stored,) = con.execute("INSERT INTO ruled_judgments BY NAME " + judgment_query()).fetchone()
        # A measurement the rules dropped would read as the fast path's `ok` in the view: never store that.
        (sent,) = con.execute("SELECT count(*) FROM imap_rule_rows").fetchone()
        if stored != sent:
            raise JudgingError(f"the rules judged {stored} of the {sent} measurements sent to them "
                               f"(ingest days {first_day}..{last_day}); nothing was stored")
        with _timed(steps, "judged_days"):
            fast = record_judged_days(con, first_day, last_day)
        drop_temp_tables(con)
        with _timed(steps, "commit"):
            con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        drop_temp_tables(con)
        raise
    with _timed(steps, "summary"):
        summary = summarize(con, first_day, last_day)
    summary.fast_path = fast
    summary.steps = steps
    return summary


def record_judged_days(
    con: duckdb.DuckDBPyConnection, first_day: date = ALL_DAYS[0], last_day: date = ALL_DAYS[1]
) -> int:
    """Record the days of [first_day, last_day] that hold measurements as judged (classify_judged_days.sql),
    once ruled_judgments holds the rules' judgments of them; returns how many the fast path judged.

    Every row of ruled_judgments must belong to a judged day: the monthly verdicts count a day's
    measurements and subtract the rules' rows (verdicts_month.sql). Every measurement of those days
    without a row there reads as the fast path's `ok`, so call this only once the rules' judgments of
    all of them are stored: judge_measurements does; tests and benchmarks that store judgments of their
    own call it after them.
    """
    params = {"first_day": first_day, "last_day": last_day}
    con.execute("DELETE FROM judged_days WHERE ingest_day BETWEEN $first_day AND $last_day", params)
    return sum(n for (n,) in con.execute(read_sql("classify_judged_days.sql"), params).fetchall())


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Free what a judging run left on the connection."""
    for table in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    with contextlib.suppress(duckdb.Error):  # not registered when the run failed before
        con.unregister(RULE_INPUT)


# What a judging run decided, from its stored parts: the rules' rows, plus the fast path's `ok`
# judgments counted in judged_days (reading the view would derive 1.4 million rows to count them).
SUMMARY_OUTCOMES = """
SELECT outcome, sum(n)::BIGINT FROM (
    SELECT outcome, count(*) AS n FROM ruled_judgments WHERE ingest_day BETWEEN $first_day AND $last_day GROUP BY 1
    UNION ALL
    SELECT 'ok', sum(fast_path) FROM judged_days WHERE ingest_day BETWEEN $first_day AND $last_day
) GROUP BY 1 HAVING sum(n) > 0 ORDER BY 2 DESC, 1
"""
SUMMARY_BLOCKED_METHODS = """
SELECT method, count(*) FROM ruled_judgments
WHERE ingest_day BETWEEN $first_day AND $last_day AND outcome = 'blocked' GROUP BY 1 ORDER BY 2 DESC, 1
"""
SUMMARY_FLAGS = """
SELECT count_if(confirmed), count_if(local_filtering) FROM ruled_judgments
WHERE ingest_day BETWEEN $first_day AND $last_day
"""


def summarize(con: duckdb.DuckDBPyConnection, first_day: date, last_day: date) -> JudgmentSummary:
    params = {"first_day": first_day, "last_day": last_day}
    summary = JudgmentSummary(first_day, last_day)
    summary.outcomes = dict(con.execute(SUMMARY_OUTCOMES, params).fetchall())
    summary.methods = dict(con.execute(SUMMARY_BLOCKED_METHODS, params).fetchall())
    summary.judged = sum(summary.outcomes.values())
    summary.confirmed, summary.local_filtering = con.execute(SUMMARY_FLAGS, params).fetchone()
    return summary
