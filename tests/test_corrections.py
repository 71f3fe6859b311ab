"""Corrections win, by the best evidence, through real files and the real `pmo collect`; a true tie is the PMO's.

Each row is two reports for the same project and period, the original `X.xlsx` and another file, with the
workbooks' saved times (docProps/core.xml, as Excel writes on every save), the PMs' submitted-on dates and the
files' modification times set as a PMO finds them: identical file times, as after saving e-mail attachments,
unless the row says otherwise. Each gives the expected winner and a piece of its message, written by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.corrections import correction_marker
from pmo_xl.demo.data import demo_projects, fill_by_name, fill_demo_submission
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS

PERIOD = "2026-11"
SAVED_EARLY, SAVED_LATE = "2026-12-02T09:15:00Z", "2026-12-02T16:40:00Z"
SAME_FILE_TIME = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC).timestamp()
MARKER = "a correction marker in the file name"
SAVED = "the time the workbook was last saved"
SUBMITTED = "the submitted-on date"
FILE_TIME = "the file's modification time"


@dataclass(frozen=True)
class Pair:
    other: str  # the second file's name; the first is always "X.xlsx"
    saved: tuple[str, str] = (SAVED_EARLY, SAVED_EARLY)  # X.xlsx, other
    submitted: tuple[int, int] = (2, 2)  # day of December 2026
    file_times: tuple[float, float] = (SAME_FILE_TIME, SAME_FILE_TIME)
    winner: str = ""
    evidence: str = ""  # '' for a tie


# fmt: off
PAIRS = [
    Pair("X (2).xlsx", winner="X (2).xlsx", evidence=MARKER),
    Pair("X - Copy.xlsx", winner="X - Copy.xlsx", evidence=MARKER),
    Pair("X_v2.xlsx", winner="X_v2.xlsx", evidence=MARKER),
    Pair("X corrected.xlsx", winner="X corrected.xlsx", evidence=MARKER),
    Pair("X final.xlsx", winner="X final.xlsx", evidence=MARKER),
    # the saved time outranks the name: the PM saved over X.xlsx after making the copy
    Pair("X (2).xlsx", saved=(SAVED_LATE, SAVED_EARLY), winner="X.xlsx", evidence=SAVED),
    Pair("X (2).xlsx", saved=(SAVED_EARLY, SAVED_LATE), winner="X (2).xlsx", evidence=SAVED),
    Pair("X - Copy.xlsx", saved=(SAVED_LATE, SAVED_EARLY), winner="X.xlsx", evidence=SAVED),
    # then the submitted-on date, before the name
    Pair("X (2).xlsx", submitted=(3, 2), winner="X.xlsx", evidence=SUBMITTED),
    Pair("X_v2.xlsx", submitted=(2, 3), winner="X_v2.xlsx", evidence=SUBMITTED),
    # then the file time, for names that say nothing
    Pair("Status report.xlsx", file_times=(SAME_FILE_TIME + 60, SAME_FILE_TIME), winner="X.xlsx", evidence=FILE_TIME),
    Pair(
        "Status report.xlsx",
        file_times=(SAME_FILE_TIME, SAME_FILE_TIME + 60),
        winner="Status report.xlsx",
        evidence=FILE_TIME,
    ),
    # a true tie: nothing tells them apart; the first collected is used and the PMO is asked to choose
    Pair("Status report.xlsx", winner="Status report.xlsx", evidence=""),
]
# fmt: on


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    project = demo_projects(1, random.Random(2), PERIOD)
    return generate_for_records(PROJECT_STATUS, project, folder, PERIOD, today=dt.date(2026, 11, 1))[0].path


def _report(generated: Path, target: Path, saved: str, submitted_day: int, file_time: float, actual: float) -> None:
    draft = target.with_name("draft " + target.name)
    fill_demo_submission(generated, draft, random.Random(4))
    fill_by_name(draft, target, {"submitted_on": dt.date(2026, 12, submitted_day), "actual_to_date": actual})
    draft.unlink()
    package = XlsxPackage.from_path(target)
    core = package.members["docProps/core.xml"]
    core = re.sub(rb"(<dcterms:modified\b[^>]*>)[^<]*", lambda m: m.group(1) + saved.encode(), core)
    target.write_bytes(package.write({"docProps/core.xml": core}))
    os.utime(target, (file_time, file_time))


def _submissions(path: Path) -> dict[str, dict]:
    sheet = openpyxl.load_workbook(path, read_only=True)["Submissions"]
    rows = list(sheet.iter_rows(values_only=True))
    return {Path(row[rows[0].index("file")]).name: dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0]}


@pytest.mark.parametrize(
    "pair", PAIRS, ids=[f"{p.other} {p.saved[0][11:16]}/{p.saved[1][11:16]} {p.evidence}" for p in PAIRS]
)
def test_the_correction_wins_by_the_best_evidence(pair: Pair, generated, tmp_path, ledger_target):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, saved, day, file_time, actual in zip(
        ("X.xlsx", pair.other), pair.saved, pair.submitted, pair.file_times, (100.0, 200.0), strict=True
    ):
        _report(generated, inbox / name, saved, day, file_time, actual)
    result = CliRunner().invoke(main, ["collect", str(inbox), "--ledger", str(ledger_target),
                                       "--out", str(tmp_path / "portfolio.xlsx"), "--today", "2026-12-04"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 file(s): 1 accepted, 0 rejected, 0 duplicate, 1 superseded" in result.output
    verdicts = _submissions(tmp_path / "portfolio.xlsx")
    loser = "X.xlsx" if pair.winner == pair.other else pair.other
    assert verdicts[pair.winner]["verdict"] == "accepted" and verdicts[loser]["verdict"] == "superseded"
    reasons = verdicts[loser]["reasons"]
    assert f"{pair.winner} (in this run) is kept" in reasons
    assert f'pmo collect --prefer "{loser}"' in reasons
    if pair.evidence:
        assert f"as the correction of this file, by {pair.evidence}" in reasons
        assert "choose:" not in result.output
    else:
        assert "nothing tells the two files apart" in reasons
        assert "choose: 1 tie(s)" in result.output and "cannot be told apart" in result.output
    status = {row["project_id"]: row for row in _sheet_rows(tmp_path / "portfolio.xlsx", "Status")}
    (row,) = status.values()
    assert row["actual_to_date"] == (100 if pair.winner == "X.xlsx" else 200)  # the kept file's figures count


def _sheet_rows(path: Path, name: str) -> list[dict]:
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0]]


def test_a_tie_is_settled_by_the_pmos_choice_which_later_runs_keep(generated, tmp_path, ledger_target):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, actual in (("X.xlsx", 100.0), ("Status report.xlsx", 200.0)):
        _report(generated, inbox / name, SAVED_EARLY, 2, SAME_FILE_TIME, actual)
    arguments = ["collect", str(inbox), "--ledger", str(ledger_target), "--out", str(tmp_path / "p.xlsx"),
                 "--today", "2026-12-04"]  # fmt: skip
    first = CliRunner().invoke(main, arguments)
    assert "cannot be told apart; Status report.xlsx is used" in first.output
    chosen = CliRunner().invoke(main, [*arguments, "--prefer", "X.xlsx"])
    assert chosen.exit_code == 0, chosen.output
    assert _sheet_rows(tmp_path / "p.xlsx", "Status")[0]["actual_to_date"] == 100
    again = CliRunner().invoke(main, arguments)
    assert "choose:" not in again.output
    assert _sheet_rows(tmp_path / "p.xlsx", "Status")[0]["actual_to_date"] == 100


@pytest.mark.parametrize(
    ("name", "marker"),
    [("X.xlsx", (0, 0)), ("X (2).xlsx", (1, 2)), ("X (3).xlsx", (1, 3)), ("X - Copy.xlsx", (1, 1)),
     ("X - Copy (2).xlsx", (1, 2)), ("X_v2.xlsx", (1, 2)), ("X corrected.xlsx", (1, 1)), ("X FINAL.xlsx", (1, 1)),
     ("PRJ-001 - Payroll - Status 2026-11.xlsx", (0, 0)), ("Copy of plan v2.xlsx", (1, 2))],
)  # fmt: skip
def test_correction_markers_in_names(name, marker):
    assert correction_marker(name) == marker
