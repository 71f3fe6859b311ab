"""Project plans (.mpp, .mpx, Project XML) read into tasks: the native Project XML reader, MPXJ, and the two against
each other on real files saved by Microsoft Project (../shared/samples/ms-project, see its README)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pmo_xl.errors import PlanError
from pmo_xl.imports.plans import read_plan, read_plan_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ms-project"
if not SAMPLES.is_dir():  # a checkout elsewhere: the samples beside the main checkout
    SAMPLES = Path("/work/shared/samples/ms-project")


def project_xml(tasks: str, *, title: str = "Data centre move") -> bytes:
    """A Project XML file as Project saves it: the project summary task (UID 0), then `tasks`."""
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <SaveVersion>14</SaveVersion>
  <Title>{title}</Title>
  <Tasks>
    <Task><UID>0</UID><ID>0</ID><Name>{title}</Name><OutlineLevel>0</OutlineLevel><Summary>1</Summary>
      <Start>2026-01-05T08:00:00</Start><Finish>2026-06-30T17:00:00</Finish></Task>
    {tasks}
  </Tasks>
</Project>""".encode()


# A realistic small plan: a phase (summary) with a finished task and a milestone, a blank row, and a second phase
# whose milestone has moved from its baseline and carries a deadline. UIDs are not in row order, as after edits.
DATA_CENTRE_MOVE = project_xml("""
    <Task><UID>1</UID><ID>1</ID><Name>Design</Name><OutlineLevel>1</OutlineLevel><Summary>1</Summary>
      <Milestone>0</Milestone><Start>2026-01-05T08:00:00</Start><Finish>2026-02-27T17:00:00</Finish>
      <ActualStart>2026-01-05T08:00:00</ActualStart><PercentComplete>60</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-01-05T08:00:00</Start><Finish>2026-02-20T17:00:00</Finish></Baseline>
    </Task>
    <Task><UID>7</UID><ID>2</ID><Name>Survey the racks</Name><OutlineLevel>2</OutlineLevel><Summary>0</Summary>
      <Milestone>0</Milestone><Start>2026-01-05T08:00:00</Start><Finish>2026-01-30T17:00:00</Finish>
      <ActualStart>2026-01-05T08:00:00</ActualStart><ActualFinish>2026-01-30T17:00:00</ActualFinish>
      <PercentComplete>100</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-01-05T08:00:00</Start><Finish>2026-01-23T17:00:00</Finish></Baseline>
      <Baseline><Number>1</Number><Start>2026-01-12T08:00:00</Start><Finish>2026-01-30T17:00:00</Finish></Baseline>
    </Task>
    <Task><UID>3</UID><ID>3</ID><Name>Design signed off</Name><OutlineLevel>2</OutlineLevel><Summary>0</Summary>
      <Milestone>1</Milestone><Start>2026-02-27T17:00:00</Start><Finish>2026-02-27T17:00:00</Finish>
      <PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-02-20T17:00:00</Start><Finish>2026-02-20T17:00:00</Finish></Baseline>
    </Task>
    <Task><UID>9</UID><ID>4</ID><IsNull>1</IsNull><OutlineLevel>1</OutlineLevel></Task>
    <Task><UID>4</UID><ID>5</ID><Name>Cut-over weekend</Name><OutlineLevel>1</OutlineLevel><Summary>0</Summary>
      <Milestone>1</Milestone><Start>2026-06-27T08:00:00</Start><Finish>2026-06-27T08:00:00</Finish>
      <Deadline>2026-06-30T17:00:00</Deadline><PercentComplete>0</PercentComplete>
      <Baseline><Number>0</Number><Start>2026-06-13T08:00:00</Start><Finish>2026-06-13T08:00:00</Finish></Baseline>
    </Task>
""")


