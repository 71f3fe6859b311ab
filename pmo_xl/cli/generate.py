"""`pmo templates build|docs`, `pmo generate` and `pmo new`: thin shells over pmo_xl.generate.generator.

`pmo generate` returns its summary, which `--json` prints (cli/_json.py, docs/json-output.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import click

from pmo_xl.cli._group import CSV_LOCALE_OPTION, main, progress_echo
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import key_flag_number, ledger_option, plan_baseline_option, register_option
from pmo_xl.generate.carry_forward import PreviousReports, carry_forward_from_ledger
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.generate.plan_milestones import MilestoneSelection, ProjectPlan, read_project_plans, with_plan_milestones
from pmo_xl.generate.seeds import ProjectSeedOutcome, read_project_seeds, with_seeds
from pmo_xl.ledger import open_ledger
from pmo_xl.periods import check_period, current_period
from pmo_xl.register import ProjectRecord, read_register, reporting_records
from pmo_xl.settings import load_settings
from pmo_xl.templates.build import build_all_templates
from pmo_xl.templates.catalog import SCHEMAS, schema_for
from pmo_xl.templates.docs import DOCS_PATH, write_template_docs
from pmo_xl.values import read_date

TEMPLATE_CHOICE = click.Choice(sorted(SCHEMAS))


def _period(value: str | None) -> str:
    try:
        return check_period(value) if value else current_period()
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _iso_date(value: str | None) -> dt.date | None:
    reading = read_date(value, "the date", text_is_normal=True)
    if reading.refused:
        raise click.BadParameter(reading.message.removeprefix("the date: "))
    return reading.value  # type: ignore[return-value]


@main.group()
def templates() -> None:
    """Build the PMO templates from their declared schema, document their fields, print a guide for PMs, list
    their versions, move issued workbooks to the current version (upgrade) and adopt a template the PMO restyled."""


@templates.command("build")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("templates"),
    show_default=True,
    help="Folder for the template workbooks (never the installed package's own). To refresh the templates a "
    "checkout ships: --out pmo_xl/templates/shipped",
)
def templates_build(out_dir: Path) -> None:
    """Build project_status.xlsx and project_request.xlsx from the schema.

    \b
    Reads:  the schema declared in pmo_xl (no file)
    Writes: project_status.xlsx and project_request.xlsx in --out

    \b
    Example:
      pmo templates build --out templates/
    """
    for path in build_all_templates(out_dir):
        click.echo(f"built {path}")


@templates.command("docs")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DOCS_PATH,
    show_default=True,
    help="The markdown file to (re)write.",
)
def templates_docs(out_path: Path) -> None:
    """Regenerate the field reference in docs/templates.md from the schema.

    \b
    Reads:  the schema declared in pmo_xl (no file)
    Writes: the field reference, a markdown file (docs/templates.md)
    """
    click.echo(f"wrote {write_template_docs(out_path)}")


@templates.command("changelog")
@click.argument("template_id", required=False, type=TEMPLATE_CHOICE)
def templates_changelog(template_id: str | None) -> None:
    """Print each template's versions and the steps from each to the next, in words.

    \b
    Reads:  the schema and its declared migrations (no file)
    Writes: nothing

    \b
    Example:
      pmo templates changelog project_status
    """
    from pmo_xl.templates.catalog import SCHEMAS
    from pmo_xl.templates.versions import changelog

    for name in [template_id] if template_id else list(SCHEMAS):
        for line in changelog(name):
            click.echo(line)


@templates.command("guide")
@click.option(
    "--template", "template_id", type=TEMPLATE_CHOICE, default=None, help="Only this template. Default: each."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the guides (created if missing).",
)
def templates_guide(template_id: str | None, out_dir: Path) -> None:
    """Write a one-page printable guide for PMs per template: each field, an example and the collector's rules.

    The guide is one self-contained HTML page (no script, no link, nothing fetched), made from the template's
    declaration: the label, help text and an example of every cell and table column the PM fills, and the rules
    pmo collect applies to it, in words. It prints on one A4 page. pmo generate --mail-drafts attaches it to a
    PM's first send-out.

    \b
    Reads:  the schema declared in pmo_xl (no file)
    Writes: TEMPLATE_ID-guide.html for each template in --out

    \b
    Example:
      pmo templates guide --template project_status --out guides
    """
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.templates.guide import guide_file_name, template_guide_html

    for schema in [schema_for(template_id)] if template_id else list(SCHEMAS.values()):
        path = write_bytes_atomic(out_dir / guide_file_name(schema), template_guide_html(schema).encode("utf-8"))
        click.echo(f"wrote {path}")


@templates.command("adopt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--template",
    "template_id",
    type=TEMPLATE_CHOICE,
    default=None,
    help="Which template FILE is. Default: the one its metadata names.",
)
@click.option(
    "--templates-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Put it in this folder (for pmo generate --templates-dir) instead of this computer's adopted templates.",
)
def templates_adopt(file: Path, template_id: str | None, templates_dir: Path | None) -> None:
    """Make a template the PMO restyled in Excel the one pmo generate and pmo templates upgrade use.

    A PMO analyst may restyle a template (colours, widths, moved blocks, extra guidance text) and save it. Adopt
    checks that every defined name, table (its name and headers) and validation rule of the current version is
    intact, and says in one line each what is missing. Only then is a copy of FILE put where generate finds it
    (docs/templates.md, "Restyling a template"); an adopted template it replaces is kept in .pmo-backup there.
    FILE itself is never changed.

    \b
    Reads:  FILE, a template workbook (.xlsx) saved by Excel or LibreOffice
    Writes: a copy of it as TEMPLATE_ID.xlsx in the adopted templates folder (or --templates-dir)

    \b
    Example:
      pmo templates build --out templates
      (restyle templates/project_status.xlsx in Excel, and save it)
      pmo templates adopt templates/project_status.xlsx
    """
    from pmo_xl.cli.template_upgrade import free_backup_path
    from pmo_xl.errors import TemplateError
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.templates.adopt import adopted_templates_dir, check_template
    from pmo_xl.templates.versions import history

    data = file.read_bytes()
    if template_id is None:
        template_id = _template_id_of(data, file)
    schema = history(template_id).current
    check = check_template(data, str(file), schema)
    if check.problems:
        for problem in check.problems:
            click.echo(f"{file}: {problem}", err=True)
        raise TemplateError(f"{file} was not adopted: {len(check.problems)} problem(s) listed above; mend them in the "
                            "file and adopt it again")  # fmt: skip
    folder = templates_dir if templates_dir is not None else adopted_templates_dir()
    target = folder / f"{template_id}.xlsx"
    if target.exists():
        kept = free_backup_path(target)
        write_bytes_atomic(kept, target.read_bytes())
        click.echo(f"the template adopted before is kept in {kept}")
    write_bytes_atomic(target, data)
    use = f"pmo generate --templates-dir {folder}" if templates_dir is not None else "pmo generate"
    click.echo(f"adopted {file} as {template_id} {schema.version}: {use} and pmo templates upgrade now use {target}")


def _template_id_of(data: bytes, file: Path) -> str:
    """The template id FILE's document properties name; a usage error when it names none this pmo-xl knows."""
    from pmo_xl.excel.package import read_custom_properties
    from pmo_xl.excel.zip_archive import inflate, read_directory

    try:
        directory = read_directory(data)
        custom = inflate(data, directory["docProps/custom.xml"])
        found = read_custom_properties({"docProps/custom.xml": custom}).get("pmo.template_id", "").strip()
    except Exception:  # a damaged file: check_template says what is wrong with it
        found = ""
    if found not in SCHEMAS:
        raise click.UsageError(f"{file} does not say which PMO template it is (its pmo.template_id is "
                               f"'{found or '?'}'): give --template")  # fmt: skip
    return found


