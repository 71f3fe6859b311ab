"""One optimisation run, as `pmo optimize` and the ribbon's Optimise do it: `optimize(pipeline, OptimizeRequest)`.

Tables and settings in, results out, with no file and no click: the command reads its files and writes the
workbook around this call, and the ribbon hands it the workbook's own tables. A pipeline without a score column is
scored here when a score is to be maximised, with the request's scoring model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from pmo_xl.portfolio.criteria import DEFAULT_MODEL, ScoringModelSpec
from pmo_xl.portfolio.scoring import with_scores
from pmo_xl.portfolio.selection.frontier import efficient_frontier
from pmo_xl.portfolio.selection.inputs import SelectionSettings, selection_capacity
from pmo_xl.portfolio.selection.model import build_problem
from pmo_xl.portfolio.selection.scenarios import Scenario, apply_scenario, compare_scenarios, run_scenarios
from pmo_xl.portfolio.selection.solve import SelectionResult, select_portfolio


@dataclass(frozen=True)
class OptimizeRequest:
    """What to choose and how.

    `capacity` is either shape `selection_capacity` takes (role, month, capacity_fte; or the PMO workbook's
    Capacity table, netted as `pmo capacity` nets it). `forces` (request_id -> ('in'|'out', reason)) apply to this
    run as the scenario `scenario_name`. `compare`, when given, is run scenario by scenario and set side by side.
    """

    settings: SelectionSettings
    resources: pd.DataFrame | None = None
    capacity: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    scoring_model: ScoringModelSpec = DEFAULT_MODEL
    score_set: str = "pmo"
    forces: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    scenario_name: str = "this run"
    frontier_points: int = 0
    compare: Sequence[Scenario] | None = None

    @property
    def scenario(self) -> Scenario:
        """This run as a scenario: its name, settings and forces (what `--save-scenario` keeps)."""
        return Scenario(self.scenario_name, self.settings, self.forces)


@dataclass(frozen=True)
class OptimizeResult:
    selection: SelectionResult
    frontier: pd.DataFrame | None = None
    scenarios: Mapping[str, SelectionResult] = field(default_factory=dict)
    comparison: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()


def optimize(
    pipeline: pd.DataFrame, request: OptimizeRequest, progress: Callable[[str], None] | None = None
) -> OptimizeResult:
    """Choose from `pipeline` (one row per request) within the request's budgets and capacity.

    `progress` hears what is being solved (each frontier point as it is done), for a status bar or a terminal.
    """
    say = progress or (lambda _text: None)
    settings = request.settings
    capacity = (
        None
        if request.capacity is None
        else selection_capacity(request.capacity, request.resources, settings, pipeline)
    )
    if settings.value_measure == "score":
        pipeline = _scored(pipeline, request)
    table = apply_scenario(pipeline, request.scenario) if request.forces else pipeline
    tables = (request.resources, capacity, request.costs)
    say(f"selecting from {len(table)} request(s) (time limit {settings.time_limit_seconds:g} s)...")
    model = request.scoring_model if settings.value_measure == "score" else None
    selection = select_portfolio(table, settings, *tables, scoring_model=model)
    frontier = None
    frontier_warnings: tuple[str, ...] = ()
    if request.frontier_points:
        frontier = efficient_frontier(build_problem(table, settings, *tables), request.frontier_points, progress=say)
        frontier_warnings = tuple(frontier.attrs.get("warnings", ()))
    results: dict[str, SelectionResult] = {}
    comparison = None
    if request.compare is not None:
        say(f"running {len(request.compare)} scenario(s)...")
        if any(scenario.settings.value_measure == "score" for scenario in request.compare):
            pipeline = _scored(pipeline, request)
        results = run_scenarios(pipeline, request.compare, *tables)
        comparison = compare_scenarios(results)
    return OptimizeResult(selection, frontier, results, comparison, (*selection.warnings, *frontier_warnings))


def _scored(pipeline: pd.DataFrame, request: OptimizeRequest) -> pd.DataFrame:
    """The pipeline with its score: as given when it has a score column, else from the request's scoring model."""
    if "score" in pipeline.columns:
        return pipeline
    scored, _warnings = with_scores(pipeline, request.scoring_model, request.score_set)
    return scored
