"""pmo-coaching.xlsx: the data-quality scorecard per PM, read from the ledger and written for the PMO alone.

`coaching_from_ledger` is the shell that reads what the scorecard counts (the counted reports of the window and
the one before each, the window's files, the returns, the PMs named before the window); `pmo_xl.reporting.coaching`
counts it. `write_coaching_workbook` lays it out: a PMs sheet (one row per PM: who is new, the window's totals and what
got worse or better), a Projects sheet (one row per project, each period in a few words, those worth a word
shaded), a PM trends sheet (one row per PM and measure, a column per period) and a Notes sheet saying what each measure means and that the file is for coaching, never for management.
`export_coaching` is the one call `pmo coaching` and the month's collect make.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pmo_xl.derived import CountedHistory, current_fields, current_tables
from pmo_xl.excel.files import write_workbook_atomic
from pmo_xl.excel.printing import fitted_height
from pmo_xl.ledger import Ledger, open_ledger
from pmo_xl.periods import current_period, month_add
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.audience import PMO, Audience, AudienceError, require_reader
from pmo_xl.reporting.calendar import TrackedProject
from pmo_xl.reporting.coaching import (
    BAD_RAG,
    MEASURES,
    PeriodReport,
    Return,
    Scorecard,
    coaching_scorecard,
    moving_fields,
    moving_rows,
    needs_attention,
    period_story,
    window_periods,
)
from pmo_xl.reporting.views import STATUS_TEMPLATE, counted_frame, read_counted
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.versions import known_versions, migration_map
from pmo_xl.values import parse_date_text

OUTPUT = "pmo-coaching.xlsx"
MOVING_FIELDS = tuple(field.name for section in PROJECT_STATUS.sections for field in section.fields if field.moves)
MOVING_TABLES = tuple(table.name for table in PROJECT_STATUS.tables if any(column.moves for column in table.columns))


@dataclass(frozen=True)
class _Counted:
    report_period: str
    window: list
    earlier_managers: set[str]
    last_before: dict[str, object]  # project_id -> its last counted report before the window
    first_periods: dict[str, str]


def coaching_from_ledger(
    ledger: Ledger,
    register: Sequence[ProjectRecord] | None = None,
    period: str | None = None,
    settings: PmoSettings | None = None,
    today: dt.date | None = None,
    audience: Audience | None = None,
) -> Scorecard:
    """The scorecard of the six periods ending with `period` (default: the latest reported), read from an open
    ledger; the register as the last run recorded it unless one is given; only the audience's projects."""
    settings = settings or PmoSettings()
    today = today or dt.date.today()
    audience = audience or Audience(PMO)
    require_reader(OUTPUT, audience)
    if register is None:
        recorded = ledger.latest_register()
        register = recorded[0] if recorded is not None else None

    def read(history: CountedHistory) -> _Counted:
        report_period = period or next(iter(history.periods(most=1)), current_period(today))
        periods = window_periods(report_period)
        window = history.between(periods[0], periods[-1])  # each one's previous report is read for its figures only
        # Before the window, only what the scorecard asks of it, by query and never by decoding each earlier
        # report: each project's last counted report (a watermelon run going on into the window), its first
        # counted period, and the PMs named (so not new): a few milliseconds of SQL a month of history, where decoding
        # every earlier report cost seconds and hundreds of MB at 2,000 projects (docs/coaching.md, Cost).
        last_before = {report.project_id: report for report in history.latest(month_add(periods[0], -1))}
        first_periods, names = _before_window(ledger, history, periods[0])
        for report in window:
            if report.period < first_periods.get(report.project_id, "9999-99"):
                first_periods[report.project_id] = report.period
        return _Counted(report_period, window, names, last_before, first_periods)

    counted = read_counted(ledger, register, read)
    periods = window_periods(counted.report_period)
    in_scope = [r for r in register or () if audience.covers(r.programme, r.business_unit)]
    scope_ids = {r.project_id for r in in_scope} if audience.scoped else None
    if scope_ids == set():
        known = sorted({r.programme for r in register or () if r.programme})
        raise AudienceError(
            f"no project of the register matches {audience.label}; programmes in the register: "
            f"{', '.join(known) or 'none'} (nothing was written)"
        )

    def wanted(project_id: str) -> bool:
        return scope_ids is None or project_id in scope_ids

    window = [r for r in counted.window if wanted(r.project_id)]
    moving = _moving_figures(ledger, [(r.submission_id, r.previous_submission_id) for r in window])
    rag = counted_frame(window, settings)
    rag_of = dict(zip(rag.get("submission_id", []), zip(rag.get("rag_overall", []), rag.get("rag_derived", []),
                                                         strict=True), strict=True))  # fmt: skip
    first_files = _first_files(ledger, periods)
    register_pm = {r.project_id: r.project_manager for r in register or ()}
    reports = []
    for report in window:
        if (report.project_id, report.period) not in first_files:
            continue
        submitted_on, collected_at = first_files[(report.project_id, report.period)]
        declared, derived = rag_of.get(report.submission_id, ("", ""))
        named = str(report.summary["record"].get("project_manager") or "") or register_pm.get(report.project_id, "")
        reports.append(
            PeriodReport(
                report.project_id, report.period, named, submitted_on, collected_at, str(declared or ""),
                str(derived or ""), moving[report.submission_id],
                moving[report.previous_submission_id] if report.previous_submission_id else None,
            )
        )  # fmt: skip
    before = [r for r in counted.last_before.values() if wanted(r.project_id)]
    before_rag = counted_frame(before, settings)
    earlier_watermelon = {
        row["project_id"] for row in before_rag.to_dict("records")
        if row.get("rag_overall") == "Green" and row.get("rag_derived") in BAD_RAG
    }  # fmt: skip
    returns = [
        Return(r.project_id, r.reporting_period, r.rejected_at)
        for r in ledger.rejections(periods)
        if r.template_id == STATUS_TEMPLATE and wanted(r.project_id)
    ]
    projects = [
        TrackedProject(
            r.project_id,
            r.project_name,
            r.project_manager,
            lifecycle_status=r.lifecycle_status,
            cadence=r.reporting_cadence,
        )
        for r in (in_scope if audience.scoped else register or ())
    ]
    return coaching_scorecard(
        projects, reports, returns, counted.report_period, settings, today, counted.earlier_managers,
        earlier_watermelon, {p: first for p, first in counted.first_periods.items() if wanted(p)},
    )  # fmt: skip


