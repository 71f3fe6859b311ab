"""Portfolio selection: small instances checked against brute force, and every constraint and report in the issue."""

import itertools

import numpy as np
import pandas as pd
import pytest

from pmo_xl.periods import fiscal_year_label
from pmo_xl.portfolio.selection import (
    Scenario,
    SelectionError,
    SelectionSettings,
    build_problem,
    compare_scenarios,
    efficient_frontier,
    greedy_by_ratio,
    load_scenarios,
    parse_budget,
    run_scenarios,
    save_scenarios,
    select_portfolio,
)

MONTHS = [f"2027-{m:02d}" for m in range(1, 13)]


def random_case(seed, count=7, deferral=0, logic=True, plan_months=12, capacity_fte=4.0):
    """Requests start 2027-01..03 and run 3 months, so cost stays in FY2027 even when deferred 2 months.

    `plan_months` cuts the capacity plan short: with 5, a request starting in March ends in the plan's last month
    and any deferral would take it past the plan.
    """
    rng = np.random.default_rng(seed)
    rows, estimates = [], []
    for index in range(count):
        start = int(rng.integers(0, 3))
        row = {
            "request_id": f"R{index}",
            "title": f"Request {index}",
            "value": float(rng.integers(1, 100)),
            "cost_FY2027": float(rng.integers(10, 60) * 1000),
            "start_month": MONTHS[start],
            "duration_months": 3,
        }
        if logic and index == 3:
            row["depends_on"] = "R1"
        if logic and index == 5:
            row["excludes"] = "R4"
        rows.append(row)
        for role in ("Developer", "Analyst"):
            for month in range(start, start + 3):
                estimates.append(
                    {"request_id": f"R{index}", "role": role, "month": MONTHS[month], "fte": float(rng.integers(0, 3))}
                )
    requests = pd.DataFrame(rows)
    capacity = pd.DataFrame(
        [
            {"role": role, "month": month, "capacity_fte": capacity_fte}
            for role in ("Developer", "Analyst")
            for month in MONTHS[:plan_months]
        ]
    )
    budget = 0.45 * requests["cost_FY2027"].sum()
    settings = SelectionSettings(value_measure="value", budgets={"FY2027": budget}, max_deferral_months=deferral)
    return requests, pd.DataFrame(estimates), capacity, settings


def brute_force(requests, estimates, capacity, settings):
    """Try every choice (out, or in at each allowed delay) and keep the best feasible value.

    A deferral that puts demand past the capacity plan's last month is not a choice (nothing would limit it there),
    and a request never starts before one it depends on (unless planned so, and then no further before it).
    """
    roles = sorted(set(capacity["role"]))
    slots = len(MONTHS) + settings.max_deferral_months
    limit = np.full((len(roles), slots), np.inf)
    planned = np.zeros(slots, dtype=bool)
    for row in capacity.itertuples():
        limit[roles.index(row.role), MONTHS.index(row.month)] = row.capacity_fte
        planned[MONTHS.index(row.month)] = True
    ids = list(requests["request_id"])
    rows = requests.set_index("request_id")
    demand = {}
    for rid in ids:
        for delay in range(settings.max_deferral_months + 1):
            load = np.zeros((len(roles), slots))
            for estimate in estimates[estimates["request_id"] == rid].itertuples():
                load[roles.index(estimate.role), MONTHS.index(estimate.month) + delay] += estimate.fte
            demand[rid, delay] = load
    needs = {
        r: rows.at[r, "depends_on"] for r in ids if "depends_on" in rows and isinstance(rows.at[r, "depends_on"], str)
    }
    clash = {r: rows.at[r, "excludes"] for r in ids if "excludes" in rows and isinstance(rows.at[r, "excludes"], str)}
    cost = rows["cost_FY2027"].astype(float).to_dict()
    value = rows["value"].astype(float).to_dict()
    offered = {key: key[1] == 0 or not (load[:, ~planned] > 0).any() for key, load in demand.items()}
    start = {r: MONTHS.index(rows.at[r, "start_month"]) for r in ids}
    best = -1.0
    for combo in itertools.product(range(-1, settings.max_deferral_months + 1), repeat=len(ids)):
        chosen = {rid: delay for rid, delay in zip(ids, combo, strict=True) if delay >= 0}
        if not all(offered[rid, delay] for rid, delay in chosen.items()):
            continue
        if any(
            start[needs[r]] + chosen[needs[r]] > start[r] + delay + max(0, start[needs[r]] - start[r])
            for r, delay in chosen.items()
            if r in needs and needs[r] in chosen
        ):
            continue
        if sum(cost[rid] for rid in chosen) > settings.budgets["FY2027"] + 1e-9:
            continue
        if any(needs[r] not in chosen for r in chosen if r in needs) or any(
            clash[r] in chosen for r in chosen if r in clash
        ):
            continue
        load = sum((demand[rid, delay] for rid, delay in chosen.items()), np.zeros_like(limit))
        if (load > limit + 1e-9).any():
            continue
        best = max(best, sum(value[rid] for rid in chosen))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force_with_budget_capacity_dependency_and_exclusion(seed):
    requests, estimates, capacity, settings = random_case(seed)
    result = select_portfolio(requests, settings, estimates, capacity)
    assert result.status == "optimal" and result.proven_gap == 0
    assert result.value == pytest.approx(brute_force(requests, estimates, capacity, settings))


