"""Builds the --full ledger of benchmarks/bench_history.py: PROJECTS x PERIODS through the ledger's own write API.

    python -m benchmarks.bench_history_build FOLDER 2000 36

One month of realistic submissions is made by the real path (the register's workbooks generated, filled as PMs
would by pmo_xl.demo.data, read and validated by collect's reader); each period of the history then stores those
submissions again with that period's identity (period, submitted-on date, token, hashes), a period per transaction,
as collect would. The filled files stay in FOLDER/inbox: the new month that bench_history collects. Last, the
derived tables are built once (`pmo ledger rebuild`'s core), which is the state a collect keeps them in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import sys
import time
from pathlib import Path

from pmo_xl.collect.run import read_candidates
from pmo_xl.demo.data import fill_demo_submission
from pmo_xl.demo.run import _write_register, sample_register
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import content_fingerprint, now_stamp, open_ledger
from pmo_xl.periods import month_add
from pmo_xl.register import read_register
from pmo_xl.reporting.history import rebuild_ledger
from pmo_xl.templates.catalog import PROJECT_STATUS

FIRST_PERIOD = "2024-01"


def main() -> int:
    folder, projects, periods = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    register = _write_register(sample_register(projects, FIRST_PERIOD, 7), folder / "register.csv")
    records = [r for r in read_register(register, PROJECT_STATUS) if r.lifecycle_status == "active"]
    new_month = month_add(FIRST_PERIOD, periods)
    day = dt.date.fromisoformat(f"{month_add(new_month, 1)}-02")
    generated = generate_for_records(PROJECT_STATUS, records, folder / "outbox", new_month, force=True, today=day)
    rng = random.Random(5)
    inbox = folder / "inbox"
    for workbook in generated:
        fill_demo_submission(workbook.path, inbox / workbook.path.name, rng, None, None)
    print(f"{len(generated)} workbooks generated and filled ({time.perf_counter() - started:.0f} s)", flush=True)
    candidates, _skipped = read_candidates(inbox, day, {r.project_id for r in records})
    month = [c.submission for c in candidates if c.submission is not None and not c.rejected]
    print(f"{len(month)} submissions read ({time.perf_counter() - started:.0f} s)", flush=True)
    with open_ledger(folder / "ledger.db", write=True) as ledger:
        ledger.add_register(records, str(register), hashlib.sha256(register.read_bytes()).hexdigest())
        for index in range(periods):
            period = month_add(FIRST_PERIOD, index)
            submitted = dt.date.fromisoformat(f"{month_add(period, 1)}-03")

            def as_of(submission, period=period, submitted=submitted):
                metadata = dataclasses.replace(
                    submission.metadata, reporting_period=period, generation_token=f"{period}-{submission.sha256[:8]}"
                )
                fields = {**submission.fields, "reporting_period": period, "submitted_on": submitted}
                again = dataclasses.replace(
                    submission,
                    metadata=metadata,
                    fields=fields,
                    sha256=hashlib.sha256(f"{submission.sha256}{period}".encode()).hexdigest(),
                    path=submission.path.replace(new_month, period),
                    file_name=submission.file_name.replace(new_month, period),
                )
                return again, now_stamp(), content_fingerprint(again)

            ledger.add_submissions(as_of(submission) for submission in month)
            print(f"{period}: {len(month)} submissions stored ({time.perf_counter() - started:.0f} s)", flush=True)
    rebuild_ledger(folder / "ledger.db")
    print(f"derived tables built ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