def _before_window(ledger: Ledger, history: CountedHistory, start: str) -> tuple[dict[str, str], set[str]]:
    """Each project's first period with a counted report before period `start`, and the PMs those reports name (as
    the counted report's record does: the field in the current version of the template). The stored chains are
    asked by query; a chain worked out in memory (`history.overlay`: stale, or every chain without derived tables)
    is read as it is."""
    first_periods: dict[str, str] = {}
    names: set[str] = set()
    if history.stored:
        first_periods = {
            project_id: first
            for project_id, first in ledger.counted_first_periods(history.template_id, start).items()
            if project_id not in history.overlay
        }
        sources = {
            (version, name): current
            for version in known_versions(history.template_id)
            for name, current in _field_names(history.template_id, version).items()
            if current == "project_manager"
        }
        stored = ledger.counted_field_values(history.template_id, start, {name for _version, name in sources})
        names = {
            str(value or "")
            for project_id, version, name, value in stored
            if project_id not in history.overlay and (version, name) in sources
        }
    for project_id, chain in history.overlay.items():
        earlier = [report for report in chain if report.period < start]
        if earlier:
            first_periods[project_id] = min(report.period for report in earlier)
            names |= {str(report.summary["record"].get("project_manager") or "") for report in earlier}
    return first_periods, names


def _field_names(template_id: str, version: str) -> dict[str, str | None]:
    """A version's stored field names -> the current version's name each reads as (None: retired)."""
    return dict(migration_map(template_id, version).fields)


def _moving_figures(ledger: Ledger, pairs: Sequence[tuple[int, int | None]]) -> dict[int, tuple]:
    """The moving figures (`coaching.moving_values`) of each report and of the report counted before it (`pairs`),
    read as cheaply as the answer allows: the moving fields of every one, and the tables of only those whose fields
    are the same as in the report before (or after) them. A report whose fields moved is not copied forward,
    whatever its tables hold: its figures are its fields alone, which already differ from the other report's."""
    ids = {submission_id for pair in pairs for submission_id in pair if submission_id is not None}
    names = {
        stored
        for version in known_versions(STATUS_TEMPLATE)
        for stored, current in _field_names(STATUS_TEMPLATE, version).items()
        if current in MOVING_FIELDS
    }
    fields = current_fields(ledger, STATUS_TEMPLATE, ids, names)
    figures = {submission_id: moving_fields(fields.get(submission_id, {})) for submission_id in ids}
    same = {
        submission_id
        for report, previous in pairs
        if previous is not None and figures[report] == figures[previous]
        for submission_id in (report, previous)
    }
    rows = _moving_rows(ledger, same)
    for submission_id in same:
        figures[submission_id] += rows[submission_id]
    return figures


