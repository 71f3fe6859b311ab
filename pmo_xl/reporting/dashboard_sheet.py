"""The Dashboard sheet: one Excel table per dashboard block and native charts that point at those tables' cells.

Every block has a fixed number of rows (padded with blank rows), so each chart's ranges stay right whenever the
tables are refreshed with new figures by the ribbon's Refresh dashboard writing `dashboard_tables(...)` into the
tables of pmo_workbook.xlsm. A sheet written with its figures (`pmo dashboard`, `pmo collect`, `pmo demo`) sizes
each chart to the rows filled, so the trend of three periods has no nine empty slots. The same `add_dashboard_sheet` builds the sheet in
portfolio.xlsx and in the PMO workbook, with XlsxWriter.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from pmo_xl.reporting.dashboard import NOT_REPORTED, RAGS, Dashboard
from pmo_xl.templates.catalog import VARIANCE_HEADER

SHEET = "Dashboard"
RAG_COLOURS = {"Green": "#3A9D5D", "Amber": "#F0A30A", "Red": "#D64541", NOT_REPORTED: "#A6A6A6"}
SERIES_COLOURS = ("#2F5597", "#ED7D31", "#A5A5A5", "#70AD47")
CHART_SIZE = (440, 200)  # pixels: beside its table, a chart as tall as a 10-row block
CHART_ROWS = 10  # the default rows a CHART_SIZE chart spans (20 px a row)
DETAIL_GAP = 3  # rows between the printed page and the detail lists under it: their heading and a blank row
# Widths for the widest text each column holds in any block: the headline's measures in B, project names and
# per-currency totals in C, budgets per currency in D and H ('1,200,000 EUR;'), risk descriptions and milestone
# names in E, the tracker's notes in G, risk proximity in J.
COLUMN_WIDTHS = (2, 34, 30, 16, 40, 13, 20, 16, 20, 20)
ROW_HEIGHT = 15


@dataclass(frozen=True)
class Chart:
    kind: str  # XlsxWriter chart type: column, bar, line, pie
    title: str
    series: tuple[str, ...]  # headers of the value columns, one series each
    subtype: str | None = None
    by_row: bool = False  # each row a series (categories: the series headers) instead of each column
    percent: bool = False
    category_columns: int = 1  # 2: the first two columns label each bar (role and month)


@dataclass(frozen=True)
class Block:
    table: str  # the Excel table's name
    title: str
    attribute: str  # the Dashboard field it shows
    columns: tuple[tuple[str, str], ...]  # (frame column, header)
    rows: int
    chart: Chart | None = None


_P = "percent"
# The first PRINTED blocks make the steering committee's page (the print area); the lists after them stay on the
# sheet for the screen, and print in full from their own sheets (Status, Milestones, RAID, Missing).
BLOCKS: tuple[Block, ...] = (
    Block("DashHeadline", "Headline", "headline",
          (("measure", "Measure"), ("value", "Value"), ("amounts_in", "Amounts in")), 12),
    Block("DashCurrency", "Budget per currency (amounts in different currencies are never added; the forecast and "
                          "variance are of the projects that give a forecast)", "currencies",
          (("amounts_in", "Amounts in"), ("projects", "Projects"), ("budget", "Budget"), ("forecast", "Forecast (EAC)"),
           ("variance", VARIANCE_HEADER), ("red_budget", "Budget at Red"),
           ("share_of_budget_at_red", "Share of budget at Red")), 5),
    Block("DashRag", "RAG: projects and budget", "rag",
          (("rag", "RAG"), ("projects", "Projects"), ("budget", "Budget"), ("amounts_in", "Amounts in"),
           ("share_of_projects", "Share of projects"), ("share_of_budget", "Share of budget")), 4,
          Chart("bar", "Share of projects and of budget by RAG", ("Share of projects", "Share of budget"),
                "percent_stacked", by_row=True, percent=True)),
    Block("DashTrend", "RAG trend (from the ledger)", "trend",
          (("period", "Period"), *((rag, rag) for rag in (*RAGS, NOT_REPORTED)), ("red_budget", "Budget at Red"),
           ("amounts_in", "Amounts in")), 12,
          Chart("column", "RAG trend across periods", (*RAGS, NOT_REPORTED), "stacked")),
    Block("DashStage", "Stage by RAG", "stage",
          (("stage", "Stage"), *((rag, rag) for rag in (*RAGS, NOT_REPORTED)), ("projects", "Projects"),
           ("budget", "Budget"), ("amounts_in", "Amounts in")), 5,
          Chart("column", "Projects by stage and RAG", (*RAGS, NOT_REPORTED), "stacked")),
    Block("DashCapacity", "Capacity hot spots (role-months over capacity)", "capacity_hot_spots",
          (("role", "Role"), ("month", "Month"), ("demand_fte", "Demand FTE"), ("capacity_fte", "Capacity FTE"),
           ("utilisation", "Utilisation"), ("shortfall_fte", "Shortfall FTE")), 15,
          Chart("bar", "Capacity hot spots: demand against capacity (FTE)", ("Demand FTE", "Capacity FTE"),
                category_columns=2)),
    Block("DashSubmissions", "Every project of the register, by its state for the period", "submission_states",
          (("state", "State"), ("projects", "Projects")), 9,
          Chart("pie", "Reports this period", ("Projects",))),
    Block("DashRagCheck", "Declared RAG against the PMO's rules", "rag_check",
          (("rag", "RAG"), ("declared", "Declared by PM"), ("derived", "Derived by rules")), 3,
          Chart("column", "Declared against derived RAG", ("Declared by PM", "Derived by rules"))),
    Block("DashMilestones", "Key milestones slipping against baseline", "slipping_milestones",
          (("project_id", "Project"), ("project_name", "Project name"), ("milestone_id", "Milestone ID"),
           ("milestone", "Milestone"), ("baseline_date", "Baseline"), ("forecast_date", "Forecast"),
           ("slip_days", "Slip (days)"), ("moved_this_period_days", "Moved this period (days)")), 15,
          Chart("bar", "Slip against baseline (days)", ("Slip (days)",))),
    Block("DashProgress", "Complete against budget spent and milestones met", "progress",
          (("project_id", "Project"), ("project_name", "Project name"), ("percent_complete", "% complete"),
           ("percent_budget_spent", "% budget spent"), ("percent_milestones_met", "% milestones met")), 15,
          Chart("bar", "% complete, % budget spent, % milestones met (largest budgets)",
                ("% complete", "% budget spent", "% milestones met"), percent=True)),
    Block("DashRisks", "Top risks and issues by severity and exposure", "top_risks",
          (("project_id", "Project"), ("id", "RAID ID"), ("type", "Type"), ("description", "Description"),
           ("owner", "Owner"), ("severity", "Severity"), ("financial_exposure", "Exposure"),
           ("amounts_in", "Amounts in"), ("proximity", "Proximity")), 15,
          Chart("bar", "Top risks: severity (1-25)", ("Severity",))),
    Block("DashBudget", "Budget against forecast (largest budgets)", "budget",
          (("project_id", "Project"), ("project_name", "Project name"), ("budget", "Budget"),
           ("forecast", "Forecast (EAC)"), ("actual_to_date", "Actual to date"), ("variance", VARIANCE_HEADER),
           ("amounts_in", "Amounts in"), ("variance_percent", "Variance %")), 15,
          Chart("bar", "Budget against forecast at completion", ("Budget", "Forecast (EAC)"))),
    Block("DashOutstanding", "Active projects not reporting on time: late, returned, stale, never reported",
          "outstanding_reports",
          (("project_id", "Project"), ("project_name", "Project name"), ("project_manager", "Project manager"),
           ("state", "State"), ("latest_period", "Latest report"), ("due_date", "Due"), ("note", "Note")), 15),
)  # fmt: skip
PRINTED = 7

_PERCENT_HEADERS = {"Share of projects", "Share of budget", "% complete", "% budget spent", "% milestones met",
                    "Utilisation", "Variance %", "Share of budget at Red"}  # fmt: skip
_MONEY_HEADERS = {"Budget", "Forecast (EAC)", "Actual to date", VARIANCE_HEADER, "Budget at Red", "Exposure"}
_DAYS_HEADERS = {"Slip (days)", "Moved this period (days)"}
_FTE_HEADERS = {"Demand FTE", "Capacity FTE", "Shortfall FTE"}
_COUNT_HEADERS = {*RAGS, NOT_REPORTED, "Projects", "Declared by PM", "Derived by rules", "Severity"}
# Headers over numbers are right-aligned, as the numbers under them are.
_NUMBER_HEADERS = {*_PERCENT_HEADERS, *_MONEY_HEADERS, *_DAYS_HEADERS, *_FTE_HEADERS, *_COUNT_HEADERS, "Value"}


def dashboard_tables(dashboard: Dashboard) -> dict[str, pd.DataFrame]:
    """Each block's table as it appears on the sheet: its headers, exactly `block.rows` rows (blank-padded)."""
    tables = {}
    for block in BLOCKS:
        source = getattr(dashboard, block.attribute)
        frame = source.reindex(columns=[column for column, _header in block.columns]).head(block.rows)
        frame = frame.astype(object).where(frame.notna(), None)
        frame.columns = [header for _column, header in block.columns]
        padding = pd.DataFrame([[None] * len(frame.columns)] * (block.rows - len(frame)), columns=frame.columns)
        tables[block.table] = pd.concat([frame, padding], ignore_index=True) if len(padding) else frame
    return tables


