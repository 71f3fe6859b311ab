"""`pmo ledger rebuild|check` and `pmo export history`: thin shells over pmo_xl.reporting.history."""

from __future__ import annotations

from pathlib import Path

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import LedgerLocation, ledger_option
from pmo_xl.errors import PmoError

_LEDGER = ledger_option(default=Path("pmo_ledger.db"))


@main.group()
def ledger() -> None:
    """Look after the ledger: rebuild its derived tables, check it, copy it to another back end.

    The ledger holds the record (every accepted submission, never rewritten) and derived tables worked out from
    it, which make a month's dashboard read only the periods it shows. Collect keeps them current; these commands
    are for after an upgrade, a restore from backup, or a doubt.
    """


@ledger.command("rebuild", cls=JsonCommand)
@_LEDGER
def rebuild_command(ledger: Path) -> dict:
    """Work the derived tables out again from the record (the record is not touched).

    \b
    Reads:  the ledger (pmo_ledger.db)
    Writes: the same ledger's derived tables

    \b
    Example:
      pmo ledger rebuild --ledger pmo_ledger.db
    """
    from pmo_xl.reporting.history import rebuild_ledger

    result = rebuild_ledger(ledger)
    click.echo(f"{ledger}: derived tables rebuilt from the record, {result.counted_reports} counted report(s)")
    return {"ledger": result.ledger, "counted_reports": result.counted_reports,
            "schema_version": result.schema_version, "exit": 0}  # fmt: skip


@ledger.command("check", cls=JsonCommand)
@_LEDGER
def check_command(ledger: Path) -> dict:
    """Check the ledger: the database's own check, and the derived tables against a rebuild done in memory.

    On SQLite the check is its integrity check; on PostgreSQL (whose server keeps its files sound) that every
    record table still has its append-only triggers.

    Exits 1 when something is wrong, and says what; `pmo ledger rebuild` mends the derived tables. Nothing is
    written.

    \b
    Reads:  the ledger (pmo_ledger.db)
    Writes: nothing

    \b
    Example:
      pmo ledger check --ledger pmo_ledger.db
    """
    from pmo_xl.reporting.history import check_ledger

    result = check_ledger(ledger)
    for problem in result.integrity:
        click.secho(f"integrity: {problem}", fg="red", err=True)
    for difference in result.differences[:20]:
        click.secho(f"derived: {difference}", fg="red", err=True)
    if result.stale_projects:
        click.echo(f"{len(result.stale_projects)} project(s) have reports the derived tables take in at the next "
                   "collect (or pmo ledger rebuild)")  # fmt: skip
    verdict = "sound" if result.ok else "NOT sound: run `pmo ledger rebuild`, or restore a backup if integrity fails"
    click.echo(f"{ledger}: version {result.schema_version}, {result.counted_reports} counted report(s), {verdict}")
    return {"ledger": result.ledger, "ok": result.ok, "integrity": list(result.integrity),
            "differences": list(result.differences), "stale_projects": list(result.stale_projects),
            "exit": 0 if result.ok else 1}  # fmt: skip


@ledger.command("copy", cls=JsonCommand)
@click.argument("source", metavar="FROM", type=LedgerLocation("the ledger to copy: a SQLite file or a PostgreSQL URL"))
@click.argument(
    "target", metavar="TO", type=LedgerLocation("where to copy it: a new file or an empty database", may_be_new=True)
)
def copy_command(source: Path | str, target: Path | str) -> dict:
    """Copy a whole ledger FROM one back end TO another: SQLite to PostgreSQL (a team moving onto a server) or back.

    Each of FROM and TO is a SQLite file or a PostgreSQL URL (postgresql://user@host/db). The record goes a batch at
    a time, so a copy that was interrupted goes on where it stopped when run again; at the end every table's content
    hash is compared, and a difference is an error. FROM is only read.

    \b
    Reads:  the ledger FROM
    Writes: the ledger TO (made if new; an interrupted copy of FROM is completed; a ledger of another version or
            another ledger's copy is refused, unchanged)

    \b
    Example:
      pmo ledger copy pmo_ledger.db postgresql://pmo@db.example.org/pmo
    """
    from pmo_xl.ledger import copy_ledger_between

    result = copy_ledger_between(source, target)
    rows = sum(count for count, _hash in result.digests.values())
    went_on = " (went on from an interrupted copy)" if result.resumed else ""
    if result.complete:
        click.echo(f"{target} is a complete copy of {source} already: nothing copied; {rows} row(s) in "
                   f"{len(result.digests)} tables, content hashes equal")  # fmt: skip
    else:
        click.echo(
            f"{source} -> {target}: {rows} row(s) in {len(result.digests)} tables, content hashes equal{went_on}"
        )
    return {"from": str(source), "to": str(target), "copied": result.copied, "resumed": result.resumed,
            "complete": result.complete, "digests": {table: list(digest) for table, digest in result.digests.items()},
            "exit": 0}  # fmt: skip


@main.group()
def export() -> None:
    """Export what the ledger holds beyond portfolio.xlsx: the whole history."""


@export.command("history")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_LEDGER
@click.option("--from", "first", help="First period, YYYY-MM. Default: the first collected.")
@click.option("--to", "last", help="Last period, YYYY-MM. Default: the latest collected.")
def history_command(out: Path, ledger: Path, first: str | None, last: str | None) -> None:
    """Write every counted report of every period to OUT (.xlsx or .csv), one row per project and period.

    portfolio.xlsx's History sheet holds the last 13 periods; this holds them all, with the same columns.

    \b
    Reads:  the ledger (pmo_ledger.db)
    Writes: OUT, a workbook (.xlsx) or a CSV file (.csv)

    \b
    Example:
      pmo export history history.xlsx --ledger pmo_ledger.db --from 2024-01
    """
    from pmo_xl.excel.files import write_bytes_atomic
    from pmo_xl.reporting.history import history_frame
    from pmo_xl.reporting.portfolio_workbook import write_frames

    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise PmoError(f"{out}: name it .xlsx (a workbook) or .csv; {out.suffix or 'no suffix'} says neither")
    frame = history_frame(ledger, first=first, last=last)
    if out.suffix.lower() == ".csv":
        write_bytes_atomic(out, frame.to_csv(index=False).encode("utf-8-sig"))  # the BOM: Excel reads it as UTF-8
    else:
        write_frames({"History": frame}, out)
    click.echo(f"{len(frame)} counted report(s), {frame['period'].nunique()} period(s) -> {out}")
