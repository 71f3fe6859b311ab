"""`pmo demo`, `pmo dashboard` and `pmo report`: thin shells over pmo_xl.demo.run, pmo_xl.reporting.dashboard_sheet and
pmo_xl.reporting.report_html.

`pmo dashboard` and `pmo report` return their summaries, which `--json` prints (cli/_json.py, docs/json-output.md)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from pmo_xl.cli._group import CSV_LOCALE_OPTION, main, progress_echo
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import capacity_option, ledger_option, register_option, requests_option
from pmo_xl.periods import check_period

_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _checked_period(_context, _parameter, value: str | None) -> str | None:
    try:
        return check_period(value) if value else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _ledger_options(command):
    options = [
        ledger_option(default=Path("pmo_ledger.db")),
        register_option(
            "Default: the register the last pmo generate --ledger or pmo collect --register recorded in the ledger."
        ),
        click.option(
            "--period",
            callback=_checked_period,
            help="Report on this period, YYYY-MM. Default: the latest period collected.",
        ),
        click.option("--programme", help="Only this programme's projects: each audience its own view."),
        click.option("--business-unit", help="Only this business unit (the register's business_unit column)."),
        capacity_option(role="It gives the capacity hot spots."),
        requests_option(role="With --capacity, its weighted demand joins the hot spots."),
        click.option("--settings", "settings_path", type=_EXISTING_FILE, help="PMO settings (RAG rules, calendar)."),
        CSV_LOCALE_OPTION,
        click.option(
            "--today",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="Count late and missing reports as of this day (YYYY-MM-DD), to reproduce a past cycle. "
            "Default: today.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("demo")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"))
@click.option("--projects", type=click.IntRange(1, 500), default=50, show_default=True, help="Projects in the sample.")
@click.option("--periods", type=click.IntRange(2, 12), default=3, show_default=True, help="Reporting periods.")
@click.option("--seed", type=int, default=7, show_default=True, help="Another seed gives another sample portfolio.")
def demo_command(out: Path, projects: int, periods: int, seed: int) -> None:
    """Run the whole PMO cycle on sample data into OUT, and say where to look.

    Makes a register and a request pipeline, generates the project workbooks, fills them as PMs would for
    several periods (carrying items forward, a few files faulty), collects them into the ledger and
    portfolio.xlsx, plans capacity, scores and selects requests, and writes the dashboard and report.html.
    OUT must be new, empty, or a folder an earlier `pmo demo` made (it is replaced).

    \b
    Reads:  nothing: the sample data are made up in code
    Writes: the folder OUT: register.csv, workbooks/, inbox/, pmo_ledger.db, requests.xlsx,
            capacity.xlsx, capacity_plan.xlsx, request_scores.xlsx, request_selection.xlsx,
            portfolio.xlsx, report.html

    \b
    Example:
      pmo demo demo-output
      pmo demo /tmp/small --projects 10
    """
    from pmo_xl.demo.run import run_demo

    started = time.monotonic()
    result = run_demo(out, projects=projects, periods=periods, seed=seed, progress=progress_echo)
    click.echo(f"Demo of {projects} projects over {', '.join(result.periods)} in {time.monotonic() - started:.1f} s.")
    for line in result.explanation:
        click.echo(f"  {line}")
    click.echo("")
    click.echo(f"Where to look, in {result.out}:")
    width = max(len(_shown(path)) for path, _what in result.files)
    for path, what in result.files:
        click.echo(f"  {_shown(path):<{width}}  {what}")
    click.echo("")
    for line in result.summary_lines:
        click.echo(f"  - {line}")
    for rejection in result.rejected:
        click.echo(f"  rejected: {rejection}")


def _shown(path: Path) -> str:
    """A file of the demo's folder by its name, a folder with a slash."""
    return f"{path.name}/" if path.is_dir() else path.name


@main.command("dashboard", cls=JsonCommand)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path), default=Path("portfolio.xlsx"))
@_ledger_options
def dashboard_command(
    out, ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale, today
):
    """Write OUT (portfolio.xlsx) with the Dashboard sheet first, rebuilt from the ledger.

    Counts by RAG and stage (also weighted by budget), declared against derived RAG, the RAG trend, slipping key
    milestones, progress, top risks, budget against forecast, capacity hot spots and the submission tracker, as
    tables with native Excel charts that point at them.

    \b
    Reads:  the ledger (pmo_ledger.db); --register (.csv/.xlsx), --capacity and --requests
            (workbook, CSV or folder of request forms), --settings
    Writes: OUT, a workbook (.xlsx)

    \b
    Example:
      pmo dashboard portfolio.xlsx --ledger pmo_ledger.db --register register.csv
      pmo dashboard digital.xlsx --programme "Digital Customer" --capacity pmo_workbook.xlsm
    """
    from pmo_xl.reporting.portfolio_workbook import export_dashboard

    return _export(
        export_dashboard, "portfolio",
        out, ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale, today,
    )  # fmt: skip


@main.command("report", cls=JsonCommand)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_ledger_options
def report_command(
    out, ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale, today
):
    """Write OUT.html: the management pack, one self-contained file to e-mail.

    It opens with a one-page executive summary: new reds, new and closed risks, slipped key milestones and
    re-baselines since the last period (items matched by their ids), and the decisions needed with owners
    and dates. The detail follows. Charts are inline SVG; the file loads nothing from anywhere.

    \b
    Reads:  the ledger (pmo_ledger.db); --register (.csv/.xlsx), --capacity and --requests
            (workbook, CSV or folder of request forms), --settings
    Writes: OUT, one HTML file (.html)

    \b
    Example:
      pmo report report.html --ledger pmo_ledger.db --register register.csv
      pmo report digital.html --programme "Digital Customer"
    """
    from pmo_xl.reporting.report_html import export_report

    return _export(
        export_report, "report",
        out, ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale, today,
    )  # fmt: skip


def _export(export, output, out, ledger, register, period, programme, business_unit, capacity, requests,
            settings_path, csv_locale, today) -> dict:  # fmt: skip
    """Run `export` (pmo dashboard's or pmo report's core function) on the ledger options, and say what it wrote:
    the summary `--json` prints names the file under `output`."""
    from pmo_xl.reporting.load import ReportSource

    source = ReportSource(
        ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale,
        today.date() if today else None,
    )  # fmt: skip
    path = export(source, out)
    click.echo(f"wrote {path}")
    return {"ledger": ledger, "period": period, "outputs": {output: path}, "warnings": [], "exit": 0}
