"""The project register: the PMO's list of projects, read from CSV or Excel and checked as a whole.

Every bad row is reported at once, with the row number a person sees in Excel or a text editor, before anything
is generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pmo_xl.errors import RegisterError
from pmo_xl.mail import address_problem
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.catalog import LIFECYCLE_STATUSES, TemplateSchema
from pmo_xl.templates.schema import Field
from pmo_xl.values import (
    CsvError,
    CsvLocale,
    ExcelError,
    LocaleError,
    Reading,
    as_text,
    decode_csv,
    is_blank,
    read_date,
    read_number,
    read_percent,
    read_text,
)

REQUIRED_COLUMNS = ("project_id", "project_name", "project_manager", "sponsor", "start_date", "end_date")
# A register for request forms needs only what the request template takes from it: the requester fills the rest.
REQUIRED_COLUMNS_BY_TEMPLATE = {"project_request": ("project_id", "project_name")}
OPTIONAL_COLUMNS = (
    "pm_email",
    # A coordinator who fills in the report for the PM (gets the send-out and feedback too), and a sponsor's
    # address copied on a second return for correction.
    "reporter_email",
    "cc_email",
    "programme",
    "business_unit",
    "stage",
    "lifecycle_status",
    "reporting_cadence",
    "currency",
    "money_unit",
    "budget",
    "plan_file",
    "external_id",
)
# The PMO's own columns (custom fields brought from Project Online, `pmo import project-online`): kept in the file,
# never checked or read into a record.
CUSTOM_COLUMN_PREFIX = "custom_"
CADENCES = ("monthly", "fortnightly", "quarterly")
# Register columns that feed a differently named template field.
FIELD_ALIASES = {"end_date": "baseline_end_date", "budget": "budget_original"}
_DATE_COLUMNS = ("start_date", "end_date")
# Columns that name things (files, e-mail headers, table cells): a line break typed with Alt+Enter breaks them.
_SINGLE_LINE_COLUMNS = (
    "project_id", "project_name", "project_manager", "sponsor", "programme", "business_unit", "stage", "plan_file",
)  # fmt: skip
# The e-mail columns: an address that is not one e-mail address is a warning, not a refusal (the workbooks are made
# all the same; the record keeps the text as written), saying what no e-mail draft can then do.
_EMAIL_COLUMNS = {
    "pm_email": "no send-out or reminder e-mail can be drafted for this PM until it is corrected",
    "reporter_email": "the send-out goes to the PM only until it is corrected",
    "cc_email": "the sponsor cannot be copied on a second return for correction until it is corrected",
}
_FORBIDDEN_IN_ID = set('<>:"/\\|?*')
# Money fields whose unit the register (or the PMO settings) must state, because the PM reports in it.
_MONEY_KEYS = ("currency", "money_unit")


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
    reporter_email: str = ""
    cc_email: str = ""
    stage: str = ""
    lifecycle_status: str = "active"
    reporting_cadence: str = "monthly"
    # The project's Microsoft Project plan, for `pmo generate --plans DIR` (a name in DIR); blank: DIR/<project_id>.*
    plan_file: str = ""
    fields: dict[str, object] = field(default_factory=dict)
    # What was read but is worth telling the PMO (control characters removed), each with its row.
    warnings: tuple[str, ...] = ()


def required_columns(schema: TemplateSchema) -> tuple[str, ...]:
    return REQUIRED_COLUMNS_BY_TEMPLATE.get(schema.template_id, REQUIRED_COLUMNS)


def _normalise_header(header: object) -> str:
    return as_text(header).strip().lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class RegisterRows:
    """The register's rows as read: (row number as the user sees it, {normalised header: cell}), and its locale."""

    header_row: int
    headers: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, object]], ...]
    locale: CsvLocale | None  # None for a workbook, whose cells are typed


