"""The ledger's derived tables, kept current: each project's counted report per period, with what the views need of
it already worked out, so that a dashboard reads the periods it shows and never decodes the whole history.

The record (pmo_xl.ledger) is append-only and stays the truth; `counted_report` is a cache of it that can be
thrown away and worked out again at any time (`pmo ledger rebuild`). A refresh finds what changed since the last
one: submissions and PMO choices added after its marker, and projects whose register baseline differs from the one
their chain was worked out from. Each affected project's chain is then worked out again from the first period
affected, carrying the state of the row before it, so a normal month costs one row per project.

What one row holds (the PMO baseline carried along, the figures of the period) is the views' business: they pass
their rules in (`ChainRules`), and this module knows storage, not PMO rules. A reader that may not write (the
dashboard, the report) works a stale project's chain out in memory instead, whole, and the answer is the same.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pmo_xl.corrections import mark_current
from pmo_xl.ledger import Ledger, LedgerError, StoredSubmission
from pmo_xl.templates.steps import (
    AddCheck,
    AddColumn,
    AddField,
    AddInstruction,
    AddStampedTable,
    ChangeRule,
    Relabel,
    Restyle,
)
from pmo_xl.templates.versions import history, known_versions, migrate

T = TypeVar("T")


@dataclass(frozen=True)
class CountedReport:
    """One project's counted report for one period, as the derived table holds it."""

    project_id: str
    period: str
    submission_id: int
    previous_submission_id: int | None
    position: int  # 0 for the project's first counted report
    baseline_key: str  # what the chain's start was worked out from (the register's baseline for the project)
    summary: dict  # the views' own: see ChainRules.step


@dataclass(frozen=True)
class StepInput:
    """What working out one counted report needs: its header and values, its tables, the change requests of the
    report two back (pmo_xl.corrections.newly_approved), and the previous row's summary (None for the first)."""

    header: dict
    fields: dict
    tables: dict[str, list[dict]]
    change_requests_two_back: list[dict]
    previous: dict | None
    start: object  # the chain's start (the register's baseline), for the first row


@dataclass(frozen=True)
class ChainRules:
    """The views' side of a chain: which template, which tables a row reads, where a chain starts, one step."""

    template_id: str
    tables: tuple[str, ...]
    start: Callable[[str], tuple[str, object]]  # project_id -> (baseline key, start state)
    step: Callable[[StepInput], dict]
    change_requests_table: str = "ChangeRequests"


# -- the summary codec: JSON with its dates tagged, so they come back as dates ----------------------------------


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON; a blank is None everywhere else
        return None
    return value


def _decode_hook(item: dict) -> object:
    if len(item) == 1:
        if "$d" in item:
            return dt.date.fromisoformat(item["$d"])
        if "$dt" in item:
            return dt.datetime.fromisoformat(item["$dt"])
    return item


def encode_summary(summary: dict) -> str:
    return json.dumps(_encode(summary), ensure_ascii=False, separators=(",", ":"), default=str)


def decode_summary(text: str) -> dict:
    return json.loads(text, object_hook=_decode_hook)


# The parts of a summary that every period's row is read for (a History row and what it changed): stored apart from
# the rest (the state carried to the next row, the larger part), which only the latest reports are read with.
SHOWN_PARTS = ("record", "field_changes")


def _report(row: Sequence) -> CountedReport:
    """A stored row as a CountedReport: its summary's shown parts, and the state when it was read (see
    Ledger.counted's with_state)."""
    _template, project_id, period, submission_id, previous, position, key, _rag, shown, state = row
    summary = {**decode_summary(shown), **(decode_summary(state) if state else {})}
    return CountedReport(project_id, period, submission_id, previous, position, key, summary)


def stored_row(template_id: str, report: CountedReport) -> tuple:
    """A CountedReport as the derived table stores it: the shown parts of its summary apart from the state."""
    record = report.summary.get("record", {})
    rag = record.get("rag_overall")
    shown = {key: value for key, value in report.summary.items() if key in SHOWN_PARTS}
    state = {key: value for key, value in report.summary.items() if key not in SHOWN_PARTS}
    return (template_id, report.project_id, report.period, report.submission_id, report.previous_submission_id,
            report.position, report.baseline_key, rag if isinstance(rag, str) else "", encode_summary(shown),
            encode_summary(state))  # fmt: skip


