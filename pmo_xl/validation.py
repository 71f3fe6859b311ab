"""Validate a parsed submission against its template schema: normalise what is clear, reject what is not.

Pure logic over a ParsedSubmission: no file access. Every finding names the sheet, the defined name or table
column, and the cell. The rules for percentages and dates typed as text are in docs/collect-input-rules.md; in
short, a value is normalised only when exactly one reading makes sense, and rejected (never guessed) otherwise.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass, replace

from pmo_xl.periods import is_month, period_of
from pmo_xl.schema import Column, Field, Table, TemplateSchema
from pmo_xl.submissions import Finding, ParsedSubmission, Value

# Excel's cap on the characters in one cell; longer text was not typed in Excel and would be cut on the way back.
EXCEL_CELL_TEXT_LIMIT = 32767
# Dates outside these years are typos (a year of 202) or a number read as a date (serial 65 = 1900-03-05).
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100
_EPOCH_1900 = dt.date(1899, 12, 30)
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_SLASHED_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]+)\.?,?[ -](\d{4})$")
_NAMED_MONTH_FIRST = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Between 1 and 2 a number may be a fraction typed over 100% (1.5 = 150%) or a tiny percentage (1.5%).
_AMBIGUOUS_PERCENT = (1.0, 2.0)


@dataclass(frozen=True)
class _Place:
    sheet: str
    where: str
    cell: str
    row: int | None = None


def validate(
    parsed: ParsedSubmission, schema: TemplateSchema, today: dt.date, register_ids: set[str] | None = None
) -> tuple[ParsedSubmission, list[Finding]]:
    """The submission with its values normalised, and every finding; any 'error' finding means rejected."""
    findings: list[Finding] = []
    fields = dict(parsed.fields)
    empty = {name for name, value in fields.items() if _is_blank(value)}
    schema_fields = schema.fields  # a property that rebuilds its tuple on every call
    for field in schema_fields:
        if field.formula is not None or field.name not in fields:
            continue  # formula results are recomputed; a missing name was reported by the reader
        value = _clean_cell(fields[field.name], field)
        if value is _SLOW:
            place = _field_place(parsed, schema, field)
            value = _normalise(fields[field.name], field, place, findings, field.name in parsed.percent_formatted)
        fields[field.name] = value
    for field in schema_fields:
        # the period has its own check, with the metadata, in _check_identity
        if field.name in empty and field.formula is None and field.name != "reporting_period":
            reason = _required_reason(field, fields, schema)
            if reason:
                findings.append(
                    _finding(
                        "error", "required", f"{field.label} is empty; {reason}", _field_place(parsed, schema, field)
                    )
                )
    _check_identity(parsed, schema, fields, today, register_ids, findings)
    _recompute_formula_fields(schema, fields)
    tables = {}
    for table in schema.tables:
        if table.name in parsed.tables:
            tables[table.name] = _validate_table(parsed, table, findings)
    normalised = replace(parsed, fields=fields, tables=tables)
    return normalised, findings


def _is_blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# -- where --------------------------------------------------------------------------------------------------------


def _field_place(parsed: ParsedSubmission, schema: TemplateSchema, field: Field) -> _Place:
    cell = parsed.field_cells.get(field.name, "")
    sheet = cell.rpartition("!")[0].strip("'") if cell else schema.main_sheet
    return _Place(sheet, field.name, cell)


def _column_place(parsed: ParsedSubmission, table: Table, header: str, key: str, excel_row: int | None) -> _Place:
    column = parsed.column_cells.get(table.name, {}).get(key, "")
    cell = f"{column}{excel_row}" if column and excel_row else ""
    sheet = column.rpartition("!")[0].strip("'") if column else table.sheet
    return _Place(sheet, f"{table.name}[{header}]", cell, excel_row)


def _finding(severity: str, code: str, message: str, place: _Place) -> Finding:
    return Finding(severity, code, message, sheet=place.sheet, where=place.where, cell=place.cell, row=place.row)  # type: ignore[arg-type]


# -- values -------------------------------------------------------------------------------------------------------


def _normalise(
    value: Value, spec: Field | Column, place: _Place, findings: list[Finding], percent_cell: bool = False
) -> Value:
    """One cell's value in its declared type, or None after adding an error finding."""
    if isinstance(value, str):
        if len(value) > EXCEL_CELL_TEXT_LIMIT:
            findings.append(
                _finding(
                    "error",
                    "string_too_long",
                    f"{_label(spec)} holds {len(value):,} characters; Excel cells hold at most "
                    f"{EXCEL_CELL_TEXT_LIMIT:,}. Shorten it or attach the detail separately",
                    place,
                )
            )
            return None
        value = value.strip()
        if value == "":
            return None
    if value is None:
        return None
    kind = spec.type
    if kind == "text":
        return _as_text(value)
    if kind in ("choice", "rag"):
        return _as_choice(value, spec, place, findings)
    if kind == "date":
        return _as_date(value, spec, place, findings)
    if kind == "percent":
        return _as_percent(value, spec, place, findings, percent_cell)
    number = _as_number(value, spec, place, findings)
    if number is None:
        return None
    if kind == "integer":
        if not float(number).is_integer():
            findings.append(
                _finding("error", "not_a_whole_number", f"{_label(spec)} must be a whole number, not {number}", place)
            )
            return None
        number = int(number)
        if spec.allowed and str(number) not in spec.allowed:
            findings.append(_not_allowed(spec, number, place))
            return None
    return _in_range(number, spec, place, findings)


