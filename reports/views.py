"""Shape the report's tables into what the templates iterate over (language-neutral)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

import polars as pl

from reports.data import ReportData
from reports.tables import ReportTables, explorer_link
from warehouse.settings import Settings

# Lists that the test-list review shows URL by URL; the global list is summarised (it is long, and
# its coverage in Cambodia is the global list maintainers' concern) but is in the download in full.
REVIEWED_LISTS = ("kh", "local")


def heat_level(value: int | None, maximum: int) -> int:
    """0 (nothing) to 4 (the most), for the shading of matrix cells; the number is always shown too."""
    if not value or maximum <= 0:
        return 0
    return max(1, min(4, math.ceil(4 * value / maximum)))


def sites(tables: ReportTables) -> list[dict[str, Any]]:
    per_isp: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tables["blocked_website_isps"].sort(["domain", "asn"]).to_dicts():
        per_isp[row["domain"]].append(row)
    rows = []
    for row in tables["blocked_websites"].to_dicts():
        row["isps"] = per_isp[row["domain"]]
        rows.append(row)
    return rows


def site_grids(data: ReportData, settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Per website: one row per network, one cell (or None) per month of the period."""
    names = dict(zip(data.network_names["asn"], data.network_names["name"], strict=True))
    index = {month: i for i, month in enumerate(data.period.months)}
    # Local filtering is counted apart from ISP blocking (the verdict ignores it): its evidence
    # links and fingerprints go with the cell so the grid can show it beside the ISP count.
    local = {(r["domain"], r["asn"], r["month"]): r for r in data.site_local_filtering.to_dicts()}
    grids: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for cell in data.site_cells.to_dicts():
        rows = grids[cell["domain"]]
        asn = cell["asn"]
        if asn not in rows:
            rows[asn] = {"asn": asn, "isp_name": names.get(asn), "cells": [None] * len(index)}
        cell["links"] = [explorer_link(settings.report.explorer_url, uid)
                         for uid in (cell["example_measurement_uids"] or []) if uid]
        filtering = local.get((cell["domain"], asn, cell["month"]))
        cell["local_links"] = [explorer_link(settings.report.explorer_url, uid)
                               for uid in (filtering["example_measurement_uids"] or []) if uid] if filtering else []
        cell["local_fingerprints"] = (filtering["fingerprints"] or []) if filtering else []
        cell["key"] = f"{cell['month']:%Y-%m}"  # anchors: cell-as<asn>-<YYYY-MM>
        rows[asn]["cells"][index[cell["month"]]] = cell
    return {domain: [rows[asn] for asn in sorted(rows)] for domain, rows in grids.items()}


def isp_month_rows(tables: ReportTables, data: ReportData) -> list[dict[str, Any]]:
    coverage = tables["isp_month_coverage"]
    maximum = int(coverage["measurements"].max() or 0) if coverage.height else 0
    by_asn: dict[int, dict[Any, int]] = defaultdict(dict)
    for row in coverage.to_dicts():
        by_asn[row["asn"]][row["month"]] = row["measurements"]
    rows = []
    for isp in tables["isp_measurements"].to_dicts():
        counts = by_asn.get(isp["asn"], {})
        rows.append({
            "asn": isp["asn"],
            "isp_name": isp["isp_name"],
            "cells": [
                {"measurements": counts.get(month, 0), "level": heat_level(counts.get(month, 0), maximum)}
                for month in data.period.months
            ],
        })
    return rows


def method_matrix(tables: ReportTables) -> dict[str, Any]:
    frame = tables["method_isp"]
    if frame.is_empty():
        return {"isps": [], "rows": []}
    isps = (
        frame.group_by(["asn", "isp_name"]).agg(pl.col("websites").sum())
        .sort(["websites", "asn"], descending=[True, False]).to_dicts()
    )
    methods = (
        frame.group_by("method").agg(pl.col("websites").sum())
        .sort(["websites", "method"], descending=[True, False])["method"].to_list()
    )
    values = {(r["method"], r["asn"]): r["websites"] for r in frame.to_dicts()}
    maximum = int(frame["websites"].max() or 0)
    rows = []
    for method in methods:
        cells = [values.get((method, isp["asn"]), 0) for isp in isps]
        rows.append({
            "method": method,
            "anchor": re.sub(r"[^a-z0-9]+", "-", method.lower()).strip("-") or "unknown",
            "cells": [{"websites": v, "level": heat_level(v, maximum)} for v in cells],
        })
    return {"isps": isps, "rows": rows}


def review(tables: ReportTables) -> dict[str, Any]:
    entries = tables["test_list_entries"]
    additions = entries.filter(pl.col("added_in_period") | (pl.col("list") == "local")).sort(
        ["date_added", "url"], nulls_last=True
    )
    unmeasured = entries.filter(pl.col("list").is_in(REVIEWED_LISTS) & (pl.col("coverage") != "measured"))
    global_unmeasured = entries.filter((pl.col("list") == "global") & (pl.col("coverage") != "measured")).height
    return {
        "additions": additions.to_dicts(),
        "unmeasured": unmeasured.sort(["coverage", "list", "url"]).to_dicts(),
        "global_unmeasured": global_unmeasured,
        "candidates": tables["blocked_not_on_cambodia_list"].to_dicts(),
    }


