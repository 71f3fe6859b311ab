"""PMO-owned figures: a PM who overwrites a locked budget or baseline date does not move the steering committee's
figures. The PMO's value is used until an approved change request covers the change, and collect, the Submissions
sheet and the report say so, naming the cell and both values."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.demo.data import fill_by_name, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.register import ProjectRecord, read_register
from pmo_xl.reporting.dashboard import build_dashboard, executive_summary
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.report_html import render_report
from pmo_xl.reporting.views import load_views
from pmo_xl.templates.catalog import PROJECT_STATUS, VARIANCE_HEADER
from tests.collect_builders import status_submission

PERIOD = "2026-10"
TODAY = dt.date(2026, 11, 20)
MESSAGE = (
    "Current approved budget was changed from 2,400 k EUR to 2,650 k EUR; the PMO's 2,400 k EUR is used until an "
    "approved change request covers it"
)


def _sheet(path: Path, name: str) -> list[dict]:
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Two projects of 2,400 k EUR from the register; PRJ-0001's PM types 2,650 over the locked current budget."""
    root = tmp_path_factory.mktemp("pmo_baseline")
    register = root / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit\n"
        "PRJ-0001,Portal relaunch,Ana Ruiz,ana@example.org,Claire Dubois,2026-03-01,2027-06-30,2400,EUR,k\n"
        "PRJ-0002,Data platform,Tom Becker,tom@example.org,Claire Dubois,2026-03-01,2027-06-30,2400,EUR,k\n",
        encoding="utf-8",
    )
    records = read_register(register, PROJECT_STATUS)
    generated = generate_for_records(PROJECT_STATUS, records, root / "outbox", PERIOD, today=dt.date(2026, 10, 1))
    inbox = root / "inbox"
    for workbook in generated:
        fill_demo_submission(workbook.path, inbox / workbook.path.name, random.Random(workbook.path.name))
    changed, honest = (inbox / workbook.path.name for workbook in generated)
    # The PM unprotects the sheet and types over the locked budget. EAC 2,500 against the PMO's 2,400 is 100 over
    # budget; against the PM's own 2,650 it would look 150 under.
    fill_by_name(changed, changed, {"budget_current": 2650.0, "estimate_at_completion": 2500.0})
    fill_by_name(honest, honest, {"estimate_at_completion": 2300.0})
    ledger, out = root / "pmo_ledger.db", root / "portfolio.xlsx"
    result = CliRunner().invoke(
        main,
        ["collect", str(inbox), "--ledger", str(ledger), "--out", str(out), "--register", str(register),
         "--period", PERIOD, "--today", TODAY.isoformat()],
    )  # fmt: skip
    report = root / "report.html"
    reported = CliRunner().invoke(main, ["report", str(report), "--ledger", str(ledger), "--register", str(register)])
    cell = read_submission(changed)[0].field_cells["budget_current"]
    return {"result": result, "reported": reported, "out": out, "report": report, "changed": changed, "honest": honest,
            "cell": cell}  # fmt: skip


def test_collect_prints_the_changed_figure_with_its_cell_and_both_values(collected):
    result = collected["result"]
    assert result.exit_code == 0, result.output
    assert "2 file(s): 2 accepted" in result.output
    assert "warning: 1 PMO-owned figure(s) changed without an approved change request" in result.output
    assert collected["cell"].startswith("Summary!")
    assert f"PRJ-0001 {PERIOD} ({collected['changed'].name}): {collected['cell']}, budget_current: {MESSAGE}" in (
        result.output
    )


def test_the_submissions_sheet_carries_the_warning(collected):
    submissions = {Path(row["file"]).name: row for row in _sheet(collected["out"], "Submissions")}
    row = submissions[collected["changed"].name]
    assert row["verdict"] == "accepted" and row["warnings"] >= 1
    assert "pmo_field_changed" in row["codes"].split()
    assert f"{collected['cell']}, budget_current: {MESSAGE}" in row["reasons"]
    assert "pmo_field_changed" not in (submissions[collected["honest"].name]["codes"] or "")


def test_the_portfolio_uses_the_pmo_budget_and_its_variance(collected):
    status = {row["project_id"]: row for row in _sheet(collected["out"], "Status")}
    changed = status["PRJ-0001"]
    figures = (changed["budget_current"], changed["estimate_at_completion"], changed["budget_variance"])
    assert figures == (2400, 2500, -100)
    assert changed["baseline_changed"] is True
    assert "budget_current 2400 -> 2650 (no approved CR covers it)" in changed["baseline_changes"]
    assert changed["cost_overrun_percent"] == pytest.approx(4.17)  # the rules see 100 over the PMO's 2,400
    assert status["PRJ-0002"]["budget_variance"] == 100 and status["PRJ-0002"]["baseline_changed"] is False
    workbook = openpyxl.load_workbook(collected["out"])
    sheet = workbook["Dashboard"]
    rows = [[cell.value for cell in row] for row in sheet[sheet.tables["DashBudget"].ref]]
    budget = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0]}
    assert (budget["PRJ-0001"]["Budget"], budget["PRJ-0001"][VARIANCE_HEADER]) == (2400, -100)
    headline = {row[0].value: row[1].value for row in sheet[sheet.tables["DashHeadline"].ref]}
    assert headline["Budget"] == 4800  # 2,400 twice, not 5,050


