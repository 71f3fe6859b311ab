"""The PMO's settings: the reporting calendar and the RAG thresholds, with defaults, loadable from TOML, JSON or CSV.

A settings file holds only what differs from the defaults, e.g. `pmo_settings.toml`:

    cadence = "monthly"                      # monthly, fortnightly or quarterly
    fiscal_year_start_month = 4              # April
    deadline_days_after_period_end = 5       # the submission deadline: 5 days after the period's last day
    data_as_of_days_after_period_end = 0     # the data-as-of (cut-off) date: the period's last day
    schedule_slip_amber_days = 10
    [deadlines]                              # a submission deadline set by hand for a period
    "2026-12" = "2027-01-08"
    [data_as_of_dates]                       # a data-as-of date set by hand for a period
    "2026-12" = "2026-12-20"

Settings files and workbooks written before the data-as-of date existed call the deadline `due_days_after_period_end`
and `due_dates` (`due_date:YYYY-MM` rows). They are still read, under the new names, and the run says once which old
name it read and what to rename it to (a `SettingsRenamed` warning, which `pmo` prints as a note).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
import warnings
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from pmo_xl.errors import PmoError
from pmo_xl.mail import PLACEHOLDERS, placeholders_in
from pmo_xl.periods import first_day, is_month, last_day
from pmo_xl.values import CSV_LOCALE_NAMES, is_blank, read_date, read_flag, read_number, read_text

CADENCES = ("monthly", "fortnightly", "quarterly")
# Blank means not set: pmo-xl never assumes a unit (a register in whole euros once showed as k EUR).
MONEY_UNITS = ("", "units", "k", "m")
# A date set by hand for one period is a row `<prefix>YYYY-MM` in a CSV or the workbook's Settings table, and a
# table of period = date in TOML and JSON: the field's name by its row prefix.
PERIOD_DATE_PREFIXES = {"deadlines": "deadline:", "data_as_of_dates": "data_as_of:"}
# Settings an older pmo-xl called by another name (issue 17 split the one `due_date` into two dates): still read, as
# the new name, with a note saying what to rename. `due_dates` is also the CSV and workbook rows `due_date:YYYY-MM`.
RENAMED_SETTINGS = {"due_days_after_period_end": "deadline_days_after_period_end", "due_dates": "deadlines"}
OLD_PERIOD_DATE_PREFIXES = {"due_dates": "due_date:"}
# The data-as-of date stays inside its period: the last day of the shortest month less 27 days is its first day.
EARLIEST_DATA_AS_OF_DAYS = -27


class SettingsError(PmoError):
    """A settings file is unreadable or holds an unknown key or a bad value."""


class SettingsRenamed(UserWarning):
    """Settings were read under an old name; the message says which, and what to rename them to."""

    pmo_note = True  # `pmo` prints it as one line, `pmo: note: ...` (cli/_group.py)


def _setting(default, meaning: str, **options):
    """A field with the meaning shown beside it on the PMO workbook's Settings sheet."""
    return field(default=default, metadata={"meaning": meaning}, **options)


