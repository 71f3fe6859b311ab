"""The coaching loop, a test month of 12 projects through the `pmo` commands (issue 17).

Periods: 2026-05 (P0, before the scorecard's six-period window: every PM but Jo reported), 2026-10 (P1) and
2026-11 (P2). The deadline is 5 days after a period ends (2026-12-05 for P2), the data-as-of its last day.

    project  PM    in P2                                                     expected
    A1-A3    Ana   on time (three projects: one send-out with three files)   not new, 6 on time
    B4       Ben   on time; a coordinator (reporter_email) reports for him    send-out To: Ben and the coordinator
    C5       Cleo  submitted 2026-12-08                                       late, 3 days
    D6       Dev   submitted 2026-12-09                                       late, 4 days
    E7       Eva   rejected once, corrected on 12-04                          1 return, sponsor not copied
    F8       Finn  rejected twice, corrected on 12-05                         2 returns, sponsor copied on the 2nd
    G9       Gus   every moving figure as in P1                               copied forward
    H10      Hana  only the EAC moved                                         not copied forward
    I11      Ivan  Green, forecast 90 days past baseline, in P1 and P2        watermelon
    J12      Jo    Green against red rules in P2 only; first report in P1     not a watermelon; new PM
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pmo_xl.cli import main
from pmo_xl.demo.data import fill_by_name
from pmo_xl.ledger import open_ledger
from pmo_xl.register import read_register
from pmo_xl.reporting.coaching_workbook import coaching_from_ledger
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.outputs import table

P0, P1, P2 = "2026-05", "2026-10", "2026-11"
BASELINE_END = dt.date(2027, 6, 30)
SLIPPED = BASELINE_END + dt.timedelta(days=90)  # past the 45-day Red threshold
REGISTER = (
    "project_id,project_name,project_manager,pm_email,reporter_email,cc_email,sponsor,start_date,end_date,budget,"
    "currency,money_unit\n"
    + "".join(
        f"{pid},{name},{pm},{pm.lower()}@example.org,{reporter},{pm.lower()}.sponsor@example.org,Sponsor {pid},"
        f"2026-01-01,{BASELINE_END},100000,EUR,units\n"
        for pid, name, pm, reporter in (
            ("A1", "Billing", "Ana", ""),
            ("A2", "Büro Umzug Zürich", "Ana", ""),
            ("A3", "Archive", "Ana", ""),
            ("B4", "Branches", "Ben", "coord@example.org"),
            ("C5", "CRM", "Cleo", ""),
            ("D6", "Data lake", "Dev", ""),
            ("E7", "E-invoicing", "Eva", ""),
            ("F8", "Fleet", "Finn", ""),
            ("G9", "Grants", "Gus", ""),
            ("H10", "HR portal", "Hana", ""),
            ("I11", "Intranet", "Ivan", ""),
            ("J12", "Job board", "Jo", ""),
        )
    )
)
PROJECTS = [line.split(",")[0] for line in REGISTER.splitlines()[1:]]


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fields(submitted: dt.date, percent: float, eac: float = 100000, forecast: dt.date = BASELINE_END, **more):
    fields = {f"rag_{key}": "Green" for key in ("overall", "schedule", "cost", "scope", "resources", "benefits")}
    fields.update(submitted_on=submitted, percent_complete=percent, actual_to_date=30000, estimate_at_completion=eac,
                  forecast_end_date=forecast, key_achievements="Delivered the sprint's stories.")  # fmt: skip
    if forecast > BASELINE_END:
        fields["forecast_end_comment"] = "The supplier moved the go-live; re-plan with the sponsor this month."
    return fields | more


def _messages(folder: Path) -> dict[str, email.message.EmailMessage]:
    return {
        path.name: email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    }


class Month:
    def __init__(self, root: Path):
        self.root = root
        self.register = root / "register.csv"
        self.ledger = root / "pmo_ledger.db"

    def generate(self, period: str) -> dict[str, Path]:
        options = ["--ledger", str(self.ledger)] if self.ledger.exists() else []
        out = self.root / f"outbox-{period}"
        _run("generate", "--register", str(self.register), "--out", str(out), "--period", period,
             "--mail-drafts", str(self.root / f"send-out-{period}"), *options)  # fmt: skip
        return {path.name.split(" - ")[0]: path for path in out.glob("*.xlsx")}

    def collect(self, run: str, files: dict[str, tuple[Path, dict]], today: str, period: str, **tables) -> Path:
        inbox = self.root / f"inbox-{run}"
        inbox.mkdir()
        for name, (generated, fields) in files.items():
            fill_by_name(generated, inbox / f"{name}.xlsx", fields, tables.get(name))
        _run("collect", str(inbox), "--ledger", str(self.ledger), "--register", str(self.register),
             "--out", str(self.root / f"portfolio-{run}.xlsx"), "--chasers", str(self.root / f"mail-{run}"),
             "--coaching", str(self.root / f"pmo-coaching-{run}.xlsx"), "--period", period, "--today", today)  # fmt: skip
        return self.root / f"mail-{run}"


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Month:
    month = Month(tmp_path_factory.mktemp("coaching-loop"))
    month.register.write_text(REGISTER, encoding="utf-8")
    # P0, before the window: every project but J12 reports, with one open milestone and one open risk that the next
    # workbooks carry forward (their forecast and status are moving figures too).
    generated = month.generate(P0)
    items = {
        "Milestones": [{"name": "Go-live", "forecast_date": dt.date(2027, 3, 31), "status": "On track"}],
        "RAID": [{"type": "Risk", "description": "Supplier capacity", "owner": "PM", "status": "Open",
                  "date_raised": dt.date(2026, 5, 10), "probability": 2, "impact": 3}],
    }  # fmt: skip
    p0 = {pid: (generated[pid], _fields(dt.date(2026, 6, 2), 0.1)) for pid in PROJECTS if pid != "J12"}
    month.collect("p0", p0, "2026-06-03", P0, **{pid: items for pid in p0})
    # P1: everyone on time; I11 already green against red rules.
    generated = month.generate(P1)
    p1 = {pid: (generated[pid], _fields(dt.date(2026, 11, 3), 0.4)) for pid in PROJECTS}
    p1["I11"] = (generated["I11"], _fields(dt.date(2026, 11, 3), 0.4, forecast=SLIPPED))
    month.collect("p1", p1, "2026-11-04", P1, J12=items)
    # P2, run A (12-03): the on-time reports, and E7 and F8 returned.
    generated = month.generate(P2)
    on_time = dt.date(2026, 12, 2)
    run_a = {pid: (generated[pid], _fields(on_time, 0.5)) for pid in ("A1", "A2", "A3", "B4")}
    run_a["G9"] = (generated["G9"], _fields(on_time, 0.4))  # copied forward
    run_a["H10"] = (generated["H10"], _fields(on_time, 0.4, eac=110000))  # only the EAC moved
    run_a["I11"] = (generated["I11"], _fields(on_time, 0.5, forecast=SLIPPED))
    run_a["J12"] = (generated["J12"], _fields(on_time, 0.5, forecast=SLIPPED))
    run_a["E7"] = (generated["E7"], _fields(on_time, 0.5, percent_complete=None))
    run_a["F8"] = (generated["F8"], _fields(on_time, 0.5, rag_overall="Red"))  # no rationale, no path to green
    month.collect("p2a", run_a, "2026-12-03", P2)
    # Run B (12-04): E7 corrected; F8 returned a second time.
    run_b = {"E7": (generated["E7"], _fields(dt.date(2026, 12, 4), 0.5)),
             "F8": (generated["F8"], _fields(dt.date(2026, 12, 4), 0.5, percent_complete=None))}  # fmt: skip
    month.collect("p2b", run_b, "2026-12-04", P2)
    # Run C (12-10): F8 corrected on the deadline; C5 and D6 late.
    run_c = {"F8": (generated["F8"], _fields(dt.date(2026, 12, 5), 0.5)),
             "C5": (generated["C5"], _fields(dt.date(2026, 12, 8), 0.5)),
             "D6": (generated["D6"], _fields(dt.date(2026, 12, 9), 0.5))}  # fmt: skip
    month.collect("p2c", run_c, "2026-12-10", P2)
    return month


def test_send_out_one_draft_per_pm_with_their_workbooks_dates_and_calendar(month):
    drafts = _messages(month.root / f"send-out-{P1}")
    assert len(drafts) == 10  # 12 projects, 10 PMs
    by_to = {message["To"]: message for message in drafts.values()}
    ana = by_to["ana@example.org"]
    assert ana["X-Unsent"] == "1" and ana["Cc"] is None
    names = [part.get_filename() for part in ana.iter_attachments()]
    workbooks = sorted(name for name in names if name.endswith(".xlsx"))
    assert [name.split(" - ")[0] for name in workbooks] == ["A1", "A2", "A3"]
    assert any("Büro Umzug Zürich" in name for name in workbooks)
    raw = next((month.root / f"send-out-{P1}").glob("*Ana*.eml")).read_bytes()
    assert b"filename*=utf-8''A2%20-%20B%C3%BCro" in raw and "Büro".encode() not in raw  # RFC 2231, no raw UTF-8
    (ics,) = [part for part in ana.iter_attachments() if part.get_filename().endswith(".ics")]
    events = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert {event.decoded("dtstart") for event in events} == {dt.date(2026, 11, 5), dt.date(2026, 10, 31)}
    body = ana.get_body(("plain",)).get_content()
    assert "2026-11-05" in body and "2026-10-31" in body
    assert not any(name.endswith(".html") for name in names)  # Ana reported before: no first-report guide
    assert by_to["ben@example.org, coord@example.org"]  # the coordinator who reports for Ben
    jo = by_to["jo@example.org"]
    assert any(part.get_filename().endswith("-guide.html") for part in jo.iter_attachments())  # Jo's first


def test_returned_reports_are_answered_the_sponsor_copied_on_the_second_return(month):
    first = _messages(month.root / "mail-p2a")
    eva, finn = first[f"Returned - E7 - {P2}.eml"], first[f"Returned - F8 - {P2}.eml"]
    assert eva["To"] == "eva@example.org" and eva["Cc"] is None and eva["X-Unsent"] == "1"
    assert finn["Cc"] is None
    body = eva.get_body(("plain",)).get_content()
    cell = PROJECT_STATUS.main_sheet
    assert f"Percent complete (sheet {cell}, cell C" in body and "What is wrong: Percent complete is empty" in body
    assert "How to fix: Share of the total work done" in body
    finn_body = finn.get_body(("plain",)).get_content()
    overall = PROJECT_STATUS.field("rag_overall_rationale")
    assert f"{overall.label} (sheet {cell}, cell " in finn_body
    check = next(c for c in PROJECT_STATUS.checks if c.name == "rag_overall_rationale_missing")
    assert f"How to fix: {check.fix}" in finn_body  # the check's own words
    (attached,) = list(eva.iter_attachments())
    assert attached.get_filename() == "E7.xlsx"
    second = _messages(month.root / "mail-p2b")
    assert set(second) == {f"Returned - F8 - {P2} - return 2.eml"}  # beside the first, never over it
    assert second[f"Returned - F8 - {P2} - return 2.eml"]["Cc"] == "finn.sponsor@example.org"
    assert not list((month.root / "mail-p2c").glob("Returned*.eml"))


def test_the_tracker_closes_returns_as_corrected_and_keeps_their_number(month):
    tracker = {row["project_id"]: row for row in table(month.root / "portfolio-p2c.xlsx", "Missing")}
    assert tracker["E7"]["state"] == "reporting" and tracker["E7"]["returns"] == 1
    assert tracker["E7"]["note"].startswith("corrected after 1 return(s)")
    assert tracker["F8"]["state"] == "reporting" and tracker["F8"]["returns"] == 2
    assert (tracker["C5"]["state"], tracker["D6"]["state"]) == ("late", "late")
    assert {pid for pid, row in tracker.items() if row["returns"]} == {"E7", "F8"}
    assert {row["state"] for pid, row in tracker.items() if pid not in ("C5", "D6")} == {"reporting"}


def test_the_scorecard_counts_each_pm(month):
    records = read_register(month.register, PROJECT_STATUS)
    with open_ledger(month.ledger) as ledger:
        card = coaching_from_ledger(ledger, records, P2, PmoSettings(), dt.date(2026, 12, 10))
    pm = card.managers.set_index("project_manager")
    assert pm.loc["Ana", "projects"] == "A1, A2, A3" and pm.loc["Ana", "on_time"] == 6 and pm.loc["Ana", "new_pm"] == ""
    assert (pm.loc["Cleo", "late"], pm.loc["Cleo", "days_late"]) == (1, 3)
    assert (pm.loc["Dev", "late"], pm.loc["Dev", "days_late"]) == (1, 4)
    assert (pm.loc["Eva", "returns"], pm.loc["Eva", "first_time"]) == (1, 1)
    assert (pm.loc["Finn", "returns"], pm.loc["Finn", "first_time"]) == (2, 1)
    assert pm.loc["Gus", "copied_forward"] == 1 and pm.loc["Hana", "copied_forward"] == 0
    assert pm.loc["Ivan", "watermelon"] == 2 and pm.loc["Jo", "watermelon"] == 0
    assert pm.loc["Jo", "new_pm"] == f"new: first in {P1}" and pm.loc["Gus", "new_pm"] == ""
    others = pm.drop(index=["Gus"])
    assert (others["copied_forward"] == 0).all()
    assert (pm.drop(index=["Ivan"])["watermelon"] == 0).all()
    workbook = load_workbook(month.root / "pmo-coaching-p2c.xlsx", read_only=True)
    assert {"PMs", "Projects", "Notes"} <= set(workbook.sheetnames)


def test_the_calendar_imported_twice_gives_one_set_of_events(month):
    first, second = month.root / "first.ics", month.root / "second.ics"
    _run("calendar", "--year", "2027", "--out", str(first))
    settings = month.root / "later.csv"
    settings.write_text("setting,value\ndeadline:2027-03,2027-04-09\n", encoding="utf-8")
    second.write_bytes(first.read_bytes())
    _run("calendar", "--year", "2027", "--out", str(second), "--settings", str(settings))
    imported: dict[str, tuple[int, dt.date]] = {}
    for path in (first, second, first, second):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
            if uid not in imported or sequence >= imported[uid][0]:
                imported[uid] = (sequence, event.decoded("dtstart"))
    events = icalendar.Calendar.from_ical(second.read_bytes()).walk("VEVENT")
    assert imported == {str(e["UID"]): (int(e.get("SEQUENCE", 0)), e.decoded("dtstart")) for e in events}
    assert len(imported) == 24
    moved = [e for e in events if e.decoded("dtstart") == dt.date(2027, 4, 9)]
    assert len(moved) == 1 and int(moved[0]["SEQUENCE"]) == 1
