"""The coaching loop as a PMO analyst in Munich runs it, and as a hostile tester tries it (issue 17).

A German register as Excel's "Save as CSV" writes it (semicolons, BOM, CRLF, dd.mm.yyyy, whole euros with thousands
dots, umlauts, one malformed address), German wording in the settings (with a placeholder typo and the old name
of the deadline setting), two periods through `pmo generate --mail-drafts` and `pmo collect --feedback warnings`:

    project  PM                     in 2027-02 (run of 2027-03-06)
    MUC-001  Jürgen Müller          Amber without rationale, renamed file, the same file again in Kopie/
    MUC-002  Jürgen Müller (+ coordinator)  forecast past the baseline, no comment; a 232-character file name
    MUC-003  Sören Weiß (address '(at)')    Red without rationale
    MUC-004  Änne Groß              percent complete down (accepted, warning)
    MUC-005  Björn Öztürk           every moving figure as last period (accepted, warnings)

Then the corrections (2027-03-09). The hostile tests make their own small registers.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.demo.data import fill_by_name
from pmo_xl.errors import PmoError
from pmo_xl.mail import fill
from pmo_xl.settings import load_settings
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.outputs import table

P1, P2 = "2027-01", "2027-02"
GERMAN_REGISTER = (
    "project_id;project_name;project_manager;pm_email;reporter_email;cc_email;sponsor;start_date;end_date;budget;"
    "currency;money_unit\r\n"
    "MUC-001;Büroumzug Schwabing;Jürgen Müller;juergen.mueller@example.de;;vorstand.koenig@example.de;"
    "Dr. Karl König;01.02.2026;30.06.2027;1.250.000;EUR;units\r\n"
    "MUC-002;Straßenbahn-Ausschreibung;Jürgen Müller;juergen.mueller@example.de;assistenz@example.de;"
    "vorstand.koenig@example.de;Dr. Karl König;15.03.2026;31.12.2027;480.000,00;EUR;units\r\n"
    "MUC-003;Größere Datenplattform;Sören Weiß;soeren.weiss(at)example.de;;cfo@example.de;Ärzte-Board;01.01.2026;"
    "30.09.2027;2.000.000;EUR;units\r\n"
    "MUC-004;Öffentlichkeitsarbeit;Änne Groß;aenne.gross@example.de;;cfo@example.de;Ärzte-Board;01.04.2026;"
    "31.03.2027;75.000;EUR;units\r\n"
    "MUC-005;Übergabe SAP S/4;Björn Öztürk;bjoern.oeztuerk@example.de;;cfo@example.de;Frau Dr. Weiß;01.01.2026;"
    "31.12.2027;3.400.000;EUR;units\r\n"
)
GERMAN_SETTINGS = """\
pmo_name = "PMO München"
pmo_email = "pmo@example.de"
due_days_after_period_end = 7
data_as_of_days_after_period_end = -2
mail_greeting = "Hallo {name},"
mail_sign_off = "Viele Grüße"
mail_sendout_subject = "Statusbericht {period}: bitte bis {deadline} zurücksenden"
mail_sendout_intro = "anbei Ihre Statusberichte für {period}, Stand {data_as_of}. Bitte bis {deadline} zurücksenden."
mail_howto = "Füllen Sie die gelben Zellen aus; graue Zellen setzt das PMO."
mail_feedback_subject = "Statusbericht zur Korrektur zurück: {project} ({period})"
mail_feedback_intro = "vielen Dank für Ihren Statusbericht zu {project} ({period}). Bitte korrigieren Sie:"
mail_warnings_subject = "Statusbericht angenommen, bitte prüfen: {project} ({period})"
mail_warnings_intro = "vielen Dank für Ihren Statusbericht zu {project} ({period}). Bitte prüfen Sie:"
mail_finding_wrong = "Was fehlt"
mail_finding_fix = "So beheben Sie es"
"""
LONG_NAME = (
    "MUC-002 Straßenbahn-Ausschreibung – Statusbericht Februar 2027 – überarbeitete Fassung für den "
    "Lenkungsausschuss mit Ergänzungen der Fachabteilung Öffentlicher Personennahverkehr und Anmerkungen der "
    "Geschäftsführung (endgültig).xlsx"
)
RENAMED = "Statusbericht Jürgen FINAL (2).xlsx"


def _invoke(*arguments: str):
    result = CliRunner().invoke(main, [str(argument) for argument in arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def _run(*arguments: str):
    result = _invoke(*arguments)
    assert result.exit_code == 0, result.output
    return result


def _message(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _fields(submitted: dt.date, percent: float, eac: float, forecast: dt.date, **more) -> dict:
    fields = {f"rag_{key}": "Green" for key in ("overall", "schedule", "cost", "scope", "resources", "benefits")}
    fields.update(submitted_on=submitted, percent_complete=percent, actual_to_date=30000, estimate_at_completion=eac,
                  forecast_end_date=forecast, key_achievements="Lieferung Sprint 3 abgeschlossen.")  # fmt: skip
    return fields | more


def _generated(folder: Path) -> dict[str, Path]:
    return {path.name.split(" - ")[0]: path for path in folder.glob("*.xlsx")}


def _digests(*roots: Path) -> dict[str, str]:
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for root in roots
        for path in ([root] if root.is_file() else sorted(root.rglob("*")))
        if path.is_file()
    }


class Munich:
    def __init__(self, root: Path):
        self.root = root
        self.register = root / "register.csv"
        self.settings = root / "settings.toml"
        self.ledger = root / "pmo_ledger.db"

    def generate(self, period: str, *more: str):
        return _run("generate", "--register", self.register, "--out", self.root / f"outbox-{period}",
                    "--period", period, "--settings", self.settings, "--mail-drafts", *more)  # fmt: skip

    def collect(self, inbox: Path, run: str, period: str, today: str):
        return _run("collect", inbox, "--ledger", self.ledger, "--register", self.register, "--settings",
                    self.settings, "--out", self.root / f"portfolio-{run}.xlsx", "--chasers",
                    self.root / f"mail-{run}", "--period", period, "--today", today,
                    "--feedback", "warnings")  # fmt: skip


@pytest.fixture(scope="module")
def munich(tmp_path_factory) -> Munich:
    month = Munich(tmp_path_factory.mktemp("munich"))
    month.register.write_bytes(b"\xef\xbb\xbf" + GERMAN_REGISTER.encode("utf-8"))
    month.settings.write_text(GERMAN_SETTINGS, encoding="utf-8")
    month.generate_p1 = month.generate(P1)
    generated = _generated(month.root / f"outbox-{P1}")
    inbox = month.root / "inbox-p1"
    inbox.mkdir()
    first = {
        "MUC-001": _fields(dt.date(2027, 2, 3), 0.3, 1250000, dt.date(2027, 6, 30)),
        "MUC-002": _fields(dt.date(2027, 2, 3), 0.2, 480000, dt.date(2027, 12, 31)),
        "MUC-003": _fields(dt.date(2027, 2, 4), 0.1, 2000000, dt.date(2027, 9, 30)),
        "MUC-004": _fields(dt.date(2027, 2, 4), 0.5, 75000, dt.date(2027, 3, 31)),
        "MUC-005": _fields(dt.date(2027, 2, 5), 0.25, 3400000, dt.date(2027, 12, 31)),
    }
    for project_id, fields in first.items():
        fill_by_name(generated[project_id], inbox / f"{project_id}.xlsx", fields)
    month.collect(inbox, "p1", P1, "2027-02-10")

    month.generate(P2, "--ledger", month.ledger)
    generated = _generated(month.root / f"outbox-{P2}")
    inbox = month.inbox = month.root / "inbox-p2"
    (inbox / "Kopie").mkdir(parents=True)
    amber = _fields(dt.date(2027, 3, 3), 0.4, 1260000, dt.date(2027, 6, 30), rag_overall="Amber")
    fill_by_name(generated["MUC-001"], inbox / RENAMED, amber)
    shutil.copy(inbox / RENAMED, inbox / "Kopie" / RENAMED)  # the same file saved twice
    fill_by_name(
        generated["MUC-002"], inbox / LONG_NAME, _fields(dt.date(2027, 3, 3), 0.3, 490000, dt.date(2028, 3, 31))
    )
    red = _fields(dt.date(2027, 3, 4), 0.2, 2100000, dt.date(2027, 9, 30), rag_overall="Red")
    fill_by_name(generated["MUC-003"], inbox / "MUC-003.xlsx", red)
    down = _fields(dt.date(2027, 3, 4), 0.4, 76000, dt.date(2027, 3, 31))
    fill_by_name(generated["MUC-004"], inbox / "MUC-004.xlsx", down)
    copied = _fields(dt.date(2027, 3, 5), 0.25, 3400000, dt.date(2027, 12, 31))
    fill_by_name(generated["MUC-005"], inbox / "MUC-005.xlsx", copied)
    month.before = _digests(inbox, month.register, month.settings)
    month.p2 = month.collect(inbox, "p2", P2, "2027-03-06")
    month.after = _digests(inbox, month.register, month.settings)

    corrected = month.root / "inbox-p2-korr"
    corrected.mkdir()
    fixed = amber | {"rag_overall_rationale": "Mietvertrag verzögert sich um drei Wochen.",
                     "rag_overall_path_to_green": "Eskalation an den Vorstand bis 15.03."}  # fmt: skip
    fill_by_name(generated["MUC-001"], corrected / "Statusbericht Jürgen FINAL (3).xlsx", fixed)
    month.collect(corrected, "p2k", P2, "2027-03-09")
    return month


# --- what works, and should stay so ----------------------------------------------------------------------------


def test_send_out_in_the_pmos_german_words_one_draft_per_pm(munich):
    mail = munich.root / f"outbox-{P2}" / "mail"
    drafts = {path.name: _message(path) for path in mail.glob("*.eml")}
    assert set(drafts) == {f"Send-out {P2} - {pm}.eml" for pm in ("Jürgen Müller", "Änne Groß", "Björn Öztürk")}
    juergen = drafts[f"Send-out {P2} - Jürgen Müller.eml"]
    assert juergen["To"] == "juergen.mueller@example.de, assistenz@example.de" and juergen["Cc"] is None
    assert juergen["X-Unsent"] == "1" and juergen["From"] == "PMO München <pmo@example.de>"
    assert juergen["Subject"] == f"Statusbericht {P2}: bitte bis 2027-03-07 zurücksenden"
    body = _body(juergen)
    assert body.startswith("Hallo Jürgen Müller,") and "Stand 2027-02-26" in body and "Viele Grüße" in body
    names = sorted(part.get_filename() for part in juergen.iter_attachments())
    assert names[0].startswith("MUC-001 - Büroumzug") and names[1].startswith("MUC-002 - Straßenbahn")
    raw = (mail / f"Send-out {P2} - Jürgen Müller.eml").read_bytes()
    assert max(raw) < 128 and b"filename*=utf-8''MUC-002%20-%20Stra%C3%9Fenbahn" in raw
    # Sören's address is not one: no draft, and the run says so with the register row and the file to send by hand.
    output = munich.generate_p1.output
    assert "row 4: no send-out e-mail for Sören Weiß (MUC-003)" in output and "by hand" in output
    assert "'due_days_after_period_end' as 'deadline_days_after_period_end'" in output


def test_a_renamed_long_named_file_comes_back_as_sent_with_its_cell_and_fix(munich):
    draft = _message(munich.root / "mail-p2" / f"Returned - MUC-002 - {P2}.eml")
    assert draft["To"] == "juergen.mueller@example.de, assistenz@example.de" and draft["Cc"] is None
    body = _body(draft)
    assert f"Forecast comment (sheet {PROJECT_STATUS.main_sheet}, cell C39)" in body
    check = next(c for c in PROJECT_STATUS.checks if c.name == "forecast_end_comment_missing")
    assert f"Was fehlt: {check.message}" in body and f"So beheben Sie es: {check.fix}" in body
    (attached,) = list(draft.iter_attachments())
    assert attached.get_filename() == LONG_NAME
    assert attached.get_content() == (munich.inbox / LONG_NAME).read_bytes()
    raw = (munich.root / "mail-p2" / f"Returned - MUC-002 - {P2}.eml").read_bytes()
    assert max(raw) < 128 and max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_accepted_with_warnings_gets_please_check_and_no_input_changes(munich):
    note = _message(munich.root / "mail-p2" / f"Please check - MUC-005 - {P2}.eml")
    assert note["Subject"] == f"Statusbericht angenommen, bitte prüfen: MUC-005 Übergabe SAP S/4 ({P2})"
    assert _body(note).count("copied forward?") == 3 and list(note.iter_attachments()) == []
    assert munich.after == munich.before  # the inbox, register and settings are read, never written


# --- defects found: these fail today ----------------------------------------------------------------------------


def test_the_same_bad_file_saved_twice_is_one_return_and_does_not_copy_the_sponsor(munich):
    """Jürgen's one rejected file sits in the inbox twice (byte for byte). The PMO expects one feedback e-mail to
    Jürgen, no sponsor (the board member) copied, and one return on the tracker and the scorecard."""
    returned = sorted((munich.root / "mail-p2").glob("Returned - MUC-001*.eml"))
    assert len(returned) == 1, [path.name for path in returned]
    assert _message(returned[0])["Cc"] is None
    tracker = {row["project_id"]: row for row in table(munich.root / "portfolio-p2k.xlsx", "Missing")}
    assert tracker["MUC-001"]["returns"] == 1


def test_the_return_date_is_the_runs_today(munich):
    """`pmo collect --today 2027-03-06` re-runs a cycle as it was; the tracker says the report was returned on
    the clock's date instead (before the period even ended), and the reminder repeats it to the PM."""
    tracker = {row["project_id"]: row for row in table(munich.root / "portfolio-p2.xlsx", "Missing")}
    assert str(tracker["MUC-003"]["returned_on"])[:10] == "2027-03-06"
    assert "returned for correction on 2027-03-06" in tracker["MUC-003"]["note"]


