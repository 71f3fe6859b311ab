"""Benchmark: `pmo generate --plans` over 200 Microsoft Project plans of 300 tasks each (issue 15: 200 plans of 300
tasks imported in <= 60 s on this machine, peak memory <= 2 GB).

The plans are made by the benchmark: Project XML written here (phases, work tasks with the fields Project saves,
ten milestones with baseline 0 and 1, progress, flags), and a share of them (--mpx-share, default half) turned into
MPX by MPXJ (MPXJ cannot write .mpp, so .mpp is not timed here; its reader is the same MPXJ call as .mpx's). A
.mpx plan is read through MPXJ in the run, so the Java start and the bridge are in the time.

Each timed run is the real command in a fresh process (`pmo generate --register ... --plans DIR`), so Python's
start, the JVM's start and every file written count. It alternates, run by run (--runs times each, after one
untimed warm-up of each), with the same command without --plans: the difference is what reading the plans and
filling the Milestones cost. The target is on the run with plans; the script exits 1 when it is missed.

    python -m benchmarks.bench_plans                  # 200 plans x 300 tasks, half as MPX, 3 runs each
    python -m benchmarks.bench_plans --plans 20 --runs 1   # a quick check
"""

from __future__ import annotations

import argparse
import datetime as dt
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
PERIOD = "2026-04"
TARGET_SECONDS = 60.0
MEMORY_LIMIT_MB = 2048
FLAG1_FIELD_ID = 188743752  # Project's Flag1, as MPXJ and Project XML number it


