"""The one table reader (pmo_xl.excel.tables): a table, a sheet and a CSV holding the same rows read the same."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from pmo_xl.errors import InputTableError
from pmo_xl.excel.tables import read_table

HEADERS = ["request_id", "title", "cost", "share", "start", "mandatory", "note"]
ROWS = [
    ["R1", "New CRM", 1200, 0.25, dt.datetime(2027, 3, 1), True, None],
    ["R2", "Data lake", 3, 1.5, dt.datetime(2027, 4, 15), False, "=not a formula"],
]
# The same rows as a CSV holds them: text, blanks None.
CSV_TEXT = "request_id,title,cost,share,start,mandatory,note\nR1,New CRM,1200,0.25,2027-03-01,TRUE,\n"
CSV_TEXT += "R2,Data lake,3,1.5,2027-04-15,FALSE,=not a formula\n"


def _workbook(path, *, as_table: bool) -> None:
    """The rows with headers in row 3 from column B: as the table 'Requests' on sheet 'Pipeline', or as plain cells
    on a sheet named 'Requests'; either way after a first sheet holding something else."""
    workbook = Workbook()
    workbook.active.title = "Intro"
    workbook.active["A1"] = "Not the table"
    sheet = workbook.create_sheet("Requests" if not as_table else "Pipeline")
    for row_number, row in enumerate([HEADERS, *ROWS], start=3):
        for column_number, value in enumerate(row, start=2):
            cell = sheet.cell(row=row_number, column=column_number, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, not a formula
    sheet.cell(row=5, column=6).number_format = "yyyy-mm-dd"  # a date-only cell, which calamine reads as a date
    if as_table:
        sheet.add_table(Table(displayName="Requests", ref="B3:H6"))  # with an empty last row, as Excel keeps one
    workbook.save(path)


def test_a_table_a_sheet_and_a_csv_with_the_same_rows_give_the_same_frame(tmp_path):
    _workbook(tmp_path / "table.xlsx", as_table=True)
    _workbook(tmp_path / "sheet.xlsx", as_table=False)
    (tmp_path / "requests.csv").write_text(CSV_TEXT, encoding="utf-8-sig")

    table = read_table(tmp_path / "table.xlsx", ("RequestList", "requests"))  # any of several names, any case
    sheet = read_table(tmp_path / "sheet.xlsx", "Requests")
    expected = pd.DataFrame(ROWS, columns=HEADERS, dtype=object)
    pd.testing.assert_frame_equal(table, expected)
    pd.testing.assert_frame_equal(sheet, expected)
    # openpyxl's types, not calamine's: a whole number an int, a date a datetime, a blank None.
    assert type(table.at[0, "cost"]) is int and type(table.at[0, "start"]) is dt.datetime
    assert table.at[0, "note"] is None

    csv = read_table(tmp_path / "requests.csv", "Requests")
    assert list(csv.columns) == HEADERS  # the byte-order mark is not part of the first header
    # The same cells, as text: turning text into numbers and dates is pmo_xl.values' job, after the reader.
    as_text = pd.DataFrame([[_as_csv_text(value) for value in row] for row in ROWS], columns=HEADERS, dtype=object)
    pd.testing.assert_frame_equal(csv, as_text)


def _as_csv_text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def test_the_frame_says_where_it_came_from(tmp_path):
    _workbook(tmp_path / "table.xlsx", as_table=True)
    _workbook(tmp_path / "sheet.xlsx", as_table=False)
    (tmp_path / "requests.csv").write_text(CSV_TEXT, encoding="utf-8-sig")

    table = read_table(tmp_path / "table.xlsx", "Requests").attrs
    assert (table["file"], table["sheet"], table["table"], table["first_row"]) == (
        "table.xlsx",
        "Pipeline",
        "Requests",
        4,
    )
    assert table["source"] == "table.xlsx, sheet Pipeline"
    assert table["columns"]["request_id"] == "B" and table["columns"]["note"] == "H"
    sheet = read_table(tmp_path / "sheet.xlsx", "Requests").attrs
    assert (sheet["sheet"], sheet["table"], sheet["first_row"], sheet["columns"]["cost"]) == ("Requests", None, 4, "D")
    csv = read_table(tmp_path / "requests.csv").attrs
    assert (csv["file"], csv["sheet"], csv["first_row"]) == ("requests.csv", None, 2)


def test_the_first_sheet_only_when_asked_for(tmp_path):
    _workbook(tmp_path / "table.xlsx", as_table=True)
    assert list(read_table(tmp_path / "table.xlsx", "Costs", first_sheet=True).columns) == ["Not the table"]
    assert read_table(tmp_path / "table.xlsx").attrs["sheet"] == "Intro"  # no name at all: the first sheet


def test_an_excel_error_reads_as_its_text_not_as_a_blank(tmp_path):
    import xlsxwriter

    path = tmp_path / "errors.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Costs")
    sheet.write_row(0, 0, ["request_id", "cost"])
    sheet.write_row(1, 0, ["R1", 10])
    sheet.write_string(2, 0, "R2")
    sheet.write_formula(2, 1, "=1/0", None, "#DIV/0!")
    workbook.close()
    assert read_table(path, "Costs")["cost"].tolist() == [10, "#DIV/0!"]


def test_a_missing_table_or_file_is_one_error_naming_the_file(tmp_path):
    _workbook(tmp_path / "table.xlsx", as_table=True)
    with pytest.raises(
        InputTableError, match=r"table\.xlsx: no table or sheet named Costs \(tables: Requests;"
    ) as error:
        read_table(tmp_path / "table.xlsx", "Costs")
    assert error.value.not_found and error.value.file == "table.xlsx"
    with pytest.raises(InputTableError, match=r"absent\.xlsx: no such file") as error:
        read_table(tmp_path / "absent.xlsx", "Costs")
    assert not error.value.not_found
    (tmp_path / "text.xlsx").write_text("request_id,cost\n", encoding="utf-8")
    with pytest.raises(InputTableError, match=r"text\.xlsx: cannot read it as an Excel workbook"):
        read_table(tmp_path / "text.xlsx", "Costs")
