"""The steering committee's decisions and actions (issue 18; `pmo decide`, docs/decisions.md).

A decision answers one decision-needed row of a project's status report (the Decisions table's stable ids, D-001...)
with a kind, an owner and a date, and may set an action with an owner and a due date. The ledger keeps them
append-only (`ledger.Decision`); a correction is a new decision for the same row, which supersedes the one before.

This module sits just above the ledger so that both the generator (which will stamp a project's decisions, read-only,
into its next workbook: `decisions_for`) and the reporting views (which close the answered needs) can use it. Its
functions are pure but for `decisions_for` and `needs_of`, which read the ledger they are given, and
`record_decisions`, the one writer (`pmo decide` and the ribbon's Record decisions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pmo_xl.derived import current_tables
from pmo_xl.errors import PmoError
from pmo_xl.ledger import ActionDone, Decision, Ledger, open_ledger
from pmo_xl.values import as_text, has_control_characters, is_blank, parse_date_text, read_date, read_text

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("approve", "defer", "stop", "re-baseline", "accept-change")
# A Decisions table row of this kind records an action done: the action of the decision in force for its need, done
# on its Date, as its Owner says (the ribbon's Record decisions and `pmo decide --from`; `--action-done` typed).
ACTION_DONE = "action-done"
TABLE_KINDS = (*KINDS, ACTION_DONE)
DECISIONS_TABLE = "Decisions"
TABLE_COLUMNS = ("project_id", "answers", "kind", "owner", "date", "due", "note", "action", "action_owner")
OPTIONAL_COLUMNS = ("due", "note", "action", "action_owner")
NEEDS_TABLE = "Decisions"  # the status template's table of decisions needed from management
OPEN_NEED = "Open"  # a need's status while it waits for the committee
TEXT_FIELDS = ("project_id", "answers", "kind", "owner", "note", "action", "action_owner")
OPTION_OF = {"project_id": "--project", "action_owner": "--action-owner"}  # pmo decide's option for a field


class DecisionError(PmoError):
    """A decision that cannot be recorded as given: the message says which, where, and the fix."""


@dataclass(frozen=True)
class DecisionRequest:
    """What a committee decided, as typed (`pmo decide`) or read from a row of the Decisions table (`source`)."""

    project_id: str
    answers: str
    kind: str
    owner: str
    decided_on: dt.date
    due: dt.date | None = None
    note: str = ""
    action: str = ""
    action_owner: str = ""
    source: str = "pmo decide"


def kind_of(text: str) -> str:
    """A kind as typed, in any case and with spaces or underscores for the hyphen ('Approve', 're baseline',
    'Accept_change'), in the form KINDS holds; to_record refuses what is still not one of them."""
    return re.sub(r"[\s_\-]+", "-", text.strip().casefold())


def plain_text(text: str) -> str:
    """Text as typed, its non-breaking and other odd spaces read as spaces (pasted from a web page or Word), so that
    'Steering committee' is one owner however its space was typed; stripped."""
    return re.sub(r"[\u00a0\u2007\u202f]", " ", text).strip()


def read_day(text: str, label: str, source: str = "pmo decide") -> dt.date:
    """A day typed on the command line (2026-12-05, or 5.12.2026 as Munich and Paris type it), read through
    pmo_xl.values: an ambiguous 05/12/2026 is refused with the fix, never guessed."""
    day = read_date(text, label).or_raise(DecisionError, source)
    if day is None:
        raise DecisionError(f"{source}: {label} is empty; give the day as YYYY-MM-DD")
    return day


def refuse_control_characters(text: str, where: str, label: str) -> None:
    """Refuse text holding invisible control characters (a NUL, an escape: pasted from another program), naming
    them and the fix: the decision log is append-only, so they are neither kept (the workbook and the pack cannot
    show them) nor removed in silence (what is recorded would not be what was typed)."""
    if has_control_characters(text):
        shown = ", ".join(sorted({f"U+{ord(c):04X}" for c in text if has_control_characters(c)}))
        raise DecisionError(
            f"{where}: {label} holds invisible control characters ({shown}), probably pasted from another program; "
            "retype the text without them, then record again"
        )


def check_text(request: DecisionRequest) -> None:
    """Refuse a request whose text holds control characters, naming the option (`pmo decide`) or field."""
    for name in TEXT_FIELDS:
        label = OPTION_OF.get(name, f"--{name}") if request.source == "pmo decide" else name
        refuse_control_characters(getattr(request, name), request.source, label)


def row_key(request: DecisionRequest) -> str:
    """A fingerprint of what was decided (not of where it was read): the same row read twice adds nothing."""
    what = [request.project_id, request.answers, request.kind, request.owner, request.decided_on.isoformat(),
            request.action, request.action_owner, request.due.isoformat() if request.due else "", request.note]  # fmt: skip
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode("utf-8")).hexdigest()


def current(decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions in force: each row answered by its latest decision (a later one supersedes), oldest first."""
    latest: dict[tuple[str, str], Decision] = {}
    for decision in sorted(decisions, key=_recorded_order):
        latest[(decision.project_id, decision.answers)] = decision
    return sorted(latest.values(), key=_recorded_order)


