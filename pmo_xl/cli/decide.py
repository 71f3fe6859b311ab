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
@click.option("--action-done", "done_on", metavar="DATE",
              help="Record instead that the action of the decision for --project/--answers was done on DATE, as "
                   "--owner says (--note optional). Until then it stays in the pack, overdue past its date.")  # fmt: skip
def decide_command(
    ledger, kind, project_id, answers, owner, decided_on, due, note, action, action_owner, table_files, done_on
):
    """Record a decision that answers a PM's decision-needed row, with an optional action; or that an action is done.

    A correction is a new decision for the same row: it supersedes the one before; nothing is changed or removed.
    An action stays in the report and the review pack, flagged overdue past its due date, until --action-done
    records it done.

    \b
    Reads:  --ledger; --from (.xlsm, .xlsx or .csv with a Decisions table)
    Writes: a row in the ledger for each new decision, or for the action done

    \b
    Example:
      pmo decide --ledger pmo_ledger.db --kind approve --project P-001 --answers D-001 \\
          --owner "Steering committee" --date 2026-12-10 --action "Sign the supplier change" --due 2026-12-31
      pmo decide --ledger pmo_ledger.db --action-done 2027-01-08 --project P-001 --answers D-001 --owner "Kim (PMO)"
    """
    from pmo_xl.decisions import (
        DecisionRequest,
        TableRecorded,
        kind_of,
        plain_text,
        read_day,
        read_decisions_table,
        record_decisions,
        record_table,
    )

    if ledger is None:
        raise click.UsageError("give --ledger, where the decisions are recorded")
    if done_on is not None:
        given = dict(
            kind=kind, date=decided_on, due=due, action=action, action_owner=action_owner, table_files=table_files
        )
        return _action_done(ledger, done_on, project_id, answers, owner, note, given)
    if table_files:  # decisions and actions done, all or none
        requests = [request for path in _each_once(table_files) for request in read_decisions_table(path)]
        return _said(ledger, record_table(ledger, requests, now_stamp()))
    missing = [f"--{name}" for name, value in (("kind", kind), ("project", project_id), ("answers", answers),
                                              ("owner", owner), ("date", decided_on)) if not value]  # fmt: skip
    if missing:
        raise click.UsageError(f"give {', '.join(missing)} (or --from pmo_workbook.xlsm)")
    requests = [DecisionRequest(plain_text(project_id), plain_text(answers), kind_of(kind), plain_text(owner),
                                read_day(decided_on, "--date"), read_day(due, "--due") if due else None,
                                plain_text(note), plain_text(action), plain_text(action_owner))]  # fmt: skip
    recorded, already = record_decisions(ledger, requests, now_stamp())
    return _said(ledger, TableRecorded(recorded, already, [], 0))


def _said(ledger, result) -> dict:
    """What was recorded, a line each, and the counts."""
    for decision in result.decisions:
        click.echo(f"{decision.project_id} {decision.answers}: {decision.kind} by {decision.owner} on "
                   f"{decision.decided_on}" + (f" (supersedes decision {decision.supersedes})" if decision.supersedes else ""))  # fmt: skip
    for done in result.done:
        click.echo(
            f"{done.project_id} {done.answers}: the action of decision {done.decision_id} done on {done.done_on}"
        )
    done = (f"; {len(result.done)} action(s) recorded done, {result.done_already} already"
            if result.done or result.done_already else "")  # fmt: skip
    click.echo(
        f"{len(result.decisions)} decision(s) recorded, {result.already} already in the ledger{done} -> {ledger}"
    )
    return {"recorded": [d.decision_id for d in result.decisions], "already_recorded": result.already,
            "actions_done": [d.decision_id for d in result.done], "outputs": {"ledger": ledger}, "warnings": [],
            "exit": 0}  # fmt: skip


def _action_done(ledger, done_on: str, project_id, answers, owner, note: str, given: dict) -> dict:
    """`--action-done DATE`: the action of the decision in force for --project/--answers, done."""
    from pmo_xl.decisions import DoneRequest, plain_text, read_day, record_action_done

    mixed = [f"--{name.replace('_', '-')}".replace("--table-files", "--from") for name, value in given.items() if value]
    if mixed:
        raise click.UsageError(f"--action-done records an action done; leave out {', '.join(mixed)}")
    missing = [f"--{name}" for name, value in (("project", project_id), ("answers", answers), ("owner", owner))
               if not value]  # fmt: skip
    if missing:
        raise click.UsageError(f"give {', '.join(missing)} with --action-done")
    request = DoneRequest(plain_text(project_id), plain_text(answers), read_day(done_on, "--action-done"),
                          plain_text(owner), plain_text(note))  # fmt: skip
    done, new = record_action_done(ledger, request, now_stamp())
    said = "was recorded already" if not new else "recorded, correcting the day" if done.supersedes else "recorded"
    click.echo(f"{done.project_id} {done.answers}: the action of decision {done.decision_id} done on {done.done_on} "
               f"({done.owner}) {said} -> {ledger}")  # fmt: skip
    return {"action_done": {"decision_id": done.decision_id, "done_on": done.done_on}, "recorded": int(new),
            "outputs": {"ledger": ledger}, "warnings": [], "exit": 0}  # fmt: skip


def _each_once(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The --from files, each once: one given twice (by any spelling of its path) is refused, not read twice."""
    from pathlib import Path

    resolved = [Path(path).resolve() for path in paths]
    for index, path in enumerate(paths):
        if resolved[index] in resolved[:index]:
            raise click.UsageError(f"--from {path} is given twice; give each file once")
    return paths
