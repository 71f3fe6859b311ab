"""`pmo import plan`: a thin shell over pmo_xl.imports.plans.read_plan (docs/imports.md)."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import plan_baseline_option


@main.group("import")
def import_group() -> None:
    """Bring in what the PMO already has: project plans from Microsoft Project (.mpp, .mpx, Project XML).

    A plan saved as Project XML is read in Python. A .mpp or .mpx file is read by MPXJ, which needs the plans
    extra and Java: pip install 'pmo-xl[plans]', and a Java runtime 11 or newer.
    """


@import_group.command("plan", cls=JsonCommand)
@click.argument("plan", type=click.Path(path_type=Path))
@plan_baseline_option()
def plan_command(plan: Path, baseline: int) -> dict:
    """Read PLAN (.mpp, .mpx or Project XML) and list its tasks; --json gives every task's dates (docs/imports.md).

    The kind of file is told from what it holds, not from its name. Each task keeps the plan's own UID, which
    stays the same when tasks are moved or renamed. The project summary task and blank rows are not tasks.

    \b
    Reads:  PLAN, a Microsoft Project plan (.mpp and .mpx need the plans extra and Java)
    Writes: nothing

    \b
    Example:
      pmo import plan "Data centre move.mpp" --baseline 1 --json > plan.json
    """
    from pmo_xl.imports.plans import read_plan

    read = read_plan(plan, baseline=baseline)
    dates = f"{read.start} to {read.finish}" if read.start and read.finish else "no dates"
    title = f' "{read.title}"' if read.title else ""
    click.echo(f"{read.source} ({read.file_format}){title}: {len(read.tasks)} task(s), "
               f"{len(read.milestones)} milestone(s), {dates}; baseline {baseline}")  # fmt: skip
    if read.milestones:
        click.echo("Milestones (UID, finish, baseline finish, actual finish, name):")
    for task in read.milestones:
        click.echo(f"  {task.uid:>6}  {_day(task.finish)}  {_day(task.baseline_finish)}  {_day(task.actual_finish)}"
                   f"  {task.name}")  # fmt: skip
    return {"plan": plan, "format": read.file_format, "title": read.title, "baseline": baseline,
            "tasks": [task.as_record() for task in read.tasks], "warnings": [], "exit": 0}  # fmt: skip


def _day(day) -> str:
    return day.isoformat() if day else "-".ljust(10)
