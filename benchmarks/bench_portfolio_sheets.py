"""What each sheet of portfolio.xlsx costs to write: its rows and cells, CPU seconds and bytes in the file.

    python -m benchmarks.bench_portfolio_sheets LEDGER [--runs 3]

The views of LEDGER (its latest period) are built once; then each sheet is written alone, --runs times, and the
median CPU time is shown with the cells it holds and its share of the file. The Dashboard sheet is timed the same
way (its tables and charts). docs/ledger.md quotes the figures for the --full ledger of bench_history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pmo_xl.reporting.load import load_dashboard
from pmo_xl.reporting.portfolio_workbook import write_frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--today", default="2027-06-01")
    args = parser.parse_args()
    inputs, dashboard = load_dashboard(args.ledger, today=dt.date.fromisoformat(args.today))
    sheets = inputs.views.sheets()
    folder = Path(tempfile.mkdtemp(prefix="pmo-sheets-"))
    print(f"{'sheet':<16}{'rows':>9}{'cells':>11}{'CPU s':>9}{'KB':>9}")
    total_cells, total_seconds = 0, 0.0
    for name, frame in [("Dashboard", None), *sheets.items()]:
        seconds, size = [], 0
        for run in range(args.runs):
            out = folder / f"{name}-{run}.xlsx"
            started = time.process_time()
            if frame is None:
                from pmo_xl.reporting.dashboard_sheet import add_dashboard_sheet

                write_frames({}, out, first=lambda workbook: add_dashboard_sheet(workbook, dashboard))
            else:
                write_frames({name: frame}, out)
            seconds.append(time.process_time() - started)
            size = out.stat().st_size
        rows = 0 if frame is None else len(frame)
        cells = 0 if frame is None else frame.size
        total_cells += cells
        total_seconds += statistics.median(seconds)
        print(f"{name:<16}{rows:>9,}{cells:>11,}{statistics.median(seconds):>9.2f}{size / 1024:>9,.0f}")
    print(f"{'all':<16}{'':>9}{total_cells:>11,}{total_seconds:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
