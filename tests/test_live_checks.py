"""Template 1.2's live checks: the flag a PM sees in the Summary sheet and the collector's finding agree, both ways.

Each case is a status workbook generated from the shipped template with a few entries changed. LibreOffice opens
every case in one run and saves it with its formulas calculated; then, on that same saved file, the Check column is
read (the flag) and the collector reads and validates it (the finding). For every check of the template in every
case: the flag shows <=> a finding with the check's name (its code), severity, message and cell.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.carry_forward import carried_fill
from pmo_xl.generate.generator import TemplateSource, WorkbookFill, fill_for_project, template_path
from pmo_xl.ledger import StoredSubmission
from pmo_xl.register import ProjectRecord
from pmo_xl.templates.builder import CHECK_COLUMN, PREVIOUS_SHEET
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.checks import ROW_CHECK_HEADER, ROW_CHECK_KEY, failing_formula
from pmo_xl.templates.versions import migrate, schema_at
from tests.libreoffice import require_soffice

TODAY = dt.date(2026, 12, 10)
BASELINE_END = dt.date(2027, 1, 1)
CHECKS = {check.name: check for check in PROJECT_STATUS.checks}
REQUIRED = sum(1 for field in PROJECT_STATUS.fields if field.required)


@dataclass(frozen=True)
class Case:
    check: str  # the check the case is about
    fails: bool  # the table's answer: does that check fail?
    entries: dict[str, object]
    completeness: float | None = None  # the completeness % after recalculation, where the case says it
    # the collector's generic findings (code, field) a formula cannot see, documented in docs/templates.md
    generic: frozenset[tuple[str, str]] = frozenset()
    # table -> the rows written into it, first rows first; `check` is then the Check column's words in its first row
    rows: dict[str, list[dict[str, object]]] | None = None

    @property
    def name(self) -> str:
        if self.rows:
            return f"{self.check}:{'bad' if self.fails else 'good'}:{self.rows!r}"
        shown = "-".join(f"{key}={value!r}" for key, value in self.entries.items())
        return f"{self.check}:{'bad' if self.fails else 'good'}:{shown}"


def _rationale_cases() -> list[Case]:
    cases = []
    for key in ("overall", "schedule", "cost", "scope", "resources", "benefits"):
        rag, rationale, path = f"rag_{key}", f"rag_{key}_rationale", f"rag_{key}_path_to_green"
        cases += [
            Case(f"{rag}_rationale_missing", True, {rag: "Amber", path: "Second supplier by March"}),
            Case(f"{rag}_rationale_missing", False, {rag: "Red", rationale: "Supplier late", path: "Replan"}),
            Case(f"{rag}_path_to_green_missing", True, {rag: "Red", rationale: "Supplier late"}),
        ]
    cases += [
        # both missing: each check fails, and the two required cells count against completeness
        Case("rag_cost_rationale_missing", True, {"rag_cost": "Amber"}, completeness=REQUIRED / (REQUIRED + 2)),
        Case("rag_cost_rationale_missing", True, {"rag_cost": "Red", "rag_cost_rationale": "   "}),
        Case("rag_cost_rationale_missing", True, {"rag_cost": "Red", "rag_cost_rationale": "\n"}),
        Case("rag_cost_rationale_missing", False, {"rag_cost": "Green"}, completeness=1.0),
        Case("rag_cost_rationale_missing", False, {"rag_cost": None}),
        Case("rag_cost_path_to_green_missing", False, {"rag_cost": "Green", "rag_cost_path_to_green": "n/a"}),
    ]
    return cases


LATER = BASELINE_END + dt.timedelta(days=31)
EARLIER = BASELINE_END - dt.timedelta(days=10)
NBSP = "\u00a0"
ONE_MISSING = (REQUIRED - 1) / REQUIRED


def _value_cases() -> list[Case]:
    """Each cell judged alone: empty, text or TRUE in a number or date cell, out of range, no plausible date."""
    return [
        *(Case(f"{name}_missing", True, {name: None}, completeness=ONE_MISSING)
          for name in ("submitted_on", "rag_overall", "rag_benefits", "percent_complete", "actual_to_date",
                       "estimate_at_completion", "forecast_end_date", "key_achievements")),
        Case("actual_to_date_missing", True, {"actual_to_date": "   "}, completeness=ONE_MISSING),
        Case("key_achievements_missing", True, {"key_achievements": " \n\t "}, completeness=ONE_MISSING),
        Case("key_achievements_missing", False, {"key_achievements": "Go-live rehearsal passed"}, completeness=1.0),
        # a non-breaking space is text to a formula (TRIM keeps it) and blank to the collector: its own finding
        Case("key_achievements_missing", False, {"key_achievements": NBSP},
             generic=frozenset({("required", "key_achievements")})),
        Case("actual_to_date_not_a_number", True, {"actual_to_date": NBSP}),
        Case("actual_to_date_not_a_number", True, {"actual_to_date": "about 300k"}, completeness=ONE_MISSING),
        Case("actual_to_date_not_a_number", True, {"actual_to_date": "1234.5"}),  # read, but not as the sheet sees it
        Case("estimate_at_completion_not_a_number", False, {"estimate_at_completion": 0}),
        Case("percent_complete_not_a_number", True, {"percent_complete": "65%"}),
        # text is no figure: no copied-forward warning beside it, nor a forecast comment asked for
        Case("percent_complete_not_a_number", True, {"percent_complete": "0.4", "prev_percent_complete": 0.4}),
        Case("percent_complete_out_of_range", True, {"percent_complete": 1.2}, completeness=ONE_MISSING),
        Case("percent_complete_out_of_range", True, {"percent_complete": -0.1}),
        Case("percent_complete_out_of_range", True, {"percent_complete": 65}),  # 6500% in the sheet
        Case("percent_complete_out_of_range", False, {"percent_complete": 1}),
        Case("percent_complete_out_of_range", False, {"percent_complete": 0}),
        Case("actual_to_date_out_of_range", True, {"actual_to_date": -1}),
        Case("actual_to_date_out_of_range", False, {"actual_to_date": 0}),
        Case("estimate_at_completion_out_of_range", True, {"estimate_at_completion": 2e12}),
        Case("estimate_at_completion_out_of_range", False, {"estimate_at_completion": 1e12}),
        Case("forecast_end_date_not_a_date", True, {"forecast_end_date": LATER.isoformat()}, completeness=ONE_MISSING),
        Case("submitted_on_not_a_date", True, {"submitted_on": "03/12/2026"}),
        Case("submitted_on_out_of_range", True, {"submitted_on": 5}),  # 1900-01-04 in the date cell
        Case("submitted_on_out_of_range", True, {"submitted_on": dt.date(1989, 12, 31)}),
        Case("submitted_on_out_of_range", False, {"submitted_on": dt.date(1990, 1, 1)}),
        Case("forecast_end_date_out_of_range", True, {"forecast_end_date": dt.date(2101, 1, 1)}),
        Case("forecast_end_date_out_of_range", False,
             {"forecast_end_date": dt.date(2100, 12, 31), "forecast_end_comment": "Replanned"}),
        # a RAG pasted past its list: no rationale is asked for what is not Amber or Red, and it is no RAG at all
        Case("rag_cost_not_allowed", True, {"rag_cost": "Yellow"}, completeness=ONE_MISSING),
        Case("rag_cost_not_allowed", True, {"rag_cost": "amber "}),
        Case("rag_cost_not_allowed", True, {"rag_cost": " Amber"}),
        Case("rag_benefits_not_allowed", True, {"rag_benefits": NBSP}, completeness=ONE_MISSING),
        Case("rag_overall_not_allowed", True, {"rag_overall": 3}),
        Case("rag_cost_not_allowed", False,
             {"rag_cost": "amber", "rag_cost_rationale": "Supplier late", "rag_cost_path_to_green": "Replan"},
             completeness=1.0),
        Case("rag_cost_rationale_missing", True, {"rag_cost": "red", "rag_cost_path_to_green": "Replan"}),
    ]  # fmt: skip


CASES = [
    *_value_cases(),
    *_rationale_cases(),
    Case("forecast_end_comment_missing", True, {"forecast_end_date": LATER}, completeness=REQUIRED / (REQUIRED + 1)),
    Case("forecast_end_comment_missing", True, {"forecast_end_date": LATER, "forecast_end_comment": "  "}),
    Case(
        "forecast_end_comment_missing",
        False,
        {"forecast_end_date": LATER, "forecast_end_comment": "Integrator late; CR-002 drafted"},
        completeness=1.0,
    ),
    Case("forecast_end_comment_missing", False, {"forecast_end_date": BASELINE_END}),
    Case("forecast_end_comment_missing", False, {"forecast_end_date": EARLIER}),
    Case("forecast_end_comment_missing", False, {"forecast_end_date": LATER, "baseline_end_date": None}),
    # a warning: flagged, accepted, not counted against completeness
    Case("percent_complete_down", True, {"percent_complete": 0.4, "prev_percent_complete": 0.5}, completeness=1.0),
    Case("percent_complete_down", True, {"percent_complete": 0, "prev_percent_complete": 0.05}),
    Case("percent_complete_down", False, {"percent_complete": 0.5, "prev_percent_complete": 0.4}),
    Case("percent_complete_down", False, {"percent_complete": 0.4, "prev_percent_complete": None}),
    Case("percent_complete_unchanged", True, {"percent_complete": 0.4, "prev_percent_complete": 0.4}),
    Case("percent_complete_unchanged", True, {"percent_complete": 0, "prev_percent_complete": 0}),
    Case("percent_complete_unchanged", False, {"percent_complete": 1, "prev_percent_complete": 1}),
    Case("percent_complete_unchanged", False, {"percent_complete": 0.45, "prev_percent_complete": 0.4}),
    Case("percent_complete_unchanged", False, {"percent_complete": None, "prev_percent_complete": 0.4}),
    Case("estimate_at_completion_unchanged", True, {"estimate_at_completion": 900, "prev_estimate_at_completion": 900}),
    Case("estimate_at_completion_unchanged", True, {"estimate_at_completion": 912.5, "prev_estimate_at_completion": 912.5}),
    Case("estimate_at_completion_unchanged", False, {"estimate_at_completion": 950, "prev_estimate_at_completion": 900}),
    Case("estimate_at_completion_unchanged", False, {"estimate_at_completion": 900, "prev_estimate_at_completion": None}),
    Case("forecast_end_date_unchanged", True, {"forecast_end_date": EARLIER, "prev_forecast_end_date": EARLIER}),
    Case("forecast_end_date_unchanged", False, {"forecast_end_date": EARLIER, "prev_forecast_end_date": BASELINE_END}),
    Case("forecast_end_date_unchanged", False, {"forecast_end_date": EARLIER, "prev_forecast_end_date": None}),
]  # fmt: skip


SOON = dt.date(2027, 3, 31)
MILESTONE = {"name": "Build complete", "forecast_date": SOON, "status": "On track"}
RISK = {
    "type": "Risk",
    "description": "Supplier late",
    "owner": "Marc",
    "date_raised": dt.date(2026, 11, 2),
    "status": "Open",
    "probability": 3,
    "impact": 4,
}
CHANGE = {"description": "Add reporting module", "status": "Proposed", "schedule_impact_days": 10}


def _table_cases() -> list[Case]:
    """A table's rows judged by its Check column: the first rule a row fails, in its words ("" when none)."""

    def case(words: str, table: str, *rows: dict[str, object]) -> Case:
        return Case(words, bool(words), {}, rows={table: list(rows)})

    return [
        case("", "Milestones", MILESTONE, {**MILESTONE, "status": "on track"}),
        case("Forecast date: to fill in.", "Milestones", {**MILESTONE, "forecast_date": None}, MILESTONE),
        case("Milestone: to fill in.", "Milestones", {**MILESTONE, "name": "  "}),
        case("Forecast date: text, not a date.", "Milestones", {**MILESTONE, "forecast_date": "2027-03-31"}),
        case("Forecast date: no date from 1990 to 2100.", "Milestones", {**MILESTONE, "forecast_date": 5}),
        case("Status: not on the list.", "Milestones", {**MILESTONE, "status": "on track "}),
        case("Status: not on the list.", "Milestones", {**MILESTONE, "status": "Done"}),
        case("Key / gate: not on the list.", "Milestones", {**MILESTONE, "key": "Y", "status": "Done"}),
        case("", "RAID", RISK),
        case("Probability: not on the list.", "RAID", {**RISK, "probability": 7}),
        case("Impact: text, not a number.", "RAID", {**RISK, "impact": "4"}),
        case("Financial exposure: below 0 or too large.", "RAID", {**RISK, "financial_exposure": -5}),
        case("Financial exposure: text, not a number.", "RAID", {**RISK, "financial_exposure": "1,000"}),
        case("Type: to fill in.", "RAID", {"description": "Only a description"}),
        case("", "ChangeRequests", CHANGE),
        case("Schedule impact (days): not a whole number.", "ChangeRequests", {**CHANGE, "schedule_impact_days": 2.5}),
        case("", "NextSteps", {"step": "Sign the contract", "owner": "Marc", "due_date": SOON}),
        case("Required by: to fill in.", "NextSteps", {"step": "Sign the contract", "owner": "Marc"}),
    ]  # fmt: skip


