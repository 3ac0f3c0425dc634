"""Warehouse queries over the effective list: one label per domain (for labelling measurements),
how often each entry was measured (the report's "test list review" of entries never or rarely
measured) and which sites OONI's control could not reach (the lint's `possibly-dead` warning).
"""

from __future__ import annotations

import datetime
from importlib import resources

import duckdb
import polars as pl


def _sql(name: str) -> str:
    return resources.files("test_lists.sql").joinpath(name).read_text(encoding="utf-8")


def list_coverage(con: duckdb.DuckDBPyConnection, start: datetime.date, end: datetime.date) -> pl.DataFrame:
    """One row per test-list URL with its measurement counts for days in ``[start, end)``.

    Columns: url, domain, category_code, category_description, list, lists, url_measurements,
    url_asns, first_measured, last_measured, domain_measurements. Least measured first.
    """
    return con.sql(_sql("list_coverage.sql"), params={"start": start, "end": end}).pl()


def unreachable_domains(con: duckdb.DuckDBPyConnection, since: datetime.date,
                        min_measurements: int = 3) -> dict[str, tuple[int, datetime.date, str]]:
    """Domains OONI's control could not reach in any measurement since ``since``:
    domain -> (measurements, last measured, last control failure). Input for a warning only."""
    rows = con.execute(_sql("unreachable_domains.sql"),
                       {"since": since, "min_measurements": min_measurements}).fetchall()
    return {domain: (count, last, failure) for domain, count, last, failure in rows}


def domain_labels(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per domain of `test_list`: category_code, category_description and list of its
    highest-precedence entry (local > kh > global, then the shortest URL), plus every list and code
    its entries carry (`lists`, `category_codes`) and how many URLs it has (`urls`). Join this, not
    `test_list`, on `measurements.domain`: a site with several URLs would otherwise count twice."""
    return con.sql(_sql("domain_labels.sql")).pl()
