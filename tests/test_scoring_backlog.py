"""WSJF and RICE: the published formulas, their own lane, and clear errors."""

import math

import numpy as np
import pandas as pd
import pytest

from pmo_xl.portfolio.backlog import BacklogError, rank_backlog, rice, rice_by_row, wsjf, wsjf_by_row


def test_wsjf_is_cost_of_delay_over_job_size():
    assert wsjf([8, 3], [5, 1], [2, 1], [5, 1]).tolist() == pytest.approx([3.0, 5.0])


def test_rice_is_reach_times_impact_times_confidence_over_effort():
    assert rice([1000], [2], [0.8], [4]).tolist() == pytest.approx([400.0])


def test_job_size_zero_and_percent_typed_as_whole_number_are_errors():
    with pytest.raises(BacklogError, match="item 2: job size must be > 0"):
        wsjf([1, 1], [1, 1], [1, 1], [1, 0])
    with pytest.raises(BacklogError, match="confidence must be between 0 and 1"):
        rice([10], [1], [80], [1])


def test_by_row_forms_score_every_usable_row_in_one_pass_and_say_why_the_others_are_not():
    rows = wsjf_by_row([8, 3, math.nan, -1, 5], [5, 1, 1, 1, 1], [2, 1, 1, 1, 0], [5, 0, 0, 1, 2])
    assert rows.problems == (
        "",
        "job size must be > 0",
        "a value is missing; job size must be > 0",
        "cost-of-delay parts must be >= 0",
        "",
    )
    assert rows.values[[0, 4]].tolist() == pytest.approx(wsjf([8, 5], [5, 1], [2, 0], [5, 2]).tolist())
    assert np.isnan(rows.values[1:4]).all()
    rows = rice_by_row([1000, 10], [2], [0.8, 80], [4])
    assert rows.values[0] == pytest.approx(rice([1000], [2], [0.8], [4])[0]) and np.isnan(rows.values[1])
    assert rows.problems == ("", "confidence must be between 0 and 1 (type 80% as 80%, not 80)")


def test_backlog_ranking_is_tagged_with_its_method_and_names_bad_items():
    items = pd.DataFrame(
        {
            "request_id": ["A", "B", "C"],
            "wsjf_business_value": [8, 3, 5],
            "wsjf_time_criticality": [5, 1, 5],
            "wsjf_risk_reduction": [2, 1, 5],
            "wsjf_job_size": [5, 1, 4],
        }
    )
    ranking = rank_backlog(items, "wsjf")
    assert ranking.method == "wsjf"
    assert list(ranking.table["request_id"]) == ["B", "C", "A"]
    assert list(ranking.table["wsjf_rank"]) == [1, 2, 3]
    items.loc[2, "wsjf_job_size"] = 0
    with pytest.raises(BacklogError, match="WSJF: C: job size must be > 0"):
        rank_backlog(items, "wsjf")
    with pytest.raises(BacklogError, match="RICE needs a column rice_reach"):
        rank_backlog(items, "rice")
