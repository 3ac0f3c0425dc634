"""The report's tables, derived from :class:`reports.data.ReportData` with Polars.

Each table here is shown in the report and written to ``data/<name>.csv|json`` with the same
columns, so every number a reader sees can be checked in a download. Values stay language-neutral
(ISO months, codes); the templates format them per language.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import polars as pl

from reports.data import ReportData
from warehouse.settings import Settings

BLOCKED_VERDICTS = ("confirmed", "likely")
# Every cell verdict of tier 3 (warehouse.classification.VERDICTS), best first.
VERDICTS = ("confirmed", "likely", "accessible", "down", "inconclusive", "insufficient")
# The tier-4 changes against the previous period (warehouse.classification.CHANGES), in reading order.
CHANGES = ("new", "continued", "first_measured", "stopped", "unclear")
# Citizen Lab category codes that the key findings single out (news media and human rights).
HIGHLIGHT_CATEGORIES = ("NEWS", "HUMR")
# Which test list's category wins when a domain is on several: the project's own entries override
# upstream, and the Cambodia list is more specific than the global one.
LIST_PRIORITY = {"local": 0, "kh": 1, "global": 2}
SAFE_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,120}[a-z0-9])?")


def site_slug(domain: str) -> str:
    """A file name and anchor for a website: the domain itself when it is a plain hostname,
    otherwise a hash, so that no measured string can steer a path or break an id."""
    if SAFE_SLUG.fullmatch(domain) and ".." not in domain:
        return domain
    return "site-" + hashlib.sha256(domain.encode("utf-8")).hexdigest()[:16]


def explorer_link(base_url: str, uid: str) -> str:
    """OONI Explorer page of one measurement; the uid is percent-encoded whatever it holds."""
    return base_url + quote(uid, safe="")


@dataclass(frozen=True)
class ReportTables:
    """Every table of the report (name -> frame), plus the numbers the key findings quote."""

    frames: dict[str, pl.DataFrame]
    findings: dict[str, Any]

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]


def _isp_label(names: pl.DataFrame) -> pl.DataFrame:
    return names.select(
        "asn", pl.col("name").alias("isp_name"), "kind", "name_source"
    )


def _with_isp(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Put the ISP name next to every AS number."""
    joined = frame.with_columns(pl.col("asn").cast(pl.Int64)).join(
        _isp_label(names).select("asn", "isp_name"), on="asn", how="left"
    )
    columns = list(frame.columns)
    position = columns.index("asn") + 1
    return joined.select([*columns[:position], "isp_name", *columns[position:]])


def _share(part: str, whole: str = "measurements") -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole)).otherwise(None)


def monthly_measurements(data: ReportData) -> pl.DataFrame:
    months = pl.DataFrame({"month": data.period.months}, schema={"month": pl.Date})
    counts = [c for c in data.monthly.columns if c != "month"]
    frame = months.join(data.monthly, on="month", how="left").with_columns(
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in counts]
    )
    return frame.with_columns(
        _share("ok").alias("ok_share"),
        _share("anomaly").alias("anomaly_share"),
        _share("confirmed").alias("confirmed_share"),
        _share("local_filtering").alias("local_filtering_share"),
        _share("down").alias("down_share"),
        _share("failure").alias("failure_share"),
    )


def website_lists(test_list: pl.DataFrame) -> pl.DataFrame:
    """Per domain: the lists it is on and the category of its highest-priority entry."""
    if test_list.is_empty():
        return pl.DataFrame(schema={
            "domain": pl.String, "lists": pl.List(pl.String), "category_code": pl.String,
            "category_description": pl.String,
        })
    ranked = test_list.with_columns(
        pl.col("list").replace_strict(LIST_PRIORITY, default=9, return_dtype=pl.Int32).alias("priority")
    ).sort(["domain", "priority", "url"])
    return ranked.group_by("domain", maintain_order=True).agg(
        pl.col("list").unique(maintain_order=True).alias("lists"),
        pl.col("category_code").first(),
        pl.col("category_description").first(),
    )


def _links(column: str, base_url: str) -> pl.Expr:
    return pl.col(column).list.eval(
        pl.element().map_elements(lambda uid: explorer_link(base_url, uid), return_dtype=pl.String)
    )


def blocked_website_isps(data: ReportData, settings: Settings) -> pl.DataFrame:
    frame = data.blocked_site_isps.with_columns(
        _links("example_uids", settings.report.explorer_url).alias("example_links")
    ).drop("example_uids", "network_name")
    return _with_isp(frame, data.network_names)


