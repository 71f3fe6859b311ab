"""The month's collect run, as `pmo collect` and the ribbon's Collect status do it: record the inbox into the
ledger (pmo_xl.collect.run), then build the views, name the cells of PMO-owned figures a PM changed, and write
portfolio.xlsx and the reminder drafts (pmo_xl.reporting). It sits above both, so that collect never imports
reporting (tests/test_import_order.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from pmo_xl.collect.run import (
    PMO_FIELD_CHANGED,
    CollectRequest,
    CollectResult,
    Progress,
    collecting,
    read_file_bytes,
)
from pmo_xl.errors import OutputError, OutputFault
from pmo_xl.mail import Attachment, write_drafts
from pmo_xl.reporting.calendar import write_chaser_drafts
from pmo_xl.reporting.coaching_workbook import export_coaching
from pmo_xl.reporting.feedback import feedback_cases, feedback_drafts, return_counts_by_report
from pmo_xl.reporting.portfolio_workbook import write_portfolio
from pmo_xl.reporting.views import PortfolioViews, build_views, missing_view, submissions_view
from pmo_xl.submissions import Finding, ParsedSubmission, Verdict


def run_collect(request: CollectRequest, progress: Progress | None = None) -> CollectResult:
    """The whole run. Raises PmoError only when the run itself cannot go on (no inbox, ledger locked...)."""
    with collecting(request, progress) as (ledger, collected):
        views = build_views(
            ledger, request.register, collected.period, request.settings, collected.verdicts, collected.today
        )
        verdicts = tuple(with_pmo_field_findings(collected.verdicts, views, collected.submission_of))
        rejected_periods = {v.reporting_period for v in verdicts if v.status == "rejected" and v.reporting_period}
        returns = return_counts_by_report(
            [(r.project_id, r.reporting_period) for r in ledger.rejections(rejected_periods)]
        )
        records = request.register if request.register is not None else (ledger.latest_register() or ((),))[0]
        coaching, coaching_warnings = _write_coaching(ledger, request, views.period, collected.today)
    views = replace(views, submissions=submissions_view(verdicts, views.submissions))
    warnings = (*collected.warnings, *coaching_warnings)
    cases = feedback_cases(
        verdicts, set(collected.new_rejections), returns, {r.project_id: r for r in records}, request.feedback
    )
    feedback: list[Path] = []
    if cases and request.chasers is not None:
        attachments = {case.verdict.path: _as_read(case.verdict) for case in cases if case.kind == "returned"}
        messages, problems = feedback_drafts(cases, request.settings, attachments)
        warnings = (*warnings, *(f"feedback: {problem}" for problem in problems))
        try:
            feedback = write_drafts([(stem, message) for _case, stem, message in messages], request.chasers)
        except OutputError as error:
            warnings = (*warnings, f"feedback drafts not written: {error}")
        # A report answered now by its feedback draft is not in this run's reminders (chaser_list leaves out a report
        # returned today); the Missing sheet names its feedback draft on its row.
        answered = {
            case.verdict.project_id: path.name
            for (case, _stem, _message), path in zip(messages, feedback, strict=False)
            if case.kind == "returned"
        }
        if answered:
            tracker = views.missing.drop(columns=["outstanding", "reminder_draft"])
            views = replace(views, missing=missing_view(tracker, views.chasers, answered))
    output, output_error, output_fault = None, "", False
    if request.out is not None:
        dashboard = None
        if not views.status.empty:
            from pmo_xl.reporting.dashboard import build_dashboard
            from pmo_xl.reporting.load import read_item_history

            # Trends and changes come from the ledger's history, never from re-reading old files.
            dashboard = build_dashboard(views, read_item_history(request.ledger, views), None)
        try:
            output = write_portfolio(views, request.out, dashboard)
        except OutputError as error:
            output_error, output_fault = str(error), isinstance(error, OutputFault)
    drafts: list[Path] = []
    if not views.chasers.empty and request.chasers is not None:
        try:
            drafts = write_chaser_drafts(views.chasers, views.missing, request.chasers, request.settings)
        except OutputError as error:
            warnings = (*warnings, f"reminder drafts not written: {error}")
    return CollectResult(
        verdicts=verdicts,
        added=collected.added,
        views=views,
        output=output,
        output_error=output_error,
        output_fault=output_fault,
        archived=collected.archived,
        chaser_drafts=tuple(drafts),
        feedback_drafts=tuple(feedback),
        coaching=coaching,
        warnings=tuple(warnings),
    )


def _write_coaching(ledger, request: CollectRequest, period: str, today) -> tuple[Path | None, tuple[str, ...]]:
    """pmo-coaching.xlsx, the PMO's data-quality scorecard (never a management output), from the ledger just
    written; (None, why) when it is switched off in the settings or cannot be written."""
    if request.coaching is None:
        return None, ()
    if not request.settings.coaching_scorecard:
        return None, ("coaching scorecard switched off (setting coaching_scorecard): pmo-coaching.xlsx not written",)
    try:
        written = export_coaching(ledger, request.coaching, request.register, period, request.settings, today)
    except OutputError as error:
        return None, (f"coaching scorecard not written: {error}",)
    return written, ()


def _as_read(verdict: Verdict) -> Attachment | None:
    """The PM's file as collect read it, to send back; None when it changed or went since (never another file)."""
    try:
        data = read_file_bytes(verdict.path)
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != verdict.sha256:
        return None
    return Attachment(Path(verdict.path).name, data)