@dataclass(frozen=True)
class PmoSettings:
    cadence: str = _setting("monthly", "Default reporting cadence of a project: monthly, fortnightly or quarterly.")
    fiscal_year_start_month: int = _setting(1, "Month the fiscal year starts: 1 (January) to 12.")
    # Each period has two dates (pmo_xl.reporting_calendar reads them): the submission deadline, the last day a
    # report counts as on time, and the data-as-of (cut-off) date the report describes the project at. Each is this
    # many days after the period's last day, unless set by hand for the period.
    deadline_days_after_period_end: int = _setting(5, "Submission deadline of a reporting period: this many days after its last day.")  # fmt: skip
    deadlines: dict[str, dt.date] = field(default_factory=dict, metadata={
        "meaning": "A submission deadline set by hand: add a row deadline:YYYY-MM with the date as its value."})  # fmt: skip
    data_as_of_days_after_period_end: int = _setting(0, "Data-as-of (cut-off) date of a reporting period: this many days after its last day (0: its last day; -5: five days before).")  # fmt: skip
    data_as_of_dates: dict[str, dt.date] = field(default_factory=dict, metadata={
        "meaning": "A data-as-of date set by hand: add a row data_as_of:YYYY-MM with the date as its value."})  # fmt: skip
    # Derived RAG: the worse of schedule slip (forecast end - baseline end, days) and EAC over current budget (%).
    schedule_slip_amber_days: int = _setting(15, "Derived RAG: Amber when the forecast end is more than this many days after the baseline end.")  # fmt: skip
    schedule_slip_red_days: int = _setting(45, "Derived RAG: Red when the forecast end slips more than this many days.")  # fmt: skip
    cost_overrun_amber_percent: float = _setting(5.0, "Derived RAG: Amber when the estimate at completion exceeds the current budget by more than this percent.")  # fmt: skip
    cost_overrun_red_percent: float = _setting(10.0, "Derived RAG: Red when the estimate at completion exceeds the current budget by more than this percent.")  # fmt: skip
    currency: str = _setting("", "Currency code of projects whose register row gives none, e.g. EUR. Blank: the register must say.")  # fmt: skip
    money_unit: str = _setting("", "Unit of money figures for projects whose register row gives none: units, k (thousands) or m (millions). Blank: the register must say.")  # fmt: skip
    csv_locale: str = _setting("auto", "How a CSV register writes numbers and dates: auto (a semicolon file has decimal commas and day/month dates), or a locale such as en-GB, en-US, de-DE, fr-FR.")  # fmt: skip
    pmo_name: str = _setting("PMO", "Name that signs the PMO's e-mails (send-out, feedback, reminders).")
    pmo_email: str = _setting("", "Reply address of the PMO's e-mails.")
    # The PMO's own wording of its e-mails, so it writes in its own language. Placeholders in braces are filled in:
    # {name} the PM, {period}, {deadline} (submission deadline), {data_as_of}, {projects}, {project}.
    mail_date_format: str = _setting("%Y-%m-%d", "E-mails: how dates are written, e.g. %d.%m.%Y (German), %d/%m/%Y; the default is ISO, 2027-01-05.")  # fmt: skip
    mail_greeting: str = _setting("Hello {name},", "E-mails: the greeting line; {name} is the PM's name.")
    mail_sign_off: str = _setting("Thank you,", "E-mails: the line above the PMO's name.")
    mail_sendout_subject: str = _setting("Status report {period}: please return by {deadline}", "Send-out e-mail: subject.")  # fmt: skip
    mail_sendout_intro: str = _setting(
        "Please find attached your status report workbook(s) for {period}. Report the position as of {data_as_of} "
        "and send the saved file(s) back to the PMO by {deadline}.",
        "Send-out e-mail: the opening paragraph.")  # fmt: skip
    mail_howto: str = _setting(
        "Fill in the yellow cells; grey cells are set by the PMO. The checks beside each field turn green when the "
        "entry passes the PMO's rules, and the completeness figure on the Summary sheet reaches 100% when the report "
        "is ready. Keep the file name, sheets and tables, and send the file as it is.",
        "Send-out e-mail: the short how-to.")  # fmt: skip
    mail_feedback_subject: str = _setting("Status report returned for correction: {project} ({period})", "Feedback e-mail: subject of a report returned for correction.")  # fmt: skip
    mail_feedback_intro: str = _setting(
        "Thank you for your status report for {project} ({period}). The PMO could not accept it yet: please correct "
        "each point below in the attached workbook, save it and send it back.",
        "Feedback e-mail: the opening paragraph of a report returned for correction.")  # fmt: skip
    mail_warnings_subject: str = _setting("Status report accepted, please check: {project} ({period})", "Feedback e-mail: subject of an accepted report with warnings.")  # fmt: skip
    mail_warnings_intro: str = _setting(
        "Thank you for your status report for {project} ({period}). It was accepted, but please check the points "
        "below before next period.",
        "Feedback e-mail: the opening paragraph of an accepted report with warnings.")  # fmt: skip
    mail_finding_wrong: str = _setting("What is wrong", "Feedback e-mail: the words before each finding's problem.")  # fmt: skip
    mail_finding_fix: str = _setting("How to fix", "Feedback e-mail: the words before each finding's fix.")  # fmt: skip
    mail_feedback_attached: str = _setting(
        "Your workbook is attached as you sent it ({file}); please keep its file name, sheets and tables.",
        "Feedback e-mail: the line about the attached file; {file} is its name.")  # fmt: skip
    mail_feedback_sponsor: str = _setting(
        "This report has now been returned {returns} times, so the sponsor is copied.",
        "Feedback e-mail: the line on a second (or later) return, when the sponsor is copied; {returns} is how many.")  # fmt: skip
    mail_reminder_subject: str = _setting("Status report reminder: {projects} ({period})", "Reminder e-mail: subject; {projects} are the project ids.")  # fmt: skip
    mail_reminder_missing: str = _setting(
        "The PMO has not yet received the status report(s) below. Please fill in the workbook you were sent and "
        "return it as it is (keep the file name, sheets and tables).",
        "Reminder e-mail: the paragraph above the reports not received.")  # fmt: skip
    mail_reminder_returned: str = _setting(
        "Your status report(s) below reached the PMO but could not be accepted, so they were returned for "
        "correction. Please fix each point in the workbook you sent, save it and send the corrected file (keep the "
        "file name, sheets and tables):",
        "Reminder e-mail: the paragraph above the reports returned for correction and not yet sent back.")  # fmt: skip
    mail_reminder_closing: str = _setting(
        "If a report is not needed (project on hold or closed), just reply and tell us.",
        "Reminder e-mail: the closing paragraph.")  # fmt: skip
    coaching_scorecard: bool = _setting(True, "Write pmo-coaching.xlsx, the data-quality scorecard per PM for the PMO's coaching (never for management).")  # fmt: skip

    def __post_init__(self) -> None:
        problems = []
        if self.cadence not in CADENCES:
            problems.append(f"cadence '{self.cadence}' must be one of {', '.join(CADENCES)}")
        if not 1 <= int(self.fiscal_year_start_month) <= 12:
            problems.append(f"fiscal_year_start_month {self.fiscal_year_start_month} must be 1 (January) to 12")
        if self.schedule_slip_red_days < self.schedule_slip_amber_days:
            problems.append("schedule_slip_red_days must be at least schedule_slip_amber_days")
        if self.cost_overrun_red_percent < self.cost_overrun_amber_percent:
            problems.append("cost_overrun_red_percent must be at least cost_overrun_amber_percent")
        from pmo_xl.templates.catalog import CURRENCIES

        if self.currency and self.currency not in CURRENCIES:
            problems.append(f"currency '{self.currency}' must be one of {', '.join(CURRENCIES)} (or blank: not set)")
        if self.money_unit not in MONEY_UNITS:
            problems.append(f"money_unit '{self.money_unit}' must be units, k, m or blank (not set)")
        if self.csv_locale.casefold() not in {name.casefold() for name in CSV_LOCALE_NAMES}:
            problems.append(f"csv_locale '{self.csv_locale}' must be auto or one of {', '.join(CSV_LOCALE_NAMES[1:])}")
        problems += self._reporting_date_problems()
        if not _is_date_format(self.mail_date_format):
            problems.append(
                f"mail_date_format '{self.mail_date_format}' must give the day, month and year, e.g. %d.%m.%Y or "
                "%Y-%m-%d (%d, %m or %b or %B, %Y or %y)"
            )
        for declared in fields(self):
            if declared.name.startswith("mail_") and declared.name != "mail_date_format":
                unknown = placeholders_in(getattr(self, declared.name))
                if unknown:
                    problems.append(
                        f"{declared.name}: {', '.join(unknown)} is not a placeholder; use "
                        + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
                        + " (or no braces)"
                    )
        if problems:
            raise SettingsError("settings: " + "; ".join(problems))

    def _reporting_date_problems(self) -> list[str]:
        """The data-as-of date of every period falls inside the period and on or before its submission deadline."""
        as_of_days, deadline_days = self.data_as_of_days_after_period_end, self.deadline_days_after_period_end
        problems = [
            f"{name}: '{period}' is not a period; write it as YYYY-MM"
            for name in PERIOD_DATE_PREFIXES
            for period in getattr(self, name)
            if not is_month(period)
        ]
        if as_of_days < EARLIEST_DATA_AS_OF_DAYS:
            problems.append(
                f"data_as_of_days_after_period_end {as_of_days} would fall before a period starts; "
                f"give {EARLIEST_DATA_AS_OF_DAYS} or more"
            )
        if as_of_days > deadline_days:
            problems.append(
                f"data_as_of_days_after_period_end {as_of_days} is later than deadline_days_after_period_end "
                f"{deadline_days}: the data-as-of date must fall on or before the submission deadline"
            )
            return problems
        for period in sorted({*self.deadlines, *self.data_as_of_dates}):
            if not is_month(period):
                continue
            deadline = period_date(period, deadline_days, self.deadlines)
            as_of = period_date(period, as_of_days, self.data_as_of_dates)
            deadline_from = f"deadline:{period}" if period in self.deadlines else "deadline_days_after_period_end"
            as_of_from = (
                f"data_as_of:{period}" if period in self.data_as_of_dates else "data_as_of_days_after_period_end"
            )
            if as_of > deadline:
                problems.append(
                    f"period {period}: the data-as-of date {as_of} ({as_of_from}) is later than the submission "
                    f"deadline {deadline} ({deadline_from}); the data-as-of date must fall on or before the deadline"
                )
            elif as_of < first_day(period):
                problems.append(
                    f"period {period}: the data-as-of date {as_of} ({as_of_from}) is before the period starts"
                )
        return problems


