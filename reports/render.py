"""Render a period's report as a static site: ``render_report(con, period, out_dir, settings)``.

Layout under ``out_dir/<period>/`` (``<period>`` is ``2024`` or ``2023-07_2024-06``)::

    index.html              language choice
    en/index.html           the report, one page per language ...
    en/sites/<site>.html    ... and one page per blocked website
    km/...
    data/<table>.csv|json   every table of the report, and manifest.json (provenance)
    assets/                 report.css, report.js, plotly.min.js (from the installed plotly)

The folder is built next to its destination and swapped in at the end, so a failed render never
leaves a half-written report where the previous one was.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from plotly.offline import get_plotlyjs

from reports import figures, views
from reports.data import MAX_EXAMPLES, ReportData, ReportDataError, load_report_data
from reports.downloads import write_manifest, write_table
from reports.i18n import Language, load_language
from reports.provenance import Provenance, build_provenance
from reports.tables import VERDICTS, ReportTables, build_tables
from warehouse.periods import Period
from warehouse.settings import Settings

STATIC_PACKAGE = "reports.static"
TEMPLATES_PACKAGE = "reports"
MAT_URL = "https://explorer.ooni.org/chart/mat"


@dataclass(frozen=True)
class RenderedReport:
    folder: Path
    index_pages: dict[str, Path]          # language code -> <folder>/<code>/index.html
    landing_page: Path                    # <folder>/index.html
    site_pages: int                       # per-website pages per language
    blocked_websites: int
    synthetic: bool
    tables: list[str] = field(default_factory=list)


def period_folder_name(period: Period) -> str:
    return period.label.replace("/", "_")


def period_name(period: Period, lang: Language) -> str:
    """"2024", or "2023–2024" for a July-June year, in the language's digits."""
    first, last = period.first_month.year, period.last_month.year
    text = str(first) if first == last else f"{first}–{last}"
    return lang.localise_digits(text)


def country_name(code: str, lang: Language) -> str:
    key = f"country.{code}"
    return lang.text(key) if key in lang.strings else code


def ooni_explorer_chart(period: Period, country: str) -> str:
    """OONI Explorer's chart of the same measurements: the source a saved chart cites."""
    until = period.end.toordinal() + 1
    return (f"{MAT_URL}?probe_cc={country}&test_name=web_connectivity&since={period.start.isoformat()}"
            f"&until={datetime.fromordinal(until).date().isoformat()}&axis_x=measurement_start_day")


class LabelMap(dict):
    """Translated labels by code; a code without a translation shows as itself."""

    def __missing__(self, code: str) -> str:
        return code


