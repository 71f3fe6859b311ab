"""The PMO ribbon: one declaration per button gives the XML, the VBA callback and the Python entry point; the UDF
wrappers mirror udfs/pmo_udfs.py and fail fast when Python cannot start."""

from __future__ import annotations

import inspect
import re
import types
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest

import macros.ribbon
import udfs.pmo_udfs
from macros.adapter import FileBook
from pmo_xl.errors import SchemaError
from pmo_xl.vba.project import VbaModule, read_vba_sources, write_vba_project
from pmo_xl.workbook.build import build_workbook
from pmo_xl.workbook.ribbon import BUTTONS, CUSTOM_UI_NAMESPACE, Button, custom_ui_xml, ribbon_module_source
from pmo_xl.workbook.udf_wrappers import VBA_RESERVED_WORDS, udf_module_source
from pmo_xl.workbook.vba_sources import stock_modules
from tests.test_vba_libreoffice import run_in_libreoffice
from tests.test_vba_project import build_xlsm

NS = {"ui": CUSTOM_UI_NAMESPACE}
PROCEDURE = re.compile(r"^(?:Public |Private )?(?:Sub|Function) (\w+)\(([^)]*)\)", re.MULTILINE | re.IGNORECASE)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = build_workbook(tmp_path_factory.mktemp("ribbon") / "pmo_workbook.xlsm")
    with zipfile.ZipFile(path) as package:
        ribbon = ElementTree.fromstring(package.read("customUI/customUI14.xml"))
        sources = read_vba_sources(package.read("xl/vbaProject.bin"))
    return ribbon, sources


def procedures(source: str) -> dict[str, str]:
    return {name: parameters.strip() for name, parameters in PROCEDURE.findall(source)}


def test_the_ribbon_has_the_groups_and_buttons_of_the_issue(built):
    ribbon, _ = built
    tab = ribbon.find("ui:ribbon/ui:tabs/ui:tab", NS)
    assert tab.get("label") == "PMO"
    layout = {group.get("label"): [button.get("label") for button in group] for group in tab}
    assert layout == {
        "Projects": ["New project workbooks", "Collect status", "Record decisions"],
        "Portfolio": [
            "Score requests",
            "Optimise",
            "Save scenario",
            "Compare scenarios",
            "Commit scenario",
            "Capacity",
        ],
        "Reports": ["Refresh dashboard", "Export report"],
        "Help": ["Guide", "Check setup", "Restart Python"],
    }
    for button in tab.iter(f"{{{CUSTOM_UI_NAMESPACE}}}button"):
        assert button.get("imageMso") and button.get("screentip") and button.get("supertip"), button.get("label")


def test_every_on_action_names_an_existing_sub_taking_control_as_object(built):
    ribbon, sources = built
    actions = [button.get("onAction") for button in ribbon.iter(f"{{{CUSTOM_UI_NAMESPACE}}}button")]
    assert len(actions) == len(BUTTONS)
    for action in actions:
        module, sub = action.split(".")
        assert re.search(rf"^Public Sub {sub}\(control As Object\)\r$", sources[module], re.MULTILINE), action


def test_python_buttons_run_their_entry_point_and_vba_buttons_their_macro(built):
    _, sources = built
    ribbon_procedures = procedures(sources["PmoRibbon"])
    setup_procedures = procedures(sources["PmoSetup"])
    for button in BUTTONS:
        body = sources["PmoRibbon"].split(f"Sub {button.callback}(")[1].split("End Sub")[0]
        if button.runs_python:
            assert f'RunPython "import macros.ribbon; macros.ribbon.{button.action}()"' in body
            assert inspect.signature(getattr(macros.ribbon, button.action)).parameters.keys() == {"book"}
        else:
            assert button.vba_macro in body and setup_procedures[button.vba_macro] == ""
        assert ribbon_procedures[button.callback] == "control As Object"


def test_our_procedure_names_clash_with_nothing_in_the_stock_modules(built):
    _, sources = built
    stock = set()
    for module in stock_modules():
        stock |= {name.lower() for name in procedures(module.source)}
    stock |= {name.lower() for name in re.findall(r"Const (\w+)", sources["xlwings"])}
    ours = set()
    for module in ("PmoRibbon", "PmoSetup", "xlwings_udfs"):
        names = {name.lower() for name in procedures(sources[module])}
        assert not names & ours, module
        ours |= names
    assert not ours & stock
    assert not ours & {module.lower() for module in sources}


def test_adding_a_button_is_one_declaration(tmp_path):
    extra = Button("Reports", "Benefits", "benefits_report", "ChartInsert", "Benefits report", "Writes the benefits.")
    buttons = (*BUTTONS, extra)
    xml = ElementTree.fromstring(custom_ui_xml(buttons))
    added = xml.find(".//ui:button[@id='pmoBenefitsReport']", NS)
    assert added.get("onAction") == "PmoRibbon.PmoRibbon_BenefitsReport"
    assert "Public Sub PmoRibbon_BenefitsReport(control As Object)\r\n" in ribbon_module_source(buttons)
    book = FileBook(build_workbook(tmp_path / "pmo_workbook.xlsm"))
    assert macros.ribbon._entry_point(extra)(book) == "Not available"
    assert "Benefits is not available in this build yet" in book.messages[0][1]
    assert FileBook(book.path).read_table("Log")["action"].tolist() == ["Benefits"]


