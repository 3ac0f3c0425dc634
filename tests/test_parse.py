"""parse_measurement on OONI's real QA measurements (0.5) and on 0.4-shaped measurements from the spec."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import date, datetime

import pytest

from ooni_ingest.parse import SkipMeasurement, measurement_key, parse_measurement

DAY = date(2024, 2, 12)


def parse(raw: dict, **kwargs) -> dict:
    return parse_measurement(raw, ingest_day=DAY, ingest_source="local", source_file="f.jsonl", source_line=1, **kwargs)


def test_every_qa_sample_parses_with_its_identity(qa_measurements: dict[str, dict]) -> None:
    assert len(qa_measurements) >= 30
    for name, raw in qa_measurements.items():
        row = parse(raw)
        assert row["test_version"].startswith("0.5."), name
        assert row["measurement_key"].startswith("noid:"), name  # probe-written files have no uid
        assert row["measurement_start_time"] == datetime.fromisoformat(raw["measurement_start_time"])
        assert row["measurement_day"] == row["measurement_start_time"].date()
        assert row["probe_asn"] == int(raw["probe_asn"][2:])
        assert row["probe_blocking"] == (str(raw["test_keys"]["blocking"]).lower()
                                         if raw["test_keys"]["blocking"] is not None else None), name
        assert row["x_blocking_flags"] == raw["test_keys"]["x_blocking_flags"], name


def test_system_resolver_answers_are_kept_apart_from_the_public_resolvers(qa_measurements) -> None:
    nxdomain = parse(qa_measurements["dnsBlockingNXDOMAIN"])
    assert nxdomain["dns_failure"] == "dns_nxdomain_error"
    assert nxdomain["dns_answers"] == []
    assert nxdomain["dns_udp_answers"] == ["93.184.216.34"]   # 1.1.1.1 still answers: not mixed in
    assert nxdomain["doh_answers"] == ["93.184.216.34"]
    assert nxdomain["control_dns_addrs"] == ["93.184.216.34"]

    bogon = parse(qa_measurements["dnsBlockingBOGON"])
    assert bogon["dns_answers"] == ["10.10.34.35"]
    assert bogon["dns_failure"] is None
    assert bogon["tcp_failed_ips"] == ["10.10.34.35"]
    assert bogon["tcp_ok_ips"] == ["93.184.216.34"]
    assert bogon["control_dns_asns"] == [15133]

    android = parse(qa_measurements["dnsBlockingAndroidDNSCacheNoData"])
    assert android["dns_failure"] == "android_dns_cache_no_data"

    # AAAA failing with dns_no_answer next to a good A answer is not a DNS failure.
    success = parse(qa_measurements["successWithHTTP"])
    assert success["dns_failure"] is None and success["dns_udp_failure"] is None


def test_tls_http_and_control_fields(qa_measurements) -> None:
    reset = parse(qa_measurements["tlsBlockingConnectionResetWithConsistentDNS"])
    assert (reset["tls_attempts"], reset["tls_failures"], reset["tls_failure"]) == (1, 1, "connection_reset")
    assert reset["tls_failed_ips"] == ["93.184.216.34"] and reset["tls_ok_ips"] == []
    assert reset["http_status"] is None and reset["http_headers"] == []

    expired = parse(qa_measurements["badSSLWithExpiredCertificate"])
    assert expired["tls_failure"] == "ssl_invalid_certificate"

    cloudflare = parse(qa_measurements["cloudflareCAPTCHAWithHTTP"])
    response = qa_measurements["cloudflareCAPTCHAWithHTTP"]["test_keys"]["requests"][0]["response"]
    body = response["body"].encode()
    assert cloudflare["http_status"] == 503
    assert cloudflare["http_title"] == "Just a moment..."
    assert cloudflare["http_body_length"] == len(body)
    assert cloudflare["http_body_sha1"] == hashlib.sha1(body).hexdigest()
    assert cloudflare["http_body_sample"] == response["body"][:4096]
    assert {"name": "Server", "value": "cloudflare"} in cloudflare["http_headers"]
    assert cloudflare["tls_ok_ips"] == ["104.16.132.229"]   # verified handshake: a valid certificate

    control_failed = parse(qa_measurements["controlFailureWithSuccessfulHTTPSWebsite"])
    assert control_failed["control_failure"] == "connection_reset"
    assert control_failed["control_dns_addrs"] == [] and control_failed["control_tcp_ok"] is None

    diff = parse(qa_measurements["httpDiffWithConsistentDNS"])
    assert diff["control_http_status"] == 200 and diff["control_http_title"] == "Default Web Page"
    assert diff["http_title"] == "Access Denied" and diff["probe_blocking"] == "http-diff"

    redirects = parse(qa_measurements["redirectWithMoreThanTenRedirectsAndHTTP"])
    assert redirects["http_redirects"] == len(
        qa_measurements["redirectWithMoreThanTenRedirectsAndHTTP"]["test_keys"]["requests"]) - 1
    assert redirects["http_failure"].startswith("unknown_failure")


def test_large_bodies_are_hashed_not_stored(qa_measurements) -> None:
    row = parse(qa_measurements["largeFileWithHTTP"])
    raw_body = qa_measurements["largeFileWithHTTP"]["test_keys"]["requests"][0]["response"]["body"]
    assert row["http_body_length"] == len(raw_body.encode())
    if row["http_body_length"] > 16 * 1024 and row["control_http_body_length"]:
        assert row["http_body_sample"] is None or len(row["http_body_sample"]) <= 4096


def test_idna_input_is_stored_as_punycode(qa_measurements) -> None:
    row = parse(qa_measurements["idnaWithoutCensorshipLowercase"])
    assert row["domain"] == "xn--d1acpjx3f.xn--p1ai"
    assert row["dns_answers"] == ["5.255.255.80"]
    raw = copy.deepcopy(qa_measurements["successWithHTTP"])
    raw["input"] = "http://ЯНДЕКС.рф:8080/path"
    assert parse(raw)["domain"] == "xn--d1acpjx3f.xn--p1ai"


def wc04_measurement() -> dict:
    """A web_connectivity 0.4 measurement as ooniprobe 3.x uploads it (shape from OONI's spec)."""
    body = "<html><head><title>\n  Blocked   site </title></head><body>blocked</body></html>"
    return {
        "annotations": {"engine_name": "ooniprobe-engine", "platform": "android"},
        "data_format_version": "0.2.0",
        "input": "http://www.Example.com/news",
        "measurement_start_time": "2022-03-04 05:06:07",
        "measurement_uid": "20220304050607.123456_KH_webconnectivity_0123456789abcdef",
        "probe_asn": "AS38623", "probe_cc": "KH", "probe_network_name": "Viettel (Cambodia) Pte., Ltd.",
        "report_id": "20220304T050500Z_webconnectivity_KH_38623_n1_abc",
        "resolver_asn": "AS38623", "resolver_ip": "203.189.136.1", "resolver_network_name": "Viettel",
        "software_name": "ooniprobe-android", "software_version": "3.6.2",
        "test_name": "web_connectivity", "test_version": "0.4.1", "test_runtime": 3.2,
        "test_keys": {
            "client_resolver": "203.189.136.1",
            "queries": [
                {"engine": "system", "hostname": "www.example.com", "query_type": "A", "failure": None,
                 "answers": [{"answer_type": "A", "ipv4": "36.37.242.94", "asn": 38623, "as_org_name": "Viettel"}]},
                {"engine": "system", "hostname": "www.example.com", "query_type": "AAAA", "failure": "dns_no_answer",
                 "answers": None},
            ],
            "tcp_connect": [
                {"ip": "36.37.242.94", "port": 80,
                 "status": {"blocked": True, "failure": "generic_timeout_error", "success": False}},
            ],
            "requests": [
                {"failure": None, "request": {"url": "http://www.Example.com/news", "headers": {}},
                 "response": {"code": 200, "body": {"format": "base64", "data": base64.b64encode(body.encode()).decode()},
                              "body_is_truncated": False,
                              "headers": {"Server": "nginx", "Content-Type": "text/html"}}},
            ],
            "dns_experiment_failure": None, "http_experiment_failure": None, "control_failure": None,
            "dns_consistency": "inconsistent",
            "control": {
                "dns": {"failure": None, "addrs": ["93.184.216.34"]},
                "tcp_connect": {"93.184.216.34:80": {"status": True, "failure": None}},
                "http_request": {"status_code": 200, "body_length": 1256, "title": "Example Domain",
                                 "headers": {}, "failure": None},
            },
            "body_length_match": False, "body_proportion": 0.06, "status_code_match": True,
            "headers_match": True, "title_match": False, "blocking": "dns", "accessible": False,
        },
    }


def test_web_connectivity_04() -> None:
    row = parse(wc04_measurement(), country="KH")
    assert row["measurement_key"] == row["measurement_uid"]
    assert row["domain"] == "www.example.com"
    assert row["dns_answers"] == ["36.37.242.94"] and row["dns_answer_asns"] == [38623]
    assert row["dns_failure"] is None and row["dns_udp_answers"] == []
    assert (row["tcp_attempts"], row["tcp_failures"], row["tcp_blocked"]) == (1, 1, 1)
    assert row["tcp_failure"] == "generic_timeout_error"
    assert row["tls_attempts"] == 0
    assert row["http_status"] == 200 and row["http_title"] == "Blocked site"
    assert row["http_headers"] == [{"name": "Server", "value": "nginx"}, {"name": "Content-Type", "value": "text/html"}]
    assert row["http_body_sample"].startswith("<html>")
    assert (row["control_tcp_ok"], row["control_tcp_failures"], row["control_tls_ok"]) == (1, 0, None)
    assert row["control_http_body_length"] == 1256
    assert row["probe_blocking"] == "dns" and row["probe_accessible"] is False
    assert row["resolver_asn"] == 38623 and row["test_runtime"] == 3.2


def test_04_engine_udp_counts_as_the_system_resolver_and_control_minus_one_is_null() -> None:
    raw = wc04_measurement()
    raw["test_keys"]["queries"][0]["engine"] = "udp"   # a 0.4 probe configured with a custom resolver
    raw["test_keys"]["control"]["http_request"].update(status_code=-1, body_length=-1, failure="generic_timeout_error")
    row = parse(raw)
    assert row["dns_answers"] == ["36.37.242.94"]
    assert row["control_http_status"] is None and row["control_http_body_length"] is None
    assert row["control_http_failure"] == "generic_timeout_error"


def test_unknown_failures_are_normalised() -> None:
    raw = wc04_measurement()
    raw["test_keys"]["tcp_connect"][0]["status"]["failure"] = "unknown_failure: dial tcp [scrubbed]: connect: connection refused"
    assert parse(raw)["tcp_failure"] == "connection_refused"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: ["not", "an", "object"], "not_an_object"),
        (lambda m: {**m, "test_name": "telegram"}, "wrong_test_name"),
        (lambda m: {**m, "probe_cc": "TH"}, "wrong_country"),
        (lambda m: {**m, "test_version": "0.3.4"}, "unknown_test_version"),
        (lambda m: {**m, "test_version": None}, "unknown_test_version"),
        (lambda m: {k: v for k, v in m.items() if k != "test_keys"}, "no_test_keys"),
        (lambda m: {**m, "test_keys": None}, "no_test_keys"),
        (lambda m: {**m, "measurement_start_time": "yesterday"}, "invalid_field"),
        (lambda m: {**m, "probe_asn": "ASX"}, "invalid_field"),
        (lambda m: {**m, "input": None}, "invalid_field"),
        (lambda m: {**m, "input": "not a url"}, "invalid_field"),
        (lambda m: {**m, "test_keys": {**m["test_keys"], "tcp_connect": [1, 2]}}, "invalid_field"),
        (lambda m: {**m, "test_keys": {**m["test_keys"], "requests": [{"response": {"body": 5}}]}}, "invalid_field"),
        (lambda m: {**m, "annotations": "platform=android"}, "invalid_field"),
    ],
)
def test_bad_input_is_skipped_with_a_reason(change, reason: str) -> None:
    with pytest.raises(SkipMeasurement) as raised:
        parse(change(wc04_measurement()), country="KH")
    assert raised.value.reason == reason
    assert raised.value.message


