"""`pmo capacity` end to end: real input workbooks built in tmp_path, the plan workbook read back as a user sees it."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.portfolio.capacity import CAPACITY_COLUMNS, CapacityError, read_capacity, read_portfolio
from tests.libreoffice import convert

STATUS_HEADERS = ["project_id", "project_name", "programme", "lifecycle_status", "stage", "period"]
STATUS_ROWS = [
    ["P1", "Billing", "Finance", "active", "Deliver", "2026-01"],
    ["P2", '=HYPERLINK("http://x")', "Finance", "on hold", "Deliver", "2026-01"],
]
RESOURCE_HEADERS = ["project_id", "period", "role", "person", "month", "fte"]
RESOURCE_ROWS = [
    ["P1", "2026-01", "Developer", "", "2026-01", 1.5],
    ["P1", "2026-01", "Developer", "", "2026-02", 2.5],
    ["P1", "2026-01", "Architect", "Ada", "2026-02", 1.0],
    ["P2", "2026-01", "Developer", "", "2026-01", 3.0],
]
CAPACITY_ROWS = [
    ["Developer", "", "2026-01", "", 4, "", 0.5],
    ["Architect", "Ada", "2026-01", "", "", 128, 0.8],  # 128 h / 160 h = 0.8 FTE, x 0.8 = 0.64 net
]


def write_workbook(path: Path, sheets: dict[str, tuple[list[str], list[list], tuple[int, int] | None]]) -> Path:
    """Each sheet holds its rows as an Excel table named like the sheet, at `origin` (row, column) or as a plain
    header row at A1 when origin is None."""
    workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False})
    for name, (headers, rows, origin) in sheets.items():
        sheet = workbook.add_worksheet(name)
        top, left = origin or (0, 0)
        sheet.write_row(top, left, headers)
        for offset, row in enumerate(rows, start=1):
            sheet.write_row(top + offset, left, row)
        if origin is not None:
            sheet.add_table(
                top,
                left,
                top + max(len(rows), 1),
                left + len(headers) - 1,
                {"name": name.replace(" ", ""), "columns": [{"header": header} for header in headers]},
            )
    workbook.close()
    return path


@pytest.fixture
def inputs(tmp_path) -> dict[str, Path]:
    portfolio = write_workbook(
        tmp_path / "portfolio.xlsx",
        {"Status": (STATUS_HEADERS, STATUS_ROWS, None), "Resources": (RESOURCE_HEADERS, RESOURCE_ROWS, (0, 0))},
    )
    pmo = tmp_path / "pmo_workbook.xlsx"
    workbook = xlsxwriter.Workbook(pmo)
    sheet = workbook.add_worksheet("Setup")
    sheet.write_string(0, 0, "Capacity by role")
    sheet.write_row(2, 1, list(CAPACITY_COLUMNS))
    for offset, row in enumerate(CAPACITY_ROWS, start=3):
        sheet.write_row(offset, 1, row)
    sheet.add_table(
        2,
        1,
        2 + len(CAPACITY_ROWS),
        len(CAPACITY_COLUMNS),
        {"name": "Capacity", "columns": [{"header": header} for header in CAPACITY_COLUMNS]},
    )
    workbook.close()
    requests = write_workbook(
        tmp_path / "requests.xlsx",
        {
            "Requests": (
                ["request_id", "title", "stage", "probability", "converted_project_id"],
                [["R1", "New portal", "approved", "", ""], ["R2", "Billing v2", "approved", "", "P1"]],
                (1, 0),
            ),
            "RequestResources": (
                ["request_id", "role", "person", "month", "fte"],
                [["R1", "Developer", "", "2026-02", 1.0], ["R2", "Developer", "", "2026-02", 5.0]],
                (1, 0),
            ),
        },
    )
    return {"portfolio": portfolio, "capacity": pmo, "requests": requests}


def run(*arguments: str):
    return CliRunner().invoke(main, ["capacity", *arguments], catch_exceptions=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pmo_capacity_writes_the_plan_workbook(inputs, tmp_path):
    before = {name: digest(path) for name, path in inputs.items()}
    output = tmp_path / "plan.xlsx"
    result = run(
        "--portfolio",
        str(inputs["portfolio"]),
        "--capacity",
        str(inputs["capacity"]),
        "--requests",
        str(inputs["requests"]),
        "--horizon",
        "3",
        "-o",
        str(output),
    )
    assert result.exit_code == 0, result.output
    assert "2 roles x 3 months from 2026-01" in result.output
    assert "Largest shortfall: Developer in 2026-02, 1.40 FTE short." in result.output
    assert {name: digest(path) for name, path in inputs.items()} == before  # inputs untouched

    workbook = openpyxl.load_workbook(output)
    assert workbook.sheetnames == [
        "Heatmap",
        "Demand vs capacity",
        "Over-allocation",
        "Dropped demand",
        "By role",
        "Settings",
    ]
    heatmap = workbook["Heatmap"]
    assert [heatmap.cell(6, column).value for column in range(1, 5)] == ["Role", "2026-01", "2026-02", "2026-03"]
    assert heatmap["A7"].value == "Developer"
    # Developer: 1.5 / 2.0 in January; (2.5 + 0.9 x 1.0) / 2.0 in February. Ada: 1.0 / 0.64.
    assert heatmap["B7"].value == pytest.approx(0.75)
    assert heatmap["C7"].value == pytest.approx(1.7)
    assert heatmap["C8"].value == pytest.approx(1.0 / 0.64)
    rules = [rule for ranges in heatmap.conditional_formatting for rule in ranges.rules]
    assert any("RedAbove" in formula for rule in rules for formula in rule.formula)
    assert str(next(iter(heatmap.conditional_formatting)).sqref) == "B7:D8"
    assert workbook.defined_names["AmberFrom"].attr_text == "Heatmap!$B$3"

    over = workbook["Over-allocation"]
    assert [cell.value for cell in over[2]][:7] == ["role", "Developer", None, "2026-02", 3.4, 2.0, pytest.approx(1.4)]
    assert over["I2"].value == "P1 2.50, R1 0.90"
    assert "OverAllocation" in over.tables

    dropped = workbook["Dropped demand"]
    rows = [[cell.value for cell in row] for row in dropped.iter_rows(min_row=2)]
    assert ["request", "R2", "Billing v2", "became project P1: its demand counts as committed", 5.0] in rows
    hostile = next(row for row in dropped.iter_rows(min_row=2) if row[1].value == "P2")
    assert hostile[2].value == '=HYPERLINK("http://x")' and hostile[2].data_type == "s"  # text, not a formula

    with zipfile.ZipFile(output) as package:
        chart = package.read("xl/charts/chart1.xml").decode()
        assert "'Demand vs capacity'!$B$2:$B$4" in chart and "'Demand vs capacity'!$E$2:$E$4" in chart
        assert 'fullCalcOnLoad="1"' in package.read("xl/workbook.xml").decode()
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []  # no temporary left


def test_what_if_sheet_shows_before_and_after(inputs, tmp_path):
    output = tmp_path / "what-if.xlsx"
    result = run(
        "--portfolio",
        str(inputs["portfolio"]),
        "--capacity",
        str(inputs["capacity"]),
        "--requests",
        str(inputs["requests"]),
        "--horizon",
        "3",
        "-o",
        str(output),
        "--shift",
        "P1:+1",
        "--hire",
        "Developer:2@2026-02",
        "--drop-request",
        "R1",
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(output)["What-if"]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert {"Shift P1 by +1 month(s)", "Hire 2 FTE Developer from 2026-02", "Drop request R1"} <= set(cells)
    before, after = cells["Before"], cells["After"]
    assert before.row == after.row and after.column > before.column + 3  # side by side
    header_row = before.row + 1
    developer_row = header_row + 1
    assert sheet.cell(developer_row, 1).value == "Developer"
    # February before: 3.4 / 2.0; after: P1's 1.5 moved in, R1 dropped, capacity 2.0 + 2 x 0.5 = 3.0.
    assert sheet.cell(developer_row, 3).value == pytest.approx(1.7)
    assert sheet.cell(developer_row, after.column + 2).value == pytest.approx(0.5)


def test_an_existing_output_needs_force(inputs, tmp_path):
    output = tmp_path / "plan.xlsx"
    output.write_bytes(b"keep me")
    arguments = ["--portfolio", str(inputs["portfolio"]), "--capacity", str(inputs["capacity"]), "-o", str(output)]
    refused = CliRunner().invoke(main, ["capacity", *arguments])
    assert refused.exit_code == 2
    assert "already exists; use --force" in refused.output
    assert output.read_bytes() == b"keep me"
    assert run(*arguments, "--force").exit_code == 0
    assert zipfile.is_zipfile(output)


def test_bad_capacity_cell_is_named(tmp_path, inputs):
    pmo = tmp_path / "bad.xlsx"
    workbook = xlsxwriter.Workbook(pmo)
    sheet = workbook.add_worksheet("Setup")
    sheet.write_row(2, 1, list(CAPACITY_COLUMNS))
    sheet.write_row(3, 1, ["Developer", "", "2026-01", "", "four", "", 0.5])
    sheet.add_table(
        2, 1, 3, len(CAPACITY_COLUMNS), {"name": "Capacity", "columns": [{"header": h} for h in CAPACITY_COLUMNS]}
    )
    workbook.close()
    result = CliRunner().invoke(
        main,
        ["capacity", "--portfolio", str(inputs["portfolio"]), "--capacity", str(pmo), "-o", str(tmp_path / "out.xlsx")],
    )
    assert result.exit_code == 2
    assert "bad.xlsx, sheet Setup, cell F4: 'four' is not a number >= 0" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.xlsx").exists()


def test_capacity_from_csv_and_missing_table_messages(tmp_path, inputs):
    table = tmp_path / "capacity.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Role", "Month", "Hours", "Productive ratio"])  # aliases and loose spelling
        writer.writerow(["Developer", "2026-01", "320", "0.5"])
    frame = read_capacity(table)
    result = run(
        "--portfolio",
        str(inputs["portfolio"]),
        "--capacity",
        str(table),
        "--horizon",
        "2",
        "-o",
        str(tmp_path / "csv.xlsx"),
    )
    assert result.exit_code == 0, result.output
    heatmap = openpyxl.load_workbook(tmp_path / "csv.xlsx")["Heatmap"]
    # 320 h = 2 FTE x 0.5 = 1.0 net, January only (a `month` column means one month per row).
    assert heatmap["B7"].value == pytest.approx(1.5)
    assert heatmap["C7"].value == "no capacity"
    assert list(frame.columns) == ["Role", "Month", "Hours", "Productive ratio"]

    with pytest.raises(
        CapacityError, match=r"portfolio.xlsx: no table or sheet named Capacity or CapacityPlan \(tables: Resources"
    ):
        read_capacity(inputs["portfolio"])
    resources, status = read_portfolio(inputs["portfolio"])
    assert len(resources) == 4 and list(status["project_id"]) == ["P1", "P2"]


@pytest.mark.libreoffice
def test_libreoffice_opens_the_plan_and_shows_the_heatmap(inputs, tmp_path):
    output = tmp_path / "plan.xlsx"
    assert (
        run(
            "--portfolio",
            str(inputs["portfolio"]),
            "--capacity",
            str(inputs["capacity"]),
            "--horizon",
            "3",
            "-o",
            str(output),
        ).exit_code
        == 0
    )
    heatmap_csv = convert(output, "csv", tmp_path / "lo").read_text()
    assert "Developer,75%,125%,0%" in heatmap_csv


def test_pmo_capacity_reads_committed_demand_straight_from_the_ledger(tmp_path):
    from pmo_xl.demo.run import run_demo

    demo = tmp_path / "demo"
    run_demo(demo, projects=6, periods=2)
    out = tmp_path / "from_ledger.xlsx"
    from_ledger = CliRunner().invoke(
        main, ["capacity", "--ledger", str(demo / "pmo_ledger.db"), "--capacity", str(demo / "capacity.xlsx"),
               "-o", str(out)],
    )  # fmt: skip
    assert from_ledger.exit_code == 0, from_ledger.output
    out_portfolio = tmp_path / "from_portfolio.xlsx"
    from_portfolio = CliRunner().invoke(
        main, ["capacity", "--portfolio", str(demo / "portfolio.xlsx"), "--capacity", str(demo / "capacity.xlsx"),
               "-o", str(out_portfolio)],
    )  # fmt: skip
    assert from_portfolio.exit_code == 0, from_portfolio.output
    heatmap = [[cell.value for cell in row] for row in openpyxl.load_workbook(out).worksheets[0].iter_rows()]
    same = [[cell.value for cell in row] for row in openpyxl.load_workbook(out_portfolio).worksheets[0].iter_rows()]
    assert heatmap == same  # the ledger and the portfolio it produced give the same plan
    # ... and the portfolio's Resources is the plan (a column per month), read back as the long rows it came from
    plan = openpyxl.load_workbook(demo / "portfolio.xlsx", read_only=True)["Resources"]
    assert "month" not in next(plan.iter_rows(max_row=1, values_only=True))
    both = CliRunner().invoke(main, ["capacity", "--capacity", str(demo / "capacity.xlsx")])
    assert both.exit_code == 2 and "either --portfolio or --ledger" in both.output
