"""`imap export verdicts`: the monthly verdicts of a period as CSV (lists joined by spaces) or JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from warehouse.db import read_sql
from warehouse.periods import Period


def verdict_rows(con: duckdb.DuckDBPyConnection, period: Period, country: str | None = None) -> list[dict]:
    cursor = con.execute(
        read_sql("export_verdicts.sql"),
        {"first_month": period.first_month, "last_month": period.last_month, "country": country},
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def render(rows: list[dict], fields: Sequence[str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{f: row[f] for f in fields} for row in rows], ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow(
            [" ".join(map(str, row[f])) if isinstance(row[f], list) else ("" if row[f] is None else row[f]) for f in fields]
        )
    return buffer.getvalue()


def write_verdicts(rows: list[dict], fields: Sequence[str], fmt: str, out: Path | None) -> None:
    """To ``out`` atomically (a half-written export never replaces a good one), or to stdout."""
    text = render(rows, fields, fmt)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    partial = out.with_name(out.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, out)
