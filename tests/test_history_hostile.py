"""Hostile tests of issue 14 (history at scale): whatever order reports, corrections, PMO choices and register
snapshots arrive in, the views built from the derived tables a collect keeps current are the views a rebuild from
the record gives, and the views worked out in memory with the derived tables emptied; `pmo ledger check` says so,
and says when the derived tables were tampered with; the history commands cope with empty and odd ledgers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import random
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.ledger import Ledger, Rejection, copy_ledger, open_ledger
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.history import check_ledger, history_frame, rebuild_ledger
from pmo_xl.reporting.views import build_views, load_views
from pmo_xl.submissions import Finding, ParsedSubmission
from tests.collect_builders import status_submission
from tests.ledger_backends import is_postgres, raw_connection

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2027, 2, 1)
FRAMES = ("status", "history", "previous", "milestones", "raid", "resources", "pmo_field_changes",
          "milestone_baselines", "change_requests", "benefits", "missing", "unreported")  # fmt: skip
PERIODS = [f"2026-{month:02d}" for month in range(1, 9)]


# -- building ledgers through the write API ----------------------------------------------------------------------


def _record(project_id: str, budget: float | None = None, end: dt.date | None = None) -> ProjectRecord:
    fields: dict[str, object] = {"currency": "EUR", "money_unit": "k"}
    if budget is not None:
        fields.update(budget_original=budget, budget_current=budget)
    if end is not None:
        fields["baseline_end_date"] = end
    return ProjectRecord(1, project_id, f"Project {project_id}", "Ana", "Claire", dt.date(2026, 1, 1),
                         dt.date(2027, 6, 30), fields=fields)  # fmt: skip


def _cr(cr_id: str, status: str, cost: float | None = None, days: int | None = None) -> dict:
    return {"id": cr_id, "description": "change", "cost_impact": cost, "schedule_impact_days": days,
            "scope_impact": None, "status": status, "date_approved": None}  # fmt: skip


def _milestones(baseline: dt.date | None = dt.date(2027, 6, 1), forecast: dt.date = dt.date(2027, 6, 1)) -> list:
    return [
        {"id": "M-001", "name": "Design", "key": "Yes", "baseline_date": dt.date(2026, 10, 31),
         "forecast_date": dt.date(2026, 10, 31), "actual_date": None, "status": "On track", "comment": None},
        {"id": "M-002", "name": "Go live", "key": "Yes", "baseline_date": baseline, "forecast_date": forecast,
         "actual_date": None, "status": "On track", "comment": None},
    ]  # fmt: skip


def _report(
    project_id: str,
    period: str,
    submitted_on: dt.date,
    token: str,
    file_name: str | None = None,
    saved_at: str = "",
    crs: list | None = None,
    milestones: list | None = None,
    **fields,
) -> ParsedSubmission:
    submission = status_submission(
        project_id, period, submitted_on, file_name=file_name, token=token, fields=fields,
        tables={"ChangeRequests": crs or [], "Milestones": milestones if milestones is not None else _milestones()},
    )  # fmt: skip
    return dataclasses.replace(submission, saved_at=saved_at)


def _after(period: str, day: int = 3) -> dt.date:
    year, month = map(int, period.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, day)


Event = Callable[[Ledger], None]


def _submit(*reports: ParsedSubmission) -> Event:
    def event(ledger: Ledger) -> None:
        ledger.add_submissions([(r, f"{r.fields['submitted_on']}T09:00:00+00:00", r.sha256) for r in reports])

    return event


def _prefer(project_id: str, period: str, file_name: str, holds_until: str) -> Event:
    """The PMO chooses the report named `file_name` for a slot (nothing when it has not arrived yet)."""

    def event(ledger: Ledger) -> None:
        headers = ledger.submissions("project_status", project_ids=[project_id])
        chosen = headers[(headers["reporting_period"] == period) & (headers["file_name"] == file_name)]
        if len(chosen):
            ledger.add_preference(project_id, period, int(chosen["submission_id"].min()), holds_until, "PMO")

    return event


def _register(*records: ProjectRecord) -> Event:
    def event(ledger: Ledger) -> None:
        ledger.add_register(list(records), "register.csv", hashlib.sha256(repr(records).encode()).hexdigest())

    return event


def _story() -> list[Event]:
    """A year of a small portfolio with every awkward thing the derived tables must get right."""
    a, b, c = "PRJ-A", "PRJ-B", "PRJ-C"
    # fmt: off
    return [
        _register(_record(a, 800.0), _record(b, 800.0, dt.date(2027, 6, 30)), _record(c)),
        _submit(*[_report(p, period, _after(period), "t") for period in PERIODS[:2] for p in (a, b, c)]),
        # A: a change request approved in 03 covers the budget of 04 (approved two reports back is not new)
        _submit(_report(a, "2026-03", _after("2026-03"), "t", crs=[_cr("CR-1", "Approved", 100.0)]),
                _report(b, "2026-03", _after("2026-03"), "t")),
        # ...B changes its budget without one; C does not report from 03 to 05
        _submit(_report(a, "2026-04", _after("2026-04"), "t", budget_current=900.0,
                        crs=[_cr("CR-1", "Approved", 100.0)]),
                _report(b, "2026-04", _after("2026-04"), "t", budget_current=950.0)),
        # B moves a milestone's baseline and its end date without cover; C reports again after a gap
        _submit(_report(a, "2026-05", _after("2026-05"), "t", budget_current=900.0),
                _report(b, "2026-05", _after("2026-05"), "t", baseline_end_date=dt.date(2027, 9, 30),
                        milestones=_milestones(dt.date(2027, 8, 1), dt.date(2027, 8, 1))),
                _report(c, "2026-06", _after("2026-06"), "t", milestones=_milestones(None, dt.date(2027, 7, 1)))),
        # a late correction for an earlier period, after later periods are in
        _submit(_report(a, "2026-03", _after("2026-03", 20), "late", f"{a} - Status 2026-03 (2).xlsx",
                        rag_overall="Red", crs=[_cr("CR-1", "Approved", 100.0)])),
        # a correction dated before the report it corrects, and another with a correction marker, in one run
        _submit(_report(b, "2026-04", _after("2026-04", 1), "early", f"{b} - Status 2026-04 corrected.xlsx",
                        rag_overall="Amber"),
                _report(b, "2026-04", _after("2026-04"), "marker", f"{b} - Status 2026-04 (2).xlsx",
                        rag_overall="Red", budget_current=800.0)),
        # two reports for one period in the same run, told apart by their saved time
        _submit(_report(c, "2026-07", _after("2026-07"), "first", f"{c} - Status 2026-07.xlsx",
                        saved_at="2026-08-03T08:00:00Z", rag_overall="Amber"),
                _report(c, "2026-07", _after("2026-07"), "second", f"{c} - Status 2026-07 v2.xlsx",
                        saved_at="2026-08-03T10:00:00Z", rag_overall="Red",
                        milestones=_milestones(None, dt.date(2027, 7, 20)))),
        # the PMO chooses B's original 04 report, then a newer one dated after the choice arrives
        _prefer(b, "2026-04", f"{b} - Status 2026-04.xlsx", "2026-05-31"),
        _submit(_report(b, "2026-04", dt.date(2026, 6, 15), "newest", f"{b} - Status 2026-04 final.xlsx",
                        budget_current=800.0, rag_overall="Green")),
        # the register re-baselines A, drops B and gives C a baseline
        _register(_record(a, 1000.0), _record(c, 500.0, dt.date(2027, 3, 31))),
        _submit(_report(a, "2026-08", _after("2026-08"), "t", budget_current=900.0),
                _report(b, "2026-08", _after("2026-08"), "t", budget_current=950.0)),
        # and the PMO changes its mind about A's 03
        _prefer(a, "2026-03", f"{a} - Status 2026-03.xlsx", "2026-12-31"),
    ]
    # fmt: on


def _collect(ledger: Ledger) -> None:
    build_views(ledger, today=TODAY)  # a collect's views: keeps the derived tables current


# -- comparing ----------------------------------------------------------------------------------------------------


def _frames(path: Path, **kwargs) -> dict[str, pd.DataFrame]:
    views = load_views(path, today=TODAY, **kwargs)
    return {name: getattr(views, name) for name in FRAMES}


def _assert_same(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame], how: str) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(expected[name], got[name], obj=f"{how}: {name}")


ALTERNATIVE_REGISTER = [_record(p, 700.0, dt.date(2027, 12, 31)) for p in ("PRJ-A", "PRJ-B", "PRJ-C", "PRJ-D")]
READS = ({}, {"period": "2026-04"}, {"period": "2026-07"}, {"register": ALTERNATIVE_REGISTER})


@pytest.fixture
def another_ledger(request, tmp_path, ledger_target):
    """Makes another ledger on `ledger_target`'s back end: a new SQLite file, or a new PostgreSQL database."""
    names = iter(range(1, 100))

    def make():
        if is_postgres(ledger_target):
            return request.getfixturevalue("postgres_server").new_database()
        return tmp_path / f"other-{next(names)}.db"

    return make