_CHUNK = 2000  # reports whose tables are read at a time: the memory of a month's scorecard stays flat


def _moving_rows(ledger: Ledger, submission_ids: set[int]) -> dict[int, tuple]:
    """`coaching.moving_rows` of each report, each distinct content decoded once: reports holding the same stored
    rows in the same template version (a report copied forward and the one before it) read the same, so one of
    them is read through `derived.current_tables` for all. A chunk of reports at a time."""
    ordered = sorted(submission_ids)
    versions = ledger.template_versions(ordered)
    content: dict[int, bytes] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        texts = {name: ledger.table_row_texts(name, chunk) for name in MOVING_TABLES}
        for submission_id in chunk:
            digest = hashlib.blake2b(str(versions.get(submission_id)).encode(), digest_size=16)
            for name in MOVING_TABLES:
                for text in (*texts[name].get(submission_id, ()), "\x00"):  # a table's end: rows never move across
                    digest.update(text.encode())
                    digest.update(b"\x00")
            content[submission_id] = digest.digest()
    first_of: dict[bytes, int] = {}
    for submission_id in ordered:
        first_of.setdefault(content[submission_id], submission_id)
    representatives = sorted(set(first_of.values()))
    rows_of: dict[int, tuple] = {}
    for start in range(0, len(representatives), _CHUNK):
        chunk = representatives[start : start + _CHUNK]
        tables = current_tables(ledger, STATUS_TEMPLATE, MOVING_TABLES, chunk)
        for submission_id in chunk:
            rows_of[submission_id] = moving_rows({name: rows.get(submission_id, []) for name, rows in tables.items()})
    return {submission_id: rows_of[first_of[content[submission_id]]] for submission_id in ordered}


def _first_files(ledger: Ledger, periods: Sequence[str]) -> dict[tuple[str, str], tuple[dt.date, str]]:
    """(project, period) -> the first accepted file's submitted-on day (its in-file date, else the day it was
    collected) and when it was collected."""
    headers = ledger.submissions(STATUS_TEMPLATE, periods=periods)
    first: dict[tuple[str, str], tuple[dt.date, str]] = {}
    for row in headers.sort_values(["collected_at", "submission_id"]).itertuples():
        key = (row.project_id, row.reporting_period)
        if key in first:
            continue
        stamp = row.submitted_on if isinstance(row.submitted_on, str) and row.submitted_on else row.collected_at
        day, _why = parse_date_text(stamp[:10])
        if day is not None:
            first[key] = (day, row.collected_at)
    return first


# -- the workbook -----------------------------------------------------------------------------------------------

NOTES_TITLE = "About this file"
PURPOSE = (
    "This file is for the PMO's coaching conversations with its project managers: where a PM needs a hand with "
    "timely, complete and honest reports. It is not a performance rating, and it is never for management: do not "
    "forward it, and do not paste it into the portfolio report or the dashboard."
)
READING = (
    "PMs: one row per PM, each figure the total of the last six reporting periods (for days late, the most), and "
    "the trend: the later three periods against the earlier three, per report due (blank: too few reports to say). "
    "Projects: one row per project, each period in a few words; a shaded period is worth a word with the PM. "
    "PM trends: each PM's figures period by period, the latest on the right."
)
NEW_PM = (
    "A PM whose first accepted report is in these six periods, or who has none yet: reach out, walk them through "
    "the template and their first report."
)
_TREND_FILLS = {"better": "#C6EFCE", "worse": "#FFC7CE"}


def write_coaching_workbook(scorecard: Scorecard, path: Path | str, written_on: dt.date | None = None) -> Path:
    """Write pmo-coaching.xlsx atomically; returns its path."""
    periods = list(scorecard.periods)

    def build(workbook) -> None:
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "note": workbook.add_format({"italic": True, "font_color": "#595959"}),
            "header": workbook.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                           "text_wrap": True, "valign": "top", "border": 1}),
            "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
            "bold": workbook.add_format({"bold": True, "valign": "top"}),
            # a zero is a dash, so what is not zero stands out; it is still the number 0 in the cell
            "count": workbook.add_format({"num_format": '0;-0;"-"', "valign": "top", "align": "center"}),
            "count_first": workbook.add_format({"num_format": '0;-0;"-"', "valign": "top", "align": "center",
                                                "top": 1, "top_color": "#808080"}),
            "first": workbook.add_format({"top": 1, "top_color": "#808080", "valign": "top", "text_wrap": True}),
            "attention": workbook.add_format({"bg_color": "#FFEB9C", "text_wrap": True, "valign": "top"}),
            **{word: workbook.add_format({"bg_color": colour, "valign": "top"}) for word, colour in _TREND_FILLS.items()},
        }  # fmt: skip
        subtitle = (f"Periods {periods[0]} to {periods[-1]}"
                    + (f", written {written_on.isoformat()}" if written_on else "")
                    + ". For the PMO's coaching conversations only: never for management. The Notes sheet says "
                      "what each figure counts.")  # fmt: skip
        _managers_sheet(workbook, scorecard, formats, subtitle)
        _projects_sheet(workbook, scorecard, formats, subtitle)
        _trend_sheet(workbook, scorecard.manager_trends, periods, formats, subtitle)
        _notes_sheet(workbook, formats)
        workbook.set_properties({"title": f"PMO coaching scorecard {scorecard.report_period}",
                                 "comments": "Written by pmo-xl for the PMO's coaching, never for management"})  # fmt: skip

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    return write_workbook_atomic(Path(path), build, options)


