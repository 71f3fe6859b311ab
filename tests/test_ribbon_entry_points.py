"""The ribbon's Python entry points, run against a real pmo_workbook.xlsm through the file-backed adapter."""

from __future__ import annotations

import json
import sys
import zipfile

import pandas as pd
import pytest

import macros.ribbon
from macros.actions import run_pmo_process
from macros.adapter import FileBook
from pmo_xl.errors import PmoError
from pmo_xl.vba.project import read_vba_sources
from pmo_xl.workbook.build import build_workbook


@pytest.fixture
def workbook(tmp_path):
    return build_workbook(tmp_path / "pmo_workbook.xlsm")


def test_score_requests_writes_scores_ranks_and_a_log_row(workbook):
    book = FileBook(workbook)
    requests = book.read_table("Requests")
    second = requests.iloc[0].copy()
    second["request_id"], second["title"] = "R-002", "Stronger request"
    for column in [c for c in requests.columns if c.startswith("pmo_")]:
        second[column] = 5 if column != "pmo_delivery_risk" else 1
    requests.loc[1] = second
    book.write_table("Requests", requests)
    book.commit()

    book = FileBook(workbook)
    assert macros.ribbon.score_requests(book) == "OK"
    assert book.messages == []
    assert (book.calculation, book.screen_updating) == ("automatic", True)
    assert book.statuses[0] == "PMO: Score requests..." and book.statuses[-1] is None

    reopened = FileBook(workbook)
    scored = reopened.read_table("Requests").set_index("request_id")
    assert scored.loc["R-002", "score"] == 100 and scored.loc["R-002", "rank"] == 1
    assert scored.loc["R-001", "rank"] == 2 and 0 < scored.loc["R-001", "score"] < 100
    assert set(scored["model_version"]) == {"PMO default v2026.1"}
    log = reopened.read_table("Log")
    assert log[["action", "outcome"]].values.tolist() == [["Score requests", "OK"]]
    assert "Scored 2 request(s)" in log.loc[0, "message"]


def test_saving_through_the_file_adapter_keeps_the_ribbon_and_the_vba(workbook):
    with zipfile.ZipFile(workbook) as package:
        ribbon_before = package.read("customUI/customUI14.xml")
        vba_before = read_vba_sources(package.read("xl/vbaProject.bin"))
    assert macros.ribbon.score_requests(FileBook(workbook)) == "OK"
    with zipfile.ZipFile(workbook) as package:
        assert package.read("customUI/customUI14.xml") == ribbon_before
        assert read_vba_sources(package.read("xl/vbaProject.bin")) == vba_before
        assert b"/ui/extensibility" in package.read("_rels/.rels")
        assert b'codeName="ThisWorkbook"' in package.read("xl/workbook.xml")


def test_a_failure_becomes_a_message_and_a_log_row_never_a_traceback(workbook):
    book = FileBook(workbook)
    model = book.read_table("ScoringModel")
    model["weight"] = model["weight"].astype(object)
    model.loc[0, "weight"] = "heavy"
    book.write_table("ScoringModel", model)
    book.commit()

    book = FileBook(workbook)
    assert macros.ribbon.score_requests(book) == "Failed"
    [(title, message)] = book.messages
    assert title == "PMO - Score requests"
    assert "ScoringModel" in message and "heavy" in message and "Traceback" not in message
    assert (book.calculation, book.screen_updating) == ("automatic", True)
    log = FileBook(workbook).read_table("Log")
    assert log[["action", "outcome"]].values.tolist() == [["Score requests", "Failed"]]


def test_an_unexpected_error_is_reported_the_same_way(workbook, monkeypatch):
    def broken(book):
        raise KeyError("surprise")

    monkeypatch.setitem(macros.ribbon.ACTIONS, "score_requests", broken)
    book = FileBook(workbook)
    assert macros.ribbon.score_requests(book) == "Failed"
    assert "Unexpected KeyError" in book.messages[0][1]
    assert FileBook(workbook).read_table("Log")["outcome"].tolist() == ["Failed"]


