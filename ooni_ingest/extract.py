"""Reading the parts of web_connectivity `test_keys` that classification needs, for 0.4.x and 0.5.x.

Each `*_fields` function returns a tuple of `measurements` columns, in the order its `*_COLUMNS`
names them (the schema's order: ooni_ingest.schema checks it). They are written for speed (ingest
calls them millions of times: tuples, not dicts; caches for the few distinct hostnames) and for
tolerance: fields may be missing, null, or of the older shapes
(0.4: `status.blocked`, response `headers` as a dict; 0.5: `tls_handshakes`, `control.ip_info`,
extra DNS engines). A value of an unexpected type raises TypeError/AttributeError/ValueError,
which `parse_measurement` turns into an `invalid_field` skip.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

# Probes report some failures as `unknown_failure: <Go error text>`; OONI's own pipeline maps the
# common ones to the regular failure strings so that they group with the rest. Same idea here,
# limited to the failures that change how a measurement is judged.
_UNKNOWN_FAILURES = (
    ("connection refused", "connection_refused"),
    ("actively refused", "connection_refused"),
    ("network is unreachable", "network_unreachable"),
    ("unreachable network", "network_unreachable"),
    ("no route to host", "host_unreachable"),
    ("forcibly closed by the remote host", "connection_reset"),
    ("connection reset by peer", "connection_reset"),
    ("operation timed out", "generic_timeout_error"),
    ("i/o timeout", "generic_timeout_error"),
    ("timeout awaiting response headers", "generic_timeout_error"),
    ("no address associated with hostname", "dns_nxdomain_error"),
    ("server misbehaving", "dns_server_misbehaving"),
    ("certificate has expired or is not yet valid", "ssl_invalid_certificate"),
    ("tls: handshake failure", "tls_handshake_failure"),
)

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_SPACES_RE = re.compile(r"\s+")
TITLE_SEARCH_CHARS = 65_536
TITLE_MAX_CHARS = 256
HEADER_VALUE_MAX_CHARS = 512
SAMPLE_MAX_BODY_BYTES = 16 * 1024
SAMPLE_CHARS = 4096
# Bodies smaller than this share of the control's (or larger than its inverse) are "unlike the control".
SAMPLE_BODY_PROPORTION = 0.7


def normalize_failure(failure: Any) -> str | None:
    if failure is None:
        return None
    if not failure:
        return None
    if failure is True:
        return "true"
    if not isinstance(failure, str):
        raise TypeError(f"failure must be a string, got {failure!r}")
    if failure.startswith("unknown_failure"):
        lowered = failure.lower()
        for needle, name in _UNKNOWN_FAILURES:
            if needle in lowered:
                return name
    return failure


def normalize_host(host: str | None) -> str | None:
    """Lower-case ASCII hostname without brackets or trailing dot; IDN labels as punycode."""
    if not host:
        return None
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # not encodable: keep it as written
            host = host.encode("idna").decode("ascii")
    return host


def host_of_url(url: str) -> str | None:
    try:
        return normalize_host(urlsplit(url).hostname)
    except ValueError:
        return None


# A year holds millions of measurements of a few thousand URLs and hostnames: parse each once.
_CACHE_LIMIT = 1 << 16
_host_cache: dict[str, str | None] = {}
_url_host_cache: dict[str, str | None] = {}
_MISSING = object()


def cached_normalize_host(host: Any) -> str | None:
    """normalize_host, remembered for strings (anything else raises as normalize_host does)."""
    if type(host) is not str:
        return normalize_host(host)
    known = _host_cache.get(host, _MISSING)
    if known is _MISSING:
        if len(_host_cache) >= _CACHE_LIMIT:
            _host_cache.clear()
        known = _host_cache[host] = normalize_host(host)
    return known  # type: ignore[return-value]


def cached_host_of_url(url: str) -> str | None:
    known = _url_host_cache.get(url, _MISSING)
    if known is _MISSING:
        if len(_url_host_cache) >= _CACHE_LIMIT:
            _url_host_cache.clear()
        known = _url_host_cache[url] = host_of_url(url)
    return known  # type: ignore[return-value]


def ip_of_address(address: str | None) -> str | None:
    """"1.2.3.4:443" -> "1.2.3.4"; "[2001:db8::1]:443" -> "2001:db8::1"."""
    if not address:
        return None
    if address.startswith("["):
        end = address.find("]")
        return address[1:end] if end > 0 else address
    if address.count(":") == 1:
        return address.rsplit(":", 1)[0]
    return address


def _asn(value: Any) -> int | None:
    """ASNs appear as 15133, "15133" or "AS15133"; 0 means unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.upper().removeprefix("AS")
    number = int(value)
    return number or None


