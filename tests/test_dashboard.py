"""Dashboard numbers checked by hand on a three-project portfolio over two periods, built through the real ledger."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pmo_xl.ledger import open_ledger
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.dashboard import DashboardError, build_dashboard, plan_portfolio_capacity
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.views import load_views
from tests.collect_builders import status_submission

TODAY = dt.date(2026, 12, 10)


def _record(project_id: str, programme: str, stage: str) -> ProjectRecord:
    return ProjectRecord(
        row_number=2,
        project_id=project_id,
        project_name=f"Project {project_id}",
        project_manager="Ana Ruiz",
        sponsor="Claire Dubois",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2027, 6, 30),
        programme=programme,
        stage=stage,
    )


REGISTER = [
    _record("PRJ-A", "Digital", "Execution"),
    _record("PRJ-B", "Digital", "Execution"),
    _record("PRJ-C", "Back Office", "Planning"),
]


def _milestones(extra_forecast: dt.date | None = None, go_live: dt.date = dt.date(2027, 6, 1)) -> list[dict]:
    rows = [
        {"id": "M-001", "name": "Design signed off", "key": "Yes", "baseline_date": dt.date(2026, 10, 31),
         "forecast_date": dt.date(2026, 10, 31), "actual_date": dt.date(2026, 10, 28), "status": "Complete"},
        {"id": "M-002", "name": "Go live", "key": "Yes", "baseline_date": dt.date(2027, 6, 1),
         "forecast_date": go_live, "status": "On track"},
    ]  # fmt: skip
    if extra_forecast is not None:
        # No baseline date set by the PMO: the first forecast in the ledger is its baseline.
        rows.append({"id": "M-003", "name": "Pilot live", "key": "Yes", "forecast_date": extra_forecast,
                     "status": "At risk"})  # fmt: skip
    return rows


def _risk(item_id: str, probability: int, impact: int, exposure: float | None, status: str = "Open") -> dict:
    return {"id": item_id, "type": "Risk", "description": f"Risk {item_id}", "owner": "Tom",
            "date_raised": dt.date(2026, 9, 1), "probability": probability, "impact": impact,
            "financial_exposure": exposure, "status": status}  # fmt: skip


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    ledger_path = tmp_path_factory.mktemp("dash") / "ledger.db"
    october = [
        status_submission("PRJ-A", "2026-10", dt.date(2026, 11, 2), token="a1",
                          fields={"budget_current": 100.0, "estimate_at_completion": 100.0},
                          tables={"Milestones": _milestones(dt.date(2027, 1, 10))}),
        status_submission("PRJ-C", "2026-10", dt.date(2026, 11, 2), token="c1",
                          fields={"rag_overall": "Amber", "budget_original": 1000.0, "budget_current": 1000.0,
                                  "estimate_at_completion": 1000.0}),
    ]  # fmt: skip
    november = [
        status_submission("PRJ-A", "2026-11", dt.date(2026, 12, 3), token="a2",
                          fields={"budget_current": 100.0, "budget_original": 100.0, "estimate_at_completion": 100.0,
                                  "actual_to_date": 50.0, "percent_complete": 0.4},
                          tables={"Milestones": _milestones(dt.date(2027, 1, 31)),
                                  "RAID": [_risk("R-001", 3, 4, 10.0)],
                                  "ResourceDemand": [{"role": "Developer", "2026-11": 1.0, "2026-12": 3.0}]}),
        status_submission("PRJ-B", "2026-11", dt.date(2026, 12, 3), token="b2",
                          fields={"budget_current": 100.0, "budget_original": 100.0, "estimate_at_completion": 112.0,
                                  "actual_to_date": 30.0},
                          tables={"RAID": [_risk("R-001", 4, 3, 50.0), _risk("R-002", 5, 5, 999.0, "Closed")],
                                  "ResourceDemand": [{"role": "Tester", "2026-12": 1.0}]}),
        status_submission("PRJ-C", "2026-11", dt.date(2026, 12, 3), token="c2",
                          fields={"rag_overall": "Red", "budget_original": 1000.0, "budget_current": 1000.0,
                                  "estimate_at_completion": 1000.0, "actual_to_date": 600.0,
                                  "forecast_end_date": dt.date(2027, 7, 20)},
                          tables={"Milestones": _milestones(go_live=dt.date(2027, 8, 1)),
                                  "RAID": [_risk("R-005", 5, 5, 200.0)],
                                  "ResourceDemand": [{"role": "Developer", "2026-11": 1.0},
                                                     {"role": "Tester", "2026-12": 2.0}]}),
    ]  # fmt: skip
    with open_ledger(ledger_path, write=True) as ledger:
        for number, submission in enumerate([*october, *november]):
            ledger.add_submission(submission, f"2026-12-0{number % 9 + 1}T10:00:00")
    views = load_views(ledger_path, REGISTER, today=TODAY)
    return views, read_item_history(ledger_path, views)


def _row(frame: pd.DataFrame, column: str, value) -> dict:
    matches = frame[frame[column] == value].to_dict("records")
    assert len(matches) == 1, f"{column}={value!r} in {frame}"
    return matches[0]


def test_counts_by_rag_are_also_weighted_by_budget(portfolio):
    dashboard = build_dashboard(*portfolio)
    rag = dashboard.rag.set_index("rag")
    assert list(rag.index) == ["Green", "Amber", "Red", "Not reported"]
    assert rag.loc["Green", "projects"] == 2 and rag.loc["Green", "budget"] == 200.0
    assert rag.loc["Red", "projects"] == 1 and rag.loc["Red", "budget"] == 1000.0
    # one red project of three, but five sixths of the money
    assert rag.loc["Red", "share_of_projects"] == pytest.approx(1 / 3)
    assert rag.loc["Red", "share_of_budget"] == pytest.approx(1000 / 1200)
    headline = dict(zip(dashboard.headline["measure"], dashboard.headline["value"], strict=True))
    assert headline["Projects reporting"] == 3
    assert headline["Budget"] == 1200.0
    assert headline["Forecast at completion"] == 1212.0
    assert headline["Share of budget at Red"] == pytest.approx(1000 / 1200)


def test_counts_by_stage_come_from_the_register(portfolio):
    stage = build_dashboard(*portfolio).stage.set_index("stage")
    assert stage.loc["Execution", "Green"] == 2 and stage.loc["Execution", "budget"] == 200.0
    assert stage.loc["Planning", "Red"] == 1 and stage.loc["Planning", "projects"] == 1
    assert stage.loc["Initiation", "projects"] == 0


def test_declared_rag_against_the_rules(portfolio):
    dashboard = build_dashboard(*portfolio)
    check = dashboard.rag_check.set_index("rag")
    # A: on budget and date -> Green. B: EAC 12% over -> Red. C: forecast end 20 days late -> Amber.
    assert check["declared"].to_dict() == {"Green": 2, "Amber": 0, "Red": 1}
    assert check["derived"].to_dict() == {"Green": 1, "Amber": 1, "Red": 1}
    disagreements = dashboard.disagreements.set_index("project_id")
    assert sorted(disagreements.index) == ["PRJ-B", "PRJ-C"]
    assert disagreements.loc["PRJ-B", "derived"] == "Red"
    assert "EAC +12.0%" in disagreements.loc["PRJ-B", "reason"]
    assert "+20 days" in disagreements.loc["PRJ-C", "reason"]


def test_rag_trend_comes_from_the_ledger_history(portfolio):
    trend = build_dashboard(*portfolio).trend.set_index("period")
    assert list(trend.index) == ["2026-10", "2026-11"]
    assert trend.loc["2026-10", ["Green", "Amber", "Red"]].tolist() == [1, 1, 0]
    assert trend.loc["2026-11", ["Green", "Amber", "Red"]].tolist() == [2, 0, 1]
    assert trend.loc["2026-11", "red_budget"] == 1000.0


def test_key_milestones_slipping_against_baseline(portfolio):
    slipping = build_dashboard(*portfolio).slipping_milestones
    go_live = _row(slipping, "project_id", "PRJ-C")
    assert (go_live["milestone_id"], go_live["slip_days"]) == ("M-002", 61)
    pilot = _row(slipping, "milestone_id", "M-003")
    # no PMO baseline: the first forecast the ledger holds (2027-01-10) is the baseline; it moved 21 days
    assert pilot["baseline_date"] == dt.date(2027, 1, 10)
    assert (pilot["slip_days"], pilot["moved_this_period_days"]) == (21, 21)
    assert list(slipping["project_id"]) == ["PRJ-C", "PRJ-A"]  # worst first; completed M-001 never listed


def test_percent_complete_against_spent_and_milestones_met(portfolio):
    progress = build_dashboard(*portfolio).progress
    assert list(progress["project_id"]) == ["PRJ-C", "PRJ-A", "PRJ-B"]  # largest budget first
    a = _row(progress, "project_id", "PRJ-A")
    assert a["percent_complete"] == 0.4
    assert a["percent_budget_spent"] == pytest.approx(0.5)
    assert a["percent_milestones_met"] == pytest.approx(1 / 3)  # M-001 of M-001..M-003
    assert _row(progress, "project_id", "PRJ-C")["percent_budget_spent"] == pytest.approx(0.6)


def test_top_risks_by_severity_then_exposure(portfolio):
    risks = build_dashboard(*portfolio).top_risks
    assert list(zip(risks["project_id"], risks["id"], strict=True)) == [
        ("PRJ-C", "R-005"),  # 25
        ("PRJ-B", "R-001"),  # 12, exposure 50
        ("PRJ-A", "R-001"),  # 12, exposure 10
    ]  # B's R-002 (25) is closed


def test_budget_against_forecast(portfolio):
    budget = build_dashboard(*portfolio).budget
    b = _row(budget, "project_id", "PRJ-B")
    # the template's variance, budget - EAC: 12 over budget is -12, as the PM saw it
    assert (b["budget"], b["forecast"], b["variance"]) == (100.0, 112.0, -12.0)
    assert b["variance_percent"] == pytest.approx(-0.12)
    assert b["amounts_in"] == "k EUR"


# Developer 1.5 FTE and Tester 2 FTE, fully productive. Demand (November reports): Developer 2026-11 A 1 + C 1 = 2,
# 2026-12 A 3; Tester 2026-12 B 1 + C 2 = 3. Shortfalls: Developer Dec 1.5, Tester Dec 1.0, Developer Nov 0.5.
CAPACITY = pd.DataFrame(
    [{"role": role, "person": "", "from_month": "2026-01", "to_month": "", "fte": fte, "hours_per_month": None,
      "productive_ratio": 1.0} for role, fte in (("Developer", 1.5), ("Tester", 2.0))]
)  # fmt: skip


@pytest.fixture(scope="module")
def plan(portfolio):
    return plan_portfolio_capacity(CAPACITY, portfolio[0])


def _hot(dashboard) -> list[tuple]:
    hot = dashboard.capacity_hot_spots
    return list(zip(hot["role"], hot["month"], hot["shortfall_fte"], strict=True))


def test_capacity_hot_spots_are_role_shortfalls_worst_first(portfolio, plan):
    dashboard = build_dashboard(*portfolio, capacity_plan=plan)
    assert plan.current_period == "2026-11"  # the horizon starts at the portfolio's period, as in `pmo capacity`
    assert _hot(dashboard) == [("Developer", "2026-12", 1.5), ("Tester", "2026-12", 1.0), ("Developer", "2026-11", 0.5)]
    assert dashboard.capacity_hot_spots.loc[0, "utilisation"] == pytest.approx(2.0)
    assert build_dashboard(*portfolio).capacity_hot_spots.empty


def test_capacity_hot_spots_narrow_to_the_shortfalls_the_audience_draws_on(portfolio, plan):
    digital = build_dashboard(*portfolio, capacity_plan=plan, programme="Digital")
    assert _hot(digital) == [("Developer", "2026-12", 1.5), ("Tester", "2026-12", 1.0), ("Developer", "2026-11", 0.5)]
    assert list(digital.capacity_hot_spots["scope_demand_fte"]) == [3.0, 1.0, 1.0]
    back_office = build_dashboard(*portfolio, capacity_plan=plan, programme="Back Office")
    # PRJ-C needs no Developer in December: the portfolio's worst shortfall is not Back Office's to solve
    assert _hot(back_office) == [("Tester", "2026-12", 1.0), ("Developer", "2026-11", 0.5)]
    assert list(back_office.capacity_hot_spots["scope_demand_fte"]) == [2.0, 1.0]


def test_submission_tracker(portfolio):
    dashboard = build_dashboard(*portfolio)
    states = dict(zip(dashboard.submission_states["state"], dashboard.submission_states["projects"], strict=True))
    assert states["reporting"] == 3 and states["never reported"] == 0 and states["stale"] == 0
    assert dashboard.outstanding_reports.empty


def test_submission_tracker_lists_the_missing_and_the_late(tmp_path):
    # November's cut-off is 5 December; on the 10th: A on time, B three days late, D never sent anything.
    ledger_path = tmp_path / "ledger.db"
    with open_ledger(ledger_path, write=True) as ledger:
        ledger.add_submission(
            status_submission("PRJ-A", "2026-11", dt.date(2026, 12, 3), token="a"), "2026-12-03T09:00"
        )
        ledger.add_submission(
            status_submission("PRJ-B", "2026-11", dt.date(2026, 12, 8), token="b"), "2026-12-08T09:00"
        )
    register = [*REGISTER[:2], _record("PRJ-D", "Digital", "Execution")]
    views = load_views(ledger_path, register, today=TODAY)
    dashboard = build_dashboard(views, read_item_history(ledger_path, views))
    states = dict(zip(dashboard.submission_states["state"], dashboard.submission_states["projects"], strict=True))
    assert (states["reporting"], states["late"], states["never reported"]) == (1, 1, 1)
    outstanding = dashboard.outstanding_reports.set_index("project_id")
    assert sorted(outstanding.index) == ["PRJ-B", "PRJ-D"]
    assert (
        outstanding.loc["PRJ-B", "state"] == "late" and "3 day(s) after the cut-off" in outstanding.loc["PRJ-B", "note"]
    )
    assert outstanding.loc["PRJ-D", "state"] == "never reported" and outstanding.loc["PRJ-D", "due_date"] == dt.date(
        2026, 12, 5
    )
    headline = dict(zip(dashboard.headline["measure"], dashboard.headline["value"], strict=True))
    assert (headline["Reports late"], headline["Never reported"], headline["Active projects"]) == (1, 1, 3)
    assert headline["Projects reporting"] == 2  # PRJ-D is counted as never reported, never as current


def test_filter_by_programme_gives_each_audience_its_view(portfolio):
    digital = build_dashboard(*portfolio, programme="digital")
    assert digital.scope == "Programme: digital"
    assert set(digital.progress["project_id"]) == {"PRJ-A", "PRJ-B"}
    assert digital.rag.set_index("rag").loc["Red", "projects"] == 0
    assert list(digital.trend["period"]) == ["2026-10", "2026-11"]
    assert digital.trend.set_index("period").loc["2026-10", "Amber"] == 0  # PRJ-C's amber is not Digital's
    with pytest.raises(DashboardError, match="Back Office, Digital"):
        build_dashboard(*portfolio, programme="Nowhere")
    with pytest.raises(DashboardError, match="business_unit"):
        build_dashboard(*portfolio, business_unit="Finance")
