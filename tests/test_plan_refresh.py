"""`pmo import plan PLAN --workbook STATUS.xlsx`: a status workbook a PM is already filling gets its Milestones
refreshed from the plan they keep in Project; every other entry stays exactly as they typed it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openxml_audit import OpenXmlValidator

from pmo_xl.cli import main
from pmo_xl.collect.plan_refresh import refreshed_rows
from pmo_xl.collect.reader import read_submission
from pmo_xl.demo.data import fill_by_name, fill_demo_submission
from pmo_xl.generate.plan_milestones import MilestoneSelection
from pmo_xl.imports.plans import read_plan_bytes
from tests.libreoffice import convert
from tests.ooxml_checks import check_package
from tests.plan_builders import DATA_CENTRE_MOVE, project_xml

REGISTER = (
    "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,currency,money_unit\n"
    "PRJ-001,Data centre move,Ana Ruiz,ana@example.org,Claire Dubois,2026-01-05,2026-06-30,EUR,k\n"
)
ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("id", "name", "key", "baseline_date", "forecast_date", "actual_date", "status", "comment")

# April's plan: design signed off on 2 March; the PM re-saved baseline 0 with the cut-over's new date (the PMO's
# baseline must not follow); a new milestone, UID 12, was added between them.
APRIL_PLAN = project_xml("""
    <Task><UID>3</UID><ID>1</ID><Name>Design signed off</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Start>2026-03-02T17:00:00</Start><Finish>2026-03-02T17:00:00</Finish>
      <ActualFinish>2026-03-02T17:00:00</ActualFinish><PercentComplete>100</PercentComplete>
      <Baseline><Number>0</Number><Finish>2026-02-20T17:00:00</Finish></Baseline></Task>
    <Task><UID>12</UID><ID>2</ID><Name>Racks delivered</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
      <Start>2026-04-24T17:00:00</Start><Finish>2026-04-24T17:00:00</Finish><PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Finish>2026-04-17T17:00:00</Finish></Baseline></Task>
    <Task><UID>4</UID><ID>3</ID><Name>Cut-over weekend (moved)</Name><OutlineLevel>1</OutlineLevel>
      <Milestone>1</Milestone><Start>2026-07-04T08:00:00</Start><Finish>2026-07-04T08:00:00</Finish>
      <PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Finish>2026-07-04T08:00:00</Finish></Baseline></Task>
