"""`pmo generate --plans DIR`: each status workbook's Milestones table filled from the project's Microsoft Project
plan, read back as collect reads it; ids that stay from month to month; the PMO baseline that stays locked."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.demo.data import fill_by_name, fill_demo_submission
from pmo_xl.generate.plan_milestones import MilestoneSelection, milestones_from_plan
from pmo_xl.imports.plans import read_plan_bytes
from pmo_xl.ledger import open_ledger
from tests.plan_builders import DATA_CENTRE_MOVE, project_xml
from tests.test_plans import SAMPLES

REGISTER = (
    "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,currency,money_unit,plan_file\n"
    "PRJ-001,Data centre move,Ana Ruiz,ana@example.org,Claire Dubois,2026-01-05,2026-06-30,EUR,k,\n"
    "PRJ-002,Baseline test,Tom Becker,tom@example.org,Claire Dubois,2026-01-05,2026-12-31,EUR,k,\n"
    "PRJ-003,Task dates,Tom Becker,tom@example.org,Claire Dubois,2026-01-05,2026-12-31,EUR,k,Dates 2016.xml\n"
    "PRJ-004,Damaged plan,Tom Becker,tom@example.org,Claire Dubois,2026-01-05,2026-12-31,EUR,k,\n"
    "PRJ-005,No plan yet,Tom Becker,tom@example.org,Claire Dubois,2026-01-05,2026-12-31,EUR,k,\n"
)
COLUMNS = ("id", "name", "key", "baseline_date", "forecast_date", "actual_date", "status")


def _milestones(path: Path) -> list[tuple]:
    """The Milestones rows as collect reads them (blank pre-numbered rows are no rows)."""
    parsed, findings = read_submission(path)
    assert parsed is not None, findings
    return [tuple(row.get(key) for key in COLUMNS) for row in parsed.tables["Milestones"]]


def _workbook(folder: Path, project_id: str) -> Path:
    (found,) = folder.glob(f"{project_id} - *.xlsx")
    return found


@pytest.fixture
def plans(tmp_path) -> Path:
    """A folder of plans as a PMO keeps one: a plan saved as XML, a real .mpp renamed after its project (in lower
    case), a real Project XML file named in the register's plan_file, and a damaged copy of a real plan."""
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "PRJ-001.xml").write_bytes(DATA_CENTRE_MOVE)
    shutil.copy(SAMPLES / "mpp14baseline.mpp", folder / "prj-002.mpp")
    shutil.copy(SAMPLES / "task-dates-project2016-mspdi.xml", folder / "Dates 2016.xml")
    damaged = (SAMPLES / "task-baselines-project2019-mspdi.xml").read_bytes()
    (folder / "PRJ-004.xml").write_bytes(damaged[: len(damaged) // 2])
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    return folder


def _generate(tmp_path: Path, out: str, period: str, *extra: str):
    return CliRunner().invoke(
        main,
        ["generate", "--register", str(tmp_path / "register.csv"), "--out", str(tmp_path / out), "--period", period,
         "--plans", str(tmp_path / "plans"), "--json", *extra],
    )  # fmt: skip


def test_each_workbook_gets_its_plans_milestones_and_a_bad_plan_stops_only_its_own(tmp_path, plans):
    result = _generate(tmp_path, "outbox", "2026-02")
    assert result.exit_code == 1, result.output  # the run completed, but one project got no workbook
    summary = json.loads(result.stdout)
    assert [item["project_id"] for item in summary["workbooks"]] == ["PRJ-001", "PRJ-002", "PRJ-003", "PRJ-005"]
    assert [(item["project_id"], item["from_plan"]) for item in summary["plans"]["filled"]] == [
        ("PRJ-001", 2), ("PRJ-002", 1), ("PRJ-003", 0)]  # fmt: skip
    assert summary["plans"]["without_plan"] == ["PRJ-005"]
    [unreadable] = summary["plans"]["unreadable"]
    assert unreadable["project_id"] == "PRJ-004" and unreadable["plan"].endswith("PRJ-004.xml")
    assert "PRJ-004.xml: the XML is damaged" in unreadable["problem"]
    assert any(warning.startswith("PRJ-004 not generated: PRJ-004.xml") for warning in summary["warnings"])
    assert "PRJ-001: Milestones from its plan: 2 milestone(s) from PRJ-001.xml" in result.stderr
    assert "for 1 project(s), whose Milestones are made as without --plans: PRJ-005" in result.stderr
    assert not list((tmp_path / "outbox").glob("PRJ-004*"))

    outbox = tmp_path / "outbox"
    # The plan's dates: baseline finish, finish (the forecast), actual finish; both moved after their baseline.
    assert _milestones(_workbook(outbox, "PRJ-001")) == [
        ("M-P3", "Design signed off", None, dt.date(2026, 2, 20), dt.date(2026, 2, 27), None, "Late"),
        ("M-P4", "Cut-over weekend", None, dt.date(2026, 6, 13), dt.date(2026, 6, 27), None, "Late"),
    ]
    # The .mpp, read through MPXJ: its one milestone.
    assert _milestones(_workbook(outbox, "PRJ-002")) == [
        ("M-P5", "Complete", None, dt.date(2006, 9, 13), dt.date(2006, 9, 14), None, "Late")]  # fmt: skip
    assert _milestones(_workbook(outbox, "PRJ-003")) == []  # a real plan without milestones
    assert _milestones(_workbook(outbox, "PRJ-005")) == []


def test_ids_are_the_same_from_one_generation_to_the_next(tmp_path, plans):
    first, second = _generate(tmp_path, "january", "2026-01"), _generate(tmp_path, "february", "2026-02")
    assert (first.exit_code, second.exit_code) == (1, 1)
    for project_id in ("PRJ-001", "PRJ-002"):
        ids = [[row[0] for row in _milestones(_workbook(tmp_path / folder, project_id))]
               for folder in ("january", "february")]  # fmt: skip
        assert ids[0] == ids[1] and ids[0]
    # The blank rows a PM types new milestones into are numbered M-001 on: never an id a plan's UID gives.
    from tests.test_generator import table_rows

    body = table_rows(_workbook(tmp_path / "january", "PRJ-001"), "Milestones")[1:]
    assert [row[0] for row in body[:4]] == ["M-P3", "M-P4", "M-001", "M-002"]


def test_summary_tasks_at_an_outline_level_from_a_real_mpp(tmp_path, plans):
    result = _generate(tmp_path, "outbox", "2006-09", "--outline-level", "2")
    assert result.exit_code == 1, result.output
    # Subtask A and Subtask B, the summary tasks at level 2: no baseline, due before September and not met.
    assert _milestones(_workbook(tmp_path / "outbox", "PRJ-002")) == [
        ("M-P9", "Subtask A", None, None, dt.date(2006, 8, 24), None, "Late"),
        ("M-P12", "Subtask B", None, None, dt.date(2006, 8, 24), None, "Late"),
    ]


def test_the_options_that_choose_rows_need_plans_and_exclude_each_other(tmp_path, plans):
    register = str(tmp_path / "register.csv")
    alone = CliRunner().invoke(main, ["generate", "--register", register, "--out", str(tmp_path / "o"),
                                      "--key-flag", "Flag1"])  # fmt: skip
    assert alone.exit_code == 2 and "add --plans DIR" in alone.output
    both = _generate(tmp_path, "o", "2026-02", "--key-flag", "Flag1", "--outline-level", "1")
    assert both.exit_code == 2 and "not both" in both.output
    bad_flag = _generate(tmp_path, "o", "2026-02", "--key-flag", "Flag21")
    assert bad_flag.exit_code == 2 and "Flag1 to Flag20" in bad_flag.output
    assert not (tmp_path / "o").exists()


# -- a month, collected, then the next month from the ledger ------------------------------------------------------

FLAGGED_MOVE = """
    <Task><UID>3</UID><ID>1</ID><Name>Design signed off</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Start>2026-02-27T17:00:00</Start><Finish>{design_finish}</Finish>{design_actual}
      <PercentComplete>{design_percent}</PercentComplete>
      <Baseline><Number>0</Number><Finish>2026-02-20T17:00:00</Finish></Baseline>
      <ExtendedAttribute><FieldID>188743752</FieldID><Value>1</Value></ExtendedAttribute>
    </Task>
    <Task><UID>8</UID><ID>2</ID><Name>Racks delivered</Name><OutlineLevel>1</OutlineLevel><Milestone>0</Milestone>
      <Start>2026-03-02T08:00:00</Start><Finish>2026-03-20T17:00:00</Finish>
      <Baseline><Number>0</Number><Finish>2026-03-20T17:00:00</Finish></Baseline>
      <ExtendedAttribute><FieldID>188743752</FieldID><Value>1</Value></ExtendedAttribute>
    </Task>
    <Task><UID>4</UID><ID>3</ID><Name>Cut-over weekend</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Start>{cut_over}</Start><Finish>{cut_over}</Finish><PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Finish>{cut_over_baseline}</Finish></Baseline>
      <ExtendedAttribute><FieldID>188743752</FieldID><Value>1</Value></ExtendedAttribute>
    </Task>
"""


def _move_plan(folder: Path, **dates: str) -> None:
    values = {"design_finish": "2026-02-27T17:00:00", "design_actual": "", "design_percent": "0",
              "cut_over": "2026-06-27T08:00:00", "cut_over_baseline": "2026-06-13T08:00:00", **dates}  # fmt: skip
    (folder / "PRJ-001.xml").write_bytes(project_xml(FLAGGED_MOVE.format(**values)))


def test_collect_accepts_the_filled_workbook_and_next_month_keeps_ids_and_the_pmo_baseline(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    _move_plan(plans)
    (tmp_path / "register.csv").write_text(REGISTER.splitlines()[0] + "\n" + REGISTER.splitlines()[1] + "\n")
    ledger = tmp_path / "pmo_ledger.db"

    february = _generate(tmp_path, "february", "2026-02", "--key-flag", "Flag1")  # the first month: no ledger yet
    assert february.exit_code == 0, february.output
    generated = _workbook(tmp_path / "february", "PRJ-001")
    assert [row[:3] for row in _milestones(generated)] == [
        ("M-P3", "Design signed off", "Yes"), ("M-P8", "Racks delivered", "Yes"), ("M-P4", "Cut-over weekend", "Yes")]  # fmt: skip

    # The PM fills the workbook (RAGs, figures, narrative), confirms the plan's milestones and adds one of their own
    # in the first blank row, which is pre-numbered M-001.
    inbox = tmp_path / "inbox"
    filled = inbox / generated.name
    fill_demo_submission(generated, filled, random.Random(1))
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in _milestones(generated)]
    rows.append({"id": "M-001", "name": "Vendor contract signed", "key": "No", "baseline_date": None,
                 "forecast_date": dt.date(2026, 3, 31), "actual_date": None, "status": "On track"})  # fmt: skip
    fill_by_name(filled, filled, {}, {"Milestones": rows})
    collected = CliRunner().invoke(
        main,
        ["collect", str(inbox), "--ledger", str(ledger), "--out", str(tmp_path / "portfolio.xlsx"),
         "--register", str(tmp_path / "register.csv"), "--period", "2026-02", "--today", "2026-03-04", "--json"],
    )  # fmt: skip
    assert collected.exit_code == 0, collected.output
    report = json.loads(collected.stdout)
    assert report["counts"]["accepted"] == 1, report
    with open_ledger(ledger) as opened:
        stored = opened.stored_submission(report["added"][0]).tables["Milestones"]
    assert [row["id"] for row in stored] == ["M-P3", "M-P8", "M-P4", "M-001"]

    # March: design is signed off; the PM re-saved the plan's baseline 0, moving the cut-over's baseline with
    # its date. The PMO's baseline (13 June) stays; the plan's new dates are the forecast.
    _move_plan(plans, design_actual="<ActualFinish>2026-03-02T17:00:00</ActualFinish>", design_percent="100",
               design_finish="2026-03-02T17:00:00", cut_over="2026-07-04T08:00:00",
               cut_over_baseline="2026-07-04T08:00:00")  # fmt: skip
    march = _generate(tmp_path, "march", "2026-03", "--key-flag", "Flag1", "--ledger", str(ledger))
    assert march.exit_code == 0, march.output
    assert _milestones(_workbook(tmp_path / "march", "PRJ-001")) == [
        ("M-P3", "Design signed off", "Yes", dt.date(2026, 2, 20), dt.date(2026, 3, 2), dt.date(2026, 3, 2),
         "Complete"),
        ("M-P8", "Racks delivered", "Yes", dt.date(2026, 3, 20), dt.date(2026, 3, 20), None, "On track"),
        ("M-P4", "Cut-over weekend", "Yes", dt.date(2026, 6, 13), dt.date(2026, 7, 4), None, "Late"),
        ("M-001", "Vendor contract signed", "No", None, dt.date(2026, 3, 31), None, "On track"),  # the PM's own
    ]  # fmt: skip


# -- the rules, on a plan in memory -------------------------------------------------------------------------------


def test_what_was_closed_stays_closed_and_what_was_met_before_the_period_is_left_out():
    plan = read_plan_bytes(
        project_xml("""
    <Task><UID>2</UID><Name>Kick-off</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Finish>2026-01-09T17:00:00</Finish><ActualFinish>2026-01-09T17:00:00</ActualFinish>
      <PercentComplete>100</PercentComplete></Task>
    <Task><UID>5</UID><Name>Pilot</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Finish>2026-04-30T17:00:00</Finish><PercentComplete>0</PercentComplete></Task>
    <Task><UID>6</UID><Name>Training done</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Finish>2026-04-10T17:00:00</Finish><PercentComplete>100</PercentComplete>
      <Baseline><Number>0</Number><Finish>2026-04-20T17:00:00</Finish></Baseline></Task>
"""),
        source="plan.xml",
    )
    previous = [{"id": "M-P5", "name": "Pilot", "status": "Cancelled", "baseline_date": dt.date(2026, 4, 30)}]
    result = milestones_from_plan(plan, MilestoneSelection(), "2026-04", previous)
    # Kick-off was met in January; the PM cancelled the pilot; training is 100 % without an actual date.
    assert [(row["id"], row["status"], row["actual_date"]) for row in result.rows] == [("M-P6", "Complete", None)]
    assert (result.from_plan, result.done_before, result.closed_before) == (1, 1, 1)
    assert result.describe() == ("1 milestone(s) from plan.xml (1 completed before the period, 1 closed in the last "
                                 "report left out)")  # fmt: skip
