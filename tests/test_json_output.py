"""`--json`: each long-running command prints one JSON object on stdout (docs/json-output.md), and the ribbon reads
that object, never the lines written for people: rewording a message must not change what the ribbon reports."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import macros.actions
import macros.ribbon
from macros.actions import run_pmo_json
from macros.adapter import FileBook
from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.run import CollectResult
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.errors import PmoError
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.portfolio.criteria import DEFAULT_MODEL
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.workbook.build import build_workbook

PERIOD = "2026-10"
TODAY = "2026-11-20"
REPO = Path(__file__).resolve().parent.parent

# `pmo` with every message for people reworded: CollectResult.summary, and each line any command echoes that is
# not the JSON summary. A caller that reads the messages gets nothing it recognises from this program.
REWORDED_PMO = (
    sys.executable,
    "-c",
    "import sys, click, pmo_xl.collect.run\n"
    "pmo_xl.collect.run.CollectResult.summary = lambda self: 'All done; have a look at the sheet.'\n"
    "echo = click.echo\n"
    "def reworded(message=None, *args, **kwargs):\n"
    "    echo(message if str(message).startswith('{') else 'Something happened.', *args, **kwargs)\n"
    "click.echo = reworded\n"
    "from pmo_xl.cli import main\n"
    "sys.exit(main())\n",
)


def run_json(*arguments) -> tuple[dict, object]:
    """(the summary, the click result) of `pmo ARGUMENTS... --json`; stdout must hold that one object and nothing else."""
    result = CliRunner().invoke(main, [*map(str, arguments), "--json"])
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0]), result


# -- pmo collect ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """An inbox with one file of each verdict: accepted, rejected, duplicate, superseded (and its correction), skipped."""
    root = tmp_path_factory.mktemp("json-collect")
    projects = demo_projects(3, random.Random(5), PERIOD)
    register = root / "register.csv"
    lines = ["project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit"]
    for record in projects:
        lines.append(
            f"{record.project_id},{record.project_name},{record.project_manager},{record.pm_email},"
            f"{record.sponsor},{record.start_date},{record.end_date},{record.fields['budget_original']},EUR,k"
        )
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    paths = [item.path for item in generate_for_records(PROJECT_STATUS, projects, root / "outbox", PERIOD,
                                                        today=dt.date(2026, 10, 1))]  # fmt: skip
    inbox = root / "inbox"
    fill_demo_submission(paths[0], inbox / paths[0].name, random.Random(1))
    shutil.copyfile(inbox / paths[0].name, inbox / "copy of the first report.xlsx")
    fill_demo_submission(paths[1], inbox / paths[1].name, random.Random(2), fault="text_in_number")
    # Two reports for PRJ-0003 whose submitted-on dates differ: the later one is kept, the other superseded.
    fill_demo_submission(paths[2], inbox / paths[2].name, random.Random(3))
    second = inbox / (paths[2].stem + " (2).xlsx")
    for seed in range(4, 40):
        fill_demo_submission(paths[2], second, random.Random(seed))
        dates = [read_submission(path)[0].fields["submitted_on"] for path in (inbox / paths[2].name, second)]
        if dates[0] != dates[1]:
            break
    older, newer = sorted((inbox / paths[2].name, second), key=lambda p: read_submission(p)[0].fields["submitted_on"])
    (inbox / ("~$" + paths[0].name)).write_bytes(b"\x00" * 165)
    return {"inbox": inbox, "register": register, "paths": paths, "older": older, "newer": newer}


def _collect(prepared, tmp_path, *extra):
    return run_json("collect", prepared["inbox"], "--ledger", tmp_path / "pmo_ledger.db",
                    "--out", tmp_path / "portfolio.xlsx", "--register", prepared["register"], "--period", PERIOD,
                    "--today", TODAY, *extra)  # fmt: skip


def test_collect_json_is_every_verdict_with_its_reasons_and_the_files_written(prepared, tmp_path):
    summary, result = _collect(prepared, tmp_path)

    assert result.exit_code == 0, result.output
    assert (summary["command"], summary["schema"], summary["exit"]) == ("collect", 1, 0)
    assert summary["files"] == 6
    assert summary["counts"] == {"accepted": 2, "rejected": 1, "duplicate": 1, "superseded": 1, "skipped": 1}
    [rejected] = summary["rejected"]
    assert rejected["file"] == prepared["paths"][1].name and rejected["project_id"] == "PRJ-0002"
    assert Path(rejected["path"]) == prepared["inbox"] / prepared["paths"][1].name
    assert rejected["reasons"][0].startswith(
        "Summary!C31, actual_to_date: Actual cost to date holds text, not a number"
    )
    assert rejected["codes"] and all(isinstance(code, str) for code in rejected["codes"])
    assert [entry["file"] for entry in summary["duplicate"]] == ["copy of the first report.xlsx"]
    [superseded] = summary["superseded"]
    assert superseded["file"] == prepared["older"].name
    assert any(prepared["newer"].name in reason for reason in superseded["reasons"])
    assert summary["outputs"]["portfolio"] == str(tmp_path / "portfolio.xlsx")
    assert summary["outputs"]["ledger"] == str(tmp_path / "pmo_ledger.db")
    assert summary["output_error"] == "" and isinstance(summary["warnings"], list)
    # The submissions it says it added are the ledger's, and the files it names are the Submissions sheet's.
    with open_ledger(tmp_path / "pmo_ledger.db") as ledger:
        stored = ledger.submissions()
    assert sorted(summary["added"]) == sorted(stored["submission_id"])
    assert set(stored["project_id"]) == {"PRJ-0001", "PRJ-0003"}
    sheet = openpyxl.load_workbook(tmp_path / "portfolio.xlsx", read_only=True)["Submissions"]
    rows = list(sheet.iter_rows(values_only=True))
    verdicts = {Path(row[0]).name: row[rows[0].index("verdict")] for row in rows[1:] if row[0]}
    for status in ("rejected", "duplicate", "superseded"):
        assert {entry["file"] for entry in summary[status]} == {name for name, v in verdicts.items() if v == status}
    # The lines for people are still written, on stderr.
    assert "6 file(s): 2 accepted, 1 rejected, 1 duplicate, 1 superseded, 1 skipped" in result.stderr
    assert f"rejected: {prepared['inbox'] / prepared['paths'][1].name}" in result.stderr


def test_collect_json_says_the_exit_status_it_exits_with(prepared, tmp_path):
    summary, result = _collect(prepared, tmp_path, "--strict")
    assert result.exit_code == 1 and summary["exit"] == 1
    assert summary["counts"]["rejected"] == 1 and (tmp_path / "portfolio.xlsx").exists()

    again, result = _collect(prepared, tmp_path)
    assert result.exit_code == 0 and again["exit"] == 0
    assert again["added"] == [] and again["counts"]["accepted"] == 0, "nothing is added twice"


def test_a_locked_portfolio_is_exit_3_with_the_reason_and_the_ledger_kept(prepared, tmp_path, monkeypatch):
    import pmo_xl.excel.files as output_files

    real_replace = os.replace

    def excel_has_it_open(source, target):
        if str(target).endswith("portfolio.xlsx"):
            raise PermissionError(13, "Permission denied")
        return real_replace(source, target)

    monkeypatch.setattr(output_files.os, "replace", excel_has_it_open)
    monkeypatch.setattr(output_files.time, "sleep", lambda seconds: None)
    summary, result = _collect(prepared, tmp_path)
    assert result.exit_code == 3 and summary["exit"] == 3
    assert "portfolio.xlsx: the file is locked" in summary["output_error"]
    assert summary["outputs"]["portfolio"] is None and len(summary["added"]) == 2


def test_a_run_that_fails_prints_its_error_as_json_with_the_usual_exit_status(prepared, tmp_path):
    bad_register = tmp_path / "register.csv"
    bad_register.write_text("project_id\nPRJ-0001\n", encoding="utf-8")
    summary, result = run_json("collect", prepared["inbox"], "--ledger", tmp_path / "l.db", "--register", bad_register)
    assert result.exit_code == 2
    assert summary == {"command": "collect", "schema": 1, "error": summary["error"], "exit": 2}
    assert "missing required column(s): project_name" in summary["error"]
    assert "pmo: " in result.stderr, "the message for people is still on stderr"
    assert not (tmp_path / "l.db").exists()

    summary, result = run_json("collect", tmp_path / "no such inbox")
    assert result.exit_code == 2 and summary["exit"] == 2
    assert "'INBOX'" in summary["error"] and "does not exist" in summary["error"]


def test_without_json_stdout_is_the_usual_lines(prepared, tmp_path):
    result = CliRunner().invoke(main, ["collect", str(prepared["inbox"]), "--ledger", str(tmp_path / "l.db"),
                                       "--out", str(tmp_path / "p.xlsx"), "--today", TODAY])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "file(s): " in result.stdout and "ledger " in result.stdout
    assert not any(line.startswith("{") for line in result.stdout.splitlines())


# -- pmo generate, score, optimize ---------------------------------------------------------------------------------


def test_generate_json_lists_each_workbook_with_its_project(prepared, tmp_path):
    summary, result = run_json("generate", "--register", prepared["register"], "--out", tmp_path / "outbox",
                               "--period", "2026-11")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (summary["command"], summary["template"], summary["period"]) == ("generate", "project_status", "2026-11")
    assert [entry["project_id"] for entry in summary["workbooks"]] == ["PRJ-0001", "PRJ-0002", "PRJ-0003"]
    assert {Path(entry["path"]) for entry in summary["workbooks"]} == set((tmp_path / "outbox").iterdir())
    assert len({entry["token"] for entry in summary["workbooks"]}) == 3
    assert summary["outputs"] == {"folder": str(tmp_path / "outbox"), "ledger": None}


def _requests_csv(path: Path) -> Path:
    """Three requests; REQ-1 is the strongest on the PMO's scores, REQ-3 the weakest; they cost 60k, 50k and 50k."""
    ids = [criterion.criterion_id for criterion in DEFAULT_MODEL.criteria]
    rows = []
    for number, (strength, cost, npv) in enumerate(((5, 60000, 200000), (4, 50000, 150000), (2, 50000, 120000)), 1):
        row = {"request_id": f"REQ-{number}", "title": f"Request {number}", "cost_FY2027": cost, "npv": npv}
        row |= {f"pmo_{i}": (6 - strength if i == "delivery_risk" else strength) for i in ids}
        row |= {"business_value": 8 - 2 * number, "time_criticality": 3, "risk_reduction": 1, "job_size": number}
        rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_score_json_is_the_ranking_with_the_model_that_made_it(tmp_path):
    requests = _requests_csv(tmp_path / "pipeline.csv")
    summary, result = run_json("score", requests, "-o", tmp_path / "scores.xlsx")
    assert result.exit_code == 0, result.output
    assert summary["model"] == {"name": DEFAULT_MODEL.name, "version": DEFAULT_MODEL.version}
    assert (summary["method"], summary["score_set"], summary["ahp"]) == ("weighted", "pmo", None)
    ranking = summary["ranking"]
    assert [entry["request_id"] for entry in ranking] == ["REQ-1", "REQ-2", "REQ-3"]
    assert [entry["rank"] for entry in ranking] == [1, 2, 3]
    assert ranking[0]["score"] > ranking[1]["score"] > ranking[2]["score"]
    assert summary["outputs"]["workbook"] == str(tmp_path / "scores.xlsx") and (tmp_path / "scores.xlsx").exists()

    wsjf, result = run_json("score", requests, "--method", "wsjf", "-o", tmp_path / "wsjf.xlsx")
    assert result.exit_code == 0, result.output
    assert (wsjf["method"], wsjf["model"]) == ("wsjf", None)
    assert [entry["request_id"] for entry in wsjf["ranking"]] == ["REQ-1", "REQ-2", "REQ-3"]
    # (business value + time criticality + risk reduction) / job size
    assert [entry["score"] for entry in wsjf["ranking"]] == [10, 4, 2]


