"""An inbox as an old Windows share and a tidy colleague leave it: every entry gets exactly one verdict, the run ends.

Written by hand: each entry, its expected verdict and a piece of its message. Run through the real `pmo collect`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS

PERIOD = "2026-11"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("reports")
    projects = demo_projects(3, random.Random(8), PERIOD)
    generated = generate_for_records(PROJECT_STATUS, projects, folder / "out", PERIOD, today=dt.date(2026, 11, 1))
    filled = []
    for number, item in enumerate(generated):
        target = folder / f"filled-{number}.xlsx"
        fill_demo_submission(item.path, target, random.Random(number))
        filled.append(target)
    return filled


def _sheet(path: Path, name: str) -> list[dict]:
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


def test_every_hostile_entry_gets_one_verdict_and_the_run_completes(reports, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "linked").mkdir(parents=True)
    # a name in Latin-1 bytes, as unzipped from an old Windows share: not UTF-8
    latin1 = os.path.join(os.fsencode(inbox), "Caf\xe9 report.xlsx".encode("latin-1"))
    with open(latin1, "wb") as handle:
        handle.write(reports[0].read_bytes())
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "second.xlsx").write_bytes(reports[1].read_bytes())
    (inbox / "linked" / "to elsewhere").symlink_to(real, target_is_directory=True)  # a linked folder: walked once
    (inbox / "again").symlink_to(real, target_is_directory=True)  # a second link to it: not read twice
    (inbox / "linked" / "up").symlink_to(inbox, target_is_directory=True)  # a loop back to the inbox
    (inbox / "loop.xlsx").symlink_to(inbox / "loop.xlsx")  # a file link to itself
    (inbox / "third.xlsx").write_bytes(reports[2].read_bytes())

    result = CliRunner().invoke(main, ["collect", str(inbox), "--ledger", str(tmp_path / "l.db"),
                                       "--out", str(tmp_path / "p.xlsx"), "--today", "2026-12-03"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    verdicts = {
        Path(row["file"]).relative_to(inbox).as_posix(): row for row in _sheet(tmp_path / "p.xlsx", "Submissions")
    }
    assert verdicts["Caf\ufffd report.xlsx"]["verdict"] == "accepted"  # stored and shown with the replacement character
    assert verdicts["third.xlsx"]["verdict"] == "accepted"
    linked = [name for name in verdicts if name.endswith("second.xlsx")]
    assert len(linked) == 1 and verdicts[linked[0]]["verdict"] == "accepted"  # read once, through one of the links
    other_link = "again" if linked[0].startswith("linked") else "linked/to elsewhere"
    assert verdicts[other_link]["verdict"] == "skipped" and "read once" in verdicts[other_link]["reasons"]
    assert verdicts["linked/up"]["verdict"] == "skipped" and "already read" in verdicts["linked/up"]["reasons"]
    assert verdicts["loop.xlsx"]["verdict"] == "skipped" and "link loop" in verdicts["loop.xlsx"]["reasons"]
    assert len(verdicts) == 6  # one verdict per entry, no more, no fewer


@pytest.mark.libreoffice
def test_opendocument_and_strict_open_xml_get_their_own_verdict_and_the_fix(reports, tmp_path):
    from tests.libreoffice import convert

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ods = convert(reports[0], "ods", tmp_path / "converted")  # a real .ods, saved by LibreOffice
    (inbox / "report.ods").write_bytes(ods.read_bytes())
    (inbox / "renamed.xlsx").write_bytes(ods.read_bytes())  # the same, renamed .xlsx
    # Strict Open XML: the parts Excel's "Strict Open XML Spreadsheet" writes under the ISO namespaces (no Excel
    # here: made by rewriting a workbook's namespaces, which is what tells the two apart)
    from pmo_xl.excel.package import XlsxPackage

    package = XlsxPackage.from_path(reports[1])
    strict = {
        name: data.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        )
        for name, data in package.members.items()
        if name.endswith(".xml")
    }
    (inbox / "strict.xlsx").write_bytes(package.write(strict))
    result = CliRunner().invoke(main, ["collect", str(inbox), "--ledger", str(tmp_path / "l.db"),
                                       "--out", str(tmp_path / "p.xlsx"), "--today", "2026-12-03"])  # fmt: skip
    assert result.exit_code == 0, result.output
    verdicts = {Path(row["file"]).name: row for row in _sheet(tmp_path / "p.xlsx", "Submissions")}
    fix = "in Excel use Save As > Excel Workbook (.xlsx), and send it again"
    for name, what, code in (("report.ods", "OpenDocument (.ods)", "opendocument"),
                             ("renamed.xlsx", "OpenDocument (.ods)", "opendocument"),
                             ("strict.xlsx", "Strict Open XML", "strict_open_xml")):  # fmt: skip
        assert verdicts[name]["verdict"] == "rejected" and verdicts[name]["codes"] == code
        assert f"saved as {what}: {fix}" in verdicts[name]["reasons"]
        assert "missing" not in verdicts[name]["reasons"]  # one verdict with the fix, not 43 "missing name" findings


# -- the table: an inbox of my own hostile entries, one CLI run as an unprivileged user -----------------------------


def _entries(reports: list[Path], inbox: Path, outside: Path) -> dict[str, tuple[str, str, str]]:
    """Make each hostile entry in `inbox`; return {entry (relative path): (verdict, code, message piece)}."""
    import io as bytes_io
    import zipfile as zips

    from msoffcrypto.format.ooxml import OOXMLFile

    good = reports[0].read_bytes()
    made: dict[str, tuple[str, str, str]] = {}

    def put(name: str, data: bytes, verdict: str, code: str, piece: str) -> None:
        path = inbox / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        made[name] = (verdict, code, piece)

    put("empty.xlsx", b"", "rejected", "empty_file", "0 bytes")
    put("a csv renamed.xlsx", b"project_id,rag\nP1,Red\n", "rejected", "not_a_zip", "not an Excel workbook")
    put("a pdf renamed.xlsx", b"%PDF-1.7\n%\xe2\xe3\n", "rejected", "not_a_zip", "not an Excel workbook")
    put("cut off.xlsx", good[: len(good) // 2], "rejected", "truncated_zip", "incomplete")
    put("old excel.xls", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600), "rejected", "", "")
    encrypted = bytes_io.BytesIO()
    OOXMLFile(bytes_io.BytesIO(good)).encrypt("secret", encrypted)
    put("with a password.xlsx", encrypted.getvalue(), "rejected", "password_protected", "password")
    plain = bytes_io.BytesIO()
    with zips.ZipFile(plain, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    put("a plain zip.xlsx", plain.getvalue(), "rejected", "", "")
    put("Thumbs.db", b"\0" * 64, "skipped", "hidden_file", "hidden or system")
    put("~$open in Excel.xlsx", b"\x0cAna Ruiz" + bytes(150), "skipped", "lock_file", "lock file")
    put(".hidden report.xlsx", good, "skipped", "hidden_file", "hidden")
    put("notes.docx", b"PK\x03\x04", "skipped", "not_a_workbook_name", "")
    put("PRJ report 🚀 émoji.xlsx", reports[1].read_bytes(), "accepted", "", "")
    put("e\u0301tude de\u0301compose\u0301e.xlsx", reports[2].read_bytes(), "accepted", "", "")  # NFD accents
    put("a copy of the 🚀 report.xlsx", reports[1].read_bytes(), "duplicate", "duplicate", "same file")
    put("x" * 200 + ".xlsx", good, "duplicate", "duplicate", "same file")  # a 205-byte name, after résumé
    put(".git/objects/report.xlsx", good, "", "", "")  # inside a hidden folder: the folder gets the verdict
    made.pop(".git/objects/report.xlsx")
    made[".git"] = ("skipped", "hidden_folder", "hidden")
    (inbox / "unreadable.xlsx").write_bytes(good)
    os.chmod(inbox / "unreadable.xlsx", 0)  # as the unprivileged user running collect, this one cannot be read
    made["unreadable.xlsx"] = ("rejected", "unreadable", "could not be read")
    (inbox / "dangling.xlsx").symlink_to(outside / "gone.xlsx")
    made["dangling.xlsx"] = ("skipped", "unreadable", "could not be examined")
    os.mkfifo(inbox / "a pipe.xlsx")
    made["a pipe.xlsx"] = ("skipped", "not_a_file", "not a regular file")
    (inbox / "folder.xlsx").mkdir()
    (inbox / "folder.xlsx" / "inside.xlsx").write_bytes(reports[2].read_bytes())
    made["folder.xlsx/inside.xlsx"] = ("duplicate", "duplicate", "same file")
    latin1 = os.path.join(os.fsencode(inbox), "r\xe9sum\xe9.xlsx".encode("latin-1"))
    with open(latin1, "wb") as handle:
        handle.write(good)
    made["r\ufffdsum\ufffd.xlsx"] = ("accepted", "", "")  # read first of the copies of `good`, by name
    (inbox / "loop").symlink_to(inbox, target_is_directory=True)
    made["loop"] = ("skipped", "symlink_loop", "already read")
    return made


def test_an_inbox_of_hostile_entries_run_as_an_unprivileged_user(reports, tmp_path):
    import shutil
    import subprocess
    import sys
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="pmo-hostile-", dir="/tmp"))  # reachable by the unprivileged user
    try:
        os.chmod(shared, 0o777)
        inbox, outside = shared / "inbox", shared / "outside"
        inbox.mkdir()
        outside.mkdir()
        expected = _entries(reports, inbox, outside)
        assert len(expected) >= 20
        for path in (shared, inbox, *inbox.rglob("*")):
            if not path.is_symlink() and path.name != "unreadable.xlsx":
                os.chmod(path, 0o777 if path.is_dir() else 0o666)
        pmo = str(Path(sys.executable).parent / "pmo")
        completed = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", pmo, "collect", str(inbox),
             "--ledger", str(shared / "l.db"), "--out", str(shared / "p.xlsx"), "--today", "2026-12-03"],
            capture_output=True, text=True, errors="strict", timeout=300, check=False,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "Traceback" not in completed.stdout + completed.stderr
        rows = _sheet(shared / "p.xlsx", "Submissions")
        verdicts = {Path(row["file"]).relative_to(inbox).as_posix(): row for row in rows}
        for name, (verdict, code, piece) in expected.items():
            row = verdicts.get(name)
            assert row is not None, (name, sorted(verdicts))
            assert row["verdict"] == verdict, (name, row)
            if code:
                assert code in str(row["codes"]).split(", "), (name, row)
            assert piece in str(row["reasons"]), (name, row)
        assert set(verdicts) == set(expected)  # one verdict per entry, nothing more, nothing less
    finally:
        shutil.rmtree(shared, ignore_errors=True)