@templates.command("upgrade", cls=JsonCommand)
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the upgraded workbooks (created if missing), each under its own name (a folder's workbooks "
    "keep their subfolders). A workbook there already is never overwritten.",
)
@click.option("--in-place", is_flag=True, help="Replace each workbook itself; needs --backup.")
@click.option(
    "--backup",
    is_flag=True,
    help="With --in-place: first copy each workbook, as it was, into a .pmo-backup folder beside it (NAME (2).xlsx "
    "if NAME.xlsx is there already: a backup never replaces another). pmo collect does not read that folder.",
)
@click.option("--dry-run", is_flag=True, help="Write nothing: print each workbook's verdict and what would change.")
@click.option(
    "--templates-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Render into the templates of this folder (as pmo generate --templates-dir) instead of the adopted or "
    "shipped ones.",
)
def templates_upgrade(
    workbooks: tuple[Path, ...], out_dir: Path | None, in_place: bool, backup: bool, dry_run: bool,
    templates_dir: Path | None,
) -> dict:  # fmt: skip
    """Move workbooks PMs already hold (blank, half-filled or complete) to their template's current version.

    Each workbook is read in its own version's shape, and a fresh workbook is made from the current template (as
    pmo generate makes one) holding every entry of the PM's, moved through the declared migrations (`pmo
    templates changelog`), the PMO's cells as the file had them, and the same metadata and generation token: pmo
    collect recognises the upgraded file as the one it sent. Each file gets one verdict: upgraded, already
    current, or refused with the reason (another template, a version newer than this pmo-xl, hand-edited version
    metadata, a damaged file). A folder is read with its subfolders, as pmo collect reads an inbox.

    Nothing is overwritten: give --out DIR, or --in-place --backup (each original kept in .pmo-backup beside it),
    or --dry-run to see each file's changes first.

    \b
    Reads:  the workbooks (.xlsx), or every workbook in the folders given; the current templates
    Writes: the upgraded workbooks into --out (or over each workbook with --in-place, after its backup)

    \b
    Example:
      pmo templates upgrade outbox --dry-run
      pmo templates upgrade outbox --out upgraded
      pmo templates upgrade "PRJ-001 - Data centre move - 2026-03.xlsx" --in-place --backup
    """
    from pmo_xl.cli.template_upgrade import run_upgrade

    return run_upgrade(workbooks, out_dir, in_place, backup, dry_run, templates_dir)


