"""The efficient frontier: the best value the pipeline gives at a range of budget levels, each with its proof."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pmo_xl.portfolio.selection.inputs import SelectionError
from pmo_xl.portfolio.selection.model import SelectionProblem
from pmo_xl.portfolio.selection.solve import SelectionResult, solve_selection


def efficient_frontier(
    problem: SelectionProblem,
    points: int = 20,
    low: float | None = None,
    high: float | None = None,
    gap_tolerance: float = 0.01,
    time_limit_seconds: float | None = None,
    progress=None,
) -> pd.DataFrame:
    """Best value at `points` budget levels: every budget limit scaled by a common factor from `low` to `high`.

    Each point states its own proven gap. A point the time limit stopped outside `gap_tolerance` is solved once
    more with three times the limit; if it is still outside, `within_tolerance` is False and
    `frame.attrs["warnings"]` says so.

    The default range runs from what the commitments need to a little past the budget at which the budget stops
    binding (beyond it, capacity alone limits the portfolio and the curve is flat).
    """
    budget_rows = [row for row, limit in enumerate(problem.limits) if limit.kind in ("budget", "total")]
    if not budget_rows:
        raise SelectionError("the efficient frontier varies the budget: give a fiscal-year or total budget")
    base = np.array([limit.limit for limit in problem.limits])
    seconds = float(time_limit_seconds if time_limit_seconds is not None else problem.settings.time_limit_seconds)

    def solve(limits: np.ndarray) -> SelectionResult:
        result = solve_selection(
            problem, limits, time_limit_seconds=seconds, gap_tolerance=gap_tolerance, explain=False
        )
        for extra in _FRONTIER_RETRY_FACTORS:
            if _within(result, gap_tolerance):
                break
            # The time limit stopped it outside the tolerance: once more with longer, keeping the better proof.
            retry = solve_selection(
                problem, limits, time_limit_seconds=seconds * extra, gap_tolerance=gap_tolerance, explain=False
            )
            total_seconds = retry.solve_seconds + result.solve_seconds
            result = replace(min((retry, result), key=_gap_or_inf), solve_seconds=total_seconds)
        return result

    # The portfolio with no budget limit at all: at every budget level it fits, it is also the answer there, so
    # the flat end of the curve costs one solve instead of one per point. Its proven gap holds there too: the
    # optimum at a smaller budget is at most the optimum without one.
    unlimited_limits = base.copy()
    unlimited_limits[budget_rows] = np.inf
    unlimited = solve(unlimited_limits)
    unlimited_usage = problem.usage @ _chosen_vector(problem, unlimited)
    committed = problem.usage @ np.array(
        [
            problem.requests[r].committed and d == 0
            for r, d in zip(problem.variant_request, problem.variant_delay, strict=True)
        ],
        float,
    )
    positive = [row for row in budget_rows if base[row] > 0]
    low = max((committed[row] / base[row] for row in positive), default=0.0) if low is None else low
    needed = max((unlimited_usage[row] / base[row] for row in positive), default=1.0)
    high = max(needed * 1.1, low * 1.1, 1e-6) if high is None else high
    total_rows = [row for row in budget_rows if problem.limits[row].kind == "total"]
    rows = []
    for factor in np.linspace(max(low, 1e-6), high, points):
        limits = base.copy()
        limits[budget_rows] = base[budget_rows] * factor
        fits_unlimited = np.all(unlimited_usage[budget_rows] <= limits[budget_rows] + 1e-9)
        result = unlimited if fits_unlimited else solve(limits)
        cost = result.cost
        rows.append(
            {
                "budget_factor": factor,
                "budget": float(limits[total_rows[0]] if total_rows else limits[budget_rows].sum()),
                "value": result.value,
                "cost": cost,
                "value_per_cost": result.value / cost if cost else None,
                "requests_selected": int(result.decisions["selected"].sum()),
                "budget_binding": result is not unlimited,
                "status": result.status,
                "proven_gap": result.proven_gap,
                "within_tolerance": _within(result, gap_tolerance),
                "seconds": result.solve_seconds if result is not unlimited or not rows else 0.0,
            }
        )
        if progress:
            progress(
                f"frontier point {len(rows)}/{points}: budget x{factor:.2f} -> value {result.value:,.1f} "
                f"({result.status})"
            )
    frontier = pd.DataFrame(rows)
    outside = frontier[~frontier["within_tolerance"]]
    frontier.attrs["warnings"] = tuple(
        f"frontier point {position + 1} (budget {row.budget:,.0f}): {row.status}, outside the "
        f"{gap_tolerance:.1%} tolerance even after a longer solve; raise --time-limit to tighten it"
        for position, row in zip(outside.index, outside.itertuples(), strict=True)
    )
    return frontier


_FRONTIER_RETRY_FACTORS = (3.0,)


def _gap_or_inf(result: SelectionResult) -> float:
    return float("inf") if result.proven_gap is None else result.proven_gap


def _within(result: SelectionResult, gap_tolerance: float) -> bool:
    return _gap_or_inf(result) <= gap_tolerance + 1e-9


def _chosen_vector(problem: SelectionProblem, result: SelectionResult) -> np.ndarray:
    """The 0/1 variant vector of a result (which request, at which deferral)."""
    delays = dict(zip(result.decisions["request_id"], result.decisions["deferral_months"], strict=True))
    chosen = np.zeros(len(problem.variant_request))
    for column, (request, delay) in enumerate(zip(problem.variant_request, problem.variant_delay, strict=True)):
        picked = delays.get(problem.requests[request].request_id)
        if picked is not None and not pd.isna(picked) and int(picked) == delay:
            chosen[column] = 1.0
    return chosen
