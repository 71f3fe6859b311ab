"""Check setup is VBA alone; here LibreOffice runs our real PmoSetup module against stubs of the few xlwings
helpers it calls (LibreOffice cannot compile xlwings.bas), and the test reads the Home sheet as a user would.

LibreOffice Basic ignores #If, so it runs both the macOS and the Windows lines; the Windows result comes last.
FileExists is LibreOffice's own built-in (it wins over a stub), so the interpreter paths here are real files.
"""

from __future__ import annotations

import openpyxl
import pytest

from pmo_xl.vba.project import VbaModule, write_vba_project
from pmo_xl.workbook.build import build_workbook_bytes
from pmo_xl.workbook.layout import SETUP_CHECKS
from pmo_xl.workbook.vba_sources import all_modules
from tests.test_vba_libreoffice import run_in_libreoffice

STUB = """Attribute VB_Name = "StubXlwings"
Public Const XLWINGS_VERSION As String = "0.37.8"

Function GetConfig(configKey As String, Optional default As String = "", Optional source As String = "") As Variant
    If configKey = "INTERPRETER_WIN" Then GetConfig = "{interpreter}" Else GetConfig = ""
End Function

Function CreateGUID() As String
    CreateGUID = "guid"
End Function

Public StubReply As String

Function ReadFile(ByVal FileName As String)
    ReadFile = StubReply
End Function

Function WScript(Optional CreateNew As Boolean) As Object
    {shell}
End Function

Sub KillPy()
End Sub

Sub PmoResetUdfs()
End Sub

Sub Probe()
    PmoCheckSetup
    ThisWorkbook.Worksheets("Log").Range("A1").Value = "finished"
End Sub

Sub ProbeWebPath()
    Dim results(1 To 5, 1 To 3) As Variant
    PmoCheckMacros results, "https://contoso-my.sharepoint.com/personal/ana/Documents/PMO/pmo_workbook.xlsm", _
        "https://contoso-my.sharepoint.com/personal/ana/Documents/PMO"
    ThisWorkbook.Worksheets("Log").Range("A1").Value = "finished"
    ThisWorkbook.Worksheets("Log").Range("B1").Value = results(5, 2)
    ThisWorkbook.Worksheets("Log").Range("C1").Value = results(5, 3)
End Sub
"""

NO_SHELL = 'Err.Raise 70, , "Permission denied"'
A_SHELL = "Set WScript = New StubShell"

# What `python -c ...` prints, as a WScript.Shell stand-in: it writes the output file that PmoAskPython reads
# (and deletes) and keeps the reply for the ReadFile stub.
SHELL_CLASS = """Attribute VB_Name = "StubShell"
Option Explicit

Public Function Run(command As String, Optional windowStyle As Long, Optional waitOnReturn As Boolean) As Long
    Dim outputFile As String, first As Long, fileNumber As Integer
    If InStr(command, "import xlwings") > 0 Then StubReply = "{xlwings}" Else StubReply = "{pmo_xl}"
    first = InStr(command, "> " & Chr(34)) + 3
    outputFile = Mid(command, first, InStr(first, command, Chr(34)) - first)
    fileNumber = FreeFile
    Open outputFile For Output As #fileNumber
    Print #fileNumber, StubReply
    Close #fileNumber
    Run = 0
End Function
"""


def run_probe(tmp_path, interpreter: str = "", python_replies: tuple[str, str] | None = None, probe: str = "Probe"):
    ours = [module for module in all_modules() if module.kind == "document" or module.name == "PmoSetup"]
    stub = STUB.format(interpreter=interpreter, shell=A_SHELL if python_replies else NO_SHELL)
    modules = [VbaModule(m.name, m.kind, m.source) for m in ours] + [VbaModule("StubXlwings", "standard", stub)]
    if python_replies:
        shell = SHELL_CLASS.format(xlwings=python_replies[0], pmo_xl=python_replies[1])
        modules.append(VbaModule("StubShell", "class", shell.replace("\n", "\r\n")))
    workbook = tmp_path / "check.xlsm"
    workbook.write_bytes(build_workbook_bytes(modules=ours, vba_writer=lambda _: write_vba_project(modules)))
    macro = f"vnd.sun.star.script:VBAProject.StubXlwings.{probe}?language=Basic&location=document"
    _, saved = run_in_libreoffice(workbook, tmp_path, macro)
    book = openpyxl.load_workbook(saved)
    assert book["Log"]["A1"].value == "finished"
    return book