def read_rows(path: Path, csv_locale: str | None = None) -> RegisterRows:
    """Every non-blank row of a CSV or XLSX register, keyed by normalised header."""
    path = Path(path)
    if not path.exists():
        raise RegisterError(str(path), ["the file does not exist"])
    locale = None
    if path.suffix.lower() == ".csv":
        try:
            locale, rows = decode_csv(path.read_bytes(), csv_locale)
        except (LocaleError, CsvError) as error:
            code = "unknown_locale" if isinstance(error, LocaleError) else "not_one_encoding"
            raise RegisterError(str(path), [str(error)], [code]) from None
        rows = [(number, list(cells)) for number, cells in rows if any(cell.strip() for cell in cells)]
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _excel_rows(path)
    else:
        raise RegisterError(str(path), [f"a register must be .csv or .xlsx, not '{path.suffix}'"])
    if not rows:
        raise RegisterError(str(path), ["the register is empty: it needs a header row and one row per project"])
    header_row_number, header = rows[0]
    headers = [_normalise_header(cell) for cell in header]
    while headers and not headers[-1]:
        headers.pop()  # a trailing separator after the last header
    problems = _header_problems(headers, header_row_number)
    records = []
    for row_number, cells in rows[1:]:
        if all(is_blank(cell) for cell in cells):
            continue
        extra = [cell for cell in cells[len(headers) :] if not is_blank(cell)]
        if extra:
            problems.append(
                (
                    "extra_cells",
                    f"row {row_number}: {len(cells)} cells but the header has {len(headers)} columns (the extra "
                    f"'{as_text(extra[0])}' has no column); a number with a decimal comma in a comma-separated file must "
                    "be quoted, or the file saved with semicolons",
                )
            )
        values = {
            headers[index]: cells[index] if index < len(cells) else ""
            for index in range(len(headers))
            if headers[index]
        }
        records.append((row_number, values))
    if problems:
        raise RegisterError.from_coded(str(path), problems)
    return RegisterRows(header_row_number, tuple(name for name in headers if name), tuple(records), locale)


def _header_problems(headers: list[str], header_row: int) -> list[tuple[str, str]]:
    """Two columns for one thing would let one silently win: refuse them, naming both."""
    problems = []
    seen: dict[str, int] = {}
    for position, name in enumerate(headers, start=1):
        if not name:
            continue
        target = FIELD_ALIASES.get(name, name)
        if target in seen:
            problems.append(
                (
                    "duplicate_column",
                    f"row {header_row}: columns {seen[target]} and {position} both give {target} ('{headers[seen[target] - 1]}' "
                    f"and '{name}'); keep one",
                )
            )
        else:
            seen[target] = position
    return problems


def _excel_rows(path: Path) -> list[tuple[int, list[object]]]:
    """The register table (named Register, Portfolio or Projects), else the first sheet, with Excel's error values
    kept as errors (openpyxl keeps `#REF!`; calamine would give a blank) and formulas without a saved result refused.
    A register is a few hundred rows: openpyxl's speed does not matter here, its fidelity does."""
    import zipfile

    import openpyxl

    try:
        values_book = openpyxl.load_workbook(path, data_only=True)
        formula_book = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        message = f"not an Excel workbook ({error}); save the register as .xlsx or .csv"
        raise RegisterError(str(path), [message], ["not_a_workbook"]) from None
    sheet, area = _register_area(values_book)
    formulas = formula_book[sheet.title]
    rows = []
    for row in sheet.iter_rows(min_row=area[0], max_row=area[1], min_col=area[2], max_col=area[3]):
        cells = []
        for cell in row:
            value = cell.value
            if (
                value is None
                and isinstance(formulas[cell.coordinate].value, str)
                and str(formulas[cell.coordinate].value).startswith("=")
            ):
                value = ExcelError("#FORMULA")  # a formula whose result was never saved
            cells.append(value)
        rows.append((row[0].row, cells))
    return [row for row in rows if not all(is_blank(cell) for cell in row[1])]


def _register_area(book) -> tuple[object, tuple[int, int, int, int]]:
    """The sheet and (first row, last row, first column, last column) of the register's table, else the first
    sheet's used area."""
    from openpyxl.utils.cell import range_boundaries

    for preferred in ("register", "portfolio", "projects"):
        for sheet in book.worksheets:
            for name, table in sheet.tables.items():
                if name.casefold() == preferred:
                    first_column, first_row, last_column, last_row = range_boundaries(table.ref)
                    return sheet, (first_row, last_row, first_column, last_column)
    sheet = book.worksheets[0]
    return sheet, (1, sheet.max_row, 1, sheet.max_column)