# -- refreshing -------------------------------------------------------------------------------------------------


def stale_projects(ledger: Ledger, rules: ChainRules) -> dict[str, str]:
    """project_id -> the first period whose counted report must be worked out again ('' for the whole chain)."""
    marker = ledger.derived_marker()
    affected: dict[str, str] = {}

    def touch(project_id: str, period: str) -> None:
        affected[project_id] = min(affected.get(project_id, period), period)

    new = ledger.submissions(rules.template_id, after_id=marker["submission"])
    for project_id, period in zip(new["project_id"], new["reporting_period"], strict=True):
        touch(project_id, period)
    for project_id, period in ledger.preference_slots(marker["preference"]):
        touch(project_id, period)
    for project_id, key in ledger.counted_starts(rules.template_id).items():
        if chain_start(rules, project_id)[0] != key:
            affected[project_id] = ""
    return affected


# Steps that change words, looks, instructions or rules, never a stored value: a migration made only of these reads every stored
# report as before. Any other kind (one added later included) is taken to move values.
# a stamped table (template 1.3's DecisionsTaken) is never read back: no stored report holds a value of it
_MOVES_NO_VALUE = (ChangeRule, Relabel, AddInstruction, Restyle, AddCheck, AddStampedTable)


def _moves_value(step: object) -> bool:
    """A field added blank (no default for older reports) reads as blank there, as it did before: no value moves."""
    if isinstance(step, AddField):
        return step.default is not None
    if isinstance(step, AddColumn):  # a calculated column (the rows' Check) holds no value to read
        return step.column.formula is None
    return not isinstance(step, _MOVES_NO_VALUE)


def reading_key(template_id: str) -> str:
    """What reading a stored report in the current shape depends on besides the record: the newest version reached
    by a migration that moves values ('' when none does). A counted report keeps it in its chain key, so when
    pmo-xl's template moves on and old reports read otherwise (a renamed choice, a retired field), every chain is
    worked out again once: the derived tables never hold a figure of the old reading beside ones of the new."""
    moved = [m.to_version for m in history(template_id).migrations
             if any(_moves_value(step) for step in m.steps)]  # fmt: skip
    return moved[-1] if moved else ""


def chain_start(rules: ChainRules, project_id: str) -> tuple[str, object]:
    """(the chain key, the start state) of a project's chain: the views' start key, with the reading of stored
    reports (`reading_key`) when a migration moves values."""
    key, start = rules.start(project_id)
    reading = reading_key(rules.template_id)
    return (f"{key}@{reading}" if reading else key), start


def refresh(ledger: Ledger, rules: ChainRules, persist: bool) -> dict[str, list[CountedReport]]:
    """Bring the counted reports up to date. With `persist` (a ledger open for writing) they are written, and {} is
    returned; otherwise each stale project's whole chain is worked out in memory and returned, by project."""
    if persist:
        with ledger.refreshing():  # on PostgreSQL: one run at a time, and no submission half-stored meanwhile
            return _refresh(ledger, rules, persist)
    return _refresh(ledger, rules, persist)


def _refresh(ledger: Ledger, rules: ChainRules, persist: bool) -> dict[str, list[CountedReport]]:
    last = ledger.last_ids()
    affected = stale_projects(ledger, rules)
    if not affected:
        if persist and ledger.derived_marker() != last:
            ledger.replace_counted(rules.template_id, {}, [], last)
        return {}
    if not persist:
        affected = dict.fromkeys(affected, "")
    reports = work_out(ledger, rules, affected)
    if persist:
        ledger.replace_counted(rules.template_id, affected, [stored_row(rules.template_id, r) for r in reports], last)
        return {}
    return _chains(reports, affected)


def rebuild(ledger: Ledger, rules: ChainRules) -> int:
    """Empty the derived tables and work every chain out again from the record; the number of rows written."""
    with ledger.refreshing():
        ledger.truncate_derived()
        reports = work_out_all(ledger, rules)
        ledger.replace_counted(
            rules.template_id, {}, [stored_row(rules.template_id, r) for r in reports], ledger.last_ids()
        )
    return len(reports)


