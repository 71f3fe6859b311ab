"""The one table reader: an Excel table found by name wherever it sits, a sheet of that name, or a whole CSV file.

`read_table(path, names)` looks, in this order, for:

1. an Excel table (a ListObject) named any of `names`, on any sheet, the first name listed winning;
2. a sheet named any of `names`, its header row the first row that is not blank;
3. with `first_sheet=True`, the first sheet, read the same way (and with no `names`, that is where it looks);

and reads a `.csv` file whole (UTF-8, with or without a byte-order mark). Names match ignoring case, spaces,
hyphens and underscores: `Request resources` finds the table `RequestResources`.

Cells come back as openpyxl gave them, whatever calamine (the fast reader underneath) says, so that every caller
sees one set of types:

- a blank cell, an empty CSV field and a formula saved without its result are None (calamine gives '');
- a whole number is an int (calamine gives 3.0), any other number a float; CSV fields stay text;
- a date is a datetime at midnight (calamine gives a date); a date and time a datetime; True and False are bools;
- an Excel error is its text, '#REF!' (calamine gives ''), so pmo_xl.values refuses it with its meaning
  (in .xlsx and .xlsm files; an .xls, .xlsb or .ods file's errors read as blank);
- headers are text, stripped; a column without a header is dropped; blank rows at the end are dropped.

Turning the text of a cell into a number is pmo_xl.values' job, not this module's.

The frame remembers where it came from in `frame.attrs`, so that a message can name the file, sheet and cell:
`source` ('capacity.xlsx, sheet Setup', or the CSV's name), `file`, `sheet` and `table` (None when not
applicable), `first_row` (the row number of the first data row, counted from 1 as Excel and a text editor count
them), for a workbook, `columns` (each header -> its column letter) and, for an Excel table, `rows_below` (the
row numbers of rows typed below it, in its columns, which Excel left out of the table).

Every failure (no such file, not a workbook, no such table or sheet, an empty sheet) is one InputTableError that
names the file; `not_found` is set when the file opened but holds no table or sheet of those names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from pmo_xl.errors import InputTableError
from pmo_xl.excel.package import column_letters, parse_cell, read_structure
from pmo_xl.excel.zip_archive import LazyMembers, read_directory
from pmo_xl.values import is_blank

__all__ = ["read_table", "same_name"]

# Formats whose sheets are XML in a zip: their error cells can be read back from the sheet part.
_OPEN_XML = (".xlsx", ".xlsm", ".xltx", ".xltm")
# A whole number beyond this was written with an exponent; openpyxl reads it as a float, and so does this module.
_WHOLE_NUMBER_LIMIT = 1e15


def same_name(name: object) -> str:
    """The form in which table, sheet and column names are compared: 'Request resources' ~ 'request_resources'."""
    return re.sub(r"[\s\-_]+", "", str(name).strip().casefold())


def read_table(path: Path | str, names: str | Sequence[str] = (), *, first_sheet: bool = False) -> pd.DataFrame:
    """The table, sheet or CSV file `path` holds under any of `names` (see the module's docstring for the order)."""
    path = Path(path)
    wanted = [names] if isinstance(names, str) else list(names)
    if not path.is_file():
        raise InputTableError(f"{path}: no such file", file=path.name)
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_workbook(path, wanted, first_sheet or not wanted)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as error:
        raise InputTableError(f"{path.name}: cannot read it as a CSV file ({error})", file=path.name) from error
    frame = frame.replace({"": None})
    frame.attrs = {"source": path.name, "file": path.name, "sheet": None, "table": None, "first_row": 2}
    return frame


def _read_workbook(path: Path, wanted: list[str], first_sheet: bool) -> pd.DataFrame:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path), load_tables=True) as workbook:
            try:
                tables = list(workbook.table_names)
            except CalamineError:  # a format without tables (.xls, .ods)
                tables = []
            return _read_from(workbook, path, wanted, tables, first_sheet)
    except InputTableError:
        raise
    except Exception as error:  # calamine raises its own exception types (and OSError) for every unreadable file
        raise InputTableError(f"{path.name}: cannot read it as an Excel workbook ({error})", file=path.name) from error


