"""Outputs that print: the demo's workbooks on 50 projects, printed by LibreOffice, come out on a bounded number of
landscape pages, one page wide, with their header rows on every page; the Dashboard is one page."""

from __future__ import annotations

import math

import openpyxl
import pytest

from pmo_xl.periods import is_month
from tests.print_pages import PRINTED_OUTPUTS, run_printed_demo, sheet_pages

PROJECTS = 50
# A landscape A4 page at 100% holds about 32 rows of 15 pt; a table fitted to the width is smaller, so holds more.
ROWS_A_PAGE = 30


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    pdfs = run_printed_demo(out, PROJECTS)
    return out / "demo", {name: sheet_pages(pdf) for name, pdf in pdfs.items()}


def _fit(value: int | None) -> int:
    return 1 if value is None else value  # an absent fitToWidth / fitToHeight means 1 (ECMA-376)


def test_the_dashboard_prints_as_one_page(printed):
    _demo, pages = printed
    assert pages["portfolio.xlsx"]["Dashboard"] == 1


@pytest.mark.parametrize("name", PRINTED_OUTPUTS)
def test_every_sheet_is_landscape_one_page_wide_with_its_header_on_every_page(printed, name):
    demo, _pages = printed
    workbook = openpyxl.load_workbook(demo / name)
    for sheet in workbook.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape", (name, sheet.title)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, (name, sheet.title)
        assert _fit(setup.fitToWidth) == 1, (name, sheet.title)
        if sheet.title != "Dashboard":
            assert _fit(setup.fitToHeight) == 0, (name, sheet.title)  # as many pages tall as the rows need
            # the rows down to the first table's header (or the rows frozen on screen) repeat on every page
            headers = [int("".join(filter(str.isdigit, table.ref.split(":")[0]))) for table in sheet.tables.values()]
            frozen = sheet.freeze_panes and int("".join(filter(str.isdigit, sheet.freeze_panes))) - 1
            if not headers and not frozen:
                assert sheet.max_row <= ROWS_A_PAGE, f"{name} {sheet.title}: a long sheet with no header to repeat"
                continue
            assert sheet.print_title_rows == f"$1:${frozen or min(headers)}", (name, sheet.title)
            assert not headers or min(headers) <= (frozen or 0), f"{name} {sheet.title}: its header is not repeated"


@pytest.mark.parametrize("name", PRINTED_OUTPUTS)
def test_no_sheet_prints_more_pages_than_its_rows_need(printed, name):
    """Fitted to the width, a sheet's pages grow with its rows only: no column runs onto pages of its own (a wide
    table once printed its labels on page 1 and its values on page 2: 210 pages for portfolio.xlsx)."""
    demo, pages = printed
    workbook = openpyxl.load_workbook(demo / name)
    assert set(pages[name]) == set(workbook.sheetnames)
    for sheet in workbook.worksheets:
        if sheet.title == "Dashboard":
            continue
        assert pages[name][sheet.title] <= math.ceil(sheet.max_row / ROWS_A_PAGE), (name, sheet.title)


def test_portfolio_pages_are_bounded_by_its_rows(printed):
    """50 projects: the Dashboard page, Status, History, Milestones, RAID and the rest at a few pages each, and
    Resources as a plan (a row per project and role, a column per month: about 150 rows, where its 1,596
    role-months printed on 50 pages): under 40 in all, from 210 before the print setup and 70 before the plan."""
    demo, pages = printed
    workbook = openpyxl.load_workbook(demo / "portfolio.xlsx", read_only=True)
    rows = sum(sheet.max_row for sheet in workbook.worksheets if sheet.title != "Dashboard")
    assert sum(pages["portfolio.xlsx"].values()) <= 1 + math.ceil(rows / ROWS_A_PAGE) + len(workbook.sheetnames)
    assert sum(pages["portfolio.xlsx"].values()) <= 40
    resources = workbook["Resources"]
    header = [cell.value for cell in next(resources.iter_rows(max_row=1))]
    assert header[:4] == ["project_id", "period", "role", "person"] and all(is_month(h) for h in header[4:]), header
    assert len(header) >= 10 and pages["portfolio.xlsx"]["Resources"] <= 6


def test_the_capacity_heatmap_prints_every_month_on_one_page(printed):
    demo, pages = printed
    heatmap = openpyxl.load_workbook(demo / "capacity_plan.xlsx")["Heatmap"]
    assert heatmap.max_column >= 13  # the role and twelve months
    assert pages["capacity_plan.xlsx"]["Heatmap"] == 1


def test_ratios_print_as_percentages_and_value_per_cost_with_three_places(printed):
    demo, _pages = printed
    selection = openpyxl.load_workbook(demo / "request_selection.xlsx")
    summary = {row[0].value: row[1] for row in selection["Summary"].iter_rows(min_row=3) if row[0].value}
    assert summary["Proven gap"].number_format == "0.0%"
    assert summary["Gap tolerance"].number_format == "0.0%"
    per_cost = next(cell for label, cell in summary.items() if str(label).endswith("per unit of cost"))
    assert per_cost.number_format == "0.000"
    constraints = selection["Constraints"]
    header = [cell.value for cell in constraints[1]]
    assert constraints.cell(2, header.index("utilisation") + 1).number_format == "0.0%"
    model = openpyxl.load_workbook(demo / "request_scores.xlsx")["Model"]
    header = [cell.value for cell in model[1]]
    assert model.cell(2, header.index("weight") + 1).number_format == "0.0%"


def test_the_selection_prints_whole_titles_and_wraps_its_reasons(printed):
    """A title column as wide as its longest title (it was as narrow as the shortest: 'Zero-trust ne'), and the
    long 'what would get it in' reasons wrapped in their column, on rows as tall as their lines, rather than
    running on across the page and shrinking the whole sheet to fit."""
    demo, _pages = printed
    sheet = openpyxl.load_workbook(demo / "request_selection.xlsx")["Selection"]
    header_row = next(row for row in sheet.iter_rows(max_row=5) if row[0].value == "request_id")
    header = {cell.value: cell.column_letter for cell in header_row}
    body = range(header_row[0].row + 1, sheet.max_row + 1)
    titles = [str(sheet[f"{header['title']}{row}"].value or "") for row in body]
    assert sheet.column_dimensions[header["title"]].width >= max(map(len, titles))
    reasons = [(row, sheet[f"{header['what_would_get_it_in']}{row}"]) for row in body]
    long = [(row, cell) for row, cell in reasons if len(str(cell.value or "")) > 60]
    assert long, "the demo's selection has no long reason to wrap"
    for row, cell in long:
        assert cell.alignment.wrap_text, cell.coordinate
        assert sheet.row_dimensions[row].height >= 30, cell.coordinate