def work_out_all(ledger: Ledger, rules: ChainRules) -> list[CountedReport]:
    """Every project's whole chain, read from the record: for a rebuild, a check, or a reader whose derived
    tables are damaged."""
    projects = set(ledger.submissions(rules.template_id)["project_id"])
    return work_out(ledger, rules, dict.fromkeys(projects, ""))


def _chains(reports: Iterable[CountedReport], projects: Iterable[str]) -> dict[str, list[CountedReport]]:
    """The reports by project, each of `projects` present (an empty chain when it has no counted report)."""
    chains: dict[str, list[CountedReport]] = {project_id: [] for project_id in projects}
    for report in reports:
        chains.setdefault(report.project_id, []).append(report)
    return chains


def work_out(ledger: Ledger, rules: ChainRules, affected: dict[str, str]) -> list[CountedReport]:
    """The counted reports of the affected projects from their first affected period on, read from the record."""
    preferences = ledger.preferences()
    preferences = preferences[preferences["project_id"].isin(affected)]
    chains: dict[str, list[dict]] = {}
    prior: dict[str, CountedReport] = {}
    by_first: dict[str, list[str]] = {}
    for project_id, first in affected.items():
        by_first.setdefault(first, []).append(project_id)
    for first, projects in sorted(by_first.items()):
        headers = ledger.submissions(rules.template_id, project_ids=projects, from_period=first or None)
        marked = mark_current(headers, preferences)
        current = marked[marked["current"]].sort_values(["project_id", "reporting_period"])
        for header in current.to_dict("records"):
            chains.setdefault(header["project_id"], []).append(header)
        if first:
            for row in ledger.counted_latest(rules.template_id, first, before=True, project_ids=projects):
                report = _report(row)
                prior[report.project_id] = report
    wanted = {header["submission_id"] for chain in chains.values() for header in chain}
    extra = {report.submission_id for report in prior.values()}
    extra |= {report.previous_submission_id for report in prior.values() if report.previous_submission_id}
    fields = current_fields(ledger, rules.template_id, wanted)
    tables = current_tables(ledger, rules.template_id, rules.tables, wanted | extra)  # extra: change requests two back
    reports: list[CountedReport] = []
    for project_id, chain in sorted(chains.items()):
        before = prior.get(project_id)
        key, start = chain_start(rules, project_id)
        previous_summary = before.summary if before else None
        ids = [before.previous_submission_id, before.submission_id] if before else [None, None]
        position = before.position + 1 if before else 0
        key = before.baseline_key if before else key
        for header in chain:
            submission_id = header["submission_id"]
            two_back = ids[-2]
            summary = rules.step(
                StepInput(
                    header=header,
                    fields=fields.get(submission_id, {}),
                    tables={name: rows.get(submission_id, []) for name, rows in tables.items()},
                    change_requests_two_back=tables.get(rules.change_requests_table, {}).get(two_back, [])
                    if two_back
                    else [],
                    previous=previous_summary,
                    start=start,
                )
            )
            reports.append(
                CountedReport(project_id, header["reporting_period"], submission_id, ids[-1], position, key, summary)
            )
            ids.append(submission_id)
            previous_summary, position = summary, position + 1
    return reports


# -- stored values in the current version of their template: the one way the ledger's values are read --------
#
# The record keeps each report's values in the shape of the template version it was stored in (its
# `template_version`). Every reader of stored values (the counted chains, the views' item tables, the dashboard's
# items, carry-forward) reads them through these, so a report stored at an older version reads as the current one
# (a renamed choice is one value, a split column split, a retired field gone) and no reader keeps its own copy of
# the migrations. The record itself is never changed: this is a reading.