def read_register(
    path: Path, schema: TemplateSchema, csv_locale: str | None = None, settings: PmoSettings | None = None
) -> list[ProjectRecord]:
    """Read and check the whole register; raise RegisterError listing every problem, with row numbers.

    `csv_locale` names how a CSV writes numbers and dates (`auto` by default: a semicolon file has decimal commas
    and day/month dates). `settings` give the currency and money unit of rows that state none; with neither,
    the row is refused: pmo-xl never assumes a unit.
    """
    return register_from_rows(read_rows(path, csv_locale), str(path), schema, settings)


def read_register_table(
    frame, source: str, schema: TemplateSchema, settings: PmoSettings | None = None
) -> list[ProjectRecord]:
    """The register from a table already in memory (the ribbon's Portfolio table, as the workbook holds it): its
    columns are the headers, its rows numbered as the table's (header row 1); checked as read_register checks a
    file, every problem named with `source` and the row."""
    headers = [_normalise_header(column) for column in frame.columns]
    rows = []
    for number, cells in enumerate(frame.itertuples(index=False, name=None), start=2):
        values = {header: cell for header, cell in zip(headers, cells, strict=True) if header}
        if not all(is_blank(cell) for cell in values.values()):
            rows.append((number, values))
    problems = _header_problems(headers, 1)
    if problems:
        raise RegisterError.from_coded(source, problems)
    register = RegisterRows(1, tuple(name for name in headers if name), tuple(rows), None)
    return register_from_rows(register, source, schema, settings)


