"""The review pack for 200 projects: `pmo review-pack OUT.pdf` (HTML printed by headless Chromium), target <= 30 s.

Run: python3 benchmarks/bench_review_pack.py [--projects 200] [--rounds 3]

The portfolio is the demo's (`run_demo`, 200 projects over 3 periods, with capacity and requests). The yardstick
is `pmo report` on the same ledger with the same options, measured alternately with the pack in the same run, so
the ratio does not depend on the machine. Each is the whole command as a PMO runs it (a fresh process). The PDF is
then read back: one page per active project, or the run fails.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmo_xl.demo.run import run_demo

TARGET_SECONDS = 30.0
PMO = [sys.executable, "-c", "from pmo_xl.cli import main; main()"]


def _timed(arguments: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([*PMO, *arguments], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"pmo {' '.join(arguments)} failed:\n{result.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as folder:
        demo = Path(folder) / "demo"
        print(f"demo of {options.projects} projects ...", flush=True)
        run_demo(demo, projects=options.projects, periods=3, seed=7)
        inputs = ["--ledger", str(demo / "pmo_ledger.db"), "--register", str(demo / "register.csv"),
                  "--capacity", str(demo / "capacity.xlsx"), "--requests", str(demo / "requests.xlsx"),
                  "--today", "2026-12-10"]  # fmt: skip
        pack, report = [], []
        for _round in range(options.rounds):  # alternately, so both see the same machine
            pack.append(_timed(["review-pack", str(Path(folder) / "pack.pdf"), *inputs]))
            report.append(_timed(["report", str(Path(folder) / "report.html"), *inputs]))
        from pypdf import PdfReader

        reader = PdfReader(Path(folder) / "pack.pdf")
        counters = [re.search(r"project (\d+) of (\d+)", page.extract_text()) for page in reader.pages]
        found = [match for match in counters if match]
        assert found and len(found) == int(found[0].group(2)), "not one page per active project"
        best_pack, best_report = min(pack), min(report)
        print(f"pmo review-pack: {', '.join(f'{t:.1f}' for t in pack)} s (best {best_pack:.1f} s), "
              f"{len(reader.pages)} pages, {len(found)} project pages")  # fmt: skip
        print(f"pmo report:      {', '.join(f'{t:.1f}' for t in report)} s (best {best_report:.1f} s)")
        print(f"ratio pack / report: {best_pack / best_report:.2f}x; target <= {TARGET_SECONDS:.0f} s: "
              f"{'met' if best_pack <= TARGET_SECONDS else 'MISSED'}")  # fmt: skip
        return 0 if best_pack <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
