"""`pmo review-pack`: a thin shell over pmo_xl.reporting.review_pack (the pack) and pmo_xl.reporting.pdf (Chromium).

It reads what `pmo report` reads, with the same options (cli/report.py), and returns its summary for `--json`."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli.report import _ledger_options


@main.command("review-pack", cls=JsonCommand)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_ledger_options
@click.option(
    "--scenarios",
    "scenario_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A scenario file (.json, pmo scenario save): with --compare, a page setting its runs side by side.",
)
@click.option(
    "--compare",
    "compared",
    metavar="A,B,...",
    help="The saved scenarios to compare on the page after the pipeline, by name, comma-separated.",
)
def review_pack_command(
    out, ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale, today,
    scenario_file, compared,
):  # fmt: skip
    """Write OUT.pdf (or OUT.html, OUT.pptx): the steering committee's review pack, one page per active project.

    The PRINCE2 highlight-report order: a one-page executive summary, the decisions and escalations (each once,
    with owner, due date and an overdue flag against --today), the actions per owner, what changed, then exactly
    one page per active project (RAG declared against derived, milestones, budget against EAC, top risks,
    decisions, the PM's commentary, the period of its data), and a capacity and a pipeline page when --capacity
    and --requests are given, and the saved scenarios side by side with --scenarios and --compare. A PDF is
    printed by headless Chromium (PMO_CHROMIUM, or chromium on the PATH); OUT.pptx holds the same pages as slides.

    \b
    Reads:  the ledger (pmo_ledger.db); --register (.csv/.xlsx), --capacity and --requests
            (workbook, CSV or folder of request forms), --settings, --scenarios (.json)
    Writes: OUT, one PDF (.pdf, with page numbers and a bookmark per project), HTML (.html) or PowerPoint (.pptx)

    \b
    Example:
      pmo review-pack pack-2026-11.pdf --ledger pmo_ledger.db --register register.csv --period 2026-11
      pmo review-pack digital.html --programme "Digital Customer" --today 2026-12-08
      pmo review-pack pack.pptx --scenarios scenarios.json --compare "Lean,Growth"
    """
    from pmo_xl.reporting.load import ReportSource
    from pmo_xl.reporting.review_pack import export_review_pack

    day = today.date() if today else None
    source = ReportSource(
        ledger, register, period, programme, business_unit, capacity, requests, settings_path, csv_locale, day
    )
    path = export_review_pack(source, out, comparison=_comparison(scenario_file, compared))
    click.echo(f"wrote {path}")
    return {"ledger": ledger, "period": period, "outputs": {"review_pack": path}, "warnings": [], "exit": 0}


def _comparison(scenario_file: Path | None, compared: str | None):
    """The saved scenarios named by --compare, side by side (`compare_saved`), or None when none were asked for."""
    if (scenario_file is None) != (compared is None):
        raise click.UsageError(
            "give --scenarios FILE and --compare A,B together: the file and the scenarios to set side by side"
        )
    if scenario_file is None:
        return None
    from pmo_xl.cli._scenarios import read_scenario_file
    from pmo_xl.portfolio.selection.saved import compare_saved, pick_scenarios

    names = [name.strip() for name in compared.split(",") if name.strip()]
    if not names:
        raise click.UsageError("--compare names no scenario: give their names, comma-separated")
    return compare_saved(pick_scenarios(read_scenario_file(scenario_file), names, str(scenario_file)))