def _moment(day: dt.date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00"


def _working_days_after(day: dt.date, days: int) -> dt.date:
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def plan_xml(title: str, tasks: int, rng: random.Random, status_date: dt.date) -> str:
    """A Project XML plan of `tasks` tasks: phases of about 30 tasks, one milestone closing each, as Project saves
    them (durations, work, cost, baselines 0 and 1, progress to `status_date`, Flag1 on the milestones)."""
    start = dt.date(2026, 1, 5)
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<Project xmlns="http://schemas.microsoft.com/project">',
        f"<SaveVersion>14</SaveVersion><Name>{title}.xml</Name><Title>{title}</Title>",
        f"<StartDate>{_moment(start, 8)}</StartDate><StatusDate>{_moment(status_date, 17)}</StatusDate>",
        "<CalendarUID>1</CalendarUID><MinutesPerDay>480</MinutesPerDay><MinutesPerWeek>2400</MinutesPerWeek>",
        "<Tasks>",
        f"<Task><UID>0</UID><ID>0</ID><Name>{title}</Name><OutlineLevel>0</OutlineLevel><Summary>1</Summary></Task>",
    ]
    uid, previous_finish = 0, start - dt.timedelta(days=3)
    phases = max(1, tasks // 30)
    per_phase = [tasks // phases + (1 if index < tasks % phases else 0) for index in range(phases)]
    for phase_number, size in enumerate(per_phase, start=1):
        uid += 1
        lines.append(
            f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Phase {phase_number}</Name><OutlineLevel>1</OutlineLevel>"
            "<Summary>1</Summary><Milestone>0</Milestone></Task>"
        )
        for index in range(size - 1):
            uid += 1
            milestone = index == size - 2
            days = 0 if milestone else rng.randint(1, 10)
            task_start = previous_finish if milestone else _working_days_after(previous_finish, 1)
            baseline_finish = task_start if milestone else _working_days_after(task_start, days - 1)
            finish = _working_days_after(baseline_finish, rng.choice((0, 0, 0, 1, 3)))
            previous_finish = finish
            progress = ""
            if finish <= status_date:
                progress = (
                    f"<ActualStart>{_moment(task_start, 8)}</ActualStart>"
                    f"<ActualFinish>{_moment(finish, 17)}</ActualFinish><PercentComplete>100</PercentComplete>"
                )
            elif task_start <= status_date:
                progress = f"<ActualStart>{_moment(task_start, 8)}</ActualStart><PercentComplete>50</PercentComplete>"
            else:
                progress = "<PercentComplete>0</PercentComplete>"
            flag = (
                f"<ExtendedAttribute><FieldID>{FLAG1_FIELD_ID}</FieldID><Value>1</Value></ExtendedAttribute>"
                if milestone
                else ""
            )
            lines.append(
                f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Phase {phase_number} task {index + 1}</Name>"
                f"<Type>1</Type><IsNull>0</IsNull><CreateDate>{_moment(start, 8)}</CreateDate>"
                f"<WBS>{phase_number}.{index + 1}</WBS><OutlineNumber>{phase_number}.{index + 1}</OutlineNumber>"
                f"<OutlineLevel>2</OutlineLevel><Priority>500</Priority><Summary>0</Summary>"
                f"<Milestone>{int(milestone)}</Milestone><Critical>{rng.randint(0, 1)}</Critical>"
                f"<Start>{_moment(task_start, 8)}</Start><Finish>{_moment(finish, 17)}</Finish>"
                f"<Duration>PT{days * 8}H0M0S</Duration><DurationFormat>7</DurationFormat>"
                f"<Work>PT{days * 16}H0M0S</Work><Cost>{days * 1200}</Cost><FixedCost>0</FixedCost>"
                f"<ConstraintType>0</ConstraintType><CalendarUID>-1</CalendarUID>{progress}"
                f"<Baseline><Number>0</Number><Start>{_moment(task_start, 8)}</Start>"
                f"<Finish>{_moment(baseline_finish, 17)}</Finish><Duration>PT{days * 8}H0M0S</Duration>"
                f"<Cost>{days * 1200}</Cost></Baseline>"
                f"<Baseline><Number>1</Number><Start>{_moment(task_start, 8)}</Start>"
                f"<Finish>{_moment(baseline_finish, 17)}</Finish></Baseline>{flag}</Task>"
            )
    lines += ["</Tasks>", "</Project>"]
    return "\n".join(lines)


def to_mpx(xml_paths: list[Path]) -> None:
    """Each Project XML plan rewritten by MPXJ as .mpx beside it, the .xml removed."""
    import jpype
    import mpxj  # noqa: F401  (puts MPXJ's jars on the class path)

    jpype.startJVM("-Dlog4j2.StatusLogger.level=OFF", "-Djava.awt.headless=true", convertStrings=False)
    from org.mpxj.mpx import MPXWriter
    from org.mpxj.mspdi import MSPDIReader

    for path in xml_paths:
        project = MSPDIReader().read(str(path))
        MPXWriter().write(project, str(path.with_suffix(".mpx")))
        path.unlink()


def make_inputs(folder: Path, plans: int, tasks: int, mpx_share: float, seed: int) -> Path:
    rng = random.Random(seed)
    plans_dir = folder / "plans"
    plans_dir.mkdir(parents=True)
    rows = ["project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,currency,money_unit"]
    xml_paths = []
    for number in range(1, plans + 1):
        project_id = f"PRJ-{number:04d}"
        rows.append(f"{project_id},Project {number},PM {number % 40},pm{number}@example.org,Sponsor,2026-01-05,"
                    "2027-06-30,EUR,k")  # fmt: skip
        path = plans_dir / f"{project_id}.xml"
        path.write_text(plan_xml(f"Project {number}", tasks, rng, dt.date(2026, 4, 10)), encoding="utf-8")
        xml_paths.append(path)
    mpx_count = round(plans * mpx_share)
    if mpx_count:
        # MPXJ is started in a child process: this one must stay free of a JVM, like a user's shell.
        code = (
            "import sys; from pathlib import Path; from benchmarks.bench_plans import to_mpx; "
            "to_mpx([Path(p) for p in sys.argv[1:]])"
        )
        subprocess.run([sys.executable, "-c", code, *map(str, xml_paths[:mpx_count])], check=True, cwd=REPO)
    (folder / "register.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return plans_dir


def run_generate(folder: Path, out: str, with_plans: bool) -> tuple[float, float]:
    """One `pmo generate` in a fresh process: its seconds, and its peak memory (MB, its own maximum resident set)."""
    target = folder / out
    shutil.rmtree(target, ignore_errors=True)
    command = [sys.executable, "-c", "from pmo_xl.cli import main; main()", "generate", "--register",
               str(folder / "register.csv"), "--out", str(target), "--period", PERIOD]  # fmt: skip
    if with_plans:
        command += ["--plans", str(folder / "plans"), "--key-flag", "Flag1"]
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)  # this process's own usage, not every child's so far
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"pmo generate failed ({process.returncode}):\n{errors.read()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def _milestone_rows(workbook: Path) -> int:
    from pmo_xl.collect.reader import read_submission

    parsed, findings = read_submission(workbook)
    if parsed is None:
        raise SystemExit(f"{workbook}: not read back: {findings}")
    return sum(str(row.get("id", "")).startswith("M-P") for row in parsed.tables["Milestones"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--mpx-share", type=float, default=0.5, help="share of the plans written as MPX by MPXJ")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=15)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-plans-") as temporary:
        folder = Path(temporary)
        made = time.perf_counter()
        plans_dir = make_inputs(folder, options.plans, options.tasks, options.mpx_share, options.seed)
        sizes = [path.stat().st_size for path in plans_dir.iterdir()]
        kinds = sorted({path.suffix for path in plans_dir.iterdir()})
        print(f"{options.plans} plans of {options.tasks} tasks ({', '.join(kinds)}; "
              f"{sum(sizes) / 1e6:.1f} MB) made in {time.perf_counter() - made:.1f} s", flush=True)  # fmt: skip
        run_generate(folder, "warm-plans", True)
        run_generate(folder, "warm-plain", False)
        with_plans, without, peaks = [], [], []
        for run in range(options.runs):
            seconds, peak = run_generate(folder, "with-plans", True)
            with_plans.append(seconds)
            peaks.append(peak)
            without.append(run_generate(folder, "without", False)[0])
            print(f"  run {run + 1}: with --plans {with_plans[-1]:.1f} s, without {without[-1]:.1f} s", flush=True)
        peak_mb = max(peaks)
        workbooks = sorted((folder / "with-plans").glob("*.xlsx"))
        written, milestone_rows = len(workbooks), _milestone_rows(workbooks[0]) if workbooks else 0
    median_with, median_without = statistics.median(with_plans), statistics.median(without)
    print(f"pmo generate --plans: {options.plans} workbooks from {options.plans} plans, median {median_with:.1f} s "
          f"(fastest {min(with_plans):.1f}, slowest {max(with_plans):.1f}); target <= {TARGET_SECONDS:.0f} s")  # fmt: skip
    print(f"pmo generate without plans: median {median_without:.1f} s; the plans cost "
          f"{median_with - median_without:.1f} s, {(median_with - median_without) / options.plans * 1000:.0f} ms a plan")  # fmt: skip
    print(f"the first workbook holds {milestone_rows} Milestones rows from its plan")
    print(f"peak memory of pmo generate --plans: {peak_mb:.0f} MB; limit {MEMORY_LIMIT_MB} MB")
    ok = (
        written == options.plans and milestone_rows > 0 and median_with <= TARGET_SECONDS and peak_mb <= MEMORY_LIMIT_MB
    )
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
