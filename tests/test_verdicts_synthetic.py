"""Known truth: the synthetic corpus (ooni_ingest.synthetic) through ingest parsing, judgments and verdicts.

The corpus plants every trap of shared/docs/classification.md (sites down, filtering public
resolvers, one organisation's firewall, a home router, CDN answers in the control's ASN, transient
failures, IPv6 on networks without it, failed controls, VPN networks, thin cells) beside real ISP
blocking with each Cambodian ISP's method. Its truth files say what each measurement and each
(month, ASN, domain) cell should come out as.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from ooni_ingest.parse import parse_measurement, rows_to_frame
from ooni_ingest.read import read_measurement_file
from ooni_ingest.synthetic.truth import read_cell_truth, read_measurement_truth
from tests.classification_fixtures import warehouse
from warehouse.classification.judgments import judge_measurements
from warehouse.classification.verdicts import build_month_verdicts, check_verdict_counts
from warehouse.settings import ClassificationThresholds

BLOCKING = ("confirmed", "likely")
# Judgments keep the measurement's key; its Explorer id stays in `measurements`.
JUDGED = "measurement_judgments j JOIN measurements m USING (measurement_key)"


@pytest.fixture(scope="module")
def judged(synthetic_corpus):
    con = warehouse(synthetic_corpus.fingerprints_dir)
    rows = []
    for path in sorted(Path(synthetic_corpus.bucket_dir).rglob("*.jsonl.gz")):
        day = path.parts[-5]
        for item in read_measurement_file(path):
            # A clean corpus: any skip is a failure of this test.
            rows.append(parse_measurement(item.measurement, ingest_day=date(int(day[:4]), int(day[4:6]), int(day[6:])),
                                          ingest_source="s3", source_file=str(path), source_line=item.line))
    frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB below
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
    judge_measurements(con)
    first, last = con.execute("SELECT min(measurement_day), max(measurement_day) FROM measurements").fetchone()
    build_month_verdicts(con, first, last, ClassificationThresholds())
    yield con, synthetic_corpus.truth_dir
    con.close()


def test_every_measurement_is_judged_once(judged) -> None:
    con, truth_dir = judged
    truth = read_measurement_truth(truth_dir)
    judged_uids = [uid for (uid,) in con.execute(f"SELECT m.measurement_uid FROM {JUDGED}").fetchall()]
    assert len(judged_uids) == len(set(judged_uids)) == len(truth)


def test_measurement_outcomes_match_the_truth(judged) -> None:
    con, truth_dir = judged
    truth = read_measurement_truth(truth_dir)
    got = {uid: (o, layer or "", method or "") for uid, o, layer, method in con.execute(
        f"SELECT m.measurement_uid, j.outcome, j.layer, j.method FROM {JUDGED}").fetchall()}
    wrong = Counter()
    for uid, t in truth.items():
        outcome, layer, method = got[uid]
        # Layer and method are compared for blocked measurements; for down and inconclusive ones the
        # truth leaves them empty where the judgment names the failing layer.
        if outcome != t.outcome or (outcome == "blocked" and (layer, method) != (t.layer, t.method)):
            wrong[(t.scenario, t.outcome, t.method, outcome, method)] += 1
    assert sum(wrong.values()) <= 0.005 * len(truth), wrong.most_common(10)


def test_cells_no_trap_reported_as_isp_blocking_and_blocking_found(judged) -> None:
    con, truth_dir = judged
    cells = read_cell_truth(truth_dir)
    verdicts = {(m, asn, d): v for m, asn, d, v in con.execute(
        "SELECT strftime(month, '%Y-%m'), asn, domain, verdict FROM site_month_verdicts").fetchall()}
    confusion = Counter((c.expected_class, verdicts.get(key, "excluded")) for key, c in cells.items())
    false_positives = {k: n for k, n in confusion.items() if k[0] != "blocked" and k[1] in BLOCKING}
    assert not false_positives, confusion
    blocked = [key for key, c in cells.items() if c.expected_class == "blocked"]
    found = [key for key in blocked if verdicts.get(key) in BLOCKING]
    assert blocked and len(found) / len(blocked) >= 0.9, confusion
    # Thin cells are never called anything but insufficient; VPN networks get no cells at all.
    assert all(verdicts.get(k) in ("insufficient", None) for k, c in cells.items() if c.expected_class == "insufficient")
    assert not any(asn in (9009, 9723, 209854) for _, asn, _ in verdicts)


def test_each_trap_is_kept_out_of_isp_blocking(judged) -> None:
    con, truth_dir = judged
    truth = read_measurement_truth(truth_dir)
    rows = con.execute(f"SELECT m.measurement_uid, j.outcome, j.local_filtering, j.confirmed FROM {JUDGED}").fetchall()
    by_scenario: dict[str, Counter] = {}
    for uid, outcome, local, confirmed in rows:
        scenario = truth[uid].scenario
        isp_blocked = outcome == "blocked" and not local
        by_scenario.setdefault(scenario, Counter())[("isp" if isp_blocked else "not", confirmed)] += 1
    for trap in ("filtering_resolver", "org_firewall", "router_page", "cloudflare_challenge", "cdn_same_asn",
                 "ipv6_unreachable", "site_down_nxdomain", "site_down_server", "control_failure"):
        if trap in by_scenario:
            assert by_scenario[trap][("isp", False)] + by_scenario[trap][("isp", True)] == 0, (trap, by_scenario[trap])
    # Viettel's fingerprinted answers are confirmed; nothing else is.
    assert by_scenario["isp_dns_redirect"][("isp", True)] > 0
    confirmed_elsewhere = sum(n for s, c in by_scenario.items() if s not in ("isp_dns_redirect", "thin_cell")
                              for (kind, conf), n in c.items() if conf)
    assert confirmed_elsewhere == 0


def test_fast_path_agrees_with_the_full_rules(judged) -> None:
    # Most measurements take a short path in the SQL (plain successes, verified HTTPS pages);
    # running every measurement through the full rules must give exactly the same judgments.
    con, _ = judged
    fast = con.execute("SELECT * FROM measurement_judgments ORDER BY measurement_key").fetchall()
    stored = "SELECT (SELECT count(*) FROM ruled_judgments), (SELECT sum(fast_path) FROM judged_days)"
    # The fast path's judgments are not stored: the view derives them from the judged days.
    ruled, derived = con.execute(stored).fetchone()
    assert ruled + derived == len(fast) and derived > len(fast) / 2
    plain, https = con.execute(
        "SELECT count_if(imap_plainly_ok(m)), count_if(NOT coalesce(imap_plainly_ok(m), false) AND imap_https_ok(m)) "
        "FROM measurements m"
    ).fetchone()
    judge_measurements(con, fast_path=False)
    full = con.execute("SELECT * FROM measurement_judgments ORDER BY measurement_key").fetchall()
    assert con.execute(stored).fetchone() == (len(full), 0)
    # The monthly cells count the fast path's judgments from the stored parts: the same either way.
    first, last = con.execute("SELECT min(measurement_day), max(measurement_day) FROM measurements").fetchone()
    verdicts = "SELECT * FROM site_month_verdicts ORDER BY month, asn, domain"
    build_month_verdicts(con, first, last, ClassificationThresholds())
    cells_full = con.execute(verdicts).fetchall()
    assert check_verdict_counts(con, first, last, "KH").passed
    judge_measurements(con)
    build_month_verdicts(con, first, last, ClassificationThresholds())
    assert con.execute(verdicts).fetchall() == cells_full
    assert check_verdict_counts(con, first, last, "KH").passed
    assert plain > len(fast) / 3 and https > len(fast) / 20
    assert len(fast) == len(full) and fast == full


def test_rows_stored_before_the_answer_checks_are_judged_the_same(judged) -> None:
    # Warehouses ingested before dns_answers_in_control / dns_answers_explained /
    # dns_first_answer_bogon existed hold NULL there; the fast path then computes them from the lists.
    # Half the rows NULL: both kinds mixed.
    con, _ = judged
    fast_before = judge_measurements(con).fast_path
    before = con.execute("SELECT * FROM measurement_judgments ORDER BY measurement_key").fetchall()
    con.execute("CREATE TEMP TABLE stored_checks AS "
                "SELECT measurement_key, dns_answers_in_control, dns_answers_explained, dns_first_answer_bogon "
                "FROM measurements")
    try:
        con.execute("UPDATE measurements SET dns_answers_in_control = NULL, dns_answers_explained = NULL, "
                    "dns_first_answer_bogon = NULL WHERE hash(measurement_key) % 2 = 0")
        assert con.execute("SELECT count_if(dns_answers_in_control IS NULL) FROM measurements").fetchone()[0] > 100
        fast_after = judge_measurements(con).fast_path
        after = con.execute("SELECT * FROM measurement_judgments ORDER BY measurement_key").fetchall()
    finally:
        con.execute("UPDATE measurements m SET dns_answers_in_control = s.dns_answers_in_control, "
                    "dns_answers_explained = s.dns_answers_explained, dns_first_answer_bogon = s.dns_first_answer_bogon "
                    "FROM stored_checks s "
                    "WHERE m.measurement_key = s.measurement_key")
        con.execute("DROP TABLE stored_checks")
        judge_measurements(con)
    assert len(before) == len(after) and before == after
    assert fast_before == fast_after > len(before) / 2   # the same measurements took the fast path


def test_the_count_check_finds_cells_unlike_their_judgments(judged) -> None:
    """A rule judgment whose measurement is gone (stored parts out of step) makes the cells, which
    count the fast path from the stored parts, disagree with the judgments: the check says where."""
    con, _ = judged
    first, last = con.execute("SELECT min(measurement_day), max(measurement_day) FROM measurements").fetchone()
    assert check_verdict_counts(con, first, last, "KH").passed
    key, = con.execute("SELECT j.measurement_key FROM ruled_judgments j JOIN networks n ON n.asn = j.probe_asn "
                       "WHERE NOT n.exclude_from_verdicts AND j.probe_cc = 'KH' LIMIT 1").fetchone()
    con.execute("CREATE TEMP TABLE gone AS SELECT * FROM measurements WHERE measurement_key = ?", [key])
    try:
        con.execute("DELETE FROM measurements WHERE measurement_key = ?", [key])
        build_month_verdicts(con, first, last, ClassificationThresholds())
        found = check_verdict_counts(con, first, last, "KH")
    finally:
        con.execute("INSERT INTO measurements SELECT * FROM gone")
        con.execute("DROP TABLE gone")
        build_month_verdicts(con, first, last, ClassificationThresholds())
    assert check_verdict_counts(con, first, last, "KH").passed
    assert not found.passed and found.cells_unlike_judgments == 1 and found.cells_not_adding_up == 0
    assert "1 cells unlike their judgments" in found.describe()