def current_fields(
    ledger: Ledger, template_id: str, submission_ids: Iterable[int], stored_names: Iterable[str] | None = None
) -> dict[int, dict]:
    """Each given submission's field values (name -> value), in the current version of `template_id`; only the
    fields stored under `stored_names` (any version's names) when given."""
    ids = {int(i) for i in submission_ids}
    fields: dict[int, dict] = {}
    if ids:
        names = None if stored_names is None else set(stored_names)
        for submission_id, name, value in ledger.field_values(ids, names).itertuples(index=False):
            fields.setdefault(submission_id, {})[name] = value
    return in_current_shape(ledger, template_id, fields, {})[0]


def current_tables(
    ledger: Ledger, template_id: str, table_names: Iterable[str], submission_ids: Iterable[int]
) -> dict[str, dict[int, list[dict]]]:
    """Each named table's rows by submission (in row order), in the current version of `template_id`."""
    ids = {int(i) for i in submission_ids}
    tables = {name: rows_by_submission(ledger.table_rows(name, ids) if ids else ()) for name in table_names}
    return in_current_shape(ledger, template_id, {}, tables)[1]


def current_submission(ledger: Ledger, submission_id: int) -> StoredSubmission:
    """One stored submission with its values in the current version of its template: its header says that version
    (`template_version`) and the one it was read from (`source_version`, as a file's older version is recorded)."""
    stored = ledger.stored_submission(submission_id)
    template_id, version = str(stored.header["template_id"]), str(stored.header["template_version"])
    _check_known(ledger, template_id, {submission_id: version})
    current = known_versions(template_id)[-1]
    if version == current:
        return stored
    fields, tables, _notes = migrate(template_id, version, stored.fields, stored.tables)
    header = {
        **stored.header,
        "template_version": current,
        "source_version": stored.header["source_version"] or version,
    }
    return StoredSubmission(header, fields, tables)


def in_current_shape(
    ledger: Ledger, template_id: str, fields: dict[int, dict], tables: dict[str, dict[int, list[dict]]]
) -> tuple[dict[int, dict], dict[str, dict[int, list[dict]]]]:
    """Stored values (fields by submission; each table's rows by submission) with those stored in an older version
    of the template moved to the current one through its declared migrations, so that a trend runs on across a
    template change and a renamed choice is one value. The inputs are not changed."""
    ids = set(fields) | {submission_id for rows in tables.values() for submission_id in rows}
    current = known_versions(template_id)[-1]
    older = {sid: version for sid, version in ledger.template_versions(ids).items() if version != current}
    if not older:
        return fields, tables
    _check_known(ledger, template_id, older)
    moved_fields = dict(fields)
    moved_tables = {name: dict(rows) for name, rows in tables.items()}
    for submission_id, version in older.items():
        own_tables = {name: rows[submission_id] for name, rows in tables.items() if submission_id in rows}
        moved, moved_rows, _notes = migrate(template_id, version, fields.get(submission_id, {}), own_tables)
        if submission_id in fields:
            moved_fields[submission_id] = moved
        for name in own_tables:
            moved_tables[name][submission_id] = moved_rows[name]
    return moved_fields, moved_tables


def _check_known(ledger: Ledger, template_id: str, versions: dict[int, str]) -> None:
    """A stored version this pmo-xl does not read (a newer pmo-xl stored it) is one line, never a guess."""
    known = known_versions(template_id)
    for submission_id, version in sorted(versions.items()):
        if version not in known:
            raise LedgerError(
                f"{ledger.path}: submission {submission_id} is stored in {template_id} version {version}, which this "
                f"pmo-xl does not read (it reads {', '.join(known)}): a newer pmo-xl wrote it; upgrade pmo-xl"
            )


def rows_by_submission(rows: Iterable[tuple[int, int | None, dict]]) -> dict[int, list[dict]]:
    """Table rows as Ledger.table_rows gives them, grouped by submission id, in their order."""
    grouped: dict[int, list[dict]] = {}
    for submission_id, _excel_row, row in rows:
        grouped.setdefault(submission_id, []).append(row)
    return grouped


# -- reading ----------------------------------------------------------------------------------------------------


