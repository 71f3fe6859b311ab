"""Carry-forward: next period's workbook starts from the project's last accepted submission in the ledger.

What is carried, keeping every stable id so period-over-period matching works:

- open milestones (not Complete or Cancelled) and open RAID items (not Closed);
- all benefits; open decisions; proposed change requests and those approved in the last submission;
- resource demand re-aligned to the new calendar months (a row whose months have all passed is dropped);
- the locked baseline (budgets, start and baseline end date), with the change requests approved in the last
  submission applied: their cost impacts to the current budget, their schedule impacts to the baseline end date;
- the PM's latest figures (percent complete, actual to date, estimate at completion, forecast end date) as a
  starting point. RAGs, rationales and the narrative are not carried: the PM assesses them afresh each period;
- the same figures again, stamped into the template's locked last-period cells (`Field.previous_of`, on its hidden
  Previous sheet): what the sheet's live checks compare this period's entries with (percent complete going down,
  a figure the same as last period). A first report has them blank, and those checks pass;
- the steering committee's decisions in force for the project (`pmo decide`, pmo_xl.decisions), newest first,
  stamped into the read-only DecisionsTaken table; a carried need they answer shows its status as Decided (the
  PM sees it answered, and the row is still in this period's report, so a correction can still answer it). It is
  not carried the month after, as a Decided row never is.

The last reports are read in the current version of the template (`derived.current_submission`), whatever version
they were stored in: a project whose last report was an older version gets a current workbook whose carried rows
were moved through the declared migrations (a renamed choice arrives renamed, a split column split).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pmo_xl.corrections import mark_current, newly_approved
from pmo_xl.decisions import actions_done_for, asks_again, decisions_for, stored_day
from pmo_xl.derived import current_submission
from pmo_xl.errors import PmoError
from pmo_xl.generate.generator import CarryForward, WorkbookFill, id_number
from pmo_xl.ledger import Decision, StoredSubmission, open_ledger
from pmo_xl.periods import is_month, month_series
from pmo_xl.register import ProjectRecord
from pmo_xl.templates import catalog
from pmo_xl.templates.schema import TemplateSchema
from pmo_xl.templates.versions import known_versions
from pmo_xl.values import as_date, as_float

BASELINE_FIELDS = ("budget_original", "budget_current", "start_date", "baseline_end_date")
PM_FIGURES = ("percent_complete", "actual_to_date", "estimate_at_completion", "forecast_end_date")
# The forecast's explanation goes with the date it explains: a forecast end after the baseline carried without it
# failed the forecast-comment rule in a workbook the PM had not touched yet (template 1.2 on).
PM_EXPLANATIONS = ("forecast_end_comment",)
CLOSED_STATUSES = {
    "Milestones": {"Complete", "Cancelled"},
    "RAID": {"Closed"},
    "Decisions": {"Decided", "Withdrawn"},
    "ChangeRequests": {"Rejected", "Withdrawn"},
}


def _carried_rows(schema: TemplateSchema, table_name: str, rows: list[dict]) -> list[dict]:
    table = schema.table(table_name)
    # Formula columns (RAID severity) must keep their formula: never write a value over them.
    keys = [column.key for column in table.columns if column.formula is None]
    closed = CLOSED_STATUSES.get(table_name, set())
    return [{key: row.get(key) for key in keys} for row in rows if row.get("status") not in closed]


def realigned_demand(rows: list[dict], period: str, months: int) -> list[dict]:
    """Resource rows moved onto the months of the new workbook, matched by calendar month, never by position."""
    new_months = month_series(period, months)
    carried = []
    for row in rows:
        values = {month: row.get(month) for month in new_months if row.get(month) not in (None, "")}
        if not values:
            continue
        carried.append({"role": row.get("role"), "person": row.get("person"), **values})
    return carried


def last_period_stamps(schema: TemplateSchema, previous: StoredSubmission) -> dict[str, object]:
    """Last period's values for the template's `previous_of` fields, from the counted report carried forward."""
    stamps = {}
    for field in schema.fields:
        if field.previous_of is not None:
            value = previous.fields.get(field.previous_of)
            if value not in (None, ""):
                stamps[field.name] = value
    return stamps


DECISIONS_TAKEN = "DecisionsTaken"
DECIDED = "Decided"


def decisions_taken_rows(
    decisions: Sequence[Decision], needs: list[dict], capacity: int, done: Mapping[int, str] | None = None
) -> list[dict]:
    """The DecisionsTaken rows for a project's decisions in force, newest first (at most `capacity`: the table says
    the PMO's report lists every one), each with the question it answers when `needs` (last report's Decisions
    rows) still holds it, and an action recorded done (`done`: decision id -> ISO day) said done in its text."""
    questions = {str(row.get("id")): row.get("decision") for row in needs}
    done = done or {}
    newest_first = sorted(decisions, key=lambda d: (d.decided_on, d.decision_id or 0), reverse=True)
    rows = [
        {"answers": d.answers, "decision": questions.get(d.answers), "owner": d.owner,
         "decided_on": stored_day(d.decided_on), "kind": d.kind, "note": d.note or None,
         "action": (f"{d.action} (done {done[d.decision_id]})" if d.decision_id in done else d.action) or None,
         "action_owner": d.action_owner or None, "due": stored_day(d.due)}
        for d in newest_first[:capacity]
    ]  # fmt: skip
    return [{key: value for key, value in row.items() if value not in (None, "")} for row in rows]


def _reopened(decision: Decision, previous: StoredSubmission, before: StoredSubmission | None) -> bool:
    """The need `decision` answers asked again by its PM in `previous` (decisions.asks_again), the report the
    committee had seen being `before`."""
    status = {str(row.get("id")): row.get("status") for row in previous.tables.get("Decisions", [])}
    seen = [] if before is None else [(str(before.header.get("reporting_period", "")),
                                       as_date(before.fields.get("submitted_on")))]  # fmt: skip
    return asks_again(status.get(decision.answers), stored_day(decision.decided_on),
                      as_date(previous.fields.get("submitted_on")), str(previous.header.get("reporting_period", "")),
                      seen)  # fmt: skip


def carried_fill(
    fill: WorkbookFill,
    previous: StoredSubmission,
    before_previous: StoredSubmission | None,
    schema: TemplateSchema | None = None,
    decisions: Sequence[Decision] = (),
    done: Mapping[int, str] | None = None,
) -> WorkbookFill:
    """`fill` (identity from the register) pre-filled from the previous accepted submission, both submissions in
    the shape of `schema` (default: the current status template), and the project's `decisions` in force stamped
    read-only (the needs they answer carried as Decided; an action `done`, decision id -> day, said done). Pure."""
    schema = schema or catalog.SCHEMAS["project_status"]
    fields = dict(fill.fields)
    known = {field.name for field in schema.fields}
    for name in (*BASELINE_FIELDS, *PM_FIGURES, *PM_EXPLANATIONS):
        value = previous.fields.get(name)
        if value not in (None, "") and name in known:
            fields[name] = value
    fields.update(last_period_stamps(schema, previous))
    change_requests = previous.tables.get("ChangeRequests", [])
    approved = newly_approved(
        change_requests, before_previous.tables.get("ChangeRequests", []) if before_previous else []
    )
    cost = sum(as_float(row.get("cost_impact"), 0.0) for row in approved)
    days = int(sum(as_float(row.get("schedule_impact_days"), 0.0) for row in approved))
    if cost and isinstance(fields.get("budget_current"), int | float):
        fields["budget_current"] = round(fields["budget_current"] + cost, 6)
    if days and isinstance(fields.get("baseline_end_date"), dt.date):
        fields["baseline_end_date"] = fields["baseline_end_date"] + dt.timedelta(days=days)

    tables = dict(fill.tables)
    for name in ("Milestones", "RAID", "Benefits", "Decisions"):
        tables[name] = _carried_rows(schema, name, previous.tables.get(name, []))
    # a need answered, unless its PM set it Open again after the decision (asking again)
    answered = {d.answers for d in decisions if not _reopened(d, previous, before_previous)}
    tables["Decisions"] = [
        {**row, "status": DECIDED} if str(row.get("id")) in answered else row for row in tables["Decisions"]
    ]
    # A need's id stays its own: the committee's decisions point at it, so a new need never gets the id of one
    # answered (or closed) before, even once that row has left the table.
    prefix = schema.table("Decisions").id_prefix or ""
    held = [str(row.get("id")) for row in previous.tables.get("Decisions", [])] + [d.answers for d in decisions]
    floor = max((number for number in (id_number(item, prefix) for item in held) if number is not None), default=0)
    if decisions and any(table.name == DECISIONS_TAKEN for table in schema.stamped):
        tables[DECISIONS_TAKEN] = decisions_taken_rows(
            decisions, previous.tables.get("Decisions", []), schema.table(DECISIONS_TAKEN).rows, done
        )
    approved_ids = {str(row.get("id")) for row in approved}
    tables["ChangeRequests"] = [
        row
        for row in _carried_rows(schema, "ChangeRequests", change_requests)
        if row.get("status") != "Approved" or str(row.get("id")) in approved_ids
    ]
    demand = schema.table("ResourceDemand")
    if demand.month_series is not None:
        tables["ResourceDemand"] = realigned_demand(
            previous.tables.get("ResourceDemand", []), fill.metadata.reporting_period, demand.month_series.count
        )
    return replace(
        fill,
        fields=fields,
        tables={name: rows for name, rows in tables.items() if rows},
        id_floors={**fill.id_floors, "Decisions": floor} if floor else fill.id_floors,
    )


class PreviousReports:
    """Each project's two latest counted reports before a period (the latest first, the one before it or None),
    read from the ledger. `keep=True` holds a lookup's answer for the next lookup of the same project and period
    (generate --plans reads the previous milestones before the carry-forward does), which takes it."""

    def __init__(self, ledger_path: Path | str, template_id: str):
        self.ledger_path = ledger_path
        self.template_id = template_id
        self._chains: dict[str, dict[str, list[int]]] = {}  # period -> project -> its counted report ids
        self._kept: dict[tuple[str, str], tuple[StoredSubmission, StoredSubmission | None]] = {}

    def __call__(
        self, project_id: str, period: str, keep: bool = False
    ) -> tuple[StoredSubmission, StoredSubmission | None] | None:
        if (project_id, period) in self._kept:
            return self._kept[(project_id, period)] if keep else self._kept.pop((project_id, period))
        if not is_month(period):
            return None
        if period not in self._chains:
            self._chains[period] = counted_before(self.ledger_path, self.template_id, period)
        earlier = self._chains[period].get(project_id, [])
        if not earlier:
            return None
        with open_ledger(self.ledger_path) as ledger:  # in the current version, whichever they were stored in
            previous = current_submission(ledger, earlier[-1])
            before = current_submission(ledger, earlier[-2]) if len(earlier) >= 2 else None
        if keep:
            self._kept[(project_id, period)] = (previous, before)
        return previous, before


def carry_forward_from_ledger(
    ledger_path: Path | str, schema: TemplateSchema | None = None, reports: PreviousReports | None = None
) -> CarryForward:
    """A `generate_batch` hook: each project's workbook pre-filled from its latest accepted earlier submission
    (looked up through `reports` when given, so another reader of the same reports shares the reading), read in
    the current version of the template, the one `schema` must be (default: the current status template)."""
    schema = schema or catalog.SCHEMAS["project_status"]
    if schema.template_id != "project_status":
        raise PmoError(
            f"--ledger carries forward status reports only; the '{schema.template_id}' template starts blank"
        )
    current = known_versions(schema.template_id)[-1]
    if schema.version != current:
        raise PmoError(
            f"--ledger carries last period's values into {schema.template_id} version {current} only (the version "
            f"the ledger's reports are read in), not {schema.version}: generate from the current template"
        )
    reports = reports or PreviousReports(ledger_path, schema.template_id)

    def carry(record: ProjectRecord, fill: WorkbookFill) -> WorkbookFill:
        found = reports(record.project_id, fill.metadata.reporting_period)
        if found is None:
            return fill
        with open_ledger(ledger_path) as ledger:
            decisions = decisions_for(ledger, record.project_id)
            done = actions_done_for(ledger, record.project_id)
        return carried_fill(fill, *found, schema, decisions, done)

    return carry


def counted_before(ledger_path: Path | str, template_id: str, period: str) -> dict[str, list[int]]:
    """project_id -> the submission ids of its two latest counted reports before `period`, oldest first: from the
    ledger's derived table when it is current (two rows a project), else worked out from the record's headers."""
    with open_ledger(ledger_path) as ledger:
        if ledger.derived_marker() == ledger.last_ids():
            return {
                project_id: [previous, latest] if previous else [latest]
                for _template, project_id, _period, latest, previous, *_rest in ledger.counted_latest(
                    template_id,
                    period,
                    before=True,
                    with_state=False,  # the ids are all this needs
                )
            }
        headers = ledger.submissions(template_id)
        marked = mark_current(headers[headers["reporting_period"] < period], ledger.preferences())
    current = marked[marked["current"]].sort_values(["project_id", "reporting_period"])
    return {project_id: list(group["submission_id"])[-2:] for project_id, group in current.groupby("project_id")}
