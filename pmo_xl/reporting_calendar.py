"""The reporting calendar's dates: for each period, the submission deadline and the data-as-of (cut-off) date.

- **submission deadline**: the last day a PM's report counts as on time (`deadline_days_after_period_end` after the
  period's last day, or a `deadline:YYYY-MM` set by hand);
- **data-as-of**: the date the report describes the project at, its figures "as of" (`data_as_of_days_after_period_end`,
  0 = the period's last day, negative = before it, or a `data_as_of:YYYY-MM` set by hand). Never after the deadline,
  never before the period starts: pmo_xl.settings refuses such settings when they are read.

Below the generator and the collector, so the send-out, the tracker and the `.ics` calendar share one reading.

The calendar is written as iCalendar (RFC 5545) with the `icalendar` library: it both writes and parses the format
(the tests read back what we write with it, and a re-run reads the previous file to carry each event's SEQUENCE),
folds long lines and escapes text as the RFC says, and is kept up to date (Plone's collective, releases through 2026).
`ics` (ics-py) was not chosen: still 0.x with a slow, irregular release history, its own Arrow-based date model, and
a parser that has lagged its writer.

An event's UID is `<template>-<period>-<kind>@<pmo>.pmo-xl`, the same in every run and in the one-period calendar the
send-out e-mail attaches, so a calendar application updates an imported event rather than adding a second one. Its
SEQUENCE is the previous file's, plus one when the event changed. Its DTSTAMP is derived (the period's first day at
00:00 UTC, one minute later per revision), never the clock, so an unchanged calendar is written byte for byte again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event

from pmo_xl.errors import PmoError
from pmo_xl.periods import first_day, is_month, last_day, year_and_month
from pmo_xl.settings import CADENCES, PmoSettings, period_date
from pmo_xl.templates.catalog import schema_for

__all__ = [
    "CalendarError",
    "NotACalendar",
    "calendar_changes",
    "calendar_ics",
    "data_as_of",
    "is_reporting_period",
    "last_day",
    "mid_period_deadline",
    "period_calendar_ics",
    "reporting_periods",
    "submission_deadline",
]

PRODUCT_ID = "-//pmo-xl//Reporting calendar//EN"
# Reminders, as offsets from the start of an all-day event (its 00:00): 09:00 three days before, and 09:00 on the day.
THREE_DAYS_BEFORE_AT_NINE = -dt.timedelta(days=2, hours=15)
ON_THE_DAY_AT_NINE = dt.timedelta(hours=9)


class CalendarError(PmoError):
    """A calendar cannot be made: an unknown template, cadence or period."""


class NotACalendar(CalendarError):
    """The previous calendar given is not iCalendar, so its events' SEQUENCE cannot be carried."""


def submission_deadline(period: str, settings: PmoSettings) -> dt.date:
    """The period's submission deadline: set by hand in the settings, else a fixed number of days after it ends."""
    return period_date(period, settings.deadline_days_after_period_end, settings.deadlines)


def data_as_of(period: str, settings: PmoSettings) -> dt.date:
    """The date a period's report describes the project at (its cut-off): set by hand, else days after it ends."""
    return period_date(period, settings.data_as_of_days_after_period_end, settings.data_as_of_dates)


def mid_period_deadline(period: str, settings: PmoSettings) -> dt.date:
    """A fortnightly project's first report of the month: due as many days after the 15th as the month's is after
    its last day."""
    return dt.date(*year_and_month(period), 15) + dt.timedelta(days=settings.deadline_days_after_period_end)


def is_reporting_period(period: str, cadence: str, fiscal_year_start_month: int = 1) -> bool:
    """Monthly and fortnightly projects report every month; quarterly ones in each fiscal quarter's last month."""
    if cadence != "quarterly":
        return True
    month = year_and_month(period)[1]
    return (month - fiscal_year_start_month) % 3 == 2


def reporting_periods(year: int, settings: PmoSettings, cadence: str | None = None) -> list[str]:
    """The reporting periods of calendar year `year` (January to December, whatever the fiscal year) for `cadence`
    (default: the settings' cadence): every month, or for quarterly the last month of each fiscal quarter."""
    cadence = cadence or settings.cadence
    if cadence not in CADENCES:
        raise CalendarError(f"cadence '{cadence}' must be one of {', '.join(CADENCES)}")
    months = [f"{year:04d}-{month:02d}" for month in range(1, 13)]
    return [period for period in months if is_reporting_period(period, cadence, settings.fiscal_year_start_month)]


@dataclass(frozen=True)
class _Entry:
    """One all-day event of the calendar, before its SEQUENCE and DTSTAMP are known."""

    uid: str
    period: str
    day: dt.date
    summary: str
    description: str
    reminders: tuple[dt.timedelta, ...]

    def content(self) -> tuple:
        return (self.day, self.summary, self.description, self.reminders)


def pmo_slug(settings: PmoSettings) -> str:
    """The PMO's part of every UID: its e-mail address if set, else its name, as lower-case ASCII words and dashes."""
    text = unicodedata.normalize("NFKD", settings.pmo_email or settings.pmo_name)
    words = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode("ascii").lower()).strip("-")
    return words or "pmo"


