"""No row a PM typed is lost: rows just below a table are read (with a warning), rows further down are refused.

The RAID table comes with 60 pre-sized rows. A PM with 62 risks unprotects the sheet and adds two: Excel grows the
table when they tab past its last cell, LibreOffice grows it when they insert a row inside it but not when they
type under it, and a table's ref can end up shorter than its filled rows. Whichever way, all 62 arrive.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest

from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.excel.sheet_xml import set_cells
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.libreoffice import edit_with_libreoffice

PERIOD = "2026-12"
TODAY = dt.date(2027, 1, 10)
# RAID sits at B4:Q64 on its sheet: header in row 4, pre-sized rows 5-64 holding R-001..R-060
RAID_LAST_ROW = 64


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    return generate_for_records(
        PROJECT_STATUS, demo_projects(1, random.Random(5)), folder, PERIOD, today=dt.date(2026, 12, 1)
    )[0].path


@pytest.fixture(scope="module")
def filled(generated, tmp_path_factory) -> Path:
    """The workbook as a PM fills it (a few risks among them); the tests below then type their own RAID rows."""
    target = tmp_path_factory.mktemp("filled") / generated.name
    fill_demo_submission(generated, target, random.Random(11))
    return target


def _risk(row: int, number: int) -> dict[tuple[int, int], object]:
    """One RAID row's input cells (Type C, Description D, Owner E, Date raised F, Probability G, Impact H,
    Status O)."""
    values = ("Risk", f"Risk number {number}", "Ana Ruiz", dt.date(2026, 11, 2), 3, 2)
    cells: dict[tuple[int, int], object] = {(row, column): value for column, value in enumerate(values, start=3)}
    cells[(row, 15)] = "Open"
    return cells


def _risks(rows: range, first_number: int = 1) -> dict[tuple[int, int], object]:
    cells: dict[tuple[int, int], object] = {}
    for number, row in enumerate(rows, start=first_number):
        cells.update(_risk(row, number))
    return cells


def _copy_row(sheet_xml: bytes, source_row: int, new_rows: range) -> bytes:
    """Empty rows formatted like `source_row` (each cell's style, and the calculated column's formula without a
    cached result), placed after it: what Excel writes for the rows a table grows by."""
    for row in new_rows:  # a row Excel already wrote there (cells pre-formatted below the table) becomes the copy:
        # leaving it would write the row twice, a damaged sheet Excel repairs and collect refuses
        sheet_xml = re.sub(rb'<row r="' + str(row).encode() + rb'"(?:[^>]*/>|.*?</row>)', b"", sheet_xml, flags=re.S)
    row_xml = re.search(rb'<row r="' + str(source_row).encode() + rb'".*?</row>', sheet_xml, re.S).group(0)
    empty = re.sub(rb"<c\b[^>]*?(?:/>|>.*?</c>)", _empty_cell, row_xml, flags=re.S)
    copies = b"".join(
        re.sub(rb'(r="[A-Z]*)' + str(source_row).encode() + rb'"', rb"\g<1>" + str(row).encode() + b'"', empty)
        for row in new_rows
    )
    return sheet_xml.replace(row_xml, row_xml + copies)


def _empty_cell(cell: re.Match) -> bytes:
    address = re.search(rb'\br="[A-Z]+\d+"', cell.group(0)).group(0)
    style = re.search(rb'\ss="\d+"', cell.group(0))
    formula = re.search(rb"<f>.*?</f>", cell.group(0), re.S)
    head = b"<c " + address + (style.group(0) if style else b"")
    return head + b">" + formula.group(0) + b"</c>" if formula else head + b"/>"


def _edited(
    source: Path,
    target: Path,
    cells: dict[str, dict[tuple[int, int], object]],
    table_refs: dict[str, str] | None = None,
    grown: dict[str, range] | None = None,
    names: dict[str, str] | None = None,
) -> Path:
    """`source` with cells set per sheet; `table_refs` rewrites a table's ref and its autoFilter ref, `grown`
    adds rows formatted like the table's last row, `names` adds workbook-scoped defined names."""
    package = XlsxPackage(source.read_bytes())
    replacements: dict[str, bytes] = {}
    for sheet, new_rows in (grown or {}).items():
        part = package.structure.sheet_parts[sheet]
        sheet_xml = _copy_row(package.members[part], new_rows.start - 1, new_rows)
        replacements[part] = re.sub(
            rb'<dimension ref="A1:([A-Z]+)\d+"',
            rb'<dimension ref="A1:\g<1>' + str(new_rows[-1]).encode() + b'"',
            sheet_xml,
        )
    for sheet, values in cells.items():
        part = package.structure.sheet_parts[sheet]
        replacements[part] = set_cells(replacements.get(part, package.members[part]), values)
    for table, ref in (table_refs or {}).items():
        part = package.structure.table(table).part
        replacements[part] = re.sub(rb'\bref="[^"]*"', b'ref="' + ref.encode() + b'"', package.members[part])
    if names:
        workbook = package.members["xl/workbook.xml"]
        added = b"".join(f'<definedName name="{name}">{ref}</definedName>'.encode() for name, ref in names.items())
        replacements["xl/workbook.xml"] = workbook.replace(b"</definedNames>", added + b"</definedNames>")
    target.write_bytes(package.write(replacements))
    return target