def period_date(period: str, days_after_period_end: int, set_by_hand: dict[str, dt.date]) -> dt.date:
    """One of a period's reporting dates: set by hand for the period, else this many days after its last day.

    Read through pmo_xl.reporting_calendar (submission_deadline, data_as_of); here so the settings can check them.
    """
    if period in set_by_hand:
        return set_by_hand[period]
    return last_day(period) + dt.timedelta(days=days_after_period_end)


def _is_date_format(pattern: str) -> bool:
    """A strftime pattern that writes a day, a month and a year, and nothing that fails."""
    has = lambda *codes: any(code in pattern for code in codes)  # noqa: E731
    try:
        dt.date(2027, 1, 5).strftime(pattern)
    except ValueError:
        return False
    return has("%d", "%-d") and has("%m", "%-m", "%b", "%B") and has("%Y", "%y")


def mail_date(day: dt.date | None, settings: PmoSettings) -> str:
    """A date as the PMO's e-mails write it (setting mail_date_format)."""
    return "" if day is None else day.strftime(settings.mail_date_format)


_NAMES = {f.name: f for f in fields(PmoSettings)}


def _convert(name: str, value: object, source: str) -> object:
    """A setting's value in its declared type, read by pmo_xl.values; SettingsError naming the setting if refused."""
    where = f"{source}: setting '{name}' = {value!r}"
    if name in PERIOD_DATE_PREFIXES:
        if not isinstance(value, dict):
            raise SettingsError(f"{where}: expected a table of period = date")
        return {str(period): _typed(day, date.today(), where) for period, day in value.items()}
    return _typed(value, getattr(PmoSettings(), name), where)


