"""Turning text and cells into values: the one place that decides what a number, a date, a blank or an error is.

Every source goes through here: the register (CSV and xlsx), submissions and request forms, the scoring,
capacity, resource and settings tables, the UDFs and the CLI's options. The rule is the same everywhere: a value
means exactly what its writer meant, or it is refused with a message that says what is wrong and how to fix it.
The caller adds where (file, row, cell), since only it knows.

Hand-written because no library does this: locale libraries (babel) parse a number in a locale you name, but they
happily read `1,234` as 1.234 or 1234 depending on that locale, and cannot say "this could be read two ways";
Python's own `float`, `csv` and `dateutil` guess. Here nothing is guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass, field

# -- Excel's error values -------------------------------------------------------------------------------------------

# What each error value means to a PM, so a message can say why the cell holds it.
EXCEL_ERROR_MEANINGS = {
    "#NULL!": "two ranges in the formula do not meet",
    "#DIV/0!": "the formula divides by zero",
    "#VALUE!": "the formula got text where it needed a number",
    "#REF!": "the formula lost its source (a cell it used was deleted)",
    "#NAME?": "the formula uses a name Excel does not know",
    "#NUM!": "the formula's result is not a valid number",
    "#N/A": "a lookup found nothing",
    "#GETTING_DATA": "the formula was still loading data when the file was saved",
    "#SPILL!": "the formula's results could not spill into the cells below",
    "#CALC!": "Excel could not calculate the formula",
    "#FIELD!": "the formula refers to a field that does not exist",
    "#BLOCKED!": "the formula needs a feature that was blocked",
    "#CONNECT!": "the formula could not reach its data source",
    "#BUSY!": "the formula was still calculating when the file was saved",
    "#UNKNOWN!": "the formula uses a data type this Excel does not know",
}


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value read from a cell (`#REF!`); never a blank, never a number."""

    code: str

    @property
    def meaning(self) -> str:
        return EXCEL_ERROR_MEANINGS.get(self.code, "the cell holds an Excel error")

    def describe(self) -> str:
        return f"holds {self.code}: {self.meaning}"

    def __str__(self) -> str:
        return self.code


def excel_error(value: object) -> ExcelError | None:
    """The Excel error a cell holds: an ExcelError read from a workbook, or an error's text from a CSV or a UDF."""
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        if text in EXCEL_ERROR_MEANINGS:
            return ExcelError(text)
    return None
