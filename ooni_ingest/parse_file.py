"""Parsing one file into Arrow spool files, one per ingest day: the work a pool process does.

Rows are written in batches to `<spool_dir>/<unit>-<day>.arrow` (Arrow IPC) so that a worker's
memory stays at one batch whatever the file's size, and the main process can insert them into
DuckDB without copying. Everything that is not stored is counted by reason with its first line.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc

from ooni_ingest.parse import INGEST_DAY, MEASUREMENT_DAY, SOURCE_LINE, SkipMeasurement, measurement_values
from ooni_ingest.read import read_measurement_file
from ooni_ingest.schema import values_to_arrow
from ooni_ingest.sources import WorkUnit

BATCH_ROWS = 2000
# A measurement cannot have run after it was uploaded; one day of slack covers clock skew.
MAX_CLOCK_AHEAD = timedelta(days=1)


@dataclass
class SkipCount:
    count: int
    first_line: int | None
    example: str


@dataclass
class DayPart:
    spool: Path
    rows: int


@dataclass
class UnitResult:
    unit: WorkUnit
    bytes: int
    lines: int = 0
    complete: bool = True
    days: dict[date, DayPart] = field(default_factory=dict)
    skips: dict[str, SkipCount] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        return sum(part.rows for part in self.days.values())

    @property
    def skipped(self) -> int:
        return sum(skip.count for skip in self.skips.values())

    def skip(self, reason: str, line: int | None, message: str) -> None:
        entry = self.skips.get(reason)
        if entry is None:
            self.skips[reason] = SkipCount(1, line, message[:500])
        else:
            entry.count += 1


@dataclass(frozen=True)
class ParseTask:
    unit: WorkUnit
    path: Path
    country: str
    first: date
    last: date
    spool_dir: Path
    index: int


class _SpoolWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: pa.ipc.RecordBatchFileWriter | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pa.ipc.new_file(str(self.path), table.schema)
        self.writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


_UNFIT = (TypeError, ValueError, OverflowError, pa.ArrowException)


def _table(rows: list[list[Any]], result: UnitResult) -> pa.Table:
    """Rows as a table; a row whose values do not fit the schema is skipped, not the whole batch."""
    try:
        return values_to_arrow(rows)
    except _UNFIT:
        good = []
        for row in rows:
            try:
                values_to_arrow([row])
            except _UNFIT as exc:
                line = row[SOURCE_LINE]
                result.skip("invalid_field", line, f"line {line}: {exc}")
            else:
                good.append(row)
        return values_to_arrow(good)


def parse_unit(task: ParseTask) -> UnitResult:
    """Parse one file; never raises for bad content (only for a bug or a full disk)."""
    # Measurements hold no reference cycles, but the millions of dicts and lists kept in a batch
    # make the cyclic garbage collector run over and over: a third of the parse time otherwise.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse_unit(task)
    finally:
        if collecting:
            gc.enable()


def _parse_unit(task: ParseTask) -> UnitResult:
    started = time.perf_counter()
    unit = task.unit
    result = UnitResult(unit, bytes=task.path.stat().st_size if task.path.exists() else 0)
    pending: dict[date, list[list[Any]]] = {}
    writers: dict[date, _SpoolWriter] = {}

    def flush(day: date) -> None:
        rows = pending.pop(day)
        table = _table(rows, result)
        if table.num_rows:
            writer = writers.get(day)
            if writer is None:
                writer = writers[day] = _SpoolWriter(task.spool_dir / f"{task.index:06d}-{day.isoformat()}.arrow")
            writer.write(table)

    placeholder_day = unit.ingest_day or task.first
    ingest_source, source_file, country = unit.ingest_source, unit.source_file, task.country
    lines = 0
    for line, measurement, error in read_measurement_file(task.path):
        lines += 1
        if error is not None:
            result.skip(error.reason, line, error.message)
            if error.reason in ("truncated_gzip", "unreadable_file"):
                result.complete = False
            continue
        try:
            row = measurement_values(
                measurement,
                ingest_day=placeholder_day,
                ingest_source=ingest_source,
                source_file=source_file,
                source_line=line,
                country=country,
            )
        except SkipMeasurement as skip:
            result.skip(_reason(skip.reason, unit), line, f"line {line}: {skip.message}")
            continue
        day = _day_for(row[MEASUREMENT_DAY], unit, task, result, line)
        if day is None:
            continue
        row[INGEST_DAY] = day
        rows = pending.get(day)
        if rows is None:
            rows = pending[day] = []
        rows.append(row)
        if len(rows) >= BATCH_ROWS:
            flush(day)
    result.lines = lines
    for day in list(pending):
        flush(day)
    for day, writer in writers.items():
        writer.close()
        result.days[day] = DayPart(writer.path, writer.rows)
    result.seconds = time.perf_counter() - started
    return result


def _reason(reason: str, unit: WorkUnit) -> str:
    """Other countries or tests in a file whose path promised nothing are a filter, not an error."""
    if reason == "wrong_country" and unit.path_country is None:
        return "other_country"
    if reason == "wrong_test_name" and not unit.path_test:
        return "other_test"
    return reason


def _day_for(measured: date, unit: WorkUnit, task: ParseTask, result: UnitResult, line: int | None) -> date | None:
    if unit.ingest_day is None:
        if not task.first <= measured <= task.last:
            result.skip("outside_partition", line, f"line {line}: measured on {measured}, outside {task.first}..{task.last}")
            return None
        return measured
    if unit.match_day:
        if measured != unit.ingest_day:
            result.skip("outside_partition", line, f"line {line}: measured on {measured}, not {unit.ingest_day}")
            return None
        return measured
    if measured > unit.ingest_day + MAX_CLOCK_AHEAD:
        result.skip(
            "implausible_time", line, f"line {line}: measured on {measured}, after its upload day {unit.ingest_day}"
        )
        return None
    return unit.ingest_day
