"""Bad plans: damaged, password-protected, without tasks, of an unknown kind. Each is one clear line (a PlanError,
`pmo: ...` on the command line) naming the file, and nothing is written. The damaged files are made here, from the
real samples (../shared/samples/ms-project) and from a plan written in the test."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli.imports import import_group
from pmo_xl.errors import PlanError
from pmo_xl.imports import mpp
from pmo_xl.imports.plans import read_plan
from tests.plan_builders import DATA_CENTRE_MOVE, project_xml

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ms-project"
if not SAMPLES.is_dir():
    SAMPLES = Path("/work/shared/samples/ms-project")
MPP = (SAMPLES / "mpp14baseline.mpp").read_bytes()


def refusal(path: Path) -> str:
    """The one line read_plan refuses `path` with."""
    with pytest.raises(PlanError) as caught:
        read_plan(path)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def mpx_written_by_mpxj(tmp_path: Path, name: str, *, empty: bool) -> Path:
    """A .mpx file as MPXJ writes it: the MPP sample's plan, or a project with no tasks."""
    read_plan(SAMPLES / "mpp14baseline.mpp")  # starts Java with MPXJ's classes, as pmo does
    from org.mpxj import ProjectFile
    from org.mpxj.mpp import MPPReader
    from org.mpxj.mpx import MPXWriter

    project = ProjectFile() if empty else MPPReader().read(str(SAMPLES / "mpp14baseline.mpp"))
    MPXWriter().write(project, str(tmp_path / name))
    return tmp_path / name


