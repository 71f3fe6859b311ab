"""How it is shown (issue 15): a realistic schedule written by MPXJ, as Project XML and as MPX, fills a status
workbook through `pmo generate --plans`; the PM fills the rest; collect accepts it; next month, from the plan the PM
moved and re-baselined, the milestones keep their ids and the PMO's baselines."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.demo.data import fill_demo_submission
from pmo_xl.imports.plans import read_plan
from pmo_xl.ledger import open_ledger
from tests.mpxj_schedules import MILESTONE_COUNT, ScheduleState, write_schedule

REGISTER = (
    "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,currency,money_unit\n"
    "PRJ-001,Warehouse automation,Ana Ruiz,ana@example.org,Claire Dubois,2026-01-05,2026-07-31,EUR,k\n"
)
JANUARY = ScheduleState(status_date=dt.date(2026, 1, 23))
# February: design signed off on time; the racking slipped a week, and the PM saved baseline 0 again over the slip.
FEBRUARY = ScheduleState(status_date=dt.date(2026, 2, 20), slip_from="Racking installed", slip_days=5, rebaselined=True)


def _milestones(path: Path) -> list[dict]:
    parsed, findings = read_submission(path)
    assert parsed is not None, findings
    return parsed.tables["Milestones"]


def _run(*arguments: str):
    result = CliRunner().invoke(main, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_mpxj_writes_the_same_plan_as_project_xml_and_as_mpx(tmp_path):
    write_schedule(FEBRUARY, tmp_path / "plan.xml", tmp_path / "plan.mpx")
    native, through_mpxj = read_plan(tmp_path / "plan.xml"), read_plan(tmp_path / "plan.mpx")
    assert (native.file_format, through_mpxj.file_format) == ("Project XML", "MPX")
    assert native.tasks == through_mpxj.tasks
    assert len(native.milestones) == MILESTONE_COUNT
    assert sum(task.summary for task in native.tasks) == 4  # the phases
    racking = next(task for task in native.tasks if task.name == "Racking complete")
    assert racking.finish == racking.baseline_finish == dt.date(2026, 4, 3)  # moved a week, and re-baselined


def test_a_synthetic_plan_fills_the_workbook_collect_accepts_it_and_next_month_keeps_the_ids(tmp_path):
    plans, inbox, ledger = tmp_path / "plans", tmp_path / "inbox", str(tmp_path / "pmo_ledger.db")
    plans.mkdir()
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    write_schedule(JANUARY, xml_path=plans / "PRJ-001.xml")

    def generate(period: str, out: str, *from_ledger: str) -> Path:
        summary = _run("generate", "--register", str(register), "--out", str(tmp_path / out), "--period", period,
                       "--plans", str(plans), "--key-flag", "Flag1", *from_ledger)  # fmt: skip
        (workbook,) = summary["workbooks"]
        return Path(workbook["path"])

    january = generate("2026-01", "january")
    rows = _milestones(january)
    assert len(rows) == MILESTONE_COUNT and all(row["id"].startswith("M-P") and row["key"] == "Yes" for row in rows)
    assert rows[0] == {"id": "M-P3", "name": "Project charter approved", "key": "Yes",
                       "baseline_date": dt.date(2026, 1, 16), "forecast_date": dt.date(2026, 1, 16),
                       "actual_date": dt.date(2026, 1, 16), "status": "Complete", "comment": None}  # fmt: skip
    assert {row["status"] for row in rows[1:]} == {"On track"}

    inbox.mkdir()
    fill_demo_submission(january, inbox / january.name, random.Random(3))
    collected = _run("collect", str(inbox), "--ledger", ledger, "--out", str(tmp_path / "portfolio.xlsx"),
                     "--register", str(register), "--period", "2026-01", "--today", "2026-02-03")  # fmt: skip
    assert collected["counts"]["accepted"] == 1, collected
    with open_ledger(Path(ledger)) as opened:
        reported = opened.stored_submission(collected["added"][0]).tables["Milestones"]
    assert [row["id"] for row in reported][:MILESTONE_COUNT] == [row["id"] for row in rows]

    # February's plan comes as MPX (read through MPXJ): same UIDs, so the same ids.
    (plans / "PRJ-001.xml").unlink()
    write_schedule(FEBRUARY, mpx_path=plans / "PRJ-001.mpx")
    february = {row["id"]: row for row in _milestones(generate("2026-02", "february", "--ledger", ledger))}
    still_open = {row["id"]: row for row in reported if row["status"] not in ("Complete", "Cancelled")}
    assert set(still_open) <= set(february)  # every open milestone is there, under its id
    assert "M-P3" not in february  # closed in January's report
    plan = {f"M-P{task.uid}": task for task in read_plan(plans / "PRJ-001.mpx").milestones}
    for milestone_id, row in february.items():
        if milestone_id in plan:
            # The PMO's baseline is January's report's, though the PM re-saved baseline 0 over the slip.
            assert row["baseline_date"] == still_open[milestone_id]["baseline_date"], milestone_id
            assert row["forecast_date"] == plan[milestone_id].finish
    racking = next(row for row in february.values() if row["name"] == "Racking complete")
    assert (racking["baseline_date"], racking["forecast_date"], racking["status"]) == (
        dt.date(2026, 3, 27), dt.date(2026, 4, 3), "Late")  # fmt: skip