def test_a_button_whose_core_has_not_landed_says_so(workbook, monkeypatch):
    monkeypatch.delitem(macros.ribbon.ACTIONS, "export_report")
    book = FileBook(workbook)
    assert macros.ribbon.export_report(book) == "Not available"
    assert "Export report is not available in this build yet" in book.messages[0][1]
    assert FileBook(workbook).read_table("Log")["outcome"].tolist() == ["Not available"]


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory):
    from pmo_xl.demo.run import run_demo

    out = tmp_path_factory.mktemp("demo") / "demo"
    run_demo(out, projects=6)
    return out / "pmo_ledger.db"


def _point_settings_at(book_path, **values):
    book = FileBook(book_path)
    settings = book.read_table("Settings")
    for key, value in values.items():
        settings.loc[settings["setting"] == key, "value"] = str(value)
    book.write_table("Settings", settings)
    book.commit()


def test_refresh_dashboard_fills_the_dashboard_tables_from_the_ledger(workbook, demo_ledger):
    _point_settings_at(workbook, ledger_path=demo_ledger)
    assert FileBook(workbook).read_table("DashRag")["Projects"].fillna(0).sum() == 0
    assert macros.ribbon.refresh_dashboard(FileBook(workbook)) == "OK"
    reopened = FileBook(workbook)
    rag = reopened.read_table("DashRag")
    assert set(rag["RAG"]) >= {"Green", "Amber", "Red"} and rag["Projects"].fillna(0).sum() > 0
    assert reopened.read_table("Log")["outcome"].tolist() == ["OK"]


def test_export_report_writes_the_html_pack_to_the_reports_folder(workbook, demo_ledger, tmp_path):
    _point_settings_at(workbook, ledger_path=demo_ledger, reports_folder=tmp_path / "reports")
    assert macros.ribbon.export_report(FileBook(workbook)) == "OK"
    report = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and "Decisions needed from management" in report


def test_dashboard_and_report_take_the_workbooks_tables_directly_not_through_temporary_files(
    workbook, demo_ledger, tmp_path, monkeypatch
):
    """The Portfolio and Capacity tables and the settings reach the core as they are: no CSV in between."""
    import tempfile

    def no_temporary_files(*_args, **_kwargs):
        raise AssertionError("a temporary file between the workbook and the core")

    _point_settings_at(workbook, ledger_path=demo_ledger, reports_folder=tmp_path / "reports")
    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temporary_files)
    monkeypatch.setattr(tempfile, "mkdtemp", no_temporary_files)
    assert macros.ribbon.refresh_dashboard(FileBook(workbook)) == "OK"
    assert macros.ribbon.export_report(FileBook(workbook)) == "OK"
    assert (tmp_path / "reports" / "report.html").is_file()


def test_refresh_dashboard_without_a_ledger_says_what_to_do(workbook, tmp_path):
    _point_settings_at(workbook, ledger_path=tmp_path / "missing.db")
    book = FileBook(workbook)
    assert macros.ribbon.refresh_dashboard(book) == "Failed"
    assert "Collect status first" in book.messages[0][1]


def test_text_that_looks_like_a_formula_is_written_as_text(workbook):
    book = FileBook(workbook)
    portfolio = book.read_table("Portfolio")
    portfolio.loc[0, "project_name"] = "=1+1 (not a formula)"
    book.write_table("Portfolio", portfolio)
    book.commit()
    assert FileBook(workbook).read_table("Portfolio").loc[0, "project_name"] == "=1+1 (not a formula)"


def test_a_long_job_runs_as_its_own_process_and_is_stopped_past_the_limit(workbook):
    book = FileBook(workbook)
    program = (sys.executable, "-c", "import sys, time; time.sleep(float(sys.argv[1])); print('solved')")
    assert run_pmo_process(["0"], book, "Optimise", time_limit=30, program=program).strip() == "solved"
    with pytest.raises(PmoError, match=r"Optimise took longer than 1 s and was stopped"):
        run_pmo_process(["30"], book, "Optimise", time_limit=1, program=program)
    assert any(status and "running" in status for status in book.statuses)


def test_a_failed_process_reports_its_last_error_line(workbook):
    program = (sys.executable, "-c", "import sys; sys.exit('pmo: no requests to choose from')")
    with pytest.raises(PmoError, match="no requests to choose from"):
        run_pmo_process([], FileBook(workbook), "Optimise", time_limit=30, program=program)


