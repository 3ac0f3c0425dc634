"""Coverage inputs for the report: which entries of the effective list were measured, how often.

The report's "test list review" needs the entries never or rarely measured in the period; this is
the one query that answers it, over the warehouse's `test_list` and `measurements` tables.
"""

from __future__ import annotations

import datetime
from importlib import resources

import duckdb
import polars as pl


def list_coverage(con: duckdb.DuckDBPyConnection, start: datetime.date, end: datetime.date) -> pl.DataFrame:
    """One row per test-list URL with its measurement counts for days in ``[start, end)``.

    Columns: url, domain, category_code, category_description, list, lists, url_measurements,
    url_asns, first_measured, last_measured, domain_measurements. Least measured first.
    """
    sql = resources.files("test_lists.sql").joinpath("list_coverage.sql").read_text(encoding="utf-8")
    return con.sql(sql, params={"start": start, "end": end}).pl()
