"""The template contract, declared once.

A template is a set of single-value fields (each a workbook-scoped defined name) and repeating sections (each an
Excel table with fixed headers). The declarations here are the only source of truth: they build the template
workbooks, validate submissions and generate the field reference in docs/templates.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pmo_xl.errors import SchemaError
from pmo_xl.excel.package import column_number
from pmo_xl.periods import is_month, month_add, month_series  # noqa: F401  (re-exported)

FieldType = Literal["text", "integer", "number", "percent", "currency", "date", "choice", "rag"]
FIELD_TYPES: tuple[str, ...] = ("text", "integer", "number", "percent", "currency", "date", "choice", "rag")

RAG_VALUES = ("Green", "Amber", "Red")
YES_NO = ("Yes", "No")

# Excel caps a data validation's input message at 255 characters and its title at 32.
INPUT_MESSAGE_LIMIT = 255
INPUT_TITLE_LIMIT = 32
# Excel caps a list typed into a validation rule at 255 characters; longer lists go to a hidden range.
INLINE_LIST_LIMIT = 255

_EXCEL_MAX_COLUMN = 16384
_EXCEL_MAX_ROW = 1048576
_A1_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_R1C1_REFERENCE = re.compile(r"^[Rr](\d*)[Cc](\d*)$|^[RrCc]$|^[Rr]\d+$|^[Cc]\d+$")
_DEFINED_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def looks_like_cell_reference(name: str) -> bool:
    """True if Excel would read `name` as a cell reference (A1 or R1C1 style), so it cannot be a defined name."""
    match = _A1_REFERENCE.match(name)
    if match:
        letters, digits = match.groups()
        if column_number(letters) <= _EXCEL_MAX_COLUMN and 1 <= int(digits) <= _EXCEL_MAX_ROW:
            return True
    return bool(_R1C1_REFERENCE.match(name))


def check_defined_name(name: str) -> None:
    """Raise SchemaError unless `name` is a valid Excel defined name that no version of Excel reads as a cell."""
    if not _DEFINED_NAME.match(name) or len(name) > 255:
        raise SchemaError(
            f"'{name}' is not a valid Excel name: start with a letter or underscore, then letters, digits, "
            "underscores or dots, at most 255 characters"
        )
    if looks_like_cell_reference(name):
        raise SchemaError(
            f"'{name}' would be read by Excel as a cell reference, so it cannot be a defined name; "
            f"add a word to it, e.g. '{name.lower()}_value' or 'fte_{name.lower()}'"
        )
    if name.upper() in ("TRUE", "FALSE"):
        raise SchemaError(f"'{name}' is an Excel constant and cannot be a defined name")


@dataclass(frozen=True)
class Field:
    """One single-value field: a workbook-scoped defined name pointing at one cell.

    `minimum` and `maximum` bound a number; where a field leaves them open, pmo_xl.values and the template's data
    validation hold it to a plausible range (±1e12, values.PLAUSIBLE_LIMIT): no project's figure is larger, and
    1e308 is a typo or damage.
    """

    name: str
    label: str
    type: FieldType
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    help: str = ""
    # Filled by the PMO at generation (identity, baseline) and locked on the sheet.
    locked: bool = False
    # Required only when another field holds one of these values, e.g. a rationale when a RAG is Amber or Red.
    required_when: tuple[str, tuple[str, ...]] | None = None
    # A computed field: an Excel formula over other defined names. Never validated as input.
    formula: str | None = None
    multiline: bool = False
    default: object | None = None
    # A figure that should move from one period to the next (percent complete, a forecast, the EAC): the same
    # value as last period is "copied forward" (the template's live check, the coaching scorecard).
    moves: bool = False
    # Last period's value of the field named here, stamped by the PMO at generation (blank in a first report): a
    # locked cell on the hidden Previous sheet that the live checks compare with (see Check). Never on the main sheet.
    previous_of: str | None = None

    def __post_init__(self) -> None:
        check_defined_name(self.name)
        if self.type not in FIELD_TYPES:
            raise SchemaError(f"field '{self.name}': unknown type '{self.type}'; use one of {', '.join(FIELD_TYPES)}")
        if self.type == "choice" and not self.allowed:
            raise SchemaError(f"field '{self.name}': a choice field needs its allowed values")
        if len(self.label) > INPUT_TITLE_LIMIT:
            raise SchemaError(f"field '{self.name}': label longer than {INPUT_TITLE_LIMIT} characters (Excel's cap)")

    @property
    def choices(self) -> tuple[str, ...]:
        return RAG_VALUES if self.type == "rag" else self.allowed

    @property
    def is_input(self) -> bool:
        """A cell the PM fills in (not a formula, not locked by the PMO)."""
        return self.formula is None and not self.locked


@dataclass(frozen=True)
class Column:
    """One column of a table. `header` is the fixed header text; `key` is the stable id used in code and data."""

    key: str
    header: str
    type: FieldType
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""
    locked: bool = False
    # An Excel formula for a calculated column, with {Header} placeholders for same-row columns.
    formula: str | None = None
    width: float = 14
    # Should move from one period to the next (see Field.moves): a row's same value as last period is copied forward.
    moves: bool = False

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise SchemaError(f"column '{self.key}': unknown type '{self.type}'")
        if self.type == "choice" and not self.allowed:
            raise SchemaError(f"column '{self.key}': a choice column needs its allowed values")

    @property
    def choices(self) -> tuple[str, ...]:
        return RAG_VALUES if self.type == "rag" else self.allowed

    @property
    def wraps(self) -> bool:
        """Its cells wrap their text (the builder styles text so): a long one needs a taller row."""
        return self.type == "text"


@dataclass(frozen=True)
class MonthSeries:
    """Calendar-month columns (`2026-12`, `2027-01`, ...) starting at the reporting period, never relative labels."""

    count: int
    type: FieldType = "number"
    minimum: float | None = 0
    maximum: float | None = None
    unit: str = "FTE"
    help: str = ""


@dataclass(frozen=True)
class Table:
    """A repeating section: an Excel table (ListObject) with a fixed name and fixed headers."""

    name: str
    sheet: str
    title: str
    columns: tuple[Column, ...]
    # Blank, unlocked rows pre-sized into the table; collect ignores rows that hold nothing but their id.
    rows: int = 20
    # Stable row ids (`M-001`...) pre-filled in the first column, which must then be of key 'id'.
    id_prefix: str | None = None
    month_series: MonthSeries | None = None
    help: str = ""
    # Height of body rows in points, for tables whose cells hold paragraphs (e.g. level descriptors).
    row_height: float | None = None

    def __post_init__(self) -> None:
        if not _TABLE_NAME.match(self.name) or looks_like_cell_reference(self.name):
            raise SchemaError(f"table '{self.name}': not a valid Excel table name")
        headers = [column.header for column in self.columns]
        if len(set(map(str.casefold, headers))) != len(headers):
            raise SchemaError(f"table '{self.name}': duplicate column headers")
        if self.id_prefix and self.columns[0].key != "id":
            raise SchemaError(f"table '{self.name}': stable ids need 'id' as the first column")

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"table {self.name} has no column '{key}'")

    def row_id(self, index: int) -> str:
        return f"{self.id_prefix}{index + 1:03d}"


@dataclass(frozen=True)
class Section:
    """A block of fields shown together on a sheet, under a heading."""

    title: str
    fields: tuple[Field, ...]
    # 'list': label, value, note rows. 'grid': the RAG grid, one row per dimension.
    layout: Literal["list", "grid"] = "list"


CheckSeverity = Literal["error", "warning"]
CheckKind = Literal[
    "required",
    "is_number",
    "in_range",
    "is_date",
    "allowed",
    "required_when",
    "explained_when_later",
    "not_below",
    "changed",
]
# The kinds that judge one cell's entry alone, as the cell holds it: when one fails, its finding is the cell's only one.
VALUE_KINDS: tuple[str, ...] = ("required", "is_number", "in_range", "is_date", "allowed")
CHECK_KINDS: tuple[str, ...] = (*VALUE_KINDS, "required_when", "explained_when_later", "not_below", "changed")
_NUMBER_TYPES = ("integer", "number", "percent", "currency")
_COMPARABLE_TYPES = (*_NUMBER_TYPES, "date")


@dataclass(frozen=True)
class Check:
    """A rule the collector applies to a submission that the template also shows live, beside the field it is about.

    Declared once, in the template's schema: the template's in-sheet flag (pmo_xl.templates.builder), the collector's
    finding (pmo_xl.collect.validation), the PM's printable guide (pmo_xl.templates.guide) and docs/templates.md all
    read the same declaration, in the same words. The rule itself, as an Excel formula and in Python, is in
    pmo_xl.templates.checks, one beside the other. What each kind fails on (`target` is always a field):

    - 'required': the target, a required input, is empty (nothing but spaces and line breaks);
    - 'is_number', 'is_date': the target, a number or date input, holds text (pasted past the cell's validation, or
      typed in a form Excel did not take as a number or date);
    - 'in_range': the target holds a number outside its field's minimum and maximum (by default +-1e12), or, in a
      date field, a number that is no date from 1990 to 2100;
    - 'allowed': the target, a choice or RAG input, holds something (not blank) that is none of its choices, compared
      as Excel's `=` compares text: case aside, nothing trimmed ("amber" is Amber, "amber " and "Yellow" are not);
    - 'required_when': the target is empty while its own `Field.required_when` holds (a rationale for Amber or Red);
    - 'explained_when_later': the target (a comment) is empty while the date `subject` is after the date `other`;
    - 'not_below': the target is a number below `other` (last period's value, a `previous_of` field);
    - 'changed': the target is the same number or date as `other` (last period's), and below `below` when given.

    A check that compares with last period passes when last period's value is blank (a first report).
    """

    name: str  # a stable id, e.g. 'forecast_end_comment_missing': the collector's finding code
    target: str  # where it sits: a field's defined name (the cell the PM fixes; its row holds the flag)
    severity: CheckSeverity  # 'error': the report is returned for correction; 'warning': accepted, please check
    message: str  # what is wrong, in the template's words
    fix: str  # how to put it right
    kind: CheckKind = "required_when"
    subject: str = ""  # 'explained_when_later': the date that may be later
    other: str = ""  # the field compared with: the baseline date, last period's value
    below: float | None = None  # 'changed': checked only while the target is below this (a percent under 100%)
    flag: str = ""  # the words in the sheet's Check column (short); the message when not given

    @property
    def shown(self) -> str:
        """What the sheet's Check column shows when the check fails."""
        return self.flag or self.message

    def check_against(self, fields: dict[str, Field]) -> None:
        """SchemaError unless the fields the check names exist and suit its kind."""
        if self.kind not in CHECK_KINDS:
            raise SchemaError(f"check '{self.name}': unknown kind '{self.kind}'; use one of {', '.join(CHECK_KINDS)}")
        if self.severity not in ("error", "warning"):
            raise SchemaError(f"check '{self.name}': severity must be 'error' or 'warning', not '{self.severity}'")
        for role, name in (("target", self.target), ("subject", self.subject), ("other", self.other)):
            if (name or role == "target") and name not in fields:
                raise SchemaError(f"check '{self.name}': its {role} '{name}' is not a field of the template")
        target = fields[self.target]
        if self.kind in VALUE_KINDS and not target.is_input:
            raise SchemaError(f"check '{self.name}': '{self.target}' is not a cell the PM fills in")
        if self.kind == "required" and not target.required:
            raise SchemaError(f"check '{self.name}': '{self.target}' is not a required field")
        if self.kind == "in_range" and target.type not in _COMPARABLE_TYPES:
            raise SchemaError(f"check '{self.name}': '{self.target}' is {target.type}, not a number or date")
        if self.kind == "is_number" and target.type not in _NUMBER_TYPES:
            raise SchemaError(f"check '{self.name}': '{self.target}' is {target.type}, not a number")
        if self.kind == "allowed" and target.type not in ("choice", "rag"):
            raise SchemaError(f"check '{self.name}': '{self.target}' is {target.type}, not a choice or RAG")
        if self.kind == "is_date" and target.type != "date":
            raise SchemaError(f"check '{self.name}': '{self.target}' is {target.type}, not a date")
        if self.kind == "required_when" and target.required_when is None:
            raise SchemaError(f"check '{self.name}': '{self.target}' has no required_when for the check to show")
        if self.kind == "explained_when_later":
            if target.type != "text" or not self.subject or not self.other:
                raise SchemaError(f"check '{self.name}': a text target, a subject date and another date are needed")
            if {fields[self.subject].type, fields[self.other].type} != {"date"}:
                raise SchemaError(f"check '{self.name}': '{self.subject}' and '{self.other}' must both be dates")
        comparable = bool(self.other) and target.type in _COMPARABLE_TYPES and fields[self.other].type == target.type
        if self.kind in ("not_below", "changed") and not comparable:
            raise SchemaError(
                f"check '{self.name}': compares a number or date with 'other' of the same type; "
                f"'{self.target}' is {target.type}"
            )


@dataclass(frozen=True)
class TemplateSchema:
    """One template: its identity, its fields (grouped for layout), its tables and its guidance."""

    template_id: str
    version: str
    title: str
    main_sheet: str
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    # File name pattern for generated workbooks: {project_id}, {project_name}, {period}.
    file_name: str
    instructions: tuple[tuple[str, str], ...] = ()
    glossary: tuple[tuple[str, str], ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    # The collector's rules a formula can see, shown live in the sheet (see Check).
    checks: tuple[Check, ...] = ()
    # Read-only tables the PMO stamps at generation (the committee's decisions): laid out like the others, every
    # cell locked, and never read back by the collector. Not in `tables`, which are what the PM fills in.
    stamped: tuple[Table, ...] = ()

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SchemaError(f"template '{self.template_id}': duplicate field names {duplicates}")
        table_names = [table.name for table in (*self.tables, *self.stamped)]
        if len(set(table_names)) != len(table_names):
            raise SchemaError(f"template '{self.template_id}': duplicate table names")
        for table in self.stamped:
            if table.id_prefix or any(not column.locked or column.formula for column in table.columns):
                raise SchemaError(
                    f"template '{self.template_id}': the stamped table '{table.name}' is read-only: every column "
                    "locked, no formula, no pre-filled ids"
                )
        known = set(names)
        for f in self.fields:
            if f.required_when and f.required_when[0] not in known:
                raise SchemaError(f"field '{f.name}': required_when names unknown field '{f.required_when[0]}'")
            if f.previous_of is not None and (f.previous_of not in known or not f.locked):
                raise SchemaError(f"field '{f.name}': previous_of needs a field of the template and a locked cell")
        by_name = {f.name: f for f in self.fields}
        check_names = [check.name for check in self.checks]
        if len(set(check_names)) != len(check_names):
            raise SchemaError(f"template '{self.template_id}': two checks share a name")
        for check in self.checks:
            check.check_against(by_name)

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for section in self.sections for f in section.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"template {self.template_id} has no field '{name}'")

    def table(self, name: str) -> Table:
        for table in (*self.tables, *self.stamped):
            if table.name == name:
                return table
        raise KeyError(f"template {self.template_id} has no table '{name}'")
