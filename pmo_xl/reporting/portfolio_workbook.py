"""portfolio.xlsx: one formatted Excel table per view, written atomically.

Every string of a view is written as an inline string (`t="inlineStr"`), so a PM's `=HYPERLINK(...)`, `@SUM(...)`,
`+cmd|...` or `-2+3` arrives as the literal text they typed and never becomes a formula, a link or a number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pmo_xl.excel.files import write_workbook_atomic
from pmo_xl.excel.package import column_letters
from pmo_xl.excel.sheet_xml import escape_text, excel_serial
from pmo_xl.reporting.views import PortfolioViews
from pmo_xl.values import readable_name

if TYPE_CHECKING:
    from pmo_xl.reporting.dashboard import Dashboard
    from pmo_xl.reporting.load import ReportSource

_RAG_FILLS = {"Green": "#C6EFCE", "Amber": "#FFEB9C", "Red": "#FFC7CE"}
_MAX_WIDTH = 60
EXCEL_MAX_ROWS = 1_048_576
_CHUNK_ROWS = 4_000
EXCEL_CELL_TEXT = 32_767  # the most characters a cell holds; XlsxWriter cut longer text there too


def _cell_text_width(value: object) -> int:
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def write_portfolio(views: PortfolioViews, path: Path | str, dashboard: Dashboard | None = None) -> Path:
    """Write every view to `path` through a temporary file; raise OutputError naming `path` if it stays locked.

    With a `dashboard`, the Dashboard sheet comes first, with its tables and native charts.
    """

    def first(workbook) -> None:
        if dashboard is not None:
            from pmo_xl.reporting.dashboard_sheet import add_dashboard_sheet

            add_dashboard_sheet(workbook, dashboard)

    return write_frames(views.sheets(), path, f"Portfolio {views.period}", first)


def write_frames(
    sheets: dict[str, pd.DataFrame],
    path: Path | str,
    title: str = "",
    first: Callable[[object], None] | None = None,
    created: dt.datetime | None = None,
) -> Path:
    """Each frame as a sheet holding one formatted Excel table of its name (after `first`'s sheets), written
    atomically: portfolio.xlsx's views, and `pmo export history`.

    XlsxWriter lays down each sheet's header, table, widths, formats and print settings; the data rows are then
    written into the sheet's XML directly (`_data_rows`), because XlsxWriter spends about 10 us a cell (a Python
    call to store it, another to write it) and a 2,000-project portfolio has about 1.7 million: 20 s of a
    dashboard. Its constant_memory mode would write rows as they come, but it refuses tables."""
    pending: list[tuple[int, str, pd.DataFrame]] = []  # (sheet number, table name, frame): rows written at the end
    formats: dict = {}

    def build(workbook) -> None:
        formats.update(
            date=workbook.add_format({"num_format": "yyyy-mm-dd"}),
            datetime=workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            date_top=workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
            datetime_top=workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"}),
            wrap=workbook.add_format({"text_wrap": True, "valign": "top"}),
            top=workbook.add_format({"valign": "top"}),
        )
        if first is not None:
            first(workbook)
        rag_formats = {rag: workbook.add_format({"bg_color": colour}) for rag, colour in _RAG_FILLS.items()}
        for sheet_name, frame in sheets.items():
            frame = frame.iloc[: EXCEL_MAX_ROWS - 2]
            _write_sheet(workbook, sheet_name, frame, formats, rag_formats)
            pending.append((len(workbook.worksheets()), sheet_name, frame))
        properties = {"title": title or Path(path).stem, "comments": "Written by pmo-xl"}
        # `created`, when given, makes the file the same bytes for the same frames (an import run again).
        workbook.set_properties({**properties, "created": created} if created else properties)

    def finish(data: bytes) -> bytes:
        from pmo_xl.excel.package import XlsxPackage
        from pmo_xl.excel.sheet_xml import around_rows

        # A format equal to one added before (the Dashboard's date format) shares that one's index: XlsxWriter's
        # own lookup answers for both (every format here was used by a cell, so no index is added now).
        styles = {name: str(fmt._get_xf_index()) for name, fmt in formats.items()}
        package = XlsxPackage(data, str(path))

        def sheet(part: str, frame: pd.DataFrame):
            head, tail = around_rows(package.members[part], max(len(frame), 1), max(frame.shape[1] - 1, 0))
            yield head
            # A few thousand rows at a time, compressed as they come: a 2,000-project History is never held whole.
            for start in range(0, len(frame), _CHUNK_ROWS):
                chunk = frame.iloc[start : start + _CHUNK_ROWS]
                yield _data_rows([_column_values(chunk.iloc[:, n]) for n in range(frame.shape[1])], styles, start)
            yield tail

        replacements: dict = {f"xl/worksheets/sheet{index}.xml": sheet(f"xl/worksheets/sheet{index}.xml", frame)
                              for index, _name, frame in pending}  # fmt: skip
        replacements.update(_tables_resized(package.members, {name: frame for _index, name, frame in pending}))
        return package.write(replacements)

    # Belt and braces: even a stray write() must never turn text into a formula, URL or number.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "default_date_format": "yyyy-mm-dd"}  # fmt: skip
    return write_workbook_atomic(Path(path), build, options, finish)


def _write_sheet(workbook, sheet_name: str, frame: pd.DataFrame, formats: dict, rag_formats: dict) -> None:
    """The sheet's table, widths (from its first 200 rows), formats and print settings: all but the data rows."""
    sheet = workbook.add_worksheet(sheet_name)
    columns = [str(column) for column in frame.columns]
    widths = [len(column) + 3 for column in columns]
    for number in range(len(columns)):
        shown = (_cell_text_width(value) for value in _column_values(frame.iloc[:200, number]))
        widths[number] = max(widths[number], min(max(shown, default=0) + 2, _MAX_WIDTH))
    # Every style the data rows use gets its place in styles.xml (XlsxWriter keeps only the formats cells use);
    # these cells are replaced by the data rows.
    for number, name in enumerate(formats):
        sheet.write_blank(1 + number, 0, None, formats[name])
    last_row = max(len(frame), 1)
    # The table is declared over its header and one row, and widened to its data in the finished file
    # (_tables_resized): XlsxWriter keeps a dictionary entry for every cell a table covers (to refuse overlapping
    # tables), 170 MB for a 2,000-project portfolio.
    sheet.add_table(
        0,
        0,
        1,
        max(len(columns) - 1, 0),
        {
            "name": sheet_name,
            "columns": [{"header": column} for column in columns],
            "style": "Table Style Medium 2",
        },
    )
    for column_number, width in enumerate(widths):
        sheet.set_column(column_number, column_number, width)
    sheet.freeze_panes(1, 1 if columns and columns[0] == "project_id" else 0)
    # Printed: landscape, one page wide, the header on every page (a reason column once ran onto a fifth page).
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    for column_number, column in enumerate(columns):
        if column.startswith("rag_") and not column.endswith(("_disagrees", "_disagreement")):
            for rag, rag_format in rag_formats.items():
                sheet.conditional_format(
                    1,
                    column_number,
                    last_row,
                    column_number,
                    {"type": "cell", "criteria": "==", "value": f'"{rag}"', "format": rag_format},
                )