@functools.cache
def _environment() -> jinja2.Environment:
    """One environment for every language (templates compile once per process); the language's
    helpers are passed with each render."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(TEMPLATES_PACKAGE, "templates"),
        autoescape=True,  # everything from measurements, test lists and fingerprints is escaped
        undefined=jinja2.StrictUndefined,
    )


def _helpers(lang: Language) -> dict[str, Any]:
    """What templates call to translate and format, bound to one language."""
    strings = lang.strings

    def label(prefix: str, code: str | None, fallback: str | None = None) -> str:
        key = f"{prefix}.{code}"
        return lang.text(key) if key in strings else (fallback or code or "–")

    def rule_text(item: dict[str, Any]) -> str:
        """A sentence whose numbers come from the data or the settings; shares print as percents."""
        percent = item.get("percent", ())
        values = {k: lang.percent(v, 0) if k in percent else v for k, v in item["values"].items()}
        if "parts" in item:  # a breakdown, each part a sentence of its own, joined as a list
            values["parts"] = lang.text("punct.list_separator").join(rule_text(part) for part in item["parts"])
        return lang.text(item["key"], **values)

    verdicts = LabelMap({code: label("verdict", code) for code in (*VERDICTS, "none")})
    return {
        "lang": lang,
        "t": lang.text,
        "num": lang.number,
        "rule_text": rule_text,
        # Per-cell lookups of the website pages' grids are plain dicts: thousands of cells per page.
        "verdict_labels": verdicts,
        "verdict_label": lambda code: verdicts.get(code or "none") or label("verdict", code),
        "method_label": lambda code: label("method", code),
        "method_description": lambda code: label("method_description", code, lang.text("method_description.unknown")),
        "list_label": lambda code: label("list", code),
        "fingerprint_set_label": lambda code: label("fingerprint_set", code),
        "category_label": lambda code, description=None: label("category", code, description),
        "evidence_labels": [lang.text("common.measurement_n", n=n) for n in range(1, MAX_EXAMPLES + 1)],
        "local_filtering_label": lang.text("site.local_filtering_cell"),
    }


def _languages(settings: Settings) -> list[Language]:
    return [load_language(code) for code in settings.report.languages]


def _switch(languages: list[Language], current: Language, page: str, depth: int) -> list[dict[str, Any]]:
    """Links to the same page in every language (depth: folders below the language folder)."""
    up = "../" * (depth + 1)
    return [
        {"code": other.code, "name": other.name, "current": other.code == current.code,
         "href": f"{up}{other.code}/{page}"}
        for other in languages
    ]


def _copy_static(target: Path) -> None:
    target.mkdir(parents=True)
    static = resources.files(STATIC_PACKAGE)
    for name in ("report.css", "report.js"):
        (target / name).write_bytes(static.joinpath(name).read_bytes())
    # Shipped once per report, from the installed plotly package: no CDN, works offline.
    (target / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")


def _write_downloads(folder: Path, tables: ReportTables, data: ReportData, provenance: Provenance,
                     settings: Settings) -> list[dict[str, Any]]:
    folder.mkdir(parents=True)
    meta = {
        "report": "Cambodia Internet Censorship Report",
        "period": {"label": data.period.label, "start": data.period.start, "end": data.period.end},
        "synthetic_demo_data": data.is_synthetic,
        "generated_at": provenance.generated_at_iso,
        "code_version": provenance.code_version,
    }
    entries = [write_table(folder, name, frame, meta, data.is_synthetic) for name, frame in tables.frames.items()]
    write_manifest(folder, {
        **meta,
        "provenance": provenance.as_dict(),
        "previous_period": {"label": data.previous.label, "start": data.previous.start, "end": data.previous.end},
        "measurements": data.overview,
        "settings": settings.as_dict() | {"paths": None},
        "tables": entries,
    })
    return entries


def _page_context(data: ReportData, provenance: Provenance, settings: Settings, lang: Language) -> dict[str, Any]:
    return {
        "period": data.period,
        "period_name": period_name(data.period, lang),
        "previous_name": period_name(data.previous, lang),
        "synthetic": data.is_synthetic,
        "provenance": provenance,
        "settings": settings,
        "country": country_name(settings.ingest.country, lang),
    }


def _figures(data: ReportData, tables: ReportTables, lang: Language, settings: Settings,
             isp_rows: list[dict[str, Any]], matrix: dict[str, Any]) -> dict[str, figures.Figure]:
    ctx = figures.FigureContext(
        lang=lang,
        period_name=period_name(data.period, lang),
        source_link=ooni_explorer_chart(data.period, settings.ingest.country),
        file_prefix=f"imap-{period_folder_name(data.period)}-{lang.code}",
        report_name=f"{lang.text('report.title')} {period_name(data.period, lang)}",
        country_name=country_name(settings.ingest.country, lang),
    )
    return {
        "monthly": figures.monthly_outcomes(tables["monthly_measurements"], ctx),
        "blocked_per_month": figures.blocked_per_month(tables["blocked_per_month"], ctx),
        "isps": figures.isp_measurements(tables["isp_measurements"], ctx),
        "isp_month": figures.isp_month_heatmap(isp_rows, data.period.months, ctx),
        "method_isp": figures.method_isp_heatmap(matrix, ctx),
    }


def render_site(folder: Path, data: ReportData, tables: ReportTables, provenance: Provenance,
                settings: Settings) -> RenderedReport:
    """Write the whole site into ``folder`` (which must not exist yet)."""
    folder.mkdir(parents=True)
    _copy_static(folder / "assets")
    entries = _write_downloads(folder / "data", tables, data, provenance, settings)
    languages = _languages(settings)

    site_rows = views.sites(tables)
    grids = views.site_grids(data, settings)
    isp_rows = views.isp_month_rows(tables, data)
    matrix = views.method_matrix(tables)
    urls = tables["site_urls"].partition_by("domain", as_dict=True)
    prints = tables["site_fingerprints"].partition_by("domain", as_dict=True)
    entries_by_domain = tables["test_list_entries"].partition_by("domain", as_dict=True)
    shared = {
        "findings": tables.findings,
        "sites": site_rows,
        "changes": tables["changes"].to_dicts(),
        "excluded_networks": tables["excluded_networks"].to_dicts(),
        "thresholds": tables["thresholds"].to_dicts(),
        "methodology_rules": views.methodology_rules(settings),
        "monthly": tables["monthly_measurements"].to_dicts(),
        "monthly_total": views.monthly_total(tables),
        "isps": tables["isp_measurements"].to_dicts(),
        "isp_month_rows": isp_rows,
        "test_list_coverage": tables["test_list_coverage"].to_dicts(),
        "blocked_per_month": tables["blocked_per_month"].to_dicts(),
        "method_matrix": matrix,
        "method_legend": sorted({r["method"] for r in matrix["rows"]}),
        "review": views.review(tables),
        "sources": tables["sources"].to_dicts(),
        "verdict_cells": tables["verdict_cells"].to_dicts(),
        "ingest": views.ingest(tables),
        "limitations": views.limitations(data, tables, data.is_synthetic),
        "download_files": entries,
        "filter_isps": tables["isp_measurements"].filter(
            tables["isp_measurements"]["blocked_websites"] > 0).sort("asn").to_dicts(),
        "filter_categories": sorted({s["category_code"] for s in site_rows if s["category_code"]}),
    }

    index_pages: dict[str, Path] = {}
    for lang in languages:
        env = _environment()
        base = _page_context(data, provenance, settings, lang) | _helpers(lang)
        lang_dir = folder / lang.code
        (lang_dir / "sites").mkdir(parents=True)
        index = env.get_template("index.html.j2").render(
            **base, **shared, root="../", home_href="index.html",
            languages=_switch(languages, lang, "index.html", 0),
            figures=_figures(data, tables, lang, settings, isp_rows, matrix),
        )
        index_pages[lang.code] = lang_dir / "index.html"
        index_pages[lang.code].write_text(index, encoding="utf-8")
        site_template = env.get_template("site.html.j2")
        for site in site_rows:
            key = (site["domain"],)
            page = site_template.render(
                **base, site=site, root="../../", home_href="../index.html",
                languages=_switch(languages, lang, f"sites/{site['slug']}.html", 1),
                grid=grids.get(site["domain"], []),
                urls=urls[key].to_dicts() if key in urls else [],
                fingerprints=prints[key].to_dicts() if key in prints else [],
                entries=entries_by_domain[key].to_dicts() if key in entries_by_domain else [],
            )
            (lang_dir / "sites" / f"{site['slug']}.html").write_text(page, encoding="utf-8")

    landing = folder / "index.html"
    landing.write_text(_landing(languages, data), encoding="utf-8")
    return RenderedReport(
        folder=folder, index_pages=index_pages, landing_page=landing, site_pages=len(site_rows),
        blocked_websites=len(site_rows), synthetic=data.is_synthetic, tables=list(tables.frames),
    )


def _landing(languages: list[Language], data: ReportData) -> str:
    env = _environment()
    entries = [
        {
            "code": lang.code,
            "title": f"{lang.text('report.title')} {period_name(data.period, lang)}",
            "range": lang.text("report.period_range", first=lang.day(data.period.start), last=lang.day(data.period.end)),
            "open": lang.text("landing.open"),
            "synthetic_title": lang.text("banner.synthetic_title"),
            "synthetic_text": lang.text("banner.synthetic_text"),
        }
        for lang in languages
    ]
    return env.get_template("landing.html.j2").render(entries=entries, synthetic=data.is_synthetic)


def _swap_in(built: Path, target: Path) -> None:
    """Replace ``target`` with ``built``; the old report stays until the new one is in place."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
        built.rename(target)
        shutil.rmtree(old)
    else:
        built.rename(target)


def render_report(con: duckdb.DuckDBPyConnection, period: Period, out_dir: Path, settings: Settings,
                  *, generated_at: datetime | None = None) -> RenderedReport:
    """Read the period from the warehouse and write its report under ``out_dir/<period>/``."""
    if not settings.report.explorer_url.startswith("https://"):
        # Evidence links are the only links leaving the report: they must at least be plain HTTPS.
        raise ReportDataError(f"report.explorer_url must be an https:// URL, got {settings.report.explorer_url!r}")
    data = load_report_data(con, period, settings)
    tables = build_tables(data, settings)
    provenance = build_provenance(data, settings.paths.project_dir, generated_at)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / period_folder_name(period)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=out_dir))
    try:
        rendered = render_site(scratch / "site", data, tables, provenance, settings)
        _swap_in(scratch / "site", target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return RenderedReport(
        folder=target,
        index_pages={code: target / code / "index.html" for code in rendered.index_pages},
        landing_page=target / "index.html",
        site_pages=rendered.site_pages,
        blocked_websites=rendered.blocked_websites,
        synthetic=rendered.synthetic,
        tables=rendered.tables,
    )
