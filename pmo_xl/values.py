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
import io
import math
import re
from dataclasses import dataclass

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
    # Not Excel's: a formula cell saved without its result (a file written by a program, never opened in Excel).
    "#FORMULA": "holds a formula whose result was never saved: open the file in Excel and save it",
}


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value read from a cell (`#REF!`); never a blank, never a number."""

    code: str

    @property
    def meaning(self) -> str:
        return EXCEL_ERROR_MEANINGS.get(self.code, "the cell holds an Excel error")

    def describe(self) -> str:
        if self.code == "#FORMULA":
            return self.meaning
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


# -- what a reading is ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What a cell or a piece of text holds, or why it cannot be read.

    `severity` is '' for a clean reading, 'warning' for a value read exactly but worth telling (a number typed as
    text), 'error' for a refusal (then `value` is None). `message` says what is wrong and the fix, without the
    place: the caller knows the file, row or cell and puts it in front.
    """

    value: object = None
    severity: str = ""
    code: str = ""
    message: str = ""

    @property
    def refused(self) -> bool:
        return self.severity == "error"

    def or_raise(self, error_class: type[Exception], where: str = "") -> object:
        """The value, or `error_class("where: message")` for a refusal (a table row, a CLI option)."""
        if self.refused:
            raise error_class(f"{where}: {self.message}" if where else self.message)
        return self.value


def _refuse(code: str, message: str) -> Reading:
    return Reading(None, "error", code, message)


# -- blanks and text ------------------------------------------------------------------------------------------------

# C0 controls other than tab, line feed and carriage return (a line break typed with Alt+Enter is a PM's text),
# DEL and the C1 controls: never typed on purpose, invalid in XML 1.0 or invisible in print.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# Excel's cap on one cell's text, in UTF-16 code units.
EXCEL_CELL_TEXT_LIMIT = 32767


