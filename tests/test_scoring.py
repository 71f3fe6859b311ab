"""Weighted scoring: the model as a table (CSV and an Excel table), fixed anchors, missing values, score sets."""

import csv

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from pmo_xl.portfolio.criteria import DEFAULT_MODEL, Criterion, ScoringModelSpec
from pmo_xl.portfolio.scoring import (
    SCORING_MODEL_COLUMNS,
    ScoringError,
    ScoringModelError,
    model_from_rows,
    model_to_rows,
    read_scoring_model,
    score_matrix,
    score_requests,
    score_rows,
    with_weights,
)

NUMERIC_MODEL = ScoringModelSpec(
    name="Numeric",
    version="3",
    criteria=(
        Criterion("annual_benefit", "Annual benefit", 60, minimum=0, maximum=1_000_000, unit="EUR"),
        Criterion("delivery_risk", "Delivery risk", 40, direction="cost", minimum=1, maximum=5),
    ),
)


def write_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_default_model_scores_best_and_worst_requests_at_the_ends_of_0_to_100():
    result = score_matrix([[5, 5, 5, 5, 1], [1, 1, 1, 1, 5], [3, 3, 3, 3, 3]], DEFAULT_MODEL)
    assert result.scores.tolist() == pytest.approx([100.0, 0.0, 50.0])
    assert result.contributions[0].tolist() == pytest.approx([25, 25, 15, 15, 20])


def test_numeric_scale_is_anchored_and_cost_direction_inverts():
    result = score_matrix([[500_000, 1], [500_000, 5]], NUMERIC_MODEL)
    assert result.scores.tolist() == pytest.approx([30 + 40, 30 + 0])


def test_value_off_the_fixed_scale_is_an_error_not_a_rescale():
    with pytest.raises(ScoringError, match=r"annual_benefit: 2e\+06 is outside the scale 0 to 1e\+06"):
        score_matrix([[2_000_000, 1]], NUMERIC_MODEL)


def test_weights_not_summing_to_100_are_normalised_with_a_warning():
    model = with_weights(NUMERIC_MODEL, [3, 2])
    result = score_matrix([[1_000_000, 1]], model)
    assert result.scores[0] == pytest.approx(100.0)
    assert any("normalised" in warning for warning in result.warnings)
    assert not score_matrix([[1_000_000, 1]], NUMERIC_MODEL).warnings  # 60 + 40 = 100: no warning


def test_weights_summing_to_zero_are_an_error():
    with pytest.raises(ScoringModelError, match="weights sum to 0"):
        score_matrix([[1, 1]], with_weights(NUMERIC_MODEL, [0, 0]))


def test_missing_value_is_an_error_naming_request_and_criterion_by_default():
    requests = pd.DataFrame(
        {"request_id": ["REQ-1", "REQ-2"], "pmo_annual_benefit": [10.0, None], "pmo_delivery_risk": [2, 3]}
    )
    with pytest.raises(ScoringError, match="REQ-2 annual_benefit: no value"):
        score_requests(requests, NUMERIC_MODEL)


@pytest.mark.parametrize(("rule", "expected"), [("worst", 0.0), ("midpoint", 30.0)])
def test_missing_value_follows_the_models_stated_rule(rule, expected):
    model = ScoringModelSpec("Numeric", "3", NUMERIC_MODEL.criteria, missing_rule=rule)
    result = score_matrix([[None, 5]], model)
    assert result.scores[0] == pytest.approx(expected)
    assert any(rule in warning for warning in result.warnings)


def test_level_descriptor_text_scores_like_its_level_number():
    descriptor = DEFAULT_MODEL.criteria[0].levels[3].descriptor
    by_text = score_matrix([[descriptor, 4, 4, 4, 2]], DEFAULT_MODEL).scores[0]
    by_number = score_matrix([[4, 4, 4, 4, 2]], DEFAULT_MODEL).scores[0]
    assert by_text == pytest.approx(by_number)
    with pytest.raises(ScoringError, match="strategic_fit: 'Somewhat' is not a level"):
        score_matrix([["Somewhat", 4, 4, 4, 2]], DEFAULT_MODEL)


