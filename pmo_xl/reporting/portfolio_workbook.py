"""portfolio.xlsx: one formatted Excel table per view, written atomically.

Every string is written with `write_string`, so a PM's `=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...` or `-2+3`
arrives as the literal text they typed and never becomes a formula, a link or a number.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING

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

    def build(workbook) -> None:
        formats = {
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
            "top": workbook.add_format({"valign": "top"}),
        }
        if dashboard is not None:
            from pmo_xl.reporting.dashboard_sheet import add_dashboard_sheet

            add_dashboard_sheet(workbook, dashboard)
        rag_formats = {rag: workbook.add_format({"bg_color": colour}) for rag, colour in _RAG_FILLS.items()}
        for sheet_name, frame in views.sheets().items():
            _write_sheet(workbook, sheet_name, frame, formats, rag_formats)
        workbook.set_properties({"title": f"Portfolio {views.period}", "comments": "Written by pmo collect"})

    # Belt and braces: even a stray write() must never turn text into a formula, URL or number.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "default_date_format": "yyyy-mm-dd"}  # fmt: skip
    return write_workbook_atomic(Path(path), build, options)


def _write_sheet(workbook, sheet_name: str, frame: pd.DataFrame, formats: dict, rag_formats: dict) -> None:
    sheet = workbook.add_worksheet(sheet_name)
    columns = [str(column) for column in frame.columns]
    records = frame.itertuples(index=False, name=None)
    rows = list(records)[: EXCEL_MAX_ROWS - 2]
    widths = [len(column) + 3 for column in columns]
    lines = 1
    for row_number, record in enumerate(rows, start=1):
        for column_number, value in enumerate(record):
            _write_value(sheet, row_number, column_number, value, formats)
            if row_number <= 200:
                widths[column_number] = max(widths[column_number], min(_cell_text_width(value) + 2, _MAX_WIDTH))
            if isinstance(value, str) and len(value) > _MAX_WIDTH:
                lines = max(lines, _wrapped_lines(value))
        if lines > 1:  # neither Excel nor LibreOffice sizes a written row to its wrapped text: give it the height,
            # and the row's other cells its top alignment, so a row reads level
            sheet.set_row(row_number, 15 * min(lines, 20), formats["top"])
        lines = 1
    last_row = max(len(rows), 1)
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


def _wrapped_lines(text: str) -> int:
    """How many lines `text` takes in a column _MAX_WIDTH wide: a reason with words wraps; a hash or a path
    without spaces is left on one line (cut at the column's edge, whole in the cell)."""
    if "\n" not in text and (len(text) <= _MAX_WIDTH or " " not in text):
        return 1
    return sum(max(1, math.ceil(len(line) / _MAX_WIDTH)) for line in text.split("\n"))


def _write_value(sheet, row: int, column: int, value: object, formats: dict) -> None:
    # Ordered by how often each type occurs: this runs once per cell.
    if isinstance(value, str):
        if value:
            if not value.isascii():
                value = readable_name(value)  # a file name that was not UTF-8, quoted in a message
            sheet.write_string(row, column, value, formats["wrap"] if _wrapped_lines(value) > 1 else None)
    elif value is None or value is pd.NA or value is pd.NaT:
        return
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        if value == value and not math.isinf(value):  # NaN is the only value unequal to itself
            sheet.write_number(row, column, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, value.replace(tzinfo=None), formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, dt.datetime(value.year, value.month, value.day), formats["date"])
    elif hasattr(value, "item"):  # numpy scalars from DataFrames
        _write_value(sheet, row, column, value.item(), formats)
    else:
        sheet.write_string(row, column, str(value))


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
