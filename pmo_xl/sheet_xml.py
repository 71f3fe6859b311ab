"""Set cell values in a worksheet's XML text, leaving every other byte of it as it was.

Strings are written as inline strings (`t="inlineStr"`), so they are always literal text, never formulas, and the
shared-strings part stays untouched. Each cell keeps its style (`s`), so formats, locking and validations set in
the template survive. A regex over the row and cell elements is enough because the generator only ever rewrites
values of cells it addresses; a full XML parse and re-serialisation would rewrite namespace prefixes that
`mc:Ignorable` depends on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from pmo_xl.xlsx_package import column_letters, parse_cell

CellValue = str | int | float | bool | dt.date | dt.datetime | None

_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>.*?</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
# XML 1.0 forbids most control characters; Excel would refuse the file.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def excel_serial(value: dt.date | dt.datetime, date1904: bool = False) -> float:
    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = moment.replace(tzinfo=None) - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    serial = delta.days + delta.seconds / 86400
    return int(serial) if serial == int(serial) else serial


def _escape(text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
        number = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else value
        return head + b"><v>" + repr(number).encode() + b"</v></c>"
    text = _escape(str(value)).encode("utf-8")
    return head + b' t="inlineStr"><is><t xml:space="preserve">' + text + b"</t></is></c>"


def _column_of(address: bytes) -> int:
    return parse_cell(address.decode())[1]


def set_cells(sheet_xml: bytes, values: Mapping[tuple[int, int], CellValue], date1904: bool = False) -> bytes:
    """Return `sheet_xml` with each (row, column) -> value set; rows and cells are created where missing."""
    if not values:
        return sheet_xml
    match = _SHEET_DATA.search(sheet_xml)
    if match is None:
        raise ValueError("worksheet XML has no sheetData")
    body = match.group(1) or b""
    by_row: dict[int, dict[int, CellValue]] = {}
    for (row, column), value in values.items():
        by_row.setdefault(row, {})[column] = value

    pieces: list[bytes] = []
    position = 0
    pending = sorted(by_row)
    for row_match in _ROW.finditer(body):
        attributes, content = row_match.group(1), row_match.group(2) or b""
        row_number = int(_ROW_NUMBER.search(attributes).group(1))
        pieces.append(body[position : row_match.start()])
        while pending and pending[0] < row_number:
            new_row = pending.pop(0)
            pieces.append(_new_row(new_row, by_row[new_row], date1904))
        if pending and pending[0] == row_number:
            pending.pop(0)
            pieces.append(_patched_row(attributes, content, row_number, by_row[row_number], date1904))
        else:
            pieces.append(row_match.group(0))
        position = row_match.end()
    pieces.append(body[position:])
    for new_row in pending:
        pieces.append(_new_row(new_row, by_row[new_row], date1904))
    new_body = b"".join(pieces)
    return sheet_xml[: match.start()] + b"<sheetData>" + new_body + b"</sheetData>" + sheet_xml[match.end() :]


def _new_row(row: int, cells: dict[int, CellValue], date1904: bool) -> bytes:
    content = b"".join(
        cell_xml(f"{column_letters(column)}{row}", value, None, date1904) for column, value in sorted(cells.items())
    )
    return b'<row r="' + str(row).encode() + b'">' + content + b"</row>"


def _patched_row(attributes: bytes, content: bytes, row: int, cells: dict[int, CellValue], date1904: bool) -> bytes:
    existing: list[tuple[int, bytes, bytes | None]] = []
    for cell in _CELL.finditer(content):
        address = _CELL_REF.search(cell.group(1)).group(1)
        style = _STYLE.search(cell.group(1))
        existing.append((_column_of(address), cell.group(0), style.group(1) if style else None))
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
