"""`pmo workbook build`: sheets, tables and names with XlsxWriter, the VBA project from text, then the ribbon.

The build is deterministic: a fixed creation date, fixed zip timestamps and attributes, the VBA project writer's
fixed ids and seeds. The ribbon part goes in last, in our own zip pass, because no library writes customUI and
openpyxl drops it on save.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from pmo_xl.errors import OutputError
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.excel.printing import print_like_screen
from pmo_xl.reporting.dashboard_sheet import add_dashboard_sheet
from pmo_xl.workbook.layout import (
    DECISION_HELP,
    DECISION_KINDS,
    DECISIONS_TABLE,
    SETTINGS,
    SETUP_CHECK_RESULT,
    SETUP_CHECKS,
    SHEETS,
    TABLES,
    THIS_WORKBOOK,
    XLWINGS_CONF,
    sample_rows,
)
from pmo_xl.workbook.ribbon import custom_ui_xml
from pmo_xl.workbook.vba_sources import ModuleSource, all_modules

BUILD_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CUSTOM_UI_PART = "customUI/customUI14.xml"
CUSTOM_UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_RELATIONSHIP_ID = "rIdPmoRibbon"


@dataclass(frozen=True)
class Formula:
    """A formula carried from an old workbook's table cell, written back as a formula (never a user's string)."""

    text: str


@dataclass(frozen=True)
class TableContent:
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


def default_content() -> dict[str, TableContent]:
    samples = sample_rows()
    return {table.name: TableContent(table.headers, tuple(map(tuple, samples[table.name]))) for table in TABLES}


def vba_project_bytes(modules: Sequence[ModuleSource]) -> bytes:
    from pmo_xl.vba.project import VbaModule, write_vba_project

    return write_vba_project([VbaModule(module.name, module.kind, module.source) for module in modules])


def _write_cell(worksheet, row: int, col: int, value, date_format) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, Formula):
        worksheet.write_formula(row, col, value.text, None, "")
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, dt.datetime | dt.date):
        worksheet.write_datetime(row, col, value, date_format)
    else:
        worksheet.write_string(row, col, str(value))  # a user's text stays text, even when it starts with "="


# A column's width in characters: enough for its header and its longest sample value ("New project workbooks"),
# never so narrow that a short header is cramped, and capped so a long description wraps instead of running off.
NARROWEST_COLUMN, WIDEST_COLUMN = 10, 80


# A long header over short values (a 1-5 criterion, a score) is written upright, so the column is as wide as its
# values and a table of many criteria still prints legibly on one page's width.
UPRIGHT_HEADER_FROM, SHORT_VALUE, UPRIGHT_MIN_COLUMNS = 13, 8, 3


def _values(table_content: TableContent, col: int) -> list:
    return [row[col] for row in table_content.rows if col < len(row) and _shown(row[col])]


def upright_headers(table_content: TableContent) -> set[int]:
    """The columns whose header is written upright: a long header over short figures (or none yet), in a table with
    at least UPRIGHT_MIN_COLUMNS of them (a matrix of criteria; one upright header alone only looks odd)."""
    figures = {
        col: len(header)
        for col, header in enumerate(table_content.headers)
        if len(header) > SHORT_VALUE + 2 and all(_is_short_figure(value) for value in _values(table_content, col))
    }
    long_ones = [col for col, length in figures.items() if length >= UPRIGHT_HEADER_FROM]
    # Once a table has them, its every figure column under a header longer than its values is upright alike.
    return set(figures) if len(long_ones) >= UPRIGHT_MIN_COLUMNS else set()


def _is_short_figure(value) -> bool:
    """A number, or a figure written as text ('2026-07'): no letters, at most SHORT_VALUE characters."""
    text = _shown(value)
    return len(text) <= SHORT_VALUE and not any(character.isalpha() for character in text)


def numeric_columns(table_content: TableContent) -> set[int]:
    """The columns holding numbers only (at least one): their header is right-aligned, over its numbers."""
    numeric = set()
    for col in range(len(table_content.headers)):
        values = _values(table_content, col)
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            numeric.add(col)
    return numeric


def column_widths(sheet_tables: Sequence[tuple[object, TableContent]]) -> dict[int, int]:
    """{column: width} for the tables on one sheet (tables sharing a column take the wider)."""
    widths: dict[int, int] = {}
    for table, table_content in sheet_tables:
        upright = upright_headers(table_content)
        declared = getattr(table, "widths", ())
        for col, header in enumerate(table_content.headers):
            shown_header = "" if col in upright else header
            texts = [shown_header, *(_shown(row[col]) for row in table_content.rows if col < len(row))]
            wanted = max(max(len(text) for text in texts) + 2, declared[col] if col < len(declared) else 0)
            widths[col] = max(widths.get(col, 0), min(WIDEST_COLUMN, max(NARROWEST_COLUMN, wanted)))
    return widths


ROW_HEIGHT = 15  # points, one line of the default 11-point font
UPRIGHT_POINTS_PER_CHARACTER = 6.5  # an upright header's height, per character of the 11-point font


def _lines(text: str, width: int) -> int:
    """Lines a text wraps to in a column `width` characters wide (a width unit is a digit, wider than most letters,
    so this errs on the side of room to spare)."""
    return max(1, math.ceil(len(text) / (width - 2))) if width == WIDEST_COLUMN else 1


def _shown(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or isinstance(value, Formula):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return "yyyy-mm-dd"
    return str(value)


def _sheet_bytes(content: Mapping[str, TableContent], vba_project: bytes) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    workbook.set_properties({"title": "PMO workbench", "created": BUILD_DATE, "company": "", "author": "pmo-xl"})
    workbook.set_vba_name(THIS_WORKBOOK)
    workbook.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    title_format = workbook.add_format({"bold": True, "font_size": 16})
    note_format = workbook.add_format({"italic": True, "font_color": "#595959"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    wrap_format = workbook.add_format({"text_wrap": True, "valign": "top", "align": "left"})  # a number with its text
    upright_format = workbook.add_format({"rotation": 90, "align": "center", "valign": "bottom", "bold": True})
    right_format = workbook.add_format({"align": "right", "indent": 1, "valign": "bottom", "bold": True})
    number_format = workbook.add_format({"align": "right", "indent": 1, "valign": "top"})  # apart from the next text
    header_format = workbook.add_format({"valign": "bottom", "bold": True})
    top_format = workbook.add_format({"valign": "top"})  # a row's label beside its wrapped text, on its first line
    worksheets = {}
    for sheet in SHEETS:
        worksheet = workbook.add_worksheet(sheet.name)
        worksheet.set_vba_name(sheet.code_name)
        worksheets[sheet.name] = worksheet
        if sheet.hidden:
            worksheet.hide()
        if sheet.title:
            worksheet.write_string(0, 0, sheet.title, title_format)
            worksheet.write_string(1, 0, sheet.note, note_format)
    for table in TABLES:
        table_content = content[table.name]
        worksheet = worksheets[table.sheet]
        width = len(table_content.headers)
        last_row = table.top_row + max(1, len(table_content.rows))
        upright, numeric = upright_headers(table_content), numeric_columns(table_content)
        header_formats = [upright_format if col in upright else right_format if col in numeric else header_format
                          for col in range(width)]  # fmt: skip
        worksheet.add_table(
            table.top_row, 0, last_row, width - 1,
            {"name": table.name, "style": "Table Style Medium 2",
             "columns": [{"header": header, "header_format": header_formats[col]}
                         for col, header in enumerate(table_content.headers)]},
        )  # fmt: skip
        if upright:
            longest = max(len(table_content.headers[col]) for col in upright)
            worksheet.set_row(table.top_row, UPRIGHT_POINTS_PER_CHARACTER * longest + 6)
        for row_offset, row in enumerate(table_content.rows, start=1):
            for col, value in enumerate(row[:width]):
                _write_cell(worksheet, table.top_row + row_offset, col, value, date_format)
    for name, worksheet in worksheets.items():
        sheet_tables = [(table, content[table.name]) for table in TABLES if table.sheet == name]
        widths = column_widths(sheet_tables)
        numbers = set().union(*(numeric_columns(table_content) for _table, table_content in sheet_tables))
        for col, width in widths.items():
            column_format = wrap_format if width == WIDEST_COLUMN else number_format if col in numbers else top_format
            worksheet.set_column(col, col, width, column_format)
        for table, table_content in sheet_tables:
            # Neither Excel nor LibreOffice grows a row to its wrapped text on opening: the height is written.
            for row_offset, row in enumerate(table_content.rows, start=1):
                lines = max((_lines(_shown(value), widths[col]) for col, value in enumerate(row) if col in widths),
                            default=1)  # fmt: skip
                if lines > 1:
                    worksheet.set_row(table.top_row + row_offset, ROW_HEIGHT * lines)
        if sheet_tables and name != "Home":  # Home fits one page; a long table repeats its header on every page
            worksheet.freeze_panes(sheet_tables[0][0].top_row + 1, 0)
    # A typed date sits at the top of its row, under its header, beside a wrapped note.
    entry_date_format = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top", "align": "left"})
    _decision_entry(worksheets["Decisions"], content[DECISIONS_TABLE], entry_date_format, wrap_format)
    home = worksheets["Home"]
    home.set_landscape()
    home.fit_to_pages(1, 1)  # what each button does, on one page
    setup_table = next(table for table in TABLES if table.name == "SetupCheck")
    home.write_string(setup_table.top_row - 1, 0, "Check setup result", workbook.add_format({"bold": True}))
    # Check setup (VBA) writes its rows through this name, so the code holds no cell address.
    first, last = setup_table.top_row + 2, setup_table.top_row + 1 + len(SETUP_CHECKS)
    workbook.define_name(SETUP_CHECK_RESULT, f"=Home!$A${first}:$C${last}")
    settings_table = next(table for table in TABLES if table.name == "Settings")
    settings_rows = content["Settings"].rows
    for setting in SETTINGS:
        for offset, row in enumerate(settings_rows, start=1):
            if row and row[0] == setting.key:
                workbook.define_name(setting.name, f"=Settings!$B${settings_table.top_row + offset + 1}")
    # The same blocks, tables and charts as portfolio.xlsx's Dashboard, blank until Refresh dashboard fills them.
    add_dashboard_sheet(workbook, None, worksheets["Dashboard"])
    print_like_screen(workbook, footer=False)  # landscape A4, one page wide, the frozen title and header repeated
    conf = worksheets["xlwings.conf"]
    for row, (key, value) in enumerate(XLWINGS_CONF):
        conf.write_string(row, 0, key)
        conf.write_string(row, 1, value)
    workbook.close()
    return buffer.getvalue()


# Typing help reaches this many rows below a table's header (a table grown past them keeps Excel's own copy of it).
ENTRY_ROWS = 500


def _decision_entry(worksheet, table_content: TableContent, date_format, wrap_format) -> None:
    """The Decisions sheet as a form: each column's input message says what it asks for, Kind is a list of the
    kinds, Date and Due take only dates (formatted as such); rows already there keep their values."""
    from pmo_xl.excel.tables import same_name

    table = next(table for table in TABLES if table.name == DECISIONS_TABLE)
    first, last = table.top_row + 1, table.top_row + ENTRY_ROWS
    widths = column_widths([(table, table_content)])
    for col, header in enumerate(table_content.headers):
        column = next((name for name in DECISION_HELP if same_name(name) == same_name(header)), None)
        if column is None:  # a column the PMO added on upgrade: no help of ours
            continue
        rule: dict = {"validate": "any"}
        if column == "kind":
            rule = {"validate": "list", "source": list(DECISION_KINDS),
                    "error_title": "Kind", "error_message": "Choose one of " + ", ".join(DECISION_KINDS) + "."}  # fmt: skip
        elif column in ("date", "due"):
            rule = {"validate": "date", "criteria": ">=", "value": dt.date(2000, 1, 1),
                    "error_title": header, "error_message": "Type a date, as YYYY-MM-DD."}  # fmt: skip
            worksheet.set_column(col, col, widths[col], date_format)
        elif column in ("note", "action"):  # a sentence wraps in its column instead of running over the next
            worksheet.set_column(col, col, widths[col], wrap_format)
        title = header[:32]
        worksheet.data_validation(first, col, last, col, {**rule, "input_title": title,
                                                          "input_message": DECISION_HELP[column][:255]})  # fmt: skip


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    return info


def add_custom_ui(package: bytes, ribbon_xml: str) -> bytes:
    """Add (or replace) the customUI14 part and its root relationship; rewrite every member with fixed metadata."""
    source = zipfile.ZipFile(io.BytesIO(package))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for name in source.namelist():
            if name == CUSTOM_UI_PART:
                continue
            data = source.read(name)
            if name == "_rels/.rels":
                data = _with_custom_ui_relationship(data.decode("utf-8")).encode("utf-8")
            target.writestr(_zip_info(name), data)
        target.writestr(_zip_info(CUSTOM_UI_PART), ribbon_xml.encode("utf-8"))
    return output.getvalue()


def _with_custom_ui_relationship(rels: str) -> str:
    if CUSTOM_UI_RELATIONSHIP in rels:
        return rels
    relationship = (
        f'<Relationship Id="{CUSTOM_UI_RELATIONSHIP_ID}" Type="{CUSTOM_UI_RELATIONSHIP}" Target="{CUSTOM_UI_PART}"/>'
    )
    return rels.replace("</Relationships>", relationship + "</Relationships>")


def build_workbook_bytes(
    content: Mapping[str, TableContent] | None = None,
    modules: Sequence[ModuleSource] | None = None,
    vba_writer: Callable[[Sequence[ModuleSource]], bytes] = vba_project_bytes,
) -> bytes:
    content = {**default_content(), **(content or {})}
    modules = all_modules() if modules is None else modules
    return add_custom_ui(_sheet_bytes(content, vba_writer(modules)), custom_ui_xml())


def write_atomically(path: Path, data: bytes) -> Path:
    """The workbook's bytes written through the one atomic writer (pmo_xl.excel.files); its folder must exist."""
    path = Path(path)
    if not path.parent.exists():
        raise OutputError(f"{path.parent} does not exist: create the folder first or choose another --out")
    return write_bytes_atomic(path, data)


def build_workbook(out: Path, content: Mapping[str, TableContent] | None = None) -> Path:
    """Build `pmo_workbook.xlsm` (or `out`) from the sources in this checkout; returns the path written."""
    out = Path(out)
    if out.suffix.lower() != ".xlsm":
        raise OutputError(f"{out}: the PMO workbook holds macros, so its name must end in .xlsm")
    return write_atomically(out, build_workbook_bytes(content))
