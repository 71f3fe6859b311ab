"""Benchmark: end-to-end `pmo collect` on 300 and 1,000 realistic filled status workbooks.

Each size gets a fresh inbox (generated, then filled by pmo_xl.demo.data with a 5 % share of faults). Timed, in
the same run:

- the `pmo collect` command as a PMO runs it (a new process: start-up, read, validate, ledger, views, portfolio.xlsx),
  into a fresh ledger each time;
- the baseline of issue 3: a naive openpyxl loop that loads every workbook and reads all its sheets, on a sample of
  the inbox (--baseline-n files) and scaled to its size: its time per file does not depend on how many there are;
- then once, for information: the re-run on the same inbox (everything a duplicate, nothing added) and the phases
  in-process (read + validate, judge + ledger, views, workbook), to show where the time goes.

The command and the baseline alternate run by run (--runs times each), so a busy spell on this shared machine falls
on both alike; the medians are compared, and the spread (fastest to slowest run, and the ratio run by run) is shown.
Timed back to back once each, a load swing moved the ratio between 2x and 10x.

    python -m benchmarks.bench_collect_e2e                 # 300 and 1,000 files, 5 runs each
    python -m benchmarks.bench_collect_e2e --sizes 100 --runs 3 --baseline-n 30   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from pmo_xl.collect.run import collect_candidates, read_candidates
from pmo_xl.demo.data import demo_projects, fill_demo_inbox
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.portfolio_workbook import write_portfolio
from pmo_xl.reporting.views import build_views
from pmo_xl.templates.catalog import PROJECT_STATUS

PERIOD = "2026-10"
TODAY = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parent.parent


def prepare_inbox(root: Path, count: int, seed: int = 11) -> Path:
    rng = random.Random(seed)
    projects = demo_projects(count, rng, PERIOD)
    generated = generate_for_records(PROJECT_STATUS, projects, root / "outbox", PERIOD, today=dt.date(2026, 10, 1))
    inbox = root / "inbox"
    fill_demo_inbox([g.path for g in generated], inbox, rng, fault_share=0.05)
    return inbox


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run_cli(inbox: Path, ledger: Path, out: Path) -> tuple[float, str]:
    command = [
        sys.executable,
        "-c",
        "from pmo_xl.cli import main; main()",
        "collect",
        str(inbox),
        "--ledger",
        str(ledger),
        "--out",
        str(out),
        "--period",
        PERIOD,
    ]
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"pmo collect failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    summary = next(line for line in completed.stdout.splitlines() if " file(s): " in line)
    return elapsed, summary


def phases(inbox: Path, ledger_path: Path, out: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    times["read + validate"], (candidates, _skipped) = timed(lambda: read_candidates(inbox, TODAY, None))
    with open_ledger(ledger_path, write=True) as ledger:
        times["judge + ledger"], _ = timed(lambda: collect_candidates(candidates, ledger))
        times["views"], views = timed(lambda: build_views(ledger, period=PERIOD, today=TODAY))
    times["portfolio.xlsx"], _ = timed(lambda: write_portfolio(views, out))
    return times


def openpyxl_baseline(inbox: Path) -> float:
    """The naive way: load every workbook with openpyxl and read every cell of every sheet."""

    def read_all() -> int:
        cells = 0
        for path in sorted(inbox.rglob("*.xls*")):
            try:
                book = openpyxl.load_workbook(path, data_only=True)
            except Exception:
                continue
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    cells += len(row)
        return cells

    return timed(read_all)[0]


def _spread(seconds: list[float], files: int) -> str:
    """The median run, per file too, and the fastest and slowest run."""
    median = statistics.median(seconds)
    return (
        f"median {median:7.2f} s ({median / files * 1000:5.1f} ms a file), runs {min(seconds):.2f}-{max(seconds):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--baseline-n", type=int, default=100, help="files for the openpyxl baseline (0: skip)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each, alternating (default 5)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as folder:
        root = Path(folder)
        for size in arguments.sizes:
            sized = root / str(size)
            prepare_time, inbox = timed(lambda sized=sized, size=size: prepare_inbox(sized, size))
            print(f"\n== {size} files (prepared in {prepare_time:.1f} s) ==")
            sample = min(arguments.baseline_n, size)
            subset = sized / "baseline"
            subset.mkdir()
            for path in sorted(inbox.rglob("*.xls*"))[:sample]:
                (subset / path.name).symlink_to(path)
            firsts: list[float] = []
            baselines: list[float] = []
            for run in range(arguments.runs):
                first, summary = run_cli(inbox, sized / f"cli-{run}.db", sized / f"cli-{run}.xlsx")
                firsts.append(first)
                if sample:
                    baselines.append(openpyxl_baseline(subset) * size / sample)
            print(f"pmo collect, first run:  {_spread(firsts, size)}  {summary}")
            again, summary = run_cli(inbox, sized / "cli-0.db", sized / "cli-0.xlsx")
            print(f"pmo collect, re-run:     {again:7.2f} s  ({again / size * 1000:5.1f} ms a file)  {summary}")
            parts = phases(inbox, sized / "phases.db", sized / "phases.xlsx")
            total = sum(parts.values())
            for name, seconds in parts.items():
                print(f"  {name:<17} {seconds:7.2f} s  ({seconds / total:4.0%})")
            if sample:
                ratio = statistics.median(baselines) / statistics.median(firsts)
                by_run = [baseline / first for baseline, first in zip(baselines, firsts, strict=True)]
                print(f"openpyxl load-all loop:  {_spread(baselines, size)}  (measured on {sample}, scaled to {size})")
                print(
                    f"pmo collect end to end is {ratio:.1f}x faster (ratio of the medians of {arguments.runs} "
                    f"alternating runs; run by run {min(by_run):.1f}x-{max(by_run):.1f}x)"
                )


if __name__ == "__main__":
    main()
