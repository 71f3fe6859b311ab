"""The Dashboard sheet: tables hold the dashboard's numbers, every chart series points at cells inside them,
text stays text, and LibreOffice opens the workbook."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter

from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.dashboard import build_dashboard
from pmo_xl.reporting.dashboard_sheet import (
    BLOCKS,
    TILE_ROWS,
    TILES,
    add_dashboard_sheet,
    dashboard_tables,
    empty_dashboard_tables,
)
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.portfolio_workbook import write_portfolio_with_dashboard
from pmo_xl.reporting.views import load_views
from tests.collect_builders import status_submission
from tests.libreoffice import convert

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheet")
    ledger_path = folder / "ledger.db"
    submissions = [
        status_submission("PRJ-1", "2026-10", dt.date(2026, 11, 2), token="1a"),
        status_submission("PRJ-1", "2026-11", dt.date(2026, 12, 2), token="1b", fields={"rag_overall": "Red"}),
        status_submission("PRJ-2", "2026-11", dt.date(2026, 12, 2), token="2b",
                          fields={"project_name": HOSTILE_NAME, "budget_current": 5000.0, "rag_overall": "Amber"}),
    ]  # fmt: skip
    with open_ledger(ledger_path, write=True) as ledger:
        for number, submission in enumerate(submissions):
            ledger.add_submission(submission, f"2026-12-0{number + 1}T09:00:00")
    views = load_views(ledger_path, today=dt.date(2026, 12, 10))
    dashboard = build_dashboard(views, read_item_history(ledger_path, views))
    path = write_portfolio_with_dashboard(views, dashboard, folder / "portfolio.xlsx")
    return path, dashboard


def _range(reference: str) -> tuple[str, int, int, int, int]:
    """'Dashboard!$B$6:$B$9' -> (sheet, first column, first row, last column, last row), 1-based."""
    sheet, cells = reference.rsplit("!", 1)
    parts = [re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", part).groups() for part in cells.split(":")]
    (first_col, first_row), (last_col, last_row) = parts[0], parts[-1]
    return sheet.strip("'"), _column(first_col), int(first_row), _column(last_col), int(last_row)


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _dashboard_tables(archive: zipfile.ZipFile) -> dict[str, tuple[int, int, int, int]]:
    """Table name -> (first col, first row, last col, last row) for the tables on the Dashboard sheet."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first_sheet = workbook.find("m:sheets/m:sheet", NS)
    assert first_sheet.get("name") == "Dashboard"
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == first_sheet.get(f"{{{NS['r']}}}id"))
    sheet_rels = ElementTree.fromstring(archive.read(f"xl/worksheets/_rels/{target.rsplit('/', 1)[-1]}.rels"))
    tables = {}
    for relationship in sheet_rels:
        if relationship.get("Type").endswith("/table"):
            table = ElementTree.fromstring(archive.read("xl/tables/" + relationship.get("Target").rsplit("/", 1)[-1]))
            _sheet, c1, r1, c2, r2 = _range("X!" + table.get("ref"))
            tables[table.get("name")] = (c1, r1, c2, r2)
    return tables


def test_every_chart_series_points_at_cells_of_a_dashboard_table(written):
    path, _dashboard = written
    with zipfile.ZipFile(path) as archive:
        tables = _dashboard_tables(archive)
        charts = [name for name in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]
        assert len(charts) == sum(1 for block in BLOCKS if block.chart)
        references = []
        for chart in charts:
            root = ElementTree.fromstring(archive.read(chart))
            references += [f.text for f in root.iter(f"{{{NS['c']}}}f")]
    assert set(tables) == {block.table for block in BLOCKS}
    assert len(references) > 30
    for reference in references:
        sheet, c1, r1, c2, r2 = _range(reference)
        assert sheet == "Dashboard", reference
        assert any(
            t_c1 <= c1 and c2 <= t_c2 and t_r1 <= r1 and r2 <= t_r2 for t_c1, t_r1, t_c2, t_r2 in tables.values()
        ), f"{reference} lies outside every Dashboard table"


