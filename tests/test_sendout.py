"""`pmo generate --mail-drafts`: one send-out e-mail draft per PM, read back as a mail client reads it.

A register of three PMs, as a PMO has it: Ana Ruiz with three projects (one with a non-ASCII name, one whose sponsor
has a cc_email), Tom Becker whose reports a coordinator fills in (reporter_email), and Lena Wolf whose address was
mistyped. Each draft is parsed with `email` (policy.default), its calendar with `icalendar`.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import re
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from pmo_xl.cli import main
from pmo_xl.collect.run import collect_candidates
from pmo_xl.generate.sendout import first_send_outs, pm_key, sendout_drafts
from pmo_xl.ledger import open_ledger
from pmo_xl.mail import Attachment
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting_calendar import data_as_of, submission_deadline
from pmo_xl.settings import PmoSettings, SettingsError
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.guide import template_guide_html
from tests.collect_builders import candidate, status_submission

PERIOD = "2027-01"
ACCENTED = "Café Zürich – Ærø"
REGISTER = (
    "project_id,project_name,project_manager,pm_email,reporter_email,cc_email,sponsor,start_date,end_date,budget,"
    "currency,money_unit\n"
    "PRJ-001,Billing migration,Ana Ruiz,ana@example.org,,claire@example.org,Claire Dubois,2026-03-01,2027-06-30,850,EUR,k\n"
    f"PRJ-002,{ACCENTED},Ana Ruiz,Ana@Example.org,,,Claire Dubois,2026-03-01,2027-06-30,400,EUR,k\n"
    "PRJ-003,Data platform,Ana Ruiz,ana@example.org,,,Claire Dubois,2026-03-01,2027-06-30,300,EUR,k\n"
    "PRJ-004,Payroll,Tom Becker,tom@example.org,coord@example.org,,Claire Dubois,2026-03-01,2027-06-30,200,EUR,k\n"
    "PRJ-005,Warehouse,Lena Wolf,lena.example.org,,,Claire Dubois,2026-03-01,2027-06-30,100,EUR,k\n"
)  # fmt: skip
DEADLINE = submission_deadline(PERIOD, PmoSettings()).isoformat()
AS_OF = data_as_of(PERIOD, PmoSettings()).isoformat()


def _generate(tmp_path: Path, *options: str) -> tuple[dict, Path]:
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    out = tmp_path / "outbox"
    result = CliRunner().invoke(
        main,
        ["generate", "--register", str(register), "--out", str(out), "--period", PERIOD, *options, "--json"],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out


def _drafts(folder: Path) -> dict[str, email.message.EmailMessage]:
    return {
        path.name: email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    }


def _attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}


def test_one_draft_per_pm_with_their_workbooks_dates_calendar_and_guide(tmp_path):
    assert DEADLINE != AS_OF  # the body must say both, so they must differ to be told apart
    summary, out = _generate(tmp_path, "--mail-drafts")
    drafts = _drafts(out / "mail")  # the default folder: mail in --out
    assert sorted(drafts) == ["Send-out 2027-01 - Ana Ruiz.eml", "Send-out 2027-01 - Tom Becker.eml"]
    workbooks = {Path(item["path"]).name: Path(item["path"]) for item in summary["workbooks"]}

    ana = drafts["Send-out 2027-01 - Ana Ruiz.eml"]
    assert ana["X-Unsent"] == "1"
    assert ana["To"] == "ana@example.org"  # PRJ-002's 'Ana@Example.org' is the same PM: one e-mail
    assert ana["Cc"] is None and "claire@example.org" not in str(ana)  # the sponsor is for a second return only
    assert ana["Subject"] == f"Status report {PERIOD}: please return by {DEADLINE}"
    attached = _attachments(ana)
    ana_books = sorted(name for name in workbooks if name.startswith(("PRJ-001", "PRJ-002", "PRJ-003")))
    assert len(ana_books) == 3 and any(ACCENTED in name for name in ana_books)
    assert sorted(attached) == sorted([*ana_books, "pmo-reporting-2027-01.ics", "project_status-guide.html"])
    assert len(list(ana.iter_attachments())) == 5  # one MIME part per attachment
    for name in ana_books:
        assert attached[name] == workbooks[name].read_bytes()  # the workbook itself, byte for byte
    raw = (out / "mail" / "Send-out 2027-01 - Ana Ruiz.eml").read_bytes()
    # RFC 2231 on the wire (a long name in numbered continuations, filename*0*=, filename*1*=), never raw UTF-8.
    assert re.search(rb"filename\*(0\*)?=utf-8''PRJ-002%20-%20Caf%C3%A9%20Z%C3%BCrich", raw)
    assert ACCENTED.encode("utf-8") not in raw
    # Without --ledger every PM is on a first send-out: the guide is the printable one of the template.
    assert attached["project_status-guide.html"].decode("utf-8") == template_guide_html(PROJECT_STATUS)
    body = ana.get_body(("plain",)).get_content().replace("\r\n", "\n")  # saved with CRLF, as Outlook expects
    assert body.startswith("Hello Ana Ruiz,")
    assert f"as of {AS_OF}" in body and f"by {DEADLINE}" in body and PERIOD in body
    assert f"\n- PRJ-001 Billing migration\n- PRJ-002 {ACCENTED}\n- PRJ-003 Data platform\n" in body
    assert "Fill in the yellow cells" in body  # the how-to, from the settings
    assert body.rstrip().endswith("Thank you,\nPMO")

    events = Calendar.from_ical(attached["pmo-reporting-2027-01.ics"]).walk("VEVENT")
    days = {event.decoded("DTSTART") for event in events}
    assert dt.date.fromisoformat(DEADLINE) in days and dt.date.fromisoformat(AS_OF) in days

    tom = drafts["Send-out 2027-01 - Tom Becker.eml"]
    assert tom["To"] == "tom@example.org, coord@example.org"  # the coordinator who fills in the report
    assert tom["Cc"] is None
    assert sorted(_attachments(tom)) == sorted(
        [next(name for name in workbooks if name.startswith("PRJ-004")), "pmo-reporting-2027-01.ics",
         "project_status-guide.html"]
    )  # fmt: skip

    # Lena's address is mistyped: her workbook is made, she gets no draft, and the run says where and what to do.
    assert any(name.startswith("PRJ-005") for name in workbooks)
    register = tmp_path / "register.csv"
    problem = (
        f"{register}, row 6: no send-out e-mail for Lena Wolf (PRJ-005): pm_email 'lena.example.org' is not one "
        "e-mail address (e.g. ana@example.org); put the PM's address in the register's pm_email column, or send "
    )
    assert [line for line in summary["warnings"] if line.startswith(problem)]
    assert [line for line in summary["warnings"] if "row 6: pm_email 'lena.example.org'" in line]  # the register's
    assert summary["mail_drafts"]["problems"] == [line.removeprefix(f"{register}, ") for line in
                                                  summary["warnings"] if line.startswith(problem)]  # fmt: skip
    assert sorted(Path(path).name for path in summary["mail_drafts"]["drafts"]) == sorted(drafts)


def test_the_guide_goes_only_to_a_pm_on_their_first_send_out(tmp_path):
    ledger = tmp_path / "pmo_ledger.db"
    december = status_submission("PRJ-002", "2026-12", dt.date(2027, 1, 4), token="tok-dec")
    with open_ledger(ledger, write=True) as opened:
        collect_candidates([candidate(december)], opened)  # Ana has reported before, for PRJ-002
    summary, _ = _generate(tmp_path, "--ledger", str(ledger), "--mail-drafts", str(tmp_path / "drafts"))
    drafts = _drafts(tmp_path / "drafts")
    ana = _attachments(drafts["Send-out 2027-01 - Ana Ruiz.eml"])
    assert "project_status-guide.html" not in ana and "pmo-reporting-2027-01.ics" in ana
    assert len([name for name in ana if name.endswith(".xlsx")]) == 3
    assert "project_status-guide.html" in _attachments(drafts["Send-out 2027-01 - Tom Becker.eml"])
    assert summary["mail_drafts"]["folder"] == str(tmp_path / "drafts")


def _record(row: int, project_id: str, manager: str, pm_email: str, reporter_email: str = "") -> ProjectRecord:
    return ProjectRecord(row, project_id, f"Project {project_id}", manager, "Claire Dubois", None, None,
                         pm_email=pm_email, reporter_email=reporter_email)  # fmt: skip


def test_addresses_the_register_kept_but_no_draft_can_use():
    records = [
        _record(2, "P1", "Ana Ruiz", "ana@example.org", reporter_email="coord example.org"),
        _record(3, "P2", "Ana Ruiz", "ana@example.org", reporter_email="ana@example.org"),
        _record(4, "P3", "Tom Becker", ""),
        _record(5, "P4", "Tom Becker", ""),
        _record(6, "P5", "Lena Wolf", "lena@example.org"),  # no workbook made: not sent, not listed
    ]
    files = {pid: Attachment(f"{pid}.xlsx", b"PK") for pid in ("P1", "P2", "P3", "P4")}
    drafts, problems = sendout_drafts(records, files, PERIOD, PmoSettings(pmo_email="pmo@example.org"))
    ((stem, message),) = drafts
    assert stem == "Send-out 2027-01 - Ana Ruiz"
    assert message["To"] == "ana@example.org"  # the malformed reporter left out, the PM once
    assert message["From"] == "PMO <pmo@example.org>"
    assert problems == [
        "row 2: reporter_email 'coord example.org' is not one e-mail address (e.g. ana@example.org): the send-out "
        "for P1 goes to Ana Ruiz only; correct the reporter's address in the register and forward it to them",
        "row 4: no send-out e-mail for Tom Becker (P3): pm_email is empty; put the PM's address in the register's "
        "pm_email column, or send P3.xlsx by hand",
        "row 5: no send-out e-mail for Tom Becker (P4): pm_email is empty; put the PM's address in the register's "
        "pm_email column, or send P4.xlsx by hand",
    ]
    # First send-out: a PM none of whose projects has an accepted report.
    assert first_send_outs(records, {"P2"}) == {pm_key(records[2]), pm_key(records[4])}
    assert pm_key(records[2]) == "name:tom becker"


def test_the_pmo_wording_and_a_stray_brace_in_it():
    settings = PmoSettings(
        mail_greeting="Bonjour {name},",
        mail_sendout_subject="Rapport {period} { avant le {deadline}",
        mail_sign_off="Merci,",
        pmo_name="Bureau de projets",
    )
    records = [_record(2, "P1", "Zoé Martin", "zoe@example.org")]
    ((_, message),), problems = sendout_drafts(
        records, {"P1": Attachment("P1.xlsx", b"PK")}, PERIOD, settings, first_pms=set()
    )
    assert problems == []
    assert message["Subject"] == f"Rapport {PERIOD} {{ avant le {submission_deadline(PERIOD, settings)}"
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Bonjour Zoé Martin,") and body.rstrip().endswith("Merci,\nBureau de projets")
    assert [part.get_filename() for part in message.iter_attachments()] == ["P1.xlsx", "pmo-reporting-2027-01.ics"]
    # A placeholder the messages do not fill is a typo the PMO hears of when the settings are read, not from a PM.
    with pytest.raises(SettingsError, match=r"mail_sendout_subject: \{oops\} is not a placeholder"):
        PmoSettings(mail_sendout_subject="Rapport {period} {oops}")


def test_mail_drafts_are_for_status_workbooks(tmp_path):
    register = tmp_path / "register.csv"
    register.write_text("project_id,project_name\nR-1,New portal\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--template", "project_request", "--register", str(register),
                                       "--out", str(tmp_path / "out"), "--mail-drafts"])  # fmt: skip
    assert result.exit_code == 2 and "--mail-drafts sends status workbooks to PMs" in result.output
    assert not (tmp_path / "out").exists()


def test_a_reminder_never_puts_an_address_the_register_only_warned_about_in_its_to(tmp_path):
    from pmo_xl.reporting.calendar import TrackedProject, chaser_list, submission_tracker, write_chaser_drafts

    projects = [
        TrackedProject("PRJ-001", project_name="Billing", project_manager="Ana Ruiz", pm_email="ana@example.org"),
        TrackedProject("PRJ-002", project_name="Payroll", project_manager="Lena Wolf",
                       pm_email="lena@example.org\nbob@example.org"),  # Alt+Enter in the register's cell
    ]  # fmt: skip
    tracker = submission_tracker(projects, {}, "2026-11", PmoSettings(), dt.date(2026, 12, 10))
    chasers = chaser_list(tracker).set_index("project_manager")
    assert chasers.loc["Lena Wolf", "note"] == (
        "pm_email 'lena@example.org\\nbob@example.org' is not one e-mail address: chase by hand"
    )
    assert chasers.loc["Ana Ruiz", "note"] == ""
    drafts = write_chaser_drafts(chaser_list(tracker), tracker, tmp_path, PmoSettings())
    messages = {path.name: email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in drafts}
    assert (
        messages["Reminder - Lena Wolf.eml"]["To"] == ""
        and b"bob@" not in (tmp_path / "Reminder - Lena Wolf.eml").read_bytes()
    )
    assert messages["Reminder - Ana Ruiz.eml"]["To"] == "ana@example.org"


def test_dates_are_written_as_the_pmo_writes_them():
    settings = PmoSettings(mail_date_format="%d.%m.%Y", mail_sendout_subject="Statusbericht {period}: bis {deadline}")
    records = [_record(2, "P1", "Jürgen Weiß", "jw@example.org")]
    ((_, message),), _problems = sendout_drafts(records, {"P1": Attachment("P1.xlsx", b"PK")}, PERIOD, settings)
    deadline = submission_deadline(PERIOD, settings)
    assert message["Subject"] == f"Statusbericht {PERIOD}: bis {deadline:%d.%m.%Y}"
    assert deadline.isoformat() not in message.get_body(("plain",)).get_content()
    for wrong in ("%d.%m", "%Q", "Frist"):  # no year; not a date code; no code at all
        with pytest.raises(SettingsError, match="mail_date_format"):
            PmoSettings(mail_date_format=wrong)
