"""The portfolio covers the register: a month with every kind of project, counted by hand, through the `pmo` commands.

The register holds 13 projects, all in whole euros:

    R-01 .. R-06  active, report on time for 2026-11: Green, Green, Green, Amber, Amber, Red
    S-07          active, sent only its October report (Red): stale for November
    T-08          active, sent a November file that was rejected: returned for correction
    N-09, N-10    active, never sent anything
    C-11          closed;  P-12, P-13  pipeline

    budgets  R-01 100,000  R-02 200,000  R-03 300,000  R-04 400,000  R-05 500,000  R-06 600,000
             S-07 700,000  T-08 800,000  N-09 900,000  N-10 1,000,000  (active: 5,500,000)
             C-11 50,000  P-12 60,000  P-13 70,000  (never counted)

Hand computation for 2026-11, as of 2026-12-10 (the cut-off was 2026-12-05):

    reporting 6 of 10 active; late 0, returned 1, stale 1, never reported 2 (4 not reporting)
    projects  Green 3 (30%)  Amber 2 (20%)  Red 1 (10%)  Not reported 4 (40%)
    budget    Green 600,000  Amber 900,000  Red 600,000 (11% of 5,500,000)  Not reported 3,400,000
    S-07's October Red is not a current Red: counted, the budget at Red would be 1,300,000 (24%).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from pmo_xl.cli import main
from pmo_xl.demo.data import fill_by_name, fill_demo_submission
from tests.outputs import report_text as _report_text
from tests.outputs import table as _table

BUDGETS = {"R-01": 100_000, "R-02": 200_000, "R-03": 300_000, "R-04": 400_000, "R-05": 500_000, "R-06": 600_000,
           "S-07": 700_000, "T-08": 800_000, "N-09": 900_000, "N-10": 1_000_000, "C-11": 50_000, "P-12": 60_000,
           "P-13": 70_000}  # fmt: skip
LIFECYCLE = {"C-11": "closed", "P-12": "pipeline", "P-13": "pipeline"}
ACTIVE = [project_id for project_id in BUDGETS if project_id not in LIFECYCLE]
NOVEMBER_RAG = {"R-01": "Green", "R-02": "Green", "R-03": "Green", "R-04": "Amber", "R-05": "Amber", "R-06": "Red"}


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fill(generated: Path, target: Path, rag: str, submitted: dt.date, **overrides) -> None:
    draft = target.with_name("draft " + target.name)
    fill_demo_submission(generated, draft, random.Random(target.name))
    fields = {"submitted_on": submitted, "rag_overall": rag, "rag_cost": "Green", "rag_schedule": "Green",
              "rag_scope": "Green", "rag_resources": "Green", "rag_benefits": "Green",
              "forecast_end_date": dt.date(2027, 12, 31),
              "estimate_at_completion": BUDGETS[target.name.split(" - ")[0]]}  # fmt: skip
    if rag != "Green":
        fields |= {"rag_overall_rationale": "Supplier late", "rag_overall_path_to_green": "Second supplier"}
    fill_by_name(draft, target, {**fields, **overrides})
    draft.unlink()


def _generated(folder: Path) -> dict[str, Path]:
    return {path.name.split(" - ")[0]: path for path in folder.glob("*.xlsx")}


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("coverage")
    register = root / "register.csv"
    lines = ["project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit,"
             "lifecycle_status"]  # fmt: skip
    for number, (project_id, budget) in enumerate(BUDGETS.items(), start=1):
        lines.append(f"{project_id},Project {project_id},PM {number},pm{number}@example.org,Sponsor,2026-01-15,"
                     f"2027-12-31,{budget},EUR,units,{LIFECYCLE.get(project_id, 'active')}")  # fmt: skip
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ledger = root / "ledger.db"
    # October: S-07 reports Red (and R-01 Green); then nothing more from S-07.
    _run("generate", "--register", str(register), "--out", str(root / "out-10"), "--period", "2026-10")
    october = _generated(root / "out-10")
    (root / "inbox-10").mkdir()
    _fill(october["S-07"], root / "inbox-10" / october["S-07"].name, "Red", dt.date(2026, 11, 2))
    _fill(october["R-01"], root / "inbox-10" / october["R-01"].name, "Green", dt.date(2026, 11, 2))
    _run("collect", str(root / "inbox-10"), "--ledger", str(ledger), "--out", str(root / "october.xlsx"),
         "--register", str(register), "--period", "2026-10", "--today", "2026-11-03")  # fmt: skip
    # November: six on time; T-08's file is rejected (1.5 is 150%: the sheet flags it).
    _run("generate", "--register", str(register), "--out", str(root / "out-11"), "--period", "2026-11",
         "--ledger", str(ledger))  # fmt: skip
    november = _generated(root / "out-11")
    (root / "inbox-11").mkdir()
    for project_id, rag in NOVEMBER_RAG.items():
        _fill(november[project_id], root / "inbox-11" / november[project_id].name, rag, dt.date(2026, 12, 3))
    _fill(november["T-08"], root / "inbox-11" / november["T-08"].name, "Green", dt.date(2026, 12, 3),
          percent_complete=1.5)  # fmt: skip
    _run("collect", str(root / "inbox-11"), "--ledger", str(ledger), "--out", str(root / "portfolio.xlsx"),
         "--period", "2026-11", "--today", "2026-12-10", "--chasers", str(root / "chasers"))  # fmt: skip
    # The dashboard and the report take the register the ledger recorded, and the day to count as of.
    _run("dashboard", str(root / "dashboard.xlsx"), "--ledger", str(ledger), "--today", "2026-12-10")
    _run("report", str(root / "report.html"), "--ledger", str(ledger), "--today", "2026-12-10")
    return root


@pytest.mark.parametrize("workbook", ["portfolio.xlsx", "dashboard.xlsx"])
def test_the_workbook_counts_every_active_project_once(month, workbook):
    path = month / workbook
    headline = {row["Measure"]: row["Value"] for row in _table(path, "DashHeadline")}
    assert (headline["Active projects"], headline["Projects reporting"], headline["Projects at Red"]) == (10, 6, 1)
    assert (headline["Reports late"], headline["Returned for correction"]) == (0, 1)
    assert (headline["Stale (latest report for an earlier period)"], headline["Never reported"]) == (1, 2)
    assert headline["Share of budget at Red"] == pytest.approx(600_000 / 5_500_000)  # not 1,300,000: S-07 is stale
    assert headline["Budget"] == 5_500_000  # every active project, never-reported ones at their register budget
    rag = {row["RAG"]: row for row in _table(path, "DashRag")}
    assert [rag[name]["Projects"] for name in ("Green", "Amber", "Red", "Not reported")] == [3, 2, 1, 4]
    assert [rag[name]["Budget"] for name in ("Green", "Amber", "Red", "Not reported")] == [
        600_000, 900_000, 600_000, 3_400_000
    ]  # fmt: skip
    trend = {row["Period"]: row for row in _table(path, "DashTrend")}
    assert [trend["2026-11"][name] for name in ("Green", "Amber", "Red", "Not reported")] == [3, 2, 1, 4]
    # October: R-01 Green and S-07 Red reported; the other 8 active projects had started and did not
    assert [trend["2026-10"][name] for name in ("Green", "Amber", "Red", "Not reported")] == [1, 0, 1, 8]
    states = {row["State"]: row["Projects"] for row in _table(path, "DashSubmissions")}
    assert states == {"reporting": 6, "late": 0, "returned": 1, "stale": 1, "never reported": 2, "not due": 0,
                      "on hold": 0, "closed": 1, "pipeline": 2}  # fmt: skip
    outstanding = {row["Project"]: row for row in _table(path, "DashOutstanding")}
    assert set(outstanding) == {"S-07", "T-08", "N-09", "N-10"}
    assert outstanding["S-07"]["Latest report"] == "2026-10"
    workbook_sheets = CalamineWorkbook.from_path(str(path))
    for sheet in ("Status", "Missing"):
        rows = workbook_sheets.get_sheet_by_name(sheet).to_python()
        ids = {row[0] for row in rows[1:]}
        assert set(ACTIVE) <= ids, (sheet, set(ACTIVE) - ids)
    missing = {row[0]: row for row in workbook_sheets.get_sheet_by_name("Missing").to_python()}
    header = workbook_sheets.get_sheet_by_name("Missing").to_python()[0]
    state = {project_id: row[header.index("state")] for project_id, row in missing.items() if project_id in BUDGETS}
    assert state == {**dict.fromkeys(NOVEMBER_RAG, "reporting"), "S-07": "stale", "T-08": "returned",
                     "N-09": "never reported", "N-10": "never reported", "C-11": "closed", "P-12": "pipeline",
                     "P-13": "pipeline"}  # fmt: skip


def test_the_report_counts_the_same(month):
    text = _report_text(month / "report.html")
    assert "6 of 10 active projects reporting for 2026-11" in text
    assert "4 late, returned, stale or never reported" in text
    assert "1 projects at Red" in text and "11% of the budget is at Red" in text
    assert re.search(r"Projects Green: 30% .*Amber: 20% .*Red: 10% .*Not reported: 40%", text)
    assert re.search(r"2026-11 3 2 1 4 600,000 EUR", text)  # the trend's row for the period
    assert "reporting 6 late 0 returned 1 stale 1 never reported 2 not due 0 on hold 0 closed 1 pipeline 2" in text
    for project_id in ACTIVE:
        assert project_id in text
    assert "S-07 Project S-07" in text and "stale" in text and "latest report is for 2026-10" in text
    assert "Not active: on hold, closed, pipeline" in text and "C-11" in text and "P-13" in text


def test_the_returned_pms_draft_lists_the_finding_and_never_says_not_received(month):
    drafts = {path.name: path for path in (month / "chasers").glob("*.eml")}
    # The run that rejected T-08's file answers it with its feedback draft, not with a reminder as well.
    assert "Reminder - PM 8.eml" not in drafts
    returned = drafts["Returned - T-08 - 2026-11.eml"]
    message = email.message_from_bytes(returned.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    assert message["To"] == "pm8@example.org" and "returned for correction" in message["Subject"]
    assert "not yet received" not in body and "could not accept it" in body
    assert "(sheet Summary, cell C24)" in body and "outside 0% to 100%" in body  # the sheet, the cell, what
    assert "How to fix: Type the share of the work done, 0% to 100%, e.g. 65%." in body  # the live check's fix
    never = email.message_from_bytes(drafts["Reminder - PM 9.eml"].read_bytes(), policy=email.policy.default)
    assert "has not yet received" in never.get_body(("plain",)).get_content()
