"""The Excel functions: exact names, VBA-safe parameters, 2-D shapes that spill, #PMO! texts instead of raising."""

import ast
import datetime as dt
import inspect
import keyword
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import udfs.pmo_udfs as pmo_udfs
from pmo_xl.errors import PmoError
from pmo_xl.portfolio.backlog import rice, wsjf
from pmo_xl.portfolio.criteria import DEFAULT_MODEL
from pmo_xl.portfolio.scoring import SCORING_MODEL_COLUMNS, model_to_rows, score_matrix
from pmo_xl.values import ExcelError, is_blank, read_number
from pmo_xl.workbook.udf_wrappers import VBA_RESERVED_WORDS
from udfs.pmo_udfs import PMO_RANK, PMO_RICE, PMO_SCORE, PMO_SCORE_EXPLAIN, PMO_WSJF

MODEL_RANGE = [list(SCORING_MODEL_COLUMNS), *model_to_rows(DEFAULT_MODEL)]  # what ScoringModel[#All] passes


def test_module_exports_exactly_the_seven_functions():
    assert sorted(pmo_udfs.__all__) == sorted(
        ["PMO_SCORE", "PMO_SCORE_EXPLAIN", "PMO_RANK", "PMO_AHP_WEIGHTS", "PMO_WSJF", "PMO_RICE", "PMO_NPV"]
    )


@pytest.mark.parametrize("name", pmo_udfs.__all__)
def test_parameter_names_are_plain_identifiers_and_not_vba_reserved_words(name):
    for parameter in inspect.signature(getattr(pmo_udfs, name)).parameters.values():
        assert parameter.name.isidentifier() and not keyword.iskeyword(parameter.name)
        assert parameter.name.lower() not in VBA_RESERVED_WORDS, f"{name}({parameter.name}) breaks the VBA wrapper"
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def test_documented_signatures():
    def names(function):
        return list(inspect.signature(function).parameters)

    assert names(pmo_udfs.PMO_SCORE) == ["values", "model"]
    assert names(pmo_udfs.PMO_AHP_WEIGHTS) == ["matrix"]
    assert names(pmo_udfs.PMO_WSJF) == ["business_value", "time_criticality", "risk_reduction", "job_size"]
    assert names(pmo_udfs.PMO_RICE) == ["reach", "impact", "confidence", "effort"]
    assert names(pmo_udfs.PMO_NPV) == ["rate", "cashflows"]


def test_one_row_gives_one_score_as_a_2d_cell():
    assert PMO_SCORE([[5, 5, 5, 5, 1]], MODEL_RANGE) == [[pytest.approx(100.0)]]


def test_many_rows_give_a_column_that_spills_with_blank_rows_left_blank():
    spilled = PMO_SCORE([[5, 5, 5, 5, 1], [None] * 5, [1, 1, 1, 1, 5]], MODEL_RANGE)
    assert spilled == [[pytest.approx(100.0)], [""], [pytest.approx(0.0)]]


def test_bad_row_gets_its_own_error_text_and_the_others_still_score():
    spilled = PMO_SCORE([[5, 5, 9, 5, 1], [3, 3, 3, 3, 3]], MODEL_RANGE)
    assert spilled[0][0] == "#PMO! urgency: 9 is not a level (1, 2, 3, 4, 5)"
    assert spilled[1][0] == pytest.approx(50.0)


def test_one_blank_and_one_bad_row_among_many_cost_only_those_rows():
    values = [[(n % 5) + 1, 3, 3, 3, 3] for n in range(2_000)] + [[5, 5, "high", 5, 1], [None] * 5]
    spilled = PMO_SCORE(values, MODEL_RANGE)
    expected = score_matrix(values[:2_000], DEFAULT_MODEL).scores
    assert [row[0] for row in spilled[:2_000]] == pytest.approx(list(expected))
    assert spilled[2_000] == ["#PMO! urgency: 'high' is not a level"]
    assert spilled[2_001] == [""]
    explained = PMO_SCORE_EXPLAIN(values[-2:], MODEL_RANGE)
    assert explained == [["#PMO! urgency: 'high' is not a level", "", "", "", ""], [""] * 5]


