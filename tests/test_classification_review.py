"""The review loop: candidates from anomalous measurements, the review file, and back into fingerprints."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.classification_fixtures import SITE_IP, empty_ooni_dir, insert_raw, raw_measurement, warehouse
from warehouse.classification import candidates as cand
from warehouse.classification import fingerprints as fp
from warehouse.classification.judgments import judge_measurements
from warehouse.periods import period_for_year
from warehouse.settings import ClassificationThresholds

TH = ClassificationThresholds()
BLOCK_IP = "203.0.42.7"   # an unknown ISP block server answering for many domains
SHARED_PAGE = "<html><head><title>Website Blocked</title></head><body>Access to this website is not allowed.</body></html>"


def corpus() -> list[dict]:
    raws = []
    when = datetime(2024, 3, 1, 10)
    for i in range(12):
        raws.append(raw_measurement(f"http://site{i}.example/", asn=38623, answers=[BLOCK_IP], answer_asn=38623,
                                    tcp={BLOCK_IP: "generic_timeout_error"}, http_failure="generic_timeout_error",
                                    when=when + timedelta(days=i)))
    for i in range(9):
        raws.append(raw_measurement(f"http://page{i}.example/", asn=24492, response={"code": 200, "body": SHARED_PAGE},
                                    when=when + timedelta(days=i)))
    for i in range(3):   # below the threshold: not a candidate
        raws.append(raw_measurement(f"http://rare{i}.example/", answers=["198.51.100.9"], answer_asn=None,
                                    tcp={"198.51.100.9": "generic_timeout_error"}, http_failure="generic_timeout_error"))
    raws.append(raw_measurement("https://ok.example/", tls={SITE_IP: None}))
    return raws


@pytest.fixture()
def judged(tmp_path: Path):
    local = tmp_path / "fingerprints_local.csv"
    shutil.copy(fp.LOCAL_FINGERPRINTS, local)
    con = warehouse(empty_ooni_dir(tmp_path / "ooni"), local)
    insert_raw(con, corpus())
    judge_measurements(con)
    yield con, local, tmp_path
    con.close()


def test_candidates_carry_the_reviewers_evidence(judged) -> None:
    con, _, _ = judged
    assert cand.discover_candidates(con, period_for_year(2024), TH) >= 2
    rows = {(r["kind"], r["pattern"]): r for r in cand.candidate_rows(con, "2024")}
    dns = rows[("dns", BLOCK_IP)]
    assert dns["domain_count"] == "12" and dns["asns"] == "38623" and dns["in_probe_asn"] == "yes"
    assert dns["is_bogon"] == "no" and dns["control_returned"] == "no" and dns["verified_tls"] == "no"
    assert dns["example_links"].startswith("https://explorer.ooni.org/m/") and "site0.example" in dns["domains"]
    assert ("http_title", "Website Blocked") in rows
    page = next(r for (kind, _), r in rows.items() if kind == "http_body")
    assert page["domain_count"] == "9" and "Access to this website is not allowed" in page["sample"]
    assert not any(pattern == "198.51.100.9" for _, pattern in rows)


def test_review_file_keeps_decisions_and_applies_them(judged) -> None:
    con, local, tmp_path = judged
    review = tmp_path / "review.csv"
    cand.discover_candidates(con, period_for_year(2024), TH)
    first = cand.merge_review_file(review, cand.candidate_rows(con, "2024"))
    assert first.added >= 2 and first.pending == first.added

    rows = cand.read_review_file(review)
    for row in rows:
        if row["pattern"] == BLOCK_IP:
            row.update(status="confirmed", name="imap.kh_dns_test_block", scope="isp", notes="reviewed in a test")
        elif row["kind"] == "http_title":
            row.update(status="false_positive")
    with open(review, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=cand.REVIEW_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    again = cand.merge_review_file(review, cand.candidate_rows(con, "2024"))
    assert again.added == 0 and again.decided == 2   # new evidence, decisions kept

    preview = cand.apply_review(review, local, con, dry_run=True)
    assert len(preview.applied) == 2 and "imap.kh_dns_test_block" not in local.read_text()
    result = cand.apply_review(review, local, con)
    assert {r["name"] for r in result.applied} >= {"imap.kh_dns_test_block"}
    loaded = {row["name"]: row for row in fp.read_local_file(local, con).rows}
    assert loaded["imap.kh_dns_test_block"]["pattern"] == BLOCK_IP
    assert loaded["imap.kh_dns_test_block"]["review_status"] == "confirmed"
    assert loaded["imap.kh_dns_test_block"]["exp_url"].startswith("https://explorer.ooni.org/m/")
    assert all(r["status"] == "pending" for r in cand.read_review_file(review))

    # The next run: the confirmed answer confirms blocking and is no longer a candidate.
    fp.store_fingerprints(con, fp.read_local_file(local, con))
    judge_measurements(con)
    assert con.execute("SELECT count_if(confirmed) FROM measurement_judgments").fetchone()[0] == 12
    cand.discover_candidates(con, period_for_year(2024), TH)
    assert all(r["pattern"] != BLOCK_IP for r in cand.candidate_rows(con, "2024"))


def test_apply_keeps_every_line_it_did_not_decide_on(judged) -> None:
    """Both files are committed: --apply appends to the local file and drops the decided review rows,
    and every other line stays as written (quotes csv would not write, CRLF, a last line without its end)."""
    con, local, tmp_path = judged
    hand_written = ('"imap.hand_quoted","fp","","body","contains","<title>Hand quoted</title>","5","",'
                    '"a volunteer\'s editor","","quotes csv would drop","confirmed"')
    local.write_text(local.read_text(encoding="utf-8") + hand_written, encoding="utf-8")  # no final newline
    before_local = local.read_bytes()
    assert b'"Cloudflare\'s firewall refused the probe on the site owner\'s rules. Not the ISP."' in before_local

    review = tmp_path / "review.csv"
    cand.discover_candidates(con, period_for_year(2024), TH)
    cand.merge_review_file(review, cand.candidate_rows(con, "2024"))
    rows = cand.read_review_file(review)
    assert len(rows) >= 3
    for row in rows:
        if row["pattern"] == BLOCK_IP:
            row.update(status="confirmed", name="imap.kh_dns_test_block", scope="isp")
    with open(review, "w", newline="", encoding="utf-8") as handle:   # a spreadsheet's way: all quoted, CRLF
        writer = csv.DictWriter(handle, fieldnames=cand.REVIEW_COLUMNS, lineterminator="\r\n",
                                quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    review_lines = review.read_bytes().splitlines(keepends=True)
    assert sum(b"imap.kh_dns_test_block" in line for line in review_lines) == 1

    result = cand.apply_review(review, local, con)
    assert [r["name"] for r in result.applied] == ["imap.kh_dns_test_block"]
    after = local.read_bytes()
    assert after.startswith(before_local + b"\n")
    assert after[len(before_local) + 1:].decode().startswith("imap.kh_dns_test_block,isp,")
    assert after.count(b"\n") == before_local.count(b"\n") + 2
    assert "imap.kh_dns_test_block" in {row["name"] for row in fp.read_local_file(local, con).rows}
    assert review.read_bytes() == b"".join(line for line in review_lines if b"imap.kh_dns_test_block" not in line)
    assert len(cand.read_review_file(review)) == len(rows) - 1


@pytest.mark.parametrize("update,message", [
    ({"status": "confirmed", "name": "x", "scope": ""}, "needs a scope"),
    ({"status": "confirmed", "name": "bad name!", "scope": "isp"}, "needs a name"),
    ({"status": "approved"}, "is not pending"),
])
def test_incomplete_decisions_are_refused(judged, update: dict, message: str) -> None:
    con, local, tmp_path = judged
    review = tmp_path / "review.csv"
    cand.discover_candidates(con, period_for_year(2024), TH)
    cand.merge_review_file(review, cand.candidate_rows(con, "2024"))
    rows = cand.read_review_file(review)
    rows[0].update(update)
    with open(review, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=cand.REVIEW_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    before = local.read_text()
    with pytest.raises(cand.ReviewFileError, match=message) as error:
        cand.apply_review(review, local, con)
    assert f"{review}:2" in str(error.value) and local.read_text() == before


def test_body_hash_candidates_need_a_text_pattern(judged) -> None:
    con, local, tmp_path = judged
    review = tmp_path / "review.csv"
    cand.discover_candidates(con, period_for_year(2024), TH)
    cand.merge_review_file(review, cand.candidate_rows(con, "2024"))
    rows = cand.read_review_file(review)
    body = next(r for r in rows if r["kind"] == "http_body")
    assert body["fingerprint_pattern"] == ""
    body.update(status="likely", name="imap.kh_page", scope="isp")
    with open(review, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=cand.REVIEW_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(cand.ReviewFileError, match="a body hash is not a fingerprint"):
        cand.apply_review(review, local, con)


def test_period_bounds(judged) -> None:
    con, _, _ = judged
    assert cand.discover_candidates(con, period_for_year(2023), TH) == 0
    assert date(2024, 3, 1) in period_for_year(2024, 7).months
