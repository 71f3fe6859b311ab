"""The reporting calendar and the submission tracker: who owes a report for a period, who is late, whom to chase.

Each active project's state for a period is one of:

- **received**: a submission for the period, submitted on or before the cut-off;
- **late**: a submission for the period, submitted after the cut-off;
- **missing**: no submission, and the cut-off has passed;
- **not due**: no submission yet but the cut-off is still ahead, or the period is not a reporting period for the
  project's cadence (a quarterly project reports in the last month of each fiscal quarter). Projects on hold or
  closed are listed as not due and never chased.

A fortnightly project owes a report for each half of the month (1st-15th, 16th-end); the tracker looks at the
latest half that has begun. Chasers go out only for missing reports: one `.eml` draft per PM, which Outlook opens
as an unsent draft (X-Unsent: 1), so the PMO reviews and sends it from their own mailbox.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from pmo_xl.output_files import safe_file_name, write_bytes_atomic
from pmo_xl.periods import year_and_month
from pmo_xl.settings import PmoSettings

STATES = ("received", "late", "missing", "not due")
TRACKER_COLUMNS = (
    "project_id",
    "project_name",
    "project_manager",
    "pm_email",
    "programme",
    "lifecycle_status",
    "cadence",
    "period",
    "due_date",
    "state",
    "submitted_on",
    "chase",
    "note",
)
# Mail clients on Windows expect CRLF line ends in a saved message.
_EML_POLICY = policy.default.clone(linesep="\r\n")
CHASER_COLUMNS = ("project_manager", "pm_email", "project_ids", "outstanding", "oldest_due_date", "note")


@dataclass(frozen=True)
class TrackedProject:
    """A project the tracker looks at: from the register, or from the ledger when there is no register."""

    project_id: str
    project_name: str = ""
    project_manager: str = ""
    pm_email: str = ""
    programme: str = ""
    lifecycle_status: str = "active"
    cadence: str = ""


@dataclass(frozen=True)
class ReportWindow:
    """When a report counts for a period: submitted on or after `opens` (None: any time), due by `due`."""

    opens: dt.date | None
    due: dt.date


def last_day(period: str) -> dt.date:
    year, month = year_and_month(period)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def due_date(period: str, settings: PmoSettings) -> dt.date:
    """The period's cut-off: set by hand in the settings, else a fixed number of days after the period ends."""
    if period in settings.due_dates:
        return settings.due_dates[period]
    return last_day(period) + dt.timedelta(days=settings.due_days_after_period_end)


def is_reporting_period(period: str, cadence: str, fiscal_year_start_month: int = 1) -> bool:
    """Monthly and fortnightly projects report every month; quarterly ones in each fiscal quarter's last month."""
    if cadence != "quarterly":
        return True
    month = year_and_month(period)[1]
    return (month - fiscal_year_start_month) % 3 == 2


def report_windows(period: str, cadence: str, settings: PmoSettings) -> list[ReportWindow]:
    due = due_date(period, settings)
    if cadence != "fortnightly":
        return [ReportWindow(None, due)]
    mid_month = dt.date(*year_and_month(period), 15)
    first_due = mid_month + dt.timedelta(days=settings.due_days_after_period_end)
    return [ReportWindow(None, first_due), ReportWindow(mid_month + dt.timedelta(days=1), due)]


def _current_window(windows: list[ReportWindow], today: dt.date) -> ReportWindow:
    """The window that matters today: the latest whose cut-off has passed, else the first one still open."""
    passed = [window for window in windows if today > window.due]
    return passed[-1] if passed else windows[0]


def project_state(
    project: TrackedProject,
    submitted: Iterable[dt.date],
    period: str,
    settings: PmoSettings,
    today: dt.date,
) -> tuple[str, dt.date | None, dt.date | None, str]:
    """(state, due date, the submitted-on date that counted, note) for one project and period."""
    cadence = project.cadence or settings.cadence
    if project.lifecycle_status != "active":
        return "not due", None, None, f"{project.lifecycle_status}: not chased"
    if not is_reporting_period(period, cadence, settings.fiscal_year_start_month):
        return "not due", None, None, f"{cadence}: no report due for {period}"
    window = _current_window(report_windows(period, cadence, settings), today)
    counted = sorted(day for day in submitted if window.opens is None or day >= window.opens)
    if counted:
        on_time = [day for day in counted if day <= window.due]
        if on_time:
            return "received", window.due, on_time[-1], ""
        return "late", window.due, counted[0], f"{(counted[0] - window.due).days} day(s) after the cut-off"
    if today > window.due:
        return "missing", window.due, None, f"{(today - window.due).days} day(s) overdue"
    return "not due", window.due, None, f"due by {window.due.isoformat()}"


