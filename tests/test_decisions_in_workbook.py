"""The committee's decisions in the PM's next workbook (issue 18; template 1.3): a decision recorded in month 1 with
`pmo decide` shows, read-only, in month 2's workbook from `pmo generate --ledger`, and is never collected back.

A ledger built through the commands:

    2026-11  A1 and B2 report; A1 asks D-001 (supplier change) and D-002 (extra tester)
    decide   D-001 approved by the Steering committee on 2026-12-10, with an action due 2027-01-15
    2026-12  generated with --ledger: A1's workbook shows the decision; A1 reports on it, B2 on a 1.2 workbook
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.demo.data import fill_by_name
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.register import read_register
from pmo_xl.templates.builder import build_template
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.versions import schema_at
from tests.libreoffice import convert
from tests.print_pages import render_pdfs, sheet_pages

REGISTER = (
    "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit\n"
    "A1,Billing,Ana,ana@example.org,Sponsor A,2026-01-01,2027-06-30,100000,EUR,units\n"
    "B2,Branches,Ben,ben@example.org,Sponsor B,2026-01-01,2027-06-30,100000,EUR,units\n"
)
NEEDS = [
    {"id": "D-001", "decision": "Approve the supplier change", "owner": "Sponsor", "required_by": dt.date(2026, 12, 15),
     "status": "Open"},
    {"id": "D-002", "decision": "Fund an extra tester", "owner": "Sponsor", "required_by": dt.date(2027, 1, 15),
     "status": "Open"},
]  # fmt: skip
TAKEN = ["D-001", "Approve the supplier change", "Steering committee", dt.datetime(2026, 12, 10), "approve",
         "Within the approved budget", "Sign the supplier change", "Steering committee", dt.datetime(2027, 1, 15)]  # fmt: skip


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fields(submitted: dt.date) -> dict:
    fields = {f"rag_{key}": "Green" for key in ("overall", "schedule", "cost", "scope", "resources", "benefits")}
    return fields | {"submitted_on": submitted, "percent_complete": 0.4, "actual_to_date": 30000,
                     "estimate_at_completion": 100000, "forecast_end_date": dt.date(2027, 6, 30),
                     "key_achievements": "Delivered the sprint's stories."}  # fmt: skip


class Cycle:
    def __init__(self, root: Path):
        self.root, self.register, self.ledger = root, root / "register.csv", root / "pmo_ledger.db"

    def collect(self, inbox: Path, period: str, today: str) -> None:
        _run("collect", str(inbox), "--ledger", str(self.ledger), "--register", str(self.register),
             "--out", str(self.root / f"portfolio-{period}.xlsx"), "--period", period, "--today", today)  # fmt: skip


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Cycle:
    cycle = Cycle(tmp_path_factory.mktemp("decisions_in_workbook"))
    root = cycle.root
    cycle.register.write_text(REGISTER, encoding="utf-8")
    _run("generate", "--register", str(cycle.register), "--out", str(root / "out-11"), "--period", "2026-11")
    inbox = root / "inbox-11"
    for path in (root / "out-11").glob("*.xlsx"):
        project_id = path.name.split(" - ")[0]
        tables = {"Decisions": NEEDS} if project_id == "A1" else None
        fill_by_name(path, inbox / f"{project_id}.xlsx", _fields(dt.date(2026, 12, 2)), tables)
    cycle.collect(inbox, "2026-11", "2026-12-03")
    _run("decide", "--ledger", str(cycle.ledger), "--kind", "approve", "--project", "A1", "--answers", "D-001",
         "--owner", "Steering committee", "--date", "2026-12-10", "--action", "Sign the supplier change",
         "--due", "2027-01-15", "--note", "Within the approved budget")  # fmt: skip
    _run("generate", "--register", str(cycle.register), "--out", str(root / "out-12"), "--period", "2026-12",
         "--ledger", str(cycle.ledger))  # fmt: skip
    cycle.month2 = next((root / "out-12").glob("A1 - *.xlsx"))
    cycle.round_trip = convert(cycle.month2, "xlsx", root / "lo")
    return cycle


def _rows(path: Path, table_name: str) -> tuple[object, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for name, ref in sheet.tables.items():
            if name == table_name:
                cells = list(sheet[ref])
                return sheet, [[cell.value for cell in row] for row in cells[1:]]
    raise AssertionError(f"{path.name} has no table {table_name}")


def test_month_2_shows_the_decision_read_only_and_the_need_answered(cycle):
    for path in (cycle.month2, cycle.round_trip):  # as generated, and as LibreOffice saves it
        sheet, taken = _rows(path, "DecisionsTaken")
        assert sheet.title == "Actions"
        assert taken[0][: len(TAKEN)] == TAKEN, path
        assert all(value is None for row in taken[1:] for value in row), "one decision, the other rows blank"
        _sheet, needs = _rows(path, "Decisions")
        assert [row[:5] for row in needs[:2]] == [
            ["D-001", "Approve the supplier change", "Sponsor", dt.datetime(2026, 12, 15), "Decided"],
            ["D-002", "Fund an extra tester", "Sponsor", dt.datetime(2027, 1, 15), "Open"],
        ]
        assert sheet.protection.sheet, "the Actions sheet is protected"
        table = sheet.tables["DecisionsTaken"]
        assert all(cell.protection.locked for row in sheet[table.ref] for cell in row)
        titles = [cell.value for row in sheet.iter_rows(max_col=2) for cell in row if isinstance(cell.value, str)]
        assert "Decisions taken by management (filled by the PMO, read-only)" in titles
        assert any(text.startswith("Filled by the PMO from the steering committee's decisions") for text in titles)
    actions = openpyxl.load_workbook(cycle.month2)["Actions"]
    decided = [rule for area in actions.conditional_formatting for rule in area.rules if rule.formula == ['"Decided"']]
    assert decided and decided[0].dxf.fill.bgColor.rgb.endswith("C6EFCE"), "an answered need is shown green"


def test_collecting_month_2_stores_no_decision_as_pm_data_and_finds_nothing_about_it(cycle):
    inbox = cycle.root / "inbox-12"
    fill_by_name(cycle.month2, inbox / "A1.xlsx", _fields(dt.date(2027, 1, 4)))
    parsed, findings = read_submission(inbox / "A1.xlsx")
    assert parsed is not None and "DecisionsTaken" not in parsed.tables
    _parsed, more = validate(parsed, PROJECT_STATUS, dt.date(2027, 1, 5))
    about = [f.describe() for f in [*findings, *more] if "DecisionsTaken" in f.describe() or f.sheet == "Actions"]
    assert about == []
    # B2 reports on a 1.2 workbook (issued before the change): read by 1.2's rules, in the same run
    masters, old = cycle.root / "templates-1.2", schema_at("project_status", "1.2")
    build_template(old, masters / "project_status.xlsx")
    records = [r for r in read_register(cycle.register, old) if r.project_id == "B2"]
    generated = generate_for_records(old, records, cycle.root / "out-12-v1.2", "2026-12", templates_dir=masters)
    fill_by_name(generated[0].path, inbox / "B2.xlsx", _fields(dt.date(2027, 1, 4)))
    cycle.collect(inbox, "2026-12", "2027-01-05")
    with sqlite3.connect(cycle.ledger) as db:
        stored = {project: (version, source) for project, version, source in db.execute(
            "SELECT project_id, template_version, source_version FROM submission WHERE reporting_period = '2026-12'")}  # fmt: skip
        tables = {name for (name,) in db.execute("SELECT DISTINCT table_name FROM table_row")}
        rejected = db.execute("SELECT count(*) FROM rejection").fetchone()[0]
    assert stored == {"A1": ("1.3", ""), "B2": ("1.3", "1.2")} and rejected == 0
    assert "DecisionsTaken" not in tables and "Decisions" in tables


def test_month_2_prints_its_summary_instructions_and_actions_each_on_one_page(cycle):
    pages = sheet_pages(render_pdfs([cycle.month2], cycle.root / "pdf")[cycle.month2.name])
    assert (pages["Summary"], pages["Instructions"], pages["Actions"]) == (1, 1, 1), pages
    summary = openpyxl.load_workbook(cycle.month2)["Summary"]
    setup, fit = summary.page_setup, summary.sheet_properties.pageSetUpPr.fitToPage
    fitted = [1 if value is None else value for value in (setup.fitToWidth, setup.fitToHeight)]  # absent: 1
    assert (setup.orientation, fit, fitted) == ("landscape", True, [1, 1])


def test_a_long_note_gets_a_row_as_tall_as_its_lines_which_libreoffice_keeps(cycle):
    """Neither Excel nor LibreOffice sizes a written row to its wrapped text: a committee's long note was cut after
    two lines. The generator gives each row its lines' height."""
    note = ("Deferred until the pilot in Lyon reports; the committee wants the supplier's revised service levels, "
            "the new dates agreed with the business and the cost of the extra tester before it decides again.")  # fmt: skip
    _run("decide", "--ledger", str(cycle.ledger), "--kind", "defer", "--project", "A1", "--answers", "D-002",
         "--owner", "Board", "--date", "2026-12-11", "--note", note)  # fmt: skip
    out = cycle.root / "out-12-long"
    _run("generate", "--register", str(cycle.register), "--out", str(out), "--period", "2026-12",
         "--ledger", str(cycle.ledger))  # fmt: skip
    generated = next(out.glob("A1 - *.xlsx"))
    for path in (generated, convert(generated, "xlsx", cycle.root / "lo-long")):
        sheet, taken = _rows(path, "DecisionsTaken")
        first = sheet.tables["DecisionsTaken"].ref.split(":")[0]
        body = sheet[first].row + 1  # newest first: the defer, then the approval
        assert [taken[0][0], taken[0][5], taken[1][0]] == ["D-002", note, "D-001"]
        long_row, short_row = sheet.row_dimensions[body].height, sheet.row_dimensions[body + 1].height
        assert long_row is not None and long_row >= 15 * 6, (path.name, long_row)  # 201 characters, 30 wide
        assert short_row == 15 * 2, (path.name, short_row)  # "Steering committee" wraps in the 16-wide owner column


def test_an_action_recorded_done_says_so_in_the_pms_next_workbook(cycle):
    _run("decide", "--ledger", str(cycle.ledger), "--action-done", "2026-12-12", "--project", "A1", "--answers",
         "D-001", "--owner", "Ana")  # fmt: skip
    out = cycle.root / "out-12-done"
    _run("generate", "--register", str(cycle.register), "--out", str(out), "--period", "2026-12",
         "--ledger", str(cycle.ledger))  # fmt: skip
    _sheet, taken = _rows(next(out.glob("A1 - *.xlsx")), "DecisionsTaken")
    actions = {row[0]: row[6] for row in taken if row[0]}
    assert actions["D-001"] == "Sign the supplier change (done 2026-12-12)", actions
