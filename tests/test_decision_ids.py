"""A need's id is its own (issue 18): the committee's decisions point at a decision-needed row by its id (D-001), so
next month's workbook never hands that id to a new need, even once the answered row has left the table. Were D-001
given again, the old decision would close the new need in silence: left off the pack's "decisions needed", stamped
Decided in the month after."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from pmo_xl.decisions import DecisionRequest, to_record
from pmo_xl.generate.carry_forward import carried_fill
from pmo_xl.generate.generator import fill_for_project, generate_for_records
from pmo_xl.ledger import StoredSubmission
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.collect_builders import status_submission
from tests.test_carry_forward import RECORD

DECIDED_NEED = {"id": "D-001", "decision": "Approve the supplier change", "owner": "Sponsor",
                "required_by": dt.date(2026, 12, 15), "status": "Decided"}  # fmt: skip
APPROVED = to_record(
    DecisionRequest("PRJ-001", "D-001", "approve", "Steering committee", dt.date(2026, 12, 10)), [], "2026-12-10"
)


def _stored(tables: dict) -> StoredSubmission:
    submission = status_submission("PRJ-001", "2026-12", tables=tables)
    return StoredSubmission({}, dict(submission.fields), {name: list(rows) for name, rows in submission.tables.items()})


def _blank_row_ids(path) -> list[str]:
    sheet = openpyxl.load_workbook(path)["Actions"]
    cells = list(sheet[sheet.tables["Decisions"].ref])[1:]
    return [row[0].value for row in cells]


@pytest.mark.parametrize(
    ("tables", "decisions"),
    [
        ({"Decisions": [DECIDED_NEED]}, [APPROVED]),  # the month after: the Decided row is the last report's
        ({}, [APPROVED]),  # months later: only the decision remembers D-001
    ],
    ids=["decided-row-in-last-report", "only-the-decision"],
)
def test_a_new_need_never_gets_the_id_a_decision_answered(tmp_path, tables, decisions):
    fill = fill_for_project(PROJECT_STATUS, RECORD, "2027-01", "token-jan")
    carried = carried_fill(fill, _stored(tables), None, PROJECT_STATUS, decisions)
    assert "Decisions" not in carried.tables, "the Decided row is not carried"
    [generated] = generate_for_records(
        PROJECT_STATUS, [RECORD], tmp_path, "2027-01", carry_forward=lambda r, f: carried
    )
    ids = _blank_row_ids(generated.path)
    assert ids[0] == "D-002" and "D-001" not in ids, ids


def test_without_decisions_or_closed_needs_the_template_numbers_from_d_001(tmp_path):
    fill = fill_for_project(PROJECT_STATUS, RECORD, "2027-01", "token-jan")
    carried = carried_fill(fill, _stored({}), None, PROJECT_STATUS)
    [generated] = generate_for_records(
        PROJECT_STATUS, [RECORD], tmp_path, "2027-01", carry_forward=lambda r, f: carried
    )
    assert _blank_row_ids(generated.path)[:2] == ["D-001", "D-002"]
