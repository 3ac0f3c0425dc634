"""The generated report in a real headless browser: Debian's chromium, opened from disk.

Checks what only a browser can: charts drawn by the local plotly.js, the table filter and sorting,
the language switch, no console errors, no request leaving the report's folder, a phone-width
layout, the captioned chart download, printing, and that hostile data runs no script.
`make test` installs chromium (Makefile `browser`); without it these tests skip and say why.
"""

from __future__ import annotations

import re
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reports.render import RenderedReport
from tests.test_report_render import render_from
from tests.test_report_warehouse import small_warehouse

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (`make browser` installs it); browser tests skipped",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (pyproject)")

LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]
# Requests a page may make besides files of the report: inline data plotly.js builds itself.
LOCAL_SCHEMES = ("data:", "blob:", "about:")


@dataclass
class Session:
    context: object
    folder: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: Path, *, width: int = 1280, height: int = 900):
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri())
        return page

    def outside(self) -> list[str]:
        inside = self.folder.resolve().as_uri() + "/"
        return [url for url in self.requests if not url.startswith(inside) and not url.startswith(LOCAL_SCHEMES)]


@pytest.fixture(scope="module")
def pipeline_site(report_pipeline_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    return render_from(report_pipeline_warehouse, tmp_path_factory.mktemp("browser-report"))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    root = tmp_path_factory.mktemp("browser-hostile")
    return render_from(small_warehouse(root / "hostile.duckdb", hostile=True), root / "out")


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        yield playwright


def _session(playwright: object, profile: Path, folder: Path) -> Iterator[Session]:
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS, accept_downloads=True,
        service_workers="block",
    )
    session = Session(context, folder)
    context.on("request", lambda request: session.requests.append(request.url))
    try:
        yield session
    finally:
        context.close()


