"""The networks reference (warehouse/reference/networks.csv): ISP names and kinds by AS number."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import duckdb

NETWORKS_CSV = Path(__file__).resolve().parents[1] / "reference" / "networks.csv"
KINDS = ("isp", "mobile", "vpn", "hosting", "cdn", "dns_filtering")
COLUMNS = ("asn", "name", "kind", "country", "notes", "source")


class NetworksFileError(ValueError):
    """networks.csv is malformed; the message names the file, line and field."""


def read_networks(path: Path = NETWORKS_CSV) -> list[dict[str, object]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise NetworksFileError(f"{path}: header must be {','.join(COLUMNS)}, got {reader.fieldnames}")
        rows, seen = [], set()
        for row in reader:
            where = f"{path}:{reader.line_num}"
            try:
                asn = int(row["asn"])
            except (TypeError, ValueError):
                raise NetworksFileError(f"{where}: asn {row['asn']!r} is not a number") from None
            if asn in seen:
                raise NetworksFileError(f"{where}: AS{asn} is listed twice")
            if row["kind"] not in KINDS:
                raise NetworksFileError(f"{where}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
            if not (row["name"] or "").strip():
                raise NetworksFileError(f"{where}: name is empty")
            seen.add(asn)
            rows.append({**row, "asn": asn})
    return rows


def load_networks(
    con: duckdb.DuckDBPyConnection, excluded_kinds: Iterable[str], path: Path = NETWORKS_CSV
) -> int:
    """Replace the `networks` table with the reference file; returns the number of networks."""
    rows = read_networks(path)
    excluded = set(excluded_kinds)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM networks")
        con.executemany(
            "INSERT INTO networks (asn, name, kind, country, exclude_from_verdicts, notes, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (r["asn"], r["name"], r["kind"], r["country"] or None, r["kind"] in excluded, r["notes"] or None,
                 r["source"] or None)
                for r in rows
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(rows)
