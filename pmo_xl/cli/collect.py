"""`pmo collect`: a thin shell over pmo_xl.monthly.run_collect. Its summary is what `--json` prints (cli/_json.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path
from typing import get_args

import click

from pmo_xl.cli._group import CSV_LOCALE_OPTION, main
from pmo_xl.cli._json import JsonCommand, file_entry, verdict_entry
from pmo_xl.cli._options import ledger_option, register_option
from pmo_xl.collect.run import PMO_FIELD_CHANGED, CollectRequest, CollectResult, read_overrides
from pmo_xl.monthly import run_collect
from pmo_xl.periods import check_period
from pmo_xl.register import read_register
from pmo_xl.reporting.feedback import FEEDBACK_MODES
from pmo_xl.settings import load_settings
from pmo_xl.submissions import VerdictStatus
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.values import readable_name

EXIT_REJECTIONS = 1
EXIT_OUTPUT_LOCKED = 3
EXIT_MACHINE_FAULT = 2  # as for every error pmo reports: the disk or folder refused, fix it and run again
VERDICT_STATUSES = get_args(VerdictStatus)


@main.command(cls=JsonCommand)
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@ledger_option("Created on first use.", default=Path("pmo_ledger.db"), may_be_new=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("portfolio.xlsx"),
    show_default=True,
    help="The portfolio workbook to (re)write.",
)
@click.option("--period", help="The reporting period to track, YYYY-MM. Default: the latest period collected.")
@register_option("It checks project ids and names who to chase, and is recorded in the ledger.")
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    help="Copy accepted files to ARCHIVE/<period>/ once they are in the ledger.",
)
@click.option(
    "--prefer",
    multiple=True,
    metavar="FILE",
    help="Keep this file for its project and period even if another is newer (file name, path or sha256). Repeatable.",
)
@click.option(
    "--overrides",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of preferred files (column 'file' or 'sha256'), the same as many --prefer.",
)
@click.option(
    "--settings",
    "settings_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PMO settings (.toml, .json or .csv): reporting calendar and RAG thresholds.",
)
@click.option(
    "--chasers",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the .eml drafts: reminders, and the feedback on reports returned for correction. Default: "
    "'chasers' beside the --out file.",
)
@click.option(
    "--feedback",
    type=click.Choice(FEEDBACK_MODES),
    default="errors",
    show_default=True,
    help="Feedback drafts: 'errors' answers each report returned for correction (every finding, its cell and fix, "
    "the file attached; the sponsor copied on a second return); 'warnings' also sends accepted reports with "
    "warnings an \"accepted, but please check\" note; 'none' writes none.",
)
@click.option(
    "--coaching",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PMO's data-quality scorecard per PM and project (for coaching, never for management). Default: "
    "'pmo-coaching.xlsx' beside the --out file; the setting coaching_scorecard = false turns it off.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date the run takes as today (which reports are late, which dates lie in the future), YYYY-MM-DD. "
    "Default: today; set it to re-run a past cycle as it was.",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 when any file is rejected.")
@CSV_LOCALE_OPTION
def collect(
    inbox: Path,
    ledger: Path,
    out: Path,
    period: str | None,
    register: Path | None,
    archive: Path | None,
    prefer: tuple[str, ...],
    overrides: Path | None,
    settings_path: Path | None,
    csv_locale: str | None,
    chasers: Path | None,
    feedback: str,
    coaching: Path | None,
    today: dt.datetime | None,
    strict: bool,
) -> dict:
    """Merge the status workbooks in INBOX (and its subfolders) into the ledger and write portfolio.xlsx.

    Each file gets one verdict: accepted, rejected (with every reason and the cell), duplicate, superseded
    or skipped; the Submissions sheet lists them. Input files are only read, never moved or changed. Running
    it again on the same inbox adds nothing. Exit status 0 when the run completed, even with rejections.

    \b
    Reads:  the status workbooks (.xlsx, .xlsm) in INBOX; --register (.csv/.xlsx);
            --settings; --overrides (.csv)
    Writes: the ledger (pmo_ledger.db, SQLite), --out (portfolio.xlsx), feedback and
            reminder drafts (.eml) in --chasers, --coaching (pmo-coaching.xlsx),
            copies in --archive

    \b
    Example:
      pmo collect inbox/ --ledger pmo_ledger.db --out portfolio.xlsx \\
          --register register.csv --archive archive/ --period 2026-12
    """
    if period:
        try:
            period = check_period(period)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--period") from None
    settings = load_settings(settings_path)
    records = read_register(register, PROJECT_STATUS, csv_locale or settings.csv_locale, settings) if register else None
    register_source = (str(register), hashlib.sha256(register.read_bytes()).hexdigest()) if register else None
    preferred = prefer + (read_overrides(overrides) if overrides else ())
    request = CollectRequest(
        inbox=inbox,
        ledger=ledger,
        out=out,
        period=period,
        register=records,
        register_source=register_source,
        archive=archive,
        prefer=preferred,
        settings=settings,
        chasers=chasers or out.parent / "chasers",
        feedback=feedback,
        coaching=coaching or out.parent / "pmo-coaching.xlsx",
        today=today.date() if today else None,
    )
    if sys.stderr.isatty():
        with click.progressbar(length=1, label="reading", file=sys.stderr) as bar:

            def progress(done: int, total: int, _path: str) -> None:
                bar.length = total
                bar.update(1)

            result = run_collect(request, progress)
    else:
        result = run_collect(request)
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    # A re-run on a full inbox finds every earlier file again: those are counted in one line (each is on the
    # Submissions sheet and in --json); every other verdict that is not an acceptance is listed with its reasons.
    again = [verdict for verdict in result.verdicts if _stored_before(verdict)]
    for verdict in result.verdicts:
        if verdict.status in ("rejected", "superseded", "duplicate") and not (len(again) > 10 and verdict in again):
            click.echo(f"{verdict.status}: {readable_name(verdict.path)}")
            for finding in verdict.findings:
                if finding.severity == "error" or verdict.status != "rejected":
                    click.echo(f"    {readable_name(finding.describe())}")
    if len(again) > 10:
        click.echo(f"duplicate: {len(again)} file(s) already in the ledger as they are, e.g. "
                   f"{readable_name(Path(again[0].path).name)} (each is on the Submissions sheet)")  # fmt: skip
    click.echo(readable_name(result.summary()))
    click.echo(f"ledger {ledger}: {len(result.added)} submission(s) added")
    if result.archived:
        click.echo(f"archived {len(result.archived)} file(s) in {archive}")
    if result.coaching:
        click.echo(f"wrote {result.coaching} (the PMO's coaching scorecard: not for management)")
    if result.feedback_drafts:
        click.echo(f"{len(result.feedback_drafts)} feedback draft(s) in {result.feedback_drafts[0].parent}")
    if result.chaser_drafts:
        click.echo(f"{len(result.chaser_drafts)} reminder draft(s) in {result.chaser_drafts[0].parent}")
    if result.output_error:
        click.secho(f"pmo: {result.output_error}", fg="red", err=True)
        if result.output_fault:
            click.echo(
                "The ledger is up to date; fix the output folder and run collect again (nothing is added twice)."
            )
            return _summary(inbox, ledger, result, EXIT_MACHINE_FAULT)
        click.echo("The ledger is up to date; run collect again once the file is closed (nothing is added twice).")
        return _summary(inbox, ledger, result, EXIT_OUTPUT_LOCKED)
    click.echo(f"wrote {result.output}")
    return _summary(inbox, ledger, result, EXIT_REJECTIONS if strict and result.count("rejected") else 0)


def _stored_before(verdict) -> bool:
    """A duplicate of a file the ledger already holds byte for byte (not a copy saved under another name)."""
    return verdict.status == "duplicate" and any(
        finding.message.startswith("the same file is already in the ledger") for finding in verdict.findings
    )


def _summary(inbox: Path, ledger: Path, result: CollectResult, exit_status: int) -> dict:
    """The run as data (docs/json-output.md, `pmo collect`): what `--json` prints."""
    return {
        "inbox": inbox,
        "files": len(result.verdicts),
        "counts": {status: result.count(status) for status in VERDICT_STATUSES},
        "added": list(result.added),
        **{
            status: [verdict_entry(verdict) for verdict in result.verdicts if verdict.status == status]
            for status in ("rejected", "duplicate", "superseded")
        },
        "pmo_fields_changed": [
            {**file_entry(verdict), "change": readable_name(finding.describe())}
            for verdict in result.verdicts
            for finding in verdict.findings
            if finding.code == PMO_FIELD_CHANGED
        ],
        "ties": list(dict.fromkeys(f.message for v in result.verdicts for f in v.findings if f.code == "tie")),
        "outputs": {
            "ledger": ledger,
            "portfolio": result.output,
            "archived": list(result.archived),
            "chaser_drafts": list(result.chaser_drafts),
            "feedback_drafts": list(result.feedback_drafts),
            "coaching": result.coaching,
        },
        "output_error": result.output_error,
        "warnings": list(result.warnings),
        "exit": exit_status,
    }
