"""`pmo import project-online`: a thin shell over pmo_xl.imports.project_online (docs/imports.md).

It reads EXPORT, maps the Projects set to a new register, checks that register as `read_register` would, and
writes the register and the mapping report into DIR only once everything is worked out, so a failure writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._json import JsonCommand
from pmo_xl.errors import ExportError, RegisterError
from pmo_xl.values import CSV_LOCALE_NAMES

REGISTER_FILE = "register.csv"
REPORT_FILE = "import-report.xlsx"


@click.command("project-online", cls=JsonCommand)
@click.argument("export", type=click.Path(path_type=Path))
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
    help=f"The folder to write {REGISTER_FILE} and {REPORT_FILE} into (made if missing).",
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
    help="The project baseline whose cost is the budget where ProjectBudgetCost is blank or 0.",
)  # fmt: skip
@click.option(
    "--names", "names_file", type=click.Path(dir_okay=False, path_type=Path),
    help="For an export from a PWA in another language: a table (CSV or .xlsx) with the columns feed_name and name, "
    "one line per entity set or property the export names otherwise (Projektcode -> Project Code).",
)  # fmt: skip
@click.option(
    "--ledger", type=click.Path(dir_okay=False, path_type=Path),
    help="Record each project's baseline (--baseline N) in this ledger as its period-0 record, marked as imported. "
    "Running again on the same export adds nothing.",
)  # fmt: skip
@click.option(
    "--csv-locale", type=click.Choice(CSV_LOCALE_NAMES, case_sensitive=False), default="auto", show_default=True,
    help="How the export's CSV files write numbers and dates. auto: a ; file has decimal commas and day-first dates, "
    "a , file decimal points and only unambiguous dates (3/1/2026 is refused: give en-US or en-GB).",
)  # fmt: skip
@click.option("--force", is_flag=True, help=f"Replace a {REGISTER_FILE} in DIR that differs from this import's.")
def project_online_command(
    export: Path,
    out: Path,
    id_field: str | None,
    sponsor_field: str,
    stage_field: str | None,
    baseline: int,
    names_file: Path | None,
    ledger: Path | None,
    csv_locale: str,
    force: bool,
) -> dict:
    """Read a Project Online export (EXPORT: a folder or a .zip) and write a new project register from its
    Projects, with a report of what every entity set and property became (docs/imports.md).

    EXPORT holds the ProjectData entity sets, one file each named by its set: Projects.json, Tasks.xlsx,
    BusinessDrivers.csv. JSON as the feed gives it (verbose {"d": {"results": ...}} or light {"value": ...}); a
    set in several pages as Tasks.json, Tasks-2.json, ...; .xlsx as Excel's OData connector saves it (one table);
    .csv. The PMO's own register is never edited: the new one is written into DIR, with the PWA GUID as
    external_id and custom fields as custom_... columns. What the register still needs before pmo generate (a
    sponsor the export does not hold, a currency pmo-xl does not list) is listed, and the run exits 1.

    \b
    Reads:  EXPORT, a folder or .zip of ProjectData entity sets (docs/project-online.md lists the names)
    Writes: DIR/register.csv (the new register) and DIR/import-report.xlsx (the mapping report)

    \b
    Example:
      pmo import project-online pwa-export.zip --out imported --id-field "Project Code"
    """
    import pandas as pd

    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.imports.project_online import (
        baselines_for_ledger,
        mapping_report,
        read_export,
        read_names,
        register_rows,
    )
    from pmo_xl.ledger import now_stamp, open_ledger
    from pmo_xl.register import RegisterRows, register_from_rows
    from pmo_xl.reporting.portfolio_workbook import write_frames
    from pmo_xl.templates.catalog import PROJECT_STATUS

    read = read_export(export, read_names(names_file) if names_file else None, csv_locale)
    register = register_rows(read, id_field=id_field, sponsor_field=sponsor_field, stage_field=stage_field,
                             baseline=baseline)  # fmt: skip
    mapping = mapping_report(read, register)
    baselines, without_baseline = baselines_for_ledger(read, register, baseline, now_stamp())
    frame = pd.DataFrame([[row.get(column) for column in register.columns] for row in register.rows],
                         columns=list(register.columns), dtype=object)  # fmt: skip
    register_bytes = frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    target = out / REGISTER_FILE
    if target.is_file() and target.read_bytes() != register_bytes and not force:
        raise ExportError(
            f"{target} exists and differs from this import's register; give another --out, or --force to replace it"
        )
    to_mend: list[str] = []
    rows = tuple((number, dict(row)) for number, row in enumerate(register.rows, start=2))
    try:
        register_from_rows(RegisterRows(1, register.columns, rows, None), str(target), PROJECT_STATUS)
    except RegisterError as error:
        to_mend = list(error.problems)
    report = pd.DataFrame(
        [[line.entity_set, line.property, line.became, line.note] for line in mapping],
        columns=["entity_set", "property", "became", "note"],
    )
    ids = pd.DataFrame(
        [[row["project_id"], row["external_id"], row["project_name"], row["project_id"] in register.generated_ids]
         for row in register.rows],
        columns=["project_id", "external_id", "project_name", "generated"],
    )  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    unchanged = target.is_file() and target.read_bytes() == register_bytes
    write_bytes_atomic(target, register_bytes)
    write_frames({"Mapping": report, "ProjectIds": ids}, out / REPORT_FILE, created=_saved_at(export))
    recorded = 0
    if ledger is not None:
        with open_ledger(ledger, write=True) as opened:
            recorded = opened.add_imported_baselines(baselines)

    for warning in register.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    if register.generated_ids:
        click.echo(f"{len(register.generated_ids)} project id(s) generated: {', '.join(register.generated_ids)}")
    unknown = [line for line in mapping if line.note.startswith(("unknown", "property of an unknown"))]
    for line in unknown:
        click.echo(f"unknown: {line.entity_set}{'.' + line.property if line.property else ''} ({line.note})")
    for problem in to_mend:
        click.secho(f"to fill in before pmo generate: {problem}", fg="yellow", err=True)
    if ledger is not None:
        click.echo(
            f"{recorded} baseline(s) {baseline} recorded in {ledger} as period-0 records"
            + (f" ({len(baselines) - recorded} already there)" if len(baselines) > recorded else "")
        )
        for project in without_baseline:
            click.secho(f"warning: no baseline {baseline} in ProjectBaselines for {project}", fg="yellow", err=True)
    state = "unchanged" if unchanged else "written"
    click.echo(f"{len(register.rows)} project(s) from {read.source} -> {target} ({state}); "
               f"mapping report -> {out / REPORT_FILE}")  # fmt: skip
    return {
        "export": export, "register": target, "report": out / REPORT_FILE, "projects": len(register.rows),
        "generated_ids": list(register.generated_ids), "custom_fields": list(register.custom_fields),
        "sets": {name: len(found.rows) for name, found in read.sets.items() if found.known},
        "unknown": [{"entity_set": line.entity_set, "property": line.property} for line in unknown],
        "baselines_recorded": recorded, "without_baseline": list(without_baseline) if ledger else [],
        "to_mend": to_mend, "warnings": list(register.warnings), "unchanged": unchanged, "exit": 1 if to_mend else 0,
    }  # fmt: skip


def _saved_at(export: Path):
    """When the export was saved (its newest file): the mapping report's creation date, so the same export gives
    the same report, byte for byte."""
    import datetime as dt

    files = [export] if export.is_file() else [file for file in export.iterdir() if file.is_file()]
    newest = max((file.stat().st_mtime for file in files), default=0.0)
    return dt.datetime.fromtimestamp(newest, dt.UTC).replace(tzinfo=None, microsecond=0)
