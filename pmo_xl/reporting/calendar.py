"""The reporting calendar and the coverage of the register: every project's one status for a period, and whom to chase.

The calendar says when a report is due (`project_state`: received, late, missing or not due against the cut-off).
The coverage puts every project of the register in exactly one state for the period, and every view counts from it:

- **reporting**: its report for the period was accepted, submitted on or before the cut-off;
- **late**: its report for the period was accepted, but submitted after the cut-off;
- **returned**: a file for the period arrived and was rejected (returned for correction), and none was accepted;
- **stale**: nothing accepted for the period; its latest accepted report is for an earlier period (named);
- **never reported**: nothing ever accepted;
- **not due**: the period is not a reporting period for its cadence (a quarterly project reports in the last month
  of each fiscal quarter): its latest report stands;
- **on hold**, **closed**, **pipeline**: not active; listed apart, never chased, never counted.

Only reporting, late and not-due projects with a report count as current in RAG shares and budget at Red; stale,
returned and never-reported ones are counted as such. A fortnightly project owes a report for each half of the
month; the tracker looks at the latest half that has begun. Chasers go out once the cut-off has passed: "not
received" only when nothing arrived; a returned report gets its findings instead. One `.eml` draft per PM, which
Outlook opens as an unsent draft (X-Unsent: 1), so the PMO reviews and sends it from their own mailbox.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from pmo_xl.mail import address_problem, draft, draft_names, fill, sender, write_drafts
from pmo_xl.periods import year_and_month
from pmo_xl.reporting_calendar import is_reporting_period, mid_period_deadline, submission_deadline
from pmo_xl.settings import PmoSettings, mail_date

COVERAGE_STATES = (
    "reporting",
    "late",
    "returned",
    "stale",
    "never reported",
    "not due",
    "on hold",
    "closed",
    "pipeline",
)
ACTIVE_STATES = COVERAGE_STATES[:6]
# States whose latest report is the project's current status for the period.
CURRENT_STATES = ("reporting", "late", "not due")
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
    "latest_period",
    "submitted_on",
    "returned_on",
    "chase",
    "note",
    "findings",
)
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


def due_date(period: str, settings: PmoSettings) -> dt.date:
    """The period's submission deadline (pmo_xl.reporting_calendar)."""
    return submission_deadline(period, settings)


def report_windows(period: str, cadence: str, settings: PmoSettings) -> list[ReportWindow]:
    due = due_date(period, settings)
    if cadence != "fortnightly":
        return [ReportWindow(None, due)]
    mid_month = dt.date(*year_and_month(period), 15)
    first_due = mid_period_deadline(period, settings)
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


@dataclass(frozen=True)
class ReturnedReport:
    """A file for the period that collect rejected: when, which file, and each finding to fix."""

    rejected_on: dt.date
    file_name: str
    findings: tuple[str, ...]  # 'RAID!G7, RAID[Probability]: ... ' as Finding.describe() gives them


def submission_tracker(
    projects: Iterable[TrackedProject],
    submitted_on: dict[str, list[dt.date]],
    period: str,
    settings: PmoSettings,
    today: dt.date,
    latest_period: dict[str, str] | None = None,
    returned: dict[str, ReturnedReport] | None = None,
) -> pd.DataFrame:
    """One row per project: its one coverage state for `period` (see the module's docstring).

    `submitted_on` maps project id to the submitted-on dates of its accepted reports for the period,
    `latest_period` to the period of its latest accepted report (any period), `returned` to a rejected file for
    the period.
    """
    latest_period, returned = latest_period or {}, returned or {}
    rows = []
    for project in projects:
        calendar_state, due, counted, note = project_state(
            project, submitted_on.get(project.project_id, []), period, settings, today
        )
        latest = latest_period.get(project.project_id, "")
        back = returned.get(project.project_id)
        cadence = project.cadence or settings.cadence
        if project.lifecycle_status != "active":
            state = project.lifecycle_status
        elif calendar_state == "received":
            state = "reporting"
        elif calendar_state == "late":
            state = "late"
        elif not is_reporting_period(period, cadence, settings.fiscal_year_start_month):
            state = "not due" if latest else "never reported"
        elif back is not None:
            state = "returned"
            note = f"returned for correction on {back.rejected_on.isoformat()} ({back.file_name}); " + note
        elif latest:
            state = "stale"
            note = f"latest report is for {latest}; " + note
        else:
            state = "never reported"
        chase = state == "returned" or (state in ("stale", "never reported") and calendar_state == "missing")
        rows.append(
            {
                "project_id": project.project_id,
                "project_name": project.project_name,
                "project_manager": project.project_manager,
                "pm_email": project.pm_email,
                "programme": project.programme,
                "lifecycle_status": project.lifecycle_status,
                "cadence": cadence,
                "period": period,
                "due_date": due,
                "state": state,
                "latest_period": latest,
                "submitted_on": counted,
                "returned_on": back.rejected_on if back is not None else None,
                "chase": chase,
                "note": note.strip().rstrip(";"),
                "findings": "\n".join(back.findings) if back is not None else "",
            }
        )
    return pd.DataFrame(rows, columns=list(TRACKER_COLUMNS))