@pytest.mark.parametrize("seed", range(4))
def test_matches_brute_force_when_requests_may_start_up_to_2_months_later(seed):
    requests, estimates, capacity, settings = random_case(100 + seed, count=6, deferral=2, logic=False)
    result = select_portfolio(requests, settings, estimates, capacity)
    assert result.value == pytest.approx(brute_force(requests, estimates, capacity, settings))
    without = select_portfolio(requests, SelectionSettings("value", settings.budgets), estimates, capacity)
    assert result.value >= without.value


@pytest.mark.parametrize("seed", range(4))
def test_matches_brute_force_when_deferral_would_run_past_the_capacity_plan(seed):
    requests, estimates, capacity, settings = random_case(
        200 + seed, count=6, deferral=2, logic=False, plan_months=5, capacity_fte=2.0
    )
    result = select_portfolio(requests, settings, estimates, capacity)
    assert result.value == pytest.approx(brute_force(requests, estimates, capacity, settings))
    assert not any("outside the capacity plan and are not constrained" in w for w in result.warnings)
    plan_end = max(capacity["month"])
    for row in result.decisions[result.decisions["selected"]].itertuples():
        last = estimates[(estimates["request_id"] == row.request_id) & (estimates["fte"] > 0)]["month"]
        if len(last) and row.deferral_months:
            shifted = MONTHS[MONTHS.index(max(last)) + int(row.deferral_months)]
            assert shifted <= plan_end, f"{row.request_id} was deferred past the capacity plan"


@pytest.mark.parametrize("seed", range(4))
def test_matches_brute_force_with_deferral_and_dependencies(seed):
    requests, estimates, capacity, settings = random_case(300 + seed, count=6, deferral=2, logic=True)
    result = select_portfolio(requests, settings, estimates, capacity)
    assert result.value == pytest.approx(brute_force(requests, estimates, capacity, settings))