def _label(spec: Field | Column) -> str:
    return spec.label if isinstance(spec, Field) else spec.header


def _as_text(value: Value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_choice(value: Value, spec: Field | Column, place: _Place, findings: list[Finding]) -> Value:
    text = _as_text(value)
    for allowed in spec.choices:
        if allowed.casefold() == text.casefold():
            return allowed
    findings.append(_not_allowed(spec, text, place))
    return None


def _not_allowed(spec: Field | Column, value: object, place: _Place) -> Finding:
    choices = ", ".join(spec.choices)
    return _finding(
        "error", "not_allowed", f"{_label(spec)}: '{value}' is not one of the allowed values ({choices})", place
    )


def _as_number(value: Value, spec: Field | Column, place: _Place, findings: list[Finding]) -> float | int | None:
    if isinstance(value, bool | dt.date):
        findings.append(
            _finding("error", "not_a_number", f"{_label(spec)} must be a number, not {_as_text(value)}", place)
        )
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            findings.append(_finding("error", "not_a_number", f"{_label(spec)} must be a finite number", place))
            return None
        return value
    text = str(value).replace("\u00a0", "").replace(" ", "")
    if _PLAIN_NUMBER.match(text):
        number = float(text)
        findings.append(
            _finding(
                "warning",
                "number_as_text",
                f"{_label(spec)} was typed as text ('{value}'); read as the number {_as_text(number)}",
                place,
            )
        )
        return int(number) if number.is_integer() else number
    findings.append(
        _finding(
            "error",
            "not_a_number",
            f"{_label(spec)} must be a number, not the text '{_short(str(value))}'; type digits only, with a "
            "point for decimals, e.g. 1250.5",
            place,
        )
    )
    return None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _in_range(number: float | int, spec: Field | Column, place: _Place, findings: list[Finding]) -> float | int | None:
    if spec.minimum is not None and number < spec.minimum:
        findings.append(
            _finding("error", "out_of_range", f"{_label(spec)} is {number}, below the minimum {spec.minimum:g}", place)
        )
        return None
    if spec.maximum is not None and number > spec.maximum:
        findings.append(
            _finding("error", "out_of_range", f"{_label(spec)} is {number}, above the maximum {spec.maximum:g}", place)
        )
        return None
    return number


def normalise_percent(value: float, percent_cell: bool) -> tuple[float | None, str]:
    """(fraction, how it was read): 'as_is', 'points' (65 -> 0.65), or (None, 'ambiguous' / 'negative').

    The rule, documented in docs/collect-input-rules.md: Excel stores 65% as 0.65, so a fraction below 1 is taken
    as it is, and 1 is 100% only in a cell still formatted as a percentage. From 2 up, a number can only be
    percentage points (200% done makes no sense), so it is divided by 100 with a warning. Between 1 and 2
    (1, 1.5) both readings are plausible, so the value is rejected rather than guessed.
    """
    if value < 0:
        return None, "negative"
    if value < 1 or (value == 1 and percent_cell):
        return value, "as_is"
    low, high = _AMBIGUOUS_PERCENT
    if low <= value < high:
        return None, "ambiguous"
    return value / 100, "points"


def _as_percent(
    value: Value, spec: Field | Column, place: _Place, findings: list[Finding], percent_cell: bool
) -> Value:
    typed_as_text = isinstance(value, str)
    if typed_as_text and value.rstrip().endswith("%"):
        number = _as_number(value.rstrip()[:-1].strip(), spec, _Place(place.sheet, place.where, place.cell), [])
        if number is None:
            findings.append(_finding("error", "not_a_number", f"{_label(spec)}: '{value}' is not a percentage", place))
            return None
        fraction = number / 100
        findings.append(
            _finding(
                "warning",
                "percent_as_text",
                f"{_label(spec)} was typed as text ('{value}'); read as {fraction:.4g}",
                place,
            )
        )
        return _in_range(fraction, spec, place, findings)
    number = _as_number(value, spec, place, findings)
    if number is None:
        return None
    fraction, reading = normalise_percent(float(number), percent_cell and not typed_as_text)
    if reading == "ambiguous":
        findings.append(
            _finding(
                "error",
                "ambiguous_percent",
                f"{_label(spec)} is {number:g}, which could mean {number:g}% or {number * 100:g}%; type it with a "
                f"percent sign, e.g. {number:g}% or 100%",
                place,
            )
        )
        return None
    if fraction is None:
        findings.append(
            _finding("error", "out_of_range", f"{_label(spec)} is {number:g}; a percentage cannot be negative", place)
        )
        return None
    if reading == "points":
        findings.append(
            _finding(
                "warning",
                "percent_normalised",
                f"{_label(spec)} was {number:g}, read as {number:g}% ({fraction:.4g}); type percentages as 65% or 0.65",
                place,
            )
        )
    return _in_range(int(fraction) if float(fraction).is_integer() else fraction, spec, place, findings)


def parse_date_text(text: str) -> tuple[dt.date | None, str]:
    """(date, '') for an ISO or unambiguous local date typed as text, else (None, why it is not read).

    ISO (2026-12-25) is read as is. Day and month in digits (25/12/2026, 12/25/2026) are read only when one of
    the two numbers exceeds 12 or both are equal; 03/12/2026 could be 3 December or 12 March and is rejected.
    A dotted date (3.12.2026) is day first, as everywhere dots are used. Month names in English are read too
    (3 Dec 2026, December 3, 2026). Two-digit years are rejected.
    """
    text = text.strip()
    match = _ISO_DATE.match(text)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _SLASHED_DATE.match(text)
    if match:
        first, separator, second, year = int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))
        if separator == ".":
            return _safe_date(year, second, first)
        if first > 12 and second > 12:
            return None, "neither number can be a month"
        if first > 12 >= second or first == second:
            return _safe_date(year, second, first)
        if second > 12 >= first:
            return _safe_date(year, first, second)
        return None, "ambiguous"
    match = _NAMED_DAY_FIRST.match(text)
    if match and match.group(2).casefold() in _MONTH_NAMES:
        return _safe_date(int(match.group(3)), _MONTH_NAMES[match.group(2).casefold()], int(match.group(1)))
    match = _NAMED_MONTH_FIRST.match(text)
    if match and match.group(1).casefold() in _MONTH_NAMES:
        return _safe_date(int(match.group(3)), _MONTH_NAMES[match.group(1).casefold()], int(match.group(2)))
    return None, "not a date"


