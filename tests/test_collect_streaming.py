"""collect streams: files are read a few at a time on threads, in the inbox's order, and a run keeps of each file
its verdict's makings, never its parsed contents (those wait in the spill until the winners are stored)."""

from __future__ import annotations

import datetime as dt
import gc
import random
import shutil
import weakref
from pathlib import Path

import pytest

from pmo_xl.collect.run import Candidate, Spill, inbox_paths, iter_candidates, record_candidates, take_in
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.collect_builders import candidate, status_submission

PERIOD = "2026-11"
TODAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Twelve filled reports, one of them garbage, one a copy of another."""
    root = tmp_path_factory.mktemp("streaming")
    generated = generate_for_records(
        PROJECT_STATUS, demo_projects(10, random.Random(3), PERIOD), root / "out", PERIOD, today=dt.date(2026, 11, 1)
    )
    folder = root / "inbox"
    folder.mkdir()
    for number, item in enumerate(generated):
        fill_demo_submission(item.path, folder / item.path.name, random.Random(number))
    (folder / "not a workbook.xlsx").write_bytes(b"hello")
    shutil.copy(folder / generated[0].path.name, folder / "copy of the first.xlsx")
    return folder


def _summary(candidates: list[Candidate]) -> list[tuple[str, bool, str]]:
    return [(Path(c.path).name, c.rejected, c.submission.sha256 if c.submission else "") for c in candidates]


def test_files_read_on_threads_come_back_in_the_inbox_order_with_the_same_findings(inbox):
    paths, _skipped = inbox_paths(inbox)
    one = list(iter_candidates(paths, TODAY, None, workers=1))
    three = list(iter_candidates(paths, TODAY, None, workers=3))
    assert [c.path for c in three] == paths
    assert _summary(three) == _summary(one)
    assert [c.findings for c in three] == [c.findings for c in one]
    assert sum(c.rejected for c in three) == 1  # the garbage one, not the copy


def test_progress_counts_every_file_once_in_order(inbox):
    paths, _skipped = inbox_paths(inbox)
    seen: list[tuple[int, int]] = []
    list(iter_candidates(paths, TODAY, None, progress=lambda done, total, _path: seen.append((done, total)), workers=2))
    assert seen == [(number, len(paths)) for number in range(1, len(paths) + 1)]


def test_stopping_early_leaves_no_reader_running(inbox):
    """A consumer that stops (Ctrl+C reaches the main thread there) ends the reading: no thread goes on."""
    import threading

    paths, _skipped = inbox_paths(inbox)
    stream = iter_candidates(paths, TODAY, None, workers=2)
    next(stream)
    stream.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("pmo-read")]


def test_a_run_keeps_no_parsed_submission_only_what_verdicts_need(tmp_path, ledger_target):
    """Every parsed submission is released once taken in: the run's memory does not grow with the inbox."""
    alive: list[weakref.ref] = []

    def candidates():
        for number in range(30):
            submission = status_submission(f"PRJ-{number:03d}", PERIOD)
            alive.append(weakref.ref(submission))
            yield candidate(submission)

    with open_ledger(ledger_target, write=True) as ledger, Spill() as spill:
        recorded = record_candidates(candidates(), ledger, spill)
        gc.collect()
        assert [ref for ref in alive if ref() is not None] == []
        assert [v.status for v in recorded.verdicts] == ["accepted"] * 30
        assert len(recorded.added) == 30
        assert spill.get(recorded.intakes[7].spilled).metadata.project_id == "PRJ-007"  # what was stored, exactly
    with open_ledger(ledger_target) as ledger:
        assert ledger.stored_submission(recorded.added[7]).fields == status_submission("PRJ-007", PERIOD).fields


def test_a_spill_that_cannot_write_keeps_the_submission_in_memory(monkeypatch):
    """A full or read-only temporary folder slows nothing down and loses nothing."""
    import tempfile

    def refuse(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    submission = status_submission("PRJ-001", PERIOD)
    with Spill() as spill:
        intake = take_in(candidate(submission), spill)
        assert spill.get(intake.spilled) is submission
