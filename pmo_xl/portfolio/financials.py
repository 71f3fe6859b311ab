"""NPV, IRR and payback of a request's cash flows, with the up-front flow at period 0.

Excel's NPV() discounts its first value by one period, a well-known trap; here flow t is discounted by
(1 + rate) ** t with t starting at 0. The rate is per period and the period length is stated with every result.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pmo_xl.errors import PmoError
from pmo_xl.values import is_blank, read_number


class FinancialsError(PmoError):
    """Cash flows or a rate that cannot be appraised."""


def _flows(cashflows: Sequence[float | None]) -> np.ndarray:
    values = []
    for position, flow in enumerate(cashflows):
        if is_blank(flow):
            values.append(0.0)  # a blank period has no flow; unlike Excel's NPV, it still counts as a period
            continue
        where = f"cash flow {position} (period {position})"
        values.append(read_number(flow, where, text_is_normal=True).or_raise(FinancialsError))
    if not values:
        raise FinancialsError("no cash flows")
    array = np.array(values)
    if not np.isfinite(array).all():
        raise FinancialsError("cash flows must be finite numbers")
    return array


def npv(rate: float, cashflows: Sequence[float | None]) -> float:
    """Net present value with the first flow at period 0 (undiscounted)."""
    if rate is None or not rate > -1:
        raise FinancialsError(f"the discount rate must be above -100 % per period, got {rate!r}")
    flows = _flows(cashflows)
    return float(np.sum(flows / (1.0 + float(rate)) ** np.arange(len(flows))))


def sign_changes(cashflows: Sequence[float | None]) -> int:
    nonzero = [flow for flow in _flows(cashflows) if flow != 0]
    return sum(1 for a, b in itertools.pairwise(nonzero) if (a < 0) != (b < 0))


def irr_candidates(cashflows: Sequence[float | None]) -> list[float]:
    """Every rate above -100 % at which NPV is zero (the real roots of the NPV polynomial in 1/(1+r))."""
    flows = _flows(cashflows)
    # NPV(r) = sum f_t x^t with x = 1/(1+r); numpy.roots wants the highest power first.
    roots = np.roots(flows[::-1]) if np.any(flows[1:]) else np.array([])
    rates = sorted(
        {round(float(1.0 / root.real - 1.0), 10) for root in roots if abs(root.imag) < 1e-9 and root.real > 0}
    )
    return rates


def payback_periods(cashflows: Sequence[float | None], rate: float | None = None) -> float | None:
    """Periods until cumulative (discounted, when `rate` is given) flow turns non-negative, interpolated; None if never."""
    flows = _flows(cashflows)
    if rate is not None:
        flows = flows / (1.0 + rate) ** np.arange(len(flows))
    cumulative = np.cumsum(flows)
    if cumulative[0] >= 0:
        return 0.0
    for period in range(1, len(flows)):
        if cumulative[period] >= 0:
            shortfall = -cumulative[period - 1]
            return float(period - 1 + shortfall / flows[period]) if flows[period] else float(period)
    return None


@dataclass(frozen=True)
class Appraisal:
    """A request's financial case. `period` names the period length the rate and payback are stated in."""

    rate: float
    period: str
    npv: float
    irr: float | None
    irr_candidates: tuple[float, ...]
    payback: float | None
    discounted_payback: float | None
    confidence: float
    warnings: tuple[str, ...]


def appraise(
    costs: Sequence[float], benefits: Sequence[float], rate: float, period: str = "year", confidence: float = 1.0
) -> Appraisal:
    """NPV, IRR and payback of benefits minus costs per period; benefits are scaled by the estimate's confidence."""
    if not 0 <= confidence <= 1:
        raise FinancialsError(f"confidence must be between 0 and 1, got {confidence!r}")
    length = max(len(costs), len(benefits))
    cost_flows = np.zeros(length)
    cost_flows[: len(costs)] = _flows(costs) if len(costs) else []
    benefit_flows = np.zeros(length)
    benefit_flows[: len(benefits)] = _flows(benefits) if len(benefits) else []
    net = benefit_flows * confidence - np.abs(cost_flows)
    warnings = []
    candidates = irr_candidates(net)
    changes = sign_changes(net)
    if changes > 1:
        warnings.append(
            f"the cash flows change sign {changes} times, so there may be more than one IRR "
            f"({', '.join(f'{c:.2%}' for c in candidates) or 'none found'}); judge by NPV"
        )
    # With one sign change there is exactly one IRR (Descartes' rule); with more, none is quoted as "the" IRR.
    irr = candidates[0] if len(candidates) == 1 else None
    return Appraisal(
        rate=rate,
        period=period,
        npv=npv(rate, net),
        irr=irr,
        irr_candidates=tuple(candidates),
        payback=payback_periods(net),
        discounted_payback=payback_periods(net, rate),
        confidence=confidence,
        warnings=tuple(warnings),
    )
