"""Tier 4: per website and reporting period (warehouse/sql/summary_period.sql)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from warehouse.db import read_sql
from warehouse.periods import Period, add_months
from warehouse.settings import ClassificationThresholds


@dataclass
class PeriodSummary:
    period_label: str
    sites: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    still_blocked: int = 0
    previous_period_has_data: bool = False


def build_period_summary(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    thresholds: ClassificationThresholds,
    country: str | None = None,
) -> PeriodSummary:
    """Replace the `site_period_summary` rows of ``period`` from the monthly verdicts, in one transaction.

    The change against the previous period needs that period's monthly verdicts in the warehouse;
    without them every blocked site's change is `first_measured`.
    """
    previous = period.previous()
    window_start = add_months(period.last_month, 1 - max(1, thresholds.still_blocked_window_months))
    params = {
        "label": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "first_month": period.first_month,
        "last_month": period.last_month,
        "prev_first_month": previous.first_month,
        "prev_last_month": previous.last_month,
        "window_start": window_start,
        "country": country,
    }
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM site_period_summary WHERE period_label = $label", {"label": period.label})
        con.execute("INSERT INTO site_period_summary BY NAME " + read_sql("summary_period.sql"), params)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    summary = PeriodSummary(period.label)
    label = {"label": period.label}
    summary.verdicts = dict(con.execute(
        "SELECT verdict, count(*) FROM site_period_summary WHERE period_label = $label GROUP BY 1 ORDER BY 2 DESC", label
    ).fetchall())
    summary.changes = dict(con.execute(
        "SELECT change, count(*) FROM site_period_summary WHERE period_label = $label GROUP BY 1 ORDER BY 2 DESC", label
    ).fetchall())
    summary.sites = sum(summary.verdicts.values())
    summary.still_blocked = con.execute(
        "SELECT count_if(still_blocked) FROM site_period_summary WHERE period_label = $label", label
    ).fetchone()[0]
    summary.previous_period_has_data = bool(con.execute(
        "SELECT count(*) FROM site_month_verdicts WHERE month BETWEEN ? AND ?",
        [previous.first_month, previous.last_month],
    ).fetchone()[0])
    return summary
