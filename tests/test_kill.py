"""`pmo collect` killed (SIGKILL, no clean-up) at 10 random moments over a 300-file inbox loses nothing.

After each kill: the ledger passes PRAGMA integrity_check, no submission is half-recorded (every one has its
values), and portfolio.xlsx is absent, the old file or a new complete one, never half a file. The next run leaves
no temporary file, and a run after it adds nothing (idempotent). The moments come from a fixed seed, spread over
the length of a full run measured first.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pmo_xl.demo.data import demo_projects, fill_demo_inbox
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.killing import kill_at_random_moments

PERIOD = "2026-11"
FILES = 300
KILLS = 10
PMO = [str(Path(sys.executable).parent / "pmo")]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill")
    rng = random.Random(2026)
    generated = [g.path for g in generate_for_records(PROJECT_STATUS, demo_projects(FILES, rng, PERIOD),
                                                       root / "generated", PERIOD)]  # fmt: skip
    inbox = root / "inbox"
    fill_demo_inbox(generated, inbox, rng, fault_share=0.05)
    return inbox


def _collect(inbox: Path, ledger: Path, out: Path) -> subprocess.Popen:
    arguments = ["collect", str(inbox), "--ledger", str(ledger), "--out", str(out), "--today", "2026-12-10"]
    return subprocess.Popen([*PMO, *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _ledger_is_whole(ledger: Path) -> int:
    if not ledger.exists():
        return 0
    with contextlib.closing(sqlite3.connect(ledger)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "submission" not in tables:
            return 0
        half = connection.execute(
            "SELECT COUNT(*) FROM submission WHERE submission_id NOT IN (SELECT submission_id FROM field_value)"
        ).fetchone()[0]
        assert half == 0, f"{half} submission(s) recorded without their values"
        return connection.execute("SELECT COUNT(*) FROM submission").fetchone()[0]


def _portfolio_is_whole(out: Path) -> None:
    if out.exists():
        with zipfile.ZipFile(out) as archive:  # half a file is not a zip, or fails its CRC check
            assert archive.testzip() is None and "xl/workbook.xml" in archive.namelist()


def test_collect_killed_at_random_moments_loses_nothing(inbox, tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    started = time.monotonic()
    full = _collect(inbox, reference / "ledger.db", reference / "portfolio.xlsx")
    output, _ = full.communicate(timeout=600)
    duration = time.monotonic() - started
    assert full.returncode == 0, output
    expected = _ledger_is_whole(reference / "ledger.db")
    assert expected > FILES * 0.8

    work = tmp_path / "work"
    work.mkdir()
    ledger, out = work / "ledger.db", work / "portfolio.xlsx"

    def whole() -> None:
        # one transaction stores a run's accepted files: all of them, or none
        assert _ledger_is_whole(ledger) in (0, expected)
        _portfolio_is_whole(out)

    killed = kill_at_random_moments(lambda: _collect(inbox, ledger, out), duration, KILLS, whole)
    assert killed >= KILLS // 2  # most moments fell inside a run

    finished = _collect(inbox, ledger, out)
    output, _ = finished.communicate(timeout=600)
    assert finished.returncode == 0, output
    assert _ledger_is_whole(ledger) == expected
    _portfolio_is_whole(out)
    assert not list(work.glob(".pmo-*")), list(work.glob(".pmo-*"))  # the killed runs' temporaries are gone
    again = _collect(inbox, ledger, out)
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0 and "0 submission(s) added" in output, output
    assert _ledger_is_whole(ledger) == expected
    shutil.rmtree(reference)
