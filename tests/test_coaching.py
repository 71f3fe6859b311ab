"""The coaching scorecard: a ledger of six months with known late, returned, copied-forward and watermelon reports;
the scorecard's numbers, pmo-coaching.xlsx as the PMO opens it, and no management output holding any of it."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest

from pmo_xl.collect.run import collect_candidates
from pmo_xl.ledger import Rejection, now_stamp, open_ledger
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.audience import PMO, Audience, AudienceError
from pmo_xl.reporting.coaching import MEASURES, moving_values
from pmo_xl.reporting.coaching_workbook import coaching_from_ledger, export_coaching
from pmo_xl.settings import PmoSettings
from pmo_xl.submissions import Finding
from tests.collect_builders import candidate, status_submission

TODAY = dt.date(2026, 12, 20)  # the window is 2026-06 .. 2026-11; 2026-11's deadline is 2026-12-05
WINDOW = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


def _deadline_plus(period: str, days: int) -> dt.date:
    """A submitted-on date `days` after the period's default deadline (its last day + 5)."""
    year, month = int(period[:4]), int(period[5:])
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next + dt.timedelta(days=4 + days)


def _moving(step: int, eac: float = 810.0, forecast_end: dt.date = dt.date(2027, 6, 30)) -> dict:
    """A report's moving fields, step by step: percent complete and the milestone forecast move every step."""
    return {"percent_complete": round(0.1 + step * 0.05, 2), "estimate_at_completion": eac,
            "forecast_end_date": forecast_end}  # fmt: skip


def _milestones(step: int) -> dict:
    return {"Milestones": [{"id": "M-002", "name": "Go live", "key": "Yes", "baseline_date": dt.date(2027, 6, 1),
                            "forecast_date": dt.date(2027, 6, 1) + dt.timedelta(days=step), "actual_date": None,
                            "status": "On track", "comment": None}]}  # fmt: skip


def _record(row: int, project_id: str, manager: str, programme: str = "Digital") -> ProjectRecord:
    return ProjectRecord(row, project_id, f"Project {project_id}", manager, "Claire Dubois", dt.date(2026, 1, 1),
                         dt.date(2027, 12, 31), pm_email=f"{manager.split()[0].lower()}@example.org",
                         programme=programme)  # fmt: skip


REGISTER = [
    _record(2, "PRJ-001", "Ana Ruiz"),
    _record(3, "PRJ-002", "Ana Ruiz"),
    _record(4, "PRJ-003", "Ben Okafor", "Back Office"),
    _record(5, "PRJ-004", "Ben Okafor", "Back Office"),
    _record(6, "PRJ-005", "Chloé Martin"),
    _record(7, "PRJ-006", "Dev Patel"),
]


def _accept(ledger, project_id, period, manager, step, submitted_days=-2, fields=None, tables=None, salt=""):
    values = {"project_manager": manager, **_moving(step), **(fields or {})}
    submission = status_submission(project_id, period, _deadline_plus(period, submitted_days), fields=values,
                                   tables=tables if tables is not None else _milestones(step), salt=salt)  # fmt: skip
    collect_candidates([candidate(submission)], ledger)


def _return(ledger, project_id, period, number):
    ledger.add_rejections([
        Rejection(f"{project_id} - Status {period} ({number}).xlsx", f"/inbox/{project_id}-{period}-{number}.xlsx",
                  f"sha-{project_id}-{period}-{number}", project_id, period, "project_status", now_stamp(),
                  (Finding("error", "required", "Percent complete is required", "Summary", "percent_complete",
                           "Summary!C12"),))
    ])  # fmt: skip


