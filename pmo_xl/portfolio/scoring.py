"""Weighted scoring of project requests against a versioned ScoringModel with fixed anchors.

A score runs from 0 to 100 and depends only on the request's own values and the model: every scale is
anchored (numeric min/max or categorical levels), so adding a request never reshuffles the others.

The model travels as an Excel table named `ScoringModel` (one row per criterion, plus one row per level for a
categorical criterion) or as a CSV with the same headers, `SCORING_MODEL_COLUMNS`.
Requests carry two sets of criterion values, kept apart: `requester_<criterion_id>` and `pmo_<criterion_id>`
(or any other prefix, e.g. `board_`); which set ranks is the `score_set` setting.
"""

from __future__ import annotations

import math
import numbers as numbers_module
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pmo_xl.errors import InputTableError, OutputError, PmoError
from pmo_xl.excel.tables import read_table
from pmo_xl.portfolio.criteria import DEFAULT_MODEL, Criterion, Level, ScoringModelSpec
from pmo_xl.values import as_text, is_blank, read_number

SCORING_MODEL_TABLE = "ScoringModel"
# Criterion attributes repeat on each level row of a categorical criterion (blank cells inherit from the row above).
SCORING_MODEL_COLUMNS = (
    "model_name",
    "model_version",
    "missing_rule",
    "criterion_id",
    "criterion_name",
    "weight",
    "direction",
    "minimum",
    "maximum",
    "unit",
    "level_score",
    "level_value",
    "level_descriptor",
    "help_text",
)
REQUEST_ID = "request_id"
REQUEST_TITLE = "title"
SCORE_SETS = ("pmo", "requester", "board")
MISSING_RULES = ("error", "worst", "midpoint")


class ScoringModelError(PmoError):
    """The ScoringModel table is wrong (bad weight, direction, scale...)."""


class ScoringError(PmoError):
    """A request's criterion values cannot be scored (missing, off the scale, unknown level)."""


# ---------------------------------------------------------------------------------------------------------------
# The model as a table


def model_to_rows(model: ScoringModelSpec) -> list[list]:
    """The ScoringModel table body, in `SCORING_MODEL_COLUMNS` order (the workbook builder writes these rows)."""
    rows = []
    for criterion in model.criteria:
        head = [
            model.name,
            model.version,
            model.missing_rule,
            criterion.criterion_id,
            criterion.name,
            criterion.weight,
            criterion.direction,
            criterion.minimum,
            criterion.maximum,
            criterion.unit,
        ]
        if criterion.levels:
            for level in criterion.levels:
                rows.append([*head, level.score, level.value, level.descriptor, criterion.help_text])
        else:
            rows.append([*head, None, None, None, criterion.help_text])
    return rows


def _model_number(cell, what: str, where: str) -> float | None:
    """A ScoringModel cell read by pmo_xl.values ('65%' is 0.65); ScoringModelError naming the row if refused."""
    value = read_number(cell, what, percent_sign=True, text_is_normal=True).or_raise(ScoringModelError, where)
    return None if value is None else float(value)  # type: ignore[arg-type]


def request_id_problems(cells, rows: list[int] | None = None) -> list[str]:
    """Blank and repeated request ids, by table row (the header is row 1): `pmo score` and `pmo optimize` refuse
    both."""
    ids = [as_text(cell).strip() if not is_blank(cell) else "" for cell in cells]
    rows = rows or list(range(2, len(ids) + 2))
    problems = [f"row {row}: request_id is blank" for row, request_id in zip(rows, ids, strict=True) if not request_id]
    counts = Counter(request_id for request_id in ids if request_id)
    repeated = sorted(request_id for request_id, count in counts.items() if count > 1)
    if repeated:
        problems.append(f"request_id repeats: {', '.join(repeated)}")
    return problems