def blocked_websites(data: ReportData, isps: pl.DataFrame, lists: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    # A website's tier is its best ISP's: "confirmed" may rest on one ISP while the others are only
    # likely, so each ISP carries its own tier and the website says how many ISPs are in each.
    methods = (
        isps.sort(["domain", "asn"])
        .group_by("domain", maintain_order=True)
        .agg(
            pl.format("{} (AS{}): {} ({})", pl.col("isp_name").fill_null("?"), pl.col("asn"),
                      pl.col("method").fill_null("unknown"), pl.col("tier")).alias("isp_methods"),
            (pl.col("tier") == "confirmed").sum().cast(pl.Int64).alias("confirmed_isps"),
            (pl.col("tier") == "likely").sum().cast(pl.Int64).alias("likely_isps"),
            # The measurements behind the verdicts: those of the ISPs found blocking it. The
            # website's own totals add every network, stray failures on accessible ones included.
            pl.col("measurements").sum().cast(pl.Int64).alias("blocking_isps_measurements"),
            pl.col("blocked_measurements").sum().cast(pl.Int64).alias("blocking_isps_blocked"),
        )
    )
    frame = (
        data.blocked_sites.join(methods, on="domain", how="left")
        .join(lists, on="domain", how="left")
        .with_columns(
            pl.col("lists").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("isp_methods").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            *(pl.col(c).fill_null(0) for c in ("confirmed_isps", "likely_isps", "blocking_isps_measurements",
                                                "blocking_isps_blocked")),
            pl.col("domain").map_elements(site_slug, return_dtype=pl.String).alias("slug"),
            _links("example_uids", settings.report.explorer_url).alias("example_links"),
            pl.lit(data.previous_cells > 0).alias("previous_period_has_data"),
        )
    )
    return frame.select(
        "domain", "slug", "category_code", "category_description", "lists", "tier", "confirmed_isps",
        "likely_isps", "asns", "isp_methods",
        "first_blocked_month", "last_blocked_month", "blocked_months", "months_measured", "still_blocked",
        "change", "previous_period_has_data", "previous_verdict", "blocking_isps_blocked",
        "blocking_isps_measurements", "measurements", "isp_blocked_count", "confirmed_count",
        "local_filtering_count", "asns_measured", "example_links",
    ).sort(["tier", "domain"])


def changes(data: ReportData) -> pl.DataFrame:
    """Each website blocked in this period or the previous one, and the tier-4 change between them."""
    # "first_measured" also comes out when the warehouse holds nothing at all for the previous
    # period; the flag lets the report say "no data for the previous period" instead of a change.
    return data.site_changes.with_columns(
        pl.col("domain").map_elements(site_slug, return_dtype=pl.String).alias("slug"),
        pl.col("verdict").is_in(BLOCKED_VERDICTS).alias("blocked_this_period"),
        pl.lit(data.previous_cells > 0).alias("previous_period_has_data"),
    )


def test_list_entries(data: ReportData, settings: Settings) -> pl.DataFrame:
    rare = settings.thresholds.min_measurements
    period = data.period
    return data.test_list.with_columns(
        pl.when(pl.col("measurements") == 0).then(pl.lit("never"))
        .when(pl.col("measurements") < rare).then(pl.lit("rarely"))
        .otherwise(pl.lit("measured")).alias("coverage"),
        pl.col("date_added").is_between(period.start, period.end).fill_null(False).alias("added_in_period"),
    )


def test_list_coverage(entries: pl.DataFrame) -> pl.DataFrame:
    if entries.is_empty():
        return pl.DataFrame(schema={
            "list": pl.String, "entries": pl.Int64, "measured": pl.Int64, "rarely_measured": pl.Int64,
            "never_measured": pl.Int64, "domains": pl.Int64, "domains_measured": pl.Int64,
        })
    return (
        entries.group_by("list")
        .agg(
            pl.len().cast(pl.Int64).alias("entries"),
            (pl.col("coverage") == "measured").sum().cast(pl.Int64).alias("measured"),
            (pl.col("coverage") == "rarely").sum().cast(pl.Int64).alias("rarely_measured"),
            (pl.col("coverage") == "never").sum().cast(pl.Int64).alias("never_measured"),
            pl.col("domain").n_unique().cast(pl.Int64).alias("domains"),
            pl.col("domain").filter(pl.col("domain_measurements") > 0).n_unique().cast(pl.Int64)
            .alias("domains_measured"),
        )
        .with_columns(pl.col("list").replace_strict(LIST_PRIORITY, default=9, return_dtype=pl.Int32).alias("_o"))
        .sort(["_o", "list"])
        .drop("_o")
    )


def blocked_per_month(data: ReportData) -> pl.DataFrame:
    monthly = monthly_measurements(data)
    return monthly.select(
        "month",
        pl.col("blocked_websites"),
        pl.col("confirmed_websites"),
        (pl.col("blocked_websites") - pl.col("confirmed_websites")).alias("likely_only_websites"),
    )


def site_month_cells(data: ReportData) -> pl.DataFrame:
    frame = data.site_cells.drop("example_measurement_uids")
    return _with_isp(frame, data.network_names)


def sources(data: ReportData) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for r in data.test_list_sources.to_dicts():
        rows.append({"source": "test_list", "name": r["list"], "version": r["upstream_ref"], "count": r["entries"]})
    fingerprints = data.fingerprint_sources.group_by(["origin", "origin_ref"], maintain_order=True).agg(
        pl.col("fingerprints").sum()
    )
    for r in fingerprints.to_dicts():
        rows.append({"source": "fingerprints", "name": r["origin"], "version": r["origin_ref"],
                     "count": r["fingerprints"]})
    for r in data.software_versions.to_dicts():
        rows.append({"source": "probe_software", "name": r["software_name"], "version": r["test_version"],
                     "count": r["measurements"]})
    return pl.DataFrame(rows, schema={"source": pl.String, "name": pl.String, "version": pl.String,
                                      "count": pl.Int64})


def thresholds(settings: Settings) -> pl.DataFrame:
    values = settings.as_dict()
    rows = [
        {"section": section, "setting": name, "value": str(value)}
        for section in ("thresholds", "ingest", "report")
        for name, value in values[section].items()
    ]
    return pl.DataFrame(rows, schema={"section": pl.String, "setting": pl.String, "value": pl.String})


def key_findings(data: ReportData, frames: dict[str, pl.DataFrame]) -> dict[str, Any]:
    blocked = frames["blocked_websites"]
    isps = frames["blocked_website_isps"]
    methods = (
        isps.group_by("method").agg(pl.col("domain").n_unique().alias("websites"))
        .sort(["websites", "method"], descending=[True, False])
    )
    highlighted = blocked.filter(pl.col("category_code").is_in(HIGHLIGHT_CATEGORIES))
    blocking_isps = (
        isps.group_by(["asn", "isp_name"]).agg(
            pl.col("domain").n_unique().alias("websites"),
            pl.col("domain").filter(pl.col("tier") == "confirmed").n_unique().alias("confirmed"),
            pl.col("domain").filter(pl.col("tier") == "likely").n_unique().alias("likely"),
        )
        .sort(["websites", "asn"], descending=[True, False])
    )
    counts = frames["changes"]["change"].value_counts()
    by_change = dict(zip(counts["change"].to_list(), counts["count"].to_list(), strict=True))
    monthly = frames["monthly_measurements"]
    return {
        "measurements": int(monthly["measurements"].sum()),
        "measurements_tier0": int(data.overview["measurements"] or 0),
        "networks": int(frames["isp_measurements"].height),
        "websites_measured": int(data.websites.height),
        "blocked": int(blocked.height),
        "confirmed": int((blocked["tier"] == "confirmed").sum()),
        "likely": int((blocked["tier"] == "likely").sum()),
        # The same evidence counted per website and ISP: a website confirmed on one ISP may be
        # only likely on the others, and readers quote ISPs.
        "pairs": int(isps.height),
        "pairs_confirmed": int((isps["tier"] == "confirmed").sum()),
        "pairs_likely": int((isps["tier"] == "likely").sum()),
        "still_blocked": int(blocked["still_blocked"].sum()),
        "blocking_isps": blocking_isps.to_dicts(),
        "methods": methods.to_dicts(),
        "highlighted": highlighted.select("domain", "slug", "category_code", "tier", "confirmed_isps",
                                          "likely_isps").to_dicts(),
        "changes": {change: by_change.get(change, 0) for change in CHANGES},
        "has_previous": data.previous_cells > 0,
        "months_with_data": int((monthly["measurements"] > 0).sum()),
    }


def build_tables(data: ReportData, settings: Settings) -> ReportTables:
    lists = website_lists(data.test_list)
    isps = blocked_website_isps(data, settings)
    blocked = blocked_websites(data, isps, lists, settings)
    entries = test_list_entries(data, settings)
    isp_measurements = _with_isp(data.isps, data.network_names)
    frames: dict[str, pl.DataFrame] = {
        "monthly_measurements": monthly_measurements(data),
        "isp_measurements": isp_measurements,
        "isp_month_coverage": _with_isp(data.isp_months, data.network_names),
        "blocked_websites": blocked,
        "blocked_website_isps": isps,
        "blocked_per_month": blocked_per_month(data),
        "changes": changes(data),
        "excluded_networks": data.excluded_networks,
        "method_isp": _with_isp(data.method_isp, data.network_names),
        "site_month_verdicts": site_month_cells(data),
        "site_urls": data.site_urls,
        "site_fingerprints": _with_isp(data.site_fingerprints, data.network_names),
        "test_list_coverage": test_list_coverage(entries),
        "test_list_entries": entries.drop("upstream_ref"),
        "blocked_not_on_cambodia_list": blocked.filter(~pl.col("lists").list.contains("kh")).select(
            "domain", "slug", "lists", "category_code", "tier", "confirmed_isps", "likely_isps", "isp_methods",
            "first_blocked_month",
            "last_blocked_month", "still_blocked",
        ),
        "verdict_cells": data.verdict_cells,
        "ingest_accounting": data.ingest_accounting,
        "sources": sources(data),
        "thresholds": thresholds(settings),
    }
    return ReportTables(frames=frames, findings=key_findings(data, frames))
