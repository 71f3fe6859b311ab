"""Returned for correction, as a conversation: the feedback draft `pmo collect` writes for each report it rejects.

Each draft goes to the PM (and the coordinator who reports for them, `reporter_email`), lists every finding as the
PM needs it (sheet, cell, the field's label, what is wrong, and how to fix it in the template's own words: the
check's fix, else the field's help text), and attaches the PM's own file back. On the second return of the same
report (project and period) the sponsor (`cc_email`) is copied. With `--feedback warnings`, an accepted report
with warnings gets a short "accepted, but please check" note. The PMO's wording comes from the settings (mail_*).

Pure: the shell reads the files to attach and writes the drafts (pmo_xl.mail.write_drafts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

from pmo_xl.mail import ATTACHMENT_LIMIT_BYTES, Attachment, address_problem, draft, fill, sender
from pmo_xl.register import ProjectRecord
from pmo_xl.settings import PmoSettings
from pmo_xl.submissions import Finding, Verdict
from pmo_xl.templates.catalog import SCHEMAS
from pmo_xl.templates.schema import TemplateSchema

FeedbackMode = Literal["errors", "warnings", "none"]
FEEDBACK_MODES: tuple[str, ...] = ("errors", "warnings", "none")


@dataclass(frozen=True)
class FeedbackCase:
    """One report that gets feedback: returned for correction, or accepted with warnings."""

    verdict: Verdict
    kind: Literal["returned", "warnings"]
    record: ProjectRecord | None
    # How many times this report (project and period) has been returned, this return included.
    returns: int = 0


@dataclass(frozen=True)
class Explained:
    """A finding as the PM reads it: where, which field, what is wrong, how to fix it."""

    sheet: str
    cell: str
    label: str
    what: str
    fix: str

    def lines(self, number: int, wrong: str = "What is wrong", fix: str = "How to fix") -> list[str]:
        where = ", ".join(part for part in (f"sheet {self.sheet}" if self.sheet else "",
                                            f"cell {self.cell}" if self.cell else "") if part)  # fmt: skip
        head = f"{number}. {self.label}" + (f" ({where})" if where else "")
        lines = [head, f"   {wrong}: {self.what}"]
        if self.fix:
            lines.append(f"   {fix}: {self.fix}")
        return lines


def feedback_cases(
    verdicts: Sequence[Verdict],
    new_rejections: set[str],
    returns: Mapping[tuple[str, str], int],
    records: Mapping[str, ProjectRecord],
    mode: FeedbackMode = "errors",
) -> list[FeedbackCase]:
    """The reports of a run that get feedback. A rejection is answered once: only files rejected for the first
    time in this run (`new_rejections`, by sha256), never a file that stays in the inbox and is seen again."""
    if mode == "none":
        return []
    cases = []
    answered: set[str] = set()  # one file saved twice in the inbox is one return, answered once
    for verdict in verdicts:
        slot = (verdict.project_id, verdict.reporting_period)
        record = records.get(verdict.project_id)
        if verdict.status == "rejected" and verdict.project_id and verdict.sha256 in new_rejections:
            if verdict.sha256 not in answered:
                answered.add(verdict.sha256)
                cases.append(FeedbackCase(verdict, "returned", record, returns.get(slot, 1)))
        elif mode == "warnings" and verdict.status == "accepted" and verdict.submission_id and verdict.warnings:
            cases.append(FeedbackCase(verdict, "warnings", record))
    return cases


def explain(finding: Finding, schema: TemplateSchema | None) -> Explained:
    """The finding in the template's words: the field's label, and the check's fix or the field's help text."""
    label, fix = finding.where or "The workbook", ""
    if schema is not None:
        check = next((check for check in schema.checks if check.name == finding.code), None)
        label, help_text = _label_and_help(schema, finding.where)
        fix = check.fix if check is not None else help_text
    sheet, _, cell = finding.cell.rpartition("!")
    return Explained((sheet or finding.sheet).strip("'"), cell, label, finding.message, fix)


def finding_line(finding: Finding, schema: TemplateSchema | None) -> str:
    """One line for a finding, named as the feedback draft names it: 'Overall rationale (sheet Summary, cell D16):
    Overall is Amber or Red without a rationale'."""
    explained = explain(finding, schema)
    where = ", ".join(part for part in (f"sheet {explained.sheet}" if explained.sheet else "",
                                        f"cell {explained.cell}" if explained.cell else "") if part)  # fmt: skip
    return f"{explained.label}" + (f" ({where})" if where else "") + f": {explained.what}"


def _label_and_help(schema: TemplateSchema, where: str) -> tuple[str, str]:
    """(label, help) of a defined name or a 'Table[Header]'; the name itself when the template has no such field."""
    table_name, bracket, header = where.partition("[")
    if bracket:
        header = header.rstrip("]")
        for table in schema.tables:
            if table.name == table_name:
                column = next((c for c in table.columns if c.header == header or c.key == header), None)
                if column is not None:
                    return f"{table.title}: {column.header}", column.help or table.help
                return f"{table.title}: {header}", table.help
        return where, ""
    for field in schema.fields:
        if field.name == where:
            return field.label, field.help
    return where or "The workbook", ""


