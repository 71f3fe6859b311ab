"""History at scale: what a month's collect, dashboard, report and `generate --ledger` cost as the ledger's history
grows, before and after the ledger's derived tables (ledger version 3), in the same run.

    python -m benchmarks.bench_history                      # 200 projects x 6, 12, 24, 36 periods, 3 runs each
    python -m benchmarks.bench_history --periods 6,36 --runs 2
    python -m benchmarks.bench_history --full               # adds 2,000 projects x 36 periods (after only)
    python -m benchmarks.bench_history --full --periods none --work DIR   # only that, on ledgers kept in DIR

How:
- "Before" is the release before this work (--before, a git commit), installed from that commit into a second venv
  (pip install --no-deps of its wheel; its dependencies come from this venv through a .pth file, as in
  tests/test_installed_wheel.py). "After" is this checkout.
- The ledgers are built by the real path, by the before release (whose ledger the after release upgrades): for each
  period, `generate` with carry-forward from the ledger, every workbook filled as a PM would (pmo_xl.demo.data),
  then `collect`. The ledger after 6, 12, 24 and 36 periods is kept, with the next month's filled inbox. The after
  release's copy of each is upgraded and its derived tables built once (`pmo ledger rebuild`): its steady state.
- For each size, each command runs as its own process, before and after alternated run by run (ABBA), so a busy
  spell on this shared machine falls on both alike. Measured per process (os.wait4): CPU seconds (user + system)
  and peak memory (max RSS). Medians are shown, with the growth from the smallest to the largest history and per
  month of history.
- --full: 2,000 projects x 36 periods, written through the ledger's own write API from realistic parsed submissions
  (one filled month, read by collect's reader, repeated with each period's identity), after release only: a new
  month's collect of 2,000 files into it against the same collect into an empty ledger, and the dashboard and
  report.

Targets (issue 14): from 6 to 36 periods each of collect, dashboard and report grows at most 1.3x in CPU and in
peak memory; at 2,000 x 36 a new month's collect costs at most 1.5x the same collect into an empty ledger, and
dashboard and report take at most 8 s and 400 MB each. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEFORE = "6c8a030"
FIRST_PERIOD = "2024-01"
TODAY = "2027-06-01"
COMMANDS = ("collect", "dashboard", "report", "generate --ledger")
GROWTH_TARGET = 1.3
FULL_COLLECT_TARGET = 1.5
FULL_SECONDS, FULL_MB = 8.0, 400.0

# Run by the before release's python: the ledger built by the real path, one period at a time.
BUILD = textwrap.dedent(
    """
    import hashlib, random, shutil, sys, datetime as dt
    from pathlib import Path
    from pmo_xl.collect.run import CollectRequest
    from pmo_xl.demo.data import fill_demo_submission
    from pmo_xl.demo.run import _write_register, sample_register
    from pmo_xl.generate.carry_forward import carry_forward_from_ledger
    from pmo_xl.generate.generator import generate_for_records
    from pmo_xl.monthly import run_collect
    from pmo_xl.periods import month_add
    from pmo_xl.register import read_register
    from pmo_xl.templates.catalog import PROJECT_STATUS

    root, projects, first = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    sizes = sorted(int(size) for size in sys.argv[4].split(","))
    rng = random.Random(5)
    register = _write_register(sample_register(projects, first, 7), root / "register.csv")
    records = [r for r in read_register(register, PROJECT_STATUS) if r.lifecycle_status == "active"]
    ledger = root / "ledger.db"
    for index in range(max(sizes) + 1):
        period = month_add(first, index)
        carry = carry_forward_from_ledger(ledger) if ledger.exists() else None
        day = dt.date.fromisoformat(month_add(period, 1) + "-02")
        generated = generate_for_records(PROJECT_STATUS, records, root / "outbox" / period, period, force=True,
                                         carry_forward=carry, today=day)
        inbox = root / "inbox" / period
        for workbook in generated:
            fill_demo_submission(workbook.path, inbox / workbook.path.name, rng, None, None)
        shutil.rmtree(root / "outbox" / period)
        if index in sizes:
            shutil.copy(ledger, root / f"before-{index}.db")  # the ledger after `index` periods; `period` is next
        if index < max(sizes):
            # As `pmo collect --register` does: the register is recorded with the run, so the views start each
            # project's chain from it.
            source = (str(register), hashlib.sha256(register.read_bytes()).hexdigest())
            run_collect(CollectRequest(inbox=inbox, ledger=ledger, register=records, register_source=source,
                                       period=period, today=day))
        print(f"{period}: {len(generated)} workbooks", flush=True)
    """
)


def _run(command: list[str], **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def before_python(commit: str, folder: Path) -> Path:
    """A venv with the `commit` release installed from its wheel; built once and kept in `folder`."""
    python = folder / "bin" / "python"
    if python.exists():
        return python
    source = folder.with_name(folder.name + "-source")
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    wheels = folder.with_name(folder.name + "-wheels")
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(wheels),
          "-q"])  # fmt: skip
    venv.EnvBuilder(with_pip=False).create(folder)
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (purelib / "bench-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = wheels.glob("pmo_xl-*.whl")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)])
    where = _run([str(python), "-c", "import pmo_xl; print(pmo_xl.__file__)"], cwd=folder).strip()
    assert Path(where).is_relative_to(folder), f"the before release must come from its own venv, not {where}"
    return python


def measured(command: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds, peak MB) of one process, from the kernel's own account of it."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode not in (0,):
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{error[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def pmo(python: Path) -> list[str]:
    return [str(python), "-c", "from pmo_xl.cli import main; main()"]


def month_add(period: str, months: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def command_line(name: str, python: Path, root: Path, size: int, ledger: Path, scratch: Path) -> list[str]:
    period = month_add(FIRST_PERIOD, size)  # the new month
    shown = month_add(FIRST_PERIOD, size - 1)  # the latest collected
    register = root / "register.csv"
    if name == "collect":
        return [*pmo(python), "collect", str(root / "inbox" / period), "--ledger", str(ledger), "--register",
                str(register), "--period", period, "--out", str(scratch / "portfolio.xlsx"), "--today", TODAY]  # fmt: skip
    if name == "dashboard":
        return [*pmo(python), "dashboard", str(scratch / "dashboard.xlsx"), "--ledger", str(ledger), "--period",
                shown, "--today", TODAY]  # fmt: skip
    if name == "report":
        return [*pmo(python), "report", str(scratch / "report.html"), "--ledger", str(ledger), "--period", shown,
                "--today", TODAY]  # fmt: skip
    return [*pmo(python), "generate", "--register", str(register), "--out", str(scratch / "outbox"), "--period",
            period, "--ledger", str(ledger), "--force"]  # fmt: skip


def _fresh_copy(source: Path, scratch: Path) -> Path:
    for name in scratch.iterdir():
        shutil.rmtree(name) if name.is_dir() else name.unlink()
    target = scratch / "ledger.db"
    shutil.copy(source, target)
    return target


def history_runs(args, root: Path, before: Path) -> dict:
    after = Path(sys.executable)
    sizes = sorted(int(size) for size in args.periods.split(","))
    if not (root / f"before-{max(sizes)}.db").exists():
        print(f"building the ledgers by the real path ({args.projects} projects, up to {max(sizes)} periods)...",
              flush=True)  # fmt: skip
        # Run from the work folder: `python -c` puts the current folder first on sys.path, and the checkout's own
        # pmo_xl must not stand in for the before release.
        _run([str(before), "-c", BUILD, str(root), str(args.projects), FIRST_PERIOD, ",".join(map(str, sizes))],
             cwd=root)  # fmt: skip
    for size in sizes:
        upgraded = root / f"after-{size}.db"
        if not upgraded.exists():
            shutil.copy(root / f"before-{size}.db", upgraded)
            _run([*pmo(after), "ledger", "rebuild", "--ledger", str(upgraded)])
    results: dict = {}
    scratch = root / "scratch"
    scratch.mkdir(exist_ok=True)
    for size in sizes:
        for name in args.commands:
            runs = {"before": [], "after": []}
            for run in range(args.runs):
                order = ("before", "after") if run % 2 == 0 else ("after", "before")
                for release in order:
                    python = before if release == "before" else after
                    ledger = _fresh_copy(root / f"{release}-{size}.db", scratch)
                    runs[release].append(measured(command_line(name, python, root, size, ledger, scratch), scratch))
            results[(size, name)] = {
                release: (statistics.median(c for c, _m in values), statistics.median(m for _c, m in values))
                for release, values in runs.items()
            }
            b, a = results[(size, name)]["before"], results[(size, name)]["after"]
            print(f"{size:>3} periods  {name:<18} before {b[0]:6.2f} s {b[1]:6.0f} MB   after {a[0]:6.2f} s "
                  f"{a[1]:6.0f} MB   ({b[0] / a[0]:.1f}x less CPU)", flush=True)  # fmt: skip
    return results


def report_growth(results: dict, sizes: list[int], commands: list[str]) -> bool:
    small, large = min(sizes), max(sizes)
    met = True
    print(f"\ngrowth from {small} to {large} periods (per month of history in brackets):")
    for name in commands:
        line = []
        for release in ("before", "after"):
            (c0, m0), (c1, m1) = results[(small, name)][release], results[(large, name)][release]
            per_month_cpu, per_month_mb = (c1 - c0) / (large - small), (m1 - m0) / (large - small)
            line.append(f"{release} CPU {c1 / c0:.2f}x ({per_month_cpu * 1000:+.0f} ms), memory {m1 / m0:.2f}x "
                        f"({per_month_mb:+.1f} MB)")  # fmt: skip
        growth = results[(large, name)]["after"][0] / results[(small, name)]["after"][0]
        memory = results[(large, name)]["after"][1] / results[(small, name)]["after"][1]
        target = name != "generate --ledger"  # the growth target names collect, dashboard and report
        verdict = ""
        if target:
            ok = growth <= GROWTH_TARGET and memory <= GROWTH_TARGET
            met &= ok
            verdict = f"  target <= {GROWTH_TARGET}x: {'PASS' if ok else 'FAIL'}"
        print(f"  {name:<18} {'; '.join(line)}{verdict}")
    return met


def full_run(root: Path, runs: int) -> bool:
    """2,000 projects x 36 periods through the ledger's write API; after release only."""
    full = root / "full"
    full.mkdir(exist_ok=True)
    if not (full / "ledger.db").exists():
        print("building 2,000 x 36 through the ledger's write API...", flush=True)
        _run([sys.executable, "-m", "benchmarks.bench_history_build", str(full), "2000", "36"], cwd=REPO)
    scratch = full / "scratch"
    scratch.mkdir(exist_ok=True)
    after = Path(sys.executable)
    inbox = full / "inbox"
    period = month_add(FIRST_PERIOD, 36)
    collect = [*pmo(after), "collect", str(inbox), "--ledger", "LEDGER", "--period", period, "--out",
               str(scratch / "portfolio.xlsx"), "--today", TODAY]  # fmt: skip
    figures: dict[str, list[tuple[float, float]]] = {"empty": [], "history": [], "dashboard": [], "report": []}
    for run in range(runs):
        for kind in ("empty", "history") if run % 2 == 0 else ("history", "empty"):
            ledger = scratch / "ledger.db"
            ledger.unlink(missing_ok=True)
            if kind == "history":
                shutil.copy(full / "ledger.db", ledger)
            figures[kind].append(measured([str(ledger) if part == "LEDGER" else part for part in collect], scratch))
        figures["dashboard"].append(measured([*pmo(after), "dashboard", str(scratch / "d.xlsx"), "--ledger",
                                              str(full / "ledger.db"), "--today", TODAY], scratch))  # fmt: skip
        figures["report"].append(measured([*pmo(after), "report", str(scratch / "r.html"), "--ledger",
                                           str(full / "ledger.db"), "--today", TODAY], scratch))  # fmt: skip
    medians = {k: (statistics.median(c for c, _ in v), statistics.median(m for _, m in v)) for k, v in figures.items()}
    ratio = medians["history"][0] / medians["empty"][0]
    print("\n2,000 projects x 36 periods (after):")
    print(f"  collect of 2,000 files into an empty ledger {medians['empty'][0]:.1f} s {medians['empty'][1]:.0f} MB; "
          f"into 36 periods {medians['history'][0]:.1f} s {medians['history'][1]:.0f} MB: {ratio:.2f}x "
          f"(target <= {FULL_COLLECT_TARGET}x)")  # fmt: skip
    met = ratio <= FULL_COLLECT_TARGET
    for name in ("dashboard", "report"):
        seconds, mb = medians[name]
        ok = seconds <= FULL_SECONDS and mb <= FULL_MB
        met &= ok
        print(f"  {name}: {seconds:.1f} s, {mb:.0f} MB (target <= {FULL_SECONDS:g} s and {FULL_MB:g} MB): "
              f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--periods", default="6,12,24,36", help="history sizes; none: only --full")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", default=",".join(COMMANDS), help=f"some of: {', '.join(COMMANDS)}")
    parser.add_argument("--before", default=BEFORE, help="the git commit of the release to compare with")
    parser.add_argument("--work", type=Path, help="keep the built ledgers here, to measure again without rebuilding")
    parser.add_argument("--full", action="store_true", help="also 2,000 projects x 36 periods (after only)")
    args = parser.parse_args()
    args.commands = [name.strip() for name in args.commands.split(",")]
    root = args.work or Path(tempfile.mkdtemp(prefix="pmo-bench-history-"))
    root.mkdir(parents=True, exist_ok=True)
    met = True
    if args.periods != "none":
        before = before_python(args.before, root / f"venv-{args.before}")
        results = history_runs(args, root, before)
        met = report_growth(results, sorted(int(s) for s in args.periods.split(",")), args.commands)
    if args.full:
        met &= full_run(root, max(1, args.runs - 1))
    print(f"\n{'all targets met' if met else 'a target is missed'}; work folder {root}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
