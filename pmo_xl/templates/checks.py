"""The template's live checks, each rule written twice side by side: as an Excel formula for the sheet and in
Python for the collector, so the flag a PM sees and the finding the PMO gets cannot drift apart.

The formulas use defined names and functions Excel and LibreOffice both have (AND, OR, IF, ISNUMBER, ISTEXT,
LEN, TRIM, CLEAN, DATE): no structured references, no dynamic arrays. The Python side reads the cells
as the file holds them, as the formula does, never the values validation normalised: a non-breaking space is not
blank, text is text even where the collector could read a number in it, a date is its serial number, and "amber"
is "Amber" but " Amber" is not (so a choice cell holding " Amber" is refused by its 'allowed' check, in the sheet and
by the collector alike). What the collector reads otherwise keeps its own finding (docs/templates.md).
tests/test_live_checks.py holds the two to each other on real workbooks that LibreOffice recalculated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pmo_xl.templates.schema import VALUE_KINDS, Check, Column, Field, Table, TemplateSchema
from pmo_xl.values import EARLIEST_YEAR, LATEST_YEAR, PLAUSIBLE_LIMIT, ExcelError

# Excel's (and LibreOffice's) day 0 in the 1900 date system, and the plausible dates' serials: 1990-01-01 to
# 2100-12-31, pmo_xl.values' range.
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_FIRST_DATE = (dt.datetime(EARLIEST_YEAR, 1, 1) - _EPOCH_1900).days
_END_DATE = (dt.datetime(LATEST_YEAR + 1, 1, 1) - _EPOCH_1900).days
# What Excel's CLEAN removes: the characters 0 to 31.
_EXCEL_CLEANED = re.compile("[\x00-\x1f]")


def blank_formula(name: str) -> str:
    """TRUE when the cell holds nothing but line breaks, tabs and spaces (CLEAN drops the first two, TRIM spaces)."""
    return f'LEN(TRIM(CLEAN({name}&"")))=0'


def _excel_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def bounds(field: Field) -> tuple[float, float]:
    """A number field's 'in_range' bounds: its minimum and maximum, or the plausible +-1e12 (pmo_xl.values). A date
    field's are the plausible dates, 1990-01-01 to 2100-12-31, as serial numbers."""
    if field.type == "date":
        return float(_FIRST_DATE), float(_END_DATE - 1)
    low = -PLAUSIBLE_LIMIT if field.minimum is None else field.minimum
    high = PLAUSIBLE_LIMIT if field.maximum is None else field.maximum
    return low, high


def _value_formula(check: Check, schema: TemplateSchema) -> str:
    target = check.target
    text = f"AND(ISTEXT({target}),NOT({blank_formula(target)}))"
    if check.kind == "required":
        return blank_formula(target)
    if check.kind == "allowed":
        listed = ",".join(f"{target}={_excel_text(choice)}" for choice in schema.field(target).choices)
        return f"AND(NOT({blank_formula(target)}),NOT(OR({listed})))"
    if check.kind in ("is_number", "is_date"):
        return text
    if schema.field(target).type == "date":
        outside = f"OR({target}<DATE({EARLIEST_YEAR},1,1),{target}>=DATE({LATEST_YEAR + 1},1,1))"
    else:
        low, high = bounds(schema.field(target))
        outside = f"OR({target}<{_excel_number(low)},{target}>{_excel_number(high)})"
    return f"AND(ISNUMBER({target}),{outside})"


def _excel_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def failing_formula(check: Check, schema: TemplateSchema) -> str:
    """An Excel condition (no leading '=') that is TRUE when `check` fails, over the template's defined names."""
    target = check.target
    if check.kind in VALUE_KINDS:
        return _value_formula(check, schema)
    if check.kind == "required_when":
        other, values = schema.field(target).required_when  # type: ignore[misc]
        held = "OR(" + ",".join(f"{other}={_excel_text(value)}" for value in values) + ")"
        return f"AND({held},{blank_formula(target)})"
    if check.kind == "explained_when_later":
        subject, other = check.subject, check.other
        return f"AND(ISNUMBER({subject}),ISNUMBER({other}),{subject}>{other},{blank_formula(target)})"
    both = f"ISNUMBER({target}),ISNUMBER({check.other})"
    if check.kind == "not_below":
        return f"AND({both},{target}<{check.other})"
    below = f",{target}<{check.below!r}" if check.below is not None else ""
    return f"AND({both},{target}={check.other}{below})"


def applies_formula(check: Check, schema: TemplateSchema) -> str:
    """An Excel condition that is TRUE when the rule asks something of the target (the completeness % counts it)."""
    if check.kind in VALUE_KINDS:
        return "TRUE"
    if check.kind == "required_when":
        other, values = schema.field(check.target).required_when  # type: ignore[misc]
        return "OR(" + ",".join(f"{other}={_excel_text(value)}" for value in values) + ")"
    if check.kind == "explained_when_later":
        subject, other = check.subject, check.other
        return f"AND(ISNUMBER({subject}),ISNUMBER({other}),{subject}>{other})"
    return f"AND(ISNUMBER({check.target}),ISNUMBER({check.other}))"


