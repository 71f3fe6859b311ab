"""`pmo import plan` and `pmo import project-online`: thin shells over pmo_xl.imports (docs/import.md,
docs/project-online.md)."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import key_flag_number, plan_baseline_option
from pmo_xl.cli.import_online import project_online_command


@main.group("import")
def import_group() -> None:
    """Bring in what the PMO already has: Microsoft Project plans and Project Online exports.

    `pmo import plan` reads a project plan (.mpp, .mpx, Project XML); `pmo import project-online` turns what was
    exported from Project Online's ProjectData feed into a new register, a request pipeline with its scenarios, a
    scoring model and each project's first status workbook's content. A plan saved as Project XML is read in Python. A .mpp or .mpx file is read by MPXJ, which needs the plans
    extra and Java: pip install -e '.[plans]' in the clone (or the wheel with [plans]), and a Java runtime 11 or newer.
    """


@import_group.command("plan", cls=JsonCommand)
@click.argument("plan", type=click.Path(path_type=Path))
@plan_baseline_option(
    "With --workbook: it gives a new milestone's baseline date; one the workbook holds keeps its own."
)
@click.option(
    "--workbook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A project status workbook the PM is filling: its Milestones table is refreshed from PLAN, every other "
    "entry kept. Give --out, or --in-place with --backup.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --workbook: where the refreshed workbook is written (never the workbook itself).",
)
@click.option("--in-place", is_flag=True, help="With --workbook: replace the workbook itself; needs --backup.")
@click.option(
    "--backup",
    is_flag=True,
    help="With --in-place: first copy the workbook, as it was, to NAME.backup.xlsx beside it (NAME.backup-2.xlsx "
    "if that exists). Keep the copy out of the collect inbox.",
)
@click.option(
    "--key-flag",
    type=click.UNPROCESSED,
    callback=key_flag_number,
    metavar="FlagN",
    help="With --workbook: the rows are the tasks with this flag set (Flag1 to Flag20), marked key.",
)
@click.option(
    "--outline-level",
    type=click.IntRange(min=1),
    help="With --workbook: the rows are the summary tasks at this outline level (1: the top-level phases).",
)
def plan_command(
    plan: Path,
    baseline: int,
    workbook: Path | None,
    out_path: Path | None,
    in_place: bool,
    backup: bool,
    key_flag: int | None,
    outline_level: int | None,
) -> dict:
    """Read PLAN (.mpp, .mpx or Project XML) and list its tasks; --json gives every task's dates (docs/import.md).

    The kind of file is told from what it holds, not from its name. Each task keeps the plan's own UID, which
    stays the same when tasks are moved or renamed. The project summary task and blank rows are not tasks.

    With --workbook, the Milestones table of a status workbook a PM is already filling is refreshed from PLAN, as
    pmo generate --plans fills it: ids M-P<UID>, the workbook's baseline dates kept (the PMO's), the plan's dates
    as forecast and actual. Every other entry of the workbook stays as it is. The workbook itself is never
    changed unless --in-place, and then only after --backup has copied it.

    \b
    Reads:  PLAN, a Microsoft Project plan (.mpp and .mpx need the plans extra and Java); --workbook
    Writes: nothing; with --workbook, --out (or the workbook with --in-place, and its backup)

    \b
    Example:
      pmo import plan "Data centre move.mpp" --baseline 1 --json > plan.json
      pmo import plan PRJ-001.xml --workbook "PRJ-001 - Data centre move - 2026-03.xlsx" --out refreshed.xlsx
    """
    from pmo_xl.imports.plans import read_plan

    target = _refresh_target(workbook, out_path, in_place, backup, key_flag, outline_level)
    read = read_plan(plan, baseline=baseline)
    dates = f"{read.start} to {read.finish}" if read.start and read.finish else "no dates"
    title = f' "{read.title}"' if read.title else ""
    click.echo(f"{read.source} ({read.file_format}){title}: {len(read.tasks)} task(s), "
               f"{len(read.milestones)} milestone(s), {dates}; baseline {baseline}")  # fmt: skip
    refresh = None
    if workbook is not None:
        refresh = _refresh(read, workbook, target, in_place, backup, key_flag, outline_level)
    else:
        if read.milestones:
            click.echo("Milestones (UID, finish, baseline finish, actual finish, name):")
        for task in read.milestones:
            click.echo(f"  {task.uid:>6}  {_day(task.finish)}  {_day(task.baseline_finish)}  "
                       f"{_day(task.actual_finish)}  {task.name}")  # fmt: skip
    return {"plan": plan, "format": read.file_format, "title": read.title, "baseline": baseline,
            "tasks": [task.as_record() for task in read.tasks], "refresh": refresh, "warnings": [],
            "exit": 0}  # fmt: skip


def _refresh_target(workbook, out_path, in_place, backup, key_flag, outline_level) -> Path | None:
    """Where the refreshed workbook goes, every refused combination of options a usage error."""
    if workbook is None:
        if out_path or in_place or backup or key_flag is not None or outline_level is not None:
            raise click.UsageError("--out, --in-place, --backup, --key-flag and --outline-level refresh a workbook; "
                                   "add --workbook STATUS.xlsx")  # fmt: skip
        return None
    if key_flag is not None and outline_level is not None:
        raise click.UsageError("choose the Milestones rows by --key-flag or by --outline-level, not both")
    if in_place == (out_path is not None):
        raise click.UsageError("give --out NEW.xlsx, or --in-place --backup to replace the workbook itself")
    if in_place and not backup:
        raise click.UsageError("--in-place replaces the workbook the PM is filling: add --backup to keep a copy")
    if backup and not in_place:
        raise click.UsageError("--backup goes with --in-place; with --out the workbook itself is left as it is")
    if out_path is not None and out_path.resolve() == workbook.resolve():
        raise click.UsageError("--out names the workbook itself: use --in-place --backup to replace it")
    return workbook if in_place else out_path


def _refresh(read, workbook: Path, target: Path, in_place: bool, backup: bool, key_flag, outline_level) -> dict:
    from pmo_xl.collect.plan_refresh import refresh_milestones
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.generate.plan_milestones import MilestoneSelection

    original = workbook.read_bytes()
    refreshed = refresh_milestones(original, workbook.name, read, MilestoneSelection(key_flag, outline_level))
    backup_path = None
    if in_place and backup:
        backup_path = _free_backup_name(workbook)
        write_bytes_atomic(backup_path, original)
    write_bytes_atomic(target, refreshed.data)
    click.echo(f"{refreshed.project_id} {refreshed.reporting_period}: Milestones refreshed: {refreshed.describe()}")
    if backup_path is not None:
        click.echo(f"the workbook as it was is kept in {backup_path}")
    click.echo(f"wrote {target}")
    return {"workbook": workbook, "out": target, "backup": backup_path, "project_id": refreshed.project_id,
            "reporting_period": refreshed.reporting_period, "from_plan": refreshed.milestones.from_plan,
            "kept": refreshed.milestones.kept, "closed_kept": refreshed.closed_kept,
            "done_before": refreshed.milestones.done_before,
            "ids": [row.get("id") for row in refreshed.rows]}  # fmt: skip


def _free_backup_name(workbook: Path) -> Path:
    candidate = workbook.with_name(f"{workbook.stem}.backup{workbook.suffix}")
    number = 2
    while candidate.exists():
        candidate = workbook.with_name(f"{workbook.stem}.backup-{number}{workbook.suffix}")
        number += 1
    return candidate


def _day(day) -> str:
    return day.isoformat() if day else "-".ljust(10)


import_group.add_command(project_online_command)
