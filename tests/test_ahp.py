"""AHP weights and consistency checked against published worked examples."""

import pytest

from pmo_xl.portfolio.ahp import AhpError, ahp_weights
from udfs.pmo_udfs import PMO_AHP_WEIGHTS

# Wikipedia, "Analytic hierarchy process – leader example": the board's comparison of the four criteria
# (Experience, Education, Charisma, Age). Published priorities .547, .127, .270, .056; CR .044.
LEADER_CRITERIA = [
    [1, 4, 3, 7],
    [1 / 4, 1, 1 / 3, 3],
    [1 / 3, 3, 1, 5],
    [1 / 7, 1 / 3, 1 / 5, 1],
]
# Same article: the candidates (Tom, Dick, Harry) compared on Experience. Published .217, .717, .066.
LEADER_EXPERIENCE = [[1, 1 / 4, 4], [4, 1, 9], [1 / 4, 1 / 9, 1]]
# The textbook three-criteria example (Saaty's scale): priorities .637, .258, .105; lambda max 3.039; CR .033.
TEXTBOOK = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_leader_example_criteria_weights_and_consistency_ratio():
    result = ahp_weights(LEADER_CRITERIA)
    assert result.weights == pytest.approx([0.547, 0.127, 0.270, 0.056], abs=0.002)
    assert result.consistency_ratio == pytest.approx(0.044, abs=0.001)
    assert result.consistent and result.flag == ""


def test_leader_example_candidates_on_experience():
    assert ahp_weights(LEADER_EXPERIENCE).weights == pytest.approx([0.217, 0.717, 0.066], abs=0.001)


def test_textbook_example_lambda_max_ci_and_cr():
    result = ahp_weights(TEXTBOOK)
    assert result.weights == pytest.approx([0.637, 0.258, 0.105], abs=0.001)
    assert result.lambda_max == pytest.approx(3.039, abs=0.001)
    assert result.consistency_index == pytest.approx(0.0193, abs=0.0005)
    assert result.consistency_ratio == pytest.approx(0.033, abs=0.001)


def test_perfectly_consistent_matrix_gives_exact_ratios_and_zero_cr():
    weights = [0.5, 0.3, 0.2]
    matrix = [[a / b for b in weights] for a in weights]
    result = ahp_weights(matrix)
    assert result.weights == pytest.approx(weights)
    assert result.lambda_max == pytest.approx(3.0)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_cr_above_ten_percent_is_flagged():
    # A prefers B strongly, B prefers C strongly, yet C prefers A strongly: circular judgements.
    result = ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert result.consistency_ratio > 0.10
    assert not result.consistent
    assert "revisit" in result.flag


def test_upper_triangle_alone_is_completed_with_reciprocals():
    upper = [[1, 3, 5], [None, 1, 3], [None, None, 1]]
    assert ahp_weights(upper).weights == pytest.approx(ahp_weights(TEXTBOOK).weights)


def test_non_reciprocal_matrix_is_an_error_naming_the_cell():
    with pytest.raises(AhpError, match="row 1 column 2"):
        ahp_weights([[1, 3], [3, 1]])


def test_non_square_and_non_positive_matrices_are_errors():
    with pytest.raises(AhpError, match="square"):
        ahp_weights([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(AhpError, match="positive"):
        ahp_weights([[1, -2], [-0.5, 1]])


def test_udf_returns_weights_column_with_cr_last():
    spilled = PMO_AHP_WEIGHTS(LEADER_CRITERIA)
    assert len(spilled) == 5 and all(len(row) == 1 for row in spilled)
    assert [row[0] for row in spilled[:4]] == pytest.approx([0.547, 0.127, 0.270, 0.056], abs=0.002)
    assert spilled[4][0] == pytest.approx(0.044, abs=0.001)


def test_udf_returns_error_text_instead_of_raising():
    assert PMO_AHP_WEIGHTS([[1, "x"], [None, 1]])[0][0].startswith("#PMO! ")
