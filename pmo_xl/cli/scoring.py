"""`pmo score` and `pmo optimize`: read the tables, call pmo_xl.portfolio.scoring / pmo_xl.portfolio.selection, write a workbook.

Each returns its summary, which `--json` prints (cli/_json.py, docs/json-output.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
import pandas as pd

from pmo_xl.cli._group import main, progress_echo
from pmo_xl.cli._json import JsonCommand, records, verdict_entry
from pmo_xl.cli._options import capacity_option, requests_argument
from pmo_xl.collect.requests import read_request_pipeline
from pmo_xl.excel.tables import read_table
from pmo_xl.portfolio.ahp import AhpResult, ahp_weights
from pmo_xl.portfolio.backlog import rank_backlog
from pmo_xl.portfolio.criteria import DEFAULT_MODEL, ScoringModelSpec
from pmo_xl.portfolio.scoring import (
    SCORE_SETS,
    read_scoring_model,
    score_requests,
    with_weights,
    write_backlog_workbook,
    write_scores_workbook,
)
from pmo_xl.portfolio.selection import (
    OptimizeRequest,
    SelectionResult,
    SelectionSettings,
    load_scenarios,
    optimize,
    parse_budget,
    parse_forces,
    save_scenarios,
    write_selection_workbook,
)

# The demo and `pmo capacity` call the estimates table RequestResources; earlier pipelines ResourceEstimates.
RESOURCE_TABLES = ("ResourceEstimates", "RequestResources")
# The columns of the SelectionTable that `--json` lists per request (docs/json-output.md).
DECISION_FIELDS = ["request_id", "title", "selected", "decision", "start_month", "deferral_months", "cost",
                   "what_would_get_it_in"]  # fmt: skip
_existing = click.Path(exists=True, dir_okay=False, path_type=Path)


def _pipeline(requests: Path) -> tuple[pd.DataFrame, pd.DataFrame | None, bool, list[dict]]:
    """(request table, resource estimates or None, whether it came from request forms, the rejected forms)."""
    pipeline = read_request_pipeline(requests)
    rejected = [verdict for verdict in pipeline.verdicts if verdict.status == "rejected"]
    for verdict in rejected:
        reasons = "; ".join(finding.describe() for finding in verdict.errors[:3])
        click.secho(f"rejected {verdict.path}: {reasons}", fg="yellow", err=True)
    if pipeline.from_forms:
        progress_echo(f"{len(pipeline.requests)} request form(s) read from {requests}")
    resources = pipeline.resources if len(pipeline.resources) else None
    return pipeline.requests, resources, pipeline.from_forms, [verdict_entry(verdict) for verdict in rejected]


def _score_set(score_set: str | None, from_forms: bool) -> str:
    # Request forms hold the requester's own scores only; a table file is ranked on the PMO's scores by default.
    return score_set or ("requester" if from_forms else "pmo")


def _output(requests: Path, output: Path | None, suffix: str) -> Path:
    return output or requests.with_name(f"{requests.stem}-{suffix}.xlsx")


def _model(model_path: Path | None, ahp_path: Path | None) -> tuple[ScoringModelSpec, AhpResult | None]:
    """The scoring model, with the weights of the AHP matrix when one is given (and that matrix's result)."""
    model = read_scoring_model(model_path) if model_path else DEFAULT_MODEL
    if not ahp_path:
        return model, None
    matrix = read_table(ahp_path)
    result = ahp_weights(matrix.drop(columns=matrix.columns[0]).to_numpy(dtype=object).tolist())
    model = with_weights(model, result.weights)
    progress_echo(
        f"AHP weights: {', '.join(f'{c.criterion_id} {c.weight:.3f}' for c in model.criteria)}; "
        f"CR {result.consistency_ratio:.3f}"
    )
    if result.flag:
        click.secho(f"warning: {result.flag}", fg="yellow", err=True)
    return model, result


@main.command("score", cls=JsonCommand)
@requests_argument()
@click.option(
    "--model",
    "model_path",
    type=_existing,
    help="Workbook with a ScoringModel table, or its CSV. Default: the built-in PMO default model.",
)
@click.option(
    "--scores",
    "score_set",
    type=click.Choice(SCORE_SETS),
    default=None,
    help="Which set of criterion values ranks: pmo_<criterion>, requester_<criterion> or board_<criterion>. "
    "Default: pmo for a table file, requester for a folder of request forms.",
)
@click.option(
    "--ahp",
    "ahp_path",
    type=_existing,
    help="CSV pairwise comparison matrix (first column and header "
    "row name the criteria, in model order); its weights replace the model's.",
)
@click.option(
    "--method",
    type=click.Choice(["weighted", "wsjf", "rice"]),
    default="weighted",
    show_default=True,
    help="wsjf/rice rank a backlog on their own relative scale, never mixed with weighted scores.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output workbook. Default: REQUESTS-scores.xlsx beside the input.",
)
def score_command(requests, model_path, score_set, ahp_path, method, output):
    """Score and rank project requests against the ScoringModel (0-100, fixed anchors).

    REQUESTS is a CSV or workbook (table Requests, else the first sheet) with request_id, title and one
    column per criterion and score set, e.g. pmo_strategic_fit, requester_strategic_fit; or a folder of
    collected request forms (project_request workbooks), which are validated first.

    \b
    Reads:  REQUESTS (a pipeline workbook, a CSV or a folder of request forms); --model
            (workbook or CSV); --ahp (.csv)
    Writes: -o, a workbook (.xlsx; REQUESTS-scores.xlsx by default)

    \b
    Example:
      pmo score inbox/requests/
      pmo score pipeline.csv --model pmo_workbook.xlsm --scores pmo -o scores.xlsx
      pmo score backlog.csv --method wsjf
    """
    table, _, from_forms, rejected_forms = _pipeline(requests)
    score_set = _score_set(score_set, from_forms)
    if method != "weighted":
        ranking = rank_backlog(table, method)
        path = write_backlog_workbook(ranking, _output(requests, output, method))
        click.echo(f"{len(ranking.table)} item(s) ranked by {method.upper()} -> {path}")
        ranked = ranking.table.rename(columns={method: "score", f"{method}_rank": "rank"})
        return {
            "method": method,
            "model": None,
            "score_set": None,
            "ahp": None,
            "ranking": records(ranked, ["request_id", "title", "rank", "score"]),
            "rejected_forms": rejected_forms,
            "outputs": {"workbook": path},
            "warnings": [],
            "exit": 0,
        }
    model, ahp = _model(model_path, ahp_path)
    result = score_requests(table, model, score_set)
    path = write_scores_workbook(result, _output(requests, output, "scores"))
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    ranked = result.table.sort_values("rank", kind="stable")
    click.echo(f"{len(result.table)} request(s) scored with {model.name} v{model.version} ({score_set} scores):")
    for row in ranked.head(5).itertuples():
        click.echo(f"  {row.rank:>3}. {row.request_id}  {row.score:6.1f}")
    click.echo(f"-> {path}")
    return {
        "method": method,
        "model": {"name": model.name, "version": model.version},
        "score_set": score_set,
        "ahp": _ahp_summary(model, ahp),
        "ranking": records(ranked, ["request_id", "title", "rank", "score"]),
        "rejected_forms": rejected_forms,
        "outputs": {"workbook": path},
        "warnings": [*result.warnings, *([ahp.flag] if ahp and ahp.flag else [])],
        "exit": 0,
    }


def _ahp_summary(model: ScoringModelSpec, ahp: AhpResult | None) -> dict | None:
    if ahp is None:
        return None
    return {
        "weights": {criterion.criterion_id: criterion.weight for criterion in model.criteria},
        "consistency_ratio": ahp.consistency_ratio,
        "flag": ahp.flag,
    }


@main.command("optimize", cls=JsonCommand)
@requests_argument()
@click.option(
    "--value",
    "value_measure",
    default="score",
    show_default=True,
    help="What to maximise: score, npv or benefit (a column of REQUESTS).",
)
@click.option(
    "--budget",
    "budgets",
    multiple=True,
    metavar="FY=AMOUNT",
    help="Budget per fiscal year, repeatable: --budget FY2027=1.5m --budget FY2028=1.2m",
)
@click.option("--total-budget", type=float, help="Budget over all fiscal years.")
@click.option(
    "--resources",
    type=_existing,
    help="Resource estimates: request_id, role, month (YYYY-MM), fte; a CSV, or a workbook's ResourceEstimates or "
    "RequestResources table. Default: the estimates REQUESTS holds (its RequestResources table, or the forms').",
)
@capacity_option(role="Netted by its productive ratio as pmo capacity does; each role's capacity a month is a limit.")
@click.option(
    "--costs",
    type=_existing,
    help="Costs as a long table: request_id, fiscal_year, cost (instead of, or on top of, cost_FY2027... columns).",
)
@click.option(
    "--model",
    "model_path",
    type=_existing,
    help="ScoringModel to score with when --value score and REQUESTS has no score column.",
)
@click.option(
    "--scores",
    "score_set",
    type=click.Choice(SCORE_SETS),
    default=None,
    help="Which criterion values the score uses when it is computed here (pmo_..., requester_..., board_...). "
    "Default: pmo for a table file, requester for a folder of request forms.",
)
@click.option(
    "--max-deferral",
    type=int,
    default=0,
    show_default=True,
    help="A request may start up to this many months later than planned.",
)
@click.option(
    "--fiscal-year-start",
    type=click.IntRange(1, 12),
    default=1,
    show_default=True,
    help="First month of the fiscal year (FY2027 starting in April runs 2026-04 to 2027-03).",
)
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds the solver may use.")
@click.option(
    "--gap",
    type=float,
    default=0.0,
    show_default=True,
    help="Stop when proven within this percent of optimal (0 = prove the optimum).",
)
@click.option(
    "--frontier",
    "frontier_points",
    type=int,
    default=0,
    help="Also compute the efficient frontier at this many budget levels (each within 1 % of optimal).",
)
@click.option(
    "--force-in",
    "force_in",
    multiple=True,
    metavar="ID=REASON",
    help="Force a request in for this run, with the reason: --force-in REQ-7='Board decision 2027-02'",
)
@click.option("--force-out", "force_out", multiple=True, metavar="ID=REASON", help="Force a request out, with reason.")
@click.option("--save-scenario", help="Save these settings under this name in --scenarios.")
@click.option(
    "--scenarios",
    "scenario_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scenario file (JSON). Default: REQUESTS-scenarios.json beside the input.",
)
@click.option("--compare", is_flag=True, help="Run every saved scenario and compare them side by side.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output workbook. Default: REQUESTS-portfolio.xlsx beside the input.",
)
def optimize_command(
    requests,
    value_measure,
    budgets,
    total_budget,
    resources,
    capacity,
    costs,
    model_path,
    score_set,
    max_deferral,
    fiscal_year_start,
    time_limit,
    gap,
    frontier_points,
    force_in,
    force_out,
    save_scenario,
    scenario_file,
    compare,
    output,
):
    """Choose the requests that maximise total value within budgets and role capacity.

    Mandatory and in-flight requests take budget and capacity first; force (in/out with force_reason),
    depends_on and excludes columns are honoured. The result says honestly whether it is proven optimal or
    how close ("within 0.6 % of optimal"), which constraints bind, and what would get each excluded request in.

    \b
    Reads:  REQUESTS (a pipeline workbook, a CSV or a folder of request forms); --resources,
            --capacity, --costs, --model (workbook or CSV); --scenarios (.json)
    Writes: -o, a workbook (.xlsx; REQUESTS-portfolio.xlsx by default); with --save-
            scenario, the scenario file (.json)

    \b
    Example:
      pmo optimize pipeline.csv --value npv --budget FY2027=2m --budget FY2028=1.5m \\
          --resources estimates.csv --capacity capacity.csv --max-deferral 3 --frontier 20
    """
    table, form_resources, from_forms, rejected_forms = _pipeline(requests)
    settings = SelectionSettings(value_measure, dict(parse_budget(text) for text in budgets), total_budget,
                                 max_deferral, time_limit, gap / 100.0, fiscal_year_start)  # fmt: skip
    request = OptimizeRequest(
        settings,
        resources=read_table(resources, RESOURCE_TABLES, first_sheet=True) if resources else form_resources,
        capacity=_capacity_table(capacity) if capacity else None,
        costs=read_table(costs, "Costs", first_sheet=True) if costs else None,
        scoring_model=_model(model_path, None)[0] if value_measure == "score" or compare else DEFAULT_MODEL,
        score_set=_score_set(score_set, from_forms),
        forces={**parse_forces(force_in, "in"), **parse_forces(force_out, "out")},
        scenario_name=save_scenario or "this run",
        frontier_points=frontier_points,
    )
    scenario_path = scenario_file or requests.with_name(f"{requests.stem or requests.name}-scenarios.json")
    if save_scenario:
        save_scenarios(scenario_path, [request.scenario])
        progress_echo(f"scenario {save_scenario!r} saved in {scenario_path}")
    if compare:
        request = replace(request, compare=load_scenarios(scenario_path))
        progress_echo(f"{len(request.compare)} scenario(s) read from {scenario_path}")
    result = optimize(table, request, progress_echo)
    selection = result.selection
    path = write_selection_workbook(selection, _output(requests, output, "portfolio"), result.frontier,
                                    result.comparison)  # fmt: skip
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    click.echo(f"{selection.status}: {len(selection.selected_ids)} of {len(selection.decisions)} request(s) selected, "
               f"total {value_measure} {selection.value:,.2f} for cost {selection.cost:,.2f}")  # fmt: skip
    if selection.binding:
        click.echo(f"binding: {', '.join(selection.binding[:8])}{' ...' if len(selection.binding) > 8 else ''}")
    click.echo(f"-> {path}")
    return {
        **_selection_summary(selection),
        "decisions": records(selection.decisions, DECISION_FIELDS),
        "binding": selection.binding,
        "frontier_points": 0 if result.frontier is None else len(result.frontier),
        "scenarios": [{"name": name, **_selection_summary(run)} for name, run in result.scenarios.items()],
        "rejected_forms": rejected_forms,
        "outputs": {"workbook": path, "scenarios": scenario_path if save_scenario or compare else None},
        "warnings": list(result.warnings),
        "exit": 0,
    }


def _capacity_table(path: Path) -> pd.DataFrame:
    """The file of `--capacity`, as every command reads it: the PMO workbook's `Capacity` table, a `CapacityPlan`
    table (role, month, capacity_fte), or a CSV of either shape (pmo_xl.portfolio.capacity.read_capacity)."""
    from pmo_xl.portfolio.capacity import read_capacity

    return read_capacity(path)


def _selection_summary(result: SelectionResult) -> dict:
    """What a selection came to: how sure, how much value for what cost, which requests."""
    return {
        "status": result.status,
        "proven_gap": result.proven_gap,
        "value_measure": result.settings.value_measure,
        "value": result.value,
        "bound": result.bound,
        "cost": result.cost,
        "requests": len(result.decisions),
        "selected": result.selected_ids,
    }