""")


def _read(path: Path):
    parsed, findings = read_submission(path)
    assert parsed is not None, findings
    return parsed


def _milestones(path: Path) -> list[tuple]:
    return [tuple(row.get(key) for key in COLUMNS) for row in _read(path).tables["Milestones"]]


def _everything_but_milestones(path: Path) -> tuple:
    parsed = _read(path)
    tables = {name: rows for name, rows in parsed.tables.items() if name != "Milestones"}
    return parsed.metadata, parsed.fields, tables


@pytest.fixture
def filled(tmp_path) -> Path:
    """The April workbook, generated from March's plan and half filled by its PM: RAGs, figures, risks and
    narrative, a comment on the design sign-off, a milestone of their own in the first blank row."""
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "PRJ-001.xml").write_bytes(DATA_CENTRE_MOVE)
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--register", str(tmp_path / "register.csv"), "--out",
                                       str(tmp_path / "outbox"), "--period", "2026-04", "--plans",
                                       str(tmp_path / "plans")])  # fmt: skip
    assert result.exit_code == 0, result.output
    (generated,) = (tmp_path / "outbox").glob("PRJ-001 - *.xlsx")
    filled = tmp_path / "inbox" / generated.name
    filled.parent.mkdir()
    fill_demo_submission(generated, filled, random.Random(7))
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in _milestones(generated)]
    rows[0]["comment"] = "Waiting for the architect's signature"
    rows.append({"id": "M-001", "name": "Vendor contract signed", "key": "No", "forecast_date": dt.date(2026, 4, 30),
                 "status": "On track"})  # fmt: skip
    fill_by_name(filled, filled, {}, {"Milestones": rows})
    (tmp_path / "plans" / "PRJ-001.xml").write_bytes(APRIL_PLAN)
    return filled


REFRESHED = [
    # the plan's sign-off, met; the PMO's baseline (20 Feb) and the PM's comment kept
    ("M-P3", "Design signed off", None, dt.date(2026, 2, 20), dt.date(2026, 3, 2), dt.date(2026, 3, 2), "Complete",
     "Waiting for the architect's signature"),
    # new to the workbook: the plan's baseline
    ("M-P12", "Racks delivered", None, dt.date(2026, 4, 17), dt.date(2026, 4, 24), None, "Late", None),
    # the PMO's baseline stays 13 June, though the plan's baseline moved with the date
    ("M-P4", "Cut-over weekend (moved)", None, dt.date(2026, 6, 13), dt.date(2026, 7, 4), None, "Late", None),
    ("M-001", "Vendor contract signed", "No", None, dt.date(2026, 4, 30), None, "On track", None),  # the PM's own
]  # fmt: skip


def _refresh(tmp_path: Path, workbook: Path, *options: str):
    return CliRunner().invoke(main, ["import", "plan", str(tmp_path / "plans" / "PRJ-001.xml"), "--workbook",
                                     str(workbook), *options])  # fmt: skip


def test_the_milestones_are_refreshed_and_every_other_entry_stays(tmp_path, filled):
    before = filled.read_bytes()
    assert [row[0] for row in _milestones(filled)] == ["M-P3", "M-P4", "M-001"]
    out = tmp_path / "refreshed.xlsx"
    result = _refresh(tmp_path, filled, "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert filled.read_bytes() == before  # the PM's workbook is never touched without --in-place
    refresh = json.loads(result.stdout)["refresh"]
    assert refresh["ids"] == ["M-P3", "M-P12", "M-P4", "M-001"]
    assert (refresh["from_plan"], refresh["kept"], refresh["closed_kept"]) == (3, 1, 0)
    assert (
        "PRJ-001 2026-04: Milestones refreshed: 3 milestone(s) from PRJ-001.xml; 1 row(s) of the workbook's own kept"
        in (result.stderr)
    )

    assert _milestones(out) == REFRESHED
    assert _everything_but_milestones(out) == _everything_but_milestones(filled)
    # The blank rows keep their pre-filled ids, after the PM's own.
    from tests.test_generator import table_rows

    assert [row[0] for row in table_rows(out, "Milestones")[1:7]] == ["M-P3", "M-P12", "M-P4", "M-001", "M-002",
                                                                      "M-003"]  # fmt: skip
    validity = OpenXmlValidator().validate(str(out))
    assert validity.is_valid, [str(error) for error in list(validity.errors)[:5]]
    assert check_package(out) == []

    # Refreshing again from the same plan changes nothing: the ids are stable.
    again = tmp_path / "again.xlsx"
    assert _refresh(tmp_path, out, "--out", str(again)).exit_code == 0
    assert _milestones(again) == REFRESHED


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_is_refreshed_and_still_opens(tmp_path, filled):
    saved = convert(filled, "xlsx", tmp_path / "saved by LibreOffice")  # shared strings, its own XML
    out = tmp_path / "refreshed.xlsx"
    result = _refresh(tmp_path, saved, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _milestones(out) == REFRESHED
    assert _everything_but_milestones(out) == _everything_but_milestones(saved)
    reopened = convert(out, "xlsx", tmp_path / "reopened")
    assert _milestones(reopened) == REFRESHED


def test_in_place_needs_a_backup_and_keeps_the_workbook_as_it_was(tmp_path, filled):
    before = filled.read_bytes()
    refused = _refresh(tmp_path, filled, "--in-place")
    assert refused.exit_code == 2 and "add --backup" in refused.output
    assert _refresh(tmp_path, filled, "--out", str(filled)).exit_code == 2  # --out the workbook itself
    assert _refresh(tmp_path, filled).exit_code == 2  # neither --out nor --in-place
    assert filled.read_bytes() == before and len(list(filled.parent.iterdir())) == 1

    result = _refresh(tmp_path, filled, "--in-place", "--backup")
    assert result.exit_code == 0, result.output
    backup = filled.with_name(f"{filled.stem}.backup.xlsx")
    assert backup.read_bytes() == before
    assert _milestones(filled) == REFRESHED
    assert _refresh(tmp_path, filled, "--in-place", "--backup").exit_code == 0  # a second backup never overwrites
    assert filled.with_name(f"{filled.stem}.backup-2.xlsx").exists() and backup.read_bytes() == before


def test_a_workbook_from_another_template_or_damaged_is_one_line_and_nothing_is_written(tmp_path, filled):
    request = tmp_path / "request.xlsx"  # the request form a requester fills: no Milestones
    shutil.copy(ROOT / "pmo_xl" / "templates" / "shipped" / "project_request.xlsx", request)
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(filled.read_bytes()[:20_000])
    for workbook, says in ((request, "has no Milestones to refresh"), (damaged, "cannot refresh its milestones")):
        result = _refresh(tmp_path, workbook, "--out", str(tmp_path / "new.xlsx"))
        assert result.exit_code == 2, result.output
        (line,) = [line for line in result.stderr.splitlines() if line.startswith("pmo:")]
        assert says in line and workbook.name in line
        assert not (tmp_path / "new.xlsx").exists()


def test_a_milestone_the_pm_closed_this_month_stays_as_they_left_it():
    plan = read_plan_bytes(APRIL_PLAN, source="plan.xml")
    current = [
        {"id": "M-P4", "name": "Cut-over weekend", "baseline_date": dt.date(2026, 6, 13), "status": "Cancelled",
         "comment": "Replaced by a phased move"},
        {"id": "M-007", "name": "Old own milestone", "status": "Complete", "actual_date": dt.date(2026, 4, 2)},
    ]  # fmt: skip
    rows, result, closed_kept = refreshed_rows(plan, MilestoneSelection(), "2026-04", current)
    assert [(row["id"], row["status"]) for row in rows] == [
        ("M-P12", "Late"), ("M-P4", "Cancelled"), ("M-007", "Complete")]  # fmt: skip
    # Design signed off was met before April and the workbook does not hold it: left out, as generate leaves it.
    assert (result.from_plan, result.kept, result.done_before, closed_kept) == (1, 1, 1, 1)
    assert dataclasses.asdict(result)["closed_before"] == 0