def test_deferral_is_not_offered_past_the_capacity_plan_or_into_an_unbudgeted_year():
    requests = pd.DataFrame(
        {"request_id": ["A", "B"], "value": [10, 8], "start_month": ["2027-02", "2027-02"], "duration_months": [1, 1]}
    )
    estimates = pd.DataFrame(
        {"request_id": ["A", "B"], "role": ["Developer"] * 2, "month": ["2027-02"] * 2, "fte": [1.0, 1.0]}
    )
    capacity = pd.DataFrame({"role": ["Developer"] * 2, "month": MONTHS[:2], "capacity_fte": [1.0] * 2})
    result = select_portfolio(requests, SelectionSettings("value", max_deferral_months=3), estimates, capacity)
    assert result.selected_ids == ["A"]  # B in 2027-03 or later would be outside the plan, so unconstrained
    assert any("cannot be deferred as far as allowed" in w and "B" in w for w in result.warnings)
    money = pd.DataFrame(
        {"request_id": ["A"], "value": [5], "cost_FY2027": [100], "start_month": ["2027-06"], "duration_months": [1]}
    )
    lean = SelectionSettings("value", budgets={"FY2027": 50}, max_deferral_months=2, fiscal_year_start_month=7)
    assert select_portfolio(money, lean).selected_ids == []  # July 2027 is FY2028, which has no budget


def test_roles_match_ignoring_case_as_in_the_capacity_plan():
    requests = pd.DataFrame(
        {"request_id": ["A", "B"], "value": [10, 8], "start_month": ["2027-01"] * 2, "duration_months": [1, 1]}
    )
    estimates = pd.DataFrame(
        {"request_id": ["A", "B"], "role": ["developer ", "DEVELOPER"], "month": ["2027-01"] * 2, "fte": [1.0, 1.0]}
    )
    capacity = pd.DataFrame(
        {"role": ["Developer", "developer"], "month": ["2027-01"] * 2, "capacity_fte": [0.75, 0.75]}
    )
    result = select_portfolio(requests, SelectionSettings("value"), estimates, capacity)
    assert result.selected_ids == ["A"]  # 1.5 FTE of Developer in January holds one of the two 1-FTE requests
    assert not any("outside the capacity plan" in warning for warning in result.warnings)
    constraints = result.constraints.set_index("constraint")
    assert constraints.at["Developer 2027-01", "limit"] == pytest.approx(1.5)


def test_a_request_never_starts_before_the_one_it_depends_on():
    requests = pd.DataFrame(
        {
            "request_id": ["LAW", "B", "A"],
            "value": [1, 5, 10],
            "mandatory": [True, False, False],
            "start_month": ["2027-01"] * 3,
            "duration_months": [1, 1, 1],
            "depends_on": [None, None, "B"],
        }
    )
    estimates = pd.DataFrame(
        {"request_id": ["LAW", "B"], "role": ["Developer"] * 2, "month": ["2027-01"] * 2, "fte": [1.0, 1.0]}
    )
    capacity = pd.DataFrame({"role": ["Developer"] * 3, "month": MONTHS[:3], "capacity_fte": [1.0] * 3})
    result = select_portfolio(requests, SelectionSettings("value", max_deferral_months=2), estimates, capacity)
    table = result.decisions.set_index("request_id")
    assert result.selected_ids == ["LAW", "B", "A"]
    assert table.at["B", "start_month"] == "2027-02"  # the mandatory request holds January's developer
    assert table.at["A", "start_month"] >= table.at["B", "start_month"]


def test_deferral_starts_a_request_later_when_that_is_what_makes_it_fit():
    requests = pd.DataFrame(
        {"request_id": ["A", "B"], "value": [10, 8], "start_month": ["2027-01", "2027-01"], "duration_months": [1, 1]}
    )
    estimates = pd.DataFrame(
        {"request_id": ["A", "B"], "role": ["Developer"] * 2, "month": ["2027-01"] * 2, "fte": [1.0, 1.0]}
    )
    capacity = pd.DataFrame({"role": ["Developer"] * 3, "month": MONTHS[:3], "capacity_fte": [1.0] * 3})
    stuck = select_portfolio(requests, SelectionSettings("value"), estimates, capacity)
    assert stuck.selected_ids == ["A"]
    assert (
        "would fit if started 1 month(s) later"
        in stuck.decisions.set_index("request_id").at["B", "what_would_get_it_in"]
    )
    deferred = select_portfolio(requests, SelectionSettings("value", max_deferral_months=2), estimates, capacity)
    table = deferred.decisions.set_index("request_id")
    assert deferred.value == 18
    assert sorted(table["start_month"]) == ["2027-01", "2027-02"]  # one moved by exactly one month, not two


