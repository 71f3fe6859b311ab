"""How an XlsxWriter workbook prints: every sheet landscape on A4, one page wide, its frozen header rows repeated
on each page.

The rows a sheet freezes on screen are the ones a reader needs to read any row (the table's header, and any title
above it), so they are the rows that repeat on paper. Without this, LibreOffice and Excel print a wide table's
labels on page 1 and its values on page 2.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

A4 = 9
# Points a wrapped line of 10-11 pt text takes: rows are given their height (neither Excel nor LibreOffice sizes a
# written row to its wrapped text on opening, and the lines beyond the first are cut, or printed over the next row).
LINE_HEIGHT = 15


def wrapped_lines(text: str, width: float) -> int:
    """The lines `text` wraps to in a column `width` wide (Excel's unit: about one character a unit; at 1.3,
    LibreOffice wrapped a 28-character text in a 22-wide column onto a second line). A short one is one line, not
    wrapped to find out, a few thousand times a file."""
    per_line = max(int(width * 1.05), 1)
    return sum(
        1 if len(part) <= per_line and "\t" not in part else len(textwrap.wrap(part, per_line)) or 1
        for part in text.split("\n")
    )


def fitted_height(texts: Iterable[tuple[object, float]]) -> float | None:
    """The height a row needs for its longest wrapped text ((value, column width) pairs), or None when every text
    fits on one line (the row keeps its own height)."""
    lines = max((wrapped_lines(text, width) for text, width in texts if isinstance(text, str) and text), default=1)
    return LINE_HEIGHT * lines if lines > 1 else None


def print_like_screen(workbook, footer: bool = True) -> None:
    """Landscape A4, fit to one page wide (as many tall as it needs), frozen rows repeated: every sheet of
    `workbook` not given a page setup of its own (a sheet that fits on one page keeps its own)."""
    for sheet in workbook.worksheets():
        if sheet.fit_page:  # set by its writer: a one-page sheet such as the Dashboard
            continue
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        frozen_rows = sheet.panes[0] if sheet.panes else 0
        if frozen_rows:
            sheet.repeat_rows(0, frozen_rows - 1)
        if footer:
            sheet.set_footer("&L&8&F, &A&R&8page &P")
