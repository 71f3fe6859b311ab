"""The template's live checks, each rule written twice side by side: as an Excel formula for the sheet and in
Python for the collector, so the flag a PM sees and the finding the PMO gets cannot drift apart.

The formulas use defined names and functions Excel and LibreOffice both have (AND, OR, IF, ISNUMBER, LEN, TRIM,
CLEAN): no structured references, no dynamic arrays. The Python side reads the values as validation normalised them.
tests/test_live_checks.py holds the two to each other on real workbooks that LibreOffice recalculated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pmo_xl.templates.schema import Check, TemplateSchema


def _excel_blank(name: str) -> str:
    # CLEAN drops line breaks and tabs, TRIM spaces: a cell of only those is as empty as the collector reads it.
    return f'LEN(TRIM(CLEAN({name}&"")))=0'


def _excel_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def failing_formula(check: Check, schema: TemplateSchema) -> str:
    """An Excel condition (no leading '=') that is TRUE when `check` fails, over the template's defined names."""
    target = check.target
    if check.kind == "required_when":
        other, values = schema.field(target).required_when  # type: ignore[misc]
        held = "OR(" + ",".join(f"{other}={_excel_text(value)}" for value in values) + ")"
        return f"AND({held},{_excel_blank(target)})"
    if check.kind == "explained_when_later":
        subject, other = check.subject, check.other
        return f"AND(ISNUMBER({subject}),ISNUMBER({other}),{subject}>{other},{_excel_blank(target)})"
    both = f"ISNUMBER({target}),ISNUMBER({check.other})"
    if check.kind == "not_below":
        return f"AND({both},{target}<{check.other})"
    below = f",{target}<{check.below!r}" if check.below is not None else ""
    return f"AND({both},{target}={check.other}{below})"


def applies_formula(check: Check, schema: TemplateSchema) -> str:
    """An Excel condition that is TRUE when the rule asks something of the target (the completeness % counts it)."""
    if check.kind == "required_when":
        other, values = schema.field(check.target).required_when  # type: ignore[misc]
        return "OR(" + ",".join(f"{other}={_excel_text(value)}" for value in values) + ")"
    if check.kind == "explained_when_later":
        subject, other = check.subject, check.other
        return f"AND(ISNUMBER({subject}),ISNUMBER({other}),{subject}>{other})"
    return f"AND(ISNUMBER({check.target}),ISNUMBER({check.other}))"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object) -> float | None:
    """A figure as a cell holds it: a number, or a date as its serial (ordinal) for comparing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.toordinal() + (value - dt.datetime.combine(value.date(), dt.time())).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float(value.toordinal())
    return None


def fails(check: Check, schema: TemplateSchema, fields: Mapping[str, object]) -> bool:
    """True when `check` fails on a submission's normalised field values: the formula above, in Python."""
    target = fields.get(check.target)
    if check.kind == "required_when":
        other, values = schema.field(check.target).required_when  # type: ignore[misc]
        return fields.get(other) in values and _blank(target)
    if check.kind == "explained_when_later":
        subject, other = _number(fields.get(check.subject)), _number(fields.get(check.other))
        return subject is not None and other is not None and subject > other and _blank(target)
    value, previous = _number(target), _number(fields.get(check.other))
    if value is None or previous is None:
        return False
    if check.kind == "not_below":
        return value < previous
    return value == previous and (check.below is None or value < check.below)


__all__ = ["applies_formula", "failing_formula", "fails"]