def _first_failure(failures: list[str | None]) -> str | None:
    for failure in failures:
        if failure:
            return failure
    return None


DNS_COLUMNS = ("dns_failure", "dns_answers", "dns_answer_asns", "dns_cnames", "doh_answers", "dns_udp_answers",
               "dns_udp_failure")
DNS_ANSWERS = DNS_COLUMNS.index("dns_answers")
DOH_ANSWERS = DNS_COLUMNS.index("doh_answers")


def dns_fields(queries: Any, host: str | None, raw_host: str | None, classic_only: bool, ip_info: dict) -> tuple:
    """DNS of the input host, split by resolver: system (classic), DNS-over-UDP (0.5 extension), DoH."""
    system: dict[str, None] = {}
    udp: dict[str, None] = {}
    doh: dict[str, None] = {}
    asns: dict[int, None] = {}
    cnames: dict[str, None] = {}
    system_failures: list[tuple[str | None, bool]] = []
    udp_failures: list[tuple[str | None, bool]] = []
    for query in queries or ():
        qhost = query.get("hostname")
        if qhost != raw_host and cached_normalize_host(qhost) != host:
            continue
        engine = query.get("engine")
        if engine == "doh":
            target = doh
        elif engine == "udp" and classic_only:
            target = udp
        else:
            target = system
        found = False
        for answer in query.get("answers") or ():
            kind = answer.get("answer_type")
            if kind == "A":
                address = answer.get("ipv4")
            elif kind == "AAAA":
                address = answer.get("ipv6")
            else:
                if kind == "CNAME" and answer.get("hostname") and target is system:
                    cnames[answer["hostname"]] = None
                continue
            if not address:
                continue
            found = True
            target[address] = None
            if target is system:
                asn = answer.get("asn")
                if type(asn) is not int:   # most are: skip the call
                    asn = _asn(asn)
                if not asn:
                    asn = _asn((ip_info.get(address) or {}).get("asn"))
                if asn:
                    asns[asn] = None
        failure = None if found else query.get("failure")
        if failure is not None:
            failure = normalize_failure(failure)
        # A lookup failed when no query of it returned an address; prefer the A/ANY failure, since
        # AAAA often fails harmlessly (dns_no_answer) on hosts without IPv6.
        entry = (failure, query.get("query_type") == "AAAA")
        if target is system:
            system_failures.append(entry)
        elif target is udp:
            udp_failures.append(entry)
    return (
        None if system else _lookup_failure(system_failures),
        list(system),
        list(asns),
        list(cnames),
        list(doh),
        list(udp),
        None if udp else _lookup_failure(udp_failures),
    )


def _lookup_failure(entries: list[tuple[str | None, bool]]) -> str | None:
    non_aaaa = [failure for failure, is_aaaa in entries if not is_aaaa]
    return _first_failure(non_aaaa) or _first_failure([failure for failure, _ in entries])


TCP_COLUMNS = ("tcp_attempts", "tcp_failures", "tcp_failure", "tcp_blocked", "tcp_ok_ips", "tcp_failed_ips")


def tcp_fields(connects: Any) -> tuple:
    attempts = failures = blocked = 0
    first_failure = None
    ok: dict[str, None] = {}
    failed: dict[str, None] = {}
    for connect in connects or ():
        attempts += 1
        status = connect.get("status") or {}
        failure = status.get("failure")
        if failure is not None:
            failure = normalize_failure(failure)
        success = status.get("success")
        if success is None:
            success = failure is None
        ip = connect.get("ip")
        if success:
            if ip:
                ok[ip] = None
        else:
            failures += 1
            first_failure = first_failure or failure
            if ip:
                failed[ip] = None
        if status.get("blocked") is True:
            blocked += 1
    return (attempts, failures, first_failure, blocked, list(ok), [ip for ip in failed if ip not in ok])


TLS_COLUMNS = ("tls_attempts", "tls_failures", "tls_failure", "tls_ok_ips", "tls_failed_ips")
TLS_OK_IPS = TLS_COLUMNS.index("tls_ok_ips")


def tls_fields(handshakes: Any) -> tuple:
    attempts = failures = 0
    first_failure = None
    ok: dict[str, None] = {}
    failed: dict[str, None] = {}
    for handshake in handshakes or ():
        attempts += 1
        failure = handshake.get("failure")
        if failure is not None:
            failure = normalize_failure(failure)
        ip = ip_of_address(handshake.get("address"))
        if failure is None:
            # Only a handshake that verified the certificate proves the address serves the site.
            if ip and not handshake.get("no_tls_verify"):
                ok[ip] = None
        else:
            failures += 1
            first_failure = first_failure or failure
            if ip:
                failed[ip] = None
    return (attempts, failures, first_failure, list(ok), [ip for ip in failed if ip not in ok])