def _recorded_order(decision: Decision) -> tuple[bool, int]:
    return (decision.decision_id is None, decision.decision_id or 0)  # one not yet recorded comes last


def to_record(request: DecisionRequest, earlier: Sequence[Decision], recorded_at: str) -> Decision:
    """The ledger row for `request`: it supersedes the decision in force for the same row, if any."""
    if request.kind not in KINDS:
        raise DecisionError(
            f"{request.source}: kind {request.kind!r} is not one of {', '.join(KINDS)}; use one of them"
        )
    before = {(d.project_id, d.answers): d for d in current(earlier)}.get((request.project_id, request.answers))
    action = request.action or (request.note if request.due is not None else "")
    # checked against the decision that set the action: a correction of its owner's name after the due date keeps
    # the due date it had
    setting = same_action(before, earlier) if before is not None and before.action == action else []
    set_on = stored_day(setting[0].decided_on) if setting else request.decided_on
    if request.due is not None and request.due < set_on:
        raise DecisionError(
            f"{request.source}: the action is due {request.due} before the decision's date {set_on}; "
            "give a due date on or after it"
        )
    return Decision(
        project_id=request.project_id, answers=request.answers, kind=request.kind, owner=request.owner,
        decided_on=request.decided_on.isoformat(), action=action,
        action_owner=(request.action_owner or request.owner) if action else "",
        due=request.due.isoformat() if request.due else "", note=request.note,
        supersedes=before.decision_id if before is not None else None, source=request.source,
        row_key=row_key(request), recorded_at=recorded_at,
    )  # fmt: skip


def check_answers(request: DecisionRequest, needs: dict[str, tuple[str, dict[str, str]]]) -> None:
    """Refuse, in one line, a decision answering no decision-needed row of the project's latest counted report, or
    one the PM withdrew there. `needs`: project id -> (that report's period, its Decisions rows' ids -> status)."""
    if request.project_id not in needs:
        raise DecisionError(
            f"{request.source}: project {request.project_id} has no counted status report in the ledger; check the "
            "project id, or collect its report first"
        )
    period, ids = needs[request.project_id]
    if request.answers not in ids:
        known = ", ".join(sorted(ids)) or "none"
        raise DecisionError(
            f"{request.source}: {request.answers} is not a decision needed in {request.project_id}'s report for "
            f"{period} (its decisions needed: {known}); give one of those ids"
        )
    if ids[request.answers].casefold() == "withdrawn":
        raise DecisionError(
            f"{request.source}: {request.answers} was withdrawn by the PM in {request.project_id}'s report for "
            f"{period}, so there is no need to answer; ask the PM to set it Open again if it still needs deciding"
        )


def needs_of(ledger: Ledger, project_ids: Iterable[str]) -> dict[str, tuple[str, dict[str, str]]]:
    """project id -> (its latest counted report's period, that report's decision-needed rows: id -> status)."""
    from pmo_xl.templates.catalog import PROJECT_STATUS

    latest = ledger.counted_latest(PROJECT_STATUS.template_id, project_ids=set(project_ids), with_state=False)
    by_submission = {row[3]: (row[1], row[2]) for row in latest}
    needs: dict[str, tuple[str, dict[str, str]]] = {
        project_id: (period, {}) for project_id, period in by_submission.values()
    }
    # through the one reader of stored rows, in the current version of the template
    rows = current_tables(ledger, PROJECT_STATUS.template_id, [NEEDS_TABLE], by_submission)[NEEDS_TABLE]
    for submission_id, values in ((sid, row) for sid, found in rows.items() for row in found):
        item_id = as_text(values.get("id"))
        if item_id:
            needs[by_submission[submission_id][0]][1][item_id] = as_text(values.get("status")).strip()
    return needs


