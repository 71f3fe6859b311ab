"""Reading and validating submissions: 1,000 realistic filled status workbooks, target at least 15x a naive loop.

Run: python3 benchmarks/bench_collect_read.py [--files 1000] [--fault-share 0.0] [--keep DIR]

The workbooks are generated and filled by pmo_xl.demo.data (realistic PM data, carried-forward sized tables).
Ours: collect's own reading pipeline (`pmo_xl.collect.run.iter_candidates`): list the inbox, read each file once (hash,
structure from the zip, every part read checked for damage, values with calamine for the sheets that hold fields
and tables), validate it against its schema, and build one DataFrame per table at the end. collect reads a few
files at once on threads (calamine, zlib and hashlib let go of the GIL); the same pipeline on one thread is timed
too, and both ratios are printed: the target applies to what collect does, the one-thread figure says what the
checks cost. The
baseline is the naive loop a PMO analyst would write: openpyxl.load_workbook(data_only=True) on every file and
every cell of every sheet read into lists. Both are timed in the same run, so the ratio does not depend on the
machine; both must find the same number of RAID rows. The two readers alternate file by file, so load from other
work on the machine falls on both alike. Exits 1 when the ratio is under the target or the row counts differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmo_xl.collect.inbox import list_inbox
from pmo_xl.collect.run import iter_candidates
from pmo_xl.demo.data import demo_projects, fill_demo_inbox
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS

TARGET_RATIO = 15.0
BATCH_FILES = 100
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


@dataclass
class _OurRead:
    """The running state of our read: accepted count and every accepted table row, framed at the end."""

    accepted: int = 0
    rows: dict[str, list[dict]] = field(default_factory=dict)

    def read(self, paths: list[Path], workers: int | None) -> None:
        for candidate in iter_candidates(paths, TODAY, None, workers=workers):
            if candidate.rejected:
                continue
            self.accepted += 1
            project = candidate.submission.metadata.project_id
            for table, table_rows in candidate.submission.tables.items():
                self.rows.setdefault(table, []).extend({"project_id": project, **row} for row in table_rows)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {table: pd.DataFrame(table_rows) for table, table_rows in self.rows.items()}


def read_naive(path: Path) -> int:
    """RAID rows in one workbook, read the way a PMO analyst's openpyxl loop reads it: every cell of every sheet."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception:  # the naive loop skips what it cannot open
        return 0
    raid_rows = 0
    for sheet in workbook.worksheets:
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        if sheet.title == "RAID":
            raid_rows += sum(1 for row in values[4:] if any(cell is not None for cell in row[2:]))
    workbook.close()
    return raid_rows


def read_both(
    inbox: Path,
) -> tuple[_OurRead, dict[str, pd.DataFrame], list[float], list[float], list[float], int]:
    """The readers in alternating batches of files, so a burst of load on a shared machine falls on all alike:
    timing each side in one long block let a busy second on the short side swing the ratio by a third. Batches,
    not single files, so the naive loop's heap churn does not evict our caches before every file (and collect's
    threads have files to share). Times are per batch, spread evenly over its files."""
    ours, serial = _OurRead(), _OurRead()
    our_times: list[float] = []
    serial_times: list[float] = []
    naive_times: list[float] = []
    naive_raid_rows = 0
    our_paths = list_inbox(inbox)[0]
    naive_paths = sorted(inbox.rglob("*.xls*"))
    for start in range(0, max(len(our_paths), len(naive_paths)), BATCH_FILES):
        batch = our_paths[start : start + BATCH_FILES]
        for reader, times, workers in ((ours, our_times, None), (serial, serial_times, 1)):
            started = time.perf_counter()
            reader.read(batch, workers)
            times.extend([(time.perf_counter() - started) / len(batch)] * len(batch))
        for path in naive_paths[start : start + BATCH_FILES]:
            started = time.perf_counter()
            naive_raid_rows += read_naive(path)
            naive_times.append(time.perf_counter() - started)
    started = time.perf_counter()
    frames = ours.frames()
    our_times.append(time.perf_counter() - started)  # counted in our total, not a file
    serial_times.append(our_times[-1])
    return ours, frames, our_times, serial_times, naive_times, naive_raid_rows


def naive_total_of(times: list[float]) -> float:
    return sum(times)


def _per_file(times: list[float]) -> str:
    """Median, 90th percentile and slowest, in ms a file."""
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (
        f"median {statistics.median(ordered) * 1000:.1f}, p90 {p90 * 1000:.1f}, slowest {ordered[-1] * 1000:.1f} "
        "ms/file"
    )


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
        ours, frames, our_times, serial_times, naive_times, naive_raid_rows = read_both(inbox)
    our_raid_rows = len(frames.get("RAID", ()))
    count = len(our_times) - 1
    our_total, naive_total = sum(our_times), sum(naive_times)
    print(
        f"pmo-xl read + validate + DataFrames: {our_total:.2f} s for {count} files "
        f"({our_total / count * 1000:.1f} ms/file; {_per_file(our_times[:-1])}; DataFrames {our_times[-1]:.2f} s)"
    )
    serial_total = sum(serial_times)
    print(
        f"  the same on one thread: {serial_total:.2f} s ({serial_total / count * 1000:.1f} ms/file), "
        f"{naive_total_of(naive_times) / serial_total:.1f}x the naive loop"
    )
    print(
        f"  {ours.accepted} accepted, {sum(len(f) for f in frames.values()):,} table rows, {our_raid_rows:,} RAID rows"
    )
    print(
        f"naive openpyxl loop (all sheets):   {naive_total:.2f} s for {len(naive_times)} files "
        f"({naive_total / len(naive_times) * 1000:.1f} ms/file; {_per_file(naive_times)})"
    )
    if args.fault_share == 0 and naive_raid_rows != our_raid_rows:
        print(f"MISMATCH: the naive loop found {naive_raid_rows} RAID rows, pmo-xl {our_raid_rows}")
        return 1
    ratio = naive_total / our_total
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(f"ratio: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
