"""The baseline a spreadsheet would use, for the benchmark and the tests to measure the optimiser against."""

from __future__ import annotations

import numpy as np

from pmo_xl.portfolio.selection.inputs import Request
from pmo_xl.portfolio.selection.model import SelectionProblem, dependency_slack


def greedy_by_ratio(problem: SelectionProblem, rank_by: str = "value_per_cost") -> float:
    """The baseline a spreadsheet would use: commitments, then down the ranked list, taking each one that fits.

    `rank_by` is "value_per_cost" (greedy by ratio) or "value" (fund the top-scored requests first).
    """
    requests = problem.requests
    usage = problem.usage.tocsc()
    used = np.zeros(len(problem.limits))
    rhs = np.array([limit.limit for limit in problem.limits])
    chosen: set[str] = set()
    start_of: dict[str, int] = {}
    value = 0.0
    columns_of = {r: np.flatnonzero(problem.variant_request == r) for r in range(len(requests))}
    by_id = {request.request_id: request for request in requests}

    def take(index: int, column: int) -> None:
        nonlocal used, value
        used = used + usage[:, column].toarray().ravel()
        chosen.add(requests[index].request_id)
        if requests[index].start is not None:
            start_of[requests[index].request_id] = requests[index].start + int(problem.variant_delay[column])
        value += requests[index].value

    def in_order(request: Request, column: int) -> bool:
        for needed in request.depends_on:
            slack = dependency_slack(request, by_id[needed])
            if slack is not None and start_of[needed] > request.start + int(problem.variant_delay[column]) + slack:
                return False
        return True

    for index, request in enumerate(requests):
        if request.committed or request.force == "in":
            take(index, columns_of[index][0])
    order = sorted(
        (i for i, r in enumerate(requests) if not (r.committed or r.force) and r.value > 0),
        key=lambda i: (
            -(
                requests[i].value
                if rank_by == "value"
                else requests[i].value / requests[i].total_cost
                if requests[i].total_cost
                else np.inf
            )
        ),
    )
    for index in order:
        request = requests[index]
        if any(other not in chosen for other in request.depends_on):
            continue
        if any(other in chosen for other in request.excludes) or any(
            request.request_id in requests[j].excludes for j in range(len(requests)) if requests[j].request_id in chosen
        ):
            continue
        for column in columns_of[index]:
            if np.all(used + usage[:, column].toarray().ravel() <= rhs + 1e-9) and in_order(request, column):
                take(index, column)
                break
    return value