def _body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    if isinstance(body, dict) and body.get("format") == "base64":
        try:
            return base64.b64decode(body.get("data") or "")
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"response body is not valid base64: {exc}") from None
    raise TypeError(f"unexpected response body of type {type(body).__name__}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # binary header values: {"format": "base64", "data": ...}
        return (_body_bytes(value) or b"").decode("utf-8", "replace")
    return str(value)


def _headers(response: dict) -> list[tuple[str, str]]:
    pairs = response.get("headers_list")
    if pairs is None:
        pairs = (response.get("headers") or {}).items()
    headers = []
    for name, value in pairs:
        if type(name) is not str or type(value) is not str:  # binary headers arrive base64-wrapped
            name, value = _text(name), _text(value)
        headers.append((name, value[:HEADER_VALUE_MAX_CHARS]))
    return headers


def extract_title(text: str) -> str | None:
    match = TITLE_RE.search(text, 0, TITLE_SEARCH_CHARS)
    if not match:
        return None
    title = _SPACES_RE.sub(" ", match.group(1)).strip()
    return title[:TITLE_MAX_CHARS] or None


# http_headers come as (name, value) pairs, and http_body_sample as the body's UTF-8 bytes when it is the
# whole (text) body, already encoded for its hash: ingest hands both to Arrow as they are, and
# parse.parse_measurement turns them into the table's shapes ({"name", "value"} structs, text).
HTTP_COLUMNS = ("http_failure", "http_request_url", "http_redirects", "http_status", "http_body_length",
                "http_body_truncated", "http_body_sha1", "http_title", "http_headers", "http_body_sample")
_NO_HTTP = (None, None, None, None, None, None, None, None)   # http_headers ([]) and http_body_sample follow
# UTF-8 needs at most 4 bytes a character: this many bytes decode to at least TITLE_SEARCH_CHARS characters.
_DECODED_PREFIX_BYTES = 4 * TITLE_SEARCH_CHARS + 4


def http_fields(requests: Any, control_body_length: int | None) -> tuple:
    """The final request of the chain (requests[0]: the probe writes them newest first)."""
    requests = requests or ()
    if not requests:
        return (*_NO_HTTP, [], None)
    final = requests[0]
    request = final.get("request") or {}
    response = final.get("response") or {}
    raw_body = response.get("body")
    body = _body_bytes(raw_body)
    status = response.get("code") or None
    # In this order so that bad input raises the same error whatever else is wrong with it.
    failure = normalize_failure(final.get("failure"))
    url = request.get("url")
    status = int(status) if status is not None else None
    truncated = response.get("body_is_truncated")
    headers = _headers(response) if response else []
    if body is None:
        length = sha1 = title = sample = None
    else:
        length = len(body)
        if isinstance(raw_body, str):
            text = raw_body
        else:
            # Only the first TITLE_SEARCH_CHARS characters are ever read (title, sample): decoding a
            # prefix gives exactly those characters without decoding a large binary body.
            text = body[:_DECODED_PREFIX_BYTES].decode("utf-8", "replace")
        sha1 = hashlib.sha1(body).hexdigest()
        title = extract_title(text)
        sample: str | bytes | None = None
        if length <= SAMPLE_MAX_BODY_BYTES or _unlike_control(length, control_body_length):
            sample = body if text is raw_body and len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS]
    return (failure, url, len(requests) - 1, status, length, truncated, sha1, title, headers, sample)


def _unlike_control(length: int, control_length: int | None) -> bool:
    if not control_length or control_length < 0:
        return True
    small, large = sorted((length, control_length))
    return small < SAMPLE_BODY_PROPORTION * large


def _positive_int(value: Any) -> int | None:
    """The test helper reports -1 for the status code and body length it could not get."""
    if value is None:
        return None
    number = int(value)
    return number if number >= 0 else None


CONTROL_COLUMNS = ("control_dns_failure", "control_dns_addrs", "control_dns_asns", "control_tcp_ok",
                   "control_tcp_failures", "control_tls_ok", "control_tls_failures", "control_tls_failure",
                   "control_http_failure", "control_http_status", "control_http_body_length", "control_http_title")
CONTROL_HTTP_BODY_LENGTH = CONTROL_COLUMNS.index("control_http_body_length")
CONTROL_DNS_ADDRS = CONTROL_COLUMNS.index("control_dns_addrs")


