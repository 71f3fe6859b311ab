"""Excel functions (xlwings UDFs): thin shells over pmo_xl's scoring, AHP, backlog and financial cores.

Every range argument arrives 2-D (`ndim=2`), so one row is [[...]], never a bare list or scalar. Results are
2-D columns, which spill in Excel 365/2021; Excel 2016/2019 shows only the top-left value, so there use one call
per row. Spills are not allowed inside Excel tables: put the array form outside a table, or call once per row.
Bad input returns a text starting `#PMO!` (xlwings cannot return real Excel errors); nothing here raises.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, chain

import numpy as np
import xlwings as xw

from pmo_xl.errors import PmoError
from pmo_xl.portfolio.ahp import ahp_weights
from pmo_xl.portfolio.backlog import rice_by_row, wsjf_by_row
from pmo_xl.portfolio.financials import npv
from pmo_xl.portfolio.scoring import competition_rank, model_from_rows, score_rows
from pmo_xl.values import PLAUSIBLE_LIMIT, is_blank, read_number

__all__ = ["PMO_AHP_WEIGHTS", "PMO_NPV", "PMO_RANK", "PMO_RICE", "PMO_SCORE", "PMO_SCORE_EXPLAIN", "PMO_WSJF"]

ERROR_PREFIX = "#PMO!"
_PLAIN_CELLS = frozenset({float, type(None)})  # what xlwings passes for a range of numbers and empty cells


def _error(message: str) -> list[list[str]]:
    return [[f"{ERROR_PREFIX} {message}"]]


def _freeze(block) -> tuple:
    return tuple(tuple(row) for row in block)


@lru_cache(maxsize=16)
def _model_from_block(frozen: tuple):
    # A sheet recalculates PMO_SCORE for every row; parsing the same ScoringModel once per recalc is enough.
    return model_from_rows(frozen[0], frozen[1:], source="ScoringModel")


def _model(model):
    if (
        not model
        or not model[0]
        or not any(isinstance(cell, str) and cell.strip().lower() == "criterion_id" for cell in model[0])
    ):
        raise PmoError("model needs its header row: pass ScoringModel[#All]")
    return _model_from_block(_freeze(model))


def _score_rows(values, model, explain: bool):
    spec = _model(model)
    result = score_rows(values, spec)
    width = len(spec.criteria) if explain else 1
    good = result.contributions.tolist() if explain else [[score] for score in result.scores.tolist()]
    rows = [
        [""] * width if blank else [f"{ERROR_PREFIX} {error}"] + [""] * (width - 1) if error else row
        for row, blank, error in zip(good, result.blank.tolist(), result.errors, strict=True)
    ]
    return spec, rows


@xw.func
@xw.arg("values", ndim=2)
@xw.arg("model", ndim=2)
def PMO_SCORE(values, model):
    """Weighted score 0-100 per row of criterion values (columns in ScoringModel order); model = ScoringModel[#All]."""
    try:
        return _score_rows(values, model, explain=False)[1]
    except PmoError as error:
        return _error(str(error))


@xw.func
@xw.arg("values", ndim=2)
@xw.arg("model", ndim=2)
def PMO_SCORE_EXPLAIN(values, model, headers=False):
    """Points each criterion contributes (they add up to PMO_SCORE); headers=TRUE adds a row of criterion names."""
    try:
        spec, rows = _score_rows(values, model, explain=True)
    except PmoError as error:
        return _error(str(error))
    if headers:
        rows = [[criterion.name for criterion in spec.criteria], *rows]
    return rows


@xw.func
@xw.arg("scores", ndim=2)
def PMO_RANK(scores, descending=True):
    """Rank (1 = best, ties share a rank); `#PMO!` texts and blanks get no rank, so one bad row never shifts others."""
    cells = [cell for row in scores for cell in row]
    numbers = [
        cell if isinstance(cell, int | float) and not isinstance(cell, bool) and math.isfinite(cell) else None
        for cell in cells
    ]
    ranks = competition_rank(numbers, descending=bool(descending))
    return [
        [rank if rank is not None else ("" if is_blank(cell) else f"{ERROR_PREFIX} no score to rank")]
        for rank, cell in zip(ranks, cells, strict=True)
    ]


@xw.func
@xw.arg("matrix", ndim=2)
def PMO_AHP_WEIGHTS(matrix):
    """Criterion weights from a pairwise comparison matrix, as a column; the last element is the CR (> 0.10: revisit)."""
    try:
        result = ahp_weights(matrix)
    except PmoError as error:
        return _error(str(error))
    return [[weight] for weight in result.weights] + [[result.consistency_ratio]]


def _column(block) -> list:
    if not isinstance(block, list):
        return [block]
    return [cell for row in block for cell in (row if isinstance(row, list) else [row])]


def _read_column(cells: list) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """One column's numbers (NaN where blank or refused), which cells are blank, and why each refused cell is.

    Each cell means what read_number says it means; a column of plain floats and blanks, what xlwings passes
    for a range of numbers, skips the cell-by-cell reading, and only its implausible numbers are read again.
    """
    refusals: dict[int, str] = {}
    if not set(map(type, cells)) <= _PLAIN_CELLS:
        cells = list(cells)
        for position, cell in enumerate(cells):
            if type(cell) is float or cell is None:
                continue
            reading = read_number(cell, "value", percent_sign=True, text_is_normal=True)
            if reading.refused:
                refusals[position] = reading.message
            cells[position] = None if reading.refused else reading.value
    numbers = np.array(cells, dtype=float)
    for position in np.flatnonzero(~(np.abs(numbers) <= PLAUSIBLE_LIMIT) & ~np.isnan(numbers)).tolist():
        refusals[position] = read_number(cells[position], "value", percent_sign=True, text_is_normal=True).message
        numbers[position] = np.nan
    blank = np.isnan(numbers)
    blank[list(refusals)] = False
    return numbers, blank, refusals


def _per_row(by_row, *blocks):
    """One core call for the whole range: each row gets its value, its first refused cell's reason, or the core's."""
    columns = [_column(block) for block in blocks]
    lengths = [len(column) for column in columns]
    length = max(lengths)
    if any(size not in (1, length) for size in lengths):
        return _error(f"ranges must have the same number of cells (or be single cells); got {lengths}")
    # The columns are read as one list: one pass of numpy calls whether the range has one row or 10,000.
    numbers, blank, refusals = _read_column(list(chain.from_iterable(columns)))
    starts = [0, *accumulate(lengths)]
    parts = [slice(start, start + size) for start, size in zip(starts[:-1], lengths, strict=True)]
    try:
        result = by_row(*(numbers[part] for part in parts))
    except PmoError as error:
        return _error(str(error))
    results: list[list] = [[value] for value in result.values.tolist()]
    for index, problem in enumerate(result.problems):
        if problem:
            results[index] = [f"{ERROR_PREFIX} {problem}"]
    for position in sorted(refusals, reverse=True):  # the first refused cell of a row names the row's problem
        column = bisect_right(starts, position) - 1
        for index in range(length) if lengths[column] == 1 else (position - starts[column],):
            results[index] = [f"{ERROR_PREFIX} {refusals[position]}"]
    all_blank = np.logical_and.reduce([np.broadcast_to(blank[part], (length,)) for part in parts])
    for index in np.flatnonzero(all_blank).tolist():
        results[index] = [""]
    return results


@xw.func
@xw.arg("business_value", ndim=2)
@xw.arg("time_criticality", ndim=2)
@xw.arg("risk_reduction", ndim=2)
@xw.arg("job_size", ndim=2)
def PMO_WSJF(business_value, time_criticality, risk_reduction, job_size):
    """SAFe WSJF = (business value + time criticality + risk reduction) / job size, one per row. Backlog scale only."""
    return _per_row(wsjf_by_row, business_value, time_criticality, risk_reduction, job_size)


@xw.func
@xw.arg("reach", ndim=2)
@xw.arg("impact", ndim=2)
@xw.arg("confidence", ndim=2)
@xw.arg("effort", ndim=2)
def PMO_RICE(reach, impact, confidence, effort):
    """RICE = reach x impact x confidence / effort, one per row; confidence as a fraction (80 %). Backlog scale only."""
    return _per_row(rice_by_row, reach, impact, confidence, effort)


@xw.func
@xw.arg("cashflows", ndim=2)
def PMO_NPV(rate, cashflows):
    """NPV with the first flow at period 0 (undiscounted), unlike Excel's NPV(); rate is per period of the flows."""
    try:
        if is_blank(rate):
            return _error("rate is blank")
        reading = read_number(rate, "rate", percent_sign=True, text_is_normal=True)
        if reading.refused:
            return _error(reading.message)
        return [[npv(reading.value, _column(cashflows))]]  # type: ignore[arg-type]
    except PmoError as error:
        return _error(str(error))
