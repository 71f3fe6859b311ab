"""Backlog methods on relative scales: WSJF (SAFe) and RICE.

These rank items within one backlog against each other. Their numbers mean nothing next to a weighted score or
an NPV, so they stay in their own lane: the functions return a `BacklogRanking` tagged with its method, and no
function here merges two methods into one list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pmo_xl.errors import PmoError
from pmo_xl.values import read_number_column


class BacklogError(PmoError):
    """A WSJF or RICE input is not usable (job size or effort not positive, confidence outside 0-1...)."""


def _as_array(values, what: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and values.ndim == 1:
        return values  # a column already read (as PMO_WSJF passes it) needs no conversion
    try:
        array = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise BacklogError(f"{what} must be numbers") from None
    return array


def _broadcast(*named: tuple[str, object]) -> list[np.ndarray]:
    arrays = [_as_array(values, what) for what, values in named]
    length = max(len(array) for array in arrays)
    for (what, _), array in zip(named, arrays, strict=True):
        if len(array) not in (1, length):
            raise BacklogError(f"{what} has {len(array)} value(s); expected 1 or {length}")
    return [array if len(array) == length else np.broadcast_to(array, (length,)) for array in arrays]


def _problems(checks: list[tuple[np.ndarray, str]]) -> None:
    found = []
    for bad, message in checks:
        found.extend(f"item {index + 1}: {message}" for index in np.flatnonzero(bad)[:20])
    if found:
        raise BacklogError("; ".join(found))


@dataclass(frozen=True)
class BacklogRows:
    """One method over a whole column, row by row: the value of each usable row, and why each other row is not.

    `values` is NaN where `problems` says why ('' for a usable row; two problems of one row join with '; ').
    """

    values: np.ndarray
    problems: tuple[str, ...]


def _by_row(values: np.ndarray, checks: list[tuple[np.ndarray, str]]) -> BacklogRows:
    bad = np.logical_or.reduce([failed for failed, _ in checks])
    problems = [""] * len(values)
    for index in np.flatnonzero(bad).tolist():
        problems[index] = "; ".join(message for failed, message in checks if failed[index])
    return BacklogRows(np.where(bad, np.nan, values), tuple(problems))


def _wsjf_checks(value, time, risk, size) -> list[tuple[np.ndarray, str]]:
    return [
        (np.isnan(value) | np.isnan(time) | np.isnan(risk) | np.isnan(size), "a value is missing"),
        (~np.isnan(size) & (size <= 0), "job size must be > 0"),
        ((value < 0) | (time < 0) | (risk < 0), "cost-of-delay parts must be >= 0"),
    ]


def _rice_checks(reach, impact, confidence, effort) -> list[tuple[np.ndarray, str]]:
    return [
        (np.isnan(reach) | np.isnan(impact) | np.isnan(confidence) | np.isnan(effort), "a value is missing"),
        (~np.isnan(effort) & (effort <= 0), "effort must be > 0"),
        ((confidence < 0) | (confidence > 1), "confidence must be between 0 and 1 (type 80% as 80%, not 80)"),
        ((reach < 0) | (impact < 0), "reach and impact must be >= 0"),
    ]


def _wsjf_inputs(business_value, time_criticality, risk_reduction, job_size) -> list[np.ndarray]:
    return _broadcast(
        ("business value", business_value),
        ("time criticality", time_criticality),
        ("risk reduction", risk_reduction),
        ("job size", job_size),
    )


def _rice_inputs(reach, impact, confidence, effort) -> list[np.ndarray]:
    return _broadcast(("reach", reach), ("impact", impact), ("confidence", confidence), ("effort", effort))


def wsjf(business_value, time_criticality, risk_reduction, job_size) -> np.ndarray:
    """SAFe WSJF: cost of delay (business value + time criticality + risk reduction/opportunity enablement) / job size."""
    value, time, risk, size = _wsjf_inputs(business_value, time_criticality, risk_reduction, job_size)
    _problems(_wsjf_checks(value, time, risk, size))
    return (value + time + risk) / size


def wsjf_by_row(business_value, time_criticality, risk_reduction, job_size) -> BacklogRows:
    """WSJF of every row in one pass; a bad row (NaN for a missing value) gets its reason, never an exception."""
    value, time, risk, size = _wsjf_inputs(business_value, time_criticality, risk_reduction, job_size)
    with np.errstate(divide="ignore", invalid="ignore"):  # the rows of job size 0 are refused just below
        return _by_row((value + time + risk) / size, _wsjf_checks(value, time, risk, size))


def rice(reach, impact, confidence, effort) -> np.ndarray:
    """RICE: reach x impact x confidence / effort, with confidence a fraction 0-1 (80 % is 0.8)."""
    reach_, impact_, confidence_, effort_ = _rice_inputs(reach, impact, confidence, effort)
    _problems(_rice_checks(reach_, impact_, confidence_, effort_))
    return reach_ * impact_ * confidence_ / effort_


def rice_by_row(reach, impact, confidence, effort) -> BacklogRows:
    """RICE of every row in one pass; a bad row (NaN for a missing value) gets its reason, never an exception."""
    reach_, impact_, confidence_, effort_ = _rice_inputs(reach, impact, confidence, effort)
    with np.errstate(divide="ignore", invalid="ignore"):  # the rows of effort 0 are refused just below
        return _by_row(reach_ * impact_ * confidence_ / effort_, _rice_checks(reach_, impact_, confidence_, effort_))


@dataclass(frozen=True)
class BacklogRanking:
    method: str
    table: pd.DataFrame


WSJF_COLUMNS = ("business_value", "time_criticality", "risk_reduction", "job_size")
RICE_COLUMNS = ("reach", "impact", "confidence", "effort")


def rank_backlog(items: pd.DataFrame, method: str, id_column: str = "request_id") -> BacklogRanking:
    """Rank one backlog by one method. Columns: WSJF_COLUMNS or RICE_COLUMNS, prefixed `wsjf_`/`rice_` or bare."""
    method = method.lower()
    if method not in ("wsjf", "rice"):
        raise BacklogError(f"unknown backlog method {method!r}; use wsjf or rice")
    needed = WSJF_COLUMNS if method == "wsjf" else RICE_COLUMNS
    resolved = []
    for column in needed:
        for candidate in (f"{method}_{column}", column):
            if candidate in items.columns:
                resolved.append(candidate)
                break
        else:
            raise BacklogError(f"{method.upper()} needs a column {method}_{column} (or {column})")
    arrays = []
    for column in resolved:
        numbers, refused = read_number_column(items[column].tolist(), column, percent_sign=True, text_is_normal=True)
        if refused:
            position, reading = refused[0]
            raise BacklogError(f"row {position + 1}: {reading.message}")
        arrays.append(np.array(numbers, dtype=float))
    function = wsjf if method == "wsjf" else rice
    try:
        values = function(*arrays)
    except BacklogError as error:
        labels = list(items[id_column]) if id_column in items.columns else None
        message = str(error)
        if labels:
            for index in range(len(labels) - 1, -1, -1):
                message = message.replace(f"item {index + 1}:", f"{labels[index]}:")
        raise BacklogError(f"{method.upper()}: {message}") from None
    table = items[[c for c in (id_column, "title") if c in items.columns] + resolved].copy()
    table[method] = values
    table[f"{method}_rank"] = table[method].rank(ascending=False, method="min").astype(int)
    return BacklogRanking(method, table.sort_values(f"{method}_rank", kind="stable").reset_index(drop=True))