def test_a_returned_report_lists_its_warnings_too(munich):
    """The PM corrects and resends the file anyway: the return should list every finding (the issue: "lists each
    finding"), not only the errors, or the PM gets a second e-mail about the warning after the correction."""
    body = _body(_message(munich.root / "mail-p2" / f"Returned - MUC-001 - {P2}.eml"))
    assert "Forecast end date is the same as last period" in body


def test_the_reminder_names_fields_as_the_feedback_does(munich):
    """The reminder for a returned report quotes the tracker's raw finding ('Summary!D16, rag_overall_rationale:
    ...') and an English 'period ..., returned ...' line; the feedback draft says 'Overall rationale (sheet
    Summary, cell D16)' with the fix."""
    (reminder,) = (munich.root / "mail-p2k").glob("Reminder - Sören Weiß.eml")
    body = _body(_message(reminder))
    assert "rag_overall_rationale" not in body
    assert "Overall rationale" in body


def test_a_placeholder_typo_in_the_wording_is_refused_when_the_settings_load(munich, tmp_path):
    """`{Projekt}` (for {project}) would be sent to the PM as typed, in every subject: the PMO hears of it when the
    settings are read, with the setting's name and the placeholders there are, and nothing runs on it."""
    typo = tmp_path / "einstellungen.toml"
    typo.write_text(
        munich.settings.read_text(encoding="utf-8").replace(
            "Korrektur zurück: {project}", "Korrektur zurück: {Projekt}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(PmoError) as refused:
        load_settings(typo)
    assert "mail_feedback_subject: {Projekt} is not a placeholder" in str(refused.value)
    assert "{project}" in str(refused.value)
    result = _invoke("calendar", "--year", "2027", "--out", tmp_path / "x.ics", "--settings", typo)
    assert result.exit_code != 0 and "{Projekt}" in result.output and not (tmp_path / "x.ics").exists()


def test_a_stray_brace_in_the_wording_still_fills_the_known_placeholders():
    """'Hallo {name}, {0}' is sent as 'Hallo {name}, {0}': one unknown positional placeholder unfills them all."""
    assert fill("Hallo {name}, {0}", name="Jürgen").startswith("Hallo Jürgen,")
    assert fill("Guten Tag {name} {", name="Jürgen").startswith("Guten Tag Jürgen")


# --- hostile registers --------------------------------------------------------------------------------------------

HOSTILE_COLUMNS = "project_id,project_name,project_manager,pm_email,cc_email,sponsor,start_date,end_date,budget,currency,money_unit\n"  # fmt: skip


def _hostile_register(root: Path, *rows: tuple[str, str, str, str]) -> Path:
    register = root / "register.csv"
    lines = [
        f'{pid},"{name}","{pm.replace(chr(34), chr(34) * 2)}",{address},s@x.org,Spons,2026-01-01,2027-12-31,1000,EUR,units\n'
        for pid, name, pm, address in rows
    ]
    register.write_text(HOSTILE_COLUMNS + "".join(lines), encoding="utf-8")
    return register


def test_a_pm_name_with_a_title_and_a_slash_or_colon_gives_a_draft_in_the_mail_folder(tmp_path):
    """'Dr. Schmidt/Weber' (two PMs) made a sub-folder 'Send-out 2026-11 - Dr. Schmidt' holding 'Weber.eml':
    safe_file_name cleans only what comes before the last dot, and a draft's stem has no extension. On Windows
    'Dr. Weiß (Projekt: Alpha)' writes an alternate data stream, not a file."""
    register = _hostile_register(tmp_path, ("S-1", "Alpha", "Dr. Schmidt/Weber", "sw@x.org"),
                                 ("S-2", "Beta", "Dr. Weiß (Projekt: Alpha)", "w@x.org"),
                                 ("S-3", "Gamma", 'Prof. =HYPERLINK("http://x.example/a","b")', "h@x.org"))  # fmt: skip
    _run("generate", "--register", register, "--out", tmp_path / "outbox", "--period", "2026-11", "--mail-drafts")
    mail = tmp_path / "outbox" / "mail"
    assert [path for path in mail.iterdir() if path.is_dir()] == []
    drafts = sorted(mail.glob("*.eml"))
    assert len(drafts) == 3
    assert not any(set(path.name) & set('<>:"/\\|?*') for path in drafts), [path.name for path in drafts]


def test_one_long_pm_name_does_not_cost_every_pm_their_send_out(tmp_path):
    """A PM name of a title and 300 letters: the draft's name is too long, and `pmo generate --mail-drafts` stops
    with exit 2, no draft for anyone, and a message to 'choose another folder'."""
    register = _hostile_register(tmp_path, ("L-1", "Lang", "Dr. " + "Langername" * 30, "l@x.org"),
                                 ("L-2", "Kurz", "Ana Ruiz", "ana@x.org"))  # fmt: skip
    result = _invoke(
        "generate", "--register", register, "--out", tmp_path / "outbox", "--period", "2026-11", "--mail-drafts"
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "outbox" / "mail").glob("*.eml"))) == 2


