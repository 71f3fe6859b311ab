"""The shell behind `pmo decide`: check each decision against the ledger's latest counted reports, then record."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pmo_xl.decisions import DecisionRequest, check_answers, needs_of, to_record
from pmo_xl.ledger import Decision, open_ledger


def record_decisions(
    ledger_path: Path | str, requests: Sequence[DecisionRequest], recorded_at: str
) -> tuple[list[Decision], int]:
    """Record `requests` (all or none: the first refused stops the lot); (those recorded, how many were there)."""
    with open_ledger(ledger_path, write=True) as ledger:
        needs = needs_of(ledger, {request.project_id for request in requests})
        earlier = ledger.decisions({request.project_id for request in requests})
        records = []
        for request in requests:
            check_answers(request, needs)
            record = to_record(request, [*earlier, *records], recorded_at)
            records.append(record)
        recorded = ledger.add_decisions(records)
    return recorded, len(records) - len(recorded)