def _copy(path: Path | str, tmp_path: Path, name: str, another=None) -> Path | str:
    """A whole copy of the ledger at `path`, on its own back end (a server's through `copy_ledger`)."""
    if not is_postgres(path):
        shutil.copy(path, tmp_path / f"{name}.db")
        return tmp_path / f"{name}.db"
    target = another()
    with open_ledger(path) as reading, open_ledger(target, write=True) as writing:
        copy_ledger(reading, writing)
    return target


def _assert_three_ways(path: Path | str, tmp_path: Path, another=None) -> None:
    """The views after incremental collects equal those after a rebuild and those worked out in memory."""
    assert check_ledger(path).ok
    rebuilt, emptied = _copy(path, tmp_path, "rebuilt", another), _copy(path, tmp_path, "emptied", another)
    rebuild_ledger(rebuilt)
    connection = raw_connection(emptied)
    try:
        connection.execute("DELETE FROM counted_report")
        connection.execute("DELETE FROM derived_state")
    finally:
        connection.close()
    for kwargs in READS:
        incremental = _frames(path, **kwargs)
        _assert_same(incremental, _frames(rebuilt, **kwargs), f"rebuild {kwargs}")
        _assert_same(incremental, _frames(emptied, **kwargs), f"in memory {kwargs}")
    pd.testing.assert_frame_equal(history_frame(path), history_frame(rebuilt))
    pd.testing.assert_frame_equal(history_frame(path), history_frame(emptied))


