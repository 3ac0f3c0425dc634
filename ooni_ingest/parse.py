"""One raw web_connectivity measurement -> one `measurements` row.

`parse_measurement` is the single place that decides what is stored and what is skipped; every
source (bucket, mirror, API, `imap classify FILE`) goes through it. Input that cannot be stored
raises `SkipMeasurement(reason, message)`; the reasons are listed in warehouse/sql/schema.sql.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import orjson

from ooni_ingest import extract
from ooni_ingest.schema import COLUMNS, MEASUREMENT_SCHEMA, rows_to_frame

__all__ = [
    "COLUMNS",
    "MEASUREMENT_SCHEMA",
    "SUPPORTED_TEST_VERSIONS",
    "SkipMeasurement",
    "measurement_key",
    "parse_measurement",
    "rows_to_frame",
]

TEST_NAME = "web_connectivity"
# Major.minor prefixes this parser understands. 0.4 is the classic algorithm (ooniprobe 3 up to
# 2023), 0.5 the rewrite ("webconnectivitylte") with extra DNS engines and TLS handshakes.
SUPPORTED_TEST_VERSIONS = ("0.4.", "0.5.")


class SkipMeasurement(Exception):
    """This input is not stored; `reason` is one of the ingest_skips reasons."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def measurement_key(uid: str | None, raw: dict) -> str:
    """`measurement_uid`, or for files written by a probe itself (no uid) a hash of the measurement's content.

    Probe-written measurements have no uid and often an empty report_id, and measurements of one run
    share URL, start time and ASN (OONI's QA samples: 35 scenarios, 18 such tuples), so nothing short of
    the whole content tells them apart. The content is hashed in a canonical form (keys sorted at every
    level, no whitespace, strings unescaped and numbers as parsed): the same measurement re-serialised,
    re-indented or with its keys reordered gets the same key, while any difference in what it says
    gives another.
    """
    if uid:
        return uid
    try:
        canonical = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # e.g. nested deeper than orjson writes (254 levels)
        raise SkipMeasurement("invalid_field", f"no measurement_uid, and its content cannot be hashed: {exc}") from None
    return "noid:" + hashlib.sha1(canonical).hexdigest()


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        raise SkipMeasurement("invalid_field", f"measurement_start_time is {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SkipMeasurement("invalid_field", f"measurement_start_time {value!r} is not a date and time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _parse_asn(value: Any, field: str, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            raise SkipMeasurement("invalid_field", f"{field} is missing")
        return None
    try:
        return int(str(value).upper().removeprefix("AS"))
    except ValueError:
        raise SkipMeasurement("invalid_field", f"{field} {value!r} is not an AS number") from None


def _optional_str(raw: dict, field: str) -> str | None:
    value = raw.get(field)
    if value is None or isinstance(value, str):
        return value
    raise SkipMeasurement("invalid_field", f"{field} is a {type(value).__name__}, not a string")


def check_identity(raw: Any, country: str | None = None) -> dict:
    """The filters every source applies before the expensive part; returns test_keys."""
    if not isinstance(raw, dict):
        raise SkipMeasurement("not_an_object", f"a JSON {type(raw).__name__}, not an object")
    test_name = raw.get("test_name")
    if test_name != TEST_NAME:
        raise SkipMeasurement("wrong_test_name", f"test_name is {test_name!r}")
    if country is not None and raw.get("probe_cc") != country:
        raise SkipMeasurement("wrong_country", f"probe_cc is {raw.get('probe_cc')!r}, not {country}")
    version = raw.get("test_version")
    if not isinstance(version, str) or not version.startswith(SUPPORTED_TEST_VERSIONS):
        raise SkipMeasurement("unknown_test_version", f"test_version {version!r} is not 0.4.x or 0.5.x")
    test_keys = raw.get("test_keys")
    if not isinstance(test_keys, dict) or not test_keys:
        raise SkipMeasurement("no_test_keys", "the measurement has no test_keys")
    return test_keys


def parse_measurement(
    raw: Any,
    *,
    ingest_day: date,
    ingest_source: str,
    source_file: str,
    source_line: int | None,
    country: str | None = None,
) -> dict[str, Any]:
    """The `measurements` row for ``raw``; raises SkipMeasurement for input that is not stored.

    ``country`` (e.g. "KH") rejects measurements from other probe countries as `wrong_country`.
    """
    test_keys = check_identity(raw, country)
    url = raw.get("input")
    if not isinstance(url, str) or not url:
        raise SkipMeasurement("invalid_field", f"input is {url!r}, not a URL")
    domain = extract.host_of_url(url)
    if not domain:
        raise SkipMeasurement("invalid_field", f"input {url!r} has no hostname")
    probe_cc = raw.get("probe_cc")
    if not isinstance(probe_cc, str) or not probe_cc:
        raise SkipMeasurement("invalid_field", f"probe_cc is {probe_cc!r}")
    start_text = raw.get("measurement_start_time")
    start_time = _parse_time(start_text)
    probe_asn = _parse_asn(raw.get("probe_asn"), "probe_asn", required=True)
    uid = _optional_str(raw, "measurement_uid")
    report_id = _optional_str(raw, "report_id")
    annotations = raw.get("annotations") or {}
    runtime = raw.get("test_runtime")

    row: dict[str, Any] = {
        "measurement_key": measurement_key(uid, raw),
        "measurement_uid": uid,
        "report_id": report_id,
        "input": url,
        "domain": domain,
        "ingest_day": ingest_day,
        "ingest_source": ingest_source,
        "source_file": source_file,
        "source_line": source_line,
        "is_synthetic": annotations.get("imap_synthetic") == "true",
        "measurement_start_time": start_time,
        "measurement_day": start_time.date(),
        "probe_cc": probe_cc,
        "probe_asn": probe_asn,
        "probe_network_name": _optional_str(raw, "probe_network_name"),
        "resolver_ip": _optional_str(raw, "resolver_ip"),
        "resolver_asn": _parse_asn(raw.get("resolver_asn"), "resolver_asn", required=False),
        "resolver_network_name": _optional_str(raw, "resolver_network_name"),
        "software_name": _optional_str(raw, "software_name"),
        "software_version": _optional_str(raw, "software_version"),
        "test_version": raw["test_version"],
        "test_runtime": float(runtime) if isinstance(runtime, int | float) else None,
    }
    try:
        _add_test_keys(row, test_keys, url, domain, classic_only=raw["test_version"].startswith("0.5."))
    except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
        raise SkipMeasurement("invalid_field", f"test_keys: {type(exc).__name__}: {exc}") from None
    return row


def _add_test_keys(row: dict[str, Any], test_keys: dict, url: str, domain: str, classic_only: bool) -> None:
    control = test_keys.get("control") or {}
    raw_host = _raw_host(url)
    row["dns_experiment_failure"] = extract.normalize_failure(test_keys.get("dns_experiment_failure"))
    row.update(extract.dns_fields(test_keys.get("queries"), domain, raw_host, classic_only, control.get("ip_info") or {}))
    row["dns_consistency"] = test_keys.get("dns_consistency")
    row.update(extract.tcp_fields(test_keys.get("tcp_connect")))
    row.update(extract.tls_fields(test_keys.get("tls_handshakes")))
    row["http_experiment_failure"] = extract.normalize_failure(test_keys.get("http_experiment_failure"))
    control_row = extract.control_fields(control)
    row.update(extract.http_fields(test_keys.get("requests"), control_row["control_http_body_length"]))
    row["control_failure"] = extract.normalize_failure(test_keys.get("control_failure"))
    row.update(control_row)
    row.update(extract.probe_analysis_fields(test_keys))


def _raw_host(url: str) -> str | None:
    """The hostname as written in the URL, to match queries without normalising each of them."""
    rest = url.partition("//")[2]
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.split(":", 1)[0]
