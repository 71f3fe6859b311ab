"""The decision and action log (issue 18.4): `pmo decide` records a steering committee's decision against a PM's
decision-needed row, append-only, and the views, `pmo report` and the review pack's summary show the need closed.

A ledger of two projects for 2026-11 is built through the commands (generate, fill, collect):

    project  decisions needed (the status template's Decisions table)
    A1       D-001 supplier change, D-002 extra tester
    B2       D-001 go-live date
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from pmo_xl.cli import main
from pmo_xl.decisions import decisions_for
from pmo_xl.demo.data import fill_by_name
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.dashboard import ItemHistory, executive_summary
from pmo_xl.reporting.load import ReportSource

PERIOD = "2026-11"
TODAY = "2026-12-10"
REGISTER = (
    "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit\n"
    "A1,Billing,Ana,ana@example.org,Sponsor A,2026-01-01,2027-06-30,100000,EUR,units\n"
    "B2,Branches,Ben,ben@example.org,Sponsor B,2026-01-01,2027-06-30,100000,EUR,units\n"
)
NEEDS = {
    "A1": [("D-001", "Approve the supplier change"), ("D-002", "Fund an extra tester")],
    "B2": [("D-001", "Move the go-live to March"), ("D-002", "Agree the new vendor", "Decided")],
}


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fields() -> dict:
    fields = {f"rag_{key}": "Green" for key in ("overall", "schedule", "cost", "scope", "resources", "benefits")}
    return fields | {"submitted_on": dt.date(2026, 12, 2), "percent_complete": 0.4, "actual_to_date": 30000,
                     "estimate_at_completion": 100000, "forecast_end_date": dt.date(2027, 6, 30),
                     "key_achievements": "Delivered the sprint's stories."}  # fmt: skip


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("decisions")
    (root / "register.csv").write_text(REGISTER, encoding="utf-8")
    _run("generate", "--register", str(root / "register.csv"), "--out", str(root / "out"), "--period", PERIOD)
    inbox = root / "inbox"
    inbox.mkdir()
    for path in (root / "out").glob("*.xlsx"):
        project_id = path.name.split(" - ")[0]
        rows = [{"id": item_id, "decision": text, "owner": "Sponsor", "required_by": dt.date(2026, 12, 15),
                 "status": status[0] if status else "Open"} for item_id, text, *status in NEEDS[project_id]]  # fmt: skip
        fill_by_name(path, inbox / f"{project_id}.xlsx", _fields(), {"Decisions": rows})
    _run("collect", str(inbox), "--ledger", str(root / "pmo_ledger.db"), "--register", str(root / "register.csv"),
         "--out", str(root / "portfolio.xlsx"), "--period", PERIOD, "--today", "2026-12-03")  # fmt: skip
    return root / "pmo_ledger.db"


def _decide(ledger: Path, *more: str) -> str:
    return _run("decide", "--ledger", str(ledger), *more)


def _summary(ledger: Path):
    inputs, _dashboard = ReportSource(ledger, today=dt.date.fromisoformat(TODAY)).load()
    assert isinstance(inputs.items, ItemHistory)
    return executive_summary(inputs.views, inputs.items)


def test_a_decision_closes_the_need_in_the_views_and_the_report_and_its_late_action_is_flagged(ledger, tmp_path):
    before = _summary(ledger)
    assert sorted(zip(before.decisions["project_id"], before.decisions["id"], strict=True)) == [
        ("A1", "D-001"), ("A1", "D-002"), ("B2", "D-001")
    ]  # fmt: skip
    assert before.decided.empty and before.actions.empty
    out = _decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner",
                  "Steering committee", "--date", "2026-11-25", "--action", "Sign the supplier change",
                  "--due", "2026-12-01")  # fmt: skip
    assert "1 decision(s) recorded, 0 already in the ledger" in out

    after = _summary(ledger)
    # The need is closed: no longer needed, shown decided; the other two stay open. Counts add up.
    assert sorted(zip(after.decisions["project_id"], after.decisions["id"], strict=True)) == [
        ("A1", "D-002"),
        ("B2", "D-001"),
    ]
    (closed,) = after.decided.to_dict("records")
    assert (closed["project_id"], closed["id"]) == ("A1", "D-001")
    assert closed["closed"] == "decided on 2026-11-25: approve by Steering committee"
    assert len(after.decisions) + len(after.decided) == len(before.decisions)
    assert "2 decision(s) needed from management, 0 risk(s) and issue(s) escalated" in after.headlines()
    (action,) = after.actions.to_dict("records")
    assert (action["action"], action["action_owner"], action["due"]) == (
        "Sign the supplier change", "Steering committee", dt.date(2026, 12, 1)
    )  # fmt: skip

    report = tmp_path / "report.html"
    _run("report", str(report), "--ledger", str(ledger), "--today", TODAY)
    html = report.read_text(encoding="utf-8")
    assert "Decided by management: closed" in html
    assert "decided on 2026-11-25: approve by Steering committee" in html
    assert "Actions from the decisions (1 overdue)" in html and '<td class="flag">OVERDUE</td>' in html
    assert "2 decision(s) needed from management" in html
    # Not overdue before its due date.
    _run("report", str(report), "--ledger", str(ledger), "--today", "2026-11-30")
    html = report.read_text(encoding="utf-8")
    assert "Actions from the decisions (0 overdue)" in html and "OVERDUE</td>" not in html

    # The review pack lists the need once, as decided, and flags the action past its due date.
    pack = tmp_path / "pack.html"
    _run("review-pack", str(pack), "--ledger", str(ledger), "--today", TODAY)
    page = pack.read_text(encoding="utf-8")
    assert page.count("decided on 2026-11-25: approve by Steering committee") == 1
    assert "Decided by the committee (closed)" in page and "Sign the supplier change" in page
    decisions_page = page.split('id="decisions"')[1]
    action = decisions_page[decisions_page.index("Sign the supplier change") :].split("</tr>", 1)[0]
    assert 'class="overdue"' in action
    assert "Sign the supplier change (D-001), due 2026-12-01 (9 days ago)" in page.split('id="decisions"')[0]


def test_a_correction_supersedes_and_the_table_is_append_only(ledger):
    _decide(ledger, "--kind", "approve", "--project", "B2", "--answers", "D-001", "--owner", "Board",
            "--date", "2026-11-25")  # fmt: skip
    out = _decide(ledger, "--kind", "defer", "--project", "B2", "--answers", "D-001", "--owner", "Board",
                  "--date", "2026-11-26", "--note", "Wait for the pilot")  # fmt: skip
    assert "(supersedes decision 1)" in out
    with open_ledger(ledger) as opened:
        every = opened.decisions()
        in_force = decisions_for(opened, "B2")
    assert [(d.decision_id, d.kind, d.supersedes) for d in every] == [(1, "approve", None), (2, "defer", 1)]
    assert [(d.kind, d.decided_on, d.note) for d in in_force] == [("defer", "2026-11-26", "Wait for the pilot")]
    # The committee's note says why (a defer or a stop needs it)
    assert _summary(ledger).decided["closed"].tolist() == ["decided on 2026-11-26: defer by Board; Wait for the pilot"]
    with sqlite3.connect(ledger) as connection:
        for statement in ("UPDATE decision SET kind = 'stop'", "DELETE FROM decision"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute(statement)
        assert connection.execute("SELECT COUNT(*) FROM decision").fetchone()[0] == 2


def test_a_decision_on_a_need_the_pm_already_marked_decided_is_still_listed_with_its_action(ledger):
    """The PM may mark a need Decided before the committee's decision is recorded: the pack still lists what the
    committee decided (with the PM's question), so its action never stands alone, and the count says so."""
    _decide(ledger, "--kind", "approve", "--project", "B2", "--answers", "D-002", "--owner", "CFO",
            "--date", "2026-11-27", "--action", "Sign the vendor contract", "--due", "2027-01-10")  # fmt: skip
    summary = _summary(ledger)
    (decided,) = summary.decided.to_dict("records")
    assert (decided["id"], decided["decision"], decided["closed"]) == (
        "D-002",
        "Agree the new vendor",
        "decided on 2026-11-27: approve by CFO",
    )
    assert summary.actions["answers"].tolist() == ["D-002"]
    assert {"1 decision(s) taken", "1 action(s) from the committee's decisions open, 0 done"} <= set(
        summary.headlines()
    )


def _decisions_workbook(path: Path, rows: list[tuple]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Decisions"
    sheet.append(["project_id", "answers", "kind", "owner", "date", "due", "note"])
    for row in rows:
        sheet.append(list(row))
    sheet.add_table(Table(displayName="Decisions", ref=f"A1:G{len(rows) + 1}"))
    workbook.save(path)
    return path


def test_the_decisions_table_is_read_once_re_running_adds_nothing(ledger, tmp_path):
    table = _decisions_workbook(tmp_path / "pmo_workbook.xlsx", [
        ("A1", "D-002", "Approve", "Steering committee", dt.datetime(2026, 11, 25), dt.datetime(2027, 1, 15),
         "Hire the tester"),
        ("B2", "D-001", "re-baseline", "Steering committee", dt.datetime(2026, 11, 25), None, None),
    ])  # fmt: skip
    assert "2 decision(s) recorded, 0 already in the ledger" in _decide(ledger, "--from", str(table))
    assert "0 decision(s) recorded, 2 already in the ledger" in _decide(ledger, "--from", str(table))
    with open_ledger(ledger) as opened:
        rows = opened.decisions()
    assert [(d.project_id, d.answers, d.kind, d.action, d.due) for d in rows] == [
        ("A1", "D-002", "approve", "Hire the tester", "2027-01-15"), ("B2", "D-001", "re-baseline", "", ""),
    ]  # fmt: skip
    assert rows[0].source.endswith(", row 2")
    summary = _summary(ledger)
    assert summary.decisions["id"].tolist() == ["D-001"] and len(summary.decided) == 2
    assert summary.actions["due"].tolist() == [dt.date(2027, 1, 15)]


def test_a_wrong_item_or_kind_is_refused_in_one_line_and_nothing_is_recorded(ledger, tmp_path):
    result = CliRunner().invoke(main, ["decide", "--ledger", str(ledger), "--kind", "approve", "--project", "A1",
                                       "--answers", "D-009", "--owner", "Board", "--date", "2026-11-25"])  # fmt: skip
    assert result.exit_code != 0
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "D-009 is not a decision needed in A1's report for 2026-11 (its decisions needed: D-001, D-002)" in message
    bad = _decisions_workbook(tmp_path / "bad.xlsx", [
        ("A1", "D-001", "approve", "Board", dt.datetime(2026, 11, 25), None, None),
        ("A1", "D-002", "postpone", "Board", dt.datetime(2026, 11, 25), None, None),
    ])  # fmt: skip
    result = CliRunner().invoke(main, ["decide", "--ledger", str(ledger), "--from", str(bad)])
    assert result.exit_code != 0 and "row 3: kind 'postpone' is not one of approve, defer" in result.output
    with open_ledger(ledger) as opened:
        assert opened.decisions() == []  # all or none


def test_a_decision_whose_need_has_left_the_reports_is_history_but_its_open_action_stays_until_done(ledger):
    """The review shows the decisions answering a need of the latest reports, or taken since the period began
    (2026-11-01); an older decision, its need gone from the reports (a Decided row leaves the month after), stays in
    the ledger, not in every pack for ever. Its action does not: an action not done never leaves the pack (past its
    date it is overdue) until `pmo decide --action-done` records it; done before the period began, it leaves; done
    since, it shows done, not overdue."""
    from pmo_xl.decisions import DecisionRequest, to_record
    from pmo_xl.reporting.dashboard import overdue_actions

    def decision(answers: str, day: dt.date, due: dt.date, action: str):
        request = DecisionRequest("A1", answers, "approve", "Board", day, due, "", action, "Ana")
        return to_record(request, [], f"{day.isoformat()}T10:00:00")

    with open_ledger(ledger, write=True) as opened:  # written straight in: D-007..D-009 are no longer reported
        opened.add_decisions([
            decision("D-007", dt.date(2026, 9, 1), dt.date(2026, 10, 1), "Old action, long past"),
            decision("D-008", dt.date(2026, 9, 2), dt.date(2027, 1, 31), "Old decision, action still ahead"),
            decision("D-009", dt.date(2026, 11, 5), dt.date(2026, 11, 30), "Taken this period"),
        ])  # fmt: skip
    _decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "Board",
            "--date", "2026-08-30", "--action", "Reported need, old action", "--due", "2026-09-30")  # fmt: skip
    summary = _summary(ledger)
    assert sorted(summary.decided["id"]) == ["D-001", "D-009"]
    actions = summary.actions.set_index("action")
    assert sorted(actions.index) == [
        "Old action, long past", "Old decision, action still ahead", "Reported need, old action", "Taken this period"]  # fmt: skip
    late = overdue_actions(summary.actions, dt.date.fromisoformat(TODAY))
    assert sorted(summary.actions["action"][late]) == ["Old action, long past", "Reported need, old action",
                                                       "Taken this period"]  # fmt: skip

    _decide(ledger, "--action-done", "2026-10-03", "--project", "A1", "--answers", "D-007", "--owner", "Ana")
    said = _decide(ledger, "--action-done", "20.11.2026", "--project", "A1", "--answers", "D-009", "--owner", "Ana",
                   "--note", "Signed")  # fmt: skip
    assert "done on 2026-11-20 (Ana) recorded" in said
    again = _decide(ledger, "--action-done", "2026-11-20", "--project", "A1", "--answers", "D-009", "--owner", "Ana")
    assert "was recorded already" in again  # the same command twice adds nothing
    summary = _summary(ledger)
    shown = dict(zip(summary.actions["action"], summary.actions["done_on"], strict=True))
    assert "Old action, long past" not in shown  # done before the period began: history
    assert shown["Taken this period"] == dt.date(2026, 11, 20)
    late = overdue_actions(summary.actions, dt.date.fromisoformat(TODAY))
    assert sorted(summary.actions["action"][late]) == ["Reported need, old action"]
    report = ledger.parent / "report.html"
    _run("report", str(report), "--ledger", str(ledger), "--today", TODAY)
    html = report.read_text(encoding="utf-8")
    assert "Actions from the decisions (1 overdue, 1 done)" in html and '<td class="ok">done 2026-11-20</td>' in html


def test_an_action_done_is_refused_in_one_line_without_a_decision_an_action_or_a_sound_day(ledger):
    """`pmo decide --action-done`: nothing recorded, one line naming the need and the fix."""
    _decide(ledger, "--kind", "defer", "--project", "A1", "--answers", "D-002", "--owner", "Board",
            "--date", "2026-12-01")  # fmt: skip
    _decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "Board",
            "--date", "2026-12-01", "--action", "Sign", "--due", "2026-12-20")  # fmt: skip
    cases = [
        (
            ("--project", "B2", "--answers", "D-001"),
            "2026-12-05",
            "has no decision recorded; record the decision first",
        ),
        (("--project", "A1", "--answers", "D-002"), "2026-12-05", "set no action, so there is none to close"),
        (("--project", "A1", "--answers", "D-001"), "2026-11-30", "done 2026-11-30 before the decision that set it"),
        (("--project", "A1", "--answers", "D-001"), "05/12/2026", "05/12/2026"),
    ]
    for which, day, said in cases:
        result = CliRunner().invoke(main, ["decide", "--ledger", str(ledger), "--action-done", day, *which,
                                           "--owner", "Ana"])  # fmt: skip
        assert result.exit_code == 2 and said in result.output and result.output.count("\n") == 1, result.output
    mixed = CliRunner().invoke(main, ["decide", "--ledger", str(ledger), "--action-done", "2026-12-05", "--project",
                                      "A1", "--answers", "D-001", "--owner", "Ana", "--kind", "approve"])  # fmt: skip
    assert mixed.exit_code == 2 and "leave out --kind" in mixed.output
    with open_ledger(ledger) as opened:
        assert opened.actions_done() == []  # nothing of the refused ones