@pytest.fixture(scope="module")
def browser_session(playwright_instance: object, pipeline_site: RenderedReport,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    # One browser (with a fresh profile) for the module: starting chromium costs a second each time.
    yield from _session(playwright_instance, tmp_path_factory.mktemp("profile"), pipeline_site.folder)


@pytest.fixture
def browser(browser_session: Session) -> Iterator[Session]:
    """The module's browser with this test's own record of requests, errors and dialogs."""
    browser_session.requests.clear()
    browser_session.errors.clear()
    browser_session.dialogs.clear()
    yield browser_session
    for page in browser_session.context.pages:
        page.close()


def _wait_for_charts(page: object) -> int:
    page.wait_for_function(
        "() => { const a = document.querySelectorAll('[data-figure]');"
        " return a.length > 0 && [...a].every(e => e.dataset.rendered === 'true'); }",
        timeout=30_000,
    )
    return page.locator("[data-figure] svg.main-svg").count()


def test_charts_render_from_disk_without_leaving_the_folder(browser: Session, pipeline_site: RenderedReport) -> None:
    for code in ("en", "km"):
        page = browser.open(pipeline_site.index_pages[code])
        assert _wait_for_charts(page) >= 5
        # plotly drew real marks, not an empty frame.
        assert page.locator("#fig-monthly .bars path, #fig-monthly .point path").count() > 0
        assert page.evaluate("document.documentElement.lang") == code
        page.close()
    assert browser.requests, "requests are being recorded"
    assert not browser.outside(), browser.outside()
    assert not browser.errors, browser.errors


def test_blocked_table_filters_and_sorts(browser: Session, pipeline_site: RenderedReport) -> None:
    page = browser.open(pipeline_site.index_pages["en"])
    rows = page.locator("#blocked-table tbody tr[data-tier]")
    total = rows.count()
    assert total == pipeline_site.blocked_websites > 1
    assert page.locator("#blocked-filters").is_visible()
    first_domain = page.locator("#blocked-table tbody tr[data-tier] th a").first.inner_text()
    page.fill("#filter-text", first_domain)
    visible = page.locator("#blocked-table tbody tr[data-tier]:not([hidden])")
    assert visible.count() >= 1 and all(first_domain in visible.nth(i).inner_text() for i in range(visible.count()))
    assert page.locator("#filter-count").inner_text() == f"Showing {visible.count()} of {total}"
    page.fill("#filter-text", "")
    page.select_option("#filter-tier", "confirmed")
    confirmed = page.locator("#blocked-table tbody tr[data-tier='confirmed']").count()
    assert page.locator("#blocked-table tbody tr[data-tier]:not([hidden])").count() == confirmed < total
    page.select_option("#filter-tier", "")
    page.fill("#filter-text", "no website is called this")
    assert page.locator("#blocked-table tbody tr[data-tier]:not([hidden])").count() == 0
    page.fill("#filter-text", "")
    # Sorting by blocked measurements: descending after two clicks.
    header = page.locator("#blocked-table thead th").nth(9)
    header.locator("button").click()
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    values = page.eval_on_selector_all(
        "#blocked-table tbody tr[data-tier]", "rows => rows.map(r => Number(r.cells[9].dataset.sort))")
    assert values == sorted(values, reverse=True)
    assert not browser.errors and not browser.outside()


def test_language_switch_goes_to_khmer_and_back_keeping_the_place(browser: Session,
                                                                   pipeline_site: RenderedReport) -> None:
    page = browser.open(pipeline_site.index_pages["en"])
    page.goto(pipeline_site.index_pages["en"].resolve().as_uri() + "#blocked-websites")
    page.click("a[data-lang-switch][hreflang='km']")
    page.wait_for_load_state()
    assert page.url == pipeline_site.index_pages["km"].resolve().as_uri() + "#blocked-websites"
    assert page.evaluate("document.documentElement.lang") == "km"
    assert "គេហទំព័រដែលត្រូវបានរារាំង" in page.locator("#blocked-websites-title").inner_text()
    page.click("a[data-lang-switch][hreflang='en']")
    page.wait_for_load_state()
    assert page.url.startswith(pipeline_site.index_pages["en"].resolve().as_uri())
    assert page.locator("#blocked-websites-title").inner_text() == "Blocked websites"
    # A website page switches to the same website in the other language.
    link = page.locator("#blocked-table tbody tr[data-tier] th a").first
    slug = link.get_attribute("href").removeprefix("sites/").removesuffix(".html")
    link.click()
    page.wait_for_load_state()
    page.click("a[data-lang-switch][hreflang='km']")
    page.wait_for_load_state()
    assert page.url.endswith(f"/km/sites/{slug}.html")
    assert page.locator("#verdict-grid td.cell").count() > 0
    assert not browser.errors and not browser.outside()


def test_phone_width_has_no_page_wide_horizontal_scroll(browser: Session, pipeline_site: RenderedReport) -> None:
    site_page = next((pipeline_site.folder / "km" / "sites").glob("*.html"))
    for path in (pipeline_site.index_pages["en"], pipeline_site.index_pages["km"], site_page):
        page = browser.open(path, width=360, height=740)
        if path.name == "index.html":
            _wait_for_charts(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path}: {overflow}px wider than the phone"
        chart_width = page.evaluate(
            "document.querySelector('#fig-monthly .main-svg') ? document.querySelector('#fig-monthly .main-svg')"
            ".getBoundingClientRect().width : 0")
        assert chart_width <= 360
        page.close()
    assert not browser.errors


def test_chart_downloads_as_a_captioned_png(browser: Session, pipeline_site: RenderedReport) -> None:
    page = browser.open(pipeline_site.index_pages["en"])
    _wait_for_charts(page)
    page.hover("#fig-monthly .chart-area")
    with page.expect_download() as download_info:
        page.click("#fig-monthly .modebar-btn[data-title='Download as PNG with caption']")
    download = download_info.value
    assert download.suggested_filename == "imap-2024-en-fig-monthly.png"
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1200 and height > 420 + 3 * 20, "chart plus caption lines"
    assert not browser.errors and not browser.outside()


def test_prints_without_controls(browser: Session, pipeline_site: RenderedReport, tmp_path: Path) -> None:
    page = browser.open(pipeline_site.index_pages["en"])
    _wait_for_charts(page)
    page.emulate_media(media="print")
    assert not page.locator("#blocked-filters").is_visible()
    assert not page.locator(".language-switch").is_visible()
    assert page.locator("#synthetic-notice").is_visible()
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
    assert not browser.errors


def test_hostile_data_runs_no_script(playwright_instance: object, hostile_site: RenderedReport,
                                     tmp_path: Path) -> None:
    for session in _session(playwright_instance, tmp_path / "profile", hostile_site.folder):
        pages = [hostile_site.index_pages["en"], hostile_site.index_pages["km"],
                 *sorted((hostile_site.folder / "en" / "sites").glob("*.html"))]
        for path in pages:
            page = session.open(path)
            if path.name == "index.html":
                _wait_for_charts(page)
                page.fill("#filter-text", "script")
                page.hover("#blocked-table tbody tr[data-tier]")
            page.mouse.move(5, 5)
            page.close()
        assert not session.dialogs, session.dialogs
        assert not session.errors, session.errors
        assert not session.outside(), session.outside()


# Where each heatmap's pieces are drawn: plot area, tick labels and colour-scale title, against the
# chart's own box. A label sticking out of the box is cut off on screen.
_HEATMAP_BOXES = """(id) => {
  const figure = document.querySelector(id);
  const box = e => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width, height: b.height}; };
  const texts = sel => [...figure.querySelectorAll(sel)].map(e => ({text: e.textContent, ...box(e)}));
  return {svg: box(figure.querySelector('.main-svg')), plot: box(figure.querySelector('.nsewdrag')),
          x: texts('.xtick text'), y: texts('.ytick text'), colorbar: texts('.colorbar .cbtitle text')};
}"""


def _outside(item: dict, svg: dict) -> bool:
    return (item["left"] < svg["left"] - 1 or item["right"] > svg["right"] + 1
            or item["top"] < svg["top"] - 1 or item["bottom"] > svg["bottom"] + 1)


@pytest.mark.parametrize("code", ["en", "km"])
def test_isp_month_heatmap_is_readable_on_a_phone(browser: Session, pipeline_site: RenderedReport, code: str) -> None:
    page = browser.open(pipeline_site.index_pages[code], width=390, height=844)
    _wait_for_charts(page)
    boxes = page.evaluate(_HEATMAP_BOXES, "#fig-isp-month")
    isps = page.locator("#isp-month-table tbody th").count()
    # The cells get most of the width, not what long network names leave (60 px of 366 before).
    assert boxes["plot"]["width"] >= 0.4 * boxes["svg"]["width"], boxes["plot"]
    assert boxes["plot"]["height"] >= 20 * isps
    assert len(boxes["y"]) == isps, [t["text"] for t in boxes["y"]]
    # Short names, each with its AS number (the full name is in the hover and the table).
    assert all(re.search(r"AS\d+$", t["text"]) and len(t["text"]) <= 30 for t in boxes["y"]), boxes["y"]
    assert boxes["colorbar"] and boxes["colorbar"][0]["text"]
    cut = [t["text"] for t in boxes["y"] + boxes["x"] + boxes["colorbar"] if _outside(t, boxes["svg"])]
    assert not cut, f"cut off at 390 px: {cut}"
    assert not browser.errors, browser.errors


@pytest.mark.parametrize("code", ["en", "km"])
def test_chart_titles_are_never_cut_on_a_phone(browser: Session, pipeline_site: RenderedReport, code: str) -> None:
    # Plotly does not wrap titles: on a phone the chart draws without its own (the heading and the
    # caption carry it); on a desktop it keeps it.
    titles = "() => [...document.querySelectorAll('[data-figure] .gtitle')].map(e => e.textContent)"
    phone = browser.open(pipeline_site.index_pages[code], width=390, height=844)
    _wait_for_charts(phone)
    assert not [text for text in phone.evaluate(titles) if text.strip()]
    captions = phone.locator("figure.chart figcaption").all_inner_texts()
    assert captions and all(caption.strip() for caption in captions)
    desktop = browser.open(pipeline_site.index_pages[code], width=1280, height=900)
    _wait_for_charts(desktop)
    assert len([text for text in desktop.evaluate(titles) if text.strip()]) >= 5
    assert not browser.errors, browser.errors


@pytest.mark.parametrize("code", ["en", "km"])
def test_method_isp_heatmap_labels_every_row_and_column_as_the_table_does(
        browser: Session, pipeline_site: RenderedReport, code: str) -> None:
    page = browser.open(pipeline_site.index_pages[code], width=390, height=844)
    _wait_for_charts(page)
    boxes = page.evaluate(_HEATMAP_BOXES, "#fig-method-isp")
    methods = page.locator("#method-isp-table tbody th abbr.method")
    readable = [methods.nth(i).inner_text() for i in range(methods.count())]
    codes = [methods.nth(i).get_attribute("title") for i in range(methods.count())]
    assert len(readable) >= 3 and readable != codes
    # Every row, in the table's order and with the table's words (dns.bogon, tls.reset were skipped,
    # and rows read "dns.nxdomain").
    assert [t["text"] for t in boxes["y"]] == readable
    isps = page.locator("#method-isp-table thead th").count() - 1
    assert len(boxes["x"]) == isps >= 3
    assert boxes["plot"]["height"] >= 20 * len(readable)
    cut = [t["text"] for t in boxes["y"] + boxes["x"] + boxes["colorbar"] if _outside(t, boxes["svg"])]
    assert not cut, f"cut off at 390 px: {cut}"
    assert not browser.errors, browser.errors
