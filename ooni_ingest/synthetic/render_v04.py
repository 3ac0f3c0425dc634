"""test_keys of web_connectivity 0.4.x (the "legacy" probe-cli experiment, 0.4.3 in probe-cli 3.16+).

Shape from OONI's spec (ts-017 example) and probe-cli's legacy ``webconnectivity`` package: system
resolver lookups as separate A/AAAA entries without tags, ``tcp_connect`` entries carrying the
probe's own ``status.blocked``, TLS handshakes and ``network_events`` only for https:// inputs, an
HTTP client that follows redirects on its own connections, a three-part ``control`` (no TLS, no
``ip_info``) and the MK-era summary (``blocking``, ``accessible``, ``x_status``) ported from
probe-cli's ``summary.go``, whose false positives (e.g. a localhost answer on an https:// site is
``dns`` only if the page then failed) are kept.
"""

from __future__ import annotations

import random
from datetime import datetime

from ooni_ingest.synthetic import landscape as ls
from ooni_ingest.synthetic import pages
from ooni_ingest.synthetic.http_common import body_similarity, request_part, response_part
from ooni_ingest.synthetic.scenarios import TIMEOUT, Behavior, Probe
from ooni_ingest.synthetic.world import ControlView, answer_entry, connect, fetch, handshake, split_url

# x_status bits (summary.go)
S_SUCCESS_SECURE, S_SUCCESS_CLEARTEXT, S_SUCCESS_NXDOMAIN = 1, 2, 4
S_CONTROL_UNREACHABLE, S_CONTROL_FAILURE, S_DNS, S_HTTP_DIFF, S_CONNECT, S_READ_WRITE, S_UNKNOWN, S_TLS = (
    8, 16, 32, 64, 128, 256, 512, 1024)
S_EXP_DNS, S_EXP_CONNECT, S_EXP_HTTP = 2048, 4096, 8192
_TAGS = ["tcptls_experiment"]


def _endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _netevents(ip: str, port: int, t: float, failure: str | None, rng: random.Random) -> list[dict]:
    """Socket events of one connect + TLS handshake, as 0.4 records them for https:// inputs."""
    events = [{"address": _endpoint(ip, port), "failure": None, "operation": "connect", "proto": "tcp",
               "t": t, "tags": _TAGS},
              {"failure": None, "operation": "tls_handshake_start", "t": round(t + 0.0001, 6), "tags": _TAGS},
              {"failure": None, "num_bytes": rng.randint(250, 520), "operation": "write",
               "t": round(t + 0.0006, 6), "tags": _TAGS}]
    now = t + 0.001
    if failure is None:
        for op, lo, hi in (("read", 90, 130), ("write", 6, 80), ("read", 500, 4200), ("read", 60, 1100),
                           ("write", 60, 90)):
            now += rng.uniform(0.001, 0.12)
            events.append({"failure": None, "num_bytes": rng.randint(lo, hi), "operation": op,
                           "t": round(now, 6), "tags": _TAGS})
        events.append({"failure": None, "operation": "tls_handshake_done", "t": round(now + 0.0001, 6), "tags": _TAGS})
    else:
        now += 10.0 if failure == TIMEOUT else rng.uniform(0.02, 0.2)
        events.append({"failure": failure, "operation": "read", "t": round(now, 6), "tags": _TAGS})
        events.append({"failure": failure, "operation": "tls_handshake_done", "t": round(now + 0.0001, 6),
                       "tags": _TAGS})
    return events


