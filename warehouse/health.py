"""Data-health rules across the stages, in plain Python over the warehouse (no Dagster here).

pipelines/assets/health.py turns each into an asset check; thresholds are settings.health. Every
finding carries what a person should look at next, because a red check is only useful if it says
where the problem is: which day, which network, which file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

import duckdb

from warehouse.db import read_sql
from warehouse.settings import HealthSettings

EXPLORER_SEARCH = "https://explorer.ooni.org/search"


# --- Days and where to look ----------------------------------------------------------------------


def day_ranges(days: Iterable[date]) -> list[str]:
    """Consecutive days collapsed: ["2024-03-05..2024-03-07", "2024-03-10"]."""
    out: list[str] = []
    run: list[date] = []
    for day in sorted(set(days)):
        if run and day != run[-1] + timedelta(days=1):
            out.append(_range_text(run))
            run = []
        run.append(day)
    if run:
        out.append(_range_text(run))
    return out


def _range_text(run: list[date]) -> str:
    return run[0].isoformat() if len(run) == 1 else f"{run[0]}..{run[-1]}"


def explorer_search(country: str, day: date, asn: int | None = None) -> str:
    """OONI Explorer's search for the day's web_connectivity measurements (of one network)."""
    query = {"since": day.isoformat(), "until": (day + timedelta(days=1)).isoformat(), "probe_cc": country,
             "test_name": "web_connectivity"}
    if asn is not None:
        query["probe_asn"] = f"AS{asn}"
    return f"{EXPLORER_SEARCH}?{urlencode(query)}"


def source_listing(source: str, country: str, day: date, *, s3_endpoint: str, api_endpoint: str) -> str:
    """Where the day's raw files are, for the configured source (ingest.source)."""
    if source == "s3":
        return f"{s3_endpoint.rstrip('/')}/?list-type=2&prefix=raw/{day:%Y%m%d}/&delimiter=/"
    if source == "api":
        query = urlencode({"probe_cc": country, "test_name": "web_connectivity", "since": day.isoformat(),
                           "until": (day + timedelta(days=1)).isoformat()})
        return f"{api_endpoint.rstrip('/')}/api/v1/measurements?{query}"
    return f"{source} (bucket mirrors: raw/{day:%Y%m%d}/; oonidata sync: web_connectivity/{day.isoformat()}/)"


# --- Empty days ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayVolume:
    day: date
    measurements: int
    files: int
    lines: int


def daily_volumes(con: duckdb.DuckDBPyConnection, first: date, last: date) -> dict[date, DayVolume]:
    rows = con.execute(read_sql("health_daily_volume.sql"), {"first": first, "last": last}).fetchall()
    return {day: DayVolume(day, int(n), int(files), int(lines)) for day, n, files, lines in rows}


def _earlier_days(counts: Mapping[date, object], day: date, window: int) -> list[date]:
    """The days before ``day``, at most ``window`` back, that hold measurements (are keys of counts)."""
    return [d for d in (day - timedelta(days=back) for back in range(window, 0, -1)) if d in counts]


@dataclass(frozen=True)
class EmptyDay:
    day: date
    files: int               # source files read for the day (0: nothing was there, or nothing was fetched)
    lines: int               # their lines (all skipped or filtered when > 0)
    usual: float | None      # median measurements a day over the days before it; None without history
    flagged: bool


@dataclass(frozen=True)
class EmptyDays:
    checked: tuple[date, ...]
    empty: tuple[EmptyDay, ...]
    all_empty: bool          # no day of the scope holds anything

    @property
    def flagged(self) -> list[EmptyDay]:
        return [e for e in self.empty if e.flagged]

    @property
    def passed(self) -> bool:
        return not self.flagged


def find_empty_days(con: duckdb.DuckDBPyConnection, days: Sequence[date], health: HealthSettings) -> EmptyDays:
    """Upload days of ``days`` without a single measurement, flagged when that is abnormal.

    Abnormal means: the days before it (up to ``health.baseline_days`` back) held at least
    ``health.empty_day_min_median`` a day (median), or none of them held anything either: a month
    of silence is an outage or a fetch that never worked (a wrong source or country), however thin
    the data usually is.
    """
    days = sorted(set(days))
    if not days:
        return EmptyDays((), (), False)
    volumes = daily_volumes(con, days[0] - timedelta(days=health.baseline_days), days[-1])
    totals = {d: v.measurements for d, v in volumes.items() if v.measurements > 0}
    all_empty = not any(day in totals for day in days)
    empty = []
    for day in days:
        if day in totals:
            continue
        earlier = [totals[d] for d in _earlier_days(totals, day, health.baseline_days)]
        usual = float(median(earlier)) if earlier else None
        volume = volumes.get(day, DayVolume(day, 0, 0, 0))
        flagged = usual is None or usual >= health.empty_day_min_median
        empty.append(EmptyDay(day, volume.files, volume.lines, usual, flagged))
    return EmptyDays(tuple(days), tuple(empty), all_empty)


# --- An ISP's coverage dropping ------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageDrop:
    day: date
    asn: int
    network: str
    measurements: int
    usual: float             # median measurements a day of this ASN over the days before
    earlier_days: int


