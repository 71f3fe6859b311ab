"""History at scale: the views read what they show (each project's latest report and the one before it, and the
counted reports of the History window), the same for 6 periods of history as for 36; the derived tables a collect
keeps current equal a rebuild from the record; a ledger made by the previous release upgrades with its figures
unchanged; and `pmo ledger check|rebuild` and `pmo export history` do what they say."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.errors import PmoError
from pmo_xl.ledger import SCHEMA_VERSION, Ledger, LedgerError, open_ledger
from pmo_xl.periods import month_add as add_months
from pmo_xl.reporting.dashboard import build_dashboard, executive_summary
from pmo_xl.reporting.history import check_ledger, history_frame, rebuild_ledger
from pmo_xl.reporting.load import load_dashboard, read_item_history
from pmo_xl.reporting.views import HISTORY_WINDOW, build_views, load_views
from tests.collect_builders import status_submission

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2027, 2, 1)
PROJECTS = [f"PRJ-{number:03d}" for number in range(1, 6)]


def _periods(count: int, last: str = "2026-12") -> list[str]:
    return [add_months(last, offset) for offset in range(1 - count, 1)]


def _month(ledger: Ledger, period: str, index: int, **fields) -> None:
    """One month as collect records it: each project's report, then the views (which keep the derived tables)."""
    submissions = []
    for number, project_id in enumerate(PROJECTS):
        rag = ("Green", "Amber", "Red")[(index + number) % 3]
        values = {"rag_overall": rag, "percent_complete": min(1.0, index / 40), "actual_to_date": 10.0 * index}
        values.update(fields)
        milestones = [
            {"id": "M-001", "name": "Design", "key": "Yes", "baseline_date": None,
             "forecast_date": dt.date(2027, 1, 31) + dt.timedelta(days=index), "status": "On track"},
        ]  # fmt: skip
        submission = status_submission(project_id, period, dt.date.fromisoformat(f"{add_months(period, 1)}-03"),
                                       fields=values, tables={"Milestones": milestones})  # fmt: skip
        submissions.append((submission, f"{add_months(period, 1)}-03T09:00:00+00:00", submission.sha256))
    ledger.add_submissions(submissions)
    build_views(ledger, today=TODAY)


def _ledger(tmp_path: Path, months: int, name: str = "ledger.db") -> Path:
    path = tmp_path / name
    with open_ledger(path, write=True) as ledger:
        for index, period in enumerate(_periods(months)):
            _month(ledger, period, index)
    return path


@pytest.fixture
def reads(monkeypatch) -> Counter:
    """Every submission header, field value, table row and counted report the ledger's read API hands out, across
    every ledger opened (the dashboard opens its own)."""
    total: Counter = Counter()
    original = Ledger.__init__

    def counting_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.reads = total

    monkeypatch.setattr(Ledger, "__init__", counting_init)
    return total


def _dashboard_reads(path: Path, reads: Counter) -> dict[str, int]:
    reads.clear()
    inputs, dashboard = load_dashboard(path, today=TODAY)
    executive_summary(inputs.views, inputs.items)
    assert len(dashboard.trend) == min(12, len(inputs.views.history["period"].unique()))
    return dict(reads)


def test_a_dashboard_reads_what_it_shows_the_same_for_6_and_36_periods(tmp_path, reads):
    short, long = _ledger(tmp_path, 6, "short.db"), _ledger(tmp_path, 36, "long.db")
    counted_short, counted_long = _dashboard_reads(short, reads), _dashboard_reads(long, reads)
    rows_per_report = 1 + 2 + 1 + 1  # Milestones, RAID, Benefits, ResourceDemand of the builder's report
    projects = len(PROJECTS)
    # No field value is decoded: the counted reports carry what the views show.
    assert counted_long.get("field_values", 0) == counted_short.get("field_values", 0) == 0
    # Item rows: each project's latest report and the one before it, read once for the views and the dashboard.
    assert counted_long["table_rows"] == counted_short["table_rows"] <= projects * 2 * rows_per_report
    # Counted reports: the History window's, each project's latest and the one before it; headers: the window's.
    assert counted_long["counted"] <= projects * (HISTORY_WINDOW + 2)
    assert counted_long["headers"] <= projects * HISTORY_WINDOW
    assert counted_short["counted"] <= projects * (6 + 2)
    # ...and a 36-period ledger costs what a 13-period one does.
    assert _dashboard_reads(_ledger(tmp_path, HISTORY_WINDOW, "year.db"), reads) == counted_long


