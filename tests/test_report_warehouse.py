"""Warehouses for the report tests, and tests of the report's data access.

Two warehouses:
- ``pipeline_warehouse``: built by the pipeline's own libraries from the synthetic corpus (generate,
  ingest, load reference data, judge, monthly verdicts, period summary), as `imap demo` does it but
  without Dagster. The main rendering and browser tests use it.
- ``small_warehouse``: hand-built, for exact expectations. The scenario is written as verdict cells
  (website x network x month with counts); measurements and judgments are generated to agree with
  them, and tier 4 is computed by the classification stage's own summary. The hostile variant adds
  rows whose every text field tries to break out of HTML, attributes, JSON and URLs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from reports.data import load_report_data
from warehouse.classification.judgments import record_judged_days
from warehouse.classification.summary import build_period_summary
from warehouse.db import connect
from warehouse.periods import period_for_year
from warehouse.settings import load_settings

HOSTILE_DOMAIN = '"><script>alert("domain")</script>.example'
HOSTILE_URL = "javascript:alert('url')//"
HOSTILE_NOTE = "</td><script>alert('note')</script><img src=x onerror=alert(1)>"
HOSTILE_NETWORK = "<img src=x onerror=alert('isp')>\"'"
HOSTILE_UID = "20240101\"><script>alert('uid')</script>"
HOSTILE_CATEGORY = "</script><script>alert('category')</script>"
HOSTILE_METHOD = "dns.<b onmouseover=alert('method')>"

NETWORKS = {
    38623: "VIETTEL (CAMBODIA) PTE., LTD.",
    24492: "WICAM Corporation Ltd.",
    45498: "Smart Axiata Co., Ltd.",
    17976: "CAMGSM Company Ltd.",
}


@dataclass(frozen=True)
class Cell:
    domain: str
    asn: int
    month: date
    verdict: str
    measurements: int = 8
    blocked: int = 0
    confirmed: int = 0
    down: int = 0
    inconclusive: int = 0
    method: str | None = None
    local_filtering: int = 0  # blocked by a firewall or filtering resolver, not the ISP


def months(year: int, first: int = 1, last: int = 12) -> list[date]:
    return [date(year, m, 1) for m in range(first, last + 1)]


def scenario(year: int = 2024) -> list[Cell]:
    cells: list[Cell] = []
    # A Cambodian news site: DNS redirect confirmed on Metfone all year, NXDOMAIN likely on WiCAM from March.
    for month in months(year):
        cells.append(Cell("news.example.kh", 38623, month, "confirmed", 9, 9, 9, method="dns.redirect"))
        wicam_blocked = month.month >= 3
        cells.append(
            Cell("news.example.kh", 24492, month, "likely" if wicam_blocked else "accessible", 8,
                 8 if wicam_blocked else 0, method="dns.nxdomain" if wicam_blocked else None)
        )
        # Smart in January: accessible, with two measurements blocked by local filtering beside it.
        cells.append(Cell("news.example.kh", 45498, month, "accessible", 6,
                          local_filtering=2 if month.month == 1 else 0))
    # A human-rights site reset by Smart from June to August, reachable afterwards.
    for month in months(year, 4):
        blocked = 6 <= month.month <= 8
        cells.append(
            Cell("rights.example.org", 45498, month, "likely" if blocked else "accessible", 7,
                 7 if blocked else 0, method="tls.reset" if blocked else None)
        )
        cells.append(Cell("rights.example.org", 17976, month, "accessible", 5))
    # Blocked only in December on Cellcard: new this year and still blocked at the end.
    for month in months(year, 9):
        blocked = month.month == 12
        cells.append(
            Cell("world.example.com", 17976, month, "likely" if blocked else "accessible", 6,
                 6 if blocked else 0, method="dns.nxdomain" if blocked else None)
        )
    # Blocked on Metfone but on no test list: a candidate for the Cambodia list.
    for month in months(year, 1, 6):
        cells.append(Cell("casino.example.net", 38623, month, "confirmed", 5, 5, 5, method="dns.redirect"))
    # Reachable everywhere; a down month; an inconclusive month; an insufficient month.
    for month in months(year):
        cells.append(Cell("open.example.org", 38623, month, "accessible", 5))
    cells.append(Cell("open.example.org", 24492, date(year, 2, 1), "down", 4, down=4))
    cells.append(Cell("open.example.org", 24492, date(year, 3, 1), "inconclusive", 4, inconclusive=4))
    cells.append(Cell("open.example.org", 24492, date(year, 4, 1), "insufficient", 1))
    # Two more inconclusive cells, for other reasons: mostly local filtering; ISP blocking too mixed.
    cells.append(Cell("open.example.org", 17976, date(year, 5, 1), "inconclusive", 5, local_filtering=3))
    cells.append(Cell("open.example.org", 45498, date(year, 6, 1), "inconclusive", 6, 3, method="dns.nxdomain"))
    # Previous year: blocked sites whose fate this year differs.
    for month in months(year - 1, 7):
        cells.append(Cell("news.example.kh", 38623, month, "confirmed", 5, 5, 5, method="dns.redirect"))
        cells.append(Cell("old.example.com", 38623, month, "likely", 5, 5, method="dns.redirect"))
        cells.append(Cell("gone.example.com", 24492, month, "likely", 5, 5, method="dns.nxdomain"))
    for month in months(year):
        cells.append(Cell("old.example.com", 38623, month, "accessible", 5))
    return cells


def hostile_cells(year: int = 2024) -> list[Cell]:
    return [
        Cell(HOSTILE_DOMAIN, 38623, month, "confirmed", 6, 6, 6, method=HOSTILE_METHOD)
        for month in months(year, 5, 7)
    ]


TEST_LIST = [
    # url, domain, list, category_code, category_description, notes, date_added
    ("https://news.example.kh/", "news.example.kh", "kh", "NEWS", "News Media", "Independent news", "2019-03-01"),
    ("https://rights.example.org/", "rights.example.org", "kh", "HUMR", "Human Rights Issues", "", "2024-05-02"),
    ("https://world.example.com/", "world.example.com", "global", "NEWS", "News Media", "", "2017-01-01"),
    ("https://open.example.org/", "open.example.org", "kh", "CULTR", "Culture", "", "2020-01-01"),
    ("https://never.example.kh/", "never.example.kh", "kh", "POLR", "Political Criticism", "", "2024-07-01"),
    ("https://local.example.kh/", "local.example.kh", "local", "NEWS", "News Media", "added by volunteers", "2024-02-01"),
]
HOSTILE_TEST_LIST = [
    (HOSTILE_URL, HOSTILE_DOMAIN, "kh", "NEWS", HOSTILE_CATEGORY, HOSTILE_NOTE, "2024-01-01"),
    # A spreadsheet formula in a note: opened from the CSV download it must stay text.
    ("https://formula.example/", "formula.example", "local", "NEWS", "News Media",
     '=HYPERLINK("http://evil.example","click")', "2024-03-01"),
]


def _uid(cell: Cell, index: int) -> str:
    digest = hashlib.sha1(f"{cell.domain}|{cell.asn}|{cell.month}|{index}".encode()).hexdigest()[:20]
    return f"{cell.month:%Y%m%d}000000.000000_KH_webconnectivity_{digest}"


def _frames(cells: list[Cell], synthetic: bool, hostile: bool) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    urls = {row[1]: row[0] for row in TEST_LIST + (HOSTILE_TEST_LIST if hostile else [])}
    measurement_rows, judgment_rows, cell_rows = [], [], []
    for cell in cells:
        outcomes = (
            ["blocked"] * cell.blocked + ["down"] * cell.down + ["inconclusive"] * cell.inconclusive
            + ["local_filtering"] * cell.local_filtering
        )
        outcomes += ["ok"] * (cell.measurements - len(outcomes))
        examples = []
        for index, outcome in enumerate(outcomes):
            uid = _uid(cell, index)
            if hostile and cell.domain == HOSTILE_DOMAIN and index == 0:
                uid = HOSTILE_UID
            day = cell.month + timedelta(days=index % 20)
            started = datetime.combine(day, datetime.min.time()) + timedelta(hours=index % 24)
            confirmed = outcome == "blocked" and index < cell.confirmed
            local = outcome == "local_filtering"
            measurement_rows.append({
                "measurement_key": uid, "measurement_uid": uid, "report_id": f"report-{cell.asn}",
                "input": urls.get(cell.domain, f"https://{cell.domain}/"), "domain": cell.domain,
                "ingest_day": day, "ingest_source": "local", "source_file": "fixture.jsonl",
                "source_line": index + 1, "is_synthetic": synthetic, "measurement_start_time": started,
                "measurement_day": day, "probe_cc": "KH", "probe_asn": cell.asn,
                "probe_network_name": HOSTILE_NETWORK if hostile and cell.asn == 38623 else NETWORKS[cell.asn],
                "software_name": "ooniprobe-android", "software_version": "3.8.0", "test_version": "0.4.3",
            })
            judgment_rows.append({
                "measurement_key": uid, "ingest_day": day, "measurement_day": day, "probe_cc": "KH",
                "probe_asn": cell.asn, "domain": cell.domain, "outcome": "blocked" if local else outcome,
                "layer": "dns" if local else cell.method.split(".")[0] if outcome == "blocked" and cell.method else None,
                "method": "dns.bogon" if local else cell.method if outcome == "blocked" else None,
                "confirmed": confirmed, "local_filtering": local,
                "fingerprint_name": ("</script><script>alert('fp')</script>" if hostile else "kh_metfone_dns")
                if confirmed else "office_firewall" if local else None,
                "fingerprint_scope": "isp" if confirmed else "inst" if local else None,
            })
            if outcome == "blocked" and len(examples) < 3:
                examples.append(uid)
        method = cell.method if cell.blocked else None
        cell_rows.append({
            "month": cell.month, "asn": cell.asn, "domain": cell.domain, "probe_cc": "KH",
            "measurements": cell.measurements, "ok_count": outcomes.count("ok"),
            "blocked_count": cell.blocked + cell.local_filtering,
            "down_count": cell.down, "inconclusive_count": cell.inconclusive, "isp_blocked_count": cell.blocked,
            "confirmed_count": cell.confirmed, "local_filtering_count": cell.local_filtering,
            "ooni_anomaly_count": cell.blocked + cell.local_filtering,
            "days": min(cell.measurements, 20), "blocked_days": min(cell.blocked, 20),
            "blocked_share_lower": None, "blocked_share_upper": None, "verdict": cell.verdict,
            "method": method, "method_share": 1.0 if method else None,
            "methods": [method] if method else [],
            "method_counts": [{"method": method, "count": cell.blocked}] if method else [],
            "fingerprints": ["kh_metfone_dns"] if cell.confirmed else [],
            "example_measurement_uids": examples,
        })
    return pl.DataFrame(measurement_rows), pl.DataFrame(judgment_rows), pl.DataFrame(cell_rows)


def build_small_warehouse(
    con: duckdb.DuckDBPyConnection, *, synthetic: bool = False, hostile: bool = False
) -> None:
    """Fill an empty warehouse (schema applied) with the scenario above."""
    cells = scenario() + (hostile_cells() if hostile else [])
    measurements, judgments, verdicts = _frames(cells, synthetic, hostile)
    con.register("fixture_measurements", measurements)
    con.register("fixture_judgments", judgments)
    con.register("fixture_verdicts", verdicts)
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM fixture_measurements")
    # Every measurement's judgment is stated here, as the rules store theirs (no fast path to derive).
    con.execute("INSERT INTO ruled_judgments BY NAME SELECT * FROM fixture_judgments")
    record_judged_days(con)
    con.execute("INSERT INTO site_month_verdicts BY NAME SELECT * FROM fixture_verdicts")
    for url, domain, list_name, code, description, notes, added in TEST_LIST + (HOSTILE_TEST_LIST if hostile else []):
        con.execute(
            "INSERT INTO test_list (url, domain, category_code, category_description, date_added, source, notes,"
            " list, upstream_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [url, domain, code, description, added, "fixture", notes, list_name,
             None if list_name == "local" else "0123456789abcdef0123456789abcdef01234567"],
        )
    for asn, name in NETWORKS.items():
        con.execute(
            "INSERT INTO networks (asn, name, kind, country, exclude_from_verdicts) VALUES (?, ?, 'isp', 'KH', false)",
            [asn, HOSTILE_NETWORK if hostile and asn == 38623 else name],
        )
    con.execute(
        "INSERT INTO networks (asn, name, kind, country, exclude_from_verdicts) VALUES (9009, 'M247', 'vpn', 'RO', true)"
    )
    for period in (period_for_year(2024), period_for_year(2024, 7), period_for_year(2023)):
        build_period_summary(con, period, load_settings().thresholds, country="KH")
    con.execute(
        "INSERT INTO fingerprints (name, scope, location_found, pattern_type, pattern, origin, origin_ref)"
        " VALUES ('kh_metfone_dns', 'isp', 'dns', 'full', '36.37.242.94', 'ooni', 'fedcba9876543210')"
    )
    con.execute(
        "INSERT INTO ingest_files VALUES ('2024-01-02', 'local', 'fixture.jsonl', 1000, 300, 298, 2, true, now())"
    )
    con.execute(
        "INSERT INTO ingest_skips VALUES ('2024-01-02', 'local', 'fixture.jsonl', 'invalid_json', 2, 7, 'bad line')"
    )


PIPELINE_SEED = 5
PIPELINE_MEASUREMENTS = 4000


def build_pipeline_warehouse(root: Path, *, measurements: int = PIPELINE_MEASUREMENTS,
                             seed: int = PIPELINE_SEED) -> Path:
    """A year (2024) of synthetic measurements through every stage's library; returns the DB path."""
    from ooni_ingest.sources import LocalSource
    from ooni_ingest.synthetic import generate_demo_corpus
    from test_lists import effective
    from test_lists.sync import sync_from_directory
    from test_lists.workspace import Workspace, local_list_path
    from warehouse.classification import fingerprints
    from warehouse.classification.judgments import judge_measurements
    from warehouse.classification.networks import load_networks
    from warehouse.classification.verdicts import build_month_verdicts
    from warehouse.ingest_run import run_ingest
    from warehouse.settings import Paths, Settings

    # Defaults only: no imap.toml or IMAP_* variable of the machine running the tests leaks in.
    settings = Settings(paths=Paths.under(root))
    thresholds = settings.thresholds
    corpus = generate_demo_corpus(root / "corpus", seed=seed, measurements=measurements, year=2024)
    db_path = root / "pipeline.duckdb"
    con = connect(db_path)
    try:
        snapshot = sync_from_directory(root / "cache", corpus.test_lists_dir)
        workspace = Workspace.open(snapshot, local_list_path(settings.paths.project_dir))
        effective.store(con, workspace.effective().frame)
        fingerprints.store_fingerprints(
            con,
            fingerprints.read_ooni_files(corpus.fingerprints_dir, "synthetic-corpus", con),
            fingerprints.read_local_file(fingerprints.LOCAL_FINGERPRINTS, con),
        )
        load_networks(con, thresholds.excluded_network_kinds)
        run_ingest(con, LocalSource(corpus.bucket_dir, "KH"), corpus.start,
                   corpus.end + timedelta(days=settings.ingest.late_upload_days), country="KH", workers=1)
        judge_measurements(con)
        build_month_verdicts(con, date(2023, 7, 1), date(2024, 12, 1), thresholds, "KH")
        for period in (period_for_year(2024), period_for_year(2024, 7)):
            build_period_summary(con, period, thresholds, country="KH")
    finally:
        con.close()
    return db_path