def empty_dashboard_tables() -> dict[str, pd.DataFrame]:
    """The blocks with headers and blank rows: the Dashboard sheet of a fresh pmo_workbook.xlsm."""
    return {
        block.table: pd.DataFrame([[None] * len(block.columns)] * block.rows, columns=[h for _c, h in block.columns])
        for block in BLOCKS
    }


def block_positions() -> dict[str, tuple[int, int]]:
    """(first row of the table's header, 0-based; column) of each block, the same in every workbook."""
    positions, row = {}, 4
    for number, block in enumerate(BLOCKS):
        if number == PRINTED:
            row += DETAIL_GAP
        positions[block.table] = (row + 1, 1)
        row += _block_height(block)
    return positions


def _block_height(block: Block) -> int:
    return max(block.rows + 3, CHART_ROWS + 2 if block.chart else 0)


def print_area() -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column), 0-based: the steering committee's page, one landscape
    page: the title and the PRINTED blocks with their charts."""
    last_block = BLOCKS[PRINTED - 1]
    last_row = block_positions()[last_block.table][0] - 1 + _block_height(last_block) - 2
    right = max(_chart_right_column(len(block.columns) + 1) if block.chart else len(block.columns)
                for block in BLOCKS[:PRINTED])  # fmt: skip
    return 0, 0, last_row, right


def _column_pixels(column: int) -> int:
    width = COLUMN_WIDTHS[column] if column < len(COLUMN_WIDTHS) else 8.43
    return int(width * 7 + 0.5) + 5


def _chart_right_column(anchor: int) -> int:
    """The last column a chart anchored at `anchor` (0-based) covers."""
    remaining, column = CHART_SIZE[0] + CHART_X_OFFSET, anchor
    while remaining > _column_pixels(column):
        remaining -= _column_pixels(column)
        column += 1
    return column


CHART_X_OFFSET = 8


# The KPI tiles over the blocks: (label, the Headline rows it adds up (1-based), first column, last column). Each
# tile is a formula over the Headline table's Value cells, so the ribbon's Refresh (which rewrites the tables) keeps
# them right; the written sheet carries their values too.
TILES: tuple[tuple[str, tuple[int, ...], int, int], ...] = (
    ("Active projects", (1,), 1, 1),
    ("Projects at Red (declared by the PM)", (5,), 2, 2),
    ("Budget", (3,), 3, 4),
    ("Forecast at completion", (4,), 5, 6),
    ("Not reporting on time: late, returned, stale, never", (9, 10, 11, 12), 7, 8),
    ("Key milestones slipping", (8,), 9, 9),
)
TILE_ROWS = (2, 3)  # the value's row and the label's, between the note and the first block


def _tiles(sheet, tables: dict[str, pd.DataFrame], formats: dict, forecast_cover: str = "") -> None:
    header, left = block_positions()["DashHeadline"]
    values = tables["DashHeadline"]["Value"].tolist()
    value_column = left + 1
    sheet.set_row(TILE_ROWS[0], 30)
    sheet.set_row(TILE_ROWS[1], 26)  # a label on two lines at most
    for label, rows, first, last in TILES:
        cells = [xl_rowcol_to_cell(header + row, value_column) for row in rows]
        formula = "=" + "+".join(cells)
        shown = [values[row - 1] for row in rows]
        if len(shown) > 1:
            number = sum(value for value in shown if isinstance(value, int | float))
        else:
            number = shown[0] if shown[0] is not None else ""
        tile = formats["tile_money"] if label in ("Budget", "Forecast at completion") else formats["tile"]
        if first != last:
            sheet.merge_range(TILE_ROWS[0], first, TILE_ROWS[0], last, "", tile)
            sheet.merge_range(TILE_ROWS[1], first, TILE_ROWS[1], last, "", formats["tile_label"])
        sheet.write_formula(TILE_ROWS[0], first, formula, tile, number)
        if label == "Forecast at completion" and forecast_cover:  # read against the budget beside it
            label = f"{label}: {forecast_cover}"
        sheet.write_string(TILE_ROWS[1], first, label, formats["tile_label"])


def add_dashboard_sheet(workbook, dashboard: Dashboard | None = None, worksheet=None, title: str = "") -> object:
    """Write the Dashboard (tables and charts) into an XlsxWriter `workbook`; a blank one without `dashboard`.

    `worksheet`: an existing sheet to fill (the PMO workbook's builder makes its sheets in its own order);
    otherwise a sheet named Dashboard is added.
    """
    sheet = worksheet if worksheet is not None else workbook.add_worksheet(SHEET)
    name = sheet.get_name()
    tables = dashboard_tables(dashboard) if dashboard is not None else empty_dashboard_tables()
    single_unit = dashboard.money_label if dashboard is not None and len(dashboard.currencies) == 1 else ""
    formats = _formats(workbook, dashboard.money.decimals if dashboard is not None else 0, single_unit)
    heading = title or (
        f"Portfolio dashboard, {dashboard.period} ({dashboard.scope})" if dashboard else "Portfolio dashboard"
    )
    sheet.write_string(0, 1, heading, formats["title"])
    note = "Figures from the ledger's counted submissions; charts read the tables below."
    if dashboard is not None:
        note += " " + money_note(dashboard)
    sheet.write_string(1, 1, note, formats["note"])
    for column, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(column, column, width)
    positions = block_positions()
    _tiles(sheet, tables, formats, dashboard.forecast_cover if dashboard is not None else "")
    for number, block in enumerate(BLOCKS):
        top, left = positions[block.table]
        if number == PRINTED:
            sheet.write_string(top - DETAIL_GAP, left, DETAIL_HEADING, formats["title"])
        frame = tables[block.table]
        sheet.write_string(top - 1, left, block.title, formats["block"])
        _write_table(sheet, block, frame, top, left, formats)
        if block.chart is not None:
            plotted = _filled_rows(frame) if dashboard is not None else block.rows
            chart = _chart(workbook, name, block, frame, top, left, plotted)
            # Beside its own table, not in a far column of its own: read together, printed together.
            sheet.insert_chart(top - 1, left + len(block.columns), chart, {"x_offset": CHART_X_OFFSET, "y_offset": 2})
    _rag_highlights(sheet, tables, positions, formats)
    sheet.hide_gridlines(2)
    # The steering committee's page: the summary blocks on one landscape A4 page.
    sheet.print_area(*print_area())
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 1)
    sheet.center_horizontally()
    sheet.set_margins(left=0.3, right=0.3, top=0.4, bottom=0.4)
    sheet.set_footer("&L&8&F, &A&R&8printed &D")
    return sheet


DETAIL_HEADING = "Detail lists (on screen; they print in full from the Status, Milestones, RAID and Missing sheets)"


def money_note(dashboard: Dashboard) -> str:
    """What the sheet and the report say about the money: its unit and currency, and that currencies stay apart."""
    if len(dashboard.currencies) > 1:
        return (
            f"Amounts in {dashboard.money_label}: totals are given per currency and never added across currencies. "
            "Variance = budget \u2212 EAC (negative = overspend)."
        )
    if dashboard.money_label:
        return f"Amounts in {dashboard.money_label}. Variance = budget \u2212 EAC (negative = overspend)."
    return ""


_TILE = {"bold": True, "font_size": 18, "font_color": "#1F3864", "bg_color": "#F2F2F2", "top": 5,
         "top_color": "#2F5597", "align": "left", "valign": "vcenter", "indent": 1}  # fmt: skip


def _formats(workbook, money_decimals: int = 0, money_unit: str = "") -> dict:
    """`money_unit`: the one unit every amount is in ('k EUR'), shown in each money cell; none for a portfolio in
    several currencies, whose rows each say theirs in 'Amounts in'."""
    money = "#,##0" + ("." + "0" * money_decimals if money_decimals else "")
    if money_unit:
        money += ' "' + money_unit.replace('"', "") + '"'
    return {
        "title": workbook.add_format({"bold": True, "font_size": 16}),
        "note": workbook.add_format({"italic": True, "font_color": "#595959"}),
        "block": workbook.add_format({"bold": True, "font_size": 12, "font_color": "#1F3864"}),
        "percent": workbook.add_format({"num_format": "0%"}),
        "days": workbook.add_format({"num_format": '#,##0 "d"'}),
        "fte": workbook.add_format({"num_format": '#,##0.0 "FTE"'}),
        # Money in the dashboard's unit: whole units, a tenth of a k, a hundredth of an m (as the report shows it).
        "money": workbook.add_format({"num_format": money}),
        "number": workbook.add_format({"num_format": "#,##0"}),  # counts
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        # indented: a text header never runs on from the right-aligned number header before it ("BudgetAmounts in")
        "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "align": "left", "indent": 1}),
        "unit": workbook.add_format({"font_size": 8, "font_color": "#7F7F7F", "align": "left", "indent": 1}),
        "header_first": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "header_number": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "align": "right"}),
        "wrap": workbook.add_format({"text_wrap": True}),
        # KPI tiles: a large figure on a light fill over its label, a blue rule on top
        "tile": workbook.add_format({**_TILE, "num_format": "#,##0"}),
        "tile_money": workbook.add_format({**_TILE, "num_format": money}),
        "tile_label": workbook.add_format(
            {
                "font_size": 9,
                "font_color": "#595959",
                "bg_color": "#F2F2F2",
                "text_wrap": True,
                "valign": "top",
                "align": "left",
                "indent": 1,
            }
        ),
        **{
            rag: workbook.add_format({"bg_color": colour, "font_color": "#FFFFFF"})
            for rag, colour in RAG_COLOURS.items()
        },
    }


def _write_table(sheet, block: Block, frame: pd.DataFrame, top: int, left: int, formats: dict) -> None:
    headers = list(frame.columns)
    # Long headers ("Variance (budget - EAC; negative = overspend)") wrap rather than hide behind the next one.
    columns = [
        {"header": header, "header_format": formats[_header_format(header, number == 0)]}
        for number, header in enumerate(headers)
    ]
    sheet.add_table(
        top, left, top + block.rows, left + len(headers) - 1,
        {"name": block.table, "style": "Table Style Light 9", "columns": columns},
    )  # fmt: skip
    header_lines = max(math.ceil(len(header) / COLUMN_WIDTHS[left + number]) for number, header in enumerate(headers))
    if header_lines > 1:
        sheet.set_row(top, header_lines * ROW_HEIGHT)
    for offset, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        lines = 1
        for column, (header, value) in enumerate(zip(headers, values, strict=True)):
            cell_format = _cell_format(block, header, values, formats)
            if isinstance(value, str) and cell_format is not None and header != "Amounts in":
                cell_format = formats["wrap"]  # a total per currency in words: a line each
                width = COLUMN_WIDTHS[left + column]
                lines = max(lines, min(value.count("; ") + 1, math.ceil(len(value) / width)))
            _write_cell(sheet, top + offset, left + column, value, cell_format, formats["date"])
        if lines > 1:
            # Set, not left to the reader: LibreOffice and printing do not grow rows for wrapped text.
            sheet.set_row(top + offset, lines * ROW_HEIGHT)


def _header_format(header: str, first: bool) -> str:
    """Over numbers, right-aligned as they are; over text, indented after the number before it (not the first)."""
    return "header_number" if header in _NUMBER_HEADERS else "header_first" if first else "header"


def _cell_format(block: Block, header: str, values: tuple, formats: dict):
    if header == "Amounts in":  # each row's unit, for whoever copies the table out: said quietly beside the figures
        return formats["unit"]
    if block.table == "DashHeadline" and header == "Value":
        if str(values[0]).startswith("Share"):
            return formats["percent"]
        return formats["money"] if values[2] else formats["number"]  # a money row says what its amounts are in
    if header in _PERCENT_HEADERS:
        return formats["percent"]
    if header in _MONEY_HEADERS:
        return formats["money"]
    if header in _DAYS_HEADERS:
        return formats["days"]
    if header in _FTE_HEADERS:
        return formats["fte"]
    return None


def _write_cell(sheet, row: int, column: int, value: object, cell_format, date_format) -> None:
    """Numbers as numbers, dates as dates, everything else as literal text: a user's '=...' never becomes a formula."""
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, cell_format)
    elif isinstance(value, dt.date):
        day = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        sheet.write_datetime(row, column, day, cell_format or date_format)
    elif isinstance(value, pd.Timestamp):
        _write_cell(sheet, row, column, value.to_pydatetime(), cell_format, date_format)
    elif hasattr(value, "item"):
        _write_cell(sheet, row, column, value.item(), cell_format, date_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)