def test_requester_and_pmo_scores_are_kept_apart_and_the_setting_picks_one():
    requests = pd.DataFrame(
        {
            "request_id": ["REQ-1"],
            "title": ["CRM upgrade"],
            **{f"requester_{c.criterion_id}": [5 if c.direction == "benefit" else 1] for c in DEFAULT_MODEL.criteria},
            **{f"pmo_{c.criterion_id}": [3] for c in DEFAULT_MODEL.criteria},
        }
    )
    pmo = score_requests(requests, DEFAULT_MODEL, "pmo").table
    requester = score_requests(requests, DEFAULT_MODEL, "requester").table
    assert requester.at[0, "score"] == pytest.approx(100.0)
    assert pmo.at[0, "score"] == pytest.approx(50.0)
    assert pmo.at[0, "score_set"] == "pmo"
    assert pmo.at[0, "model_version"] == "PMO default v2026.1"
    with pytest.raises(ScoringError, match=r"no column.*board_strategic_fit.*has score set"):
        score_requests(requests, DEFAULT_MODEL, "board")


def test_model_table_round_trips_through_rows():
    rows = model_to_rows(DEFAULT_MODEL)
    assert model_from_rows(SCORING_MODEL_COLUMNS, rows) == DEFAULT_MODEL


def test_model_reads_from_csv(tmp_path):
    path = write_csv(tmp_path / "model.csv", SCORING_MODEL_COLUMNS, model_to_rows(NUMERIC_MODEL))
    model = read_scoring_model(path)
    assert model.version == "3"
    assert [c.criterion_id for c in model.criteria] == ["annual_benefit", "delivery_risk"]
    assert model.criteria[1].direction == "cost"