SLIPPED = {"forecast_end_date": dt.date(2027, 9, 30), "rag_overall": "Green"}  # 92 days: the rules say Red


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("coaching") / "ledger.db"
    with open_ledger(path, write=True) as ledger:
        ledger.add_register(REGISTER, "register.csv", "sha-register")
        # Ana: PRJ-001 reports since May, every month on time; in August only the EAC moved (not copied forward).
        _accept(ledger, "PRJ-001", "2026-05", "Ana Ruiz", 0)
        for step, period in enumerate(WINDOW, start=1):
            if period == "2026-08":
                values = {**_moving(1, eac=820.0)}  # July's percent and forecast, July's milestone: only EAC moved
                _accept(ledger, "PRJ-001", period, "Ana Ruiz", 1, fields=values, tables=_milestones(1), salt="eac")
            else:
                _accept(ledger, "PRJ-001", period, "Ana Ruiz", step + 1)
        # Ana: PRJ-002 from September; October 4 days late; November accepted, then a stray file returned after it.
        _accept(ledger, "PRJ-002", "2026-09", "Ana Ruiz", 1)
        _accept(ledger, "PRJ-002", "2026-10", "Ana Ruiz", 2, submitted_days=4)
        _accept(ledger, "PRJ-002", "2026-11", "Ana Ruiz", 3)
        _return(ledger, "PRJ-002", "2026-11", 9)
        # Ben: PRJ-003 since April; October returned once, November returned twice, then accepted, and copied
        # forward: every moving figure as in October.
        _accept(ledger, "PRJ-003", "2026-04", "Ben Okafor", 0)
        _return(ledger, "PRJ-003", "2026-10", 1)
        _accept(ledger, "PRJ-003", "2026-10", "Ben Okafor", 5)
        _return(ledger, "PRJ-003", "2026-11", 1)
        _return(ledger, "PRJ-003", "2026-11", 2)
        _accept(ledger, "PRJ-003", "2026-11", "Ben Okafor", 5, salt="copied")
        # Ben: PRJ-004 honest in September, then Green with red rules in October and November: a watermelon.
        _accept(ledger, "PRJ-004", "2026-09", "Ben Okafor", 1, fields={**SLIPPED, "rag_overall": "Red"})
        _accept(ledger, "PRJ-004", "2026-10", "Ben Okafor", 2, fields=SLIPPED)
        _accept(ledger, "PRJ-004", "2026-11", "Ben Okafor", 3, fields=SLIPPED)
        # Chloé: new, her first report in November: Green with red rules once (not a watermelon), 2 days late.
        _accept(ledger, "PRJ-005", "2026-11", "Chloé Martin", 1, submitted_days=2, fields=SLIPPED)
        # Dev: PRJ-006 never reported.
    return path


@pytest.fixture(scope="module")
def scorecard(ledger_path):
    with open_ledger(ledger_path) as ledger:
        return coaching_from_ledger(ledger, today=TODAY)


def _fact(scorecard, project_id, period) -> dict:
    facts = scorecard.project_periods
    return facts[(facts["project_id"] == project_id) & (facts["period"] == period)].iloc[0].to_dict()


def _manager(scorecard, name) -> dict:
    return scorecard.managers.set_index("project_manager").loc[name].to_dict()


def test_the_window_is_the_six_periods_ending_with_the_latest_reported(scorecard):
    assert list(scorecard.periods) == WINDOW
    assert scorecard.report_period == "2026-11"


def test_on_time_late_and_days_late(scorecard):
    assert _fact(scorecard, "PRJ-002", "2026-10")["state"] == "late"
    assert _fact(scorecard, "PRJ-002", "2026-10")["days_late"] == 4
    assert _fact(scorecard, "PRJ-002", "2026-11")["state"] == "on time"
    assert _fact(scorecard, "PRJ-005", "2026-11")["days_late"] == 2
    ana = _manager(scorecard, "Ana Ruiz")
    assert (ana["due"], ana["on_time"], ana["late"], ana["days_late"]) == (9, 8, 1, 4)
    trends = scorecard.manager_trends.set_index(["project_manager", "measure"])
    assert trends.loc[("Ana Ruiz", "Late"), WINDOW].tolist() == [0, 0, 0, 0, 1, 0]
    assert trends.loc[("Ana Ruiz", "Reports due"), WINDOW].tolist() == [1, 1, 1, 2, 2, 2]
    assert trends.loc[("Ana Ruiz", "On time"), "trend"] == "worse"  # 3 of 3, then 5 of 6


def test_returns_before_acceptance_and_complete_first_time(scorecard):
    assert (_fact(scorecard, "PRJ-003", "2026-10")["returns"], _fact(scorecard, "PRJ-003", "2026-10")["first_time"]) \
        == (1, False)  # fmt: skip
    assert _fact(scorecard, "PRJ-003", "2026-11")["returns"] == 2
    # A file returned after the report was accepted is not a return before acceptance.
    assert (_fact(scorecard, "PRJ-002", "2026-11")["returns"], _fact(scorecard, "PRJ-002", "2026-11")["first_time"]) \
        == (0, True)  # fmt: skip
    ben = _manager(scorecard, "Ben Okafor")
    # PRJ-003 reported in April, then nothing until October: June to September were due and not received.
    assert (ben["returns"], ben["first_time"], ben["due"], ben["not_received"]) == (3, 3, 9, 4)


