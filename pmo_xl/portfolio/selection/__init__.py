"""Portfolio selection: the set of requests that maximises value within budgets and role capacity.

The choice is a mixed-integer programme solved by HiGHS. The modules, in the order they build on each other:

- `inputs`: the settings, and the request, cost, resource and capacity tables read into requests and limits
- `model`: the programme (variables per request and start, budget, capacity and logic rows)
- `explain`: why each request is in or out, what would get it in, which constraints bind
- `solve`: the HiGHS solve and its `SelectionResult`; `select_portfolio` builds and solves in one call
- `baseline`: greedy by value per cost, what a spreadsheet would do, to measure against
- `frontier`: the best value at a range of budgets
- `scenarios`: named what-ifs, run and compared, and their JSON file
- `run`: `optimize(pipeline, OptimizeRequest)`, everything `pmo optimize` and the ribbon's Optimise do between
  reading their inputs and writing the workbook
- `options`: budgets and forces written as text ('FY2027=1.2m', 'REQ-7=Board decision')
- `workbook`: the selection workbook

The names below are the package's public surface; import them from here.
"""

from pmo_xl.portfolio.selection.baseline import greedy_by_ratio
from pmo_xl.portfolio.selection.frontier import efficient_frontier
from pmo_xl.portfolio.selection.inputs import (
    REQUEST_COLUMNS,
    SelectionError,
    SelectionSettings,
    parse_capacity,
    parse_requests,
    selection_capacity,
)
from pmo_xl.portfolio.selection.model import SelectionProblem, build_problem
from pmo_xl.portfolio.selection.options import parse_budget, parse_forces
from pmo_xl.portfolio.selection.run import OptimizeRequest, OptimizeResult, optimize
from pmo_xl.portfolio.selection.scenarios import (
    Scenario,
    apply_scenario,
    compare_scenarios,
    load_scenarios,
    run_scenarios,
    save_scenarios,
)
from pmo_xl.portfolio.selection.solve import SelectionResult, select_portfolio, solve_selection
from pmo_xl.portfolio.selection.workbook import write_selection_workbook

__all__ = [
    "REQUEST_COLUMNS",
    "OptimizeRequest",
    "OptimizeResult",
    "Scenario",
    "SelectionError",
    "SelectionProblem",
    "SelectionResult",
    "SelectionSettings",
    "apply_scenario",
    "build_problem",
    "compare_scenarios",
    "efficient_frontier",
    "greedy_by_ratio",
    "load_scenarios",
    "optimize",
    "parse_budget",
    "parse_capacity",
    "parse_forces",
    "parse_requests",
    "run_scenarios",
    "save_scenarios",
    "select_portfolio",
    "selection_capacity",
    "solve_selection",
    "write_selection_workbook",
]