def test_the_time_limit_comes_from_the_settings_sheet(workbook):
    book = FileBook(workbook)
    settings = book.read_table("Settings")
    settings.loc[settings["setting"] == "ribbon_time_limit_seconds", "value"] = 1
    book.write_table("Settings", settings)
    program = (sys.executable, "-c", "import time; time.sleep(30)")
    with pytest.raises(PmoError, match="longer than 1 s"):
        run_pmo_process([], book, "Optimise", program=program)


def test_new_project_workbooks_makes_one_workbook_per_project_row(workbook):
    book = FileBook(workbook)
    portfolio = book.read_table("Portfolio")
    request = portfolio.iloc[0].copy()
    request["project_id"], request["kind"] = "R-009", "request"
    portfolio.loc[1] = request
    book.write_table("Portfolio", portfolio)
    book.commit()

    book = FileBook(workbook)
    assert macros.ribbon.new_project_workbooks(book) == "OK", book.messages
    written = sorted(path.name for path in (workbook.parent / "outbox").iterdir())
    assert len(written) == 1 and written[0].startswith("P-001 - Example project - Status ")
    assert any(status and "workbook 1 of 1" in status for status in book.statuses)
    assert "Wrote 1 project workbook(s)" in FileBook(workbook).read_table("Log").loc[0, "message"]


def test_new_project_workbooks_lists_register_problems_and_writes_nothing(workbook):
    book = FileBook(workbook)
    portfolio = book.read_table("Portfolio")
    portfolio.loc[0, "project_manager"] = None
    book.write_table("Portfolio", portfolio)
    book.commit()

    book = FileBook(workbook)
    assert macros.ribbon.new_project_workbooks(book) == "Failed"
    assert "project_manager is empty" in book.messages[0][1]
    assert not (workbook.parent / "outbox").exists()


def test_capacity_plans_from_the_capacity_table_the_request_pipeline_and_the_settings(workbook, monkeypatch):
    import pmo_xl.portfolio.capacity_report
    from tests.test_capacity_report import (
        CAPACITY_ROWS,
        RESOURCE_HEADERS,
        RESOURCE_ROWS,
        STATUS_HEADERS,
        STATUS_ROWS,
        write_workbook,
    )

    book = FileBook(workbook)
    assert macros.ribbon.capacity(book) == "Failed"
    assert "Collect status first" in book.messages[0][1]

    write_workbook(
        workbook.parent / "portfolio.xlsx",
        {"Status": (STATUS_HEADERS, STATUS_ROWS, None), "Resources": (RESOURCE_HEADERS, RESOURCE_ROWS, (0, 0))},
    )
    book = FileBook(workbook)
    capacity = book.read_table("Capacity")
    book.write_table("Capacity", capacity.iloc[0:0].reindex(range(len(CAPACITY_ROWS))).assign(
        **{column: [row[index] for row in CAPACITY_ROWS] for index, column in enumerate(capacity.columns)}
    ))  # fmt: skip
    requests = book.read_table("Requests")
    second = requests.iloc[0].copy()
    second["request_id"], second["stage"] = "R-002", "approved"
    requests.loc[1] = second
    book.write_table("Requests", requests)
    book.write_table("RequestResources", pd.DataFrame(
        [["R-001", "Developer", None, "2026-02", 1.0], ["R-002", "Developer", None, "2026-02", 1.0]],
        columns=["request_id", "role", "person", "month", "fte"],
    ))  # fmt: skip
    book.commit()
    _point_settings_at(workbook, capacity_horizon_months=3, capacity_assessed_line="all_pending",
                       capacity_stage_probabilities="submitted=0.3; approved=0.9")  # fmt: skip

    plans = []
    write = pmo_xl.portfolio.capacity_report.write_capacity_workbook
    monkeypatch.setattr(pmo_xl.portfolio.capacity_report, "write_capacity_workbook",
                        lambda plan, *args, **options: plans.append(plan) or write(plan, *args, **options))  # fmt: skip
    book = FileBook(workbook)
    assert macros.ribbon.capacity(book) == "OK", book.messages
    assert (workbook.parent / "capacity.xlsx").exists()
    [plan] = plans
    assert plan.months == ("2026-01", "2026-02", "2026-03") and plan.settings.assessed_line == "all_pending"
    february = {
        line: plan.demand(line).loc["Developer", "2026-02"] for line in ("committed", "weighted", "all_pending")
    }
    assert february == pytest.approx({"committed": 2.5, "weighted": 2.5 + 0.3 + 0.9, "all_pending": 4.5})
    log = FileBook(workbook).read_table("Log")
    assert log["outcome"].tolist() == ["Failed", "OK"]
    assert "2 roles" in log.loc[1, "message"] and "all_pending line" in log.loc[1, "message"]