def test_an_action_done_survives_a_correction_that_keeps_it_and_its_day_can_be_corrected(ledger):
    """A correction of the decision (the owner's name) keeping the action keeps it done, not overdue again, and the
    day is checked against the decision that set the action; another day is a correction, the newest holds."""
    from pmo_xl.reporting.dashboard import overdue_actions

    _decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "Bord",
            "--date", "2026-11-20", "--action", "Sign", "--due", "2026-11-30")  # fmt: skip
    _decide(ledger, "--action-done", "2026-11-25", "--project", "A1", "--answers", "D-001", "--owner", "Ana")
    _decide(
        ledger,
        "--kind",
        "approve",
        "--project",
        "A1",
        "--answers",
        "D-001",
        "--owner",
        "Board",
        "--date",
        "2026-12-01",
        "--action",
        "Sign",
        "--due",
        "2026-11-30",
    )  # fmt: skip  (a typo corrected)

    def shown() -> list[tuple]:
        actions = _summary(ledger).actions
        late = overdue_actions(actions, dt.date.fromisoformat(TODAY))
        return [(row.action, row.done_on, bool(flag)) for row, flag in zip(actions.itertuples(), late, strict=True)]

    assert shown() == [("Sign", dt.date(2026, 11, 25), False)]
    said = _decide(ledger, "--action-done", "2026-11-24", "--project", "A1", "--answers", "D-001", "--owner", "Ana")
    assert "recorded, correcting the day" in said  # before the correction's date, after the decision that set it
    assert shown() == [("Sign", dt.date(2026, 11, 24), False)]
    _decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "Board",
            "--date", "2026-12-02", "--action", "Sign and file", "--due", "2026-12-05")  # fmt: skip
    assert shown() == [("Sign and file", None, True)]  # another action: a new one, not done, overdue
    with open_ledger(ledger) as opened:
        assert [(d.done_on, d.supersedes is not None) for d in opened.actions_done()] == [
            ("2026-11-25", False), ("2026-11-24", True)]  # fmt: skip


