"""The `pmo` command group and the one place that turns a PmoError into a clear message and exit status."""

from __future__ import annotations

import sys

import click

from pmo_xl import __version__
from pmo_xl.errors import PmoError
from pmo_xl.values import CSV_LOCALE_NAMES

# `pmo --help` lists commands in the order of a PMO's month, not the alphabet; unlisted ones come last.
COMMAND_ORDER = (
    "demo",
    "new",
    "generate",
    "collect",
    "score",
    "optimize",
    "capacity",
    "dashboard",
    "report",
    "templates",
    "workbook",
    "setup",
)


class PmoGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        rank = {name: index for index, name in enumerate(COMMAND_ORDER)}
        return sorted(self.commands, key=lambda name: (rank.get(name, len(rank)), name))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PmoError as error:
            click.secho(f"pmo: {error}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=PmoGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pmo")
def main() -> None:
    """pmo: the PMO's workbench. Every button on the PMO ribbon is also a command here.

    \b
    A month in the PMO, as commands:
      pmo generate   make each project's status workbook from the template
      pmo collect    merge the workbooks PMs send back into the portfolio
      pmo score      score and rank project requests
      pmo optimize   choose the portfolio that fits budget and capacity
      pmo capacity   demand against capacity, by role and month
      pmo demo       the whole cycle on sample data, to see it working

    Run `pmo COMMAND --help` for the options and an example of each.
    """


def progress_echo(message: str) -> None:
    """Progress lines go to stderr, so stdout stays clean for scripts."""
    click.echo(message, err=True)


CSV_LOCALE_OPTION = click.option(
    "--csv-locale",
    type=click.Choice(CSV_LOCALE_NAMES, case_sensitive=False),
    default=None,
    help="How a CSV register writes numbers and dates. auto (the default, or the csv_locale setting): a semicolon "
    "file has decimal commas and day/month dates (Excel in most of Europe), a comma file decimal points. Name a "
    "locale (en-GB, en-US, de-DE, fr-FR...) when its dates could be read two ways.",
)
