"""The reporting calendar's dates: for each period, the submission deadline and the data-as-of (cut-off) date.

- **submission deadline**: the last day a PM's report counts as on time (today's `due_date`);
- **data-as-of**: the date the report describes the project at (figures "as of").

Below the generator and the collector, so the send-out, the tracker and the `.ics` calendar share one reading.
"""

from __future__ import annotations

import calendar
import datetime as dt

from pmo_xl.periods import year_and_month
from pmo_xl.settings import PmoSettings


def last_day(period: str) -> dt.date:
    year, month = year_and_month(period)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def submission_deadline(period: str, settings: PmoSettings) -> dt.date:
    """The period's submission deadline: set by hand in the settings, else a fixed number of days after it ends."""
    if period in settings.due_dates:
        return settings.due_dates[period]
    return last_day(period) + dt.timedelta(days=settings.due_days_after_period_end)


def data_as_of(period: str, settings: PmoSettings) -> dt.date:
    """The date a period's report describes the project at (its cut-off). The period's last day for now."""
    return last_day(period)