@main.command(cls=JsonCommand)
@click.option(
    "--template",
    "template_id",
    type=TEMPLATE_CHOICE,
    default="project_status",
    show_default=True,
    help="Which PMO template to fill.",
)
@register_option(required=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the workbooks to (created if missing).",
)
@click.option("--period", help="Reporting period YYYY-MM. Default: the current month.")
@click.option("--force", is_flag=True, help="Overwrite workbooks that already exist.")
@click.option(
    "--templates-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Use templates from this folder instead of the shipped ones.",
)
@ledger_option(
    "Each workbook is pre-filled from the project's last accepted report in it (carry-forward), and the register "
    "is recorded there: pmo dashboard and pmo report then cover it without --register."
)
@CSV_LOCALE_OPTION
@click.option(
    "--settings",
    "settings_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PMO settings: the currency and money_unit of projects whose register row states none.",
)
@click.option(
    "--plans",
    "plans_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of Microsoft Project plans (.mpp, .mpx, Project XML), one a project: the file named by its "
    "project id (PRJ-001.mpp), or the one the register's plan_file column names. Each workbook's Milestones table "
    "is filled from its plan (docs/import.md).",
)
@click.option(
    "--key-flag",
    type=click.UNPROCESSED,
    callback=key_flag_number,
    metavar="FlagN",
    help="With --plans: the rows are the tasks with this flag set (Flag1 to Flag20), marked key, instead of the "
    "plan's milestones.",
)
@click.option(
    "--outline-level",
    type=click.IntRange(min=1),
    help="With --plans: the rows are the summary tasks at this outline level (1: the top-level phases) instead of "
    "the plan's milestones.",
)
@plan_baseline_option(
    "With --plans: it gives a new milestone's baseline date; one the PMO already holds keeps its own."
)
@click.option(
    "--seeds",
    "seeds_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of status seeds, PRJ-001.json for PRJ-001, as pmo import project-online writes them: a project "
    "with no earlier report gets its Milestones, RAID and ResourceDemand rows from its seed. With --ledger, a "
    "project that has reported is carried forward instead and its seed is not used; --plans, where a project has "
    "a plan, gives the Milestones (docs/project-online-seeds.md).",
)
@click.option(
    "--mail-drafts",
    "mail_drafts",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[DIR]",
    help="Also write one e-mail draft (.eml) per PM into DIR (default: mail in --out): the PM's workbooks, the "
    "period's dates and calendar (.ics), the how-to, and on a PM's first send-out the template's guide "
    "(docs/send-out.md). A PM whose address is missing or malformed is listed, with the register row.",
)
def generate(
    template_id: str,
    register: Path,
    out_dir: Path,
    period: str | None,
    force: bool,
    templates_dir: Path | None,
    ledger: Path | None,
    csv_locale: str | None,
    settings_path: Path | None,
    plans_dir: Path | None,
    key_flag: int | None,
    outline_level: int | None,
    baseline: int,
    seeds_dir: Path | None,
    mail_drafts: str | None,
) -> dict:
    """Generate one workbook per project in the register, ready to send to each PM.

    Status workbooks go to the active projects only (those on hold, in the pipeline or closed do not report: they
    are listed, not generated). Each workbook gets the project's identity and baseline (locked), the period, and a unique token that
    `pmo collect` uses to recognise it. Nothing is overwritten without --force.

    Every amount a PM reports is in the project's currency and money unit: the register's currency and
    money_unit columns, or the --settings file for rows that leave them blank. pmo-xl never assumes one.
    A CSV register is read in its own locale: a semicolon file (as Excel saves CSV in most of Europe) has
    decimal commas and day/month dates; say --csv-locale en-GB or en-US when a comma file's dates are ambiguous.

    With --plans, each workbook's Milestones table comes from the project's Microsoft Project plan: its
    milestones (or --key-flag, or --outline-level), with the baseline, forecast and actual finish and a status;
    ids M-P<UID> stay the same from month to month. With --ledger, a milestone the PMO already holds keeps its
    baseline: a plan date that differs is a forecast. A project without a plan is made as before; one whose plan
    cannot be read is named and not generated, and the others are.

    With --seeds, a project with no earlier report starts from its status seed (PRJ-001.json, written by pmo import
    project-online): its Milestones, RAID and ResourceDemand rows, each checked against its table before anything
    is written. A project that has reported is carried forward from the ledger instead, and its seed is not used.

    \b
    Reads:  the register (.csv or .xlsx); --ledger (pmo_ledger.db) for carry-forward;
            --settings (.toml, .json or .csv); --plans, a folder of plans (.mpp, .mpx, Project XML);
            --seeds, a folder of status seeds (.json)
    Writes: one status workbook (.xlsx) per project in --out; the register into --ledger;
            with --mail-drafts, one e-mail draft (.eml) per PM in DIR (default: --out/mail)

    \b
    Example:
      pmo generate --register register.csv --out outbox --period 2026-12
      pmo generate --register register.csv --out outbox --period 2027-01 --ledger pmo_ledger.db
      pmo generate --register registre.csv --csv-locale fr-FR --settings pmo_settings.toml --out outbox
      pmo generate --register register.csv --out outbox --ledger pmo_ledger.db --plans plans --key-flag Flag1
      pmo generate --register imported/register.csv --out outbox --ledger pmo_ledger.db --seeds imported/seeds
      pmo generate --register register.csv --out outbox --ledger pmo_ledger.db --mail-drafts
    """
    period = _period(period)
    schema = schema_for(template_id)
    if plans_dir is None and (key_flag is not None or outline_level is not None or baseline):
        raise click.UsageError("--key-flag, --outline-level and --baseline choose what --plans reads; add --plans DIR")
    if key_flag is not None and outline_level is not None:
        raise click.UsageError("choose the Milestones rows by --key-flag or by --outline-level, not both")
    if mail_drafts is not None and schema.template_id != "project_status":
        raise click.UsageError(f"--mail-drafts sends status workbooks to PMs; the '{template_id}' template is not one")
    if plans_dir is not None and not any(table.name == "Milestones" for table in schema.tables):
        raise click.UsageError(
            f"--plans fills the Milestones of status workbooks; the '{template_id}' template has none"
        )
    settings = load_settings(settings_path)
    records = read_register(register, schema, csv_locale or settings.csv_locale, settings)
    warnings = [f"{register}, {warning}" for record in records for warning in record.warnings]
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    reports = PreviousReports(ledger, schema.template_id) if ledger else None
    carry_forward = carry_forward_from_ledger(ledger, schema, reports) if ledger else None
    # Status reports go to the projects that report; a request form goes to every row of its register.
    sent, not_sent = reporting_records(records) if schema.template_id == "project_status" else (records, [])
    if not_sent:
        states = Counter(record.lifecycle_status for record in not_sent)
        click.echo(f"not generated for {len(not_sent)} project(s) that do not report: "
                   f"{', '.join(f'{count} {state}' for state, count in sorted(states.items()))} "
                   "(only active projects report; set lifecycle_status to active in the register to include one)")  # fmt: skip
    seeds: list[ProjectSeedOutcome] = []
    if seeds_dir is not None:
        if schema.template_id != "project_status":
            raise click.UsageError(f"--seeds fills status workbooks; the '{template_id}' template is not one")
        seeds = _read_seeds(sent, seeds_dir, schema, period, reports)
        unusable = {seed.project_id for seed in seeds if seed.problem}
        sent = [record for record in sent if record.project_id not in unusable]
        carry_forward = with_seeds(carry_forward, {seed.project_id: seed.seeded for seed in seeds if seed.seeded})
        warnings += [f"{seed.project_id} not generated: {seed.problem}" for seed in seeds if seed.problem]
    plans: list[ProjectPlan] = []
    if plans_dir is not None:
        plans = _read_plans(sent, plans_dir, MilestoneSelection(key_flag, outline_level), period, baseline, schema,
                            reports)  # fmt: skip
        unreadable = {plan.project_id for plan in plans if plan.problem}
        sent = [record for record in sent if record.project_id not in unreadable]
        filled = {plan.project_id: plan.milestones for plan in plans if plan.milestones is not None}
        carry_forward = with_plan_milestones(carry_forward, filled)
        warnings += [f"{plan.project_id} not generated: {plan.problem}" for plan in plans if plan.problem]
    results = generate_for_records(
        schema,
        sent,
        out_dir,
        period,
        force=force,
        templates_dir=templates_dir,
        carry_forward=carry_forward,
        progress=lambda index, total, project: progress_echo(f"[{index}/{total}] {project}"),
    )
    if ledger is not None:
        with open_ledger(ledger, write=True) as opened:  # the register as this run read it: the views' default
            opened.add_register(records, str(register), hashlib.sha256(register.read_bytes()).hexdigest())
    click.echo(f"generated {len(results)} workbook(s) for {period} in {out_dir}")
    unusable_seeds = [seed for seed in seeds if seed.problem]
    if unusable_seeds:
        click.echo(f"not generated for {len(unusable_seeds)} project(s) whose seed cannot be used: "
                   f"{', '.join(seed.project_id for seed in unusable_seeds)}; mend each seed and run again (with --force, which makes the others again too)")  # fmt: skip
    unread = [plan for plan in plans if plan.problem]
    if unread:
        click.echo(f"not generated for {len(unread)} project(s) whose plan could not be read: "
                   f"{', '.join(plan.project_id for plan in unread)}; mend each plan and run again (with --force, which makes the others again too)")  # fmt: skip
    mail = None
    if mail_drafts is not None:
        mail = _send_out(sent, results, period, settings, ledger, Path(mail_drafts or out_dir / "mail"), register)
        warnings += [f"{register}, {problem}" for problem in mail["problems"]]
    return {
        "template": template_id,
        "period": period,
        "workbooks": [{"project_id": item.project_id, "path": item.path, "token": item.token} for item in results],
        "not_reporting": [{"project_id": r.project_id, "lifecycle_status": r.lifecycle_status} for r in not_sent],
        "plans": _plans_summary(plans_dir, plans, baseline) if plans_dir is not None else None,
        "seeds": _seeds_summary(seeds_dir, seeds) if seeds_dir is not None else None,
        "mail_drafts": mail,
        "outputs": {"folder": out_dir, "ledger": ledger},
        "warnings": warnings,
        "exit": 1 if unread or unusable_seeds else 0,
    }


