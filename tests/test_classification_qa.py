"""OONI's QA measurements (web_connectivity 0.5, one scenario per file) judged as their names say.

The samples come from the probe's QA suite, where a simulated censor does exactly what the file name
says; ``EXPECTED`` is what a careful judgment of each must be. Blocking scenarios are blocked at the
layer where the censor acted; sites that are down, successes, the Cloudflare challenge and the
transparent proxy are not blocked; a failed control is inconclusive unless HTTPS proved access.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ooni_ingest.parse import parse_measurement, rows_to_frame
from ooni_ingest.read import read_measurement_file
from pipelines.cli import main as imap
from tests.classification_fixtures import warehouse
from warehouse.classification.judgments import judge_measurements

# file stem -> (outcome, layer, method)
EXPECTED = {
    "badSSLWithExpiredCertificate": ("down", "tls", "tls.cert"),
    "badSSLWithUnknownAuthorityWithConsistentDNS": ("down", "tls", "tls.cert"),
    "cloudflareCAPTCHAWithHTTP": ("ok", None, None),
    "controlFailureWithSuccessfulHTTPSWebsite": ("ok", None, None),
    "dnsBlockingAndroidDNSCacheNoData": ("blocked", "dns", "dns.nxdomain"),
    "dnsBlockingBOGON": ("blocked", "dns", "dns.bogon"),
    "dnsBlockingNXDOMAIN": ("blocked", "dns", "dns.nxdomain"),
    "dnsHijackingToLocalhostWithHTTP": ("blocked", "dns", "dns.bogon"),
    "dnsHijackingToProxyWithHTTPSURL": ("ok", None, None),
    "ghostDNSBlockingWithHTTP": ("blocked", "dns", "dns.inconsistent"),
    "httpBlockingConnectionReset": ("blocked", "http", "http.reset"),
    # The page matches only an Indian institution's generic "Access Denied" rule (scope foreign on
    # this Italian probe): no evidence by itself, so the page comparison decides, as the name says.
    "httpDiffWithConsistentDNS": ("blocked", "http", "http.diff"),
    "idnaWithoutCensorshipLowercase": ("ok", None, None),
    "largeFileWithHTTP": ("ok", None, None),
    "largeFileWithHTTPS": ("ok", None, None),
    "localhostWithHTTP": ("down", "dns", "dns.bogon"),
    "localhostWithHTTPS": ("down", "dns", "dns.bogon"),
    "redirectWithBrokenLocationForHTTP": ("inconclusive", "http", "http.site_error"),
    "redirectWithBrokenLocationForHTTPS": ("ok", None, None),
    "redirectWithConsistentDNSAndThenConnectionRefusedForHTTP": ("blocked", "tcp", "tcp.refused"),
    "redirectWithConsistentDNSAndThenConnectionRefusedForHTTPS": ("blocked", "tcp", "tcp.refused"),
    "redirectWithConsistentDNSAndThenConnectionResetForHTTP": ("blocked", "http", "http.reset"),
    "redirectWithConsistentDNSAndThenEOFForHTTP": ("blocked", "http", "http.eof"),
    "redirectWithConsistentDNSAndThenEOFForHTTPS": ("blocked", "tls", "tls.eof"),
    "redirectWithConsistentDNSAndThenNXDOMAIN": ("blocked", "dns", "dns.nxdomain"),
    "redirectWithConsistentDNSAndThenTimeoutForHTTPS": ("blocked", "tls", "tls.timeout"),
    "redirectWithMoreThanTenRedirectsAndHTTP": ("down", "http", "http.site_error"),
    "redirectWithMoreThanTenRedirectsAndHTTPS": ("down", "http", "http.site_error"),
    "successWithHTTP": ("ok", None, None),
    "tcpBlockingConnectTimeout": ("blocked", "tcp", "tcp.timeout"),
    "throttlingWithHTTP": ("blocked", "http", "http.timeout"),
    "throttlingWithHTTPS": ("blocked", "http", "http.timeout"),
    "tlsBlockingConnectionResetWithConsistentDNS": ("blocked", "tls", "tls.reset"),
    "websiteDownNXDOMAIN": ("down", "dns", "dns.nxdomain"),
    "websiteDownTCPConnect": ("down", "tcp", "tcp.refused"),
}


def qa_warehouse(qa_samples_dir: Path, fingerprints_dir: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse holding every QA sample, keyed by its scenario (the file name)."""
    con = warehouse(fingerprints_dir)
    rows = []
    for path in sorted(qa_samples_dir.glob("*.json")):
        for item in read_measurement_file(path):
            row = parse_measurement(item.measurement, ingest_day=date(2024, 2, 12), ingest_source="local",
                                    source_file=str(path), source_line=item.line)
            row["measurement_key"] = path.stem  # the samples share report_id, URL and start time
            rows.append(row)
    frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB below
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
    return con


