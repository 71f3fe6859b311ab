"""The demo-data filler: realistic submissions over several periods, items carried forward, faults on demand."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.demo.data import FAULT_OUTCOMES, DemoDataError, demo_projects, fill_demo_inbox, fill_demo_submission
from pmo_xl.generate.generator import WorkbookFill, generate_for_records
from pmo_xl.periods import month_add
from pmo_xl.templates.catalog import PROJECT_REQUEST, PROJECT_STATUS

FIRST_PERIOD = "2026-10"


def read_valid(path: Path, today: dt.date):
    parsed, findings = read_submission(path)
    assert parsed is not None, [f.describe() for f in findings]
    normalised, more = validate(parsed, PROJECT_STATUS, today)
    return normalised, findings + more


def period_today(period: str) -> dt.date:
    return dt.date(int(month_add(period, 1)[:4]), int(month_add(period, 1)[5:7]), 5)


def test_three_periods_carry_items_forward_by_their_stable_ids(tmp_path):
    project = demo_projects(1, random.Random(1), FIRST_PERIOD)
    rng = random.Random(7)
    previous = None
    history = []
    for offset in range(3):
        period = month_add(FIRST_PERIOD, offset)
        generated = generate_for_records(PROJECT_STATUS, project, tmp_path / "gen" / period, period)[0].path
        filled = tmp_path / "inbox" / period / generated.name
        fill_demo_submission(generated, filled, rng, previous=previous)
        normalised, findings = read_valid(filled, period_today(period))
        assert findings == [], [f.describe() for f in findings]
        history.append(normalised)
        previous = normalised
    for before, after in pairwise(history):
        for table in ("Milestones", "RAID", "Benefits"):
            ids_before = [row["id"] for row in before.tables[table]]
            ids_after = [row["id"] for row in after.tables[table]]
            assert ids_after[: len(ids_before)] == ids_before, table
        names = {row["id"]: row["name"] for row in before.tables["Milestones"]}
        assert all(row["name"] == names[row["id"]] for row in after.tables["Milestones"] if row["id"] in names)
        closed = {row["id"] for row in before.tables["RAID"] if row["status"] == "Closed"}
        assert {row["id"] for row in after.tables["RAID"] if row["status"] == "Closed"} >= closed
        assert after.fields["percent_complete"] >= before.fields["percent_complete"]
        demand_before = {row["role"]: row for row in before.tables["ResourceDemand"]}
        new_period = after.metadata.reporting_period
        for row in after.tables["ResourceDemand"]:
            months = [key for key in row if key[:2] == "20"]
            assert months[0] == new_period and len(months) == 12
            for month in months[:-1]:
                assert row[month] == demand_before[row["role"]][month]


def test_items_already_carried_by_the_generator_are_updated_not_duplicated(tmp_path):
    project = demo_projects(1, random.Random(2), "2026-11")
    first = generate_for_records(PROJECT_STATUS, project, tmp_path / "g1", "2026-11")[0].path
    fill_demo_submission(first, tmp_path / "f1.xlsx", random.Random(3))
    previous, _ = read_valid(tmp_path / "f1.xlsx", dt.date(2026, 12, 5))

    def carry(record, fill: WorkbookFill) -> WorkbookFill:
        milestones = [{k: v for k, v in row.items()} for row in previous.tables["Milestones"]]
        return replace(fill, tables={**fill.tables, "Milestones": milestones})

    second = generate_for_records(PROJECT_STATUS, project, tmp_path / "g2", "2026-12", carry_forward=carry)[0].path
    fill_demo_submission(second, tmp_path / "f2.xlsx", random.Random(4))
    after, findings = read_valid(tmp_path / "f2.xlsx", dt.date(2027, 1, 5))
    assert findings == []
    assert [row["id"] for row in after.tables["Milestones"]] == [row["id"] for row in previous.tables["Milestones"]]


@pytest.mark.parametrize("seed", range(12))
def test_clean_fills_are_always_accepted_without_warnings(tmp_path, seed):
    project = demo_projects(1, random.Random(seed), "2026-12")
    generated = generate_for_records(PROJECT_STATUS, project, tmp_path, "2026-12")[0].path
    filled = tmp_path / "filled.xlsx"
    fill_demo_submission(generated, filled, random.Random(seed))
    normalised, findings = read_valid(filled, dt.date(2027, 1, 10))
    assert findings == []
    assert normalised.fields["rag_overall"] in ("Green", "Amber", "Red")
    assert 3 <= len(normalised.tables["RAID"]) <= 8


def test_an_inbox_gets_the_configured_share_of_faults(tmp_path):
    projects = demo_projects(40, random.Random(5), "2026-12")
    generated = [g.path for g in generate_for_records(PROJECT_STATUS, projects, tmp_path / "gen", "2026-12")]
    outcome = fill_demo_inbox(generated, tmp_path / "inbox", random.Random(6), fault_share=0.3)
    faults = [fault for fault in outcome.values() if fault]
    assert 5 <= len(faults) <= 20
    assert all(fault in FAULT_OUTCOMES for fault in faults)
    assert len(outcome) == 40 and all(path.exists() for path in outcome)
    assert all(path.suffix == ".xlsm" for path, fault in outcome.items() if fault == "macros")


def test_the_filler_refuses_unknown_faults_and_other_templates(tmp_path):
    project = demo_projects(1, random.Random(1), "2026-12")
    generated = generate_for_records(PROJECT_STATUS, project, tmp_path, "2026-12")[0].path
    with pytest.raises(DemoDataError, match="unknown fault"):
        fill_demo_submission(generated, tmp_path / "x.xlsx", random.Random(1), fault="gremlins")
    request = replace(project[0], fields={})
    request_path = generate_for_records(PROJECT_REQUEST, [request], tmp_path / "req", "2026-12")[0].path
    with pytest.raises(DemoDataError, match="not a project status workbook"):
        fill_demo_submission(request_path, tmp_path / "y.xlsx", random.Random(1))