def with_pmo_field_findings(
    verdicts: Sequence[Verdict], views: PortfolioViews, submission_of: Callable[[str], ParsedSubmission | None]
) -> list[Verdict]:
    """The verdicts, each accepted one with a `pmo_field_changed` warning for every PMO-owned figure its submission
    changed without an approved change request (`views.pmo_field_changes`), naming the cell and both values.
    `submission_of(path)` gives a file's parsed submission back, for the few files that changed such a figure."""
    changes: dict[int, list[dict]] = {}
    for row in views.pmo_field_changes.to_dict("records"):
        changes.setdefault(row["submission_id"], []).append(row)
    noted = []
    for verdict in verdicts:
        rows = changes.get(verdict.submission_id, []) if verdict.status == "accepted" else []
        if not rows:
            noted.append(verdict)
            continue
        submission = submission_of(verdict.path)
        findings = tuple(_pmo_field_finding(row, submission) for row in rows)
        noted.append(replace(verdict, findings=(*verdict.findings, *findings)))
    return noted


def _pmo_field_finding(change: dict, submission: ParsedSubmission | None) -> Finding:
    """Where the PM's workbook holds the changed figure: its cell, from the defined name or the table's column."""
    from pmo_xl.templates.catalog import PROJECT_STATUS

    if not change["item_id"]:
        cell = submission.field_cells.get(change["field"], "") if submission else ""
        sheet = cell.rpartition("!")[0].strip("'") or PROJECT_STATUS.main_sheet
        return Finding("warning", PMO_FIELD_CHANGED, change["message"], sheet, change["field"], cell)
    table = PROJECT_STATUS.table("Milestones")
    column_header = next(column.header for column in table.columns if column.key == "baseline_date")
    excel_row, cell = None, ""
    if submission is not None:
        ids = [str(row.get("id")) for row in submission.tables.get(table.name, [])]
        rows = submission.table_rows.get(table.name, [])
        index = ids.index(change["item_id"]) if change["item_id"] in ids else None
        excel_row = rows[index] if index is not None and index < len(rows) else None
        column = submission.column_cells.get(table.name, {}).get("baseline_date", "")
        cell = f"{column}{excel_row}" if column and excel_row else ""
    sheet = cell.rpartition("!")[0].strip("'") or table.sheet
    where = f"{table.name}[{column_header}]"
    return Finding("warning", PMO_FIELD_CHANGED, change["message"], sheet, where, cell, excel_row)