def _send_out(records, results, period, settings, ledger, folder: Path, register: Path) -> dict:
    """One draft per PM (pmo_xl.generate.sendout) written into `folder`; a PM is on their first send-out unless
    one of their projects has an accepted report in the ledger (without one, every PM is)."""
    from pmo_xl.generate.carry_forward import counted_before
    from pmo_xl.generate.sendout import first_send_outs, sendout_drafts
    from pmo_xl.mail import Attachment, write_drafts

    files = {item.project_id: Attachment.of(item.path) for item in results}
    reported = {pid for pid, ids in counted_before(ledger, "project_status", period).items() if ids} if ledger else ()
    drafts, problems = sendout_drafts(records, files, period, settings, first_send_outs(records, reported))
    written = write_drafts(drafts, folder)
    click.echo(f"wrote {len(written)} send-out e-mail draft(s) in {folder}")
    for problem in problems:
        click.echo(f"warning: {register}, {problem}", err=True)
    return {"folder": folder, "drafts": written, "problems": problems}


def _read_plans(records, plans_dir, selection, period, baseline, schema, reports) -> list[ProjectPlan]:
    """Each project's plan, read before any workbook is written; one line for each project without one, or whose
    plan cannot be read."""

    def previous_rows(record: ProjectRecord) -> list[dict]:
        found = reports(record.project_id, period, keep=True) if reports is not None else None
        return found[0].tables.get("Milestones", []) if found is not None else []

    capacity = schema.table("Milestones").rows
    plans = read_project_plans(records, plans_dir, selection, period, baseline=baseline, capacity=capacity,
                               previous_rows=previous_rows)  # fmt: skip
    for plan in plans:
        if plan.milestones is not None:
            click.echo(f"{plan.project_id}: Milestones from its plan: {plan.milestones.describe()}")
        elif plan.problem:
            click.echo(f"warning: {plan.project_id} not generated: {plan.problem}", err=True)
    without = [plan.project_id for plan in plans if plan.path is None and not plan.problem]
    if without:
        click.echo(f"no plan in {plans_dir} for {len(without)} project(s), whose Milestones are made as without "
                   f"--plans: {', '.join(without)}")  # fmt: skip
    return plans


