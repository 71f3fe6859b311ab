"""A hostile machine: a full disk and a read-only folder under the ledger and the output, for real.

Each fault gets one line that names the path and the fix, exit code 2, and the ledger stays intact with what was
recorded. The disks are real: a tiny tmpfs that is filled, and a read-only bind mount. Both need root (CI runs as
root); without it these tests fail, never skip.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS

PERIOD = "2026-11"


def _mount(*arguments: str) -> None:
    completed = subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"these tests mount a tmpfs and a bind mount, as root: {completed.stderr}"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs; the test fills it when it wants it full."""
    mount_point = tmp_path / "small disk"
    mount_point.mkdir()
    _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point))
    yield mount_point
    _unmount(mount_point)


@pytest.fixture
def read_only(tmp_path):
    """A folder that is read-only for everyone, root included: a read-only bind mount of a normal one."""
    source, mount_point = tmp_path / "ro source", tmp_path / "read only"
    source.mkdir()
    mount_point.mkdir()
    _mount("--bind", str(source), str(mount_point))
    _mount("-o", "remount,bind,ro", str(mount_point))
    yield source, mount_point
    _unmount(mount_point)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("env")
    generated = generate_for_records(
        PROJECT_STATUS, demo_projects(3, random.Random(4), PERIOD), folder / "out", PERIOD, today=dt.date(2026, 11, 1)
    )
    inbox = folder / "inbox"
    inbox.mkdir()
    for number, item in enumerate(generated):
        fill_demo_submission(item.path, inbox / item.path.name, random.Random(number))
    return inbox


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as stream:
        try:
            while True:
                stream.write(b"\0" * 65536)
        except OSError:
            pass


def _collect(inbox: Path, ledger: Path, out: Path):
    return CliRunner().invoke(
        main, ["collect", str(inbox), "--ledger", str(ledger), "--out", str(out), "--today", "2026-12-03"]
    )


def _intact(ledger: Path) -> int:
    with contextlib.closing(sqlite3.connect(ledger)) as connection:  # closed, or the disk cannot be unmounted
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return connection.execute("SELECT COUNT(*) FROM submission").fetchone()[0]


def _unmount(mount_point: Path) -> None:
    if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)  # a file still open: detach it anyway


def _one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("pmo:")]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_a_full_disk_under_the_ledger(inbox, small_disk, tmp_path):
    ledger = small_disk / "ledger.db"
    shutil.copy(next(inbox.glob("*.xlsx")), tmp_path / "first.xlsx")
    first_inbox = tmp_path / "first"
    first_inbox.mkdir()
    (tmp_path / "first.xlsx").rename(first_inbox / "first.xlsx")
    assert _collect(first_inbox, ledger, tmp_path / "p.xlsx").exit_code == 0
    _fill(small_disk)
    result = _collect(inbox, ledger, tmp_path / "p.xlsx")
    assert result.exit_code == 2
    line = _one_line(result.output)
    assert str(ledger) in line and "the disk is full" in line and "intact" in line
    assert "no transaction is active" not in result.output
    assert _intact(ledger) == 1  # what the first run recorded stays recorded


def test_a_full_disk_under_the_output(inbox, small_disk, tmp_path):
    _fill(small_disk)
    result = _collect(inbox, tmp_path / "ledger.db", small_disk / "portfolio.xlsx")
    assert result.exit_code == 2
    line = _one_line(result.output)
    assert str(small_disk / "portfolio.xlsx") in line and "the disk is full" in line
    assert "The ledger is up to date" in result.output and _intact(tmp_path / "ledger.db") == 3
    assert not list(small_disk.glob(".pmo-*"))  # no temporary file left behind


def test_a_read_only_ledger_folder(inbox, read_only, tmp_path):
    source, mount_point = read_only
    assert _collect(inbox, source / "ledger.db", tmp_path / "p.xlsx").exit_code == 0  # recorded while writable
    result = _collect(inbox, mount_point / "ledger.db", tmp_path / "p.xlsx")
    assert result.exit_code == 2
    line = _one_line(result.output)
    assert str(mount_point / "ledger.db") in line and "read-only" in line and "intact" in line
    assert _intact(source / "ledger.db") == 3
    report = CliRunner().invoke(main, ["report", str(tmp_path / "r.html"), "--ledger", str(mount_point / "ledger.db")])
    assert report.exit_code == 0, report.output  # reading a ledger in a read-only folder works


def test_a_read_only_output_folder(inbox, read_only, tmp_path):
    _source, mount_point = read_only
    result = _collect(inbox, tmp_path / "ledger.db", mount_point / "portfolio.xlsx")
    assert result.exit_code == 2
    line = _one_line(result.output)
    assert str(mount_point) in line and "read-only" in line and "--out" in line
    # Told before anything is read: nothing is recorded that the run could not finish (its feedback drafts).
    assert "nothing was read or recorded" in line and not (tmp_path / "ledger.db").exists()


def test_leftover_temporaries_of_a_killed_run_are_removed_by_the_next_write(inbox, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale, fresh = out / ".pmo-killed.html", out / ".pmo-running.html"
    stale.write_bytes(b"half a report")
    fresh.write_bytes(b"another command writing now")
    hour_ago = dt.datetime.now().timestamp() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    assert _collect(inbox, tmp_path / "ledger.db", tmp_path / "portfolio.xlsx").exit_code == 0
    # pmo report holds no lock: it removes only what is old enough to be a killed run's
    report = CliRunner().invoke(main, ["report", str(out / "report.html"), "--ledger", str(tmp_path / "ledger.db")])
    assert report.exit_code == 0, report.output
    assert not stale.exists() and fresh.exists()
    # collect holds the ledger's lock, so no other collect is writing beside its outputs: it clears them all
    assert _collect(inbox, tmp_path / "ledger.db", out / "portfolio.xlsx").exit_code == 0
    assert not list(out.glob(".pmo-*"))
