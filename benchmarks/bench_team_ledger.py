"""The team ledger against the embedded one: the same 1,000-file collect and the same dashboard on SQLite and on
PostgreSQL, on this machine.

    python -m benchmarks.bench_team_ledger                 # 1,000 files, 3 runs each, alternated
    python -m benchmarks.bench_team_ledger --files 200 --runs 2 --work DIR

How:
- One month's inbox of 1,000 status reports as PMs fill them (pmo_xl.demo.data, 5% faulty), made once.
- PostgreSQL: a local cluster started for the run (tests/postgres.py) with its durable defaults (fsync and
  synchronous commit on, as a real server runs), over its unix socket; SQLite: a file on the local disk.
- Each run: `pmo collect` of the inbox into a new ledger, then `pmo dashboard` from it, each its own process; the
  back ends alternate run by run (ABBA), so a busy spell on this shared 2-core machine falls on both alike.
- Measured: wall seconds (the figure compared: a PostgreSQL client's work is partly the server's, in another
  process) and the pmo process's CPU seconds (os.wait4). Medians, and the ratio PostgreSQL / SQLite.

Target (issue 19): PostgreSQL within 1.5x of SQLite for the collect and for the dashboard. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PERIOD = "2026-11"
TODAY = "2026-12-10"
TARGET = 1.5
PMO = [str(Path(sys.executable).parent / "pmo")]


def make_inbox(folder: Path, files: int) -> Path:
    from pmo_xl.demo.data import demo_projects, fill_demo_inbox
    from pmo_xl.generate.generator import generate_for_records
    from pmo_xl.templates.catalog import PROJECT_STATUS

    inbox = folder / "inbox"
    if inbox.is_dir() and len(list(inbox.iterdir())) == files:
        return inbox
    shutil.rmtree(folder / "generated", ignore_errors=True)
    shutil.rmtree(inbox, ignore_errors=True)
    rng = random.Random(19)
    generated = generate_for_records(PROJECT_STATUS, demo_projects(files, rng, PERIOD), folder / "generated", PERIOD)
    fill_demo_inbox([g.path for g in generated], inbox, rng, fault_share=0.05)
    return inbox


def timed(arguments: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process) of one pmo command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen([*PMO, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"pmo {' '.join(arguments)} failed: {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the inbox here between runs")
    options = parser.parse_args()
    from tests.postgres import PostgresServer

    work = options.work or Path(tempfile.mkdtemp(prefix="bench-team-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"making {options.files} filled workbooks in {work} ...", flush=True)
    inbox = make_inbox(work, options.files)
    measured: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with PostgresServer(durable=True) as server:
        for run in range(options.runs):
            order = ("sqlite", "postgresql") if run % 2 == 0 else ("postgresql", "sqlite")
            for backend in order:
                out = work / f"out-{backend}-{run}"
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                ledger = str(out / "pmo_ledger.db") if backend == "sqlite" else server.new_database("bench")
                collect = ["collect", str(inbox), "--ledger", ledger, "--out", str(out / "portfolio.xlsx"),
                           "--today", TODAY]  # fmt: skip
                dashboard = ["dashboard", str(out / "dashboard.xlsx"), "--ledger", ledger]
                for name, arguments in (("collect", collect), ("dashboard", dashboard)):
                    result = timed(arguments)
                    measured.setdefault((name, backend), []).append(result)
                    print(f"run {run + 1} {backend:10} {name:9} {result[0]:6.2f} s wall {result[1]:6.2f} s CPU",
                          flush=True)  # fmt: skip
    print(f"\n{options.files} files, medians of {options.runs} runs")
    print("| step | SQLite wall s (CPU s) | PostgreSQL wall s (CPU s) | ratio (wall) |")
    print("| --- | --- | --- | --- |")
    missed = []
    for name in ("collect", "dashboard"):
        sqlite = [statistics.median(v) for v in zip(*measured[(name, "sqlite")], strict=True)]
        postgres = [statistics.median(v) for v in zip(*measured[(name, "postgresql")], strict=True)]
        ratio = postgres[0] / sqlite[0]
        print(f"| {name} | {sqlite[0]:.2f} ({sqlite[1]:.2f}) | {postgres[0]:.2f} ({postgres[1]:.2f}) | {ratio:.2f}x |")
        if ratio > TARGET:
            missed.append(f"{name}: PostgreSQL {ratio:.2f}x SQLite (target {TARGET}x)")
    for line in missed:
        print(f"MISSED {line}")
    if options.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