def test_the_views_of_a_long_history_are_those_worked_out_from_the_whole_record(tmp_path):
    path = _ledger(tmp_path, 20)
    incremental = load_views(path, today=TODAY)
    rebuild_ledger(path)
    rebuilt = load_views(path, today=TODAY)
    with sqlite3.connect(path) as connection:  # emptied derived tables: the views work everything out in memory
        connection.execute("DELETE FROM counted_report")
        connection.execute("DELETE FROM derived_state")
    in_memory = load_views(path, today=TODAY)
    for views in (rebuilt, in_memory):
        for name in ("status", "history", "previous", "milestones", "raid", "resources", "milestone_baselines"):
            pd.testing.assert_frame_equal(getattr(incremental, name), getattr(views, name), obj=name)
    assert list(incremental.history["period"].unique()) == _periods(20)[-HISTORY_WINDOW:]
    assert set(incremental.previous["period"]) == {_periods(20)[-2]}


def test_a_late_correction_for_an_earlier_period_reworks_that_project_from_there(tmp_path):
    path = _ledger(tmp_path, 8)
    periods = _periods(8)
    late = status_submission("PRJ-002", periods[3], dt.date(2027, 1, 20), token="late", fields={"rag_overall": "Red",
                             "budget_current": 900.0})  # fmt: skip
    with open_ledger(path, write=True) as ledger:
        submission_id = ledger.add_submission(late, "2027-01-20T09:00:00+00:00")
        build_views(ledger, today=TODAY)
    history = history_frame(path)
    row = history[(history["project_id"] == "PRJ-002") & (history["period"] == periods[3])].iloc[0]
    assert row["submission_id"] == submission_id and row["rag_overall"] == "Red"
    # The budget change without a change request is the PM's: the PMO's 800 holds in that period and every later one.
    later = history[(history["project_id"] == "PRJ-002") & (history["period"] > periods[3])]
    assert set(later["budget_current"]) == {800.0}
    assert check_ledger(path).ok
    before = history_frame(path)
    rebuild_ledger(path)
    pd.testing.assert_frame_equal(before, history_frame(path))