def test_mandatory_and_in_flight_take_budget_first_and_forces_carry_reasons():
    requests = pd.DataFrame(
        {
            "request_id": ["KEEP", "LAW", "BIG", "SMALL", "PET"],
            "value": [1, 1, 90, 30, 80],
            "cost_FY2027": [40, 30, 50, 20, 10],
            "in_flight": [True, False, False, False, False],
            "mandatory": ["no", "yes", "no", "no", "no"],
            "force": [None, None, None, "in", "out"],
            "force_reason": [None, None, None, "CEO promise", "Board decision 2027-02"],
        }
    )
    result = select_portfolio(requests, SelectionSettings("value", budgets={"FY2027": 100}))
    table = result.decisions.set_index("request_id")
    assert result.selected_ids == ["KEEP", "LAW", "SMALL"]
    assert table.at["KEEP", "decision"] == "in flight" and table.at["LAW", "decision"] == "mandatory"
    assert table.at["SMALL", "decision"] == "forced in: CEO promise"
    assert table.at["PET", "decision"] == "forced out: Board decision 2027-02"
    assert table.at["BIG", "what_would_get_it_in"] == "needs Budget FY2027 +40"


def test_commitments_over_budget_are_a_clear_error():
    requests = pd.DataFrame(
        {"request_id": ["A", "B"], "value": [1, 1], "cost_FY2027": [80, 50], "mandatory": [True, True]}
    )
    with pytest.raises(SelectionError, match=r"Budget FY2027: committed 130\.00 of 100\.00"):
        select_portfolio(requests, SelectionSettings("value", budgets={"FY2027": 100}))


def test_force_without_reason_and_unknown_ids_are_errors_naming_the_request():
    requests = pd.DataFrame(
        {"request_id": ["A", "B"], "value": [1, 1], "force": ["in", None], "depends_on": [None, "Z"]}
    )
    with pytest.raises(SelectionError) as error:
        select_portfolio(requests, SelectionSettings("value"))
    assert "request A (row 2): force in needs a force_reason" in str(error.value)
    assert "request B (row 3): depends_on/excludes names unknown request 'Z'" in str(error.value)


def test_empty_rows_of_an_excel_table_are_not_requests():
    requests = pd.DataFrame({"request_id": ["A", None], "value": [5, None], "cost_FY2027": [10, None]})
    result = select_portfolio(requests, SelectionSettings("value", budgets={"FY2027": 20}))
    assert list(result.decisions["request_id"]) == ["A"]


def test_missing_value_column_says_which_measures_exist():
    with pytest.raises(SelectionError, match="no npv column"):
        select_portfolio(pd.DataFrame({"request_id": ["A"], "score": [1]}), SelectionSettings("npv"))


def test_excluded_request_reports_blocking_exclusion_and_dependency():
    requests = pd.DataFrame(
        {
            "request_id": ["A", "B", "C"],
            "value": [10, 5, 3],
            "excludes": [None, "A", None],
            "depends_on": [None, None, "B"],
        }
    )
    result = select_portfolio(requests, SelectionSettings("value"))
    table = result.decisions.set_index("request_id")
    assert result.selected_ids == ["A"]
    assert "excluded by A (mutually exclusive)" in table.at["B", "what_would_get_it_in"]
    assert "needs B, which is not selected" in table.at["C", "what_would_get_it_in"]


