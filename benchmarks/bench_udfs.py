"""The backlog UDFs: PMO_WSJF and PMO_RICE over 10,000 rows within 20 ms, and one cell within 0.1 ms.

Run: python3 benchmarks/bench_udfs.py [--rows 10000] [--runs 15]

Each function is called as xlwings calls it, with 2-D lists of what COM hands over (floats, None for an empty
cell, the odd text), so what is timed is Python alone, not xlwings nor COM. The baseline is the per-row path the
UDFs had before issue 14 ("History at scale"), kept below as `_per_row_before`: it read each row's cells and made
one scalar core call per row. Before and after alternate call by call, so a busy second on this shared machine
falls on both alike; the medians are compared. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pmo_xl.errors import PmoError  # noqa: E402
from pmo_xl.portfolio.backlog import rice, wsjf  # noqa: E402
from pmo_xl.values import is_blank, read_number  # noqa: E402
from udfs.pmo_udfs import ERROR_PREFIX, PMO_RICE, PMO_WSJF, _column, _error  # noqa: E402

TARGET_RANGE_MS = 20.0
TARGET_CELL_MS = 0.1
CELL_CALLS = 2_000  # one-cell calls a sample: a single call is too short to time alone


def _per_row_before(function, *blocks):
    """The UDFs' path before issue 14, as it was: one read and one scalar core call per row."""
    columns = [_column(block) for block in blocks]
    length = max(len(column) for column in columns)
    if any(len(column) not in (1, length) for column in columns):
        return _error(
            f"ranges must have the same number of cells (or be single cells); got {[len(c) for c in columns]}"
        )
    results = []
    for index in range(length):
        row = [column[0] if len(column) == 1 else column[index] for column in columns]
        if all(is_blank(cell) for cell in row):
            results.append([""])
            continue
        readings = [read_number(cell, "value", percent_sign=True, text_is_normal=True) for cell in row]
        refused = next((reading for reading in readings if reading.refused), None)
        if refused is not None:
            results.append([f"{ERROR_PREFIX} {refused.message}"])
            continue
        try:
            results.append([float(function(*(reading.value for reading in readings))[0])])
        except PmoError as error:
            results.append([f"{ERROR_PREFIX} {str(error).removeprefix('item 1: ')}"])
    return results


def backlog_columns(rows: int, rng: random.Random, method: str) -> list[list[list]]:
    """Four columns of a backlog table as xlwings passes them: mostly numbers, 1 % empty rows, 1 % typos."""
    scales = {"wsjf": [(1, 20), (1, 20), (1, 20), (1, 13)], "rice": [(100, 50_000), (1, 3), (0.5, 1.0), (1, 12)]}[
        method
    ]
    columns: list[list[list]] = [[] for _ in scales]
    for _row in range(rows):
        draw = rng.random()
        for position, (low, high) in enumerate(scales):
            if draw < 0.01:
                cell = None
            elif draw < 0.02 and position == 0:
                cell = rng.choice(["high", "80%", "#N/A", " "])
            else:
                cell = float(rng.randint(int(low), int(high))) if high > 1 else round(rng.uniform(low, high), 2)
            columns[position].append([cell])
    return columns


def _seconds(function, arguments: list, calls: int = 1) -> float:
    """Seconds a call of function(*arguments), the mean of `calls` calls in a row."""
    started = time.perf_counter()
    for _call in range(calls):
        function(*arguments)
    return (time.perf_counter() - started) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(14)
    cases = [
        ("PMO_WSJF", PMO_WSJF, wsjf, backlog_columns(args.rows, rng, "wsjf")),
        ("PMO_RICE", PMO_RICE, rice, backlog_columns(args.rows, rng, "rice")),
    ]
    verdicts = []
    for name, udf, core, columns in cases:
        before_result, after_result = _per_row_before(core, *columns), udf(*columns)  # also warms both paths
        if before_result != after_result:
            raise SystemExit(f"{name}: the vectorised path gives other results than the per-row one")
        one_cell = [[column[0]] for column in columns]
        before, after, before_cell, after_cell = [], [], [], []
        for _run in range(args.runs):
            before.append(_seconds(_per_row_before, [core, *columns]))
            after.append(_seconds(udf, columns))
            before_cell.append(_seconds(_per_row_before, [core, *one_cell], CELL_CALLS))
            after_cell.append(_seconds(udf, one_cell, CELL_CALLS))
        range_ms = statistics.median(after) * 1000
        cell_ms = statistics.median(after_cell) * 1000
        print(f"{name} over {args.rows:,} rows, median of {args.runs} alternating runs:")
        print(
            f"  before (one core call a row): {statistics.median(before) * 1000:8.1f} ms "
            f"(spread {min(before) * 1000:.1f}-{max(before) * 1000:.1f})"
        )
        print(
            f"  after (one core call a range): {range_ms:7.1f} ms (spread {min(after) * 1000:.1f}-{max(after) * 1000:.1f})"
            f"  {statistics.median(before) / statistics.median(after):.0f}x faster"
        )
        print(
            f"  one cell: before {statistics.median(before_cell) * 1e6:.0f} us, after {cell_ms * 1000:.0f} us "
            f"(mean of {CELL_CALLS:,} calls a run)"
        )
        verdicts.append((name, range_ms <= TARGET_RANGE_MS, cell_ms < TARGET_CELL_MS))
    for name, range_ok, cell_ok in verdicts:
        print(
            f"{name}: {args.rows:,} rows <= {TARGET_RANGE_MS:.0f} ms: {'PASS' if range_ok else 'FAIL'}; "
            f"one cell < {TARGET_CELL_MS} ms: {'PASS' if cell_ok else 'FAIL'}"
        )
    return 0 if all(range_ok and cell_ok for _, range_ok, cell_ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
