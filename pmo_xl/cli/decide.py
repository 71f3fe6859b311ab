"""`pmo decide`: record the steering committee's decisions in the ledger, append-only (pmo_xl.decisions;
docs/decisions.md)."""

from __future__ import annotations

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import ledger_option
from pmo_xl.ledger import now_stamp


@main.command("decide", cls=JsonCommand)
@ledger_option(role="The decisions are recorded there, append-only.")
@click.option("--kind", help="approve, defer, stop, re-baseline or accept-change (any case; 're baseline' too).")
@click.option("--project", "project_id", help="The project the decision is for (its register id).")
@click.option("--answers", help="The id of the PM's decision-needed row it answers (D-001...).")
@click.option("--owner", help="Who decided (a person or the committee).")
@click.option("--date", "decided_on", help="The day it was decided (YYYY-MM-DD; 5.12.2026 is read too).")
@click.option("--due", help="When the action is due (YYYY-MM-DD).")
@click.option("--note", default="", help="What was decided, in a line.")
@click.option("--action", default="", help="The action it sets (its owner: --action-owner, else --owner).")
@click.option("--action-owner", default="", help="Who does the action (default: --owner).")
@click.option("--from", "table_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Read the decisions from the Decisions table of pmo_workbook.xlsm instead (repeatable); each row once.")  # fmt: skip
def decide_command(ledger, kind, project_id, answers, owner, decided_on, due, note, action, action_owner, table_files):
    """Record a decision that answers a PM's decision-needed row, with an optional action.

    A correction is a new decision for the same row: it supersedes the one before; nothing is changed or removed.

    \b
    Reads:  --ledger; --from (.xlsm, .xlsx or .csv with a Decisions table)
    Writes: a row in the ledger for each new decision

    \b
    Example:
      pmo decide --ledger pmo_ledger.db --kind approve --project P-001 --answers D-001 \\
          --owner "Steering committee" --date 2026-12-10 --action "Sign the supplier change" --due 2026-12-31
    """
    from pmo_xl.decisions import DecisionRequest, kind_of, plain_text, read_day, read_decisions_table, record_decisions

    if ledger is None:
        raise click.UsageError("give --ledger, where the decisions are recorded")
    if table_files:
        requests = [request for path in _each_once(table_files) for request in read_decisions_table(path)]
    else:
        missing = [f"--{name}" for name, value in (("kind", kind), ("project", project_id), ("answers", answers),
                                                  ("owner", owner), ("date", decided_on)) if not value]  # fmt: skip
        if missing:
            raise click.UsageError(f"give {', '.join(missing)} (or --from pmo_workbook.xlsm)")
        requests = [DecisionRequest(plain_text(project_id), plain_text(answers), kind_of(kind), plain_text(owner),
                                    read_day(decided_on, "--date"), read_day(due, "--due") if due else None,
                                    plain_text(note), plain_text(action), plain_text(action_owner))]  # fmt: skip
    recorded, already = record_decisions(ledger, requests, now_stamp())
    for decision in recorded:
        click.echo(f"{decision.project_id} {decision.answers}: {decision.kind} by {decision.owner} on "
                   f"{decision.decided_on}" + (f" (supersedes decision {decision.supersedes})" if decision.supersedes else ""))  # fmt: skip
    click.echo(f"{len(recorded)} decision(s) recorded, {already} already in the ledger -> {ledger}")
    return {"recorded": [d.decision_id for d in recorded], "already_recorded": already,
            "outputs": {"ledger": ledger}, "warnings": [], "exit": 0}  # fmt: skip


def _each_once(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The --from files, each once: one given twice (by any spelling of its path) is refused, not read twice."""
    from pathlib import Path

    resolved = [Path(path).resolve() for path in paths]
    for index, path in enumerate(paths):
        if resolved[index] in resolved[:index]:
            raise click.UsageError(f"--from {path} is given twice; give each file once")
    return paths
