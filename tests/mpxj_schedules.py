"""A realistic synthetic schedule written by MPXJ (the same library that reads .mpp), as Project XML and as MPX.

The plan is built as a PM builds one in Project: phases (summary tasks) holding work tasks and milestones, ten
milestones in all, baseline 0 saved at the start, progress entered up to a status date (actual dates, % complete),
and, later in the project, slipped dates and a re-saved baseline. Made in the test, never checked in: MPXJ (the
`plans` extra) and a Java runtime are needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

# (phase, [(task name, working days, is a milestone)]): ten milestones, the work tasks between them.
PHASES = (
    ("Initiation", (("Business case", 10, False), ("Project charter approved", 0, True))),
    ("Design", (("Site survey", 10, False), ("Conveyor layout", 15, False), ("Design signed off", 0, True),
                ("Supplier shortlist", 5, False), ("Supplier contract signed", 0, True))),
    ("Build", (("Racking installed", 20, False), ("Racking complete", 0, True), ("Conveyors installed", 20, False),
               ("Conveyors complete", 0, True), ("Warehouse software configured", 15, False),
               ("Software ready for test", 0, True))),
    ("Test and go-live", (("Integration test", 10, False), ("Integration test passed", 0, True),
                          ("Staff training", 10, False), ("Training complete", 0, True),
                          ("Go-live", 0, True), ("Hypercare", 10, False), ("Project closed", 0, True))),
)  # fmt: skip
MILESTONE_COUNT = sum(is_milestone for _, tasks in PHASES for _, _, is_milestone in tasks)
assert MILESTONE_COUNT == 10


@dataclass(frozen=True)
class ScheduleState:
    """Where the project stands: progress entered up to `status_date`; tasks from `slip_from` (a task name) on
    moved `slip_days` working days later; `rebaselined`: the PM saved baseline 0 again after the slip."""

    status_date: dt.date
    slip_from: str | None = None
    slip_days: int = 0
    rebaselined: bool = False


def _working_days_after(start: dt.date, days: int) -> dt.date:
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def write_schedule(
    state: ScheduleState, xml_path: Path | None = None, mpx_path: Path | None = None, start=dt.date(2026, 1, 5)
):
    """Build the schedule with MPXJ for `state` and write it as Project XML and/or MPX."""
    import jpype
    import mpxj  # noqa: F401  (puts MPXJ's jars on the class path, before the JVM starts)

    if not jpype.isJVMStarted():
        jpype.startJVM("-Dlog4j2.StatusLogger.level=OFF", "-Djava.awt.headless=true", convertStrings=False)
    from java.lang import Double
    from java.time import LocalDateTime
    from org.mpxj import Duration, ProjectFile, TimeUnit
    from org.mpxj.mpx import MPXWriter
    from org.mpxj.mspdi import MSPDIWriter

    def moment(day: dt.date, hour: int):
        return LocalDateTime.of(day.year, day.month, day.day, hour, 0)

    project = ProjectFile()
    project.addDefaultBaseCalendar()
    properties = project.getProjectProperties()
    properties.setProjectTitle("Warehouse automation")
    properties.setStartDate(moment(start, 8))
    properties.setStatusDate(moment(state.status_date, 17))
    previous_finish, slipping = start - dt.timedelta(days=3), False  # a Friday: work starts on the Monday
    for phase_name, tasks in PHASES:
        phase = project.addTask()
        phase.setName(phase_name)
        phase.setSummary(True)
        phase_start = None
        for name, days, is_milestone in tasks:
            slipping = slipping or name == state.slip_from
            # A milestone falls on the day the work before it ends; a task starts the next working day.
            planned_start = previous_finish if is_milestone else _working_days_after(previous_finish, 1)
            planned_finish = planned_start if is_milestone else _working_days_after(planned_start, days - 1)
            previous_finish = planned_finish
            shift = state.slip_days if slipping else 0
            task_start = _working_days_after(planned_start, shift)
            finish = _working_days_after(planned_finish, shift)
            task = phase.addTask()
            task.setName(name)
            task.setMilestone(is_milestone)
            task.setDuration(Duration.getInstance(days, TimeUnit.DAYS))
            task.setStart(moment(task_start, 8 if not is_milestone else 17))
            task.setFinish(moment(finish, 17))
            baseline_start, baseline_finish = (
                (task_start, finish) if state.rebaselined else (planned_start, planned_finish)
            )
            task.setBaselineStart(moment(baseline_start, 8 if not is_milestone else 17))
            task.setBaselineFinish(moment(baseline_finish, 17))
            if is_milestone:
                task.setFlag(1, True)  # the PMO's key milestones
            if finish <= state.status_date:
                task.setActualStart(moment(task_start, 8))
                task.setActualFinish(moment(finish, 17))
                task.setPercentageComplete(Double(100.0))
            elif task_start <= state.status_date and not is_milestone:
                task.setActualStart(moment(task_start, 8))
                done = (state.status_date - task_start).days / max((finish - task_start).days, 1)
                task.setPercentageComplete(Double(float(round(100 * done))))
            else:
                task.setPercentageComplete(Double(0.0))
            phase_start = phase_start or task_start
            phase_finish = finish
        phase.setStart(moment(phase_start, 8))
        phase.setFinish(moment(phase_finish, 17))
    if xml_path is not None:
        MSPDIWriter().write(project, str(xml_path))
    if mpx_path is not None:
        MPXWriter().write(project, str(mpx_path))
