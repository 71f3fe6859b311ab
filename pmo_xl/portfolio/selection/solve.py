"""Solving the selection with HiGHS (through `scipy.optimize.milp`), and what a solve gives: `SelectionResult`.

At a few hundred requests a proof of optimality can take minutes, so every result states its proven gap from
HiGHS's dual bound ("optimal", or "within 0.6 % of optimal") instead of promising optimality.
`select_portfolio` builds and solves in one call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pmo_xl.portfolio.selection.explain import explain_choice
from pmo_xl.portfolio.selection.inputs import SelectionError, SelectionSettings
from pmo_xl.portfolio.selection.model import SelectionProblem, build_problem, dependency_slack, logic_rows

# A criterion whose id, name or unit says one of these is a cost: scored, it is also what a budget limits.
_COST_WORDS = ("cost", "budget", "price", "spend", "capex", "opex")


@dataclass(frozen=True)
class SelectionResult:
    """One solve: how sure it is (status, proven_gap, bound), the value, and a row per request and per limit."""

    status: str
    proven_gap: float | None
    value: float
    bound: float | None
    decisions: pd.DataFrame
    constraints: pd.DataFrame
    warnings: tuple[str, ...]
    settings: SelectionSettings
    solve_seconds: float

    @property
    def selected_ids(self) -> list[str]:
        return list(self.decisions.loc[self.decisions["selected"], "request_id"])

    @property
    def cost(self) -> float:
        """What the chosen requests cost in all."""
        return float(self.decisions.loc[self.decisions["selected"], "cost"].sum())

    @property
    def binding(self) -> list[str]:
        """The constraints that limit the choice, e.g. 'Budget FY2027'."""
        return list(self.constraints.loc[self.constraints["binding"], "constraint"])


def gap_text(gap: float | None) -> str:
    if gap is None:
        return "no proven bound"
    if gap <= 1e-6:
        return "optimal"
    return f"within {gap * 100:.2g} % of optimal"


def _starts_in_dependency_order(problem: SelectionProblem, chosen: np.ndarray) -> bool:
    start_of = {
        problem.requests[r].request_id: problem.requests[r].start + int(d)
        for r, d, picked in zip(problem.variant_request, problem.variant_delay, chosen, strict=True)
        if picked and problem.requests[r].start is not None
    }
    by_id = {request.request_id: request for request in problem.requests}
    for request in problem.requests:
        if request.request_id not in start_of:
            continue
        for needed in request.depends_on:
            slack = dependency_slack(request, by_id[needed])
            if slack is not None and needed in start_of and start_of[needed] > start_of[request.request_id] + slack:
                return False
    return True


def _start_as_planned_where_possible(problem: SelectionProblem, chosen: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Move deferred requests back towards their planned start while everything still fits; the value is unchanged.

    Done after the solve instead of with a deferral penalty in the objective, so the objective stays the plain
    total value and the proven gap is the gap on value.
    """
    chosen = chosen.copy()
    usage = problem.usage.tocsc()
    used = usage @ chosen
    for column in np.flatnonzero(chosen & (problem.variant_delay > 0)):
        request = problem.variant_request[column]
        for earlier in np.flatnonzero(
            (problem.variant_request == request) & (problem.variant_delay < problem.variant_delay[column])
        ):
            trial = used - usage[:, column].toarray().ravel() + usage[:, earlier].toarray().ravel()
            if not np.all(trial <= rhs + 1e-9):
                continue
            moved = chosen.copy()
            moved[column], moved[earlier] = 0, 1
            if _starts_in_dependency_order(problem, moved):
                chosen, used = moved, trial
                break
    return chosen


def solve_selection(
    problem: SelectionProblem,
    limits: Sequence[float] | None = None,
    time_limit_seconds: float | None = None,
    gap_tolerance: float | None = None,
    explain: bool = True,
) -> SelectionResult:
    """Solve the MILP. `limits` overrides each constraint's limit (the frontier scales budgets this way)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    settings = problem.settings
    requests = problem.requests
    rhs = np.array([limit.limit for limit in problem.limits] if limits is None else limits, dtype=float)
    logic, logic_low, logic_high = logic_rows(problem, requests)
    constraints = []
    if problem.usage.shape[0]:
        constraints.append(LinearConstraint(problem.usage, -np.inf, rhs))
    if logic.shape[0]:
        constraints.append(LinearConstraint(logic, logic_low, logic_high))
    objective = -np.array([requests[r].value for r in problem.variant_request], dtype=float)
    started = time.perf_counter()
    variables = len(objective)
    if variables == 0:
        raise SelectionError("there are no requests to select from")
    outcome = milp(
        objective,
        integrality=np.ones(variables),
        bounds=Bounds(np.zeros(variables), np.ones(variables)),
        constraints=constraints,
        options={
            "time_limit": float(time_limit_seconds if time_limit_seconds is not None else settings.time_limit_seconds),
            "mip_rel_gap": float(gap_tolerance if gap_tolerance is not None else settings.gap_tolerance),
            "disp": False,
        },
    )
    elapsed = time.perf_counter() - started
    if outcome.x is None:
        if outcome.status == 2:
            forced = [r.request_id for r in requests if r.force == "in"]
            raise SelectionError(
                "no selection satisfies the constraints: the forced-in requests"
                f" ({', '.join(forced) or 'none'}), dependencies and exclusions cannot all hold within the limits"
            )
        raise SelectionError(
            f"no feasible selection found within {settings.time_limit_seconds:g} s; allow more time "
            f"(--time-limit) ({outcome.message})"
        )
    chosen = _start_as_planned_where_possible(problem, np.round(outcome.x).astype(int), rhs)
    value = float(sum(requests[r].value for r, picked in zip(problem.variant_request, chosen, strict=True) if picked))
    bound = getattr(outcome, "mip_dual_bound", None)
    gap = None
    if bound is not None and np.isfinite(bound):
        bound = -float(bound)
        if outcome.status == 0 and math.isclose(bound, value, rel_tol=1e-9, abs_tol=1e-9):
            gap = 0.0
        else:
            gap = max(0.0, (bound - value) / abs(bound)) if bound else 0.0
    else:
        bound = None
    decisions, constraints = explain_choice(problem, chosen, rhs, explain)
    return SelectionResult(
        gap_text(gap), gap, value, bound, decisions, constraints, problem.warnings, settings, elapsed
    )


def double_count_warning(model, settings: SelectionSettings) -> str:
    """Warn when a cost criterion in the score is also what the budget constrains (cost counted twice)."""
    if settings.value_measure != "score" or not (settings.budgets or settings.total_budget is not None):
        return ""
    costly = [
        c.name
        for c in model.criteria
        if c.direction == "cost" and any(word in f"{c.criterion_id} {c.name} {c.unit}".lower() for word in _COST_WORDS)
    ]
    if not costly:
        return ""
    return (
        f"the score includes the cost criterion {', '.join(costly)} and the budget also limits cost: cost is "
        "counted twice; drop the criterion's weight or maximise npv/benefit instead"
    )


def select_portfolio(
    requests: pd.DataFrame,
    settings: SelectionSettings,
    resources: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
    scoring_model=None,
) -> SelectionResult:
    """Build and solve in one call: the core of `pmo optimize`."""
    result = solve_selection(build_problem(requests, settings, resources, capacity, costs))
    warning = double_count_warning(scoring_model, settings) if scoring_model is not None else ""
    return replace(result, warnings=(*result.warnings, warning)) if warning else result