class CountedHistory:
    """The counted reports as the views read them: from the derived table, with the chains of stale projects that
    could not be written (`overlay`, worked out in memory) standing in for theirs."""

    def __init__(self, ledger: Ledger, template_id: str, overlay: dict[str, list[CountedReport]], stored: bool = True):
        self.ledger, self.template_id, self.overlay = ledger, template_id, overlay
        self.stored = stored  # False: the derived tables are not read at all (gone, or damaged); all is in memory

    def _merge(self, rows: list[tuple], extra: Iterable[CountedReport]) -> list[CountedReport]:
        stored = [_report(row) for row in rows if row[1] not in self.overlay]
        return sorted([*stored, *extra], key=lambda report: (report.project_id, report.period))

    def _overlaid(self) -> Iterable[CountedReport]:
        return (report for chain in self.overlay.values() for report in chain)

    def periods(self, upto: str | None = None, most: int | None = None) -> list[str]:
        """Periods with counted reports, newest first, up to `upto`, at most `most`."""
        periods = set(self.ledger.counted_periods(self.template_id, upto, most)) if self.stored else set()
        periods |= {r.period for r in self._overlaid() if upto is None or r.period <= upto}
        return sorted(periods, reverse=True)[:most]

    def latest(self, upto: str | None = None) -> list[CountedReport]:
        """Each project's newest counted report up to `upto`."""
        rows = self.ledger.counted_latest(self.template_id, upto) if self.stored else []
        newest = {}
        for report in self._overlaid():
            if upto is None or report.period <= upto:
                newest[report.project_id] = report
        return self._merge(rows, newest.values())

    def between(self, first: str, last: str, with_state: bool = False) -> list[CountedReport]:
        """The counted reports from `first` to `last`: their shown parts only, unless `with_state`."""
        rows = self.ledger.counted(self.template_id, first, last, with_state=with_state) if self.stored else []
        return self._merge(rows, (r for r in self._overlaid() if first <= r.period <= last))

    def of_submissions(self, submission_ids: Iterable[int]) -> list[CountedReport]:
        ids = {int(i) for i in submission_ids if i is not None}
        rows = self.ledger.counted(self.template_id, submission_ids=ids) if ids and self.stored else []
        return self._merge(rows, (r for r in self._overlaid() if r.submission_id in ids))

    def all(self) -> list[CountedReport]:
        """Every counted report of every period, shown parts only: for `pmo export history`, never a view."""
        rows = self.ledger.counted(self.template_id, with_state=False) if self.stored else []
        return self._merge(rows, self._overlaid())


# What a damaged derived table raises when read (a dropped table, a hand-edited row): never a reason to stop, since
# everything in it can be worked out again from the record.
DERIVED_DAMAGE = (sqlite3.DatabaseError, ValueError, TypeError, KeyError, AttributeError)


def derived_damage() -> tuple[type[BaseException], ...]:
    """DERIVED_DAMAGE, and on a team ledger what PostgreSQL raises for a dropped or altered table (psycopg is
    named only once a PostgreSQL ledger has loaded it; a server gone is not damage, and is not caught)."""
    server = sys.modules.get("psycopg")
    return (*DERIVED_DAMAGE, server.ProgrammingError, server.DataError) if server else DERIVED_DAMAGE


def read_counted(ledger: Ledger, rules: ChainRules, persist: bool, read: Callable[[CountedHistory], T]) -> T:
    """`read` over the counted reports, refreshed first: written when `persist`, else worked out in memory where
    stale. The derived tables hold nothing the record does not, so when they are gone or damaged (found on the
    refresh or by `read` itself) a writer works them out again whole (`rebuild`) and a reader works every chain out
    in memory (`in_memory`), and `read` runs again on that: the record is the truth, and the answer is the same."""
    try:
        if ledger.derived_present():  # a writer's open makes missing ones again (Ledger._ensure_derived)
            return read(CountedHistory(ledger, rules.template_id, refresh(ledger, rules, persist)))
    except derived_damage():
        if persist:
            rebuild(ledger, rules)
            return read(CountedHistory(ledger, rules.template_id, {}))
    return read(in_memory(ledger, rules))


def in_memory(ledger: Ledger, rules: ChainRules) -> CountedHistory:
    """Every chain worked out from the record, the derived tables not read: for a reader when they are damaged."""
    return CountedHistory(ledger, rules.template_id, _chains(work_out_all(ledger, rules), ()), stored=False)
