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


def selection_records(path):
    rows = sheet(path, "Selection")
    header = rows[2]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[3:]}


def excel_tables(path, tables):
    """A workbook with one sheet per table, each an Excel table (ListObject) named like the sheet."""
    from openpyxl import Workbook
    from openpyxl.worksheet.table import Table

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in tables.items():
        worksheet = workbook.create_sheet(name)
        worksheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            worksheet.append(list(row))
        last = chr(ord("A") + len(frame.columns) - 1)
        worksheet.add_table(Table(displayName=name, ref=f"A1:{last}{len(frame) + 1}"))
    workbook.save(path)
    return path


@pytest.mark.parametrize("shape", ["csv", "workbook"])
def test_the_pmo_workbooks_capacity_table_is_netted_and_less_capacity_selects_less(pipeline, shape):
    def capacity_file(name, gross_fte):
        capacity = pd.DataFrame(
            {
                "role": ["Developer", "Developer"],
                "person": ["", ""],
                "from_month": ["2026-01", "2027-04"],
                "to_month": ["2027-03", ""],
                "fte": [gross_fte, gross_fte],
                "productive_ratio": [0.5, 0.5],
            }
        )
        if shape == "csv":
            capacity.to_csv(pipeline / f"{name}.csv", index=False)
            return pipeline / f"{name}.csv"
        return excel_tables(pipeline / f"{name}.xlsx", {"Capacity": capacity})

    chosen = {}
    for name, gross_fte in (("roomy", 10.0), ("tight", 6.0)):
        output = pipeline / f"{name}-portfolio.xlsx"
        result = run(
            pipeline / "pipeline.csv",
            "--value",
            "npv",
            "--resources",
            pipeline / "estimates.csv",
            "--capacity",
            capacity_file(name, gross_fte),
            "-o",
            output,
        )
        assert result.exit_code == 0, result.output
        assert "outside the capacity plan" not in result.output
        chosen[name] = sorted(rid for rid, record in selection_records(output).items() if record["selected"])
        constraints = {row[0]: row for row in sheet(output, "Constraints")[1:]}
        assert constraints["Developer 2027-06"][2] == pytest.approx(gross_fte * 0.5)  # net of the productive ratio
    # 10 FTE x 0.5 = 5 net: REQ-1 (1) + REQ-2 (2) + REQ-3 (2); 6 x 0.5 = 3 net: room for REQ-2 beside REQ-1 only.
    assert chosen == {"roomy": ["REQ-1", "REQ-2", "REQ-3"], "tight": ["REQ-1", "REQ-2"]}


def test_resource_estimates_are_read_from_a_request_resources_table_as_the_demo_writes_it(pipeline):
    estimates = pd.read_csv(pipeline / "estimates.csv")
    requests = pd.read_csv(pipeline / "pipeline.csv").fillna("")
    workbook = excel_tables(pipeline / "requests.xlsx", {"Requests": requests, "RequestResources": estimates})
    for table_name in ("RequestResources", "ResourceEstimates"):
        if table_name == "ResourceEstimates":
            workbook = excel_tables(pipeline / "requests2.xlsx", {"Requests": requests, table_name: estimates})
        result = run(
            workbook,
            "--value",
            "npv",
            "--resources",
            workbook,
            "--capacity",
            pipeline / "capacity.xlsx",
            "-o",
            pipeline / f"{table_name}.xlsx",
        )
        assert result.exit_code == 0, result.output
        records = selection_records(pipeline / f"{table_name}.xlsx")
        assert sorted(rid for rid, record in records.items() if record["selected"]) == ["REQ-1", "REQ-2", "REQ-4"]
        constraints = {row[0]: row for row in sheet(pipeline / f"{table_name}.xlsx", "Constraints")[1:]}
        assert constraints["Developer 2027-01"][3] == pytest.approx(3.5)  # the estimates were read: demand used


def test_time_limit_and_gap_options_reach_the_solver(pipeline, monkeypatch):
    import scipy.optimize  # the selector imports milp from here when it solves

    options_seen = []
    solve = scipy.optimize.milp

    def recording(*arguments, **keywords):
        options_seen.append(keywords["options"])
        return solve(*arguments, **keywords)

    monkeypatch.setattr(scipy.optimize, "milp", recording)
    result = run(pipeline / "pipeline.csv", "--value", "npv", "--time-limit", "3.5", "--gap", "2.5")
    assert result.exit_code == 0, result.output
    assert options_seen and options_seen[0]["time_limit"] == 3.5
    assert options_seen[0]["mip_rel_gap"] == pytest.approx(0.025)
    summary = {row[0]: row[1] for row in sheet(pipeline / "pipeline-portfolio.xlsx", "Summary") if row[0]}
    assert summary["Time limit (s)"] == 3.5 and summary["Gap tolerance"] == pytest.approx(0.025)


def test_selection_by_score_records_the_model_version_of_each_score(pipeline):
    frame = pd.read_csv(pipeline / "pipeline.csv")
    for column in ("strategic_fit", "business_value", "urgency", "risk_reduction", "delivery_risk"):
        frame[f"pmo_{column}"] = [5, 4, 3, 1]
    frame.to_csv(pipeline / "scored.csv", index=False)
    result = run(pipeline / "scored.csv", "--budget", "FY2027=300k")
    assert result.exit_code == 0, result.output
    records = selection_records(pipeline / "scored-portfolio.xlsx")
    assert {record["model_version"] for record in records.values()} == {"PMO default v2026.1"}
    by_npv = run(pipeline / "scored.csv", "--value", "npv", "--budget", "FY2027=300k", "-o", pipeline / "n.xlsx")
    assert by_npv.exit_code == 0
    assert "model_version" not in next(iter(selection_records(pipeline / "n.xlsx").values()))