def test_a_project_xml_plan_gives_its_tasks_with_their_own_uids_and_dates():
    plan = read_plan_bytes(DATA_CENTRE_MOVE, source="move.xml")
    assert (plan.file_format, plan.title, plan.baseline) == ("Project XML", "Data centre move", 0)
    # The project summary task (UID 0) is the plan itself, and the blank row is no task.
    assert [task.uid for task in plan.tasks] == [1, 7, 3, 4]
    assert [task.name for task in plan.milestones] == ["Design signed off", "Cut-over weekend"]
    design, survey, signed_off, cut_over = plan.tasks
    assert (design.summary, design.outline_level, design.percent_complete) == (True, 1, 60)
    assert survey.as_record() == {
        "uid": 7,
        "name": "Survey the racks",
        "outline_level": 2,
        "summary": False,
        "milestone": False,
        "start": "2026-01-05",
        "finish": "2026-01-30",
        "baseline_start": "2026-01-05",
        "baseline_finish": "2026-01-23",
        "actual_start": "2026-01-05",
        "actual_finish": "2026-01-30",
        "percent_complete": 100,
        "deadline": None,
    }
    assert (signed_off.finish, signed_off.baseline_finish) == (dt.date(2026, 2, 27), dt.date(2026, 2, 20))
    assert (cut_over.deadline, cut_over.actual_start) == (dt.date(2026, 6, 30), None)
    assert (plan.start, plan.finish) == (dt.date(2026, 1, 5), dt.date(2026, 6, 27))


def test_another_baseline_is_read_when_asked_and_tasks_without_it_have_none():
    plan = read_plan_bytes(DATA_CENTRE_MOVE, source="move.xml", baseline=1)
    by_uid = {task.uid: task for task in plan.tasks}
    assert (by_uid[7].baseline_start, by_uid[7].baseline_finish) == (dt.date(2026, 1, 12), dt.date(2026, 1, 30))
    assert by_uid[3].baseline_finish is None
    with pytest.raises(PlanError, match="baselines 0 to 10"):
        read_plan_bytes(DATA_CENTRE_MOVE, source="move.xml", baseline=11)


def test_real_project_xml_files_saved_by_microsoft_project():
    dates = read_plan(SAMPLES / "task-dates-project2016-mspdi.xml")
    assert [task.name for task in dates.tasks] == [f"Date{number}" for number in range(1, 11)]
    assert {(task.start, task.finish) for task in dates.tasks} == {(dt.date(2016, 2, 8), dt.date(2016, 2, 8))}

    baselines = read_plan(SAMPLES / "task-baselines-project2019-mspdi.xml")
    assert len(baselines.tasks) == 110
    by_name = {task.name: task for task in baselines.tasks}
    assert by_name["Baseline Finish - Task"].baseline_finish == dt.date(2014, 3, 1)
    assert by_name["Baseline Start - Task"].baseline_start == dt.date(2014, 4, 1)
    assert by_name["Baseline3 Finish - Task"].baseline_finish is None  # baseline 3, not 0
    third = {task.name: task for task in read_plan(SAMPLES / "task-baselines-project2019-mspdi.xml", baseline=3).tasks}
    assert third["Baseline3 Finish - Task"].baseline_finish == dt.date(2014, 3, 4)
    assert third["Baseline3 Start - Task"].baseline_start == dt.date(2014, 4, 4)
    assert third["Baseline Finish - Task"].baseline_finish is None

    enterprise = read_plan(SAMPLES / "enterprise.xml")  # a Project Server-era file, written on one line
    assert [(task.uid, task.name) for task in enterprise.tasks] == [(1, "Task One 1")]


def test_a_plan_renamed_by_a_pm_is_read_by_what_it_holds(tmp_path):
    renamed = tmp_path / "plan.mpp"
    renamed.write_bytes(b"\xef\xbb\xbf" + DATA_CENTRE_MOVE)  # XML with a byte order mark, named .mpp
    assert [task.uid for task in read_plan(renamed).tasks] == [1, 7, 3, 4]