# -- the claim, in every order ------------------------------------------------------------------------------------


def _orders() -> dict[str, list[int]]:
    count = len(_story())
    shuffled = list(range(count))
    random.Random(14).shuffle(shuffled)
    return {"as told": list(range(count)), "reversed": list(reversed(range(count))), "shuffled": shuffled}


@pytest.mark.parametrize("order", ["as told", "reversed", "shuffled"])
@pytest.mark.parametrize("collect_every", [1, 3])
def test_the_story_gives_the_same_views_in_any_order_and_any_batching(tmp_path, order, collect_every):
    story = _story()
    path = tmp_path / "ledger.db"
    with open_ledger(path, write=True) as ledger:
        for number, index in enumerate(_orders()[order], start=1):
            story[index](ledger)
            if number % collect_every == 0:
                _collect(ledger)
        _collect(ledger)
    _assert_three_ways(path, tmp_path)


def test_the_story_says_what_it_should(tmp_path, ledger_target, another_ledger):
    """The story's awkward cases do what docs/ledger.md says, so the comparisons above compare something; on both
    back ends."""
    path = ledger_target
    story = _story()
    with open_ledger(path, write=True) as ledger:
        for event in story[:10]:
            event(ledger)
            _collect(ledger)
    history = history_frame(path).set_index(["project_id", "period"])
    # the late correction counts for A's 03; the budget an approved change request covers is A's in 04
    assert history.loc[("PRJ-A", "2026-03"), "rag_overall"] == "Red"
    assert history.loc[("PRJ-A", "2026-04"), "baseline_change_covered"]
    assert history.loc[("PRJ-A", "2026-05"), "budget_current"] == 900.0
    # B's budget change without a change request is the PM's: the PMO's 800 holds
    assert history.loc[("PRJ-B", "2026-05"), "budget_current"] == 800.0
    assert history.loc[("PRJ-B", "2026-05"), "baseline_changed"]
    # the newest report, dated after the PMO's choice, competes again and wins
    assert history.loc[("PRJ-B", "2026-04"), "file_name"] == "PRJ-B - Status 2026-04 final.xlsx"
    # the later of two reports saved in one run counts
    assert history.loc[("PRJ-C", "2026-07"), "rag_overall"] == "Red"
    with open_ledger(path, write=True) as ledger:
        for event in story[10:]:
            event(ledger)
            _collect(ledger)
    history = history_frame(path).set_index(["project_id", "period"])
    # the register's new baseline for A is worked out along its whole chain; B, out of the register, keeps its own
    assert set(history.loc["PRJ-A", "budget_current"]) == {1000.0}
    assert history.loc[("PRJ-B", "2026-08"), "budget_current"] == 800.0
    # the PMO's later choice of A's original 03 holds over the late correction
    assert history.loc[("PRJ-A", "2026-03"), "rag_overall"] == "Green"
    _assert_three_ways(path, tmp_path, another_ledger)


