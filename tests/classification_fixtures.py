"""Helpers of the classification tests: small raw measurements, warehouses with reference data loaded.

Raw measurements are built in OONI's shapes (0.4: system DNS, tcp_connect, requests; 0.5 adds
tls_handshakes, DoH/UDP queries and control.ip_info) and go through the real parser, so the tests
exercise the same path as ingest.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from ooni_ingest.fingerprints import FILES
from ooni_ingest.parse import parse_measurement, rows_to_frame
from warehouse.classification import fingerprints as fp
from warehouse.classification.fingerprints import OONI_COLUMNS
from warehouse.classification.networks import load_networks
from warehouse.db import connect
from warehouse.settings import ClassificationThresholds

SITE_IP = "93.184.216.34"
SITE_ASN = 15133
_counter = itertools.count()


def empty_ooni_dir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (root / name).write_text(",".join(OONI_COLUMNS) + "\n", encoding="utf-8")
    return root


def write_ooni_dir(root: Path, dns_rows: list[str] = (), http_rows: list[str] = ()) -> Path:
    """OONI-format CSVs with the given data lines (already CSV-formatted)."""
    empty_ooni_dir(root)
    for name, rows in zip(FILES, (dns_rows, http_rows), strict=True):
        with open(root / name, "a", encoding="utf-8") as handle:
            handle.writelines(row + "\n" for row in rows)
    return root


def warehouse(ooni_dir: Path, local_file: Path = fp.LOCAL_FINGERPRINTS) -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_networks(con, ClassificationThresholds().excluded_network_kinds)
    fp.store_fingerprints(con, fp.read_ooni_files(ooni_dir, "test", con), fp.read_local_file(local_file, con))
    return con


def insert_raw(con: duckdb.DuckDBPyConnection, raws: list[dict], ingest_day: date = date(2024, 3, 1)) -> list[str]:
    """Parse and store raw measurements with unique keys; returns the keys in order."""
    rows = []
    for raw in raws:
        row = parse_measurement(raw, ingest_day=ingest_day, ingest_source="local", source_file="test", source_line=None)
        row["measurement_key"] = f"k{next(_counter):08d}"
        rows.append(row)
    frame = rows_to_frame(rows)  # noqa: F841 - read by DuckDB below
    con.execute("INSERT INTO measurements BY NAME SELECT * FROM frame")
    return [r["measurement_key"] for r in rows]


def judgment(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    cursor = con.execute("SELECT * FROM measurement_judgments WHERE measurement_key = ?", [key])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def _answers(ips: list[str], asn: int | None) -> list[dict]:
    out = []
    for ip in ips:
        answer = {"answer_type": "AAAA" if ":" in ip else "A", ("ipv6" if ":" in ip else "ipv4"): ip, "ttl": None}
        if asn:
            answer["asn"] = asn
        out.append(answer)
    return out


def raw_measurement(
    url: str = "https://www.example.com/",
    *,
    version: str = "0.4.3",
    asn: int = 38623,
    cc: str = "KH",
    when: datetime = datetime(2024, 3, 1, 10, 0, 0),
    resolver_asn: int | None = None,
    answers: list[str] | None = None,
    answer_asn: int | None = SITE_ASN,
    dns_failure: str | None = None,
    tcp: dict[str, str | None] | None = None,
    tls: dict[str, str | None] | None = None,
    response: dict | None = None,
    http_failure: str | None = None,
    control: bool = True,
    control_addrs: list[str] | None = None,
    control_dns_failure: str | None = None,
    control_tcp_ok: bool = True,
    control_tls_ok: bool = True,
    control_http: dict | None = None,
    doh: list[str] | None = None,
    probe_blocking: Any = False,
    uid: str | None = None,
) -> dict:
    """A web_connectivity measurement. Defaults: the site answers at SITE_IP, everything works.

    ``tcp``/``tls`` map address -> failure (None: success); ``response`` is {"code", "body", "headers"}.
    """
    host = url.split("/")[2].split(":")[0]
    port = 443 if url.startswith("https") else 80
    answers = [SITE_IP] if answers is None and dns_failure is None else (answers or [])
    control_addrs = [SITE_IP] if control_addrs is None else control_addrs
    tcp = {ip: None for ip in answers} if tcp is None else tcp
    v05 = version.startswith("0.5")
    queries = [{
        "hostname": host, "query_type": "ANY" if v05 else "A", "engine": "getaddrinfo" if v05 else "system",
        "resolver_address": "", "failure": dns_failure, "answers": _answers(answers, answer_asn) if answers else None,
    }]
    if v05 and doh:
        queries.append({"hostname": host, "query_type": "A", "engine": "doh", "resolver_address": "https://dns.google/dns-query",
                        "failure": None, "answers": _answers(doh, SITE_ASN)})
    tls_failed = v05 and tls is not None and any(f for f in tls.values())
    if response is None and http_failure is None and any(f is None for f in tcp.values()) and not tls_failed:
        response = {"code": 200, "body": "<html><head><title>Example Domain</title></head><body>hello</body></html>",
                    "headers": {"Content-Type": "text/html"}}
    requests = []
    if response is not None or http_failure is not None:
        resp = None
        if response is not None:
            resp = {"code": response.get("code", 200), "body": response.get("body", ""),
                    "headers_list": [[k, v] for k, v in (response.get("headers") or {}).items()],
                    "body_is_truncated": False}
        requests.append({"request": {"url": url, "method": "GET", "headers_list": []}, "response": resp,
                         "failure": http_failure})
    test_keys: dict[str, Any] = {
        "queries": queries,
        "tcp_connect": [{"ip": ip, "port": port, "status": {"success": f is None, "failure": f, "blocked": False}}
                        for ip, f in tcp.items()],
        "requests": requests,
        "dns_experiment_failure": dns_failure,
        "http_experiment_failure": http_failure or (None if requests else
                                                    (next((f for f in tcp.values() if f), None) if tcp else dns_failure)),
        "control_failure": None if control else "connection_reset",
        "blocking": probe_blocking,
        "accessible": probe_blocking is False,
    }
    if v05 and tls is not None:
        test_keys["tls_handshakes"] = [
            {"address": f"{ip}:443", "server_name": host, "failure": f, "no_tls_verify": False} for ip, f in tls.items()
        ]
        if any(f for f in tls.values()) and not requests:
            test_keys["http_experiment_failure"] = next(f for f in tls.values() if f)
    if control:
        http = {"status_code": 200, "body_length": 74, "title": "Example Domain", "headers": {}, "failure": None}
        http.update(control_http or {})
        test_keys["control"] = {
            "dns": {"addrs": control_addrs, "failure": control_dns_failure},
            "tcp_connect": {f"{ip}:{port}": {"status": control_tcp_ok, "failure": None if control_tcp_ok else "generic_timeout_error"}
                            for ip in control_addrs},
            "http_request": http,
        }
        if v05:
            test_keys["control"]["tls_handshake"] = {
                f"{ip}:443": {"server_name": host, "status": control_tls_ok,
                              "failure": None if control_tls_ok else "ssl_invalid_certificate"}
                for ip in control_addrs
            } if url.startswith("https") else None
            test_keys["control"]["ip_info"] = {ip: {"asn": SITE_ASN, "flags": 11} for ip in control_addrs}
    return {
        "measurement_uid": uid or f"20240301T100000Z_webconnectivity_KH_{asn}_n1_{next(_counter):06d}",
        "report_id": "20240301T100000Z_webconnectivity_KH_test", "input": url,
        "measurement_start_time": when.strftime("%Y-%m-%d %H:%M:%S"), "probe_cc": cc, "probe_asn": f"AS{asn}",
        "probe_network_name": "test network", "resolver_ip": "1.2.3.4", "resolver_asn": f"AS{resolver_asn or asn}",
        "software_name": "ooniprobe", "software_version": "3.20.0", "test_name": "web_connectivity",
        "test_version": version, "test_runtime": 1.0, "annotations": {}, "test_keys": test_keys,
    }


def days(start: date, count: int) -> list[datetime]:
    return [datetime.combine(start + timedelta(days=i), datetime.min.time()) + timedelta(hours=10) for i in range(count)]
