"""The selection as a mixed-integer programme: one 0/1 variable per request and start (its planned month or a
deferral), one row per budget or role-month of capacity, and the logic rows (commitments, forces, dependencies,
exclusions).

These are multi-dimensional knapsacks (NP-hard); `solve.py` hands them to HiGHS. `build_problem` refuses a problem
whose mandatory and in-flight requests alone overrun a limit: no choice of the others can repair that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pmo_xl.periods import fiscal_year_label
from pmo_xl.portfolio.selection.inputs import (
    VALUE_MEASURES,
    Request,
    SelectionError,
    SelectionSettings,
    month_label,
    parse_capacity,
    parse_requests,
)

if TYPE_CHECKING:
    from scipy import sparse

# scipy is imported where a problem is built or solved: it costs every `pmo` command most of a second to load.


@dataclass(frozen=True)
class Limit:
    """One resource constraint row: a fiscal-year budget, the total budget, or a role's capacity in a month."""

    name: str
    kind: str
    limit: float
    role: str = ""
    month: int = -1
    fiscal_year: str = ""


@dataclass(frozen=True)
class SelectionProblem:
    requests: tuple[Request, ...]
    settings: SelectionSettings
    variant_request: np.ndarray
    variant_delay: np.ndarray
    limits: tuple[Limit, ...]
    usage: sparse.csr_matrix  # limits x variants
    warnings: tuple[str, ...]


def _roles_spelt_as_in_the_capacity_plan(
    requests: Sequence[Request], capacity_limits: Mapping[tuple[str, int], float]
) -> list[Request]:
    """Roles match ignoring case, as in the capacity plan: an estimate for 'developer' draws on 'Developer'."""
    spelling = {role.casefold(): role for role, _month in capacity_limits}
    matched = []
    for request in requests:
        demand: dict[tuple[str, int], float] = {}
        for (role, month), fte in request.demand.items():
            key = (spelling.get(role.casefold(), role), month)
            demand[key] = demand.get(key, 0.0) + fte
        matched.append(replace(request, demand=demand) if demand != dict(request.demand) else request)
    return matched


def build_problem(
    requests: pd.DataFrame,
    settings: SelectionSettings,
    resources: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
) -> SelectionProblem:
    if settings.value_measure not in VALUE_MEASURES and settings.value_measure not in requests.columns:
        raise SelectionError(f"value measure must be one of {', '.join(VALUE_MEASURES)}")
    if not 1 <= settings.fiscal_year_start_month <= 12:
        raise SelectionError("the fiscal year start month must be 1-12")
    parsed, found_warnings = parse_requests(requests, settings, resources, costs)
    capacity_limits = parse_capacity(capacity)
    parsed = _roles_spelt_as_in_the_capacity_plan(parsed, capacity_limits)
    limits: list[Limit] = []
    for label, amount in sorted(settings.budgets.items()):
        limits.append(Limit(f"Budget {label}", "budget", float(amount), fiscal_year=label))
    if settings.total_budget is not None:
        limits.append(Limit("Budget total", "total", float(settings.total_budget)))
    for (role, month), amount in sorted(capacity_limits.items(), key=lambda item: (item[0][1], item[0][0])):
        limits.append(Limit(f"{role} {month_label(month)}", "capacity", amount, role=role, month=month))
    index = {(limit.kind, limit.fiscal_year, limit.role, limit.month): row for row, limit in enumerate(limits)}
    variant_request, variant_delay = [], []
    rows, cols, data = [], [], []
    unplanned: set[tuple[str, int]] = set()
    unbudgeted: set[str] = set()
    start_month = settings.fiscal_year_start_month
    held_to_horizon: list[str] = []
    for position, request in enumerate(parsed):
        for delay in range(request.max_deferral + 1):
            if delay and _leaves_the_horizon(request, delay, capacity_limits, settings):
                if not held_to_horizon or held_to_horizon[-1] != request.request_id:
                    held_to_horizon.append(request.request_id)
                continue
            column = len(variant_request)
            variant_request.append(position)
            variant_delay.append(delay)
            for label, amount in request.fy_cost(delay, start_month).items():
                row = index.get(("budget", label, "", -1))
                if row is None:
                    if delay == 0 and settings.budgets:
                        unbudgeted.add(label)
                    continue
                rows.append(row), cols.append(column), data.append(amount)
            if settings.total_budget is not None:
                rows.append(index[("total", "", "", -1)]), cols.append(column), data.append(request.total_cost)
            for (role, month), fte in request.demand.items():
                row = index.get(("capacity", "", role, month + delay))
                if row is None:
                    if delay == 0 and capacity_limits:
                        unplanned.add((role, month))
                    continue
                rows.append(row), cols.append(column), data.append(fte)
    if held_to_horizon:
        found_warnings.append(
            f"{len(held_to_horizon)} request(s) cannot be deferred as far as allowed, because a later start would put "
            "demand outside the capacity plan or cost in a fiscal year with no budget: "
            f"{', '.join(held_to_horizon[:10])}{' ...' if len(held_to_horizon) > 10 else ''}"
        )
    found_warnings.extend(_dependencies_planned_out_of_order(parsed))
    if unbudgeted:
        found_warnings.append(f"no budget given for {', '.join(sorted(unbudgeted))}: costs there are not constrained")
    if unplanned:
        roles = sorted({role for role, _ in unplanned})
        found_warnings.append(
            f"{len(unplanned)} role-month(s) of demand fall outside the capacity plan and are not constrained "
            f"(roles: {', '.join(roles[:8])})"
        )
    from scipy import sparse

    usage = sparse.csr_matrix((data, (rows, cols)), shape=(len(limits), len(variant_request)))
    problem = SelectionProblem(
        tuple(parsed),
        settings,
        np.array(variant_request, dtype=int),
        np.array(variant_delay, dtype=int),
        tuple(limits),
        usage,
        tuple(found_warnings),
    )
    _check_commitments(problem)
    return problem


