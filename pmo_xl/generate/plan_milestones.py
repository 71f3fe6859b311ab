"""A status workbook's Milestones rows from the project's Microsoft Project plan (`pmo generate --plans DIR`).

`milestones_from_plan` is the core, and pure: a plan (pmo_xl.imports), which of its tasks the PMO follows, the
reporting period and the project's previous report's Milestones rows in; the rows out. `read_project_plans` is
the shell around it: it finds each project's plan in DIR, reads it, and turns every problem into one line for
that project, so one bad plan never stops the others.

Why the rules are what they are (docs/import.md has them for the PMO):

- **Ids.** A row's id is `M-P<UID>`, from the task's unique id in the plan, which Project keeps when a task is
  moved, renamed or indented: next month's row for the same task has the same id. The ids a PM types or
  generate pre-fills are `M-<number>` (M-001...), which never start with `M-P`, so the two never meet, and the
  next blank row's number is not pushed up by a UID.
- **The PMO baseline is locked.** A milestone the previous report already holds keeps that report's baseline
  date: a plan whose baseline moved gives a new forecast, never a new baseline. Only a milestone new to the PMO
  (or one it never baselined) takes the plan's baseline finish.
- **What was closed stays closed.** A milestone the previous report marked Complete or Cancelled is not brought
  back, and one completed before the period starts is left out unless the previous report still has it open
  (the workbook reports on its period, and the table has a fixed number of rows).
- **The PM's own rows stay.** The previous report's open milestones that the plan does not give (typed by the
  PM, or dropped from the plan since) are kept after the plan's, as carry-forward keeps them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pmo_xl.errors import PlanError
from pmo_xl.generate.carry_forward import CLOSED_STATUSES
from pmo_xl.generate.generator import CarryForward, WorkbookFill
from pmo_xl.imports.plans import read_plan
from pmo_xl.imports.schedule import FLAG_NUMBERS, Plan, PlanTask
from pmo_xl.periods import first_day
from pmo_xl.register import ProjectRecord
from pmo_xl.templates.catalog import MILESTONE_STATUSES
from pmo_xl.values import readable_name

PLAN_ID_PREFIX = "M-P"
PLAN_SUFFIXES = (".mpp", ".xml", ".mpx")
COMPLETE, LATE, ON_TRACK = "Complete", "Late", "On track"
assert {COMPLETE, LATE, ON_TRACK} <= set(MILESTONE_STATUSES)  # the table's own choices
_CLOSED = CLOSED_STATUSES["Milestones"]


@dataclass(frozen=True)
class MilestoneSelection:
    """Which tasks of a plan become Milestones rows: its milestones (the default), the tasks with one flag set
    (`key_flag`, 1-20), or the summary tasks at one outline level (`outline_level`)."""

    key_flag: int | None = None
    outline_level: int | None = None

    def __post_init__(self) -> None:
        if self.key_flag is not None and self.outline_level is not None:
            raise ValueError("choose the rows by a flag or by an outline level, not both")
        if self.key_flag is not None and self.key_flag not in FLAG_NUMBERS:
            raise ValueError(f"Flag{self.key_flag}: Microsoft Project's flags are Flag1 to Flag20")
        if self.outline_level is not None and self.outline_level < 1:
            raise ValueError("outline levels start at 1 (the top-level tasks)")

    def selects(self, task: PlanTask) -> bool:
        if self.key_flag is not None:
            return self.key_flag in task.flags
        if self.outline_level is not None:
            return task.summary and task.outline_level == self.outline_level
        return task.milestone

    def describe(self) -> str:
        if self.key_flag is not None:
            return f"task(s) with Flag{self.key_flag}"
        if self.outline_level is not None:
            return f"summary task(s) at outline level {self.outline_level}"
        return "milestone(s)"


def plan_milestone_id(uid: int) -> str:
    """The Milestones row id of the plan's task `uid`: the same every month (see the module's docstring)."""
    return f"{PLAN_ID_PREFIX}{uid}"


def milestone_status(
    baseline: dt.date | None, forecast: dt.date | None, actual: dt.date | None, percent: int | None, period: str
) -> str:
    """Complete once met (an actual finish, or 100 %); Late when the forecast is after the baseline, or was due
    before the period started and is not met; On track otherwise."""
    if actual is not None or percent == 100:
        return COMPLETE
    if forecast is not None and baseline is not None and forecast > baseline:
        return LATE
    if forecast is not None and forecast < first_day(period):
        return LATE
    return ON_TRACK


@dataclass(frozen=True)
class PlanMilestones:
    """What one plan gives a workbook's Milestones table: `rows` (by column key), and what the counts say."""

    source: str  # the plan's file name
    selection: MilestoneSelection
    rows: tuple[dict[str, object], ...]
    from_plan: int  # rows that come from the plan
    kept: int  # open rows of the previous report that the plan does not give
    done_before: int  # completed before the period, left out
    closed_before: int  # marked Complete or Cancelled in the previous report, left out

    def describe(self) -> str:
        left_out = [
            f"{count} {what}"
            for count, what in ((self.done_before, "completed before the period"),
                                (self.closed_before, "closed in the last report"))
            if count
        ]  # fmt: skip
        text = f"{self.from_plan} {self.selection.describe()} from {self.source}"
        if self.kept:
            text += f", {self.kept} kept from the last report"
        return text + (f" ({', '.join(left_out)} left out)" if left_out else "")