def chaser_list(tracker: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """One row per PM with reports to chase: not received, or returned for correction; ready to become an e-mail.

    A report returned `today` is left out: its feedback draft (pmo_xl.reporting.feedback) went out today, and from
    the next day on the reminder asks for the corrected file."""
    chased = tracker[tracker["chase"].astype(bool)]
    if today is not None:
        returned_today = (chased["state"] == "returned") & chased["returned_on"].map(
            lambda day: isinstance(day, dt.date) and day >= today
        )
        chased = chased[~returned_today]
    rows = []
    for (manager, email), group in chased.groupby(["project_manager", "pm_email"], sort=True, dropna=False):
        outstanding = "; ".join(
            f"{row.project_id} {row.project_name} ({row.period}, "
            + (f"returned {row.returned_on}" if row.state == "returned" else f"due {row.due_date}")
            + ")"
            for row in group.itertuples()
        )
        rows.append(
            {
                "project_manager": manager,
                "pm_email": email,
                "project_ids": ", ".join(group["project_id"]),
                "outstanding": outstanding,
                "oldest_due_date": min(group["due_date"]),
                "note": _chase_note(email),
            }
        )
    return pd.DataFrame(rows, columns=list(CHASER_COLUMNS))


def _chase_note(email: object) -> str:
    """Why a PM's reminder cannot be sent as drafted: no address, or one the register kept that is not one."""
    if not isinstance(email, str) or not email:
        return "no pm_email in the register: chase by hand"
    return f"pm_email {email!r} is not one e-mail address: chase by hand" if address_problem(email) else ""


def chaser_email(chaser: dict, settings: PmoSettings, tracker: pd.DataFrame) -> EmailMessage:
    """A draft to one PM. "Not received" only for reports nothing arrived for; a report returned for correction
    (on an earlier day: its feedback draft went then) gets each finding again. The greeting and sign-off are the
    PMO's own wording (settings mail_greeting, mail_reminder_*, mail_sign_off)."""
    projects = tracker[tracker["project_id"].isin(chaser["project_ids"].split(", ")) & tracker["chase"].astype(bool)]
    returned = projects[projects["state"] == "returned"]
    not_received = projects[projects["state"] != "returned"]
    greeting = fill(settings.mail_greeting, name=chaser["project_manager"] or "")
    lines = [re.sub(r"\s+([,:!])", r"\1", greeting), ""]
    if not returned.empty:
        lines += [settings.mail_reminder_returned, ""]
        for row in returned.itertuples():
            returned_on = mail_date(row.returned_on, settings)
            lines.append(f"  - {row.project_id} {row.project_name}: period {row.period}, returned {returned_on}")
            lines += [f"      * {finding}" for finding in str(row.findings).splitlines() if finding]
        lines.append("")
    if not not_received.empty:
        lines += [settings.mail_reminder_missing, ""]
        for row in not_received.itertuples():
            lines.append(
                f"  - {row.project_id} {row.project_name}: period {row.period}, due {mail_date(row.due_date, settings)}"
            )
        lines.append("")
    lines += [settings.mail_reminder_closing, ""]
    lines += [fill(settings.mail_sign_off, name=chaser["project_manager"] or ""), settings.pmo_name]
    periods = ", ".join(sorted(set(projects["period"])))
    # The register keeps a malformed address as written (a warning there); it never goes into a header.
    to = [] if _chase_note(chaser["pm_email"]) else [chaser["pm_email"]]
    subject = fill(settings.mail_reminder_subject, projects=chaser["project_ids"], period=periods,
                   name=chaser["project_manager"] or "")  # fmt: skip
    return draft(to, subject, "\n".join(lines), sender=sender(settings.pmo_name, settings.pmo_email))


def write_chaser_drafts(
    chasers: pd.DataFrame, tracker: pd.DataFrame, folder: Path, settings: PmoSettings
) -> list[Path]:
    """One `.eml` draft per PM with missing reports, in `folder`, named as `chaser_draft_names` names them (the
    Missing sheet's reminder_draft); returns the files written."""
    messages = [chaser_email(chaser, settings, tracker) for chaser in chasers.to_dict("records")]
    stems = [name.removesuffix(".eml") for name in chaser_draft_names(chasers)]
    return write_drafts(list(zip(stems, messages, strict=True)), folder)


def chaser_draft_names(chasers: pd.DataFrame) -> list[str]:
    """The `.eml` file name of each chaser's draft, in order: the Missing sheet names the draft a PM is sent."""
    return draft_names(
        [f"Reminder - {chaser['project_manager'] or chaser['project_ids']}" for chaser in chasers.to_dict("records")]
    )