def _read_seeds(records, seeds_dir, schema, period, reports) -> list[ProjectSeedOutcome]:
    """Each project's seed, read and checked before any workbook is written; one line for each project seeded,
    carried forward instead, or whose seed cannot be used."""

    def has_report(record: ProjectRecord) -> bool:
        return reports is not None and reports(record.project_id, period, keep=True) is not None

    seeds = read_project_seeds(records, seeds_dir, schema, period, has_report)
    for seed in seeds:
        if seed.seeded is not None:
            click.echo(f"{seed.project_id}: seeded: {seed.seeded.describe()}")
        elif seed.has_report:
            click.echo(f"{seed.project_id}: carried forward from its last report; its seed {seed.path.name} is not "
                       "used")  # fmt: skip
        elif seed.problem:
            click.echo(f"warning: {seed.project_id} not generated: {seed.problem}", err=True)
    return seeds


def _seeds_summary(seeds_dir: Path, seeds: list[ProjectSeedOutcome]) -> dict:
    return {
        "folder": seeds_dir,
        "seeded": [{"project_id": seed.project_id, "seed": seed.path,
                    "rows": {name: len(rows) for name, rows in seed.seeded.tables.items()},
                    "left_out": list(seed.seeded.left_out)}
                   for seed in seeds if seed.seeded is not None],
        "carried_forward": [seed.project_id for seed in seeds if seed.has_report],
        "without_seed": [seed.project_id for seed in seeds if seed.path is None],
        "unusable": [{"project_id": seed.project_id, "seed": seed.path, "problem": seed.problem}
                     for seed in seeds if seed.problem],
    }  # fmt: skip