def test_a_read_between_collects_works_the_stale_projects_out_the_same(ledger_target):
    """After each event, before the collect, a reader (the dashboard) sees what the collect then writes; on both
    back ends."""
    path = ledger_target
    for event in _story():
        with open_ledger(path, write=True) as ledger:
            event(ledger)
        before = _frames(path)
        with open_ledger(path, write=True) as ledger:
            _collect(ledger)
        _assert_same(_frames(path), before, "reader before the collect")
    assert check_ledger(path).ok


def _random_report(rng: random.Random, project_id: str, period: str, number: int) -> ParsedSubmission:
    budget = rng.choice([800.0, 900.0, 1000.0])
    crs = [_cr(f"CR-{rng.randint(1, 3)}", rng.choice(["Approved", "Submitted"]), rng.choice([100.0, 200.0, None]),
               rng.choice([0, 30, None])) for _ in range(rng.randint(0, 2))]  # fmt: skip
    milestones = _milestones(rng.choice([None, dt.date(2027, 6, 1), dt.date(2027, 7, 1)]),
                             rng.choice([dt.date(2027, 6, 1), dt.date(2027, 8, 1)]))  # fmt: skip
    name = rng.choice([None, f"{project_id} - Status {period} (2).xlsx"])
    day = _after(period, rng.choice([1, 3, 5]))
    return _report(project_id, period, day, f"r{number}", name, rng.choice(["", f"{day}T{rng.randint(8, 17)}:00:00Z"]),
                   crs, milestones, budget_current=budget, budget_original=rng.choice([800.0, budget]),
                   rag_overall=rng.choice(["Green", "Amber", "Red"]),
                   baseline_end_date=rng.choice([dt.date(2027, 6, 30), dt.date(2027, 7, 30)]))  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_arrivals_give_the_views_a_rebuild_gives(tmp_path, seed, ledger_target, another_ledger):
    rng = random.Random(seed)
    path = ledger_target
    projects = ["PRJ-A", "PRJ-B", "PRJ-C"]
    with open_ledger(path, write=True) as ledger:
        for number in range(30):
            roll = rng.random()
            if roll < 0.55:
                _submit(_random_report(rng, rng.choice(projects), rng.choice(PERIODS), number))(ledger)
            elif roll < 0.7:
                headers = ledger.submissions("project_status")
                row = headers.iloc[rng.randrange(len(headers))] if len(headers) else None
                if row is not None:
                    ledger.add_preference(row.project_id, row.reporting_period, int(row.submission_id),
                                          rng.choice(["2026-01-01", "2026-06-15", "2027-12-31"]), "PMO")  # fmt: skip
            elif roll < 0.8:
                _register(*[_record(p, rng.choice([None, 800.0, 900.0]), rng.choice([None, dt.date(2027, 7, 30)]))
                            for p in projects if rng.random() < 0.8])(ledger)  # fmt: skip
            else:
                _collect(ledger)
        _collect(ledger)
    _assert_three_ways(path, tmp_path, another_ledger)


def test_more_projects_than_one_in_chunk_reworked_from_two_periods(tmp_path):
    """A collect that re-works 700 projects from one period and 800 from another: ids bound in chunks of 500."""
    path = tmp_path / "ledger.db"
    projects = [f"PRJ-{number:04d}" for number in range(1100)]
    with open_ledger(path, write=True) as ledger:
        for period in ("2026-09", "2026-10"):
            _submit(*[status_submission(p, period, _after(period), token="a") for p in projects])(ledger)
            _collect(ledger)
        late = [status_submission(p, "2026-09", dt.date(2026, 12, 20), token="late",
                                  fields={"budget_current": 999.0, "rag_overall": "Red"}) for p in projects[:700]]  # fmt: skip
        new = [status_submission(p, "2026-11", _after("2026-11"), token="n") for p in projects[300:]]
        _submit(*late, *new)(ledger)
        _collect(ledger)
    incremental = _frames(path)
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM counted_report")
        connection.execute("DELETE FROM derived_state")
    _assert_same(incremental, _frames(path), "in memory")
    # Without a register, a project's first report is its baseline: the late 999 holds against the 800 sent after
    assert len(incremental["pmo_field_changes"]) == 700 + 400
    assert set(incremental["status"].set_index("project_id").loc[projects[:700], "budget_current"]) == {999.0}