def ingest(tables: ReportTables) -> dict[str, Any]:
    frame = tables["ingest_accounting"]
    files = frame.filter(pl.col("kind") == "files").to_dicts()
    return {
        "files": int(files[0]["count"]) if files else 0,
        "incomplete": int(files[0]["incomplete"] or 0) if files else 0,
        "skips": frame.filter(pl.col("kind") == "skipped").to_dicts(),
    }


def limitations(data: ReportData, tables: ReportTables, synthetic: bool) -> list[dict[str, Any]]:
    """The limitations that apply to this report, each with the numbers that size it."""
    findings = tables.findings
    monthly = tables["monthly_measurements"]
    cells = {r["verdict"]: r for r in tables["verdict_cells"].to_dicts()}
    items: list[dict[str, Any]] = []
    if synthetic:
        items.append({"key": "synthetic", "values": {}})
    items.append({"key": "volunteers", "values": {}})
    excluded = data.excluded_networks
    if excluded.height:
        items.append({"key": "excluded_networks", "values": {
            "count": int(excluded["measurements"].sum()), "networks": excluded.height}})
    empty_months = monthly.filter(pl.col("measurements") == 0).height
    if empty_months:
        items.append({"key": "empty_months", "values": {"count": empty_months}})
    excluded_measurements = int(excluded["measurements"].sum()) if excluded.height else 0
    unjudged = findings["measurements_tier0"] - findings["measurements"] - excluded_measurements
    if unjudged > 0:
        items.append({"key": "unjudged", "values": {"count": unjudged}})
    insufficient = cells.get("insufficient")
    if insufficient:
        items.append({"key": "insufficient", "values": {"count": insufficient["cells"],
                                                         "measurements": insufficient["measurements"]}})
    inconclusive = cells.get("inconclusive")
    if inconclusive:
        # Why, from the data: the cells by what most of their non-ok measurements were.
        causes = [{"key": f"limitation.inconclusive_cause.{row['cause']}", "values": {"count": int(row["cells"])}}
                  for row in data.inconclusive_causes.to_dicts()]
        items.append({"key": "inconclusive", "values": {"count": inconclusive["cells"]}, "parts": causes})
    local = int(monthly["local_filtering"].sum())
    if local:
        items.append({"key": "local_filtering", "values": {"count": local}})
    down = int(monthly["down"].sum())
    if down:
        items.append({"key": "down", "values": {"count": down}})
    skipped = ingest(tables)["skips"]
    total_skipped = sum(int(r["count"] or 0) for r in skipped)
    if total_skipped:
        items.append({"key": "skipped", "values": {"count": total_skipped}})
    probe_names = data.network_names.filter(pl.col("name_source") == "probe").height
    if probe_names:
        items.append({"key": "network_names", "values": {"count": probe_names}})
    items.append({"key": "urls", "values": {}})
    items.append({"key": "methods", "values": {}})
    return [{**item, "key": f"limitation.{item['key']}", "anchor": f"limitation-{item['key']}"} for item in items]


def monthly_total(tables: ReportTables) -> dict[str, Any]:
    monthly = tables["monthly_measurements"]
    parts = ("ok", "anomaly", "confirmed", "local_filtering", "down", "failure")
    total = {name: int(monthly[name].sum()) for name in ("measurements", *parts)}
    for name in parts:
        total[f"{name}_share"] = total[name] / total["measurements"] if total["measurements"] else None
    return total


def methodology_rules(settings: Settings) -> list[dict[str, Any]]:
    """The verdict rules in force, as sentences with the configured numbers. Rules whose setting
    this version of the settings lacks are left out rather than printed with a made-up value."""
    th = settings.thresholds

    def has(*names: str) -> bool:
        return all(hasattr(th, name) for name in names)

    rules: list[dict[str, Any]] = [
        {"key": "methodology.min_evidence",
         "values": {"min_measurements": th.min_measurements, "min_days": th.min_days}},
        {"key": "methodology.likely", "percent": ("confidence", "bound"),
         "values": {"confidence": th.confidence, "bound": th.likely_min_lower_bound}},
    ]
    if has("likely_min_method_share", "likely_min_blocked_days"):
        rules.append({"key": "methodology.likely_consistency", "percent": ("share",),
                      "values": {"share": th.likely_min_method_share, "days": th.likely_min_blocked_days}})
    rules.append({"key": "methodology.accessible", "percent": ("bound",),
                  "values": {"bound": th.accessible_max_upper_bound}})
    if has("down_min_share"):
        rules.append({"key": "methodology.down", "percent": ("share",), "values": {"share": th.down_min_share}})
    rules.append({"key": "methodology.confirmed", "values": {"count": th.confirmed_min_fingerprint_matches}})
    if has("still_blocked_window_months"):
        rules.append({"key": "methodology.still_blocked", "values": {"count": th.still_blocked_window_months}})
    if has("excluded_network_kinds"):
        rules.append({"key": "methodology.excluded_kinds",
                      "values": {"kinds": ", ".join(th.excluded_network_kinds) or "–"}})
    rules.append({"key": "methodology.late_uploads", "values": {"days": settings.ingest.late_upload_days}})
    return [{**rule, "anchor": "rule-" + rule["key"].removeprefix("methodology.")} for rule in rules]
