"""portfolio.xlsx: one formatted Excel table per view, written atomically.

Every string is written with `write_string`, so a PM's `=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...` or `-2+3`
arrives as the literal text they typed and never becomes a formula, a link or a number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pmo_xl.excel.files import write_workbook_atomic
from pmo_xl.reporting.views import PortfolioViews
from pmo_xl.values import readable_name

if TYPE_CHECKING:
    from pmo_xl.reporting.dashboard import Dashboard

_RAG_FILLS = {"Green": "#C6EFCE", "Amber": "#FFEB9C", "Red": "#FFC7CE"}
_MAX_WIDTH = 60
EXCEL_MAX_ROWS = 1_048_576


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
) -> Path:
    """Each frame as a sheet holding one formatted Excel table of its name (after `first`'s sheets), written
    atomically: portfolio.xlsx's views, and `pmo export history`."""

    def build(workbook) -> None:
        formats = {
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
            "top": workbook.add_format({"valign": "top"}),
        }
        if first is not None:
            first(workbook)
        rag_formats = {rag: workbook.add_format({"bg_color": colour}) for rag, colour in _RAG_FILLS.items()}
        for sheet_name, frame in sheets.items():
            _write_sheet(workbook, sheet_name, frame, formats, rag_formats)
        workbook.set_properties({"title": title or Path(path).stem, "comments": "Written by pmo-xl"})

    # Belt and braces: even a stray write() must never turn text into a formula, URL or number.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "default_date_format": "yyyy-mm-dd"}  # fmt: skip
    return write_workbook_atomic(Path(path), build, options)


def _write_sheet(workbook, sheet_name: str, frame: pd.DataFrame, formats: dict, rag_formats: dict) -> None:
    sheet = workbook.add_worksheet(sheet_name)
    columns = [str(column) for column in frame.columns]
    frame = frame.iloc[: EXCEL_MAX_ROWS - 2]
    widths = [len(column) + 3 for column in columns]
    lines = [1] * (len(frame) + 1)
    # A column at a time (write_column): the per-cell work left is only the few cells that need their own format.
    for column_number in range(len(columns)):
        values = _column_values(frame.iloc[:, column_number])
        sheet.write_column(1, column_number, values)
        for row_number, value in enumerate(values, start=1):
            if isinstance(value, str):
                wrapped = _wrapped_lines(value) if len(value) > _MAX_WIDTH or "\n" in value else 1
                if wrapped > 1:
                    sheet.write_string(row_number, column_number, value, formats["wrap"])
                    lines[row_number] = max(lines[row_number], wrapped)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(row_number, column_number, value, formats["datetime"])
        shown = (_cell_text_width(value) for value in values[:200])
        widths[column_number] = max(widths[column_number], min(max(shown, default=0) + 2, _MAX_WIDTH))
    for row_number, count in enumerate(lines):
        if count > 1:  # neither Excel nor LibreOffice sizes a written row to its wrapped text: give it the height,
            # and the row's other cells its top alignment, so a row reads level
            sheet.set_row(row_number, 15 * min(count, 20), formats["top"])
    last_row = max(len(frame), 1)
    sheet.add_table(
        0,
        0,
        last_row,
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


def export_dashboard(
    ledger: Path | str,
    out: Path | str,
    register: Path | str | None = None,
    period: str | None = None,
    programme: str | None = None,
    business_unit: str | None = None,
    capacity: Path | str | None = None,
    requests: Path | str | None = None,
    settings_path: Path | str | None = None,
    csv_locale: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """`pmo dashboard`: the ledger in, portfolio.xlsx (Dashboard first, then the views) written."""
    from pmo_xl.reporting.load import load_dashboard

    inputs, dashboard = load_dashboard(
        ledger, register, period, settings_path, capacity, requests, csv_locale, today,
        programme=programme, business_unit=business_unit,
    )  # fmt: skip
    return write_portfolio_with_dashboard(inputs.views, dashboard, out)
