"""`pmo import project-online`: a thin shell over pmo_xl.imports.online_import (docs/import.md).

It reads EXPORT, has the core work out every file, checks the new register as `read_register` would, and writes the
files into DIR only once everything is worked out, so a failure writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import ledger_option
from pmo_xl.imports.online_import import REGISTER_FILE, REPORT_FILE, SEEDS_FOLDER
from pmo_xl.values import CSV_LOCALE_NAMES

HELP = """Import a Project Online export (EXPORT: a folder or a .zip) into the --out folder (DIR): a new register, the
request pipeline and its scenarios, a scoring model from the business drivers, each project's status seeds, the
capacity, and a report of what every entity set and property became (docs/import.md).

\b
How to export, while a Project Server or PWA still answers (or from a saved export):
  JSON: open https://<pwa>/_api/ProjectData/<Set>?$format=json in a signed-in browser, or
    Invoke-RestMethod -UseDefaultCredentials -Headers @{Accept='application/json;odata=verbose'} <url>
    and save each page as <Set>.json, <Set>-2.json... (follow __next / odata.nextLink to the end).
  Excel: Data > Get Data > From Other Sources > From OData Feed > https://<pwa>/_api/ProjectData,
    tick the sets, Load, and save each table's workbook as <Set>.xlsx (or save it as <Set>.csv).
Sets read: Projects (required), ProjectBaselines, ProjectWorkflowStageDataSet, Tasks, TaskBaselines,
Assignments, AssignmentTimephasedDataSet, Resources, ResourceTimephasedDataSet, BusinessDrivers,
PortfolioAnalyses, Prioritizations, PrioritizationDrivers, PrioritizationDriverRelations, PortfolioAnalysisProjects,
CostConstraintScenarios, CostScenarioProjects, ResourceConstraintScenarios, ResourceScenarioProjects, Risks, Issues.

\b
What ProjectData does not hold, said plainly:
  - each project's impact rating per business driver: the legacy Priority and AbsolutePriority are imported as a
    fixed score (legacy_priority); give --impacts to re-score with the imported drivers;
  - a cost scenario's budget limit: give --budget, or each scenario's selected cost is used, with a warning;
  - Project's ConsistencyRatio is not Saaty's CR: the report shows both, and the model carries neither.

