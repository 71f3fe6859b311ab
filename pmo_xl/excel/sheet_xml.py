"""Set cell values in a worksheet's XML text, leaving every other byte of it as it was.

Strings are written as inline strings (`t="inlineStr"`), so they are always literal text, never formulas, and the
shared-strings part stays untouched. Each cell keeps its style (`s`), so formats, locking and validations set in
the template survive. A regex over the row and cell elements is enough because the generator only ever rewrites
values of cells it addresses; a full XML parse and re-serialisation would rewrite namespace prefixes that
`mc:Ignorable` depends on.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping

from pmo_xl.errors import PmoError
from pmo_xl.excel.package import column_letters, parse_cell
from pmo_xl.values import EXCEL_CELL_TEXT_LIMIT

CellValue = str | int | float | bool | dt.date | dt.datetime | None

_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>.*?</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
_HEIGHT = re.compile(rb'\s+(?:ht|customHeight)="[^"]*"')
# XML 1.0 forbids most control characters; Excel would refuse the file.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A formula cell (its start tag, then what follows it up to its end tag) and its cached value. One pass with no
# ambiguous repetition (`[^>]*` cannot run past a '>'): the single pattern it replaces could split each cell's
# attributes many ways, and took 4.3 s over the status template's 11 sheets, once per generate run.
_FORMULA_CELL = re.compile(rb"<c\b([^>]*)>(\s*<f\b.*?)</c>", re.S)
_CACHED_VALUE = re.compile(rb"(</f>|<f\b[^>]*/>)\s*<v>[^<]*</v>")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def without_cached_results(sheet_xml: bytes) -> bytes:
    """Drop the cached result of every formula cell.

    XlsxWriter caches 0 (or the value it is given) for each formula, and a file saved by Excel or LibreOffice
    caches results computed from its old inputs. LibreOffice trusts cached values on load, so it would show a
    completeness of 0% until someone edits a cell. With no cached value, every reader must calculate.
    """
    if b"<f" not in sheet_xml:
        return sheet_xml
    return _FORMULA_CELL.sub(_uncached_cell, sheet_xml)


def _uncached_cell(match: re.Match) -> bytes:
    """The cell without its cached value (its result type `t` stays: a reader calculates it as that type)."""
    return b"<c" + match.group(1) + b">" + _CACHED_VALUE.sub(rb"\1", match.group(2), count=1) + b"</c>"


def excel_serial(value: dt.date | dt.datetime, date1904: bool = False) -> float:
    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = moment.replace(tzinfo=None) - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    serial = delta.days + delta.seconds / 86400
    return int(serial) if serial == int(serial) else serial


class CellValueError(PmoError):
    """A value no Excel cell can hold (NaN, infinity, text over 32,767 characters): refused, never written."""


def escape_text(text: str) -> str:
    """Text as an XML text node holds it: characters XML 1.0 forbids dropped, & < > escaped."""
    text = _ILLEGAL_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def around_rows(sheet_xml: bytes, last_row: int, last_column: int) -> tuple[bytes, bytes]:
    """The sheet's XML before and after the data rows a writer puts in (from row 2 on): its first row kept, every
    later row it had dropped, and its dimension widened to A1 .. (last_row, last_column), 0-based. For a writer
    that lays down a table's header and formatting with XlsxWriter and its data rows itself
    (pmo_xl.reporting.portfolio_workbook), streaming them: head + rows + tail is the sheet."""
    found = _SHEET_DATA.search(sheet_xml)
    if found is None:
        raise ValueError("the sheet has no sheetData")
    inner = found.group(1) or b""
    first = _ROW.search(inner)
    header = first.group(0) if first is not None and _ROW_NUMBER.search(first.group(1)).group(1) == b"1" else b""
    dimension = f'<dimension ref="A1:{column_letters(last_column + 1)}{last_row + 1}"/>'.encode()
    head = _DIMENSION.sub(dimension, sheet_xml[: found.start()], count=1) + b"<sheetData>" + header
    return head, b"</sheetData>" + sheet_xml[found.end() :]


def cell_xml(address: str, value: CellValue, style: bytes | None, date1904: bool = False) -> bytes:
    style_attribute = b' s="' + style + b'"' if style else b""
    head = b'<c r="' + address.encode() + b'"' + style_attribute
    if value is None or value == "":
        return head + b"/>"
    if isinstance(value, bool):
        return head + b' t="b"><v>' + (b"1" if value else b"0") + b"</v></c>"
    if isinstance(value, dt.date):
        return head + b"><v>" + repr(excel_serial(value, date1904)).encode() + b"</v></c>"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            # Excel has no NaN or infinity: <v>nan</v> makes it repair the file, and openpyxl refuses it
            raise CellValueError(f"{address}: {value!r} is not a number Excel can hold")
        number = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else value
        return head + b"><v>" + repr(number).encode() + b"</v></c>"
    text = str(value)
    if len(text.encode("utf-16-le")) // 2 > EXCEL_CELL_TEXT_LIMIT:
        raise CellValueError(
            f"{address}: {len(text):,} characters, more than an Excel cell holds ({EXCEL_CELL_TEXT_LIMIT:,})"
        )
    text = escape_text(text).encode("utf-8")
    return head + b' t="inlineStr"><is><t xml:space="preserve">' + text + b"</t></is></c>"


def _column_of(address: bytes) -> int:
    return parse_cell(address.decode())[1]


class SheetPatcher:
    """One worksheet's XML with its rows indexed once, to set cells in many copies of it quickly."""

    def __init__(self, sheet_xml: bytes, date1904: bool = False):
        match = _SHEET_DATA.search(sheet_xml)
        if match is None:
            raise ValueError("worksheet XML has no sheetData")
        self.xml = sheet_xml
        self.date1904 = date1904
        self.body = (match.start(1), match.end(1)) if match.group(1) is not None else None
        self.rows: dict[int, tuple[int, int, bytes, list[tuple[int, bytes, bytes | None]]]] = {}
        if self.body is None:
            return
        for row_match in _ROW.finditer(sheet_xml, *self.body):
            attributes, content = row_match.group(1), row_match.group(2) or b""
            row_number = int(_ROW_NUMBER.search(attributes).group(1))
            cells = []
            for cell in _CELL.finditer(content):
                address = _CELL_REF.search(cell.group(1)).group(1)
                style = _STYLE.search(cell.group(1))
                cells.append((_column_of(address), cell.group(0), style.group(1) if style else None))
            self.rows[row_number] = (row_match.start(), row_match.end(), attributes, cells)

    def patch(self, values: Mapping[tuple[int, int], CellValue], heights: Mapping[int, float] | None = None) -> bytes:
        """The sheet XML with each (row, column) -> value set; rows and cells are created where missing. `heights`:
        rows given a height in points (a wrapped text's lines: no application sizes a row to it on opening)."""
        heights = heights or {}
        if not values and not heights:
            return self.xml
        by_row: dict[int, dict[int, CellValue]] = {row: {} for row in heights}
        for (row, column), value in values.items():
            by_row.setdefault(row, {})[column] = value
        edits: list[tuple[int, int, bytes]] = []
        missing: dict[int, dict[int, CellValue]] = {}
        for row, cells in by_row.items():
            if row in self.rows:
                start, end, attributes, existing = self.rows[row]
                patched = _patched_row(_with_height(attributes, heights.get(row)), existing, row, cells, self.date1904)
                edits.append((start, end, patched))
            else:
                missing[row] = cells
        if missing:
            edits += self._insertions(missing, heights)
        pieces, position = [], 0
        for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
            pieces += [self.xml[position:start], replacement]
            position = end
        pieces.append(self.xml[position:])
        return b"".join(pieces)

    def _insertions(
        self, missing: dict[int, dict[int, CellValue]], heights: Mapping[int, float]
    ) -> list[tuple[int, int, bytes]]:
        """New rows, each placed before the first existing row below it (rare: templates have their rows)."""
        insertions = []
        existing = sorted(self.rows)
        for row, cells in sorted(missing.items()):
            new_row = _new_row(row, cells, self.date1904, heights.get(row))
            below = next((number for number in existing if number > row), None)
            if below is not None:
                position = self.rows[below][0]
                insertions.append((position, position, new_row))
            elif self.body is not None:
                insertions.append((self.body[1], self.body[1], new_row))
            else:
                insertions.append(self._into_empty_sheet_data(new_row))
        return insertions

    def _into_empty_sheet_data(self, new_row: bytes) -> tuple[int, int, bytes]:
        match = _SHEET_DATA.search(self.xml)
        return match.start(), match.end(), b"<sheetData>" + new_row + b"</sheetData>"


