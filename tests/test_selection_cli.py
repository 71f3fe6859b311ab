"""`pmo optimize` end to end: pipeline, resource estimates and capacity files in, a portfolio workbook out."""

import json
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pmo_xl.cli import main

MONTHS = [f"2027-{m:02d}" for m in range(1, 7)]


@pytest.fixture
def pipeline(tmp_path):
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-1", "REQ-2", "REQ-3", "REQ-4"],
            "title": ["Payroll fix", "ERP upgrade", "=cmd|' /C calc'!A0", "Intranet"],
            "npv": [120_000, 300_000, 250_000, 40_000],
            "cost_FY2027": [50_000, 200_000, 150_000, 20_000],
            "start_month": ["2027-01"] * 4,
            "duration_months": [3, 6, 6, 2],
            "mandatory": ["yes", "", "", ""],
        }
    )
    requests.to_csv(tmp_path / "pipeline.csv", index=False)
    estimates = pd.DataFrame(
        [
            (rid, "Developer", month, fte)
            for rid, fte in (("REQ-1", 1.0), ("REQ-2", 2.0), ("REQ-3", 2.0), ("REQ-4", 0.5))
            for month in MONTHS
        ],
        columns=["request_id", "role", "month", "fte"],
    )
    estimates.to_csv(tmp_path / "estimates.csv", index=False)
    capacity = pd.DataFrame({"role": "Developer", "month": MONTHS, "capacity_fte": 4.0})
    with pd.ExcelWriter(tmp_path / "capacity.xlsx") as writer:
        capacity.to_excel(writer, index=False)
    return tmp_path


def run(*arguments):
    return CliRunner().invoke(main, ["optimize", *map(str, arguments)])


def sheet(path, name):
    rows = [[cell.value for cell in row] for row in load_workbook(path)[name].iter_rows()]
    return rows


def test_optimize_writes_the_portfolio_workbook_with_proven_status(pipeline):
    result = run(
        pipeline / "pipeline.csv",
        "--value",
        "npv",
        "--budget",
        "FY2027=300k",
        "--resources",
        pipeline / "estimates.csv",
        "--capacity",
        pipeline / "capacity.xlsx",
        "--frontier",
        "5",
    )
    assert result.exit_code == 0, result.output
    assert "optimal: 3 of 4 request(s) selected, total npv 460,000.00" in result.output
    output = pipeline / "pipeline-portfolio.xlsx"
    summary = {row[0]: row[1] for row in sheet(output, "Summary") if row[0]}
    assert summary["Result"] == "optimal"
    assert summary["Proven gap"] == 0
    selection = sheet(output, "Selection")
    header = selection[2]
    records = {row[0]: dict(zip(header, row, strict=True)) for row in selection[3:]}
    assert records["REQ-1"]["decision"] == "mandatory"
    assert [rid for rid, record in records.items() if not record["selected"]] == ["REQ-3"]
    assert records["REQ-3"]["title"] == "=cmd|' /C calc'!A0"  # stays text, never a formula
    assert records["REQ-3"]["what_would_get_it_in"].startswith("needs Budget FY2027 +120,000; Developer short 1.50 FTE")
    assert records["REQ-3"]["value_per_cost"] == pytest.approx(250_000 / 150_000)
    constraints = sheet(output, "Constraints")
    assert any(row[0] == "Budget FY2027" and row[-1] is True for row in constraints[1:])
    assert set(load_workbook(output)["Selection"].tables) == {"SelectionTable"}  # the ribbon reads it by name
    frontier = sheet(output, "Frontier")
    assert frontier[0][:3] == ["budget_factor", "budget", "value"]
    assert len(frontier) == 6
    with zipfile.ZipFile(output) as package:
        assert any(name.startswith("xl/charts/chart") for name in package.namelist())
        sheet_xml = "".join(package.read(n).decode() for n in package.namelist() if n.startswith("xl/worksheets/"))
        assert "<f>" not in sheet_xml
        assert 'fullCalcOnLoad="1"' in package.read("xl/workbook.xml").decode()