def test_tables_hold_the_dashboard_numbers_and_text_stays_text(written):
    path, _dashboard = written
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == "Dashboard"
    assert {"Status", "History", "RAID", "Submissions"} <= set(workbook.sheetnames)
    sheet = workbook["Dashboard"]
    ref = sheet.tables["DashRag"].ref
    rows = [[cell.value for cell in row] for row in sheet[ref]]
    assert rows[0] == ["RAG", "Projects", "Budget", "Amounts in", "Share of projects", "Share of budget"]
    by_rag = {row[0]: row[1:] for row in rows[1:]}
    assert by_rag["Red"][:3] == [1, 800.0, "k EUR"]
    assert by_rag["Amber"][:3] == [1, 5000.0, "k EUR"]
    assert by_rag["Amber"][4] == pytest.approx(5000 / 5800)
    budget_ref = sheet.tables["DashBudget"].ref
    cells = [cell for row in sheet[budget_ref] for cell in row if cell.value == HOSTILE_NAME]
    assert cells and all(cell.data_type == "s" for cell in cells)
    trend = [[cell.value for cell in row] for row in sheet[sheet.tables["DashTrend"].ref]]
    assert trend[1][:4] == ["2026-10", 1, 0, 0] and trend[2][:4] == ["2026-11", 0, 1, 1]
    assert len(trend) == 1 + next(block.rows for block in BLOCKS if block.table == "DashTrend")


def test_tables_have_fixed_sizes_so_a_refresh_keeps_the_charts_right(written):
    _path, dashboard = written
    filled, empty = dashboard_tables(dashboard), empty_dashboard_tables()
    for block in BLOCKS:
        assert filled[block.table].shape == empty[block.table].shape == (block.rows, len(block.columns))
        assert list(filled[block.table].columns) == list(empty[block.table].columns)


def test_blank_dashboard_for_the_pmo_workbook(tmp_path):
    """pmo_workbook.xlsm's builder fills its own Dashboard sheet; without data the blocks are blank but whole."""
    path = tmp_path / "blank.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Dashboard")
    add_dashboard_sheet(workbook, None, sheet)
    workbook.close()
    loaded = openpyxl.load_workbook(path)
    assert set(loaded["Dashboard"].tables) == {block.table for block in BLOCKS}


