"""The ledger: every accepted submission with all its values, in one SQLite file. The only module that touches storage.

Append-only: triggers refuse UPDATE and DELETE, so history is never rewritten; a newer submission for the same
project and period is simply added, and the views choose. Built for a PMO's shared folder:

- the rollback journal (`journal_mode=DELETE`), never WAL, whose shared-memory file does not work on network shares;
- one writer at a time, through a lock file beside the ledger that names who holds it;
- a warning when the ledger sits in a OneDrive or SharePoint-synced folder, where sync can fork the file.

Values are stored as JSON with dates tagged (`{"date": "2026-12-03"}`), so they come back as the same Python types
whatever database later backs this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import getpass
import hashlib
import json
import os
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from pmo_xl.errors import PmoError
from pmo_xl.register import ProjectRecord
from pmo_xl.submissions import Finding, ParsedSubmission, Value
from pmo_xl.values import readable_name


class LedgerError(PmoError):
    """The ledger cannot be opened, is locked by another run, or was made by a newer pmo-xl."""


# Each entry upgrades the ledger by one version; PRAGMA user_version records how many have run. Never edit a
# released entry: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submission (
        submission_id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_sha256 TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_version TEXT NOT NULL,
        project_id TEXT NOT NULL,
        reporting_period TEXT NOT NULL,
        generation_token TEXT NOT NULL,
        submitted_on TEXT,
        collected_at TEXT NOT NULL,
        has_macros INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX submission_by_sha256 ON submission (sha256);
    CREATE INDEX submission_by_content ON submission (content_sha256);
    CREATE INDEX submission_by_project ON submission (project_id, reporting_period);
    CREATE TABLE field_value (
        submission_id INTEGER NOT NULL REFERENCES submission (submission_id),
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (submission_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE table_row (
        submission_id INTEGER NOT NULL REFERENCES submission (submission_id),
        table_name TEXT NOT NULL,
        row_index INTEGER NOT NULL,
        excel_row INTEGER,
        row_values TEXT NOT NULL,
        PRIMARY KEY (submission_id, table_name, row_index)
    ) WITHOUT ROWID;
    CREATE TABLE preference (
        preference_id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL,
        reporting_period TEXT NOT NULL,
        submission_id INTEGER NOT NULL REFERENCES submission (submission_id),
        holds_until TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    """
    + "".join(
        f"""
    CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {table} rows are never changed or removed'); END;
    """
        for table in ("submission", "field_value", "table_row", "preference")
        for action in ("update", "delete")
    ),
    # 2: the evidence of which report is the correction; the register as each run saw it; the files returned to
    # their PMs, so the views can tell "returned for correction" from "never sent".
    """
    ALTER TABLE submission ADD COLUMN saved_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE submission ADD COLUMN file_time TEXT NOT NULL DEFAULT '';
    CREATE TABLE register_snapshot (
        snapshot_id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        source_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        records TEXT NOT NULL
    );
    CREATE TABLE rejection (
        rejection_id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        project_id TEXT NOT NULL,
        reporting_period TEXT NOT NULL,
        template_id TEXT NOT NULL,
        rejected_at TEXT NOT NULL,
        findings TEXT NOT NULL
    );
    CREATE INDEX rejection_by_project ON rejection (project_id, reporting_period);
    """
    + "".join(
        f"""
    CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {table} rows are never changed or removed'); END;
    """
        for table in ("register_snapshot", "rejection")
        for action in ("update", "delete")
    ),
    # 3: the derived tables (pmo_xl.reporting.counted): each project's counted report per period, with what the
    # views need of it already worked out (the PMO baseline carried along the chain), so that a dashboard reads
    # the periods it shows and never decodes the whole history. Rebuildable from the record at any time (`pmo
    # ledger rebuild`); created empty here, and filled by the next collect or rebuild (until then the views work
    # them out in memory). Portable SQL: a PostgreSQL back end takes the same statements.
    """
    CREATE TABLE counted_report (
        template_id TEXT NOT NULL,
        project_id TEXT NOT NULL,
        reporting_period TEXT NOT NULL,
        submission_id INTEGER NOT NULL,
        previous_submission_id INTEGER,
        position INTEGER NOT NULL,
        baseline_key TEXT NOT NULL,
        rag_overall TEXT NOT NULL,
        shown TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (template_id, project_id, reporting_period)
    );
    CREATE INDEX counted_report_by_period ON counted_report (template_id, reporting_period);
    CREATE INDEX counted_report_by_submission ON counted_report (submission_id);
    CREATE TABLE derived_state (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    """,
    # 4: baselines imported from another tool (`pmo import project-online --ledger`): each project's period-0
    # record, what its baseline said before pmo-xl's first report, marked with where it came from. Append-only: an
    # import run again on the same export adds nothing, and a later export's different baseline is a new row.
    """
    CREATE TABLE imported_baseline (
        baseline_id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL,
        external_id TEXT NOT NULL,
        baseline_number INTEGER NOT NULL,
        start_date TEXT,
        finish_date TEXT,
        cost TEXT NOT NULL,
        currency TEXT NOT NULL,
        money_unit TEXT NOT NULL,
        source TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );
    CREATE INDEX imported_baseline_by_project ON imported_baseline (project_id);
    """
    + "".join(
        f"""
    CREATE TRIGGER imported_baseline_no_{action} BEFORE {action.upper()} ON imported_baseline
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: imported_baseline rows are never changed or removed'); END;
    """
        for action in ("update", "delete")
    ),
    # 5: the template version a submission's file was in (issue 16). template_version says the shape of the values
    # stored (what the views read them as: collect stores an older version's values moved to the version current
    # at the time); source_version the file's own, '' where the two are the same (every submission before this).
    """
    ALTER TABLE submission ADD COLUMN source_version TEXT NOT NULL DEFAULT '';
    """,
    # 6: the portfolio decisions (issue 18, `pmo scenario commit`): a saved selection scenario approved, who and
    # when, the scenario as committed (its JSON, inputs and run), the requests it approved, the ones that became
    # new projects, and the register it was read against and the new register written. Append-only: a later
    # decision is a new row. Portable SQL, as the derived tables.
    """
    CREATE TABLE scenario_commit (
        commit_id INTEGER PRIMARY KEY,
        scenario_name TEXT NOT NULL,
        scenario TEXT NOT NULL,
        approved TEXT NOT NULL,
        new_projects TEXT NOT NULL,
        register_source TEXT NOT NULL,
        register_sha256 TEXT NOT NULL,
        new_register TEXT NOT NULL,
        committed_by TEXT NOT NULL,
        committed_at TEXT NOT NULL
    );
    """
    + "".join(
        f"""
    CREATE TRIGGER scenario_commit_no_{action} BEFORE {action.upper()} ON scenario_commit
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: scenario_commit rows are never changed or removed'); END;
    """
        for action in ("update", "delete")
    ),
    # 7: the steering committee's decisions (issue 18, `pmo decide`): each answers one decision-needed row of a
    # project's status report (`answers`, its stable id D-001...), with a kind, an owner and a date, and an optional
    # action with its owner and due date. Append-only: a correction is a new row naming the one it `supersedes`.
    # `row_key` fingerprints what was decided, so a Decisions table read twice adds nothing. Portable SQL.
    """
    CREATE TABLE decision (
        decision_id INTEGER PRIMARY KEY,
        project_id TEXT NOT NULL,
        answers TEXT NOT NULL,
        kind TEXT NOT NULL,
        owner TEXT NOT NULL,
        decided_on TEXT NOT NULL,
        action TEXT NOT NULL,
        action_owner TEXT NOT NULL,
        due TEXT NOT NULL,
        note TEXT NOT NULL,
        supersedes INTEGER,
        source TEXT NOT NULL,
        row_key TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX decision_by_project ON decision (project_id, answers);
    """
    + "".join(
        f"""
    CREATE TRIGGER decision_no_{action} BEFORE {action.upper()} ON decision
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: decision rows are never changed or removed'); END;
    """
        for action in ("update", "delete")
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
DERIVED_SCHEMA_VERSION = 3  # the migration that made the derived tables (run again if they go missing)
# The append-only record (guarded by triggers, never rewritten) and the tables derived from it (truncated and
# refilled by `pmo ledger rebuild`; no trigger guards them).
RECORD_TABLES = (
    "submission", "field_value", "table_row", "preference", "register_snapshot", "rejection", "imported_baseline",
    "scenario_commit", "decision",
)  # fmt: skip
DERIVED_TABLES = ("counted_report", "derived_state")
COUNTED_COLUMNS = (
    "template_id", "project_id", "reporting_period", "submission_id", "previous_submission_id", "position",
    "baseline_key", "rag_overall", "shown", "state",
)  # fmt: skip
# How many ids one `IN (...)` names: well under every database's limit on bound parameters.
_CHUNK = 500

HEADER_COLUMNS = (
    "submission_id",
    "file_name",
    "source_path",
    "sha256",
    "size",
    "content_sha256",
    "template_id",
    "template_version",
    "project_id",
    "reporting_period",
    "generation_token",
    "submitted_on",
    "collected_at",
    "has_macros",
    "saved_at",
    "file_time",
    "source_version",
)
IMPORTED_BASELINE_COLUMNS = (
    "project_id", "external_id", "baseline_number", "start_date", "finish_date", "cost", "currency", "money_unit",
    "source", "source_sha256", "imported_at",
)  # fmt: skip
SCENARIO_COMMIT_COLUMNS = (
    "scenario_name", "scenario", "approved", "new_projects", "register_source", "register_sha256", "new_register",
    "committed_by", "committed_at",
)  # fmt: skip
DECISION_COLUMNS = (
    "project_id", "answers", "kind", "owner", "decided_on", "action", "action_owner", "due", "note", "supersedes",
    "source", "row_key", "recorded_at",
)  # fmt: skip
REJECTION_COLUMNS = (
    "file_name", "source_path", "sha256", "project_id", "reporting_period", "template_id", "rejected_at", "findings"
)  # fmt: skip


# -- values -----------------------------------------------------------------------------------------------------


def encode_value(value: Value) -> object:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def decode_value(value: object) -> Value:
    if isinstance(value, dict):
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"])
    return value  # type: ignore[return-value]


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _encode_row(row: dict[str, Value]) -> str:
    return _dumps({key: encode_value(value) for key, value in row.items()})


def _decode_row(text: str) -> dict[str, Value]:
    return {key: decode_value(value) for key, value in json.loads(text).items()}


def content_fingerprint(submission: ParsedSubmission) -> str:
    """SHA-256 of what a submission says (identity and every value), not of its bytes.

    Two files with this fingerprint are the same report, even when one was re-saved by LibreOffice or renamed.
    """
    metadata = submission.metadata
    content = {
        "template": [metadata.template_id, metadata.template_version],
        "identity": [metadata.project_id, metadata.reporting_period, metadata.generation_token],
        "fields": {name: encode_value(value) for name, value in submission.fields.items()},
        "tables": {
            name: [{key: encode_value(value) for key, value in row.items()} for row in rows]
            for name, rows in submission.tables.items()
        },
    }
    return hashlib.sha256(_dumps(content).encode("utf-8")).hexdigest()


# -- shared folders ---------------------------------------------------------------------------------------------


def synced_folder_warning(path: Path | str, environ: dict[str, str] | None = None) -> str | None:
    """A warning if `path` lies in a OneDrive or SharePoint-synced folder, else None."""
    environ = dict(os.environ if environ is None else environ)
    resolved = os.path.abspath(str(path))
    reason = None
    for variable in ("OneDrive", "OneDriveCommercial", "OneDriveConsumer"):
        root = environ.get(variable, "")
        if root and os.path.normcase(resolved).startswith(os.path.normcase(os.path.abspath(root)) + os.sep):
            reason = f"inside the folder OneDrive syncs (%{variable}% = {root})"
            break
    if reason is None:
        for part in Path(resolved.replace("\\", "/")).parts:
            if part.startswith("OneDrive - ") or part == "OneDrive" or "SharePoint" in part:
                reason = f"in a folder synced by OneDrive or SharePoint ('{part}')"
                break
    if reason is None:
        return None
    return (
        f"the ledger {resolved} is {reason}. Sync can upload a half-written database or fork it into conflict "
        "copies when two people run collect. Keep the ledger on a local disk or a plain network share and "
        "publish portfolio.xlsx to the synced folder instead."
    )


# -- the single-writer lock -------------------------------------------------------------------------------------


def lock_path_for(ledger_path: Path) -> Path:
    return ledger_path.with_name(ledger_path.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _acquire_lock(ledger_path: Path) -> Path:
    lock = lock_path_for(ledger_path)
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": getpass.getuser(),
        "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    for _attempt in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                other = json.loads(lock.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                other = {}
            same_host = other.get("host") == holder["host"]
            if same_host and isinstance(other.get("pid"), int) and not _pid_alive(other["pid"]):
                # A run on this machine died without removing its lock: the process is gone, so the lock is stale.
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            who = (
                f"{other.get('user', '?')} on {other.get('host', '?')} (process {other.get('pid', '?')}, "
                f"since {other.get('since', '?')})"
                if other
                else "another run"
            )
            raise LedgerError(
                f"{ledger_path} is being written by {who}. Wait for that run to finish. If no run is going on, "
                f"delete the lock file {lock}."
            ) from None
        except OSError as error:  # a read-only folder, a full disk: the ledger cannot be written there at all
            raise LedgerError(_write_fault(ledger_path, error, "nothing was recorded")) from None
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                json.dump(holder, stream)
        except OSError as error:
            with contextlib.suppress(OSError):
                lock.unlink()
            raise LedgerError(_write_fault(ledger_path, error, "nothing was recorded")) from None
        return lock
    raise LedgerError(f"{ledger_path}: could not take the lock file {lock}")


# -- the ledger -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSubmission:
    """One submission as the ledger holds it."""

    header: dict[str, object]
    fields: dict[str, Value]
    tables: dict[str, list[dict[str, Value]]]


class Ledger:
    """An open ledger. Use `open_ledger(path, write=True)` as a context manager."""

    def __init__(self, path: Path | str, write: bool = False):
        self.path = Path(path)
        self.write = write
        warning = synced_folder_warning(self.path)
        self.warnings: tuple[str, ...] = (warning,) if warning else ()
        self._lock: Path | None = None
        # What the read API has handed out (headers, values, table rows, counted reports): the views promise to read
        # what they show, not the whole history, and tests/test_history_scale.py holds them to it.
        self.reads: Counter[str] = Counter()
        if not write and not self.path.exists():
            raise LedgerError(f"{self.path}: no ledger here yet; run `pmo collect INBOX --ledger {self.path}` first")
        if write:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise LedgerError(_write_fault(self.path, error, "nothing was recorded")) from None
            self._lock = _acquire_lock(self.path)
        try:
            self._connection = self._connect()
        except BaseException:
            self._release()
            raise

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.write:
                connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            else:
                self._complete_interrupted_run()
                connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
                connection.isolation_level = None
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            if Path(f"{self.path}-journal").exists():
                raise LedgerError(
                    f"{self.path}: an interrupted run left its journal ({self.path.name}-journal), and it cannot be "
                    f"rolled back from here ({error}). The ledger is not damaged: the next pmo collect with write "
                    "access completes it, and nothing recorded is lost. Do not delete either file"
                ) from None
            if self.write and isinstance(error, sqlite3.OperationalError) and self.path.exists():
                # full disk or read-only file during the upgrade or the first write: the machine, not the ledger
                raise LedgerError(_write_fault(self.path, error, "nothing was recorded")) from None
            raise LedgerError(f"{self.path}: not a pmo ledger, or damaged ({error})") from None
        if version > SCHEMA_VERSION:
            connection.close()
            raise LedgerError(
                f"{self.path}: ledger version {version} was made by a newer pmo-xl (this one knows up to "
                f"{SCHEMA_VERSION}); upgrade pmo-xl"
            )
        if self.write:
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._migrate(connection, version)
            self._ensure_derived(connection)
        elif version < SCHEMA_VERSION:
            connection.close()
            raise LedgerError(f"{self.path}: ledger version {version} is older; run `pmo collect` once to upgrade it")
        return connection

    def _complete_interrupted_run(self) -> None:
        """A run killed mid-transaction leaves a hot journal, which a read-only reader cannot roll back (SQLite
        then says 'attempt to write a readonly database'). Roll it back first, under the writers' lock, so a
        report never mistakes an interrupted run for a damaged ledger. Nothing committed is touched."""
        journal = Path(f"{self.path}-journal")
        if not journal.exists() or journal.stat().st_size == 0:
            return
        try:
            lock = _acquire_lock(self.path)
        except (LedgerError, OSError):
            return  # a run is writing now (its journal is not hot), or the folder is read-only: said by the caller
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as connection:
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite rolls back here
        except sqlite3.DatabaseError:
            pass  # e.g. a read-only folder: said plainly by the caller
        finally:
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()

    @staticmethod
    def _migrate(connection: sqlite3.Connection, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            connection.executescript(
                f"BEGIN IMMEDIATE; {MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;"
            )

    @staticmethod
    def _ensure_derived(connection: sqlite3.Connection) -> None:
        """The derived tables, made again if someone dropped them: they hold nothing the record does not (a refresh
        fills them), so a missing one is never a reason to stop."""
        present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if present >= set(DERIVED_TABLES):
            return
        connection.executescript(
            "BEGIN IMMEDIATE; DROP TABLE IF EXISTS counted_report; DROP TABLE IF EXISTS derived_state; "
            f"{MIGRATIONS[DERIVED_SCHEMA_VERSION - 1]} COMMIT;"
        )

    def derived_present(self) -> bool:
        """Whether both derived tables are there (a reader works without them, in memory)."""
        present = {row[0] for row in self._connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return present >= set(DERIVED_TABLES)

    @property
    def schema_version(self) -> int:
        return self._connection.execute("PRAGMA user_version").fetchone()[0]

    def _release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(FileNotFoundError):
                self._lock.unlink()
            self._lock = None

    def close(self) -> None:
        try:
            self._connection.close()
        finally:
            self._release()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------------------------

    def add_submissions(self, submissions: Iterable[tuple[ParsedSubmission, str, str]]) -> list[int]:
        """Store accepted submissions, each (submission, collected_at, content_sha256), in one transaction. An
        iterator is consumed one submission at a time, so a run never holds them all in memory.

        All or nothing: either every submission and all its values are in the ledger, or none is.
        """
        if not self.write:
            raise LedgerError(f"{self.path}: opened read-only")
        with self._transaction("nothing of this run was recorded"):
            return [self._insert(submission, at, content) for submission, at, content in submissions]

    @contextlib.contextmanager
    def _transaction(self, lost: str) -> Iterator[None]:
        """All or nothing; a fault of the machine (full disk, read-only file) becomes one LedgerError saying what
        was not recorded and that earlier runs are intact."""
        try:
            self._connection.execute("BEGIN IMMEDIATE")
            yield
            self._connection.execute("COMMIT")
        except BaseException as error:
            self._roll_back()
            if isinstance(error, sqlite3.OperationalError | OSError):
                raise LedgerError(_write_fault(self.path, error, lost)) from None
            raise

    def _roll_back(self) -> None:
        # SQLite may have rolled back itself (a full disk): then ROLLBACK says "no transaction is active", which must
        # not hide the real cause.
        with contextlib.suppress(sqlite3.Error):
            self._connection.execute("ROLLBACK")

    def add_submission(self, submission: ParsedSubmission, collected_at: str, content_sha256: str = "") -> int:
        return self.add_submissions([(submission, collected_at, content_sha256 or content_fingerprint(submission))])[0]

    def _insert(self, submission: ParsedSubmission, collected_at: str, content_sha256: str) -> int:
        metadata = submission.metadata
        submitted_on = submission.fields.get("submitted_on")
        connection = self._connection
        cursor = connection.execute(
            "INSERT INTO submission (file_name, source_path, sha256, size, content_sha256, template_id, "
            "template_version, project_id, reporting_period, generation_token, submitted_on, collected_at, "
            "has_macros, saved_at, file_time, source_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                readable_name(submission.file_name),
                readable_name(submission.path),
                submission.sha256,
                submission.size,
                content_sha256,
                metadata.template_id,
                metadata.template_version,
                metadata.project_id,
                metadata.reporting_period,
                metadata.generation_token,
                _day_text(submitted_on),
                collected_at,
                int(submission.has_macros),
                submission.saved_at,
                submission.file_time,
                submission.source_version,
            ),
        )
        submission_id = int(cursor.lastrowid)
        connection.executemany(
            "INSERT INTO field_value (submission_id, name, value) VALUES (?, ?, ?)",
            [(submission_id, name, _dumps(encode_value(value))) for name, value in submission.fields.items()],
        )
        connection.executemany(
            "INSERT INTO table_row (submission_id, table_name, row_index, excel_row, row_values) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (submission_id, table, index, _excel_row(submission, table, index), _encode_row(row))
                for table, rows in submission.tables.items()
                for index, row in enumerate(rows)
            ],
        )
        return submission_id

    def add_preference(
        self, project_id: str, reporting_period: str, submission_id: int, holds_until: str, reason: str
    ) -> bool:
        """Record the PMO's choice of submission for a project and period; False if it was already the choice.

        The choice holds against every submission dated (submitted-on) up to `holds_until`: the latest date the
        PMO could see when choosing.
        """
        slot = self._connection.execute(
            "SELECT project_id, reporting_period FROM submission WHERE submission_id = ?", (submission_id,)
        ).fetchone()
        if slot is None or tuple(slot) != (project_id, reporting_period):
            # A choice the views would never apply (another project's or period's report) is refused, not kept.
            held = f"is {slot[0]} {slot[1]}" if slot else "is not in the ledger"
            raise LedgerError(
                f"{self.path}: submission {submission_id} {held}: it cannot be the choice for {project_id} "
                f"{reporting_period}"
            )
        current = self._connection.execute(
            "SELECT submission_id FROM preference WHERE project_id = ? AND reporting_period = ? "
            "ORDER BY preference_id DESC LIMIT 1",
            (project_id, reporting_period),
        ).fetchone()
        if current and current[0] == submission_id:
            return False
        self._connection.execute(
            "INSERT INTO preference (project_id, reporting_period, submission_id, holds_until, decided_at, reason) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (project_id, reporting_period, submission_id, holds_until, now_stamp(), reason),
        )
        return True

    def add_register(self, records: Sequence[ProjectRecord], source_path: str, sha256: str) -> bool:
        """Record the register as this run read it; False (nothing added) when it is the one recorded last."""
        latest = self._connection.execute(
            "SELECT sha256, records FROM register_snapshot ORDER BY snapshot_id DESC LIMIT 1"
        ).fetchone()
        encoded = _dumps([_encode_record(record) for record in records])
        if latest is not None and latest[0] == sha256 and latest[1] == encoded:
            return False
        self._connection.execute(
            "INSERT INTO register_snapshot (recorded_at, source_path, sha256, records) VALUES (?, ?, ?, ?)",
            (now_stamp(), source_path, sha256, encoded),
        )
        return True

    def add_rejections(self, rejections: Sequence[Rejection]) -> set[str]:
        """Record files returned to their PMs (rejected, with the findings), in one transaction; returns the sha256
        of each file recorded now (a file rejected in an earlier run is not recorded, or answered, again)."""
        known = {row[0] for row in self._connection.execute("SELECT sha256 FROM rejection")}
        # A re-run on the same inbox adds nothing, and one file saved twice in the inbox is one return.
        fresh = []
        for rejection in rejections:
            if rejection.sha256 not in known:
                known.add(rejection.sha256)
                fresh.append(rejection)
        rejections = fresh
        if not rejections:
            return set()
        with self._transaction("no rejection of this run was recorded"):
            self._connection.executemany(
                f"INSERT INTO rejection ({', '.join(REJECTION_COLUMNS)}) VALUES ({', '.join('?' * len(REJECTION_COLUMNS))})",
                [
                    (readable_name(r.file_name), readable_name(r.source_path), r.sha256, r.project_id,
                     r.reporting_period, r.template_id,
                     r.rejected_at, _dumps([asdict(finding) for finding in r.findings]))
                    for r in rejections
                ],
            )  # fmt: skip
        return {r.sha256 for r in rejections}

    def add_imported_baselines(self, baselines: Sequence[ImportedBaseline]) -> int:
        """Record each project's imported period-0 baseline, in one transaction; how many were new. A baseline the
        ledger already holds for that project (the same number, dates, cost and source) is not added again."""
        held = {baseline.same_as for baseline in self.imported_baselines()}
        new = [baseline for baseline in baselines if baseline.same_as not in held]
        if new:
            with self._transaction("no imported baseline of this run was recorded"):
                self._connection.executemany(
                    f"INSERT INTO imported_baseline ({', '.join(IMPORTED_BASELINE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(IMPORTED_BASELINE_COLUMNS))})",
                    [
                        (b.project_id, b.external_id, b.baseline_number, _day_text(b.start_date),
                         _day_text(b.finish_date), _dumps(encode_value(b.cost)), b.currency, b.money_unit, b.source,
                         b.source_sha256, b.imported_at)
                        for b in new
                    ],
                )  # fmt: skip
        return len(new)

    def add_scenario_commit(self, decision: ScenarioCommit) -> int:
        """Record a committed scenario (`pmo scenario commit`); its row id."""
        with self._transaction("the scenario was not recorded as committed"):
            cursor = self._connection.execute(
                f"INSERT INTO scenario_commit ({', '.join(SCENARIO_COMMIT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(SCENARIO_COMMIT_COLUMNS))})",
                (decision.scenario_name, decision.scenario, _dumps(list(decision.approved)),
                 _dumps(list(decision.new_projects)), decision.register_source, decision.register_sha256,
                 decision.new_register, decision.committed_by, decision.committed_at),
            )  # fmt: skip
        return int(cursor.lastrowid)

    def add_decisions(self, decisions: Sequence[Decision]) -> list[Decision]:
        """Record the committee's decisions, append-only, in one transaction; those recorded, with their ids. A
        decision whose `row_key` the ledger already holds is not recorded again (a Decisions table read twice)."""
        with self._transaction("no decision was recorded"):
            known = {row[0] for row in self._connection.execute("SELECT row_key FROM decision").fetchall()}
            recorded = []
            for decision in decisions:
                if decision.row_key in known:
                    continue
                known.add(decision.row_key)
                values = [getattr(decision, column) for column in DECISION_COLUMNS]
                cursor = self._connection.execute(
                    f"INSERT INTO decision ({', '.join(DECISION_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(DECISION_COLUMNS))})",
                    values,
                )
                recorded.append(replace(decision, decision_id=int(cursor.lastrowid)))
        return recorded

    # -- reading ------------------------------------------------------------------------------------------------

    def decisions(self, project_ids: Iterable[str] | None = None) -> list[Decision]:
        """The committee's decisions (of the given projects), oldest first, superseded ones included."""
        query = f"SELECT decision_id, {', '.join(DECISION_COLUMNS)} FROM decision"
        rows = self._read("decisions", query, (), "project_id", project_ids)
        return [Decision(*row[1:], decision_id=row[0]) for row in sorted(rows)]

    def scenario_commits(self) -> list[ScenarioCommit]:
        """Every committed scenario, oldest first."""
        rows = self._connection.execute(
            f"SELECT {', '.join(SCENARIO_COMMIT_COLUMNS)} FROM scenario_commit ORDER BY commit_id"
        ).fetchall()
        return [
            ScenarioCommit(name, scenario, tuple(json.loads(approved)), tuple(json.loads(new)), source, sha256,
                           new_register, by, at)
            for name, scenario, approved, new, source, sha256, new_register, by, at in rows
        ]  # fmt: skip

    def imported_baselines(self) -> list[ImportedBaseline]:
        """Every imported period-0 baseline, oldest first."""
        rows = self._connection.execute(
            f"SELECT {', '.join(IMPORTED_BASELINE_COLUMNS)} FROM imported_baseline ORDER BY baseline_id"
        ).fetchall()
        return [
            ImportedBaseline(
                project_id, external_id, number, _date_or_none(start), _date_or_none(finish),
                decode_value(json.loads(cost)), currency, unit, source, sha256, imported_at,
            )
            for project_id, external_id, number, start, finish, cost, currency, unit, source, sha256, imported_at
            in rows
        ]  # fmt: skip

    def latest_register(self) -> tuple[list[ProjectRecord], str, str] | None:
        """The register recorded last (records, its source path, when), or None if no run recorded one."""
        row = self._connection.execute(
            "SELECT records, source_path, recorded_at FROM register_snapshot ORDER BY snapshot_id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return [_decode_record(item) for item in json.loads(row[0])], row[1], row[2]

    def rejections(self, periods: Iterable[str] | None = None) -> list[Rejection]:
        """The files returned for correction, in the order they were: all, or those of some reporting periods."""
        if periods is None:
            rows = self._connection.execute(
                f"SELECT {', '.join(REJECTION_COLUMNS)} FROM rejection ORDER BY rejection_id"
            ).fetchall()
        else:
            query = f"SELECT rejection_id, {', '.join(REJECTION_COLUMNS)} FROM rejection"
            rows = [row[1:] for row in sorted(self._read("rejections", query, (), "reporting_period", periods))]
        return [
            Rejection(*row[:-1], tuple(Finding(**finding) for finding in json.loads(row[-1])))  # type: ignore[arg-type]
            for row in rows
        ]

    def submission_with_sha256(self, sha256: str) -> int | None:
        row = self._connection.execute("SELECT submission_id FROM submission WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def submission_with_content(self, content_sha256: str) -> int | None:
        row = self._connection.execute(
            "SELECT submission_id FROM submission WHERE content_sha256 = ?", (content_sha256,)
        ).fetchone()
        return row[0] if row else None

    def submissions(
        self,
        template_id: str | None = None,
        project_ids: Iterable[str] | None = None,
        periods: Iterable[str] | None = None,
        after_id: int = 0,
        from_period: str | None = None,
    ) -> pd.DataFrame:
        """One row per stored submission: the header columns, in the order they were added; all of them, or only
        those of one template, of some projects, of some periods, from a period on, or added after `after_id`."""
        where, parameters = ["submission_id > ?"], [after_id]
        if template_id is not None:
            where.append("template_id = ?")
            parameters.append(template_id)
        if from_period is not None:
            where.append("reporting_period >= ?")
            parameters.append(from_period)
        query = f"SELECT {', '.join(HEADER_COLUMNS)} FROM submission WHERE {' AND '.join(where)}"
        if project_ids is not None and periods is not None:  # both: the projects in SQL, their periods here
            wanted = set(periods)
            rows = self._read("headers", query, parameters, "project_id", project_ids)
            rows = [row for row in rows if row[HEADER_COLUMNS.index("reporting_period")] in wanted]
        elif project_ids is not None:
            rows = self._read("headers", query, parameters, "project_id", project_ids)
        else:
            rows = self._read("headers", query, parameters, "reporting_period", periods)
        frame = pd.DataFrame(rows, columns=list(HEADER_COLUMNS)).sort_values("submission_id", ignore_index=True)
        frame["has_macros"] = frame["has_macros"].astype(bool)
        return frame

    def _read(self, kind: str, query: str, parameters: Sequence, column: str, values: Iterable | None) -> list[tuple]:
        """The rows `query` selects, only those whose `column` is one of `values` when given; counted in `reads`
        under `kind` (what the views promise to read is held to it by tests/test_history_scale.py)."""
        if values is not None:
            rows = self._select_in(query, parameters, column, sorted(set(values)))
        else:
            rows = self._connection.execute(query, parameters).fetchall()
        self.reads[kind] += len(rows)
        return rows

    def _select_in(self, query: str, parameters: Sequence, column: str, values: Sequence) -> list[tuple]:
        """`query AND column IN (values)`, a chunk of values at a time (portable SQL: no json_each, no array)."""
        joiner = " AND " if " WHERE " in query else " WHERE "
        rows: list[tuple] = []
        for start in range(0, len(values), _CHUNK):
            chunk = list(values[start : start + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            rows += self._connection.execute(f"{query}{joiner}{column} IN ({marks})", [*parameters, *chunk]).fetchall()
        return rows

    def template_versions(self, submission_ids: Iterable[int]) -> dict[int, str]:
        """submission id -> the template version its stored values are in, for the given submissions."""
        ids = {int(i) for i in submission_ids}
        if not ids:
            return {}
        query = "SELECT submission_id, template_version FROM submission"
        return dict(self._read("versions", query, (), "submission_id", ids))

    def stored_files(self) -> dict[str, tuple[int, str, str, str]]:
        """sha256 -> (submission_id, project_id, reporting_period, template_id) of every stored submission: what
        collect needs to know a file it has stored before, without building a header row per submission."""
        rows = self._connection.execute(
            "SELECT sha256, submission_id, project_id, reporting_period, template_id FROM submission"
        ).fetchall()
        return {sha256: (submission_id, project, period, template) for sha256, submission_id, project, period, template
                in rows}  # fmt: skip

    def field_values(
        self, submission_ids: Iterable[int] | None = None, names: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Long: submission_id, name, value (decoded Python values), for all or the given submissions; every field,
        or only the named ones (as stored: a name of the submission's own template version)."""
        ids = None if submission_ids is None else {int(i) for i in submission_ids}
        query, wanted = "SELECT submission_id, name, value FROM field_value", sorted(set(names or ()))
        if names is not None:
            query += f" WHERE name IN ({', '.join('?' * len(wanted))})" if wanted else " WHERE 1 = 0"
        rows = self._read("field_values", query, wanted, "submission_id", ids)
        return pd.DataFrame(
            [(submission_id, name, decode_value(json.loads(value))) for submission_id, name, value in rows],
            columns=["submission_id", "name", "value"],
        )

    def table_rows(
        self, table_name: str, submission_ids: Iterable[int] | None = None
    ) -> list[tuple[int, int | None, dict[str, Value]]]:
        """(submission_id, excel_row, row values) for the stored rows of one table, in submission and row order."""
        query = "SELECT submission_id, row_index, excel_row, row_values FROM table_row WHERE table_name = ?"
        ids = None if submission_ids is None else {int(i) for i in submission_ids}
        rows = self._read("table_rows", query, (table_name,), "submission_id", ids)
        rows.sort(key=lambda row: (row[0], row[1]))
        return [(submission_id, excel_row, _decode_row(values)) for submission_id, _index, excel_row, values in rows]

    def table_row_texts(self, table_name: str, submission_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """Each given submission's rows of one table as stored (text, in row order, undecoded): to tell two reports'
        rows the same without decoding either (a report copied forward holds the rows of the one before)."""
        query = "SELECT submission_id, row_index, row_values FROM table_row WHERE table_name = ?"
        rows = self._read("table_texts", query, (table_name,), "submission_id", {int(i) for i in submission_ids})
        texts: dict[int, list[str]] = {}
        for submission_id, _index, text in sorted(rows):
            texts.setdefault(submission_id, []).append(text)
        return {submission_id: tuple(own) for submission_id, own in texts.items()}

    def stored_submission(self, submission_id: int) -> StoredSubmission:
        connection = self._connection
        header_row = connection.execute(
            f"SELECT {', '.join(HEADER_COLUMNS)} FROM submission WHERE submission_id = ?", (submission_id,)
        ).fetchone()
        if header_row is None:
            raise LedgerError(f"{self.path}: no submission {submission_id}")
        fields = {
            name: decode_value(json.loads(value))
            for name, value in connection.execute(
                "SELECT name, value FROM field_value WHERE submission_id = ?", (submission_id,)
            )
        }
        tables: dict[str, list[dict[str, Value]]] = {}
        for table, values in connection.execute(
            "SELECT table_name, row_values FROM table_row WHERE submission_id = ? ORDER BY table_name, row_index",
            (submission_id,),
        ):
            tables.setdefault(table, []).append(_decode_row(values))
        return StoredSubmission(dict(zip(HEADER_COLUMNS, header_row, strict=True)), fields, tables)

    def preferences(self) -> pd.DataFrame:
        """The PMO's latest choice per project and period."""
        rows = self._connection.execute(
            "SELECT project_id, reporting_period, submission_id, holds_until, decided_at, reason FROM preference "
            "ORDER BY preference_id"
        ).fetchall()
        columns = ["project_id", "reporting_period", "submission_id", "holds_until", "decided_at", "reason"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.drop_duplicates(["project_id", "reporting_period"], keep="last").reset_index(drop=True)

    def last_ids(self) -> dict[str, int]:
        """The newest submission and preference ids: what the derived tables have taken in, once refreshed."""
        return {
            table: self._connection.execute(f"SELECT COALESCE(MAX({table}_id), 0) FROM {table}").fetchone()[0]
            for table in ("submission", "preference")
        }

    def preference_slots(self, after_id: int = 0) -> list[tuple[str, str]]:
        """(project_id, reporting_period) of the PMO's choices made after `after_id`."""
        return self._connection.execute(
            "SELECT DISTINCT project_id, reporting_period FROM preference WHERE preference_id > ?", (after_id,)
        ).fetchall()

    # -- the derived tables -------------------------------------------------------------------------------------

    def derived_marker(self) -> dict[str, int]:
        """What the derived tables were last refreshed from: {'submission': id, 'preference': id}; 0 when never."""
        known = dict(self._connection.execute("SELECT name, value FROM derived_state").fetchall())
        # Anything but a whole number (a hand edit) counts as never refreshed: everything is worked out again.
        return {name: known[name] if isinstance(known.get(name), int) else 0 for name in ("submission", "preference")}

    def counted_starts(self, template_id: str) -> dict[str, str]:
        """project_id -> the baseline key its counted chain was worked out from (its first row's)."""
        return dict(
            self._connection.execute(
                "SELECT project_id, baseline_key FROM counted_report WHERE template_id = ? AND position = 0",
                (template_id,),
            ).fetchall()
        )

    def counted_periods(self, template_id: str, upto: str | None = None, most: int | None = None) -> list[str]:
        """The periods with counted reports, newest first: all, or up to `upto`, at most `most` of them."""
        query = "SELECT DISTINCT reporting_period FROM counted_report WHERE template_id = ?"
        parameters: list = [template_id]
        if upto is not None:
            query += " AND reporting_period <= ?"
            parameters.append(upto)
        query += " ORDER BY reporting_period DESC"
        if most is not None:
            query += f" LIMIT {int(most)}"
        return [row[0] for row in self._connection.execute(query, parameters)]

    def counted(
        self,
        template_id: str,
        first_period: str | None = None,
        last_period: str | None = None,
        submission_ids: Iterable[int] | None = None,
        project_ids: Iterable[str] | None = None,
        with_state: bool = True,
    ) -> list[tuple]:
        """Counted-report rows (COUNTED_COLUMNS, shown parts and state as stored text) between two periods, of
        some submissions or of some projects; without `with_state`, the state is '' (a History row needs only its
        shown parts, and the state is the larger part)."""
        query = f"SELECT {_counted_columns('', with_state)} FROM counted_report WHERE template_id = ?"
        parameters: list = [template_id]
        for bound, operator in ((first_period, ">="), (last_period, "<=")):
            if bound is not None:
                query += f" AND reporting_period {operator} ?"
                parameters.append(bound)
        if submission_ids is not None:
            return self._read("counted", query, parameters, "submission_id", {int(i) for i in submission_ids})
        return self._read("counted", query, parameters, "project_id", project_ids)

    def counted_first_periods(self, template_id: str, before: str) -> dict[str, str]:
        """project_id -> its first period with a counted report, for the projects with one before period `before`."""
        query = (
            "SELECT project_id, MIN(reporting_period) FROM counted_report WHERE template_id = ? "
            "AND reporting_period < ? GROUP BY project_id"
        )
        return dict(self._read("counted", query, (template_id, before), "", None))

    def counted_field_values(self, template_id: str, before: str, names: Iterable[str]) -> list[tuple]:
        """The distinct (project_id, template_version, field name, value) of the named fields, as stored, in the
        counted reports before period `before`: what a reader asks of every earlier period (the coaching
        scorecard: the PMs named) without decoding a counted report's summary."""
        query = (
            "SELECT DISTINCT c.project_id, s.template_version, f.name, f.value FROM counted_report c "
            "JOIN submission s ON s.submission_id = c.submission_id "
            "JOIN field_value f ON f.submission_id = c.submission_id "
            "WHERE c.template_id = ? AND c.reporting_period < ?"
        )
        rows = self._read("counted", query, (template_id, before), "f.name", names)
        return [
            (project_id, version, name, decode_value(json.loads(value))) for project_id, version, name, value in rows
        ]

    def counted_latest(
        self,
        template_id: str,
        upto: str | None = None,
        before: bool = False,
        project_ids: Iterable[str] | None = None,
        with_state: bool = True,
    ) -> list[tuple]:
        """Each project's newest counted-report row up to `upto` (or before it, with `before`), as `counted`."""
        operator = "<" if before else "<="
        bound = f" AND d.reporting_period {operator} ?" if upto is not None else ""
        query = (
            f"SELECT {_counted_columns('c.', with_state)} FROM counted_report c "
            "WHERE c.template_id = ? AND c.reporting_period = (SELECT MAX(d.reporting_period) FROM counted_report d "
            f"WHERE d.template_id = c.template_id AND d.project_id = c.project_id{bound})"
        )
        parameters = [template_id] + ([upto] if upto is not None else [])
        return self._read("counted", query, parameters, "c.project_id", project_ids)

    def replace_counted(
        self, template_id: str, from_periods: dict[str, str], rows: Sequence[tuple], marker: dict[str, int]
    ) -> None:
        """Replace each project's counted rows from a period on (`from_periods`: project_id -> first period, '' for
        all) with `rows` (COUNTED_COLUMNS), and record `marker` as taken in: one transaction, all or nothing."""
        self._require_write()
        with self._transaction("the derived tables were not refreshed (the record is intact)"):
            self._connection.executemany(
                "DELETE FROM counted_report WHERE template_id = ? AND project_id = ? AND reporting_period >= ?",
                [(template_id, project_id, first) for project_id, first in from_periods.items()],
            )
            self._connection.executemany(
                f"INSERT INTO counted_report ({', '.join(COUNTED_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(COUNTED_COLUMNS))})",
                rows,
            )
            self._connection.executemany(
                "DELETE FROM derived_state WHERE name = ?", [(name,) for name in marker]
            )  # fmt: skip
            self._connection.executemany(
                "INSERT INTO derived_state (name, value) VALUES (?, ?)", list(marker.items())
            )  # fmt: skip

    def truncate_derived(self) -> None:
        """Empty the derived tables (the record is untouched): the next refresh works them out again."""
        self._require_write()
        with self._transaction("the derived tables were not emptied"):
            for table in DERIVED_TABLES:
                self._connection.execute(f"DELETE FROM {table}")

    def _require_write(self) -> None:
        if not self.write:
            raise LedgerError(f"{self.path}: opened read-only")

    def integrity(self) -> list[str]:
        """SQLite's own integrity check: [] when the file is sound, else what it found."""
        found = [row[0] for row in self._connection.execute("PRAGMA integrity_check").fetchall()]
        return [] if found == ["ok"] else found

    def counts(self) -> dict[str, int]:
        return {
            table: self._connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in (*RECORD_TABLES, *DERIVED_TABLES)
        }


@dataclass(frozen=True)
class ScenarioCommit:
    """A portfolio decision: the saved scenario `scenario_name` approved by `committed_by` at `committed_at` (ISO),
    `scenario` its JSON as committed, the requests it `approved`, those of them that became `new_projects` in the
    register `new_register` written from `register_source` (whose bytes had `register_sha256`)."""

    scenario_name: str
    scenario: str
    approved: tuple[str, ...]
    new_projects: tuple[str, ...]
    register_source: str
    register_sha256: str
    new_register: str
    committed_by: str
    committed_at: str


@dataclass(frozen=True)
class Decision:
    """A steering committee's decision (`pmo decide`): of `kind` (approve, defer, ...) by `owner` on `decided_on`
    (ISO day), answering the decision-needed row `answers` (D-001) of `project_id`'s status report; an optional
    `action` for `action_owner` due on `due` (ISO day, '' for none). `supersedes` is the id of the decision this one
    corrects; `source` says where it was read ('pmo decide', or the workbook, table and row); `row_key` fingerprints
    what was decided."""

    project_id: str
    answers: str
    kind: str
    owner: str
    decided_on: str
    action: str
    action_owner: str
    due: str
    note: str
    supersedes: int | None
    source: str
    row_key: str
    recorded_at: str
    decision_id: int | None = None


@dataclass(frozen=True)
class ImportedBaseline:
    """A project's period-0 record: its baseline as another tool held it before pmo-xl's first report (baseline
    `baseline_number` of a Project Online export), marked with the export it came from."""

    project_id: str
    external_id: str
    baseline_number: int
    start_date: dt.date | None
    finish_date: dt.date | None
    cost: Value
    currency: str
    money_unit: str
    source: str
    source_sha256: str
    imported_at: str

    @property
    def same_as(self) -> tuple:
        """What makes a second import of this baseline the same record (not when it was imported)."""
        return (self.project_id, self.external_id, self.baseline_number, self.start_date, self.finish_date,
                repr(self.cost), self.currency, self.money_unit, self.source_sha256)  # fmt: skip


@dataclass(frozen=True)
class Rejection:
    """A file collect returned to its PM: which project and period it was for, and why."""

    file_name: str
    source_path: str
    sha256: str
    project_id: str
    reporting_period: str
    template_id: str
    rejected_at: str
    findings: tuple[Finding, ...]


def _encode_record(record: ProjectRecord) -> dict:
    values = asdict(record)
    return {
        name: encode_value(value) if not isinstance(value, dict | tuple) else value for name, value in values.items()
    } | {
        "fields": {name: encode_value(value) for name, value in record.fields.items()},
        "warnings": list(record.warnings),
    }


def _decode_record(item: dict) -> ProjectRecord:
    values = {name: decode_value(value) for name, value in item.items() if name not in ("fields", "warnings")}
    values["fields"] = {name: decode_value(value) for name, value in item.get("fields", {}).items()}
    values["warnings"] = tuple(item.get("warnings", ()))
    return ProjectRecord(**values)


def _counted_columns(prefix: str, with_state: bool) -> str:
    columns = [f"{prefix}{column}" for column in COUNTED_COLUMNS]
    if not with_state:
        columns[-1] = "''"
    return ", ".join(columns)


def _write_fault(path: Path, error: Exception, lost: str) -> str:
    """One line for a fault of the machine under the ledger: what, where, what was kept, and the fix."""
    text = str(getattr(error, "strerror", None) or error)
    if "full" in text.casefold() or getattr(error, "errno", None) == errno.ENOSPC:
        why = "the disk is full"
    elif "read-only" in text.casefold() or getattr(error, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "its folder is read-only for you"
    else:
        why = text
    return (
        f"{path}: the ledger cannot be written ({why}); {lost}, and what earlier runs recorded is intact. "
        "Fix that (free space, or a folder you can write to) and run collect again: nothing is added twice"
    )


def _excel_row(submission: ParsedSubmission, table: str, index: int) -> int | None:
    rows = submission.table_rows.get(table, [])
    return rows[index] if index < len(rows) else None


def _day_text(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else None


def _date_or_none(text: str | None) -> dt.date | None:
    return decode_value({"date": text}) if text else None  # type: ignore[return-value]


def now_stamp() -> str:
    """Collected-at and decided-at times: UTC, to the microsecond, so they sort as text across time zones."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def open_ledger(path: Path | str, write: bool = False) -> Ledger:
    return Ledger(path, write=write)
