"""The `measurements` row as a Polars schema, and turning parsed rows into frames.

The DuckDB table in warehouse/sql/schema.sql is the contract; this mirrors it column for column and
in the same order (tests/test_parse_schema.py compares the two), so a frame can be inserted by name
without casts and Arrow carries it into DuckDB without copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
import pyarrow as pa

_S = pl.String
_I = pl.Int32
_B = pl.Boolean
_LS = pl.List(pl.String)
_LI = pl.List(pl.Int32)
HEADER = pl.Struct({"name": pl.String, "value": pl.String})

MEASUREMENT_SCHEMA = pl.Schema(
    [
        ("measurement_key", _S), ("measurement_uid", _S), ("report_id", _S), ("input", _S), ("domain", _S),
        ("ingest_day", pl.Date), ("ingest_source", _S), ("source_file", _S), ("source_line", _I),
        ("is_synthetic", _B), ("measurement_start_time", pl.Datetime("us")), ("measurement_day", pl.Date),
        ("probe_cc", _S), ("probe_asn", _I), ("probe_network_name", _S),
        ("resolver_ip", _S), ("resolver_asn", _I), ("resolver_network_name", _S),
        ("software_name", _S), ("software_version", _S), ("test_version", _S), ("test_runtime", pl.Float64),
        # DNS
        ("dns_experiment_failure", _S), ("dns_failure", _S), ("dns_answers", _LS), ("dns_answer_asns", _LI),
        ("dns_cnames", _LS), ("doh_answers", _LS), ("dns_udp_answers", _LS), ("dns_udp_failure", _S),
        ("dns_consistency", _S),
        # TCP
        ("tcp_attempts", _I), ("tcp_failures", _I), ("tcp_failure", _S), ("tcp_blocked", _I),
        ("tcp_ok_ips", _LS), ("tcp_failed_ips", _LS),
        # TLS
        ("tls_attempts", _I), ("tls_failures", _I), ("tls_failure", _S), ("tls_ok_ips", _LS),
        ("tls_failed_ips", _LS),
        # HTTP
        ("http_experiment_failure", _S), ("http_failure", _S), ("http_request_url", _S),
        ("http_redirects", _I), ("http_status", _I), ("http_body_length", _I), ("http_body_truncated", _B),
        ("http_body_sha1", _S), ("http_title", _S), ("http_headers", pl.List(HEADER)), ("http_body_sample", _S),
        # Control
        ("control_failure", _S), ("control_dns_failure", _S), ("control_dns_addrs", _LS),
        ("control_dns_asns", _LI), ("control_tcp_ok", _I), ("control_tcp_failures", _I),
        ("control_tls_ok", _I), ("control_tls_failures", _I), ("control_tls_failure", _S),
        ("control_http_failure", _S), ("control_http_status", _I), ("control_http_body_length", _I),
        ("control_http_title", _S),
        # The probe's own analysis
        ("probe_blocking", _S), ("probe_accessible", _B), ("x_blocking_flags", _I), ("body_length_match", _B),
        ("body_proportion", pl.Float64), ("status_code_match", _B), ("headers_match", _B), ("title_match", _B),
        # Derived at ingest for the judgments' fast path (ooni_ingest.extract.answer_checks)
        ("dns_answers_in_control", _B), ("dns_answers_explained", _B), ("dns_first_answer_bogon", _B),
    ]
)

COLUMNS: tuple[str, ...] = tuple(MEASUREMENT_SCHEMA.names())



def _arrow_type(dtype: pl.DataType) -> pa.DataType:
    if isinstance(dtype, pl.List):
        return pa.list_(_arrow_type(dtype.inner))
    if isinstance(dtype, pl.Struct):
        return pa.struct([(f.name, _arrow_type(f.dtype)) for f in dtype.fields])
    if isinstance(dtype, pl.Datetime):
        return pa.timestamp("us")
    return {
        pl.String: pa.string(), pl.Int32: pa.int32(), pl.Int64: pa.int64(), pl.Boolean: pa.bool_(),
        pl.Float64: pa.float64(), pl.Date: pa.date32(),
    }[dtype.base_type()]


# The same schema for Arrow, which ingest writes directly: pyarrow converts nested Python lists in
# C++, several times faster than building the equivalent Polars series element by element.
ARROW_SCHEMA = pa.schema([(name, _arrow_type(dtype)) for name, dtype in MEASUREMENT_SCHEMA.items()])


def rows_to_arrow(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Parsed rows (dicts keyed by column name) as an Arrow table in the `measurements` schema.

    Raises pyarrow.ArrowInvalid / ArrowTypeError / OverflowError when a value does not fit its column.
    """
    values = []
    for row in rows:
        row_values = [row[name] for name in COLUMNS]
        headers = row_values[_HEADERS_INDEX]
        if headers is not None:
            row_values[_HEADERS_INDEX] = [(header["name"], header["value"]) for header in headers]
        values.append(row_values)
    return values_to_arrow(values)


def values_to_arrow(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows as value lists in COLUMNS order (what ingest builds) as an Arrow table, column by column.

    Transposing the batch once (``zip(*rows)``, in C) and handing pyarrow one sequence per column
    costs a fraction of looking every value up by name in a dict per row. http_headers are
    (name, value) pairs; http_body_sample may be UTF-8 bytes (validated here as text).
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_FIELDS)
    arrays = []
    for index, ((_, arrow_type), values) in enumerate(zip(_FIELDS, columns, strict=True)):
        if index == _HEADERS_INDEX:
            arrays.append(_headers_array(values, arrow_type))
        elif index == _SAMPLE_INDEX:
            # Bytes go in as they are; the cast checks they are UTF-8 (ArrowInvalid otherwise).
            arrays.append(pa.array(values, pa.binary()).cast(arrow_type))
        else:
            arrays.append(pa.array(values, arrow_type))
    return pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)


_FIELDS = [(field.name, field.type) for field in ARROW_SCHEMA]
_HEADERS_INDEX = COLUMNS.index("http_headers")
_SAMPLE_INDEX = COLUMNS.index("http_body_sample")


def _headers_array(values: Sequence[list[tuple[str, str]] | None], arrow_type: pa.ListType) -> pa.Array:
    """A list-of-struct column from flat name and value arrays: converting each header on its own
    is the slowest part of building a batch."""
    offsets = [0]
    names: list[str] = []
    texts: list[str] = []
    valid = []
    count = 0
    for headers in values:
        valid.append(headers is not None)
        if headers:
            for name, text in headers:
                names.append(name)
                texts.append(text)
            count += len(headers)
        offsets.append(count)
    struct_type = arrow_type.value_type
    items = pa.StructArray.from_arrays(
        [pa.array(names, type=pa.string()), pa.array(texts, type=pa.string())], fields=list(struct_type)
    )
    mask = None if all(valid) else pa.array([not v for v in valid])
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), items, type=arrow_type, mask=mask)


def rows_to_frame(rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """Parsed rows as a Polars frame in the `measurements` schema (built through Arrow, no copies)."""
    frame = pl.from_arrow(rows_to_arrow(rows))
    assert isinstance(frame, pl.DataFrame)
    return frame
