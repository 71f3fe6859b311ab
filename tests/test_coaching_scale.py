"""The coaching scorecard at scale: it reads the window's periods and the report before each, never the whole
history, and gives the same answer from the derived tables as from the record worked out in memory.

A ledger of five projects (Ana throughout; Ben's project taken over by Eve inside the window; Cara Green against
red rules from the month before the window into it; Dan copying his October report into November; Fay new) is
built with 8 months of history before the window, and again with 20."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from pmo_xl.collect.run import collect_candidates
from pmo_xl.ledger import Rejection, now_stamp, open_ledger
from pmo_xl.periods import month_add, month_series
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.coaching_workbook import coaching_from_ledger
from pmo_xl.reporting.history import rebuild_ledger
from pmo_xl.submissions import Finding
from tests.collect_builders import candidate, status_submission

TODAY = dt.date(2026, 12, 20)
WINDOW = month_series("2026-06", 6)  # 2026-06 .. 2026-11
SLIPPED = {"forecast_end_date": dt.date(2027, 9, 30), "rag_overall": "Green"}  # 92 days late: the rules say Red
REGISTER = [
    ProjectRecord(2, "PRJ-A", "Project A", "Ana Ruiz", "Claire Dubois", dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
    ProjectRecord(3, "PRJ-B", "Project B", "Eve Adams", "Claire Dubois", dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
    ProjectRecord(4, "PRJ-C", "Project C", "Cara Lopes", "Claire Dubois", dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
    ProjectRecord(5, "PRJ-D", "Project D", "Dan Weiss", "Claire Dubois", dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
    ProjectRecord(6, "PRJ-F", "Project F", "Fay Chen", "Claire Dubois", dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
]


def _accept(ledger, project_id, period, manager, step, fields=None, salt=""):
    """An accepted report on time; percent complete and the milestone forecast move with `step`."""
    year, month = int(period[:4]), int(period[5:])
    submitted = dt.date(year + month // 12, month % 12 + 1, 3)
    values = {"project_manager": manager, "percent_complete": round(0.01 * (step % 90), 2), **(fields or {})}
    milestones = [{"id": "M-1", "name": "Go live", "key": "Yes", "baseline_date": dt.date(2027, 6, 1),
                   "forecast_date": dt.date(2027, 6, 1) + dt.timedelta(days=step % 20), "actual_date": None,
                   "status": "On track", "comment": None}]  # fmt: skip
    submission = status_submission(project_id, period, submitted, fields=values, tables={"Milestones": milestones},
                                   salt=salt)  # fmt: skip
    collect_candidates([candidate(submission)], ledger)


def _returned(ledger, project_id, period, number):
    ledger.add_rejections([
        Rejection(f"{project_id} {period} ({number}).xlsx", f"/inbox/{project_id}-{period}-{number}.xlsx",
                  f"sha-{project_id}-{period}-{number}", project_id, period, "project_status", now_stamp(),
                  (Finding("error", "required", "Percent complete is required", "Summary", "percent_complete",
                           "Summary!C12"),))
    ])  # fmt: skip


def _build(path, months_before: int) -> None:
    history = month_series(month_add(WINDOW[0], -months_before), months_before)
    with open_ledger(path, write=True) as ledger:
        ledger.add_register(REGISTER, "register.csv", "sha-register")
        for step, period in enumerate((*history, *WINDOW)):
            _returned(ledger, "PRJ-A", period, 1)  # returned once each month, then accepted: only the window's count
            _accept(ledger, "PRJ-A", period, "Ana Ruiz", step)
            _accept(ledger, "PRJ-B", period, "Ben Okafor" if period <= "2026-06" else "Eve Adams", step)
            if period >= "2026-03":
                red = period in ("2026-05", "2026-06")
                _accept(ledger, "PRJ-C", period, "Cara Lopes", step, SLIPPED if red else None)
            if period >= "2026-03" and period != "2026-11":
                _accept(ledger, "PRJ-D", period, "Dan Weiss", step)
        _accept(ledger, "PRJ-D", "2026-11", "Dan Weiss", len(history) + 4, salt="copied")  # October's figures
        _accept(ledger, "PRJ-F", "2026-11", "Fay Chen", 1)


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory):
    """{months of history before the window: (ledger with its derived tables built, the same without them)}."""
    folder = tmp_path_factory.mktemp("coaching-scale")
    built = {}
    for months in (8, 20):
        in_memory = folder / f"record-{months}.db"
        _build(in_memory, months)
        stored = folder / f"derived-{months}.db"
        shutil.copy(in_memory, stored)
        rebuild_ledger(stored)
        built[months] = (stored, in_memory)
    return built


def _scorecard(path):
    with open_ledger(path) as ledger:
        return coaching_from_ledger(ledger, today=TODAY), dict(ledger.reads)


def test_the_scorecard_reads_the_same_rows_at_8_or_20_months_of_history(ledgers):
    (short, short_reads), (long, long_reads) = _scorecard(ledgers[8][0]), _scorecard(ledgers[20][0])
    assert short_reads == long_reads
    assert short_reads["counted"] < 6 * 5 + 4 * 5  # the window's, and a few per project: never every month's
    pd.testing.assert_frame_equal(short.managers, long.managers)
    pd.testing.assert_frame_equal(short.project_periods, long.project_periods)


@pytest.mark.parametrize("months", [8, 20])
def test_the_derived_tables_and_the_record_in_memory_give_the_same_scorecard(ledgers, months):
    stored, in_memory = ledgers[months]
    (from_tables, _reads), (from_record, _reads2) = _scorecard(stored), _scorecard(in_memory)
    for name in ("project_periods", "managers", "manager_trends", "project_trends"):
        pd.testing.assert_frame_equal(getattr(from_tables, name), getattr(from_record, name))


def test_who_is_new_and_what_runs_on_from_before_the_window(ledgers):
    scorecard, _reads = _scorecard(ledgers[20][0])
    managers = scorecard.managers.set_index("project_manager")
    assert managers.loc["Ana Ruiz", "new_pm"] == ""
    assert managers.loc["Ben Okafor", "new_pm"] == ""  # named before the window
    assert managers.loc["Eve Adams", "new_pm"] == "new: first in 2026-07"  # took over an old project
    assert managers.loc["Fay Chen", "new_pm"] == "new: first in 2026-11"
    facts = scorecard.project_periods.set_index(["project_id", "period"])
    assert facts.loc[("PRJ-C", "2026-06"), "watermelon"] == True  # noqa: E712 (the run began in 2026-05)
    assert facts.loc[("PRJ-C", "2026-07"), "watermelon"] == False  # noqa: E712
    assert facts.loc[("PRJ-D", "2026-11"), "copied_forward"] == True  # noqa: E712
    assert facts.loc[("PRJ-D", "2026-10"), "copied_forward"] == False  # noqa: E712
    assert [facts.loc[("PRJ-A", period), "returns"] for period in WINDOW] == [1] * 6  # the window's returns only
    assert facts.loc[("PRJ-F", "2026-10"), "state"] == ""  # before its first file
    assert managers.loc["Ana Ruiz", "returns"] == 6


def test_only_the_reports_whose_fields_stayed_are_read_for_their_tables_and_the_same_rows_decoded_once(ledgers):
    _card, reads = _scorecard(ledgers[8][0])
    # Every report moved its percent complete but Dan's November one: his November and October reports' rows
    # (one milestone and two RAID rows each) are all that is read of the tables, and as they are the same stored
    # rows, only one report's are decoded.
    assert reads["table_texts"] == 2 * (1 + 2)
    assert reads["table_rows"] == 1 + 2


def test_the_ledger_gives_the_returns_of_some_periods_in_their_order(ledgers):
    with open_ledger(ledgers[8][0]) as ledger:
        every = ledger.rejections()
        some = ledger.rejections(["2026-07", "2026-09"])
    assert some == [r for r in every if r.reporting_period in ("2026-07", "2026-09")]
    assert [r.reporting_period for r in some] == ["2026-07", "2026-09"]
