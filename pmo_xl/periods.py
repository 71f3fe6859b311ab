"""Reporting periods and calendar months as 'YYYY-MM' text, and fiscal years.

Besides pmo_xl.values, the one module that turns text into numbers: the digits of a 'YYYY-MM' key, matched by a
regular expression first, so there is exactly one reading.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# A month as tables hold it: '2026-03', '2026-3', or a date or date-time text of that month.
_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?(?:[ T].*)?$")


def is_month(text: str) -> bool:
    return bool(_MONTH.match(text))


def month_index(text: str) -> int | None:
    """'2026-03' (or '2026-3', '2026-03-01 00:00:00') -> 2026 * 12 + 2, the month's running number; else None."""
    match = _MONTH_TEXT.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)) * 12 + int(match.group(2)) - 1
    return None


def year_and_month(period: str) -> tuple[int, int]:
    """(2026, 11) for '2026-11'; the period must already be a valid 'YYYY-MM'."""
    return int(period[:4]), int(period[5:7])


def first_day(period: str) -> dt.date:
    return dt.date(*year_and_month(period), 1)


def last_day(period: str) -> dt.date:
    """2026-02-28 for '2026-02'."""
    return first_day(month_add(period, 1)) - dt.timedelta(days=1)


def fiscal_year_number(label: str) -> int:
    """2027 for 'FY2027'."""
    return int(label.removeprefix("FY"))


def check_period(text: str) -> str:
    """Return `text` if it is a 'YYYY-MM' period, else raise ValueError with a message a PMO can act on."""
    text = str(text).strip()
    if not is_month(text):
        raise ValueError(f"'{text}' is not a reporting period: write it as YYYY-MM, e.g. 2026-12")
    return text


def month_add(period: str, months: int) -> str:
    """'2026-11' plus 3 months is '2027-02'."""
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_series(start: str, count: int) -> list[str]:
    return [month_add(start, offset) for offset in range(count)]


def months_between(first: str, second: str) -> int:
    """How many months `second` lies after `first`."""
    return (int(second[:4]) * 12 + int(second[5:7])) - (int(first[:4]) * 12 + int(first[5:7]))


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def current_period(today: dt.date | None = None) -> str:
    return period_of(today or dt.date.today())


def fiscal_year_ending(month: int, fiscal_year_start_month: int = 1) -> int:
    """The fiscal year running month `month` (year * 12 + month - 1, as month_index gives it) falls in, as a number.

    A fiscal year is named by the calendar year in which it ends: with a July start, July 2027 is in 2028.
    """
    year, month_of_year = divmod(month, 12)
    return year + 1 if fiscal_year_start_month > 1 and month_of_year + 1 >= fiscal_year_start_month else year


def fiscal_year_label(month: int, fiscal_year_start_month: int = 1) -> str:
    """'FY2028' for running month `month` (see fiscal_year_ending)."""
    return f"FY{fiscal_year_ending(month, fiscal_year_start_month)}"


def fiscal_year_months(label: str, fiscal_year_start_month: int = 1) -> range:
    """The twelve running months of fiscal year `label` ('FY2028'), first to last."""
    year = fiscal_year_number(label)
    first = (year - (1 if fiscal_year_start_month > 1 else 0)) * 12 + fiscal_year_start_month - 1
    return range(first, first + 12)


def fiscal_year_labels(period: str, count: int, fiscal_year_start_month: int = 1) -> list[str]:
    """'FY2027', 'FY2028', ...: `count` fiscal years from the one holding `period` ('YYYY-MM')."""
    year, month = year_and_month(period)
    first = fiscal_year_ending(year * 12 + month - 1, fiscal_year_start_month)
    return [f"FY{first + offset}" for offset in range(count)]
