"""What the warehouse holds for a range of ingest days: files, measurements, skips, month totals.

Printed by `imap ingest` after a run (and after a failed one, to show what was kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from warehouse.ingest_run import BAD_INPUT_REASONS, days_over_skip_limit

# A content-filtered file has one ingest_files row per day it fed, each with the lines of that day
# (its skipped lines on the first day of the run's range): per file they add up to its lines.
FILES_SQL = """
SELECT count(*), coalesce(sum(bytes), 0), coalesce(sum(lines), 0), count(*) FILTER (WHERE NOT complete)
FROM (
    SELECT source_file, max(bytes) AS bytes, sum(lines) AS lines, bool_and(complete) AS complete
    FROM ingest_files WHERE ingest_day BETWEEN $first AND $last GROUP BY source_file
)
"""
SKIPS_SQL = """
SELECT reason, sum(count)::BIGINT FROM ingest_skips
WHERE ingest_day BETWEEN $first AND $last GROUP BY reason ORDER BY 2 DESC, 1
"""
# Where bad input was: the first line of each (file, reason), for the summary to point at.
BAD_INPUT_EXAMPLES_SQL = """
SELECT source_file, first_line, reason, example FROM ingest_skips
WHERE ingest_day BETWEEN $first AND $last AND list_contains($reasons, reason)
ORDER BY ingest_day, source_file, first_line NULLS FIRST LIMIT $limit
"""
# Bad input per day against the lines read that day (as the skip_rate check judges each day).
BAD_INPUT_BY_DAY_SQL = """
WITH lines AS (
    SELECT ingest_day, sum(lines) AS lines FROM ingest_files WHERE ingest_day BETWEEN $first AND $last GROUP BY 1
), bad AS (
    SELECT ingest_day, sum(count) AS bad FROM ingest_skips
    WHERE ingest_day BETWEEN $first AND $last AND list_contains($reasons, reason) GROUP BY 1
)
SELECT ingest_day, bad::BIGINT, lines::BIGINT FROM bad JOIN lines USING (ingest_day) ORDER BY 1
"""
MONTHS_SQL = """
SELECT date_trunc('month', measurement_day)::DATE AS month, count(*) FROM measurements
WHERE ingest_day BETWEEN $first AND $last GROUP BY 1 ORDER BY 1
"""


@dataclass
class RangeReport:
    first: date
    last: date
    files: int = 0
    bytes: int = 0
    lines: int = 0
    incomplete_files: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    months: list[tuple[date, int]] = field(default_factory=list)
    bad_input_examples: list[tuple[str, int | None, str, str | None]] = field(default_factory=list)
    bad_input_by_day: list[tuple[date, int, int]] = field(default_factory=list)   # (day, bad, lines)

    @property
    def stored(self) -> int:
        return sum(count for _, count in self.months)

    @property
    def bad_input(self) -> int:
        return sum(count for reason, count in self.skipped.items() if reason in BAD_INPUT_REASONS)

    def summary_lines(self, seconds: float | None, max_skip_rate: float | None = None) -> list[str]:
        out = [
            f"Days {self.first}..{self.last}: {self.files:,} files ({self.bytes / 1e6:,.1f} MB, "
            f"{self.incomplete_files} incomplete), {self.lines:,} lines read",
            f"Stored: {self.stored:,} measurements",
        ]
        if not self.files and seconds is not None:   # a finished run that found nothing to read
            out.append("Warning: no file was found for these days: check --source (and that the days have data)")
        rate = self.bad_input / self.lines if self.lines else 0.0
        if self.skipped:
            out.append(f"Skipped: {sum(self.skipped.values()):,} ({self.bad_input:,} bad input, {rate:.2%} of lines)")
            for reason, count in self.skipped.items():
                kind = "bad input" if reason in BAD_INPUT_REASONS else "filtered"
                out.append(f"  {reason:<22} {count:>10,}  ({kind})")
            if self.bad_input_examples:
                out.append("Where (the first line of each file and reason; all of them in the table ingest_skips):")
                for source_file, line, reason, example in self.bad_input_examples:
                    where = f"{source_file}:{line}" if line else source_file
                    out.append(f"  {where}: {reason}" + (f": {example}" if example else ""))
        else:
            out.append("Skipped: nothing")
        if max_skip_rate is not None:
            days_over = days_over_skip_limit(self.bad_input_by_day, max_skip_rate)
            if rate > max_skip_rate or days_over:
                worst = ", ".join(f"{day} ({bad / lines:.0%})" for day, bad, lines in days_over[:5])
                out.append(f"Check skip_rate: RED (bad input above {max_skip_rate:.0%} of lines"
                           + (f"; days over it: {worst}" if worst else "") + "): look at the files above before using those days")
        if self.months:
            out.append("Measurements by measurement month (UTC; late uploads land in later upload days):")
            for month, count in self.months:
                earlier = "  (measured before the range: late uploads)" if month < self.first.replace(day=1) else ""
                out.append(f"  {month:%Y-%m}  {count:>10,}{earlier}")
        if seconds is not None:
            per_second = self.stored / seconds if seconds else 0.0
            out.append(f"Time: {seconds:,.1f} s, {per_second:,.0f} measurements/s, "
                       f"{self.bytes / 1e6 / seconds if seconds else 0:,.1f} MB/s read (including Dagster start-up)")
        return out


def range_report(con: duckdb.DuckDBPyConnection, first: date, last: date, examples: int = 8) -> RangeReport:
    params = {"first": first, "last": last}
    report = RangeReport(first, last)
    report.files, report.bytes, report.lines, report.incomplete_files = con.execute(FILES_SQL, params).fetchall()[0]
    report.skipped = dict(con.execute(SKIPS_SQL, params).fetchall())
    report.months = [(month, count) for month, count in con.execute(MONTHS_SQL, params).fetchall()]
    bad = params | {"reasons": sorted(BAD_INPUT_REASONS)}
    report.bad_input_examples = con.execute(BAD_INPUT_EXAMPLES_SQL, bad | {"limit": examples}).fetchall()
    report.bad_input_by_day = con.execute(BAD_INPUT_BY_DAY_SQL, bad).fetchall()
    return report
