"""Faster local run history: no fsync on Dagster's SQLite files.

A single-run backfill of a year writes about 750 partition materializations, each a handful of
SQLite transactions in the local instance; with SQLite's default `synchronous=FULL` every one of
them waits for the disk (tens of seconds per year on a virtual disk, more than the work itself).
Run history is bookkeeping, not data: the warehouse is DuckDB with its own durability. So for
SQLite databases inside imap's Dagster home only, we turn syncing off. An application crash stays
safe; an operating-system crash or power loss may lose or damage the run history (delete
`.dagster_home/` to start afresh). A shared deployment uses PostgreSQL and is unaffected.
"""

from __future__ import annotations

import os
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _database_file(connection: sqlite3.Connection) -> str:
    row = connection.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def _relax(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    home = os.environ.get("DAGSTER_HOME")
    if home and _database_file(dbapi_connection).startswith(os.path.realpath(home) + os.sep):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def relax_local_run_history_durability() -> None:
    """Install the SQLAlchemy connect hook once per process."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _relax)
        _installed = True