_TABLE_NAME = re.compile(rb'<table\b[^>]*?\bname="([^"]*)"')
_REF = re.compile(rb'(<(?:table|autoFilter)\b[^>]*?\bref=")[^"]*(")')


def _tables_resized(members: dict[str, bytes], frames: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Each data table's part with its range (and its filter's) widened to its frame's rows."""
    resized = {}
    for part, xml in members.items():
        if not part.startswith("xl/tables/"):
            continue
        named = _TABLE_NAME.search(xml)
        frame = frames.get(named.group(1).decode("utf-8")) if named else None
        if frame is None:
            continue
        ref = f"A1:{column_letters(max(frame.shape[1], 1))}{max(len(frame), 1) + 1}".encode()
        resized[part] = _REF.sub(lambda found, ref=ref: found.group(1) + ref + found.group(2), xml)
    return resized


def _data_rows(values: list[list], styles: dict[str, str], first: int = 0) -> bytes:
    """The <row> elements of a table's data rows `first`, `first` + 1, ... (Excel row 2 is data row 0): built a
    column at a time, then joined a row at a time. Strings are inline strings (always literal text, never a
    formula). A row with wrapped text gets the height of its lines, since neither Excel nor LibreOffice sizes a
    written row to its text, and every cell of it top alignment (a date too), so the row reads level."""
    count = len(values[0]) if values else 0
    lines = [1] * count
    wrapped: set[tuple[int, int]] = set()  # (column, row) of each cell whose text wraps
    for number, column_values in enumerate(values):
        for index, value in enumerate(column_values):
            if isinstance(value, str) and (len(value) > _MAX_WIDTH or "\n" in value):
                cell_lines = _wrapped_lines(value)
                if cell_lines > 1:
                    wrapped.add((number, index))
                    lines[index] = max(lines[index], cell_lines)
    wrap = f' s="{styles["wrap"]}"'
    cells: list[list[str]] = []
    for number, column_values in enumerate(values):
        letters = column_letters(number + 1)
        column_cells = []
        for index, value in enumerate(column_values):
            if value is None:
                column_cells.append("")
                continue
            reference = f"{letters}{first + index + 2}"
            if isinstance(value, str):
                style = wrap if (number, index) in wrapped else ""
                text = escape_text(value[:EXCEL_CELL_TEXT])
                column_cells.append(
                    f'<c r="{reference}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
            elif value is True or value is False:
                column_cells.append(f'<c r="{reference}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                column_cells.append(f'<c r="{reference}"><v>{value!r}</v></c>')
            else:  # a date or a time: its own number format, aligned as its row
                kind = "datetime" if isinstance(value, dt.datetime) else "date"
                style = styles[f"{kind}_top" if lines[index] > 1 else kind]
                column_cells.append(f'<c r="{reference}" s="{style}"><v>{excel_serial(value)!r}</v></c>')
        cells.append(column_cells)
    rows = []
    for index, row in enumerate(zip(*cells, strict=True)) if cells else ():
        height = lines[index]
        attributes = (f' ht="{15 * min(height, 20)}" customHeight="1" s="{styles["top"]}" customFormat="1"'
                      if height > 1 else "")  # fmt: skip
        rows.append(f'<row r="{first + index + 2}"{attributes}>{"".join(row)}</row>')
    return "".join(rows).encode("utf-8")


def _column_values(column: pd.Series) -> list:
    """A column as the plain Python values XlsxWriter writes: None for every kind of blank (NaN, NaT, pd.NA, ''),
    NaN and infinity left out, numpy scalars unwrapped, time zones dropped, a file name that was not UTF-8 quoted.
    Strings stay strings: the workbook is opened with strings_to_formulas, _urls and _numbers off."""
    if column.dtype.kind in "fiub" and isinstance(column.dtype, np.dtype):  # numpy numbers and booleans: at once
        return [None if isinstance(v, float) and (v != v or math.isinf(v)) else v for v in column.tolist()]
    return [_native(value) for value in column.tolist()]


def _native(value: object) -> object:
    # Ordered by how often each type occurs.
    if isinstance(value, str):
        if not value:
            return None
        return value if value.isascii() else readable_name(value)  # a file name that was not UTF-8, in a message
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if value != value or math.isinf(value) else value
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=None)
            if not isinstance(value, pd.Timestamp)
            else value.to_pydatetime().replace(tzinfo=None)
        )
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "item"):  # numpy scalars from DataFrames
        return _native(value.item())
    return str(value)


def _wrapped_lines(text: str) -> int:
    """How many lines `text` takes in a column _MAX_WIDTH wide: a reason with words wraps; a hash or a path
    without spaces is left on one line (cut at the column's edge, whole in the cell)."""
    if "\n" not in text and (len(text) <= _MAX_WIDTH or " " not in text):
        return 1
    return sum(max(1, math.ceil(len(line) / _MAX_WIDTH)) for line in text.split("\n"))


def write_portfolio_with_dashboard(views: PortfolioViews, dashboard: Dashboard, path: Path | str) -> Path:
    """portfolio.xlsx as `pmo collect` writes it, with the Dashboard as its first sheet; written atomically."""
    return write_portfolio(views, path, dashboard)


def export_dashboard(source: ReportSource, out: Path | str) -> Path:
    """`pmo dashboard`: the ledger in, portfolio.xlsx (Dashboard first, then the views) written."""
    inputs, dashboard = source.load()
    return write_portfolio_with_dashboard(inputs.views, dashboard, out)