def test_a_need_its_pm_sets_open_again_after_the_decision_is_needed_again_said_reopened(ledger, collected):
    """The committee approved A1's D-001 on 2026-12-05, having seen the November report; A1's December report,
    submitted after it, sets D-001 Open again with another question. It is needed again (said reopened), not shown
    closed under a question the committee never saw; the decision's open action still stands."""
    from pmo_xl.ledger import now_stamp
    from tests.collect_builders import status_submission

    _decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "Board",
            "--date", "2026-12-05", "--action", "Sign", "--due", "2026-12-20")  # fmt: skip
    asked = {"id": "D-001", "decision": "Approve the revised supplier change", "owner": "Sponsor",
             "required_by": dt.date(2027, 1, 20), "status": "Open"}  # fmt: skip
    with open_ledger(ledger, write=True) as opened:
        opened.add_submission(status_submission("A1", "2026-12", dt.date(2027, 1, 4), tables={"Decisions": [asked]}),
                              now_stamp())  # fmt: skip
    _run("ledger", "rebuild", "--ledger", str(ledger))
    summary = _summary(ledger)
    needed = summary.decisions[summary.decisions["project_id"] == "A1"].set_index("id")["decision"]
    assert needed["D-001"] == (
        "Approve the revised supplier change (reopened by the PM after the committee's approve of 2026-12-05)"
    )
    assert ("A1", "D-001") not in set(zip(summary.decided["project_id"], summary.decided["id"], strict=True))
    assert list(summary.actions["action"]) == ["Sign"]
    # and the workbook generated next leaves it Open for the PM, not stamped Decided over the PM's reopening
    from pmo_xl.generate.carry_forward import carried_fill
    from pmo_xl.generate.generator import fill_for_project
    from pmo_xl.ledger import StoredSubmission
    from pmo_xl.register import read_register
    from pmo_xl.templates.catalog import PROJECT_STATUS

    with open_ledger(ledger) as opened:
        ids = opened.submissions().query("project_id == 'A1'").sort_values("reporting_period")["submission_id"]
        before, latest = (opened.stored_submission(int(i)) for i in ids)
        decisions = decisions_for(opened, "A1")
    assert isinstance(latest, StoredSubmission)
    record = next(r for r in read_register(collected.parent / "register.csv", PROJECT_STATUS) if r.project_id == "A1")
    fill = fill_for_project(PROJECT_STATUS, record, "2027-01", "token")
    rows = carried_fill(fill, latest, before, PROJECT_STATUS, decisions).tables["Decisions"]
    assert [row["status"] for row in rows if row["id"] == "D-001"] == ["Open"]
    # the November report alone (no report the committee had seen before it): answered, stamped Decided
    rows = carried_fill(fill, before, None, PROJECT_STATUS, decisions).tables["Decisions"]
    assert [row["status"] for row in rows if row["id"] == "D-001"] == ["Decided"]


def test_an_action_done_after_the_packs_day_is_overdue_in_the_pack_for_that_day():
    """A pack made again later for an earlier day shows that day: an action done after it was still open, and
    overdue past its date, then; on and after the day it was done, done."""
    import pandas as pd

    from pmo_xl.reporting.dashboard import ACTION_COLUMNS, done_by, overdue_actions

    actions = pd.DataFrame([["A1", "Billing", "D-001", "Sign", "Ana", dt.date(2026, 12, 1), dt.date(2026, 12, 5)]],
                           columns=ACTION_COLUMNS)  # fmt: skip
    assert list(overdue_actions(actions, dt.date(2026, 12, 3))) == [True]
    assert list(overdue_actions(actions, dt.date(2026, 12, 5))) == [False]
    assert done_by(dt.date(2026, 12, 5), dt.date(2026, 12, 3)) is None
    assert done_by(dt.date(2026, 12, 5), None) == dt.date(2026, 12, 5)