def test_a_bad_capacity_setting_names_the_setting(workbook):
    _point_settings_at(workbook, capacity_assessed_line="sometimes")
    book = FileBook(workbook)
    assert macros.ribbon.capacity(book) == "Failed"
    assert "Settings sheet" in book.messages[0][1] and "sometimes" in book.messages[0][1]


def test_python_warnings_go_to_the_log_row_not_to_stderr(workbook, monkeypatch, capfd):
    import warnings

    def noisy(book):
        warnings.warn("a deprecated pandas path", FutureWarning, stacklevel=1)
        return "Done"

    monkeypatch.setitem(macros.ribbon.ACTIONS, "score_requests", noisy)
    assert macros.ribbon.score_requests(FileBook(workbook)) == "OK"
    assert capfd.readouterr().err == ""
    assert FileBook(workbook).read_table("Log").loc[0, "message"] == "Done (1 warning(s): a deprecated pandas path)"


def _three_requests_costing_60_50_and_50k(book):
    """R-001 to R-003, strongest first, all spending in FY2026."""
    requests = book.read_table("Requests")
    template = requests.iloc[0].copy()
    rows = []
    for request_id, strength, cost in (("R-001", 5, 60000), ("R-002", 4, 50000), ("R-003", 2, 50000)):
        row = template.copy()
        row["request_id"], row["cost_FY2026"], row["cost_FY2027"] = request_id, cost, 0
        for column in [c for c in requests.columns if c.startswith("pmo_")]:
            row[column] = strength if column != "pmo_delivery_risk" else 6 - strength
        rows.append(row)
    book.write_table("Requests", pd.DataFrame(rows).reset_index(drop=True))


def test_optimise_marks_the_chosen_requests_with_the_tables_passed_directly_not_through_temporary_files(
    workbook, tmp_path, monkeypatch
):
    """A small pipeline goes to the core as the workbook's own tables: no CSV, no process, the CLI's choice."""
    import tempfile

    from click.testing import CliRunner

    from pmo_xl.cli import main

    book = FileBook(workbook)
    _three_requests_costing_60_50_and_50k(book)
    book.commit()
    _point_settings_at(workbook, optimise_budgets="FY2026=110k")
    book = FileBook(workbook)
    # The CLI on the same tables, the score computed afresh from the ScoringModel as the ribbon computes it.
    book.read_table("Requests").drop(columns=["score", "rank", "selected"]).to_csv(tmp_path / "r.csv", index=False)
    book.read_table("ScoringModel").to_csv(tmp_path / "model.csv", index=False)
    arguments = ["optimize", tmp_path / "r.csv", "--model", tmp_path / "model.csv", "--budget", "FY2026=110k", "--json"]
    by_the_cli = CliRunner().invoke(main, list(map(str, arguments)))
    assert by_the_cli.exit_code == 0, by_the_cli.output
    cli = json.loads(by_the_cli.stdout)

    def no_temporary_files(*_args, **_kwargs):
        raise AssertionError("a temporary file between the workbook and the core")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temporary_files)
    monkeypatch.setattr(tempfile, "mkdtemp", no_temporary_files)
    assert macros.ribbon.optimise(book) == "OK", book.messages
    chosen = FileBook(workbook).read_table("Requests").set_index("request_id")["selected"].to_dict()
    assert chosen == {"R-001": "yes", "R-002": "yes", "R-003": "no"}
    assert [request_id for request_id, picked in chosen.items() if picked == "yes"] == cli["selected"]
    assert FileBook(workbook).read_table("Log").loc[0, "message"] == (
        f"{cli['status']}: 2 of 3 request(s) selected, total score {cli['value']:,.2f} for cost {cli['cost']:,.2f}; "
        "binding: Budget FY2026"
    )
    assert "PMO: Optimise: selecting from 3 request(s) (time limit 50 s)..." in book.statuses
    assert not any(status and "running" in status for status in book.statuses)  # no process was started


