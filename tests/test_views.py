"""The views: derived RAG beside the PM's, baseline-change flags, period-over-period matching, the workbook."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest

from pmo_xl.collect.run import collect_candidates
from pmo_xl.errors import OutputError
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.portfolio_workbook import write_portfolio
from pmo_xl.reporting.views import RESOURCE_COLUMNS, derived_rag, load_views
from pmo_xl.settings import PmoSettings
from tests import libreoffice
from tests.collect_builders import candidate, status_submission

TODAY = dt.date(2027, 1, 20)


def _ledger_with(target, *submissions):
    """A ledger holding `submissions`, collected: at `target`, a new SQLite file or PostgreSQL database (the
    ledger_target fixture: each test runs on both back ends)."""
    path = target
    with open_ledger(path, write=True) as ledger:
        for submission in submissions:
            collect_candidates([candidate(submission)], ledger)
    return path


def _views(path, **options):
    return load_views(path, today=TODAY, **options)


@pytest.mark.parametrize(
    ("forecast_end", "eac", "expected"),
    [
        (dt.date(2027, 6, 30), 800.0, "Green"),  # on plan
        (dt.date(2027, 7, 15), 800.0, "Green"),  # 15 days: not more than the amber threshold
        (dt.date(2027, 7, 16), 800.0, "Amber"),  # 16 days late
        (dt.date(2027, 8, 14), 800.0, "Amber"),  # 45 days: not more than the red threshold
        (dt.date(2027, 8, 15), 800.0, "Red"),  # 46 days
        (dt.date(2027, 6, 30), 850.0, "Amber"),  # 6.25 % over budget
        (dt.date(2027, 6, 30), 881.0, "Red"),  # 10.1 % over
        (dt.date(2027, 7, 20), 900.0, "Red"),  # the worse of the two
    ],
)
def test_derived_rag_from_pmo_thresholds(forecast_end, eac, expected):
    values = {
        "baseline_end_date": dt.date(2027, 6, 30),
        "forecast_end_date": forecast_end,
        "budget_current": 800.0,
        "estimate_at_completion": eac,
        "rag_overall": "Green",
    }
    result = derived_rag(values, PmoSettings())
    assert result["rag_derived"] == expected
    assert result["rag_disagrees"] == (expected != "Green")


def test_thresholds_come_from_the_settings():
    values = {"baseline_end_date": dt.date(2027, 6, 30), "forecast_end_date": dt.date(2027, 7, 10)}
    assert derived_rag(values, PmoSettings())["rag_derived"] == "Green"
    strict = PmoSettings(schedule_slip_amber_days=5, schedule_slip_red_days=9)
    assert derived_rag(values, strict)["rag_derived"] == "Red"
    assert derived_rag({}, PmoSettings())["rag_derived"] == ""


def test_status_puts_the_pm_rag_beside_the_rules_and_flags_disagreement(ledger_target):
    says_green = status_submission(
        "PRJ-001",
        fields={"rag_overall": "Green", "forecast_end_date": dt.date(2027, 9, 30), "estimate_at_completion": 950.0},
    )
    honest = status_submission("PRJ-002", fields={"rag_overall": "Green"})
    views = _views(_ledger_with(ledger_target, says_green, honest))
    status = views.status.set_index("project_id")
    assert status.loc["PRJ-001", "rag_overall"] == "Green"
    assert status.loc["PRJ-001", "rag_derived"] == "Red"
    assert bool(status.loc["PRJ-001", "rag_disagrees"]) is True
    assert status.loc["PRJ-001", "rag_disagreement"] == "PM says Green, the rules say Red"
    assert status.loc["PRJ-001", "schedule_slip_days"] == 92
    assert status.loc["PRJ-001", "cost_overrun_percent"] == 18.75
    assert bool(status.loc["PRJ-002", "rag_disagrees"]) is False


def test_status_has_what_the_capacity_plan_needs_and_the_register_wins_for_identity(ledger_target):
    from pmo_xl.register import ProjectRecord

    path = _ledger_with(ledger_target, status_submission("PRJ-001"))
    record = ProjectRecord(2, "PRJ-001", "Portal (register name)", "Ana", "Claire", None, None, stage="Execution")
    record = ProjectRecord(**{**record.__dict__, "lifecycle_status": "on hold", "programme": "Digital Customer"})
    views = _views(path, register=[record])
    row = views.status.iloc[0]
    for column in ("project_id", "project_name", "programme", "lifecycle_status", "stage", "period"):
        assert column in views.status.columns
    assert (row["project_name"], row["programme"], row["lifecycle_status"], row["stage"]) == (
        "Portal (register name)",
        "Digital Customer",
        "on hold",
        "Execution",
    )


def test_history_is_project_by_period_and_status_the_latest(ledger_target):
    path = _ledger_with(
        ledger_target,
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4), fields={"rag_overall": "Amber"}),
        status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), fields={"rag_overall": "Green"}),
        status_submission("PRJ-002", "2026-11", dt.date(2026, 12, 2)),
    )
    views = _views(path)
    assert list(zip(views.history["project_id"], views.history["period"], strict=True)) == [
        ("PRJ-001", "2026-10"),
        ("PRJ-001", "2026-11"),
        ("PRJ-002", "2026-11"),
    ]
    assert list(views.status["period"]) == ["2026-11", "2026-11"]
    as_at_october = _views(path, period="2026-10")
    assert list(as_at_october.status["project_id"]) == ["PRJ-001"]
    assert as_at_october.status.loc[0, "rag_overall"] == "Amber"


def _cr(cr_id, status, cost=0.0, days=0):
    return {
        "id": cr_id,
        "description": "Extra scope",
        "cost_impact": cost,
        "schedule_impact_days": days,
        "status": status,
        "date_approved": None,
    }


def test_a_baseline_change_without_an_approved_change_request_is_flagged(ledger_target):
    path = _ledger_with(
        ledger_target,
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4)),
        status_submission(
            "PRJ-001", "2026-11", dt.date(2026, 12, 3), fields={"baseline_end_date": dt.date(2027, 8, 31)}
        ),
    )
    row = _views(path).status.iloc[0]
    assert bool(row["baseline_changed"]) is True
    assert "baseline_end_date 2027-06-30 -> 2027-08-31 (no approved CR covers it)" in row["baseline_changes"]


def test_an_approved_change_request_in_the_same_submission_clears_the_flag(ledger_target):
    changes = {"ChangeRequests": [_cr("CR-001", "Approved", cost=50.0, days=62)]}
    path = _ledger_with(
        ledger_target,
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4)),
        status_submission(
            "PRJ-001",
            "2026-11",
            dt.date(2026, 12, 3),
            fields={"baseline_end_date": dt.date(2027, 8, 31), "budget_current": 850.0},
            tables=changes,
        ),
    )
    row = _views(path).status.iloc[0]
    assert bool(row["baseline_changed"]) is False
    assert bool(row["baseline_change_covered"]) is True
    assert "budget_current 800.0 -> 850.0" in row["baseline_changes"]


def test_a_change_request_that_does_not_cover_the_change_leaves_the_flag(ledger_target):
    path = _ledger_with(
        ledger_target,
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4)),
        status_submission(
            "PRJ-001",
            "2026-11",
            dt.date(2026, 12, 3),
            fields={"budget_current": 900.0},
            tables={"ChangeRequests": [_cr("CR-001", "Approved", cost=50.0), _cr("CR-002", "Proposed", cost=50.0)]},
        ),
    )
    row = _views(path).status.iloc[0]
    assert bool(row["baseline_changed"]) is True
    assert "budget_current 800.0 -> 900.0 (no approved CR covers it)" in row["baseline_changes"]


def test_a_milestone_baseline_moved_without_a_change_request_is_flagged(ledger_target):
    first = status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4))
    moved = [dict(row) for row in first.tables["Milestones"]]
    moved[1]["baseline_date"] = dt.date(2027, 7, 1)
    path = _ledger_with(
        ledger_target,
        first,
        status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), tables={"Milestones": moved}),
    )
    row = _views(path).status.iloc[0]
    assert bool(row["baseline_changed"]) is True
    assert "milestone M-002 baseline 2027-06-01 -> 2027-07-01" in row["baseline_changes"]


def test_items_are_matched_period_over_period_by_their_stable_ids(ledger_target):
    first = status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 4))
    milestones = [dict(row) for row in first.tables["Milestones"]]
    milestones.reverse()  # the order of rows does not matter, the ids do
    milestones[0]["forecast_date"] = dt.date(2027, 6, 22)
    raid = [dict(row) for row in first.tables["RAID"]]
    raid.append({**raid[0], "id": "R-003", "description": "New supplier risk"})
    second = status_submission(
        "PRJ-001", "2026-11", dt.date(2026, 12, 3), tables={"Milestones": milestones, "RAID": raid}
    )
    views = _views(_ledger_with(ledger_target, first, second))
    go_live = views.milestones.set_index("id").loc["M-002"]
    assert go_live["previous_forecast_date"] == dt.date(2027, 6, 1)
    assert go_live["forecast_moved_days"] == 21
    raid_view = views.raid.set_index("id")
    assert list(raid_view["new_this_period"]) == [False, False, True]
    assert raid_view.loc["R-001", "severity"] == 12  # computed: the formula had no cached value


def test_resources_are_long_by_role_and_calendar_month(ledger_target):
    views = _views(_ledger_with(ledger_target, status_submission("PRJ-001", "2026-11")))
    resources = views.resources
    assert tuple(resources.columns) == RESOURCE_COLUMNS
    assert len(resources) == 12
    assert resources.iloc[0].to_dict() == {
        "project_id": "PRJ-001",
        "period": "2026-11",
        "role": "Developer",
        "person": "",
        "month": "2026-11",
        "fte": 1.0,
    }
    assert resources.iloc[-1]["month"] == "2027-10" and resources.iloc[-1]["fte"] == 0.5


def test_the_capacity_plan_reads_the_portfolio_workbook(tmp_path, ledger_target):
    from pmo_xl.portfolio.capacity import read_portfolio

    views = _views(_ledger_with(ledger_target, status_submission("PRJ-001", "2026-11")))
    out = write_portfolio(views, tmp_path / "portfolio.xlsx")
    resources, status = read_portfolio(out)
    assert len(resources) == 12 and list(status["project_id"]) == ["PRJ-001"]
    assert status.loc[0, "lifecycle_status"] == "active"


HOSTILE = ('=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "=1+1")


def test_user_strings_are_written_as_text_never_formulas(tmp_path, ledger_target):
    hostile = status_submission(
        "PRJ-001",
        fields={"key_achievements": HOSTILE[0], "project_name": HOSTILE[1], "programme": HOSTILE[2]},
        tables={
            "RAID": [{"id": "R-001", "type": "Risk", "description": HOSTILE[3], "owner": HOSTILE[4], "status": "Open"}]
        },
    )
    views = _views(_ledger_with(ledger_target, hostile))
    out = write_portfolio(views, tmp_path / "portfolio.xlsx")
    workbook = openpyxl.load_workbook(out)
    found = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    found[cell.value] = cell.data_type
    assert found == dict.fromkeys(HOSTILE, "s")
    # LibreOffice opens it and shows the literal text, having evaluated nothing.
    status_csv = libreoffice.convert(out, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path / "lo")
    text = status_csv.read_text(encoding="utf-8", errors="replace")
    rows = list(csv.reader(text.splitlines()))
    header = rows[0]
    assert rows[1][header.index("project_name")] == "@SUM(A1:A9)"
    assert rows[1][header.index("programme")] == "+cmd|' /C calc'!A0"
    assert rows[1][header.index("key_achievements")] == HOSTILE[0]


def test_the_portfolio_has_one_formatted_table_per_sheet(tmp_path, ledger_target):
    views = _views(_ledger_with(ledger_target, status_submission("PRJ-001")))
    out = write_portfolio(views, tmp_path / "portfolio.xlsx")
    workbook = openpyxl.load_workbook(out)
    expected = ["Status", "History", "Milestones", "RAID", "Resources", "ChangeRequests", "Benefits"]
    expected += ["Submissions", "Missing"]
    assert workbook.sheetnames == expected
    for sheet in workbook.worksheets:
        assert list(sheet.tables) == [sheet.title]
        table = sheet.tables[sheet.title]
        assert [column.name for column in table.tableColumns] == [cell.value for cell in sheet[1]]
    status = workbook["Status"]
    header = [cell.value for cell in status[1]]
    assert status.cell(2, header.index("start_date") + 1).is_date
    assert status.freeze_panes == "B2"


def test_a_locked_portfolio_is_retried_then_reported_by_name(tmp_path, ledger_target, monkeypatch):
    import pmo_xl.excel.files as output_files

    views = _views(_ledger_with(ledger_target, status_submission("PRJ-001")))
    target = tmp_path / "portfolio.xlsx"
    target.write_bytes(b"the version open in Excel")
    attempts = []

    def locked(source, destination):
        attempts.append(destination)
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(output_files.os, "replace", locked)
    monkeypatch.setattr(output_files.time, "sleep", lambda seconds: None)
    with pytest.raises(OutputError, match=r"portfolio\.xlsx: the file is locked"):
        write_portfolio(views, target)
    assert len(attempts) == 5
    assert target.read_bytes() == b"the version open in Excel"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".pmo-")) == []