def _safe_date(year: int, month: int, day: int) -> tuple[dt.date | None, str]:
    try:
        return dt.date(year, month, day), ""
    except ValueError:
        return None, "no such day"


def _as_date(value: Value, spec: Field | Column, place: _Place, findings: list[Finding]) -> dt.date | None:
    label = _label(spec)
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, bool):
        result = None
    elif isinstance(value, int | float):
        # A date cell reformatted as a number keeps its serial; 1900 date system (the 1904 system is rare and
        # calamine already converts date-formatted cells under either).
        try:
            result = _EPOCH_1900 + dt.timedelta(days=int(value))
        except OverflowError:
            result = None
        if result is not None and EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            findings.append(
                _finding(
                    "warning",
                    "date_as_number",
                    f"{label} holds the number {value:g}, read as the date {result.isoformat()}; format the cell "
                    "as a date",
                    place,
                )
            )
            return result
        findings.append(_finding("error", "not_a_date", f"{label}: the number {value:g} is not a date", place))
        return None
    else:
        result, why = parse_date_text(str(value))
        if result is None:
            hint = (
                f"'{value}' could be day/month or month/day; type it as {_iso_hint(str(value))}"
                if why == "ambiguous"
                else f"'{_short(str(value))}' is not a date; type it as YYYY-MM-DD, e.g. 2026-12-03"
            )
            findings.append(
                _finding("error", "ambiguous_date" if why == "ambiguous" else "not_a_date", f"{label}: {hint}", place)
            )
            return None
        findings.append(
            _finding(
                "warning", "date_as_text", f"{label} was typed as text ('{value}'); read as {result.isoformat()}", place
            )
        )
    if result is None:
        findings.append(_finding("error", "not_a_date", f"{label}: '{value}' is not a date", place))
        return None
    if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
        findings.append(
            _finding(
                "error", "not_a_date", f"{label}: {result.isoformat()} is outside {EARLIEST_YEAR}-{LATEST_YEAR}", place
            )
        )
        return None
    return result


