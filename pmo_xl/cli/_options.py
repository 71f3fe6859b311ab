"""The input options several commands share, each declared once: one name, one meaning, one set of forms.

`--requests`, `--capacity`, `--register` and `--ledger` mean the same file in every command that has them, and
their help says the same thing (a command may add what it does with the file). The forms each takes are read by
one reader behind it (the request pipeline by `collect.requests.read_request_pipeline`, the Capacity table by
`portfolio.capacity.read_capacity`, the register by `register.read_register`, the ledger by `ledger.open_ledger`),
and a form it refuses is one line, `pmo: ...` (a PmoError), never a usage screen or a traceback.
tests/test_cli_options.py walks every command's options of these names.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from pmo_xl.errors import PmoError

REQUESTS_HELP = (
    "The request pipeline: a workbook with a Requests table and its RequestResources estimates (pmo_workbook.xlsm, "
    "the demo's requests.xlsx), a CSV of requests, or a folder of request forms (project_request workbooks). "
    "Not the file pmo score or pmo optimize writes: give the pipeline they read."
)
CAPACITY_HELP = (
    "The Capacity table (role, from_month, to_month, fte, productive_ratio): pmo_workbook.xlsm, a workbook with a "
    "Capacity table (the demo's capacity.xlsx), a CapacityPlan table (role, month, capacity_fte), a CSV of either "
    "shape, or a workbook without tables whose first sheet is one. Not the capacity_plan.xlsx pmo capacity writes."
)
REGISTER_HELP = (
    "The project register: a .csv or .xlsx file (a Register, Portfolio or Projects table, else the first sheet; "
    "docs/templates.md lists its columns), or pmo_workbook.xlsm (its Portfolio table)."
)
LEDGER_HELP = (
    "The ledger that pmo collect fills: every accepted status report. A SQLite file, or a PostgreSQL URL "
    "postgresql://user@host/db for a team (no password in it: ~/.pgpass, PGPASSWORD or PGSERVICE). Default: "
    "$PMO_LEDGER, else the file named."
)


class InputPathError(PmoError):
    """An input option names no file, or a folder where a file is meant."""


class InputPath(click.ParamType):
    """A path given to one of the shared options: a file (or, with `folder=True`, a folder of forms) that must
    exist unless `may_be_new`. What is wrong is said as a PmoError, one line, naming the option and the forms it
    takes."""

    name = "path"

    def __init__(self, forms: str, *, folder: bool = False, may_be_new: bool = False, suffixes: tuple[str, ...] = ()):
        self.forms = forms
        self.folder = folder
        self.may_be_new = may_be_new
        self.suffixes = suffixes

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "FILE|FOLDER" if self.folder else "FILE"

    def convert(self, value, param, ctx) -> Path:
        path = Path(value)
        option = option_named(param, ctx)
        if path.is_dir() and not self.folder:
            raise InputPathError(f"{option} {value} is a folder; give {self.forms}")
        if not path.exists() and not self.may_be_new:
            raise InputPathError(f"{option} {value}: no such file or folder; give {self.forms}")
        if self.suffixes and path.is_file() and path.suffix.lower() not in self.suffixes:
            raise InputPathError(f"{option} {value} is not a {' or '.join(self.suffixes)} file; give {self.forms}")
        return path


def option_named(param: click.Parameter | None, ctx: click.Context | None) -> str:
    """How a message names where a value came from: the option as typed (--ledger), or its environment variable
    (PMO_LEDGER) when the value was taken from there, so the user knows what to change."""
    if isinstance(param, click.Argument):
        return param.human_readable_name
    if param is None or not param.opts:
        return "the file"
    from_environment = ctx is not None and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
    if from_environment and param.envvar:
        return param.envvar if isinstance(param.envvar, str) else "/".join(param.envvar)
    return "/".join(param.opts)


def _help(meaning: str, role: str) -> str:
    return f"{meaning} {role}".strip()


REQUESTS_FORMS = "a pipeline workbook, a CSV of requests or a folder of request forms"


def requests_option(dest: str = "requests", role: str = ""):
    """`--requests`: the request pipeline (REQUESTS_HELP)."""
    return click.option(
        "--requests", dest, type=InputPath(REQUESTS_FORMS, folder=True), help=_help(REQUESTS_HELP, role)
    )


def requests_argument():
    """REQUESTS of pmo score and pmo optimize: the same request pipeline as `--requests`."""
    return click.argument("requests", type=InputPath(REQUESTS_FORMS, folder=True))


def capacity_option(dest: str = "capacity", role: str = "", required: bool = False):
    """`--capacity`: the Capacity table (CAPACITY_HELP)."""
    forms = "the Capacity table: pmo_workbook.xlsm, a workbook with a Capacity table, or its CSV"
    return click.option("--capacity", dest, type=InputPath(forms), required=required, help=_help(CAPACITY_HELP, role))


def register_option(role: str = "", required: bool = False):
    """`--register`: the project register (REGISTER_HELP)."""
    forms = "the project register, a .csv or .xlsx file"
    return click.option(
        "--register",
        type=InputPath(forms, suffixes=(".csv", ".xlsx", ".xlsm")),
        required=required,
        help=_help(REGISTER_HELP, role),
    )


class LedgerLocation(InputPath):
    """`--ledger`: a SQLite file (an InputPath), or a PostgreSQL URL kept as text (a Path would fold its `//`);
    a URL with a password in it is refused here, in one line naming --ledger or PMO_LEDGER, whichever held it."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "FILE|URL"

    def convert(self, value, param, ctx) -> Path | str:
        if str(value).lower().startswith(("postgresql://", "postgres://")):
            from pmo_xl.ledger import LedgerError, refuse_password

            try:
                refuse_password(str(value))
            except LedgerError as error:  # said of the option, or of PMO_LEDGER when the URL came from there
                option, message = option_named(param, ctx), str(error)
                if message.startswith("--ledger") and option != "--ledger":
                    message = option + message.removeprefix("--ledger")
                raise LedgerError(message) from None
            return str(value)
        return super().convert(value, param, ctx)


def ledger_option(role: str = "", *, default: Path | None = None, may_be_new: bool = False):
    """`--ledger`: the ledger (LEDGER_HELP), a file or a PostgreSQL URL; PMO_LEDGER when not given. Commands that
    read a month's reports default to pmo_ledger.db."""
    forms = "the ledger file pmo collect fills (run `pmo collect` first, or `pmo demo` to try it), or a PostgreSQL URL"
    return click.option(
        "--ledger",
        type=LedgerLocation(forms, may_be_new=may_be_new),
        default=default,
        envvar="PMO_LEDGER",
        show_default=default is not None,
        help=_help(LEDGER_HELP, role),
    )


PLAN_BASELINE_HELP = (
    "Which of the plan's baselines gives baseline_start and baseline_finish: 0 (Project's Baseline) or 1-10."
)


def plan_baseline_option(role: str = ""):
    """`--baseline N`: which of a Microsoft Project plan's eleven baselines is read (PLAN_BASELINE_HELP)."""
    return click.option(
        "--baseline",
        type=click.IntRange(0, 10),
        default=0,
        show_default=True,
        help=_help(PLAN_BASELINE_HELP, role),
    )


def key_flag_number(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """--key-flag Flag3 (or 3) as 3."""
    if value is None:
        return None
    text = value.strip().casefold().removeprefix("flag")
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise click.BadParameter(f"'{value}' is not one of Microsoft Project's flags, Flag1 to Flag20")
    return int(text)
