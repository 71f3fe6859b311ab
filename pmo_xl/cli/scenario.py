"""`pmo scenario save|compare|commit`: keep a selection run with its inputs, set runs side by side, and record the
one the committee approved (pmo_xl.portfolio.selection.saved; docs/scenarios.md)."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import click

from pmo_xl.cli._group import main, progress_echo
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import capacity_option, ledger_option, register_option, requests_option
from pmo_xl.errors import PmoError

_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
_SCENARIO_FILE = click.option(
    "--file",
    "scenario_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The scenario file (JSON): the one pmo scenario save, pmo optimize --save-scenario and pmo import "
    "project-online write.",
)


@main.group()
def scenario() -> None:
    """Save selection runs as named scenarios, compare them side by side, commit the one approved.

    A scenario keeps its inputs (budgets, capacity, forces with reasons, the scoring model and its version, the
    files it read: resources, costs, capacity, model) and what the selection
    came to (in and out, value, cost by year, capacity use by role, binding constraints).
    """


@scenario.command("save", cls=JsonCommand)
@click.argument("name")
@requests_option(role="The pipeline the scenario chooses from.")
@capacity_option(role="Netted as pmo optimize nets it; each role's capacity a month is a limit.")
@click.option("--budget", "budgets", multiple=True, metavar="FY=AMOUNT", help="Budget per fiscal year, repeatable.")
@click.option("--total-budget", type=float, help="Budget over all fiscal years.")
@click.option("--value", "value_measure", default="score", show_default=True, help="score, npv or benefit.")
@click.option("--max-deferral", type=int, default=0, show_default=True, help="Months a start may move later.")
@click.option("--fiscal-year-start", type=click.IntRange(1, 12), default=1, show_default=True)
@click.option("--force-in", multiple=True, metavar="ID=REASON", help="Force a request in, with the reason.")
@click.option("--force-out", multiple=True, metavar="ID=REASON", help="Force a request out, with the reason.")
@click.option("--resources", type=_EXISTING, help="Resource estimates (request_id, role, month, fte), as pmo optimize "
              "reads them. Default: the estimates --requests holds.")  # fmt: skip
@click.option("--costs", type=_EXISTING, help="Costs as a long table (request_id, fiscal_year, cost), as pmo optimize "
              "reads them.")  # fmt: skip
@click.option("--model", "model_path", type=_EXISTING, help="The ScoringModel to score with (default: the PMO "
              "default model); its name and version are kept with the run.")  # fmt: skip
@click.option("--scores", "score_set", type=click.Choice(["pmo", "requester", "board"]), default=None,
              help="Which criterion values the score uses. Default: pmo for a table file, requester for forms.")  # fmt: skip
@click.option("--out", "scenario_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The scenario file (JSON) to keep it in; a scenario of the same name there is replaced.")  # fmt: skip
def save_command(name, requests, capacity, budgets, total_budget, value_measure, max_deferral, fiscal_year_start,
                 force_in, force_out, resources, costs, model_path, score_set, scenario_file):  # fmt: skip
    """Run the selection and keep it under NAME, with its inputs and what it came to.

    \b
    Reads:  --requests (a pipeline workbook, a CSV or a folder of request forms); --capacity, --resources,
            --costs, --model (workbook or CSV); --out when it exists (.json)
    Writes: --out, the scenario file (.json)

    \b
    Example:
      pmo scenario save "Lean 2027" --requests requests.xlsx --capacity capacity.xlsx \\
          --budget FY2027=1.2m --force-in REQ-7='Board decision 2027-02' --out scenarios.json
    """
    from pmo_xl.cli._scenarios import ScenarioInputs, save_scenario_run

    if requests is None:
        raise click.UsageError("give --requests, the pipeline to choose from")
    inputs = ScenarioInputs(requests, capacity, resources, costs, model_path, score_set, budgets, total_budget,
                            value_measure, max_deferral, fiscal_year_start, force_in, force_out)  # fmt: skip
    saved = save_scenario_run(
        name, inputs, scenario_file, progress_echo, dt.datetime.now().astimezone().isoformat(timespec="seconds")
    )
    run = saved.run
    click.echo(f"{name}: {run.status}, {len(run.selected)} request(s) in, {value_measure} {run.value:,.2f} for cost "
               f"{run.cost:,.2f} -> {scenario_file}")  # fmt: skip
    return {"name": name, "status": run.status, "selected": list(run.selected), "value": run.value,
            "cost": run.cost, "cost_by_year": dict(run.cost_by_year), "binding": list(run.binding),
            "outputs": {"scenarios": scenario_file}, "warnings": [], "exit": 0}  # fmt: skip


@scenario.command("compare", cls=JsonCommand)
@click.argument("names", nargs=-1, required=True)
@_SCENARIO_FILE
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The comparison workbook (.xlsx) to write.")  # fmt: skip
def compare_command(names, scenario_file, output):
    """Set saved scenarios side by side in a printable workbook: in or out per request, value, cost by year,
    capacity use by role, binding constraints.

    \b
    Reads:  --file, the scenario file (.json)
    Writes: --out, the comparison workbook (.xlsx)

    \b
    Example:
      pmo scenario compare "Lean 2027" "Growth 2027" --file scenarios.json --out compare.xlsx
    """
    from pmo_xl.cli._scenarios import read_scenario_file
    from pmo_xl.portfolio.selection.compare_workbook import write_comparison_workbook
    from pmo_xl.portfolio.selection.saved import compare_saved, pick_scenarios

    picked = pick_scenarios(read_scenario_file(scenario_file), names, str(scenario_file))
    comparison = compare_saved(picked)
    path = write_comparison_workbook(comparison, output, f"Scenarios compared: {', '.join(names)}")
    click.echo(f"{len(names)} scenario(s) side by side -> {path}")
    return {"scenarios": list(names), "outputs": {"workbook": path}, "warnings": [], "exit": 0}


@scenario.command("commit", cls=JsonCommand)
@click.argument("name")
@_SCENARIO_FILE
@register_option(role="The PMO's register: read, never changed; the new register is it plus the new projects.",
                 required=True)  # fmt: skip
@ledger_option(role="The decision is recorded there, append-only.")
@requests_option(role="The pipeline the scenario was saved from (default: the file its run names).")
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The new register (.csv) to write; never the --register file.")  # fmt: skip
@click.option("--by", "committed_by", help="Who approved it (default: the user logged in).")
@click.option("--pm", "project_managers", multiple=True, metavar="ID=NAME",
              help="The project manager of an approved request without one, repeatable: --pm REQ-7='Ana Silva'.")  # fmt: skip
def commit_command(name, scenario_file, register, ledger, requests, output, committed_by, project_managers):
    """Record the scenario NAME as approved, and write a new register in which its approved requests are projects.

    The approved requests become active projects at stage Initiation, ready for `pmo generate`. The PMO's own
    register is never edited.

    \b
    Reads:  --file (.json), --register (.csv or .xlsx), --requests, --ledger
    Writes: --out, the new register (.csv); a row in the ledger

    \b
    Example:
      pmo scenario commit "Lean 2027" --file scenarios.json --register register.csv \\
          --ledger pmo_ledger.db --by "Steering committee 2027-01" --out register-2027.csv
    """
    from pmo_xl.cli._scenarios import commit_scenario

    if ledger is None:
        raise click.UsageError("give --ledger, where the decision is recorded")
    who = committed_by or _login()
    when = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    decision = commit_scenario(name, scenario_file, register, ledger, requests, output, who, when, project_managers)
    click.echo(f"{name}: committed by {who}; {len(decision.approved)} request(s) approved, "
               f"{len(decision.new_projects)} new project(s) -> {output}")  # fmt: skip
    return {"name": name, "approved": list(decision.approved), "new_projects": list(decision.new_projects),
            "committed_by": who, "committed_at": when, "outputs": {"register": output}, "warnings": [],
            "exit": 0}  # fmt: skip


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise PmoError("who committed it cannot be told from this computer's login; give --by NAME") from None