def test_optimize_json_names_the_chosen_requests_and_what_they_cost(tmp_path):
    requests = _requests_csv(tmp_path / "pipeline.csv")
    summary, result = run_json("optimize", requests, "--value", "npv", "--budget", "FY2027=110k",
                               "-o", tmp_path / "portfolio.xlsx")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert summary["status"] == "optimal" and summary["proven_gap"] == pytest.approx(0, abs=1e-6)
    assert summary["selected"] == ["REQ-1", "REQ-2"]
    assert (summary["value_measure"], summary["value"], summary["cost"]) == ("npv", 350000, 110000)
    assert summary["requests"] == 3
    decisions = {entry["request_id"]: entry for entry in summary["decisions"]}
    assert [decisions[i]["selected"] for i in ("REQ-1", "REQ-2", "REQ-3")] == [True, True, False]
    assert decisions["REQ-3"]["decision"] == "not chosen"
    assert decisions["REQ-3"]["what_would_get_it_in"] == "needs Budget FY2027 +50,000"
    assert summary["binding"] == ["Budget FY2027"]
    assert summary["outputs"]["workbook"] == str(tmp_path / "portfolio.xlsx") and (tmp_path / "portfolio.xlsx").exists()
    assert summary["scenarios"] == [] and summary["frontier_points"] == 0