def model_from_rows(header: Sequence, rows: Sequence[Sequence], source: str = SCORING_MODEL_TABLE) -> ScoringModelSpec:
    """Build the model from the ScoringModel table's header and body; every problem names its table row."""
    names = [str(cell).strip().lower() if cell is not None else "" for cell in header]
    missing = [column for column in ("criterion_id", "weight") if column not in names]
    if missing:
        raise ScoringModelError(
            f"{source}: the table needs the column(s) {', '.join(missing)}; its headers are {', '.join(names)}. "
            f"Expected headers: {', '.join(SCORING_MODEL_COLUMNS)}"
        )
    records: list[dict] = []
    previous: dict = {}
    first_row_of: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        record = {name: (row[index] if index < len(row) else None) for index, name in enumerate(names) if name}
        if all(is_blank(cell) for cell in record.values()):
            continue
        if is_blank(record.get("criterion_id")):
            record["criterion_id"] = previous.get("criterion_id")
        same_criterion = record["criterion_id"] == previous.get("criterion_id")
        for key in (
            "model_name",
            "model_version",
            "missing_rule",
            *(
                ("criterion_name", "weight", "direction", "minimum", "maximum", "unit", "help_text")
                if same_criterion
                else ()
            ),
        ):
            if is_blank(record.get(key)) and key in previous:
                record[key] = previous[key]
        if is_blank(record.get("criterion_id")):
            raise ScoringModelError(f"{source} row {number}: criterion_id is blank")
        criterion_id = str(record["criterion_id"]).strip()
        if not same_criterion and criterion_id in first_row_of:
            raise ScoringModelError(
                f"{source} row {number}: criterion_id {criterion_id} repeats (first at row {first_row_of[criterion_id]});"
                " each criterion appears once, with its level rows directly below it"
            )
        first_row_of.setdefault(criterion_id, number)
        record["_row"] = number
        records.append(record)
        previous = record
    if not records:
        raise ScoringModelError(f"{source}: the table has no criteria")
    first = records[0]
    missing_rule = str(first.get("missing_rule") or "error").strip().lower()
    if missing_rule not in MISSING_RULES:
        raise ScoringModelError(
            f"{source} row 2: missing_rule must be one of {', '.join(MISSING_RULES)}, got {missing_rule!r}"
        )
    criteria: list[Criterion] = []
    seen: dict[str, list[dict]] = {}
    for record in records:
        seen.setdefault(str(record["criterion_id"]).strip(), []).append(record)
    for criterion_id, group in seen.items():
        head = group[0]
        where = f"{source} row {head['_row']} ({criterion_id})"
        unlevelled = [record["_row"] for record in group if is_blank(record.get("level_score"))]
        if len(group) > 1 and unlevelled:
            raise ScoringModelError(
                f"{source} row {group[1]['_row']}: criterion_id {criterion_id} repeats (first at row {head['_row']}); "
                "only a categorical criterion has more than one row, one per level with its level_score"
            )
        if not criterion_id.isidentifier():
            raise ScoringModelError(f"{where}: criterion_id must be a plain identifier like strategic_fit")
        weight = _model_number(head.get("weight"), "weight", where)
        if weight is None or weight < 0:
            raise ScoringModelError(f"{where}: weight must be a number >= 0, got {head.get('weight')!r}")
        direction = str(head.get("direction") or "benefit").strip().lower()
        if direction not in ("benefit", "cost"):
            raise ScoringModelError(f"{where}: direction must be 'benefit' or 'cost', got {direction!r}")
        levels = []
        for record in group:
            level_score = _model_number(record.get("level_score"), "level_score", f"{source} row {record['_row']}")
            if level_score is None:
                continue
            level_value = _model_number(record.get("level_value"), "level_value", f"{source} row {record['_row']}")
            if level_value is None or not 0 <= level_value <= 1:
                raise ScoringModelError(f"{source} row {record['_row']}: level_value must be between 0 and 1")
            levels.append(Level(int(level_score), level_value, str(record.get("level_descriptor") or "")))
        minimum = _model_number(head.get("minimum"), "minimum", where)
        maximum = _model_number(head.get("maximum"), "maximum", where)
        criterion = Criterion(
            criterion_id=criterion_id,
            name=str(head.get("criterion_name") or criterion_id),
            weight=weight,
            direction=direction,  # type: ignore[arg-type]
            levels=tuple(levels),
            minimum=minimum,
            maximum=maximum,
            unit=str(head.get("unit") or ""),
            help_text=str(head.get("help_text") or ""),
        )
        _check_scale(criterion, where)
        criteria.append(criterion)
    return ScoringModelSpec(
        name=str(first.get("model_name") or "ScoringModel"),
        version=str(first.get("model_version") or "unversioned"),
        criteria=tuple(criteria),
        missing_rule=missing_rule,  # type: ignore[arg-type]
    )