@pytest.fixture(scope="module")
def qa_judgments(qa_samples_dir: Path, fingerprints_dir: Path) -> dict[str, dict]:
    con = qa_warehouse(qa_samples_dir, fingerprints_dir)
    judge_measurements(con)
    cursor = con.execute("SELECT * FROM measurement_judgments")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_fast_path_agrees_with_the_full_rules(qa_samples_dir: Path, fingerprints_dir: Path) -> None:
    con = qa_warehouse(qa_samples_dir, fingerprints_dir)
    judged = {}
    for fast_path in (True, False):
        judge_measurements(con, fast_path=fast_path)
        judged[fast_path] = con.execute("SELECT * FROM measurement_judgments ORDER BY measurement_key").fetchall()
    con.close()
    assert len(judged[True]) == len(EXPECTED) and judged[True] == judged[False]


def test_every_sample_has_an_expectation(qa_samples_dir: Path) -> None:
    assert {p.stem for p in qa_samples_dir.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_qa_sample(scenario: str, qa_judgments: dict[str, dict]) -> None:
    got = qa_judgments[scenario]
    assert (got["outcome"], got["layer"], got["method"]) == EXPECTED[scenario]
    # These probes ran in Italy: nothing here is a Cambodian ISP's fingerprint.
    assert not got["confirmed"]


def test_not_blocked_scenarios_are_not_blocked(qa_judgments: dict[str, dict]) -> None:
    harmless = [s for s in EXPECTED if s.startswith(("websiteDown", "success", "cloudflare", "dnsHijackingToProxy",
                                                     "largeFile", "idna", "badSSL", "localhost"))]
    assert harmless and all(qa_judgments[s]["outcome"] != "blocked" for s in harmless)


def test_bogon_answer_names_its_fingerprint_but_a_foreign_one_confirms_nothing(qa_judgments: dict[str, dict]) -> None:
    # 10.10.34.35 is Iran's national block page address (OONI ooni.ir_5, expected in IR only).
    bogon = qa_judgments["dnsBlockingBOGON"]
    assert bogon["fingerprint_name"] == "ooni.ir_5" and bogon["fingerprint_scope"] == "foreign"
    assert bogon["suspect_answers"] == ["10.10.34.35"] and not bogon["local_filtering"]


def test_cloudflare_challenge_is_a_known_false_positive(qa_judgments: dict[str, dict]) -> None:
    captcha = qa_judgments["cloudflareCAPTCHAWithHTTP"]
    assert captcha["fingerprint_scope"] == "fp"


def test_imap_classify_prints_one_json_object_per_measurement(
    qa_samples_dir: Path, fingerprints_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    files = [qa_samples_dir / "dnsBlockingNXDOMAIN.json", qa_samples_dir / "successWithHTTP.json"]
    status = imap(["classify", "--fingerprints-from", str(fingerprints_dir), *map(str, files)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 0
    assert [(o["input"], o["outcome"], o["layer"], o["method"], o["confirmed"]) for o in out] == [
        ("https://www.example.com/", "blocked", "dns", "dns.nxdomain", False),
        ("http://www.example.com/", "ok", None, None, False),
    ]
    # Probe-written files have no measurement_uid: report_id and input identify them.
    assert all(o["measurement_uid"] is None and "report_id" in o for o in out)