def test_the_report_names_the_figure_both_values_and_where_it_is(collected):
    assert collected["reported"].exit_code == 0, collected["reported"].output
    html = collected["report"].read_text(encoding="utf-8")
    summary, detail = html.split('<section id="detail">')
    assert "1 PMO-owned figure(s) changed by PMs without an approved change request: the PMO&#x27;s are used" in summary
    assert "no: the PMO&#x27;s baseline is used" not in summary  # a first report: nothing to re-baseline from
    changes = detail.split("PMO-owned figures changed without an approved change request</h3>")[1].split("<h2>")[0]
    assert "PRJ-0001" in changes and "PRJ-0002" not in changes
    assert MESSAGE.replace("'", "&#x27;") in changes
    assert "Summary sheet, the cell named budget_current" in changes


# -- the baseline over periods, through the ledger --------------------------------------------------------------


def _views(tmp_path, *submissions, register=None):
    path = tmp_path / "ledger.db"
    with open_ledger(path, write=True) as ledger:
        for number, submission in enumerate(submissions):
            ledger.add_submission(submission, f"2026-12-0{number + 1}T09:00:00")
    views = load_views(path, register=register, today=dt.date(2027, 1, 20))
    return views, read_item_history(path, views)


def _cr(cr_id: str, cost: float = 0.0, days: int = 0) -> dict:
    return {"id": cr_id, "description": "Extra scope", "cost_impact": cost, "schedule_impact_days": days,
            "status": "Approved", "date_approved": None}  # fmt: skip


def test_the_pmo_figure_holds_until_an_approved_change_request_covers_the_change(tmp_path):
    changed = {"budget_current": 900.0}
    views, items = _views(
        tmp_path,
        status_submission("PRJ-001", "2026-09", dt.date(2026, 10, 3)),
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 3), fields=changed),
        # carried forward from the PM's last file, the changed figure comes back: still not the PMO's
        status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), fields=changed),
    )
    history = views.history.set_index("period")
    assert history["budget_current"].tolist() == [800.0, 800.0, 800.0]
    assert history["baseline_changed"].tolist() == [False, True, True]
    changes = views.pmo_field_changes
    assert changes["period"].tolist() == ["2026-10", "2026-11"]
    assert changes["message"].iloc[-1] == (
        "Current approved budget was changed from 800 k EUR to 900 k EUR; the PMO's 800 k EUR is used until an "
        "approved change request covers it"
    )
    summary = executive_summary(views, items)
    assert summary.pmo_field_changes["period"].tolist() == ["2026-11"]  # the latest reports only
    # in December an approved change request of +100 covers it: the new figure becomes the baseline
    views, _items = _views(
        tmp_path / "covered",
        status_submission("PRJ-001", "2026-09", dt.date(2026, 10, 3)),
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 3), fields=changed),
        status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), fields=changed,
                          tables={"ChangeRequests": [_cr("CR-001", cost=100.0)]}),
        status_submission("PRJ-001", "2026-12", dt.date(2027, 1, 3), fields=changed,
                          tables={"ChangeRequests": [_cr("CR-001", cost=100.0)]}),
    )  # fmt: skip
    history = views.history.set_index("period")
    assert history["budget_current"].tolist() == [800.0, 800.0, 900.0, 900.0]
    assert history["baseline_change_covered"].tolist() == [False, False, True, False]
    assert views.pmo_field_changes["period"].tolist() == ["2026-10"]


def test_a_first_report_is_held_against_the_register(tmp_path):
    record = ProjectRecord(
        2, "PRJ-001", "Portal", "Ana Ruiz", "Claire Dubois", dt.date(2026, 3, 1), dt.date(2027, 6, 30),
        fields={"budget_original": 800.0, "budget_current": 800.0, "start_date": dt.date(2026, 3, 1),
                "baseline_end_date": dt.date(2027, 6, 30)},
    )  # fmt: skip
    later_end = {"baseline_end_date": dt.date(2027, 9, 30), "forecast_end_date": dt.date(2027, 9, 30)}
    views, _items = _views(tmp_path, status_submission("PRJ-001", fields=later_end), register=[record])
    row = views.status.iloc[0]
    # the PM moved the end date three months out: no slip by their figure, 92 days by the PMO's
    assert row["baseline_end_date"] == dt.date(2027, 6, 30) and row["schedule_slip_days"] == 92
    assert row["rag_derived"] == "Red"
    assert views.pmo_field_changes["message"].tolist() == [
        "Baseline end date was changed from 2027-06-30 to 2027-09-30; the PMO's 2027-06-30 is used until an "
        "approved change request covers it"
    ]
    without_register, _items = _views(tmp_path / "alone", status_submission("PRJ-001", fields=later_end))
    assert without_register.pmo_field_changes.empty  # nothing to hold a first report against


def test_a_milestone_baseline_moved_without_a_change_request_keeps_the_pmo_date(tmp_path):
    first = status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4))
    moved = [dict(row) for row in first.tables["Milestones"]]
    moved[1].update(baseline_date=dt.date(2027, 9, 1), forecast_date=dt.date(2027, 9, 1))  # Go live, was 2027-06-01
    views, items = _views(
        tmp_path, first, status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), tables={"Milestones": moved})
    )
    milestone = views.milestones.set_index("id").loc["M-002"]
    assert milestone["baseline_date"] == dt.date(2027, 6, 1)
    slipping = build_dashboard(views, items).slipping_milestones.set_index("milestone_id")
    assert slipping.loc["M-002", "slip_days"] == 92  # the PM's new baseline would show no slip at all
    assert views.pmo_field_changes["label"].tolist() == ["Baseline date of milestone M-002"]
    html = render_report(build_dashboard(views, items), executive_summary(views, items), views)
    assert "Milestones sheet, milestone M-002, Baseline date" in html