def is_blank_as_excel_reads(value: object) -> bool:
    """`blank_formula`, in Python: None, or text of nothing but characters 0-31 and spaces (a non-breaking space is
    not one: Excel's TRIM keeps it)."""
    return value is None or (isinstance(value, str) and not _EXCEL_CLEANED.sub("", value).strip(" "))


def _serial(value: object) -> float | None:
    """A cell's value as Excel compares it: a number, or a date as its serial number; None for text and logicals."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        return (value - _EPOCH_1900).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float((value - _EPOCH_1900.date()).days)
    return None


def _value_fails(check: Check, schema: TemplateSchema, cell: object) -> bool:
    """`_value_formula`, in Python, over the cell as the file holds it."""
    if check.kind == "required":
        return is_blank_as_excel_reads(cell)
    if check.kind == "allowed":
        if isinstance(cell, ExcelError):
            return False  # the formula gives the error itself, and the collector its 'excel_error'
        choices = schema.field(check.target).choices
        return not is_blank_as_excel_reads(cell) and not any(_equals_text(cell, choice) for choice in choices)
    text = isinstance(cell, str) and not is_blank_as_excel_reads(cell)
    serial = _serial(cell)
    if check.kind in ("is_number", "is_date"):
        return text
    if serial is None:
        return False
    if schema.field(check.target).type == "date":
        return not _FIRST_DATE <= serial < _END_DATE
    low, high = bounds(schema.field(check.target))
    return not low <= serial <= high


def _equals_text(cell: object, value: str) -> bool:
    """Excel's `cell="value"`: text compared without regard to case (and nothing trimmed)."""
    return isinstance(cell, str) and cell.casefold() == value.casefold()


def fails(check: Check, schema: TemplateSchema, cells: Mapping[str, object]) -> bool:
    """True when `check` fails on a submission's cells as the file holds them: the formula above, in Python."""
    if check.kind in VALUE_KINDS:
        return _value_fails(check, schema, cells.get(check.target))
    blank = is_blank_as_excel_reads(cells.get(check.target))
    if check.kind == "required_when":
        other, values = schema.field(check.target).required_when  # type: ignore[misc]
        return any(_equals_text(cells.get(other), value) for value in values) and blank
    if check.kind == "explained_when_later":
        subject, other = _serial(cells.get(check.subject)), _serial(cells.get(check.other))
        return subject is not None and other is not None and subject > other and blank
    value, previous = _serial(cells.get(check.target)), _serial(cells.get(check.other))
    if value is None or previous is None:
        return False
    if check.kind == "not_below":
        return value < previous
    return value == previous and (check.below is None or value < check.below)


# -- a table's rows ------------------------------------------------------------------------------------------------
# A table's Check column (its last, `ROW_CHECK_KEY`) shows, in each row that holds something, the first of its rules
# that fails, in a few words ("" when all pass); the collector applies the same rules to the same cells, in the same
# order, and refuses each cell that fails one under the rule's code. A row of nothing but its id shows nothing.

ROW_CHECK_KEY = "check"
ROW_CHECK_HEADER = "Check"
_NUMBER_COLUMNS = ("integer", "number", "percent", "currency")


@dataclass(frozen=True)
class RowRule:
    """One rule on one input column of a table's row: `code` is the collector's finding code."""

    column: Column
    code: str  # 'required', 'not_allowed', 'not_a_number', 'not_a_date', 'not_a_whole_number', 'out_of_range'
    words: str  # what the Check column shows, e.g. "Forecast date: text, not a date."

    def message(self, shown: str) -> str:
        """The collector's words for the cell holding `shown`: the Check column's, with the allowed values."""
        header, choices = self.column.header, ", ".join(self.column.choices)
        return {
            "required": f"{header} is required",
            "not_allowed": f"{header}: '{shown}' is not one of the allowed values ({choices})",
            "not_a_number": f"{header} holds text, not a number: retype it as a number",
            "not_a_date": f"{header} holds text, not a date: retype it as a date, e.g. 2026-12-03",
            "not_a_whole_number": f"{header} must be a whole number",
        }.get(self.code, self.words.removesuffix("."))


def row_inputs(table: Table) -> tuple[Column, ...]:
    """The columns a PM fills in: not the id, nothing locked, no formula (the Check column is one)."""
    return tuple(column for column in table.columns if not column.locked and column.formula is None)


