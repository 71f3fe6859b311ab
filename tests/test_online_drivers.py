"""Business drivers and their prioritisation from a Project Online export (pmo_xl.imports.online_drivers).

The fixture is an export as the ProjectData feed gives it, in the JSON verbose form (`{"d": {"results": ...}}`, dates
as `/Date(ms)/`, Edm.Double written as JSON numbers, Edm.Decimal as text), with the names of
docs/project-online.md: four drivers, a calculated prioritisation of three of them (its drivers named with Microsoft's
`BusinessDriveName` spelling) and a manual one of all four (named `BusinessDriverName`), each used by an analysis.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pmo_xl.cli import main
from pmo_xl.errors import ExportError
from pmo_xl.imports.online_drivers import (
    DRIVER_SETS,
    IMPACT_LEVELS,
    RELATION_SCALE,
    WEIGHT_TOLERANCE,
    criterion_id_for,
    import_drivers,
    read_impacts,
    relation_value,
)
from pmo_xl.imports.project_online import ENTITY_SETS, read_export, register_rows
from pmo_xl.portfolio.scoring import SCORING_MODEL_COLUMNS, criterion_columns, model_to_rows, read_scoring_model

REVENUE = "9b63f657-9a48-e211-9c40-00155da03b0b"
COST = "a1c3f657-9a48-e211-9c40-00155da03b0b"
CUSTOMERS = "b2d4f657-9a48-e211-9c40-00155da03b0b"
COMPLIANCE = "c3e5f657-9a48-e211-9c40-00155da03b0b"
STRATEGY = "755af49e-4b96-e211-a1ea-00155da03113"  # calculated
BOARD = "5a4b039e-ab5a-e211-beb6-00155da2200e"  # manual
DATA_CENTRE = "7e910f5b-95e2-e111-8d29-00155d35d32e"
CRM = "5263ee3e-66e6-e111-9fc9-00155d35d32e"


def _ms(day: dt.date) -> str:
    return (
        f"/Date({int((dt.datetime(day.year, day.month, day.day) - dt.datetime(1970, 1, 1)).total_seconds()) * 1000})/"
    )


def _feed(folder: Path, name: str, rows: list[dict]) -> None:
    results = [{"__metadata": {"type": f"ReportingData.{name}"}, **row} for row in rows]
    (folder / f"{name}.json").write_text(json.dumps({"d": {"results": results}}), encoding="utf-8")


def _driver(guid: str, name: str, description: str, *levels: str | None) -> dict:
    """A BusinessDrivers row; `levels` are the texts of None, Low, Moderate, Strong and Extreme (None: blank)."""
    row = {"BusinessDriverId": guid, "BusinessDriverName": name, "BusinessDriverDescription": description,
           "BusinessDriverIsActive": True, "BusinessDriverCreatedDate": _ms(dt.date(2025, 9, 1))}  # fmt: skip
    for (_level, prop, _score, _value), text in zip(IMPACT_LEVELS, levels, strict=False):
        row[prop] = text
    return row


def build_export(folder: Path, *, strategy_priorities=(0.6370, 0.2583, 0.1047), relations=None) -> Path:
    """The export: four drivers, the calculated 'FY27 strategy' (three drivers) and the manual 'Board 2026'."""
    folder.mkdir(parents=True, exist_ok=True)
    _feed(folder, "BusinessDrivers", [
        _driver(REVENUE, "Grow revenue", "New income from new or existing customers", "No new income",
                "Under 100k a year", "100k to 500k a year", "500k to 1M a year", "Over 1M a year"),
        # Moderate left blank in PWA: the level stays, labelled plainly.
        _driver(COST, "Cut operating cost", "Lower run cost", "No saving", "Small saving", None, "Large saving",
                "Halves the run cost"),
        _driver(CUSTOMERS, "Customer satisfaction", "", "No effect", "One team notices", "One segment notices",
                "Most customers notice", "Changes how they see us"),
        _driver(COMPLIANCE, "Regulatory compliance", "Meets a regulator's demand"),
    ])  # fmt: skip
    _feed(folder, "Prioritizations", [
        {"PrioritizationId": STRATEGY, "PrioritizationName": "FY27 strategy", "PrioritizationIsManual": False,
         "ConsistencyRatio": 0.91, "PrioritizationModifiedDate": _ms(dt.date(2026, 3, 2)),
         "DepartmentName": None},
        {"PrioritizationId": BOARD, "PrioritizationName": "Board 2026", "PrioritizationIsManual": True,
         "ConsistencyRatio": None, "PrioritizationModifiedDate": _ms(dt.date(2026, 1, 15))},
    ])  # fmt: skip
    _feed(folder, "PortfolioAnalyses", [
        {"AnalysisId": "71ae9370-68b3-e111-bdc2-00155d35d31e", "AnalysisName": "FY27 portfolio",
         "PrioritizationId": STRATEGY, "PrioritizationName": "FY27 strategy", "RoleCustomFieldName": "Role"},
        {"AnalysisId": "82bf9370-68b3-e111-bdc2-00155d35d31e", "AnalysisName": "Board review",
         "PrioritizationId": BOARD, "PrioritizationName": "Board 2026"},
    ])  # fmt: skip
    revenue, cost, customers = strategy_priorities
    _feed(folder, "PrioritizationDrivers", [
        # Microsoft's page spells the name property BusinessDriveName.
        {"PrioritizationId": STRATEGY, "BusinessDriverId": REVENUE, "BusinessDriveName": "Grow revenue",
         "BusinessDriverPriority": revenue},
        {"PrioritizationId": STRATEGY, "BusinessDriverId": COST, "BusinessDriveName": "Cut operating cost",
         "BusinessDriverPriority": cost},
        {"PrioritizationId": STRATEGY, "BusinessDriverId": CUSTOMERS, "BusinessDriveName": "Customer satisfaction",
         "BusinessDriverPriority": customers},
        # The manual prioritization typed as percentages, the BusinessDriver type's spelling of the name.
        {"PrioritizationId": BOARD, "BusinessDriverId": REVENUE, "BusinessDriverName": "Grow revenue",
         "BusinessDriverPriority": 40},
        {"PrioritizationId": BOARD, "BusinessDriverId": COST, "BusinessDriverName": "Cut operating cost",
         "BusinessDriverPriority": 30},
        {"PrioritizationId": BOARD, "BusinessDriverId": CUSTOMERS, "BusinessDriverName": "Customer satisfaction",
         "BusinessDriverPriority": 20},
        {"PrioritizationId": BOARD, "BusinessDriverId": COMPLIANCE, "BusinessDriverName": "Regulatory compliance",
         "BusinessDriverPriority": 10},
    ])  # fmt: skip
    if relations is None:
        relations = [
            (REVENUE, "Grow revenue", "is more important than", COST, "Cut operating cost"),
            (REVENUE, "Grow revenue", "Is much more important than", CUSTOMERS, "Customer satisfaction"),
            (COST, "Cut operating cost", "is more important than", CUSTOMERS, "Customer satisfaction"),
        ]
    _feed(folder, "PrioritizationDriverRelations", [
        {"PrioritizationId": STRATEGY, "BusinessDriver1Id": first, "BusinessDriver1Name": first_name,
         "RelationValue": value, "BusinessDriver2Id": second, "BusinessDriver2Name": second_name}
        for first, first_name, value, second, second_name in relations
    ])  # fmt: skip
    _feed(folder, "Projects", [
        {"ProjectId": DATA_CENTRE, "ProjectName": "Data centre move", "ProjectCode": "DC-01", "Sponsor": "Claire",
         "ProjectStartDate": _ms(dt.date(2026, 1, 5)), "ProjectFinishDate": _ms(dt.date(2026, 6, 26)),
         "ProjectBudgetCost": "250000.000000", "ProjectCurrency": "EUR"},
        {"ProjectId": CRM, "ProjectName": "CRM replacement", "ProjectCode": "CRM-02", "Sponsor": "Omar",
         "ProjectStartDate": _ms(dt.date(2026, 2, 2)), "ProjectFinishDate": _ms(dt.date(2026, 11, 30)),
         "ProjectBudgetCost": "480000.000000", "ProjectCurrency": "EUR"},
    ])  # fmt: skip
    return folder


def _imported(tmp_path: Path, prioritization: str | None = "FY27 strategy", **options):
    return import_drivers(read_export(build_export(tmp_path / "export", **options)), prioritization)


def _refused(tmp_path: Path, prioritization: str | None = "FY27 strategy", **options) -> str:
    with pytest.raises(ExportError) as caught:
        _imported(tmp_path, prioritization, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- criteria -------------------------------------------------------------------------------------------------------


def test_drivers_become_criteria_written_as_a_scoring_model_that_reads_back_equal(tmp_path):
    drivers = _imported(tmp_path)
    model = drivers.model
    assert (model.name, model.version) == ("Project Online: FY27 strategy", "2026-03-02")
    assert [c.criterion_id for c in model.criteria] == ["grow_revenue", "cut_operating_cost", "customer_satisfaction"]
    revenue, cost, customers = model.criteria
    assert revenue.help_text == "New income from new or existing customers" and customers.help_text == ""
    assert [(level.score, level.value) for level in revenue.levels] == [(0, 0.0), (1, 0.25), (2, 0.5), (3, 0.75),
                                                                        (4, 1.0)]  # fmt: skip
    assert revenue.levels[4].descriptor == "Extreme: Over 1M a year"
    assert cost.levels[2].descriptor == "Moderate (no description in Project Online)"  # blank in PWA, level kept
    path = tmp_path / "ScoringModel.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([list(SCORING_MODEL_COLUMNS), *model_to_rows(model)])
    assert read_scoring_model(path) == model


def test_a_criterion_id_is_a_stable_slug_of_the_driver_name():
    assert criterion_id_for("Grow revenue (EMEA)") == "grow_revenue_emea"
    assert criterion_id_for("Réduire les coûts") == "reduire_les_couts"
    assert criterion_id_for("2027 targets") == "driver_2027_targets"
    assert criterion_id_for("—") == "driver"
    assert all(criterion_id_for(name).isidentifier() for name in ("R&D", "a-b c", "Ünïcode 9"))


def test_two_names_with_one_slug_get_numbered_ids_in_name_order(tmp_path):
    export = build_export(tmp_path / "export")
    rows = json.loads((export / "BusinessDrivers.json").read_text())["d"]["results"]
    rows[3]["BusinessDriverName"] = "Grow-revenue"  # slugs as grow_revenue too; sorts after "Grow revenue"
    (export / "BusinessDrivers.json").write_text(json.dumps({"d": {"results": rows}}))
    drivers = import_drivers(read_export(export), "Board 2026")
    ids = {weight.driver.name: weight.driver.criterion_id for weight in drivers.weights}
    assert ids["Grow revenue"] == "grow_revenue" and ids["Grow-revenue"] == "grow_revenue_2"


# -- weights --------------------------------------------------------------------------------------------------------


def test_weights_are_imported_and_the_ahp_recomputation_matches_the_hand_arithmetic(tmp_path):
    drivers = _imported(tmp_path)
    assert [w.imported_weight for w in drivers.weights] == [0.6370, 0.2583, 0.1047]  # as the feed wrote them
    assert [c.weight for c in drivers.model.criteria] == [0.6370, 0.2583, 0.1047]
    # The judgements, rows and columns in the order revenue, cost, customers (RELATION_SCALE: "more" 3, "much
    # more" 5):      [1    3    5]
    #                [1/3  1    3]
    #                [1/5  1/3  1]
    # Row geometric means: (1*3*5)^(1/3) = 15^(1/3) = 2.466212; (1/3*1*3)^(1/3) = 1; (1/5*1/3*1)^(1/3) = 0.405480.
    # Their sum is 3.871692, so the weights are 0.636986, 0.258285, 0.104729. For a 3x3 reciprocal matrix the row
    # geometric means ARE the principal eigenvector (ahp_weights' method), so the two agree to rounding, well inside
    # WEIGHT_TOLERANCE.
    # lambda max: A.w = (0.636986 + 3*0.258285 + 5*0.104729, ...) gives 1.935486/0.636986 = 3.0385 on every row;
    # CI = (3.0385 - 3)/2 = 0.01925; CR = CI/0.58 (Saaty's random index for 3) = 0.0332.
    geometric = [15 ** (1 / 3), 1.0, (1 / 15) ** (1 / 3)]
    by_hand = [value / sum(geometric) for value in geometric]
    assert by_hand == pytest.approx([0.636986, 0.258285, 0.104729], abs=1e-6)
    assert [w.recomputed_weight for w in drivers.weights] == pytest.approx(by_hand, abs=1e-9)
    assert drivers.saaty.lambda_max == pytest.approx(3.0385, abs=5e-5)
    assert drivers.saaty.consistency_ratio == pytest.approx(0.0332, abs=5e-5)
    assert drivers.saaty_cr == "0.033"
    # Every weight within tolerance, the CR below 0.10, PWA's ratio above 0.75: the one warning is the driver left out.
    assert drivers.warnings == (
        "1 business driver(s) not in prioritization 'FY27 strategy' are not criteria: Regulatory compliance",
    )


def test_a_consistent_3x3_gives_exact_ratio_weights_and_cr_zero(tmp_path):
    # revenue 3x cost, cost 3x customers, revenue 9x customers: consistent, so the weights are 9:3:1 exactly.
    relations = [
        (REVENUE, "Grow revenue", "is more important than", COST, "Cut operating cost"),
        (REVENUE, "Grow revenue", "is extremely more important than", CUSTOMERS, "Customer satisfaction"),
        (CUSTOMERS, "Customer satisfaction", "is less important than", COST, "Cut operating cost"),  # reversed pair
    ]
    drivers = _imported(tmp_path, strategy_priorities=(9 / 13, 3 / 13, 1 / 13), relations=relations)
    assert [w.recomputed_weight for w in drivers.weights] == pytest.approx([9 / 13, 3 / 13, 1 / 13], abs=1e-12)
    assert drivers.saaty.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_a_recomputed_weight_beyond_the_tolerance_is_a_warning_naming_the_driver_and_both_weights(tmp_path):
    drivers = _imported(tmp_path, strategy_priorities=(0.50, 0.35, 0.15))
    assert [c.weight for c in drivers.model.criteria] == [0.50, 0.35, 0.15]  # the imported ones are kept
    assert (
        "driver 'Grow revenue': Project Online's weight 0.5000, recomputed from the pairwise judgements 0.6370 "
        f"(difference +0.1370, beyond ±{WEIGHT_TOLERANCE}); the imported weight is kept"
    ) in drivers.warnings
    assert any(w.startswith("driver 'Cut operating cost': Project Online's weight 0.3500") for w in drivers.warnings)
    frame = drivers.report_frame()
    assert frame.loc[0, "difference"] == pytest.approx(0.13699, abs=1e-5)
    assert "differs by more than 0.02" in frame.loc[0, "note"]


def test_weights_within_the_tolerance_give_no_warning(tmp_path):
    drivers = _imported(tmp_path, strategy_priorities=(0.62, 0.27, 0.11))  # each within 0.02 of the recomputed
    assert not any(w.startswith("driver ") for w in drivers.warnings)


def test_a_manual_prioritization_imports_its_weights_and_reports_saaty_cr_as_na(tmp_path):
    drivers = _imported(tmp_path, "board 2026")  # case does not matter
    assert drivers.prioritization.manual and drivers.saaty is None and drivers.saaty_cr == "n/a"
    assert [c.criterion_id for c in drivers.model.criteria] == [
        "grow_revenue", "cut_operating_cost", "customer_satisfaction", "regulatory_compliance"]  # fmt: skip
    assert [c.weight for c in drivers.model.criteria] == pytest.approx([0.4, 0.3, 0.2, 0.1], abs=1e-12)
    assert [w.priority for w in drivers.weights] == [40, 30, 20, 10]  # the feed's numbers, kept beside
    assert ("BusinessDriverPriority of prioritization 'Board 2026' sums to 100, not 1: each weight is its priority "
            "divided by 100") in drivers.warnings  # fmt: skip
    frame = drivers.report_frame()
    assert frame["recomputed_weight"].isna().all()
    assert "Saaty CR n/a" in frame.iloc[-1]["note"] and "ConsistencyRatio not in the export" in frame.iloc[-1]["note"]


def test_project_consistency_ratio_is_shown_beside_saaty_cr_and_never_copied_into_it(tmp_path):
    drivers = _imported(tmp_path)
    assert drivers.prioritization.consistency_ratio == 0.91
    assert drivers.saaty.consistency_ratio != pytest.approx(0.91)
    frame = drivers.report_frame()
    assert list(frame.columns) == ["driver", "criterion_id", "imported_weight", "recomputed_weight", "difference",
                                   "note"]  # fmt: skip
    assert list(frame["driver"]) == ["Grow revenue", "Cut operating cost", "Customer satisfaction", "consistency"]
    summary = frame.iloc[-1]["note"]
    assert "Project Online ConsistencyRatio 0.910" in summary and "Saaty CR 0.033" in summary
    assert "Project warns below 0.75" in summary


def test_a_project_consistency_ratio_below_075_is_a_warning(tmp_path):
    export = build_export(tmp_path / "export")
    rows = json.loads((export / "Prioritizations.json").read_text())["d"]["results"]
    rows[0]["ConsistencyRatio"] = 0.6
    (export / "Prioritizations.json").write_text(json.dumps({"d": {"results": rows}}))
    drivers = import_drivers(read_export(export), "FY27 strategy")
    assert any("Project Online's own ConsistencyRatio is 0.600, below the 0.75" in w for w in drivers.warnings)


# -- which prioritisation -------------------------------------------------------------------------------------------


def test_several_prioritizations_without_a_choice_is_one_line_listing_them(tmp_path):
    message = _refused(tmp_path, None)
    assert message == (
        "export: 2 prioritizations could weight the criteria: 'FY27 strategy' (used by 'FY27 portfolio'); "
        "'Board 2026' (used by 'Board review'). Choose one with --prioritization NAME"
    )


def test_a_prioritization_is_chosen_by_an_analysis_name_or_as_the_only_one_used(tmp_path):
    assert _imported(tmp_path, "BOARD REVIEW").prioritization.name == "Board 2026"
    export = tmp_path / "export"
    analyses = json.loads((export / "PortfolioAnalyses.json").read_text())["d"]["results"]
    (export / "PortfolioAnalyses.json").write_text(json.dumps({"d": {"results": analyses[:1]}}))
    drivers = import_drivers(read_export(export))
    assert drivers.prioritization.name == "FY27 strategy"
    assert ("prioritization 'FY27 strategy' weights the criteria: the one a portfolio analysis uses (also in the "
            "export, not used: Board 2026)") in drivers.warnings  # fmt: skip
    assert "1 business driver(s) not in prioritization 'FY27 strategy' are not criteria: Regulatory compliance" in (
        drivers.warnings
    )
    assert "no prioritization or portfolio analysis is named 'FY28'" in _refused(tmp_path / "again", "FY28")


# -- refusals -------------------------------------------------------------------------------------------------------


def test_an_unknown_relation_text_is_one_line_naming_the_pair(tmp_path):
    relations = [
        (REVENUE, "Grow revenue", "is way more important than", COST, "Cut operating cost"),
        (REVENUE, "Grow revenue", "is much more important than", CUSTOMERS, "Customer satisfaction"),
        (COST, "Cut operating cost", "is more important than", CUSTOMERS, "Customer satisfaction"),
    ]
    message = _refused(tmp_path, relations=relations)
    assert message.startswith(
        "export: PrioritizationDriverRelations of 'FY27 strategy': the pair 'Grow revenue' vs 'Cut operating cost' "
        "says 'is way more important than', not a judgement pmo-xl reads ('is extremely more important than', "
    )


def test_a_missing_pair_is_one_line_naming_the_pair(tmp_path):
    relations = [
        (REVENUE, "Grow revenue", "is more important than", COST, "Cut operating cost"),
        (REVENUE, "Grow revenue", "is much more important than", CUSTOMERS, "Customer satisfaction"),
    ]
    message = _refused(tmp_path, relations=relations)
    assert "no judgement for the pair 'Cut operating cost' vs 'Customer satisfaction'" in message


def test_a_driver_missing_from_business_drivers_or_a_priority_not_a_number_is_one_line(tmp_path):
    export = build_export(tmp_path / "export")
    rows = json.loads((export / "PrioritizationDrivers.json").read_text())["d"]["results"]
    rows[1]["BusinessDriverPriority"] = "high"
    (export / "PrioritizationDrivers.json").write_text(json.dumps({"d": {"results": rows}}))
    with pytest.raises(ExportError, match=r"driver 'Cut operating cost': BusinessDriverPriority") as caught:
        import_drivers(read_export(export), "FY27 strategy")
    assert "\n" not in str(caught.value)
    rows[1]["BusinessDriverPriority"] = 0.2583
    rows[2]["BusinessDriverId"] = "dead0000-0000-0000-0000-000000000000"
    (export / "PrioritizationDrivers.json").write_text(json.dumps({"d": {"results": rows}}))
    with pytest.raises(ExportError) as caught:
        import_drivers(read_export(export), "FY27 strategy")
    assert str(caught.value) == (
        "export: PrioritizationDrivers of 'FY27 strategy', driver 'Customer satisfaction': not in BusinessDrivers (no "
        "driver with BusinessDriverId 'dead0000-0000-0000-0000-000000000000'); export BusinessDrivers and "
        "PrioritizationDrivers together"
    )


def test_relation_texts_read_whatever_their_case_and_spacing():
    assert relation_value("Is  Much more important than.") == 5.0
    assert relation_value("is as important as") == 1.0
    assert relation_value("is comparable to") is None
    assert all(RELATION_SCALE[text] * RELATION_SCALE[mirror] == pytest.approx(1.0) for text, mirror in (
        ("is extremely more important than", "is extremely less important than"),
        ("is much more important than", "is much less important than"),
        ("is more important than", "is less important than"),
    ))  # fmt: skip


# -- mapping --------------------------------------------------------------------------------------------------------


def test_every_property_of_the_driver_sets_has_a_mapping_line(tmp_path):
    export = build_export(tmp_path / "export")
    rows = json.loads((export / "BusinessDrivers.json").read_text())["d"]["results"]
    rows[0]["DriverColour"] = "blue"  # not a documented property
    (export / "BusinessDrivers.json").write_text(json.dumps({"d": {"results": rows}}))
    read = read_export(export)
    drivers = import_drivers(read, "FY27 strategy")
    lines = {(line.entity_set, line.property): (line.became, line.note) for line in drivers.mapping}
    for name in DRIVER_SETS:
        assert (name, "") in lines
        for prop in read.sets[name].properties:
            assert (name, prop) in lines, (name, prop)
    assert lines[("BusinessDrivers", "DriverColour")] == ("", "unknown property: not in docs/project-online.md")
    assert lines[("BusinessDrivers", "ImpactDescriptionModerate")][0] == (
        "ScoringModel level_descriptor of level 2 (Moderate)"
    )
    assert lines[("PrioritizationDrivers", "BusinessDriverPriority")][0] == "ScoringModel weight"
    assert lines[("Prioritizations", "ConsistencyRatio")][1].endswith("never pmo-xl's CR")
    assert lines[("PrioritizationDrivers", "")][1] == (
        "7 row(s) from PrioritizationDrivers.json; 3 of prioritization 'FY27 strategy', the others not used"
    )
    assert lines[("BusinessDrivers", "BusinessDriverCreatedDate")][1].startswith("not mapped: who changed it")
    assert {prop for _name, prop, _score, _value in IMPACT_LEVELS} <= set(ENTITY_SETS["BusinessDrivers"].properties)


# -- impacts and pmo score ------------------------------------------------------------------------------------------


def _projects(tmp_path: Path):
    return register_rows(read_export(tmp_path / "export"), id_field="Project Code").rows


def test_an_impacts_sheet_and_the_imported_model_score_the_pipeline_with_pmo_score(tmp_path):
    drivers = _imported(tmp_path)
    impacts = tmp_path / "impacts.csv"
    # Headers as a PMO types them (case and spaces differ from the driver names); projects by id, name and GUID.
    impacts.write_text(
        "Project,grow REVENUE,Cut operating cost,customer_satisfaction\n"
        f"DC-01,Extreme,moderate,None\n"
        f"{CRM},0,Strong,4\n",
        encoding="utf-8",
    )
    frame = read_impacts(impacts, drivers, _projects(tmp_path))
    assert list(frame.columns) == ["request_id", *criterion_columns(drivers.model, "pmo")]
    assert frame.to_dict("records") == [
        {"request_id": "DC-01", "pmo_grow_revenue": 4, "pmo_cut_operating_cost": 2, "pmo_customer_satisfaction": 0},
        {"request_id": "CRM-02", "pmo_grow_revenue": 0, "pmo_cut_operating_cost": 3, "pmo_customer_satisfaction": 4},
    ]
    pipeline = frame.assign(title=["Data centre move", "CRM replacement"])
    pipeline.to_csv(tmp_path / "pipeline.csv", index=False)
    model = tmp_path / "model.csv"
    with model.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([list(SCORING_MODEL_COLUMNS), *model_to_rows(drivers.model)])
    output = tmp_path / "scores.xlsx"
    result = CliRunner().invoke(main, ["score", str(tmp_path / "pipeline.csv"), "--model", str(model), "-o",
                                       str(output)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 request(s) scored with Project Online: FY27 strategy v2026-03-02 (pmo scores)" in result.output
    sheet = load_workbook(output)["Scores"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    body = [dict(zip(rows[2], row, strict=True)) for row in rows[3:]]
    # By hand, level values 0 / .25 / .5 / .75 / 1 times the imported weights .6370 / .2583 / .1047, in points:
    # DC-01: 100 * (.6370*1 + .2583*.5 + .1047*0) = 76.615; CRM-02: 100 * (0 + .2583*.75 + .1047*1) = 29.8425.
    assert [(row["request_id"], row["score"]) for row in body] == [
        ("DC-01", pytest.approx(76.615)), ("CRM-02", pytest.approx(29.8425))]  # fmt: skip


def _impacts_refusal(tmp_path: Path, text: str) -> str:
    drivers = _imported(tmp_path)
    impacts = tmp_path / "impacts.csv"
    impacts.write_text(text, encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        read_impacts(impacts, drivers, _projects(tmp_path))
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_an_unknown_driver_column_is_one_line_naming_the_file_and_column(tmp_path):
    message = _impacts_refusal(
        tmp_path, "project,Grow revenue,Cut operating cost,Customer satisfaction,Brand\nDC-01,Low,Low,Low,Low\n"
    )
    assert message.startswith("impacts.csv: column 'Brand' is not a driver of the model (drivers: 'Grow revenue', ")


def test_an_unknown_project_and_a_bad_value_are_one_line_naming_the_row_and_column(tmp_path):
    header = "project,Grow revenue,Cut operating cost,Customer satisfaction\n"
    message = _impacts_refusal(tmp_path, header + "DC-01,Low,Low,Low\nWarehouse robots,Low,Low,Low\n")
    assert (
        message == "impacts.csv row 3, column 'project': the project 'Warehouse robots' is no project of the register"
    )
    message = _impacts_refusal(tmp_path, header + "Data centre move,Low,Huge,Low\nCRM-02,5,Low,Low\n")
    assert message == (
        "impacts.csv row 2, column 'Cut operating cost': 'Huge' is not an impact: expected None, Low, Moderate, Strong "
        "or Extreme (or 0-4) (and 1 more)"
    )


def _as_csv(export: Path, name: str) -> None:
    """The set saved as Excel saves a CSV of the feed: ISO dates, TRUE/FALSE, numbers as text; the JSON removed."""
    rows = json.loads((export / f"{name}.json").read_text())["d"]["results"]
    headers = list(dict.fromkeys(key for row in rows for key in row if key != "__metadata"))

    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, str) and value.startswith("/Date("):
            return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(value[6:-2]))).isoformat()
        return "" if value is None else str(value)

    with (export / f"{name}.csv").open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows([headers, *[[cell(row.get(header)) for header in headers] for row in rows]])
    (export / f"{name}.json").unlink()


def test_the_csv_form_of_the_export_gives_the_same_model_weights_and_cross_check(tmp_path):
    from_json = _imported(tmp_path / "json")
    export = build_export(tmp_path / "csv" / "export")
    for name in DRIVER_SETS:
        _as_csv(export, name)
    from_csv = import_drivers(read_export(export), "FY27 strategy")
    assert {path.suffix for path in export.iterdir() if path.stem in DRIVER_SETS} == {".csv"}
    assert from_csv.model == from_json.model
    assert [w.recomputed_weight for w in from_csv.weights] == [w.recomputed_weight for w in from_json.weights]
    assert from_csv.prioritization.consistency_ratio == 0.91
    manual = import_drivers(read_export(export), "Board 2026")
    assert manual.prioritization.manual and manual.saaty_cr == "n/a"  # "TRUE" read as true


def test_an_impacts_workbook_is_read_from_its_impacts_sheet_and_its_errors_name_the_sheet(tmp_path):
    import xlsxwriter

    drivers = _imported(tmp_path)
    path = tmp_path / "impacts.xlsx"

    def write(revenue_of_data_centre: object) -> None:
        book = xlsxwriter.Workbook(str(path))
        book.add_worksheet("Notes").write_row(0, 0, ["Rated by the PMO board, 2026-03-10"])
        sheet = book.add_worksheet("Impacts")
        sheet.write_row(0, 0, ["Project", "Grow revenue", "Cut operating cost", "Customer satisfaction"])
        sheet.write_row(1, 0, ["CRM replacement", 3, 1])  # a blank stays blank: the model's missing_rule decides
        sheet.write_row(2, 0, ["dc-01", revenue_of_data_centre, 1, 1])
        book.close()

    write("Strong")
    frame = read_impacts(path, drivers, _projects(tmp_path))
    assert list(frame["request_id"]) == ["CRM-02", "DC-01"]
    assert list(frame["pmo_grow_revenue"]) == [3, 3] and frame.loc[0, "pmo_customer_satisfaction"] is pd.NA
    write(2.5)
    with pytest.raises(ExportError) as caught:
        read_impacts(path, drivers, _projects(tmp_path))
    assert str(caught.value) == (
        "impacts.xlsx, sheet Impacts row 3, column 'Grow revenue': '2.5' is not an impact: expected None, Low, "
        "Moderate, Strong or Extreme (or 0-4)"
    )
