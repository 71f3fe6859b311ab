"""Start-up: `pmo --help` within 1.5x of a bare `python -c "import click"`.

Run: python3 benchmarks/bench_startup.py [--runs 20]

Both are started as new processes, alternating, so a busy second on this shared machine falls on both alike; the
medians are compared. Before the lazy command group, `pmo --help` imported every command's module (pandas, numpy,
scipy...): about 0.5 s and 78 MB. Exits 1 when the ratio is over the target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5
PMO_HELP = [sys.executable, "-c", "from pmo_xl.cli import main\nmain(['--help'])"]
BARE_CLICK = [sys.executable, "-c", "import click"]


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    _seconds(PMO_HELP), _seconds(BARE_CLICK)  # warm the file cache for both
    ours, bare = [], []
    for _run in range(args.runs):
        ours.append(_seconds(PMO_HELP))
        bare.append(_seconds(BARE_CLICK))
    ratio = statistics.median(ours) / statistics.median(bare)
    print(f"pmo --help:            median {statistics.median(ours) * 1000:.0f} ms over {args.runs} runs")
    print(f'python -c "import click": median {statistics.median(bare) * 1000:.0f} ms')
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio: {ratio:.2f}x (target <= {TARGET_RATIO}x): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
