"""Carry-forward: next period's workbook comes pre-filled from the last accepted submission in the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.run import collect_candidates
from pmo_xl.errors import PmoError
from pmo_xl.generate.carry_forward import carried_fill, carry_forward_from_ledger, realigned_demand
from pmo_xl.generate.generator import fill_for_project, generate_for_records
from pmo_xl.ledger import StoredSubmission, open_ledger
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.views import load_views
from pmo_xl.templates.catalog import PROJECT_REQUEST, PROJECT_STATUS
from tests.collect_builders import candidate, status_submission

RECORD = ProjectRecord(
    2,
    "PRJ-001",
    "Project PRJ-001",
    "Ana Ruiz",
    "Claire Dubois",
    dt.date(2026, 3, 1),
    dt.date(2027, 6, 30),
    pm_email="ana@example.org",
    programme="Digital",
    fields={"budget_original": 800.0, "budget_current": 800.0, "currency": "EUR", "money_unit": "k"},
)
APPROVED_CR = {
    "id": "CR-001",
    "description": "Add the partner portal",
    "cost_impact": 60.0,
    "schedule_impact_days": 31,
    "status": "Approved",
    "date_approved": dt.date(2026, 11, 20),
}


def _stored(submission) -> StoredSubmission:
    return StoredSubmission({}, dict(submission.fields), {name: list(rows) for name, rows in submission.tables.items()})


def test_open_items_benefits_and_demand_are_carried_with_their_ids():
    previous = status_submission("PRJ-001", "2026-11")
    fill = fill_for_project(PROJECT_STATUS, RECORD, "2026-12", "token-dec")
    carried = carried_fill(fill, _stored(previous), None)
    assert [row["id"] for row in carried.tables["Milestones"]] == ["M-002"]  # M-001 is complete
    assert [row["id"] for row in carried.tables["RAID"]] == ["R-001"]  # R-002 is closed
    assert "severity" not in carried.tables["RAID"][0], "a formula column is never overwritten"
    assert carried.tables["Benefits"][0]["id"] == "B-001"
    demand = carried.tables["ResourceDemand"][0]
    assert demand["role"] == "Developer"
    assert demand["2026-12"] == 1.0 and demand["2027-01"] == 0.5
    assert "2026-11" not in demand, "a month that has passed is not carried"
    assert carried.fields["reporting_period"] == "2026-12"
    assert carried.fields["forecast_end_date"] == dt.date(2027, 6, 30)
    assert "rag_overall" not in carried.fields, "RAGs are assessed afresh"
    assert "submitted_on" not in carried.fields


def test_a_late_forecast_is_carried_with_the_comment_that_explains_it():
    """A forecast end after the baseline needs its comment: carried without it, the PM's next workbook failed the
    rule before the PM touched it (the practitioner's month 2)."""
    previous = status_submission("PRJ-001", "2026-11", fields={"forecast_end_date": dt.date(2027, 9, 30),
                                                              "forecast_end_comment": "Integrator late; CR-002 drafted"})  # fmt: skip
    fill = fill_for_project(PROJECT_STATUS, RECORD, "2026-12", "token-dec")
    carried = carried_fill(fill, _stored(previous), None)
    assert carried.fields["forecast_end_date"] == dt.date(2027, 9, 30)
    assert carried.fields["forecast_end_comment"] == "Integrator late; CR-002 drafted"


def test_demand_is_realigned_by_calendar_month_not_by_position():
    rows = [{"role": "Tester", "person": "Kim", "2026-11": 1.0, "2026-12": 0.8, "2027-03": 0.2}]
    assert realigned_demand(rows, "2027-01", 12) == [{"role": "Tester", "person": "Kim", "2027-03": 0.2}]
    assert realigned_demand(rows, "2027-04", 12) == []  # everything has passed


def test_approved_change_requests_update_the_locked_baseline_once():
    previous = status_submission("PRJ-001", "2026-11", tables={"ChangeRequests": [APPROVED_CR]})
    fill = fill_for_project(PROJECT_STATUS, RECORD, "2026-12", "token-dec")
    carried = carried_fill(fill, _stored(previous), None)
    assert carried.fields["budget_original"] == 800.0
    assert carried.fields["budget_current"] == 860.0
    assert carried.fields["baseline_end_date"] == dt.date(2027, 7, 31)
    assert [row["id"] for row in carried.tables["ChangeRequests"]] == ["CR-001"]
    # A month later the request was already applied: it is neither applied again nor carried again.
    applied = status_submission(
        "PRJ-001",
        "2026-12",
        fields={"budget_current": 860.0, "baseline_end_date": dt.date(2027, 7, 31)},
        tables={"ChangeRequests": [APPROVED_CR]},
    )
    january = carried_fill(
        fill_for_project(PROJECT_STATUS, RECORD, "2027-01", "t"), _stored(applied), _stored(previous)
    )
    assert january.fields["budget_current"] == 860.0
    assert january.fields["baseline_end_date"] == dt.date(2027, 7, 31)
    assert "ChangeRequests" not in january.tables


def test_the_baseline_change_carried_forward_is_covered_in_the_next_period(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    october = status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 3))
    november = status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), tables={"ChangeRequests": [APPROVED_CR]})
    with open_ledger(ledger_path, write=True) as ledger:
        collect_candidates([candidate(october), candidate(november)], ledger)
    carry = carry_forward_from_ledger(ledger_path)
    december_fill = carry(RECORD, fill_for_project(PROJECT_STATUS, RECORD, "2026-12", "token-dec"))
    december = replace(
        status_submission("PRJ-001", "2026-12", dt.date(2027, 1, 4), token="token-dec"),
        fields={**november.fields, **december_fill.fields, "submitted_on": dt.date(2027, 1, 4)},
        tables={**november.tables, **december_fill.tables},
    )
    with open_ledger(ledger_path, write=True) as ledger:
        collect_candidates([candidate(december)], ledger)
    status = load_views(ledger_path, today=dt.date(2027, 1, 10)).status.iloc[0]
    assert status["period"] == "2026-12"
    assert "budget_current 800.0 -> 860.0" in status["baseline_changes"]
    assert bool(status["baseline_change_covered"]) is True
    assert bool(status["baseline_changed"]) is False


