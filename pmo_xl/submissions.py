"""What a submitted workbook becomes once read: plain values by field and table, and findings about it.

The reader (pmo_xl.collect.reader) turns a file into a `ParsedSubmission` plus `Finding`s; validation adds
more findings; collect gives each file one `Verdict`; the ledger stores accepted submissions. These frozen
dataclasses are the only things that travel between those steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from pmo_xl.templates.metadata import WorkbookMetadata
from pmo_xl.values import ExcelError

Value = str | int | float | bool | dt.date | dt.datetime | ExcelError | None
Severity = Literal["error", "warning", "info"]
VerdictStatus = Literal["accepted", "rejected", "duplicate", "superseded", "skipped"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (error), doubtful (warning) or worth knowing (info) about a submission.

    `where` is the defined name (`rag_overall`) or table and column (`RAID[Probability]`), `cell` the sheet and
    address as a PM sees it (`Summary!C12`), so every message can say exactly where to look.
    """

    severity: Severity
    code: str
    message: str
    sheet: str = ""
    where: str = ""
    cell: str = ""
    row: int | None = None

    def describe(self) -> str:
        location = ", ".join(part for part in (self.cell or self.sheet, self.where) if part)
        return f"{location}: {self.message}" if location else self.message


@dataclass(frozen=True)
class ParsedSubmission:
    """The values of one workbook, exactly as read, before validation normalises them."""

    path: str
    file_name: str
    sha256: str
    size: int
    metadata: WorkbookMetadata
    fields: dict[str, Value]
    # table name -> rows keyed by column key ('YYYY-MM' for month columns); blank pre-sized rows already dropped
    tables: dict[str, list[dict[str, Value]]]
    # table name -> Excel row number of each kept row, for messages that name the cell
    table_rows: dict[str, list[int]] = field(default_factory=dict)
    has_macros: bool = False
    # field name -> its cell as a PM sees it ('Summary!C12'), for messages; filled by the reader
    field_cells: dict[str, str] = field(default_factory=dict)
    # table name -> column key -> sheet and column letters ('RAID!G'); add the Excel row for a cell
    column_cells: dict[str, dict[str, str]] = field(default_factory=dict)
    # percent fields holding 1 whose cell still carries a percentage format, so that 1 there means 100% (not 1%)
    percent_formatted: frozenset[str] = frozenset()
    # When the workbook was last saved (docProps/core.xml dcterms:modified, ISO UTC; Excel sets it on every save)
    # and the file's modification time when collected: evidence of which of two reports is the correction.
    saved_at: str = ""
    file_time: str = ""
    # The template version the file was in, when collect moved its values to a later one (metadata then says the
    # version of the values): see pmo_xl.collect.migration. Empty when the two are the same.
    source_version: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The one verdict a file gets in a collect run, with every reason."""

    path: str
    status: VerdictStatus
    findings: tuple[Finding, ...] = ()
    project_id: str = ""
    reporting_period: str = ""
    template_id: str = ""
    sha256: str = ""
    submission_id: int | None = None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")
