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

from pmo_xl import values
from pmo_xl.periods import is_month, period_of
from pmo_xl.submissions import Finding, ParsedSubmission, Value
from pmo_xl.templates.catalog import budget_variance
from pmo_xl.templates.checks import ROW_CHECK_KEY, fails, row_failures
from pmo_xl.templates.schema import VALUE_KINDS, Column, Field, Table, TemplateSchema

# Excel's cap on the characters in one cell; longer text was not typed in Excel and would be cut on the way back.
EXCEL_CELL_TEXT_LIMIT = values.EXCEL_CELL_TEXT_LIMIT


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
    empty = {name for name, value in fields.items() if values.is_blank(value)}
    schema_fields = schema.fields  # a property that rebuilds its tuple on every call
    shown = _value_checks(parsed, schema, findings)
    for field in schema_fields:
        if field.formula is not None or field.name not in fields:
            continue  # formula results are recomputed; a missing name was reported by the reader
        if field.name in shown:
            fields[field.name] = None  # refused, in the words of the check the sheet shows
            continue
        value = _clean_cell(fields[field.name], field)
        if value is _SLOW:
            place = _field_place(parsed, schema, field)
            value = _normalise(fields[field.name], field, place, findings, field.name in parsed.percent_formatted)
        fields[field.name] = value
    required_when = [check for check in schema.checks if check.kind == "required_when"]
    shown |= {check.target for check in required_when if fails(check, schema, parsed.fields)}
    for field in schema_fields:
        # the period has its own check, with the metadata, in _check_identity
        if field.name in empty and field.formula is None and field.name != "reporting_period":
            reason = "" if field.name in shown else _required_reason(field, fields, schema)
            if reason:
                findings.append(
                    _finding(
                        "error", "required", f"{field.label} is empty; {reason}", _field_place(parsed, schema, field)
                    )
                )
    _check_identity(parsed, schema, fields, today, register_ids, findings)
    _recompute_formula_fields(schema, fields)
    _live_checks(parsed, schema, findings)
    tables = {}
    for table in schema.tables:
        if table.name in parsed.tables:
            tables[table.name] = _validate_table(parsed, table, findings)
    normalised = replace(parsed, fields=fields, tables=tables)
    return normalised, findings


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
    """One cell's value in its declared type, or None after adding an error finding (pmo_xl.values decides)."""
    label = _label(spec)
    if isinstance(value, str) and len(value) > EXCEL_CELL_TEXT_LIMIT:
        findings.append(
            _finding(
                "error",
                "string_too_long",
                f"{label} holds {len(value):,} characters; Excel cells hold at most "
                f"{EXCEL_CELL_TEXT_LIMIT:,}. Shorten it or attach the detail separately",
                place,
            )
        )
        return None
    kind = spec.type
    if kind in ("text", "choice", "rag"):
        reading = values.read_text(value, label)
        if kind != "text" and reading.value is not None:
            _report(reading, place, findings)
            return _as_choice(reading.value, spec, place, findings)
    elif kind == "date":
        reading = values.read_date(value, label)
    elif kind == "percent":
        reading = values.read_percent(
            value, label, percent_cell=percent_cell, minimum=spec.minimum, maximum=spec.maximum
        )
    else:
        # A list of allowed whole numbers says more than a range: check it first.
        bounded = not (kind == "integer" and spec.allowed)
        reading = values.read_number(
            value,
            label,
            minimum=spec.minimum if bounded else None,
            maximum=spec.maximum if bounded else None,
            whole=kind == "integer",
        )
        if kind == "integer" and reading.value is not None and spec.allowed and str(reading.value) not in spec.allowed:
            findings.append(_not_allowed(spec, reading.value, place))
            return None
    _report(reading, place, findings)
    return reading.value  # type: ignore[return-value]


def _report(reading: values.Reading, place: _Place, findings: list[Finding]) -> None:
    if reading.severity:
        findings.append(_finding(reading.severity, reading.code, reading.message, place))


def _label(spec: Field | Column) -> str:
    return spec.label if isinstance(spec, Field) else spec.header


def _as_choice(value: Value, spec: Field | Column, place: _Place, findings: list[Finding]) -> Value:
    text = values.as_text(value)
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


