"""The scenario comparison workbook (`pmo scenario compare`): one sheet, the scenarios side by side, section by
section, printable (landscape, fit to one page wide, the header rows repeated on each page).

Strings stay strings: the workbook is opened with strings_to_formulas, _urls and _numbers off, so a request titled
'=cmd...' is text."""

from __future__ import annotations

import io
from pathlib import Path

from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.portfolio.selection.saved import ScenarioComparison

SECTION_TITLES = {
    "requests": "Requests: in (start month) or out",
    "value": "Value",
    "cost by year": "Cost by fiscal year",
    "capacity": "Capacity use by role",
    "binding": "Binding constraints",
    "forces": "Forces and model",
}


def comparison_workbook_bytes(comparison: ScenarioComparison, title: str) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "in_memory": True}  # fmt: skip
    book = xlsxwriter.Workbook(buffer, options)
    sheet = book.add_worksheet("Comparison")
    heading = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#DDE4EE", "align": "center", "valign": "top",
                              "text_wrap": True})  # fmt: skip
    header_left = book.add_format({"bold": True, "bottom": 1, "bg_color": "#DDE4EE", "valign": "top"})
    section = book.add_format({"bold": True, "top": 1, "bg_color": "#F2F2F2"})
    label = book.add_format({"valign": "top", "text_wrap": True})
    text = book.add_format({"align": "center", "valign": "top", "text_wrap": True})
    inside = book.add_format({"align": "center", "valign": "top", "bold": True, "font_color": "#1E6B30"})
    number = book.add_format({"num_format": "#,##0", "align": "right", "valign": "top"})
    fte = book.add_format({"num_format": "#,##0.0", "align": "right", "valign": "top"})
    width = len(comparison.names)
    sheet.write(0, 0, title, heading)
    sheet.write(1, 0, "", header_left)
    for column, name in enumerate(comparison.names, start=1):
        sheet.write(1, column, name, header)
    row = 2
    for key, section_title in SECTION_TITLES.items():
        rows = comparison.section(key)
        if not rows:
            continue
        sheet.merge_range(row, 0, row, width, section_title, section)
        row += 1
        for line in rows:
            shown = f"{line.label} ({line.unit})" if line.unit else line.label
            sheet.write(row, 0, shown, label)
            lines = max((str(cell).count("\n") + 1 + len(str(cell)) // 30 for cell in line.cells if cell), default=1)
            if lines > 1:
                sheet.set_row(row, 15 * lines)
            for column, cell in enumerate(line.cells, start=1):
                if cell is None:
                    sheet.write_blank(row, column, None, text)
                elif isinstance(cell, float):
                    sheet.write_number(row, column, cell, fte if line.unit == "FTE-months" else number)
                else:
                    style = inside if key == "requests" and cell.startswith("in") else text
                    sheet.write_string(row, column, cell, style)
            row += 1
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, width, 30)
    sheet.freeze_panes(2, 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
    sheet.repeat_columns(0)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&L&A&RPage &P of &N")
    book.close()
    return buffer.getvalue()


def write_comparison_workbook(comparison: ScenarioComparison, path: Path, title: str) -> Path:
    return write_bytes_atomic(Path(path), comparison_workbook_bytes(comparison, title))
