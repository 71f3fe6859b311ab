"""How an XlsxWriter workbook prints: every sheet landscape on A4, one page wide, its frozen header rows repeated
on each page.

The rows a sheet freezes on screen are the ones a reader needs to read any row (the table's header, and any title
above it), so they are the rows that repeat on paper. Without this, LibreOffice and Excel print a wide table's
labels on page 1 and its values on page 2.
"""

from __future__ import annotations

A4 = 9


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