def _hostile_month(root: Path) -> tuple[Path, Path, dict[str, Path]]:
    register = _hostile_register(root, ("H-1", "Formel", '=HYPERLINK("http://evil.example/","klick")', "f@x.org"),
                                 ("H-2", "SAP/Cloud 🚀 Migration", "Emo Ji", "e@x.org"),
                                 ("H-3", "Zwei", "Anna Zwei", "a@x.org; b@x.org"))  # fmt: skip
    _run("generate", "--register", register, "--out", root / "outbox", "--period", "2026-11")
    inbox = root / "inbox"
    inbox.mkdir()
    generated = _generated(root / "outbox")
    for project_id, file_name in (("H-1", "H-1.xlsx"), ("H-2", "H-2 SAP Cloud 🚀.xlsx"), ("H-3", "H-3.xlsx")):
        fields = _fields(dt.date(2026, 12, 2), 0.3, 1000, dt.date(2027, 12, 31), rag_overall="Red",
                         key_achievements='=HYPERLINK("http://evil.example/","x")')  # fmt: skip
        fill_by_name(generated[project_id], inbox / file_name, fields)
    return register, inbox, generated


def _collect(root: Path, register: Path, inbox: Path, run: str, *more: str):
    return _run("collect", inbox, "--ledger", root / "ledger.db", "--register", register, "--out",
                root / f"portfolio-{run}.xlsx", "--period", "2026-11", "--today", "2026-12-03", *more)  # fmt: skip


