"""The capacity plan on small portfolios whose every figure was worked out by hand (see the comments)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_xl.portfolio.capacity import (
    SELECTOR_COLUMNS,
    CapacityError,
    CapacitySettings,
    Hire,
    Scenario,
    Shift,
    capacity_rows,
    latest_period,
    parse_stage_probabilities,
    plan_capacity,
    role_capacity,
    what_if,
)

THREE_MONTHS = CapacitySettings(horizon_months=3)


def capacity_table(*rows) -> pd.DataFrame:
    columns = ["role", "person", "from_month", "to_month", "fte", "hours_per_month", "productive_ratio"]
    return pd.DataFrame([dict(zip(columns, row, strict=True)) for row in rows], columns=columns)


def status_table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["project_id", "project_name", "lifecycle_status", "period"])


def resource_table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["project_id", "period", "role", "person", "month", "fte"])


def request_table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["request_id", "title", "stage", "probability", "converted_project_id"])


def estimate_table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["request_id", "role", "person", "month", "fte"])


# Developers: 4 FTE at 50 % productive = 2.0 net. Architect Ada: 1 FTE at 80 % = 0.8 net.
CAPACITY = capacity_table(
    ("Developer", "", "2026-01", "", 4, "", 0.5),
    ("Architect", "Ada", "2026-01", "", 1, "", 0.8),
)
STATUS = status_table(
    ("P1", "Billing", "active", "2026-01"),
    ("P2", "Archive", "on hold", "2026-01"),
    ("P3", "Old CRM", "closed", "2025-12"),
    ("P4", "Silent", "active", "2025-09"),  # 4 periods before 2026-01: stale with the default limit of 3
    ("P5", "Late", "active", "2025-10"),  # exactly 3 periods old: still counts
)
RESOURCES = resource_table(
    ("P1", "2026-01", "Developer", "", "2026-01", 1.5),
    ("P1", "2026-01", "developer ", "", "2026-02", 2.5),  # same role, spelled differently
    ("P1", "2026-01", "Architect", "Ada", "2026-02", 1.0),
    ("P1", "2025-12", "Developer", "", "2026-01", 9.0),  # an older submission: superseded
    ("P2", "2026-01", "Developer", "", "2026-01", 3.0),
    ("P3", "2025-12", "Developer", "", "2026-02", 2.0),
    ("P4", "2025-09", "Developer", "", "2026-03", 1.0),
    ("P5", "2025-10", "Developer", "", "2026-03", 0.5),
    ("P1", "2026-01", "Developer", "", "2025-12", 7.0),  # before the horizon
    ("P1", "2026-01", "Developer", "", "2026-04", 7.0),  # after a 3-month horizon
)
REQUESTS = request_table(
    ("R1", "New portal", "approved", "", ""),  # 0.9 by default
    ("R2", "Billing v2", "approved", "", "P1"),  # became P1: no double counting
    ("R3", "Ada's idea", "pending", 0.5, ""),  # override beats the stage's 0.3
    ("R4", "Rejected", "rejected", "", ""),
    ("P5", "Same id as a project", "approved", "", ""),  # its id is a project now
)
ESTIMATES = estimate_table(
    ("R1", "Developer", "", "2026-02", 1.0),
    ("R2", "Developer", "", "2026-02", 5.0),
    ("R3", "Architect", "Ada", "2026-02", 0.2),
    ("R4", "Developer", "", "2026-02", 4.0),
    ("P5", "Developer", "", "2026-02", 6.0),
)


def base_plan(**settings_changes):
    settings = CapacitySettings(**{"horizon_months": 3, **settings_changes})
    return plan_capacity(CAPACITY, RESOURCES, STATUS, REQUESTS, ESTIMATES, current_period="2026-01", settings=settings)


def test_capacity_is_net_of_the_productive_ratio_and_hours_become_fte():
    table = capacity_table(
        ("Analyst", "", "2026-01", "2026-02", "", 160, 0.6),  # 160 h / (20 d x 8 h) = 1 FTE, x 0.6
        ("Analyst", "Bo", "2026-02", "", 2, "", 0.75),  # a named person rolls up into the role: +1.5
        ("Tester", "", "2026-01", "", 3, "", ""),  # no ratio: the default (1.0)
    )
    capacity = role_capacity(table, current_period="2026-01", settings=THREE_MONTHS)
    figures = {(row.role, row.month): row.capacity_fte for row in capacity.itertuples()}
    assert figures[("Analyst", "2026-01")] == pytest.approx(0.6)
    assert figures[("Analyst", "2026-02")] == pytest.approx(2.1)
    assert figures[("Analyst", "2026-03")] == pytest.approx(1.5)  # the hours row ended in 2026-02
    assert figures[("Tester", "2026-03")] == pytest.approx(3.0)

    seven_hour_days = CapacitySettings(horizon_months=3, working_days_per_month=20, hours_per_fte_day=7)
    capacity = role_capacity(table, current_period="2026-01", settings=seven_hour_days)
    assert capacity.iloc[0]["capacity_fte"] == pytest.approx(160 / 140 * 0.6)


def test_the_selector_gets_exactly_role_month_capacity_fte():
    capacity = role_capacity(CAPACITY, current_period="2026-01", settings=THREE_MONTHS)
    assert tuple(capacity.columns) == SELECTOR_COLUMNS
    assert capacity.to_dict("records")[:2] == [
        {"role": "Developer", "month": "2026-01", "capacity_fte": 2.0},
        {"role": "Developer", "month": "2026-02", "capacity_fte": 2.0},
    ]
    assert base_plan().role_capacity().equals(capacity)
    # Headroom for new work: Developer 2.0 - committed 1.5, 2.5 (not below 0), 0.5.
    headroom = base_plan().headroom()
    assert tuple(headroom.columns) == SELECTOR_COLUMNS
    assert headroom["capacity_fte"].tolist()[:3] == pytest.approx([0.5, 0.0, 1.5])


def test_the_selector_reads_the_plans_capacity_as_its_role_limits():
    from pmo_xl.portfolio.selection import parse_capacity

    limits = parse_capacity(base_plan().role_capacity())
    february = 2026 * 12 + 1
    assert limits[("Developer", february)] == pytest.approx(2.0)
    assert limits[("Architect", february)] == pytest.approx(0.8)
    assert len(limits) == 6


def test_three_demand_lines_by_hand():
    plan = base_plan()
    # Committed: P1 1.5 and 2.5 developers; P5 0.5 in March; Ada 1.0 in February.
    assert plan.committed_fte.loc["Developer"].tolist() == pytest.approx([1.5, 2.5, 0.5])
    assert plan.committed_fte.loc["Architect"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    # Weighted: + R1 1.0 x 0.9 developer, + R3 0.2 x 0.5 architect, in February.
    assert plan.weighted_fte.loc["Developer"].tolist() == pytest.approx([1.5, 3.4, 0.5])
    assert plan.weighted_fte.loc["Architect"].tolist() == pytest.approx([0.0, 1.1, 0.0])
    # All pending: the same requests at full weight.
    assert plan.all_pending_fte.loc["Developer"].tolist() == pytest.approx([1.5, 3.5, 0.5])
    assert plan.all_pending_fte.loc["Architect"].tolist() == pytest.approx([0.0, 1.2, 0.0])
    assert plan.totals()["weighted_fte"].tolist() == pytest.approx([1.5, 4.5, 0.5])


def test_stage_probabilities_are_a_setting():
    probabilities = parse_stage_probabilities(["Approved=0.5"])
    plan = base_plan(stage_probabilities=probabilities)
    assert plan.weighted_fte.loc["Developer", "2026-02"] == pytest.approx(2.5 + 0.5)


def test_stale_and_inactive_demand_is_dropped_and_listed():
    dropped = base_plan().dropped.query("kind == 'project'")
    reasons = dict(zip(dropped["item_id"], dropped["reason"], strict=True))
    assert reasons["P2"] == "lifecycle status is on hold"
    assert reasons["P3"] == "lifecycle status is closed"
    assert reasons["P4"] == "stale: last report 2025-09 is 4 periods old (limit 3)"
    assert "P5" not in reasons and "P1" not in reasons
    assert dropped.set_index("item_id").loc["P2", "fte_months_dropped"] == pytest.approx(3.0)
    # A stricter limit makes P5 stale too.
    assert "P5" in set(base_plan(stale_after_periods=2).dropped.query("kind == 'project'")["item_id"])


def test_a_request_that_became_a_project_stops_counting():
    dropped = base_plan().dropped.set_index("item_id")
    assert dropped.loc["R2", "reason"] == "became project P1: its demand counts as committed"
    assert dropped.loc["P5", "kind"] == "request"
    assert dropped.loc["R4", "reason"] == "stage is rejected"
    # Listed largest first: P5's 6 FTE-months, then R2's 5.
    assert base_plan().dropped["item_id"].tolist()[:2] == ["P5", "R2"]


def test_horizon_defaults_to_twelve_months_and_can_be_twenty_four():
    twelve = plan_capacity(CAPACITY, RESOURCES, STATUS, current_period="2026-01")
    assert twelve.months[0] == "2026-01" and twelve.months[-1] == "2026-12" and len(twelve.months) == 12
    assert twelve.committed_fte.loc["Developer", "2026-04"] == pytest.approx(7.0)
    assert "2025-12" not in twelve.committed_fte.columns
    twenty_four = plan_capacity(
        CAPACITY, RESOURCES, STATUS, current_period="2026-01", settings=CapacitySettings(horizon_months=24)
    )
    assert twenty_four.months[-1] == "2027-12"
    assert base_plan().committed_fte.to_numpy().sum() == pytest.approx(5.5)  # April is beyond 3 months


def test_over_allocation_list_largest_first_with_contributors():
    over = base_plan().over_allocations
    # Developer Feb: 3.4 weighted against 2.0 = 1.4 short; Ada/Architect Feb: 1.1 against 0.8 = 0.3 short.
    assert over[["level", "role", "person", "month"]].values.tolist() == [
        ["role", "Developer", "", "2026-02"],
        ["role", "Architect", "", "2026-02"],
        ["person", "Architect", "Ada", "2026-02"],
    ]
    assert over["shortfall_fte"].tolist() == pytest.approx([1.4, 0.3, 0.3])
    assert over.loc[0, "contributing"] == "P1 2.50, R1 0.90"
    assert over.loc[2, "contributing"] == "P1 1.00, R3 0.10"
    committed_only = base_plan(assessed_line="committed").over_allocations
    assert committed_only["shortfall_fte"].tolist() == pytest.approx([0.5, 0.2, 0.2])


def test_a_named_person_booked_twice_is_over_allocated_even_when_the_role_is_not():
    capacity = capacity_table(
        ("Architect", "", "2026-01", "", 3, "", 1.0),
        ("Architect", "Ada", "2026-01", "", 1, "", 1.0),
    )
    status = status_table(("A", "A", "active", "2026-01"), ("B", "B", "active", "2026-01"))
    resources = resource_table(
        ("A", "2026-01", "Architect", "ada", "2026-01", 1.0), ("B", "2026-01", "Architect", "Ada", "2026-01", 1.0)
    )
    plan = plan_capacity(capacity, resources, status, current_period="2026-01", settings=THREE_MONTHS)
    over = plan.over_allocations
    assert over[["level", "person", "month", "utilisation"]].values.tolist() == [["person", "Ada", "2026-01", 2.0]]
    assert over.loc[0, "contributing"] == "A 1.00, B 1.00"
    assert plan.person_capacity_fte.loc["Ada"].tolist() == [1.0, 1.0, 1.0]


def test_contributors_are_capped_with_a_count_of_the_rest():
    status = status_table(*[(f"P{n}", "", "active", "2026-01") for n in range(8)])
    resources = resource_table(*[(f"P{n}", "2026-01", "Developer", "", "2026-01", 0.1 * (n + 1)) for n in range(8)])
    plan = plan_capacity(CAPACITY, resources, status, current_period="2026-01", settings=THREE_MONTHS)
    assert plan.over_allocations.loc[0, "contributing"] == "P7 0.80, P6 0.70, P5 0.60, P4 0.50, P3 0.40, +3 more"


def test_demand_for_a_role_without_capacity_is_no_capacity_and_red():
    resources = resource_table(("P1", "2026-01", "Tester", "", "2026-01", 1.0))
    plan = plan_capacity(CAPACITY, resources, STATUS, current_period="2026-01", settings=THREE_MONTHS)
    assert plan.utilisation.loc["Tester", "2026-01"] == float("inf")
    assert plan.rag.loc["Tester", "2026-01"] == "red"
    assert plan.rag.loc["Tester", "2026-02"] == ""  # neither demand nor capacity
    assert plan.over_allocations.loc[0, "shortfall_fte"] == pytest.approx(1.0)


def test_heatmap_thresholds_are_configurable():
    # Developer utilisation: 0.75, 1.70, 0.25.
    assert base_plan().rag.loc["Developer"].tolist() == ["green", "red", "green"]
    assert base_plan(amber_from=0.7, red_above=2.0).rag.loc["Developer"].tolist() == ["amber", "amber", "green"]
    with pytest.raises(CapacityError, match="amber_from <= red_above"):
        CapacitySettings(amber_from=1.2, red_above=1.0)


def test_what_if_shift_hire_and_drop_leave_the_inputs_untouched():
    inputs = [frame.copy(deep=True) for frame in (CAPACITY, RESOURCES, STATUS, REQUESTS, ESTIMATES)]
    scenario = Scenario(
        name="Delay billing, hire a developer",
        shifts=(Shift.parse("P1:+1"),),
        hires=(Hire.parse("developer:2@2026-02"),),
        dropped_requests=("R3",),
    )
    comparison = what_if(*inputs, current_period="2026-01", scenario=scenario, settings=THREE_MONTHS)
    for before, after in zip((CAPACITY, RESOURCES, STATUS, REQUESTS, ESTIMATES), inputs, strict=True):
        pd.testing.assert_frame_equal(before, after)
    after = comparison.after
    # P1 moves a month later (its 2026-02 demand falls in March); the hire works at the role's 50 %: +1.0 net.
    assert after.capacity_fte.loc["Developer"].tolist() == pytest.approx([2.0, 3.0, 3.0])
    # December's 7.0 (before the horizon) moves into January.
    assert after.weighted_fte.loc["Developer"].tolist() == pytest.approx([7.0, 1.5 + 0.9, 2.5 + 0.5])
    assert after.weighted_fte.loc["Architect"].tolist() == pytest.approx([0.0, 0.0, 1.0])  # R3 dropped
    assert "dropped in the what-if" in set(after.dropped["reason"])
    assert comparison.before.weighted_fte.loc["Developer"].tolist() == pytest.approx([1.5, 3.4, 0.5])

    side = comparison.side_by_side().set_index(["role", "month"])
    assert side.loc[("Developer", "2026-02"), ["shortfall_fte_before", "shortfall_fte_after"]].tolist() == (
        pytest.approx([1.4, 0.0])
    )
    summary = comparison.summary().set_index("measure")
    # Before: 1.4 + 0.3 short. After: Developer January 7.0 - 2.0 = 5.0, Architect March 1.0 - 0.8 = 0.2.
    assert summary.loc["Shortfall (FTE-months)", "before"] == pytest.approx(1.7)
    assert summary.loc["Shortfall (FTE-months)", "after"] == pytest.approx(5.2)
    assert summary.loc["Capacity (FTE-months)", "change"] == pytest.approx(2.0)


def test_a_shift_moves_demand_across_the_horizon_edges():
    def developer_after(months):
        comparison = what_if(
            CAPACITY,
            RESOURCES,
            STATUS,
            current_period="2026-01",
            settings=THREE_MONTHS,
            scenario=Scenario(shifts=(Shift("P1", months),)),
        )
        return comparison.after.committed_fte.loc["Developer"].tolist()

    # P1 developers: Dec 7.0 | Jan 1.5, Feb 2.5 | Apr 7.0; P5 adds 0.5 in March.
    assert developer_after(+1) == pytest.approx([7.0, 1.5, 2.5 + 0.5])
    assert developer_after(-1) == pytest.approx([2.5, 0.0, 7.0 + 0.5])


def test_what_if_names_unknown_ids():
    with pytest.raises(CapacityError, match="no project or request 'P99'"):
        what_if(CAPACITY, RESOURCES, STATUS, current_period="2026-01", scenario=Scenario(shifts=(Shift("P99", 1),)))
    with pytest.raises(CapacityError, match="no request 'R99'"):
        what_if(
            CAPACITY,
            RESOURCES,
            STATUS,
            REQUESTS,
            ESTIMATES,
            current_period="2026-01",
            scenario=Scenario(dropped_requests=("R99",)),
        )
    with pytest.raises(CapacityError, match="ROLE:FTE@YYYY-MM"):
        Hire.parse("Developer 2 from May")
    with pytest.raises(CapacityError, match="ID:MONTHS"):
        Shift.parse("P1 plus two")


def test_bad_capacity_rows_are_all_reported():
    table = capacity_table(
        ("", "", "2026-01", "", 1, "", ""),
        ("Developer", "", "Jan", "", 1, "", ""),
        ("Developer", "", "2026-01", "", 1, 40, ""),
        ("Developer", "", "2026-01", "", "", "", 1.5),
        ("Developer", "", "2026-03", "2026-01", 1, "", ""),
    )
    with pytest.raises(CapacityError) as caught:
        capacity_rows(table)
    message = str(caught.value)
    assert "6 problem(s)" in message
    assert "row 1: role is empty" in message
    assert "row 2: 'Jan' is not a month" in message
    assert "row 3: give fte or hours_per_month, not both" in message
    assert "row 4: give either fte or hours_per_month" in message
    assert "row 4: '1.5' must be a ratio in (0, 1]" in message
    assert "row 5: 2026-01 is before from_month" in message


def test_unknown_stage_and_unknown_lifecycle_are_dropped_with_a_reason():
    requests = request_table(("R9", "Odd", "parked", "", ""))
    estimates = estimate_table(("R9", "Developer", "", "2026-01", 1.0))
    status = status_table(("P1", "Billing", "paused", "2026-01"))
    resources = resource_table(("P1", "2026-01", "Developer", "", "2026-01", 1.0))
    plan = plan_capacity(CAPACITY, resources, status, requests, estimates, current_period="2026-01")
    reasons = dict(zip(plan.dropped["item_id"], plan.dropped["reason"], strict=True))
    assert reasons["R9"] == "unknown stage 'parked': give it a probability in the settings"
    assert reasons["P1"].startswith("unknown lifecycle status 'paused'")
    assert plan.weighted_fte.to_numpy().sum() == 0


def test_the_current_period_defaults_to_the_latest_report():
    assert latest_period(STATUS) == "2026-01"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Developer", "Architect", "Tester"]),
            st.integers(0, 5),
            st.floats(0, 3, allow_nan=False),
            st.sampled_from(["approved", "pending", "in review"]),
            st.booleans(),
        ),
        max_size=30,
    ),
    st.integers(-3, 3),
)
def test_lines_are_ordered_and_shifts_conserve_demand(rows, months):
    """committed <= weighted <= all pending in every cell; a shift and its reverse change nothing."""
    status = status_table(*[(f"P{n}", "", "active", "2026-01") for n in range(len(rows))])
    resources = resource_table(
        *[
            (f"P{n}", "2026-01", role, "", f"2026-{offset + 1:02d}", fte)
            for n, (role, offset, fte, _, project) in enumerate(rows)
            if project
        ]
    )
    requests = request_table(*[(f"R{n}", "", stage, "", "") for n, (_, _, _, stage, _) in enumerate(rows)])
    estimates = estimate_table(
        *[
            (f"R{n}", role, "", f"2026-{offset + 1:02d}", fte)
            for n, (role, offset, fte, _, project) in enumerate(rows)
            if not project
        ]
    )
    plan = plan_capacity(CAPACITY, resources, status, requests, estimates, current_period="2026-01")
    assert (plan.committed_fte.to_numpy() <= plan.weighted_fte.to_numpy() + 1e-9).all()
    assert (plan.weighted_fte.to_numpy() <= plan.all_pending_fte.to_numpy() + 1e-9).all()
    assert plan.all_pending_fte.to_numpy().sum() == pytest.approx(sum(fte for _, _, fte, _, _ in rows))
    if rows and rows[0][4]:
        there = Scenario(shifts=(Shift("P0", months),))
        back = what_if(CAPACITY, resources, status, requests, estimates, current_period="2026-01", scenario=there)
        shifted = back.after.committed_fte.to_numpy().sum()
        moved_out = 0 if 0 <= rows[0][1] + months < 12 else rows[0][2]
        assert shifted == pytest.approx(plan.committed_fte.to_numpy().sum() - moved_out)
