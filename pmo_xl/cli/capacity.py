"""`pmo capacity`: demand against capacity by role and month, written as a formatted workbook.

It returns its summary, which `--json` prints (cli/_json.py, docs/json-output.md)."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main, progress_echo
from pmo_xl.cli._json import JsonCommand, records
from pmo_xl.cli._options import capacity_option, ledger_option, requests_option
from pmo_xl.portfolio.capacity import (
    CapacitySettings,
    Hire,
    Scenario,
    ScenarioComparison,
    Shift,
    horizon_start,
    latest_period,
    parse_stage_probabilities,
    plan_capacity,
    read_capacity,
    read_portfolio,
    what_if,
)
from pmo_xl.portfolio.capacity_report import write_capacity_workbook

_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _from_ledger(ledger: Path):
    from pmo_xl.reporting.views import load_views

    views = load_views(ledger)
    return views.resources, views.status


def _pipeline(requests: Path):
    from pmo_xl.collect.requests import read_request_pipeline

    pipeline = read_request_pipeline(requests)
    return pipeline.requests, pipeline.resources


@main.command("capacity", cls=JsonCommand)
@click.option("--portfolio", type=_EXISTING_FILE, help="portfolio.xlsx from `pmo collect` (Resources, Status).")
@ledger_option("Or this instead of --portfolio: committed demand from the latest accepted status reports.")
@capacity_option("capacity_file", required=True)
@requests_option("requests_file", role="Its requests are the tentative demand, weighted by stage.")
@click.option("--period", help="Current period YYYY-MM. Default: the latest reporting period in the portfolio.")
@click.option("--horizon", type=click.IntRange(1, 60), default=12, show_default=True, help="Months to plan.")
@click.option(
    "--line",
    type=click.Choice(["committed", "weighted", "all_pending"]),
    default="weighted",
    show_default=True,
    help="Demand line the heatmap and over-allocation list assess.",
)
@click.option("--amber", type=float, default=0.85, show_default=True, help="Utilisation from which a cell is amber.")
@click.option("--red", type=float, default=1.0, show_default=True, help="Utilisation above which a cell is red.")
@click.option(
    "--stale-after",
    type=click.IntRange(0),
    default=3,
    show_default=True,
    help="Drop projects whose last report is more than this many periods old.",
)
@click.option(
    "--working-days", type=float, default=20.0, show_default=True, help="Working days per month (hours -> FTE)."
)
@click.option("--hours-per-day", type=float, default=8.0, show_default=True, help="Hours per FTE day (hours -> FTE).")
@click.option(
    "--probability",
    "probabilities",
    multiple=True,
    metavar="STAGE=P",
    help="Probability of a request stage, e.g. approved=0.8. Repeatable.",
)
@click.option(
    "--shift", "shifts", multiple=True, metavar="ID:K", help="What-if: move a project or request by K months."
)
@click.option("--hire", "hires", multiple=True, metavar="ROLE:FTE@YYYY-MM", help="What-if: add a hire.")
@click.option("--drop-request", "dropped", multiple=True, metavar="ID", help="What-if: leave a request out.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("capacity_plan.xlsx"),
    show_default=True,
    help="Workbook to write.",
)
@click.option("--force", is_flag=True, help="Replace the output if it exists.")
def capacity_command(
    portfolio,
    ledger,
    capacity_file,
    requests_file,
    period,
    horizon,
    line,
    amber,
    red,
    stale_after,
    working_days,
    hours_per_day,
    probabilities,
    shifts,
    hires,
    dropped,
    output,
    force,
):
    """Demand against net capacity, by role and month: heatmap, over-allocation, chart, what-if.

    \b
    Demand is shown as three lines: committed (active projects), + the request
    pipeline weighted by stage probability, + every pending request at full weight.
    Projects on hold, closed or not reported for --stale-after periods are dropped
    and listed. Any --shift/--hire/--drop-request adds a What-if sheet that shows
    the plan before and after, side by side; the inputs are never changed.

    \b
    Reads:  --portfolio (portfolio.xlsx) or --ledger (pmo_ledger.db); --capacity (workbook or
            CSV); --requests (workbook, CSV or folder of request forms)
    Writes: -o, a workbook (.xlsx; capacity_plan.xlsx by default)

    \b
    Example:
      pmo capacity --portfolio portfolio.xlsx --capacity pmo_workbook.xlsm \\
          --requests requests.xlsx --horizon 24 -o capacity_plan.xlsx
      pmo capacity --ledger pmo_ledger.db --capacity capacity.csv --requests request-forms/
      pmo capacity --portfolio portfolio.xlsx --capacity capacity.csv \\
          --shift P-014:+3 --hire "Data engineer:2@2026-06" --drop-request REQ-031
    """
    if (portfolio is None) == (ledger is None):
        raise click.UsageError("give either --portfolio or --ledger: where committed demand comes from")
    demand_source = portfolio or ledger
    progress_echo(
        f"Reading {demand_source.name}, {capacity_file.name}" + (f", {requests_file.name}" if requests_file else "")
    )
    resources, status = read_portfolio(portfolio) if portfolio else _from_ledger(ledger)
    capacity = read_capacity(capacity_file)
    requests, request_resources = _pipeline(requests_file) if requests_file else (None, None)
    settings = CapacitySettings(
        horizon_months=horizon,
        working_days_per_month=working_days,
        hours_per_fte_day=hours_per_day,
        stale_after_periods=stale_after,
        stage_probabilities=parse_stage_probabilities(probabilities),
        amber_from=amber,
        red_above=red,
        assessed_line=line,
    )
    current_period = horizon_start(period or latest_period(status))
    inputs = (capacity, resources, status, requests, request_resources)
    scenario = Scenario(
        shifts=tuple(map(Shift.parse, shifts)), hires=tuple(map(Hire.parse, hires)), dropped_requests=tuple(dropped)
    )
    comparison = None
    if scenario.is_empty:
        plan = plan_capacity(*inputs, current_period=current_period, settings=settings)
    else:
        comparison = what_if(*inputs, current_period=current_period, settings=settings, scenario=scenario)
        plan = comparison.before
    write_capacity_workbook(plan, output, comparison=comparison, force=force)
    over = plan.over_allocations
    click.echo(
        f"Wrote {output}: {len(plan.roles)} roles x {len(plan.months)} months from {plan.current_period}; "
        f"{len(over)} over-allocation(s), {len(plan.dropped)} dropped project(s)/request(s)."
    )
    if len(over):
        top = over.iloc[0]
        who = top["person"] or top["role"]
        click.echo(f"Largest shortfall: {who} in {top['month']}, {top['shortfall_fte']:.2f} FTE short.")
    return {
        "current_period": plan.current_period,
        "months": list(plan.months),
        "roles": list(plan.roles),
        "assessed_line": plan.settings.assessed_line,
        "over_allocations": records(over),
        "dropped": records(plan.dropped),
        "what_if": None if comparison is None else _what_if_summary(comparison),
        "outputs": {"workbook": output},
        "warnings": [],
        "exit": 0,
    }


def _what_if_summary(comparison: ScenarioComparison) -> dict:
    """The what-if's over-allocations, to set beside the plan's (which is the plan before it)."""
    return {
        "shifts": [{"item_id": shift.item_id, "months": shift.months} for shift in comparison.scenario.shifts],
        "hires": [
            {"role": hire.role, "fte": hire.fte, "from_month": hire.from_month} for hire in comparison.scenario.hires
        ],
        "dropped_requests": list(comparison.scenario.dropped_requests),
        "over_allocations_after": records(comparison.after.over_allocations),
    }