def _typed(value: object, default: object, where: str) -> object:
    """`value` read as the type of `default` (flag, whole number, number, date or text)."""
    if isinstance(default, bool):
        reading = read_flag(value, "the value")
    elif isinstance(default, int):
        reading = read_number(value, "the value", whole=True, text_is_normal=True)
    elif isinstance(default, float):
        reading = read_number(value, "the value", text_is_normal=True)
    elif isinstance(default, date):
        reading = read_date(value, "the value", text_is_normal=True)
    else:
        reading = read_text(value, "the value")
        return "" if reading.value is None else reading.value
    return reading.or_raise(SettingsError, where)


def _old_names_read(values: dict[str, object], source: str, as_rows: bool) -> dict[str, object]:
    """`values` with each old setting name (RENAMED_SETTINGS) given its new name, and one note saying what was read.

    `as_rows`: the values came from `setting,value` rows, where a period's date is a `due_date:YYYY-MM` row.
    """
    values, read = dict(values), []
    for old, new in RENAMED_SETTINGS.items():
        if old not in values:
            continue
        old_name, new_name = old, new
        if as_rows and new in PERIOD_DATE_PREFIXES:
            old_name, new_name = OLD_PERIOD_DATE_PREFIXES[old] + "YYYY-MM", PERIOD_DATE_PREFIXES[new] + "YYYY-MM"
        if new in values:
            raise SettingsError(
                f"{source}: both {old_name} (the old name) and {new_name} are set; keep {new_name} only"
            )
        values[new] = values.pop(old)
        read.append(f"'{old_name}' as '{new_name}'")
    if read:
        names, them = ("name", "it") if len(read) == 1 else ("names", "them")
        message = f"{source}: read the old setting {names} {' and '.join(read)}; rename {them} to the new {names}"
        warnings.warn(SettingsRenamed(message), stacklevel=3)
    return values