\b
    Reads:  EXPORT, a folder or .zip of ProjectData sets (.json, .xlsx, .csv); --names, --impacts (.csv or .xlsx);
            --ledger (pmo_ledger.db, made if missing)
    Writes: into DIR (the PMO's own register is never edited):
      register.csv            the projects underway (the PWA GUID as external_id, custom fields as custom_...)
      pipeline.csv            the proposals (--proposals), with legacy_priority; pipeline-resources.csv;
                              pipeline-scenarios.json; a pipeline-<scenario>.csv per resource scenario
      scoring-model.csv       the business drivers as criteria, weighted by the chosen prioritization
      seeds/<project>.json    Milestones, RAID and ResourceDemand to pre-fill (pmo generate --seeds DIR/seeds)
      capacity.csv, proposed-demand.csv
      import-report.xlsx      every set and property and what it became, the project ids, the drivers' weights
    and with --ledger each project's baseline as its period-0 record.
Running it again on the same export changes nothing. What the files still need (a sponsor the export does not
hold, a role pmo-xl does not know) is listed, and the run exits 1.

\b
Example:
  pmo import project-online pwa-export.zip --out imported --id-field "Project Code" \\
      --proposals "type=Proposal; stage=Create,Select" --ledger pmo_ledger.db
"""


def _budget(value: str | None) -> float | dict[str, float] | None:
    """--budget 500000 (every scenario) or 'Within budget=500000;Stretch=650000'."""
    from pmo_xl.values import read_number

    if value is None:
        return None
    if "=" not in value:
        return float(read_number(value, "--budget", decimal_mark=".").or_raise(click.BadParameter))  # type: ignore[arg-type]
    budgets = {}
    for part in filter(None, (piece.strip() for piece in value.split(";"))):
        name, _, amount = part.partition("=")
        budgets[name.strip()] = float(
            read_number(amount, f"--budget {name.strip()}", decimal_mark=".").or_raise(click.BadParameter)  # type: ignore[arg-type]
        )
    return budgets


def _role_map(values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        feed, _, role = value.partition("=")
        if not feed.strip() or not role.strip():
            raise click.BadParameter(f"'{value}': give it as 'PWA role=pmo-xl role', e.g. 'Entwickler=Developer'")
        pairs[feed.strip()] = role.strip()
    return pairs


@click.command("project-online", cls=JsonCommand, help=HELP)
@click.argument("export", type=click.Path(path_type=Path))
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into (made if missing).",
)  # fmt: skip
@click.option(
    "--id-field",
    help="The custom field that holds the PMO's project id, as PWA names it ('Project Code'; case and spaces do "
    "not matter). Without it, or where it is blank, ids are generated (PO-001, ...) and listed.",
)
@click.option("--sponsor-field", default="Sponsor", show_default=True, help="The custom field that holds the sponsor.")
@click.option(
    "--stage-field",
    help="The custom field that holds the stage. Default: the current stage of ProjectWorkflowStageDataSet.",
)
@click.option(
    "--baseline", type=click.IntRange(0, 10), default=0, show_default=True,
    help="The baseline (0-10) of the budget where ProjectBudgetCost is blank or 0, of the milestones' baseline "
    "dates, and of the period-0 records --ledger keeps.",
)  # fmt: skip
@click.option(
    "--proposals", metavar="RULE",
    help="Which Projects are proposals (the pipeline, not the register): by enterprise project type and/or "
    "workflow stage, e.g. 'type=Proposal,Idea; stage=Create,Select'.",
)  # fmt: skip
@click.option(
    "--analysis", help="The portfolio analysis to take priorities and scenarios from, when there are several."
)
@click.option(
    "--budget", help="The cost scenarios' budget limit: one amount for all, or 'Scenario A=500000;Scenario B=650000'."
)
@click.option("--prioritization", help="The driver prioritization to weight the criteria by, when there are several.")
@click.option(
    "--impacts", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A table (CSV or .xlsx) of each proposal's impact per business driver (None, Low, Moderate, Strong, "
    "Extreme): the column project, then one column per driver. ProjectData does not hold these.",
)  # fmt: skip
@click.option("--period", help="The first reporting period the seeds are for (YYYY-MM). Default: this month.")
@click.option("--role-field", help="The resource custom field that holds the role (default: the analysis's one).")
@click.option(
    "--role-map", "role_map", multiple=True, metavar="'PWA=ROLE'",
    help="A PWA role that pmo-xl names otherwise, e.g. 'Entwickler=Developer' (repeat for each).",
)  # fmt: skip
@click.option(
    "--names", "names_file", type=click.Path(dir_okay=False, path_type=Path),
    help="For an export from a PWA in another language: a table (CSV or .xlsx) with the columns feed_name and name, "
    "one line per entity set or property the export names otherwise (Projektcode -> Project Code).",
)  # fmt: skip
@click.option(
    "--csv-locale", type=click.Choice(CSV_LOCALE_NAMES, case_sensitive=False), default="auto", show_default=True,
    help="How the export's CSV files write numbers and dates. auto: a ; file has decimal commas and day-first dates, "
    "a , file decimal points and only unambiguous dates (3/1/2026 is refused: give en-US or en-GB).",
)  # fmt: skip
@ledger_option(
    "Each project's baseline (--baseline N) is recorded in it as its period-0 record, marked as imported; "
    "running again on the same export adds nothing. Made if missing.",
    may_be_new=True,
)
@click.option(
    "--settings", "settings_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PMO settings: the month the fiscal year starts, for the pipeline's cost_FY columns.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace files in DIR that differ from this import's.")
def project_online_command(export: Path, out: Path, **options) -> dict:
    from pmo_xl.imports.online_import import OnlineRequest, import_online
    from pmo_xl.imports.project_online import read_export, read_names
    from pmo_xl.ledger import now_stamp, open_ledger
    from pmo_xl.online import write_import
    from pmo_xl.periods import current_period
    from pmo_xl.settings import load_settings
    from pmo_xl.templates.catalog import PROJECT_STATUS

    names = read_names(options["names_file"]) if options["names_file"] else None
    read = read_export(export, names, options["csv_locale"])
    request = OnlineRequest(
        period=options["period"] or current_period(),
        roles=tuple(PROJECT_STATUS.table("ResourceDemand").column("role").allowed),
        imported_at=now_stamp(), id_field=options["id_field"], sponsor_field=options["sponsor_field"],
        stage_field=options["stage_field"], baseline=options["baseline"], proposals=options["proposals"],
        analysis=options["analysis"], budget=_budget(options["budget"]),
        fiscal_year_start_month=load_settings(options["settings_path"]).fiscal_year_start_month,
        prioritization=options["prioritization"], impacts=options["impacts"], role_field=options["role_field"],
        role_names=_role_map(options["role_map"]),
    )  # fmt: skip
    result = import_online(read, request)
    written = write_import(result, out, force=options["force"], created=_saved_at(export))
    to_mend = [*written.register_problems, *result.to_mend]
    unchanged = written.unchanged
    recorded = 0
    if options["ledger"] is not None:
        with open_ledger(options["ledger"], write=True) as opened:
            recorded = opened.add_imported_baselines(result.baselines)
    return _tell(export, result, out, recorded, to_mend, unchanged, options)


def _tell(export: Path, result, out: Path, recorded: int, to_mend: list[str], unchanged: bool, options: dict) -> dict:
    """What the run says, and its --json."""
    register, read = result.register, result.export
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for note in result.notes:
        click.echo(f"note: {note}")
    if register.generated_ids:
        click.echo(f"{len(register.generated_ids)} project id(s) generated: {', '.join(register.generated_ids)}")
    unknown = [line for line in result.mapping if line.note.startswith(("unknown", "property of an unknown"))]
    for line in unknown:
        click.echo(f"unknown: {line.entity_set}{'.' + line.property if line.property else ''} ({line.note})")
    ledger, baseline = options["ledger"], options["baseline"]
    if ledger is not None:
        already = len(result.baselines) - recorded
        click.echo(f"{recorded} baseline(s) {baseline} recorded in {ledger} as period-0 records"
                   + (f" ({already} already there)" if already else ""))  # fmt: skip
        for project in result.without_baseline:
            click.secho(f"warning: no baseline {baseline} in ProjectBaselines for {project}", fg="yellow", err=True)
    for problem in to_mend:
        click.secho(f"to fill in before pmo generate: {problem}", fg="yellow", err=True)
    pipeline = result.portfolio.pipeline.rows if result.portfolio else ()
    # the seed files written: a proposal's work is the pipeline's, not a seed
    seeded = sum(1 for name in result.files if name.startswith(f"{SEEDS_FOLDER}/"))
    state = "unchanged" if unchanged else "written"
    click.echo(f"{len(register.rows)} project(s), {len(pipeline)} proposal(s), {seeded} seeded, from {read.source} "
               f"-> {out} ({state}); mapping report -> {out / REPORT_FILE}")  # fmt: skip
    return {
        "export": export, "out": out, "register": out / REGISTER_FILE,
        "report": out / REPORT_FILE, "projects": len(register.rows), "proposals": len(pipeline),
        "files": sorted(result.files), "generated_ids": list(register.generated_ids),
        "custom_fields": list(register.custom_fields),
        "sets": {name: len(found.rows) for name, found in read.sets.items() if found.known},
        "unknown": [{"entity_set": line.entity_set, "property": line.property} for line in unknown],
        "criteria": [c.criterion_id for c in result.drivers.model.criteria] if result.drivers else [],
        "scenarios": [s.name for s in result.portfolio.scenarios] if result.portfolio else [],
        "baselines_recorded": recorded, "without_baseline": list(result.without_baseline) if ledger else [],
        "to_mend": to_mend, "warnings": list(result.warnings), "unchanged": unchanged, "exit": 1 if to_mend else 0,
    }  # fmt: skip


def _saved_at(export: Path):
    """When the export was saved (its newest file): the mapping report's creation date, so the same export gives
    the same report, byte for byte."""
    import datetime as dt

    files = [export] if export.is_file() else [file for file in export.iterdir() if file.is_file()]
    newest = max((file.stat().st_mtime for file in files), default=0.0)
    return dt.datetime.fromtimestamp(newest, dt.UTC).replace(tzinfo=None, microsecond=0)
