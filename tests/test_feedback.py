"""Returned for correction, as a conversation: the feedback draft for each rejected report, the sponsor copied on the
second return, the tracker's "corrected after N return(s)", and `--feedback warnings`, through `pmo collect`."""

from __future__ import annotations

import email
import email.policy
import hashlib
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.demo.data import fill_by_name, fill_demo_submission
from tests.outputs import table

PERIOD = "2026-11"
REGISTER = (
    "project_id,project_name,project_manager,pm_email,reporter_email,cc_email,sponsor,start_date,end_date,budget,"
    "currency,money_unit\n"
    "FB-1,Café Zürich,Ana Ruiz,ana@example.org,coord@example.org,sponsor@example.org,Sam Lee,2026-01-01,2027-12-31,"
    "100000,EUR,units\n"
    "FB-2,Payroll,Ben Ode,ben@example.org,,,Kim Ng,2026-01-01,2027-12-31,50000,EUR,units\n"
)


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _drafts(folder: Path, prefix: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob(f"{prefix}*.eml"))
    ]


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feedback")
    (root / "register.csv").write_text(REGISTER, encoding="utf-8")
    _run("generate", "--register", str(root / "register.csv"), "--out", str(root / "outbox"), "--period", PERIOD)
    for generated in sorted((root / "outbox").glob("*.xlsx")):
        project_id = generated.name.split(" - ")[0]
        fill_demo_submission(generated, root / f"good {project_id}.xlsx", random.Random(project_id))
    return root


def _collect(root: Path, inbox: Path, run: str, *options: str) -> Path:
    mail = root / f"mail-{run}"
    _run("collect", str(inbox), "--ledger", str(root / "ledger.db"), "--out", str(root / f"portfolio-{run}.xlsx"),
         "--register", str(root / "register.csv"), "--period", PERIOD, "--today", "2026-12-03", "--chasers",
         str(mail), *options)  # fmt: skip
    return mail


def test_a_report_returned_twice_then_corrected(month):
    good = month / "good FB-1.xlsx"
    inbox = month / "inbox"
    inbox.mkdir()
    # First return: percent complete emptied, overall RAG Red without a rationale.
    bad = inbox / "FB-1 status.xlsx"
    fill_by_name(good, bad, {"percent_complete": None, "rag_overall": "Red", "rag_overall_rationale": None})
    sent_back = bad.read_bytes()
    shutil.copy(month / "good FB-2.xlsx", inbox / "FB-2 status.xlsx")
    mail = _collect(month, inbox, "1")
    (first,) = _drafts(mail, "Returned")
    assert first["X-Unsent"] == "1"
    assert first["To"] == "ana@example.org, coord@example.org" and first["Cc"] is None
    assert first["Subject"] == f"Status report returned for correction: FB-1 Café Zürich ({PERIOD})"
    body = first.get_body(("plain",)).get_content()
    assert "Percent complete (sheet Summary, cell" in body
    assert "What is wrong: Percent complete is empty" in body
    assert "How to fix: Share of the total work done, 0% to 100%." in body  # the field's help, the template's words
    assert "Overall rationale" in body
    (attached,) = list(first.iter_attachments())
    assert attached.get_filename() == "FB-1 status.xlsx"
    assert hashlib.sha256(attached.get_content()).digest() == hashlib.sha256(sent_back).digest()
    assert bad.read_bytes() == sent_back  # never changed
    # The same file seen again next run is not answered twice.
    again = _collect(month, inbox, "1b")
    assert _drafts(again, "Returned") == []

    # Second return: another file, still wrong. The sponsor is copied.
    bad.unlink()
    fill_by_name(good, inbox / "FB-1 status v2.xlsx", {"percent_complete": None})
    mail = _collect(month, inbox, "2")
    (second,) = _drafts(mail, "Returned")
    assert second["Cc"] == "sponsor@example.org"
    assert "returned 2 times, so the sponsor is copied" in second.get_body(("plain",)).get_content()
    tracker = {row["project_id"]: row for row in table(month / "portfolio-2.xlsx", "Missing")}
    assert tracker["FB-1"]["state"] == "returned" and tracker["FB-1"]["returns"] == 2
    assert tracker["FB-1"]["reminder_draft"] == "Returned - FB-1 - 2026-11 - return 2.eml"

    # Corrected: accepted, the tracker says so and keeps the number of returns.
    (inbox / "FB-1 status v2.xlsx").unlink()
    shutil.copy(good, inbox / "FB-1 status v3.xlsx")
    mail = _collect(month, inbox, "3")
    assert _drafts(mail, "Returned") == []
    tracker = {row["project_id"]: row for row in table(month / "portfolio-3.xlsx", "Missing")}
    assert tracker["FB-1"]["state"] == "reporting" and tracker["FB-1"]["returns"] == 2
    assert tracker["FB-1"]["note"].startswith("corrected after 2 return(s)")
    assert tracker["FB-2"]["returns"] == 0