def test_scenarios_are_saved_and_compared_side_by_side(pipeline):
    base = [
        pipeline / "pipeline.csv",
        "--value",
        "npv",
        "--resources",
        pipeline / "estimates.csv",
        "--capacity",
        pipeline / "capacity.xlsx",
    ]
    assert run(*base, "--budget", "FY2027=300k", "--save-scenario", "base").exit_code == 0
    assert (
        run(
            *base, "--budget", "FY2027=500k", "--save-scenario", "generous", "--force-out", "REQ-4=No sponsor"
        ).exit_code
        == 0
    )
    saved = json.loads((pipeline / "pipeline-scenarios.json").read_text())
    assert [s["name"] for s in saved] == ["base", "generous"]
    result = run(*base, "--budget", "FY2027=300k", "--compare", "-o", pipeline / "compare.xlsx")
    assert result.exit_code == 0, result.output
    rows = sheet(pipeline / "compare.xlsx", "Scenarios")
    header = rows[0]
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert table["REQ-4"]["base"] == "in (2027-01)" and table["REQ-4"]["generous"] == "out"
    assert table["status"]["generous"] == "optimal"


def test_score_value_is_computed_from_the_model_and_double_counting_is_warned(pipeline, tmp_path):
    frame = pd.read_csv(pipeline / "pipeline.csv")
    for column, level in (
        ("strategic_fit", 5),
        ("business_value", 4),
        ("urgency", 3),
        ("risk_reduction", 2),
        ("delivery_risk", 1),
    ):
        frame[f"pmo_{column}"] = level
    frame.to_csv(tmp_path / "scored.csv", index=False)
    model = pd.DataFrame(
        [["M", "1", "error", "cost_band", "Cost band", 1, "cost", 0, 10, "EUR", None, None, None, ""]],
        columns=[
            "model_name",
            "model_version",
            "missing_rule",
            "criterion_id",
            "criterion_name",
            "weight",
            "direction",
            "minimum",
            "maximum",
            "unit",
            "level_score",
            "level_value",
            "level_descriptor",
            "help_text",
        ],
    )
    model.to_csv(tmp_path / "model.csv", index=False)
    frame["pmo_cost_band"] = 2
    frame.to_csv(tmp_path / "scored.csv", index=False)
    result = run(tmp_path / "scored.csv", "--budget", "FY2027=300k", "--model", tmp_path / "model.csv")
    assert result.exit_code == 0, result.output
    assert "cost is counted twice" in result.output
    default = run(tmp_path / "scored.csv", "--budget", "FY2027=300k", "-o", tmp_path / "d.xlsx")
    assert default.exit_code == 0 and "counted twice" not in default.output


def test_bad_budget_and_commitments_over_budget_are_clear_errors(pipeline):
    bad = run(pipeline / "pipeline.csv", "--value", "npv", "--budget", "2027:1m")
    assert bad.exit_code == 2 and "write it as FY2027=1500000" in bad.output
    over = run(pipeline / "pipeline.csv", "--value", "npv", "--budget", "FY2027=10k")
    assert over.exit_code == 2
    assert "mandatory and in-flight requests alone exceed the limits" in over.output
    assert not (pipeline / "pipeline-portfolio.xlsx").exists()


def test_compare_computes_scores_for_saved_score_scenarios(pipeline):
    frame = pd.read_csv(pipeline / "pipeline.csv")
    for column in ("strategic_fit", "business_value", "urgency", "risk_reduction", "delivery_risk"):
        frame[f"pmo_{column}"] = [5, 4, 3, 1]
    frame.to_csv(pipeline / "scored.csv", index=False)
    assert run(pipeline / "scored.csv", "--budget", "FY2027=300k", "--save-scenario", "by score").exit_code == 0
    assert (
        run(pipeline / "scored.csv", "--value", "npv", "--budget", "FY2027=300k", "--save-scenario", "by npv").exit_code
        == 0
    )
    result = run(pipeline / "scored.csv", "--value", "npv", "--budget", "FY2027=300k", "--compare")
    assert result.exit_code == 0, result.output
    rows = sheet(pipeline / "scored-portfolio.xlsx", "Scenarios")
    assert rows[0] == ["request_id", "title", "by score", "by npv"]


@pytest.mark.libreoffice
def test_portfolio_workbook_opens_in_a_real_spreadsheet_app_with_text_kept_as_text(pipeline):
    from tests.libreoffice import recalculated_copy

    result = run(pipeline / "pipeline.csv", "--value", "npv", "--budget", "FY2027=300k")
    assert result.exit_code == 0, result.output
    resaved = recalculated_copy(pipeline / "pipeline-portfolio.xlsx", pipeline / "libreoffice")
    selection = sheet(resaved, "Selection")
    titles = {row[0]: row[1] for row in selection[3:]}
    assert titles["REQ-3"] == "=cmd|' /C calc'!A0"
    summary = {row[0]: row[1] for row in sheet(resaved, "Summary") if row[0]}
    assert summary["Result"] == "optimal"