def submission_tracker(
    projects: Iterable[TrackedProject],
    submitted_on: dict[str, list[dt.date]],
    period: str,
    settings: PmoSettings,
    today: dt.date,
) -> pd.DataFrame:
    """One row per project: its state for `period`. `submitted_on` maps project id to the dates of its submissions."""
    rows = []
    for project in projects:
        state, due, counted, note = project_state(
            project, submitted_on.get(project.project_id, []), period, settings, today
        )
        rows.append(
            {
                "project_id": project.project_id,
                "project_name": project.project_name,
                "project_manager": project.project_manager,
                "pm_email": project.pm_email,
                "programme": project.programme,
                "lifecycle_status": project.lifecycle_status,
                "cadence": project.cadence or settings.cadence,
                "period": period,
                "due_date": due,
                "state": state,
                "submitted_on": counted,
                "chase": state == "missing",
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=list(TRACKER_COLUMNS))


def chaser_list(tracker: pd.DataFrame) -> pd.DataFrame:
    """One row per PM with missing reports: what is outstanding, ready to turn into an e-mail."""
    missing = tracker[tracker["chase"].astype(bool)]
    rows = []
    for (manager, email), group in missing.groupby(["project_manager", "pm_email"], sort=True, dropna=False):
        outstanding = "; ".join(
            f"{row.project_id} {row.project_name} ({row.period}, due {row.due_date})".replace(" ()", "")
            for row in group.itertuples()
        )
        rows.append(
            {
                "project_manager": manager,
                "pm_email": email,
                "project_ids": ", ".join(group["project_id"]),
                "outstanding": outstanding,
                "oldest_due_date": min(group["due_date"]),
                "note": "" if email else "no pm_email in the register: chase by hand",
            }
        )
    return pd.DataFrame(rows, columns=list(CHASER_COLUMNS))


def chaser_email(chaser: dict, settings: PmoSettings, tracker: pd.DataFrame) -> EmailMessage:
    """A draft reminder to one PM. X-Unsent makes Outlook open it as a draft to review and send."""
    projects = tracker[tracker["project_id"].isin(chaser["project_ids"].split(", ")) & tracker["chase"].astype(bool)]
    lines = [
        f"Hello {chaser['project_manager'] or 'there'},",
        "",
        "The PMO has not yet received the status report(s) below. Please fill in the workbook you were sent "
        "and return it as it is (keep the file name, sheets and tables).",
        "",
    ]
    for row in projects.itertuples():
        lines.append(f"  - {row.project_id} {row.project_name}: period {row.period}, due {row.due_date}")
    lines += ["", "If a report is not needed (project on hold or closed), just reply and tell us.", "", "Thank you,"]
    lines.append(settings.pmo_name)
    message = EmailMessage()
    message["X-Unsent"] = "1"
    message["To"] = chaser["pm_email"]
    if settings.pmo_email:
        message["From"] = settings.pmo_email
    periods = sorted(set(projects["period"]))
    message["Subject"] = f"Status report reminder: {chaser['project_ids']} ({', '.join(periods)})"
    message.set_content("\n".join(lines))
    return message


def write_chaser_drafts(
    chasers: pd.DataFrame, tracker: pd.DataFrame, folder: Path, settings: PmoSettings
) -> list[Path]:
    """One `.eml` draft per PM with missing reports, in `folder`; returns the files written."""
    written = []
    for chaser, name in zip(chasers.to_dict("records"), chaser_draft_names(chasers), strict=True):
        message = chaser_email(chaser, settings, tracker)
        written.append(write_bytes_atomic(Path(folder) / name, message.as_bytes(policy=_EML_POLICY)))
    return written


def chaser_draft_names(chasers: pd.DataFrame) -> list[str]:
    """The `.eml` file name of each chaser's draft, in order: the Missing sheet names the draft a PM is sent."""
    names = []
    used: set[str] = set()
    for chaser in chasers.to_dict("records"):
        stem = safe_file_name(f"Reminder - {chaser['project_manager'] or chaser['project_ids']}", max_bytes=100)
        name = stem + ".eml"
        counter = 2
        while name.casefold() in used:
            name = f"{stem} ({counter}).eml"
            counter += 1
        used.add(name.casefold())
        names.append(name)
    return names
