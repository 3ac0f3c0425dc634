"""Streaming a range of days through fetch -> parse -> (the caller's) load, one day at a time.

Files are fetched by a few threads (network-bound) and parsed by a process pool (CPU-bound), a
bounded number at a time and consumed in plan order, so memory does not grow with the period. For
each day of the range, in order, `iter_days` yields a `DayBatch` once every file of that day is
parsed; the caller loads it in one transaction, then asks for the next day, and the day's spool
files are deleted. A fetch failure (network down, retries exhausted) raises before the day it
belongs to is yielded, so nothing of that day is stored and the next run starts over from it
(completed downloads stay in the cache; partial ones resume).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

from ooni_ingest.parse_file import ParseTask, SkipCount, UnitResult, parse_unit
from ooni_ingest.sources import Source, WorkUnit

FETCH_THREADS = 4


def default_workers() -> int:
    """Parse processes: `IMAP_INGEST_WORKERS`, else one per core."""
    configured = os.environ.get("IMAP_INGEST_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, os.cpu_count() or 1)


@dataclass
class FileAccount:
    """One ingest_files row."""

    source_file: str
    bytes: int
    lines: int
    stored: int
    skipped: int
    complete: bool


@dataclass
class SkipRecord:
    """One ingest_skips row."""

    source_file: str
    reason: str
    count: int
    first_line: int | None
    example: str


@dataclass
class DayBatch:
    day: date
    ingest_source: str
    spools: list[tuple[str, Path, int]] = field(default_factory=list)   # (source_file, spool, rows)
    files: list[FileAccount] = field(default_factory=list)
    skips: list[SkipRecord] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(rows for _, _, rows in self.spools)

    def tables(self) -> Iterator[tuple[str, pa.Table]]:
        """(source_file, Arrow table) per spool, memory-mapped: nothing is copied into Python."""
        for source_file, spool, _ in self.spools:
            with pa.memory_map(str(spool)) as source:
                yield source_file, pa.ipc.open_file(source).read_all()


@dataclass
class RunProgress:
    """What a progress display needs, updated after every parsed file and every finished day."""

    days_done: int = 0
    days_total: int = 0
    files: int = 0
    bytes: int = 0
    lines: int = 0
    parsed_rows: int = 0
    skipped: int = 0


ProgressCallback = Callable[[RunProgress], None]


def _skip_records(source_file: str, skips: dict[str, SkipCount]) -> list[SkipRecord]:
    return [SkipRecord(source_file, reason, s.count, s.first_line, s.example) for reason, s in skips.items()]


class _InlineExecutor(Executor):
    """Parse in the calling process: for one worker, tests, and tiny inputs."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _process_pool(workers: int) -> Executor:
    if workers <= 1:
        return _InlineExecutor()
    # spawn, not fork: Dagster and DuckDB run threads in this process, and forking a threaded
    # process can deadlock the child.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def iter_days(
    source: Source,
    first: date,
    last: date,
    *,
    country: str,
    workers: int | None = None,
    spool_root: Path | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[DayBatch]:
    """Yield one DayBatch per day of ``first..last`` (inclusive), in order, each complete."""
    workers = workers or default_workers()
    if spool_root is not None:
        spool_root.mkdir(parents=True, exist_ok=True)
    spool_dir = Path(tempfile.mkdtemp(prefix="imap-ingest-", dir=spool_root))
    state = RunProgress(days_total=(last - first).days + 1)
    window = max(2, workers * 2)
    fetcher = ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="imap-fetch")
    parser = _process_pool(workers)
    batches = {day: DayBatch(day, source.name) for day in _days(first, last)}
    try:
        in_flight: deque[tuple[WorkUnit, Future]] = deque()
        units = iter(source.plan(first, last))
        index = 0
        next_day = first

        def parse_after_fetch(unit: WorkUnit, task_index: int) -> Future:
            path = source.fetch(unit)
            return parser.submit(parse_unit, ParseTask(unit, path, country, first, last, spool_dir, task_index))

        def fill() -> None:
            nonlocal index
            while len(in_flight) < window:
                unit = next(units, None)
                if unit is None:
                    return
                in_flight.append((unit, fetcher.submit(parse_after_fetch, unit, index)))
                index += 1

        fill()
        while in_flight:
            unit, fetched = in_flight.popleft()
            # Every unit of the days before this one has been consumed: those days are complete and
            # are handed over before waiting on this unit, whose fetch may yet fail.
            if unit.ingest_day is not None:
                while next_day < unit.ingest_day:
                    yield from _finish_day(batches, next_day, state, progress)
                    next_day += timedelta(days=1)
            result: UnitResult = fetched.result().result()
            fill()
            _account(result, batches, first, state)
            if progress:
                progress(state)
        while next_day <= last:
            yield from _finish_day(batches, next_day, state, progress)
            next_day += timedelta(days=1)
    finally:
        fetcher.shutdown(wait=True, cancel_futures=True)
        parser.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(spool_dir, ignore_errors=True)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _account(result: UnitResult, batches: dict[date, DayBatch], first: date, state: RunProgress) -> None:
    unit = result.unit
    state.files += 1
    state.bytes += result.bytes
    state.lines += result.lines
    state.parsed_rows += result.stored
    state.skipped += result.skipped
    for day, part in result.days.items():
        batches[day].spools.append((unit.source_file, part.spool, part.rows))
    # A dated unit is accounted on its day. A content-filtered file may feed many days: each day
    # records the lines it stored; its skips (lines that tell no day in the range: unreadable, or
    # measured outside it) and their lines are recorded on the first day of the range that read it.
    # Every row then has lines = stored + skipped, and a file's rows add up to its lines.
    home = unit.ingest_day or first
    stored_elsewhere = sum(part.rows for day, part in result.days.items() if day != home)
    for day in sorted(set(result.days) | {home}):
        stored = result.days[day].rows if day in result.days else 0
        at_home = day == home
        batches[day].files.append(
            FileAccount(
                source_file=unit.source_file,
                bytes=result.bytes,
                lines=result.lines - stored_elsewhere if at_home else stored,
                stored=stored,
                skipped=result.skipped if at_home else 0,
                complete=result.complete,
            )
        )
    batches[home].skips.extend(_skip_records(unit.source_file, result.skips))


def _finish_day(
    batches: dict[date, DayBatch], day: date, state: RunProgress, progress: ProgressCallback | None
) -> Iterator[DayBatch]:
    batch = batches.pop(day)
    try:
        yield batch
    finally:
        for _, spool, _ in batch.spools:
            spool.unlink(missing_ok=True)
    state.days_done += 1
    if progress:
        progress(state)