def _iso_hint(text: str) -> str:
    match = _SLASHED_DATE.match(text.strip())
    if not match:
        return "YYYY-MM-DD"
    first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
    return f"{year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d} (YYYY-MM-DD)"


# -- rules across fields ------------------------------------------------------------------------------------------


def _required_reason(field: Field, fields: dict[str, Value], schema: TemplateSchema) -> str:
    if field.required:
        return "it is required"
    if field.required_when:
        other, values = field.required_when
        if fields.get(other) in values:
            return f"it is required because {schema.field(other).label} is {fields[other]}"
    return ""


def _check_identity(
    parsed: ParsedSubmission,
    schema: TemplateSchema,
    fields: dict[str, Value],
    today: dt.date,
    register_ids: set[str] | None,
    findings: list[Finding],
) -> None:
    """The project and period the file claims, checked against its metadata, the calendar and the register."""
    metadata = parsed.metadata
    names = {f.name for f in schema.fields}
    project_id = str(fields.get("project_id") or metadata.project_id or "")
    if "project_id" in fields and metadata.project_id and fields["project_id"] not in (None, metadata.project_id):
        findings.append(
            _finding(
                "error",
                "identity_mismatch",
                f"the Project ID cell says '{fields['project_id']}' but the workbook was generated for "
                f"'{metadata.project_id}'; the PM must report in the workbook generated for their project",
                _field_place(parsed, schema, schema.field("project_id")),
            )
        )
    if register_ids is not None and project_id and project_id not in register_ids:
        place = (
            _field_place(parsed, schema, schema.field("project_id")) if "project_id" in names else _Place("", "", "")
        )
        findings.append(
            _finding("error", "unknown_project", f"project '{project_id}' is not in the project register", place)
        )
    period_place = (
        _field_place(parsed, schema, schema.field("reporting_period"))
        if "reporting_period" in names
        else _Place("_pmo", "pmo_meta_reporting_period", "")
    )
    period_cell = fields.get("reporting_period")
    period = str(period_cell or metadata.reporting_period or "").strip()
    if not period:
        findings.append(
            _finding("error", "period_missing", "the reporting period is missing (expected YYYY-MM)", period_place)
        )
    elif not is_month(period):
        findings.append(
            _finding(
                "error", "period_invalid", f"the reporting period '{period}' is not a month (YYYY-MM)", period_place
            )
        )
    else:
        if metadata.reporting_period and period_cell and period != metadata.reporting_period:
            findings.append(
                _finding(
                    "error",
                    "identity_mismatch",
                    f"the reporting period cell says {period} but the workbook was generated for "
                    f"{metadata.reporting_period}; use the workbook generated for {period}",
                    period_place,
                )
            )
        if period > period_of(today):
            findings.append(
                _finding(
                    "error",
                    "period_in_future",
                    f"the reporting period {period} is in the future (today is {today.isoformat()})",
                    period_place,
                )
            )
    submitted_on = fields.get("submitted_on")
    if isinstance(submitted_on, dt.date) and submitted_on > today + dt.timedelta(days=1):
        findings.append(
            _finding(
                "error",
                "date_in_future",
                f"Submitted on is {submitted_on.isoformat()}, after today ({today.isoformat()}); it decides which "
                "resubmission is newest, so it must be the real date",
                _field_place(parsed, schema, schema.field("submitted_on")),
            )
        )


def _recompute_formula_fields(schema: TemplateSchema, fields: dict[str, Value]) -> None:
    """Formula cells carry no cached value in our workbooks; the few results collect needs are recomputed here."""
    names = {f.name for f in schema.fields}
    if "budget_variance" in names:
        budget, estimate = fields.get("budget_current"), fields.get("estimate_at_completion")
        both = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (budget, estimate))
        fields["budget_variance"] = budget - estimate if both else None  # type: ignore[operator]


