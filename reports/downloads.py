"""CSV and JSON files for every table of the report, and the provenance manifest."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import polars as pl

# Spreadsheet programs run cells that start with these as formulas ("CSV injection"); test-list
# notes and measured strings are not ours to trust, so such cells get a leading apostrophe in CSV.
FORMULA_PATTERN = r"^[=+\-@\t\r]"
SYNTHETIC_COLUMN = "synthetic_demo_data"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with '; ', formula-looking strings defused."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join("; ")
            dtype = pl.String
        if dtype == pl.String:
            column = (
                pl.when(column.str.contains(FORMULA_PATTERN))
                .then(pl.lit("'") + column)
                .otherwise(column)
            )
        columns.append(column.alias(name))
    return frame.select(columns)


def write_table(folder: Path, name: str, frame: pl.DataFrame, meta: dict[str, Any], synthetic: bool) -> dict[str, Any]:
    """Write ``<name>.csv`` and ``<name>.json``; returns the manifest entry (rows, checksums)."""
    if synthetic:
        frame = frame.with_columns(pl.lit(True).alias(SYNTHETIC_COLUMN)).select(
            SYNTHETIC_COLUMN, *frame.columns
        )
    csv_path = folder / f"{name}.csv"
    _csv_ready(frame).write_csv(csv_path)
    json_path = folder / f"{name}.json"
    document = {**meta, "table": name, "columns": frame.columns, "rows": frame.to_dicts()}
    # orjson: the per-website verdict table of a year has hundreds of thousands of values.
    json_path.write_bytes(orjson.dumps(document, default=_plain) + b"\n")
    return {
        "name": name,
        "rows": frame.height,
        "files": {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in (csv_path, json_path)
        },
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=_plain) + "\n", encoding="utf-8")
    return path