def test_libreoffice_opens_the_dashboard_workbook(written, tmp_path):
    path, _dashboard = written
    reopened = convert(path, "xlsx", tmp_path / "lo")
    sheet = openpyxl.load_workbook(reopened)["Dashboard"]
    assert sheet["B1"].value.startswith("Portfolio dashboard, 2026-11")
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Share of budget" in values and HOSTILE_NAME in values
    # The KPI tiles, as LibreOffice works them out from the Headline table (formulas, so a refresh keeps them):
    # each equals its Headline figure (the not-reporting tile the sum of late, returned, stale and never reported).
    computed = openpyxl.load_workbook(reopened, data_only=True)["Dashboard"]
    headline = dict(zip(_dashboard.headline["measure"], _dashboard.headline["value"], strict=True))
    tiles = {computed.cell(TILE_ROWS[1] + 1, first + 1).value: computed.cell(TILE_ROWS[0] + 1, first + 1).value
             for _label, _rows, first, _last in TILES}  # fmt: skip
    not_reporting = sum(headline[m] for m in ("Reports late", "Returned for correction",
                                              "Stale (latest report for an earlier period)", "Never reported"))  # fmt: skip
    assert tiles == {
        "Active projects": headline["Active projects"],
        "Projects at Red (declared by the PM)": headline["Projects at Red"],
        "Budget": headline["Budget"],
        "Forecast at completion": headline["Forecast at completion"],
        "Not reporting on time: late, returned, stale, never": not_reporting,
        "Key milestones slipping": headline["Key milestones slipping"],
    }
    assert tiles["Budget"] == 5800.0 and tiles["Active projects"] == 2
    pdf = convert(path, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


def test_refresh_dashboard_fills_the_blank_tables_of_the_pmo_workbook(written, tmp_path):
    """What the ribbon's Refresh dashboard does: the refreshed tables fit the blank ones exactly."""
    from macros.adapter import FileBook
    from pmo_xl.reporting.dashboard_sheet import refresh_dashboard_tables

    path = tmp_path / "pmo.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    add_dashboard_sheet(workbook, None, workbook.add_worksheet("Dashboard"))
    workbook.close()
    ledger = written[0].parent / "ledger.db"
    book = FileBook(path)
    for name, frame in refresh_dashboard_tables(ledger).items():
        book.write_table(name, frame)
    book.commit()
    sheet = openpyxl.load_workbook(path)["Dashboard"]
    for block in BLOCKS:
        first, last = sheet.tables[block.table].ref.split(":")
        assert int(re.sub(r"\D", "", last)) - int(re.sub(r"\D", "", first)) == block.rows
    rag = {row[0].value: row[1].value for row in sheet[sheet.tables["DashRag"].ref]}
    assert (rag["Red"], rag["Amber"], rag["Green"]) == (1, 1, 0)


def _chart_ranges(path, title: str) -> list[tuple[str, int, int, int, int]]:
    """Every range the chart titled `title` reads, parsed."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                root = ElementTree.fromstring(archive.read(name))
                texts = "".join(
                    t.text or "" for t in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}t")
                )
                if texts == title:
                    return [_range(f.text) for f in root.iter(f"{{{NS['c']}}}f")]
    raise AssertionError(f"no chart titled {title!r} in {path}")


def test_charts_of_a_written_dashboard_plot_only_the_rows_filled(written, tmp_path):
    path, _dashboard = written
    ranges = _chart_ranges(path, "RAG trend across periods")
    categories = [r for r in ranges if r[1] == r[3] and r[2] != r[4]]
    # two periods in the ledger: two columns in the chart, not two and ten empty slots
    assert categories and all(r[4] - r[2] + 1 == 2 for r in categories)
    blank = tmp_path / "blank.xlsx"
    workbook = xlsxwriter.Workbook(str(blank))
    add_dashboard_sheet(workbook, None, workbook.add_worksheet("Dashboard"))
    workbook.close()
    trend_rows = next(block.rows for block in BLOCKS if block.table == "DashTrend")
    blank_categories = [r for r in _chart_ranges(blank, "RAG trend across periods") if r[1] == r[3] and r[2] != r[4]]
    # the PMO workbook's charts point at the whole table, for the ribbon's Refresh to fill
    assert blank_categories and all(r[4] - r[2] + 1 == trend_rows for r in blank_categories)


def test_printed_the_summary_blocks_and_their_charts_make_one_landscape_page(written):
    from pmo_xl.reporting.dashboard_sheet import PRINTED, block_positions, print_area

    path, _dashboard = written
    sheet = openpyxl.load_workbook(path)["Dashboard"]
    assert sheet.page_setup.orientation == "landscape"
    fit = (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight)
    assert tuple(1 if pages is None else pages for pages in fit) == (1, 1)  # absent means 1 (ECMA-376)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    _first_row, _first_column, last_row, last_column = print_area()
    assert str(sheet.print_area).endswith(f"{last_row + 1}")
    positions = block_positions()
    for number, block in enumerate(BLOCKS):
        header = positions[block.table][0]
        inside = header + block.rows <= last_row
        # the summary blocks are printed whole; the detail lists under them are left out of the page
        assert inside == (number < PRINTED), block.table
    with zipfile.ZipFile(path) as archive:
        drawing = ElementTree.fromstring(archive.read("xl/drawings/drawing1.xml"))
    xdr = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
    anchors = [(int(a.find(f"{xdr}from/{xdr}row").text), int(a.find(f"{xdr}from/{xdr}col").text),
                int(a.find(f"{xdr}to/{xdr}col").text)) for a in drawing.iter(f"{xdr}twoCellAnchor")]  # fmt: skip
    for block in BLOCKS:
        if block.chart is None:
            continue
        header, left = positions[block.table]
        _row, first, _last = next(anchor for anchor in anchors if anchor[0] == header - 1)
        assert first == left + len(block.columns), f"{block.table}: its chart is not beside its table"
    assert all(last <= last_column for top, _first, last in anchors if top < last_row)
