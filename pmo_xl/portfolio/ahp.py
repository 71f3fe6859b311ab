"""Criterion weights from pairwise comparisons (Saaty's Analytic Hierarchy Process).

The weights are the principal right eigenvector of the reciprocal comparison matrix; the consistency ratio
compares the matrix's consistency index with Saaty's random index for its size. numpy's eigen-solver does the
linear algebra; only Saaty's definitions are written here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pmo_xl.errors import PmoError
from pmo_xl.values import is_blank, read_number

# Saaty's random consistency index (The Analytic Hierarchy Process, 1980), by matrix size.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
CR_THRESHOLD = 0.10


class AhpError(PmoError):
    """A pairwise comparison matrix is not usable (not square, not positive, not reciprocal)."""


@dataclass(frozen=True)
class AhpResult:
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def consistent(self) -> bool:
        """Saaty's rule: a CR above 0.10 means the judgements should be revisited."""
        return self.consistency_ratio <= CR_THRESHOLD

    @property
    def flag(self) -> str:
        if self.consistent:
            return ""
        return f"CR {self.consistency_ratio:.3f} is above {CR_THRESHOLD:.2f}: revisit the comparisons"


def complete_matrix(matrix) -> np.ndarray:
    """Fill blanks (None/NaN) below or above the diagonal with reciprocals, so users need type only one triangle."""
    rows = [list(row) for row in matrix]
    size = len(rows)
    if size == 0 or any(len(row) != size for row in rows):
        raise AhpError(f"the comparison matrix must be square; got {size} row(s) of lengths {[len(r) for r in rows]}")
    filled = np.full((size, size), np.nan)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if is_blank(cell):
                continue
            where = f"comparison in row {i + 1}, column {j + 1}"
            filled[i, j] = read_number(cell, where, text_is_normal=True).or_raise(AhpError)
    for i in range(size):
        if np.isnan(filled[i, i]):
            filled[i, i] = 1.0
        for j in range(size):
            if np.isnan(filled[i, j]) and not np.isnan(filled[j, i]) and filled[j, i] != 0:
                filled[i, j] = 1.0 / filled[j, i]
    if np.isnan(filled).any():
        i, j = np.argwhere(np.isnan(filled))[0]
        raise AhpError(f"comparison in row {i + 1}, column {j + 1} is blank and so is its mirror")
    return filled


def ahp_weights(matrix) -> AhpResult:
    """Weights (summing to 1), lambda max, CI and CR of a pairwise comparison matrix."""
    comparisons = complete_matrix(matrix)
    size = comparisons.shape[0]
    if (comparisons <= 0).any():
        raise AhpError("every comparison must be positive (1 = equal, 9 = extremely more important)")
    if not np.allclose(comparisons * comparisons.T, 1.0, rtol=1e-3):
        i, j = np.argwhere(~np.isclose(comparisons * comparisons.T, 1.0, rtol=1e-3))[0]
        raise AhpError(
            f"the matrix is not reciprocal: row {i + 1} column {j + 1} is {comparisons[i, j]:g} "
            f"but its mirror is {comparisons[j, i]:g} (should be {1 / comparisons[i, j]:g})"
        )
    if size > max(RANDOM_INDEX):
        raise AhpError(f"AHP supports up to {max(RANDOM_INDEX)} criteria (Saaty's random index table); got {size}")
    eigenvalues, eigenvectors = np.linalg.eig(comparisons)
    principal = int(np.argmax(eigenvalues.real))
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    lambda_max = float(eigenvalues[principal].real)
    consistency_index = (lambda_max - size) / (size - 1) if size > 1 else 0.0
    random_index = RANDOM_INDEX[size]
    consistency_ratio = consistency_index / random_index if random_index else 0.0
    return AhpResult(
        weights=tuple(float(weight) for weight in weights),
        lambda_max=lambda_max,
        consistency_index=max(consistency_index, 0.0),
        consistency_ratio=max(consistency_ratio, 0.0),
    )