@dataclass(frozen=True)
class Coverage:
    checked: tuple[date, ...]
    watched_asns: tuple[int, ...]        # measured enough to notice a drop
    thin_asns: tuple[int, ...]           # too thin to judge (under coverage_min_median a day)
    without_history: tuple[date, ...]    # days with fewer than coverage_min_baseline_days earlier days
    drops: tuple[CoverageDrop, ...]

    @property
    def passed(self) -> bool:
        return not self.drops


def find_coverage_drops(con: duckdb.DuckDBPyConnection, days: Sequence[date], health: HealthSettings) -> Coverage:
    """ASNs whose day holds less than ``coverage_drop_share`` of their median day before it.

    Only ASNs whose median day holds at least ``coverage_min_median`` are judged, and only days with
    at least ``coverage_min_baseline_days`` earlier days holding measurements. Empty days are left to
    `find_empty_days`. Counts are per upload day, as the ingest partitions are.
    """
    days = sorted(set(days))
    if not days:
        return Coverage((), (), (), (), ())
    rows = con.execute(read_sql("health_asn_day_counts.sql"),
                       {"first": days[0] - timedelta(days=health.baseline_days), "last": days[-1]}).fetchall()
    counts: dict[date, dict[int, int]] = {}
    names: dict[int, str] = {}
    for day, asn, n, network in rows:
        counts.setdefault(day, {})[asn] = int(n)
        names[asn] = network or names.get(asn, "")
    watched: set[int] = set()
    thin: set[int] = set()
    without_history = []
    drops = []
    for day in days:
        if day not in counts:
            continue
        earlier = _earlier_days(counts, day, health.baseline_days)
        if len(earlier) < health.coverage_min_baseline_days:
            without_history.append(day)
            continue
        for asn in sorted({asn for d in earlier for asn in counts[d]}):
            usual = float(median(counts[d].get(asn, 0) for d in earlier))
            if usual < health.coverage_min_median:
                thin.add(asn)
                continue
            watched.add(asn)
            measured = counts[day].get(asn, 0)
            if measured < health.coverage_drop_share * usual:
                drops.append(CoverageDrop(day, asn, names.get(asn, ""), measured, usual, len(earlier)))
    return Coverage(tuple(days), tuple(sorted(watched)), tuple(sorted(thin - watched)), tuple(without_history),
                    tuple(drops))


# --- Months and reports whose inputs are incomplete -----------------------------------------------


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


@dataclass(frozen=True)
class MonthGaps:
    month: date
    missing_own: tuple[date, ...]    # upload days of the month itself that were never judged
    missing_late: tuple[date, ...]   # days of the late-upload margin after it that were never judged

    @property
    def complete(self) -> bool:
        return not self.missing_own and not self.missing_late


# Upload days that hold measurements but are not judged in the warehouse: Dagster may have judged
# them once, but a reload that changed them removed their judgments (ingest_settle_judgments.sql).
UNJUDGED_DAYS_SQL = """
SELECT DISTINCT ingest_day FROM measurements
WHERE ingest_day NOT IN (SELECT ingest_day FROM judged_days)
ORDER BY ingest_day
"""


def unjudged_days(con: duckdb.DuckDBPyConnection) -> set[date]:
    """Upload days whose measurements have no judgments (judged_days has no record of them)."""
    return {day for (day,) in con.execute(UNJUDGED_DAYS_SQL).fetchall()}


def month_gaps(month: date, late_upload_days: int, judged_days: set[date], yesterday: date) -> MonthGaps:
    """Which upload days a month's verdicts need (its own and ``late_upload_days`` after it, up to
    yesterday) are not among ``judged_days``."""
    end = next_month(month) - timedelta(days=1)
    own = [month + timedelta(days=i) for i in range((min(end, yesterday) - month).days + 1)]
    late_end = min(end + timedelta(days=late_upload_days), yesterday)
    late = [end + timedelta(days=i) for i in range(1, (late_end - end).days + 1)]
    return MonthGaps(month, tuple(d for d in own if d not in judged_days),
                     tuple(d for d in late if d not in judged_days))


def months_between(first_month: date, last_month: date) -> list[date]:
    months, month = [], first_month
    while month <= last_month:
        months.append(month)
        month = next_month(month)
    return months


def months_missing(first_month: date, last_month: date, present: set[date], current_month: date) -> list[date]:
    """Months of a period, up to the month in progress, without verdicts (not in ``present``)."""
    return [m for m in months_between(first_month, min(last_month, current_month)) if m not in present]


# --- Fingerprint files ---------------------------------------------------------------------------


def fingerprint_file_problems(local_file: Path, ooni_directory: Path | None) -> list[str]:
    """Why the reviewed local fingerprint file (and OONI's copies in ``ooni_directory``, when the
    settings point at local copies) could not be read, each naming the file and line; empty when fine."""
    from ooni_ingest.fingerprints import FingerprintSourceError, local_fingerprints
    from warehouse.classification import fingerprints as fp

    problems: list[str] = []
    con = duckdb.connect(":memory:")
    try:
        try:
            fp.read_local_file(local_file, con)
        except (fp.FingerprintFileError, OSError, UnicodeDecodeError) as exc:
            problems.append(str(exc) if isinstance(exc, fp.FingerprintFileError) else f"{local_file}: {exc}")
        if ooni_directory is not None:
            try:
                files = local_fingerprints(ooni_directory)
                fp.read_ooni_files(files.directory, files.version, con)
            except (FingerprintSourceError, fp.FingerprintFileError, OSError, UnicodeDecodeError) as exc:
                problems.append(str(exc))
    finally:
        con.close()
    return problems
