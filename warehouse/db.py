"""Opening the DuckDB warehouse with its schema applied."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

SQL_PACKAGE = "warehouse.sql"


def read_sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>``; SQL lives in files, not in f-strings."""
    return resources.files(SQL_PACKAGE).joinpath(name).read_text(encoding="utf-8")


# Warehouses made before tier 1 was split into stored rule judgments and a view have a
# measurement_judgments table holding every judgment; renamed to ruled_judgments, it is made
# consistent with the view by migrate_split_judgments.sql.
OLD_JUDGMENTS_TABLE = """
SELECT count(*) FROM information_schema.tables
WHERE table_schema = 'main' AND table_name = 'measurement_judgments' AND table_type = 'BASE TABLE'
"""


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    migrate = con.execute(OLD_JUDGMENTS_TABLE).fetchone()[0] > 0
    if migrate:
        con.execute("BEGIN TRANSACTION")
        con.execute("ALTER TABLE measurement_judgments RENAME TO ruled_judgments")
    try:
        con.execute(read_sql("schema.sql"))
        if migrate:
            con.execute(read_sql("migrate_split_judgments.sql"))
            con.execute("COMMIT")
    except BaseException:
        if migrate:
            con.execute("ROLLBACK")
        raise


def connect(db_path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``db_path`` with every table present.

    ``":memory:"`` gives a throwaway warehouse for tests.
    """
    if str(db_path) != ":memory:":
        path = Path(db_path)
        if read_only and not path.exists():
            raise FileNotFoundError(f"{path}: no warehouse here yet; run `imap run` or `imap demo` first")
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=read_only)
    if not read_only:
        apply_schema(con)
    return con
