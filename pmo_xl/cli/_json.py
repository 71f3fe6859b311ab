"""`--json`: the one JSON object a long-running `pmo` command prints on stdout, for the ribbon, a scheduler or a script.

A caller that reads the lines written for people breaks the day a message is reworded. So each of these commands
also answers in data: its callback prints its usual lines and returns its summary (a dict, see docs/json-output.md),
and `JsonCommand` decides what reaches stdout. Without --json: the usual lines, then the summary's exit status.
With --json: the usual lines go to stderr beside the progress, and stdout gets the summary alone, as one JSON object
on one line. A run that fails (a PmoError, a bad option) prints `{"error": ...}` instead, with the same exit status
as without --json.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import click

from pmo_xl.errors import PmoError
from pmo_xl.submissions import Verdict
from pmo_xl.values import readable_name

if TYPE_CHECKING:
    import pandas as pd

# The shape's version. It goes up only when a field is renamed, removed or changes meaning; new fields may appear
# without it, so a reader takes the fields it knows and ignores the rest.
SCHEMA = 1
EXIT_PMO_ERROR = 2  # what the `pmo` group exits with when a command raises a PmoError (pmo_xl/cli/_group.py)
EXIT_UNEXPECTED = 1  # what Python exits with on an uncaught exception

JSON_HELP = "Print one JSON object on stdout instead of the usual lines, which go to stderr (docs/json-output.md)."


class JsonCommand(click.Command):
    """A `pmo` command whose callback returns its summary dict (with "exit"), and which takes --json.

    Use it as `@main.command(cls=JsonCommand)`; the --json option is added here, so the callback never sees it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["--json", "as_json"], is_flag=True, help=JSON_HELP))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        wants_json = "--json" in args  # asked before parsing, so that a bad option is answered in JSON too
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            if wants_json:
                emit(failure(self.name, error.format_message(), error.exit_code))
            raise

    def invoke(self, ctx: click.Context) -> dict:
        if not ctx.params.pop("as_json", False):
            summary = super().invoke(ctx)
        else:
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    summary = super().invoke(ctx)
            except PmoError as error:
                emit(failure(self.name, str(error), EXIT_PMO_ERROR))
                raise  # the group prints it on stderr and exits with its status, as without --json
            except click.ClickException as error:
                emit(failure(self.name, error.format_message(), error.exit_code))
                raise
            except click.exceptions.Exit:
                raise  # a command that stops early on purpose: not a failure
            except Exception as error:
                emit(failure(self.name, f"unexpected {type(error).__name__}: {error}", EXIT_UNEXPECTED))
                raise
            emit({"command": self.name, "schema": SCHEMA, **summary})
        if summary["exit"]:
            ctx.exit(summary["exit"])
        return summary


def failure(command: str | None, message: str, exit_status: int) -> dict:
    return {"command": command, "schema": SCHEMA, "error": message, "exit": exit_status}


def emit(summary: Mapping[str, Any]) -> None:
    """Write `summary` on stdout as one line of JSON.

    ASCII only (anything else escaped): Excel's Python reads a child's stdout in the Windows code page, where UTF-8
    text would arrive garbled. A value of a type JSON lacks is written as its text rather than lose the run's result.
    """
    click.echo(json.dumps(plain(summary), allow_nan=False, default=str))


def plain(value: Any) -> Any:
    """`value` as JSON's types: paths and dates as text, numpy and pandas scalars as numbers, NaN and NA as null."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, PurePath):
        return readable_name(str(value))
    # numpy and pandas values only exist once those are loaded; this module does not load them for nothing.
    numpy, pandas = sys.modules.get("numpy"), sys.modules.get("pandas")
    if numpy is not None and isinstance(value, numpy.generic):
        value = value.item()
    if value is None or (pandas is not None and (value is pandas.NA or value is pandas.NaT)):
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date):  # datetimes and pandas Timestamps too
        return value.isoformat()
    return value


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """The rows of `frame` (only `columns`, when given) as JSON objects."""
    chosen = frame if columns is None else frame[[column for column in columns if column in frame.columns]]
    return [plain(row) for row in chosen.to_dict("records")]


def file_entry(verdict: Verdict) -> dict:
    """Which file, and whose report it is."""
    return {
        "file": readable_name(PurePath(verdict.path).name),
        "path": readable_name(verdict.path),
        "project_id": verdict.project_id,
        "reporting_period": verdict.reporting_period,
    }


def verdict_entry(verdict: Verdict) -> dict:
    """One file's verdict: the file, and the codes and reasons the Submissions sheet shows for it."""
    return {
        **file_entry(verdict),
        "codes": list(dict.fromkeys(finding.code for finding in verdict.findings)),
        "reasons": [readable_name(finding.describe()) for finding in verdict.findings],
    }