# -- pmo capacity, dashboard, report -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pmo_xl.demo.run import run_demo

    out = tmp_path_factory.mktemp("json-demo") / "demo"
    run_demo(out, projects=6)
    return out


def test_capacity_json_is_the_plan_and_its_over_allocations(demo, tmp_path):
    summary, result = run_json("capacity", "--ledger", demo / "pmo_ledger.db", "--capacity", demo / "capacity.xlsx",
                               "--horizon", 6, "-o", tmp_path / "plan.xlsx")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(summary["months"]) == 6 and summary["months"][0] == summary["current_period"]
    assert summary["roles"] and summary["assessed_line"] == "weighted"
    assert summary["over_allocations"], "the demo's capacity is short somewhere"
    for row in summary["over_allocations"]:
        assert row["month"] in summary["months"] and row["shortfall_fte"] > 0
        assert row["shortfall_fte"] == pytest.approx(row["demand_fte"] - row["capacity_fte"])
    assert summary["what_if"] is None
    assert summary["outputs"] == {"workbook": str(tmp_path / "plan.xlsx")} and (tmp_path / "plan.xlsx").exists()

    short = summary["over_allocations"][0]
    hire = f"{short['role']}:{short['shortfall_fte'] + 1}@{summary['current_period']}"
    after, result = run_json("capacity", "--ledger", demo / "pmo_ledger.db", "--capacity", demo / "capacity.xlsx",
                             "--horizon", 6, "-o", tmp_path / "what-if.xlsx", "--hire", hire)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert after["what_if"]["hires"] == [
        {"role": short["role"], "fte": short["shortfall_fte"] + 1, "from_month": summary["current_period"]}
    ]
    solved = [row for row in after["what_if"]["over_allocations_after"] if row["level"] == "role"]
    assert (short["role"], short["month"]) not in {(row["role"], row["month"]) for row in solved}


