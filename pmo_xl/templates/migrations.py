"""Each template's migrations, declared as data, oldest first (the step kinds: pmo_xl.templates.steps).

The catalog holds each template's current version; a workbook of any version named here is still collected. A
new version of a template is a new entry at the end of its tuple, and its version in the catalog moves on with it.
"""

from __future__ import annotations

from pmo_xl.templates.catalog import CHECKS_INSTRUCTION, DECISIONS_TAKEN, DECISIONS_TAKEN_INSTRUCTION, PROJECT_STATUS
from pmo_xl.templates.checks import ROW_CHECK_KEY
from pmo_xl.templates.steps import (
    AddCheck,
    AddColumn,
    AddField,
    AddInstruction,
    AddStampedTable,
    ChangeRule,
    Migration,
    Relabel,
    Restyle,
)

_ADDING_ROWS_BEFORE = (
    "Tables have blank rows ready, each with its own ID. Use the next blank row for a new milestone, risk, "
    "change or benefit; empty rows are ignored. Keep IDs: the PMO tracks each item from period to period "
    "by its ID. Do not delete rows of closed items: set their status instead. Need more rows? Ask the PMO."
)
_ADDING_ROWS_AFTER = (
    "Tables have blank rows ready, each with its own ID. Use the next blank row for a new milestone, risk, "
    "change or benefit; empty rows are ignored. Keep IDs: the PMO tracks each item from period to period "
    "by its ID. Do not delete rows of closed items: set their status instead. Need more rows? Keep typing in "
    "the open rows straight below the table, without a blank row: the PMO reads them too."
)

# The Trust 1 changes (issue 10; commits 3530e58 and 04b0d15): no silent money unit, so the status template no
# longer pre-fills EUR and k (the PMO stamps both from the register or settings), and PMs may add rows below a
# table. Workbooks generated before them say version 1.0 and are read as 1.0.
PROJECT_STATUS_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "project_status",
        "1.0",
        "1.1",
        "No silent money unit (currency and unit come from the register or settings), and rows may be added "
        "below a table",
        (
            ChangeRule("currency", "default", "EUR", None),
            ChangeRule("money_unit", "default", "k", None),
            Relabel("instruction:Adding rows", "text", _ADDING_ROWS_BEFORE, _ADDING_ROWS_AFTER),
        ),
    ),
    # The coaching loop (issue 17, point 5): last period's figures stamped by the PMO in locked cells on a hidden
    # sheet (blank in a 1.1 report, so its checks against last period pass), a forecast comment the PM writes when
    # the forecast end is after the baseline, and the collector's rules a formula can see, shown live in the sheet.
    # The rationale and path-to-green rules are the fields' own required_when, unchanged: their checks only show
    # them and name their findings.
    Migration(
        "project_status",
        "1.1",
        "1.2",
        "Guidance checked live: last period's figures stamped in the workbook, a forecast comment, and a Check "
        "column beside each checked field",
        (
            AddField(PROJECT_STATUS.field("prev_percent_complete"), "Progress", after="percent_complete"),
            AddField(
                PROJECT_STATUS.field("prev_estimate_at_completion"), "Budget and cost", after="estimate_at_completion"
            ),
            AddField(PROJECT_STATUS.field("prev_forecast_end_date"), "Dates", after="forecast_end_date"),
            AddField(PROJECT_STATUS.field("forecast_end_comment"), "Dates", after="prev_forecast_end_date"),
            AddInstruction("Checks", CHECKS_INSTRUCTION, after="How to fill it in"),
            *(AddCheck(check) for check in PROJECT_STATUS.checks),
            # each table's Check column, last: a formula, never read as input, so no older row needs a value for it
            *(
                AddColumn(table.name, table.columns[-1], after=table.columns[-2].key)
                for table in PROJECT_STATUS.tables
                if table.columns[-1].key == ROW_CHECK_KEY
            ),
        ),
    ),
    # The decision log in the PM's next workbook (issue 18): the committee's decisions stamped, read-only, below the
    # Decisions table. Nothing the PM fills changed, so a 1.2 report reads as it did.
    Migration(
        "project_status",
        "1.2",
        "1.3",
        "The steering committee's decisions, stamped read-only by the PMO on the Actions sheet",
        (
            AddStampedTable(DECISIONS_TAKEN),
            AddInstruction("Decisions taken", DECISIONS_TAKEN_INSTRUCTION, after="Checks"),
        ),
    ),
)

# The request form's changes since its first shape (3cf3c62), which request forms still say 1.0 of: taller rows for
# the scoring descriptors (85cd9d0), the 'Adding rows' instruction (7899587, reworded in 04b0d15 when rows below a
# table were read) and no silent money unit (3530e58). None moves a value: a 1.0 form reads as it always did.
_REQUEST_ADDING_ROWS = (
    "Tables have blank rows ready; dependencies and risks each come with their own ID. Use the next blank "
    "row for a new role, dependency or risk; empty rows are ignored. Need more rows? Keep typing in the open "
    "rows straight below the table, without a blank row: the PMO reads them too."
)
PROJECT_REQUEST_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "project_request",
        "1.0",
        "1.1",
        "No silent money unit (the requester picks the currency and unit), taller rows for the scoring "
        "descriptors, and how to add rows",
        (
            Restyle("table:RequesterScores", "row_height", None, 48),
            AddInstruction("Adding rows", _REQUEST_ADDING_ROWS, after="Money and people"),
            ChangeRule("currency", "default", "EUR", None),
            ChangeRule("money_unit", "default", "k", None),
        ),
    ),
)

MIGRATIONS: dict[str, tuple[Migration, ...]] = {
    "project_status": PROJECT_STATUS_MIGRATIONS,
    "project_request": PROJECT_REQUEST_MIGRATIONS,
}