def decisions_for(ledger: Ledger, project_id: str) -> list[Decision]:
    """The decisions in force for one project, oldest first: what the generator stamps, read-only, into the PM's
    next workbook ('decided on DATE: kind by OWNER')."""
    return current(ledger.decisions([project_id]))


def asks_again(
    status: object,
    decided_on: dt.date | None,
    submitted: dt.date | None,
    period: str,
    seen: Iterable[tuple[str, dt.date | None]],
) -> bool:
    """Whether a need its committee answered on `decided_on` is asked again by its PM: Open (`status`) in a report for
    `period` submitted on `submitted`, after the decision, for a later period than a report the committee had seen
    (one of `seen`, (period, submitted on), submitted by the decision's day). A report that merely did not know of
    the decision yet, for the period decided on, is not one. The one rule of the views and the generator."""
    if status != OPEN_NEED or decided_on is None or submitted is None or submitted <= decided_on:
        return False
    known = [earlier for earlier, day in seen if day is not None and day <= decided_on]
    return bool(known) and period > max(known)


def actions_done_for(ledger: Ledger, project_id: str) -> dict[int, str]:
    """decision id -> the day (ISO) its action was done, for the project's decisions in force whose action is done:
    what the generator says beside the action in the PM's next workbook."""
    decisions, done = ledger.decisions([project_id]), ledger.actions_done([project_id])
    return {
        decision.decision_id: record.done_on
        for decision in current(decisions)
        if (record := action_done(decision, decisions, done)) is not None
    }


def closed_text(decision: Decision) -> str:
    """How an answered need is shown closed: 'decided on 2026-12-10: approve by Steering committee'."""
    return f"decided on {decision.decided_on}: {decision.kind} by {decision.owner}"


def stored_day(text: str) -> dt.date | None:
    """A date the ledger holds as ISO text (decided_on, due), read through pmo_xl.values; None when blank."""
    return parse_date_text(text)[0] if text else None


def read_decisions_table(path: Path) -> list[DecisionRequest]:
    """The rows of the "Decisions" table of pmo_workbook.xlsm (or a sheet or CSV of that name), each a request.
    A cell that cannot be read is refused with the file, sheet, cell and the fix; blank rows are skipped."""
    from pmo_xl.errors import InputTableError
    from pmo_xl.excel.tables import read_table

    try:
        frame = read_table(path, DECISIONS_TABLE)
    except InputTableError as error:
        raise DecisionError(str(error)) from None
    return requests_from_table(
        frame, frame.attrs.get("source") or str(path), frame.attrs.get("columns") or {},
        int(frame.attrs.get("first_row") or 2), frame.attrs.get("rows_below") or (),
    )  # fmt: skip


def requests_from_table(
    frame: pd.DataFrame, source: str, letters: dict[str, str], first_row: int, rows_below: Sequence[int] = ()
) -> list[DecisionRequest]:
    """The rows of a Decisions table already read (from a file, or from the live workbook by the ribbon's Record
    decisions), each a request. Headers match in any case and spacing ('Action owner' ~ action_owner); `letters`
    maps a header to its column letter and `first_row` is the Excel row of the first data row, for the messages.
    `rows_below`: the Excel rows typed under the table, outside it: refused, never dropped."""
    from pmo_xl.excel.tables import same_name

    if rows_below:
        raise DecisionError(
            f"{source}, row {rows_below[0]}: typed below the Decisions table, outside it; drag the table's corner "
            "down over it (or cut it into the table's next row), then record again"
        )
    headers = {same_name(column): column for column in frame.columns}
    missing = [name for name in TABLE_COLUMNS if same_name(name) not in headers and name not in OPTIONAL_COLUMNS]
    if missing:
        raise DecisionError(
            f"{source}: the Decisions table has no column {', '.join(missing)}; its columns are "
            f"{', '.join(TABLE_COLUMNS)}"
        )
    requests = []
    for offset, row in enumerate(frame.to_dict("records")):
        cells = {name: row.get(headers.get(same_name(name))) for name in TABLE_COLUMNS}
        if all(is_blank(value) for value in cells.values()):
            continue
        excel_row = first_row + offset

        def where(name: str, excel_row: int = excel_row) -> str:
            letter = letters.get(headers.get(same_name(name), name), "")
            return f"{source}, cell {letter}{excel_row}" if letter else f"{source}, row {excel_row}, column {name}"

        texts = {}
        for name in TEXT_FIELDS:
            if isinstance(cells[name], str):  # read_text would remove them with a warning no one sees here
                refuse_control_characters(cells[name], where(name), name)
            texts[name] = plain_text(str(read_text(cells[name], name).or_raise(DecisionError, where(name)) or ""))
            if not texts[name] and name not in OPTIONAL_COLUMNS:
                raise DecisionError(f"{where(name)}: {name} is empty; fill it in or clear the whole row")
        decided_on = read_date(cells["date"], "date").or_raise(DecisionError, where("date"))
        if decided_on is None:
            raise DecisionError(f"{where('date')}: date is empty; type the day decided as YYYY-MM-DD")
        due = read_date(cells["due"], "due").or_raise(DecisionError, where("due"))
        requests.append(
            DecisionRequest(
                texts["project_id"],
                texts["answers"],
                kind_of(texts["kind"]),
                texts["owner"],
                decided_on,
                due,
                texts["note"],
                texts["action"],
                texts["action_owner"],
                source=f"{source}, row {excel_row}",
            )
        )
    return requests


