"""A status workbook a PM is already filling, its Milestones refreshed from the project's plan, every other entry
kept (`pmo import plan PLAN --workbook STATUS.xlsx`).

`refresh_milestones` is the core: the workbook's bytes and the plan in, the new workbook's bytes out; it reads no
file and writes none. It lives in collect because only collect reads a PM's workbook: the workbook is read as
collect reads it (`reader.read_submission_bytes`, every damaged part refused), and written with the lossless
patcher the generator uses: the Milestones cells are set in the sheet's XML, every other zip member is copied
byte for byte, so whatever the PM typed, formatted or added elsewhere stays as it was.

The rows are `milestones_from_plan`'s, with the workbook's own rows as the previous rows: the workbook's baseline
dates are the PMO's (locked), its keys and comments stay, and its rows the plan does not give stay after the
plan's. One rule differs from `pmo generate --plans`, because this workbook reports on the month in progress: a
row the PM closed in it (Complete or Cancelled) stays as they left it, in its place, instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pmo_xl.collect.reader import read_submission_bytes
from pmo_xl.errors import PmoError
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.excel.sheet_xml import CellValue, SheetPatcher, without_cached_results
from pmo_xl.generate.carry_forward import CLOSED_STATUSES
from pmo_xl.generate.generator import next_blank_row_ids, with_full_calc_on_load
from pmo_xl.generate.plan_milestones import MilestoneSelection, PlanMilestones, milestones_from_plan, plan_milestone_id
from pmo_xl.imports.schedule import Plan
from pmo_xl.templates.catalog import PROJECT_STATUS

TABLE = "Milestones"
_CLOSED = CLOSED_STATUSES[TABLE]


class WorkbookRefreshError(PmoError):
    """The workbook cannot be refreshed: not a status workbook, damaged, or its Milestones would not fit. The
    message is one line naming the workbook and what to do."""


@dataclass(frozen=True)
class RefreshedWorkbook:
    """The refreshed workbook's bytes, its Milestones rows, and what the plan gave (`milestones`)."""

    data: bytes
    project_id: str
    reporting_period: str
    rows: tuple[dict[str, object], ...]
    milestones: PlanMilestones
    closed_kept: int  # rows the PM closed in the workbook, kept as they were

    def describe(self) -> str:
        found = self.milestones
        text = f"{found.from_plan} {found.selection.describe()} from {found.source}"
        if self.closed_kept:
            text += f" and {self.closed_kept} closed in the workbook, kept as the PM left them"
        if found.kept:
            text += f"; {found.kept} row(s) of the workbook's own kept"
        if found.done_before:
            text += f" ({found.done_before} completed before the period left out)"
        return text


def refreshed_rows(
    plan: Plan, selection: MilestoneSelection, period: str, current_rows: Sequence[Mapping[str, object]]
) -> tuple[list[dict[str, object]], PlanMilestones, int]:
    """The Milestones rows of a workbook for `period` whose rows are `current_rows`, refreshed from `plan`: the
    plan's rows in the plan's order (a row the PM closed kept as it is, in its place), then the workbook's other
    rows, open or closed, in their order. Pure."""
    result = milestones_from_plan(plan, selection, period, current_rows)
    from_plan = {str(row["id"]): row for row in result.rows[: result.from_plan]}
    closed = {str(row.get("id")): row for row in current_rows if row.get("status") in _CLOSED}
    rows: list[dict[str, object]] = []
    plan_ids: set[str] = set()
    closed_kept = 0
    for task in plan.tasks:
        if not selection.selects(task):
            continue
        milestone_id = plan_milestone_id(task.uid)
        plan_ids.add(milestone_id)
        if milestone_id in from_plan:
            rows.append(from_plan[milestone_id])
        elif milestone_id in closed:
            rows.append(dict(closed[milestone_id]))
            closed_kept += 1
    rows += [dict(row) for row in current_rows if str(row.get("id")) not in plan_ids]
    # The rows closed in the workbook are kept, not left out: the counts say so.
    result = replace(result, closed_before=0, kept=len(rows) - len(from_plan) - closed_kept)
    return rows, result, closed_kept


def refresh_milestones(
    data: bytes, source: str, plan: Plan, selection: MilestoneSelection | None = None
) -> RefreshedWorkbook:
    """`data`, a project status workbook (`source` names it in messages), with its Milestones table refreshed from
    `plan` (see the module's docstring). Raises WorkbookRefreshError for a workbook that cannot be refreshed."""
    selection = selection or MilestoneSelection()
    parsed, findings = read_submission_bytes(data, source)
    errors = [finding.message for finding in findings if finding.severity == "error"]
    if parsed is None or errors:
        raise WorkbookRefreshError(f"{source}: cannot refresh its milestones: {'; '.join(errors) or 'unreadable'}")
    if parsed.metadata.template_id != PROJECT_STATUS.template_id:
        raise WorkbookRefreshError(
            f"{source}: a '{parsed.metadata.template_id}' workbook has no Milestones to refresh; give a project status "
            "workbook made by pmo generate"
        )
    package = XlsxPackage(data, source)
    found = package.structure.table(TABLE)
    body = found.body_rows
    outside = [row for row in parsed.table_rows.get(TABLE, []) if row not in body]
    if outside:
        raise WorkbookRefreshError(
            f"{source}: rows typed below the Milestones table (row {outside[0]}); move them into its blank rows, "
            "save, and refresh again"
        )
    period = parsed.metadata.reporting_period
    rows, result, closed_kept = refreshed_rows(plan, selection, period, parsed.tables.get(TABLE, []))
    if len(rows) > len(body):
        raise WorkbookRefreshError(
            f"{source}: {len(rows)} Milestones rows ({result.describe()}) but the table holds {len(body)}; choose "
            "fewer with --key-flag or --outline-level"
        )
    replacements = _patched_parts(package, rows)
    return RefreshedWorkbook(
        package.write(replacements), parsed.metadata.project_id, period, tuple(rows), result, closed_kept
    )


def _patched_parts(package: XlsxPackage, rows: list[dict[str, object]]) -> dict[str, bytes]:
    """The Milestones sheet with every input cell of the table's body set (blank rows cleared, their ids numbered
    as generate numbers them); cached formula results dropped and a full calculation asked for on open, since
    formulas elsewhere may count the milestones."""
    structure = package.structure
    found = structure.table(TABLE)
    table = PROJECT_STATUS.table(TABLE)
    position = {header.casefold(): found.first_column + index for index, header in enumerate(found.headers)}
    columns = {column.key: position[column.header.casefold()] for column in table.columns if column.formula is None}
    blank_ids = next_blank_row_ids(rows, table.id_prefix, len(found.body_rows))
    cells: dict[tuple[int, int], CellValue] = {}
    for index, excel_row in enumerate(found.body_rows):
        row = rows[index] if index < len(rows) else {"id": next(blank_ids)}
        for key, column in columns.items():
            cells[(excel_row, column)] = row.get(key)  # type: ignore[assignment]
    replacements: dict[str, bytes] = {}
    for part in structure.sheet_parts.values():
        uncached = without_cached_results(package.members[part])
        if uncached != package.members[part]:
            replacements[part] = uncached
    part = structure.sheet_parts[found.sheet]
    sheet_xml = replacements.get(part, package.members[part])
    replacements[part] = SheetPatcher(sheet_xml, structure.date1904).patch(cells)
    workbook_part = "xl/workbook.xml"
    full_calc = with_full_calc_on_load(package.members[workbook_part])
    if full_calc != package.members[workbook_part]:
        replacements[workbook_part] = full_calc
    return replacements
