"""Collect's verdicts on in-memory submissions: accepted, rejected, duplicate, superseded, PMO overrides; each on
both back ends of the ledger (a SQLite file, a PostgreSQL database: the `ledger_target` fixture)."""

from __future__ import annotations

import datetime as dt

from pmo_xl.collect.run import Candidate, collect_candidates
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.views import build_views
from pmo_xl.submissions import Finding
from tests.collect_builders import candidate, status_submission


def _collect(path, candidates, prefer=()):
    with open_ledger(path, write=True) as ledger:
        verdicts, added = collect_candidates(candidates, ledger, prefer)
        counts = ledger.counts()
    return verdicts, added, counts


def _statuses(verdicts):
    return [verdict.status for verdict in verdicts]


def test_accepted_files_are_stored_and_a_rerun_adds_nothing(ledger_target):
    ledger = ledger_target
    batch = [candidate(status_submission("PRJ-001")), candidate(status_submission("PRJ-002"))]
    verdicts, added, counts = _collect(ledger, batch)
    assert _statuses(verdicts) == ["accepted", "accepted"]
    assert [v.submission_id for v in verdicts] == added == [1, 2]
    again, added_again, counts_again = _collect(ledger, batch)
    assert _statuses(again) == ["duplicate", "duplicate"]
    assert added_again == []
    assert counts_again == counts
    assert "already in the ledger" in again[0].findings[-1].message


def test_a_rejected_file_keeps_every_reason_and_does_not_stop_the_others(ledger_target):
    errors = (
        Finding("error", "number", "Actual cost to date: 'lots' is not a number", "Summary", "actual_to_date", "C30"),
        Finding("error", "required", "Overall rationale is empty", "Summary", "rag_overall_rationale", "D12"),
    )
    batch = [
        Candidate("/inbox/broken.xlsx", None, (Finding("error", "not-zip", "not an Excel workbook"),)),
        candidate(status_submission("PRJ-001"), *errors),
        candidate(status_submission("PRJ-002")),
    ]
    verdicts, added, _ = _collect(ledger_target, batch)
    assert _statuses(verdicts) == ["rejected", "rejected", "accepted"]
    assert verdicts[1].errors == errors
    assert verdicts[1].errors[0].describe() == "C30, actual_to_date: Actual cost to date: 'lots' is not a number"
    assert len(added) == 1


def test_the_same_file_twice_under_two_names_is_one_submission(ledger_target):
    original = status_submission(file_name="PRJ-001 status.xlsx")
    copy = status_submission(file_name="PRJ-001 status (1).xlsx")
    assert original.sha256 == copy.sha256
    verdicts, _added, _ = _collect(ledger_target, [candidate(original), candidate(copy)])
    assert _statuses(verdicts) == ["accepted", "duplicate"]
    assert "PRJ-001 status.xlsx" in verdicts[1].findings[-1].message


def test_same_content_in_other_bytes_is_a_duplicate(ledger_target):
    ledger = ledger_target
    _collect(ledger, [candidate(status_submission())])
    resaved = status_submission(file_name="resaved by LibreOffice.xlsx", salt="different zip bytes")
    verdicts, added, _ = _collect(ledger, [candidate(resaved)])
    assert _statuses(verdicts) == ["duplicate"] and added == []
    assert "same content" in verdicts[0].findings[-1].message


def test_the_newer_submitted_on_wins_whatever_the_order(tmp_path):
    older = status_submission(submitted_on=dt.date(2026, 12, 2), file_name="first.xlsx")
    newer = status_submission(submitted_on=dt.date(2026, 12, 5), file_name="second.xlsx", fields={"rag_overall": "Red"})
    for order, name in (([older, newer], "a.db"), ([newer, older], "b.db")):
        verdicts, _, _ = _collect(tmp_path / name, [candidate(s) for s in order])
        by_file = {v.path: v.status for v in verdicts}
        assert by_file == {"/inbox/second.xlsx": "accepted", "/inbox/first.xlsx": "superseded"}
        superseded = next(v for v in verdicts if v.status == "superseded")
        assert "second.xlsx" in superseded.findings[-1].message
        assert "--prefer" in superseded.findings[-1].message


def test_an_older_file_arriving_after_a_newer_one_is_superseded(ledger_target):
    ledger = ledger_target
    _collect(ledger, [candidate(status_submission(submitted_on=dt.date(2026, 12, 5), file_name="new.xlsx"))])
    late = status_submission(submitted_on=dt.date(2026, 12, 1), file_name="old.xlsx", fields={"actual_to_date": 1.0})
    verdicts, added, _ = _collect(ledger, [candidate(late)])
    assert _statuses(verdicts) == ["superseded"] and added == []
    assert "in the ledger" in verdicts[0].findings[-1].message