HEADER_ROW = 3  # rows 1-3: the title, what the file is, a blank line


def _print_setup(sheet, columns: int) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_footer("&LPMO coaching: not for management&RPage &P of &N")
    sheet.freeze_panes(HEADER_ROW + 1, 1)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW, columns - 1)


def _write(sheet, row: int, column: int, value: object, cell_format=None) -> None:
    """A value as what it is: text always as text (never a formula), numbers as numbers, blank as blank."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, str):
        sheet.write_string(row, column, value, cell_format)
    else:
        sheet.write_number(row, column, float(value), cell_format)


def _fit_row(sheet, line: int, texts: list[tuple[object, float]]) -> None:
    """Give a row the height of its longest wrapped text ((text, column width) pairs)."""
    height = fitted_height(texts)
    if height is not None:
        sheet.set_row(line, height)


def _titles(sheet, formats: dict, title: str, subtitle: str, headers: list[str]) -> None:
    sheet.write_string(0, 0, title, formats["title"])
    sheet.write_string(1, 0, subtitle, formats["note"])
    for column, text in enumerate(headers):
        sheet.write_string(HEADER_ROW, column, text, formats["header"])


def trend_words(row: dict) -> str:
    """A PM's trends in a line: 'worse: On time, Late; better: Not received' (blank when too few reports)."""
    parts = []
    for word in ("worse", "better"):
        measures = [m.label for m in MEASURES if row.get(f"{m.key}_trend") == word]
        if measures:
            parts.append(f"{word}: {', '.join(measures)}")
    return "; ".join(parts) or ("steady" if any(row.get(f"{m.key}_trend") for m in MEASURES) else "")


def _managers_sheet(workbook, scorecard: Scorecard, formats: dict, subtitle: str) -> None:
    sheet = workbook.add_worksheet("PMs")
    headers = ["Project manager", "New PM", "Projects", *(m.label for m in MEASURES), "Trend (last 3 periods "
               "against the 3 before)"]  # fmt: skip
    _titles(sheet, formats, "Data quality per PM, over the last six periods", subtitle, headers)
    for offset, row in enumerate(scorecard.managers.to_dict("records")):
        line = 1 + HEADER_ROW + offset
        for column, value in enumerate((row["project_manager"], row["new_pm"], row["projects"])):
            _write(sheet, line, column, value, formats["attention"] if column == 1 and value else formats["wrap"])
        for number, measure in enumerate(MEASURES, start=3):
            _write(sheet, line, number, row[measure.key], formats["count"])
        words = trend_words(row)
        _write(sheet, line, len(headers) - 1, words, formats["attention"] if "worse" in words else formats["wrap"])
        _fit_row(sheet, line, [(row["project_manager"], 20), (row["new_pm"], 22), (row["projects"], 20), (words, 44)])
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 20)
    sheet.set_column(3, 2 + len(MEASURES), 11)
    sheet.set_column(len(headers) - 1, len(headers) - 1, 44)
    sheet.set_row(HEADER_ROW, 48)
    _print_setup(sheet, len(headers))


