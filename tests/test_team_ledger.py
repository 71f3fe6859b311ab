"""The team ledger on PostgreSQL (issue 19): the server the tests run, and what only PostgreSQL has."""

from __future__ import annotations

import psycopg
import pytest

from tests import postgres


def test_the_test_server_is_a_real_postgresql_with_a_database_per_test(postgres_server):
    first, second = postgres_server.new_database(), postgres_server.new_database()
    assert first != second
    with psycopg.connect(first) as connection:
        version = connection.execute("SHOW server_version_num").fetchone()[0]
        connection.execute("CREATE TABLE mine (x integer)")
    with psycopg.connect(second) as connection:  # each test's database is its own
        assert connection.execute("SELECT to_regclass('mine')").fetchone() == (None,)
    assert int(version) >= 120000


def test_a_machine_without_postgresql_fails_loudly_naming_the_package(monkeypatch):
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(postgres.PostgresMissing, match="apt-get install postgresql"):
        postgres.find_bin()