def test_user_strings_never_become_formulas_and_a_coaching_file_in_the_inbox_is_refused(tmp_path):
    register, inbox, _generated_files = _hostile_month(tmp_path)
    before = _digests(inbox, register)
    refused = _invoke("collect", inbox, "--ledger", tmp_path / "ledger.db", "--register", register,
                      "--out", tmp_path / "p.xlsx", "--coaching", inbox / "pmo-coaching.xlsx")  # fmt: skip
    assert refused.exit_code != 0 and "inside the inbox" in refused.output
    assert not (tmp_path / "ledger.db").exists() and not (inbox / "pmo-coaching.xlsx").exists()
    _collect(tmp_path, register, inbox, "1", "--chasers", tmp_path / "mail", "--coaching", tmp_path / "coach.xlsx")
    assert _digests(inbox, register) == before
    for output in (tmp_path / "portfolio-1.xlsx", tmp_path / "coach.xlsx"):
        with zipfile.ZipFile(output) as package:
            formulas = [
                formula
                for name in package.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml")
                for formula in re.findall(r"<f[^>]*>([^<]*)</f>", package.read(name).decode("utf-8"))
            ]
        assert not [formula for formula in formulas if "evil.example" in formula or "HYPERLINK" in formula.upper()]
    returned = _message(tmp_path / "mail" / "Returned - H-2 - 2026-11.eml")
    assert [part.get_filename() for part in returned.iter_attachments()] == ["H-2 SAP Cloud 🚀.xlsx"]
    assert not list((tmp_path / "mail").glob("Returned - H-3*"))  # two addresses in pm_email: no draft, a warning