def _filled_rows(frame: pd.DataFrame) -> int:
    """Rows up to the last one with a label: a chart of three periods shows three columns, not twelve slots."""
    labels = [value is not None and value != "" for value in frame.iloc[:, 0]]
    return max((index + 1 for index, filled in enumerate(labels) if filled), default=1)


def _chart(workbook, sheet_name: str, block: Block, frame: pd.DataFrame, top: int, left: int, rows: int):
    """A native chart over the first `rows` rows of the block's table. A blank PMO workbook plots every row, so
    that the ribbon's Refresh (which writes the tables, not the charts) fills charts that already point there."""
    spec = block.chart
    assert spec is not None
    options = {"type": spec.kind}
    if spec.subtype:
        options["subtype"] = spec.subtype
    chart = workbook.add_chart(options)
    headers = list(frame.columns)
    first, last = top + 1, top + rows
    if spec.by_row:
        value_columns = [left + headers.index(h) for h in spec.series]
        for offset, label in enumerate(frame.iloc[:rows, 0]):
            row = first + offset
            chart.add_series(
                {
                    "name": [sheet_name, row, left],
                    "categories": [sheet_name, top, value_columns[0], top, value_columns[-1]],
                    "values": [sheet_name, row, value_columns[0], row, value_columns[-1]],
                    "fill": {"color": RAG_COLOURS.get(str(label), SERIES_COLOURS[offset % len(SERIES_COLOURS)])},
                }
            )
    else:
        for number, header in enumerate(spec.series):
            column = left + headers.index(header)
            series = {
                "name": [sheet_name, top, column],
                "categories": [sheet_name, first, left, last, left + spec.category_columns - 1],
                "values": [sheet_name, first, column, last, column],
            }
            if spec.kind == "pie":
                series["points"] = [{"fill": {"color": colour}} for colour in
                                    ("#3A9D5D", "#F0A30A", "#D64541", "#A6A6A6")]  # fmt: skip
            else:
                colour = RAG_COLOURS.get(header, SERIES_COLOURS[number % len(SERIES_COLOURS)])
                series["fill"] = {"color": colour}
                if spec.kind == "line":
                    series["line"] = {"color": colour}
            chart.add_series(series)
    chart.set_title({"name": spec.title, "name_font": {"size": 11}})
    if spec.kind != "pie":
        axis = {"num_format": "0%"} if spec.percent else {}
        (chart.set_x_axis if spec.kind == "bar" else chart.set_y_axis)(axis)
        if spec.kind == "bar":
            chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    # as tall as its table's rows when they are more (15 hot spots' labels overlapped in 200 px)
    chart.set_size({"width": CHART_SIZE[0], "height": max(CHART_SIZE[1], (block.rows + 1) * 20)})
    return chart


