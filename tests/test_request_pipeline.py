"""Collected request forms become the scoring and selection pipeline; a bad form is reported, never fatal."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.requests import read_request_forms
from pmo_xl.generate.generator import TemplateSource, WorkbookFill, fill_for_project, template_path
from pmo_xl.register import ProjectRecord
from pmo_xl.templates.catalog import PROJECT_REQUEST


@pytest.fixture(scope="module")
def request_source():
    return TemplateSource(PROJECT_REQUEST, template_path("project_request"))


def write_form(source, folder: Path, request_id: str, title: str, score: int, capex: float, **overrides) -> Path:
    record = ProjectRecord(0, request_id, title, "", "", None, None)
    base = fill_for_project(PROJECT_REQUEST, record, "2026-11", f"token-{request_id}")
    fields = dict(
        base.fields,
        requester="Ann Lee",
        requester_email="ann@example.org",
        sponsor="CFO",
        department="Finance",
        submitted_on=dt.date(2026, 11, 2),
        problem_statement="Manual invoicing",
        objectives="Halve cycle time",
        strategic_alignment="Digital finance",
        do_nothing="Backlog grows",
        category="Discretionary",
        desired_start=dt.date(2027, 2, 1),
        duration_months=6,
        estimate_confidence=0.8,
        currency="EUR",  # the requester states the currency and unit: the form assumes none
        money_unit="k",
    )
    fields.update(overrides)
    tables = {
        "Financials": [dict(row, capex=capex, opex=10, benefit=capex * 0.8) for row in base.tables["Financials"]],
        "RequesterScores": [{"score": score, "justification": "because"}] * 5,
        "ResourceEstimate": [{"role": "Developer", "2027-02": 2.0, "2027-03": 2.0}],
    }
    path = folder / f"{request_id} {fields['submitted_on']}.xlsx"
    path.write_bytes(source.render(WorkbookFill(base.metadata, fields, tables)))
    return path


@pytest.fixture
def forms(tmp_path, request_source):
    folder = tmp_path / "requests"
    folder.mkdir()
    write_form(request_source, folder, "REQ-001", "Invoicing portal", 4, 100)
    write_form(request_source, folder, "REQ-002", "Data catalogue", 2, 50)
    write_form(request_source, folder, "REQ-003", "HR chatbot", 3, 80, duration_months="six")
    write_form(request_source, folder, "REQ-002", "Data catalogue v2", 5, 60, submitted_on=dt.date(2026, 11, 9))
    return folder


def test_forms_become_pipeline_rows_with_requester_scores_costs_and_resources(forms):
    pipeline = read_request_forms(forms, today=dt.date(2026, 11, 25))
    requests = pipeline.requests.set_index("request_id")
    assert list(requests.index) == ["REQ-001", "REQ-002"]
    assert requests.loc["REQ-002", "title"] == "Data catalogue v2"  # the resent form, by its submitted-on date
    assert requests.loc["REQ-001", "requester_strategic_fit"] == 4
    assert requests.loc["REQ-001", "cost_FY2026"] == 110 and requests.loc["REQ-001", "benefit"] == 400
    assert requests.loc["REQ-001", "start_month"] == "2027-02" and not requests.loc["REQ-001", "mandatory"]
    assert set(pipeline.resources["month"]) == {"2027-02", "2027-03"}
    rejected = [verdict for verdict in pipeline.verdicts if verdict.status == "rejected"]
    assert len(rejected) == 1 and "REQ-003" in rejected[0].path
    assert any("duration_months" in finding.describe() for finding in rejected[0].errors)


def test_pmo_score_ranks_a_folder_of_forms_on_the_requesters_scores(forms, tmp_path):
    out = tmp_path / "scores.xlsx"
    result = CliRunner().invoke(main, ["score", str(forms), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "rejected" in result.output and "REQ-003" in result.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header_index = next(index for index, row in enumerate(rows) if "request_id" in row)
    header = rows[header_index]
    ranked = {
        row[header.index("request_id")]: row[header.index("rank")]
        for row in rows[header_index + 1 :]
        if row[header.index("request_id")]
    }
    assert ranked == {"REQ-002": 1, "REQ-001": 2}


def test_pmo_optimize_uses_the_forms_resource_estimates(forms, tmp_path):
    out = tmp_path / "portfolio.xlsx"
    result = CliRunner().invoke(
        main, ["optimize", str(forms), "--value", "benefit", "--total-budget", "600", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 request(s)" in result.output and out.exists()


def test_pmo_optimize_a_folder_of_forms_by_default_ranks_on_the_requesters_scores(forms, tmp_path):
    out = tmp_path / "by-score.xlsx"
    result = CliRunner().invoke(main, ["optimize", str(forms), "--total-budget", "600", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [[cell.value for cell in row] for row in openpyxl.load_workbook(out)["Selection"].iter_rows()]
    header = rows[2]
    records = {row[0]: dict(zip(header, row, strict=True)) for row in rows[3:]}
    assert set(records) == {"REQ-001", "REQ-002"}
    # REQ-002's latest form scores 5 on every criterion (delivery risk is a cost, so 5 there counts against it).
    assert records["REQ-002"]["score"] > records["REQ-001"]["score"] > 0
    assert {record["model_version"] for record in records.values()} == {"PMO default v2026.1"}