def check_setup_rows(tmp_path, interpreter: str, python_replies: tuple[str, str] | None = None) -> list[list[str]]:
    book = run_probe(tmp_path, interpreter, python_replies)
    home = book["Home"]
    table = home.tables["SetupCheck"]
    rows = [[cell.value for cell in row] for row in home[table.ref]][1:]
    assert [row[0] for row in rows] == list(SETUP_CHECKS)
    return rows


@pytest.mark.libreoffice
def test_check_setup_reports_a_missing_interpreter_with_the_fix(tmp_path):
    rows = check_setup_rows(tmp_path, interpreter="")
    assert rows[0][1:] == ["Missing", "No INTERPRETER_WIN in your xlwings.conf. Run `pmo setup excel` in a terminal, "
                                      "then Check setup again."]  # fmt: skip
    assert [row[1] for row in rows[1:3]] == ["Not checked", "Not checked"]
    assert rows[3][1] == "OK" and "-bit Office" in rows[3][2]
    assert rows[4][1] == "OK" and rows[4][2].startswith("Macros are enabled for ")


@pytest.mark.libreoffice
def test_check_setup_flags_store_python(tmp_path):
    rows = check_setup_rows(tmp_path, r"C:\Users\ana\AppData\Local\Microsoft\WindowsApps\python.exe")
    assert rows[0][1] == "Blocked" and "Store-app Python" in rows[0][2]


@pytest.mark.libreoffice
def test_check_setup_reports_an_interpreter_that_moved(tmp_path):
    moved = tmp_path / "gone" / "pythonw.exe"
    rows = check_setup_rows(tmp_path, str(moved))
    assert rows[0][1:] == [
        "Missing",
        f"{moved} does not exist. Run `pmo setup excel` in a terminal, then Check setup again.",
    ]


@pytest.mark.libreoffice
def test_check_setup_reports_python_that_cannot_be_asked(tmp_path):
    interpreter = tmp_path / "venv" / "Scripts" / "pythonw.exe"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_bytes(b"")
    rows = check_setup_rows(tmp_path, str(interpreter))
    assert rows[0][1:] == ["OK", str(interpreter)]
    assert rows[1][1] == "Mismatch" and "Permission denied" in rows[1][2] and "needs 0.37.8" in rows[1][2]
    assert rows[2][1] == "Missing" and "import pmo_xl failed: Error 70" in rows[2][2]


def _interpreter(tmp_path):
    interpreter = tmp_path / "venv" / "Scripts" / "pythonw.exe"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_bytes(b"")
    return interpreter


@pytest.mark.libreoffice
def test_check_setup_is_all_ok_when_xlwings_matches_and_pmo_xl_imports(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMP", str(tmp_path))
    interpreter = _interpreter(tmp_path)
    rows = check_setup_rows(tmp_path, str(interpreter), python_replies=("0.37.8", "0.1.0"))
    assert rows[0][1:] == ["OK", str(interpreter)]
    assert rows[1][1:] == ["OK", "0.37.8"]
    assert rows[2][1:] == ["OK", "pmo-xl 0.1.0"]
    assert [row[1] for row in rows] == ["OK"] * 5
    leftovers = [*tmp_path.glob("*pmo-check-setup-*"), *tmp_path.parent.glob("*pmo-check-setup-*")]
    assert not leftovers, "the reply file is deleted"


@pytest.mark.libreoffice
def test_check_setup_names_the_xlwings_version_python_has_when_it_differs(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMP", str(tmp_path))
    rows = check_setup_rows(tmp_path, str(_interpreter(tmp_path)), python_replies=("0.33.1", "0.1.0"))
    assert rows[1][1] == "Mismatch" and "Python has xlwings '0.33.1', this workbook needs 0.37.8" in rows[1][2]
    assert rows[2][1:] == ["OK", "pmo-xl 0.1.0"]


@pytest.mark.libreoffice
def test_check_setup_warns_about_a_workbook_opened_from_a_web_path(tmp_path):
    log = run_probe(tmp_path, probe="ProbeWebPath")["Log"]
    assert log["B1"].value == "Warning"
    assert "web (OneDrive/SharePoint) path" in log["C1"].value and "synced local copy" in log["C1"].value