def _check_scale(criterion: Criterion, where: str) -> None:
    if criterion.levels:
        scores = [level.score for level in criterion.levels]
        if len(set(scores)) != len(scores):
            raise ScoringModelError(f"{where}: level scores repeat: {scores}")
        return
    if criterion.minimum is None or criterion.maximum is None:
        raise ScoringModelError(
            f"{where}: give either levels (level_score, level_value, level_descriptor) or a fixed numeric scale "
            "(minimum and maximum): scales are anchored so that one request's score never depends on the others"
        )
    if not criterion.maximum > criterion.minimum:
        raise ScoringModelError(
            f"{where}: maximum ({criterion.maximum:g}) must be above minimum ({criterion.minimum:g})"
        )


def check_model(model: ScoringModelSpec) -> None:
    for criterion in model.criteria:
        _check_scale(criterion, f"scoring model {model.name} v{model.version} ({criterion.criterion_id})")


# ---------------------------------------------------------------------------------------------------------------
# The arithmetic


@dataclass(frozen=True)
class Weights:
    """Weights normalised to sum to 1, and the warning when the model's own did not sum to 100 %."""

    normalised: np.ndarray
    warning: str


def normalised_weights(model: ScoringModelSpec) -> Weights:
    raw = np.array([criterion.weight for criterion in model.criteria], dtype=float)
    total = raw.sum()
    if not total > 0:
        raise ScoringModelError("weights sum to 0")
    warning = ""
    if not (math.isclose(total, 1.0, abs_tol=1e-6) or math.isclose(total, 100.0, abs_tol=1e-4)):
        warning = f"weights of model {model.name} v{model.version} sum to {total:g}, not 100 %; they were normalised"
    return Weights(raw / total, warning)