def feedback_email(case: FeedbackCase, settings: PmoSettings, attachment: Attachment | None) -> EmailMessage:
    """The draft for one case: to the PM and the reporter, the sponsor copied from the second return on."""
    verdict, record = case.verdict, case.record
    project = f"{verdict.project_id} {record.project_name}".strip() if record else verdict.project_id
    placeholders = {"project": project, "period": verdict.reporting_period,
                    "name": record.project_manager if record else ""}  # fmt: skip
    schema = SCHEMAS.get(verdict.template_id)
    returned = case.kind == "returned"
    # A returned report lists every finding, its errors first: the PM fixes the warnings in the same pass.
    findings = (*verdict.errors, *verdict.warnings) if returned else verdict.warnings
    lines = [re.sub(r"\s+([,:!])", r"\1", fill(settings.mail_greeting, **placeholders)), ""]
    lines += [fill(settings.mail_feedback_intro if returned else settings.mail_warnings_intro, **placeholders), ""]
    for number, finding in enumerate(findings, start=1):
        lines += explain(finding, schema).lines(number, settings.mail_finding_wrong, settings.mail_finding_fix)
        lines.append("")
    if returned:
        if attachment is not None:
            lines.append(fill(settings.mail_feedback_attached, **placeholders, file=attachment.file_name))
        if case.returns >= 2:
            lines.append(fill(settings.mail_feedback_sponsor, **placeholders, returns=case.returns))
        lines.append("")
    lines += [fill(settings.mail_sign_off, **placeholders), settings.pmo_name]
    subject = fill(settings.mail_feedback_subject if returned else settings.mail_warnings_subject, **placeholders)
    return draft(
        recipients(record),
        subject,
        "\n".join(lines),
        cc=[record.cc_email] if returned and case.returns >= 2 and record and record.cc_email else [],
        sender=sender(settings.pmo_name, settings.pmo_email),
        attachments=[attachment] if attachment is not None and returned else [],
    )


def recipients(record: ProjectRecord | None) -> list[str]:
    """The PM and the coordinator who reports for them: the addresses that are well formed."""
    if record is None:
        return []
    return [a for a in (record.pm_email, record.reporter_email) if a and not address_problem(a)]


def case_problem(case: FeedbackCase) -> str:
    """Why no draft can be written for a case ('' when one can): no register row, or no usable address."""
    verdict = case.verdict
    what = f"{verdict.project_id} {verdict.reporting_period}"
    if case.record is None:
        return (f"{what}: no register row for it (give --register, or a register an earlier run recorded), so no "
                "address: no feedback draft written; send the findings by hand")  # fmt: skip
    problems = [address_problem(case.record.pm_email, "pm_email")]
    if case.record.reporter_email:
        problems.append(address_problem(case.record.reporter_email, "reporter_email"))
    if case.kind == "returned" and case.returns >= 2:
        problems.append(address_problem(case.record.cc_email, "cc_email (the sponsor, copied on a second return)"))
    problems = [p for p in problems if p]
    if not recipients(case.record):
        return f"{what}: {'; '.join(problems)} in register row {case.record.row_number}: no feedback draft written"
    if problems:
        return f"{what}: {'; '.join(problems)} in register row {case.record.row_number} (the draft leaves it out)"
    return ""


def draft_stem(case: FeedbackCase) -> str:
    verdict = case.verdict
    if case.kind != "returned":
        return f"Please check - {verdict.project_id} - {verdict.reporting_period}"
    # A second return of the same report has a draft of its own: the first one's may not have been sent yet.
    again = f" - return {case.returns}" if case.returns > 1 else ""
    return f"Returned - {verdict.project_id} - {verdict.reporting_period}{again}"


def feedback_drafts(
    cases: Sequence[FeedbackCase], settings: PmoSettings, attachments: Mapping[str, Attachment | None]
) -> tuple[list[tuple[FeedbackCase, str, EmailMessage]], list[str]]:
    """(case, stem, draft) for each case that has an address, and a line for each case that has a problem: no address
    (no draft), a bad reporter or sponsor address (left out), or the PM's file no longer as it was read (not
    attached). `attachments` maps a verdict's path to its file as read, or None when it cannot be attached."""
    messages, problems = [], []
    for case in cases:
        problem = case_problem(case)
        if problem:
            problems.append(problem)
        if not recipients(case.record):
            continue
        attachment = attachments.get(case.verdict.path)
        what = f"{case.verdict.project_id} {case.verdict.reporting_period}"
        if case.kind == "returned" and attachment is None:
            problems.append(f"{what}: the file {case.verdict.path} changed or went after it was read, so the "
                            "feedback draft does not attach it")  # fmt: skip
        elif case.kind == "returned" and len(attachment.data) > ATTACHMENT_LIMIT_BYTES:
            problems.append(f"{what}: {attachment.file_name} is {len(attachment.data) / 2**20:.0f} MB, too large to "
                            "e-mail back (mail servers refuse over about 20 MB), so the feedback draft does not attach "
                            "it; the PM corrects the file they kept")  # fmt: skip
            attachment = None
        messages.append((case, draft_stem(case), feedback_email(case, settings, attachment)))
    return messages, problems


def return_counts_by_report(rejected: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(project id, period) -> times returned, from the (project id, period) of each distinct rejected file."""
    counts: dict[tuple[str, str], int] = {}
    for slot in rejected:
        counts[slot] = counts.get(slot, 0) + 1
    return counts