def test_copied_forward_only_when_every_moving_figure_stayed(scorecard):
    assert _fact(scorecard, "PRJ-003", "2026-11")["copied_forward"] is True
    assert _fact(scorecard, "PRJ-001", "2026-08")["copied_forward"] is False  # only the EAC moved: not flagged
    assert _fact(scorecard, "PRJ-001", "2026-09")["copied_forward"] is False
    assert _manager(scorecard, "Ben Okafor")["copied_forward"] == 1
    assert _manager(scorecard, "Ana Ruiz")["copied_forward"] == 0


def test_watermelon_needs_two_reports_in_a_row(scorecard):
    assert [_fact(scorecard, "PRJ-004", p)["watermelon"] for p in WINDOW[3:]] == [False, True, True]
    assert _fact(scorecard, "PRJ-005", "2026-11")["watermelon"] is False  # one Green period with red rules
    assert _fact(scorecard, "PRJ-005", "2026-11")["rag_derived"] == "Red"
    assert _manager(scorecard, "Ben Okafor")["watermelon"] == 2
    assert _manager(scorecard, "Chloé Martin")["watermelon"] == 0


def test_new_pms_are_marked_and_the_never_reported_count_from_this_period(scorecard):
    assert _manager(scorecard, "Chloé Martin")["new_pm"] == "new: first in 2026-11"
    assert _manager(scorecard, "Dev Patel")["new_pm"] == "new: no report yet"
    assert _manager(scorecard, "Ana Ruiz")["new_pm"] == _manager(scorecard, "Ben Okafor")["new_pm"] == ""
    assert [_fact(scorecard, "PRJ-006", p)["state"] for p in WINDOW] == ["", "", "", "", "", "missing"]
    assert _manager(scorecard, "Dev Patel")["not_received"] == 1


def test_a_moving_figure_is_compared_by_row_id_not_row_order():
    rows = [{"id": "R-1", "status": "Open"}, {"id": "R-2", "status": "Closed"}]
    assert moving_values({}, {"RAID": rows}) == moving_values({}, {"RAID": rows[::-1]})
    assert moving_values({}, {"RAID": rows}) != moving_values({}, {"RAID": [rows[0], {**rows[1], "status": "Open"}]})


def test_the_scorecard_narrows_to_a_programme(ledger_path):
    with open_ledger(ledger_path) as ledger:
        back_office = coaching_from_ledger(ledger, today=TODAY, audience=Audience(PMO, programme="back office"))
    assert sorted(back_office.managers["project_manager"]) == ["Ben Okafor"]
    assert set(back_office.project_periods["project_id"]) == {"PRJ-003", "PRJ-004"}


def test_the_scorecard_is_refused_to_a_management_audience(ledger_path, tmp_path):
    with pytest.raises(AudienceError, match="stays with the PMO"):
        export_coaching(ledger_path, tmp_path / "c.xlsx", today=TODAY, audience=Audience("management"))
    assert not (tmp_path / "c.xlsx").exists()


def test_switched_off_in_the_settings_nothing_is_written(ledger_path, tmp_path):
    off = PmoSettings(coaching_scorecard=False)
    assert export_coaching(ledger_path, tmp_path / "pmo-coaching.xlsx", settings=off, today=TODAY) is None
    assert list(tmp_path.iterdir()) == []