# -- a ledger of the previous release, upgraded and collected into -----------------------------------------------


def test_a_v2_ledger_upgraded_then_collected_into_stays_equal_to_a_rebuild(tmp_path):
    path = tmp_path / "pmo_ledger.db"
    path.write_bytes(gzip.decompress((DATA / "ledger_v2_demo.db.gz").read_bytes()))
    with open_ledger(path, write=True) as ledger:
        build_views(ledger, today=TODAY)  # the upgrading collect
        news = [status_submission(p, "2026-11", dt.date(2026, 12, 3), token="n") for p in ("PRJ-001", "PRJ-003")]
        late = status_submission("PRJ-003", "2026-09", dt.date(2026, 12, 10), token="late",
                                 fields={"budget_current": 12345.0, "rag_overall": "Red"})  # fmt: skip
        _submit(*news, late)(ledger)
        _collect(ledger)
        assert check_ledger(path).ok
        _register(_record("PRJ-001", 5000.0), _record("PRJ-004", None, dt.date(2027, 3, 31)))(ledger)
        headers = ledger.submissions("project_status", project_ids=["PRJ-003"])
        original = headers[headers["reporting_period"] == "2026-09"]["submission_id"].min()
        ledger.add_preference("PRJ-003", "2026-09", int(original), "2026-12-31", "the original")
        _collect(ledger)
    history = history_frame(path).set_index(["project_id", "period"])
    assert history.loc[("PRJ-003", "2026-09"), "submission_id"] == original
    assert history.loc[("PRJ-001", "2026-11"), "budget_current"] == 5000.0  # the register's baseline holds
    incremental = _frames(path)
    rebuild_ledger(path)
    _assert_same(incremental, _frames(path), "rebuild")
    assert check_ledger(path).ok


# -- pmo ledger check on tampered derived tables -----------------------------------------------------------------


def _small(tmp_path: Path) -> Path:
    path = tmp_path / "small.db"
    with open_ledger(path, write=True) as ledger:
        for period in ("2026-10", "2026-11"):
            _submit(*[_report(p, period, _after(period), "t") for p in ("PRJ-A", "PRJ-B")])(ledger)
            _collect(ledger)
    return path


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE counted_report SET shown = '{not json' WHERE project_id = 'PRJ-A'",
        "UPDATE counted_report SET state = '[]' WHERE project_id = 'PRJ-A'",
        "UPDATE counted_report SET position = position + 1 WHERE project_id = 'PRJ-A'",
        "UPDATE counted_report SET previous_submission_id = NULL WHERE project_id = 'PRJ-A'",
        "UPDATE counted_report SET template_id = 'other' WHERE project_id = 'PRJ-A'",
        "INSERT INTO counted_report SELECT template_id, 'GHOST', reporting_period, submission_id, "
        "previous_submission_id, position, baseline_key, rag_overall, shown, state FROM counted_report "
        "WHERE project_id = 'PRJ-A'",
        "DELETE FROM counted_report WHERE reporting_period = '2026-11'",
        "UPDATE derived_state SET value = 999",
    ],
)
def test_check_names_tampered_derived_rows_and_rebuild_mends_them(tmp_path, tampering):
    path = _small(tmp_path)
    expected = _frames(path)
    with sqlite3.connect(path) as connection:
        connection.execute(tampering)
        if tampering.startswith("UPDATE derived_state"):
            connection.execute("DELETE FROM counted_report WHERE project_id = 'PRJ-B' AND reporting_period = '2026-11'")
    runner = CliRunner()
    checked = runner.invoke(main, ["ledger", "check", "--ledger", str(path)])
    assert checked.exit_code == 1 and "NOT sound" in checked.output, checked.output
    assert runner.invoke(main, ["ledger", "rebuild", "--ledger", str(path)]).exit_code == 0
    assert runner.invoke(main, ["ledger", "check", "--ledger", str(path)]).exit_code == 0
    _assert_same(expected, _frames(path), "after the rebuild")


