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

Function ReadFile(ByVal FileName As String)
    ReadFile = ""
End Function

Function WScript(Optional CreateNew As Boolean) As Object
    Err.Raise 70, , "Permission denied"
End Function

Sub KillPy()
End Sub

Sub PmoResetUdfs()
End Sub

Sub Probe()
    PmoCheckSetup
    ThisWorkbook.Worksheets("Log").Range("A1").Value = "finished"
End Sub
"""


def check_setup_rows(tmp_path, interpreter: str) -> list[list[str]]:
    ours = [module for module in all_modules() if module.kind == "document" or module.name == "PmoSetup"]
    stub = STUB.format(interpreter=interpreter)
    modules = [VbaModule(m.name, m.kind, m.source) for m in ours] + [VbaModule("StubXlwings", "standard", stub)]
    workbook = tmp_path / "check.xlsm"
    workbook.write_bytes(build_workbook_bytes(modules=ours, vba_writer=lambda _: write_vba_project(modules)))
    macro = "vnd.sun.star.script:VBAProject.StubXlwings.Probe?language=Basic&location=document"
    _, saved = run_in_libreoffice(workbook, tmp_path, macro)
    book = openpyxl.load_workbook(saved)
    assert book["Log"]["A1"].value == "finished"
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