def _errors(findings) -> list:
    return [f for f in findings if f.severity == "error"]


def test_62_risks_in_a_table_excel_grew_arrive_without_a_finding(filled, tmp_path):
    """How Excel writes it: on the unprotected sheet the PM fills the 60 rows and presses Tab in the last cell
    twice; Excel grows the table's ref and its autoFilter ref to B4:Q66 and gives rows 65-66 the table's formats
    and its calculated Severity formula. The PM leaves the new rows' RAID ID blank."""
    workbook = _edited(
        filled,
        tmp_path / "excel.xlsx",
        {"RAID": _risks(range(5, 67))},
        table_refs={"RAID": "B4:Q66"},
        grown={"RAID": range(65, 67)},
    )
    parsed, findings = read_submission(workbook)
    assert findings == []
    assert len(parsed.tables["RAID"]) == 62
    assert parsed.table_rows["RAID"] == list(range(5, 67))
    assert parsed.tables["RAID"][-1]["description"] == "Risk number 62"
    normalised, more = validate(parsed, PROJECT_STATUS, TODAY)
    assert _errors(more) == []
    assert [row["id"] for row in normalised.tables["RAID"][-2:]] == ["R-061", "R-062"]


def test_rows_typed_just_below_a_table_are_read_with_a_warning_naming_them(filled, tmp_path):
    workbook = _edited(filled, tmp_path / "below.xlsx", {"RAID": _risks(range(5, 68))})
    parsed, findings = read_submission(workbook)
    assert len(parsed.tables["RAID"]) == 63
    assert parsed.table_rows["RAID"][-3:] == [65, 66, 67]
    [finding] = findings
    assert (finding.severity, finding.code, finding.sheet, finding.cell) == (
        "warning",
        "rows_below_table",
        "RAID",
        "RAID!B65:Q67",
    )
    assert "3 rows below the RAID table were read (rows 65-67) as its rows; nothing is lost" in finding.message


def test_a_table_whose_ref_was_shrunk_over_its_filled_rows_loses_none(filled, tmp_path):
    """The ref ends at row 20, but rows 5-30 are filled and the pre-sized rows 31-64 still hold their ids."""
    workbook = _edited(filled, tmp_path / "shrunk.xlsx", {"RAID": _risks(range(5, 31))}, table_refs={"RAID": "B4:Q20"})
    parsed, findings = read_submission(workbook)
    assert parsed.table_rows["RAID"] == list(range(5, 31))
    assert [row["id"] for row in parsed.tables["RAID"]] == [f"R-{n:03d}" for n in range(1, 27)]
    assert [(f.code, f.cell) for f in findings] == [("rows_below_table", "RAID!B21:Q30")]


