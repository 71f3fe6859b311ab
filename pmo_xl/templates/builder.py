"""Lay a TemplateSchema out as a well-made Excel workbook.

Only the builder knows where things sit. It names every field cell (a workbook-scoped defined name) and makes
every repeating section an Excel table, so that everything downstream finds data by name and a PMO analyst can
restyle or move blocks in Excel without breaking anything.

XlsxWriter writes the file: it produces what Excel itself writes (tables, validations with input messages,
conditional formats, protection, custom properties), with fixed zip timestamps and full-calc-on-load, so a build
is reproducible byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from pmo_xl.excel.files import atomic_target, write_bytes_atomic
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.excel.sheet_xml import without_cached_results
from pmo_xl.periods import month_series
from pmo_xl.templates.checks import ROW_CHECK_KEY, applies_formula, blank_formula, failing_formula
from pmo_xl.templates.metadata import META_KEYS, META_SHEET, custom_property, meta_name
from pmo_xl.templates.schema import (
    INPUT_MESSAGE_LIMIT,
    INPUT_TITLE_LIMIT,
    VALUE_KINDS,
    Column,
    Field,
    Section,
    Table,
    TemplateSchema,
)
from pmo_xl.values import EARLIEST_YEAR, PLAUSIBLE_LIMIT

# The month series in a master template starts here; the generator rewrites headers for each reporting period.
MASTER_PERIOD = "2027-01"
# A fixed creation date keeps builds reproducible.
BUILD_DATE = dt.datetime(2026, 10, 1, 0, 0, 0)
# Sheet protection guards against accidents, it is not security: collect flags baseline edits regardless.
# Input rows left open below a sheet's only table, for items beyond its pre-sized rows (Excel cannot grow a table
# on a protected sheet).
ROWS_BELOW_TABLES = 40
PROTECTION_PASSWORD = "pmo"
LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"
# Last period's figures (Field.previous_of), stamped by the PMO at generation: hidden, protected.
PREVIOUS_SHEET = "Previous"
# The main sheet's Check column: beside each checked field, what the template's checks find (schema.Check).
CHECK_COLUMN = 5
CHECK_HEADER = "Check"
# A failed check's fill on the field it is about, and its words in the Check column: a red for what the PMO returns,
# an amber for what it accepts with a note (kept apart from the RAG colours by a dashed border).
CHECK_COLOURS = {"error": ("#F4B183", "#9C0006"), "warning": ("#FFC000", "#7F6000")}

NAVY = "#1F3864"
INPUT_FILL = "#FFF7D6"
LOCKED_FILL = "#EDEFF2"
BORDER_GREY = "#BFC5CE"
RAG_COLOURS = {"Green": ("#C6EFCE", "#006100"), "Amber": ("#FFEB9C", "#7F6000"), "Red": ("#FFC7CE", "#9C0006")}
RAG_MEANINGS = {
    "Green": "On track. No help needed.",
    "Amber": "At risk, but the team can recover it. Give the rationale and the path to green.",
    "Red": "Off track. Needs a management decision or help. Give the rationale and the path to green.",
}
NUMBER_FORMATS = {
    "integer": "0",
    "number": "#,##0.00",
    "percent": "0%",
    "currency": "#,##0",
    "date": "yyyy-mm-dd",
}


@dataclass
class _Formats:
    book: xlsxwriter.Workbook
    cache: dict[tuple, object] = field(default_factory=dict)

    def get(self, **properties) -> object:
        key = tuple(sorted(properties.items()))
        if key not in self.cache:
            base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
            self.cache[key] = self.book.add_format({**base, **properties})
        return self.cache[key]

    def value(self, field_type: str, locked: bool, multiline: bool = False) -> object:
        properties = {
            "locked": locked,
            "bg_color": LOCKED_FILL if locked else INPUT_FILL,
            "border": 1,
            "border_color": BORDER_GREY,
        }
        if field_type in NUMBER_FORMATS:
            properties["num_format"] = NUMBER_FORMATS[field_type]
        if multiline or field_type == "text":
            properties["text_wrap"] = True
        if field_type in ("choice", "rag", "date"):
            properties["align"] = "left"
        return self.get(**properties)


@dataclass
class _Lists:
    """Dropdown lists on the hidden Lists sheet, one column per distinct list, each behind a defined name.

    Every list lives there, not only long ones: Excel caps a list typed into a rule at 255 characters, and a PMO
    analyst extends a list in one place.
    """

    book: xlsxwriter.Workbook
    sheet: object
    names: dict[tuple[str, ...], str] = field(default_factory=dict)

    def source(self, key: str, values: tuple[str, ...], owner: str = "") -> str:
        if values not in self.names:
            column = len(self.names)
            name = f"list_{key}"
            if name in self.names.values():
                # Two lists under one key (a milestone's status is not a decision's): a defined name may exist
                # once only, or Excel repairs the file on open, so the later list takes its table's name too.
                name = f"list_{owner.lower()}_{key}"
            self.sheet.write_string(0, column, name, self.book.add_format({"bold": True}))
            for row, value in enumerate(values, start=1):
                self.sheet.write_string(row, column, value)
            letter = xl_col_to_name(column)
            self.book.define_name(name, f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}")
            self.names[values] = name
        return f"={self.names[values]}"


def _input_message(title: str, text: str) -> dict[str, str]:
    message = text if len(text) <= INPUT_MESSAGE_LIMIT else text[: INPUT_MESSAGE_LIMIT - 3] + "..."
    return {"input_title": title[:INPUT_TITLE_LIMIT], "input_message": message}


def _validation(
    kind: str, title: str, help_text: str, choices, minimum, maximum, lists: _Lists, key: str, owner: str = ""
) -> dict:
    """An Excel data validation for one field or column: a dropdown or range check plus its input message."""
    rule: dict[str, object] = {"validate": "any"}
    if choices:
        rule = {"validate": "list", "source": lists.source("rag" if kind == "rag" else key, tuple(choices), owner)}
    elif kind == "date":
        rule = {"validate": "date", "criteria": ">", "value": dt.date(EARLIEST_YEAR, 1, 1)}
    elif kind == "integer":
        rule = {"validate": "integer", "criteria": "between", "minimum": minimum or 0, "maximum": maximum or 10**9}
        if minimum is None:
            rule["minimum"] = -(10**9)
    elif kind in ("number", "currency", "percent"):
        # The same plausible range pmo_xl.values holds unbounded numbers to when it reads them back.
        low = -PLAUSIBLE_LIMIT if minimum is None else minimum
        high = PLAUSIBLE_LIMIT if maximum is None else maximum
        rule = {"validate": "decimal", "criteria": "between", "minimum": low, "maximum": high}
    elif kind == "text":
        rule = {"validate": "length", "criteria": "<=", "value": 32767}
    if rule["validate"] != "any":
        rule.update({"error_title": "Not a valid entry"[:INPUT_TITLE_LIMIT], "error_type": "stop"})
        rule["error_message"] = _error_message(kind, choices, minimum, maximum)
    rule.update(_input_message(title, help_text or title))
    return rule


def _guidance_only(title: str, help_text: str) -> dict:
    """An input message without a rule, for a locked or calculated cell: the PM still sees what it holds."""
    return {"validate": "any", **_input_message(title, help_text or title)}


# Id columns carry no help of their own in the schema; every id means the same to a PM.
ID_HELP = (
    "This row's stable ID, set by the template. Keep it: the PMO follows the item by its ID from period to period."
)


def _error_message(kind: str, choices, minimum, maximum) -> str:
    if choices:
        return "Pick a value from the dropdown list."
    if kind == "date":
        return "Type a date, e.g. 2026-12-03."
    if kind == "percent":
        return "Type a percentage between 0% and 100%, e.g. 65%."
    if kind == "text":
        return "Text is limited to 32,767 characters."
    bounds = []
    if minimum is not None:
        bounds.append(f"at least {minimum:g}")
    if maximum is not None:
        bounds.append(f"at most {maximum:g}")
    noun = "a whole number" if kind == "integer" else "a number"
    return f"Type {noun}{' ' + ' and '.join(bounds) if bounds else ''}."


def _quote_sheet(sheet: str) -> str:
    return f"'{sheet}'" if not sheet.isalnum() else sheet


def _absolute(sheet: str, row: int, column: int) -> str:
    return f"={_quote_sheet(sheet)}!{xl_rowcol_to_cell(row, column, row_abs=True, col_abs=True)}"


def _rag_conditional_formats(sheet, first_cell: str, cell_range: str, formats: _Formats) -> None:
    for value, (fill, font) in RAG_COLOURS.items():
        sheet.conditional_format(
            cell_range,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{value}"',
                "format": formats.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
            },
        )


class TemplateBuilder:
    def __init__(self, schema: TemplateSchema, path: Path):
        self.schema = schema
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
        self.book.set_properties(
            {
                "title": schema.title,
                "subject": f"PMO template {schema.template_id} v{schema.version}",
                "author": "PMO",
                "company": "",
                "comments": "Generated by pmo-xl from the declared template schema. Do not rename sheets' tables.",
                "created": BUILD_DATE,
            }
        )
        self.formats = _Formats(self.book)
        self.sheets: dict[str, object] = {}
        # Each counted field's (term, denominator) in the completeness %, and the checks' own.
        self.completeness: dict[str, tuple[str, str]] = {}
        self.completeness_checks: list[tuple[str, str]] = []
        self.field_cells: dict[str, tuple[int, int]] = {}  # a main-sheet field's row and column
        self.previous_fields: list[Field] = []

    # -- sheets -------------------------------------------------------------------------------------------------
    def _sheet(self, title: str):
        if title not in self.sheets:
            sheet = self.book.add_worksheet(title)
            sheet.hide_gridlines(2)
            sheet.set_column(0, 0, 2)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.fit_to_pages(1, 0)
            sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
            sheet.set_header(f'&L&"Calibri,Bold"{self.schema.title}&R&A')
            sheet.set_footer("&L&F&RPage &P of &N")
            sheet.set_default_row(15)
            self.sheets[title] = sheet
        return self.sheets[title]

    def _title(self, sheet, title: str, subtitle: str | None = None, subtitle_formula: str | None = None) -> None:
        sheet.set_row(0, 26)
        sheet.write_string(0, 1, title, self.formats.get(bold=True, font_size=16, font_color=NAVY, valign="vcenter"))
        style = self.formats.get(italic=True, font_color="#595959")
        if subtitle_formula:
            sheet.write_formula(1, 1, subtitle_formula, style, "")
        elif subtitle:
            sheet.write_string(1, 1, subtitle, style)

    def build(self) -> None:
        schema = self.schema
        instructions = self._sheet(INSTRUCTIONS_SHEET)
        main = self._sheet(schema.main_sheet)
        for table in (*schema.tables, *schema.stamped):
            self._sheet(table.sheet)
        lists = _Lists(self.book, self.book.add_worksheet(LISTS_SHEET))
        self._build_main(main, lists)
        by_sheet: dict[str, list[Table]] = {}
        for table in (*schema.tables, *schema.stamped):  # a stamped table below the PM's tables of its sheet
            by_sheet.setdefault(table.sheet, []).append(table)
        for sheet_title, tables in by_sheet.items():
            self._build_table_sheet(self._sheet(sheet_title), sheet_title, tables, lists)
        if self.previous_fields:
            self._build_previous(self._sheet(PREVIOUS_SHEET))
        self._build_instructions(instructions)
        self._build_metadata()
        lists.sheet.hide()
        lists.sheet.protect(PROTECTION_PASSWORD)
        main.activate()
        self.book.close()

    # -- the main sheet: sections of named fields --------------------------------------------------------------
    def _build_main(self, sheet, lists: _Lists) -> None:
        schema = self.schema
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 2, 18)
        sheet.set_column(3, 4, 46)
        if schema.checks:
            sheet.set_column(CHECK_COLUMN, CHECK_COLUMN, 30)
        self._title(
            sheet,
            schema.title,
            subtitle_formula='=IF(project_id="","A blank master: the PMO generates one copy per project",'
            'project_name&"  ("&project_id&")   period "&reporting_period)',
        )
        label = "Completeness, with checks" if schema.checks else "Completeness of required fields"
        sheet.write_string(2, 1, label, self.formats.get(bold=True))
        row = 4
        for section in schema.sections:
            row = self._section(sheet, section, row, lists) + 1
        self._checks(sheet)
        counted = [*self.completeness.values(), *self.completeness_checks]
        numerator = "+".join(term for term, _ in counted)
        denominator = "+".join(weight for _, weight in counted)
        sheet.write_formula(
            2,
            2,
            f"=({numerator})/({denominator})",
            self.formats.get(bold=True, num_format="0%", align="left", font_size=12, font_color=NAVY),
            0,
        )
        self.book.define_name("completeness", _absolute(schema.main_sheet, 2, 2))
        sheet.conditional_format(
            2,
            2,
            2,
            2,
            {
                "type": "data_bar",
                "bar_color": "#8EA9DB",
                "min_type": "num",
                "min_value": 0,
                "max_type": "num",
                "max_value": 1,
            },
        )
        sheet.freeze_panes(3, 0)
        sheet.protect(PROTECTION_PASSWORD, {"format_columns": True, "format_rows": True})
        sheet.print_area(0, 0, row, CHECK_COLUMN if schema.checks else 4)
        sheet.fit_to_pages(1, 1)  # the Summary is read as one page: landscape keeps its print largest

    def _heading(self, sheet, row: int, title: str, width: int = 4) -> None:
        style = self.formats.get(bold=True, font_size=11, font_color="white", bg_color=NAVY, valign="vcenter")
        sheet.set_row(row, 18)
        sheet.write_string(row, 1, title, style)
        for column in range(2, width + 1):
            sheet.write_blank(row, column, None, style)

    def _section(self, sheet, section: Section, row: int, lists: _Lists) -> int:
        self.previous_fields += [f for f in section.fields if f.previous_of is not None]
        checked = {check.target for check in self.schema.checks}
        if any(f.name in checked for f in section.fields):
            self._heading(sheet, row, section.title, width=CHECK_COLUMN)
            style = self.formats.get(bold=True, font_size=11, font_color="white", bg_color=NAVY, valign="vcenter")
            sheet.write_string(row, CHECK_COLUMN, CHECK_HEADER, style)
        else:
            self._heading(sheet, row, section.title)
        row += 1
        if section.layout == "grid":
            return self._rag_grid(sheet, section, row, lists)
        for f in section.fields:
            if f.previous_of is not None:
                continue  # on the hidden Previous sheet
            self._field_cell(sheet, f, row, 2, lists, label_column=1)
            if f.multiline:
                sheet.set_row(row, 60)
            row += 1
        return row

    def _rag_grid(self, sheet, section: Section, row: int, lists: _Lists) -> int:
        header = self.formats.get(bold=True, bottom=1, border_color=BORDER_GREY)
        for column, text in enumerate(("Dimension", "RAG", "Rationale (if Amber or Red)", "Path to green"), start=1):
            sheet.write_string(row, column, text, header)
        row += 1
        fields = {f.name: f for f in section.fields}
        rag_fields = [f for f in section.fields if f.type == "rag"]
        for rag in rag_fields:
            sheet.set_row(row, 45)
            sheet.write_string(row, 1, rag.label.removesuffix(" RAG") + " *", self.formats.get(bold=True))
            self._field_cell(sheet, rag, row, 2, lists)
            self._field_cell(sheet, fields[f"{rag.name}_rationale"], row, 3, lists)
            self._field_cell(sheet, fields[f"{rag.name}_path_to_green"], row, 4, lists)
            row += 1
        return row

    def _field_cell(self, sheet, f: Field, row: int, column: int, lists: _Lists, label_column: int | None = None):
        schema = self.schema
        if label_column is not None:
            marker = " *" if f.required else ""
            sheet.write_string(row, label_column, f.label + marker, self.formats.get(bold=f.required))
        locked = f.locked or f.formula is not None
        style = self.formats.value(f.type, locked, f.multiline)
        if f.formula:
            sheet.write_formula(row, column, f"={f.formula}", style, "")
        elif f.default is not None:
            sheet.write(row, column, f.default, style)
        else:
            sheet.write_blank(row, column, None, style)
        if f.multiline and label_column is not None:
            sheet.merge_range(row, column, row, column + 2, None, style)
            if f.default is not None:
                sheet.write(row, column, f.default, style)
        elif label_column is not None:
            note = self._note(f)
            if note is not None:
                sheet.write_formula(
                    row, column + 1, note, self.formats.get(italic=True, font_color="#595959"), ""
                ) if note.startswith("=") else sheet.write_string(
                    row, column + 1, note, self.formats.get(italic=True, font_color="#595959")
                )
        self.book.define_name(f.name, _absolute(schema.main_sheet, row, column))
        if locked:
            sheet.data_validation(row, column, row, column, _guidance_only(f.label, f.help))
        else:
            sheet.data_validation(
                row,
                column,
                row,
                column,
                _validation(f.type, f.label, f.help, f.choices, f.minimum, f.maximum, lists, f.name),
            )
        if f.type == "rag":
            cell = xl_rowcol_to_cell(row, column)
            _rag_conditional_formats(sheet, cell, cell, self.formats)
        self.field_cells[f.name] = (row, column)
        self._count_towards_completeness(f)

    def _note(self, f: Field) -> str | None:
        if f.type == "currency" and {"money_unit", "currency"} <= {x.name for x in self.schema.fields}:
            return '=IF(money_unit="units","",money_unit&" ")&currency'
        if f.unit:
            return f.unit
        if f.type == "date" and not f.locked:
            return "yyyy-mm-dd"
        return None

    def _count_towards_completeness(self, f: Field) -> None:
        # With live checks, blank as they and the collector read it: a cell of spaces or line breaks is not filled.
        filled = f"IF({blank_formula(f.name)},0,1)" if self.schema.checks else f'(LEN({f.name}&"")>0)*1'
        if f.required:
            self.completeness[f.name] = (filled, "1")
        elif f.required_when:
            other, values = f.required_when
            condition = "OR(" + ",".join(f'{other}="{value}"' for value in values) + ")"
            self.completeness[f.name] = (f"IF({condition},{filled},0)", f"IF({condition},1,0)")

    def _checks(self, sheet) -> None:
        """Each checked field's row gets, in the Check column, a formula showing its failed checks' words ("" when
        all pass); the field's cell is filled while one fails. Failed error checks count against completeness: a
        required field counts as filled in only while none of its value checks fails (text in a number cell is no
        figure), and a 'required_when' check's field is counted already, by its own rule."""
        schema = self.schema
        value_failures: dict[str, list[str]] = {}
        for check in schema.checks:
            if check.kind in VALUE_KINDS and check.severity == "error":
                value_failures.setdefault(check.target, []).append(failing_formula(check, schema))
        for name, failures in value_failures.items():
            if name in self.completeness:
                self.completeness[name] = (f"IF(OR({','.join(failures)}),0,1)", "1")
        by_row: dict[int, list] = {}
        for check in schema.checks:
            row, column = self.field_cells[check.target]
            by_row.setdefault(row, []).append(check)
            fails = failing_formula(check, schema)
            fill, font = CHECK_COLOURS[check.severity]
            sheet.conditional_format(
                row,
                column,
                row,
                column,
                {
                    "type": "formula",
                    "criteria": f"={fails}",
                    # An empty required cell keeps its input yellow, only outlined: a first report is a list of
                    # cells to fill in, not a wall of red.
                    "format": self.book.add_format(
                        {"border": 2, "border_color": font}
                        if check.kind == "required"
                        else {"bg_color": fill, "border": 2, "border_color": font}
                    ),
                },
            )
            if check.severity == "error" and check.kind not in ("required_when", *VALUE_KINDS):
                applies = applies_formula(check, schema)
                self.completeness_checks.append((f"IF({applies},IF({fails},0,1),0)", f"IF({applies},1,0)"))
        style = self.formats.get(text_wrap=True, font_size=9, bold=True, locked=True)
        for row, checks in by_row.items():
            parts = [f'IF({failing_formula(check, schema)},"{check.shown} ","")' for check in checks]
            sheet.write_formula(row, CHECK_COLUMN, f"=TRIM({'&'.join(parts)})", style, "")
            for check in checks:
                font = CHECK_COLOURS[check.severity][1]
                sheet.conditional_format(
                    row,
                    CHECK_COLUMN,
                    row,
                    CHECK_COLUMN,
                    {
                        "type": "formula",
                        "criteria": f"={failing_formula(check, schema)}",
                        "format": self.book.add_format({"font_color": font}),
                        "stop_if_true": True,
                    },
                )
            fixes = " ".join(check.fix for check in checks)
            sheet.data_validation(row, CHECK_COLUMN, row, CHECK_COLUMN, _guidance_only("How to fix it", fixes))

    def _build_previous(self, sheet) -> None:
        """Last period's figures the checks compare with, each behind its defined name; locked, on a hidden sheet."""
        sheet.set_column(1, 1, 34)
        sheet.set_column(2, 2, 16)
        self._title(
            sheet, "Last period", "Stamped by the PMO when it generated this workbook; blank in a first report."
        )
        for row, f in enumerate(self.previous_fields, start=3):
            sheet.write_string(row, 1, f.label, self.formats.get(bold=True))
            sheet.write_blank(row, 2, None, self.formats.value(f.type, True))
            self.book.define_name(f.name, _absolute(PREVIOUS_SHEET, row, 2))
            sheet.data_validation(row, 2, row, 2, _guidance_only(f.label, f.help))
        sheet.hide()
        sheet.protect(PROTECTION_PASSWORD)

    # -- table sheets ------------------------------------------------------------------------------------------
    def _build_table_sheet(self, sheet, sheet_title: str, tables: list[Table], lists: _Lists) -> None:
        if sheet_title == self.schema.main_sheet:
            raise NotImplementedError("tables on the main sheet are not laid out")
        first = tables[0]
        self._title(sheet, first.title if len(tables) == 1 else sheet_title, first.help or None)
        row = 3
        widths: dict[int, float] = {}
        for table in tables:
            if len(tables) > 1:
                sheet.write_string(row, 1, table.title, self.formats.get(bold=True, font_size=12, font_color=NAVY))
                if table.help:
                    sheet.write_string(row + 1, 1, table.help, self.formats.get(italic=True, font_color="#595959"))
                row += 2
            header_row = row
            columns = self._table_columns(table)
            for index, column in enumerate(columns, start=1):
                widths[index] = max(widths.get(index, 0), column.width)
            row = self._table(sheet, table, columns, header_row, lists)
            if len(tables) == 1:
                sheet.freeze_panes(header_row + 1, 2)
                sheet.repeat_rows(header_row)
                if table not in self.schema.stamped:  # a read-only table takes no rows below it
                    self._rows_below(sheet, table, columns, row + 1, lists)
            row += 3
        if len(tables) > 1:
            # Stacked tables: a frozen or repeated header of the first table would mislabel the second one, so the
            # sheet title and the id column stay in view and the title repeats on every printed page.
            sheet.freeze_panes(3, 2)
            sheet.repeat_rows(0, 1)
        for index, width in widths.items():
            sheet.set_column(index, index, width)
        sheet.protect(
            PROTECTION_PASSWORD,
            {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False},
        )

    def _rows_below(self, sheet, table: Table, columns: list[Column], first_row: int, lists: _Lists) -> None:
        """Unlocked input cells, with the table's own rules, in the rows straight below a sheet's only table.

        Excel cannot grow a table on a protected sheet, so a PM with more items than pre-sized rows types them
        here; collect reads rows directly below a table as its rows (docs/collect-input-rules.md).
        """
        last_row = first_row + ROWS_BELOW_TABLES - 1
        for offset, column in enumerate(columns, start=1):
            if column.key == ROW_CHECK_KEY and column.formula:
                # The rows' Check formula, beside the rows collect reads below the table: a cell of each row by address.
                style = self.formats.get(text_wrap=True, font_size=9, bold=True, font_color="#C00000", locked=True)
                for row in range(first_row, last_row + 1):
                    formula = column.formula
                    for other_offset, other in enumerate(columns, start=1):
                        formula = formula.replace("{" + other.header + "}", xl_rowcol_to_cell(row, other_offset))
                    sheet.write_formula(row, offset, f"={formula}", style, "")
                continue
            if column.locked or column.formula:
                continue
            style = self.formats.value(column.type, False)
            for row in range(first_row, last_row + 1):
                sheet.write_blank(row, offset, None, style)
            rule = _validation(
                column.type, column.header, column.help, column.choices, column.minimum, column.maximum, lists,
                column.key, table.name,
            )  # fmt: skip
            sheet.data_validation(first_row, offset, last_row, offset, rule)

    def _table_columns(self, table: Table) -> list[Column]:
        columns = list(table.columns)
        if table.month_series:
            series = table.month_series
            columns += [
                Column(
                    month,
                    month,
                    series.type,
                    minimum=series.minimum,
                    maximum=series.maximum,
                    help=series.help,
                    width=8.5,
                )
                for month in month_series(MASTER_PERIOD, series.count)
            ]
        return columns

    def _table(self, sheet, table: Table, columns: list[Column], header_row: int, lists: _Lists) -> int:
        first_row, last_row = header_row + 1, header_row + table.rows
        first_column = 1
        prefill = self.schema.extra.get("prefill_rows", {}).get(table.name, ())
        table_columns = []
        for column in columns:
            spec: dict[str, object] = {"header": column.header}
            locked = column.locked or column.formula is not None
            spec["format"] = (
                self.formats.get(text_wrap=True, font_size=9, bold=True, font_color="#C00000", locked=True)
                if column.key == ROW_CHECK_KEY
                else self.formats.value(column.type, locked)
            )
            # LibreOffice does not draw table styles, so the header carries its own format.
            spec["header_format"] = self.formats.get(
                bold=True,
                font_color="white",
                bg_color=NAVY,
                text_wrap=True,
                valign="vcenter",
                border=1,
                border_color=BORDER_GREY,
            )
            if column.formula:
                formula = column.formula
                for other in columns:
                    # Qualified with the table name: LibreOffice does not resolve bare [[#This Row],[...]] refs.
                    formula = formula.replace("{" + other.header + "}", f"{table.name}[[#This Row],[{other.header}]]")
                spec["formula"] = formula
            table_columns.append(spec)
        data = []
        for index in range(table.rows):
            row_values: list[object] = []
            for column in columns:
                if column.key == "id" and table.id_prefix:
                    row_values.append(table.row_id(index))
                elif index < len(prefill) and column.key in prefill[index]:
                    row_values.append(prefill[index][column.key])
                else:
                    row_values.append(None)
            data.append(row_values)
        sheet.add_table(
            header_row,
            first_column,
            last_row,
            first_column + len(columns) - 1,
            {
                "name": table.name,
                "columns": table_columns,
                "data": data,
                "style": "Table Style Medium 2",
                "banded_rows": True,
            },
        )
        for offset, column in enumerate(columns):
            col = first_column + offset
            if column.locked or column.formula:
                help_text = column.help or (ID_HELP if column.key == "id" else "")
                sheet.data_validation(first_row, col, last_row, col, _guidance_only(column.header, help_text))
                continue
            sheet.data_validation(
                first_row,
                col,
                last_row,
                col,
                _validation(
                    column.type,
                    column.header,
                    column.help,
                    column.choices,
                    column.minimum,
                    column.maximum,
                    lists,
                    column.key,
                    table.name,
                ),
            )
            if column.type == "rag":
                cells = f"{xl_rowcol_to_cell(first_row, col)}:{xl_rowcol_to_cell(last_row, col)}"
                _rag_conditional_formats(sheet, xl_rowcol_to_cell(first_row, col), cells, self.formats)
        self._table_highlights(sheet, table, columns, first_row, last_row, first_column)
        if table.row_height:
            for row in range(first_row, last_row + 1):
                sheet.set_row(row, table.row_height)
        sheet.set_row(header_row, 30)
        return last_row

    def _table_highlights(self, sheet, table, columns, first_row, last_row, first_column) -> None:
        """Colour what a reviewer scans for: severe risks, late milestones, closed items."""
        for offset, column in enumerate(columns):
            col = first_column + offset
            cells = f"{xl_rowcol_to_cell(first_row, col)}:{xl_rowcol_to_cell(last_row, col)}"
            if column.key == "severity":
                for criteria, low, high, colour in (
                    ("between", 15, 25, "Red"),
                    ("between", 8, 14, "Amber"),
                    ("between", 1, 7, "Green"),
                ):
                    fill, font = RAG_COLOURS[colour]
                    sheet.conditional_format(
                        cells,
                        {
                            "type": "cell",
                            "criteria": criteria,
                            "minimum": low,
                            "maximum": high,
                            "format": self.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
                        },
                    )
            if column.key == "status":
                for value, colour in (
                    ("Late", "Red"),
                    ("At risk", "Amber"),
                    ("Complete", "Green"),
                    ("Approved", "Green"),
                    ("Decided", "Green"),  # a need management answered (DecisionsTaken says how)
                    ("Rejected", "Red"),
                ):
                    fill, font = RAG_COLOURS[colour]
                    sheet.conditional_format(
                        cells,
                        {
                            "type": "cell",
                            "criteria": "==",
                            "value": f'"{value}"',
                            "format": self.book.add_format({"bg_color": fill, "font_color": font}),
                        },
                    )

    # -- instructions and metadata -----------------------------------------------------------------------------
    def _build_instructions(self, sheet) -> None:
        schema = self.schema
        sheet.set_column(1, 1, 24)
        sheet.set_column(2, 2, 100)
        self._title(sheet, f"{schema.title}: how to fill it in", f"Template {schema.template_id} v{schema.version}")
        row = 3
        text = self.formats.get(text_wrap=True)
        for heading, body in schema.instructions:
            sheet.write_string(row, 1, heading, self.formats.get(bold=True, font_color=NAVY))
            sheet.write_string(row, 2, body, text)
            sheet.set_row(row, 15 * (1 + len(body) // 110))
            row += 1
        row += 1
        if any(f.type == "rag" for f in schema.fields) or any(
            c.type == "rag" for t in schema.tables for c in t.columns
        ):
            self._heading(sheet, row, "RAG colours", width=2)
            row += 1
            for colour, meaning in RAG_MEANINGS.items():
                fill, font = RAG_COLOURS[colour]
                sheet.write_string(row, 1, colour, self.formats.get(bg_color=fill, font_color=font, bold=True))
                sheet.write_string(row, 2, meaning, text)
                row += 1
            row += 1
        self._heading(sheet, row, "Cell colours", width=2)
        row += 1
        sheet.write_string(row, 1, "Yellow", self.formats.get(bg_color=INPUT_FILL, border=1, border_color=BORDER_GREY))
        sheet.write_string(row, 2, "You fill these in. Select a cell to see its hint.", text)
        row += 1
        sheet.write_string(row, 1, "Grey", self.formats.get(bg_color=LOCKED_FILL, border=1, border_color=BORDER_GREY))
        sheet.write_string(row, 2, "Set by the PMO or calculated; locked.", text)
        row += 1
        if schema.checks:
            for severity, meaning in (
                ("error", "A check fails: put it right before you send the report. The Check column says what."),
                ("warning", "A check asks you to look again. The report is accepted as it is."),
            ):
                fill, font = CHECK_COLOURS[severity]
                colour = "Red border" if severity == "error" else "Amber border"
                style = self.formats.get(bg_color=fill, border=2, border_color=font)
                sheet.write_string(row, 1, colour, style)
                sheet.write_string(row, 2, meaning, text)
                row += 1
        row += 1
        self._heading(sheet, row, "Glossary", width=2)
        row += 1
        for term, meaning in schema.glossary:
            sheet.write_string(row, 1, term, self.formats.get(bold=True))
            sheet.write_string(row, 2, meaning, text)
            row += 1
        sheet.freeze_panes(3, 0)
        sheet.repeat_rows(0, 1)
        sheet.print_area(0, 0, row, 2)
        sheet.fit_to_pages(1, 1)  # the instructions on one sheet of paper, beside the report
        sheet.protect(PROTECTION_PASSWORD, {"format_columns": True, "format_rows": True})

    def _build_metadata(self) -> None:
        sheet = self.book.add_worksheet(META_SHEET)
        values = {"template_id": self.schema.template_id, "template_version": self.schema.version}
        sheet.write_string(0, 0, "key")
        sheet.write_string(0, 1, "value")
        for row, key in enumerate(META_KEYS, start=1):
            sheet.write_string(row, 0, key)
            sheet.write_string(row, 1, values.get(key, ""))
            self.book.define_name(meta_name(key), _absolute(META_SHEET, row, 1))
            self.book.set_custom_property(custom_property(key), values.get(key, "") or "-")
        sheet.very_hidden()
        sheet.protect(PROTECTION_PASSWORD)


def build_template(schema: TemplateSchema, path: Path) -> Path:
    """Write the template workbook for `schema` to `path` atomically."""
    path = Path(path)
    temporary = atomic_target(path)
    try:
        TemplateBuilder(schema, temporary).build()
        package = XlsxPackage.from_path(temporary)
        sheets = {
            part: without_cached_results(package.members[part]) for part in package.structure.sheet_parts.values()
        }
        write_bytes_atomic(
            path, package.write({part: xml for part, xml in sheets.items() if xml != package.members[part]})
        )
    finally:
        temporary.unlink(missing_ok=True)
    return path
