"""`pmo demo` end to end on a small portfolio: every step's output is there and says what a user would expect."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import sqlite3
import stat
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.demo.run import DEMO_FAULTS, SCARCE_ROLES, run_demo, sample_register


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    result = CliRunner().invoke(main, ["demo", str(out), "--projects", "8"])
    assert result.exit_code == 0, result.output
    return out, result.output


def _where_to_look(output: str) -> list[str]:
    """The names "Where to look" lists, one a line, a folder with its slash."""
    lines = output.split("Where to look", 1)[1].splitlines()[1:]
    return [line.split()[0] for line in lines[: lines.index("")]]


def test_demo_where_to_look_lists_every_file_it_wrote(demo):
    out, output = demo
    assert f"Where to look, in {out}:" in output
    listed = _where_to_look(output)
    written = [f"{path.name}/" if path.is_dir() else path.name for path in out.iterdir()]
    assert sorted(listed) == sorted(written)
    for name in ("report.html", "portfolio.xlsx", "workbooks/", "requests.xlsx", "capacity.xlsx", "pmo_ledger.db"):
        assert name in listed, name
    assert "new red project(s)" in output and "decision(s) needed" in output


def test_demo_explains_how_its_numbers_add_up(demo):
    """8 projects: number 8 is active (no multiple of 17 or 23), so all 8 report; the counts add up line by line."""
    out, output = demo
    periods = sorted(folder.name for folder in (out / "inbox").iterdir())
    rows = sample_register(8, periods[0])
    active = sum(1 for row in rows if row["lifecycle_status"] == "active")
    assert f"8 projects in the register (register.csv): {active} active, who report every month" in output
    assert f"{active} status workbooks generated for each of 3 periods ({', '.join(periods)})." in output
    sent = len(list((out / "inbox" / periods[-1]).glob("*.xlsx")))
    rejected = sum(1 for line in output.splitlines() if line.strip().startswith("rejected:"))
    match = re.search(rf"{periods[-1]}: (\d+) reports sent \((\d+) PM late\), (\d+) rejected, (\d+) accepted", output)
    assert match, output
    assert [int(group) for group in match.groups()] == [sent, active - sent, rejected, sent - rejected]
    assert re.search(r"\b6 requests in the pipeline", output)  # at least 6, a quarter of the projects beyond 24


def test_demo_leaves_every_period_and_the_faulty_files_in_the_inbox(demo):
    out, output = demo
    periods = sorted(folder.name for folder in (out / "inbox").iterdir())
    assert len(periods) == 3 and all(re.fullmatch(r"\d{4}-\d{2}", p) for p in periods)
    # 7 active projects report (one is on hold); in the last period one PM is late, so 6 files are there
    counts = [len(list((out / "inbox" / period).glob("*.xlsx"))) for period in periods]
    active = sum(1 for row in sample_register(8, periods[0]) if row["lifecycle_status"] == "active")
    assert counts == [active, active, active - 1]
    rejected = [line for line in output.splitlines() if line.strip().startswith("rejected:")]
    assert rejected and all(periods[-1] in line for line in rejected)
    assert len(rejected) < len(DEMO_FAULTS) + 1


def test_demo_ledger_holds_three_periods_carried_forward(demo):
    out, _output = demo
    with sqlite3.connect(out / "pmo_ledger.db") as connection:
        periods = [row[0] for row in connection.execute("SELECT DISTINCT reporting_period FROM submission ORDER BY 1")]
        # items keep their ids from period to period: the first milestone of a project is in every period
        ids = connection.execute(
            "SELECT s.project_id, COUNT(DISTINCT s.reporting_period) FROM table_row t JOIN submission s "
            "ON s.submission_id = t.submission_id WHERE t.table_name = 'RAID' AND t.row_values LIKE '%\"R-001\"%' "
            "GROUP BY s.project_id"
        ).fetchall()
    assert len(periods) == 3
    assert ids and max(count for _project, count in ids) == 3


def test_demo_portfolio_opens_on_the_dashboard(demo):
    out, _output = demo
    workbook = openpyxl.load_workbook(out / "portfolio.xlsx")
    assert workbook.sheetnames[0] == "Dashboard"
    trend = workbook["Dashboard"].tables["DashTrend"].ref
    periods = [row[0].value for row in workbook["Dashboard"][trend]][1:4]
    assert len([p for p in periods if p]) == 3
    with zipfile.ZipFile(out / "portfolio.xlsx") as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())


def test_demo_report_is_self_contained(demo):
    out, _output = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<link" not in html and "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "Decisions needed from management" in html and "<svg" in html


def _table(sheet, name: str) -> list[dict]:
    rows = [[cell.value for cell in row] for row in sheet[sheet.tables[name].ref]]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


def test_demo_capacity_plan_shows_the_scarce_roles_running_hot(demo):
    out, _output = demo
    workbook = openpyxl.load_workbook(out / "capacity_plan.xlsx")
    heatmap = list(workbook["Heatmap"].iter_rows(values_only=True))
    header = next(index for index, row in enumerate(heatmap) if row[0] == "Role")
    roles = {row[0]: [v for v in row[1:] if isinstance(v, float | int)] for row in heatmap[header + 1 :] if row[0]}
    assert set(SCARCE_ROLES) <= set(roles) and "Project Manager" in roles
    assert any(max(roles[role]) > 1.0 for role in SCARCE_ROLES)  # sized at about 70 % of their peak demand
    assert any(0 < value <= 1.0 for value in roles["Project Manager"])  # the others have room
    over = _table(workbook["Over-allocation"], "OverAllocation")
    assert over and {row["Role"] for row in over} <= set(SCARCE_ROLES) | set(roles)
    assert {row["Role"] for row in over} & set(SCARCE_ROLES)
    assert all(row["Shortfall (FTE)"] > 0 and row["Contributing (FTE each)"] for row in over)
    # the horizon starts at the last period collected, as `pmo capacity` and `pmo dashboard` start it
    settings = {row["Setting"]: row["Value"] for row in _table(workbook["Settings"], "CapacitySettings")}
    last_period = sorted(folder.name for folder in (out / "inbox").iterdir())[-1]
    assert settings["Current period"] == last_period


def test_demo_selection_chooses_requests_and_states_its_gap(demo):
    out, _output = demo
    workbook = openpyxl.load_workbook(out / "request_selection.xlsx")
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Result"] in ("optimal", "feasible")
    assert isinstance(summary["Proven gap"], int | float) and summary["Proven gap"] >= 0
    selection = _table(workbook["Selection"], "SelectionTable")
    chosen = [row for row in selection if row["decision"] == "chosen"]
    assert chosen and summary["Requests selected"] == len(chosen)
    assert all(row["selected"] is True and re.fullmatch(r"\d{4}-\d{2}", row["start_month"]) for row in chosen)
    # what keeps the others out is stated: the budget or a role short in a month
    left_out = [row for row in selection if row["decision"] != "chosen"]
    assert all(row["what_would_get_it_in"] for row in left_out)


def test_demo_dashboard_hot_spots_match_pmo_dashboard_on_the_same_data(demo, tmp_path):
    out, _output = demo
    target = tmp_path / "again.xlsx"
    result = CliRunner().invoke(
        main,
        ["dashboard", str(target), "--ledger", str(out / "pmo_ledger.db"), "--register", str(out / "register.csv"),
         "--capacity", str(out / "capacity.xlsx"), "--requests", str(out / "requests.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    demo_hot = _table(openpyxl.load_workbook(out / "portfolio.xlsx")["Dashboard"], "DashCapacity")
    again_hot = _table(openpyxl.load_workbook(target)["Dashboard"], "DashCapacity")
    assert demo_hot and demo_hot == again_hot


def test_demo_outputs_are_readable_by_colleagues_alike(demo):
    out, _output = demo
    modes = {name: stat.S_IMODE(os.stat(out / name).st_mode) for name in ("portfolio.xlsx", "report.html")}
    assert modes["portfolio.xlsx"] == modes["report.html"] and modes["portfolio.xlsx"] & 0o044


@pytest.mark.parametrize("today", [dt.date(2026, 12, 1), dt.date(2027, 3, 20)])
def test_the_late_pm_and_the_rejected_files_show_as_outstanding_whatever_the_day(tmp_path, today):
    result = run_demo(tmp_path / "demo", projects=6, today=today)
    outstanding = _table(openpyxl.load_workbook(result.portfolio)["Dashboard"], "DashOutstanding")
    assert result.rejected and len(outstanding) >= 2
    states = [row["State"] for row in outstanding]
    assert set(states) <= {"late", "returned", "stale", "never reported"}
    assert "returned" in states  # a file that arrived and was rejected is returned for correction, not "missing"
    assert all(row["Due"].date() < today for row in outstanding)
    # every counted report was sent on or before the day the demo ran
    with sqlite3.connect(result.ledger) as connection:
        sent = [row[0] for row in connection.execute("SELECT submitted_on FROM submission")]
    assert sent and all(dt.date.fromisoformat(str(day)[:10]) <= today for day in sent)


def test_demo_runs_again_into_its_own_folder_but_never_into_a_foreign_one(demo, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    result = CliRunner().invoke(main, ["demo", str(foreign), "--projects", "2"])
    assert result.exit_code == 2
    assert "not made by `pmo demo`" in result.output
    assert (foreign / "thesis.docx").read_text() == "precious"


def test_pmo_dashboard_rebuilds_from_the_demo_ledger(demo, tmp_path):
    out, _output = demo
    target = tmp_path / "security.xlsx"
    result = CliRunner().invoke(
        main,
        ["dashboard", str(target), "--ledger", str(out / "pmo_ledger.db"), "--register", str(out / "register.csv"),
         "--programme", "Security", "--capacity", str(out / "capacity.xlsx"), "--requests", str(out / "requests.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(target)["Dashboard"]
    assert "(Programme: Security)" in sheet["B1"].value
    projects = [row[0].value for row in sheet[sheet.tables["DashBudget"].ref]][1:]
    security = {row["project_id"] for row in sample_register(8, "2026-01") if row["programme"] == "Security"}
    assert {p for p in projects if p} <= security


def test_pmo_report_filters_by_business_unit_from_the_register(demo, tmp_path):
    out, _output = demo
    target = tmp_path / "finance.html"
    result = CliRunner().invoke(
        main,
        ["report", str(target), "--ledger", str(out / "pmo_ledger.db"), "--register", str(out / "register.csv"),
         "--business-unit", "finance"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "Unit: finance" in html
    register = sample_register(8, "2026-01")
    finance = {row["project_id"] for row in register if row["business_unit"] == "Finance"}
    others = {row["project_id"] for row in register} - finance
    assert any(project_id in html for project_id in finance)
    assert not any(f">{project_id}<" in html for project_id in others)


def test_demo_shows_the_coaching_loop(demo):
    """A report returned with a feedback draft, corrected and accepted on a second collect; the scorecard file."""
    out, output = demo
    (returned,) = [line for line in output.splitlines() if "was returned with a feedback e-mail" in line]
    project_id = returned.split()[0].removesuffix("'s")
    feedback = out / "mail" / f"Returned - {project_id} - {sorted(p.name for p in (out / 'inbox').iterdir())[-1]}.eml"
    message = email.message_from_bytes(feedback.read_bytes(), policy=email.policy.default)
    assert message["X-Unsent"] == "1" and "What is wrong:" in message.get_body(("plain",)).get_content()
    assert [part.get_filename() for part in message.iter_attachments()] == [
        path.name for path in (out / "corrections").rglob("*.xlsx")
    ]
    missing = openpyxl.load_workbook(out / "portfolio.xlsx", read_only=True)["Missing"]
    rows = list(missing.iter_rows(values_only=True))
    header = rows[0]
    by_project = {row[header.index("project_id")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_project[project_id]["state"] in ("reporting", "late") and by_project[project_id]["returns"] == 1
    assert by_project[project_id]["note"].startswith("corrected after 1 return(s)")
    assert "PMs" in openpyxl.load_workbook(out / "pmo-coaching.xlsx", read_only=True).sheetnames
    assert len(list((out / "mail" / "send-out").glob("*.eml"))) >= 1


def test_demo_prints_the_review_pack_and_compares_two_scenarios(demo):
    import json

    from pypdf import PdfReader

    out, output = demo
    active = [row for row in sample_register(8, sorted(p.name for p in (out / "inbox").iterdir())[0])
              if row["lifecycle_status"] == "active"]  # fmt: skip
    pages = [page.extract_text() for page in PdfReader(out / "review-pack.pdf").pages]
    for row in active:  # one page of its own per active project, its id in the heading
        assert sum(1 for text in pages if f"{row['project_id']} · " in text) == 1, row["project_id"]
    saved = json.loads((out / "scenarios.json").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in saved] == ["Lean", "Growth"] and all("run" in entry for entry in saved)
    compared = openpyxl.load_workbook(out / "scenario_comparison.xlsx", read_only=True)
    assert compared.worksheets and "review-pack.pdf" in output


def test_demo_records_a_committee_decision_and_the_pack_shows_the_need_closed_with_its_action(demo):
    """The demo's committee answers one need of the month's reports (pmo decide's core): the pack's decisions page
    lists it closed, once, with the action it set, its owner and due date, and no longer as needed."""
    import datetime as dt

    from pypdf import PdfReader

    from pmo_xl.ledger import open_ledger

    out, output = demo
    with open_ledger(out / "pmo_ledger.db") as ledger:
        [decision] = ledger.decisions()
    assert (decision.kind, decision.owner, decision.source) == ("approve", "Steering committee", "pmo demo")
    decided_on = dt.date.fromisoformat(decision.decided_on)
    assert dt.date.fromisoformat(decision.due) == decided_on + dt.timedelta(days=14)  # after the meeting: not overdue
    assert f"the steering committee decided {decision.project_id} {decision.answers}: approve" in output
    [page] = [text for text in (p.extract_text() for p in PdfReader(out / "review-pack.pdf").pages)
              if "Decided by the committee (closed)" in text]  # fmt: skip
    needed = page.split("Decisions needed from the committee", 1)[1].split("Risks and issues escalated", 1)[0]
    closed = page.split("Decided by the committee (closed)", 1)[1].split("Actions the decisions set", 1)[0]
    actions = page.split("Actions the decisions set", 1)[1]
    pair = f"{decision.project_id} {decision.answers}"
    assert pair not in needed and needed.strip()  # other needs are still open
    assert pair in closed and f"decided on {decision.decided_on}: approve by Steering committee" in closed
    assert f"{pair} {decision.action} {decision.action_owner} {decision.due}" in actions
    assert "overdue" not in actions
