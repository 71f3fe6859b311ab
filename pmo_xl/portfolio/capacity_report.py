"""The capacity plan as a formatted workbook: heatmap, demand-vs-capacity chart, over-allocation, dropped demand, what-if.

XlsxWriter, because the output is a new file and it writes native charts, tables and conditional formatting that
Excel and LibreOffice both render. The heatmap colours are conditional formats that read two threshold cells
(defined names `AmberFrom` and `RedAbove`), so a PMO analyst can retune or restyle them in Excel without Python.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pmo_xl.errors import OutputError
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.excel.printing import print_like_screen
from pmo_xl.portfolio.capacity import DEMAND_LINE_LABELS, DEMAND_LINES, CapacityPlan, ScenarioComparison

NO_CAPACITY = "no capacity"
# Never let a role, person or project name become a formula, a number or a link: every user string is text.
_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
}
_RED, _AMBER, _GREEN = "#F8696B", "#FFD966", "#A9D08E"
_LINE_COLOURS = {"committed": "#2F5597", "weighted": "#ED7D31", "all_pending": "#A5A5A5"}


def write_capacity_workbook(
    plan: CapacityPlan,
    path: Path | str,
    *,
    comparison: ScenarioComparison | None = None,
    force: bool = False,
) -> Path:
    """Write the plan (and the what-if, when given) to `path` atomically. Refuses to replace a file unless `force`."""

    def build(workbook: xlsxwriter.Workbook) -> None:
        _Report(workbook, plan, comparison).write()

    return write_atomically(Path(path), build, force=force)


def write_atomically(path: Path, build: Callable[[xlsxwriter.Workbook], None], *, force: bool) -> Path:
    """Build the workbook in memory, then hand it to the shared atomic writer (temporary file beside `path`, then
    os.replace, retried while Excel or OneDrive holds the old file): a reader never sees half a workbook."""
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; use --force to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"{path.parent} is not a folder; create it first")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {**_WORKBOOK_OPTIONS, "in_memory": True})
    build(workbook)
    print_like_screen(workbook)
    workbook.close()
    return write_bytes_atomic(path, buffer.getvalue())


class _Report:
    def __init__(self, workbook: xlsxwriter.Workbook, plan: CapacityPlan, comparison: ScenarioComparison | None):
        self.workbook = workbook
        self.plan = plan
        self.comparison = comparison
        self.settings = plan.settings
        add = workbook.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.note = add({"italic": True, "font_color": "#595959"})
        self.header = add({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"})
        self.percent = add({"num_format": "0%", "align": "center", "border": 1})
        self.text_cell = add({"align": "center", "border": 1})
        self.threshold = add({"num_format": "0%", "bg_color": "#FFF2CC", "border": 1})
        self.fte = add({"num_format": "0.00"})
        self.percent_plain = add({"num_format": "0%"})
        self.red = add({"bg_color": _RED})
        self.amber = add({"bg_color": _AMBER})
        self.green = add({"bg_color": _GREEN})

    def write(self) -> None:
        self.workbook.set_properties(
            {"title": f"Capacity plan from {self.plan.current_period}", "subject": "Demand against capacity"}
        )
        self._heatmap_sheet()
        self._totals_sheet()
        self._over_allocation_sheet("Over-allocation", "OverAllocation", self.plan)
        self._dropped_sheet()
        self._by_role_sheet()
        if self.comparison is not None:
            self._what_if_sheet(self.comparison)
        self._settings_sheet()

    # -- heatmap ---------------------------------------------------------------------------------------------------

    def _heatmap_sheet(self) -> None:
        sheet = self.workbook.add_worksheet("Heatmap")
        plan = self.plan
        sheet.write_string(0, 0, "Capacity plan: utilisation by role and month", self.title)
        sheet.write_string(
            1,
            0,
            f"Demand line: {DEMAND_LINE_LABELS[self.settings.assessed_line]}. Current period {plan.current_period}, "
            f"{len(plan.months)} months. Utilisation = demand / net productive capacity.",
            self.note,
        )
        sheet.write_string(2, 0, "Amber from", self.bold)
        sheet.write_number(2, 1, self.settings.amber_from, self.threshold)
        sheet.write_string(3, 0, "Red above", self.bold)
        sheet.write_number(3, 1, self.settings.red_above, self.threshold)
        sheet.write_string(2, 2, "Change these two cells to recolour every heatmap in this workbook.", self.note)
        self.workbook.define_name("AmberFrom", "=Heatmap!$B$3")
        self.workbook.define_name("RedAbove", "=Heatmap!$B$4")
        self._heatmap_block(sheet, 5, 0, plan, "Role")
        sheet.freeze_panes(6, 1)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, len(plan.months), 9)

    def _heatmap_block(self, sheet, top: int, left: int, plan: CapacityPlan, corner: str) -> None:
        utilisation = plan.utilisation
        sheet.write_string(top, left, corner, self.header)
        for offset, month in enumerate(plan.months):
            sheet.write_string(top, left + 1 + offset, month, self.header)
        for row, role in enumerate(utilisation.index, start=top + 1):
            sheet.write_string(row, left, role, self.bold)
            for column, value in enumerate(utilisation.loc[role].to_numpy(), start=left + 1):
                if math.isinf(value):
                    sheet.write_string(row, column, NO_CAPACITY, self.text_cell)
                elif math.isnan(value):
                    sheet.write_blank(row, column, None, self.text_cell)
                else:
                    sheet.write_number(row, column, float(value), self.percent)
        if not len(utilisation.index):
            return
        first_row, first_column = top + 1, left + 1
        last_row, last_column = top + len(utilisation.index), left + len(plan.months)
        anchor = xl_rowcol_to_cell(first_row, first_column)
        rules = [
            {"type": "text", "criteria": "containing", "value": NO_CAPACITY, "format": self.red},
            {"type": "formula", "criteria": f"=AND(ISNUMBER({anchor}),{anchor}>RedAbove)", "format": self.red},
            {"type": "formula", "criteria": f"=AND(ISNUMBER({anchor}),{anchor}>=AmberFrom)", "format": self.amber},
            {"type": "formula", "criteria": f"=ISNUMBER({anchor})", "format": self.green},
        ]
        for rule in rules:
            sheet.conditional_format(first_row, first_column, last_row, last_column, {**rule, "stop_if_true": True})

    # -- totals and chart ------------------------------------------------------------------------------------------

    def _totals_sheet(self) -> None:
        sheet = self.workbook.add_worksheet("Demand vs capacity")
        totals = self.plan.totals()
        headers = ["Month", "Capacity (FTE)", *(DEMAND_LINE_LABELS[line] for line in DEMAND_LINES)]
        self._table(sheet, 0, "CapacityTotals", headers, totals.itertuples(index=False), [None] + [self.fte] * 4)
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 4, 16)
        last = len(totals)
        if last == 0:
            return
        chart = self.workbook.add_chart({"type": "line"})
        name = "'Demand vs capacity'"
        chart.add_series(
            {
                "name": [sheet.name, 0, 1],
                "categories": f"={name}!$A$2:$A${last + 1}",
                "values": f"={name}!$B$2:$B${last + 1}",
                "line": {"color": "#000000", "width": 2.75, "dash_type": "dash"},
            }
        )
        for column, line in enumerate(DEMAND_LINES, start=2):
            chart.add_series(
                {
                    "name": [sheet.name, 0, column],
                    "categories": [sheet.name, 1, 0, last, 0],
                    "values": [sheet.name, 1, column, last, column],
                    "line": {"color": _LINE_COLOURS[line], "width": 2.25},
                    "marker": {"type": "circle", "size": 4, "fill": {"color": _LINE_COLOURS[line]}},
                }
            )
        chart.set_title({"name": "Demand against net capacity, all roles (FTE)"})
        chart.set_y_axis({"name": "FTE", "min": 0, "major_gridlines": {"visible": True}})
        chart.set_x_axis({"name": "Month"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 760, "height": 380})
        sheet.insert_chart(1, 6, chart)

    # -- lists -----------------------------------------------------------------------------------------------------

    def _over_allocation_sheet(self, sheet_name: str, table_name: str, plan: CapacityPlan) -> None:
        sheet = self.workbook.add_worksheet(sheet_name)
        over = plan.over_allocations
        headers = [
            "Level",
            "Role",
            "Person",
            "Month",
            "Demand (FTE)",
            "Capacity (FTE)",
            "Shortfall (FTE)",
            "Utilisation",
            "Contributing (FTE each)",
        ]
        formats = [None, None, None, None, self.fte, self.fte, self.fte, self.percent_plain, None]
        self._table(sheet, 0, table_name, headers, over.itertuples(index=False), formats)
        sheet.set_column(0, 0, 8)
        sheet.set_column(1, 2, 18)
        sheet.set_column(3, 7, 12)
        sheet.set_column(8, 8, 60)
        if not len(over):
            sheet.write_string(2, 0, "No role or named person is over-allocated in the horizon.", self.note)

    def _dropped_sheet(self) -> None:
        sheet = self.workbook.add_worksheet("Dropped demand")
        dropped = self.plan.dropped
        headers = ["Kind", "Project or request", "Name", "Why it does not count", "FTE-months dropped"]
        self._table(
            sheet, 0, "DroppedDemand", headers, dropped.itertuples(index=False), [None, None, None, None, self.fte]
        )
        sheet.set_column(0, 1, 16)
        sheet.set_column(2, 2, 28)
        sheet.set_column(3, 3, 60)
        sheet.set_column(4, 4, 14)

    def _by_role_sheet(self) -> None:
        sheet = self.workbook.add_worksheet("By role")
        lines = self.plan.lines()
        headers = [
            "Role",
            "Month",
            "Capacity (FTE)",
            "Committed (FTE)",
            "Committed + weighted (FTE)",
            "Committed + all pending (FTE)",
            "Utilisation",
        ]
        formats = [None, None, self.fte, self.fte, self.fte, self.fte, self.percent_plain]
        self._table(sheet, 0, "CapacityByRole", headers, lines.itertuples(index=False), formats)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 6, 14)

    def _what_if_sheet(self, comparison: ScenarioComparison) -> None:
        sheet = self.workbook.add_worksheet("What-if")
        sheet.write_string(0, 0, f"What-if: {comparison.scenario.name}", self.title)
        sheet.write_string(
            1, 0, "Computed on copies: the portfolio, the pipeline and the Capacity table are unchanged.", self.note
        )
        row = 3
        for change in comparison.scenario.describe() or ["(no changes)"]:
            sheet.write_string(row, 0, change)
            row += 1
        row += 1
        summary = comparison.summary()
        self._table(
            sheet,
            row,
            "WhatIfSummary",
            ["Measure", "Before", "After", "Change"],
            summary.itertuples(index=False),
            [None, self.fte, self.fte, self.fte],
        )
        row += len(summary) + 3
        width = len(self.plan.months) + 1
        sheet.write_string(row, 0, "Before", self.title)
        sheet.write_string(row, width + 1, "After", self.title)
        self._heatmap_block(sheet, row + 1, 0, comparison.before, "Role")
        self._heatmap_block(sheet, row + 1, width + 1, comparison.after, "Role")
        row += max(len(comparison.before.roles), len(comparison.after.roles)) + 4
        sheet.write_string(row, 0, "Over-allocation after the what-if", self.bold)
        over = comparison.after.over_allocations
        headers = ["Level", "Role", "Person", "Month", "Demand (FTE)", "Capacity (FTE)", "Shortfall (FTE)"]
        headers += ["Utilisation", "Contributing (FTE each)"]
        formats = [None, None, None, None, self.fte, self.fte, self.fte, self.percent_plain, None]
        self._table(sheet, row + 1, "WhatIfOverAllocation", headers, over.itertuples(index=False), formats)
        sheet.set_column(0, 0, 26)
        sheet.set_column(1, 2 * width + 1, 9)

    def _settings_sheet(self) -> None:
        sheet = self.workbook.add_worksheet("Settings")
        settings = self.settings
        rows = [
            ("Current period", self.plan.current_period),
            ("Horizon (months)", settings.horizon_months),
            ("Demand line assessed", DEMAND_LINE_LABELS[settings.assessed_line]),
            ("Working days per month", settings.working_days_per_month),
            ("Hours per FTE day", settings.hours_per_fte_day),
            ("Default productive ratio", settings.default_productive_ratio),
            ("Stale after (periods without a report)", settings.stale_after_periods),
            ("Amber from (utilisation)", settings.amber_from),
            ("Red above (utilisation)", settings.red_above),
            *((f"Probability: stage '{stage}'", probability) for stage, probability in settings.stage_probabilities),
        ]
        self._table(sheet, 0, "CapacitySettings", ["Setting", "Value"], rows, [None, None])
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 44)

    # -- one Excel table -------------------------------------------------------------------------------------------

    def _table(self, sheet, top: int, name: str, headers: list[str], records, formats: list) -> None:
        """An Excel table written cell by cell: add_table(data=...) would turn '=...' strings into formulas.
        A table at the top of its sheet keeps its header in view, and repeats it on each printed page."""
        if top == 0:
            sheet.freeze_panes(1, 0)
        count = 0
        for count, record in enumerate(records, start=1):
            for column, (value, cell_format) in enumerate(zip(record, formats, strict=True)):
                self._write_value(sheet, top + count, column, value, cell_format)
        last_row = top + max(count, 1)
        if count == 0:
            for column in range(len(headers)):
                sheet.write_blank(top + 1, column, None)
        sheet.add_table(
            top,
            0,
            last_row,
            len(headers) - 1,
            {
                "name": name,
                "columns": [{"header": header, "header_format": self.header} for header in headers],
                "style": "Table Style Light 9",
            },
        )

    def _write_value(self, sheet, row: int, column: int, value, cell_format) -> None:
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            sheet.write_blank(row, column, None, cell_format)
        elif isinstance(value, float) and math.isinf(value):
            sheet.write_string(row, column, NO_CAPACITY, cell_format)
        elif isinstance(value, bool):
            sheet.write_string(row, column, str(value))
        elif isinstance(value, int | float) or pd.api.types.is_number(value):
            sheet.write_number(row, column, float(value), cell_format)
        else:
            sheet.write_string(row, column, str(value), cell_format)
