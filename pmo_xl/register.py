"""The project register: the PMO's list of projects, read from CSV or Excel and checked as a whole.

Every bad row is reported at once, with the row number a person sees in Excel or a text editor, before anything
is generated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from pmo_xl.errors import RegisterError
from pmo_xl.template_schemas import LIFECYCLE_STATUSES, TemplateSchema

REQUIRED_COLUMNS = ("project_id", "project_name", "project_manager", "sponsor", "start_date", "end_date")
OPTIONAL_COLUMNS = (
    "pm_email",
    "programme",
    "business_unit",
    "stage",
    "lifecycle_status",
    "reporting_cadence",
    "currency",
    "budget",
)
CADENCES = ("monthly", "fortnightly", "quarterly")
# Register columns that feed a differently named template field.
FIELD_ALIASES = {"end_date": "baseline_end_date", "budget": "budget_original"}
_DATE_COLUMNS = ("start_date", "end_date")
_FORBIDDEN_IN_ID = set('<>:"/\\|?*')


@dataclass(frozen=True)
class ProjectRecord:
    """One project from the register. `fields` holds values for template fields, by field name."""

    row_number: int
    project_id: str
    project_name: str
    project_manager: str
    sponsor: str
    start_date: dt.date | None
    end_date: dt.date | None
    pm_email: str = ""
    programme: str = ""
    business_unit: str = ""
    stage: str = ""
    lifecycle_status: str = "active"
    reporting_cadence: str = "monthly"
    fields: dict[str, object] = field(default_factory=dict)


def _normalise_header(header: object) -> str:
    return str(header or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(row number as the user sees it, {normalised header: value}) for each non-blank row of a CSV or XLSX."""
    path = Path(path)
    if not path.exists():
        raise RegisterError(str(path), ["the file does not exist"])
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _excel_rows(path)
    else:
        raise RegisterError(str(path), [f"a register must be .csv or .xlsx, not '{path.suffix}'"])
    if not rows:
        raise RegisterError(str(path), ["the register is empty: it needs a header row and one row per project"])
    header_row_number, header = rows[0]
    headers = [_normalise_header(cell) for cell in header]
    records = []
    for row_number, cells in rows[1:]:
        if all(str(cell).strip() == "" for cell in cells if cell is not None):
            continue
        values = {
            headers[index]: cells[index] if index < len(cells) else ""
            for index in range(len(headers))
            if headers[index]
        }
        records.append((row_number, values))
    return [(header_row_number, {name: name for name in headers if name}), *records]