def test_generate_with_a_ledger_writes_prefilled_workbooks(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    november = status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), tables={"ChangeRequests": [APPROVED_CR]})
    with open_ledger(ledger_path, write=True) as ledger:
        collect_candidates([candidate(november)], ledger)
    (generated,) = generate_for_records(
        PROJECT_STATUS,
        [RECORD],
        tmp_path / "outbox",
        "2026-12",
        carry_forward=carry_forward_from_ledger(ledger_path),
        today=dt.date(2026, 12, 1),
    )
    parsed, findings = read_submission(generated.path)
    assert parsed is not None, findings
    assert parsed.fields["budget_current"] == 860
    assert parsed.fields["baseline_end_date"] == dt.date(2027, 7, 31)
    milestones = parsed.tables["Milestones"]
    assert milestones[0]["id"] == "M-002" and milestones[0]["name"] == "Go live"
    assert milestones[0]["baseline_date"] == dt.date(2027, 6, 1)
    assert [row["id"] for row in parsed.tables["RAID"]] == ["R-001"]
    assert parsed.tables["RAID"][0]["description"] == "Vendor late"
    demand = parsed.tables["ResourceDemand"][0]
    assert demand["role"] == "Developer" and demand["2026-12"] == 1 and demand["2027-10"] == 0.5
    assert demand.get("2027-11") in (None, "")


def test_pmo_generate_ledger_option(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    with open_ledger(ledger_path, write=True) as ledger:
        collect_candidates([candidate(status_submission("PRJ-001", "2026-11"))], ledger)
    register = tmp_path / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,sponsor,start_date,end_date,budget,currency,money_unit\n"
        "PRJ-001,Project PRJ-001,Ana Ruiz,Claire Dubois,2026-03-01,2027-06-30,800,EUR,k\n"
        "PRJ-002,New project,Tom Becker,Claire Dubois,2026-12-01,2027-12-31,300,EUR,k\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["generate", "--register", str(register), "--out", str(tmp_path / "out"), "--period", "2026-12",
         "--ledger", str(ledger_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    carried, _ = read_submission(next((tmp_path / "out").glob("PRJ-001*")))
    fresh, _ = read_submission(next((tmp_path / "out").glob("PRJ-002*")))
    assert [row["id"] for row in carried.tables["Milestones"]] == ["M-002"]
    assert fresh.tables.get("Milestones", []) == []


def test_carry_forward_is_refused_for_the_request_template(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    open_ledger(ledger_path, write=True).close()
    with pytest.raises(PmoError, match="status reports only"):
        carry_forward_from_ledger(ledger_path, PROJECT_REQUEST)
