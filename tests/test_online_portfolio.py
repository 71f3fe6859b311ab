"""Proposals, the legacy priority and the portfolio scenarios of a Project Online export (issue 15): the export is
built here from the names of docs/project-online.md (JSON verbose with /Date()/ values and Edm.Decimal as text, JSON
light with ISO dates), read by read_export, and what it becomes is run through the real `pmo optimize`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.errors import ExportError
from pmo_xl.imports.online_portfolio import (
    SCENARIO_CODES,
    cost_by_fiscal_year,
    parse_proposal_rule,
    portfolio_import,
    register_ids,
    select_proposals,
)
from pmo_xl.imports.project_online import read_export, register_rows
from pmo_xl.portfolio.selection import load_scenarios, save_scenarios

DATA_CENTRE = "7e910f5b-95e2-e111-8d29-00155d35d32e"
PORTAL = "a1b2c3d4-0001-e211-9faf-00155da22112"
MOBILE = "a1b2c3d4-0002-e211-9faf-00155da22112"
ROBOTS = "A1B2C3D4-0003-E211-9FAF-00155DA22112"  # upper case here, lower case in the scenario sets
ANALYSIS = "71ae9370-68b3-e111-bdc2-00155d35d31e"
OTHER_ANALYSIS = "71ae9370-0000-e111-bdc2-00155d35d31e"
BOARD_CUT = "d0bd9ee7-4b96-e211-9faf-00155da22112"
TIGHT = "d0bd9ee7-0002-e211-9faf-00155da22112"
HIRE_LATER = "da4af49e-4b96-e211-a1ea-00155da01314"


def _ms(day: dt.date) -> str:
    """A day as the V3 verbose feed writes it."""
    return (
        f"/Date({int((dt.datetime(day.year, day.month, day.day) - dt.datetime(1970, 1, 1)).total_seconds()) * 1000})/"
    )


def _project(guid: str, name: str, code: str, kind: str, cost: str | None, start: dt.date, finish: dt.date) -> dict:
    row = {"__metadata": {"type": "ReportingData.Project"}, "ProjectId": guid, "ProjectName": name,
           "ProjectCode": code, "EnterpriseProjectTypeName": kind, "ProjectStartDate": _ms(start),
           "ProjectFinishDate": _ms(finish), "ProjectOwnerName": "Ana Silva"}  # fmt: skip
    if cost is not None:
        row["ProjectCost"] = cost
    return row


def _verbose(folder: Path, name: str, rows: list[dict]) -> None:
    (folder / f"{name}.json").write_text(json.dumps({"d": {"results": rows}}), encoding="utf-8")


def _light(folder: Path, name: str, rows: list[dict]) -> None:
    (folder / f"{name}.json").write_text(json.dumps({"value": rows}), encoding="utf-8")


def build_export(folder: Path, *, cost_forces: dict[str, int] | None = None) -> Path:
    """One project underway, three proposals (two of type Proposal, one Idea; stages Create and Select), one portfolio
    analysis with its priorities, two cost-constraint scenarios and a resource-constraint scenario, and a scenario of
    another analysis."""
    folder.mkdir(parents=True, exist_ok=True)
    _verbose(folder, "Projects", [
        _project(DATA_CENTRE, "Data centre move", "DC-01", "Enterprise Project", "310000.000000",
                 dt.date(2026, 1, 5), dt.date(2026, 6, 26)),
        _project(PORTAL, "Customer portal", "PR-01", "Proposal", "120000.000000",
                 dt.date(2026, 10, 1), dt.date(2027, 3, 31)),
        _project(MOBILE, "Mobile app", "PR-02", "Idea", "80000.000000", dt.date(2027, 2, 1), dt.date(2027, 7, 30)),
        _project(ROBOTS, "Warehouse robots", "PR-03", "Proposal", "200000.000000",
                 dt.date(2027, 1, 4), dt.date(2027, 12, 17)),
    ])  # fmt: skip
    _light(folder, "ProjectWorkflowStageDataSet", [
        {"ProjectId": DATA_CENTRE, "StageId": "s1", "StageName": "Select", "StageOrder": 2,
         "StageEntryDate": "2025-11-03T00:00:00Z"},
        {"ProjectId": DATA_CENTRE, "StageId": "s2", "StageName": "Execute", "StageOrder": 3,
         "StageEntryDate": "2026-01-05T00:00:00Z"},
        {"ProjectId": PORTAL, "StageId": "s0", "StageName": "Create", "StageOrder": 1,
         "StageEntryDate": "2026-05-04T00:00:00Z"},
        {"ProjectId": MOBILE, "StageId": "s1", "StageName": "Select", "StageOrder": 2,
         "StageEntryDate": "2026-06-01T00:00:00Z"},
        {"ProjectId": ROBOTS.lower(), "StageId": "s0", "StageName": "Create", "StageOrder": 1,
         "StageEntryDate": "2026-03-02T00:00:00Z"},
        {"ProjectId": ROBOTS.lower(), "StageId": "s1", "StageName": "Select", "StageOrder": 2,
         "StageEntryDate": "2026-04-06T00:00:00Z"},
    ])  # fmt: skip
    _light(folder, "PortfolioAnalysisProjects", [
        {"AnalysisId": ANALYSIS, "AnalysisName": "FY27 portfolio", "ProjectId": guid.lower(), "ProjectName": name,
         "Priority": priority, "AbsolutePriority": absolute, "Locked": 0}
        for guid, name, priority, absolute in (
            (DATA_CENTRE, "Data centre move", 0.15, 0.31), (PORTAL, "Customer portal", 0.30, 0.62),
            (MOBILE, "Mobile app", 0.15, 0.31), (ROBOTS, "Warehouse robots", 0.40, 0.83))
    ])  # fmt: skip
    _verbose(folder, "CostConstraintScenarios", [
        {"ScenarioId": BOARD_CUT, "ScenarioName": "Board cut", "AnalysisId": ANALYSIS, "AnalysisName": "FY27 portfolio",
         "SelectedProjectsCost": "630000.000000", "UseDependencies": False, "CreatedDate": _ms(dt.date(2026, 6, 1))},
        {"ScenarioId": TIGHT, "ScenarioName": "Tight", "AnalysisId": ANALYSIS, "AnalysisName": "FY27 portfolio"},
        {"ScenarioId": "d0bd9ee7-0003-e211-9faf-00155da22112", "ScenarioName": "Old plan",
         "AnalysisId": OTHER_ANALYSIS, "AnalysisName": "FY26 portfolio"},
    ])  # fmt: skip
    forces = {"board-portal": 0, "board-mobile": 1, "board-robots": 2, "board-dc": 0, "tight-mobile": 0,
              **(cost_forces or {})}  # fmt: skip
    _verbose(folder, "CostScenarioProjects", [
        {"ScenarioId": BOARD_CUT, "ProjectId": PORTAL, "ProjectName": "Customer portal",
         "ForceStatus": forces["board-portal"], "Status": 0, "ForceAliasLookupTableName": "Regulatory deadline"},
        {"ScenarioId": BOARD_CUT, "ProjectId": MOBILE, "ProjectName": "Mobile app",
         "ForceStatus": forces["board-mobile"], "Status": 1},
        {"ScenarioId": BOARD_CUT, "ProjectId": ROBOTS.lower(), "ProjectName": "Warehouse robots",
         "ForceStatus": forces["board-robots"], "Status": 0},
        {"ScenarioId": BOARD_CUT, "ProjectId": DATA_CENTRE, "ProjectName": "Data centre move",
         "ForceStatus": forces["board-dc"], "Status": 0, "HardConstraintValue": "310000.000000"},
        {"ScenarioId": TIGHT, "ProjectId": MOBILE, "ProjectName": "Mobile app",
         "ForceStatus": forces["tight-mobile"], "Status": 0},
        {"ScenarioId": TIGHT, "ProjectId": PORTAL, "ProjectName": "Customer portal", "ForceStatus": 2, "Status": 1},
    ])  # fmt: skip
    _light(folder, "ResourceConstraintScenarios", [
        {"ScenarioId": HIRE_LATER, "ScenarioName": "Hire later", "AnalysisId": ANALYSIS,
         "CostConstraintScenarioId": BOARD_CUT, "ConstraintValue": 4},
    ])  # fmt: skip
    _light(folder, "ResourceScenarioProjects", [
        {"ScenarioId": HIRE_LATER, "ProjectId": PORTAL, "NewStartDate": "2027-01-04T08:00:00", "ForceStatus": 2,
         "Status": 0},
        {"ScenarioId": HIRE_LATER, "ProjectId": MOBILE, "NewStartDate": "2027-02-01T08:00:00", "ForceStatus": 1,
         "Status": 1},
        {"ScenarioId": HIRE_LATER, "ProjectId": DATA_CENTRE, "NewStartDate": "2026-01-05T08:00:00", "ForceStatus": 0,
         "Status": 0, "ResourceWork": "1200.000000"},
    ])  # fmt: skip
    return folder


def _import(folder: Path, rule: str = "type=Proposal,Idea", **options):
    export = read_export(folder)
    ids = register_ids(register_rows(export, id_field="Project Code", sponsor_field=""))
    return portfolio_import(export, rule, ids, **options)


@pytest.mark.parametrize(
    ("rule", "proposals"),
    [
        ("type=Proposal", {PORTAL, ROBOTS}),
        ("stage=Select", {MOBILE, ROBOTS}),  # the data centre was in Select, but is in Execute now
        ("type=Proposal; stage=Select", {ROBOTS}),  # both clauses must hold
        ("  TYPE = proposal , IDEA ;", {PORTAL, MOBILE, ROBOTS}),  # case and spaces do not matter
    ],
)
def test_the_proposal_rule_selects_by_type_by_stage_or_both(tmp_path, rule, proposals):
    export = read_export(build_export(tmp_path / "export"))
    found, warnings = select_proposals(export, parse_proposal_rule(rule))
    assert found == {guid.casefold() for guid in proposals}
    assert warnings == ()


def test_a_rule_value_no_project_has_is_a_warning_naming_what_the_export_has(tmp_path):
    export = read_export(build_export(tmp_path / "export"))
    found, warnings = select_proposals(export, parse_proposal_rule("type=Proposals"))
    assert found == frozenset()
    assert warnings == (
        "proposal rule: no project has type 'Proposals' (the export has: Enterprise Project, Idea, Proposal)",
    )


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("type:Proposal", "'type:Proposal' is not key=value"),
        ("colour=red", "'colour' is not type or stage"),
        ("type=", "type= names no value"),
        ("type=A; type=B", "type is given twice"),
        ("", "is empty"),
    ],
)
def test_a_malformed_rule_is_one_line_with_an_example(rule, problem):
    with pytest.raises(ExportError) as raised:
        parse_proposal_rule(rule)
    message = str(raised.value)
    assert problem in message and message.endswith("type=Proposal,Idea; stage=Create,Select")
    assert "\n" not in message


def test_project_cost_is_spread_over_fiscal_years_by_days_and_adds_up_exactly():
    # 1 October 2026 to 31 March 2027: 92 days in 2026, 90 in 2027.
    shares = cost_by_fiscal_year(120000, dt.date(2026, 10, 1), dt.date(2027, 3, 31))
    assert shares == {"FY2026": 60659.34, "FY2027": 59340.66}
    # With the fiscal year starting in April, the same days are all in FY2027.
    assert cost_by_fiscal_year(120000, dt.date(2026, 10, 1), dt.date(2027, 3, 31), 4) == {"FY2027": 120000}
    thirds = cost_by_fiscal_year(100, dt.date(2026, 12, 31), dt.date(2028, 1, 1))
    # 367 days: 1 in 2026 (0.2725 -> 0.27), 365 in 2027 (99.455 -> 99.46), and the last year what is left.
    assert thirds == {"FY2026": 0.27, "FY2027": 99.46, "FY2028": 0.27} and round(sum(thirds.values()), 9) == 100


def test_the_pipeline_holds_the_proposals_with_their_legacy_priority(tmp_path):
    result = _import(build_export(tmp_path / "export"))
    assert result.proposals == {PORTAL, MOBILE, ROBOTS.casefold()}
    pipeline = result.pipeline
    assert pipeline.columns == ("request_id", "title", "start_month", "duration_months", "cost_FY2026", "cost_FY2027",
                                "score", "legacy_priority", "legacy_absolute_priority", "stage",
                                "external_id")  # fmt: skip
    rows = {row["request_id"]: row for row in pipeline.rows}
    assert sorted(rows) == ["PR-01", "PR-02", "PR-03"]  # the data centre is underway: not a request
    assert rows["PR-01"] == {
        "request_id": "PR-01", "title": "Customer portal", "external_id": PORTAL, "start_month": "2026-10",
        "duration_months": 6, "cost_FY2026": 60659.34, "cost_FY2027": 59340.66, "legacy_priority": 0.30,
        "legacy_absolute_priority": 0.62, "score": 0.30, "stage": "Create",
    }  # fmt: skip
    assert (rows["PR-03"]["cost_FY2027"], rows["PR-03"]["duration_months"], rows["PR-03"]["score"]) == (200000, 12, 0.4)
    assert pipeline.analysis == "FY27 portfolio"


def _optimize(*arguments):
    result = CliRunner().invoke(main, ["optimize", *map(str, arguments), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.splitlines()[-1])


def _write_pipeline(frame, path: Path) -> Path:
    """As the command writes it: CSV, UTF-8 with a BOM (Excel opens it), CRLF."""
    path.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
    return path


def test_pmo_optimize_accepts_the_pipeline_and_ranks_by_the_legacy_priority(tmp_path):
    result = _import(build_export(tmp_path / "export"))
    pipeline = _write_pipeline(result.pipeline.frame(), tmp_path / "pipeline.csv")
    # 200,000 buys the portal and the mobile app (0.30 + 0.15) or the robots alone (0.40): the legacy priority decides.
    summary = _optimize(pipeline, "--total-budget", "200000", "-o", tmp_path / "portfolio.xlsx")
    assert (summary["value_measure"], summary["selected"]) == ("score", ["PR-01", "PR-02"])
    assert summary["value"] == pytest.approx(0.45) and summary["cost"] == pytest.approx(200000)


def test_cost_scenarios_keep_their_forces_and_pmo_optimize_compares_them(tmp_path):
    result = _import(build_export(tmp_path / "export"), budget={"Tight": 150000})
    scenarios = {scenario.name: scenario for scenario in result.scenarios}
    assert sorted(scenarios) == ["Board cut", "Tight"]  # "Old plan" is of another analysis
    board = scenarios["Board cut"]
    assert board.forces == {
        "PR-01": ("in", "forced in by the user in Project Online: Regulatory deadline"),
        "PR-02": ("out", "forced out by the user in Project Online"),
    }
    # No budget given for Board cut: the cost of its selected proposals (the portal and the robots), said plainly.
    assert board.settings.total_budget == 320000 and scenarios["Tight"].settings.total_budget == 150000
    assert result.warnings == (
        "scenario 'Board cut': Project Online does not export the budget limit; the budget is 320,000.00, the cost "
        "of its 2 selected proposal(s) (Project Online showed SelectedProjectsCost 630000.000000 for all its selected "
        "projects); give the budget to set it",
    )
    notes = [line.note for line in result.mapping if line.entity_set == "CostScenarioProjects"]
    assert "scenario 'Board cut': 'Data centre move' is forced in by the user but is not a proposal (not in the " \
        "pipeline): the force is not kept" in notes  # fmt: skip
    assert "scenario 'Board cut': 1 project(s) that are not proposals (underway): not in the pipeline" in notes
    assert any("'Old plan' is of the analysis 'FY26 portfolio'" in line.note for line in result.mapping)

    pipeline = _write_pipeline(result.pipeline.frame(), tmp_path / "pipeline.csv")
    saved = save_scenarios(tmp_path / "pipeline-scenarios.json", result.scenarios)  # as the command saves them
    assert load_scenarios(saved) == list(result.scenarios)
    summary = _optimize(pipeline, "--total-budget", "400000", "--scenarios", saved, "--compare",
                        "-o", tmp_path / "portfolio.xlsx")  # fmt: skip
    compared = {entry["name"]: entry["selected"] for entry in summary["scenarios"]}
    # Board cut: the portal forced in, the mobile app forced out, the robots fit in what is left.
    # Tight: the mobile app forced in (80,000); neither other proposal fits in the 70,000 left.
    assert compared == {"Board cut": ["PR-01", "PR-03"], "Tight": ["PR-02"]}


def test_an_unknown_force_status_code_is_one_line_naming_scenario_project_and_code(tmp_path):
    folder = build_export(tmp_path / "export", cost_forces={"board-mobile": 7})
    with pytest.raises(ExportError) as raised:
        _import(folder)
    message = str(raised.value)
    assert message.startswith("CostScenarioProjects, scenario 'Board cut', project 'Mobile app': ForceStatus 7 is not "
                              "a code pmo-xl knows (0 forced in by the user, 1 forced out by the user, 2 selected "
                              "automatically (no force); https://learn.microsoft.com/")  # fmt: skip
    assert "\n" not in message
    assert {key for key in SCENARIO_CODES if key[0] == "ForceStatus"} == {("ForceStatus", n) for n in (0, 1, 2)}


def test_a_resource_scenario_becomes_a_pipeline_with_the_starts_moved(tmp_path):
    result = _import(build_export(tmp_path / "export"))
    (variant,) = result.start_variants
    assert variant.name == "Hire later"
    assert variant.moved == (("PR-01", "2026-10", "2027-01"),)  # the mobile app's NewStartDate is its start
    rows = {row["request_id"]: row for row in variant.pipeline.rows}
    # 4 January to 3 July 2027: the portal's cost is all in FY2027 now, and its duration is kept.
    assert (rows["PR-01"]["start_month"], rows["PR-01"]["cost_FY2027"], rows["PR-01"]["duration_months"]) == (
        "2027-01", 120000, 7)  # fmt: skip
    assert "cost_FY2026" not in variant.pipeline.columns
    assert (rows["PR-02"]["force"], rows["PR-02"]["force_reason"]) == (
        "out", "forced out by the user in Project Online (resource scenario 'Hire later')")  # fmt: skip
    notes = {line.note for line in result.mapping if line.entity_set == "ResourceScenarioProjects"}
    assert {
        "scenario 'Hire later': 'Data centre move' is forced in by the user but is not a proposal (not in the "
        "pipeline): the force is not kept",
        "scenario 'Hire later': 1 project(s) that are not proposals (underway): not in the pipeline",
    } <= notes
    pipeline = _write_pipeline(variant.pipeline.frame(), tmp_path / "pipeline-hire-later.csv")
    summary = _optimize(pipeline, "--budget", "FY2027=330000", "-o", tmp_path / "hire-later.xlsx")
    assert summary["selected"] == ["PR-01", "PR-03"]  # the mobile app forced out


def test_every_property_of_the_portfolio_sets_gets_a_mapping_line(tmp_path):
    folder = build_export(tmp_path / "export")
    rows = json.loads((folder / "PortfolioAnalysisProjects.json").read_text())
    rows["value"][0]["PriorityColour"] = "red"
    (folder / "PortfolioAnalysisProjects.json").write_text(json.dumps(rows))
    result = _import(folder)
    export = read_export(folder)
    lines = {(line.entity_set, line.property): line for line in result.mapping}
    for set_name in ("PortfolioAnalysisProjects", "CostConstraintScenarios", "CostScenarioProjects",
                     "ResourceConstraintScenarios", "ResourceScenarioProjects"):  # fmt: skip
        for prop in export.sets[set_name].properties:
            assert (set_name, prop) in lines, (set_name, prop)
    assert lines[("PortfolioAnalysisProjects", "Priority")].became == "pipeline legacy_priority and score"
    assert lines[("PortfolioAnalysisProjects", "PriorityColour")].note.startswith("unknown property")
    assert lines[("PortfolioAnalysisProjects", "Locked")].note.startswith("not used: ")
    assert lines[("Projects", "EnterpriseProjectTypeName")].note == "rule type=Proposal,Idea"


def test_several_analyses_need_one_chosen_by_name(tmp_path):
    folder = build_export(tmp_path / "export")
    rows = json.loads((folder / "PortfolioAnalysisProjects.json").read_text())
    rows["value"].append({"AnalysisId": OTHER_ANALYSIS, "AnalysisName": "FY26 portfolio", "ProjectId": PORTAL,
                          "Priority": 1.0, "AbsolutePriority": 0.9})  # fmt: skip
    (folder / "PortfolioAnalysisProjects.json").write_text(json.dumps(rows))
    with pytest.raises(ExportError, match=r"2 portfolio analyses \('FY26 portfolio', 'FY27 portfolio'\); choose"):
        _import(folder)
    chosen = _import(folder, analysis="fy26 PORTFOLIO")
    assert [scenario.name for scenario in chosen.scenarios] == ["Old plan"]
    assert {row["request_id"]: row.get("score") for row in chosen.pipeline.rows} == {
        "PR-01": 1.0, "PR-02": None, "PR-03": None}  # fmt: skip
    assert "proposal PR-02 ('Mobile app') is not in the portfolio analysis 'FY26 portfolio': its score is blank" in (
        chosen.warnings)  # fmt: skip


def test_the_scenarios_read_the_same_from_csv_as_from_json(tmp_path):
    folder = build_export(tmp_path / "export")
    from_json = _import(folder, budget=500000)
    rows = json.loads((folder / "CostScenarioProjects.json").read_text())["d"]["results"]
    columns = list(dict.fromkeys(name for row in rows for name in row))
    lines = [",".join(columns)] + [",".join(str(row.get(name, "")) for name in columns) for row in rows]
    (folder / "CostScenarioProjects.json").unlink()
    (folder / "CostScenarioProjects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")  # codes as text
    from_csv = _import(folder, budget=500000)
    assert from_csv.scenarios == from_json.scenarios
    assert [scenario.settings.total_budget for scenario in from_csv.scenarios] == [500000, 500000]
    assert from_csv.warnings == ()  # one budget for all: no budget is guessed


def test_a_budget_for_a_scenario_the_analysis_does_not_have_is_one_line(tmp_path):
    with pytest.raises(ExportError) as raised:
        _import(build_export(tmp_path / "export"), budget={"Board  CUT": 300000, "Stretch": 900000})
    assert str(raised.value) == (
        "export: a budget is given for the scenario 'Stretch', but the analysis has no cost scenario of that name "
        "(it has: 'Board cut', 'Tight')"
    )


def test_a_proposal_without_dates_or_cost_is_said_and_its_start_is_not_moved(tmp_path):
    folder = build_export(tmp_path / "export")
    document = json.loads((folder / "Projects.json").read_text())
    mobile = next(row for row in document["d"]["results"] if row["ProjectId"] == MOBILE)
    for name in ("ProjectStartDate", "ProjectFinishDate", "ProjectCost"):
        del mobile[name]
    (folder / "Projects.json").write_text(json.dumps(document))
    result = _import(folder, budget=500000)
    row = next(row for row in result.pipeline.rows if row["request_id"] == "PR-02")
    assert row == {"request_id": "PR-02", "title": "Mobile app", "external_id": MOBILE, "score": 0.15,
                   "legacy_priority": 0.15, "legacy_absolute_priority": 0.31, "stage": "Select"}  # fmt: skip
    assert result.warnings == (
        "proposal PR-02 ('Mobile app') has no ProjectCost: its cost columns are blank, which pmo optimize reads as 0",
    )
    assert "scenario 'Hire later': 'Mobile app' has no ProjectStartDate and ProjectFinishDate to move: its start is " \
        "not moved" in [line.note for line in result.mapping]  # fmt: skip
    (variant,) = result.start_variants
    assert variant.moved == (("PR-01", "2026-10", "2027-01"),)
