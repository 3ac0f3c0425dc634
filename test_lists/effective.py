"""The effective list: upstream kh.csv and global.csv plus the project's own entries, one row per URL.

Merge rule (documented in the README, "Test lists"):

- A URL is identified by its exact string, as upstream's own duplicate rules do.
- Precedence: local > kh > global. The project's file overrides upstream (it is where volunteers
  correct a category before upstream merges the fix), and the Cambodia list is more specific than
  the global one. The winning row gives the fields and `list`; `lists` keeps every list the URL is
  on, in that order, so provenance is never lost.
- Within one file the first occurrence of a URL wins (later ones are lint errors anyway).
- `domain` is `hostname_of(url)`, computed exactly as for `measurements.domain`; rows without a
  host cannot be joined to measurements and are skipped, and counted.
- `category_description` is the legend's text for the code (what the report shows); a code the
  legend does not know is mapped when the mistake is unambiguous (`news` -> NEWS) and kept as written
  otherwise, so the lint, not the warehouse, is where bad entries are fixed.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from test_lists.csvfile import ListFile
from test_lists.dates import read_date
from test_lists.legend import Legend
from test_lists.urls import hostname_of

PRECEDENCE = ("local", "kh", "global")

SCHEMA = {
    "url": pl.String,
    "domain": pl.String,
    "category_code": pl.String,
    "category_description": pl.String,
    "date_added": pl.Date,
    "source": pl.String,
    "notes": pl.String,
    "list": pl.String,
    "lists": pl.List(pl.String),
    "upstream_ref": pl.String,
}

REPLACE_TEST_LIST = (
    "DELETE FROM test_list;",
    "INSERT INTO test_list BY NAME SELECT * FROM effective_test_list;",
)
READ_TEST_LIST = "SELECT * FROM test_list ORDER BY list, url"


@dataclass
class EffectiveList:
    frame: pl.DataFrame
    skipped: Counter[str] = field(default_factory=Counter)  # "<list>: <reason>" -> rows

    def counts(self) -> dict[str, int]:
        """Rows per winning list."""
        by_list = dict(self.frame.group_by("list").len().iter_rows())
        return {name: int(by_list.get(name, 0)) for name in PRECEDENCE}

    def overrides(self) -> int:
        """Local rows that replace an upstream entry."""
        local = self.frame.filter(pl.col("list") == "local")
        return int(local.select(pl.col("lists").list.len() > 1).to_series().sum())


def _date(text: str) -> datetime.date | None:
    iso = read_date(text).iso
    return datetime.date.fromisoformat(iso) if iso else None


def build(sources: list[tuple[str, ListFile | None]], legend: Legend, upstream_ref: str | None) -> EffectiveList:
    """Merge ``[(list name, parsed file)]`` given in precedence order."""
    rows: dict[str, dict[str, Any]] = {}
    skipped: Counter[str] = Counter()
    for name, listfile in sources:
        if listfile is None:
            continue
        skipped[f"{name}: wrong number of columns"] += len(listfile.rows) - len(listfile.data_rows())
        seen_here: set[str] = set()
        for record in listfile.data_rows():
            url, code, description, date_added, source, notes = record.fields
            url = url.strip()
            domain = hostname_of(url)
            if domain is None:
                skipped[f"{name}: no host in URL"] += 1
                continue
            if url in seen_here:
                skipped[f"{name}: repeated URL"] += 1
                continue
            seen_here.add(url)
            if url in rows:
                rows[url]["lists"].append(name)
                continue
            code = code.strip()
            if legend.description(code) is None:
                code = legend.suggest(code) or code
            rows[url] = {
                "url": url,
                "domain": domain,
                "category_code": code,
                "category_description": legend.description(code) or description,
                "date_added": _date(date_added),
                "source": source.strip() or None,
                "notes": notes.strip() or None,
                "list": name,
                "lists": [name],
                "upstream_ref": None if name == "local" else upstream_ref,
            }
    frame = pl.DataFrame(list(rows.values()), schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
    return EffectiveList(frame, Counter({k: v for k, v in skipped.items() if v}))


def store(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Replace the warehouse's `test_list` table with ``frame`` in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("effective_test_list", frame.to_arrow())
        for statement in REPLACE_TEST_LIST:
            con.execute(statement)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("effective_test_list")


def read(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The warehouse's effective list as a Polars frame (what coverage and the report start from)."""
    return con.sql(READ_TEST_LIST).pl()