def _cells_as_numbers(column: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(numbers, blank cells, text cells) of one column; numbers are NaN where a cell is blank or text.

    xlwings hands a range with one empty or text cell over as objects, not floats: a column whose only odd cells
    are empty still converts in one step; only a column holding text is read cell by cell.
    """
    if column.dtype.kind in "fiu":
        numeric = column.astype(float)
        return numeric, np.isnan(numeric), np.zeros(len(column), dtype=bool)
    empty = np.fromiter((cell is None for cell in column), dtype=bool, count=len(column))
    numeric = np.full(len(column), np.nan)
    if not any(isinstance(cell, str | bool) for cell in column):
        # Only numbers and empties: one conversion, no text is interpreted here.
        numeric[~empty] = column[~empty].astype(float)
        return numeric, np.isnan(numeric), np.zeros(len(column), dtype=bool)
    blank = np.zeros(len(column), dtype=bool)
    text = np.zeros(len(column), dtype=bool)
    for index, cell in enumerate(column):
        if is_blank(cell):
            blank[index] = True
            continue
        reading = read_number(cell, "value", text_is_normal=True)
        if reading.refused:
            text[index] = True
        else:
            numeric[index] = reading.value  # type: ignore[assignment]
    return numeric, blank, text


def _unit_column(
    criterion: Criterion, column: np.ndarray, rule: str, skipped: np.ndarray, parsed=None
) -> tuple[np.ndarray, list[tuple[int, str]], int]:
    """One criterion's values mapped to 0-1 on its anchored scale, direction applied; blanks follow `rule`.

    Returns the units, (row index, problem) pairs, and how many blanks were imputed. Rows in `skipped` (blank
    rows of a table) are neither scored nor reported.
    """
    problems: list[tuple[int, str]] = []
    numeric, blank, text_rows = parsed if parsed is not None else _cells_as_numbers(column)
    numeric = numeric.copy()
    numeric[skipped] = np.nan
    blank, text_rows = blank & ~skipped, text_rows & ~skipped
    unit = np.full(len(column), np.nan)
    name = criterion.criterion_id
    if criterion.levels:
        scores = np.array([level.score for level in criterion.levels], dtype=float)
        values = np.array([level.value for level in criterion.levels], dtype=float)
        order = np.argsort(scores)
        scores, values = scores[order], values[order]
        present = ~np.isnan(numeric)
        slot = np.clip(np.searchsorted(scores, numeric[present]), 0, len(scores) - 1)
        matched = scores[slot] == numeric[present]
        unit[np.flatnonzero(present)[matched]] = values[slot[matched]]
        listing = ", ".join(f"{score:g}" for score in scores)
        for index in np.flatnonzero(present)[~matched]:
            problems.append((index, f"{name}: {numeric[index]:g} is not a level ({listing})"))
        if text_rows.any():
            by_descriptor = {level.descriptor.strip().lower(): level.value for level in criterion.levels}
            for index in np.flatnonzero(text_rows):
                found = by_descriptor.get(str(column[index]).strip().lower())
                if found is None:
                    problems.append((index, f"{name}: {column[index]!r} is not a level"))
                else:
                    unit[index] = found
    else:
        low, high = float(criterion.minimum), float(criterion.maximum)  # type: ignore[arg-type]
        unit = (numeric - low) / (high - low)
        outside = (unit < -1e-12) | (unit > 1 + 1e-12)
        for index in np.flatnonzero(outside):
            problems.append((index, f"{name}: {numeric[index]:g} is outside the scale {low:g} to {high:g}"))
        for index in np.flatnonzero(text_rows):
            problems.append((index, f"{name}: {column[index]!r} is not a number"))
        unit = np.clip(unit, 0.0, 1.0)
    if criterion.direction == "cost":
        unit = 1.0 - unit
    imputed = 0
    if blank.any():
        if rule == "error":
            for index in np.flatnonzero(blank):
                problems.append(
                    (
                        index,
                        f"{name}: no value (the model's missing_rule is 'error'; fill it in, or set missing_rule "
                        "to worst or midpoint)",
                    )
                )
        else:
            unit[blank] = 0.0 if rule == "worst" else 0.5
            imputed = int(blank.sum())
    return unit, problems, imputed


@dataclass(frozen=True)
class ScoreMatrix:
    """Scores (0-100) per row and each criterion's contribution in points; the contributions add up to the score."""

    scores: np.ndarray
    contributions: np.ndarray
    imputed: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class RowScores:
    """Scores row by row: NaN where a row is blank (`blank`) or cannot be scored (`errors` says why, else '')."""

    scores: np.ndarray
    contributions: np.ndarray
    blank: np.ndarray
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


def _value_block(values, model: ScoringModelSpec) -> np.ndarray:
    try:
        block = np.array(values, dtype=float)
    except (TypeError, ValueError):
        block = np.array(values, dtype=object)
    if block.ndim == 1:
        block = block.reshape(1, -1)
    if block.ndim != 2 or block.shape[1] != len(model.criteria):
        raise ScoringError(
            f"expected {len(model.criteria)} value column(s), one per criterion "
            f"({', '.join(c.criterion_id for c in model.criteria)}); got shape {block.shape}"
        )
    return block


def _units(
    block: np.ndarray, model: ScoringModelSpec, skipped: np.ndarray, parsed: Sequence | None = None
) -> tuple[np.ndarray, list[tuple[int, str]], int]:
    units = np.empty(block.shape, dtype=float)
    problems: list[tuple[int, str]] = []
    imputed = 0
    for position, criterion in enumerate(model.criteria):
        unit, column_problems, column_imputed = _unit_column(
            criterion, block[:, position], model.missing_rule, skipped, parsed[position] if parsed else None
        )
        units[:, position] = unit
        problems.extend(column_problems)
        imputed += column_imputed
    return units, problems, imputed


def _score_warnings(weights: Weights, imputed: int, model: ScoringModelSpec) -> tuple[str, ...]:
    found = [weights.warning] if weights.warning else []
    if imputed:
        found.append(f"{imputed} missing value(s) scored as '{model.missing_rule}' (the model's missing_rule)")
    return tuple(found)


def score_matrix(values, model: ScoringModelSpec, row_labels: Sequence[str] | None = None) -> ScoreMatrix:
    """Score a rows x criteria block of values (criteria in model order). Raises ScoringError listing every problem."""
    weights = normalised_weights(model)
    block = _value_block(values, model)
    units, problems, imputed = _units(block, model, np.zeros(len(block), dtype=bool))
    if problems:
        lines = [f"row {index + 1} {problem}" for index, problem in sorted(problems, key=lambda item: item[0])]
        if row_labels is not None:
            lines = [_relabel(line, row_labels) for line in lines]
        listing = "\n".join(f"  - {line}" for line in lines[:50])
        raise ScoringError(f"{len(lines)} value(s) cannot be scored:\n{listing}")
    contributions = units * (weights.normalised * 100.0)
    return ScoreMatrix(contributions.sum(axis=1), contributions, imputed, _score_warnings(weights, imputed, model))


def score_rows(values, model: ScoringModelSpec) -> RowScores:
    """Score every row that can be scored, in one vectorised pass; blank rows stay blank, bad rows say why.

    This is what a sheet wants (`PMO_SCORE` over a table with empty trailing rows and the odd typo): one bad row
    never costs the others their score. Problems with the model itself (weights sum to 0, wrong width) still raise.
    """
    weights = normalised_weights(model)
    block = _value_block(values, model)
    parsed = [_cells_as_numbers(block[:, position]) for position in range(block.shape[1])]
    blank = np.logical_and.reduce([column_blank for _, column_blank, _ in parsed])
    units, problems, imputed = _units(block, model, blank, parsed)
    messages: dict[int, list[str]] = {}
    for index, problem in problems:
        messages.setdefault(int(index), []).append(problem)
    contributions = units * (weights.normalised * 100.0)
    bad = np.zeros(len(block), dtype=bool)
    bad[list(messages)] = True
    contributions[bad | blank] = np.nan
    errors = tuple("; ".join(messages.get(index, ())) for index in range(len(block)))
    return RowScores(contributions.sum(axis=1), contributions, blank, errors, _score_warnings(weights, imputed, model))


def _relabel(problem: str, row_labels: Sequence[str]) -> str:
    head, _, rest = problem.partition(" ")
    if head == "row":
        number, _, rest = rest.partition(" ")
        if number.isdigit() and int(number) <= len(row_labels):
            return f"{row_labels[int(number) - 1]} {rest}"
    return problem


def competition_rank(scores: Sequence[float | None], descending: bool = True) -> list[int | None]:
    """Excel RANK.EQ ranking (1, 2, 2, 4); rows without a number get None, never a rank."""
    numbers = [
        float(s) if isinstance(s, numbers_module.Real) and not isinstance(s, bool) and math.isfinite(s) else None
        for s in scores
    ]
    ranked = np.sort(np.array([n for n in numbers if n is not None], dtype=float))
    ranks: list[int | None] = []
    for n in numbers:
        if n is None:
            ranks.append(None)
        elif descending:
            ranks.append(1 + len(ranked) - int(np.searchsorted(ranked, n, side="right")))
        else:
            ranks.append(1 + int(np.searchsorted(ranked, n, side="left")))
    return ranks


# ---------------------------------------------------------------------------------------------------------------
# Requests as a table


@dataclass(frozen=True)
class ScoreTable:
    """One row per request: id, title, score, rank, contribution per criterion, the model version and score set."""

    table: pd.DataFrame
    model: ScoringModelSpec
    score_set: str
    warnings: tuple[str, ...]


def criterion_columns(model: ScoringModelSpec, score_set: str) -> list[str]:
    return [f"{score_set}_{criterion.criterion_id}" for criterion in model.criteria]


def score_requests(
    requests: pd.DataFrame, model: ScoringModelSpec = DEFAULT_MODEL, score_set: str = "pmo"
) -> ScoreTable:
    """Score every request with one score set (`pmo_`, `requester_`, ...) kept apart from the others."""
    check_model(model)
    if REQUEST_ID not in requests.columns:
        raise ScoringError(
            f"the request table needs a {REQUEST_ID} column; it has {', '.join(map(str, requests.columns))}"
        )
    columns = criterion_columns(model, score_set)
    absent = [column for column in columns if column not in requests.columns]
    if absent:
        other_sets = sorted({c.split("_", 1)[0] for c in requests.columns if "_" in str(c)} & set(SCORE_SETS))
        hint = f" The table has score set(s): {', '.join(other_sets)}." if other_sets else ""
        raise ScoringError(
            f"the request table has no column(s) {', '.join(absent)} for the '{score_set}' scores.{hint}"
        )
    # An empty row of an Excel table is not a request: it keeps its place (callers align by row) but no score.
    present = np.array(
        [not all(is_blank(cell) for cell in row) for row in requests.itertuples(index=False)], dtype=bool
    )
    problems = request_id_problems(requests[REQUEST_ID][present], [row + 2 for row in np.flatnonzero(present)])
    if problems:
        raise ScoringError("; ".join(problems) + ". Each request needs its own id: a ranking by a blank or repeated id "
                           "cannot say which request it means")  # fmt: skip
    labels = [str(value) for value in requests[REQUEST_ID][present]]
    block = requests[columns][present].to_numpy(dtype=object)
    if not any(isinstance(cell, str | bool) for cell in block.ravel()):
        block = block.astype(float)  # numbers and empties only; text cells go to pmo_xl.values cell by cell
    result = score_matrix(block.reshape(-1, len(columns)), model, row_labels=labels)
    table = pd.DataFrame({REQUEST_ID: requests[REQUEST_ID].to_numpy()})
    if REQUEST_TITLE in requests.columns:
        table[REQUEST_TITLE] = requests[REQUEST_TITLE].to_numpy()
    scores = np.full(len(requests), np.nan)
    scores[present] = result.scores.round(6)
    table["score"] = scores
    table["rank"] = pd.array(competition_rank(list(scores)), dtype="Int64")
    for position, criterion in enumerate(model.criteria):
        points = np.full(len(requests), np.nan)
        points[present] = result.contributions[:, position].round(6)
        table[f"points_{criterion.criterion_id}"] = points
    table["score_set"] = score_set
    table["model_version"] = f"{model.name} v{model.version}"
    return ScoreTable(table, model, score_set, result.warnings)


# ---------------------------------------------------------------------------------------------------------------
# Files: reading tables and the model, writing workbooks atomically


def read_scoring_model(path: Path) -> ScoringModelSpec:
    """The ScoringModel from a CSV, or from the Excel table (or sheet) named ScoringModel in a workbook."""
    path = Path(path)
    try:
        table = read_table(path, SCORING_MODEL_TABLE)
    except InputTableError as error:
        if error.not_found:
            raise ScoringModelError(f"{path}: no Excel table named {SCORING_MODEL_TABLE} in the workbook") from error
        raise ScoringModelError(str(error)) from error
    source = str(path)
    if table.attrs["sheet"]:
        source += f" sheet {table.attrs['sheet']}" + (f" table {table.attrs['table']}" if table.attrs["table"] else "")
    return model_from_rows(list(table.columns), table.to_numpy(dtype=object).tolist(), source=source)


def write_workbook_atomically(path: Path, build: Callable, overwrite: bool = True) -> Path:
    """Build an XlsxWriter workbook and write it through the shared atomic writer (pmo_xl.excel.files): never a
    half-written file, retried while Excel or OneDrive holds the target."""
    from pmo_xl.excel.files import write_workbook_atomic

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; use --force to replace it")
    # strings_to_formulas off: a title like "=cmd" stays text. XlsxWriter sets fullCalcOnLoad itself.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}

    def build_printable(workbook) -> None:
        from pmo_xl.excel.printing import print_like_screen

        build(workbook)
        print_like_screen(workbook)

    return write_workbook_atomic(path, build_printable, options)


def write_frame(workbook, sheet_name: str, frame: pd.DataFrame, formats: dict | None = None, note: str = ""):
    """A DataFrame as a formatted Excel table; text cells are written as strings, never as formulas."""
    worksheet = workbook.add_worksheet(sheet_name)
    formats = formats or {}
    start = 0
    if note:
        worksheet.write_string(0, 0, note, workbook.add_format({"italic": True}))
        start = 2
    columns = [str(column) for column in frame.columns]
    wrap = None
    for col, header in enumerate(columns):
        worksheet.write_string(start, col, header)
        longest = max((len(str(v)) for v in frame.iloc[:200, col].tolist()), default=0)
        width = max(10, min(60, max(len(header), longest) + 2))
        if longest > 60 and header not in formats:
            # A reason longer than its column wraps in it, rather than running on across the page it prints on.
            wrap = wrap or workbook.add_format({"text_wrap": True, "valign": "top"})
            formats = {**formats, header: wrap}
        worksheet.set_column(col, col, width, formats.get(header))
    wrapped = [col for col, header in enumerate(columns) if wrap is not None and formats.get(header) is wrap]
    for row_index, row in enumerate(frame.itertuples(index=False), start=start + 1):
        for col, value in enumerate(row):
            _write_cell(worksheet, row_index, col, value, formats.get(columns[col]))
        # Its height said, since no application sizes a row to its wrapped text on opening: 15 points a line.
        lines = max((math.ceil(len(str(row[col])) / 58) for col in wrapped if not is_blank(row[col])), default=1)
        if lines > 1:
            worksheet.set_row(row_index, 15 * lines)
    if len(frame):
        worksheet.add_table(
            start,
            0,
            start + len(frame),
            max(len(columns) - 1, 0),
            {
                "columns": [{"header": header} for header in columns],
                "name": "".join(ch for ch in sheet_name.title() if ch.isalnum()) + "Table",
                "style": "Table Style Medium 2",
            },
        )
    worksheet.freeze_panes(start + 1, 0)
    return worksheet


def _write_cell(worksheet, row: int, col: int, value, fmt=None) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        worksheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool | np.bool_):
        worksheet.write_boolean(row, col, bool(value), fmt)
    elif isinstance(value, int | float | np.integer | np.floating):
        worksheet.write_number(row, col, float(value), fmt)
    else:
        worksheet.write_string(row, col, str(value), fmt)


