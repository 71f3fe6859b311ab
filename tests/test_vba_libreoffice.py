"""LibreOffice, a second real VBA host, opens the project and runs a macro from it.

LibreOffice cannot compile xlwings.bas, so the macro run uses a test-only project holding our own modules. UNO
needs Debian's python3-uno, so the driver runs under /usr/bin/python3 in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl

from pmo_xl.vba.project import VbaModule, write_vba_project
from tests.libreoffice import convert, require_soffice
from tests.test_vba_project import build_xlsm, product_modules

SYSTEM_PYTHON = "/usr/bin/python3"

# Loads the document with macros allowed, lists the Basic libraries LibreOffice imported from vbaProject.bin,
# optionally runs one macro and saves the result as xlsx. It starts and stops its own soffice.
UNO_DRIVER = r"""
import json, os, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

soffice, document, profile, report_path, macro, saved = sys.argv[1:7]
pipe = "pmo_vba_%d" % os.getpid()
office = subprocess.Popen([soffice, "-env:UserInstallation=file://" + profile, "--headless", "--invisible",
                           "--norestore", "--nologo", "--accept=pipe,name=%s;urp;" % pipe])
report = {}
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            context = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.5)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    # MacroExecutionMode 4 = ALWAYS_EXECUTE_NO_WARN: the test's own document, run without a prompt.
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(document), "_blank", 0,
                                       (prop("Hidden", True), prop("MacroExecutionMode", 4)))
    libraries = doc.BasicLibraries
    report["libraries"] = {}
    for name in libraries.getElementNames():
        libraries.loadLibrary(name)
        report["libraries"][name] = sorted(libraries.getByName(name).getElementNames())
    if macro:
        script = doc.getScriptProvider().getScript(macro)
        script.invoke((), (), ())
        doc.storeToURL(uno.systemPathToFileUrl(saved), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass  # the bridge drops as soffice exits
    office.wait(timeout=60)
finally:
    if office.poll() is None:
        office.kill()
    with open(report_path, "w") as handle:
        json.dump(report, handle)
"""

COUNTER_CLASS = """VERSION 1.0 CLASS
BEGIN
  MultiUse = -1  'True
END
Attribute VB_Name = "Counter"
Attribute VB_GlobalNameSpace = False
Attribute VB_Creatable = False
Attribute VB_PredeclaredId = False
Attribute VB_Exposed = False
Option Explicit

Private total_ As Long

Public Sub Add(ByVal amount As Long)
    total_ = total_ + amount
End Sub

Public Property Get Total() As Long
    Total = total_
End Property
"""

WRITER_MODULE = """Attribute VB_Name = "PmoMacroCheck"
Option Explicit

Public Sub WriteAnswer()
    Dim tally As New Counter
    tally.Add 40
    tally.Add 2
    ThisWorkbook.Worksheets(1).Range("A1").Value = tally.Total
    ThisWorkbook.Worksheets(1).Range("B1").Value = "written by VBA"
End Sub
"""


def run_in_libreoffice(workbook: Path, work_dir: Path, macro: str = "") -> tuple[dict, Path]:
    driver = work_dir / "uno_driver.py"
    driver.write_text(UNO_DRIVER)
    report_path, saved = work_dir / "report.json", work_dir / "after_macro.xlsx"
    arguments = [require_soffice(), str(workbook), str(work_dir / "profile"), str(report_path), macro, str(saved)]
    completed = subprocess.run(
        [SYSTEM_PYTHON, str(driver), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(report_path.read_text()), saved


def test_libreoffice_opens_the_product_project_and_sees_every_module(tmp_path):
    modules = product_modules()
    workbook = build_xlsm(tmp_path / "product.xlsm", write_vba_project(modules))
    report, _ = run_in_libreoffice(workbook, tmp_path)
    assert report["libraries"]["VBAProject"] == sorted(module.name for module in modules)
    converted = convert(workbook, "csv", tmp_path / "csv")
    assert converted.read_text().splitlines()[0] == "before"


def test_a_macro_from_our_project_runs_in_libreoffice_and_writes_a_cell(tmp_path):
    modules = [
        VbaModule("ThisWorkbook", "document", "Option Explicit\n"),
        VbaModule("Sheet1", "document", ""),
        VbaModule("Counter", "class", COUNTER_CLASS),
        VbaModule("PmoMacroCheck", "standard", WRITER_MODULE),
    ]
    workbook = build_xlsm(tmp_path / "macro_check.xlsm", write_vba_project(modules))
    macro = "vnd.sun.star.script:VBAProject.PmoMacroCheck.WriteAnswer?language=Basic&location=document"
    report, saved = run_in_libreoffice(workbook, tmp_path, macro)
    assert report["libraries"]["VBAProject"] == ["Counter", "PmoMacroCheck", "Sheet1", "ThisWorkbook"]
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    assert sheet["A1"].value == 42
    assert sheet["B1"].value == "written by VBA"
