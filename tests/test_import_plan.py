"""`pmo import plan PLAN [--baseline N] [--json]`, through click's runner on the `import` group (docs/import.md)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pmo_xl.cli.imports import import_group
from tests.plan_builders import DATA_CENTRE_MOVE

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "ms-project"
if not SAMPLES.is_dir():
    SAMPLES = Path("/work/shared/samples/ms-project")


def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "Data centre move.xml"
    path.write_bytes(DATA_CENTRE_MOVE)
    return path


def test_the_pmo_sees_the_plan_and_its_milestones(tmp_path):
    result = CliRunner().invoke(import_group, ["plan", str(plan_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        'Data centre move.xml (Project XML) "Data centre move": 4 task(s), 2 milestone(s), 2026-01-05 to '
        "2026-06-27; baseline 0",
        "Milestones (UID, finish, baseline finish, actual finish, name):",
        "       3  2026-02-27  2026-02-20  -           Design signed off",
        "       4  2026-06-27  2026-06-13  -           Cut-over weekend",
    ]


def test_json_gives_every_task_with_the_documented_fields(tmp_path):
    path = plan_file(tmp_path)
    result = CliRunner().invoke(import_group, ["plan", str(path), "--json", "--baseline", "1"])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()  # one object, on one line; the lines for people went to stderr
    answer = json.loads(line)
    assert {key: answer[key] for key in ("command", "schema", "plan", "format", "title", "baseline", "exit")} == {
        "command": "plan", "schema": 1, "plan": str(path), "format": "Project XML", "title": "Data centre move",
        "baseline": 1, "exit": 0,
    }  # fmt: skip
    assert [task["uid"] for task in answer["tasks"]] == [1, 7, 3, 4]
    survey = answer["tasks"][1]
    assert survey == {
        "uid": 7, "name": "Survey the racks", "outline_level": 2, "summary": False, "milestone": False,
        "start": "2026-01-05", "finish": "2026-01-30", "baseline_start": "2026-01-12", "baseline_finish": "2026-01-30",
        "actual_start": "2026-01-05", "actual_finish": "2026-01-30", "percent_complete": 100, "deadline": None,
        "flags": [],
    }  # fmt: skip
    assert "2 milestone(s)" in result.stderr


def test_an_mpp_gives_the_same_json_tasks_as_its_xml_twin():
    answers = []
    for name in ("task-baselines-project2019-mpp14.mpp", "task-baselines-project2019-mspdi.xml"):
        result = CliRunner().invoke(import_group, ["plan", str(SAMPLES / name), "--json", "--baseline", "4"])
        assert result.exit_code == 0, result.output
        answers.append(json.loads(result.stdout))
    from_mpp, from_xml = answers
    assert (from_mpp["format"], from_xml["format"]) == ("MPP", "Project XML")
    assert len(from_mpp["tasks"]) == 110
    assert from_mpp["tasks"] == from_xml["tasks"]


def test_a_baseline_out_of_range_is_refused_before_reading(tmp_path):
    result = CliRunner().invoke(import_group, ["plan", str(plan_file(tmp_path)), "--baseline", "11", "--json"])
    assert result.exit_code == 2
    answer = json.loads(result.stdout.splitlines()[0])
    assert answer["error"].startswith("Invalid value for '--baseline'")
