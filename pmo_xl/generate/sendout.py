"""The send-out: one e-mail draft per PM with that PM's workbooks for the period (`pmo generate --mail-drafts`).

A PM with three projects gets one e-mail with three workbooks attached, the period's reporting calendar (.ics), and
on their first send-out the printable guide to the template. It goes to the PM's `pm_email` and to each project's
`reporter_email` (a coordinator who fills in the report for the PM); the sponsor's `cc_email` is not copied: it is
for a report returned a second time. Every word comes from the PMO's settings (`mail_*`), so a PMO writes in its own
language; the dates come from the reporting calendar. Pure: the workbooks are given as bytes, and the drafts and
the problems are returned; `pmo generate` writes them (pmo_xl.mail.write_drafts) and prints the problems.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from email.message import EmailMessage

from pmo_xl import reporting_calendar
from pmo_xl.mail import Attachment, address_problem, draft, fill, sender
from pmo_xl.register import ProjectRecord
from pmo_xl.settings import PmoSettings, mail_date
from pmo_xl.templates.catalog import schema_for
from pmo_xl.templates.guide import guide_file_name, template_guide_html


def pm_key(record: ProjectRecord) -> str:
    """Who a project's send-out goes to: its PM's address (any case), or the PM's name when it has none."""
    email = record.pm_email.strip()
    return f"mail:{email.casefold()}" if email else f"name:{record.project_manager.strip().casefold()}"


def first_send_outs(records: Sequence[ProjectRecord], reported: Collection[str]) -> set[str]:
    """The PMs (`pm_key`) none of whose projects is among `reported` (project ids with an accepted report)."""
    keys = {pm_key(record) for record in records}
    return keys - {pm_key(record) for record in records if record.project_id in reported}


def calendar_file_name(period: str) -> str:
    return f"pmo-reporting-{period}.ics"


def sendout_drafts(
    records: Sequence[ProjectRecord],
    generated_files: Mapping[str, Attachment],
    period: str,
    settings: PmoSettings,
    first_pms: Collection[str] = (),
    template_id: str = "project_status",
) -> tuple[list[tuple[str, EmailMessage]], list[str]]:
    """(stem, draft) for each PM with a generated workbook and a usable address, and one line for each row that
    gets none or reaches fewer people than the register says (`row N: ...`, the register's row, with the fix).

    `generated_files`: project id -> its workbook, as attached; a project without one is not sent. `first_pms`:
    the `pm_key`s whose send-out is their first, who also get the template's guide.
    """
    groups: dict[str, list[ProjectRecord]] = {}
    for record in records:
        if record.project_id in generated_files:
            groups.setdefault(pm_key(record), []).append(record)
    schema = schema_for(template_id)
    calendar = Attachment(
        calendar_file_name(period), reporting_calendar.period_calendar_ics(settings, period, template_id)
    )
    guide = Attachment(guide_file_name(schema), template_guide_html(schema).encode("utf-8"), "text/html")
    drafts: list[tuple[str, EmailMessage]] = []
    problems: list[str] = []
    for key, projects in groups.items():
        name = projects[0].project_manager.strip()
        problem = address_problem(projects[0].pm_email, "pm_email")
        if problem:
            problems += [
                f"row {record.row_number}: no send-out e-mail for {name or 'the PM'} ({record.project_id}): {problem}; "
                f"put the PM's address in the register's pm_email column, or send "
                f"{generated_files[record.project_id].file_name} by hand"
                for record in projects
            ]
            continue
        to = [projects[0].pm_email.strip()]
        for record in projects:
            reporter = record.reporter_email.strip()
            if not reporter:
                continue
            reporter_problem = address_problem(reporter, "reporter_email")
            if reporter_problem:
                problems.append(
                    f"row {record.row_number}: {reporter_problem}: the send-out for {record.project_id} goes to "
                    f"{name or to[0]} only; correct the reporter's address in the register and forward it to them"
                )
            elif reporter.casefold() not in {address.casefold() for address in to}:
                to.append(reporter)
        attachments = [generated_files[record.project_id] for record in projects] + [calendar]
        if key in first_pms:
            attachments.append(guide)
        message = draft(
            to,
            _subject(projects, period, settings),
            _body(projects, period, settings),
            sender=sender(settings.pmo_name, settings.pmo_email),
            attachments=attachments,
        )
        drafts.append((f"Send-out {period} - {name or to[0]}", message))
    return drafts, problems


def _placeholders(projects: Sequence[ProjectRecord], period: str, settings: PmoSettings) -> dict[str, str]:
    """What the PMO's wording may name: {name} {period} {deadline} {data_as_of} {projects} {project}."""
    listed = ", ".join(f"{record.project_id} {record.project_name}" for record in projects)
    return {
        "name": projects[0].project_manager.strip(),
        "period": period,
        "deadline": mail_date(reporting_calendar.submission_deadline(period, settings), settings),
        "data_as_of": mail_date(reporting_calendar.data_as_of(period, settings), settings),
        "projects": listed,
        "project": listed,
    }


def _subject(projects: Sequence[ProjectRecord], period: str, settings: PmoSettings) -> str:
    return " ".join(fill(settings.mail_sendout_subject, **_placeholders(projects, period, settings)).split())


def _body(projects: Sequence[ProjectRecord], period: str, settings: PmoSettings) -> str:
    values = _placeholders(projects, period, settings)
    attached = "\n".join(f"- {record.project_id} {record.project_name}" for record in projects)
    parts = [
        fill(settings.mail_greeting, **values),
        fill(settings.mail_sendout_intro, **values),
        attached,
        fill(settings.mail_howto, **values),
        f"{fill(settings.mail_sign_off, **values)}\n{settings.pmo_name}",
    ]
    return "\n\n".join(part for part in parts if part.strip()) + "\n"
