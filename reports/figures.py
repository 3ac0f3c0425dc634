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
# Longest network name (in characters) on a heatmap's axis; the AS number comes on top of it.
ISP_LABEL_CHARS = 16
# The longest such label, upright, in px (12 px type): what a phone-width heatmap needs below its cells.
ISP_LABEL_PX = 200
# Heatmap row height in px: every row keeps its label (plotly drops every other one when rows are
# shorter than about two lines of text).
HEATMAP_ROW = 28
# Least plot-area height of a heatmap: the colour scale beside it is as tall, and its title
# (Khmer: 170 px) runs along it.
HEATMAP_MIN_PLOT = 180
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


def short_isp_label(name: str | None, asn: int, limit: int = ISP_LABEL_CHARS, *, two_lines: bool = False) -> str:
    """"Name (AS123)" with the name cut to ``limit`` characters (at a word boundary).

    On a phone a heatmap's plot area is what the axis labels leave: one registry name
    ("NEOCOMISP LIMITED, IPTX Transit and Network Service Provider in Cambodia.") left it 60 px.
    The AS number is never cut, so two networks never share a label; hover shows the full name.
    ``two_lines`` puts it under the name, for row labels, whose width is taken from the cells.
    """
    name = " ".join((name or "").split()).rstrip(" .,;:")
    if not name:
        return f"AS{asn}"
    if len(name) > limit:
        cut = name[:limit + 1]
        space = cut.rfind(" ")
        cut = cut[:space] if space > 0 else cut[:limit]
        if cut.count("(") > cut.count(")"):  # no half parenthesis: "Viettel (Cambodi…"
            cut = cut[:cut.rfind("(")] or cut
        name = cut.rstrip(" .,;:/-(") + "…"
    return f"{name}<br>AS{asn}" if two_lines else f"{name} (AS{asn})"


def method_label(lang: Language, code: str) -> str:
    """The readable method name the report's tables show ("DNS: does not exist"), else the code."""
    key = f"method.{code}"
    return lang.text(key) if key in lang.strings else code


def _unique(labels: list[str], codes: list[str]) -> list[str]:
    """Category axes merge equal labels: a label shared by two codes gets its code added."""
    counts = {label: labels.count(label) for label in labels}
    return [f"{label} ({code})" if counts[label] > 1 else label for label, code in zip(labels, codes, strict=True)]


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


def _heatmap_colorbar(title: str) -> dict[str, Any]:
    """A narrow colour scale beside the cells with its title along it: a title across the top of
    the scale ran off a phone's screen ("Measureme…"). (A horizontal scale under the chart makes
    plotly.js's margin computation unstable, down to "Something went wrong with axis scaling".)"""
    return {"title": {"text": title, "side": "right"}, "thickness": 10, "xpad": 6}


def _heatmap_axes(fig: go.Figure, x: list[str], y: list[str]) -> None:
    # Explicit ticks: plotly otherwise thins a category axis to every other label when it runs short
    # of room. Rows top-down in table order.
    # Column labels lie flat or stand upright, never at plotly's 30 degrees: slanted ones reach left
    # past the cells, push the plot area off a phone's width and overlap one another.
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=x, type="category", showgrid=False,
                     autotickangles=[0, 90])
    fig.update_yaxes(tickmode="array", tickvals=y, ticktext=y, type="category", showgrid=False,
                     autorange="reversed")


def _heatmap_height(rows: int, *, x_labels: int) -> int:
    """Title, x labels (``x_labels`` px: standing upright, as on a phone), bottom margin and rows.
    report.js then fits the chart to the screen so that the rows get ``fit_rows`` px (a wider
    screen turns the labels less and needs less), and plotly never runs out of room for margins."""
    return 50 + x_labels + 40 + max(HEATMAP_ROW * rows, HEATMAP_MIN_PLOT)


def _fit_rows(figure: Figure, rows: int) -> Figure:
    """The plot area's least height, which report.js keeps at any screen width."""
    figure.spec["fit_rows"] = max(HEATMAP_ROW * rows, HEATMAP_MIN_PLOT)
    return figure


def isp_month_heatmap(rows: list[dict[str, Any]], months: list, ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    labels = [short_isp_label(r["isp_name"], r["asn"], two_lines=True) for r in rows]
    full = [_isp_label(r["isp_name"], r["asn"]) for r in rows]
    x = [ctx.lang.month_short(m) for m in months]
    z = [[cell["measurements"] for cell in r["cells"]] for r in rows]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=labels, colorscale="Blues", zmin=0, hoverongaps=False,
        colorbar=_heatmap_colorbar(t("col.measurements")),
        customdata=[[name] * len(x) for name in full],
        hovertemplate="%{customdata}<br>%{x}<br>" + t("col.measurements") + ": %{z}<extra></extra>",
    ))
    _heatmap_axes(fig, x, labels)
    figure = _finish(fig, ctx, "fig-isp-month", "isp-month-table", t("chart.isp_month_title"),
                     height=_heatmap_height(len(rows), x_labels=100))
    return _fit_rows(figure, len(rows))


def method_isp_heatmap(matrix: dict[str, Any], ctx: FigureContext) -> Figure:
    t = ctx.lang.text
    isps = matrix["isps"]
    columns = [short_isp_label(c["isp_name"], c["asn"]) for c in isps]
    full_columns = [_isp_label(c["isp_name"], c["asn"]) for c in isps]
    rows = matrix["rows"]
    codes = [r["method"] for r in rows]
    readable = [method_label(ctx.lang, code) for code in codes]
    labels = _unique(readable, codes)
    z = [[v["websites"] or None for v in row["cells"]] for row in rows]
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=labels, colorscale="Oranges", zmin=0, hoverongaps=False,
        colorbar=_heatmap_colorbar(t("col.blocked_websites")),
        customdata=[[[isp, f"{label} ({code})"] for isp in full_columns]
                    for label, code in zip(readable, codes, strict=True)],
        hovertemplate="%{customdata[1]}<br>%{customdata[0]}<br>"
                      + t("col.blocked_websites") + ": %{z}<extra></extra>",
    ))
    _heatmap_axes(fig, columns, labels)
    figure = _finish(fig, ctx, "fig-method-isp", "method-isp-table", t("chart.method_isp_title"),
                     height=_heatmap_height(len(rows), x_labels=ISP_LABEL_PX))
    return _fit_rows(figure, len(rows))
