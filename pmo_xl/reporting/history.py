"""The ledger's history and its upkeep: `pmo ledger rebuild`, `pmo ledger check` and `pmo export history`.

The views read the counted reports of the periods they show (pmo_xl.reporting.views); these are the three places
that read every period on purpose: a rebuild of the derived tables from the record, a check that the derived tables
are what a rebuild would give, and the full history for whoever wants more than the History sheet's window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pmo_xl.derived import CountedReport, rebuild, stale_projects, stored_row, work_out_all
from pmo_xl.errors import PmoError
from pmo_xl.ledger import SCHEMA_VERSION, ledger_location, open_ledger
from pmo_xl.periods import check_period
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.views import HISTORY_COLUMNS, counted_frame, read_counted, status_chain
from pmo_xl.settings import PmoSettings


def _recorded_register(ledger) -> list[ProjectRecord] | None:
    recorded = ledger.latest_register()
    return recorded[0] if recorded is not None else None


@dataclass(frozen=True)
class RebuildResult:
    ledger: Path | str  # a SQLite file, or a PostgreSQL URL
    counted_reports: int
    schema_version: int


def rebuild_ledger(ledger_path: Path | str) -> RebuildResult:
    """Empty the derived tables and work them out again from the record (which is not touched)."""
    with open_ledger(ledger_path, write=True) as ledger:
        rows = rebuild(ledger, status_chain(_recorded_register(ledger)))
        return RebuildResult(ledger_location(ledger_path), rows, ledger.schema_version)


@dataclass(frozen=True)
class CheckResult:
    """What `pmo ledger check` found: SQLite's integrity check, and the derived rows a rebuild would change."""

    ledger: Path | str
    schema_version: int
    integrity: tuple[str, ...]  # empty when SQLite finds the file sound
    counted_reports: int
    stale_projects: tuple[str, ...]  # projects with records the derived tables have not taken in yet
    differences: tuple[str, ...]  # "P-001 2026-03: ..." for each derived row a rebuild would give otherwise

    @property
    def ok(self) -> bool:
        return not self.integrity and not self.differences


def check_ledger(ledger_path: Path | str) -> CheckResult:
    """SQLite's integrity check, then each project's counted chain worked out again from the record and compared
    with the derived table, row by row (read-only: nothing is written)."""
    with open_ledger(ledger_path) as ledger:
        integrity = tuple(ledger.integrity())
        if not ledger.derived_present():
            missing = ("the derived tables are missing: `pmo ledger rebuild` (or the next collect) makes them again",)
            return CheckResult(ledger_location(ledger_path), SCHEMA_VERSION, integrity, 0, (), missing)
        rules = status_chain(_recorded_register(ledger))
        stale = stale_projects(ledger, rules)
        stored = {(r[1], r[2]): r for r in ledger.counted(rules.template_id)}
        fresh = work_out_all(ledger, rules)
    differences = _differences(stored, fresh, stale)
    return CheckResult(
        ledger_location(ledger_path), SCHEMA_VERSION, integrity, len(stored), tuple(sorted(stale)), differences
    )


def _differences(stored: dict, fresh: Sequence[CountedReport], stale: dict[str, str]) -> tuple[str, ...]:
    found = []
    seen = set()
    for report in fresh:
        key = (report.project_id, report.period)
        seen.add(key)
        if report.project_id in stale and report.period >= stale[report.project_id]:
            continue  # not taken in yet: the next collect or rebuild writes it, which is not a fault
        row = stored.get(key)
        if row is None:
            found.append(f"{report.project_id} {report.period}: missing from the derived table")
        elif tuple(row) != stored_row(row[0], report):
            found.append(f"{report.project_id} {report.period}: differs from what the record gives")
    found += [f"{project} {period}: in the derived table but not in the record" for project, period in stored
              if (project, period) not in seen]  # fmt: skip
    return tuple(found)


def history_frame(
    ledger_path: Path | str,
    register: Sequence[ProjectRecord] | None = None,
    settings: PmoSettings | None = None,
    first: str | None = None,
    last: str | None = None,
) -> pd.DataFrame:
    """Every counted report of every period (or from `first` to `last`), as the History sheet's columns: the
    History sheet of portfolio.xlsx holds the last views.HISTORY_WINDOW periods, this holds them all."""
    settings = settings or PmoSettings()
    for option, value in (("--from", first), ("--to", last)):
        try:
            check_period(value) if value else None
        except ValueError as error:
            raise PmoError(f"{option}: {error}") from None
    if first and last and first > last:
        raise PmoError(f"--from {first} is after --to {last}: give the earlier period first")
    with open_ledger(ledger_path) as ledger:
        reports = read_counted(
            ledger,
            register if register is not None else _recorded_register(ledger),
            lambda counted: counted.between(first or "", last or "9999-99") if first or last else counted.all(),
        )
        frame = counted_frame(reports, settings)
    return frame.reindex(columns=list(HISTORY_COLUMNS)).sort_values(["project_id", "period"], ignore_index=True)