def test_a_large_pipeline_is_optimised_by_a_separate_pmo_process(workbook):
    book = FileBook(workbook)
    _three_requests_costing_60_50_and_50k(book)
    book.commit()
    _point_settings_at(workbook, optimise_budgets="FY2026=110k", ribbon_in_process_limit=2)

    book = FileBook(workbook)
    assert macros.ribbon.optimise(book) == "OK", book.messages
    chosen = FileBook(workbook).read_table("Requests").set_index("request_id")["selected"].to_dict()
    assert chosen == {"R-001": "yes", "R-002": "yes", "R-003": "no"}
    assert any(status and status.startswith("PMO: Optimise running") for status in book.statuses)
    message = FileBook(workbook).read_table("Log").loc[0, "message"]
    assert message.startswith("optimal: 2 of 3 request(s) selected, total score ")
    assert message.endswith("for cost 110,000.00; binding: Budget FY2026")


@pytest.mark.parametrize("in_process_limit", [100, 0], ids=["in process", "separate process"])
def test_optimise_holds_the_selection_to_the_capacity_table_and_the_request_estimates(workbook, in_process_limit):
    book = FileBook(workbook)
    _three_requests_costing_60_50_and_50k(book)
    estimates = book.read_table("RequestResources").iloc[[0, 0]].reset_index(drop=True)
    estimates["request_id"], estimates["role"], estimates["month"], estimates["fte"] = (
        ["R-001", "R-002"], ["Architect", "architect"], ["2026-03", "2026-03"], [1.0, 1.0]
    )  # fmt: skip
    book.write_table("RequestResources", estimates)
    capacity = book.read_table("Capacity")
    capacity["role"], capacity["fte"], capacity["productive_ratio"] = "Architect", 2.0, 0.75
    book.write_table("Capacity", capacity)
    book.commit()
    _point_settings_at(workbook, optimise_budgets="FY2026=110k", ribbon_in_process_limit=in_process_limit)

    book = FileBook(workbook)
    assert macros.ribbon.optimise(book) == "OK", book.messages
    chosen = FileBook(workbook).read_table("Requests").set_index("request_id")["selected"].to_dict()
    # 2 FTE at 75 % productive is 1.5 architects in March: R-001 and R-002 cannot both run, so R-003 takes R-002's place
    assert chosen == {"R-001": "yes", "R-002": "no", "R-003": "yes"}


def test_a_bad_optimise_budget_names_the_setting_and_starts_nothing(workbook):
    _point_settings_at(workbook, optimise_budgets="FY2026=a lot")
    book = FileBook(workbook)
    assert macros.ribbon.optimise(book) == "Failed"
    assert "Settings sheet, optimise_budgets: budget 'FY2026=a lot'" in book.messages[0][1]
    assert not any(status and "running" in status for status in book.statuses)


def test_collect_status_reads_the_inbox_into_the_ledger_and_names_rejected_files(workbook):
    book = FileBook(workbook)
    assert macros.ribbon.collect_status(book) == "Failed"
    assert "inbox folder" in book.messages[0][1] and "Settings sheet" in book.messages[0][1]

    assert macros.ribbon.new_project_workbooks(FileBook(workbook)) == "OK"
    inbox = workbook.parent / "inbox"
    inbox.mkdir()
    [blank] = list((workbook.parent / "outbox").iterdir())
    (inbox / blank.name).write_bytes(blank.read_bytes())  # returned without being filled in

    book = FileBook(workbook)
    assert macros.ribbon.collect_status(book) == "OK", book.messages
    assert (workbook.parent / "pmo_ledger.db").exists() and (workbook.parent / "portfolio.xlsx").exists()
    message = FileBook(workbook).read_table("Log").loc[2, "message"]
    assert message.startswith("1 file(s): 0 accepted, 1 rejected")
    assert f"Rejected: {blank.name} (reasons on the Submissions sheet)" in message