def control_fields(control: Any) -> tuple:
    control = control or {}
    dns = control.get("dns") or {}
    addrs = [a for a in dns.get("addrs") or () if a]
    ip_info = control.get("ip_info") or {}
    asns: dict[int, None] = {}
    for address in addrs:
        asn = (ip_info.get(address) or {}).get("asn")
        if type(asn) is not int:
            asn = _asn(asn)
        if asn:
            asns[asn] = None
    tcp_ok = tcp_failed = 0
    for result in (control.get("tcp_connect") or {}).values():
        if result.get("status"):
            tcp_ok += 1
        else:
            tcp_failed += 1
    tls_ok = tls_failed = 0
    tls_failure = None
    for result in (control.get("tls_handshake") or {}).values():
        if result.get("status") or (result.get("status") is None and not result.get("failure")):
            tls_ok += 1
        else:
            tls_failed += 1
            tls_failure = tls_failure or normalize_failure(result.get("failure"))
    http = control.get("http_request") or {}
    has_tcp = "tcp_connect" in control
    has_tls = "tls_handshake" in control
    return (
        normalize_failure(dns.get("failure")),
        addrs,
        list(asns),
        tcp_ok if has_tcp else None,
        tcp_failed if has_tcp else None,
        tls_ok if has_tls else None,
        tls_failed if has_tls else None,
        tls_failure,
        normalize_failure(http.get("failure")),
        _positive_int(http.get("status_code")) or None,
        _positive_int(http.get("body_length")),
        (http.get("title") or None),
    )


PROBE_COLUMNS = ("probe_blocking", "probe_accessible", "x_blocking_flags", "body_length_match", "body_proportion",
                 "status_code_match", "headers_match", "title_match")


def probe_analysis_fields(test_keys: dict) -> tuple:
    get = test_keys.get
    blocking = get("blocking")
    if blocking is False:
        blocking = "false"
    elif blocking is True:
        blocking = "true"
    flags = get("x_blocking_flags")
    proportion = get("body_proportion")
    return (
        blocking,
        get("accessible"),
        int(flags) if flags is not None else None,
        get("body_length_match"),
        float(proportion) if proportion is not None else None,
        get("status_code_match"),
        get("headers_match"),
        get("title_match"),
    )


# Three facts about the system resolver's answers that the judgments' fast path (classify_macros.sql)
# tests on every measurement: stored at ingest, they save comparing address lists and running the
# bogon expression for a year of measurements in SQL. The first two are false when there are no
# answers, the third is NULL then. For rows stored before these columns existed (NULL), the SQL
# computes the same from the lists (imap_answers_in_control, imap_answers_explained,
# imap_first_answer_bogon).
ANSWER_COLUMNS = ("dns_answers_in_control", "dns_answers_explained", "dns_first_answer_bogon")

# imap_is_bogon of classify_macros.sql, the same expressions (RE2 there, `re` here: they use nothing
# the two read differently; `$` is written \Z, since Python's `$` also matches before a final newline).
# tests/test_parse_answer_checks.py compares them on the corpora and on every range's edges.
_BOGON_V4_PREFIXES = (
    r"(0|10|127|22[4-9]|2[3-5][0-9])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|169\.254\.|"
    r"172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.|198\.1[89]\.|192\.0\.[02]\.|198\.51\.100\.|203\.0\.113\."
)
_BOGON_V6 = re.compile(r"(::1?\Z|f[cd][0-9a-f]{0,2}:|fe[89ab][0-9a-f]?:|2001:db8:|::ffff:(" + _BOGON_V4_PREFIXES + "))")
_BOGON_V4 = re.compile(r"(" + _BOGON_V4_PREFIXES + r")[0-9.]*\Z")


def is_bogon(address: str) -> bool:
    """A private, loopback, link-local, shared, documentation, benchmark, multicast or reserved address
    (imap_is_bogon in classify_macros.sql, which explains the ranges)."""
    if ":" in address:
        return _BOGON_V6.match(address.lower()) is not None
    return _BOGON_V4.match(address) is not None


def answer_checks(answers: list[str], control_addrs: list[str], doh_answers: list[str], tls_ok_ips: list[str]) -> tuple:
    """(every answer is one the control got; every answer is one the control, DoH or a verified
    handshake got; the first answer is a bogon): list_has_all in SQL, on lists of a few addresses.
    False, false and None without answers."""
    if not answers:
        return (False, False, None)
    first_bogon = is_bogon(answers[0])
    if all(answer in control_addrs for answer in answers):
        return (True, True, first_bogon)
    explained = all(answer in control_addrs or answer in doh_answers or answer in tls_ok_ips for answer in answers)
    return (False, explained, first_bogon)
