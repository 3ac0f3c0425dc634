"""Loading one ingest partition (an ingest day) into the warehouse, in one transaction.

`replace_ingest_partition` deletes the day's measurements, ingest_files and ingest_skips rows,
inserts the new ones, removes the same measurements from other partitions, and commits; on any
error it rolls back, so a day is either fully the old one or fully the new one.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from warehouse.db import read_sql

FILES_SCHEMA = pl.Schema(
    {
        "ingest_day": pl.Date, "ingest_source": pl.String, "source_file": pl.String, "bytes": pl.Int64,
        "lines": pl.Int64, "stored": pl.Int64, "skipped": pl.Int64, "complete": pl.Boolean,
        "ingested_at": pl.Datetime("us"),
    }
)
SKIPS_SCHEMA = pl.Schema(
    {
        "ingest_day": pl.Date, "ingest_source": pl.String, "source_file": pl.String, "reason": pl.String,
        "count": pl.Int64, "first_line": pl.Int64, "example": pl.String,
    }
)


@dataclass
class PartitionLoad:
    day: date
    stored: int
    duplicates: int
    taken_from_other_days: int


def statements(sql: str) -> list[str]:
    """The statements of a .sql file (DuckDB prepares one statement at a time when given parameters)."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [part.strip() for part in without_comments.split(";") if part.strip()]


def _execute_file(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> list[Any]:
    results = []
    for statement in statements(read_sql(name)):
        results.append(con.execute(statement, params or {}).fetchall())
    return results


def replace_ingest_partition(
    con: duckdb.DuckDBPyConnection,
    *,
    ingest_day: date,
    ingest_source: str,
    tables: Iterable[tuple[str, pa.Table | pl.DataFrame]],
    files: Iterable[dict[str, Any]],
    skips: Iterable[dict[str, Any]],
) -> PartitionLoad:
    """Replace partition ``ingest_day`` with ``tables`` ((source_file, rows) in the measurements schema).

    ``files`` and ``skips`` are ingest_files / ingest_skips rows without the partition columns.
    Measurements repeated within the partition are stored once and counted as `duplicate` skips of
    the file that repeated them (``files`` stored/skipped counts are adjusted to match). A measurement
    another day holds moves here, without the judgment the rules made of it there. The day's own
    judgments stay when it holds the same measurements as before, and are removed otherwise, so that it
    is judged again (ingest_settle_judgments.sql).
    """
    params = {"ingest_day": ingest_day}
    files = [dict(f) for f in files]
    skips = [dict(s) for s in skips]
    # One insert per partition: the day's tables are concatenated without copying (Arrow chunks), and
    # a single statement deduplicates across all of them.
    parts = [(name, table.to_arrow() if isinstance(table, pl.DataFrame) else table) for name, table in tables]
    offered = Counter()
    for name, table in parts:
        offered[name] += table.num_rows
    batch = pa.concat_tables([table for _, table in parts], promote_options="permissive") if parts else None
    con.execute("BEGIN TRANSACTION")
    try:
        judged = con.execute(JUDGED_DAY, params).fetchone()[0] > 0
        if judged:
            _execute_file(con, "ingest_snapshot_rows.sql", params)
        _execute_file(con, "ingest_delete_partition.sql", params)
        stored = duplicates = 0
        if batch is not None and batch.num_rows:
            con.register("ingest_batch", batch)
            (((stored,),),) = _execute_file(con, "ingest_insert_measurements.sql")
            con.unregister("ingest_batch")
        if stored < sum(offered.values()):
            kept = dict(con.execute(read_sql("ingest_partition_rows_per_file.sql"), params).fetchall())
            for name, count in offered.items():
                if count > kept.get(name, 0):
                    duplicates += count - kept.get(name, 0)
                    _count_duplicates(files, skips, name, count - kept.get(name, 0))
        *_, ((taken,),) = _execute_file(con, "ingest_remove_other_partitions.sql", params)
        if judged:
            _execute_file(con, "ingest_settle_judgments.sql", params)
            _drop_temp_tables(con)
        _insert_accounting(con, ingest_day, ingest_source, files, skips)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        for view in ("ingest_batch", "ingest_files_batch", "ingest_skips_batch"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(view)
        _drop_temp_tables(con)
        raise
    return PartitionLoad(ingest_day, stored, duplicates, taken)


# Whether the day being loaded was judged: only then are its rows compared before and after
# (ingest_snapshot_rows.sql, ingest_settle_judgments.sql); other days have no judgments to keep.
JUDGED_DAY = "SELECT count(*) FROM judged_days WHERE ingest_day = $ingest_day"
# What the load's SQL keeps between its statements (ingest_snapshot_rows.sql, ingest_settle_judgments.sql).
TEMP_TABLES = ("ingest_previous_rows", "ingest_day_changed")


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _count_duplicates(files: list[dict], skips: list[dict], source_file: str, count: int) -> None:
    for account in files:
        if account["source_file"] == source_file:
            account["stored"] -= count
            account["skipped"] += count
            break
    for skip in skips:
        if skip["source_file"] == source_file and skip["reason"] == "duplicate":
            skip["count"] += count
            return
    skips.append(
        {
            "source_file": source_file, "reason": "duplicate", "count": count, "first_line": None,
            "example": "the same measurement_key appeared earlier in this partition",
        }
    )


def _insert_accounting(
    con: duckdb.DuckDBPyConnection, day: date, source: str, files: list[dict], skips: list[dict]
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    partition = {"ingest_day": day, "ingest_source": source}
    files_frame = pl.DataFrame(
        [{**partition, **f, "ingested_at": now} for f in files], schema=FILES_SCHEMA, orient="row"
    ) if files else pl.DataFrame(schema=FILES_SCHEMA)
    skips_frame = pl.DataFrame(
        [{**partition, **s} for s in skips], schema=SKIPS_SCHEMA, orient="row"
    ) if skips else pl.DataFrame(schema=SKIPS_SCHEMA)
    con.register("ingest_files_batch", files_frame)
    con.register("ingest_skips_batch", skips_frame)
    _execute_file(con, "ingest_insert_accounting.sql")
    con.unregister("ingest_files_batch")
    con.unregister("ingest_skips_batch")