def test_refresh_dashboard_and_export_report_show_the_workbooks_capacity_hot_spots(workbook, demo_ledger, tmp_path):
    from pmo_xl.portfolio.capacity import read_capacity

    demo_capacity = read_capacity(demo_ledger.parent / "capacity.xlsx")
    demo_register = pd.read_csv(demo_ledger.parent / "register.csv", dtype=object)
    _point_settings_at(workbook, ledger_path=demo_ledger, reports_folder=tmp_path / "reports")
    book = FileBook(workbook)
    book.write_table("Capacity", demo_capacity.replace("", None))
    portfolio = book.read_table("Portfolio")
    book.write_table("Portfolio", demo_register.reindex(columns=portfolio.columns).assign(kind="project"))
    book.commit()
    assert FileBook(workbook).read_table("DashCapacity").dropna(how="all").empty

    assert macros.ribbon.refresh_dashboard(FileBook(workbook)) == "OK"
    hot_spots = FileBook(workbook).read_table("DashCapacity").dropna(how="all")
    assert len(hot_spots) > 0 and set(hot_spots.iloc[:, 0]) <= set(demo_capacity["role"])
    assert macros.ribbon.export_report(FileBook(workbook)) == "OK"
    report = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert hot_spots.iloc[0, 0] in report


def _filled_inbox(workbook, monkeypatch):
    """New project workbooks for the sample project, filled in by its PM and returned to the inbox.

    For a period two months back, so that the PM's submission date is not after today.
    """
    import datetime as dt
    import random

    import pmo_xl.periods
    from pmo_xl.demo.data import fill_demo_submission

    monkeypatch.setattr(pmo_xl.periods, "current_period", lambda: f"{dt.date.today() - dt.timedelta(days=62):%Y-%m}")
    assert macros.ribbon.new_project_workbooks(FileBook(workbook)) == "OK"
    inbox = workbook.parent / "inbox"
    inbox.mkdir()
    [blank] = list((workbook.parent / "outbox").iterdir())
    fill_demo_submission(blank, inbox / blank.name, random.Random(7))
    return inbox


def _derived_rag(workbook) -> str:
    from openpyxl import load_workbook

    rows = list(load_workbook(workbook.parent / "portfolio.xlsx", read_only=True)["Status"].iter_rows(values_only=True))
    [status] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(row)]
    return status["rag_derived"]


def test_collect_status_derives_rag_with_the_thresholds_on_the_settings_sheet(workbook, monkeypatch):
    _filled_inbox(workbook, monkeypatch)
    lenient = {"schedule_slip_amber_days": 100000, "schedule_slip_red_days": 100000,
               "cost_overrun_amber_percent": 100000, "cost_overrun_red_percent": 100000}  # fmt: skip
    _point_settings_at(workbook, **lenient)
    assert macros.ribbon.collect_status(FileBook(workbook)) == "OK"
    assert _derived_rag(workbook) == "Green"

    _point_settings_at(workbook, **{key: -100000 for key in lenient})
    assert macros.ribbon.collect_status(FileBook(workbook)) == "OK"
    assert _derived_rag(workbook) == "Red"


def test_a_bad_cadence_on_the_settings_sheet_is_a_message_and_a_log_row(workbook):
    (workbook.parent / "inbox").mkdir()
    _point_settings_at(workbook, cadence="weekly")
    book = FileBook(workbook)
    assert macros.ribbon.collect_status(book) == "Failed"
    expected = "pmo_workbook.xlsm, Settings sheet: cadence 'weekly' must be one of monthly, fortnightly, quarterly"
    assert book.messages == [("PMO - Collect status", expected)]
    log = FileBook(workbook).read_table("Log")
    assert log[["action", "outcome", "message"]].values.tolist() == [["Collect status", "Failed", expected]]
    assert not (workbook.parent / "pmo_ledger.db").exists()


