"""Benchmark: `pmo templates upgrade` over 500 status workbooks PMs hold (issue 16: an upgrade of 500 workbooks in
<= 30 s on this machine).

The workbooks are made by the benchmark at the status template's version 1.0 (built from `schema_at`, as an older
pmo-xl wrote it), for 500 projects, and half of them half-filled as a PM would (the required fields, RAID and
Milestones rows, by defined name and header); the other half stay blank. The upgrade moves them to the current
version (1.1).

Each timed run is the real command in a fresh process (`pmo templates upgrade DIR --out OUT --json`), so Python's
start, reading every workbook as collect reads it, rendering each from the current template and writing it all
count; its JSON summary is checked (every workbook upgraded). It alternates, run by run (--runs times each, after
one untimed warm-up of each), with a baseline: `pmo generate` of the same 500 projects from the register, i.e.
making the same number of fresh workbooks without reading any. The ratio says what reading and moving the PMs'
entries adds. The target is on the upgrade; the script exits 1 when it is missed.

    python -m benchmarks.bench_upgrade                        # 500 workbooks, 3 runs each
    python -m benchmarks.bench_upgrade --workbooks 50 --runs 1   # a quick check
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-10"
TARGET_SECONDS = 30.0


def make_inputs(folder: Path, workbooks: int) -> Path:
    """The register, the 1.0 template and `workbooks` 1.0 workbooks (every other one half-filled) in `folder/held`."""
    from pmo_xl.excel.package import XlsxPackage
    from pmo_xl.excel.sheet_xml import SheetPatcher
    from pmo_xl.generate.generator import generate_for_records
    from pmo_xl.register import read_register
    from pmo_xl.templates.builder import build_template
    from pmo_xl.templates.catalog import PROJECT_STATUS
    from pmo_xl.templates.versions import schema_at

    register = folder / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,pm_email,sponsor,programme,start_date,end_date,budget,currency,"
        "money_unit,lifecycle_status\n"
        + "".join(f"P-{n:04d},Project {n},PM {n},pm{n}@example.org,Sponsor,Programme {n % 7},2026-01-15,2027-12-31,"
                  f"{10000 + n},EUR,k,active\n" for n in range(1, workbooks + 1)),
        encoding="utf-8",
    )  # fmt: skip
    old = schema_at("project_status", "1.0")
    build_template(old, folder / "templates-1.0" / "project_status.xlsx")
    generated = folder / "generated"
    generate_for_records(old, read_register(register, PROJECT_STATUS), generated, PERIOD,
                         templates_dir=folder / "templates-1.0")  # fmt: skip
    held = folder / "held"
    held.mkdir()
    fields = {"submitted_on": dt.date(2026, 10, 8), "percent_complete": 0.45, "actual_to_date": 1200,
              "estimate_at_completion": 9800, "forecast_end_date": dt.date(2027, 6, 30), "rag_overall": "Amber",
              "rag_overall_rationale": "Supplier late", "rag_overall_path_to_green": "Second supplier",
              "key_achievements": "Pilot live in two sites",
              **{f"rag_{d}": "Green" for d in ("schedule", "cost", "scope", "resources", "benefits")}}  # fmt: skip
    tables = {
        "RAID": [{"type": "Risk", "description": f"Risk {i}", "owner": "Ana", "date_raised": dt.date(2026, 9, i),
                  "probability": 3, "impact": 4, "status": "Open"} for i in range(1, 6)],
        "Milestones": [{"name": f"Gate {i}", "baseline_date": dt.date(2027, i, 1),
                        "forecast_date": dt.date(2027, i, 15)} for i in range(1, 5)],
    }  # fmt: skip
    for index, path in enumerate(sorted(generated.glob("*.xlsx"))):
        if index % 2:
            shutil.copy(path, held / path.name)
            continue
        package = XlsxPackage(path.read_bytes(), str(path))
        structure = package.structure
        cells: dict[str, dict[tuple[int, int], object]] = {}
        for name, value in fields.items():
            ref = structure.name(name)
            cells.setdefault(structure.sheet_parts[ref.sheet], {})[(ref.row, ref.column)] = value
        for table_name, rows in tables.items():
            found = structure.table(table_name)
            table = old.table(table_name)
            position = {h.casefold(): found.first_column + i for i, h in enumerate(found.headers)}
            for excel_row, row in zip(found.body_rows, rows, strict=False):
                for key, value in row.items():
                    column = position[table.column(key).header.casefold()]
                    cells.setdefault(structure.sheet_parts[found.sheet], {})[(excel_row, column)] = value
        replacements = {part: SheetPatcher(package.members[part], structure.date1904).patch(values)
                        for part, values in cells.items()}  # fmt: skip
        (held / path.name).write_bytes(package.write(replacements))
    shutil.rmtree(generated)
    return held


def run(command: list[str], folder: Path) -> tuple[float, str]:
    """One `pmo` command in a fresh process: its seconds and its stdout. No adopted template is in the way."""
    environment = {
        **os.environ,
        "XDG_DATA_HOME": str(folder / "no-adopted"),
        "LOCALAPPDATA": str(folder / "no-adopted"),
    }
    with tempfile.TemporaryFile("w+") as errors, tempfile.TemporaryFile("w+") as output:
        start = time.perf_counter()
        process = subprocess.run([sys.executable, "-c", "from pmo_xl.cli import main; main()", *command],
                                 stdout=output, stderr=errors, cwd=REPO, env=environment)  # fmt: skip
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"pmo {command[0]} failed ({process.returncode}):\n{errors.read()[-2000:]}")
        output.seek(0)
        return elapsed, output.read()


def run_upgrade(folder: Path, held: Path, workbooks: int) -> float:
    target = folder / "upgraded"
    shutil.rmtree(target, ignore_errors=True)
    elapsed, printed = run(["templates", "upgrade", str(held), "--out", str(target), "--json"], folder)
    summary = json.loads(printed.strip().splitlines()[-1])
    if summary["counts"] != {"upgraded": workbooks, "current": 0, "refused": 0, "skipped": 0}:
        raise SystemExit(f"the upgrade did not upgrade every workbook: {summary['counts']}")
    return elapsed


def run_generate(folder: Path) -> float:
    target = folder / "generated-now"
    shutil.rmtree(target, ignore_errors=True)
    command = ["generate", "--register", str(folder / "register.csv"), "--out", str(target), "--period", PERIOD]
    return run(command, folder)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbooks", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-upgrade-") as temporary:
        folder = Path(temporary)
        start = time.perf_counter()
        held = make_inputs(folder, options.workbooks)
        print(f"{options.workbooks} workbooks at status 1.0 (half half-filled, half blank) made in "
              f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
        run_upgrade(folder, held, options.workbooks)  # warm-ups, untimed
        run_generate(folder)
        upgrades, generates = [], []
        for number in range(options.runs):
            upgrades.append(run_upgrade(folder, held, options.workbooks))
            generates.append(run_generate(folder))
            print(f"  run {number + 1}: upgrade {upgrades[-1]:.1f} s, generate (baseline) {generates[-1]:.1f} s",
                  flush=True)  # fmt: skip
    upgrade, generate = statistics.median(upgrades), statistics.median(generates)
    print(f"pmo templates upgrade: {options.workbooks} workbooks 1.0 -> current, median {upgrade:.1f} s "
          f"({1000 * upgrade / options.workbooks:.0f} ms a workbook); target {TARGET_SECONDS:.0f} s")  # fmt: skip
    print(f"pmo generate of the same {options.workbooks} projects (baseline): median {generate:.1f} s; upgrade / "
          f"generate = {upgrade / generate:.2f}")  # fmt: skip
    ok = upgrade <= TARGET_SECONDS * options.workbooks / 500
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