def test_pmo_coaching_xlsx_holds_the_pms_the_projects_and_the_notes(ledger_path, tmp_path):
    path = export_coaching(ledger_path, tmp_path / "pmo-coaching.xlsx", today=TODAY)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["PMs", "Projects", "PM trends", "Notes"]
    pms = book["PMs"]
    headers = [cell.value for cell in pms[4]]
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in pms.iter_rows(min_row=5, values_only=True)}
    assert set(rows) == {"Ana Ruiz", "Ben Okafor", "Chloé Martin", "Dev Patel"}
    assert rows["Chloé Martin"]["New PM"] == "new: first in 2026-11"
    assert rows["Ben Okafor"]["Returns before acceptance"] == 3
    assert rows["Ben Okafor"]["Watermelon"] == 2
    assert rows["Ana Ruiz"]["Days late (most)"] == 4
    assert rows["Ana Ruiz"][headers[-1]] == "worse: On time, Late, Days late (most)"
    projects = book["Projects"]
    assert [cell.value for cell in projects[4]] == ["Project", "Project name", "Project manager", *WINDOW]
    stories = {row[0]: row[3:] for row in projects.iter_rows(min_row=5, values_only=True)}
    assert stories["PRJ-003"] == ("missing", "missing", "missing", "missing", "on time; returned 1x first",
                                  "on time; returned 2x first; copied forward")  # fmt: skip
    assert stories["PRJ-004"][3:] == ("on time", "on time; watermelon (Green, rules Red)",
                                      "on time; watermelon (Green, rules Red)")  # fmt: skip
    assert stories["PRJ-002"][4] == "late 4 day(s)"
    assert stories["PRJ-005"][5] == "late 2 day(s)"  # Green against red rules once: not a watermelon
    assert stories["PRJ-006"] == (None,) * 5 + ("missing",)
    shaded = {row[0].value: row[8].fill.fgColor.rgb for row in projects.iter_rows(min_row=5)}
    assert shaded["PRJ-003"].endswith("FFEB9C") and not str(shaded["PRJ-001"]).endswith("FFEB9C")
    trends = book["PM trends"]
    assert [cell.value for cell in trends[4]] == ["Project manager", "Measure", *WINDOW, "Window", "Trend"]
    current, grid = None, {}
    for row in trends.iter_rows(min_row=5, values_only=True):
        current = row[0] or current
        grid[(current, row[1])] = row[2:9]
    assert grid[("Ben Okafor", "Copied forward unchanged")] == (0, 0, 0, 0, 0, 1, 1)
    assert grid[("Ben Okafor", "Returns before acceptance")] == (0, 0, 0, 0, 1, 2, 3)
    # Printed for a PMO lead: landscape, one page wide, the header repeated, and "not for management" on each page.
    for sheet in (pms, projects, trends):
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage  # one page wide (1, the default, is left unwritten)
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$4:$4"
        assert "not for management" in sheet.oddFooter.left.text
    notes = " ".join(str(cell.value) for row in book["Notes"].iter_rows() for cell in row if cell.value)
    assert "never for management" in notes
    assert all(measure.label in notes for measure in MEASURES)


# The words only the scorecard uses: none of them may appear in an output management reads.
COACHING_WORDS = ("coaching", "watermelon", "copied forward", "complete first time", "returns before acceptance",
                  "new pm", "days late (most)")  # fmt: skip


def _all_text_of_xlsx(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                        if name.endswith(".xml"))  # fmt: skip


def test_no_management_output_holds_any_of_it(ledger_path, tmp_path):
    from pmo_xl.reporting.load import ReportSource
    from pmo_xl.reporting.portfolio_workbook import export_dashboard
    from pmo_xl.reporting.report_html import export_report

    coaching = export_coaching(ledger_path, tmp_path / "pmo-coaching.xlsx", today=TODAY)
    assert "watermelon" in _all_text_of_xlsx(coaching).casefold()  # the words are there to be found
    source = ReportSource(ledger_path, today=TODAY)
    portfolio = export_dashboard(source, tmp_path / "portfolio.xlsx")
    report = export_report(source, tmp_path / "report.html")
    outputs = {
        "portfolio.xlsx": _all_text_of_xlsx(portfolio),
        "report.html": report.read_text(encoding="utf-8"),
    }
    assert "PRJ-004" in outputs["portfolio.xlsx"] and "PRJ-004" in outputs["report.html"]
    assert openpyxl.load_workbook(portfolio).sheetnames[0] == "Dashboard"
    for output, text in outputs.items():
        found = [word for word in COACHING_WORDS if word in text.casefold()]
        assert found == [], f"{output} holds coaching words: {found}"
        assert not any(sheet in text for sheet in ('name="PMs"', 'name="PM trends"', 'name="Notes"'))


def test_pmo_coaching_writes_the_file_or_says_it_is_off(ledger_path, tmp_path):
    from click.testing import CliRunner

    from pmo_xl.cli import main

    out = tmp_path / "pmo-coaching.xlsx"
    result = CliRunner().invoke(main, ["coaching", str(out), "--ledger", str(ledger_path), "--today", "2026-12-20"])
    assert result.exit_code == 0, result.output
    assert "do not forward it to management" in result.output
    assert openpyxl.load_workbook(out)["PMs"]["A5"].value == "Ana Ruiz"
    settings = tmp_path / "settings.toml"
    settings.write_text("coaching_scorecard = false\n", encoding="utf-8")
    off = tmp_path / "off.xlsx"
    result = CliRunner().invoke(main, ["coaching", str(off), "--ledger", str(ledger_path), "--settings", str(settings)])
    assert result.exit_code == 0 and "switched off" in result.output and not off.exists()
    result = CliRunner().invoke(main, ["coaching", str(off), "--ledger", str(ledger_path), "--programme", "Nowhere"])
    assert result.exit_code == 2 and "Back Office, Digital" in result.output and not off.exists()