def settings_from_mapping(values: dict[str, object], source: str = "settings", as_rows: bool = False) -> PmoSettings:
    values = _old_names_read(values, source, as_rows)
    unknown = sorted(set(values) - set(_NAMES))
    if unknown:
        raise SettingsError(f"{source}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_NAMES)}")
    converted = {name: _convert(name, value, source) for name, value in values.items()}
    try:
        return replace(PmoSettings(), **converted)
    except SettingsError as error:
        raise SettingsError(f"{source}: {str(error).removeprefix('settings: ')}") from None


def load_settings(path: Path | str | None) -> PmoSettings:
    """Defaults, overridden by a .toml, .json or .csv (columns `setting,value`; `deadline:YYYY-MM` rows) file."""
    if path is None:
        return PmoSettings()
    path = Path(path)
    if not path.exists():
        raise SettingsError(f"{path}: settings file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            values = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        elif suffix == ".json":
            values = json.loads(path.read_text(encoding="utf-8-sig"))
        elif suffix == ".csv":
            values = _csv_values(path)
        else:
            raise SettingsError(f"{path}: settings must be .toml, .json or .csv, not '{suffix}'")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot read settings: {error}") from None
    return settings_from_mapping(values, str(path), as_rows=suffix == ".csv")


_ROW_PREFIXES = {**PERIOD_DATE_PREFIXES, **OLD_PERIOD_DATE_PREFIXES}


def _period_date_row(name: str) -> tuple[str, str] | None:
    """('deadlines', '2026-12') for a row named `deadline:2026-12` (old `due_date:` rows too); None for others."""
    for table, prefix in _ROW_PREFIXES.items():
        if name.startswith(prefix):
            return table, name.removeprefix(prefix).strip()
    return None


def renamed_setting_row(name: str) -> str | None:
    """The current name of a `setting,value` row an older pmo-xl wrote (`due_date:2026-12` -> `deadline:2026-12`,
    `due_days_after_period_end` -> `deadline_days_after_period_end`); None for a current or unknown name."""
    for table, prefix in OLD_PERIOD_DATE_PREFIXES.items():
        if name.startswith(prefix):
            return PERIOD_DATE_PREFIXES[RENAMED_SETTINGS[table]] + name.removeprefix(prefix)
    new = RENAMED_SETTINGS.get(name)
    return None if new in PERIOD_DATE_PREFIXES else new


def setting_row_meaning(name: str) -> str | None:
    """What a Settings row means (a `deadline:YYYY-MM` row too), as the PMO workbook shows it; None if unknown."""
    period_row = _period_date_row(name)
    declared = _NAMES.get(period_row[0] if period_row else name)
    return declared.metadata.get("meaning") if declared else None


def _row_values(rows) -> dict[str, object]:
    """`setting,value` rows as a mapping: `<prefix>YYYY-MM` rows gathered into their table of period = date."""
    values: dict[str, object] = {}
    for name, value in rows:
        period_row = _period_date_row(name)
        if period_row:
            values.setdefault(period_row[0], {})[period_row[1]] = value
        else:
            values[name] = value
    return values


def _csv_values(path: Path) -> dict[str, object]:
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as stream:
        for row_number, row in enumerate(csv.reader(stream), start=1):
            if not row or not row[0].strip() or (row_number == 1 and row[0].strip().lower() == "setting"):
                continue
            rows.append((row[0].strip(), row[1].strip() if len(row) > 1 else ""))
    return _row_values(rows)


def settings_rows(settings: PmoSettings | None = None) -> list[tuple[str, object, str]]:
    """(setting, value, meaning) for every field, as the PMO workbook's Settings table lists them.

    Generated from the dataclass, so the workbook can offer no key, value or unit the core does not take.
    """
    settings = settings or PmoSettings()
    rows: list[tuple[str, object, str]] = []
    for declared in fields(PmoSettings):
        meaning = declared.metadata.get("meaning", "")
        if declared.name in PERIOD_DATE_PREFIXES:
            prefix = PERIOD_DATE_PREFIXES[declared.name]
            rows += [(prefix + period, day, meaning) for period, day in getattr(settings, declared.name).items()]
        else:
            rows.append((declared.name, getattr(settings, declared.name), meaning))
    return rows


def settings_from_rows(rows, source: str = "Settings") -> PmoSettings:
    """PmoSettings from (setting, value) pairs, e.g. the PMO workbook's Settings table.

    Rows for other settings (folders, the ribbon's own) are left to their readers; a blank value means the
    default. Raises SettingsError naming the setting and its value.
    """
    kept = []
    for name, value in rows:
        name = "" if is_blank(name) else str(name).strip()
        if is_blank(value):
            continue
        if _period_date_row(name) or ((name in _NAMES or name in RENAMED_SETTINGS) and name not in _ROW_PREFIXES):
            kept.append((name, value))  # _convert makes Excel's floats the field's type
    try:
        return settings_from_mapping(_row_values(kept), source, as_rows=True)
    except SettingsError as error:
        message = str(error).removeprefix(f"{source}: ").removeprefix("settings: ")
        raise SettingsError(f"{source}: {message}") from None


# The capacity plan's settings on the Settings sheet: `capacity_` + the CapacitySettings field.
CAPACITY_PREFIX = "capacity_"
CAPACITY_MEANINGS = {
    "horizon_months": "Capacity: months planned from the current period (1-60).",
    "working_days_per_month": "Capacity: working days per month (hours -> FTE).",
    "hours_per_fte_day": "Capacity: hours per FTE day (hours -> FTE).",
    "default_productive_ratio": "Capacity: share of capacity that is productive where a Capacity row gives none (0-1].",
    "stale_after_periods": "Capacity: projects whose last report is more than this many periods old are dropped.",
    "stage_probabilities": "Capacity: probability that a request at each stage goes ahead, e.g. approved=0.9; draft=0.1.",
    "amber_from": "Capacity: utilisation from which a month is Amber (0.85 = 85%).",
    "red_above": "Capacity: utilisation above which a month is Red.",
    "assessed_line": "Capacity: demand line the hot spots assess: committed, weighted or all_pending.",
    "contributors_listed": "Capacity: projects and requests listed behind each over-allocation.",
}


def capacity_settings_rows() -> list[tuple[str, object, str]]:
    from pmo_xl.portfolio.capacity import CapacitySettings

    defaults = CapacitySettings()
    rows = []
    for declared in fields(CapacitySettings):
        value = getattr(defaults, declared.name)
        if declared.name == "stage_probabilities":
            value = "; ".join(f"{stage}={probability:g}" for stage, probability in value)
        rows.append((CAPACITY_PREFIX + declared.name, value, CAPACITY_MEANINGS.get(declared.name, "Capacity.")))
    return rows


def capacity_settings_from_rows(rows, source: str = "Settings"):
    """CapacitySettings from (setting, value) pairs whose setting starts with `capacity_`; blank means default."""
    from pmo_xl.portfolio.capacity import CapacityError, CapacitySettings, parse_stage_probabilities

    defaults = CapacitySettings()
    known = {declared.name for declared in fields(CapacitySettings)}
    values: dict[str, object] = {}
    for name, value in rows:
        name = "" if is_blank(name) else str(name).strip()
        field_name = name.removeprefix(CAPACITY_PREFIX)
        if not name.startswith(CAPACITY_PREFIX) or field_name not in known or is_blank(value):
            continue
        default = getattr(defaults, field_name)
        try:
            if field_name == "stage_probabilities":
                entries = [entry.strip() for entry in str(value).split(";") if entry.strip()]
                values[field_name] = parse_stage_probabilities(entries, CapacitySettings(stage_probabilities=()))
            else:
                values[field_name] = _typed(value, default, f"{source}: setting '{name}' = {value!r}")
        except CapacityError as error:
            raise SettingsError(f"{source}: setting '{name}' = {value!r}: {error}") from None
    try:
        return replace(defaults, **values)
    except CapacityError as error:
        raise SettingsError(f"{source}: {error}") from None


def write_settings_csv(settings: PmoSettings, path: Path | str) -> Path:
    """`settings` as a `setting,value` CSV that `load_settings` (and `pmo ... --settings`) reads back unchanged."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["setting", "value"])
        for name, value, _meaning in settings_rows(settings):
            writer.writerow([name, value.isoformat() if isinstance(value, dt.date) else value])
    return path