def test_a_resubmission_with_a_later_date_replaces_the_earlier_one_in_the_views(ledger_target):
    ledger = ledger_target
    _collect(ledger, [candidate(status_submission(submitted_on=dt.date(2026, 12, 2)))])
    fixed = status_submission(submitted_on=dt.date(2026, 12, 4), fields={"rag_overall": "Amber"})
    verdicts, added, counts = _collect(ledger, [candidate(fixed)])
    assert _statuses(verdicts) == ["accepted"]
    assert counts["submission"] == 2, "append-only: the earlier submission stays in the ledger"
    with open_ledger(ledger) as opened:
        views = build_views(opened, today=dt.date(2026, 12, 10))
    assert views.status.loc[0, "rag_overall"] == "Amber"
    assert list(views.history["submission_id"]) == [added[0]]


def test_two_files_nothing_tells_apart_are_a_tie_for_the_pmo_never_a_silent_guess(ledger_target):
    first = status_submission(file_name="a.xlsx", fields={"actual_to_date": 10.0})
    second = status_submission(file_name="b.xlsx", fields={"actual_to_date": 20.0})
    verdicts, _, _ = _collect(ledger_target, [candidate(first), candidate(second)])
    # The first collected is used until the PMO chooses; both verdicts say so, and how to choose the other.
    assert _statuses(verdicts) == ["accepted", "superseded"]
    assert [f.code for f in verdicts[0].warnings] == ["tie"]
    assert (
        "a.xlsx, b.xlsx cannot be told apart; a.xlsx is used until the PMO chooses" in verdicts[0].warnings[0].message
    )
    superseded = {f.code: f.message for f in verdicts[1].warnings}
    assert "nothing tells the two files apart" in superseded["superseded"]
    assert 'pmo collect --prefer "b.xlsx"' in superseded["superseded"]


def test_the_pmo_can_prefer_the_older_file_and_the_choice_survives_a_rerun(ledger_target):
    ledger = ledger_target
    older = status_submission(
        submitted_on=dt.date(2026, 12, 2), file_name="keep me.xlsx", fields={"rag_overall": "Red"}
    )
    newer = status_submission(submitted_on=dt.date(2026, 12, 5), file_name="newer.xlsx")
    batch = [candidate(older), candidate(newer)]
    verdicts, _added, _ = _collect(ledger, batch, prefer=("keep me.xlsx",))
    assert {v.path: v.status for v in verdicts} == {
        "/inbox/keep me.xlsx": "accepted",
        "/inbox/newer.xlsx": "superseded",
    }
    again, added_again, counts = _collect(ledger, batch)
    assert added_again == [] and counts["preference"] == 1
    assert {v.path: v.status for v in again} == {"/inbox/keep me.xlsx": "duplicate", "/inbox/newer.xlsx": "superseded"}
    with open_ledger(ledger) as opened:
        views = build_views(opened, today=dt.date(2026, 12, 10))
    assert views.status.loc[0, "rag_overall"] == "Red"


def test_preferring_a_file_already_in_the_ledger_switches_the_current_submission(ledger_target):
    ledger = ledger_target
    newer = status_submission(submitted_on=dt.date(2026, 12, 5), file_name="newer.xlsx")
    older = status_submission(submitted_on=dt.date(2026, 12, 2), file_name="older.xlsx", fields={"rag_overall": "Red"})
    _collect(ledger, [candidate(newer)])
    verdicts, _, _ = _collect(ledger, [candidate(older)], prefer=(older.sha256[:12],))
    assert _statuses(verdicts) == ["accepted"]
    with open_ledger(ledger) as opened:
        views = build_views(opened, today=dt.date(2026, 12, 10))
    assert views.status.loc[0, "rag_overall"] == "Red"
    _collect(ledger, [candidate(newer)], prefer=("newer.xlsx",))
    with open_ledger(ledger) as opened:
        views = build_views(opened, today=dt.date(2026, 12, 10))
    assert views.status.loc[0, "rag_overall"] == "Green"


def test_different_periods_of_one_project_are_both_accepted(ledger_target):
    batch = [
        candidate(status_submission(period="2026-10", submitted_on=dt.date(2026, 11, 3))),
        candidate(status_submission(period="2026-11", submitted_on=dt.date(2026, 12, 3))),
    ]
    verdicts, _added, _ = _collect(ledger_target, batch)
    assert _statuses(verdicts) == ["accepted", "accepted"]
