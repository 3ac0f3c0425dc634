"""The rendered report: layout, links, numbers, languages, downloads, and escaping of hostile data.

The main report is rendered from a warehouse the pipeline built from the synthetic corpus
(conftest `report_pipeline_warehouse`); exact and hostile cases use the hand-built warehouse of
tests/test_report_warehouse.py.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from reports import render as render_module
from reports.i18n import load_language, placeholders
from reports.render import RenderedReport, render_report
from tests.test_report_warehouse import (
    HOSTILE_DOMAIN,
    HOSTILE_NETWORK,
    HOSTILE_NOTE,
    HOSTILE_UID,
    small_warehouse,
)
from warehouse.db import connect
from warehouse.periods import period_for_year
from warehouse.settings import Paths, Settings

REPORTS_DIR = Path(__file__).resolve().parents[1] / "reports"
GENERATED_AT = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
EXPLORER = "https://explorer.ooni.org/m/"
SECTIONS = ("key-findings", "changes", "coverage", "coverage-monthly", "coverage-isps", "coverage-isp-month",
            "coverage-test-list", "blocked-websites", "methods", "test-list-review", "review-never-measured",
            "review-candidates", "methodology", "limitations", "provenance", "downloads")


class Page(HTMLParser):
    """Everything the checks need from one HTML file."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"] or "")
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attributes, content = self.scripts[-1]
            self.scripts[-1] = (attributes, content + data)
        else:
            self.text.append(data)

    @property
    def html_lang(self) -> str | None:
        return next(attrs.get("lang") for tag, attrs in self.tags if tag == "html")

    def figure_specs(self) -> dict[str, dict]:
        return {attrs["id"]: json.loads(content) for attrs, content in self.scripts
                if attrs.get("type") == "application/json" and attrs.get("id")}


def pages(folder: Path) -> list[Page]:
    return [Page(path) for path in sorted(folder.rglob("*.html"))]


def settings_for(root: Path) -> Settings:
    return Settings(paths=Paths.under(root))


def render_from(db_path: Path, out: Path, year: int = 2024, start_month: int = 1) -> RenderedReport:
    con = connect(db_path, read_only=True)
    try:
        return render_report(con, period_for_year(year, start_month), out, settings_for(out),
                             generated_at=GENERATED_AT)
    finally:
        con.close()


