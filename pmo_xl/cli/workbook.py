"""`pmo workbook build|upgrade` and `pmo setup excel`."""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath

import click

from pmo_xl.cli._group import main, progress_echo


@main.group()
def workbook() -> None:
    """Build or upgrade pmo_workbook.xlsm, the PMO's workbook with the PMO ribbon tab."""


@workbook.command("build")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("pmo_workbook.xlsm"),
    show_default=True,
    help="Where to write the workbook (must end in .xlsm).",
)
@click.option(
    "--via-excel",
    is_flag=True,
    help="Windows only: import the VBA through Excel's COM instead (fallback; not deterministic).",
)
def build(out: Path, via_excel: bool) -> None:
    """Build the PMO workbook from the text sources: sheets, VBA modules, the PMO ribbon.

    The same sources give the same file, so the committed pmo_workbook.xlsm can be checked against a fresh build.

    \b
    Reads:  the VBA, ribbon and sheet sources shipped with pmo_xl
    Writes: --out, the PMO workbook (.xlsm)

    \b
    Example:
      pmo workbook build --out pmo_workbook.xlsm
    """
    from pmo_xl.workbook import build_via_excel, build_workbook

    written = build_via_excel(out) if via_excel else build_workbook(out)
    click.echo(f"Wrote {written}")


@workbook.command("upgrade")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The new workbook (default: OLD-upgraded.xlsm next to OLD).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def upgrade(old: Path, out: Path | None, force: bool) -> None:
    """Carry the register, requests, scoring model, capacity, log and settings of OLD into a fresh build.

    OLD is only read. Columns you added to a table are kept; settings new to this version get their defaults.

    \b
    Reads:  OLD, a PMO workbook (.xlsm)
    Writes: --out, the new PMO workbook (.xlsm)

    \b
    Example:
      pmo workbook upgrade "PMO 2025.xlsm" --out pmo_workbook.xlsm
    """
    from pmo_xl.workbook import upgrade_workbook

    progress_echo(f"Reading the PMO's tables from {old}")
    click.echo(f"Wrote {upgrade_workbook(old, out, force)}")


@main.group()
def setup() -> None:
    """Set up this computer for the PMO workbook."""


@setup.command("excel")
@click.option(
    "--python",
    "base_python",
    type=click.Path(path_type=Path),
    default=None,
    help="The Python to build the environment from (default: the one running pmo).",
)
@click.option(
    "--wheelhouse",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Install from this folder of wheels only (no internet, e.g. behind a proxy).",
)
@click.option(
    "--package",
    "package_spec",
    default=None,
    help="What pip installs into the environment (a wheel file, a path, a version). Default: what this pmo-xl was "
    "installed from (its clone, or its wheel), since pmo-xl is not on PyPI.",
)
@click.option(
    "--workbook",
    "workbook_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Copy this pmo_workbook.xlsm into the trusted folder.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
def setup_excel(
    base_python: Path | None,
    wheelhouse: Path | None,
    package_spec: str | None,
    workbook_path: Path | None,
    dry_run: bool,
) -> None:
    """Make a Python environment for Excel and point xlwings at it.

    \b
    It creates (or reuses) a venv under your local app data, installs pmo-xl into it, writes INTERPRETER_WIN
    (Windows) or INTERPRETER_MAC (macOS) into your own xlwings.conf, and copies the workbook into a trusted folder.
    Store-app Python (WindowsApps) is refused: Excel cannot start it.

    \b
    Reads:  --workbook (pmo_workbook.xlsm); --wheelhouse (a folder of wheels)
    Writes: a venv under your local app data, your xlwings.conf, a copy of the workbook in a
            trusted folder

    \b
    Example:
      pmo setup excel --workbook pmo_workbook.xlsm
      pmo setup excel --wheelhouse \\\\server\\share\\pmo-wheels --dry-run
    """
    from pmo_xl.workbook.setup_excel import apply_setup, current_platform, installed_from, plan_setup

    platform = current_platform()
    home = Path.home()
    config = home / ".xlwings" / "xlwings.conf"
    plan = plan_setup(
        platform,
        home=PurePath(home),
        base_python=PurePath(base_python or sys.executable),
        existing_config=config.read_text(encoding="utf-8") if config.exists() else "",
        local_app_data=PurePath(os.environ["LOCALAPPDATA"]) if "LOCALAPPDATA" in os.environ else None,
        package_spec=package_spec or installed_from(),
        wheelhouse=wheelhouse,
    )
    click.echo(f"Python environment: {plan.venv_dir}\nExcel will start:   {plan.interpreter}")
    for command in plan.commands:
        click.echo("  $ " + " ".join(command))
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    apply_setup(plan, workbook_path, progress=progress_echo)
    click.echo("Done. Open the workbook and click PMO > Check setup.")
