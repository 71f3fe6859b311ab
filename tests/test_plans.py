"""Project plans (.mpp, .mpx, Project XML) read into tasks: the native Project XML reader, MPXJ, and the two against
each other on real files saved by Microsoft Project (../shared/samples/ms-project, see its README)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmo_xl.errors import PlanError
from pmo_xl.imports.plans import read_plan, read_plan_bytes
from tests.plan_builders import DATA_CENTRE_MOVE, project_xml

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ms-project"
if not SAMPLES.is_dir():  # a checkout elsewhere: the samples beside the main checkout
    SAMPLES = Path("/work/shared/samples/ms-project")


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
        "flags": [],
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


FLAGGED = project_xml("""
    <Task><UID>3</UID><ID>1</ID><Name>Design gate</Name><OutlineLevel>1</OutlineLevel><Milestone>0</Milestone>
      <Start>2026-02-23T08:00:00</Start><Finish>2026-02-27T17:00:00</Finish>
      <ExtendedAttribute><FieldID>188743752</FieldID><Value>1</Value></ExtendedAttribute>
      <ExtendedAttribute><FieldID>188743754</FieldID><Value>0</Value></ExtendedAttribute>
      <ExtendedAttribute><FieldID>188743981</FieldID><Value>1</Value></ExtendedAttribute>
      <ExtendedAttribute><FieldID>188743731</FieldID><Value>Phase A</Value></ExtendedAttribute>
    </Task>
    <Task><UID>4</UID><ID>2</ID><Name>Build</Name><OutlineLevel>1</OutlineLevel><Milestone>0</Milestone>
      <Start>2026-03-02T08:00:00</Start><Finish>2026-03-27T17:00:00</Finish>
      <ExtendedAttribute><FieldID>188743761</FieldID><Value>1</Value></ExtendedAttribute>
      <ExtendedAttribute><FieldID>188743972</FieldID><Value>1</Value></ExtendedAttribute>
    </Task>
""")


def test_task_flags_are_read_from_their_extended_attributes_as_mpxj_reads_them():
    """Flag1-Flag20 are extended attributes named by Project's field ids (Flag3 set to 0 is not set; Text1 is no
    flag). MPXJ reading the same XML gives the same flags through the code that reads a .mpp's tasks."""
    plan = read_plan_bytes(FLAGGED, source="flags.xml")
    assert [(task.name, task.flags) for task in plan.tasks] == [("Design gate", (1, 20)), ("Build", (10, 11))]
    assert plan.tasks[0].as_record()["flags"] == [1, 20]

    import jpype

    from pmo_xl.imports import mpp

    mpp._reader_class("mpp", "flags.xml")  # the JVM, with MPXJ on its class path
    from java.io import ByteArrayInputStream
    from org.mpxj.mspdi import MSPDIReader

    project = MSPDIReader().read(ByteArrayInputStream(jpype.JArray(jpype.JByte)(FLAGGED)))
    by_mpxj = [mpp._task(task, 0) for task in project.getTasks() if task.getUniqueID().intValue() != 0]
    assert by_mpxj == list(plan.tasks)


def test_a_plan_renamed_by_a_pm_is_read_by_what_it_holds(tmp_path):
    renamed = tmp_path / "plan.mpp"
    renamed.write_bytes(b"\xef\xbb\xbf" + DATA_CENTRE_MOVE)  # XML with a byte order mark, named .mpp
    assert [task.uid for task in read_plan(renamed).tasks] == [1, 7, 3, 4]


# -- .mpp through MPXJ, against the native reader --------------------------------------------------------------------

TWINS = [
    ("task-dates-project2016-mpp14.mpp", "task-dates-project2016-mspdi.xml", 10),
    ("task-baselines-project2019-mpp14.mpp", "task-baselines-project2019-mspdi.xml", 110),
]