def row_rules(table: Table) -> tuple[RowRule, ...]:
    """The table's row rules, in the order the Check column tries them: column by column, left to right."""
    rules: list[RowRule] = []
    for column in row_inputs(table):
        header = column.header
        if column.required:
            rules.append(RowRule(column, "required", f"{header}: to fill in."))
        if column.type in ("choice", "rag") or (column.type == "integer" and column.allowed):
            rules.append(RowRule(column, "not_allowed", f"{header}: not on the list."))
        if column.type in _NUMBER_COLUMNS:
            rules.append(RowRule(column, "not_a_number", f"{header}: text, not a number."))
            if column.type == "integer" and not column.allowed:
                rules.append(RowRule(column, "not_a_whole_number", f"{header}: not a whole number."))
            if not (column.type == "integer" and column.allowed):
                low = "too large." if column.minimum is None else f"below {column.minimum:g} or too large."
                rules.append(RowRule(column, "out_of_range", f"{header}: {low}"))
        if column.type == "date":
            rules.append(RowRule(column, "not_a_date", f"{header}: text, not a date."))
            rules.append(RowRule(column, "out_of_range", f"{header}: no date from 1990 to 2100."))
    return tuple(rules)


def _rule_formula(rule: RowRule, ref: str) -> str:
    column = rule.column
    if rule.code == "required":
        return blank_formula(ref)
    if rule.code == "not_allowed":
        if column.type == "integer":
            listed = ",".join(f"{ref}={choice}" for choice in column.allowed)
            return f"AND(ISNUMBER({ref}),NOT(OR({listed})))"
        listed = ",".join(f"{ref}={_excel_text(choice)}" for choice in column.choices)
        return f"AND(NOT({blank_formula(ref)}),NOT(OR({listed})))"
    if rule.code in ("not_a_number", "not_a_date"):
        return f"AND(ISTEXT({ref}),NOT({blank_formula(ref)}))"
    if rule.code == "not_a_whole_number":
        return f"AND(ISNUMBER({ref}),{ref}<>INT({ref}))"
    if column.type == "date":
        return f"AND(ISNUMBER({ref}),OR({ref}<DATE({EARLIEST_YEAR},1,1),{ref}>=DATE({LATEST_YEAR + 1},1,1)))"
    low, high = bounds(column)  # type: ignore[arg-type]
    return f"AND(ISNUMBER({ref}),OR({ref}<{_excel_number(low)},{ref}>{_excel_number(high)}))"


def row_check_formula(table: Table) -> str:
    """The Check column's formula (no leading '='), with {Header} for each same-row cell (the builder's placeholders
    for a table's calculated column): "" for a row of nothing but its id, else the first failing rule's words."""
    inputs = row_inputs(table)
    empty = "AND(" + ",".join(blank_formula("{" + column.header + "}") for column in inputs) + ")"
    shown = '""'
    for rule in reversed(row_rules(table)):
        shown = f"IF({_rule_formula(rule, '{' + rule.column.header + '}')},{_excel_text(rule.words)},{shown})"
    return f'IF({empty},"",{shown})'


def _rule_fails(rule: RowRule, cell: object) -> bool:
    column = rule.column
    if isinstance(cell, ExcelError):
        return False  # the formula gives the error itself, and the collector its 'excel_error'
    if rule.code == "required":
        return is_blank_as_excel_reads(cell)
    serial = _serial(cell)
    if rule.code == "not_allowed":
        if column.type == "integer":
            return serial is not None and serial not in {float(choice) for choice in column.allowed}
        return not is_blank_as_excel_reads(cell) and not any(_equals_text(cell, choice) for choice in column.choices)
    if rule.code in ("not_a_number", "not_a_date"):
        return isinstance(cell, str) and not is_blank_as_excel_reads(cell)
    if serial is None:
        return False
    if rule.code == "not_a_whole_number":
        return not serial.is_integer()
    if column.type == "date":
        return not _FIRST_DATE <= serial < _END_DATE
    low, high = bounds(column)  # type: ignore[arg-type]
    return not low <= serial <= high


def row_failures(table: Table, row: Mapping[str, object]) -> tuple[RowRule, ...]:
    """The rules a row's cells fail, as the file holds them (the Check column shows the first), one a column at
    most: a column's first failing rule. None for a row of nothing but its id, as the formula reads blank."""
    if all(is_blank_as_excel_reads(row.get(column.key)) for column in row_inputs(table)):
        return ()
    failed: dict[str, RowRule] = {}
    for rule in row_rules(table):
        key = rule.column.key
        if key not in failed and key in row and _rule_fails(rule, row[key]):
            failed[key] = rule
    return tuple(failed.values())


__all__ = [
    "ROW_CHECK_HEADER",
    "ROW_CHECK_KEY",
    "RowRule",
    "applies_formula",
    "blank_formula",
    "bounds",
    "failing_formula",
    "fails",
    "is_blank_as_excel_reads",
    "row_check_formula",
    "row_failures",
    "row_rules",
]
