"""Blocking fingerprints: OONI's CSVs plus the reviewed local file, validated and loaded into `fingerprints`.

OONI's files (`fingerprints_dns.csv`, `fingerprints_http.csv`) are taken as published, except rows that
cannot be used (empty pattern, unknown pattern type, a regular expression DuckDB cannot compile):
those are skipped and counted. The local file (warehouse/reference/fingerprints_local.csv) has the
same columns plus `review_status`, and is strict: volunteers edit it by hand, so any bad row is an
error naming the line and field.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

LOCAL_FINGERPRINTS = Path(__file__).resolve().parents[1] / "reference" / "fingerprints_local.csv"
OONI_FILES = ("fingerprints_dns.csv", "fingerprints_http.csv")
OONI_COLUMNS = (
    "name", "scope", "other_names", "location_found", "pattern_type", "pattern",
    "confidence_no_fp", "expected_countries", "source", "exp_url", "notes",
)
LOCAL_COLUMNS = (*OONI_COLUMNS, "review_status")
PATTERN_TYPES = ("full", "prefix", "contains", "regexp")
# `router`: a home or office router's own page (the probe never reached the site); local file only.
LOCAL_SCOPES = ("nat", "isp", "prod", "inst", "fp", "router")
REVIEW_STATUSES = ("confirmed", "likely", "false_positive", "pending")


class FingerprintFileError(ValueError):
    """A fingerprint file is malformed; the message names the file, line and field."""


@dataclass
class FingerprintSet:
    rows: list[dict[str, object]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)   # reason -> count (OONI rows only)
    refs: dict[str, str] = field(default_factory=dict)   # origin -> origin_ref


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records(path: Path, columns: tuple[str, ...]):
    """(line, row) for every record; the line is where the record starts (fields may span lines)."""
    try:
        handle = open(path, newline="", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise FingerprintFileError(f"{path}: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise FingerprintFileError(f"{path}:1: {exc}") from None
        if header is None or tuple(h.strip() for h in header) != columns:
            raise FingerprintFileError(f"{path}:1: header must be {','.join(columns)}, got {','.join(header or [])}")
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FingerprintFileError(f"{path}:{line}: {exc}") from None
            if values and any(v.strip() for v in values):
                if len(values) != len(columns):
                    yield line, None, f"{len(values)} fields, expected {len(columns)}"
                else:
                    yield line, dict(zip(columns, values, strict=True)), None
            line = reader.line_num + 1


def _regexp_error(con: duckdb.DuckDBPyConnection, pattern: str) -> str | None:
    try:
        con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchone()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0]
    return None


def _clean(row: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {k: (v.strip() if k != "pattern" else v) for k, v in row.items()}
    confidence = out.get("confidence_no_fp") or None
    out["confidence_no_fp"] = int(confidence) if confidence and str(confidence).isdigit() else None
    for key in ("other_names", "expected_countries", "source", "exp_url", "notes"):
        out[key] = out.get(key) or None
    return out


def read_ooni_files(directory: Path, origin_ref: str, con: duckdb.DuckDBPyConnection) -> FingerprintSet:
    """OONI's two CSVs from ``directory``; unusable rows are skipped and counted by reason."""
    result = FingerprintSet(refs={"ooni": origin_ref})
    for name in OONI_FILES:
        path = directory / name
        for _line, row, problem in _records(path, OONI_COLUMNS):
            if row is None:
                result.skipped[f"{name}: malformed row ({problem})"] += 1
                continue
            row = _clean(row)
            if not row["name"] or not row["pattern"] or not row["scope"] or not row["location_found"]:
                result.skipped[f"{name}: empty name, scope, location or pattern"] += 1
            elif row["pattern_type"] not in PATTERN_TYPES:
                result.skipped[f"{name}: unknown pattern_type {row['pattern_type']!r}"] += 1
            elif row["pattern_type"] == "regexp" and _regexp_error(con, str(row["pattern"])):
                result.skipped[f"{name}: regular expression DuckDB cannot compile"] += 1
            else:
                result.rows.append({**row, "origin": "ooni", "review_status": None, "origin_ref": origin_ref})
    return result


def read_local_file(path: Path, con: duckdb.DuckDBPyConnection) -> FingerprintSet:
    """The reviewed local file; any malformed row raises FingerprintFileError naming line and field."""
    ref = "sha256:" + file_digest(path)[:16]
    result = FingerprintSet(refs={"local": ref})
    names: dict[str, int] = {}
    for line, row, problem in _records(path, LOCAL_COLUMNS):
        where = f"{path}:{line}"
        if row is None:
            raise FingerprintFileError(f"{where}: {problem}")
        row = _clean(row)
        for column in ("name", "scope", "location_found", "pattern_type", "pattern", "review_status"):
            if not row[column]:
                raise FingerprintFileError(f"{where}: {column} is empty")
        if row["name"] in names:
            raise FingerprintFileError(f"{where}: name {row['name']!r} already used on line {names[row['name']]}")
        names[str(row["name"])] = line
        checks = (
            ("scope", LOCAL_SCOPES),
            ("pattern_type", PATTERN_TYPES),
            ("review_status", REVIEW_STATUSES),
        )
        for column, allowed in checks:
            if row[column] not in allowed:
                raise FingerprintFileError(f"{where}: {column} {row[column]!r} is not one of {', '.join(allowed)}")
        location = str(row["location_found"]).lower()
        if location not in ("dns", "body") and not (location.startswith("header.") and len(location) > 7):
            raise FingerprintFileError(f"{where}: location_found {location!r} is not dns, body or header.<name>")
        if row["pattern_type"] == "regexp" and (error := _regexp_error(con, str(row["pattern"]))):
            raise FingerprintFileError(f"{where}: pattern is not a valid regular expression: {error}")
        result.rows.append({**row, "origin": "local", "origin_ref": ref})
    return result


_INSERT_COLUMNS = (*OONI_COLUMNS, "origin", "review_status", "origin_ref")


def store_fingerprints(con: duckdb.DuckDBPyConnection, *sets: FingerprintSet) -> int:
    """Replace the `fingerprints` table with ``sets`` in one transaction; returns the row count."""
    import polars as pl

    rows = [row for s in sets for row in s.rows]
    frame = pl.DataFrame(  # noqa: F841 - read by DuckDB's replacement scan below
        {column: [row.get(column) for row in rows] for column in _INSERT_COLUMNS},
        schema={column: pl.Int32 if column == "confidence_no_fp" else pl.String for column in _INSERT_COLUMNS},
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM fingerprints")
        con.execute("INSERT INTO fingerprints BY NAME SELECT * FROM frame")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(rows)
