"""Reading and validating submissions: 1,000 realistic filled status workbooks, target at least 15x a naive loop.

Run: python3 benchmarks/bench_collect_read.py [--files 1000] [--fault-share 0.0] [--keep DIR]

The workbooks are generated and filled by pmo_xl.demo_data (realistic PM data, carried-forward sized tables).
Ours: list the inbox, read each file once (hash, structure from the zip, values with calamine for the sheets that
hold fields and tables), validate it against its schema, and build one DataFrame per table at the end. The
baseline is the naive loop a PMO analyst would write: openpyxl.load_workbook(data_only=True) on every file and
every cell of every sheet read into lists. Both are timed in the same run, so the ratio does not depend on the
machine; both must find the same number of RAID rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmo_xl.demo_data import demo_projects, fill_demo_inbox
from pmo_xl.generator import generate_for_records
from pmo_xl.inbox_files import list_inbox
from pmo_xl.submission_reader import read_submission
from pmo_xl.template_schemas import PROJECT_STATUS, schema_for
from pmo_xl.validation import validate

TARGET_RATIO = 15.0
PERIOD = "2026-12"
TODAY = dt.date(2027, 1, 10)


def make_inbox(root: Path, files: int, fault_share: float) -> Path:
    rng = random.Random(2026)
    projects = demo_projects(files, rng, PERIOD)
    started = time.perf_counter()
    generated = [g.path for g in generate_for_records(PROJECT_STATUS, projects, root / "generated", PERIOD)]
    inbox = root / "inbox"
    fill_demo_inbox(generated, inbox, rng, fault_share=fault_share)
    print(f"made {files} filled submissions in {time.perf_counter() - started:.1f} s ({inbox})")
    return inbox


def read_ours(inbox: Path) -> tuple[int, int, dict[str, pd.DataFrame]]:
    paths, _skipped = list_inbox(inbox)
    accepted = 0
    rows: dict[str, list[dict]] = {}
    for path in paths:
        parsed, findings = read_submission(path)
        if parsed is None:
            continue
        normalised, more = validate(parsed, schema_for(parsed.metadata.template_id), TODAY)
        if any(f.severity == "error" for f in findings + more):
            continue
        accepted += 1
        for table, table_rows in normalised.tables.items():
            project = normalised.metadata.project_id
            rows.setdefault(table, []).extend({"project_id": project, **row} for row in table_rows)
    frames = {table: pd.DataFrame(table_rows) for table, table_rows in rows.items()}
    raid_rows = len(frames.get("RAID", ()))
    return accepted, raid_rows, frames


def read_naive(inbox: Path) -> int:
    import openpyxl

    raid_rows = 0
    for path in sorted(inbox.rglob("*.xls*")):
        try:
            workbook = openpyxl.load_workbook(path, data_only=True)
        except Exception:  # the naive loop skips what it cannot open
            continue
        for sheet in workbook.worksheets:
            values = [list(row) for row in sheet.iter_rows(values_only=True)]
            if sheet.title == "RAID":
                raid_rows += sum(1 for row in values[4:] if any(cell is not None for cell in row[2:]))
        workbook.close()
    return raid_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--fault-share", type=float, default=0.0)
    parser.add_argument("--keep", type=Path, help="make the inbox here and keep it (reused if it already exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as scratch:
        root = args.keep or Path(scratch)
        inbox = root / "inbox"
        if not (args.keep and inbox.exists()):
            inbox = make_inbox(root, args.files, args.fault_share)
        count = len(list_inbox(inbox)[0])

        started = time.perf_counter()
        accepted, our_raid_rows, frames = read_ours(inbox)
        ours = time.perf_counter() - started
        print(
            f"pmo-xl read + validate + DataFrames: {ours:.2f} s for {count} files ({ours / count * 1000:.1f} ms/file),"
        )
        print(
            f"  {accepted} accepted, {sum(len(f) for f in frames.values()):,} table rows, {our_raid_rows:,} RAID rows"
        )

        started = time.perf_counter()
        naive_raid_rows = read_naive(inbox)
        naive = time.perf_counter() - started
        print(f"naive openpyxl loop (all sheets):   {naive:.2f} s ({naive / count * 1000:.1f} ms/file)")

    if args.fault_share == 0 and naive_raid_rows != our_raid_rows:
        print(f"MISMATCH: the naive loop found {naive_raid_rows} RAID rows, pmo-xl {our_raid_rows}")
        return 1
    ratio = naive / ours
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(f"ratio: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