def _wrapper_parameters(source: str) -> dict[str, list[str]]:
    return {
        name: [part.strip() for part in parameters.split(",") if part.strip()]
        for name, parameters in re.findall(r"^Function (\w+)\(([^)]*)\)\r$", source, re.MULTILINE)
    }


def test_udf_wrappers_take_exactly_the_python_parameters():
    wrappers = _wrapper_parameters(udf_module_source(udfs.pmo_udfs))
    assert list(wrappers) == list(udfs.pmo_udfs.__all__)
    for name, declared in wrappers.items():
        python = inspect.signature(getattr(udfs.pmo_udfs, name)).parameters.values()
        expected = [("Optional " if p.default is not p.empty else "") + p.name for p in python]
        assert declared == expected, name
        assert not {p.split()[-1].lower() for p in declared} & VBA_RESERVED_WORDS


def test_udf_wrappers_have_the_import_functions_form():
    source = udf_module_source(udfs.pmo_udfs)
    assert source.startswith('Attribute VB_Name = "xlwings_udfs"\r\n')
    assert '#Const App = "Microsoft Excel"' in source
    for name in udfs.pmo_udfs.__all__:
        body = source.split(f"Function {name}(")[1].split("End Function")[0]
        assert f'{name} = XLPy.CallUDF("udfs.pmo_udfs", "{name}", Array(' in body
        assert ", ThisWorkbook, Application.Caller)" in body
        assert "#If Mac Then" in body and "Excel for Windows only" in body
        assert body.index("If Not PmoPythonReady() Then") < body.index("XLPy.CallUDF")


def _stub_module(**functions) -> types.ModuleType:
    module = types.ModuleType("stub_udfs")
    module.__all__ = list(functions)
    for name, function in functions.items():
        function.__name__ = name
        function.__module__ = "stub_udfs"
        setattr(module, name, function)
    return module


def test_a_reserved_word_parameter_is_refused_with_its_name():
    def pmo_due(date, days=5):
        return date

    with pytest.raises(SchemaError, match=r"stub_udfs.pmo_due, parameter 'date': is a VBA reserved word"):
        udf_module_source(_stub_module(pmo_due=pmo_due))


def test_varargs_become_a_param_array_and_caller_is_passed_by_xlwings():
    def pmo_sum(label, caller, *amounts):
        return label

    source = udf_module_source(_stub_module(pmo_sum=pmo_sum))
    assert "Function pmo_sum(label, ParamArray amounts())\r\n" in source
    assert "argsArray = Array(label, Nothing)" in source


GUARD_STUB = """Attribute VB_Name = "StubXlwings"
Public XLPyStarts As Long

Function XLPy()
    XLPyStarts = XLPyStarts + 1
    Err.Raise 1000, , "could not start Python"
End Function

Sub RecalculationStorm()
    Dim i As Long
    For i = 1 To 5
        ThisWorkbook.Worksheets(1).Cells(i, 1).Value = pmo_probe(i)
    Next i
    ThisWorkbook.Worksheets(1).Cells(1, 2).Value = XLPyStarts
    PmoResetUdfs
    ThisWorkbook.Worksheets(1).Cells(6, 1).Value = pmo_probe(6)
    ThisWorkbook.Worksheets(1).Cells(2, 2).Value = XLPyStarts
End Sub
"""


def _without_conditional_compilation(source: str) -> str:
    """LibreOffice Basic ignores #If, so it would take the macOS branch: drop it and the directive lines."""
    source = re.sub(r"#If Mac Then\r\n.*?#End If\r\n", "", source, flags=re.S)
    return "\r\n".join(line for line in source.split("\r\n") if not line.lstrip().startswith("#"))


def test_after_python_fails_to_start_once_every_wrapper_returns_at_once(tmp_path):
    def pmo_probe(number):
        return number

    wrappers = _without_conditional_compilation(udf_module_source(_stub_module(pmo_probe=pmo_probe)))
    modules = [
        VbaModule("ThisWorkbook", "document", ""),
        VbaModule("Sheet1", "document", ""),
        VbaModule("StubXlwings", "standard", GUARD_STUB),
        VbaModule("xlwings_udfs", "standard", wrappers),
    ]
    workbook = build_xlsm(tmp_path / "storm.xlsm", write_vba_project(modules))
    macro = "vnd.sun.star.script:VBAProject.StubXlwings.RecalculationStorm?language=Basic&location=document"
    _, saved = run_in_libreoffice(workbook, tmp_path, macro)
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    results = [sheet.cell(row, 1).value for row in range(1, 7)]
    assert results == ["Python unavailable: could not start Python (PMO tab > Check setup)"] * 6
    assert sheet["B1"].value == 1  # five formulas, one attempt to start Python
    assert sheet["B2"].value == 2  # Restart Python's reset allows exactly one new attempt
