"""What a selection means to the PMO: why each request is in or out, what would get an excluded one in, and which
constraints bind.

"What would get it in" is read off the chosen portfolio (the shortfall in each budget or role-month if the request
were added on top, and the smallest later start that fits), not from a re-optimisation: it is cheap enough to say
for every excluded request, and it names the constraint a PMO can act on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pmo_xl.portfolio.selection.inputs import Request, month_label
from pmo_xl.portfolio.selection.model import SelectionProblem

CONSTRAINT_COLUMNS = ["constraint", "kind", "limit", "used", "slack", "utilisation", "requests_kept_out", "binding"]


def explain_choice(
    problem: SelectionProblem, chosen: np.ndarray, rhs: np.ndarray, explain: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(decisions, constraints) for the 0/1 variant vector `chosen` under the limits `rhs`.

    decisions: one row per request (in or out, why, start month, cost, value per cost, what would get it in; the
    last left blank when `explain` is False, as the frontier's many solves need only the numbers).
    constraints: one row per limit, with its use, slack, how many excluded requests it keeps out, and whether it
    binds.
    """
    settings = problem.settings
    requests = problem.requests
    used = problem.usage @ chosen
    delay_of = {
        int(r): int(d)
        for r, d, picked in zip(problem.variant_request, problem.variant_delay, chosen, strict=True)
        if picked
    }
    selected_ids = {requests[r].request_id for r in delay_of}
    blockers: dict[int, int] = {}
    rows = []
    for index, request in enumerate(requests):
        picked = index in delay_of
        delay = delay_of.get(index, 0)
        if picked:
            why = (
                "in flight"
                if request.in_flight
                else "mandatory"
                if request.mandatory
                else f"forced in: {request.force_reason}"
                if request.force == "in"
                else "chosen"
            )
            get_in = ""
        else:
            why = f"forced out: {request.force_reason}" if request.force == "out" else "not chosen"
            get_in = (
                ""
                if request.force == "out" or not explain
                else _what_would_get_it_in(problem, index, selected_ids, used, rhs, blockers)
            )
        cost = request.total_cost
        rows.append(
            {
                "request_id": request.request_id,
                "title": request.title,
                "selected": picked,
                "decision": why,
                "start_month": month_label(request.start + delay) if request.start is not None else "",
                "deferral_months": delay if picked else None,
                settings.value_measure: request.value,
                # A score is only meaningful with the model that produced it.
                **({"model_version": request.model_version} if settings.value_measure == "score" else {}),
                "cost": cost,
                "value_per_cost": request.value / cost if cost else None,
                "what_would_get_it_in": get_in,
            }
        )
    decisions = pd.DataFrame(rows)
    constraint_rows = []
    for row, limit in enumerate(problem.limits):
        slack = rhs[row] - used[row]
        constraint_rows.append(
            {
                "constraint": limit.name,
                "kind": limit.kind,
                "limit": rhs[row],
                "used": used[row],
                "slack": slack,
                "utilisation": used[row] / rhs[row] if rhs[row] else None,
                "requests_kept_out": blockers.get(row, 0),
                "binding": bool(blockers.get(row, 0)) or slack <= 1e-6 * max(1.0, abs(rhs[row])),
            }
        )
    return decisions, pd.DataFrame(constraint_rows, columns=CONSTRAINT_COLUMNS)


def _what_would_get_it_in(
    problem: SelectionProblem,
    index: int,
    selected_ids: set[str],
    used: np.ndarray,
    rhs: np.ndarray,
    blockers: dict[int, int],
) -> str:
    """What it would take to add this request on top of the chosen portfolio (not a re-optimisation)."""
    request = problem.requests[index]
    blocked = [f"excluded by {other} (mutually exclusive)" for other in request.excludes if other in selected_ids]
    blocked += [
        f"excluded by {other.request_id} (mutually exclusive)"
        for other in problem.requests
        if request.request_id in other.excludes
        and other.request_id in selected_ids
        and other.request_id not in request.excludes
    ]
    blocked += [f"needs {other}, which is not selected" for other in request.depends_on if other not in selected_ids]
    columns = np.flatnonzero(problem.variant_request == index)
    best: tuple[float, list[str], list[int]] | None = None
    for column in columns:
        demand = problem.usage[:, column].toarray().ravel()
        short = used + demand - rhs
        over = [row for row in np.flatnonzero(demand > 0) if short[row] > 1e-9]
        if not over:
            best = (0.0, [], [])
            break
        total_short = sum(short[row] / max(rhs[row], 1e-9) for row in over)
        lines = []
        for row in over:
            limit = problem.limits[row]
            if limit.kind == "capacity":
                lines.append(f"{limit.role} short {short[row]:.2f} FTE in {month_label(limit.month)}")
            else:
                lines.append(f"{limit.name} +{short[row]:,.0f}")
        if best is None or total_short < best[0]:
            best = (total_short, lines, list(over))
    if best and best[2]:
        for row in best[2]:
            blockers[row] = blockers.get(row, 0) + 1
    parts = list(blocked)
    if best and best[1]:
        parts.append("needs " + "; ".join(best[1][:4]) + (f" and {len(best[1]) - 4} more" if len(best[1]) > 4 else ""))
        later = _later_start_that_fits(problem, request, used, rhs)
        if later:
            parts.append(f"or would fit if started {later} month(s) later")
    if not parts:
        parts.append(
            "fits, but its value is not positive"
            if request.value <= 0
            else "fits on its own; left out for higher total value"
        )
    return "; ".join(parts)


def _later_start_that_fits(problem: SelectionProblem, request: Request, used: np.ndarray, rhs: np.ndarray) -> int:
    """Smallest extra deferral (up to 12 months) after which it fits, staying inside the planned months/years."""
    if request.start is None:
        return 0
    settings = problem.settings
    rows = {(limit.kind, limit.fiscal_year, limit.role, limit.month): row for row, limit in enumerate(problem.limits)}
    for delay in range(request.max_deferral + 1, request.max_deferral + 13):
        extra = np.zeros(len(problem.limits))
        inside = True
        for label, amount in request.fy_cost(delay, settings.fiscal_year_start_month).items():
            row = rows.get(("budget", label, "", -1))
            if row is None and settings.budgets and amount:
                inside = False
            elif row is not None:
                extra[row] += amount
        for (role, month), fte in request.demand.items():
            row = rows.get(("capacity", "", role, month + delay))
            if row is None and fte and any(limit.role == role for limit in problem.limits):
                inside = False
            elif row is not None:
                extra[row] += fte
        total_row = rows.get(("total", "", "", -1))
        if total_row is not None:
            extra[total_row] += request.total_cost
        if inside and np.all(used + extra <= rhs + 1e-9):
            return delay
    return 0