def write_scores_workbook(
    result: ScoreTable, path: Path, backlog: pd.DataFrame | None = None, backlog_method: str = ""
) -> Path:
    """Scores sheet (ranked), the model that produced them, warnings; a backlog method gets its own sheet."""

    def build(workbook) -> None:
        ranked = result.table.sort_values(["rank", REQUEST_ID], na_position="last")
        number = workbook.add_format({"num_format": "0.0"})
        write_frame(
            workbook,
            "Scores",
            ranked,
            {"score": number, **{c: number for c in ranked if c.startswith("points_")}},
            note=f"Scored with {result.model.name} v{result.model.version}, '{result.score_set}' scores, 0-100.",
        )
        model_frame = pd.DataFrame(model_to_rows(result.model), columns=list(SCORING_MODEL_COLUMNS))
        write_frame(workbook, "Model", model_frame, {"weight": workbook.add_format({"num_format": "0.0%"})})
        if backlog is not None:
            # A backlog method is on its own relative scale: it never shares a list with weighted scores.
            write_frame(
                workbook,
                f"Backlog {backlog_method.upper()}",
                backlog,
                note=f"{backlog_method.upper()} ranks on a relative scale; do not compare with scores or NPV.",
            )
        write_frame(workbook, "Warnings", pd.DataFrame({"warning": list(result.warnings) or ["none"]}))

    return write_workbook_atomically(path, build)


