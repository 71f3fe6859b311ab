"""`pmo coaching`: a thin shell over pmo_xl.reporting.coaching_workbook.export_coaching."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._options import ledger_option, register_option
from pmo_xl.periods import check_period


def _checked_period(_context, _parameter, value: str | None) -> str | None:
    try:
        return check_period(value) if value else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command("coaching")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path), default=Path("pmo-coaching.xlsx"))
@ledger_option(default=Path("pmo_ledger.db"))
@register_option("Default: the register the last pmo generate --ledger or pmo collect --register recorded.")
@click.option("--period", callback=_checked_period, help="The last of the six periods, YYYY-MM. Default: the latest.")
@click.option("--programme", help="Only this programme's projects and PMs.")
@click.option("--business-unit", help="Only this business unit's (the register's business_unit column).")
@click.option("--settings", "settings_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PMO settings (calendar, RAG rules, coaching_scorecard).")  # fmt: skip
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Count missing reports as of this day (YYYY-MM-DD). Default: today.")  # fmt: skip
def coaching_command(out, ledger, register, period, programme, business_unit, settings_path, today) -> None:
    """Write OUT (pmo-coaching.xlsx): the data-quality scorecard per PM, for the PMO's coaching only.

    Per PM and per project over the last six periods: on time, late and by how many days, complete first
    time, returns before acceptance, reports copied forward unchanged and watermelon reports (Green while
    the PMO's rules say Amber or Red, twice in a row), with a trend, and a marker on new PMs. Never for
    management: no management output holds any of it. Off when the settings say coaching_scorecard = false.

    \b
    Reads:  the ledger (pmo_ledger.db); --register (.csv/.xlsx), --settings
    Writes: OUT, a workbook (.xlsx)

    \b
    Example:
      pmo coaching pmo-coaching.xlsx --ledger pmo_ledger.db
      pmo coaching digital-coaching.xlsx --programme "Digital Customer" --period 2026-11
    """
    from pmo_xl.register import read_register
    from pmo_xl.reporting.audience import PMO, Audience
    from pmo_xl.reporting.coaching_workbook import export_coaching
    from pmo_xl.settings import load_settings
    from pmo_xl.templates.catalog import PROJECT_STATUS

    settings = load_settings(settings_path)
    records = read_register(register, PROJECT_STATUS, settings.csv_locale, settings) if register else None
    audience = Audience.of(programme, business_unit, reader=PMO)
    day = today.date() if today else None
    written = export_coaching(ledger, out, records, period, settings, day, audience)
    if written is None:
        click.echo("the coaching scorecard is switched off (coaching_scorecard = false): nothing written")
    else:
        click.echo(f"wrote {written} (for the PMO's coaching only: do not forward it to management)")