def _validate_table(parsed: ParsedSubmission, table: Table, findings: list[Finding]) -> list[dict[str, Value]]:
    rows = parsed.tables[table.name]
    excel_rows = parsed.table_rows.get(table.name, [])
    specs = [column for column in table.columns if column.formula is None]
    if table.month_series and rows:
        series = table.month_series
        specs += [
            Column(key, key, series.type, minimum=series.minimum, maximum=series.maximum)
            for key in rows[0]
            if is_month(key)
        ]
    has_severity = any(column.key == "severity" for column in table.columns)
    result = []
    for index, row in enumerate(rows):
        excel_row = excel_rows[index] if index < len(excel_rows) else None
        normalised: dict[str, Value] = {}
        for column in specs:
            if column.key not in row:
                continue  # a renamed header, reported by the reader
            raw = row[column.key]
            value = _clean_cell(raw, column)
            if value is _SLOW:
                place = _column_place(parsed, table, column.header, column.key, excel_row)
                value = _normalise(raw, column, place, findings)
            if column.required and not column.locked and _is_blank(raw):
                item = f" ({row['id']})" if row.get("id") else ""
                place = _column_place(parsed, table, column.header, column.key, excel_row)
                findings.append(
                    _finding("error", "required", f"{table.name}{item}: {column.header} is required", place)
                )
            normalised[column.key] = value
        if has_severity:
            probability, impact = normalised.get("probability"), normalised.get("impact")
            both = isinstance(probability, int) and isinstance(impact, int)
            normalised["severity"] = probability * impact if both else None  # type: ignore[operator]
        result.append(normalised)
    if table.id_prefix:
        _check_stable_ids(parsed, table, result, excel_rows, findings)
    return result


def _check_stable_ids(
    parsed: ParsedSubmission,
    table: Table,
    rows: list[dict[str, Value]],
    excel_rows: list[int],
    findings: list[Finding],
) -> None:
    """Items are matched period to period by their stable id: an item without one gets the next free id (with a
    warning, so the PMO can tell the PM), and two items sharing one are rejected, since no one can tell which
    of them the history belongs to."""
    header = table.columns[0].header
    id_pattern = _stable_id_pattern(table.id_prefix)
    numbers = [int(match.group(1)) for row in rows if (match := id_pattern.fullmatch(str(row.get("id") or "")))]
    next_number = max(numbers, default=0) + 1
    seen: dict[str, int | None] = {}
    for index, row in enumerate(rows):
        excel_row = excel_rows[index] if index < len(excel_rows) else None
        if row.get("id") is None:
            place = _column_place(parsed, table, header, "id", excel_row)
            row["id"] = f"{table.id_prefix}{next_number:03d}"
            next_number += 1
            findings.append(
                _finding(
                    "warning",
                    "missing_id",
                    f"{table.name}: an item has no {header}; it was given {row['id']}. Keep the pre-filled ids and "
                    "use the next blank row for new items",
                    place,
                )
            )
        elif row["id"] in seen:
            first = seen[row["id"]]
            place = _column_place(parsed, table, header, "id", excel_row)
            findings.append(
                _finding(
                    "error",
                    "duplicate_id",
                    f"{table.name}: {header} {row['id']} is used twice (also in row {first}); each item needs its "
                    "own id, which the PMO uses to follow it from period to period",
                    place,
                )
            )
        else:
            seen[str(row["id"])] = excel_row


@functools.lru_cache(maxsize=32)
def _stable_id_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(re.escape(prefix) + r"(\d+)")


_SLOW = object()


def _clean_cell(raw: Value, column: Field | Column) -> Value | object:
    """The normalised value of the common, clean cases (most table cells), or _SLOW for the full rules.

    Tables hold most of a submission's cells; this skips building a place for each one. Each shortcut gives the
    same result as _normalise would.
    """
    if raw is None:
        return None
    kind = column.type
    raw_type = type(raw)
    if raw_type is str:
        if len(raw) > EXCEL_CELL_TEXT_LIMIT:
            return _SLOW
        text = raw.strip()
        if not text:
            return None
        if kind == "text":
            return text
        if kind in ("choice", "rag"):
            for allowed in column.choices:
                if allowed == text:
                    return allowed
        return _SLOW
    if raw_type is int or raw_type is float:
        if kind in ("number", "currency") or (kind == "integer" and raw_type is int and not column.allowed):
            if raw_type is float and not math.isfinite(raw):
                return _SLOW
            if (column.minimum is None or raw >= column.minimum) and (column.maximum is None or raw <= column.maximum):
                return raw
        if kind == "integer" and raw_type is int and str(raw) in column.allowed:
            return raw
        return _SLOW
    if raw_type is dt.date and kind == "date" and EARLIEST_YEAR <= raw.year <= LATEST_YEAR:  # type: ignore[union-attr]
        return raw
    return _SLOW


__all__ = ["EXCEL_CELL_TEXT_LIMIT", "normalise_percent", "parse_date_text", "validate"]
