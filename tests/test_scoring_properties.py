"""Property tests for the scoring maths: monotonic, scale-free weights, independent of the other requests."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pmo_xl.portfolio.criteria import Criterion, Level, ScoringModelSpec
from pmo_xl.portfolio.scoring import score_matrix, score_requests, with_weights


@st.composite
def models(draw):
    count = draw(st.integers(1, 8))
    criteria = []
    for index in range(count):
        weight = draw(st.floats(0.01, 100))
        direction = draw(st.sampled_from(["benefit", "cost"]))
        if draw(st.booleans()):
            low = draw(st.floats(-1000, 1000))
            span = draw(st.floats(0.5, 1000))
            criteria.append(Criterion(f"c{index}", f"C{index}", weight, direction, minimum=low, maximum=low + span))
        else:
            values = sorted(draw(st.lists(st.floats(0, 1), min_size=2, max_size=6)))
            levels = tuple(Level(score, value, f"level {score}") for score, value in enumerate(values, start=1))
            criteria.append(Criterion(f"c{index}", f"C{index}", weight, direction, levels=levels))
    return ScoringModelSpec("Generated", "1", tuple(criteria))


def value_in_scale(criterion, fraction):
    if criterion.levels:
        return criterion.levels[min(int(fraction * len(criterion.levels)), len(criterion.levels) - 1)].score
    return criterion.minimum + fraction * (criterion.maximum - criterion.minimum)


@st.composite
def model_and_rows(draw, max_rows=12):
    model = draw(models())
    count = draw(st.integers(1, max_rows))
    rows = [[value_in_scale(c, draw(st.floats(0, 1))) for c in model.criteria] for _ in range(count)]
    return model, rows


@settings(max_examples=150, deadline=None)
@given(model_and_rows(), st.data())
def test_score_never_falls_when_a_benefit_criterion_improves(case, data):
    model, rows = case
    row = list(rows[0])
    position = data.draw(st.integers(0, len(model.criteria) - 1))
    criterion = model.criteria[position]
    better = list(row)
    if criterion.levels:
        better[position] = data.draw(st.integers(row[position], len(criterion.levels)))
    else:
        better[position] = data.draw(st.floats(row[position], criterion.maximum))
    before, after = score_matrix([row, better], model).scores
    if criterion.direction == "benefit":
        assert after >= before - 1e-9
    else:
        assert after <= before + 1e-9


@settings(max_examples=150, deadline=None)
@given(model_and_rows(), st.floats(1e-3, 1e3))
def test_scaling_every_weight_leaves_scores_unchanged(case, factor):
    model, rows = case
    scaled = with_weights(model, [c.weight * factor for c in model.criteria])
    assert np.allclose(score_matrix(rows, model).scores, score_matrix(rows, scaled).scores, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(model_and_rows(max_rows=8), st.data())
def test_adding_a_request_leaves_the_others_scores_and_ranks_order_unchanged(case, data):
    model, rows = case
    newcomer = [value_in_scale(c, data.draw(st.floats(0, 1))) for c in model.criteria]

    def table(value_rows):
        return pd.DataFrame(
            {
                "request_id": [f"R{i}" for i in range(len(value_rows))],
                **{f"pmo_{c.criterion_id}": [r[i] for r in value_rows] for i, c in enumerate(model.criteria)},
            }
        )

    before = score_requests(table(rows), model).table
    after = score_requests(table([*rows, newcomer]), model).table.iloc[: len(rows)]
    assert np.allclose(before["score"], after["score"], atol=1e-9)
    assert list(before.sort_values("score", kind="stable")["request_id"]) == list(
        after.sort_values("score", kind="stable")["request_id"]
    )


@settings(max_examples=100, deadline=None)
@given(model_and_rows())
def test_scores_lie_in_0_to_100_and_contributions_add_up(case):
    model, rows = case
    result = score_matrix(rows, model)
    assert ((result.scores >= -1e-9) & (result.scores <= 100 + 1e-9)).all()
    assert np.allclose(result.contributions.sum(axis=1), result.scores)
