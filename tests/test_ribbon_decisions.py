"""The Decisions sheet of pmo_workbook.xlsm and its ribbon button, Record decisions (issue 18.4).

The committee types its decisions into the sheet's Decisions table; the button records them in the ledger exactly
as `pmo decide --from pmo_workbook.xlsm` does. The ledger is the one of tests/test_decisions.py, built through
generate and collect: A1 needs decisions D-001 and D-002, B2 needs D-001.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

import macros.ribbon
from macros.adapter import FileBook
from pmo_xl.decisions import TABLE_KINDS, read_decisions_table
from pmo_xl.ledger import open_ledger
from pmo_xl.workbook.build import build_workbook
from pmo_xl.workbook.ribbon import CUSTOM_UI_NAMESPACE
from tests.test_decisions import collected  # noqa: F401  (the module's ledger fixture)
from tests.test_vba_project import olevba_sources

HEADERS = ["Project id", "Answers", "Kind", "Owner", "Date", "Due", "Note", "Action", "Action owner"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("decisions-sheet") / "pmo_workbook.xlsm")


@pytest.fixture
def workbook(built, tmp_path) -> Path:
    return Path(shutil.copyfile(built, tmp_path / "pmo_workbook.xlsm"))


def test_the_decisions_sheet_holds_a_table_of_friendly_headers_with_help_a_kind_list_and_dates(built):
    book = openpyxl.load_workbook(built)
    sheet = book["Decisions"]
    assert sheet["A1"].value == "Steering committee decisions"
    table = sheet.tables["Decisions"]
    assert [cell.value for cell in sheet[table.ref][0]] == HEADERS
    validations = {str(rule.sqref).split(":")[0][0]: rule for rule in sheet.data_validations.dataValidation}
    assert validations["C"].type == "list" and validations["C"].formula1 == '"' + ",".join(TABLE_KINDS) + '"'
    assert {validations["E"].type, validations["F"].type} == {"date"}
    assert "D-001" in validations["B"].prompt and all(rule.showInputMessage for rule in validations.values())
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["G"].width >= 30 and sheet.column_dimensions["G"].alignment.wrap_text  # a note wraps
    # The sheet as it ships has no decisions, and pmo decide --from reads it as such.
    assert read_decisions_table(built) == []


def test_record_decisions_is_a_ribbon_button_whose_vba_runs_its_entry_point(built):
    with zipfile.ZipFile(built) as package:
        ribbon = ElementTree.fromstring(package.read("customUI/customUI14.xml"))
        sources = olevba_sources(built.name, package.read("xl/vbaProject.bin"))
    [button] = [b for b in ribbon.iter(f"{{{CUSTOM_UI_NAMESPACE}}}button") if b.get("label") == "Record decisions"]
    assert button.get("onAction") == "PmoRibbon.PmoRibbon_RecordDecisions"
    body = sources["PmoRibbon"].split("Sub PmoRibbon_RecordDecisions(control As Object)")[1].split("End Sub")[0]
    assert body.strip() == 'RunPython "import macros.ribbon; macros.ribbon.record_decisions()"'
    assert "shDecisions" in sources


def _type_decisions(workbook: Path, ledger: Path, rows: list[list]) -> None:
    book = FileBook(workbook)
    settings = book.read_table("Settings")
    settings.loc[settings["setting"] == "ledger_path", "value"] = str(ledger)
    book.write_table("Settings", settings)
    import pandas as pd

    book.write_table("Decisions", pd.DataFrame(rows, columns=HEADERS))
    book.commit()


def test_record_decisions_records_the_tables_rows_once_and_a_second_click_adds_nothing(workbook, ledger):
    _type_decisions(workbook, ledger, [
        ["A1", "D-002", "approve", "Steering committee", dt.datetime(2026, 11, 25), dt.datetime(2027, 1, 15),
         "Within budget", "Hire the tester", "Ana"],
        ["B2", "D-001", "re-baseline", "Steering committee", dt.datetime(2026, 11, 25), None, None, None, None],
    ])  # fmt: skip
    book = FileBook(workbook)
    assert macros.ribbon.record_decisions(book) == "OK", book.messages
    assert macros.ribbon.record_decisions(FileBook(workbook)) == "OK"
    with open_ledger(ledger) as opened:
        rows = opened.decisions()
    assert [(d.project_id, d.answers, d.kind, d.action, d.action_owner, d.due) for d in rows] == [
        ("A1", "D-002", "approve", "Hire the tester", "Ana", "2027-01-15"),
        ("B2", "D-001", "re-baseline", "", "", ""),
    ]
    assert rows[0].source == "pmo_workbook.xlsm, sheet Decisions, row 4"
    log = FileBook(workbook).read_table("Log")
    assert log["message"].str.split(",").str[0].tolist() == [
        "2 decision(s) recorded", "0 decision(s) recorded",
    ]  # fmt: skip
    assert "1 already" not in log["message"].iloc[1] and "2 already in the ledger" in log["message"].iloc[1]


def test_a_refused_row_is_named_by_its_cell_and_records_nothing(workbook, ledger):
    _type_decisions(workbook, ledger, [
        ["A1", "D-001", "approve", "Board", dt.datetime(2026, 11, 25), None, None, None, None],
        ["A1", "D-009", "approve", "Board", dt.datetime(2026, 11, 25), None, None, None, None],
        ["B2", "D-001", "approve", "Board", "next week", None, None, None, None],
    ])  # fmt: skip
    book = FileBook(workbook)
    assert macros.ribbon.record_decisions(book) == "Failed"
    [(title, message)] = book.messages
    assert title == "PMO - Record decisions" and "Traceback" not in message
    assert message.startswith("pmo_workbook.xlsm, sheet Decisions, cell E6:"), message
    with open_ledger(ledger) as opened:
        assert opened.decisions() == []
    _type_decisions(workbook, ledger, [
        ["A1", "D-009", "approve", "Board", dt.datetime(2026, 11, 25), None, None, None, None],
    ])  # fmt: skip
    book = FileBook(workbook)
    assert macros.ribbon.record_decisions(book) == "Failed"
    assert "D-009 is not a decision needed in A1's report for 2026-11" in book.messages[0][1]


def test_after_a_blank_row_a_refused_cell_is_still_named_where_it_is(workbook, ledger):
    """A blank row left in the middle of the table: the row under it is named by its own Excel row (E6), as
    `pmo decide --from` names it, not by its place among the filled rows (E5)."""
    _type_decisions(workbook, ledger, [
        ["A1", "D-001", "approve", "Board", dt.datetime(2026, 11, 25), None, None, None, None],
        [None] * 9,
        ["B2", "D-001", "approve", "Board", "next week", None, None, None, None],
    ])  # fmt: skip
    book = FileBook(workbook)
    assert macros.ribbon.record_decisions(book) == "Failed"
    assert book.messages[0][1].startswith("pmo_workbook.xlsm, sheet Decisions, cell E6:"), book.messages


def test_a_row_typed_below_the_table_is_refused_not_dropped(workbook, ledger):
    """Excel leaves a row typed under the table out of it: the button names that row and records nothing, as
    `pmo decide --from` does, rather than recording the rows above and dropping it in silence."""
    from openpyxl.utils.cell import range_boundaries

    _type_decisions(workbook, ledger, [
        ["A1", "D-001", "approve", "Board", dt.datetime(2026, 11, 25), None, None, None, None],
    ])  # fmt: skip
    book = FileBook(workbook)
    worksheet = book.workbook["Decisions"]
    _col, _row, _last_col, last_row = range_boundaries(worksheet.tables["Decisions"].ref)
    worksheet.cell(last_row + 2, 1, "B2")
    worksheet.cell(last_row + 2, 2, "D-001")
    book.commit()
    book = FileBook(workbook)
    assert macros.ribbon.record_decisions(book) == "Failed"
    assert book.messages[0][1].startswith(f"pmo_workbook.xlsm, sheet Decisions, row {last_row + 2}: typed below")
    with open_ledger(ledger) as opened:
        assert opened.decisions() == []


def test_an_action_done_row_on_the_sheet_closes_the_action_it_names(workbook, ledger):
    """The Decisions sheet is a running log: last meeting's decision stays, and a row of kind action-done below it
    records its action done (the day in Date); a second click adds nothing."""
    decided = ["A1", "D-002", "approve", "Steering committee", dt.datetime(2026, 11, 25), dt.datetime(2027, 1, 15),
               "Within budget", "Hire the tester", "Ana"]  # fmt: skip
    _type_decisions(workbook, ledger, [decided])
    assert macros.ribbon.record_decisions(FileBook(workbook)) == "OK"
    done = ["A1", "D-002", "action-done", "Ana", dt.datetime(2026, 12, 2), None, "Hired", None, None]
    _type_decisions(workbook, ledger, [decided, done])
    book = FileBook(workbook)
    assert macros.ribbon.record_decisions(book) == "OK", book.messages
    said = FileBook(workbook).read_table("Log")["message"].iloc[-1]
    assert said.startswith("0 decision(s) recorded, 1 action(s) recorded done, 1 already in the ledger"), said
    assert macros.ribbon.record_decisions(FileBook(workbook)) == "OK"
    with open_ledger(ledger) as opened:
        assert [(d.answers, d.done_on, d.owner, d.note) for d in opened.actions_done()] == [
            ("D-002", "2026-12-02", "Ana", "Hired")
        ]
