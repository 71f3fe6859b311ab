"""`pmo workbook upgrade OLD.xlsm`: carry the PMO's data from an old workbook into a fresh build of the code.

Code and data are kept apart by table: every `carried` table in `layout.TABLES` (register, requests, scoring
model, capacity, log, settings) moves across by table name and column header, so a new build may move, add or
reorder columns. A column the PMO added to a table is kept (at the end); a setting the new build introduces gets
its default. The old file is only read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pmo_xl.errors import OutputError, TemplateError
from pmo_xl.workbook.build import Formula, TableContent, build_workbook, default_content
from pmo_xl.workbook.layout import SETTINGS_TABLE, TABLES


def _cell_value(cell):
    if cell.data_type == "f":
        return Formula(str(cell.value))
    value = cell.value
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


def read_carried_tables(old: Path) -> dict[str, TableContent]:
    """The PMO's tables in `old`, by table name, as headers and non-blank rows."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(old, keep_vba=False, data_only=False)
    except Exception as error:
        raise TemplateError(f"{old}: cannot be read as an Excel workbook ({error})") from None
    found: dict[str, TableContent] = {}
    for worksheet in workbook.worksheets:
        for table in worksheet.tables.values():
            cells = [[_cell_value(cell) for cell in row] for row in worksheet[table.ref]]
            headers = tuple(str(header) for header in cells[0])
            rows = tuple(tuple(row) for row in cells[1:] if any(value not in (None, "") for value in row))
            found[table.name] = TableContent(headers, rows)
    return found


def _merge_table(new: TableContent, old: TableContent) -> TableContent:
    extra = tuple(header for header in old.headers if header not in new.headers)
    headers = new.headers + extra
    position = {header: index for index, header in enumerate(old.headers)}
    rows = tuple(tuple(row[position[header]] if header in position else None for header in headers) for row in old.rows)
    return TableContent(headers, rows)


# Settings an older build called by another name; the value moves across when the core accepts it.
RENAMED_SETTINGS = {"reporting_frequency": "cadence", "unit": "money_unit"}
# Settings whose meaning changed, so no value can move: the row stays, marked, and the new settings get defaults.
RETIRED_SETTINGS = {
    "reporting_calendar_start": "the calendar now follows cadence and fiscal_year_start_month",
    "rag_amber_threshold": "RAG thresholds are now days of slip and percent of overrun (schedule_slip_*, cost_overrun_*)",
    "rag_red_threshold": "RAG thresholds are now days of slip and percent of overrun (schedule_slip_*, cost_overrun_*)",
}
RETIRED_NOTE = "Not used since this build: "


def _accepted(setting: str, value) -> bool:
    from pmo_xl.settings import SettingsError, settings_from_rows

    try:
        settings_from_rows([(setting, value)])
    except SettingsError:
        return False
    return True


def _renamed(old: TableContent) -> TableContent:
    keys = {row[0] for row in old.rows}
    meaning = old.headers.index("meaning") if "meaning" in old.headers else None
    rows = []
    from pmo_xl.settings import renamed_setting_row

    for row in old.rows:
        key, value = row[0], row[1] if len(row) > 1 else None
        new_key = RENAMED_SETTINGS.get(key) or (renamed_setting_row(key) if isinstance(key, str) else None)
        if new_key and new_key not in keys and _accepted(new_key, value):
            row = (new_key, *row[1:])
        elif (new_key or key in RETIRED_SETTINGS) and meaning is not None:
            why = RETIRED_SETTINGS.get(key) or f"{new_key} does not accept {value!r}"
            row = tuple(RETIRED_NOTE + why if index == meaning else cell for index, cell in enumerate(row))
        rows.append(row)
    return TableContent(old.headers, tuple(rows))


def _merge_settings(new: TableContent, old: TableContent) -> TableContent:
    """The old values win; settings new to this build keep their defaults; the PMO's own settings are kept.

    The old value of a known setting replaces the new row's value, but the meaning is always the new build's (a
    period's date set by hand, `deadline:YYYY-MM`, has no row in a fresh build: its meaning comes from the core).
    """
    from pmo_xl.settings import setting_row_meaning

    old = _renamed(old)
    merged = _merge_table(new, old)
    fresh = {row[0]: row for row in new.rows}
    meaning = merged.headers.index("meaning") if "meaning" in merged.headers else None
    rows = []
    for row in merged.rows:
        if meaning is not None and row[0] in fresh and len(fresh[row[0]]) > meaning:
            row = tuple(fresh[row[0]][meaning] if index == meaning else cell for index, cell in enumerate(row))
        elif meaning is not None and isinstance(row[0], str) and not str(row[meaning] or "").startswith(RETIRED_NOTE):
            current = setting_row_meaning(row[0])
            row = tuple(current if index == meaning and current else cell for index, cell in enumerate(row))
        rows.append(row)
    present = {row[0] for row in rows}
    added = tuple(row + (None,) * (len(merged.headers) - len(row)) for row in new.rows if row[0] not in present)
    return TableContent(merged.headers, tuple(rows) + added)


def carried_content(old: Path) -> dict[str, TableContent]:
    old_tables = read_carried_tables(old)
    carried = [table for table in TABLES if table.carried]
    if not any(table.name in old_tables for table in carried):
        raise TemplateError(
            f"{old}: has none of the tables {', '.join(table.name for table in carried)}; "
            "is it a PMO workbook? Nothing was written."
        )
    content = default_content()
    for table in carried:
        if table.name in old_tables:
            merge = _merge_settings if table.name == SETTINGS_TABLE else _merge_table
            content[table.name] = merge(content[table.name], old_tables[table.name])
    return content


def upgrade_workbook(old: Path, out: Path | None = None, force: bool = False) -> Path:
    """Write a fresh build holding `old`'s data to `out` (default: OLD-upgraded.xlsm next to it)."""
    old = Path(old)
    if not old.exists():
        raise OutputError(f"{old} does not exist")
    out = Path(out) if out else old.with_name(f"{old.stem}-upgraded.xlsm")
    if out.resolve() == old.resolve():
        raise OutputError(f"{out}: the upgrade never overwrites the old workbook; choose another --out")
    if out.exists() and not force:
        raise OutputError(f"{out} already exists; pass --force to replace it")
    return build_workbook(out, carried_content(old))
