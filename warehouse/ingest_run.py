"""Ingesting a range of days: ooni_ingest's day batches loaded by warehouse.ingest_load, one day per
transaction, with a summary of what happened. Used by the Dagster asset and the benchmark.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from ooni_ingest.runner import ProgressCallback, RunProgress, iter_days
from ooni_ingest.sources import Source
from warehouse.ingest_load import PartitionLoad, replace_ingest_partition

# Skip reasons that say the input was damaged or not what its path promised. The others (data of
# other countries or tests in a content-filtered file, other days, duplicates) are filters.
BAD_INPUT_REASONS = frozenset(
    {
        "truncated_gzip", "unreadable_file", "invalid_json", "not_an_object", "no_test_keys",
        "unknown_test_version", "wrong_test_name", "wrong_country", "invalid_field", "implausible_time",
    }
)


def days_over_skip_limit(days: Iterable[tuple[date, int, int]], limit: float) -> list[tuple[date, int, int]]:
    """The (day, bad input lines, lines) whose bad input exceeds ``limit`` of the day's lines, worst
    first: the skip_rate check's rule for single days, and what `imap ingest`'s summary names."""
    over = [(day, bad, lines) for day, bad, lines in days if lines and bad / lines > limit]
    return sorted(over, key=lambda d: d[1] / d[2], reverse=True)


# DuckDB's buffer pool during ingest: enough for a day's batch and the duplicate check over a year.
DUCKDB_MEMORY_LIMIT = "384MB"


@dataclass
class DayTotals:
    """What one ingest day (partition) of a run loaded, from its ingest_files / ingest_skips rows."""

    files: int = 0
    incomplete_files: int = 0
    lines: int = 0
    stored: int = 0
    skipped: Counter = field(default_factory=Counter)
    taken_from_other_days: int = 0
    examples: dict[str, str] = field(default_factory=dict)   # reason -> "file:line: message"

    @property
    def bad_input(self) -> int:
        return sum(count for reason, count in self.skipped.items() if reason in BAD_INPUT_REASONS)


@dataclass
class IngestSummary:
    first: date
    last: date
    source: str
    days: int = 0
    files: int = 0
    incomplete_files: int = 0
    bytes: int = 0
    lines: int = 0
    stored: int = 0
    skipped: Counter = field(default_factory=Counter)
    taken_from_other_days: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0   # of `seconds`, in the DuckDB transactions (the rest: waiting for parsed days)
    examples: dict[str, str] = field(default_factory=dict)   # reason -> "file:line: message"
    by_day: dict[date, DayTotals] = field(default_factory=dict)

    @property
    def bad_input(self) -> int:
        return sum(count for reason, count in self.skipped.items() if reason in BAD_INPUT_REASONS)

    @property
    def skip_rate(self) -> float:
        """Bad input per line read (filters excluded): what the asset check compares to the limit."""
        return self.bad_input / self.lines if self.lines else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(skipped=dict(self.skipped), bad_input=self.bad_input, skip_rate=self.skip_rate,
                    rows_per_second=self.rows_per_second, first=self.first.isoformat(), last=self.last.isoformat(),
                    by_day={day.isoformat(): {**asdict(totals), "skipped": dict(totals.skipped)}
                            for day, totals in self.by_day.items()})
        return data


def run_ingest(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    first: date,
    last: date,
    *,
    country: str,
    workers: int | None = None,
    spool_root: Path | None = None,
    progress: ProgressCallback | None = None,
    memory_limit: str | None = DUCKDB_MEMORY_LIMIT,
) -> IngestSummary:
    """Ingest ``first..last`` (inclusive) from ``source``; each day is committed on its own.

    ``memory_limit`` caps DuckDB's buffer pool for the run (restored afterwards): left alone it
    grows towards 80% of the machine as the table grows, which would make a year's ingest use
    more memory than a month's.
    """
    summary = IngestSummary(first, last, source.name)
    started = time.perf_counter()
    previous_limit = None
    if memory_limit:
        ((previous_limit,),) = con.execute("SELECT current_setting('memory_limit')").fetchall()
        con.execute(f"SET memory_limit = '{memory_limit}'").fetchall()

    def track(state: RunProgress) -> None:
        # Files, bytes and lines are counted once per file by the runner, even for a plain file
        # that feeds several days.
        summary.files, summary.bytes, summary.lines = state.files, state.bytes, state.lines
        if progress:
            progress(state)

    try:
        for batch in iter_days(source, first, last, country=country, workers=workers,
                               spool_root=spool_root, progress=track):
            load_started = time.perf_counter()
            load: PartitionLoad = replace_ingest_partition(
                con,
                ingest_day=batch.day,
                ingest_source=batch.ingest_source,
                tables=batch.tables(),
                files=[vars(f) for f in batch.files],
                skips=[vars(s) for s in batch.skips],
            )
            summary.load_seconds += time.perf_counter() - load_started
            day = summary.by_day[batch.day] = DayTotals(
                files=len(batch.files),
                incomplete_files=sum(not f.complete for f in batch.files),
                lines=sum(f.lines for f in batch.files),
                stored=load.stored,
                taken_from_other_days=load.taken_from_other_days,
            )
            summary.days += 1
            summary.stored += load.stored
            summary.taken_from_other_days += load.taken_from_other_days
            if load.duplicates:
                summary.skipped["duplicate"] += load.duplicates
                day.skipped["duplicate"] += load.duplicates
            for skip in batch.skips:
                if skip.reason in ("truncated_gzip", "unreadable_file"):
                    summary.incomplete_files += 1
                summary.skipped[skip.reason] += skip.count
                day.skipped[skip.reason] += skip.count
                example = f"{skip.source_file}:{skip.first_line or '-'}: {skip.example}"
                summary.examples.setdefault(skip.reason, example)
                day.examples.setdefault(skip.reason, example)
    finally:
        summary.seconds = time.perf_counter() - started
        if previous_limit:
            con.execute(f"SET memory_limit = '{previous_limit}'").fetchall()
    return summary
