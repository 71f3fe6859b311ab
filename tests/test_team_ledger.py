"""The team ledger on PostgreSQL (issue 19): the server the tests run, and what only PostgreSQL has."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.run import collect_candidates
from pmo_xl.demo.data import demo_projects, fill_demo_inbox
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import SCHEMA_VERSION, LedgerError, copy_ledger, now_stamp, open_ledger, role_grants
from pmo_xl.reporting.history import history_frame, rebuild_ledger
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests import postgres
from tests.collect_builders import candidate, status_submission
from tests.killing import kill_at_random_moments


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


# -- several analysts collecting at once ------------------------------------------------------------------------

PERIOD = "2026-11"
PMO = [str(Path(sys.executable).parent / "pmo")]
ANALYSTS = 5


@pytest.fixture(scope="module")
def team_inboxes(tmp_path_factory) -> tuple[Path, list[Path]]:
    """60 status reports as PMs send them (a few faulty), and five analysts' inboxes over them, overlapping: each
    file sits in three of the five, so every file is collected by several analysts at once."""
    root = tmp_path_factory.mktemp("team")
    rng = random.Random(19)
    projects = demo_projects(60, rng, PERIOD)
    generated = [g.path for g in generate_for_records(PROJECT_STATUS, projects, root / "generated", PERIOD)]
    everything = root / "all"
    fill_demo_inbox(generated, everything, rng, fault_share=0.1)
    files = sorted(everything.iterdir())
    inboxes = []
    for analyst in range(ANALYSTS):
        inbox = root / f"analyst-{analyst}"
        inbox.mkdir()
        for index, file in enumerate(files):
            if (index + analyst) % ANALYSTS < 3:
                shutil.copy2(file, inbox / file.name)
        inboxes.append(inbox)
    return everything, inboxes


def _collect(inbox: Path, ledger: str, out: Path) -> subprocess.Popen:
    arguments = ["collect", str(inbox), "--ledger", ledger, "--out", str(out), "--today", "2026-12-10", "--json"]
    return subprocess.Popen([*PMO, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished(run: subprocess.Popen) -> dict:
    output, errors = run.communicate(timeout=600)
    assert run.returncode == 0, errors
    return json.loads(output)


def test_five_analysts_collecting_overlapping_inboxes_at_once_store_each_report_once(
    team_inboxes, postgres_server, tmp_path
):
    everything, inboxes = team_inboxes
    team, alone = postgres_server.new_database(), postgres_server.new_database()
    with open_ledger(team, write=True):  # made once before the race (the race on a new database: below)
        pass
    runs = [_collect(inbox, team, tmp_path / f"portfolio-{n}.xlsx") for n, inbox in enumerate(inboxes)]
    results = [_finished(run) for run in runs]
    sequential = _finished(_collect(everything, alone, tmp_path / "portfolio.xlsx"))

    for inbox, result in zip(inboxes, results, strict=True):  # every file gets exactly one verdict
        assert result["files"] == len(list(inbox.iterdir())) == sum(result["counts"].values())
        listed = [entry["path"] for kind in ("rejected", "duplicate", "superseded") for entry in result[kind]]
        assert (
            len(listed) == len(set(listed)) == sum(result["counts"][k] for k in ("rejected", "duplicate", "superseded"))
        )
    # whether two runs met on one report here depends on the machine's timing (the test below makes them meet); every
    # duplicate, met or not, names the stored report it repeats
    named = [
        [int(n) for reason in entry["reasons"] for n in re.findall(r"\(submission (\d+)\)", reason)]
        for result in results
        for entry in result["duplicate"]
    ]
    assert named and all(len(ids) == 1 for ids in named), named

    with open_ledger(team) as ledger, open_ledger(alone) as reference:
        stored = ledger.submissions()
        assert stored["content_sha256"].is_unique and stored["sha256"].is_unique  # none stored twice
        assert set(stored["content_sha256"]) == set(reference.submissions()["content_sha256"])
        added = [submission_id for result in results for submission_id in result["added"]]
        assert sorted(added) == sorted(stored["submission_id"])
        assert {ids[0] for ids in named} <= set(stored["submission_id"])  # each names a report the ledger holds
        assert ledger.integrity() == []
    # the views of one sequential run (the ids the database gave differ: the order the runs stored in)
    pd.testing.assert_frame_equal(_views(team), _views(alone))
    assert sequential["counts"]["accepted"] == len(stored)


def test_a_report_another_analyst_stores_between_judging_and_storing_is_one_duplicate_said_so(postgres_url):
    """The race made to happen, not hoped for: run A judges the report new, run B collects and stores it, then A
    stores. A stores nothing, says the report is a duplicate already stored by a concurrent run (naming B's id)."""
    report = candidate(status_submission("PRJ-007", "2026-11"))
    with open_ledger(postgres_url, write=True) as first, open_ledger(postgres_url, write=True) as second:
        storing = first.add_submissions

        def meanwhile(submissions):
            verdicts, added = collect_candidates([report], second)  # B, between A's judging and storing
            assert [v.status for v in verdicts] == ["accepted"] and len(added) == 1
            meanwhile.added = added
            return storing(submissions)

        first.add_submissions = meanwhile
        verdicts, added = collect_candidates([report], first)
        assert added == [] and first.stored_concurrently == set(meanwhile.added)
        (verdict,) = verdicts
        assert verdict.status == "duplicate" and verdict.submission_id == meanwhile.added[0]
        assert any(
            f"already stored by a concurrent run (submission {meanwhile.added[0]})" in finding.message
            for finding in verdict.findings
        ), verdict.findings
        assert len(second.submissions()) == 1 and second.integrity() == []


def _views(ledger: str) -> pd.DataFrame:
    frame = history_frame(ledger)
    return frame.drop(columns=[column for column in frame.columns if column.endswith("submission_id")])


def test_analysts_starting_on_a_new_database_at_once_make_the_ledger_once(team_inboxes, postgres_url, tmp_path):
    _everything, inboxes = team_inboxes
    runs = [_collect(inbox, postgres_url, tmp_path / f"p{n}.xlsx") for n, inbox in enumerate(inboxes[:2])]
    for run in runs:
        _finished(run)
    with open_ledger(postgres_url) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION and ledger.integrity() == []
        assert ledger.submissions()["content_sha256"].is_unique


def _whole(ledger: str) -> set[str]:
    """The stored reports' content fingerprints, after checking none is half-stored or stored twice."""
    with psycopg.connect(ledger) as connection:
        if connection.execute("SELECT to_regclass('submission')").fetchone() == (None,):
            return set()
        half = connection.execute(
            "SELECT COUNT(*) FROM submission WHERE submission_id NOT IN (SELECT submission_id FROM field_value)"
        ).fetchone()[0]
        assert half == 0, f"{half} submission(s) recorded without their values"
        contents = [row[0] for row in connection.execute("SELECT content_sha256 FROM submission")]
    assert len(contents) == len(set(contents))
    return set(contents)


def test_a_collect_killed_at_random_moments_leaves_postgresql_consistent_and_a_rerun_completes(
    team_inboxes, postgres_server, tmp_path
):
    everything, _inboxes = team_inboxes
    reference = postgres_server.new_database()
    started = time.monotonic()
    _finished(_collect(everything, reference, tmp_path / "reference.xlsx"))
    duration = time.monotonic() - started
    expected = _whole(reference)
    ledger, out = postgres_server.new_database(), tmp_path / "portfolio.xlsx"

    def some_none_half() -> None:
        assert _whole(ledger) <= expected  # each submission its own transaction: some of them, none half

    assert kill_at_random_moments(lambda: _collect(everything, ledger, out), duration, 10, some_none_half) >= 5
    _finished(_collect(everything, ledger, out))
    assert _whole(ledger) == expected
    again = _finished(_collect(everything, ledger, out))
    assert again["added"] == [] and _whole(ledger) == expected  # idempotent
    pd.testing.assert_frame_equal(_views(ledger), _views(reference))


# -- moving between the back ends -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_ledger(team_inboxes, tmp_path_factory) -> Path:
    """The 60 reports collected into a SQLite ledger, as one analyst had it before the team moved to a server."""
    everything, _inboxes = team_inboxes
    root = tmp_path_factory.mktemp("single")
    _finished(_collect(everything, str(root / "pmo_ledger.db"), root / "portfolio.xlsx"))
    with open_ledger(root / "pmo_ledger.db", write=True) as ledger:  # a decision, its action done
        (decision,) = ledger.add_decisions([_decision("D-001")])
        ledger.add_action_done(_done(decision.decision_id))
    return root / "pmo_ledger.db"


def _decision(answers: str):
    from pmo_xl.decisions import DecisionRequest, to_record

    request = DecisionRequest("PRJ-0001", answers, "approve", "Board", dt.date(2026, 12, 1), dt.date(2026, 12, 20),
                              "", "Sign", "Ana")  # fmt: skip
    return to_record(request, [], now_stamp())


def _done(decision_id: int):
    from pmo_xl.ledger import ActionDone

    return ActionDone(decision_id, "PRJ-0001", "D-001", "2026-12-05", "Ana", "", None, "test", now_stamp())


def _pmo(*arguments: str) -> dict:
    result = CliRunner().invoke(main, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_round_trip_sqlite_postgresql_sqlite_gives_identical_views_and_checks_sound(
    sqlite_ledger, postgres_url, tmp_path
):
    back = tmp_path / "back.db"
    there = _pmo("ledger", "copy", str(sqlite_ledger), postgres_url)
    again = _pmo("ledger", "copy", postgres_url, str(back))
    assert there["digests"] == again["digests"] and not there["resumed"]
    assert there["copied"]["submission"] == there["digests"]["submission"][0] > 40
    for ledger in (postgres_url, str(back)):
        assert _pmo("ledger", "check", "--ledger", ledger)["ok"]
        pd.testing.assert_frame_equal(history_frame(ledger), history_frame(sqlite_ledger))  # ids and all
    with open_ledger(postgres_url) as copied, open_ledger(sqlite_ledger) as original:
        assert copied.counts() == original.counts()
    with open_ledger(postgres_url, write=True) as copied:  # the server numbers on after the copied ids
        assert copied.add_submission(status_submission(), now_stamp()) == there["copied"]["submission"] + 1
        assert there["copied"]["action_done"] == there["copied"]["decision"] == 1
        (decision,) = copied.add_decisions([_decision("D-002")])
        assert decision.decision_id == 2 and copied.add_action_done(_done(2)).done_id == 2


def test_an_interrupted_copy_goes_on_where_it_stopped_and_another_ledger_is_not_copied_over(
    sqlite_ledger, postgres_server, tmp_path
):
    target = postgres_server.new_database()

    def interrupt(table, copied):
        if table == "submission" and copied >= 20:
            raise KeyboardInterrupt

    with open_ledger(sqlite_ledger) as source, open_ledger(target, write=True) as writing:
        with pytest.raises(KeyboardInterrupt):
            copy_ledger(source, writing, batch=10, progress=interrupt)
        assert writing.counts()["submission"] == 20 and writing.counts()["counted_report"] == 0
    went_on = _pmo("ledger", "copy", str(sqlite_ledger), target)
    assert went_on["resumed"] and went_on["copied"]["submission"] == went_on["digests"]["submission"][0] - 20
    pd.testing.assert_frame_equal(history_frame(target), history_frame(sqlite_ledger))

    other = postgres_server.new_database()
    with open_ledger(other, write=True) as ledger:
        ledger.add_submission(status_submission(), now_stamp())
    result = CliRunner().invoke(main, ["ledger", "copy", str(sqlite_ledger), other])
    assert result.exit_code != 0 and "already holds a submission that is not" in result.output


def test_a_copy_onto_itself_an_older_ledger_or_a_missing_folder_is_refused_leaving_it_as_it_was(
    sqlite_ledger, postgres_server, tmp_path
):
    url = postgres_server.new_database()
    _pmo("ledger", "copy", str(sqlite_ledger), url)
    done = _pmo("ledger", "copy", str(sqlite_ledger), url)  # again: a complete copy, nothing rewritten
    assert done["complete"] and not done["resumed"] and set(done["copied"].values()) == {0}
    same_by_other_names = [
        (url, url.replace("postgresql://", "postgres://")),
        (str(sqlite_ledger), str(sqlite_ledger.parent / "." / sqlite_ledger.name)),
    ]
    for source, target in same_by_other_names:
        assert "are the same ledger: nothing to copy" in _refused("ledger", "copy", source, target)

    older = tmp_path / "v2.db"
    with gzip.open(Path(__file__).parent / "data" / "ledger_v2_demo.db.gz") as packed:
        older.write_bytes(packed.read())
    before = older.read_bytes()
    said = _refused("ledger", "copy", url, str(older))
    assert f"holds a ledger of version 2 (this pmo-xl writes {SCHEMA_VERSION})" in said, said
    assert older.read_bytes() == before  # not upgraded by the copy it refused

    nowhere = tmp_path / "no" / "such" / "folder" / "copy.db"
    assert "no folder" in _refused("ledger", "copy", url, str(nowhere))
    assert not (tmp_path / "no").exists()


# -- least privilege --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def team_roles(postgres_server) -> tuple[str, str]:
    for role in ("pmo_collector", "pmo_reader"):
        with contextlib.suppress(psycopg.errors.DuplicateObject):
            postgres_server.execute(f"CREATE ROLE {role} LOGIN")
    return "pmo_collector", "pmo_reader"


def test_the_reader_may_only_read_the_collector_only_add_and_the_owner_meets_the_triggers(
    team_roles, team_inboxes, postgres_server, tmp_path
):
    collector, reader = team_roles
    name = postgres_server.create_database()
    owner_url = postgres_server.url(name)
    with open_ledger(owner_url, write=True) as ledger:  # the owner makes the ledger, then grants
        ledger.add_submission(status_submission(), now_stamp())
    with psycopg.connect(owner_url, autocommit=True) as connection:
        connection.execute(role_grants("collector", collector) + role_grants("reader", reader))
    as_reader, as_collector = postgres_server.url(name, reader), postgres_server.url(name, collector)

    changes = ("INSERT INTO decision (project_id) VALUES ('X')", "UPDATE submission SET project_id = 'X'",
               "DELETE FROM field_value")  # fmt: skip
    with psycopg.connect(as_reader, autocommit=True) as connection:
        assert connection.execute("SELECT COUNT(*) FROM submission").fetchone() == (1,)
        for statement in changes:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
    with psycopg.connect(as_collector, autocommit=True) as connection:
        for statement in changes[1:]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
    with psycopg.connect(owner_url, autocommit=True) as connection:
        for statement in changes[1:]:
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                connection.execute(statement)

    everything, _inboxes = team_inboxes
    collected = _finished(_collect(everything, as_collector, tmp_path / "portfolio.xlsx"))  # a collect as collector
    assert collected["counts"]["accepted"] > 40
    report = CliRunner().invoke(main, ["report", str(tmp_path / "r.html"), "--ledger", as_reader])
    assert report.exit_code == 0, report.output
    assert _pmo("ledger", "check", "--ledger", as_reader)["ok"]

    # the reader storing a report, or rebuilding: one line saying which rights it takes, nothing changed
    before = _whole(owner_url)
    with open_ledger(as_reader, write=True) as ledger, pytest.raises(LedgerError, match="may not do this") as said:
        ledger.add_submission(status_submission("PRJ-NEW"), now_stamp())
    assert "collector" in str(said.value) and "\n" not in str(said.value)
    refused = _refused("ledger", "rebuild", "--ledger", as_reader)
    assert "may not do this" in refused and "collector" in refused, refused
    assert _whole(owner_url) == before
    # a table a later pmo-xl's migration adds (the owner runs it): the reader reads it, the collector adds to it,
    # without a new grant
    with psycopg.connect(owner_url, autocommit=True) as connection:
        connection.execute("CREATE TABLE added_later (x integer)")
    with psycopg.connect(as_collector, autocommit=True) as connection:
        connection.execute("INSERT INTO added_later VALUES (1)")
    with psycopg.connect(as_reader, autocommit=True) as connection:
        assert connection.execute("SELECT count(*) FROM added_later").fetchone() == (1,)


def test_a_version_7_team_ledger_upgraded_by_its_owner_is_read_by_its_reader_and_added_to_by_its_collector(
    team_roles, postgres_server, tmp_path
):
    """Roles granted before the grants had default privileges (the first team ledgers): version 8's migration
    gives them on action_done what they had on decision, so the owner's upgrade breaks neither."""
    from pmo_xl.ledger import POSTGRESQL, migration_sql

    collector, reader = team_roles
    name = postgres_server.create_database()
    owner_url = postgres_server.url(name)
    with psycopg.connect(owner_url, autocommit=True) as connection:  # the ledger version 7 made, then its grants
        for number in range(1, 8):
            connection.execute(migration_sql(number, POSTGRESQL))
        connection.execute("CREATE TABLE pmo_ledger_version (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO pmo_ledger_version VALUES (7)")
        connection.execute(
            f"GRANT USAGE ON SCHEMA public TO {reader}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}; "
            f"GRANT USAGE ON SCHEMA public TO {collector}; GRANT SELECT, INSERT ON decision TO {collector}; "
            f"GRANT SELECT ON pmo_ledger_version TO {collector};"
        )
    with open_ledger(owner_url, write=True) as ledger:  # the owner's first collect after the upgrade
        assert ledger.schema_version == 8
        ledger.add_submission(status_submission(), now_stamp())
    with open_ledger(postgres_server.url(name, reader)) as ledger:
        assert ledger.actions_done() == [] and len(ledger.submissions()) == 1
    with psycopg.connect(postgres_server.url(name, collector), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO action_done (decision_id, project_id, answers, done_on, owner, note, source, recorded_at) "
            "VALUES (1, 'PRJ-001', 'D-001', '2026-12-01', 'Ana', '', 'test', '2026-12-01')"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("DELETE FROM action_done")


def _refused(*arguments: str) -> str:
    """A command refused in one line (exit 2), never a traceback: the line."""
    result = CliRunner().invoke(main, list(arguments))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
    return result.output


def test_a_session_ended_by_the_server_is_said_in_one_line_for_a_read_a_write_and_a_refresh(postgres_url):
    """A server stopped or a session ended mid-run (the DBA's pg_terminate_backend, a failover): one LedgerError
    saying what was not recorded and that earlier runs are intact, never psycopg's traceback."""
    with open_ledger(postgres_url, write=True) as ledger:
        ledger.add_submission(status_submission(), now_stamp())

    def ended(ledger) -> None:
        pid = ledger._connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(postgres_url, autocommit=True) as dba:
            dba.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with open_ledger(postgres_url) as reading:
        ended(reading)
        with pytest.raises(LedgerError, match="connection to the ledger's server was lost") as read:
            reading.submissions()
    with open_ledger(postgres_url, write=True) as writing:
        ended(writing)
        with pytest.raises(LedgerError, match="did not take the write") as write:
            writing.add_submissions([(status_submission("PRJ-002"), now_stamp(), "other")])
    with (
        open_ledger(postgres_url, write=True) as writing,
        pytest.raises(LedgerError, match="was lost") as refresh,
        writing.refreshing(),  # the first fault is said, not the unlock's on a connection gone
    ):
        ended(writing)
        writing.submissions()
    for said in (read, write, refresh):
        assert "\n" not in str(said.value) and "run again" in str(said.value).lower(), said.value
    assert len(_whole(postgres_url)) == 1
    # a refusal of another kind (here a statement timeout) is said as what it is, never as a lost connection
    with open_ledger(postgres_url) as reading:
        reading._connection.execute("SET statement_timeout = 1")
        with pytest.raises(LedgerError, match="server refused it") as refused:
            reading._connection.execute("SELECT pg_sleep(1)")
    assert "lost" not in str(refused.value) and "statement timeout" in str(refused.value)


def test_a_database_of_another_application_or_not_in_utf8_or_read_only_is_refused_untouched(postgres_server, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    out = str(tmp_path / "p.xlsx")
    foreign = postgres_server.new_database()
    with psycopg.connect(foreign, autocommit=True) as connection:
        connection.execute("CREATE TABLE submission (id integer, note text)")
    said = _refused("collect", str(inbox), "--ledger", foreign, "--out", out)
    assert "another application (submission)" in said and "csearch_path" in said, said
    with psycopg.connect(foreign, autocommit=True) as connection:  # nothing of ours made
        assert connection.execute("SELECT to_regclass('pmo_ledger_version')").fetchone() == (None,)
    latin = postgres_server.create_database("latin")
    postgres_server.execute(f"DROP DATABASE {latin}")
    postgres_server.execute(f"CREATE DATABASE {latin} TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'")
    said = _refused("collect", str(inbox), "--ledger", postgres_server.url(latin), "--out", out)
    assert "encoding is LATIN1" in said and "ENCODING 'UTF8'" in said, said
    standby = postgres_server.create_database("standby")
    postgres_server.execute(f"ALTER DATABASE {standby} SET default_transaction_read_only = on")
    said = _refused("collect", str(inbox), "--ledger", postgres_server.url(standby), "--out", out)
    assert "takes no writes" in said, said


def test_ledger_check_on_postgresql_names_a_dropped_append_only_trigger(postgres_url):
    with open_ledger(postgres_url, write=True):
        pass
    assert _pmo("ledger", "check", "--ledger", postgres_url)["ok"]
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP TRIGGER rejection_no_delete ON rejection")
    result = CliRunner().invoke(main, ["ledger", "check", "--ledger", postgres_url])
    assert result.exit_code == 1 and "rejection_no_delete is missing" in result.output


def test_a_ledger_url_holding_a_password_is_refused_in_one_line_saying_where_it_goes(tmp_path):
    for url in ("postgresql://kim:secret@db.example.org/pmo", "postgresql://kim@db/pmo?password=secret"):
        result = CliRunner().invoke(main, ["report", str(tmp_path / "r.html"), "--ledger", url])
        assert result.exit_code == 2 and "secret" not in result.output
        assert result.output.count("\n") == 1 and "~/.pgpass" in result.output and "PGPASSWORD" in result.output


def test_on_postgresql_a_reader_in_the_middle_of_a_read_never_blocks_a_writer(sqlite_ledger, postgres_url, monkeypatch):
    with open_ledger(sqlite_ledger) as source, open_ledger(postgres_url, write=True) as target:
        copy_ledger(source, target)
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=3s")  # a writer that waited on the reader would fail here
    with open_ledger(postgres_url) as reader:
        reader._connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")  # a dashboard's long read, open
        before = reader.counts()
        rebuilt = rebuild_ledger(postgres_url)  # empties and refills the derived tables the reader is reading
        with open_ledger(postgres_url, write=True) as writer:
            writer.add_submission(status_submission(), now_stamp())
        assert reader.counts() == before  # the reader goes on in its snapshot
        reader._connection.execute("COMMIT")
        assert reader.counts()["submission"] == before["submission"] + 1
    assert rebuilt.counted_reports == before["counted_report"]


def test_the_workbooks_ledger_path_setting_takes_a_postgresql_url_as_written(tmp_path, postgres_url):
    from types import SimpleNamespace

    from macros.ribbon import _ledger_setting

    book = SimpleNamespace(path=tmp_path / "pmo_workbook.xlsm")
    assert _ledger_setting(book, {"ledger_path": f" {postgres_url} "}) == postgres_url  # never folded into a path
    assert _ledger_setting(book, {"ledger_path": ""}) == tmp_path / "pmo_ledger.db"
    assert _ledger_setting(book, {"ledger_path": "shared/l.db"}) == tmp_path / "shared" / "l.db"


def test_a_sqlite_ledger_holding_one_content_twice_is_refused_by_the_servers_unique_index_in_one_line(
    tmp_path, postgres_url
):
    """SQLite's ledgers keep a plain index on the content fingerprint; PostgreSQL's is unique (several analysts)."""
    path = tmp_path / "old.db"
    with open_ledger(path, write=True) as ledger:
        ledger.add_submission(status_submission(), now_stamp(), "same")
        ledger.add_submission(status_submission(project_id="PRJ-002"), now_stamp(), "same")
    result = CliRunner().invoke(main, ["ledger", "copy", str(path), postgres_url])
    assert result.exit_code == 2 and "submission_content_once" in result.output and "Traceback" not in result.output


def test_a_damaged_derived_table_on_postgresql_is_worked_around_by_a_reader(postgres_url):
    """The derived tables hold nothing the record does not: an altered one on the server (a column renamed by hand)
    makes a reader work the views out in memory, the same views, not fail."""
    from pmo_xl.collect.run import collect_candidates
    from pmo_xl.reporting.views import load_views
    from tests.collect_builders import candidate

    with open_ledger(postgres_url, write=True) as ledger:
        for period, day in (("2026-10", 4), ("2026-11", 3)):
            submission = status_submission("PRJ-001", period, dt.date(2026, int(period[-2:]) + 1, day))
            collect_candidates([candidate(submission)], ledger)
    rebuild_ledger(postgres_url)
    today = dt.date(2027, 1, 20)
    before = load_views(postgres_url, today=today).history
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("ALTER TABLE counted_report RENAME COLUMN state TO damaged")
    after = load_views(postgres_url, today=today).history
    pd.testing.assert_frame_equal(after, before)
    assert len(before) == 2


def test_credentials_come_from_the_standard_places_pgpass_pgpassword_and_a_service_file(
    postgres_server, tmp_path, monkeypatch
):
    """A role that must give a password (scram-sha-256 on the socket): the URL names no password, libpq finds it in
    a .pgpass file, PGPASSWORD or a service file's service; without one, the refusal is one line saying where it
    goes (never a traceback, never the password)."""
    role, password = "pmo_analyst", "S3cret-for-the-test"
    database = postgres_server.create_database("creds")
    postgres_server.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    postgres_server.execute(f"ALTER DATABASE {database} OWNER TO {role}")
    hba = postgres_server.data / "pg_hba.conf"
    hba.write_text(f"local all {role} scram-sha-256\n" + hba.read_text(encoding="utf-8"), encoding="utf-8")
    postgres_server.execute("SELECT pg_reload_conf()")
    url = postgres_server.url(database, user=role)
    for name in ("PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pgpass of the machine's
    refused = CliRunner().invoke(main, ["ledger", "check", "--ledger", url])
    assert refused.exit_code != 0 and "Traceback" not in refused.output and password not in refused.output
    assert "password" in refused.output and "~/.pgpass" in refused.output, refused.output

    pgpass = tmp_path / ".pgpass"  # libpq's default place, under HOME
    pgpass.write_text(f"*:*:{database}:{role}:{password}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    with open_ledger(url, write=True):  # made by the analyst's role, its password from ~/.pgpass
        pass
    assert _pmo("ledger", "check", "--ledger", url)["ok"]
    pgpass.unlink()

    monkeypatch.setenv("PGPASSWORD", password)
    assert _pmo("ledger", "check", "--ledger", url)["ok"]
    monkeypatch.delenv("PGPASSWORD")

    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[pmo]\nhost={postgres_server.root}\nport={postgres_server.port}\ndbname={database}\nuser={role}\n"
        f"password={password}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    assert _pmo("ledger", "check", "--ledger", "postgresql:///?service=pmo")["ok"]


def test_on_postgresql_the_pmos_choice_is_read_then_added_under_its_advisory_lock(postgres_url):
    """Two analysts making the same --prefer choice at once record it once: the read of the current choice and the
    insert run under one advisory lock. Held by another session, the lock makes the choice wait, then it goes in."""
    import threading

    from pmo_xl import ledger as ledger_module

    with open_ledger(postgres_url, write=True) as ledger:
        submission_id = ledger.add_submission(status_submission("PRJ-001", "2026-11"), now_stamp())
    holder = psycopg.connect(postgres_url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s, %s)", (ledger_module._LOCK_SPACE, ledger_module._PREFERENCE_LOCK))
    added = []

    def choose() -> None:
        with open_ledger(postgres_url, write=True) as ledger:
            added.append(ledger.add_preference("PRJ-001", "2026-11", submission_id, "2026-12-05", "--prefer a.xlsx"))

    chooser = threading.Thread(target=choose)
    chooser.start()
    chooser.join(1.5)
    assert chooser.is_alive() and added == []  # waiting for the lock, not interleaving
    holder.execute("SELECT pg_advisory_unlock(%s, %s)", (ledger_module._LOCK_SPACE, ledger_module._PREFERENCE_LOCK))
    holder.close()
    chooser.join(10)
    assert added == [True]
    with open_ledger(postgres_url, write=True) as ledger:  # the same choice again adds nothing
        assert ledger.add_preference("PRJ-001", "2026-11", submission_id, "2026-12-05", "--prefer a.xlsx") is False
        assert len(ledger.preferences()) == 1