@pytest.mark.parametrize(("mpp", "xml", "count"), TWINS)
def test_each_mpp_read_by_mpxj_gives_the_same_tasks_as_its_xml_twin_read_natively(mpp, xml, count):
    """MPXJ and the native reader are independent: the same project saved twice by Project gives the same tasks,
    field by field (UIDs, names, levels, flags, start and finish, every baseline's dates, actuals, % complete,
    deadlines), for baseline 0 and each of the ten others. No skip: without MPXJ or Java this fails."""
    for baseline in range(11):
        from_mpp = read_plan(SAMPLES / mpp, baseline=baseline)
        from_xml = read_plan(SAMPLES / xml, baseline=baseline)
        assert (from_mpp.file_format, from_xml.file_format) == ("MPP", "Project XML")
        assert len(from_mpp.tasks) == len(from_xml.tasks) == count
        assert [task.as_record() for task in from_mpp.tasks] == [task.as_record() for task in from_xml.tasks]
        # Each baseline of the baselines file is really there, so the comparison compares dates, not blanks.
        if "baselines" in mpp:
            assert sum(task.baseline_start is not None for task in from_mpp.tasks) == 2
            assert sum(task.baseline_finish is not None for task in from_mpp.tasks) == 2


def test_an_mpp_with_progress_and_a_baseline():
    plan = read_plan(SAMPLES / "mpp14baseline.mpp")
    assert (plan.file_format, plan.title, len(plan.tasks)) == ("MPP", "MPP12BaselineTest-9", 14)
    by_name = {task.name: task for task in plan.tasks}
    assert by_name["Complete"].as_record() | {"name": "Complete"} == {
        "uid": 5, "name": "Complete", "outline_level": 2, "summary": False, "milestone": True,
        "start": "2006-09-14", "finish": "2006-09-14", "baseline_start": "2006-09-13", "baseline_finish": "2006-09-13",
        "actual_start": None, "actual_finish": None, "percent_complete": 0, "deadline": None, "flags": [],
    }  # fmt: skip
    subtask = by_name["Subtask 2"]
    assert (subtask.actual_start, subtask.actual_finish, subtask.percent_complete) == (
        dt.date(2006, 8, 30), dt.date(2006, 9, 5), 100)  # fmt: skip
    assert [task.name for task in plan.milestones] == ["Complete"]


def test_java_starts_once_per_process(monkeypatch):
    import jpype

    read_plan(SAMPLES / "mpp14baseline.mpp")
    assert jpype.isJVMStarted()

    def start_again(*args, **kwargs):
        raise AssertionError("the JVM was started a second time")

    monkeypatch.setattr(jpype, "startJVM", start_again)
    assert len(read_plan(SAMPLES / "task-dates-project2016-mpp14.mpp").tasks) == 10


def test_without_the_plans_extra_an_mpp_gets_one_line_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpxj", None)  # `import mpxj` fails, as where the extra is not installed
    with pytest.raises(PlanError) as caught:
        read_plan(SAMPLES / "mpp14baseline.mpp")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "mpp14baseline.mpp: reading a .mpp plan needs MPXJ and a Java runtime (11 or newer): pip install mpxj JPype1"
    )
    # Project XML needs neither.
    assert len(read_plan(SAMPLES / "task-dates-project2016-mspdi.xml").tasks) == 10


def test_without_java_an_mpp_gets_one_line_saying_what_to_install(tmp_path):
    """A fresh process whose JAVA_HOME holds no working Java (JPype looks there first)."""
    broken_java = tmp_path / "jre"
    (broken_java / "lib" / "server").mkdir(parents=True)
    (broken_java / "lib" / "server" / "libjvm.so").write_bytes(b"")
    script = (
        "import sys\nfrom pathlib import Path\nfrom pmo_xl.errors import PlanError\n"
        "from pmo_xl.imports.plans import read_plan\n"
        f"try:\n    read_plan(Path({str(SAMPLES / 'mpp14baseline.mpp')!r}))\n"
        "except PlanError as error:\n    print(error)\n    sys.exit(2)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "JAVA_HOME": str(broken_java)})  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout.startswith("mpp14baseline.mpp: reading a .mpp plan needs a Java runtime (11 or newer)")
    assert "default-jre-headless" in done.stdout
    assert len(done.stdout.strip().splitlines()) == 1