def record_decisions(
    ledger_path: Path | str, requests: Sequence[DecisionRequest], recorded_at: str
) -> tuple[list[Decision], int]:
    """What `pmo decide` and the ribbon's Record decisions do: check each request against the ledger's latest counted
    reports, then record them all or none (the first refused stops the lot); (those recorded, how many were there).
    A request the ledger already holds (its `row_key`) is counted as there and not checked again: the Decisions
    sheet is a running log, and last month's recorded row answers a need this month's report no longer lists."""
    for request in requests:
        check_text(request)
    with open_ledger(ledger_path, write=True) as ledger:
        earlier = ledger.decisions({request.project_id for request in requests})
        held = {decision.row_key for decision in earlier}
        new = [request for request in requests if row_key(request) not in held]
        _refuse_twice_answered(new)
        needs = needs_of(ledger, {request.project_id for request in new}) if new else {}
        records = []
        for request in new:
            check_answers(request, needs)
            record = to_record(request, [*earlier, *records], recorded_at)
            records.append(record)
        recorded = ledger.add_decisions(records)
    return recorded, len(requests) - len(recorded)


@dataclass(frozen=True)
class DoneRequest:
    """That the action of the decision in force for `answers` of `project_id` was done on `done_on`, as `owner` says
    (`pmo decide --action-done`)."""

    project_id: str
    answers: str
    done_on: dt.date
    owner: str
    note: str = ""
    source: str = "pmo decide --action-done"


def record_action_done(ledger_path: Path | str, request: DoneRequest, recorded_at: str) -> tuple[ActionDone, bool]:
    """Record an action done: (the record, whether it was new). Another day for an action recorded done already
    is recorded as a correction of it (the newest day holds); the same day again adds nothing (a command run twice).
    Refused, in one line: no decision in force for the need, a decision that set no action, a day before the
    decision that set it. (No day is judged against the clock, as no decision's is: the PMO may record a review
    held ahead of the calendar, and tests and demos run on dates of their own.)"""
    with open_ledger(ledger_path, write=True) as ledger:
        record, new = done_record(ledger, request, recorded_at)
        return (ledger.add_action_done(record), True) if new else (record, False)


def done_record(ledger: Ledger, request: DoneRequest, recorded_at: str) -> tuple[ActionDone, bool]:
    """The checked record of `request` (refused as `record_action_done` says), and whether the ledger lacks it."""
    for name in ("project_id", "answers", "owner", "note"):
        refuse_control_characters(getattr(request, name), request.source, OPTION_OF.get(name, f"--{name}"))
    decisions = ledger.decisions([request.project_id])
    decision = {d.answers: d for d in current(decisions)}.get(request.answers)
    what = f"{request.source}: {request.project_id} {request.answers}"
    if decision is None:
        raise DecisionError(f"{what} has no decision recorded; record the decision first (pmo decide)")
    if not decision.action:
        raise DecisionError(
            f"{what}: its decision ({decision.kind} on {decision.decided_on}) set no action, so there is none to "
            "close; a correction is a new decision (pmo decide)"
        )
    set_on = same_action(decision, decisions)[0].decided_on
    if request.done_on.isoformat() < set_on:
        raise DecisionError(f"{what}: done {request.done_on} before the decision that set it ({set_on}); give "
                            "the day it was done")  # fmt: skip
    earlier = action_done(decision, decisions, ledger.actions_done([request.project_id]))
    if earlier is not None and earlier.done_on == request.done_on.isoformat():
        return earlier, False
    return ActionDone(decision.decision_id, request.project_id, request.answers, request.done_on.isoformat(),
                      request.owner, request.note, earlier.done_id if earlier is not None else None,
                      request.source, recorded_at), True  # fmt: skip