def _leaves_the_horizon(
    request: Request, delay: int, capacity_limits: Mapping[tuple[str, int], float], settings: SelectionSettings
) -> bool:
    """Whether starting `delay` months late moves planned demand or cost out of what the plan and budgets cover.

    Beyond the capacity plan's last month, or in a fiscal year with no budget, nothing would constrain it: such a
    start is not offered (a PMO cannot commit people or money that no plan covers). Demand or cost that is already
    uncovered at the planned start is warned about once and does not block a deferral.
    """
    if capacity_limits:
        for (role, month), fte in request.demand.items():
            if fte and (role, month) in capacity_limits and (role, month + delay) not in capacity_limits:
                return True
    if settings.budgets:
        start_month = settings.fiscal_year_start_month
        for month, amount in request.monthly_cost.items():
            if (
                amount
                and fiscal_year_label(month, start_month) in settings.budgets
                and fiscal_year_label(month + delay, start_month) not in settings.budgets
            ):
                return True
    return False


def dependency_slack(request: Request, needed: Request) -> int | None:
    """How many months after the dependent the needed request may start; None when either has no start month.

    A needs B: A never starts before B. Where the plan itself has A first, a deferral never widens that lead.
    """
    if request.start is None or needed.start is None:
        return None
    return max(0, needed.start - request.start)


def _dependencies_planned_out_of_order(requests: Sequence[Request]) -> list[str]:
    by_id = {request.request_id: request for request in requests}
    return [
        f"{request.request_id} depends on {needed} but is planned to start before it; a deferral will not widen that"
        for request in requests
        for needed in request.depends_on
        if dependency_slack(request, by_id[needed])
    ]


def _check_commitments(problem: SelectionProblem) -> None:
    """Mandatory and in-flight requests take budget and capacity first; say so plainly if they alone overrun."""
    committed = np.array(
        [
            problem.requests[r].committed and d == 0
            for r, d in zip(problem.variant_request, problem.variant_delay, strict=True)
        ],
        dtype=float,
    )
    if not committed.any():
        return
    used = problem.usage @ committed
    overruns = [
        f"{limit.name}: committed {used[row]:,.2f} of {limit.limit:,.2f}"
        for row, limit in enumerate(problem.limits)
        if used[row] > limit.limit + 1e-9
    ]
    if overruns:
        raise SelectionError(
            "mandatory and in-flight requests alone exceed the limits; raise them or review the "
            "commitments:\n" + "\n".join(f"  - {line}" for line in overruns[:30])
        )


def logic_rows(
    problem: SelectionProblem, requests: Sequence[Request]
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    from scipy import sparse

    position = {request.request_id: index for index, request in enumerate(requests)}
    variants_of: list[list[int]] = [[] for _ in requests]
    for column, request_index in enumerate(problem.variant_request):
        variants_of[request_index].append(column)
    rows, cols, data, lower, upper = [], [], [], [], []

    def add(terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
        row = len(lower)
        for column, coefficient in terms:
            rows.append(row), cols.append(column), data.append(coefficient)
        lower.append(low), upper.append(high)

    for index, request in enumerate(requests):
        chosen = [(column, 1.0) for column in variants_of[index]]
        must = request.committed or request.force == "in"
        if request.force == "out":
            add(chosen, 0.0, 0.0)
        elif must or len(chosen) > 1:
            add(chosen, 1.0 if must else 0.0, 1.0)
        for needed in request.depends_on:
            other = position[needed]
            slack = dependency_slack(request, requests[other])
            if slack is None:
                add([*chosen, *((column, -1.0) for column in variants_of[other])], -np.inf, 0.0)
                continue
            # Each start of A needs B chosen at a start no later than A's (plus the planned lead, if any).
            for column in variants_of[index]:
                latest = request.start + problem.variant_delay[column] + slack
                allowed = [c for c in variants_of[other] if requests[other].start + problem.variant_delay[c] <= latest]
                add([(column, 1.0), *((c, -1.0) for c in allowed)], -np.inf, 0.0)
        for other in request.excludes:
            if position[other] > index or request.request_id not in requests[position[other]].excludes:
                add([*chosen, *((column, 1.0) for column in variants_of[position[other]])], -np.inf, 1.0)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(lower), len(problem.variant_request)))
    return matrix, np.array(lower), np.array(upper)