def test_an_infinite_level_score_or_anchor_comes_back_as_text_not_an_overflow():
    infinite = [list(SCORING_MODEL_COLUMNS), *model_to_rows(DEFAULT_MODEL)]
    infinite[1][10] = float("inf")
    (cell,) = PMO_SCORE([[1, 1, 1, 1, 1]], infinite)
    assert cell[0].startswith("#PMO! ScoringModel row 2: level_score must be a finite number")


def test_model_errors_come_back_as_text():
    zero = [list(SCORING_MODEL_COLUMNS), *([*row[:5], 0, *row[6:]] for row in model_to_rows(DEFAULT_MODEL))]
    assert PMO_SCORE([[1, 1, 1, 1, 1]], zero) == [["#PMO! weights sum to 0"]]
    assert PMO_SCORE([[1, 1, 1, 1, 1]], MODEL_RANGE[1:])[0][0].startswith("#PMO! model needs its header row")


def test_explain_gives_points_per_criterion_that_add_up_to_the_score():
    values = [[4, 2, 5, 1, 3]]
    (points,) = PMO_SCORE_EXPLAIN(values, MODEL_RANGE)
    assert sum(points) == pytest.approx(score_matrix(values, DEFAULT_MODEL).scores[0])
    with_names = PMO_SCORE_EXPLAIN(values, MODEL_RANGE, True)
    assert with_names[0] == [c.name for c in DEFAULT_MODEL.criteria]


def test_rank_treats_pmo_error_texts_as_errors_not_as_numbers():
    assert PMO_RANK([[70], ["#PMO! urgency: 9 is not a level"], [90], [70], [None]]) == [
        [2],
        ["#PMO! no score to rank"],
        [1],
        [2],
        [""],
    ]
    assert PMO_RANK([[70], [90]], False) == [[1], [2]]


def test_wsjf_and_rice_broadcast_single_cells_and_return_per_row_errors():
    assert PMO_WSJF([[8], [3]], [[5], [1]], [[2]], [[5], [0]]) == [[pytest.approx(3.0)], ["#PMO! job size must be > 0"]]
    assert PMO_RICE([[1000]], [[2]], [[0.8]], [[4]]) == [[pytest.approx(400.0)]]
    assert PMO_RICE([[1], [2]], [[1], [1], [1]], [[1]], [[1]])[0][0].startswith("#PMO! ranges must have")


# What a backlog column holds in real life: numbers (as xlwings passes them, and as Python callers do), empty
# cells, a percentage typed as text, typos, Excel errors, a date, a flag, and numbers nobody means.
BACKLOG_CELLS = [8.0, 3.0, 0.5, 1.0, 0.0, -1.0, 5, 13, 0.8, 1.5, None, "", "  ", float("nan"), "80%", "1,5", "12",
                 "high", "#N/A", ExcelError("#REF!"), True, dt.date(2026, 1, 5), float("inf"), 1e13, -2e12, 10**400,
                 np.float64(2.0)]  # fmt: skip


def _one_row_at_a_time(function, *columns):
    """The per-row path the UDFs had until issue 14: read each row's cells, then one scalar core call per row."""
    length = max(len(column) for column in columns)
    results = []
    for index in range(length):
        row = [column[0] if len(column) == 1 else column[index] for column in columns]
        if all(is_blank(cell) for cell in row):
            results.append([""])
            continue
        readings = [read_number(cell, "value", percent_sign=True, text_is_normal=True) for cell in row]
        refused = next((reading for reading in readings if reading.refused), None)
        if refused is not None:
            results.append([f"#PMO! {refused.message}"])
            continue
        try:
            results.append([float(function(*(reading.value for reading in readings))[0])])
        except PmoError as error:
            # The one change: a row with two problems no longer shows the core's 'item 1:' before the second.
            results.append([f"#PMO! {str(error).removeprefix('item 1: ').replace('; item 1: ', '; ')}"])
    return results


