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
    "measurement_values",
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
    values = measurement_values(raw, ingest_day=ingest_day, ingest_source=ingest_source, source_file=source_file,
                                source_line=source_line, country=country)
    row = dict(zip(COLUMNS, values, strict=True))
    row["http_headers"] = [{"name": name, "value": value} for name, value in row["http_headers"]]
    sample = row["http_body_sample"]
    if isinstance(sample, bytes):
        row["http_body_sample"] = sample.decode("utf-8", "surrogatepass")
    return row


IDENTITY_COLUMNS = (
    "measurement_key", "measurement_uid", "report_id", "input", "domain", "ingest_day", "ingest_source",
    "source_file", "source_line", "is_synthetic", "measurement_start_time", "measurement_day", "probe_cc",
    "probe_asn", "probe_network_name", "resolver_ip", "resolver_asn", "resolver_network_name", "software_name",
    "software_version", "test_version", "test_runtime",
)
# The order measurement_values() produces: the schema's, which this checks when the module loads.
VALUE_COLUMNS = (
    *IDENTITY_COLUMNS,
    "dns_experiment_failure", *extract.DNS_COLUMNS, "dns_consistency",
    *extract.TCP_COLUMNS,
    *extract.TLS_COLUMNS,
    "http_experiment_failure", *extract.HTTP_COLUMNS,
    "control_failure", *extract.CONTROL_COLUMNS,
    *extract.PROBE_COLUMNS,
    *extract.ANSWER_COLUMNS,
)
if VALUE_COLUMNS != COLUMNS:
    raise RuntimeError("ooni_ingest.extract's column groups are out of step with the measurements schema")
INGEST_DAY = COLUMNS.index("ingest_day")
MEASUREMENT_DAY = COLUMNS.index("measurement_day")
SOURCE_LINE = COLUMNS.index("source_line")

_TEST_KEYS_ERRORS = (TypeError, AttributeError, ValueError, KeyError, IndexError)


def measurement_values(
    raw: Any,
    *,
    ingest_day: date,
    ingest_source: str,
    source_file: str,
    source_line: int | None,
    country: str | None = None,
) -> list[Any]:
    """parse_measurement's row as a list in COLUMNS order, what ingest batches into Arrow columns
    (schema.values_to_arrow): http_headers as (name, value) pairs, http_body_sample as text or UTF-8 bytes."""
    test_keys = check_identity(raw, country)
    get = raw.get
    url = get("input")
    if not isinstance(url, str) or not url:
        raise SkipMeasurement("invalid_field", f"input is {url!r}, not a URL")
    domain, raw_host = _hosts_of_url(url)
    if not domain:
        raise SkipMeasurement("invalid_field", f"input {url!r} has no hostname")
    probe_cc = get("probe_cc")
    if not isinstance(probe_cc, str) or not probe_cc:
        raise SkipMeasurement("invalid_field", f"probe_cc is {probe_cc!r}")
    start_time = _parse_time(get("measurement_start_time"))
    probe_asn = _parse_asn(get("probe_asn"), "probe_asn", required=True)
    uid = _optional_str(raw, "measurement_uid")
    report_id = _optional_str(raw, "report_id")
    annotations = get("annotations") or {}
    if not isinstance(annotations, dict):
        raise SkipMeasurement("invalid_field", f"annotations is a {type(annotations).__name__}, not an object")
    runtime = get("test_runtime")
    test_version = raw["test_version"]
    values = [
        measurement_key(uid, raw),
        uid,
        report_id,
        url,
        domain,
        ingest_day,
        ingest_source,
        source_file,
        source_line,
        annotations.get("imap_synthetic") == "true",
        start_time,
        start_time.date(),
        probe_cc,
        probe_asn,
        _optional_str(raw, "probe_network_name"),
        _optional_str(raw, "resolver_ip"),
        _parse_asn(get("resolver_asn"), "resolver_asn", required=False),
        _optional_str(raw, "resolver_network_name"),
        _optional_str(raw, "software_name"),
        _optional_str(raw, "software_version"),
        test_version,
        float(runtime) if isinstance(runtime, int | float) else None,
    ]
    try:
        _add_test_keys(values, test_keys, domain, raw_host, classic_only=test_version.startswith("0.5."))
    except _TEST_KEYS_ERRORS as exc:
        raise SkipMeasurement("invalid_field", f"test_keys: {type(exc).__name__}: {exc}") from None
    return values


def _add_test_keys(values: list, test_keys: dict, domain: str, raw_host: str | None, classic_only: bool) -> None:
    get = test_keys.get
    control = get("control") or {}
    append = values.append
    append(extract.normalize_failure(get("dns_experiment_failure")))
    dns = extract.dns_fields(get("queries"), domain, raw_host, classic_only, control.get("ip_info") or {})
    values += dns
    append(get("dns_consistency"))
    values += extract.tcp_fields(get("tcp_connect"))
    tls = extract.tls_fields(get("tls_handshakes"))
    values += tls
    append(extract.normalize_failure(get("http_experiment_failure")))
    control_values = extract.control_fields(control)
    values += extract.http_fields(get("requests"), control_values[extract.CONTROL_HTTP_BODY_LENGTH])
    append(extract.normalize_failure(get("control_failure")))
    values += control_values
    values += extract.probe_analysis_fields(test_keys)
    values += extract.answer_checks(dns[extract.DNS_ANSWERS], control_values[extract.CONTROL_DNS_ADDRS],
                                    dns[extract.DOH_ANSWERS], tls[extract.TLS_OK_IPS])


_url_hosts: dict[str, tuple[str | None, str | None]] = {}


def _hosts_of_url(url: str) -> tuple[str | None, str | None]:
    """(normalised hostname, hostname as written) of the input URL, remembered: URLs repeat."""
    hosts = _url_hosts.get(url)
    if hosts is None:
        if len(_url_hosts) >= 1 << 16:
            _url_hosts.clear()
        hosts = _url_hosts[url] = (extract.host_of_url(url), _raw_host(url))
    return hosts


def _raw_host(url: str) -> str | None:
    """The hostname as written in the URL, to match queries without normalising each of them."""
    rest = url.partition("//")[2]
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.split(":", 1)[0]
