"""Every warehouse read the report makes, in one place, returning Polars frames.

The queries live in ``reports/sql/*.sql``; this module only binds the period's bounds and collects
the results in a :class:`ReportData`. A schema change in another stage should touch this module and
those files, nothing else in the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Any

import duckdb
import polars as pl

from warehouse.periods import Period
from warehouse.settings import Settings

SQL_PACKAGE = "reports.sql"
PARAMETER = re.compile(r"\$([a-z_]+)")
# Evidence links shown per website and network: enough to check a verdict, few enough to read.
MAX_EXAMPLES = 5


class ReportDataError(RuntimeError):
    """The warehouse cannot produce this period's report (e.g. nothing was measured in it)."""


def read_sql(name: str) -> str:
    return resources.files(SQL_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pl.DataFrame:
    """Run ``reports/sql/<name>.sql`` with the named parameters it uses (``$start``, ...)."""
    sql = read_sql(f"{name}.sql")
    wanted = set(PARAMETER.findall(sql))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"{name}.sql needs parameters {sorted(missing)}")
    return con.sql(sql, params={key: params[key] for key in wanted}).pl()


@dataclass(frozen=True)
class ReportData:
    """What the warehouse says about one period; every table of the report is derived from this."""

    period: Period
    previous: Period
    overview: dict[str, Any]
    monthly: pl.DataFrame
    isps: pl.DataFrame
    isp_months: pl.DataFrame
    network_names: pl.DataFrame
    blocked_sites: pl.DataFrame
    blocked_site_isps: pl.DataFrame
    site_changes: pl.DataFrame
    previous_cells: int
    excluded_networks: pl.DataFrame
    websites: pl.DataFrame
    site_cells: pl.DataFrame
    site_local_filtering: pl.DataFrame
    site_urls: pl.DataFrame
    site_fingerprints: pl.DataFrame
    method_isp: pl.DataFrame
    test_list: pl.DataFrame
    verdict_cells: pl.DataFrame
    inconclusive_causes: pl.DataFrame
    test_list_sources: pl.DataFrame
    fingerprint_sources: pl.DataFrame
    ingest_accounting: pl.DataFrame
    software_versions: pl.DataFrame

    @property
    def is_synthetic(self) -> bool:
        return bool(self.overview["synthetic_measurements"])


def _bounds(period: Period, settings: Settings) -> dict[str, Any]:
    previous = period.previous()
    return {
        "label": period.label,
        "country": settings.ingest.country,
        "prev_first_month": previous.first_month,
        "prev_last_month": previous.last_month,
        "start": period.start,
        "end": period.end,
        "first_month": period.first_month,
        "last_month": period.last_month,
        "ingest_end": period.end + timedelta(days=settings.ingest.late_upload_days),
        "max_examples": MAX_EXAMPLES,
    }


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(found[0][0])


# Column names the networks reference table may use for the ISP's name and kind (the table is
# owned by the classification stage); the first present wins.
NETWORK_NAME_COLUMNS = ("name", "isp_name", "isp", "network_name", "organisation", "organization")
NETWORK_KIND_COLUMNS = ("kind", "network_kind", "type")


def network_names(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pl.DataFrame:
    """ASN -> ISP name (and kind), from the ``networks`` reference table where it knows the ASN,
    otherwise the name probes reported. Columns: asn, name, kind, name_source."""
    observed = query(con, "observed_network_names", **params).select(
        pl.col("asn").cast(pl.Int64), pl.col("network_name").alias("observed_name")
    )
    reference = pl.DataFrame(schema={"asn": pl.Int64, "reference_name": pl.String, "kind": pl.String})
    if _table_exists(con, "networks"):
        table = con.sql("SELECT * FROM networks").pl()
        name_col = next((c for c in NETWORK_NAME_COLUMNS if c in table.columns), None)
        kind_col = next((c for c in NETWORK_KIND_COLUMNS if c in table.columns), None)
        if "asn" in table.columns and name_col:
            reference = table.select(
                pl.col("asn").cast(pl.Int64),
                pl.col(name_col).cast(pl.String).alias("reference_name"),
                (pl.col(kind_col).cast(pl.String) if kind_col else pl.lit(None, pl.String)).alias("kind"),
            ).unique("asn", keep="first")
    merged = observed.join(reference, on="asn", how="full", coalesce=True)
    return merged.select(
        "asn",
        pl.coalesce("reference_name", "observed_name").alias("name"),
        "kind",
        pl.when(pl.col("reference_name").is_not_null())
        .then(pl.lit("reference"))
        .when(pl.col("observed_name").is_not_null())
        .then(pl.lit("probe"))
        .otherwise(pl.lit(None, pl.String))
        .alias("name_source"),
    ).sort("asn")


def load_report_data(con: duckdb.DuckDBPyConnection, period: Period, settings: Settings) -> ReportData:
    """Read everything the period's report shows; raises ReportDataError when there is nothing."""
    params = _bounds(period, settings)
    overview_frame = query(con, "period_overview", **params)
    overview = overview_frame.to_dicts()[0]
    monthly = query(con, "monthly_outcomes", **params)
    if not overview["measurements"] and monthly.is_empty():
        raise ReportDataError(
            f"no measurements between {period.start} and {period.end} in the warehouse: "
            "ingest and classify the period first (`imap run --year ...`)"
        )
    if not monthly.is_empty() and not query(con, "summary_rows", **params)["rows"][0]:
        raise ReportDataError(
            f"the warehouse has monthly verdicts for {period.label} but no site_period_summary rows: "
            "summarise the period first (the site_year_summary / site_july_june_summary asset, run by `imap run`)"
        )
    blocked_sites = query(con, "blocked_sites", **params)
    blocked_domains = blocked_sites["domain"].to_list()
    return ReportData(
        period=period,
        previous=period.previous(),
        overview=overview,
        monthly=monthly,
        isps=query(con, "isp_outcomes", **params),
        isp_months=query(con, "isp_month_coverage", **params),
        network_names=network_names(con, params),
        blocked_sites=blocked_sites,
        blocked_site_isps=query(con, "blocked_site_isps", **params),
        site_changes=query(con, "site_changes", **params),
        previous_cells=int(query(con, "previous_cells", **params)["cells"][0]),
        excluded_networks=query(con, "excluded_networks", **params),
        websites=query(con, "website_totals", **params),
        site_cells=query(con, "site_month_cells", domains=blocked_domains, **params),
        site_local_filtering=query(con, "site_local_filtering", domains=blocked_domains, **params),
        site_urls=query(con, "site_urls", domains=blocked_domains, **params),
        site_fingerprints=query(con, "site_fingerprints", domains=blocked_domains, **params),
        method_isp=query(con, "method_isp", **params),
        test_list=query(con, "test_list_coverage", **params),
        verdict_cells=query(con, "verdict_cells", **params),
        inconclusive_causes=query(con, "inconclusive_causes", **params),
        test_list_sources=query(con, "test_list_sources", **params),
        fingerprint_sources=query(con, "fingerprint_sources", **params),
        ingest_accounting=query(con, "ingest_accounting", **params),
        software_versions=query(con, "software_versions", **params),
    )
