"""Plotly figures of the report, one set per language.

Figures are built with plotly.graph_objects (so a wrong property fails the render, not the reader's
browser) and embedded as JSON; the page draws them with the local plotly.js. Each figure carries
its caption (title, period, source and link) inside the layout, so an image saved with Plotly's
camera button still says what it shows and where it came from. Every figure has a table with the
same numbers next to it in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from reports.i18n import Language

# Outcome colours: ok reads as neutral, blocking in warm colours, "says nothing" in greys. The
# palette is distinguishable with the common colour-vision deficiencies (Okabe-Ito based).
OUTCOME_COLOURS = {
    "ok": "#009E73",
    "anomaly": "#E69F00",
    "confirmed": "#D55E00",
    "local_filtering": "#CC79A7",
    "down": "#999999",
    "failure": "#CCCCCC",
}
TIER_COLOURS = {"confirmed": "#D55E00", "likely": "#E69F00"}
# Saved images have a fixed width whatever the screen, so that they look the same from a phone.
IMAGE_WIDTH = 1200
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Khmer", "Khmer OS System", '
    '"Khmer OS", "Khmer UI", "Leelawadee UI", "Khmer Sangam MN", Arial, sans-serif'
)


@dataclass(frozen=True)
class Figure:
    id: str           # the <figure> id, a stable anchor
    table_id: str     # the table holding the same numbers
    title: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class FigureContext:
    lang: Language
    period_name: str
    source_link: str   # where the underlying data can be checked (OONI Explorer's chart for the period)
    file_prefix: str   # file name stem of saved images
    report_name: str   # "Cambodia Internet Censorship Report 2024", in the language
    country_name: str


def _isp_label(name: str | None, asn: int) -> str:
    return f"{name} (AS{asn})" if name else f"AS{asn}"


def caption_lines(title: str, ctx: FigureContext) -> list[str]:
    """What a saved image says about itself: what, when, from where, and where to check."""
    t = ctx.lang.text
    return [
        t("chart.caption_what", title=title, country=ctx.country_name, period=ctx.period_name),
        t("chart.caption_source", report=ctx.report_name),
        t("chart.caption_link", link=ctx.source_link),
    ]


def _finish(fig: go.Figure, ctx: FigureContext, figure_id: str, table_id: str, title: str, *,
            height: int = 420) -> Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        font={"family": FONT_STACK, "size": 12},
        separators=ctx.lang.decimal + ctx.lang.group,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15, "x": 0, "traceorder": "normal"},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True, gridcolor="#e5e5e5")
    spec = fig.to_plotly_json()
    spec["config"] = {
        "responsive": True,
        "displaylogo": False,
        # Plotly's own camera button saves the chart without its caption; report.js adds one that
        # saves it with the caption below (period, source and link), at a fixed width.
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toImage", "sendChartToCloud"],
        # plotly.js can upload a chart to Plotly's cloud; a report read offline, by people whose
        # reading may be watched, must never offer a button that sends data anywhere.
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "plotlyServerURL": "",
    }
    spec["caption"] = caption_lines(title, ctx)
    spec["image"] = {"filename": f"{ctx.file_prefix}-{figure_id}", "width": IMAGE_WIDTH, "height": height}
    return Figure(id=figure_id, table_id=table_id, title=title, spec=spec)


def monthly_outcomes(monthly: pl.DataFrame, ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    months = [ctx.lang.month_short(m) for m in monthly["month"]]
    fig = go.Figure()
    for outcome, colour in OUTCOME_COLOURS.items():
        fig.add_trace(go.Bar(name=t(f"outcome.{outcome}"), x=months, y=monthly[outcome].to_list(),
                             marker_color=colour))
    fig.update_layout(barmode="stack", yaxis_title=t("col.measurements"))
    return _finish(fig, ctx, "fig-monthly", "monthly-table", t("chart.monthly_title"))


def blocked_per_month(frame: pl.DataFrame, ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    months = [ctx.lang.month_short(m) for m in frame["month"]]
    fig = go.Figure([
        go.Bar(name=t("verdict.confirmed"), x=months, y=frame["confirmed_websites"].to_list(),
               marker_color=TIER_COLOURS["confirmed"]),
        go.Bar(name=t("blocked.likely_only"), x=months, y=frame["likely_only_websites"].to_list(),
               marker_color=TIER_COLOURS["likely"]),
    ])
    fig.update_layout(barmode="stack", yaxis_title=t("col.blocked_websites"))
    return _finish(fig, ctx, "fig-blocked-per-month", "blocked-per-month-table", t("chart.blocked_per_month_title"))


def isp_measurements(isps: pl.DataFrame, ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    ordered = isps.sort("measurements")
    labels = [_isp_label(n, a) for n, a in zip(ordered["isp_name"], ordered["asn"], strict=True)]
    fig = go.Figure(go.Bar(x=ordered["measurements"].to_list(), y=labels, orientation="h",
                           marker_color="#0072B2", name=t("col.measurements")))
    fig.update_layout(xaxis_title=t("col.measurements"), showlegend=False)
    return _finish(fig, ctx, "fig-isps", "isps-table", t("chart.isps_title"),
                   height=max(320, 160 + 24 * isps.height))


def isp_month_heatmap(rows: list[dict[str, Any]], months: list, ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    labels = [_isp_label(r["isp_name"], r["asn"]) for r in rows]
    z = [[cell["measurements"] for cell in r["cells"]] for r in rows]
    fig = go.Figure(go.Heatmap(
        z=z, x=[ctx.lang.month_short(m) for m in months], y=labels, colorscale="Blues", zmin=0,
        colorbar={"title": {"text": t("col.measurements")}}, hoverongaps=False,
    ))
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, ctx, "fig-isp-month", "isp-month-table", t("chart.isp_month_title"),
                   height=max(320, 200 + 22 * len(rows)))


def method_isp_heatmap(matrix: dict[str, Any], ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    columns = [_isp_label(c["isp_name"], c["asn"]) for c in matrix["isps"]]
    rows = matrix["rows"]
    z = [[v["websites"] or None for v in row["cells"]] for row in rows]
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=[r["method"] for r in rows], colorscale="Oranges", zmin=0,
        colorbar={"title": {"text": t("col.blocked_websites")}}, hoverongaps=False,
    ))
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, ctx, "fig-method-isp", "method-isp-table", t("chart.method_isp_title"),
                   height=max(320, 220 + 26 * len(rows)))
