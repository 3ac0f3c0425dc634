"""Tier 3 and 4 rules on hand-built judgments: thin cells, Wilson bounds, methods, VPNs, period changes."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import duckdb
import pytest

from warehouse.classification.judgments import record_judged_days
from warehouse.classification.networks import load_networks
from warehouse.classification.summary import build_period_summary
from warehouse.classification.verdicts import build_month_verdicts, z_for
from warehouse.db import connect
from warehouse.periods import period_for_year
from warehouse.settings import ClassificationThresholds

TH = ClassificationThresholds()
_uid = iter(range(10**9))


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    connection = connect(":memory:")
    load_networks(connection, TH.excluded_network_kinds)
    yield connection
    connection.close()


def add(con, domain: str, asn: int, month: date, outcomes: list[str], *, method: str = "dns.nxdomain",
        confirmed: bool = False, local: bool = False, days: int | None = None, methods: list[str] | None = None) -> list[str]:
    """One measurement and its judgment per outcome, spread over ``days`` distinct days of ``month``
    (default: one a day); returns the measurement ids."""
    measurements, judgments = [], []
    for i, outcome in enumerate(outcomes):
        day = month + timedelta(days=i % (days or len(outcomes)))
        n = next(_uid)
        blocked = outcome == "blocked"
        started = datetime.combine(day, datetime.min.time()) + timedelta(minutes=i)
        measurements.append((f"k{n}", f"uid{n}", f"https://{domain}/", domain, day, day, started, "KH", asn))
        judgments.append((
            f"k{n}", day, day, "KH", asn, domain, outcome,
            (methods[i] if methods else method) if blocked else None,
            blocked and confirmed, blocked and local,
        ))
    con.executemany(
        "INSERT INTO measurements (measurement_key, measurement_uid, input, domain, ingest_day, measurement_day, "
        "measurement_start_time, probe_cc, probe_asn, ingest_source, source_file, is_synthetic, test_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'local', 'test', true, '0.4.3')",
        measurements,
    )
    con.executemany(
        "INSERT INTO ruled_judgments (measurement_key, ingest_day, measurement_day, probe_cc, probe_asn, domain, "
        "outcome, method, confirmed, local_filtering) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        judgments,
    )
    record_judged_days(con)   # the judgments above are every measurement's, as the rules would store them
    return [m[1] for m in measurements]


def verdict(con, domain: str, asn: int, month: date = date(2024, 3, 1), thresholds=TH) -> dict:
    build_month_verdicts(con, month, month, thresholds)
    cursor = con.execute("SELECT * FROM site_month_verdicts WHERE domain = ? AND asn = ? AND month = ?", [domain, asn, month])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else {}


MARCH = date(2024, 3, 1)


def test_thin_cell_is_insufficient_however_blocked(con) -> None:
    add(con, "a.example", 24492, MARCH, ["blocked"] * 4)
    assert verdict(con, "a.example", 24492)["verdict"] == "insufficient"
    add(con, "b.example", 24492, MARCH, ["blocked"] * 8, days=1)   # many measurements, one day
    assert verdict(con, "b.example", 24492)["verdict"] == "insufficient"


def test_consistent_blocking_is_likely_with_wilson_bounds(con) -> None:
    add(con, "a.example", 24492, MARCH, ["blocked"] * 9 + ["ok"])
    v = verdict(con, "a.example", 24492)
    assert v["verdict"] == "likely" and v["method"] == "dns.nxdomain" and v["method_share"] == 1.0
    z = z_for(TH.confidence)
    p, n = 0.9, 10
    centre, half = p + z * z / (2 * n), z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5)
    assert v["blocked_share_lower"] == pytest.approx((centre - half) / (1 + z * z / n))
    assert v["blocked_share_upper"] == pytest.approx((centre + half) / (1 + z * z / n))
    assert v["methods"] == ["dns.nxdomain"] and v["method_counts"] == [{"method": "dns.nxdomain", "count": 9}]


def test_raw_majority_without_statistical_support_is_inconclusive(con) -> None:
    add(con, "a.example", 24492, MARCH, ["blocked"] * 3 + ["ok"] * 2)   # 60 %, lower bound well under 0.5
    assert verdict(con, "a.example", 24492)["verdict"] == "inconclusive"


def test_mixed_methods_are_not_likely(con) -> None:
    methods = ["tcp.timeout", "tls.reset", "http.eof", "tcp.refused", "tls.timeout", "dns.nxdomain"] * 2
    add(con, "a.example", 45498, MARCH, ["blocked"] * 12, methods=methods)
    assert verdict(con, "a.example", 45498)["verdict"] == "inconclusive"


def test_blocking_on_one_day_only_is_not_likely(con) -> None:
    # A bad afternoon: ten failures on one day, the rest of the month fine.
    add(con, "a.example", 58424, MARCH, ["blocked"] * 10, method="tls.timeout", days=1)
    add(con, "a.example", 58424, MARCH + timedelta(days=5), ["ok"] * 2)
    assert verdict(con, "a.example", 58424)["verdict"] == "inconclusive"


def test_fingerprint_matches_confirm(con) -> None:
    add(con, "a.example", 38623, MARCH, ["blocked"] * 3 + ["ok"] * 3, method="dns.redirect", confirmed=True)
    v = verdict(con, "a.example", 38623)
    assert v["verdict"] == "confirmed" and v["confirmed_count"] == 3
    add(con, "b.example", 38623, MARCH, ["blocked"] + ["ok"] * 6, method="dns.redirect", confirmed=True)
    assert verdict(con, "b.example", 38623)["verdict"] != "confirmed"   # one match is below the minimum


def test_local_filtering_is_not_isp_blocking(con) -> None:
    add(con, "a.example", 131207, MARCH, ["blocked"] * 8, method="dns.bogon", local=True)
    v = verdict(con, "a.example", 131207)
    assert v["verdict"] == "inconclusive" and v["isp_blocked_count"] == 0 and v["local_filtering_count"] == 8
    add(con, "b.example", 131207, MARCH, ["blocked"] * 3 + ["ok"] * 7, method="dns.bogon", local=True)
    assert verdict(con, "b.example", 131207)["verdict"] == "accessible"


def test_site_down_everywhere_is_down(con) -> None:
    add(con, "a.example", 24492, MARCH, ["down"] * 6 + ["ok"])
    assert verdict(con, "a.example", 24492)["verdict"] == "down"


def test_accessible_needs_enough_ok(con) -> None:
    add(con, "a.example", 24492, MARCH, ["ok"] * 5)
    assert verdict(con, "a.example", 24492)["verdict"] == "accessible"
    add(con, "b.example", 24492, MARCH, ["ok"] * 4 + ["blocked"])
    assert verdict(con, "b.example", 24492)["verdict"] == "inconclusive"
    add(con, "c.example", 24492, MARCH, ["inconclusive"] * 6)
    v = verdict(con, "c.example", 24492)
    assert v["verdict"] == "inconclusive" and v["blocked_share_lower"] is None


def test_vpn_and_hosting_networks_get_no_cells(con) -> None:
    for asn in (9009, 9723, 209854):
        add(con, "a.example", asn, MARCH, ["blocked"] * 10, method="dns.bogon")
    add(con, "a.example", 24492, MARCH, ["ok"] * 5)
    build_month_verdicts(con, MARCH, MARCH, TH)
    assert con.execute("SELECT list(asn) FROM site_month_verdicts").fetchone()[0] == [24492]


def test_counts_add_up_and_months_go_by_measurement_day(con) -> None:
    add(con, "a.example", 24492, MARCH, ["ok", "blocked", "down", "inconclusive", "blocked"], days=3)
    add(con, "a.example", 24492, date(2024, 4, 1), ["ok"] * 3)
    v = verdict(con, "a.example", 24492)
    assert v["measurements"] == 5 and v["ok_count"] + v["blocked_count"] + v["down_count"] + v["inconclusive_count"] == 5
    assert v["days"] == 3 and v["blocked_days"] == 1 and len(v["example_measurement_uids"]) == 2


def test_examples_are_isp_blocked_measurements_confirmed_first_then_latest(con) -> None:
    # Explorer ids come from `measurements` (judgments keep only the key).
    plain = add(con, "a.example", 24492, MARCH, ["blocked", "blocked", "ok", "blocked"])
    fingerprinted = add(con, "a.example", 24492, MARCH, ["blocked"], confirmed=True)
    add(con, "a.example", 24492, MARCH, ["blocked"], local=True)
    v = verdict(con, "a.example", 24492)
    assert v["example_measurement_uids"] == [fingerprinted[0], plain[3], plain[1]]


def test_thresholds_come_from_settings(con) -> None:
    add(con, "a.example", 24492, MARCH, ["blocked"] * 4 + ["ok"])
    assert verdict(con, "a.example", 24492)["verdict"] == "likely"
    strict = dataclasses.replace(TH, confidence=0.99)
    assert verdict(con, "a.example", 24492, thresholds=strict)["verdict"] == "inconclusive"
    assert verdict(con, "a.example", 24492, thresholds=dataclasses.replace(TH, min_measurements=6))["verdict"] == "insufficient"


def test_rebuilding_a_month_replaces_it(con) -> None:
    add(con, "a.example", 24492, MARCH, ["ok"] * 5)
    build_month_verdicts(con, MARCH, MARCH, TH)
    build_month_verdicts(con, MARCH, MARCH, TH)
    assert con.execute("SELECT count(*) FROM site_month_verdicts").fetchone()[0] == 1


# --- tier 4 -------------------------------------------------------------------------------------

def months(year: int, first: int, last: int) -> list[date]:
    return [date(year, m, 1) for m in range(first, last + 1)]


def summary_rows(con, year: int) -> dict[str, dict]:
    cursor = con.execute("SELECT * FROM site_period_summary WHERE period_label = ?", [str(year)])
    names = [d[0] for d in cursor.description]
    return {row[names.index("domain")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


@pytest.fixture()
def two_years(con) -> duckdb.DuckDBPyConnection:
    blocked, ok = ["blocked"] * 6, ["ok"] * 6
    for month in months(2023, 1, 12):
        add(con, "continued.example", 24492, month, blocked)
        add(con, "stopped.example", 38623, month, blocked, method="dns.redirect", confirmed=True)
        add(con, "new.example", 24492, month, ok)
        add(con, "unclear.example", 24492, month, blocked)
        add(con, "gone.example", 24492, month, blocked)
        add(con, "never.example", 24492, month, ok)
    for month in months(2024, 1, 12):
        add(con, "continued.example", 24492, month, blocked)
        add(con, "continued.example", 38901, month, blocked if month.month >= 6 else ok, method="dns.bogon")
        add(con, "stopped.example", 38623, month, ok)
        add(con, "new.example", 24492, month, blocked if month.month <= 4 else ok)
        add(con, "unclear.example", 24492, month, ["inconclusive"] * 6)
        add(con, "never.example", 24492, month, ok)
        add(con, "first.example", 17976, month, blocked)
    build_month_verdicts(con, date(2023, 1, 1), date(2024, 12, 1), TH)
    build_period_summary(con, period_for_year(2023), TH)
    build_period_summary(con, period_for_year(2024), TH)
    return con


def test_period_changes(two_years) -> None:
    rows = summary_rows(two_years, 2024)
    changes = {domain: row["change"] for domain, row in rows.items()}
    assert changes == {
        "continued.example": "continued", "stopped.example": "stopped", "new.example": "new",
        "unclear.example": "unclear", "gone.example": "unclear", "never.example": "not_blocked",
        "first.example": "first_measured",
    }
    assert rows["gone.example"]["measurements"] == 0 and rows["stopped.example"]["previous_verdict"] == "confirmed"


def test_period_asns_methods_months_and_still_blocked(two_years) -> None:
    rows = summary_rows(two_years, 2024)
    continued = rows["continued.example"]
    assert continued["verdict"] == "likely" and continued["asns"] == [24492, 38901]
    assert continued["methods"] == ["dns.nxdomain", "dns.bogon"]   # most measurements first
    assert continued["first_blocked_month"] == date(2024, 1, 1) and continued["last_blocked_month"] == date(2024, 12, 1)
    by_asn = {entry["asn"]: entry for entry in continued["by_asn"]}
    assert by_asn[38901]["first_blocked_month"] == date(2024, 6, 1) and by_asn[38901]["network_name"] == "Ezecom"
    assert continued["still_blocked"]
    new = rows["new.example"]
    assert new["last_blocked_month"] == date(2024, 4, 1) and not new["still_blocked"]
    assert rows["never.example"]["verdict"] == "accessible" and rows["never.example"]["asns"] is None
    total = two_years.execute("SELECT sum(measurements) FROM site_month_verdicts WHERE month >= '2024-01-01'").fetchone()[0]
    assert sum(r["measurements"] for r in rows.values()) == total


def test_july_june_period_label(con) -> None:
    add(con, "a.example", 24492, date(2023, 7, 1), ["blocked"] * 6)
    build_month_verdicts(con, date(2023, 7, 1), date(2023, 7, 1), TH)
    build_period_summary(con, period_for_year(2024, 7), TH)
    assert con.execute("SELECT period_label, period_start, period_end, verdict FROM site_period_summary").fetchall() == [
        ("2023-07/2024-06", date(2023, 7, 1), date(2024, 6, 30), "likely")
    ]