def test_rows_after_a_blank_row_under_a_table_are_refused_not_dropped(filled, tmp_path):
    cells = {**_risks(range(5, RAID_LAST_ROW + 3)), **_risks(range(69, 71), first_number=70)}
    parsed, findings = read_submission(_edited(filled, tmp_path / "gap.xlsx", {"RAID": cells}))
    assert parsed.table_rows["RAID"][-2:] == [65, 66]
    assert [(f.severity, f.code) for f in findings] == [
        ("warning", "rows_below_table"),
        ("error", "rows_below_table_not_read"),
    ]
    refused = findings[1]
    assert refused.cell == "RAID!B69:Q70" and refused.row == 69
    assert "rows 69-70" in refused.message and "blank row 67" in refused.message


def test_rows_below_a_table_stop_at_the_next_table_down(filled, tmp_path):
    """Actions holds NextSteps (B6:F14), its section title in B17 and Decisions (B19:G27). Rows typed under
    NextSteps are read up to the Decisions header, never into it; the title, in the locked id column, is neither
    a row nor the blank row that ends them, so row 18 is read too."""
    next_steps = {
        (row, column): value
        for row in (15, 16, 18)
        for column, value in ((3, f"Step in row {row}"), (4, "Ana Ruiz"), (5, dt.date(2027, 1, 20)))
    }
    decisions = {(20, 3): "Approve the budget", (20, 4): "Claire Dubois", (20, 5): dt.date(2027, 1, 31)}
    workbook = _edited(filled, tmp_path / "actions.xlsx", {"Actions": {**next_steps, **decisions}})
    parsed, findings = read_submission(workbook)
    assert parsed.table_rows["NextSteps"][-3:] == [15, 16, 18]
    assert [row["step"] for row in parsed.tables["NextSteps"][-3:]] == [f"Step in row {row}" for row in (15, 16, 18)]
    assert parsed.tables["Decisions"] == [
        {
            "id": "D-001",
            "decision": "Approve the budget",
            "owner": "Claire Dubois",
            "required_by": dt.date(2027, 1, 31),
            "status": None,
        }
    ]
    assert [(f.code, f.cell) for f in findings] == [("rows_below_table", "Actions!B15:F18")]


def test_rows_below_a_table_stop_at_a_named_cell(filled, tmp_path):
    cells = {**_risks(range(65, 67), first_number=61), (67, 4): "Reviewed by the PMO", **_risk(68, 99)}
    workbook = _edited(filled, tmp_path / "named.xlsx", {"RAID": cells}, names={"raid_review": "RAID!$D$67"})
    parsed, findings = read_submission(workbook)
    assert parsed.table_rows["RAID"][-2:] == [65, 66]
    assert [(f.code, f.cell) for f in findings] == [("rows_below_table", "RAID!B65:Q66")]


def test_generated_and_filled_workbooks_have_nothing_below_their_tables(generated, filled):
    assert read_submission(generated)[1] == []
    assert read_submission(filled)[1] == []


# A PM with 62 risks in LibreOffice Calc: they unprotect the RAID sheet (the PMO gave them the password), fill
# the 60 pre-sized rows, insert a row inside the table for one more, and type the last one under the table.
ADD_RAID_ROWS = """
raid = doc.Sheets.getByName("RAID")
raid.unprotect("pmo")
def risk(number):
    return ("Risk", "Risk number %d" % number, "Ana Ruiz", 46328.0, 3.0, 2.0)
raid.getCellRangeByName("C5:H64").setDataArray(tuple(risk(number) for number in range(1, 61)))
raid.getCellRangeByName("O5:O64").setDataArray(tuple(("Open",) for _ in range(60)))
raid.Rows.insertByIndex(9, 1)  # a new sheet row 10, inside the table, which now ends at row 65
raid.getCellRangeByName("C10:H10").setDataArray((risk(61),))
raid.getCellRangeByName("O10").setString("Open")
raid.getCellRangeByName("C66:H66").setDataArray((risk(62),))
raid.getCellRangeByName("O66").setString("Monitoring")
raid.protect("pmo")
"""