def register_from_rows(
    register: RegisterRows, source: str, schema: TemplateSchema, settings: PmoSettings | None = None
) -> list[ProjectRecord]:
    """The checks and records of read_register, over rows already read from `source`."""
    path = source
    settings = settings or PmoSettings()
    headers = list(register.headers)
    problems: list[tuple[str, str]] = []  # (code, message)
    field_names = {f.name for f in schema.fields}
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | field_names
    missing = [column for column in required_columns(schema) if column not in headers]
    if missing:
        problems.append(
            ("missing_column", f"row {register.header_row}: missing required column(s): {', '.join(missing)}")
        )
    unknown = [column for column in headers if column not in known and not column.startswith(CUSTOM_COLUMN_PREFIX)]
    if unknown:
        problems.append(
            (
                "unknown_column",
                f"row {register.header_row}: unknown column(s): {', '.join(unknown)}; allowed are the required columns, "
                f"{', '.join(OPTIONAL_COLUMNS)}, a column named {CUSTOM_COLUMN_PREFIX}..., or a template field name (see "
                "docs/templates.md)",
            )
        )
    needs_money = all(key in field_names for key in _MONEY_KEYS)
    defaults = {"currency": settings.currency, "money_unit": settings.money_unit}
    for key in _MONEY_KEYS if needs_money else ():
        if key not in headers and not defaults[key]:
            what = "currency (e.g. EUR)" if key == "currency" else "money unit (units, k or m)"
            problems.append(
                (
                    "no_money_unit",
                    f"row {register.header_row}: no {what}: add a '{key}' column to the register, or set {key} in the "
                    f"PMO settings; pmo-xl never assumes one, since PMs report every amount in it",
                )
            )
    if missing:
        raise RegisterError.from_coded(str(path), problems)

    locale = register.locale
    reading = _RowReader(
        decimal_mark=locale.decimal_mark if locale else None, day_first=locale.day_first if locale else None
    )
    seen: dict[str, int] = {}
    records: list[ProjectRecord] = []
    ambiguous_dates = 0
    for row_number, values in register.rows:
        row = reading.row(values)
        for column in required_columns(schema):
            if column not in _DATE_COLUMNS and not row.text(column) and column not in row.refused:
                row.problems.append(("required", f"{column} is empty"))
        for column in _SINGLE_LINE_COLUMNS:
            if "\n" in row.text(column) or "\r" in row.text(column):
                row.problems.append((
                    "line_break",
                    f"{column} holds a line break (Alt+Enter in the cell): {row.text(column)!r}; keep it on one line",
                ))  # fmt: skip
        for column, effect in _EMAIL_COLUMNS.items():
            if row.text(column) and address_problem(row.text(column), column):
                row.warnings.append(f"{column} {row.text(column)!r} is not one e-mail address (e.g. "
                                    f"ana@example.org): {effect}")  # fmt: skip
        project_id = row.text("project_id")
        if project_id and _FORBIDDEN_IN_ID & set(project_id):
            row.problems.append(
                ("bad_project_id", f"project_id '{project_id}' contains a character not allowed in file names")
            )
        if project_id:
            if project_id.casefold() in seen:
                row.problems.append(
                    (
                        "duplicate_id",
                        f"duplicate project_id '{project_id}' (first seen in row {seen[project_id.casefold()]})",
                    )
                )
            else:
                seen[project_id.casefold()] = row_number
        dates = {column: row.date(column, required=column in required_columns(schema)) for column in _DATE_COLUMNS}
        if dates["start_date"] and dates["end_date"] and dates["end_date"] < dates["start_date"]:
            row.problems.append(
                ("end_before_start", f"end_date {dates['end_date']} is before start_date {dates['start_date']}")
            )
        lifecycle = row.text("lifecycle_status").lower() or "active"
        if lifecycle not in LIFECYCLE_STATUSES:
            row.problems.append(
                (
                    "not_allowed",
                    f"lifecycle_status '{row.text('lifecycle_status')}' must be one of {', '.join(LIFECYCLE_STATUSES)}",
                )
            )
        cadence = row.text("reporting_cadence").lower() or "monthly"
        if cadence not in CADENCES:
            row.problems.append(
                (
                    "not_allowed",
                    f"reporting_cadence '{row.text('reporting_cadence')}' must be one of {', '.join(CADENCES)}",
                )
            )
        prefill = _prefill(row, schema, dates)
        if needs_money:
            for key in _MONEY_KEYS:
                if key not in prefill and defaults[key] and key not in row.refused:
                    prefill[key] = _choice(schema, key, defaults[key]) or defaults[key]
                if key not in prefill and key not in row.refused:
                    row.problems.append(
                        (
                            "no_money_unit",
                            f"{key} is empty and the PMO settings set none; fill it in (the PM reports every amount in it)",
                        )
                    )
        ambiguous_dates += row.ambiguous_dates
        if row.problems:
            problems += [(code, f"row {row_number}: {problem}") for code, problem in row.problems]
            continue
        records.append(
            ProjectRecord(
                row_number=row_number,
                project_id=project_id,
                project_name=row.text("project_name"),
                project_manager=row.text("project_manager"),
                sponsor=row.text("sponsor"),
                start_date=dates["start_date"],
                end_date=dates["end_date"],
                pm_email=row.text("pm_email"),
                reporter_email=row.text("reporter_email"),
                cc_email=row.text("cc_email"),
                programme=row.text("programme"),
                business_unit=row.text("business_unit"),
                stage=row.text("stage"),
                lifecycle_status=lifecycle,
                reporting_cadence=cadence,
                plan_file=row.text("plan_file"),
                fields=prefill,
                warnings=tuple(f"row {row_number}: {warning}" for warning in row.warnings),
            )
        )
    if ambiguous_dates:
        problems.append(
            (
                "ambiguous_date",
                f"{ambiguous_dates} date(s) could be read day/month or month/day ({_locale_words(locale)}): write dates "
                "as YYYY-MM-DD, or say the register's locale with --csv-locale (en-GB for day/month, en-US for "
                "month/day)",
            )
        )
    if problems:
        raise RegisterError.from_coded(str(path), problems)
    if not records:
        raise RegisterError(str(path), ["the register has a header but no projects"])
    return records


def _locale_words(locale: CsvLocale | None) -> str:
    return locale.describe() if locale else "the workbook's cells hold them as text"


