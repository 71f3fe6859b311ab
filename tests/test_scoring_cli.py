"""`pmo score` end to end: real request and model files in, a formatted workbook out."""

import csv

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pmo_xl.cli import main
from pmo_xl.portfolio.criteria import DEFAULT_MODEL
from pmo_xl.portfolio.scoring import SCORING_MODEL_COLUMNS, model_to_rows


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def pipeline(path, pmo_levels, title="CRM upgrade"):
    ids = [c.criterion_id for c in DEFAULT_MODEL.criteria]
    header = ["request_id", "title", *(f"requester_{i}" for i in ids), *(f"pmo_{i}" for i in ids)]
    rows = [header]
    for number, levels in enumerate(pmo_levels, start=1):
        rows.append([f"REQ-{number}", title if number == 1 else f"Request {number}", *[5] * len(ids), *levels])
    return write_csv(path, rows)


def sheet_rows(path, sheet):
    workbook = load_workbook(path)
    return [[cell.value for cell in row] for row in workbook[sheet].iter_rows()], workbook


def test_score_writes_a_ranked_workbook_with_the_model_version(tmp_path):
    requests = pipeline(
        tmp_path / "pipeline.csv", [[3, 3, 3, 3, 3], [5, 5, 5, 5, 1], [1, 1, 1, 1, 5]], title='=HYPERLINK("http://x")'
    )
    result = CliRunner().invoke(main, ["score", str(requests)])
    assert result.exit_code == 0, result.output
    assert "3 request(s) scored with PMO default v2026.1 (pmo scores)" in result.output
    output = tmp_path / "pipeline-scores.xlsx"
    rows, workbook = sheet_rows(output, "Scores")
    header = rows[2]
    body = [dict(zip(header, row, strict=True)) for row in rows[3:]]
    assert [row["request_id"] for row in body] == ["REQ-2", "REQ-1", "REQ-3"]
    assert [row["score"] for row in body] == pytest.approx([100, 50, 0])
    assert body[1]["title"] == '=HYPERLINK("http://x")'  # a user's text stays text
    assert workbook["Scores"].cell(row=5, column=2).data_type == "s"
    assert body[0]["model_version"] == "PMO default v2026.1"
    assert "Model" in workbook.sheetnames and "Warnings" in workbook.sheetnames
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left behind


def test_score_uses_the_requester_set_when_asked_and_a_model_from_a_csv(tmp_path):
    requests = pipeline(tmp_path / "pipeline.csv", [[1, 1, 1, 1, 5]])
    model_rows = model_to_rows(DEFAULT_MODEL)
    for row in model_rows:
        row[1] = "2027.2"
    model = write_csv(tmp_path / "model.csv", [list(SCORING_MODEL_COLUMNS), *model_rows])
    output = tmp_path / "out.xlsx"
    result = CliRunner().invoke(
        main, ["score", str(requests), "--scores", "requester", "--model", str(model), "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    rows, _ = sheet_rows(output, "Scores")
    record = dict(zip(rows[2], rows[3], strict=True))
    assert record["score"] == pytest.approx(80.0)  # requester says 5 everywhere; delivery risk 5 costs 20 points
    assert record["model_version"] == "PMO default v2027.2"


def test_score_with_ahp_weights_reports_the_consistency_ratio(tmp_path):
    requests = pipeline(tmp_path / "pipeline.csv", [[5, 1, 1, 1, 5]])
    ids = [c.criterion_id for c in DEFAULT_MODEL.criteria]
    matrix = [["criterion", *ids]] + [[i, *[1] * len(ids)] for i in ids]
    matrix[1][2:] = [9, 9, 9, 9]
    for row in matrix[2:]:
        row[1] = 1 / 9
    comparisons = write_csv(tmp_path / "ahp.csv", matrix)
    result = CliRunner().invoke(
        main, ["score", str(requests), "--ahp", str(comparisons), "-o", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert "CR 0.000" in result.output
    assert "v2026.1+ahp" in result.output


def test_missing_value_is_a_clear_error_without_traceback(tmp_path):
    requests = pipeline(tmp_path / "pipeline.csv", [["", 3, 3, 3, 3]])
    result = CliRunner().invoke(main, ["score", str(requests)])
    assert result.exit_code == 2
    assert "REQ-1 strategic_fit: no value" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "pipeline-scores.xlsx").exists()


def test_wsjf_backlog_gets_its_own_workbook(tmp_path):
    backlog = write_csv(
        tmp_path / "backlog.csv",
        [
            ["request_id", "business_value", "time_criticality", "risk_reduction", "job_size"],
            ["A", 8, 5, 2, 5],
            ["B", 3, 1, 1, 1],
        ],
    )
    result = CliRunner().invoke(main, ["score", str(backlog), "--method", "wsjf"])
    assert result.exit_code == 0, result.output
    rows, workbook = sheet_rows(tmp_path / "backlog-wsjf.xlsx", "WSJF")
    assert workbook.sheetnames == ["WSJF"]
    assert [row[0] for row in rows[3:]] == ["B", "A"]


def test_score_refuses_repeated_and_blank_request_ids_as_optimize_does(tmp_path):
    requests = pipeline(tmp_path / "pipeline.csv", [[3, 3, 3, 3, 3], [4, 4, 4, 4, 4], [5, 5, 5, 5, 5]])
    rows = requests.read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace("REQ-2", "REQ-1", 1)  # REQ-1 twice
    rows[3] = rows[3].replace("REQ-3", "", 1)  # no id
    requests.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(requests)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "row 4: request_id is blank" in result.output and "request_id repeats: REQ-1" in result.output
    assert "nan" not in result.output
    assert not (tmp_path / "pipeline-scores.xlsx").exists()