TABLE_CASES = _table_cases()


def _base_fill() -> WorkbookFill:
    """A complete first report: every required cell filled, all Green, the forecast on the baseline end."""
    record = ProjectRecord(1, "PRJ-7", "Data platform", "Priya Nair", "Marc", dt.date(2026, 1, 1), BASELINE_END)
    fill = fill_for_project(PROJECT_STATUS, record, "2026-12", "t0ken", today=TODAY)
    fields = dict(fill.fields)
    fields.update(
        submitted_on=dt.date(2026, 12, 3),
        percent_complete=0.4,
        actual_to_date=300,
        estimate_at_completion=900,
        forecast_end_date=BASELINE_END,
        key_achievements="Design signed off",
        budget_current=1000,
        currency="EUR",
        money_unit="k",
    )
    fields.update({f"rag_{key}": "Green" for key in ("overall", "schedule", "cost", "scope", "resources", "benefits")})
    return WorkbookFill(fill.metadata, fields, fill.tables)


def _recalculate_all(sources: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Every source opened and saved as xlsx by LibreOffice in one run (its formulas calculated and cached)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        completed = subprocess.run(
            [require_soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, sources)],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    converted = {source: out_dir / source.name for source in sources}
    missing = [str(source) for source, target in converted.items() if not target.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {completed.stdout}\n{completed.stderr}"
    return converted


def _flags(path: Path) -> dict[str, str]:
    """Each check's Check-column cell (the row of its field), as LibreOffice calculated it."""
    structure = XlsxPackage.from_path(path).structure
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Summary").to_python(skip_empty_area=False)
    flags = {}
    for check in PROJECT_STATUS.checks:
        row = structure.name(check.target).row
        cells = rows[row - 1] if row - 1 < len(rows) else []
        flags[check.name] = str(cells[CHECK_COLUMN]) if len(cells) > CHECK_COLUMN else ""
    return flags


def _completeness(path: Path) -> float:
    reference = XlsxPackage.from_path(path).structure.name("completeness")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(reference.sheet).to_python(skip_empty_area=False)
    return float(rows[reference.row - 1][reference.column - 1])


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """case -> (the flags LibreOffice calculated, the collector's findings, the completeness %), one soffice run."""
    folder = tmp_path_factory.mktemp("live_checks")
    source = TemplateSource(PROJECT_STATUS, template_path("project_status"))
    base = _base_fill()
    written = []
    for index, case in enumerate([*CASES, *TABLE_CASES]):
        fields = {**base.fields, **case.entries}
        tables = {**base.tables, **_with_ids(case.rows or {})}
        path = folder / "cases" / f"case-{index:02d}.xlsx"
        path.parent.mkdir(exist_ok=True)
        fill = replace(base, fields={k: v for k, v in fields.items() if v is not None}, tables=tables)
        path.write_bytes(source.render(fill))
        written.append(path)
    recalculated = _recalculate_all(written, folder / "lo")
    results = {}
    for case, path in zip([*CASES, *TABLE_CASES], written, strict=True):
        saved = recalculated[path]
        parsed, findings = read_submission(saved)
        assert parsed is not None, [f.describe() for f in findings]
        _, more = validate(parsed, PROJECT_STATUS, TODAY, register_ids={"PRJ-7"})
        results[case.name] = (_flags(saved), findings + more, _completeness(saved), _row_flags(saved))
    return results


def _with_ids(rows: dict[str, list[dict[str, object]]]) -> dict[str, list[dict[str, object]]]:
    """Each row with its table's stable id (M-001, M-002...), as the PM finds them pre-filled."""
    return {
        name: [{"id": PROJECT_STATUS.table(name).row_id(index), **row} for index, row in enumerate(table_rows)]
        for name, table_rows in rows.items()
    }


def _row_flags(path: Path) -> dict[str, list[tuple[int, str]]]:
    """Each checked table's (row, Check cell) for every body row, as LibreOffice calculated it."""
    structure = XlsxPackage.from_path(path).structure
    book = CalamineWorkbook.from_path(str(path))
    flags = {}
    for table in PROJECT_STATUS.tables:
        if table.columns[-1].key != ROW_CHECK_KEY:
            continue
        found = structure.table(table.name)
        cells = book.get_sheet_by_name(found.sheet).to_python(skip_empty_area=False)
        column = found.first_column + found.headers.index(ROW_CHECK_HEADER) - 1
        flags[table.name] = [
            (row, str(cells[row - 1][column]) if row - 1 < len(cells) and column < len(cells[row - 1]) else "")
            for row in found.body_rows
        ]
    return flags


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_flag_in_the_sheet_and_the_collectors_finding_agree_both_ways(judged, case):
    flags, findings, completeness, _ = judged[case.name]
    found = {f.code: f for f in findings if f.code in CHECKS}
    for name, check in CHECKS.items():
        flagged = check.shown in flags[name]
        assert flagged == (name in found), (name, flags[name], [f.describe() for f in findings])
    check = CHECKS[case.check]
    assert (check.shown in flags[case.check]) is case.fails, flags[case.check]
    if case.fails:
        finding = found[case.check]
        assert (finding.severity, finding.message, finding.where) == (check.severity, check.message, check.target)
        assert finding.cell.startswith("Summary!") and finding.sheet == "Summary"
    # nothing else is wrong with the base report: a fault the sheet shows is listed once, under its check's name
    others = [f for f in findings if f.code not in CHECKS and f.severity != "info"]
    assert {(f.code, f.where) for f in others} == case.generic, [f.describe() for f in others]
    if case.completeness is not None:
        assert completeness == pytest.approx(case.completeness)


@pytest.mark.parametrize("case", TABLE_CASES, ids=[case.name for case in TABLE_CASES])
def test_a_rows_check_cell_and_the_collectors_findings_agree_both_ways(judged, case):
    """Each row of each checked table: its Check cell shows words <=> the collector refuses a cell of that row, and
    the words are the first refused cell's column's; the row of the case shows the case's words. Blank pre-sized
    rows (an id only) show nothing and are not judged."""
    _, findings, _, row_flags = judged[case.name]
    (table_name,) = case.rows
    for table, flags in row_flags.items():
        for row, flag in flags:
            refused = [
                f for f in findings if f.row == row and f.where.startswith(f"{table}[") and f.severity == "error"
            ]
            assert bool(flag) == bool(refused), (table, row, flag, [f.describe() for f in refused])
            if refused:
                assert flag.startswith(refused[0].where.removeprefix(f"{table}[").removesuffix("]") + ": ")
                assert refused[0].cell.startswith(f"{PROJECT_STATUS.table(table).sheet}!")
    assert row_flags[table_name][0][1] == case.check
    others = [f for f in findings if f.severity != "info" and not f.where.startswith(f"{table_name}[")]
    assert others == [], [f.describe() for f in others]


def test_the_flag_and_the_fill_come_from_the_same_formula(repo_root):
    """The Check column and the conditional fill on the field both test the check's failing formula, and the sheet
    shows it beside the field the finding names."""
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx")
    summary = book["Summary"]
    rules = {
        (str(area.sqref), rule.formula[0])
        for area, rule_list in summary.conditional_formatting._cf_rules.items()
        for rule in rule_list
        if rule.formula
    }
    for check in PROJECT_STATUS.checks:
        sheet, address = next(iter(book.defined_names[check.target].destinations))
        cell = summary[address.replace("$", "")]
        formula = failing_formula(check, PROJECT_STATUS)
        assert (cell.coordinate, formula) in rules, check.name
        flag = summary.cell(row=cell.row, column=CHECK_COLUMN + 1)
        assert formula in flag.value and f'"{check.shown} "' in flag.value and flag.protection.locked
    previous = book[PREVIOUS_SHEET]
    assert previous.sheet_state == "hidden" and previous.protection.sheet
    for field in PROJECT_STATUS.fields:
        if field.previous_of:
            sheet, address = next(iter(book.defined_names[field.name].destinations))
            assert sheet == PREVIOUS_SHEET and previous[address.replace("$", "")].protection.locked


def test_generation_stamps_last_periods_figures_from_the_counted_report_it_carries_forward():
    last = StoredSubmission(
        {},
        {"percent_complete": 0.55, "estimate_at_completion": 940.0, "forecast_end_date": LATER, "actual_to_date": 1},
        {},
    )
    fill = carried_fill(_base_fill(), last, None, PROJECT_STATUS)
    assert (fill.fields["prev_percent_complete"], fill.fields["prev_estimate_at_completion"]) == (0.55, 940.0)
    assert fill.fields["prev_forecast_end_date"] == LATER
    # the PM's figures start from last period's too, so until they are updated the sheet asks "copied forward?"
    assert fill.fields["percent_complete"] == 0.55
    first = carried_fill(_base_fill(), StoredSubmission({}, {}, {}), None, PROJECT_STATUS)
    assert not any(name.startswith("prev_") for name in first.fields)


def test_a_1_1_report_is_judged_by_its_own_rules_and_moves_to_1_2_with_blank_stamps():
    old = schema_at("project_status", "1.1")
    assert old.checks == () and "forecast_end_comment" not in {f.name for f in old.fields}
    fields, _tables, notes = migrate("project_status", "1.1", {"percent_complete": 0.4}, {})
    assert fields["prev_percent_complete"] is None and fields["forecast_end_comment"] is None and notes == ()