def _projects_sheet(workbook, scorecard: Scorecard, formats: dict, subtitle: str) -> None:
    """One row per project, each period in a few words (`period_story`); a period worth a word is shaded."""
    sheet = workbook.add_worksheet("Projects")
    periods = list(scorecard.periods)
    headers = ["Project", "Project name", "Project manager", *periods]
    _titles(sheet, formats, "Each project's last six periods", subtitle, headers)
    projects: dict[str, list[dict]] = {}
    for fact in scorecard.project_periods.to_dict("records"):  # one conversion, not one per project
        projects.setdefault(fact["project_id"], []).append(fact)
    for offset, (project_id, group) in enumerate(sorted(projects.items(), key=lambda item: item[0])):
        line = 1 + HEADER_ROW + offset
        by_period = {fact["period"]: fact for fact in group}
        latest_manager = next((by_period[p]["project_manager"] for p in reversed(periods) if p in by_period), "")
        project_name = group[0]["project_name"]
        for column, value in enumerate((project_id, project_name, latest_manager)):
            _write(sheet, line, column, value, formats["wrap"])
        stories = []
        for column, period in enumerate(periods, start=3):
            fact = by_period.get(period, {})
            stories.append((period_story(fact), 17))
            _write(sheet, line, column, stories[-1][0], formats["attention"] if needs_attention(fact) else
                   formats["wrap"])  # fmt: skip
        _fit_row(sheet, line, [(project_name, 18), (latest_manager, 18), *stories])
    sheet.set_column(0, 0, 11)
    sheet.set_column(1, 2, 18)
    sheet.set_column(3, 2 + len(periods), 17)
    _print_setup(sheet, len(headers))


def _trend_sheet(workbook, frame: pd.DataFrame, periods: list[str], formats: dict, subtitle: str) -> None:
    """One row per PM and measure, a column per period: how each figure moved."""
    sheet = workbook.add_worksheet("PM trends")
    headers = ["Project manager", "Measure", *periods, "Window", "Trend"]
    _titles(sheet, formats, "Data quality per PM and period", subtitle, headers)
    previous_manager = None
    for offset, row in enumerate(frame.to_dict("records")):
        line = 1 + HEADER_ROW + offset
        first = row["project_manager"] != previous_manager
        previous_manager = row["project_manager"]
        text_format = formats["first"] if first else formats["wrap"]
        _write(sheet, line, 0, row["project_manager"] if first else "", text_format)
        _write(sheet, line, 1, row["measure"], text_format)
        for column, name in enumerate([*periods, "window"], start=2):
            _write(sheet, line, column, row[name], formats["count_first"] if first else formats["count"])
        _write(sheet, line, len(headers) - 1, row["trend"], formats.get(row["trend"]) or text_format)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, len(headers) - 2, 9)
    sheet.set_column(len(headers) - 1, len(headers) - 1, 9)
    _print_setup(sheet, len(headers))


def _notes_sheet(workbook, formats: dict) -> None:
    sheet = workbook.add_worksheet("Notes")
    sheet.write_string(0, 0, NOTES_TITLE, formats["title"])
    sheet.write_string(2, 0, "Who it is for", formats["bold"])
    sheet.write_string(2, 1, PURPOSE, formats["wrap"])
    sheet.write_string(3, 0, "How to read it", formats["bold"])
    sheet.write_string(3, 1, READING, formats["wrap"])
    sheet.write_string(4, 0, "New PM", formats["bold"])
    sheet.write_string(4, 1, NEW_PM, formats["wrap"])
    sheet.write_string(6, 0, "Measure", formats["bold"])
    sheet.write_string(6, 1, "What it counts", formats["bold"])
    for offset, measure in enumerate(MEASURES):
        sheet.write_string(7 + offset, 0, measure.label, formats["wrap"])
        better = "more is better" if measure.better == "higher" else "fewer is better"
        text = measure.meaning if measure.key == "due" else f"{measure.meaning} ({better})"
        sheet.write_string(7 + offset, 1, text, formats["wrap"])
        _fit_row(sheet, 7 + offset, [(text, 100)])
    for line, text in ((2, PURPOSE), (3, READING), (4, NEW_PM)):
        _fit_row(sheet, line, [(text, 100)])
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 100)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def export_coaching(
    ledger: Ledger | Path | str,
    out: Path | str,
    register: Sequence[ProjectRecord] | None = None,
    period: str | None = None,
    settings: PmoSettings | None = None,
    today: dt.date | None = None,
    audience: Audience | None = None,
) -> Path | None:
    """`pmo coaching` and the month's collect: the scorecard read from the ledger (open, or its path) and written to
    `out`; None, and nothing written, when `settings.coaching_scorecard` is off."""
    settings = settings or PmoSettings()
    if not settings.coaching_scorecard:
        return None
    if isinstance(ledger, Ledger):
        scorecard = coaching_from_ledger(ledger, register, period, settings, today, audience)
    else:
        with open_ledger(ledger) as opened:
            scorecard = coaching_from_ledger(opened, register, period, settings, today, audience)
    return write_coaching_workbook(scorecard, out, today)