@pytest.fixture(scope="module")
def pipeline_report(report_pipeline_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    return render_from(report_pipeline_warehouse, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    root = tmp_path_factory.mktemp("hostile")
    return render_from(small_warehouse(root / "hostile.duckdb", hostile=True), root / "out")


def test_layout_pages_and_downloads(pipeline_report: RenderedReport, report_pipeline_warehouse: Path) -> None:
    folder = pipeline_report.folder
    assert folder.name == "2024"
    assert pipeline_report.index_pages == {"en": folder / "en" / "index.html", "km": folder / "km" / "index.html"}
    for name in ("plotly.min.js", "report.css", "report.js"):
        assert (folder / "assets" / name).stat().st_size > 0
    con = connect(report_pipeline_warehouse, read_only=True)
    blocked = sorted(d for (d,) in con.execute(
        "SELECT domain FROM site_period_summary WHERE period_label = '2024' AND verdict IN ('confirmed', 'likely')"
    ).fetchall())
    con.close()
    assert blocked, "the synthetic year should have blocked websites"
    assert pipeline_report.blocked_websites == len(blocked)
    for code in ("en", "km"):
        assert len(list((folder / code / "sites").glob("*.html"))) == len(blocked)
    manifest = json.loads((folder / "data" / "manifest.json").read_text())
    assert manifest["synthetic_demo_data"] is True
    assert manifest["period"] == {"label": "2024", "start": "2024-01-01", "end": "2024-12-31"}
    assert manifest["generated_at"] == "2025-01-15T12:00:00Z"
    assert {t["name"] for t in manifest["tables"]} == set(pipeline_report.tables)
    for table in manifest["tables"]:
        rows = list(csv.DictReader((folder / "data" / f"{table['name']}.csv").open(encoding="utf-8")))
        document = json.loads((folder / "data" / f"{table['name']}.json").read_text())
        assert len(rows) == len(document["rows"]) == table["rows"], table["name"]
        assert document["synthetic_demo_data"] is True and document["table"] == table["name"]
        if rows:
            assert rows[0]["synthetic_demo_data"] == "true"
    blocked_json = json.loads((folder / "data" / "blocked_websites.json").read_text())
    assert sorted(row["domain"] for row in blocked_json["rows"]) == blocked


def test_links_stay_inside_the_report_and_resolve(pipeline_report: RenderedReport) -> None:
    folder = pipeline_report.folder.resolve()
    ids_by_file: dict[Path, set[str]] = {}
    all_pages = pages(folder)
    for page in all_pages:
        assert len(page.ids) == len(set(page.ids)), f"duplicate ids in {page.path}"
        ids_by_file[page.path.resolve()] = set(page.ids)
    outside = []
    for page in all_pages:
        for tag, attrs in page.tags:
            for attribute in ("href", "src"):
                value = attrs.get(attribute)
                if value is None:
                    continue
                parts = urlsplit(value)
                if parts.scheme or value.startswith("//"):
                    # The only absolute URLs: links a reader may follow to OONI Explorer's evidence.
                    if not (tag == "a" and value.startswith(EXPLORER)):
                        outside.append((page.path.name, tag, value))
                    continue
                target = (page.path.parent / unquote(parts.path)).resolve() if parts.path else page.path.resolve()
                assert target.is_relative_to(folder), (page.path, value)
                assert target.exists(), (page.path, value)
                if parts.fragment and target.suffix == ".html":
                    assert parts.fragment in ids_by_file[target], (page.path, value)
    assert not outside


def test_every_page_has_language_anchors_and_the_synthetic_banner(pipeline_report: RenderedReport) -> None:
    folder = pipeline_report.folder
    for page in pages(folder):
        relative = page.path.relative_to(folder)
        if relative.parts[0] in ("en", "km"):
            assert page.html_lang == relative.parts[0]
            assert "synthetic-notice" in page.ids, relative
            switch = [a for tag, a in page.tags if tag == "a" and "data-lang-switch" in a]
            assert len(switch) == 1 and switch[0]["hreflang"] != relative.parts[0]
        else:
            assert relative == Path("index.html")
            assert sum("synthetic-banner" in (a.get("class") or "") for _, a in page.tags) == 2
    index = Page(pipeline_report.index_pages["en"])
    assert set(SECTIONS) <= set(index.ids)
    # The synthetic world has VPN and foreign hosting networks: listed, and said to be left out.
    assert {"excluded-networks-table", "limitation-excluded_networks", "limitation-synthetic",
            "rule-min_evidence"} <= set(index.ids)
    blocked = json.loads((folder / "data" / "blocked_websites.json").read_text())["rows"]
    for row in blocked:
        assert f"site-{row['slug']}" in index.ids
        site_page = Page(folder / "en" / "sites" / f"{row['slug']}.html")
        assert {"summary", "isps", "verdicts", "evidence"} <= set(site_page.ids)
        assert row["domain"] in "".join(site_page.text)


def test_numbers_match_the_warehouse(pipeline_report: RenderedReport, report_pipeline_warehouse: Path) -> None:
    con = connect(report_pipeline_warehouse, read_only=True)
    (cells_total,) = con.execute(
        "SELECT sum(measurements) FROM site_month_verdicts WHERE month BETWEEN '2024-01-01' AND '2024-12-01'"
    ).fetchall()[0]
    confirmed, likely = con.execute(
        "SELECT count_if(verdict = 'confirmed'), count_if(verdict = 'likely') FROM site_period_summary "
        "WHERE period_label = '2024'"
    ).fetchall()[0]
    con.close()
    html = pipeline_report.index_pages["en"].read_text(encoding="utf-8")
    stat = re.search(r'id="stat-measurements"><span class="stat-value">([\d,]+)<', html)
    assert stat and int(stat.group(1).replace(",", "")) == cells_total
    assert f"{confirmed + likely} websites were blocked" in html or (confirmed + likely == 1)
    monthly = json.loads((pipeline_report.folder / "data" / "monthly_measurements.json").read_text())["rows"]
    assert sum(r["measurements"] for r in monthly) == cells_total
    for row in monthly:
        parts = row["ok"] + row["anomaly"] + row["confirmed"] + row["local_filtering"] + row["down"] + row["failure"]
        assert parts == row["measurements"], row["month"]


def test_khmer_pages_are_translated_with_khmer_numbers_and_months(pipeline_report: RenderedReport) -> None:
    km_html = pipeline_report.index_pages["km"].read_text(encoding="utf-8")
    en = load_language("en")
    km = load_language("km")
    visible = " ".join(Page(pipeline_report.index_pages["km"]).text)
    for key in ("section.key_findings", "section.blocked_websites", "section.methodology", "col.measurements"):
        assert en.text(key) not in visible
        assert km.text(key) in visible
    assert "មករា ២០២៤" in visible and "ធ្នូ ២០២៤" in visible
    stat = re.search(r'id="stat-measurements"><span class="stat-value">([^<]+)<', km_html)
    assert stat and re.fullmatch(r"[០-៩.]+", stat.group(1))
    assert km.number(1234567) == "១.២៣៤.៥៦៧" and en.number(1234567) == "1,234,567"
    assert en.percent(0.9642) == "96.4%" and km.percent(0.9642) == "៩៦,៤%"
    # Data values stay as they are: AS numbers, domains and method codes are not localised.
    assert "AS" in visible and re.search(r"AS\d+", km_html)


def test_translation_files_are_complete() -> None:
    languages = {code: load_language(code) for code in ("en", "km")}
    en, km = languages["en"], languages["km"]
    assert en.strings.keys() == km.strings.keys()

    def names(entry: object) -> set[str]:
        texts = entry.values() if isinstance(entry, dict) else [entry]
        return set().union(*(placeholders(text) for text in texts))

    for key in en.strings:
        assert names(en.strings[key]) == names(km.strings[key]), key
    used = set()
    for path in list((REPORTS_DIR / "templates").glob("*.j2")) + list(REPORTS_DIR.glob("*.py")):
        used |= set(re.findall(r"""\b(?:t|text)\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""", path.read_text()))
    assert used and not used - en.strings.keys(), sorted(used - en.strings.keys())
    # Keys built from data values: every value the report can produce has its string.
    from reports.tables import CHANGES
    from warehouse.classification import CHANGES as ALL_CHANGES
    from warehouse.classification import VERDICTS

    dynamic = ({f"change.{c}" for c in (*CHANGES, *ALL_CHANGES)} | {f"verdict.{v}" for v in VERDICTS}
               | {f"table.{name}" for name in RenderedTablesNames.names()}
               | {f"coverage.{c}" for c in ("never", "rarely", "measured")})
    assert not dynamic - en.strings.keys(), sorted(dynamic - en.strings.keys())


class RenderedTablesNames:
    """The table names the report writes, read from the source so a new table needs its title."""

    @staticmethod
    def names() -> set[str]:
        source = (REPORTS_DIR / "tables.py").read_text()
        block = source[source.index("frames: dict[str, pl.DataFrame] = {"):]
        return set(re.findall(r'^\s{8}"([a-z_]+)":', block, flags=re.M))


def test_charts_have_captions_tables_and_no_cloud(pipeline_report: RenderedReport) -> None:
    for code in ("en", "km"):
        page = Page(pipeline_report.index_pages[code])
        specs = page.figure_specs()
        assert len(specs) == 5
        for figure_id, spec in specs.items():
            assert spec["data"] and spec["layout"]["title"]["text"]
            caption = " ".join(spec["caption"])
            assert "explorer.ooni.org/chart/mat?probe_cc=KH" in caption and "since=2024-01-01" in caption
            assert ("2024" if code == "en" else "២០២៤") in caption
            assert spec["config"]["showSendToCloud"] is False and "sendChartToCloud" in spec["config"]["modeBarButtonsToRemove"]
            area = next(a for tag, a in page.tags if a.get("data-figure") == figure_id)
            assert area["aria-describedby"] in page.ids
    scripts = [a.get("src") for a, _ in Page(pipeline_report.index_pages["en"]).scripts if a.get("src")]
    assert scripts == ["../assets/plotly.min.js", "../assets/report.js"]


def test_july_june_period(report_pipeline_warehouse: Path, tmp_path: Path) -> None:
    rendered = render_from(report_pipeline_warehouse, tmp_path, 2024, 7)
    assert rendered.folder.name == "2023-07_2024-06"
    page = Page(rendered.index_pages["en"])
    months = [i.removeprefix("month-") for i in page.ids if i.startswith("month-")]
    assert months == ["2023-07", "2023-08", "2023-09", "2023-10", "2023-11", "2023-12",
                      "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert "2023–2024" in " ".join(page.text)
    assert "1 July 2023 to 30 June 2024 (UTC)" in " ".join(page.text)


def _unsafe(page: Page) -> list[str]:
    problems = []
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"{tag} {name}={value!r}")
            if name in ("href", "src", "action", "formaction") and value and \
                    urlsplit(value.strip()).scheme.lower() not in ("", "https"):
                problems.append(f"{tag} {name}={value!r}")
    for attrs, content in page.scripts:
        if attrs.get("type") == "application/json":
            json.loads(content)  # data, never code; a "</script>" inside would have broken it
        elif not re.fullmatch(r"(\.\./)+assets/(plotly.min|report)\.js", attrs.get("src") or "") or content.strip():
            problems.append(f"script {attrs} {content[:80]!r}")
    return problems


def test_hostile_strings_end_up_inert(hostile_report: RenderedReport) -> None:
    folder = hostile_report.folder
    all_pages = pages(folder)
    for page in all_pages:
        assert not _unsafe(page), page.path
        raw = page.path.read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "<img src=x" not in raw, page.path
    index = Page(hostile_report.index_pages["en"])
    text = " ".join(index.text)
    assert HOSTILE_DOMAIN in text and HOSTILE_NETWORK in text  # shown, as text
    site_pages = list((folder / "en" / "sites").glob("site-*.html"))
    assert len(site_pages) == 1, "a hostile domain gets a hashed file name"
    site = Page(site_pages[0])
    assert HOSTILE_DOMAIN in " ".join(site.text) and HOSTILE_NOTE in " ".join(site.text)
    links = [a["href"] for tag, a in site.tags if tag == "a" and (a.get("href") or "").startswith(EXPLORER)]
    assert EXPLORER + "20240101%22%3E%3Cscript%3Ealert%28%27uid%27%29%3C%2Fscript%3E" in links
    assert HOSTILE_UID not in site.path.read_text(encoding="utf-8")
    entries = list(csv.DictReader((folder / "data" / "test_list_entries.csv").open(encoding="utf-8")))
    assert any(row["notes"].startswith("'=HYPERLINK") for row in entries), "formulas are defused in CSV"
    document = json.loads((folder / "data" / "test_list_entries.json").read_text())
    assert any(row["notes"].startswith("=HYPERLINK") for row in document["rows"]), "JSON keeps data as it is"


def test_real_data_has_no_synthetic_banner(tmp_path: Path) -> None:
    rendered = render_from(small_warehouse(tmp_path / "w.duckdb"), tmp_path / "out")
    assert not rendered.synthetic
    for page in pages(rendered.folder):
        assert "synthetic-notice" not in page.ids
        assert "synthetic" not in (page.path.read_text(encoding="utf-8").split("<body", 1)[1].split(">", 1)[0])
    manifest = json.loads((rendered.folder / "data" / "manifest.json").read_text())
    assert manifest["synthetic_demo_data"] is False


def test_small_report_content(tmp_path: Path) -> None:
    rendered = render_from(small_warehouse(tmp_path / "w.duckdb"), tmp_path / "out")
    folder = rendered.folder
    rows = {r["domain"]: r for r in json.loads((folder / "data" / "blocked_websites.json").read_text())["rows"]}
    assert set(rows) == {"news.example.kh", "rights.example.org", "world.example.com", "casino.example.net"}
    assert rows["news.example.kh"]["tier"] == "confirmed" and rows["news.example.kh"]["change"] == "continued"
    assert rows["news.example.kh"]["isp_methods"] == [
        "WICAM Corporation Ltd. (AS24492): dns.nxdomain (likely)",
        "VIETTEL (CAMBODIA) PTE., LTD. (AS38623): dns.redirect (confirmed)"]
    assert rows["casino.example.net"]["lists"] == []
    candidates = json.loads((folder / "data" / "blocked_not_on_cambodia_list.json").read_text())["rows"]
    assert {r["domain"] for r in candidates} == {"casino.example.net", "world.example.com"}
    index = Page(rendered.index_pages["en"])
    text = " ".join(" ".join(index.text).split())
    assert "4 websites were blocked on at least one ISP." in text
    assert "Compared with 2023: 0 newly blocked, 1 blocked in both periods, 1 no longer blocked, 1 unclear" in text
    never = {r["url"]: r["coverage"] for r in json.loads((folder / "data" / "test_list_entries.json").read_text())["rows"]}
    assert never["https://never.example.kh/"] == "never" and never["https://news.example.kh/"] == "measured"
    grid = Page(folder / "en" / "sites" / "news.example.kh.html")
    cells = [a for tag, a in grid.tags if tag == "td" and (a.get("id") or "").startswith("cell-as")]
    assert len(cells) == 36 and sum("verdict-confirmed" in a["class"] for a in cells) == 12
    assert "cell-as24492-2024-03" in grid.ids


def test_a_failed_render_keeps_the_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = small_warehouse(tmp_path / "w.duckdb")
    first = render_from(db_path, tmp_path / "out")
    before = first.index_pages["en"].read_text(encoding="utf-8")

    def broken(folder: Path, *args: object, **kwargs: object) -> None:
        folder.mkdir(parents=True)
        (folder / "half-written.html").write_text("…")
        raise OSError("disk full")

    monkeypatch.setattr(render_module, "render_site", broken)
    with pytest.raises(OSError, match="disk full"):
        render_from(db_path, tmp_path / "out")
    assert first.index_pages["en"].read_text(encoding="utf-8") == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2024"]


def _visible(html: str) -> str:
    """The text of a fragment of HTML, whitespace collapsed."""
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" :", ":").replace(" ,", ",")
    return unescape(text)


def _row(html: str, row_id: str) -> str:
    start = html.index(f'id="{row_id}"')
    return html[start:html.index("</tr>", start)]


def _cell(html: str, cell_id: str) -> str:
    start = html.index(f'id="{cell_id}"')
    return html[start:html.index("</td>", start)]


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    root = tmp_path_factory.mktemp("small")
    return render_from(small_warehouse(root / "w.duckdb"), root / "out")


def test_tier_is_told_per_isp_not_only_per_website(small_report: RenderedReport) -> None:
    # news.example.kh is confirmed on Metfone and only likely on WiCAM: its "Confirmed" must not
    # read as "confirmed on WiCAM".
    rows = {r["domain"]: r for r in json.loads((small_report.folder / "data" / "blocked_websites.json").read_text())["rows"]}
    assert (rows["news.example.kh"]["confirmed_isps"], rows["news.example.kh"]["likely_isps"]) == (1, 1)
    assert (rows["rights.example.org"]["confirmed_isps"], rows["rights.example.org"]["likely_isps"]) == (0, 1)
    html = small_report.index_pages["en"].read_text(encoding="utf-8")
    row = _row(html, "site-news.example.kh")
    assert "Confirmed on 1 ISP, Likely on 1 ISP" in _visible(row)
    items = re.findall(r"<li>(.*?)</li>", row, re.S)
    wicam = next(item for item in items if "AS24492" in item)
    metfone = next(item for item in items if "AS38623" in item)
    assert "verdict-likely" in wicam and "verdict-confirmed" not in wicam
    assert "verdict-confirmed" in metfone
    findings = _visible(_row(html, "finding-blocked").split("</li>")[0])
    assert "By website: 2 confirmed by a known blocking fingerprint on at least one ISP" in findings
    assert "2 likely on every ISP that blocked them" in findings
    assert "By website and ISP: 5 website–ISP pairs, 2 confirmed and 3 likely." in findings
    isps = _visible(html[html.index('id="finding-isps"'):html.index('id="finding-methods"')])
    assert "WICAM Corporation Ltd. AS24492: 1 website (0 confirmed, 1 likely)" in isps
    site = (small_report.folder / "en" / "sites" / "news.example.kh.html").read_text(encoding="utf-8")
    assert "Confirmed on 1 ISP, Likely on 1 ISP" in _visible(site[site.index('id="summary"'):site.index('id="isps"')])
    km = small_report.index_pages["km"].read_text(encoding="utf-8")
    assert load_language("km").text("tier.on_isps", count=1) in _visible(_row(km, "site-news.example.kh"))


def test_grid_cells_keep_local_filtering_apart_from_isp_blocking(small_report: RenderedReport) -> None:
    site = (small_report.folder / "en" / "sites" / "news.example.kh.html").read_text(encoding="utf-8")
    cell = _cell(site, "cell-as45498-2024-01")
    # Accessible, nothing blocked by the ISP; the two local-filtering measurements on a line of
    # their own, with their evidence links.
    assert "Accessible 0/6 Local filtering: 2" in _visible(cell)
    assert len(re.findall(r'class="evidence local-filtering-evidence" href="https://explorer\.ooni\.org/m/', cell)) == 2
    assert 'title="office_firewall"' in cell
    assert "Local filtering" not in _visible(_cell(site, "cell-as45498-2024-02"))
    note = load_language("en").text("site.grid_note")
    assert "judged blocked by the ISP" in note and "not counted" in note and note in _visible(site)


def test_limitations_give_the_causes_of_inconclusive_cells(small_report: RenderedReport) -> None:
    html = small_report.index_pages["en"].read_text(encoding="utf-8")
    text = _visible(_row(html, "limitation-inconclusive").split("</li>")[0])
    assert ("3 cells were inconclusive: 1 mostly failed tests or controls; 1 mostly local filtering (not the ISP);"
            " 1 with mixed results") in text
    km = small_report.index_pages["km"].read_text(encoding="utf-8")
    assert load_language("km").text("limitation.inconclusive_cause.local_filtering", count=1) in _visible(
        _row(km, "limitation-inconclusive").split("</li>")[0])


def test_no_change_is_claimed_without_data_for_the_previous_period(small_report: RenderedReport,
                                                                   tmp_path: Path) -> None:
    # 2024 has 2023 to compare with: sites not measured then are "first measured".
    html = small_report.index_pages["en"].read_text(encoding="utf-8")
    assert "First measured" in _visible(html[html.index('id="changes-table"'):])
    # 2023 has nothing before it in the warehouse: no change can be told, and none is asserted.
    rendered = render_from(small_warehouse(tmp_path / "w.duckdb"), tmp_path / "out", year=2023)
    changes = json.loads((rendered.folder / "data" / "changes.json").read_text())["rows"]
    assert changes and all(r["change"] == "first_measured" and not r["previous_period_has_data"] for r in changes)
    for code in ("en", "km"):
        lang = load_language(code)
        page = rendered.index_pages[code].read_text(encoding="utf-8")
        for table in ("changes-table", "blocked-table"):
            text = _visible(page[page.index(f'id="{table}"'):].split("</table>")[0])
            assert lang.text("change.no_previous_data") in text
            assert lang.text("change.first_measured") not in text
        site = (rendered.folder / code / "sites" / "news.example.kh.html").read_text(encoding="utf-8")
        assert lang.text("change.first_measured") not in _visible(site)


def test_blocked_counts_say_which_networks_they_cover(small_report: RenderedReport) -> None:
    rows = {r["domain"]: r for r in json.loads((small_report.folder / "data" / "blocked_websites.json").read_text())["rows"]}
    news = rows["news.example.kh"]
    # Metfone 12 x 9 all blocked, WiCAM 12 x 8 blocked from March; Smart (accessible) adds 12 x 6.
    assert (news["blocking_isps_blocked"], news["blocking_isps_measurements"]) == (108 + 80, 108 + 96)
    assert (news["isp_blocked_count"], news["measurements"]) == (188, 108 + 96 + 72)
    html = small_report.index_pages["en"].read_text(encoding="utf-8")
    assert "188 / 204 all networks: 188 / 276" in _visible(_row(html, "site-news.example.kh"))
    assert "Blocked / all measurements on the blocking ISPs" in _visible(html)
    site = (small_report.folder / "en" / "sites" / "news.example.kh.html").read_text(encoding="utf-8")
    summary = _visible(site[site.index('id="summary"'):site.index('id="isps"')])
    assert "188 of 204 measurements judged blocked on the 2 ISPs that blocked it" in summary
    assert "188 of 276 measurements judged blocked by an ISP, on all 3 networks with verdicts" in summary
    assert "Of which from networks without verdicts" in _visible(site)


def test_isp_table_columns_add_up_to_the_measurements(small_report: RenderedReport) -> None:
    html = small_report.index_pages["en"].read_text(encoding="utf-8")
    table = html[html.index('id="isps-table"'):].split("</table>")[0]
    rows = re.findall(r'<tr id="isp-as(\d+)">(.*?)</tr>', table, re.S)
    assert len(rows) == 4
    for asn, row in rows:
        numbers = [int(n.replace(",", "")) for n in re.findall(r'<td class="num"[^>]*>([\d,]+)</td>', row)]
        measurements, _months, _websites, _blocked, *outcomes = numbers
        assert len(outcomes) == 6 and sum(outcomes) == measurements, asn
    smart = dict(rows)["45498"]
    assert '<td class="num" data-sort="2">2</td>' in smart  # its local filtering, now shown


def test_khmer_parentheses_close_before_the_sentence_ends() -> None:
    for code in ("en", "km"):
        for key, entry in load_language(code).strings.items():
            for text in entry.values() if isinstance(entry, dict) else [entry]:
                assert text.count("(") == text.count(")"), (code, key)
                for inside in re.findall(r"\(([^()]*)\)", text):
                    assert "។" not in inside, (code, key, inside)


def test_provenance_names_each_list_and_fingerprint_set(tmp_path: Path) -> None:
    con = connect(small_warehouse(tmp_path / "w.duckdb"))
    con.execute("UPDATE fingerprints SET origin_ref = 'local@sha256:c4d1874ff8e8' WHERE origin = 'ooni'")
    con.execute("DELETE FROM networks WHERE asn = 45498")  # one network named as the probes reported it
    con.close()
    rendered = render_from(tmp_path / "w.duckdb", tmp_path / "out")
    html = rendered.index_pages["en"].read_text(encoding="utf-8")
    lists = _visible(html[html.index('id="provenance-test-lists"'):].split("</dd>")[0])
    ref = "0123456789abcdef0123456789abcdef01234567"
    assert f"Global list: {ref}" in lists and f"Cambodia list: {ref}" in lists
    assert "same copy of the Citizen Lab test-lists repository" in lists
    prints = _visible(html[html.index('id="provenance-fingerprints"'):].split("</dd>")[0])
    assert prints.endswith("> OONI blocking fingerprints: local@sha256:c4d1874ff8e8")
    assert "ooni@local@" not in html
    manifest = json.loads((rendered.folder / "data" / "manifest.json").read_text())
    assert manifest["provenance"]["fingerprint_refs"] == "ooni: local@sha256:c4d1874ff8e8"
    text = _visible(_row(html, "limitation-network_names").split("</li>")[0])
    assert "1 network is named as the probes reported it" in text