def small_warehouse(path: Path, **options: bool) -> Path:
    con = connect(path)
    try:
        build_small_warehouse(con, **options)
    finally:
        con.close()
    return path


@pytest.fixture
def report_con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(small_warehouse(tmp_path / "small.duckdb"), read_only=True)
    yield con
    con.close()


def test_monthly_outcomes_add_up_to_the_measurements(report_con: duckdb.DuckDBPyConnection) -> None:
    data = load_report_data(report_con, period_for_year(2024), load_settings())
    monthly = data.monthly
    assert monthly["month"].to_list() == months(2024)
    parts = (monthly["ok"] + monthly["anomaly"] + monthly["confirmed"] + monthly["local_filtering"]
             + monthly["down"] + monthly["failure"])
    assert parts.to_list() == monthly["measurements"].to_list()
    assert int(monthly["local_filtering"].sum()) == 2 + 3
    # Tier 0 and tier 3 agree in this warehouse.
    assert int(monthly["measurements"].sum()) == data.overview["measurements"]
    assert not data.is_synthetic


def test_blocked_site_isps_summarise_the_cells(report_con: duckdb.DuckDBPyConnection) -> None:
    data = load_report_data(report_con, period_for_year(2024), load_settings())
    rows = {(r["domain"], r["asn"]): r for r in data.blocked_site_isps.to_dicts()}
    assert set(rows) == {
        ("news.example.kh", 38623), ("news.example.kh", 24492), ("rights.example.org", 45498),
        ("world.example.com", 17976), ("casino.example.net", 38623),
    }
    metfone = rows[("news.example.kh", 38623)]
    assert (metfone["tier"], metfone["method"], metfone["first_month"], metfone["last_month"]) == (
        "confirmed", "dns.redirect", date(2024, 1, 1), date(2024, 12, 1))
    assert metfone["still_blocked"] and metfone["blocked_months"] == 12
    assert 0 < len(metfone["example_uids"]) <= 5
    wicam = rows[("news.example.kh", 24492)]
    assert (wicam["tier"], wicam["first_month"]) == ("likely", date(2024, 3, 1))
    rights = rows[("rights.example.org", 45498)]
    assert rights["last_month"] == date(2024, 8, 1) and not rights["still_blocked"]
    # Casino was last blocked in June and not measured afterwards: too long ago to say "still".
    assert not rows[("casino.example.net", 38623)]["still_blocked"]