def test_a_ledger_made_by_the_previous_release_upgrades_with_its_figures_unchanged(tmp_path):
    path = tmp_path / "pmo_ledger.db"
    path.write_bytes(gzip.decompress((DATA / "ledger_v2_demo.db.gz").read_bytes()))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
    with pytest.raises(LedgerError, match="older; upgrade it once with `pmo ledger rebuild --ledger "):
        open_ledger(path)
    with open_ledger(path, write=True) as ledger:  # what collect does first
        before = ledger.counts()
        assert ledger.schema_version == SCHEMA_VERSION == 8
        assert ledger.imported_baselines() == []  # version 4's table, made empty by the upgrade
        assert ledger.scenario_commits() == []  # version 6's table, made empty by the upgrade
        assert ledger.decisions() == []  # version 7's table, made empty by the upgrade
        assert ledger.actions_done() == []  # version 8's
        views = build_views(ledger, today=dt.date(2026, 12, 5))
        after = ledger.counts()
    assert {name: after[name] for name in before if name not in ("counted_report", "derived_state")} == {
        name: before[name] for name in before if name not in ("counted_report", "derived_state")
    }
    assert after["counted_report"] == after["submission"] == 133
    for name in ("status", "history", "milestones"):
        expected = pd.read_csv(DATA / f"ledger_v2_demo_{name}.csv", dtype=str, keep_default_na=False)
        written = io.StringIO()
        getattr(views, name).to_csv(written, index=False)
        written.seek(0)
        got = pd.read_csv(written, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(expected, got, obj=name)
    assert check_ledger(path).ok


def test_the_record_stays_append_only_and_the_derived_tables_are_not(tmp_path):
    path = _ledger(tmp_path, 2)
    with sqlite3.connect(path) as connection:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE submission SET project_id = 'X'")
        connection.execute("UPDATE counted_report SET rag_overall = 'tampered'")
    result = check_ledger(path)
    assert not result.ok and len(result.differences) == len(PROJECTS) * 2
    assert rebuild_ledger(path).counted_reports == len(PROJECTS) * 2
    assert check_ledger(path).ok


def test_pmo_ledger_and_pmo_export_history(tmp_path):
    path = _ledger(tmp_path, 16)
    runner = CliRunner()
    checked = runner.invoke(main, ["ledger", "check", "--ledger", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "sound" in checked.output and "80 counted report(s)" in checked.output
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM counted_report WHERE project_id = 'PRJ-003' AND reporting_period = ?",
                           (_periods(16)[4],))  # fmt: skip
    broken = runner.invoke(main, ["ledger", "check", "--ledger", str(path)])
    assert broken.exit_code == 1 and "PRJ-003" in broken.output and "missing" in broken.output
    rebuilt = runner.invoke(main, ["ledger", "rebuild", "--ledger", str(path), "--json"])
    assert rebuilt.exit_code == 0 and '"counted_reports": 80' in rebuilt.output
    out = tmp_path / "history.xlsx"
    exported = runner.invoke(main, ["export", "history", str(out), "--ledger", str(path)])
    assert exported.exit_code == 0, exported.output
    history = pd.read_excel(out, sheet_name="History", engine="calamine")
    assert len(history) == 80 and history["period"].nunique() == 16  # the whole history, not the window
    wrong = runner.invoke(main, ["export", "history", str(tmp_path / "history.txt"), "--ledger", str(path)])
    assert wrong.exit_code == 2 and ".xlsx" in wrong.output and not (tmp_path / "history.txt").exists()
    csv = tmp_path / "history.csv"
    assert (
        runner.invoke(main, ["export", "history", str(csv), "--ledger", str(path), "--from", "2026-06"]).exit_code == 0
    )
    assert set(pd.read_csv(csv)["period"]) == set(_periods(7))


def test_portfolio_history_sheet_holds_the_window(tmp_path):
    from pmo_xl.reporting.portfolio_workbook import write_portfolio

    path = _ledger(tmp_path, 30)
    views = load_views(path, today=TODAY)
    inputs = read_item_history(path, views)
    out = write_portfolio(views, tmp_path / "portfolio.xlsx", build_dashboard(views, inputs))
    history = pd.read_excel(out, sheet_name="History", engine="calamine")
    assert sorted(history["period"].unique()) == _periods(30)[-HISTORY_WINDOW:]
    assert len(history) == len(PROJECTS) * HISTORY_WINDOW


def test_a_copy_on_a_read_only_folder_still_gives_its_views(tmp_path):
    """A dashboard never writes: a ledger whose derived tables lag (made by generate --ledger and an older collect)
    is worked out in memory, and the file is left as it was."""
    path = _ledger(tmp_path, 4)
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM derived_state")
    data = path.read_bytes()
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    views = load_views(copy, today=TODAY)
    assert len(views.status) == len(PROJECTS) and copy.read_bytes() == data


def test_damaged_or_missing_derived_tables_never_stop_a_reader_and_a_writer_makes_them_again(tmp_path):
    """The derived tables hold nothing the record does not: a hand-edited marker, a garbled row or a dropped table
    gives the same views (worked out in memory), check says what is wrong, and rebuild or the next collect mends it."""
    path = _ledger(tmp_path, 4)
    expected = load_views(path, today=TODAY)

    def same_views() -> None:
        views = load_views(path, today=TODAY)
        for name in ("status", "history", "previous", "milestones", "milestone_baselines"):
            pd.testing.assert_frame_equal(getattr(expected, name), getattr(views, name), obj=name)

    for damage in ("UPDATE derived_state SET value = 'x'", "UPDATE counted_report SET state = '{not json'",
                   "UPDATE counted_report SET shown = '[]'", "DROP TABLE counted_report"):  # fmt: skip
        with sqlite3.connect(path) as connection:
            connection.execute(damage)
        same_views()
        if damage.startswith(("UPDATE counted_report", "DROP")):
            assert not check_ledger(path).ok, damage
        assert rebuild_ledger(path).counted_reports == len(PROJECTS) * 4
        assert check_ledger(path).ok, damage
    for damage in ("DROP TABLE derived_state", "UPDATE counted_report SET state = '{not json'"):
        with sqlite3.connect(path) as connection:
            connection.execute(damage)
        with open_ledger(path, write=True) as ledger:  # what collect does: the tables come back, right
            build_views(ledger, today=TODAY)
        assert check_ledger(path).ok, damage
        same_views()


def test_export_history_refuses_periods_it_cannot_read(tmp_path):
    path = _ledger(tmp_path, 3)
    with pytest.raises(PmoError, match="after --to"):
        history_frame(path, first="2026-12", last="2026-10")
    with pytest.raises(PmoError, match="--from"):
        history_frame(path, first="garbage")
    with pytest.raises(PmoError, match="--to"):
        history_frame(path, last="2026-9")


def test_a_pmo_choice_must_be_a_report_of_its_own_project_and_period(tmp_path):
    path = _ledger(tmp_path, 2)
    with open_ledger(path, write=True) as ledger:
        headers = ledger.submissions()
        other = int(headers[headers["project_id"] == "PRJ-002"]["submission_id"].iloc[0])
        with pytest.raises(LedgerError, match=f"submission {other} is PRJ-002"):
            ledger.add_preference("PRJ-001", _periods(2)[0], other, "2027-01-01", "chosen by the PMO")
        with pytest.raises(LedgerError, match="is not in the ledger"):
            ledger.add_preference("PRJ-001", _periods(2)[0], 99_999, "2027-01-01", "chosen by the PMO")
        assert ledger.counts()["preference"] == 0