def _rag_highlights(sheet, tables: dict[str, pd.DataFrame], positions: dict, formats: dict) -> None:
    """RAG words in the RAG columns get their colour, as conditional formats so a refresh keeps them right."""
    for block in BLOCKS:
        top, left = positions[block.table]
        for column, header in enumerate(tables[block.table].columns):
            if header not in ("RAG", "State") and header not in ("Declared", "Derived"):
                continue
            for rag in (*RAGS,):
                sheet.conditional_format(
                    top + 1, left + column, top + block.rows, left + column,
                    {"type": "cell", "criteria": "==", "value": f'"{rag}"', "format": formats[rag]},
                )  # fmt: skip


def refresh_dashboard_tables(
    ledger: Path | str,
    register: object | None = None,  # a register file, or records already read
    capacity: object | None = None,  # a Capacity file, or its frame
    settings_path: Path | str | None = None,
    settings: object | None = None,
    **filters,
) -> dict:
    """The ribbon's Refresh dashboard: the tables to write into pmo_workbook.xlsm's Dashboard (same fixed sizes).

    It takes what `export_report`'s ReportSource holds, so the workbook's Dashboard and its report show the same hot
    spots.
    Usage in macros/ribbon.py: `for name, frame in refresh_dashboard_tables(ledger).items(): book.write_table(...)`.
    """
    from pmo_xl.reporting.load import load_dashboard

    _inputs, dashboard = load_dashboard(
        ledger, register, settings_path=settings_path, capacity=capacity, settings=settings, **filters
    )
    return dashboard_tables(dashboard)
