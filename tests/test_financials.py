"""NPV with the up-front cost at period 0, IRR with the multiple-root warning, payback, risk-adjusted benefits."""

import pytest

from pmo_xl.portfolio.financials import FinancialsError, appraise, irr_candidates, npv, payback_periods, sign_changes
from udfs.pmo_udfs import PMO_NPV


def excel_npv(rate, flows):
    """What Excel's NPV() computes: it discounts the first value by one period."""
    return sum(flow / (1 + rate) ** (period + 1) for period, flow in enumerate(flows))


def test_npv_keeps_the_up_front_cost_at_period_0_unlike_excel():
    flows = [-1000, 300, 400, 500]
    expected = -1000 + 300 / 1.1 + 400 / 1.1**2 + 500 / 1.1**3
    assert npv(0.10, flows) == pytest.approx(expected)
    assert npv(0.10, flows) == pytest.approx(excel_npv(0.10, flows) * 1.1)  # the trap: Excel is off by one period
    assert npv(0.10, flows) != pytest.approx(excel_npv(0.10, flows))


def test_blank_period_counts_as_a_period_with_no_flow():
    assert npv(0.1, [-100, None, 121]) == pytest.approx(0.0)


def test_irr_is_the_rate_where_npv_is_zero():
    (rate,) = irr_candidates([-1000, 300, 400, 500])
    assert npv(rate, [-1000, 300, 400, 500]) == pytest.approx(0.0, abs=1e-6)
    assert rate == pytest.approx(0.0890, abs=1e-4)


def test_several_sign_changes_are_flagged_with_every_irr():
    flows = [-100, 230, -132]  # NPV is zero at both 10 % and 20 %
    assert sign_changes(flows) == 2
    appraisal = appraise([100, 0, 132], [0, 230, 0], rate=0.05)
    assert appraisal.irr is None
    assert appraisal.irr_candidates == pytest.approx((0.10, 0.20))
    assert "more than one IRR" in appraisal.warnings[0]


def test_payback_interpolates_within_the_period():
    assert payback_periods([-100, 60, 60]) == pytest.approx(1 + 40 / 60)
    assert payback_periods([-100, 10, 10]) is None


def test_appraisal_states_rate_and_period_and_risk_adjusts_benefits():
    full = appraise(costs=[1000], benefits=[0, 600, 600], rate=0.08, period="year")
    cautious = appraise(costs=[1000], benefits=[0, 600, 600], rate=0.08, period="year", confidence=0.5)
    assert full.period == "year" and full.rate == 0.08
    assert cautious.npv == pytest.approx(-1000 + 300 / 1.08 + 300 / 1.08**2)
    assert cautious.npv < full.npv
    assert full.discounted_payback > full.payback


def test_bad_rate_and_flows_are_clear_errors():
    with pytest.raises(FinancialsError, match="above -100 %"):
        npv(-1.5, [1, 2])
    with pytest.raises(FinancialsError, match=r"cash flow 1 .* must be a number"):
        npv(0.1, [1, "ten"])


def test_udf_npv_takes_a_row_or_column_and_returns_error_text():
    assert PMO_NPV(0.1, [[-100, 60, 60]])[0][0] == pytest.approx(npv(0.1, [-100, 60, 60]))
    assert PMO_NPV(0.1, [[-100], [60], [60]])[0][0] == pytest.approx(npv(0.1, [-100, 60, 60]))
    assert PMO_NPV(None, [[1]])[0][0] == "#PMO! rate is blank"