def milestones_from_plan(
    plan: Plan,
    selection: MilestoneSelection,
    period: str,
    previous_rows: Sequence[Mapping[str, object]] = (),
) -> PlanMilestones:
    """The Milestones rows for `period` from `plan`, the previous report's rows (`previous_rows`, every row, closed
    ones too) giving the PMO baselines, keys and comments already known. Pure."""
    previous = {str(row.get("id")): row for row in previous_rows if row.get("id") not in (None, "")}
    rows: list[dict[str, object]] = []
    done_before = closed_before = 0
    taken: set[str] = set()
    for task in plan.tasks:
        if not selection.selects(task):
            continue
        milestone_id = plan_milestone_id(task.uid)
        taken.add(milestone_id)
        known = previous.get(milestone_id)
        if known is not None and known.get("status") in _CLOSED:
            closed_before += 1
            continue
        met_earlier = task.actual_finish is not None and task.actual_finish < first_day(period)
        if known is None and met_earlier:
            done_before += 1
            continue
        baseline = _day(known.get("baseline_date")) if known is not None else None
        baseline = baseline or task.baseline_finish
        rows.append({
            "id": milestone_id,
            "name": task.name or f"Task UID {task.uid}",
            "key": "Yes" if selection.key_flag is not None else (known or {}).get("key"),
            "baseline_date": baseline,
            "forecast_date": task.finish,
            "actual_date": task.actual_finish,
            "status": milestone_status(baseline, task.finish, task.actual_finish, task.percent_complete, period),
            "comment": (known or {}).get("comment"),
        })  # fmt: skip
    from_plan = len(rows)
    for row in previous_rows:
        if str(row.get("id")) not in taken and row.get("status") not in _CLOSED:
            rows.append(dict(row))
    return PlanMilestones(plan.source, selection, tuple(rows), from_plan, len(rows) - from_plan, done_before,
                          closed_before)  # fmt: skip


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


# -- the shell: each project's plan found and read ----------------------------------------------------------------


def find_plan(plans_dir: Path, record: ProjectRecord) -> Path | None:
    """The project's plan in `plans_dir`: the file the register's plan_file names (a PlanError when it is not
    there), else the one named by the project id with a plan's suffix (.mpp, .xml, .mpx; case aside), else None.
    Two files for one project id is a PlanError: pmo cannot tell which one the PM keeps."""
    if record.plan_file:
        path = Path(plans_dir) / record.plan_file  # an absolute plan_file stays as it is
        if not path.is_file():
            raise PlanError(f"{readable_name(str(path))}: no such file (the register's plan_file for "
                            f"{record.project_id})")  # fmt: skip
        return path
    wanted = {f"{record.project_id}{suffix}".casefold() for suffix in PLAN_SUFFIXES}
    found = sorted(path for path in Path(plans_dir).iterdir() if path.name.casefold() in wanted and path.is_file())
    if len(found) > 1:
        raise PlanError(f"{' and '.join(readable_name(path.name) for path in found)}: two plans for "
                        f"{record.project_id}; keep one, or name it in the register's plan_file column")  # fmt: skip
    return found[0] if found else None


@dataclass(frozen=True)
class ProjectPlan:
    """One project's plan as `read_project_plans` found it: its milestones, or the problem (one line), or neither
    (no plan in the folder: the workbook is made as without --plans)."""

    project_id: str
    path: Path | None
    milestones: PlanMilestones | None = None
    problem: str = ""


def read_project_plans(
    records: Iterable[ProjectRecord],
    plans_dir: Path,
    selection: MilestoneSelection,
    period: str,
    *,
    baseline: int = 0,
    capacity: int | None = None,
    previous_rows: Callable[[ProjectRecord], Sequence[Mapping[str, object]]] = lambda record: (),
) -> list[ProjectPlan]:
    """Each project's plan, read and turned into Milestones rows; a plan that cannot be read, or gives more rows
    than the table's `capacity`, is a `problem` naming the file."""
    outcomes = []
    for record in records:
        path = None
        try:
            path = find_plan(plans_dir, record)
            if path is None:
                outcomes.append(ProjectPlan(record.project_id, None))
                continue
            plan = read_plan(path, baseline=baseline)
        except PlanError as error:
            outcomes.append(ProjectPlan(record.project_id, path, problem=str(error)))
            continue
        milestones = milestones_from_plan(plan, selection, period, previous_rows(record))
        if capacity is not None and len(milestones.rows) > capacity:
            problem = (f"{plan.source}: {len(milestones.rows)} Milestones rows ({milestones.describe()}) but the table "
                       f"holds {capacity}; choose fewer with --key-flag or --outline-level")  # fmt: skip
            outcomes.append(ProjectPlan(record.project_id, path, problem=problem))
            continue
        outcomes.append(ProjectPlan(record.project_id, path, milestones))
    return outcomes


def with_plan_milestones(carry_forward: CarryForward | None, milestones: Mapping[str, PlanMilestones]) -> CarryForward:
    """A generate hook: `carry_forward` (if any), then each project's Milestones table replaced by its plan's rows
    (which hold the previous report's open rows the plan does not give)."""

    def fill_from_plan(record: ProjectRecord, fill: WorkbookFill) -> WorkbookFill:
        if carry_forward is not None:
            fill = carry_forward(record, fill)
        found = milestones.get(record.project_id)
        if found is None:
            return fill
        return replace(fill, tables={**fill.tables, "Milestones": [dict(row) for row in found.rows]})

    return fill_from_plan