def test_a_forgotten_marker_is_not_a_fault_the_views_work_everything_out(tmp_path):
    """derived_state emptied or set back: every project is stale, readers work them out, check says sound."""
    path = _small(tmp_path)
    expected = _frames(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE derived_state SET value = 0")
        connection.execute("UPDATE counted_report SET shown = replace(shown, 'Green', 'Purple')")
    result = check_ledger(path)
    assert result.ok and set(result.stale_projects) == {"PRJ-A", "PRJ-B"}
    _assert_same(expected, _frames(path), "stale, in memory")


# -- odd ledgers and the history commands -------------------------------------------------------------------------


def test_an_empty_ledger_and_one_with_only_rejected_files(tmp_path):
    runner = CliRunner()
    empty, rejected = tmp_path / "empty.db", tmp_path / "rejected.db"
    with open_ledger(empty, write=True):
        pass
    with open_ledger(rejected, write=True) as ledger:
        finding = Finding("error", "required", "Overall RAG is empty")
        ledger.add_rejections([Rejection("PRJ-A - Status 2026-11.xlsx", "/inbox/a.xlsx", "abc", "PRJ-A", "2026-11",
                                         "project_status", "2026-12-03T09:00:00+00:00", (finding,))])  # fmt: skip
    for path in (empty, rejected):
        assert runner.invoke(main, ["ledger", "check", "--ledger", str(path)]).exit_code == 0
        rebuilt = runner.invoke(main, ["ledger", "rebuild", "--ledger", str(path), "--json"])
        assert rebuilt.exit_code == 0 and '"counted_reports": 0' in rebuilt.output
        out = tmp_path / f"{path.stem}.csv"
        assert runner.invoke(main, ["export", "history", str(out), "--ledger", str(path)]).exit_code == 0
        assert pd.read_csv(out).empty
        views = load_views(path, today=TODAY)
        assert views.status.empty and views.history.empty
        dashboard = runner.invoke(main, ["dashboard", str(tmp_path / "d.xlsx"), "--ledger", str(path)])
        assert dashboard.exit_code == 2 and "no accepted status report" in dashboard.output


def test_export_history_of_one_period_and_of_a_stale_ledger(tmp_path):
    path = _small(tmp_path)
    with open_ledger(path, write=True) as ledger:  # a late report not collected yet: the export works it out
        _submit(_report("PRJ-A", "2026-10", dt.date(2026, 12, 20), "late", rag_overall="Red"))(ledger)
    out = tmp_path / "one.csv"
    runner = CliRunner()
    result = runner.invoke(main, ["export", "history", str(out), "--ledger", str(path), "--from", "2026-10",
                                  "--to", "2026-10"])  # fmt: skip
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(out)
    assert set(exported["period"]) == {"2026-10"} and len(exported) == 2
    assert exported.set_index("project_id").loc["PRJ-A", "rag_overall"] == "Red"


def test_a_read_only_ledger_and_folder_give_the_views_and_are_left_as_they_were(tmp_path):
    """chmod'ed read-only (as root the permissions do not bite, but nothing may write either way)."""
    folder = tmp_path / "share"
    folder.mkdir()
    path = _small(folder)
    with open_ledger(path, write=True) as ledger:  # stale: a late report and a new register, not yet collected
        _submit(_report("PRJ-A", "2026-10", dt.date(2026, 12, 20), "late", rag_overall="Red"))(ledger)
        _register(_record("PRJ-A", 900.0), _record("PRJ-B", 800.0))(ledger)
    copy = tmp_path / "writable.db"
    shutil.copy(path, copy)
    with open_ledger(copy, write=True) as ledger:
        _collect(ledger)
    expected = _frames(copy)
    data = path.read_bytes()
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        _assert_same(expected, _frames(path), "read-only")
        runner = CliRunner()
        result = runner.invoke(main, ["dashboard", str(tmp_path / "dashboard.xlsx"), "--ledger", str(path),
                                      "--today", TODAY.isoformat()])  # fmt: skip
        assert result.exit_code == 0, result.output
        checked = runner.invoke(main, ["ledger", "check", "--ledger", str(path)])
        assert checked.exit_code == 0 and "take in at the next collect" in checked.output
        assert path.read_bytes() == data and sorted(p.name for p in folder.iterdir()) == ["small.db"]
    finally:
        folder.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