def render_test_keys(b: Behavior, probe: Probe, url: str, when: datetime, rng: random.Random) -> tuple[dict, float]:
    """(test_keys, test_runtime) for one 0.4.x measurement."""
    scheme, host, port = split_url(url)
    t = round(rng.uniform(0.005, 0.3), 6)
    dns_runtime = t

    queries: list[dict] = []
    answers = b.dns_answers
    for qtype, fam in (("A", False), ("AAAA", True)):
        subset = [ip for ip in answers if (":" in ip) == fam]
        if b.dns_failure or subset or qtype == "A":
            queries.append({"answers": [answer_entry(ip) for ip in subset] if subset else None, "engine": "system",
                            "failure": b.dns_failure if b.dns_failure or subset else "dns_no_answer",
                            "hostname": host, "query_type": qtype, "resolver_hostname": None, "resolver_port": None,
                            "resolver_address": "", "t": t})

    control = None if b.control_failure else ControlView(b, when)
    control_tcp: dict[str, dict] = {}
    if control is not None:
        for ip in dict.fromkeys(answers + control.addrs):
            if not ls.is_bogon(ip):
                failure = control.tcp(ip)
                control_tcp[_endpoint(ip, port)] = {"status": failure is None, "failure": failure}

    tcp_connect: list[dict] = []
    tls_handshakes: list[dict] = []
    network_events: list[dict] = []
    successes = 0
    for ip in answers:
        failure = connect(b, ip)
        t = round(t + (10.0 if failure == TIMEOUT else rng.uniform(0.03, 0.3)), 6)
        status: dict = {}
        ctrl = control_tcp.get(_endpoint(ip, port))
        if ctrl is not None:
            status["blocked"] = ctrl["failure"] is None and failure is not None
        status["failure"] = failure
        status["success"] = failure is None
        tcp_connect.append({"ip": ip, "port": port, "status": status, "t": t})
        successes += failure is None
        if scheme == "https" and failure is None:
            tls_failure = handshake(b, ip)
            network_events += _netevents(ip, port, t, tls_failure, rng)
            t = network_events[-1]["t"]
            good = tls_failure is None
            tls_handshakes.append({
                "address": _endpoint(ip, port), "cipher_suite": "TLS_AES_256_GCM_SHA384" if good else "",
                "failure": tls_failure, "negotiated_protocol": "h2" if good else "", "no_tls_verify": False,
                "peer_certificates": None, "server_name": host, "t": t, "tags": _TAGS,
                "tls_version": "TLSv1.3" if good else "",
            })
    tcptls_runtime = t - dns_runtime

    # The HTTP experiment: its own client, trying the resolved addresses in order, following redirects.
    requests: list[dict] = []
    current_url, current_scheme = url, scheme
    for _hop in range(3):
        failure, page = _http_get(b, answers, current_scheme)
        t = round(t + (10.0 if failure == TIMEOUT else rng.uniform(0.1, 0.9)), 6)
        entry = {"failure": failure, "request": request_part(current_url, host, referer=False, extended=False),
                 "response": response_part(page, when), "t": t}
        requests.insert(0, entry)
        if page is None or page.status not in (301, 302, 307, 308):
            break
        current_url = dict(page.headers)["Location"]
        current_scheme = "https"
    http_runtime = t - dns_runtime - tcptls_runtime

    test_keys: dict = {
        "agent": "redirect", "client_resolver": probe.resolver.ip, "retries": None, "socksproxy": None,
        "network_events": network_events or None, "tls_handshakes": tls_handshakes or None, "queries": queries,
        "dns_experiment_failure": b.dns_failure,
    }
    dns_consistency = None if control is None else _dns_consistency(b, control)
    test_keys["dns_consistency"] = dns_consistency
    test_keys["control_failure"] = b.control_failure
    if control is None:
        test_keys["control"] = {"tcp_connect": None, "http_request": {"body_length": 0, "failure": None, "title": "",
                                "headers": None, "status_code": 0}, "dns": {"failure": None, "addrs": None}}
        control_http = {"body_length": 0, "status_code": 0, "headers": {}, "title": "", "failure": None}
    else:
        control_http = control.http_request()
        test_keys["control"] = {"tcp_connect": control_tcp, "http_request": control_http,
                                "dns": {"failure": control.dns_failure, "addrs": control.addrs}}
    test_keys["tcp_connect"] = tcp_connect
    test_keys["requests"] = requests
    http_failure = requests[0]["failure"] if requests else None
    test_keys["http_experiment_failure"] = http_failure
    final_page = _page_of(b, requests[0], answers) if requests and http_failure is None else None
    matches = _http_analysis(final_page, control_http)
    test_keys.update(matches)
    accessible, blocking, x_status = _summarize(test_keys, requests, len(answers), successes, control_http)
    test_keys["accessible"] = accessible
    test_keys["blocking"] = blocking
    test_keys["x_status"] = x_status
    ns = 1_000_000_000
    test_keys["x_dns_runtime"] = int(dns_runtime * ns)
    test_keys["x_th_runtime"] = int(rng.uniform(0.4, 2.5) * ns)
    test_keys["x_tcptls_runtime"] = int(tcptls_runtime * ns)
    test_keys["x_http_runtime"] = int(max(http_runtime, 0.01) * ns)
    return test_keys, round(t + rng.uniform(0.2, 1.0), 6)