def set_cells(sheet_xml: bytes, values: Mapping[tuple[int, int], CellValue], date1904: bool = False) -> bytes:
    """Return `sheet_xml` with each (row, column) -> value set; rows and cells are created where missing."""
    return SheetPatcher(sheet_xml, date1904).patch(values)


def _new_row(row: int, cells: dict[int, CellValue], date1904: bool, height: float | None = None) -> bytes:
    content = b"".join(
        cell_xml(f"{column_letters(column)}{row}", value, None, date1904) for column, value in sorted(cells.items())
    )
    return b"<row" + _with_height(b' r="' + str(row).encode() + b'"', height) + b">" + content + b"</row>"


def _with_height(attributes: bytes, height: float | None) -> bytes:
    """A row's attributes with its height set (`ht` in points, `customHeight` so applications keep it)."""
    if height is None:
        return attributes
    kept = _HEIGHT.sub(b"", attributes)
    return kept + b' ht="' + f"{height:g}".encode() + b'" customHeight="1"'


def _patched_row(
    attributes: bytes,
    existing: list[tuple[int, bytes, bytes | None]],
    row: int,
    cells: dict[int, CellValue],
    date1904: bool,
) -> bytes:
    present = {column for column, _, _ in existing}
    output: list[tuple[int, bytes]] = []
    for column, xml, style in existing:
        if column in cells:
            output.append((column, cell_xml(f"{column_letters(column)}{row}", cells[column], style, date1904)))
        else:
            output.append((column, xml))
    for column, value in cells.items():
        if column not in present:
            output.append((column, cell_xml(f"{column_letters(column)}{row}", value, None, date1904)))
    output.sort(key=lambda item: item[0])
    # `spans` is only an optimisation hint; drop it rather than keep a wrong one.
    return b"<row" + _SPANS.sub(b"", attributes) + b">" + b"".join(xml for _, xml in output) + b"</row>"
