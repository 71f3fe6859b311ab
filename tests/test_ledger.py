"""The ledger: every value stored and read back, append-only, versioned, one writer, safe on shared folders."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmo_xl.ledger import (
    POSTGRESQL,
    SCHEMA_VERSION,
    SQLITE,
    LedgerError,
    content_fingerprint,
    lock_path_for,
    migration_sql,
    now_stamp,
    open_ledger,
    synced_folder_warning,
)
from tests.collect_builders import status_submission
from tests.ledger_backends import database_error, is_postgres, raw_connection, set_schema_version


def test_stores_every_header_field_and_table_value_with_its_type(ledger_target):
    submission = status_submission()
    path = ledger_target
    with open_ledger(path, write=True) as ledger:
        submission_id = ledger.add_submission(submission, now_stamp())
    with open_ledger(path) as ledger:
        stored = ledger.stored_submission(submission_id)
    header = stored.header
    assert header["file_name"] == submission.file_name
    assert header["sha256"] == submission.sha256
    assert header["size"] == 20_000
    assert (header["template_id"], header["template_version"]) == ("project_status", "1.0")
    assert (header["project_id"], header["reporting_period"]) == ("PRJ-001", "2026-11")
    assert header["generation_token"] == "tok-1"
    assert header["submitted_on"] == "2026-12-03"
    assert header["collected_at"].startswith(str(dt.date.today().year))
    assert stored.fields == submission.fields
    assert stored.fields["start_date"] == dt.date(2026, 3, 1)
    assert isinstance(stored.fields["budget_original"], float)
    for table, rows in submission.tables.items():
        assert stored.tables.get(table, []) == rows, table


def test_the_ledger_is_append_only(ledger_target):
    """Enforced by the database itself, on both: SQLite's RAISE(ABORT), PostgreSQL's plpgsql trigger (TRUNCATE
    too, which fires no row trigger)."""
    path = ledger_target
    with open_ledger(path, write=True) as ledger:
        ledger.add_submission(status_submission(), now_stamp())
        ledger.add_rejections([])
        ledger.add_register([], "register.csv", "abc")
    connection = raw_connection(path)
    statements = [
        "UPDATE submission SET project_id = 'X'",
        "DELETE FROM submission",
        "DELETE FROM field_value",
        "UPDATE table_row SET row_values = '{}'",
        "UPDATE register_snapshot SET sha256 = 'x'",
        "DELETE FROM register_snapshot",
    ]
    if is_postgres(path):
        statements += [f"TRUNCATE {table} CASCADE" for table in ("submission", "register_snapshot", "decision")]
    for statement in statements:
        with pytest.raises(database_error(path), match="append-only"):
            connection.execute(statement)
    connection.close()
    with open_ledger(path) as ledger:
        assert (ledger.counts()["submission"], ledger.counts()["register_snapshot"]) == (1, 1)
        assert ledger.integrity() == []


def test_rollback_journal_not_wal_and_no_wal_files(tmp_path):
    path = tmp_path / "ledger.db"
    with open_ledger(path, write=True) as ledger:
        ledger.add_submission(status_submission(), now_stamp())
        assert ledger._connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"]


def test_schema_is_versioned_and_a_newer_ledger_is_refused(ledger_target):
    path = ledger_target
    with open_ledger(path, write=True) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
    set_schema_version(path, SCHEMA_VERSION + 1)
    with pytest.raises(LedgerError, match="newer pmo-xl"):
        open_ledger(path, write=True)
    with pytest.raises(LedgerError, match="newer pmo-xl"):
        open_ledger(path)
    if not is_postgres(path):
        assert not lock_path_for(path).exists(), "a refused open must not leave its lock behind"


def test_a_file_that_is_not_a_ledger_is_refused_clearly(tmp_path):
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="not a pmo ledger"):
        open_ledger(path, write=True)


def test_reading_a_ledger_that_does_not_exist_says_how_to_make_one(tmp_path, postgres_url):
    with pytest.raises(LedgerError, match="pmo collect"):
        open_ledger(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(LedgerError, match="no ledger in this database yet; run `pmo collect"):
        open_ledger(postgres_url)  # an empty database: a reader makes nothing in it
    with raw_connection(postgres_url) as connection:
        assert connection.execute("SELECT to_regclass('submission')").fetchone() == (None,)


def test_one_writer_at_a_time_and_the_lock_names_its_holder(tmp_path):
    path = tmp_path / "ledger.db"
    with open_ledger(path, write=True):
        assert lock_path_for(path).exists()
        with pytest.raises(LedgerError, match="being written by") as raised:
            open_ledger(path, write=True)
        assert str(os.getpid()) in str(raised.value)
        with open_ledger(path) as reader:  # readers need no lock
            assert reader.counts()["submission"] == 0
    assert not lock_path_for(path).exists()


def test_a_lock_left_by_a_dead_process_on_this_machine_is_taken_over(tmp_path):
    path = tmp_path / "ledger.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    lock_path_for(path).write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "user": "x", "since": "earlier"})
    )
    with open_ledger(path, write=True) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION


def test_a_lock_held_on_another_machine_is_respected(tmp_path):
    path = tmp_path / "ledger.db"
    lock_path_for(path).write_text(json.dumps({"pid": 1, "host": "PMO-LAPTOP-7", "user": "kim", "since": "09:00"}))
    with pytest.raises(LedgerError, match="kim on PMO-LAPTOP-7"):
        open_ledger(path, write=True)


def test_warns_when_the_ledger_sits_in_a_onedrive_or_sharepoint_folder(tmp_path):
    synced = tmp_path / "OneDrive - Contoso" / "PMO"
    with open_ledger(synced / "ledger.db", write=True) as ledger:
        assert ledger.warnings and "OneDrive" in ledger.warnings[0]
    assert synced_folder_warning(tmp_path / "Contoso" / "SharePoint - PMO Site" / "l.db", environ={})
    business = tmp_path / "Business"
    warning = synced_folder_warning(business / "x" / "l.db", environ={"OneDriveCommercial": str(business)})
    assert warning and "OneDriveCommercial" in warning
    assert synced_folder_warning(tmp_path / "local" / "l.db", environ={}) is None


def test_content_fingerprint_ignores_the_file_but_not_the_values():
    first = status_submission(file_name="a.xlsx")
    renamed = status_submission(file_name="b.xlsx", salt="other bytes")
    changed = status_submission(fields={"actual_to_date": 301.0})
    assert first.sha256 != renamed.sha256
    assert content_fingerprint(first) == content_fingerprint(renamed)
    assert content_fingerprint(first) != content_fingerprint(changed)


def test_all_or_nothing_when_storing_a_batch_on_sqlite_and_for_each_submission_on_postgresql(ledger_target):
    """SQLite: one writer, one transaction for the run. PostgreSQL: several analysts at once, each submission its
    own transaction (what was stored before stays; nothing of the failed one is half there)."""
    path = ledger_target
    good = status_submission()
    bad = status_submission(project_id="PRJ-002", fields={"weird": object()})  # not storable
    with open_ledger(path, write=True) as ledger:
        with pytest.raises(TypeError):
            ledger.add_submissions([(good, now_stamp(), "c1"), (bad, now_stamp(), "c2")])
        counts = ledger.counts()
        if is_postgres(path):
            assert counts["submission"] == 1 and counts["field_value"] == len(good.fields)
            assert set(ledger.submissions()["project_id"]) == {"PRJ-001"}
        else:
            assert set(counts.values()) == {0}


def test_an_older_ledger_is_upgraded_on_write_and_refused_read_only(ledger_target):
    path = ledger_target
    if is_postgres(path):
        with raw_connection(path) as connection:  # the ledger a release before the newest migration made
            for number in range(1, SCHEMA_VERSION):
                connection.execute(migration_sql(number, POSTGRESQL))
            connection.execute("CREATE TABLE pmo_ledger_version (version INTEGER NOT NULL)")
            connection.execute(f"INSERT INTO pmo_ledger_version VALUES ({SCHEMA_VERSION - 1})")
        with pytest.raises(LedgerError, match="older; upgrade it once with `pmo ledger rebuild --ledger "):
            open_ledger(path)
    else:
        sqlite3.connect(path).close()  # version 0: an empty database
        with pytest.raises(LedgerError, match="older; upgrade it once with `pmo ledger rebuild --ledger "):
            open_ledger(path)
    with open_ledger(path, write=True) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
        assert ledger.counts()["submission"] == 0
    with open_ledger(path) as reader:
        assert reader.schema_version == SCHEMA_VERSION


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.dates(),
    st.datetimes(),
)


# A field's name is stored as text, and PostgreSQL's text holds no NUL: no workbook's name can hold one (XML 1.0 has
# no such character). Values may hold it: they are stored as JSON, which escapes it. Nor a lone surrogate (no XML
# or UTF-8 text holds one): st.characters() draws them unless told not to (st.text's own alphabet, the values',
# leaves them out), and a run drew '\ud800' as a name.
names = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(names, values, max_size=8), cells=st.lists(values, max_size=6))
def test_every_value_reads_back_as_stored(ledger_target, fields, cells):
    path = (
        ledger_target
        if is_postgres(ledger_target)
        else ledger_target.with_name(f"ledger-{abs(hash((str(fields), str(cells))))}.db")
    )
    row = {f"c{index}": value for index, value in enumerate(cells)}
    submission = replace(status_submission(), fields=fields, tables={"RAID": [row]} if row else {})
    with open_ledger(path, write=True) as ledger:
        submission_id = ledger.add_submission(submission, now_stamp())
        stored = ledger.stored_submission(submission_id)
    if not is_postgres(path):
        path.unlink()
    assert stored.fields == fields
    assert {name: type(value) for name, value in stored.fields.items()} == {n: type(v) for n, v in fields.items()}
    assert stored.tables.get("RAID", [{}])[0] == row


def test_a_run_killed_mid_transaction_is_completed_not_called_damaged(tmp_path):
    """A collect killed while writing leaves a hot journal; pmo report must not call the ledger damaged."""
    import subprocess
    import sys
    from pathlib import Path

    from click.testing import CliRunner

    from pmo_xl.cli import main

    path = tmp_path / "ledger.db"
    with open_ledger(path, write=True) as ledger:
        ledger.add_submission(status_submission(), now_stamp())
    writer = (
        "import os, sqlite3\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('PRAGMA cache_size=1'); c.execute('BEGIN IMMEDIATE')\n"
        "c.execute('CREATE TABLE scratch (x)')\n"
        "for i in range(20000): c.execute('INSERT INTO scratch VALUES (?)', ('x' * 200,))\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", writer], check=False)
    assert Path(f"{path}-journal").stat().st_size > 0  # the hot journal a killed run leaves
    result = CliRunner().invoke(main, ["report", str(tmp_path / "r.html"), "--ledger", str(path)])
    assert result.exit_code == 0, result.output
    assert "damaged" not in result.output and not Path(f"{path}-journal").exists()
    with open_ledger(path) as ledger:
        assert ledger.counts()["submission"] == 1  # what was recorded stays recorded
        assert "scratch" not in {row[0] for row in ledger._connection.execute("SELECT name FROM sqlite_master")}


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_each_migration_step_upgrades_a_ledger_of_the_version_before_on_both_back_ends(ledger_target, version):
    """A ledger left at `version` by an older release (its data in it) takes every later step, each on both
    databases, and keeps what it held."""
    with raw_connection(ledger_target) as connection:
        for number in range(1, version + 1):
            if is_postgres(ledger_target):
                connection.execute(migration_sql(number, POSTGRESQL))
            else:
                connection.executescript(migration_sql(number, SQLITE))
        if version and is_postgres(ledger_target):
            connection.execute(
                f"CREATE TABLE pmo_ledger_version (version INTEGER NOT NULL); INSERT INTO pmo_ledger_version VALUES ({version})"
            )
        elif version:
            connection.execute(f"PRAGMA user_version = {version}")
        if version:
            connection.execute(
                "INSERT INTO submission (file_name, source_path, sha256, size, content_sha256, template_id, "
                "template_version, project_id, reporting_period, generation_token, collected_at) "
                "VALUES ('a.xlsx', 'inbox/a.xlsx', 's1', 1, 'c1', 'project_status', '1.0', 'P-1', '2026-11', 't', 'x')"
            )
    with open_ledger(ledger_target, write=True) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION and ledger.integrity() == []
        assert ledger.counts()["submission"] == (1 if version else 0)
        assert ledger.submissions()["source_version"].tolist() == ([""] if version else [])