@pytest.mark.parametrize(("command", "name", "output"), [("dashboard", "portfolio.xlsx", "portfolio"),
                                                         ("report", "report.html", "report")])  # fmt: skip
def test_dashboard_and_report_json_name_the_file_written(demo, tmp_path, command, name, output):
    summary, result = run_json(command, tmp_path / name, "--ledger", demo / "pmo_ledger.db")
    assert result.exit_code == 0, result.output
    assert summary == {"command": command, "schema": 1, "ledger": str(demo / "pmo_ledger.db"), "period": None,
                       "outputs": {output: str(tmp_path / name)}, "warnings": [], "exit": 0}  # fmt: skip
    assert (tmp_path / name).stat().st_size > 0


# -- the ribbon reads the JSON ---------------------------------------------------------------------------------------


def _settings(book_path: Path, **values) -> None:
    book = FileBook(book_path)
    settings = book.read_table("Settings")
    for key, value in values.items():
        settings.loc[settings["setting"] == key, "value"] = str(value)
    book.write_table("Settings", settings)
    book.commit()


def test_the_reworded_program_really_rewords_every_message(prepared, tmp_path):
    """The stand-in below must hide what the ribbon used to look for, or the next test proves nothing."""
    completed = subprocess.run(
        [*REWORDED_PMO, "collect", str(prepared["inbox"]), "--ledger", str(tmp_path / "l.db"),
         "--out", str(tmp_path / "p.xlsx"), "--today", TODAY],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "Something happened." in completed.stdout
    for marker in (" file(s): ", "ledger ", "rejected: ", "wrote "):
        assert marker not in completed.stdout


def test_the_ribbons_collect_as_a_process_reports_from_the_json_whatever_the_messages_say(tmp_path, monkeypatch):
    """A large inbox is collected by a separate `pmo collect`; its Log message must not depend on how pmo words it."""
    workbook = build_workbook(tmp_path / "pmo_workbook.xlsm")
    period = f"{dt.date.today() - dt.timedelta(days=62):%Y-%m}"  # so that no submitted-on date is after today
    generated = generate_for_records(PROJECT_STATUS, demo_projects(2, random.Random(8), period), tmp_path / "out",
                                     period)  # fmt: skip
    inbox = tmp_path / "inbox"
    fill_demo_submission(generated[0].path, inbox / generated[0].path.name, random.Random(7))
    shutil.copyfile(generated[1].path, inbox / "unfilled copy.xlsx")  # sent back blank: rejected
    _settings(workbook, ribbon_in_process_limit=1)
    monkeypatch.setattr(macros.actions, "PMO_PROGRAM", REWORDED_PMO)
    monkeypatch.setattr(CollectResult, "summary", lambda self: "All done; have a look at the sheet.")

    book = FileBook(workbook)
    assert macros.ribbon.collect_status(book) == "OK", book.messages
    assert any(status and status.startswith("PMO: Collect status running") for status in book.statuses)
    message = FileBook(workbook).read_table("Log").iloc[-1]["message"]
    assert message.startswith("2 file(s): 1 accepted, 1 rejected, 0 duplicate, 0 superseded; 1 added to the ledger")
    assert f"wrote {tmp_path / 'portfolio.xlsx'} (as a separate pmo process)" in message
    assert message.endswith("Rejected: unfilled copy.xlsx (reasons on the Submissions sheet).")
    with open_ledger(tmp_path / "pmo_ledger.db") as ledger:
        assert list(ledger.submissions()["project_id"]) == [generated[0].project_id]


def test_the_ribbons_optimise_reports_from_the_json_whatever_the_messages_say(tmp_path, monkeypatch):
    workbook = build_workbook(tmp_path / "pmo_workbook.xlsm")
    book = FileBook(workbook)
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
    book.commit()
    # Three requests over a limit of two: Optimise runs `pmo optimize --json` as its own process, as a large
    # pipeline does (below the limit it calls the core in-process, and there is no JSON to read).
    _settings(workbook, optimise_budgets="FY2026=110k", ribbon_in_process_limit=2)
    monkeypatch.setattr(macros.actions, "PMO_PROGRAM", REWORDED_PMO)

    book = FileBook(workbook)
    assert macros.ribbon.optimise(book) == "OK", book.messages
    chosen = FileBook(workbook).read_table("Requests").set_index("request_id")["selected"].to_dict()
    assert chosen == {"R-001": "yes", "R-002": "yes", "R-003": "no"}
    message = FileBook(workbook).read_table("Log").iloc[-1]["message"]
    assert message.startswith("optimal: 2 of 3 request(s) selected, total score ")
    assert "for cost 110,000.00" in message


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ('{"command": "collect", "schema": 2, "exit": 0}', "JSON schema 2 and this ribbon reads schema 1"),
        ('{"command": "collect", "schema": 1, "error": "the ledger is locked", "exit": 2}',
         "Collect status failed: the ledger is locked"),
        ("6 file(s): 6 accepted", "pmo printed no summary to read"),
    ],
)  # fmt: skip
def test_the_ribbon_refuses_a_summary_it_cannot_read(tmp_path, printed, expected):
    book = FileBook(build_workbook(tmp_path / "pmo_workbook.xlsm"))
    program = (sys.executable, "-c", f"print({printed!r})")
    with pytest.raises(PmoError, match=expected):
        run_pmo_json(["collect"], book, "Collect status", time_limit=30, program=program)


def test_a_portfolio_left_locked_by_the_process_is_told_as_in_process(tmp_path, monkeypatch):
    """`pmo collect` exits 3 with its summary when Excel holds portfolio.xlsx: the ledger is updated, say so."""
    book = FileBook(build_workbook(tmp_path / "pmo_workbook.xlsm"))
    locked = {"command": "collect", "schema": 1, "output_error": "portfolio.xlsx: the file is locked", "exit": 3}
    program = (sys.executable, "-c", f"import sys; print({json.dumps(locked)!r}); sys.exit(3)")
    monkeypatch.setattr(macros.actions, "PMO_PROGRAM", program)
    expected = "portfolio.xlsx: the file is locked The ledger is up to date; Collect status again once it is closed."
    with pytest.raises(PmoError) as raised:
        macros.ribbon._collect_as_process(book, tmp_path, tmp_path / "pmo_ledger.db", tmp_path / "portfolio.xlsx",
                                          macros.ribbon._pmo_settings(book))  # fmt: skip
    assert str(raised.value) == expected