@pytest.mark.libreoffice
def test_62_risks_added_in_libreoffice_all_arrive(filled, tmp_path):
    edited = edit_with_libreoffice(filled, tmp_path / "libreoffice.xlsx", ADD_RAID_ROWS)
    parsed, findings = read_submission(edited)
    assert len(parsed.tables["RAID"]) == 62
    descriptions = {row["description"] for row in parsed.tables["RAID"]}
    assert descriptions == {f"Risk number {number}" for number in range(1, 63)}
    # LibreOffice grew the table over the inserted row, not over the row typed under it
    assert [(f.severity, f.code, f.cell) for f in findings] == [("warning", "rows_below_table", "RAID!B66:Q66")]
    assert "1 row below the RAID table was read (row 66)" in findings[0].message
    normalised, more = validate(parsed, PROJECT_STATUS, TODAY)
    assert _errors(more) == []
    assert len(normalised.tables["RAID"]) == 62


# The same PM without the password: Excel and Calc cannot grow a table on a protected sheet, so the template leaves
# input rows open straight below it. They fill the 60 pre-sized rows and type risks 61 and 62 under the table.
TYPE_RAID_ROWS_BELOW = """
raid = doc.Sheets.getByName("RAID")
assert raid.isProtected()
def risk(number):
    return ("Risk", "Risk number %d" % number, "Ana Ruiz", 46328.0, 3.0, 2.0)
raid.getCellRangeByName("C5:H64").setDataArray(tuple(risk(number) for number in range(1, 61)))
raid.getCellRangeByName("O5:O64").setDataArray(tuple(("Open",) for _ in range(60)))
raid.getCellRangeByName("C65:H66").setDataArray((risk(61), risk(62)))
raid.getCellRangeByName("O65:O66").setDataArray((("Open",), ("Monitoring",)))
"""


def test_the_rows_below_a_sheets_only_table_are_open_input_cells_on_the_protected_sheet(generated):
    import openpyxl

    sheet = openpyxl.load_workbook(generated)["RAID"]
    assert sheet.protection.sheet
    assert sheet["C64"].protection.locked is False  # the last pre-sized row
    assert all(sheet[f"{column}65"].protection.locked is False for column in "CDEFGHO")
    assert sheet["C104"].protection.locked is False and sheet["C105"].protection.locked is not False
    assert sheet["B65"].protection.locked is not False  # the id column stays the PMO's
    rules = [str(rule.sqref) for rule in sheet.data_validations.dataValidation]
    assert any("G65:G104" in ref for ref in rules)  # the probability list applies below the table too


@pytest.mark.libreoffice
def test_62_risks_typed_below_the_table_on_the_protected_sheet_all_arrive(filled, tmp_path):
    edited = edit_with_libreoffice(filled, tmp_path / "protected.xlsx", TYPE_RAID_ROWS_BELOW)
    parsed, findings = read_submission(edited)
    assert {row["description"] for row in parsed.tables["RAID"]} == {f"Risk number {n}" for n in range(1, 63)}
    assert [(f.severity, f.code, f.cell) for f in findings] == [("warning", "rows_below_table", "RAID!B65:Q66")]
    assert "2 rows below the RAID table were read (rows 65-66)" in findings[0].message
    normalised, more = validate(parsed, PROJECT_STATUS, TODAY)
    assert _errors(more) == []
    ids = [row["id"] for row in normalised.tables["RAID"]]
    assert len(ids) == 62 and len(set(ids)) == 62  # the two new risks got ids of their own