def _plans_summary(plans_dir: Path, plans: list[ProjectPlan], baseline: int) -> dict:
    return {
        "folder": plans_dir,
        "baseline": baseline,
        "filled": [
            {"project_id": plan.project_id, "plan": plan.path, "rows": len(plan.milestones.rows),
             "from_plan": plan.milestones.from_plan, "kept": plan.milestones.kept,
             "left_out": plan.milestones.done_before + plan.milestones.closed_before}
            for plan in plans if plan.milestones is not None
        ],
        "without_plan": [plan.project_id for plan in plans if plan.path is None and not plan.problem],
        "unreadable": [{"project_id": plan.project_id, "plan": plan.path, "problem": plan.problem}
                       for plan in plans if plan.problem],
    }  # fmt: skip


@main.command()
@click.option("--template", "template_id", type=TEMPLATE_CHOICE, default="project_status", show_default=True)
@click.option("--project-id", required=True, help="The project (or request) id, e.g. PRJ-042.")
@click.option("--name", "project_name", required=True, help="The project's name.")
@click.option("--pm", "project_manager", default="", help="Project manager.")
@click.option("--sponsor", default="", help="Sponsor.")
@click.option("--programme", default="", help="Programme.")
@click.option("--start", "start_date", default=None, help="Start date, YYYY-MM-DD.")
@click.option("--end", "end_date", default=None, help="Baseline end date, YYYY-MM-DD.")
@click.option("--period", help="Reporting period YYYY-MM. Default: the current month.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True
)
@click.option("--force", is_flag=True, help="Overwrite the workbook if it exists.")
def new(
    template_id,
    project_id,
    project_name,
    project_manager,
    sponsor,
    programme,
    start_date,
    end_date,
    period,
    out_dir,
    force,
) -> None:
    """Generate one workbook, without a register.

    \b
    Reads:  nothing but its options (the shipped template)
    Writes: one workbook (.xlsx) in --out

    \b
    Example:
      pmo new --project-id PRJ-042 --name "Billing migration" --pm "Ana Ruiz" --out outbox
    """
    record = ProjectRecord(
        row_number=0,
        project_id=project_id,
        project_name=project_name,
        project_manager=project_manager,
        sponsor=sponsor,
        start_date=_iso_date(start_date),
        end_date=_iso_date(end_date),
        programme=programme,
    )
    (result,) = generate_for_records(schema_for(template_id), [record], out_dir, _period(period), force=force)
    click.echo(f"generated {result.path}")