def test_measurement_key_without_uid_is_stable_and_distinct() -> None:
    raw = wc04_measurement()
    del raw["measurement_uid"]
    key = measurement_key(None, raw)
    assert key.startswith("noid:") and len(key) == 45
    assert key == measurement_key("", raw)
    # The same measurement re-serialised (keys reordered at every level, other whitespace and escapes).
    reordered = json.loads(json.dumps(raw, sort_keys=True, indent=2, ensure_ascii=True))
    reordered["test_keys"] = dict(reversed(list(reordered["test_keys"].items())))
    assert measurement_key(None, reordered) == key
    # Any difference in content is another measurement, even with the same URL, start time and ASN.
    other = copy.deepcopy(raw)
    other["test_keys"]["tcp_connect"][0]["status"]["failure"] = "connection_refused"
    assert measurement_key(None, other) != key
    assert measurement_key("uid-1", raw) == "uid-1"


def test_qa_samples_sharing_url_and_start_time_get_distinct_keys(qa_measurements) -> None:
    keys = {parse(raw)["measurement_key"] for raw in qa_measurements.values()}
    identities = {(r["report_id"], r["input"], r["measurement_start_time"], r["probe_asn"]) for r in qa_measurements.values()}
    assert len(identities) < len(qa_measurements)   # the old (report_id, input, time, ASN) identity collides
    assert len(keys) == len(qa_measurements)


def test_synthetic_flag_comes_from_annotations() -> None:
    raw = wc04_measurement()
    assert parse(raw)["is_synthetic"] is False
    raw["annotations"]["imap_synthetic"] = "true"
    assert parse(raw)["is_synthetic"] is True