def _entries(settings: PmoSettings, period: str, template_id: str, cadence: str) -> list[_Entry]:
    try:
        title = schema_for(template_id).title
    except KeyError as error:
        raise CalendarError(str(error.args[0])) from None
    if not is_month(period):
        raise CalendarError(f"'{period}' is not a reporting period; write it as YYYY-MM")
    # Each event's words name no other date, so a changed date revises only its own event (its SEQUENCE). Its
    # SUMMARY starts with the kind and the period: a month view shows a dozen characters of it.
    deadline, as_of = submission_deadline(period, settings), data_as_of(period, settings)
    to_pmo = settings.pmo_name + (f" ({settings.pmo_email})" if settings.pmo_email else "")
    domain = f"{pmo_slug(settings)}.pmo-xl"
    entries = [
        _Entry(
            f"{template_id}-{period}-data-as-of@{domain}",
            period,
            as_of,
            f"Data as of {period}: {title}",
            f"The {title.lower()} for {period} describes each project as it stands at the end of this day: "
            "percent complete, forecast dates, costs, risks and issues. Its submission deadline is a separate event.",
            (ON_THE_DAY_AT_NINE,),
        ),
        _Entry(
            f"{template_id}-{period}-deadline@{domain}",
            period,
            deadline,
            f"Deadline {period}: {title}",
            f"Last day to send the {title.lower()} for {period} to {to_pmo}, describing each project as of its "
            "data-as-of date.",
            (THREE_DAYS_BEFORE_AT_NINE, ON_THE_DAY_AT_NINE),
        ),
    ]
    if cadence == "fortnightly":
        mid_deadline = mid_period_deadline(period, settings)
        entries.insert(
            1,
            _Entry(
                f"{template_id}-{period}-mid-month-deadline@{domain}",
                period,
                mid_deadline,
                f"Deadline {period}, mid-month: {title}",
                f"Last day to send the first of the two fortnightly {title.lower()}s for {period} to {to_pmo}, "
                "describing each project as of the 15th.",
                (THREE_DAYS_BEFORE_AT_NINE, ON_THE_DAY_AT_NINE),
            ),
        )
    return entries


def _previous_events(previous: bytes | None) -> dict[str, tuple[int, tuple]]:
    """UID -> (SEQUENCE, content) of each event in a calendar this module wrote before."""
    if not previous:
        return {}
    try:
        calendar = Calendar.from_ical(previous)
    except ValueError as error:
        raise NotACalendar(f"is not an iCalendar file ({error})") from None
    events = {}
    for event in calendar.walk("VEVENT"):
        reminders = tuple(alarm.decoded("TRIGGER") for alarm in event.walk("VALARM") if "TRIGGER" in alarm)
        start = event.decoded("DTSTART") if "DTSTART" in event else None
        content = (start, str(event.get("SUMMARY", "")), str(event.get("DESCRIPTION", "")), reminders)
        events[str(event.get("UID", ""))] = (int(event.get("SEQUENCE", 0)), content)
    return events


def _event(entry: _Entry, sequence: int) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", sequence)
    stamp = dt.datetime.combine(first_day(entry.period), dt.time(), tzinfo=dt.UTC)
    event.add("dtstamp", stamp + dt.timedelta(minutes=sequence))
    event.add("dtstart", entry.day)
    event.add("dtend", entry.day + dt.timedelta(days=1))
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: it does not make anyone look busy
    for trigger in entry.reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", entry.summary)
        alarm.add("trigger", trigger)
        event.add_component(alarm)
    return event


def _calendar(settings: PmoSettings, name: str, entries: Iterable[_Entry], previous: bytes | None) -> bytes:
    known = _previous_events(previous)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for entry in entries:
        sequence = 0
        if entry.uid in known:
            old_sequence, old_content = known[entry.uid]
            sequence = old_sequence if old_content == entry.content() else old_sequence + 1
        calendar.add_component(_event(entry, sequence))
    return calendar.to_ical()


def calendar_ics(
    settings: PmoSettings,
    periods: Iterable[str],
    template_id: str = "project_status",
    previous: bytes | None = None,
    cadence: str | None = None,
) -> bytes:
    """The reporting calendar of `periods` as iCalendar bytes: each period's data-as-of date and submission deadline
    (and, for a fortnightly cadence, its mid-month deadline) as all-day events with reminders.

    `previous`: the calendar written last time, if any; an event whose date or words changed since gets its
    SEQUENCE raised by one, so importing the new file updates it. Raises CalendarError.
    """
    cadence = cadence or settings.cadence
    periods = list(periods)
    entries = [entry for period in periods for entry in _entries(settings, period, template_id, cadence)]
    span = f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else (periods[0] if periods else "")
    return _calendar(settings, f"{settings.pmo_name} reporting calendar {span}".strip(), entries, previous)


def period_calendar_ics(settings: PmoSettings, period: str, template_id: str = "project_status") -> bytes:
    """One period's dates (the send-out e-mail attaches it), with the same UIDs as the year's calendar."""
    return calendar_ics(settings, [period], template_id)


@dataclass(frozen=True)
class CalendarChanges:
    """What a new calendar file changes for someone who imported the previous one."""

    added: int  # events the previous file did not have
    revised: tuple[str, ...]  # events whose SEQUENCE rose: their summary and new date
    dropped: tuple[str, ...]  # events of the previous file the new one lacks: they stay in calendars until removed


def calendar_changes(previous: bytes | None, current: bytes) -> CalendarChanges:
    known = _previous_events(previous)
    revised, kept = [], set()
    for event in Calendar.from_ical(current).walk("VEVENT"):
        uid = str(event.get("UID"))
        kept.add(uid)
        if uid in known and int(event.get("SEQUENCE", 0)) > known[uid][0]:
            revised.append(f"{event.get('SUMMARY')} now {event.decoded('DTSTART').isoformat()}")
    dropped = [f"{content[1]} ({content[0]})" for uid, (_sequence, content) in known.items() if uid not in kept]
    return CalendarChanges(len(kept - set(known)), tuple(revised), tuple(dropped))