@pytest.mark.parametrize(
    ("damage", "data"),
    [
        ("cut off half way", MPP[: len(MPP) // 2]),
        ("cut off after the header", MPP[:5000]),
        ("sectors overwritten", MPP[:512] + b"\0" * (len(MPP) - 512)),
    ],
)
def test_a_damaged_mpp_is_one_line(tmp_path, damage, data):
    message = refusal(write(tmp_path, "Data centre move.mpp", data))
    assert message.startswith("Data centre move.mpp: the .mpp file is damaged or is not a Microsoft Project plan")
    assert message.endswith("open it in Microsoft Project and save it again")


def test_damaged_project_xml_is_one_line(tmp_path):
    cut = write(tmp_path, "cut.xml", DATA_CENTRE_MOVE[: len(DATA_CENTRE_MOVE) // 2])
    assert refusal(cut).startswith("cut.xml: the XML is damaged (")
    bad_date = write(tmp_path, "bad date.xml", DATA_CENTRE_MOVE.replace(b"2026-01-30T17:00:00", b"2026-13-30T17:00:00"))
    assert refusal(bad_date) == (
        "bad date.xml: task UID 7 has Finish '2026-13-30T17:00:00', not a date; the Project XML is damaged, save "
        "the plan again from Project"
    )
    bad_level = write(tmp_path, "bad level.xml", DATA_CENTRE_MOVE.replace(b"<OutlineLevel>2<", b"<OutlineLevel>two<"))
    assert "task UID 7 has OutlineLevel 'two', not a whole number" in refusal(bad_level)
    no_uid = write(tmp_path, "no uid.xml", DATA_CENTRE_MOVE.replace(b"<UID>7</UID>", b""))
    assert refusal(no_uid).startswith("no uid.xml: a task has no UID")
    entities = (
        b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">]>' + DATA_CENTRE_MOVE.split(b"?>", 1)[1]
    )
    assert "declares a document type" in refusal(write(tmp_path, "entities.xml", entities))


def test_a_password_protected_mpp_is_one_line(tmp_path, monkeypatch):
    """MPXJ refuses a protected .mpp with its MPXJException PASSWORD_PROTECTED; no such file can be made without
    Project, so MPXJ's reader is stood in for by one that raises MPXJ's own exception, as MPPReader does."""
    read_plan(SAMPLES / "mpp14baseline.mpp")
    from org.mpxj import MPXJException

    class ProtectedPlanReader:
        def read(self, stream):
            raise MPXJException(MPXJException.PASSWORD_PROTECTED)

    monkeypatch.setattr(mpp, "_reader_class", lambda kind, source: ProtectedPlanReader)
    assert refusal(write(tmp_path, "locked.mpp", MPP)) == (
        "locked.mpp: the plan is protected by a password; open it in Microsoft Project, remove the password "
        "(File > Save As > Tools > General Options) and save it again"
    )


def test_a_plan_without_tasks_is_one_line(tmp_path):
    no_tasks_line = "the plan holds no tasks; add them in Microsoft Project and save it again"
    only_the_project = write(tmp_path, "empty.xml", project_xml(""))  # the project summary task, nothing else
    assert refusal(only_the_project) == f"empty.xml: {no_tasks_line}"
    no_task_list = b'<Project xmlns="http://schemas.microsoft.com/project"><Name>New</Name></Project>'
    assert refusal(write(tmp_path, "new.xml", no_task_list)) == f"new.xml: {no_tasks_line}"
    blank_rows = write(tmp_path, "blank.xml", project_xml("<Task><UID>1</UID><IsNull>1</IsNull></Task>"))
    assert refusal(blank_rows) == f"blank.xml: {no_tasks_line}"
    assert refusal(mpx_written_by_mpxj(tmp_path, "empty.mpx", empty=True)) == f"empty.mpx: {no_tasks_line}"


def test_an_mpx_written_by_mpxj_gives_the_tasks_of_its_mpp(tmp_path):
    """The .mpx path works on a real file (MPXJ writes it from the MPP sample), so its refusals mean something."""
    from_mpx = read_plan(mpx_written_by_mpxj(tmp_path, "baseline.mpx", empty=False))
    from_mpp = read_plan(SAMPLES / "mpp14baseline.mpp")
    assert from_mpx.file_format == "MPX"
    assert [(task.uid, task.name, task.milestone, task.finish, task.baseline_finish) for task in from_mpx.tasks] == [
        (task.uid, task.name, task.milestone, task.finish, task.baseline_finish) for task in from_mpp.tasks
    ]


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("plan.mpp", b"", "an empty file"),
        ("plan.mpp", b"PK\x03\x04" + b"\0" * 100, "a zip package (an Excel or Word file?)"),
        ("plan.pdf", b"%PDF-1.7\n%...", "a PDF"),
        ("plan.txt", b"Phase 1: design\tdone\n", "not a Microsoft Project plan (.mpp, .mpx or Project XML)"),
    ],
)
def test_a_file_of_an_unknown_kind_is_one_line(tmp_path, name, data, what):
    assert refusal(write(tmp_path, name, data)) == (
        f"{name}: {what}; pmo reads a Microsoft Project plan (.mpp, .mpx or Project XML)"
    )


def test_other_xml_a_workbook_a_folder_and_no_file_are_one_line_each(tmp_path):
    other_xml = write(tmp_path, "feed.xml", b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')
    assert refusal(other_xml) == (
        "feed.xml: an XML file, but not Microsoft Project XML (its root is <feed>); save the plan from Microsoft "
        "Project with File > Save As > XML"
    )
    workbook = tmp_path / "plan.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert refusal(workbook).startswith("plan.xlsx: a zip package")
    assert refusal(tmp_path) == f"{tmp_path}: a folder, not a plan file"
    assert refusal(tmp_path / "gone.mpp") == f"{tmp_path / 'gone.mpp'}: no such file"


def test_the_command_writes_nothing_and_answers_one_error_object(tmp_path):
    bad = {
        "cut.mpp": MPP[: len(MPP) // 2],
        "cut.xml": DATA_CENTRE_MOVE[:300],
        "empty.xml": project_xml(""),
        "notes.txt": b"not a plan",
    }
    for name, data in bad.items():
        write(tmp_path, name, data)
    before = sorted((path.name, path.stat().st_size) for path in tmp_path.iterdir())
    for name in bad:
        result = CliRunner().invoke(import_group, ["plan", str(tmp_path / name), "--json"])
        assert isinstance(result.exception, PlanError), (name, result.output)
        [line] = result.stdout.splitlines()
        answer = json.loads(line)
        assert set(answer) == {"command", "schema", "error", "exit"}
        assert (answer["command"], answer["exit"]) == ("plan", 2)
        assert answer["error"].startswith(f"{name}: ") and "\n" not in answer["error"]
    assert sorted((path.name, path.stat().st_size) for path in tmp_path.iterdir()) == before