def _choice(schema: TemplateSchema, name: str, text: str) -> str | None:
    return next((choice for choice in schema.field(name).choices if choice.casefold() == text.casefold()), None)


@dataclass
class _RowReader:
    """Reads one register row's cells through pmo_xl.values, collecting each problem and warning once."""

    decimal_mark: str | None
    day_first: bool | None
    values: dict[str, object] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    warnings: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    ambiguous_dates: int = 0

    def row(self, values: dict[str, object]) -> _RowReader:
        return _RowReader(self.decimal_mark, self.day_first, values)

    def _take(self, column: str, reading: Reading) -> object:
        if reading.refused:
            self.refused.add(column)
            self.problems.append((reading.code, reading.message))
            self.ambiguous_dates += reading.code == "ambiguous_date"
        elif reading.severity == "warning":
            self.warnings.append(reading.message)
        return reading.value

    def text(self, column: str) -> str:
        if column in self.refused or column not in self.values:
            return ""
        value = self._take(column, read_text(self.values[column], column))
        self.values[column] = value  # read once: a second look gives the cleaned text without a second warning
        return "" if value is None else str(value)

    def date(self, column: str, required: bool) -> dt.date | None:
        value = self.values.get(column)
        if is_blank(value):
            if required:
                self.problems.append(("required", f"{column} is empty; write it as YYYY-MM-DD"))
            return None
        reading = read_date(value, column, day_first=self.day_first, text_is_normal=True)
        return self._take(column, reading)  # type: ignore[return-value]

    def number(self, column: str, f: Field) -> float | int | None:
        reading = read_number(
            self.values.get(column),
            column,
            decimal_mark=self.decimal_mark,
            minimum=f.minimum,
            maximum=f.maximum,
            whole=f.type == "integer",
            text_is_normal=True,
        )
        return self._take(column, reading)  # type: ignore[return-value]

    def percent(self, column: str, f: Field) -> float | None:
        reading = read_percent(
            self.values.get(column), column, decimal_mark=self.decimal_mark, minimum=f.minimum, maximum=f.maximum
        )
        return self._take(column, reading)  # type: ignore[return-value]


def _prefill(row: _RowReader, schema: TemplateSchema, dates: dict[str, dt.date | None]) -> dict[str, object]:
    """Template field values from the register row: identity, baseline, and any column named after a field."""
    field_names = {f.name for f in schema.fields}
    prefill: dict[str, object] = {}
    for column in list(row.values):
        target = FIELD_ALIASES.get(column, column)
        if target not in field_names or is_blank(row.values[column]):
            continue
        f = schema.field(target)
        if f.formula:
            row.problems.append(
                (
                    "calculated_field",
                    f"column {column}: '{f.name}' is calculated in the template and cannot be pre-filled",
                )
            )
            continue
        if column in _DATE_COLUMNS:
            if dates.get(column) is not None:
                prefill[target] = dates[column]
            continue  # read (and any problem reported) once, with the identity dates
        if f.type == "date":
            value = row.date(column, required=False)
        elif f.type == "percent":
            value = row.percent(column, f)
        elif f.type in ("number", "currency", "integer"):
            value = row.number(column, f)
        elif f.choices:
            text = row.text(column)
            value = _choice(schema, target, text)
            if value is None and text:
                row.refused.add(column)
                row.problems.append(("not_allowed", f"{column} '{text}' must be one of {', '.join(f.choices)}"))
        else:
            value = row.text(column) or None
        if value is not None:
            prefill[target] = value
    if "budget_original" in prefill and "budget_current" in field_names:
        prefill.setdefault("budget_current", prefill["budget_original"])
    return prefill


def reporting_records(records: Sequence[ProjectRecord]) -> tuple[list[ProjectRecord], list[ProjectRecord]]:
    """The projects that report (lifecycle_status active), and the others (on hold, pipeline, closed): status
    workbooks go to the first only, and the others are named, never dropped in silence."""
    active = [record for record in records if record.lifecycle_status == "active"]
    return active, [record for record in records if record.lifecycle_status != "active"]