def test_feedback_is_not_lost_when_the_drafts_folder_could_not_be_written(tmp_path):
    """The --chasers folder lies under a file: the run refuses before it reads or records anything (a return is
    answered only by the run that records it), so the PMO fixes the folder and the next run answers every return."""
    register, inbox, _generated_files = _hostile_month(tmp_path)
    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")
    first = _invoke("collect", inbox, "--ledger", tmp_path / "ledger.db", "--register", register, "--out",
                    tmp_path / "p.xlsx", "--today", "2026-12-03", "--chasers", tmp_path / "not-a-folder" / "mail")  # fmt: skip
    assert first.exit_code == 2 and "nothing was read or recorded" in first.output
    assert not (tmp_path / "ledger.db").exists()
    _collect(tmp_path, register, inbox, "2", "--chasers", tmp_path / "mail")
    assert (tmp_path / "mail" / "Returned - H-2 - 2026-11.eml").exists()


def test_an_attachment_over_20_mb_is_not_drafted_in_silence(tmp_path):
    """A returned 22 MB workbook (photos pasted in) is attached back: a 30 MB draft that Exchange and most mail
    servers refuse when the PMO presses Send, with nothing said in the run."""
    register, inbox, generated = _hostile_month(tmp_path)
    for path in list(inbox.iterdir()):
        path.unlink()
    small = tmp_path / "small.xlsx"
    fill_by_name(generated["H-2"], small, _fields(dt.date(2026, 12, 2), 0.3, 1000, dt.date(2027, 12, 31),
                                                  rag_overall="Red"))  # fmt: skip
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(inbox / "H-2 mit Fotos.xlsx", "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/media/image1.png", os.urandom(22 * 1024 * 1024), zipfile.ZIP_STORED)
    result = _collect(tmp_path, register, inbox, "1", "--chasers", tmp_path / "mail")
    (draft,) = (tmp_path / "mail").glob("Returned - H-2*.eml")
    assert draft.stat().st_size < 20 * 1024 * 1024 or ("MB" in result.output and "H-2" in result.output)