def test_feedback_warnings_sends_accepted_but_please_check(month, tmp_path):
    shutil.copy(month / "register.csv", tmp_path / "register.csv")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Accepted, with a warning: percent complete below last period's (the template's live check).
    fill_by_name(month / "good FB-2.xlsx", inbox / "FB-2.xlsx", {"percent_complete": 0.3, "prev_percent_complete": 0.5})
    quiet = _collect(tmp_path, inbox, "errors")  # the default answers returned reports only
    assert not list(quiet.glob("*.eml"))
    (tmp_path / "ledger.db").unlink()
    mail = _collect(tmp_path, inbox, "warnings", "--feedback", "warnings")
    (note,) = _drafts(mail, "Please check")
    assert note["To"] == "ben@example.org" and note["Cc"] is None
    assert note["Subject"] == f"Status report accepted, please check: FB-2 Payroll ({PERIOD})"
    body = note.get_body(("plain",)).get_content()
    assert "It was accepted, but please check" in body and "Percent complete is lower than last period's" in body
    assert "How to fix: Check the figure: it is the share of the whole work done" in body  # the check's own fix
    assert list(note.iter_attachments()) == []


def test_the_feedback_is_in_the_pmos_own_words(month, tmp_path):
    """A PMO writing in German: every line the draft adds around the findings comes from the settings."""
    shutil.copy(month / "register.csv", tmp_path / "register.csv")
    settings = tmp_path / "einstellungen.toml"
    settings.write_text(
        'pmo_name = "PMO Konzern"\nmail_greeting = "Hallo {name},"\nmail_sign_off = "Viele Grüße"\n'
        'mail_feedback_subject = "Statusbericht zur Korrektur: {project} ({period})"\n'
        'mail_feedback_intro = "Ihr Bericht für {project} konnte nicht angenommen werden."\n'
        'mail_finding_wrong = "Was fehlt"\nmail_finding_fix = "So beheben Sie es"\n'
        'mail_feedback_attached = "Ihre Datei {file} liegt bei."\n',
        encoding="utf-8",
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fill_by_name(month / "good FB-2.xlsx", inbox / "FB-2.xlsx", {"percent_complete": None})
    mail = _collect(tmp_path, inbox, "de", "--settings", str(settings))
    (message,) = _drafts(mail, "Returned")
    assert message["Subject"] == f"Statusbericht zur Korrektur: FB-2 Payroll ({PERIOD})"
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # saved with CRLF for Outlook
    assert body.startswith("Hallo Ben Ode,\n\nIhr Bericht für FB-2 Payroll konnte nicht angenommen werden.")
    assert "   Was fehlt: Percent complete is empty" in body and "   So beheben Sie es: Share of the total" in body
    assert "Ihre Datei FB-2.xlsx liegt bei." in body and body.rstrip().endswith("Viele Grüße\nPMO Konzern")
    assert "What is wrong" not in body and "attached as you sent it" not in body