def test_model_reads_from_the_named_table_wherever_it_sits_in_a_workbook(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Intro"
    sheet = workbook.create_sheet("Settings")
    rows = [list(SCORING_MODEL_COLUMNS), *model_to_rows(DEFAULT_MODEL)]
    for offset, row in enumerate(rows):
        for column, value in enumerate(row):
            sheet.cell(row=4 + offset, column=3 + column, value=value)
    sheet.add_table(Table(displayName="ScoringModel", ref=f"C4:P{3 + len(rows)}"))
    path = tmp_path / "pmo_workbook.xlsx"
    workbook.save(path)
    assert read_scoring_model(path) == DEFAULT_MODEL


def test_workbook_without_the_table_names_the_file(tmp_path):
    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    with pytest.raises(ScoringModelError, match=r"other\.xlsx: no Excel table named ScoringModel"):
        read_scoring_model(path)


def test_bad_model_rows_name_the_row():
    header = list(SCORING_MODEL_COLUMNS)
    row = ["M", "1", "error", "speed", "Speed", 10, "sideways", 0, 10, "", None, None, None, ""]
    with pytest.raises(ScoringModelError, match="row 2 \\(speed\\): direction must be 'benefit' or 'cost'"):
        model_from_rows(header, [row])
    unanchored = ["M", "1", "error", "speed", "Speed", 10, "benefit", None, None, "", None, None, None, ""]
    with pytest.raises(ScoringModelError, match="fixed numeric scale"):
        model_from_rows(header, [unanchored])


def test_empty_table_rows_keep_their_place_without_a_score():
    requests = pd.DataFrame(
        {"request_id": ["REQ-1", None], "pmo_annual_benefit": [1_000_000, None], "pmo_delivery_risk": [1, None]}
    )
    table = score_requests(requests, NUMERIC_MODEL).table
    assert table.at[0, "score"] == pytest.approx(100.0) and table.at[0, "rank"] == 1
    assert np.isnan(table.at[1, "score"]) and pd.isna(table.at[1, "rank"])


def test_ties_share_a_rank_like_rank_eq():
    requests = pd.DataFrame(
        {"request_id": ["A", "B", "C", "D"], "pmo_annual_benefit": [5, 9, 9, 1], "pmo_delivery_risk": [1, 1, 1, 1]}
    )
    assert list(score_requests(requests, NUMERIC_MODEL).table["rank"]) == [3, 1, 1, 4]


@pytest.mark.libreoffice
def test_model_table_still_reads_after_a_real_spreadsheet_app_resaves_the_workbook(tmp_path):
    from tests.libreoffice import recalculated_copy

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Scoring model"
    rows = [list(SCORING_MODEL_COLUMNS), *model_to_rows(DEFAULT_MODEL)]
    for row in rows:
        sheet.append(row)
    sheet.add_table(Table(displayName="ScoringModel", ref=f"A1:N{len(rows)}"))
    source = tmp_path / "pmo_workbook.xlsx"
    workbook.save(source)
    resaved = recalculated_copy(source, tmp_path / "libreoffice")
    assert read_scoring_model(resaved) == DEFAULT_MODEL


def test_score_rows_scores_good_rows_leaves_blank_rows_blank_and_says_why_a_bad_row_fails():
    values = [[5, 5, 5, 5, 1], [None, "", None, "  ", None], [5, 5, 9, 5, 1], [3, "3", 3, 3, None], [1, 1, 1, 1, 5]]
    result = score_rows(values, DEFAULT_MODEL)
    assert result.scores[0] == pytest.approx(100.0) and result.scores[4] == pytest.approx(0.0)
    assert list(result.blank) == [False, True, False, False, False]
    assert result.errors[1] == "" and np.isnan(result.scores[1])
    assert result.errors[2] == "urgency: 9 is not a level (1, 2, 3, 4, 5)"
    assert result.errors[3].startswith("delivery_risk: no value")  # a partly filled row is not blank
    assert np.isnan(result.scores[2]) and np.isnan(result.contributions[3]).all()
    assert result.errors[0] == result.errors[4] == ""


def test_non_finite_anchors_and_level_scores_are_model_errors_naming_the_row():
    header = list(SCORING_MODEL_COLUMNS)
    infinite_level = ["M", "1", "error", "fit", "Fit", 10, "benefit", None, None, "", "inf", 0.5, "Half", ""]
    with pytest.raises(ScoringModelError, match="row 2: level_score must be a finite number, got 'inf'"):
        model_from_rows(header, [infinite_level])
    infinite_anchor = ["M", "1", "error", "speed", "Speed", 10, "benefit", 0, float("inf"), "", None, None, None, ""]
    with pytest.raises(ScoringModelError, match=r"row 2 \(speed\): maximum must be a finite number"):
        model_from_rows(header, [infinite_anchor])


def test_a_repeated_criterion_id_is_an_error_naming_the_row():
    header = list(SCORING_MODEL_COLUMNS)
    speed = ["M", "1", "error", "speed", "Speed", 10, "benefit", 0, 10, "", None, None, None, ""]
    fit = ["M", "1", "error", "fit", "Fit", 10, "benefit", 0, 5, "", None, None, None, ""]
    with pytest.raises(ScoringModelError, match="row 4: criterion_id speed repeats \\(first at row 2\\)"):
        model_from_rows(header, [speed, fit, speed])
    with pytest.raises(ScoringModelError, match="row 3: criterion_id speed repeats \\(first at row 2\\)"):
        model_from_rows(header, [speed, speed])
    levels = [
        ["M", "1", "error", "fit", "Fit", 10, "benefit", None, None, "", n, n / 5, f"level {n}", ""] for n in (1, 5)
    ]
    assert [level.score for level in model_from_rows(header, levels).criteria[0].levels] == [1, 5]