def same_action(decision: Decision, decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions for `decision`'s need that set its action (the same text), oldest first: a correction of the
    decision (an owner's name, a note) that keeps the action keeps it the same action, done or not."""
    key = (decision.project_id, decision.answers, decision.action)
    return [d for d in sorted(decisions, key=_recorded_order) if (d.project_id, d.answers, d.action) == key]


def action_done(decision: Decision, decisions: Iterable[Decision], done: Iterable[ActionDone]) -> ActionDone | None:
    """The record of `decision`'s action done (its own, or that of an earlier decision setting the same action), the
    newest where a day was corrected; None when it is not done or sets no action."""
    if not decision.action:
        return None
    ids = {d.decision_id for d in same_action(decision, decisions)}
    records = [record for record in done if record.decision_id in ids]
    return max(records, key=lambda record: record.done_id or 0) if records else None


@dataclass(frozen=True)
class TableRecorded:
    """What a Decisions table added: the decisions recorded and those already there, the actions recorded done
    and those already recorded so."""

    decisions: list[Decision]
    already: int
    done: list[ActionDone]
    done_already: int


def record_table(ledger_path: Path | str, requests: Sequence[DecisionRequest], recorded_at: str) -> TableRecorded:
    """What `pmo decide --from` and the ribbon's Record decisions do with a Decisions table: its decision rows as
    `record_decisions` records them, its rows of kind 'action done' (the day in Date, who says so in Owner) as
    `record_action_done` does. All or none: every row is checked before any is recorded. A need decided and its
    action closed in the same table is refused (record the decision first)."""
    done_rows = [request for request in requests if request.kind == ACTION_DONE]
    decided = [request for request in requests if request.kind != ACTION_DONE]
    for request in done_rows:
        if request.action or request.action_owner or request.due is not None:
            raise DecisionError(
                f"{request.source}: an 'action done' row takes no action, action owner or due date: its Date is the "
                "day the action was done; clear them, or record a decision with another kind"
            )
    _refuse_twice_answered(done_rows)
    dones = [DoneRequest(r.project_id, r.answers, r.decided_on, r.owner, r.note, r.source) for r in done_rows]
    checked = []
    if dones:  # checked before anything is recorded
        with open_ledger(ledger_path, write=True) as ledger:
            held = {d.row_key for d in ledger.decisions({r.project_id for r in decided})}
            # the sheet is a running log: a decision row recorded before stays on it; a new one is another matter
            deciding = {(r.project_id, r.answers) for r in decided if row_key(r) not in held}
            for request in dones:
                if (request.project_id, request.answers) in deciding:
                    raise DecisionError(
                        f"{request.source}: {request.project_id} {request.answers} is decided in this table too; "
                        "record the decision first, then its action done"
                    )
            checked = [done_record(ledger, request, recorded_at) for request in dones]
    recorded, already = record_decisions(ledger_path, decided, recorded_at)  # opens the ledger even for none
    added = []
    if any(new for _record, new in checked):
        with open_ledger(ledger_path, write=True) as ledger:
            added = [ledger.add_action_done(record) for record, new in checked if new]
    return TableRecorded(recorded, already, added, len(checked) - len(added))


def _refuse_twice_answered(requests: Sequence[DecisionRequest]) -> None:
    """Two rows answering one need in one go: a copied row, or two answers where one was meant; neither may pass
    for the other (the later would silently supersede the earlier), so both are named and nothing is recorded."""
    first: dict[tuple[str, str], DecisionRequest] = {}
    for request in requests:
        earlier = first.setdefault((request.project_id, request.answers), request)
        if earlier is not request:
            raise DecisionError(
                f"{request.source}: answers {request.project_id} {request.answers} again ({earlier.source} answers "
                "it too); keep one row per need (a correction is recorded later, as a new decision)"
            )
