"""test_keys of web_connectivity 0.5.x (webconnectivitylte), shaped like OONI's QA measurements.

The probe's own analysis (``x_dns_flags``, ``x_blocking_flags``, ``blocking``, ``accessible`` ...)
is computed the way the probe computes it, false positives included (a Cloudflare challenge page
on an http:// site is ``http-diff``; a NXDOMAIN on the ISP resolver is ``dns`` even when the page
then loaded through the DoH answer), so that a classifier copying it would be visibly wrong.
"""

from __future__ import annotations

import random
from datetime import datetime
from functools import lru_cache

from ooni_ingest.synthetic import landscape as ls
from ooni_ingest.synthetic import pages
from ooni_ingest.synthetic.http_common import (
    body_similarity,
    request_part,
    response_part,
)
from ooni_ingest.synthetic.scenarios import Behavior, Probe
from ooni_ingest.synthetic.world import (
    ACCEPT,
    ACCEPT_LANGUAGE,
    USER_AGENT,
    ControlView,
    answer_entry,
    connect,
    fetch,
    handshake,
    split_url,
)

DOH_URL = "https://dns.google/dns-query"
UDP_RESOLVER = "1.1.1.1:53"
# x_blocking_flags bits
F_DNS, F_TCP, F_TLS, F_HTTP_FAILURE, F_HTTP_DIFF, F_SUCCESS = 1, 2, 4, 8, 16, 32
_H3_HOSTING = frozenset({"cloudflare", "google", "fastly"})
# webconnectivitylte does not dial loopback or unspecified answers (QA: dnsHijackingToLocalhost).
_NOT_DIALED = frozenset({"127.0.0.1", "0.0.0.0", "::1"})


def _endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _query(hostname: str, engine: str, qtype: str, resolver: str, answers: list[str] | None, failure: str | None,
           t: float, tags: list[str], txid: int) -> dict:
    q: dict = {
        "answers": [answer_entry(ip) for ip in answers] if answers else None,
        "engine": engine, "failure": failure, "hostname": hostname, "query_type": qtype,
    }
    if failure == "dns_nxdomain_error" and engine != "getaddrinfo":
        q["rcode"] = 3
    q.update({"resolver_hostname": None, "resolver_port": None, "resolver_address": resolver, "t": t,
              "tags": tags, "transaction_id": txid})
    return q


def _family(ips: list[str], v6: bool) -> list[str]:
    return [ip for ip in ips if (":" in ip) == v6]


