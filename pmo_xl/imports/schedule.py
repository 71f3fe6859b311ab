"""A project plan as pmo-xl reads it: its tasks, with the dates a PMO reports on, whatever file they came from.

Both plan readers (the native Project XML reader and MPXJ for .mpp and .mpx) return these, so that the two can be
compared field by field, and everything downstream (the JSON, the Milestones table) has one shape to read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Microsoft Project keeps the baseline (0) and ten more (1-10).
BASELINE_NUMBERS = range(11)

# Microsoft Project's task flags, Flag1 to Flag20 (yes/no fields a PM sets, e.g. to mark the tasks the PMO follows).
FLAG_NUMBERS = range(1, 21)

# The fields of a task, in the order the JSON lists them (docs/json-output.md).
TASK_FIELDS = (
    "uid",
    "name",
    "outline_level",
    "summary",
    "milestone",
    "start",
    "finish",
    "baseline_start",
    "baseline_finish",
    "actual_start",
    "actual_finish",
    "percent_complete",
    "deadline",
    "flags",
)


@dataclass(frozen=True)
class PlanTask:
    """One task of a plan. `uid` is the plan's own unique id (Project's UID), stable across saves and reordering;
    the baseline dates are those of the baseline the plan was read with (0 unless asked); `flags` are the numbers
    of the task's flags that are set (3 for Flag3), in order."""

    uid: int
    name: str
    outline_level: int
    summary: bool
    milestone: bool
    start: dt.date | None
    finish: dt.date | None
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    actual_start: dt.date | None
    actual_finish: dt.date | None
    percent_complete: int | None
    deadline: dt.date | None
    flags: tuple[int, ...] = ()

    def as_record(self) -> dict[str, object]:
        """The task as JSON's types: dates as ISO YYYY-MM-DD text, flags as a list."""
        return {field: _json_value(getattr(self, field)) for field in TASK_FIELDS}


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Plan:
    """A plan's tasks in the plan's order. The project summary task (UID 0, outline level 0) is the plan itself and
    blank rows are no tasks: neither is among `tasks`."""

    source: str  # the file's name, for messages
    file_format: str  # "Project XML", "MPP" or "MPX"
    title: str
    baseline: int
    tasks: tuple[PlanTask, ...]

    @property
    def milestones(self) -> tuple[PlanTask, ...]:
        return tuple(task for task in self.tasks if task.milestone)

    @property
    def start(self) -> dt.date | None:
        return min((task.start for task in self.tasks if task.start), default=None)

    @property
    def finish(self) -> dt.date | None:
        return max((task.finish for task in self.tasks if task.finish), default=None)
