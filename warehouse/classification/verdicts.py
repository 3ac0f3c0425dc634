"""Tier 3: per (website, ASN, month) verdicts (warehouse/sql/verdicts_month.sql)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist

import duckdb

from warehouse.classification import VERDICTS, sql_support
from warehouse.db import read_sql
from warehouse.periods import add_months
from warehouse.settings import ClassificationThresholds


@dataclass
class VerdictSummary:
    first_month: date
    last_month: date
    cells: int = 0
    measurements: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)


def z_for(confidence: float) -> float:
    """The normal quantile of a one-sided confidence level (0.95 -> 1.645)."""
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence must be between 0.5 and 1, got {confidence}")
    return NormalDist().inv_cdf(confidence)


def threshold_parameters(thresholds: ClassificationThresholds) -> dict[str, object]:
    return {
        "min_measurements": thresholds.min_measurements,
        "min_days": thresholds.min_days,
        "z": z_for(thresholds.confidence),
        "confirmed_min": thresholds.confirmed_min_fingerprint_matches,
        "likely_lower_bound": thresholds.likely_min_lower_bound,
        "likely_method_share": thresholds.likely_min_method_share,
        "likely_blocked_days": thresholds.likely_min_blocked_days,
        "down_share": thresholds.down_min_share,
        "accessible_upper_bound": thresholds.accessible_max_upper_bound,
    }


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def build_month_verdicts(
    con: duckdb.DuckDBPyConnection,
    first_month: date,
    last_month: date,
    thresholds: ClassificationThresholds,
    country: str | None = None,
) -> VerdictSummary:
    """Replace the verdicts of measurement months first_month..last_month, in one transaction."""
    first_month, last_month = month_start(first_month), month_start(last_month)
    if last_month < first_month:
        raise ValueError(f"last month {last_month:%Y-%m} is before first month {first_month:%Y-%m}")
    sql_support.prepare(con)
    params = {"first_month": first_month, "last_month": last_month, "country": country}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM site_month_verdicts WHERE month BETWEEN $first_month AND $last_month "
            "AND ($country IS NULL OR probe_cc = $country)",
            params,
        )
        con.execute(
            "INSERT INTO site_month_verdicts BY NAME " + read_sql("verdicts_month.sql"),
            params | threshold_parameters(thresholds),
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return summarize(con, first_month, last_month, country)


def summarize(
    con: duckdb.DuckDBPyConnection, first_month: date, last_month: date, country: str | None = None
) -> VerdictSummary:
    params = {"first_month": first_month, "last_month": last_month, "country": country}
    rows = con.execute(
        "SELECT verdict, count(*), sum(measurements) FROM site_month_verdicts "
        "WHERE month BETWEEN $first_month AND $last_month AND ($country IS NULL OR probe_cc = $country) "
        "GROUP BY verdict ORDER BY 2 DESC",
        params,
    ).fetchall()
    summary = VerdictSummary(first_month, last_month)
    summary.verdicts = {verdict: int(cells) for verdict, cells, _ in rows}
    summary.cells = sum(summary.verdicts.values())
    summary.measurements = int(sum(m or 0 for _, _, m in rows))
    return summary


@dataclass
class VerdictCountCheck:
    """What verdicts_check.sql found for a range of months (see its header)."""
    cells_not_adding_up: int
    measurements_in_cells: int
    judged: int
    cells_unlike_judgments: int
    unknown_verdicts: int
    not_judged: int
    days_not_judged: list[date] | None

    @property
    def passed(self) -> bool:
        return (self.cells_not_adding_up == 0 and self.measurements_in_cells == self.judged
                and self.cells_unlike_judgments == 0 and self.unknown_verdicts == 0 and self.not_judged == 0)

    def describe(self) -> str:
        text = (f"{self.measurements_in_cells} measurements in cells for {self.judged} judged; "
                f"{self.cells_not_adding_up} cells whose counts do not add up; {self.cells_unlike_judgments} "
                f"cells unlike their judgments; {self.unknown_verdicts} unknown verdicts")
        if self.not_judged:
            days = ", ".join(f"{day:%Y-%m-%d}" for day in self.days_not_judged or [])
            text += (f"; {self.not_judged} measurements of these months on upload days not judged ({days}"
                     f"{', ...' if len(self.days_not_judged or []) == 10 else ''}): judge those days "
                     "(daily_job), then the months again")
        return text


def check_verdict_counts(
    con: duckdb.DuckDBPyConnection, first_month: date, last_month: date, country: str
) -> VerdictCountCheck:
    """Whether the cells of first_month..last_month agree with themselves and with the judgments."""
    params = {"first": month_start(first_month), "last": month_start(last_month), "country": country,
              "verdicts": list(VERDICTS)}
    return VerdictCountCheck(*con.execute(read_sql("verdicts_check.sql"), params).fetchone())


def months_between(first_month: date, last_month: date) -> list[date]:
    months, month = [], month_start(first_month)
    while month <= last_month:
        months.append(month)
        month = add_months(month, 1)
    return months