def test_a_large_inbox_is_collected_by_a_separate_pmo_process(workbook, monkeypatch):
    inbox = _filled_inbox(workbook, monkeypatch)
    [returned] = list(inbox.iterdir())
    (inbox / "unfilled copy.xlsx").write_bytes((workbook.parent / "outbox" / returned.name).read_bytes())
    _point_settings_at(workbook, ribbon_in_process_limit=1)
    book = FileBook(workbook)
    assert macros.ribbon.collect_status(book) == "OK", book.messages
    assert any(status and status.startswith("PMO: Collect status running") for status in book.statuses)
    message = FileBook(workbook).read_table("Log").iloc[-1]["message"]
    assert message.startswith("2 file(s): 1 accepted, 1 rejected") and "(as a separate pmo process)" in message
    assert "Rejected: unfilled copy.xlsx" in message
    assert (workbook.parent / "pmo_ledger.db").exists() and _derived_rag(workbook)


def test_many_project_workbooks_are_made_by_a_separate_pmo_process(workbook):
    _point_settings_at(workbook, ribbon_in_process_limit=0)
    book = FileBook(workbook)
    assert macros.ribbon.new_project_workbooks(book) == "OK", book.messages
    assert any(status and status.startswith("PMO: New project workbooks running") for status in book.statuses)
    [written] = list((workbook.parent / "outbox").iterdir())
    assert written.name.startswith("P-001 - Example project - Status ")
    assert "(as a separate pmo process)" in FileBook(workbook).read_table("Log").loc[0, "message"]


class RecordingBook(FileBook):
    """A FileBook whose action sees, and records, the calculation and screen-updating state it runs under."""

    def __init__(self, path):
        super().__init__(path)
        self.seen_while_running: list[tuple[str, bool]] = []


@pytest.mark.parametrize("fails", [False, True])
def test_calculation_is_manual_and_screen_updating_off_only_while_an_action_runs(workbook, monkeypatch, fails):
    def recording(book):
        book.seen_while_running.append((book.calculation, book.screen_updating))
        if fails:
            raise RuntimeError("the core broke")
        return "Done"

    monkeypatch.setitem(macros.ribbon.ACTIONS, "score_requests", recording)
    book = RecordingBook(workbook)
    book.calculation, book.screen_updating = "semiautomatic", True
    assert macros.ribbon.score_requests(book) == ("Failed" if fails else "OK")
    assert book.seen_while_running == [("manual", False)]
    assert (book.calculation, book.screen_updating) == ("semiautomatic", True)


def test_the_dashboard_programme_setting_gives_an_audience_its_own_dashboard_and_report(
    workbook, demo_ledger, tmp_path
):
    demo_register = pd.read_csv(demo_ledger.parent / "register.csv", dtype=object)
    programme = demo_register["programme"].value_counts().index[0]
    own_projects = int((demo_register["programme"] == programme).sum())
    _point_settings_at(workbook, ledger_path=demo_ledger, reports_folder=tmp_path / "reports")
    book = FileBook(workbook)
    portfolio = book.read_table("Portfolio")
    book.write_table("Portfolio", demo_register.reindex(columns=portfolio.columns).assign(kind="project"))
    book.commit()

    def projects_on_the_dashboard() -> int:
        assert macros.ribbon.refresh_dashboard(FileBook(workbook)) == "OK"
        return int(FileBook(workbook).read_table("DashRag")["Projects"].fillna(0).sum())

    everyone = projects_on_the_dashboard()
    _point_settings_at(workbook, dashboard_programme=programme)
    assert projects_on_the_dashboard() == own_projects < everyone
    assert programme in FileBook(workbook).read_table("Log")["message"].iloc[-1]
    assert macros.ribbon.export_report(FileBook(workbook)) == "OK"
    report = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert programme in report.split("</h1>", 1)[1][:400]  # the report's subtitle names its audience


