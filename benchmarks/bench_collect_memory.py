"""Peak memory of `pmo collect` at 500, 2,000 and 10,000 files: bounded by the largest file, not by the inbox.

Run: python3 benchmarks/bench_collect_memory.py [--sizes 500 2000 10000] [--keep DIR]

The inbox is a PMO's shared folder as it really grows: 500 projects, each sending one realistic filled status
workbook a month (pmo_xl.demo.data, 5 % of them with a PM's fault), so 2,000 files are four months of reports and
10,000 are twenty. Each size is collected into a fresh ledger in its own process, and that process's peak resident
memory (ru_maxrss: Python, calamine, lxml and SQLite alike) is what is measured:

- the intake: collect's reading, judging and recording of every file (`iter_candidates` into `record_candidates`),
  the part of a run that holds files. The target applies here: the peaks within 1.2x of each other, all under
  400 MB. Before streaming, every parsed file stayed in memory to the end: about 1.4 GB at 2,000 files.
- the whole `pmo collect` command (intake, then the views, portfolio.xlsx and the dashboard), for information: its
  views decode the ledger's whole history, which grows with the months collected (issue "History at scale").

Exits 1 when the intake misses its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pmo_xl.demo.data import demo_projects, fill_demo_inbox  # noqa: E402
from pmo_xl.generate.generator import generate_for_records  # noqa: E402
from pmo_xl.periods import month_series  # noqa: E402
from pmo_xl.templates.catalog import PROJECT_STATUS  # noqa: E402

PROJECTS = 500
FIRST_PERIOD = "2025-01"
TARGET_SPREAD = 1.2
TARGET_MB = 400

_INTAKE = """
import datetime as dt, json, resource, sys
from pathlib import Path
from pmo_xl.collect.run import Spill, inbox_paths, iter_candidates, record_candidates
from pmo_xl.ledger import open_ledger
inbox, ledger_path = Path(sys.argv[1]), Path(sys.argv[2])
with open_ledger(ledger_path, write=True) as ledger:
    paths, skipped = inbox_paths(inbox)
    with Spill() as spill:
        recorded = record_candidates(iter_candidates(paths, dt.date(2027, 6, 1), None), ledger, spill)
statuses = {}
for verdict in recorded.verdicts:
    statuses[verdict.status] = statuses.get(verdict.status, 0) + 1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_mb": peak, "files": len(paths), "statuses": statuses}))
"""

_BASELINE = """
import json, resource
import pmo_xl.collect.run, pmo_xl.cli  # everything a run imports, nothing read
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _month(root: Path, period: str, projects: list, rng: random.Random) -> Path:
    """One month of reports, made once: every project's filled workbook for `period`."""
    folder = root / "months" / period
    if folder.exists() and sum(1 for _ in folder.iterdir()) == len(projects):
        return folder
    shutil.rmtree(root / "generated" / period, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    generated = generate_for_records(
        PROJECT_STATUS, projects, root / "generated" / period, period, today=dt.date.fromisoformat(f"{period}-01")
    )
    fill_demo_inbox([g.path for g in generated], folder, rng, fault_share=0.05)
    return folder


def make_inbox(root: Path, files: int) -> Path:
    """`files` reports: PROJECTS projects, one a month from FIRST_PERIOD on (the months made once, and linked into
    each inbox)."""
    started = time.perf_counter()
    rng = random.Random(2026)
    projects = demo_projects(PROJECTS, rng, FIRST_PERIOD)
    inbox = root / f"inbox-{files}"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    for period in month_series(FIRST_PERIOD, -(-files // PROJECTS)):
        month = _month(root, period, projects, random.Random(period))
        for path in sorted(month.iterdir())[: files - sum(1 for _ in inbox.iterdir())]:
            os.link(path, inbox / path.name)
    print(f"inbox of {files} files ready in {time.perf_counter() - started:.0f} s", flush=True)
    return inbox


def _child(code: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"the measured process failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _whole_run(inbox: Path, scratch: Path) -> tuple[float, float]:
    """Peak MB and seconds of the `pmo collect` command as a PMO runs it."""
    ledger, out = scratch / "whole.db", scratch / "portfolio.xlsx"
    script = (
        "import resource, sys\n"
        "from pmo_xl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    args = ["collect", str(inbox), "--ledger", str(ledger), "--out", str(out), "--today", "2027-06-01"]
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=REPO, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    return float(completed.stdout.strip().splitlines()[-1]), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--keep", type=Path, help="make the inboxes here and keep them (reused when present)")
    parser.add_argument("--whole", action="store_true", help="also measure the whole pmo collect command")
    parser.add_argument("--runs", type=int, default=3, help="runs a size, the median peak counts (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch_name:
        scratch = Path(scratch_name)
        root = args.keep or scratch
        baseline = _child(_BASELINE)["peak_mb"]
        print(f"imports alone: {baseline:.0f} MB")
        peaks: dict[int, float] = {}
        for size in args.sizes:
            inbox = make_inbox(root, size)
            ledger = scratch / f"intake-{size}.db"
            started = time.perf_counter()
            runs = []
            for _attempt in range(args.runs):  # the median of a few: a run's peak moves by +-3 MB on a busy machine
                ledger.unlink(missing_ok=True)
                runs.append(_child(_INTAKE, str(inbox), str(ledger)))
            seconds = (time.perf_counter() - started) / args.runs
            measured = sorted(runs, key=lambda run: run["peak_mb"])[len(runs) // 2]
            peaks[size] = measured["peak_mb"]
            print(
                f"intake of {measured['files']:>6,} files: peak {measured['peak_mb']:6.0f} MB (median of "
                f"{', '.join(str(round(run['peak_mb'])) for run in runs)}) in {seconds:5.0f} s "
                f"({measured['statuses']})",
                flush=True,
            )
            if args.whole:
                whole_peak, whole_seconds = _whole_run(inbox, scratch)
                print(f"  whole pmo collect: peak {whole_peak:6.0f} MB in {whole_seconds:5.0f} s", flush=True)
    spread = max(peaks.values()) / min(peaks.values())
    highest = max(peaks.values())
    verdict = "PASS" if spread <= TARGET_SPREAD and highest < TARGET_MB else "FAIL"
    print(
        f"intake peaks within {spread:.2f}x of each other (target <= {TARGET_SPREAD}x), highest {highest:.0f} MB "
        f"(target < {TARGET_MB} MB): {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