def _csv_rows(path: Path) -> list[tuple[int, list[object]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows is the ANSI code page.
        text = raw.decode("cp1252")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    reader = csv.reader(io.StringIO(text), dialect)
    for cells in reader:
        rows.append((reader.line_num, list(cells)))
    return [row for row in rows if any(cell.strip() for cell in row[1])]


def _excel_rows(path: Path) -> list[tuple[int, list[object]]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path), load_tables=True)
    table_names = {name.casefold(): name for name in workbook.table_names}
    for preferred in ("register", "portfolio", "projects"):
        if preferred in table_names:
            table = workbook.get_table_by_name(table_names[preferred])
            # calamine's `start` is the 0-based row of the first body row, i.e. the 1-based row of the header.
            header_row = table.start[0]
            body = [(header_row + 1 + offset, list(cells)) for offset, cells in enumerate(table.to_python())]
            return [(header_row, list(table.columns)), *body]
    sheet = workbook.get_sheet_by_index(0)
    data = sheet.to_python(skip_empty_area=False)
    rows = [(index + 1, list(cells)) for index, cells in enumerate(data)]
    return [row for row in rows if any(str(cell).strip() for cell in row[1])]


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").replace(" ", "")
    try:
        return float(text)
    except ValueError:
        return None


def read_register(path: Path, schema: TemplateSchema) -> list[ProjectRecord]:
    """Read and check the whole register; raise RegisterError listing every problem, with row numbers."""
    rows = read_rows(path)
    header_row, header_map = rows[0]
    headers = list(header_map)
    problems: list[str] = []
    field_names = {f.name for f in schema.fields}
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | field_names
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if missing:
        problems.append(f"row {header_row}: missing required column(s): {', '.join(missing)}")
    unknown = [column for column in headers if column not in known]
    if unknown:
        problems.append(
            f"row {header_row}: unknown column(s): {', '.join(unknown)}; allowed are the required columns, "
            f"{', '.join(OPTIONAL_COLUMNS)}, or a template field name (see docs/templates.md)"
        )
    if missing:
        raise RegisterError(str(path), problems)

    seen: dict[str, int] = {}
    records: list[ProjectRecord] = []
    for row_number, values in rows[1:]:
        row_problems: list[str] = []

        def text(column: str, values=values) -> str:
            value = values.get(column, "")
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value if value is not None else "").strip()

        for column in ("project_id", "project_name", "project_manager", "sponsor"):
            if not text(column):
                row_problems.append(f"{column} is empty")
        project_id = text("project_id")
        if project_id and _FORBIDDEN_IN_ID & set(project_id):
            row_problems.append(f"project_id '{project_id}' contains a character not allowed in file names")
        if project_id:
            if project_id.casefold() in seen:
                row_problems.append(
                    f"duplicate project_id '{project_id}' (first seen in row {seen[project_id.casefold()]})"
                )
            else:
                seen[project_id.casefold()] = row_number
        dates: dict[str, dt.date | None] = {}
        for column in _DATE_COLUMNS:
            dates[column] = _as_date(values.get(column, ""))
            if dates[column] is None:
                row_problems.append(f"{column} '{text(column)}' is not a date; write it as YYYY-MM-DD")
        if dates["start_date"] and dates["end_date"] and dates["end_date"] < dates["start_date"]:
            row_problems.append(f"end_date {dates['end_date']} is before start_date {dates['start_date']}")
        lifecycle = text("lifecycle_status").lower() or "active"
        if lifecycle not in LIFECYCLE_STATUSES:
            row_problems.append(f"lifecycle_status '{text('lifecycle_status')}' must be one of {LIFECYCLE_STATUSES}")
        cadence = text("reporting_cadence").lower() or "monthly"
        if cadence not in CADENCES:
            row_problems.append(f"reporting_cadence '{text('reporting_cadence')}' must be one of {CADENCES}")
        prefill, field_problems = _prefill(values, schema, text)
        row_problems += field_problems
        if row_problems:
            problems += [f"row {row_number}: {problem}" for problem in row_problems]
            continue
        records.append(
            ProjectRecord(
                row_number=row_number,
                project_id=project_id,
                project_name=text("project_name"),
                project_manager=text("project_manager"),
                sponsor=text("sponsor"),
                start_date=dates["start_date"],
                end_date=dates["end_date"],
                pm_email=text("pm_email"),
                programme=text("programme"),
                business_unit=text("business_unit"),
                stage=text("stage"),
                lifecycle_status=lifecycle,
                reporting_cadence=cadence,
                fields=prefill,
            )
        )
    if problems:
        raise RegisterError(str(path), problems)
    if not records:
        raise RegisterError(str(path), ["the register has a header but no projects"])
    return records


def _prefill(values: dict[str, object], schema: TemplateSchema, text) -> tuple[dict[str, object], list[str]]:
    """Template field values from the register row: identity, baseline, and any column named after a field."""
    field_names = {f.name for f in schema.fields}
    prefill: dict[str, object] = {}
    problems: list[str] = []
    for column, value in values.items():
        target = FIELD_ALIASES.get(column, column)
        if target not in field_names or text(column) == "":
            continue
        f = schema.field(target)
        if f.formula:
            problems.append(f"column {column}: '{f.name}' is calculated in the template and cannot be pre-filled")
            continue
        if f.type == "date":
            parsed = _as_date(value)
            if parsed is None:
                problems.append(f"{column} '{text(column)}' is not a date; write it as YYYY-MM-DD")
                continue
            prefill[target] = parsed
        elif f.type in ("number", "currency", "percent", "integer"):
            number = _as_number(value)
            if number is None:
                problems.append(f"{column} '{text(column)}' is not a number")
                continue
            prefill[target] = int(number) if f.type == "integer" else number
        elif f.choices:
            matches = [choice for choice in f.choices if choice.casefold() == text(column).casefold()]
            if not matches:
                problems.append(f"{column} '{text(column)}' must be one of {', '.join(f.choices)}")
                continue
            prefill[target] = matches[0]
        else:
            prefill[target] = text(column)
    if "budget_original" in prefill and "budget_current" in field_names:
        prefill.setdefault("budget_current", prefill["budget_original"])
    return prefill, problems
