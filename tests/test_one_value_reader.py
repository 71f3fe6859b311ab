"""Only pmo_xl/values.py turns text into numbers and dates: an AST scan of pmo_xl/, udfs/ and macros/ keeps it so.

A number must mean the same everywhere. It once meant three things: `1,5` was 15 in the register, refused in a
submission, and 1.5 in a scoring table. The scan flags every conversion that reads text (float() or int() of a
string, a slice or a string method's result; any float() or int() guarded by `except ValueError`, the signature
of parsing; fromisoformat, strptime, pandas' to_numeric and to_datetime; astype(float) of a column that may hold
text). What is left is allowed for a stated reason below, and the planted snippets at the end prove the scan can
fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("pmo_xl", "udfs", "macros")
# The value module, and the period module whose 'YYYY-MM' keys are matched by a regular expression first.
READER_MODULES = {"pmo_xl/values.py", "pmo_xl/periods.py"}
PARSING_CALLS = {"fromisoformat", "strptime", "to_datetime", "to_numeric", "Decimal", "literal_eval"}
TEXT_METHODS = {"strip", "lstrip", "rstrip", "replace", "split", "rsplit", "partition", "rpartition", "lower",
                "upper", "casefold", "removeprefix", "removesuffix", "decode"}  # fmt: skip
NUMBER_CONSTANTS = {"inf", "-inf", "nan"}
# (file, function): why the conversion there does not read a person's text.
ALLOWED = {
    ("pmo_xl/ledger.py", "decode_value"): "dates in the ledger's own JSON, written by encode_value in ISO",
    ("pmo_xl/derived.py", "_decode_hook"): "dates in the derived tables' own JSON, written by _encode in ISO",
    ("pmo_xl/reporting/report_html.py", "_float"): "a formatter's guard: numbers in, None for anything else",
    (
        "pmo_xl/reporting/views.py",
        "whole_amount",
    ): "a formatter: Decimal of a float's own repr, rounded half up as Excel shows it",
    ("pmo_xl/portfolio/backlog.py", "rank_backlog"): "astype(int) of pandas ranks",
    ("pmo_xl/portfolio/capacity.py", "_pipeline_demand"): "astype(float) of a boolean mask",
    (
        "pmo_xl/portfolio/scoring.py",
        "_cells_as_numbers",
    ): "astype(float) only when no cell is text (checked just before)",
    ("pmo_xl/portfolio/scoring.py", "score_requests"): "astype(float) only when no cell is text (checked just before)",
    ("pmo_xl/portfolio/selection/solve.py", "solve_selection"): "astype(int) of the solver's 0/1 floats",
}


def _text_like(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None if node.value.strip().lower() in NUMBER_CONSTANTS else "a string literal"
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Name) and function.id == "str":
            return "str(...)"
        if isinstance(function, ast.Attribute) and function.attr in TEXT_METHODS:
            return f".{function.attr}(...)"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        return "a slice of text"
    return None


def _is_regex_group(node: ast.expr) -> bool:
    """int(match.group(n)): the pattern proved the text is digits, and int() refuses anything else."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "group"


class _Scan(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str, str]] = []
        self.functions: list[str] = []
        self.guarded = 0  # inside a try whose handlers catch ValueError

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Try(self, node: ast.Try) -> None:
        catches = any(h.type is None or "ValueError" in ast.unparse(h.type) for h in node.handlers)
        self.guarded += catches
        for statement in node.body:
            self.visit(statement)
        self.guarded -= catches
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            self.visit(part)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
        why = None
        if name in PARSING_CALLS:
            why = f"calls {name}"
        elif isinstance(function, ast.Name) and name in ("float", "int") and node.args:
            argument = node.args[0]
            if len(node.args) > 1:
                why = f"{name}(text, base)"
            elif _is_regex_group(argument):
                why = None if name == "int" else "float() of a regex group"
            elif _text_like(argument):
                why = f"{name}() of {_text_like(argument)}"
            elif self.guarded:
                why = f"{name}() guarded by except ValueError"
        elif name == "astype" and node.args and ast.unparse(node.args[0]).strip("'\"") in ("float", "int"):
            why = f"astype({ast.unparse(node.args[0])})"
        if why:
            self.found.append((node.lineno, ".".join(self.functions), why))
        self.generic_visit(node)


def conversions_outside_the_value_module(source: str, relative: str) -> list[str]:
    scan = _Scan()
    scan.visit(ast.parse(source))
    return [
        f"{relative}:{line} in {function or '<module>'}: {why}"
        for line, function, why in scan.found
        if (relative, function.rpartition(".")[2]) not in ALLOWED
    ]


def _python_files() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(ROOT).as_posix(), path)
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in READER_MODULES
    ]


def test_only_the_value_module_turns_text_into_numbers_and_dates():
    files = _python_files()
    assert len(files) > 40  # the scan really walks the code
    found = [
        hit for relative, path in files for hit in conversions_outside_the_value_module(path.read_text(), relative)
    ]
    assert found == [], "convert through pmo_xl.values (read_number, read_date, ...):\n" + "\n".join(found)


def test_every_allowed_place_still_exists():
    """An allow-list entry whose function is gone would silently allow a new function of that name."""
    defined = {
        (relative, node.name)
        for relative, path in _python_files()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    assert set(ALLOWED) <= defined, set(ALLOWED) - defined


PLANTED = [
    ("def f(cell):\n    return float(str(cell).replace(',', ''))\n", "float() of .replace(...)"),
    ("def f(text):\n    return int(text[:4])\n", "int() of a slice of text"),
    ("def f(cell):\n    try:\n        return float(cell)\n    except ValueError:\n        return None\n", "guarded"),
    ("import datetime as dt\ndef f(text):\n    return dt.date.fromisoformat(text)\n", "calls fromisoformat"),
    ("import pandas as pd\ndef f(s):\n    return pd.to_numeric(s, errors='coerce')\n", "calls to_numeric"),
    ("def f(frame):\n    return frame['budget'].astype(float)\n", "astype(float)"),
    ("def f(text):\n    return int(text, 16)\n", "int(text, base)"),
    ("def f(m):\n    return float(m.group(1))\n", "float() of a regex group"),
]


@pytest.mark.parametrize(("source", "expected"), PLANTED)
def test_the_scan_catches_planted_parsers(source, expected):
    found = conversions_outside_the_value_module(source, "pmo_xl/planted.py")
    assert len(found) == 1 and expected in found[0], found


def test_the_scan_passes_what_is_exact():
    clean = (
        "def f(match, values):\n    total = float(sum(values))\n    return int(match.group(1)), total, float('inf')\n"
    )
    assert conversions_outside_the_value_module(clean, "pmo_xl/planted.py") == []