def test_previous_period_and_network_names(report_con: duckdb.DuckDBPyConnection) -> None:
    data = load_report_data(report_con, period_for_year(2024), load_settings())
    changes = dict(zip(data.site_changes["domain"], data.site_changes["change"], strict=True))
    assert changes == {
        "news.example.kh": "continued", "old.example.com": "stopped", "gone.example.com": "unclear",
        "rights.example.org": "first_measured", "world.example.com": "first_measured",
        "casino.example.net": "first_measured",
    }
    assert data.previous_cells > 0
    assert data.excluded_networks.is_empty()
    names = dict(zip(data.network_names["asn"], data.network_names["name"], strict=True))
    assert names[38623] == NETWORKS[38623]


def test_july_june_period_reads_its_own_months(report_con: duckdb.DuckDBPyConnection) -> None:
    period = period_for_year(2024, 7)
    data = load_report_data(report_con, period, load_settings())
    assert data.monthly["month"].min() >= date(2023, 7, 1)
    assert data.monthly["month"].max() <= date(2024, 6, 1)
    assert "old.example.com" in set(data.blocked_site_isps["domain"])


def test_empty_period_is_an_error(report_con: duckdb.DuckDBPyConnection) -> None:
    from reports.data import ReportDataError

    with pytest.raises(ReportDataError, match="no measurements between 2019-01-01 and 2019-12-31"):
        load_report_data(report_con, period_for_year(2019), load_settings())