def with_weights(model: ScoringModelSpec, weights: Sequence[float], version_suffix: str = "ahp") -> ScoringModelSpec:
    """The model with new weights (e.g. from AHP), as a new version so scores stay traceable."""
    if len(weights) != len(model.criteria):
        raise ScoringModelError(f"{len(weights)} weight(s) for {len(model.criteria)} criteria")
    criteria = tuple(
        replace(criterion, weight=float(weight)) for criterion, weight in zip(model.criteria, weights, strict=True)
    )
    return replace(model, criteria=criteria, version=f"{model.version}+{version_suffix}")


def with_scores(
    requests: pd.DataFrame, model: ScoringModelSpec, score_set: str = "pmo"
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The request table with `score` and `model_version` columns added (for selection by score)."""
    result = score_requests(requests, model, score_set)
    scored = requests.copy()
    scored["score"] = result.table["score"].to_numpy()
    scored["model_version"] = result.table["model_version"].to_numpy()
    return scored, result.warnings


def write_backlog_workbook(ranking, path: Path) -> Path:
    """A WSJF or RICE ranking alone in its workbook: a relative backlog scale, never beside weighted scores or NPV."""
    method = ranking.method.upper()

    def build(workbook) -> None:
        write_frame(
            workbook,
            method,
            ranking.table,
            {ranking.method: workbook.add_format({"num_format": "0.00"})},
            note=f"{method} ranks this backlog on a relative scale; do not compare with scores or NPV.",
        )

    return write_workbook_atomically(path, build)