def test_binding_constraints_and_value_per_cost_are_reported():
    requests, estimates, capacity, settings = random_case(3)
    result = select_portfolio(requests, settings, estimates, capacity)
    assert result.constraints["binding"].any()
    assert set(result.constraints["kind"]) == {"budget", "capacity"}
    assert (result.constraints["used"] <= result.constraints["limit"] + 1e-9).all()
    chosen = result.decisions[result.decisions["selected"]]
    assert (chosen["value_per_cost"] == chosen["value"] / chosen["cost"]).all()


def test_total_budget_and_fiscal_year_costs_move_with_deferral_across_the_year_end():
    assert fiscal_year_label(2027 * 12 + 6, 7) == "FY2028"  # July 2027 is in FY2028 when the year starts in July
    assert fiscal_year_label(2027 * 12 + 5, 7) == "FY2027"
    requests = pd.DataFrame(
        {"request_id": ["A"], "value": [5], "cost_FY2027": [100], "start_month": ["2027-06"], "duration_months": [1]}
    )
    settings = SelectionSettings(
        "value", budgets={"FY2027": 50, "FY2028": 200}, max_deferral_months=1, fiscal_year_start_month=7
    )
    result = select_portfolio(requests, settings)
    assert result.selected_ids == ["A"]
    assert result.decisions.at[0, "start_month"] == "2027-07"
    total = select_portfolio(requests, SelectionSettings("value", total_budget=99))
    assert total.selected_ids == []


def test_efficient_frontier_rises_with_budget_and_each_point_states_its_gap():
    requests, estimates, capacity, settings = random_case(5, logic=False)
    problem = build_problem(requests, settings, estimates, capacity)
    frontier = efficient_frontier(problem, points=6, gap_tolerance=0.0)
    assert len(frontier) == 6
    assert (frontier["value"].diff().dropna() >= -1e-9).all()
    assert (frontier["proven_gap"] <= 1e-9).all()
    assert frontier["value"].iloc[-1] == pytest.approx(
        brute_force(requests, estimates, capacity, SelectionSettings("value", budgets={"FY2027": 1e12}))
    )


def test_greedy_by_ratio_never_beats_the_optimum():
    for seed in range(5):
        requests, estimates, capacity, settings = random_case(seed)
        problem = build_problem(requests, settings, estimates, capacity)
        assert greedy_by_ratio(problem) <= select_portfolio(requests, settings, estimates, capacity).value + 1e-9


def test_scenarios_save_load_and_compare_side_by_side(tmp_path):
    requests, estimates, capacity, settings = random_case(2)
    lean = SelectionSettings("value", budgets={"FY2027": 0.2 * requests["cost_FY2027"].sum()})
    path = save_scenarios(tmp_path / "scenarios.json", [Scenario("base", settings), Scenario("lean", lean)])
    save_scenarios(path, [Scenario("no R0", settings, {"R0": ("out", "sponsor left")})])
    scenarios = load_scenarios(path)
    assert [s.name for s in scenarios] == ["base", "lean", "no R0"]
    assert scenarios[1].settings == lean
    results = run_scenarios(requests, scenarios, estimates, capacity)
    table = compare_scenarios(results).set_index("request_id")
    assert list(table.columns) == ["title", "base", "lean", "no R0"]
    assert table.at["R0", "no R0"] == "out"
    assert float(table.at["TOTAL value", "lean"].replace(",", "")) <= results["base"].value
    assert table.at["status", "base"] == "optimal"


def test_budget_option_parsing():
    assert parse_budget("FY2027=1.5m") == ("FY2027", 1_500_000)
    assert parse_budget("fy2028=800k") == ("FY2028", 800_000)
    assert parse_budget("FY2029=1,250,000") == ("FY2029", 1_250_000)
    with pytest.raises(SelectionError, match="write it as FY2027=1500000"):
        parse_budget("2027:1m")