def is_blank(value: object) -> bool:
    """None, an empty or all-space string, NaN, or pandas' NA and NaT. An Excel error is not blank."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType") or (
        hasattr(value, "dtype") and getattr(value, "shape", None) == () and bool(value != value)
    )


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def without_control_characters(text: str) -> str:
    """The text with control characters removed, for everything we write (XML cannot hold most of them)."""
    return _CONTROL_CHARACTERS.sub("", text)


def read_text(value: object, label: str) -> Reading:
    """A value as text; control characters are removed with a warning, an Excel error is refused."""
    error = excel_error(value)
    if error is not None:
        return _refuse("excel_error", f"{label} {error.describe()}; correct the formula or type the value")
    if is_blank(value):
        return Reading(None)
    text = as_text(value).strip()
    if len(text.encode("utf-16-le")) // 2 > EXCEL_CELL_TEXT_LIMIT:
        return _refuse(
            "string_too_long",
            f"{label} holds {len(text):,} characters; an Excel cell holds at most {EXCEL_CELL_TEXT_LIMIT:,}: "
            "shorten it, or keep the detail in a document of its own",
        )
    cleaned = without_control_characters(text)
    if cleaned != text:
        shown = ", ".join(sorted({f"U+{ord(c):04X}" for c in _CONTROL_CHARACTERS.findall(text)}))
        return Reading(
            cleaned.strip() or None,
            "warning",
            "control_characters",
            f"{label} holds invisible control characters ({shown}), probably pasted from another program; they "
            "were removed. Retype the text to be sure it reads as meant",
        )
    return Reading(text)


def as_text(value: object) -> str:
    """A cell value as the text a person would read: whole floats without '.0', dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def readable_name(text: str) -> str:
    """A file name or path as text anyone can store and show: bytes that were not UTF-8 (an archive unzipped from an
    old Windows share) become the replacement character; the file itself is still opened by its real name."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- typed values that are already numbers or dates (the ledger, DataFrames) -------------------------------------------


def as_float(value: object, default: float | None = None) -> float | None:
    """A value that is already a number (Python or numpy) as a float; `default` for anything else, NaN or infinity.

    For data we wrote ourselves (the ledger, views). Text is never parsed here: use read_number for input.
    """
    if value is None or isinstance(value, bool | str | dt.date):
        return default
    if _is_flag(value):  # True is no number, nor is numpy's
        return default
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


def _is_flag(value: object) -> bool:
    kind = type(value)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))


def as_date(value: object) -> dt.date | None:
    """A value that is already a date (date, datetime, pandas Timestamp) as a date; None for anything else."""
    if value is None or is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    to_pydatetime = getattr(value, "to_pydatetime", None)
    return to_pydatetime().date() if to_pydatetime is not None else None


# -- numbers --------------------------------------------------------------------------------------------------------

# Spaces people and Excel put between digit groups: space, no-break space, narrow no-break space, thin space.
_GROUP_SPACES = re.compile("[ \u00a0\u202f\u2009]")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d{1,3}$")
_NUMBER_SHAPE = re.compile(r"^[+-]?[\d.,']+$")
_GROUPED = re.compile(r"^\d{1,3}(\d{3})*$")  # the digits of a grouped integer part, separators removed
_CURRENCY_SIGNS = "$€£¥₹₩₽₺₪"


def _example(decimal_mark: str | None) -> str:
    return "1234,5" if decimal_mark == "," else "1234.5"


def parse_number_text(text: str, decimal_mark: str | None) -> tuple[float | int | None, str, str]:
    """(number, '', '') for text that can be read one way only, else (None, code, why and the fix).

    `decimal_mark` is the source's decimal mark ('.' or ','), or None when unknown (a cell typed as text in a
    workbook from any locale). Digit groups may be separated by spaces, apostrophes or the other mark, in groups
    of three. With the mark unknown, one separator followed by exactly three digits (`1,234`, `1.234`) could be a
    decimal or a thousands separator and is refused; `1,5` and `1.5` can only be decimals and are read.
    """
    original = text.strip().replace("\u2212", "-")  # the minus sign proper: a typographer's -5 is -5
    compact = _GROUP_SPACES.sub("", original)
    if not compact:
        return None, "not_a_number", "is empty"
    if compact[0] in _CURRENCY_SIGNS or compact[-1] in _CURRENCY_SIGNS:
        return (
            None,
            "not_a_number",
            (
                f"it carries a currency sign: type the number alone, e.g. {_example(decimal_mark)} "
                "(the currency is set apart)"
            ),
        )
    if _SCIENTIFIC.match(original) and decimal_mark != ",":
        number = float(original)
        if number == 0 and any(c in "123456789" for c in original.partition("e")[0].partition("E")[0]):
            return None, "out_of_range", "it is too small to be a project's figure (it reads as 0)"
        return number, "", ""
    if not _NUMBER_SHAPE.match(compact) or not any(c.isdigit() for c in compact):
        return (
            None,
            "not_a_number",
            f"type digits only, e.g. {_example(decimal_mark)}",
        )
    sign = -1 if compact[0] == "-" else 1
    # Spaces and apostrophes between digits can only group; write them as '_' so one pass handles every mark.
    body = _GROUP_SPACES.sub("_", original.lstrip("+-").strip()).replace("'", "_")
    if "__" in body or body.startswith("_") or body.endswith("_"):
        return (
            None,
            "not_a_number",
            f"type digits only, e.g. {_example(decimal_mark)}",
        )
    marks = [c for c in body if c in ".,"]
    decimal = ""
    if len(set(marks)) == 2:
        decimal = body[max(body.rfind("."), body.rfind(","))]
        if body.count(decimal) > 1:
            return (
                None,
                "not_a_number",
                f"it mixes points and commas in a way no locale writes: type digits only, e.g. {_example(decimal_mark)}",
            )
    elif len(marks) > 1 and marks[0] == decimal_mark:
        return (
            None,
            "wrong_decimal_mark",
            (
                f"'{short(original)}' repeats the decimal mark ({decimal_mark}); this source groups thousands with "
                f"{'points' if decimal_mark == ',' else 'commas'} or spaces: write it without separators"
            ),
        )
    elif len(marks) == 1:
        mark = marks[0]
        before, after = body.split(mark)
        looks_grouped = len(after) == 3 and _GROUPED.match(before.replace("_", "")) and before[:1] != "0"
        if "_" in body:
            decimal = mark  # grouped by spaces: the one mark can only be the decimal mark
        elif decimal_mark is None and looks_grouped:
            return (
                None,
                "ambiguous_number",
                (
                    f"'{short(original)}' could be {before}{mark}{after} as a decimal or {before}{after} with a thousands "
                    f"separator; type {before}{after} if the whole number was meant, or add a digit ({before}{mark}{after}0) "
                    "if a decimal was meant"
                ),
            )
        elif decimal_mark is None or mark == decimal_mark:
            decimal = mark
        elif not looks_grouped:
            return None, "wrong_decimal_mark", _wrong_mark(original, decimal_mark)
    if decimal and decimal_mark is not None and decimal != decimal_mark:
        return None, "wrong_decimal_mark", _wrong_mark(original, decimal_mark)
    integer_part, _, fraction = body.rpartition(decimal) if decimal else (body, "", "")
    groups = set(integer_part) & {".", ",", "_"}
    if len(groups) > 1 or (groups and not _grouped_integer(integer_part, groups.pop())):
        return (
            None,
            "not_a_number",
            f"its digit groups are not of three digits: type digits only, e.g. {_example(decimal_mark)}",
        )
    digits = integer_part.replace(".", "").replace(",", "").replace("_", "")
    if len(digits.lstrip("0")) > 15:  # beyond any figure and beyond a float's exact digits
        return None, "out_of_range", "it has more digits than any project's figure"
    if not (digits or fraction) or not (digits + fraction).isdigit():
        return (
            None,
            "not_a_number",
            f"type digits only, e.g. {_example(decimal_mark)}",
        )
    if decimal:
        return sign * float(f"{digits or '0'}.{fraction}"), "", ""
    return sign * int(digits), "", ""


def _grouped_integer(integer_part: str, group: str) -> bool:
    first, *rest = integer_part.split(group)
    return 1 <= len(first) <= 3 and first.isdigit() and all(len(part) == 3 and part.isdigit() for part in rest)


def _wrong_mark(original: str, decimal_mark: str) -> str:
    name = "comma" if decimal_mark == "," else "point"
    other = "point" if decimal_mark == "," else "comma"
    return (
        f"'{short(original)}' uses a {other} as decimal mark, but this source's decimal mark is a {name}; "
        f"write it as {original.strip().replace('.', '#').replace(',', '.').replace('#', ',')} or set the locale"
    )


# Where no field declares its own range, numbers beyond these are typos or damage, never a project's figures.
PLAUSIBLE_LIMIT = 1e12


def read_number(
    value: object,
    label: str,
    *,
    decimal_mark: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    whole: bool = False,
    percent_sign: bool = False,
    text_is_normal: bool = False,
) -> Reading:
    """A number exactly as its writer meant it, or a refusal.

    Numbers stay as they are; text is read by parse_number_text with the source's decimal mark. `percent_sign`
    lets '65%' mean 0.65. A number typed as text in a workbook gets a warning (`number_as_text`), unless text is
    the normal form of the source (`text_is_normal`, e.g. a CSV). NaN, infinities and numbers outside
    [minimum, maximum] (by default ±1e12) are refused.
    """
    error = excel_error(value)
    if error is not None:
        return _refuse("excel_error", f"{label} {error.describe()}; correct the formula or type the number")
    if is_blank(value):
        return Reading(None)
    severity, code, message = "", "", ""
    if isinstance(value, dt.date) or _is_flag(value):
        return _refuse("not_a_number", f"{label} must be a number, not {as_text(value)}")
    if isinstance(value, str):
        text = value.strip()
        scale = 1
        if percent_sign and text.endswith("%"):
            text, scale = text[:-1].strip(), 100
        if text.lstrip("+-").casefold() in ("inf", "infinity", "nan", "∞"):
            return _refuse("not_a_number", f"{label} must be a finite number, got '{text}'")
        number, code, why = parse_number_text(text, decimal_mark)
        if number is None:
            if code == "not_a_number":
                return _refuse(code, f"{label} must be a number, not the text '{short(value.strip())}'; {why}")
            return _refuse(code, f"{label}: {why}")
        if scale != 1:
            number = number / scale
        elif not text_is_normal:
            severity, code = "warning", "number_as_text"
            message = f"{label} was typed as text ('{short(value.strip())}'); read as the number {as_text(number)}"
        else:
            code = ""
    else:
        number = as_float(value)
        if number is None and isinstance(value, int) and not isinstance(value, bool):
            return _refuse("out_of_range", f"{label} has more digits than any project's figure")
        if number is None:
            if isinstance(value, float):
                return _refuse("not_a_number", f"{label} must be a finite number, got {value!r}")
            return _refuse("not_a_number", f"{label} must be a number, not {type(value).__name__}")
        number = value if isinstance(value, int) else number
    if isinstance(number, float) and not math.isfinite(number):
        return _refuse("not_a_number", f"{label} must be a finite number, got {number!r}")
    low = -PLAUSIBLE_LIMIT if minimum is None else minimum
    high = PLAUSIBLE_LIMIT if maximum is None else maximum
    if number < low:
        return _refuse("out_of_range", f"{label} is {_shown(number)}, below the minimum {low:g}")
    if number > high:
        return _refuse("out_of_range", f"{label} is {_shown(number)}, above the maximum {high:g}")
    if whole:
        if not float(number).is_integer():
            return _refuse("not_a_whole_number", f"{label} must be a whole number, not {_shown(number)}")
        number = int(number)
    elif isinstance(number, float) and number.is_integer() and abs(number) < 1e15 and not isinstance(value, float):
        number = int(number)
    return Reading(number, severity, code, message)


def _shown(number: float | int) -> str:
    return f"{number:,.10g}" if abs(number) < 1e15 else f"{number:.6g}"


# Between 1 and 2 a number may be a fraction typed over 100% (1.5 = 150%) or a tiny percentage (1.5%).
_AMBIGUOUS_PERCENT = (1.0, 2.0)


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


def read_percent(
    value: object,
    label: str,
    *,
    percent_cell: bool = False,
    decimal_mark: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Reading:
    """A percentage as a fraction (65% -> 0.65): '65%' typed as text, 0.65, or 65 read as points with a warning."""
    if isinstance(value, str) and value.strip().endswith("%"):
        reading = read_number(value, label, decimal_mark=decimal_mark, percent_sign=True, minimum=-1e6, maximum=1e6)
        if reading.refused:
            return _refuse("not_a_number", f"{label}: '{short(value.strip())}' is not a percentage")
        fraction = reading.value
        warning = Reading(
            fraction,
            "warning",
            "percent_as_text",
            f"{label} was typed as text ('{value.strip()}'); read as {fraction:.4g}",
        )
        return _percent_in_range(warning, label, minimum, maximum)
    reading = read_number(value, label, decimal_mark=decimal_mark, minimum=-1e6, maximum=1e6)
    if reading.refused or reading.value is None:
        return reading
    number = reading.value
    fraction, how = normalise_percent(float(number), percent_cell and not isinstance(value, str))  # type: ignore[arg-type]
    if how == "ambiguous":
        return _refuse(
            "ambiguous_percent",
            f"{label} is {number:g}, which could mean {number:g}% or {number * 100:g}%; type it with a percent "
            f"sign, e.g. {number:g}% or 100%",
        )
    if fraction is None:
        return _refuse("out_of_range", f"{label} is {number:g}; a percentage cannot be negative")
    fraction = int(fraction) if float(fraction).is_integer() else fraction
    if how == "points":
        reading = Reading(
            fraction,
            "warning",
            "percent_normalised",
            f"{label} was {number:g}, read as {number:g}% ({fraction:.4g}); type percentages as 65% or 0.65",
        )
    else:
        reading = Reading(fraction, reading.severity, reading.code, reading.message)
    return _percent_in_range(reading, label, minimum, maximum)


def _percent_in_range(reading: Reading, label: str, minimum: float | None, maximum: float | None) -> Reading:
    fraction = reading.value
    if minimum is not None and fraction < minimum:  # type: ignore[operator]
        return _refuse("out_of_range", f"{label} is {fraction:.4g}, below the minimum {minimum:.4g}")
    if maximum is not None and fraction > maximum:  # type: ignore[operator]
        return _refuse(
            "out_of_range", f"{label} is {fraction:.4g} ({fraction * 100:g}%), above the maximum {maximum * 100:g}%"
        )
    return reading


# -- dates ----------------------------------------------------------------------------------------------------------

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
_SLASHED_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?: 00:00(?::00)?)?$")
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]+)\.?,?[ -](\d{4})$")
_NAMED_MONTH_FIRST = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")


def parse_date_text(text: str, day_first: bool | None = None) -> tuple[dt.date | None, str]:
    """(date, '') for an ISO or unambiguous local date typed as text, else (None, why it is not read).

    ISO (2026-12-25) is read as is. Day and month in digits (25/12/2026, 12/25/2026) are read by the source's
    order when it is known (`day_first`), else only when one of the two numbers exceeds 12 or both are equal;
    03/12/2026 could be 3 December or 12 March and is refused. A dotted date (3.12.2026) is day first, as
    everywhere dots are used. Month names in English are read too (3 Dec 2026, December 3, 2026). Two-digit years
    are refused.
    """
    text = text.strip()
    match = _ISO_DATE.match(text)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _SLASHED_DATE.match(text)
    if match:
        first, separator, second, year = int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))
        if separator == "." or (day_first and first <= 31):
            return _safe_date(year, second, first)
        if day_first is False:
            return _safe_date(year, first, second)
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


def _iso_hint(text: str) -> str:
    match = _SLASHED_DATE.match(text.strip())
    if not match:
        return "YYYY-MM-DD"
    first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
    return f"{year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d} (YYYY-MM-DD)"


def read_date(value: object, label: str, *, day_first: bool | None = None, text_is_normal: bool = False) -> Reading:
    """A date exactly as its writer meant it, or a refusal; serial numbers and text are read with a warning."""
    error = excel_error(value)
    if error is not None:
        return _refuse("excel_error", f"{label} {error.describe()}; correct the formula or type the date")
    if is_blank(value):
        return Reading(None)
    reading = Reading(None)
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif as_date(value) is not None:
        result = as_date(value)
    elif isinstance(value, bool):
        return _refuse("not_a_date", f"{label}: {as_text(value)} is not a date; type it as YYYY-MM-DD")
    elif isinstance(value, int | float):
        # A date cell reformatted as a number keeps its serial (1900 date system; calamine converts date-formatted
        # cells of either system itself).
        try:
            result = _EPOCH_1900 + dt.timedelta(days=int(value))
        except (OverflowError, ValueError):
            result = None
        if result is None or not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            return _refuse("not_a_date", f"{label}: the number {value:g} is not a date; type it as YYYY-MM-DD")
        reading = Reading(
            result,
            "warning",
            "date_as_number",
            f"{label} holds the number {value:g}, read as the date {result.isoformat()}; format the cell as a date",
        )
    else:
        text = str(value)
        result, why = parse_date_text(text, day_first)
        if result is None:
            if why == "ambiguous":
                return _refuse(
                    "ambiguous_date",
                    f"{label}: '{text.strip()}' could be day/month or month/day; type it as {_iso_hint(text)}",
                )
            return _refuse(
                "not_a_date", f"{label}: '{short(text.strip())}' is not a date; type it as YYYY-MM-DD, e.g. 2026-12-03"
            )
        if not text_is_normal:
            reading = Reading(
                result,
                "warning",
                "date_as_text",
                f"{label} was typed as text ('{text.strip()}'); read as {result.isoformat()}",
            )
    if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:  # type: ignore[union-attr]
        return _refuse("not_a_date", f"{label}: {result.isoformat()} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")  # type: ignore[union-attr]
    return reading if reading.value is not None else Reading(result)


# An XML Schema date or dateTime as a program writes it (Microsoft Project XML: 2026-03-02T08:00:00): never a
# person's typing, so one exact shape and no guessing.
_XML_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?$")
_XML_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


def parse_xml_date(text: str) -> dt.date | None:
    """The calendar day of an XML Schema date or dateTime (the day as written; the time of day dropped), or None."""
    match = _XML_DATE.match(text.strip())
    if not match:
        return None
    day, _why = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return day


# An OData V2/V3 verbose JSON date (Project Online's ProjectData feed): milliseconds since 1970-01-01 UTC, with an
# optional offset in minutes that does not move the instant ("/Date(1330588800000)/", "/Date(1330588800000+0060)/").
_ODATA_DATE = re.compile(r"^/Date\((-?\d{1,15})(?:[+-]\d{4})?\)/$")


def parse_odata_date(text: str) -> dt.date | None:
    """The calendar day (UTC) of an OData verbose JSON date, "/Date(1330588800000)/", or None for any other text."""
    match = _ODATA_DATE.match(text.strip())
    if not match:
        return None
    try:
        instant = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(match.group(1)))
    except OverflowError:
        return None
    return instant.date()


def parse_xml_integer(text: str) -> int | None:
    """An XML Schema integer (digits, an optional sign), or None."""
    text = text.strip()
    return int(text) if _XML_INTEGER.match(text) else None


def read_number_column(cells, label: str, **options) -> tuple[list[float], list[tuple[int, Reading]]]:
    """Numbers of a column of cells (NaN where blank or refused), and the refusals by position.

    Plain numbers pass in one step; only the text cells are read one by one, so a million numeric cells cost
    little. `options` are read_number's.
    """
    numbers: list[float] = []
    refused: list[tuple[int, Reading]] = []
    for position, cell in enumerate(cells):
        if type(cell) is float or type(cell) is int:
            numbers.append(float(cell))
            continue
        reading = read_number(cell, label, **options)
        if reading.refused:
            refused.append((position, reading))
        numbers.append(math.nan if reading.value is None else float(reading.value))  # type: ignore[arg-type]
    return numbers, refused


# -- yes and no -----------------------------------------------------------------------------------------------------

_YES = ("1", "true", "yes", "y", "x", "ja", "oui", "si", "sí")
_NO = ("0", "false", "no", "n", "nein", "non", "none")


def read_flag(value: object, label: str) -> Reading:
    """Yes or no (TRUE/FALSE, yes/no, y/n, x, 1/0); blank is no."""
    if isinstance(value, bool):
        return Reading(value)
    error = excel_error(value)
    if error is not None:
        return _refuse("excel_error", f"{label} {error.describe()}")
    if is_blank(value):
        return Reading(False)
    text = as_text(value).strip().casefold()
    if text in _YES:
        return Reading(True)
    if text in _NO:
        return Reading(False)
    return _refuse("not_yes_no", f"{label}: expected yes or no, got '{short(as_text(value))}'")


# -- locales and CSV ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvLocale:
    """How a CSV writes its fields: separator, decimal mark and the order of day and month (None: unknown)."""

    name: str
    separator: str
    decimal_mark: str | None
    day_first: bool | None
    detected: bool = False

    def describe(self) -> str:
        separator = {"\t": "tab", ";": "semicolon", ",": "comma"}[self.separator]
        mark = {",": "decimal comma", ".": "decimal point", None: "decimal mark unknown"}[self.decimal_mark]
        order = {True: "dates day/month", False: "dates month/day", None: "day/month order unknown"}[self.day_first]
        how = "detected" if self.detected else "set"
        return f"{separator}-separated, {mark}, {order} ({self.name}, {how})"


# Excel saves CSV with the system's list separator and decimal mark: a semicolon exactly where the decimal mark is
# a comma. Named after the locales PMOs work in; `auto` detects the separator and takes the rest from it.
CSV_LOCALES = {
    "en-US": (",", ".", False),
    "en-GB": (",", ".", True),
    "en-IE": (",", ".", True),
    "en-AU": (",", ".", True),
    "de-DE": (";", ",", True),
    "de-AT": (";", ",", True),
    "de-CH": (";", ".", True),
    "fr-FR": (";", ",", True),
    "fr-BE": (";", ",", True),
    "nl-NL": (";", ",", True),
    "es-ES": (";", ",", True),
    "it-IT": (";", ",", True),
    "pt-PT": (";", ",", True),
    "pt-BR": (";", ",", True),
    "pl-PL": (";", ",", True),
    "sv-SE": (";", ",", True),
    "da-DK": (";", ",", True),
    "nb-NO": (";", ",", True),
    "fi-FI": (";", ",", True),
}
CSV_LOCALE_NAMES = ("auto", *CSV_LOCALES)


class LocaleError(ValueError):
    """An unknown --csv-locale name."""


def csv_locale(name: str | None, text: str = "") -> CsvLocale:
    """The named locale, or (None/'auto') the one a CSV's first line shows: its separator decides the rest."""
    if name and name != "auto":
        key = next((known for known in CSV_LOCALES if known.casefold() == name.strip().casefold()), None)
        if key is None:
            raise LocaleError(f"unknown CSV locale '{name}'; use auto or one of {', '.join(CSV_LOCALES)}")
        separator, mark, day_first = CSV_LOCALES[key]
        return CsvLocale(key, separator, mark, day_first)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {separator: first_line.count(separator) for separator in ("\t", ";", ",")}
    separator = max(counts, key=lambda s: (counts[s], s == ","))
    if separator == ";":
        return CsvLocale("auto", ";", ",", True, detected=True)
    if separator == "\t":
        return CsvLocale("auto", "\t", None, None, detected=True)
    return CsvLocale("auto", ",", ".", None, detected=True)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