def _read_from(workbook, path: Path, wanted: list[str], tables: list[str], first_sheet: bool) -> pd.DataFrame:
    table_of = {same_name(name): name for name in tables}
    sheet_of = {same_name(name): name for name in workbook.sheet_names}
    table = next((table_of[same_name(name)] for name in wanted if same_name(name) in table_of), None)
    if table is not None:
        found = workbook.get_table_by_name(table)
        sheet = found.sheet
        headers = [_header_text(column) for column in found.columns]
        rows = found.to_python()
        (top, left), header_row = found.start, found.start[0] - 1
        below = _rows_below(workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False), found)
    else:
        below = []
        sheet = next((sheet_of[same_name(name)] for name in wanted if same_name(name) in sheet_of), None)
        if sheet is None and first_sheet and workbook.sheet_names:
            sheet = workbook.sheet_names[0]
        if sheet is None:
            raise InputTableError(
                f"{path.name}: no table or sheet named {' or '.join(wanted)} "
                f"(tables: {', '.join(tables) or 'none'}; sheets: {', '.join(workbook.sheet_names)})",
                file=path.name,
                not_found=True,
                tables=tuple(tables),
            )
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        header_row = next((index for index, row in enumerate(rows) if any(_header_text(cell) for cell in row)), None)
        if header_row is None:
            raise InputTableError(
                f"{path.name}, sheet {sheet}: the sheet is empty; expected a header row", file=path.name
            )
        headers = [_header_text(cell) for cell in rows[header_row]]
        rows = rows[header_row + 1 :]
        top, left = header_row + 1, 0
    if path.suffix.lower() in _OPEN_XML:
        _put_back_errors(path, sheet, rows, top, left)
    location = {"source": f"{path.name}, sheet {sheet}", "file": path.name, "sheet": sheet, "table": table}
    return _frame(rows, headers, left, {**location, "first_row": header_row + 2, "rows_below": below})


def _rows_below(sheet_rows: list[list], table) -> list[int]:
    """The Excel row numbers of rows typed below a table, in its columns, outside its range: Excel leaves such a
    row out of the table, and a reader of the table alone would drop it in silence. Blank as the ribbon's
    Book.rows_below says it (`values.is_blank`: a cell of spaces only holds nothing)."""
    (_, left), (bottom, right) = table.start, table.end
    return [
        index + 1
        for index, row in enumerate(sheet_rows)
        if index > bottom and not all(is_blank(cell) for cell in row[left : right + 1])
    ]


def _frame(rows: list[list], headers: list[str], left: int, location: dict) -> pd.DataFrame:
    width = len(headers)
    body = [[_cell(value) for value in row[:width]] + [None] * (width - len(row)) for row in rows]
    while body and all(value is None for value in body[-1]):
        body.pop()
    kept = [index for index, header in enumerate(headers) if header]
    frame = pd.DataFrame(
        [[row[index] for index in kept] for row in body], columns=[headers[i] for i in kept], dtype=object
    )
    location["columns"] = {headers[index]: column_letters(left + index + 1) for index in kept}
    frame.attrs = location
    return frame


def _cell(value: object) -> object:
    """A calamine cell as openpyxl gives it (the module's docstring lists each difference)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, float) and value.is_integer() and abs(value) < _WHOLE_NUMBER_LIMIT:
        return int(value)
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- Excel errors, which calamine reads as blanks ---------------------------------------------------------------


def _put_back_errors(path: Path, sheet: str, rows: list[list], top: int, left: int) -> None:
    """Write each error cell's text ('#REF!') over the blank calamine gave for it; `rows` starts at (top, left)."""
    try:
        data = path.read_bytes()
        members = LazyMembers(read_directory(data), data)
        part = read_structure(members).sheet_parts.get(sheet)
        xml = members.get(part) if part else None
    except Exception as error:  # calamine opened it, so this is a damaged part calamine did not need
        raise InputTableError(f"{path.name}: cannot read it as an Excel workbook ({error})", file=path.name) from error
    if not xml or (b't="e"' not in xml and b"t='e'" not in xml):
        return
    for address, code in _error_cells(xml):
        if not address:  # a cell without its address (allowed, never written by Excel): calamine's blank stands
            continue
        row, column = parse_cell(address)
        at, within = row - 1 - top, column - 1 - left
        if 0 <= at < len(rows) and 0 <= within < len(rows[at]) and rows[at][within] == "":
            rows[at][within] = code


def _error_cells(xml: bytes) -> Iterator[tuple[str, str]]:
    import io
    import xml.etree.ElementTree as ET

    for _event, element in ET.iterparse(io.BytesIO(xml)):
        tag = element.tag.rpartition("}")[2]
        if tag == "c":
            if element.get("t") == "e":
                value = next((child.text for child in element if child.tag.rpartition("}")[2] == "v"), None)
                yield element.get("r", ""), (value or "").strip()
        elif tag == "row":
            element.clear()