class _Clock:
    """Seconds since the measurement started, advancing by plausible network latencies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.now = rng, 0.0

    def step(self, failure: str | None = None) -> float:
        if failure == "generic_timeout_error":
            self.now += 10.0 + self.rng.random()
        else:
            self.now += self.rng.uniform(0.02, 0.35)
        return round(self.now, 6)


def render_test_keys(b: Behavior, probe: Probe, url: str, when: datetime, rng: random.Random) -> tuple[dict, float]:
    """(test_keys, test_runtime) for one 0.5.x measurement."""
    scheme, host, port = split_url(url)
    clock = _Clock(rng)
    v4, v6 = ls.site_ips(b.site)
    nx = b.site_state == "nxdomain"

    # DNS: DoH and UDP/53 to public resolvers (extensions), getaddrinfo through the system resolver (classic).
    doh_fail = "dns_nxdomain_error" if nx else None
    t = clock.step()
    doh_q = [
        _query(host, "doh", "A", DOH_URL, None if nx else v4, doh_fail, t, ["depth=0"], 30001),
        _query(host, "doh", "AAAA", DOH_URL, None if nx or not v6 else v6,
               doh_fail or (None if v6 else "dns_no_answer"), t, ["depth=0"], 30001),
    ]
    udp = b.udp_answers if b.udp_answers is not None else v4 + v6
    udp_fail = b.udp_failure

    def lookups(depth: int) -> tuple[list[dict], list[dict]]:
        gai = [_query(host, "getaddrinfo", "ANY", "", b.dns_answers or None, b.dns_failure, clock.step(),
                      ["classic", f"depth={depth}"], 10001 + depth)]
        t = clock.step(udp_fail)
        udp_a, udp_aaaa = _family(udp, False), _family(udp, True)
        tags = [f"depth={depth}"]
        return gai, [
            _query(host, "udp", "A", UDP_RESOLVER, None if udp_fail else udp_a,
                   udp_fail or (None if udp_a else "dns_no_answer"), t, tags, 20001 + depth),
            _query(host, "udp", "AAAA", UDP_RESOLVER, None if udp_fail else udp_aaaa,
                   udp_fail or (None if udp_aaaa else "dns_no_answer"), t, tags, 20001 + depth),
        ]

    gai_q, udp_q = lookups(0)

    classic = [ip for ip in b.dns_answers if ip not in _NOT_DIALED]
    extra_pool = ([] if nx else v4 + v6) + ([] if udp_fail else udp)
    others = [ip for ip in dict.fromkeys(extra_pool) if ip not in classic and ip not in _NOT_DIALED]
    addresses = classic + others

    tcp_connect: list[dict] = []
    tls_handshakes: list[dict] = []
    requests: list[dict] = []
    valid_for_domain: set[str] = set()
    classic_failure: str | None = None
    classic_ok = False
    txid = 40001 if scheme == "http" else 50001
    fetch_ip: str | None = None
    fetch_tx = 0

    def connect_all(depth: int, ips: list[str], target_scheme: str) -> tuple[str | None, int]:
        """TCP (and TLS) to every address; returns the first endpoint usable to fetch the body."""
        nonlocal txid, classic_failure, classic_ok
        chosen: tuple[str | None, int] = (None, 0)
        fetch_port = 443 if target_scheme == "https" else 80
        ports = [fetch_port] if target_scheme == "https" else [80, 443]
        for ip in ips:
            is_classic = ip in classic
            for p in ports:
                fetch_body = p == fetch_port
                tags = (["classic"] if is_classic else []) + ["tcptls_experiment", f"depth={depth}",
                                                                f"fetch_body={'true' if fetch_body else 'false'}"]
                failure = connect(b, ip)
                tcp_connect.append({"ip": ip, "port": p, "status": {"failure": failure, "success": failure is None},
                                    "t": clock.step(failure), "tags": tags, "transaction_id": txid})
                ok = failure is None
                if p == 443 and ok:
                    tls_failure = handshake(b, ip)
                    good = tls_failure is None
                    tls_handshakes.append({
                        "network": "tcp", "address": _endpoint(ip, 443),
                        "cipher_suite": "TLS_AES_128_GCM_SHA256" if good else "", "failure": tls_failure,
                        "negotiated_protocol": "http/1.1" if good else "", "no_tls_verify": False,
                        "peer_certificates": None, "server_name": host, "t": clock.step(tls_failure), "tags": tags,
                        "tls_version": "TLSv1.3" if good else "", "transaction_id": txid,
                    })
                    if good:
                        valid_for_domain.add(ip)
                    ok, failure = good, tls_failure
                if fetch_body and is_classic and depth == 0:
                    classic_ok = classic_ok or ok
                    if not ok and classic_failure is None:
                        classic_failure = failure
                if fetch_body and ok and chosen[0] is None:
                    chosen = (ip, txid)
                txid += 1
        return chosen

    fetch_ip, fetch_tx = connect_all(0, addresses, scheme)
    final_page: pages.Page | None = None
    final_failure: str | None = None
    final_scheme = scheme
    if fetch_ip is not None:
        result = fetch(b, fetch_ip, scheme)
        requests.insert(0, _request(url, fetch_ip, port, scheme, host, result, when, clock, 0, fetch_tx, fetch_ip in classic))
        if isinstance(result, str):
            final_failure = result
        elif result.status in (301, 302, 307, 308):
            # Follow the redirect to https (E002): a new lookup and new connects at depth=1.
            new_url = dict(result.headers)["Location"]
            final_scheme = "https"
            gai1, udp1 = lookups(1)
            gai_q += gai1
            udp_q += udp1
            ip2, tx2 = connect_all(1, addresses, "https")
            if ip2 is None:
                final_failure = tls_handshakes[-1]["failure"] if tls_handshakes else "generic_timeout_error"
            else:
                result2 = fetch(b, ip2, "https")
                requests.insert(0, _request(new_url, ip2, 443, "https", host, result2, when, clock, 1, tx2, ip2 in classic))
                if isinstance(result2, str):
                    final_failure = result2
                else:
                    final_page = result2
        else:
            final_page = result

    control = None if b.control_failure else ControlView(b, when)
    test_keys: dict = {
        "agent": "redirect", "client_resolver": probe.resolver.ip, "retries": None, "socksproxy": None,
        "network_events": None, "x_dns_whoami": None, "x_doh": None, "x_do53": None,
        "x_dns_duplicate_responses": None, "queries": doh_q + gai_q + udp_q, "requests": requests, "tcp_connect": tcp_connect,
        "tls_handshakes": tls_handshakes,
    }
    all_endpoints = sorted({_endpoint(ip, p) for ip in addresses + (control.addrs if control else [])
                            if not ls.is_bogon(ip) or ip in classic for p in (443, 80)})
    test_keys["x_control_request"] = {
        "http_request": url,
        "http_request_headers": {"Accept": [ACCEPT], "Accept-Language": [ACCEPT_LANGUAGE], "User-Agent": [USER_AGENT]},
        "tcp_connect": all_endpoints, "x_quic_enabled": False,
    }
    test_keys["control"] = _control(b, control, host, addresses, classic, valid_for_domain) if control else None
    test_keys["x_conn_priority_log"] = None
    test_keys["control_failure"] = b.control_failure
    _analysis(test_keys, b, control, b.dns_answers, udp if not udp_fail else [], tcp_connect, tls_handshakes, final_page,
              final_failure, final_scheme, fetch_ip is not None, classic_ok, classic_failure)
    return test_keys, round(clock.now + rng.uniform(0.3, 1.5), 6)


def _request(url: str, ip: str, port: int, scheme: str, host: str, result: pages.Page | str, when: datetime,
             clock: _Clock, depth: int, txid: int, is_classic: bool) -> dict:
    failure = result if isinstance(result, str) else None
    entry: dict = {"network": "tcp", "address": _endpoint(ip, port)}
    if scheme == "https":
        entry["alpn"] = "http/1.1"
    entry["failure"] = failure
    entry["request"] = request_part(url, host, referer=True, extended=True)
    entry["response"] = response_part(None if failure else result, when)
    entry["t"] = clock.step(failure)
    entry["tags"] = (["classic"] if is_classic else []) + ["tcptls_experiment", f"depth={depth}", "fetch_body=true"]
    entry["transaction_id"] = txid
    return entry


def _control(b: Behavior, control: ControlView, host: str, addresses: list[str], classic: list[str],
             valid: set[str]) -> dict:
    out = dict(_control_endpoints(b.site, b.site_state, control.http_failure, tuple(addresses), tuple(classic),
                                  frozenset(valid)))
    http = control.http_request()
    page = control.page
    http["discovered_h3_endpoint"] = f"{host}:443" if page is not None and b.site.hosting in _H3_HOSTING else ""
    out["http_request"] = {k: http[k] for k in ("body_length", "discovered_h3_endpoint", "failure", "title",
                                                "headers", "status_code")}
    return out


@lru_cache(maxsize=4096)
def _control_endpoints(site: ls.Site, site_state: str, http_failure: str | None, addresses: tuple[str, ...],
                       classic: tuple[str, ...], valid: frozenset[str]) -> dict:
    """The helper's connect/TLS/ip_info results: the same for every measurement with the same inputs.

    Cached and shared: callers copy the top level and never mutate the parts."""
    b = Behavior(site=site, site_state=site_state)
    control = ControlView(b, None)  # type: ignore[arg-type]  # the date only matters for http_request
    control.http_failure = http_failure
    host = site.url.split("/")[2]
    tested = [ip for ip in dict.fromkeys(addresses + tuple(control.addrs)) if not ls.is_bogon(ip)]
    tcp: dict[str, dict] = {}
    tls: dict[str, dict] = {}
    for ip in tested:
        for p in (443, 80):
            failure = control.tcp(ip)
            tcp[_endpoint(ip, p)] = {"status": failure is None, "failure": failure}
            if p == 443 and failure is None:
                tls_failure = control.tls(ip)
                tls[_endpoint(ip, p)] = {"server_name": host, "status": tls_failure is None, "failure": tls_failure}
    out: dict = {"tcp_connect": dict(sorted(tcp.items()))}
    if tls:
        out["tls_handshake"] = dict(sorted(tls.items()))
    out.update({"quic_handshake": {}, "http_request": None, "http3_request": None,
                "dns": {"failure": control.dns_failure, "addrs": control.addrs}})
    info: dict[str, dict] = {}
    th_addrs = set(control.addrs)
    for ip in sorted(set(addresses) | th_addrs | set(classic)):
        owner = ls.asn_of(ip)
        flags = (1 if ip in addresses or ip in classic else 0) | (2 if ip in th_addrs else 0)
        flags |= 4 if ls.is_bogon(ip) else 0
        if ip in valid or (ip in th_addrs and control.tls(ip) is None and site_state == "up"):
            flags |= 8
        info[ip] = {"asn": owner[0] if owner else 0, "flags": flags}
    if info:
        out["ip_info"] = info
    return out


def _analysis(tk: dict, b: Behavior, control: ControlView | None, system: list[str], udp: list[str],
              tcp_connect: list[dict], tls_handshakes: list[dict], final_page: pages.Page | None,
              final_failure: str | None, final_scheme: str, fetched: bool, classic_ok: bool,
              classic_failure: str | None) -> None:
    """The probe's own verdict, as webconnectivitylte computes it (simplified but faithful in shape)."""
    dns_flags = 0
    blocking_flags = 0
    null_null = 0
    success = final_page is not None and final_failure is None
    if control is not None:
        th_addrs = set(control.addrs)
        th_asns = {o[0] for o in (ls.asn_of(ip) for ip in th_addrs) if o}
        valid = {h["address"].rsplit(":", 1)[0].strip("[]") for h in tls_handshakes if h["failure"] is None}
        resolved = system + udp
        if any(ls.is_bogon(ip) for ip in resolved if ip not in th_addrs):
            dns_flags |= 1
        if b.dns_failure and th_addrs:
            dns_flags |= 2
        for ip in resolved:
            owner = ls.asn_of(ip)
            if ip not in th_addrs and ip not in valid and not (owner and owner[0] in th_asns):
                dns_flags |= 4
                break
        if b.dns_failure and not th_addrs:
            null_null |= 1
        if dns_flags:
            blocking_flags |= F_DNS
        for c in tcp_connect:
            failure = c["status"]["failure"]
            if failure and failure not in ("network_unreachable", "host_unreachable"):
                ep = _endpoint(c["ip"], c["port"])
                th = tk["control"]["tcp_connect"].get(ep)
                if th is not None and th["status"]:
                    blocking_flags |= F_TCP
        for h in tls_handshakes:
            th = (tk["control"].get("tls_handshake") or {}).get(h["address"])
            if h["failure"] and th is not None and th["status"]:
                blocking_flags |= F_TLS
        if fetched and final_failure and control.page is not None and not blocking_flags & (F_TCP | F_TLS):
            blocking_flags |= F_HTTP_FAILURE
        if not fetched and not blocking_flags and tcp_connect and control.page is None:
            null_null |= 2
    matches: dict = {"body_proportion": 0, "body_length_match": None, "headers_match": None,
                     "status_code_match": None, "title_match": None}
    if success:
        if final_scheme == "http" and control is not None and control.page is not None:
            matches = body_similarity(final_page, control.http_request())
            diff = not (matches["status_code_match"] and (
                matches["body_length_match"] or matches["headers_match"] or matches["title_match"]))
            blocking_flags |= F_HTTP_DIFF if diff else F_SUCCESS
        else:
            blocking_flags |= F_SUCCESS
            if control is None and final_scheme == "https":
                null_null |= 8

    if control is None:
        dns_consistency = None
        blocking, accessible = (False, True) if success and final_scheme == "https" else (None, None)
    else:
        dns_consistency = "inconsistent" if dns_flags else "consistent"
        if blocking_flags & F_DNS:
            blocking, accessible = "dns", False
        elif blocking_flags & F_TCP:
            blocking, accessible = "tcp_ip", False
        elif blocking_flags & (F_TLS | F_HTTP_FAILURE):
            blocking, accessible = "http-failure", False
        elif blocking_flags & F_HTTP_DIFF:
            blocking, accessible = "http-diff", False
        elif blocking_flags & F_SUCCESS:
            blocking, accessible = False, True
        else:
            blocking, accessible = False, False

    classic = [ip for ip in system if ip not in _NOT_DIALED]
    http_failure = b.dns_failure or (None if classic_ok or not classic else classic_failure) or final_failure
    if not fetched and http_failure is None and tcp_connect:
        http_failure = next((c["status"]["failure"] for c in tcp_connect if c["status"]["failure"]), None)
    tk.update({
        "x_dns_flags": dns_flags, "dns_experiment_failure": b.dns_failure, "dns_consistency": dns_consistency,
        "http_experiment_failure": http_failure, "x_blocking_flags": blocking_flags, "x_null_null_flags": null_null,
        **matches, "blocking": blocking, "accessible": accessible,
    })