class CsvError(ValueError):
    """A CSV whose text cannot be read as one encoding, or whose rows do not fit its header."""


def decode_text(raw: bytes) -> str:
    """A CSV's text: UTF-16 (Excel's "Unicode text", with its BOM), UTF-8 with or without BOM, else Windows-1252
    (Excel's plain "CSV" on Windows). A file that is neither whole is refused, never half-guessed."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        if _UTF8_MULTIBYTE.search(raw):
            raise CsvError(
                f"line {line} is not UTF-8 while the rest of the file is: it was pasted from another file or program. "
                "Save the register again as CSV UTF-8 (Excel: Save As > CSV UTF-8)"
            ) from None
    if _CP1252_UNDEFINED & set(raw):
        raise CsvError("the file is neither UTF-8 nor Windows-1252 text; save it again as CSV UTF-8")
    return raw.decode("cp1252")


def decode_csv(raw: bytes, locale_name: str | None = None) -> tuple[CsvLocale, list[tuple[int, list[str]]]]:
    """(locale, [(line number, fields)]) of a CSV's bytes. Excel's `sep=;` first line names the separator."""
    text = decode_text(raw)
    first, _, rest = text.partition("\n")
    stated = re.fullmatch(r"sep=(.)\r?", first.strip("\ufeff"))
    if stated:
        text = rest
    locale = csv_locale(locale_name, text)
    if stated and stated.group(1) != locale.separator and not (locale_name and locale_name != "auto"):
        locale = csv_locale(next((n for n, v in CSV_LOCALES.items() if v[0] == stated.group(1)), "auto"), text)
    # Only \n, \r and \r\n end a row (io with newline=""); str.splitlines would split at U+2028 or a form feed.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=locale.separator)
    rows = []
    offset = 1 if stated else 0
    for cells in reader:
        rows.append((reader.line_num + offset, list(cells)))
    return locale, rows
