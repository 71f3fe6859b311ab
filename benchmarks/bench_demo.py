"""Benchmark: `pmo demo` for N projects, and how the dashboard and report scale against the collect they follow.

Targets (issue 7): the whole demo for 50 projects in under a minute; building the dashboard, the executive
summary and report.html from the ledger costs less than `pmo collect` of the same inbox (ratio measured in this run).

    python -m benchmarks.bench_demo                 # 50 projects
    python -m benchmarks.bench_demo --projects 200
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pmo_xl.collect.run import CollectRequest
from pmo_xl.demo.run import run_demo
from pmo_xl.monthly import run_collect
from pmo_xl.reporting.dashboard import build_dashboard, executive_summary
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.portfolio_workbook import write_portfolio_with_dashboard
from pmo_xl.reporting.report_html import write_report

TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        out = Path(folder) / "demo"
        started = time.perf_counter()
        result = run_demo(out, projects=arguments.projects)
        demo_seconds = time.perf_counter() - started

        # Baseline in the same run: `pmo collect` of the same inbox (every period) into a fresh ledger, with
        # portfolio.xlsx out: the run whose history the dashboard and report then read.
        started = time.perf_counter()
        run_collect(
            CollectRequest(inbox=result.inbox, ledger=Path(folder) / "baseline.db", out=Path(folder) / "baseline.xlsx")
        )
        collect_seconds = time.perf_counter() - started

        started = time.perf_counter()
        from pmo_xl.reporting.views import load_views

        views = load_views(result.ledger, result.register)
        items = read_item_history(result.ledger, views)
        dashboard = build_dashboard(views, items)
        write_portfolio_with_dashboard(views, dashboard, Path(folder) / "portfolio.xlsx")
        write_report(Path(folder) / "report.html", dashboard, executive_summary(views, items), views)
        reporting_seconds = time.perf_counter() - started

    print(f"pmo demo, {arguments.projects} projects x {len(result.periods)} periods: {demo_seconds:.1f} s "
          f"(target < {TARGET_SECONDS:.0f} s) {'OK' if demo_seconds < TARGET_SECONDS else 'MISSED'}")  # fmt: skip
    ratio = reporting_seconds / collect_seconds
    print(f"dashboard + summary + portfolio.xlsx + report.html from the ledger: {reporting_seconds:.2f} s; "
          f"pmo collect of the same inbox: {collect_seconds:.2f} s; ratio {ratio:.2f} (target < 1) "
          f"{'OK' if ratio < 1 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
