"""The `pmo` command group and the one place that turns a PmoError into a clear message and exit status."""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from pmo_xl import __version__
from pmo_xl.errors import PmoError

# Every command: the module that defines it, and the line `pmo --help` shows for it, in the order of a PMO's
# month (not the alphabet): the demo to try it; make the workbooks, collect them, report on them; capacity and the
# request pipeline; the whole history and the ledger's upkeep; then the set-up of templates, workbook and Excel. A command's module is imported only when the command runs (or its own --help is
# asked for): `pmo --help` and `pmo --version` import neither pandas nor numpy, and `pmo collect` pays for
# collect's imports only. tests/test_startup.py checks each line against its command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("pmo_xl.cli.report", "Run the whole PMO cycle on sample data into OUT, and say where to look."),
    "generate": (
        "pmo_xl.cli.generate",
        "Generate one workbook per project in the register, ready to send to each PM.",
    ),
    "new": ("pmo_xl.cli.generate", "Generate one workbook, without a register."),
    "calendar": (
        "pmo_xl.cli.calendar",
        "Write the reporting calendar of a year as .ics: each period's data-as-of date and submission deadline.",
    ),
    "collect": (
        "pmo_xl.cli.collect",
        "Merge the status workbooks in INBOX (and its subfolders) into the ledger and write portfolio.xlsx.",
    ),
    "dashboard": (
        "pmo_xl.cli.report",
        "Write OUT (portfolio.xlsx) with the Dashboard sheet first, rebuilt from the ledger.",
    ),
    "report": ("pmo_xl.cli.report", "Write OUT.html: the management pack, one self-contained file to e-mail."),
    "review-pack": (
        "pmo_xl.cli.review_pack",
        "Write OUT.pdf (or OUT.html, OUT.pptx): the steering committee's review pack, one page per active project.",
    ),
    "coaching": (
        "pmo_xl.cli.coaching",
        "Write OUT (pmo-coaching.xlsx): the data-quality scorecard per PM, for the PMO's coaching only.",
    ),
    "capacity": (
        "pmo_xl.cli.capacity",
        "Demand against net capacity, by role and month: heatmap, over-allocation, chart, what-if.",
    ),
    "score": (
        "pmo_xl.cli.scoring",
        "Score and rank project requests against the ScoringModel (0-100, fixed anchors).",
    ),
    "optimize": (
        "pmo_xl.cli.scoring",
        "Choose the requests that maximise total value within budgets and role capacity.",
    ),
    "scenario": (
        "pmo_xl.cli.scenario",
        "Save selection runs as named scenarios, compare them side by side, commit the one approved.",
    ),
    "decide": (
        "pmo_xl.cli.decide",
        "Record a decision that answers a PM's decision-needed row, with an optional action; or that an action is done.",
    ),
    "export": ("pmo_xl.cli.ledger", "Export what the ledger holds beyond portfolio.xlsx: the whole history."),
    "ledger": (
        "pmo_xl.cli.ledger",
        "Look after the ledger: rebuild its derived tables, check it, copy it to another back end.",
    ),
    "import": (
        "pmo_xl.cli.imports",
        "Bring in what the PMO already has: Microsoft Project plans and Project Online exports.",
    ),
    "templates": (
        "pmo_xl.cli.generate",
        "Build the PMO templates from their declared schema, document their fields, print a guide for PMs, list "
        "their versions, move issued workbooks to the current version (upgrade) and adopt a template the PMO "
        "restyled.",
    ),
    "workbook": (
        "pmo_xl.cli.workbook",
        "Build or upgrade pmo_workbook.xlsm, the PMO's workbook with the PMO ribbon tab.",
    ),
    "setup": ("pmo_xl.cli.workbook", "Set up this computer for the PMO workbook."),
}
COMMAND_ORDER = tuple(COMMANDS)


def _fit(line: str, limit: int) -> str:
    """A command's line cut to `limit` at a word, with '...', as click cuts a loaded command's."""
    if len(line) <= limit:
        return line
    words, kept = line.split(), ""
    for word in words:
        if len(kept) + len(word) + (1 if kept else 0) + 3 > limit:
            break
        kept = f"{kept} {word}" if kept else word
    return f"{kept}..."


class PmoGroup(click.Group):
    """The `pmo` group: commands load on first use (see COMMANDS), and a PmoError becomes one clear line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        rank = {name: index for index, name in enumerate(COMMAND_ORDER)}
        return sorted({*COMMANDS, *self.commands}, key=lambda name: (rank.get(name, len(rank)), name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(COMMANDS[cmd_name][0])  # its decorators register it on `main`
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS, so that `pmo --help` imports no command's module."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)  # as click lays it out
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None and loaded.hidden:
                continue
            if loaded is not None:
                rows.append((name, loaded.get_short_help_str(limit)))
            else:
                rows.append((name, _fit(COMMANDS[name][1], limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        with warnings.catch_warnings():
            warnings.simplefilter("once", UserWarning)  # e.g. settings read under an old name: said once a run
            warnings.showwarning = _show_note(warnings.showwarning)
            try:
                return super().invoke(ctx)
            except PmoError as error:
                click.secho(f"pmo: {error}", fg="red", err=True)
                sys.exit(2)


def _show_note(show_warning):
    """A warning meant for the PMO (its class has `pmo_note`, e.g. settings.SettingsRenamed) as one line on stderr,
    `pmo: note: ...`; any other warning as Python shows it."""

    def show(message, category, filename, lineno, file=None, line=None):
        if getattr(category, "pmo_note", False):
            click.secho(f"pmo: note: {message}", fg="yellow", err=True)
        else:
            show_warning(message, category, filename, lineno, file, line)

    return show


@click.group(cls=PmoGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pmo")
def main() -> None:
    """pmo: the PMO's workbench. Every button on the PMO ribbon is also a command here.

    \b
    A month in the PMO, as commands (the list below is in this order):
      pmo demo       the whole cycle on sample data, to see it working
      pmo generate   make each project's status workbook from the register
      pmo collect    merge the workbooks PMs send back into the ledger and portfolio.xlsx
      pmo dashboard  portfolio.xlsx with the Dashboard sheet, from the ledger
      pmo report     the management pack, one HTML file
      pmo capacity   demand against capacity, by role and month
      pmo score      score and rank project requests
      pmo optimize   choose the portfolio that fits budget and capacity

    Run `pmo COMMAND --help` for the options and an example of each.
    """


def progress_echo(message: str) -> None:
    """Progress lines go to stderr, so stdout stays clean for scripts."""
    click.echo(message, err=True)


def __getattr__(name: str) -> object:
    """CSV_LOCALE_OPTION, built when a command's module asks for it: its choices come from pmo_xl.values, which
    `pmo --help` need not import (PEP 562)."""
    if name != "CSV_LOCALE_OPTION":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from pmo_xl.values import CSV_LOCALE_NAMES

    option = click.option(
        "--csv-locale",
        type=click.Choice(CSV_LOCALE_NAMES, case_sensitive=False),
        default=None,
        help="How a CSV register writes numbers and dates. auto (the default, or the csv_locale setting): a semicolon "
        "file has decimal commas and day/month dates (Excel in most of Europe), a comma file decimal points. Name a "
        "locale (en-GB, en-US, de-DE, fr-FR...) when its dates could be read two ways.",
    )
    globals()[name] = option
    return option