@pytest.mark.parametrize(("udf", "core"), [(PMO_WSJF, wsjf), (PMO_RICE, rice)])
def test_one_call_for_a_mixed_range_gives_each_row_what_one_row_at_a_time_gave(udf, core):
    rng = random.Random(14)
    columns = [[rng.choice(BACKLOG_CELLS) for _ in range(3_000)] for _ in range(4)]
    columns[0][:4] = [None, 8.0, "x", None]  # a blank row, and rows whose first refused cell is not the last one
    columns[1][:4] = [" ", "#DIV/0!", 5.0, 1e13]
    columns[2][:4] = [float("nan"), 2.0, 2.0, 2.0]
    columns[3][:4] = [None, 0.0, "y", 1.0]
    spilled = udf(*([[cell] for cell in column] for column in columns))
    expected = _one_row_at_a_time(core, *columns)
    assert spilled == expected
    assert spilled[0] == [""]
    assert "#DIV/0!" in spilled[1][0] and "'x'" in spilled[2][0] and "1e+13" in spilled[3][0]
    assert {type(row[0]) for row in spilled} == {float, str}
    for index in range(0, 3_000, 97):  # one cell a row, as Excel 2016 calls it, gives the same
        assert udf(*([[column[index]]] for column in columns)) == [expected[index]]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(BACKLOG_CELLS), min_size=1, max_size=6),
    st.lists(st.sampled_from(BACKLOG_CELLS), min_size=1, max_size=1),
    st.lists(st.sampled_from(BACKLOG_CELLS), min_size=6, max_size=6),
    st.lists(st.sampled_from(BACKLOG_CELLS), min_size=1, max_size=1),
)
def test_single_cells_broadcast_over_the_range_as_one_row_at_a_time_did(first, second, third, fourth):
    columns = [first if len(first) in (1, 6) else first[:1], second, third, fourth]
    for udf, core in ((PMO_WSJF, wsjf), (PMO_RICE, rice)):
        assert udf(*([[cell] for cell in column] for column in columns)) == _one_row_at_a_time(core, *columns)


def test_a_row_with_two_problems_names_both_without_the_cores_item_number():
    assert PMO_WSJF([[None]], [[1]], [[1]], [[0]]) == [["#PMO! a value is missing; job size must be > 0"]]
    assert PMO_RICE([[-1]], [[1]], [[80]], [[1]]) == [
        ["#PMO! confidence must be between 0 and 1 (type 80% as 80%, not 80); reach and impact must be >= 0"]
    ]


def test_blank_refused_and_implausible_cells_keep_their_own_texts():
    assert PMO_WSJF([[None], [8.0], [8.0], ["high"], [float("inf")]], [[None], [None], [1.0], [1.0], [1.0]],
                    [[""], [1.0], [1.0], [1.0], [1.0]], [[None], [1.0], [1.0], [1.0], [1.0]]) == [
        [""],
        ["#PMO! a value is missing"],
        [pytest.approx(10.0)],
        [f"#PMO! {read_number('high', 'value').message}"],
        ["#PMO! value must be a finite number, got inf"],
    ]  # fmt: skip


def _decorator_call(decorator):
    """('func' | 'arg' | 'ret', positional args, keywords) of an @xw.* decorator, or None for anything else."""
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "xw"):
        return None
    if not isinstance(decorator, ast.Call):
        return node.attr, [], {}
    return node.attr, decorator.args, {item.arg: item.value for item in decorator.keywords}


def test_every_public_function_is_a_udf_with_2d_range_arguments_and_no_legacy_expand():
    tree = ast.parse(Path(pmo_udfs.__file__).read_text(encoding="utf-8"))
    public = [node for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
    assert sorted(node.name for node in public) == sorted(pmo_udfs.__all__)
    for function in public:
        calls = [found for found in map(_decorator_call, function.decorator_list) if found]
        assert any(kind == "func" for kind, _, _ in calls), f"{function.name} lacks @xw.func"
        declared = {}
        for kind, arguments, keywords in calls:
            assert not (kind == "ret" and "expand" in keywords), f"{function.name}: @xw.ret(expand=...) is legacy"
            if kind == "arg":
                declared[arguments[0].value] = keywords
        # A range argument is one without a default: every one of them must arrive 2-D.
        parameters = function.args.args
        ranges = [p.arg for p in parameters[: len(parameters) - len(function.args.defaults)]]
        scalars = {"rate"}  # PMO_NPV's rate is a single number, not a range
        for name in ranges:
            if name in scalars:
                continue
            assert name in declared, f"{function.name}({name}) has no @xw.arg"
            ndim = declared[name].get("ndim")
            assert isinstance(ndim, ast.Constant) and ndim.value == 2, f"{function.name}({name}) is not ndim=2"