# -- rules across fields ------------------------------------------------------------------------------------------


def _required_reason(field: Field, fields: dict[str, Value], schema: TemplateSchema) -> str:
    if field.required:
        return "it is required"
    if field.required_when:
        other, values = field.required_when
        if fields.get(other) in values:
            return f"it is required because {schema.field(other).label} is {fields[other]}"
    return ""


def _value_checks(parsed: ParsedSubmission, schema: TemplateSchema, findings: list[Finding]) -> set[str]:
    """The template's value checks (schema.VALUE_KINDS) on the cells as the file holds them, before any reading:
    a finding for each that fails, and the fields they failed on. Such a finding is its cell's only one: it takes
    the place of the generic one the reading would give ('required', 'not_a_number', 'number_as_text',
    'out_of_range', 'percent_normalised', 'date_as_text'...), so a fault is listed once, as the sheet shows it."""
    failed: set[str] = set()
    for check in schema.checks:
        if check.kind in VALUE_KINDS and check.target in parsed.fields and fails(check, schema, parsed.fields):
            place = _field_place(parsed, schema, schema.field(check.target))
            findings.append(_finding(check.severity, check.name, check.message, place))
            failed.add(check.target)
    return failed


def _live_checks(parsed: ParsedSubmission, schema: TemplateSchema, findings: list[Finding]) -> None:
    """The template's other checks (schema.Check), the rules its sheet shows live across fields and periods: a
    finding for each that fails, in the check's own words and under its name (a 'required_when' check's replaces
    the field's generic 'required'). Each reads the cells as the file holds them, as the sheet's formulas do."""
    for check in schema.checks:
        if check.kind not in VALUE_KINDS and fails(check, schema, parsed.fields):
            place = _field_place(parsed, schema, schema.field(check.target))
            findings.append(_finding(check.severity, check.name, check.message, place))


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
        fields["budget_variance"] = budget_variance(fields.get("budget_current"), fields.get("estimate_at_completion"))


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
    row_checked = any(column.key == ROW_CHECK_KEY and column.formula for column in table.columns)
    result = []
    for index, row in enumerate(rows):
        excel_row = excel_rows[index] if index < len(excel_rows) else None
        normalised: dict[str, Value] = {}
        # The rules the row's Check column shows, on the cells as the file holds them: a cell that fails one is
        # refused under its code and words, and not read further (its finding is the cell's only one).
        failed = {rule.column.key: rule for rule in row_failures(table, row)} if row_checked else {}
        for column in specs:
            if column.key not in row:
                continue  # a renamed header, reported by the reader
            raw = row[column.key]
            if column.key in failed:
                item = f" ({row['id']})" if row.get("id") else ""
                place = _column_place(parsed, table, column.header, column.key, excel_row)
                findings.append(
                    _finding(
                        "error",
                        failed[column.key].code,
                        f"{table.name}{item}: {failed[column.key].message(values.as_text(raw))}",
                        place,
                    )
                )
                normalised[column.key] = None
                continue
            value = _clean_cell(raw, column)
            if value is _SLOW:
                place = _column_place(parsed, table, column.header, column.key, excel_row)
                value = _normalise(raw, column, place, findings)
            if column.required and not column.locked and values.is_blank(raw):
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
        if len(raw) > EXCEL_CELL_TEXT_LIMIT or values.has_control_characters(raw):
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
            low = -values.PLAUSIBLE_LIMIT if column.minimum is None else column.minimum
            high = values.PLAUSIBLE_LIMIT if column.maximum is None else column.maximum
            if low <= raw <= high:
                return raw
        if kind == "integer" and raw_type is int and str(raw) in column.allowed:
            return raw
        return _SLOW
    if raw_type is dt.date and kind == "date" and values.EARLIEST_YEAR <= raw.year <= values.LATEST_YEAR:  # type: ignore[union-attr]
        return raw
    return _SLOW


# Re-exported: the percent and date rules live in pmo_xl.values, the one place values are read.
normalise_percent = values.normalise_percent
parse_date_text = values.parse_date_text

__all__ = ["EXCEL_CELL_TEXT_LIMIT", "normalise_percent", "parse_date_text", "validate"]