def test_save_compare_and_commit_scenario_round_trip_as_pmo_scenario_does(workbook, tmp_path):
    """Two scenarios saved from the workbook's tables (the same runs as pmo scenario save on those tables), set
    side by side, one committed: a ledger row and a new register; the Portfolio table left as it was."""
    import csv

    import openpyxl
    from click.testing import CliRunner

    from pmo_xl.cli import main
    from pmo_xl.ledger import open_ledger

    book = FileBook(workbook)
    _three_requests_costing_60_50_and_50k(book)
    book.commit()
    portfolio_before = FileBook(workbook).read_table("Portfolio")
    ledger = tmp_path / "pmo_ledger.db"
    with open_ledger(ledger, write=True):
        pass
    reports = tmp_path / "reports"
    reports.mkdir()
    _point_settings_at(workbook, ledger_path=ledger, reports_folder=reports, scenario_name="Lean",
                       optimise_budgets="FY2026=60k")  # fmt: skip
    assert macros.ribbon.save_scenario(FileBook(workbook)) == "OK"
    _point_settings_at(workbook, scenario_name="Growth", optimise_budgets="FY2026=110k")
    assert macros.ribbon.save_scenario(FileBook(workbook)) == "OK"

    FileBook(workbook).read_table("Requests").drop(columns=["score", "rank", "selected"]).to_csv(
        tmp_path / "r.csv", index=False
    )
    arguments = ["scenario", "save", "Growth", "--requests", tmp_path / "r.csv", "--budget", "FY2026=110k",
                 "--out", tmp_path / "cli.json", "--json"]  # fmt: skip
    by_the_cli = CliRunner().invoke(main, list(map(str, arguments)))
    assert by_the_cli.exit_code == 0, by_the_cli.output
    cli = json.loads(by_the_cli.stdout)
    saved = {item["name"]: item for item in json.loads((workbook.parent / "scenarios.json").read_text())}
    assert set(saved) == {"Lean", "Growth"}
    growth = saved["Growth"]["run"]
    assert [o["request_id"] for o in growth["outcomes"] if o["selected"]] == cli["selected"] == ["R-001", "R-002"]
    assert [o["request_id"] for o in saved["Lean"]["run"]["outcomes"] if o["selected"]] == ["R-001"]

    assert macros.ribbon.compare_scenarios(FileBook(workbook)) == "OK"
    comparison = openpyxl.load_workbook(reports / "scenario_comparison.xlsx")
    shown = list(comparison.worksheets[0].iter_rows(values_only=True))
    rows_shown = {row[0]: row[1:3] for row in shown if row[0]}
    assert ("Lean", "Growth") in [row[1:3] for row in shown]
    assert rows_shown["R-002 Example request"] == ("out", "in (2026-07)")

    assert macros.ribbon.commit_scenario(FileBook(workbook)) == "OK", FileBook(workbook).read_table("Log")
    with open_ledger(ledger) as records:
        (decision,) = records.scenario_commits()
    assert (decision.scenario_name, decision.approved, decision.new_projects) == (
        "Growth",
        ("R-001", "R-002"),
        ("R-001", "R-002"),
    )
    assert decision.register_source == f"{workbook.name}, table Portfolio" and decision.committed_by
    with open(reports / "register-Growth.csv", encoding="utf-8-sig", newline="") as register:
        rows = {row["project_id"]: row for row in csv.DictReader(register)}
    assert set(rows) == {"P-001", "R-001", "R-002"}
    assert rows["P-001"]["programme"] == "" and rows["P-001"]["start_date"] == "2026-01-05"
    assert (rows["R-002"]["lifecycle_status"], rows["R-002"]["stage"], rows["R-002"]["project_manager"]) == (
        "active",
        "Initiation",
        "PM name",
    )
    assert rows["R-002"]["budget"] == "50000"
    pd.testing.assert_frame_equal(FileBook(workbook).read_table("Portfolio"), portfolio_before)
    log = FileBook(workbook).read_table("Log")
    assert log["action"].tolist() == ["Save scenario", "Save scenario", "Compare scenarios", "Commit scenario"]
    assert "2 new project(s)" in log["message"].iloc[-1]


def test_commit_scenario_without_a_scenario_name_says_where_to_set_it_and_records_nothing(workbook, tmp_path):
    from pmo_xl.ledger import open_ledger

    ledger = tmp_path / "pmo_ledger.db"
    with open_ledger(ledger, write=True):
        pass
    _point_settings_at(workbook, ledger_path=ledger)
    book = FileBook(workbook)
    assert macros.ribbon.commit_scenario(book) == "Failed"
    assert book.messages and "set scenario_name on the Settings sheet" in book.messages[0][1]
    with open_ledger(ledger) as records:
        assert records.scenario_commits() == []