def test_network_names_fall_back_to_what_probes_reported(tmp_path: Path) -> None:
    con = connect(small_warehouse(tmp_path / "w.duckdb"))
    con.execute("DELETE FROM networks WHERE asn = 45498")
    data = load_report_data(con, period_for_year(2024), load_settings())
    con.close()
    names = {row["asn"]: row for row in data.network_names.to_dicts()}
    assert (names[45498]["name"], names[45498]["name_source"]) == (NETWORKS[45498], "probe")
    assert (names[38623]["name"], names[38623]["name_source"]) == (NETWORKS[38623], "reference")


def test_inconclusive_cells_are_counted_by_their_cause(report_con: duckdb.DuckDBPyConnection) -> None:
    data = load_report_data(report_con, period_for_year(2024), load_settings())
    causes = dict(zip(data.inconclusive_causes["cause"], data.inconclusive_causes["cells"], strict=True))
    # open.example.org: failed tests in March, local filtering in May, mixed ISP blocking in June.
    assert causes == {"failed": 1, "local_filtering": 1, "mixed": 1}


def test_local_filtering_of_a_blocked_website_comes_with_its_evidence(report_con: duckdb.DuckDBPyConnection) -> None:
    data = load_report_data(report_con, period_for_year(2024), load_settings())
    rows = data.site_local_filtering.to_dicts()
    assert [(r["domain"], r["asn"], r["month"], r["measurements"], r["fingerprints"]) for r in rows] == [
        ("news.example.kh", 45498, date(2024, 1, 1), 2, ["office_firewall"])]
    assert len(rows[0]["example_measurement_uids"]) == 2
    cell = data.site_cells.filter((pl.col("domain") == "news.example.kh") & (pl.col("asn") == 45498)
                                  & (pl.col("month") == date(2024, 1, 1))).to_dicts()[0]
    assert (cell["blocked_count"], cell["isp_blocked_count"], cell["local_filtering_count"]) == (2, 0, 2)


def test_site_urls_say_how_many_came_from_networks_without_verdicts(tmp_path: Path) -> None:
    con = connect(small_warehouse(tmp_path / "w.duckdb"))
    # A VPN exit (excluded from verdicts) measured the news site once: counted by URL, in no cell.
    con.execute(
        "INSERT INTO measurements BY NAME SELECT * REPLACE (9009 AS probe_asn, 'vpn-1' AS measurement_key,"
        " 'vpn-1' AS measurement_uid) FROM measurements WHERE domain = 'news.example.kh' LIMIT 1"
    )
    data = load_report_data(con, period_for_year(2024), load_settings())
    con.close()
    url = data.site_urls.filter(pl.col("domain") == "news.example.kh").to_dicts()[0]
    assert (url["measurements"], url["networks"], url["excluded_measurements"], url["excluded_networks"]) == (
        12 * 9 + 12 * 8 + 12 * 6 + 1, 4, 1, 1)
