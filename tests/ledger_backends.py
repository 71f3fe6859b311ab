"""The two back ends of the ledger, as a test reaches under the ledger module: a raw connection to either, the
error its database raises, and its schema version set by hand (a ledger from a newer release)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pmo_xl.ledger import is_server_url


def is_postgres(target: Path | str) -> bool:
    return is_server_url(target)


def raw_connection(target: Path | str):
    """A connection beside the ledger's own, committing each statement: sqlite3 or psycopg."""
    if is_postgres(target):
        import psycopg

        return psycopg.connect(str(target), autocommit=True)
    return sqlite3.connect(target, isolation_level=None)


def database_error(target: Path | str) -> type[Exception]:
    if is_postgres(target):
        import psycopg

        return psycopg.Error
    return sqlite3.DatabaseError


def set_schema_version(target: Path | str, version: int) -> None:
    connection = raw_connection(target)
    try:
        if is_postgres(target):
            connection.execute("UPDATE pmo_ledger_version SET version = %s", (version,))
        else:
            connection.execute(f"PRAGMA user_version = {version}")
    finally:
        connection.close()
