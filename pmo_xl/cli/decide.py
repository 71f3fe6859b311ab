"""`pmo decide`: record the steering committee's decisions in the ledger, append-only (pmo_xl.decisions;
docs/decisions.md)."""

from __future__ import annotations

import click

from pmo_xl.cli._group import main
from pmo_xl.cli._json import JsonCommand
from pmo_xl.cli._options import ledger_option
from pmo_xl.ledger import now_stamp

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@main.command("decide", cls=JsonCommand)
@ledger_option(role="The decisions are recorded there, append-only.")
@click.option("--kind", type=click.Choice(["approve", "defer", "stop", "re-baseline", "accept-change"]))
@click.option("--project", "project_id", help="The project the decision is for (its register id).")
@click.option("--answers", help="The id of the PM's decision-needed row it answers (D-001...).")
@click.option("--owner", help="Who decided (a person or the committee).")
@click.option("--date", "decided_on", type=_DAY, help="The day it was decided (YYYY-MM-DD).")
@click.option("--due", type=_DAY, help="When the action is due (YYYY-MM-DD).")
@click.option("--note", default="", help="What was decided, in a line.")
@click.option("--action", default="", help="The action it sets (its owner: --action-owner, else --owner).")
@click.option("--action-owner", default="", help="Who does the action (default: --owner).")
@click.option("--from", "table_file", type=click.Path(exists=True, dir_okay=False),
              help="Read the decisions from the Decisions table of pmo_workbook.xlsm instead; each row once.")  # fmt: skip
def decide_command(ledger, kind, project_id, answers, owner, decided_on, due, note, action, action_owner, table_file):
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
    from pmo_xl.decisions import DecisionRequest, read_decisions_table, record_decisions

    if ledger is None:
        raise click.UsageError("give --ledger, where the decisions are recorded")
    if table_file:
        requests = read_decisions_table(table_file)
    else:
        missing = [f"--{name}" for name, value in (("kind", kind), ("project", project_id), ("answers", answers),
                                                  ("owner", owner), ("date", decided_on)) if not value]  # fmt: skip
        if missing:
            raise click.UsageError(f"give {', '.join(missing)} (or --from pmo_workbook.xlsm)")
        requests = [DecisionRequest(project_id, answers, kind, owner, decided_on.date(), due.date() if due else None,
                                    note, action, action_owner)]  # fmt: skip
    recorded, already = record_decisions(ledger, requests, now_stamp())
    for decision in recorded:
        click.echo(f"{decision.project_id} {decision.answers}: {decision.kind} by {decision.owner} on "
                   f"{decision.decided_on}" + (f" (supersedes decision {decision.supersedes})" if decision.supersedes else ""))  # fmt: skip
    click.echo(f"{len(recorded)} decision(s) recorded, {already} already in the ledger -> {ledger}")
    return {"recorded": [d.decision_id for d in recorded], "already_recorded": already,
            "outputs": {"ledger": ledger}, "warnings": [], "exit": 0}  # fmt: skip
