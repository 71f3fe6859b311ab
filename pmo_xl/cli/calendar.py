"""`pmo calendar`: a thin shell over pmo_xl.reporting_calendar.calendar_ics, writing the year's .ics atomically."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main
from pmo_xl.errors import OutputError
from pmo_xl.excel.files import write_bytes_atomic
from pmo_xl.reporting_calendar import NotACalendar, calendar_changes, calendar_ics, reporting_periods
from pmo_xl.settings import CADENCES, load_settings
from pmo_xl.templates.catalog import PROJECT_STATUS


@main.command("calendar")
@click.option("--year", type=click.IntRange(1900, 9998), required=True, help="The calendar year, January to December.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("pmo-reporting.ics"),
    show_default=True,
    help="The .ics file to write. When it exists, its events are read first: an event whose date changed is "
    "written as a revision (SEQUENCE + 1), so importing the new file updates it instead of adding a second one.",
)
@click.option(
    "--settings",
    "settings_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PMO settings (.toml, .json or .csv): the deadline and data-as-of days, dates set by hand, pmo_name.",
)
@click.option(
    "--template",
    "template_id",
    type=click.Choice([PROJECT_STATUS.template_id]),
    default=PROJECT_STATUS.template_id,
    show_default=True,
)
@click.option("--cadence", type=click.Choice(CADENCES), help="Which months report. Default: the settings' cadence.")
def calendar_command(year: int, out: Path, settings_path: Path | None, template_id: str, cadence: str | None) -> None:
    """Write the reporting calendar of a year as .ics: each period's data-as-of date and submission deadline.

    One all-day event per date, with reminders (the deadline: three days before and on the day, at 09:00;
    the data-as-of date: on the day). Each event keeps its UID from run to run, so PMs import the file
    again after a change and their calendar updates. An unchanged calendar is written byte for byte again.

    \b
    Reads:  --settings (.toml, .json or .csv); --out (.ics) when it exists
    Writes: --out (.ics, iCalendar RFC 5545)

    \b
    Example:
      pmo calendar --year 2027 --out pmo-reporting.ics --settings pmo_settings.toml
    """
    if out.is_dir() or not out.parent.is_dir():
        raise OutputError(f"--out {out}: {'is a folder' if out.is_dir() else 'its folder does not exist'}; give an .ics file in an existing folder")  # fmt: skip
    settings = load_settings(settings_path)
    previous = out.read_bytes() if out.exists() else None
    periods = reporting_periods(year, settings, cadence)
    try:
        written = calendar_ics(settings, periods, template_id, previous, cadence)
    except NotACalendar as error:
        raise NotACalendar(f"{out} {error}; give another --out, or remove it to start afresh") from None
    write_bytes_atomic(out, written)
    changes = calendar_changes(previous, written)
    change = "unchanged" if written == previous else f"{changes.added} new, {len(changes.revised)} revised"
    click.echo(f"Wrote {out}: {written.count(b'BEGIN:VEVENT')} events ({change}) for the {len(periods)} "
               f"{cadence or settings.cadence} reporting periods of {year}.")  # fmt: skip
    for summary in changes.revised:
        click.echo(f"  revised: {summary}")
    if changes.dropped:
        click.echo(f"  {len(changes.dropped)} event(s) of the previous {out.name} are not in it (another year, "
                   "cadence or pmo_name?); calendars that imported them keep them until removed by hand:")  # fmt: skip
        for summary in changes.dropped:
            click.echo(f"    {summary}")