def hard_case(count=60, seed=1):
    """Demand 2.2 times capacity over 4 roles: HiGHS needs about a second to prove the optimum of 60 requests."""
    rng = np.random.default_rng(seed)
    roles = [f"Role {index}" for index in range(4)]
    rows, estimates = [], []
    demand = np.zeros((4, 12))
    for index in range(count):
        start = int(rng.integers(0, 10))
        duration = int(rng.integers(2, 13 - start))
        for role in rng.choice(4, size=2, replace=False):
            fte = float(np.round(rng.uniform(0.2, 2.0), 1))
            for month in range(start, start + duration):
                estimates.append((f"R{index:03d}", roles[role], MONTHS[month], fte))
                demand[role, month] += fte
        rows.append(
            {
                "request_id": f"R{index:03d}",
                "value": float(np.round(rng.uniform(20, 95), 1)),
                "cost_FY2027": float(rng.integers(10, 100)) * 1000,
                "start_month": MONTHS[start],
                "duration_months": duration,
            }
        )
    requests = pd.DataFrame(rows)
    capacity = pd.DataFrame(
        [(roles[r], MONTHS[m], round(0.45 * demand[r, m], 1)) for r in range(4) for m in range(12)],
        columns=["role", "month", "capacity_fte"],
    )
    resources = pd.DataFrame(estimates, columns=["request_id", "role", "month", "fte"])
    return requests, resources, capacity, {"FY2027": 0.4 * requests["cost_FY2027"].sum()}


def test_a_time_limited_solve_states_its_gap_honestly_and_its_bound_holds():
    requests, resources, capacity, budgets = hard_case()
    proven = select_portfolio(requests, SelectionSettings("value", budgets, time_limit_seconds=60), resources, capacity)
    assert proven.status == "optimal"
    rushed = select_portfolio(
        requests, SelectionSettings("value", budgets, time_limit_seconds=0.05), resources, capacity
    )
    assert rushed.proven_gap > 0
    assert rushed.status == f"within {rushed.proven_gap * 100:.2g} % of optimal"
    assert rushed.bound >= proven.value - 1e-6  # the dual bound really bounds the optimum
    assert rushed.value <= proven.value + 1e-6
    assert rushed.proven_gap == pytest.approx((rushed.bound - rushed.value) / rushed.bound)


def test_frontier_points_outside_the_tolerance_are_flagged_and_warned():
    requests, resources, capacity, budgets = hard_case()
    problem = build_problem(requests, SelectionSettings("value", budgets), resources, capacity)
    frontier = efficient_frontier(problem, points=4, gap_tolerance=0.0, time_limit_seconds=0.05)
    outside = frontier[~frontier["within_tolerance"]]
    assert len(outside)  # 0.05 s (and 0.15 s on the retry) cannot prove these optima
    assert (outside["proven_gap"] > 0).all()
    assert len(frontier.attrs["warnings"]) == len(outside)
    assert "outside the 0.0% tolerance" in frontier.attrs["warnings"][0]
    assert (frontier.loc[frontier["within_tolerance"], "proven_gap"] <= 1e-9).all()


def test_frontier_retries_a_point_the_time_limit_left_outside_the_tolerance(monkeypatch):
    import pmo_xl.portfolio.selection.frontier as selection

    requests, resources, capacity, budgets = hard_case()
    problem = build_problem(requests, SelectionSettings("value", budgets), resources, capacity)
    limits_used = []
    solve = selection.solve_selection

    def recording(*arguments, **options):
        limits_used.append(options["time_limit_seconds"])
        return solve(*arguments, **options)

    monkeypatch.setattr(selection, "solve_selection", recording)
    monkeypatch.setattr(selection, "_FRONTIER_RETRY_FACTORS", (400.0,))
    frontier = efficient_frontier(problem, points=3, gap_tolerance=0.01, time_limit_seconds=0.05)
    assert 20.0 in limits_used  # the point the 0.05 s solve left outside 1 % was solved again, longer
    assert frontier["within_tolerance"].all() and (frontier["proven_gap"] <= 0.01 + 1e-9).all()
    assert frontier.attrs["warnings"] == ()