def _http_get(b: Behavior, answers: list[str], scheme: str) -> tuple[str | None, pages.Page | None]:
    if b.dns_failure:
        return b.dns_failure, None
    first_failure: str | None = None
    for ip in answers:
        failure = connect(b, ip) or (handshake(b, ip) if scheme == "https" else None)
        if failure is None:
            result = fetch(b, ip, scheme)
            return (result, None) if isinstance(result, str) else (None, result)
        first_failure = first_failure or failure
    return first_failure or "generic_timeout_error", None


def _page_of(b: Behavior, request: dict, answers: list[str]) -> pages.Page | None:
    scheme = request["request"]["url"].split("://", 1)[0]
    for ip in answers:
        if connect(b, ip) is None and (scheme == "http" or handshake(b, ip) is None):
            result = fetch(b, ip, scheme)
            return None if isinstance(result, str) else result
    return None


def _dns_consistency(b: Behavior, control: ControlView) -> str:
    if b.dns_failure and control.dns_failure:
        return "consistent" if control.dns_failure == "dns_name_error" and b.dns_failure in (
            "dns_nxdomain_error", "android_dns_cache_no_data") else "inconsistent"
    probe_asns = {o[0] for o in (ls.asn_of(ip) for ip in b.dns_answers) if o}
    control_asns = {o[0] for o in (ls.asn_of(ip) for ip in control.addrs) if o}
    if probe_asns & control_asns or set(b.dns_answers) & set(control.addrs):
        return "consistent"
    return "inconsistent"


def _http_analysis(page: pages.Page | None, control_http: dict) -> dict:
    if page is None:
        return {"body_length_match": None, "body_proportion": 0, "status_code_match": None,
                "headers_match": None, "title_match": None}
    m = body_similarity(page, control_http)
    return {"body_length_match": m["body_length_match"], "body_proportion": m["body_proportion"],
            "status_code_match": m["status_code_match"], "headers_match": m["headers_match"],
            "title_match": m["title_match"]}


def _summarize(tk: dict, requests: list[dict], attempts: int, successes: int, control_http: dict):
    """(accessible, blocking, x_status) following probe-cli's legacy summary.go step by step."""
    consistency = tk["dns_consistency"]
    if requests and requests[0]["failure"] is None and requests[0]["request"]["url"].startswith("https://"):
        return True, False, S_SUCCESS_SECURE
    if tk["control_failure"] is not None:
        return None, None, S_CONTROL_UNREACHABLE
    dns_failure = tk["dns_experiment_failure"]
    if dns_failure in ("dns_nxdomain_error", "android_dns_cache_no_data") and consistency == "consistent":
        return True, False, S_SUCCESS_NXDOMAIN | S_EXP_DNS
    if consistency == "inconsistent":
        return False, "dns", S_DNS | S_EXP_DNS
    if attempts > 0 and successes <= 0 and consistency is not None:
        return False, "tcp_ip", S_CONNECT | S_EXP_CONNECT
    if control_http.get("failure") is not None:
        return None, None, S_CONTROL_FAILURE
    if not requests:
        return None, None, 0
    failure = requests[0]["failure"]
    if failure is not None:
        reasons = {"connection_refused": S_CONNECT, "connection_reset": S_READ_WRITE, "eof_error": S_READ_WRITE,
                   "generic_timeout_error": S_UNKNOWN, "ssl_invalid_hostname": S_TLS,
                   "ssl_invalid_certificate": S_TLS, "ssl_unknown_authority": S_TLS}
        if failure == "dns_nxdomain_error":
            return False, "dns", S_EXP_HTTP | S_DNS
        if failure in reasons:
            return False, "http-failure", S_EXP_HTTP | reasons[failure]
        return None, None, S_EXP_HTTP
    if tk["status_code_match"] and (tk["body_length_match"] or tk["headers_match"] or tk["title_match"]):
        return True, False, S_SUCCESS_CLEARTEXT
    return False, "http-diff", S_HTTP_DIFF
