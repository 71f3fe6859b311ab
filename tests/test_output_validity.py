"""Every kind of file pmo-xl writes is valid for Excel: openxml-audit (the Open XML SDK's schemas), our own check
(tests/ooxml_checks.py: what the schemas allow but Excel repairs), openpyxl, and LibreOffice all open it.

The negative tests plant what once slipped through (`<v>nan</v>`, a control character, a 40,000-character string,
a duplicate table id) and show our check refuses each; the writers themselves refuse to write them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openxml_audit import OpenXmlValidator

from pmo_xl.cli import main
from pmo_xl.demo.run import run_demo
from pmo_xl.errors import RegisterError
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.excel.sheet_xml import CellValueError, cell_xml
from pmo_xl.register import read_register
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.libreoffice import convert
from tests.ooxml_checks import check_package

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_REGISTER = (
    "project_id,project_name,project_manager,sponsor,start_date,end_date,budget,currency,money_unit,programme\n"
    'H-1,"Ünïcode ☃ & <tags> ""quoted""",Zoë Ø,"=HYPERLINK(""http://x"")",2026-01-01,2027-01-01,1e9,EUR,units,'
    "Bell\x07 removed\n"
    'H-2,Emoji 🚀 and a no-break\u00a0space,Ann,Bob,2026-01-01,2027-01-01,"1,234.5",GBP,k,\'leading quote\n'
)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("outputs")
    demo = run_demo(root / "demo", projects=6)
    register = root / "hostile.csv"
    register.write_text(HOSTILE_REGISTER, encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--register", str(register), "--out", str(root / "hostile"),
                                       "--period", "2026-11"])  # fmt: skip
    assert result.exit_code == 0, result.output
    hostile = sorted((root / "hostile").glob("*.xlsx"))
    assert len(hostile) == 2
    dashboard = root / "dashboard.xlsx"
    assert CliRunner().invoke(main, ["dashboard", str(dashboard), "--ledger", str(demo.ledger)]).exit_code == 0
    generated = sorted(demo.out.glob("workbooks/**/*.xlsx"))[0]
    return {
        "status template": ROOT / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx",
        "request template": ROOT / "pmo_xl" / "templates" / "shipped" / "project_request.xlsx",
        "generated workbook": generated,
        "generated from a hostile register": hostile[0],
        "generated from a hostile register, 2": hostile[1],
        "portfolio.xlsx": demo.portfolio,
        "dashboard": dashboard,
        "capacity plan": demo.capacity_plan,
        "scores": demo.request_scores,
        "selection": demo.request_selection,
        "PMO workbook": ROOT / "pmo_workbook.xlsm",
        "Project Online import report": demo.out / "project-online-import" / "import-report.xlsx",
        "workbook from a seed and a plan": sorted(demo.out.glob("project-online-import/workbooks/*/*.xlsx"))[0],
    }


KINDS = [
    "status template", "request template", "generated workbook", "generated from a hostile register",
    "generated from a hostile register, 2", "portfolio.xlsx", "dashboard", "capacity plan", "scores", "selection",
    "PMO workbook", "Project Online import report", "workbook from a seed and a plan",
]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_every_file_we_write_passes_every_check(outputs, kind, tmp_path):
    path = outputs[kind]
    result = OpenXmlValidator().validate(str(path))
    assert result.is_valid, [str(error) for error in list(result.errors)[:5]]
    assert check_package(path) == []
    openpyxl.load_workbook(path).close()


@pytest.mark.libreoffice
def test_libreoffice_opens_every_file_we_write(outputs, tmp_path):
    folder = tmp_path / "copies"
    folder.mkdir()
    for number, kind in enumerate(KINDS):
        shutil.copy(outputs[kind], folder / f"{number}{outputs[kind].suffix}")
    for copy in sorted(folder.iterdir()):
        converted = convert(copy, "csv", tmp_path / "converted")
        assert converted.exists() and converted.stat().st_size > 0, copy


def test_the_hostile_register_arrives_as_text_without_its_control_character(outputs):
    package = XlsxPackage.from_path(outputs["generated from a hostile register"])
    values = {part: data for part, data in package.members.items() if part.startswith("xl/worksheets/")}
    text = b"".join(values.values())
    assert "Ünïcode ☃ &amp; &lt;tags&gt;".encode() in text and b"\x07" not in text
    assert b"<f>HYPERLINK" not in text  # the sponsor's "=HYPERLINK(...)" stays text, never a formula
    assert b"Bell removed" in text


# -- the negative tests: each planted fault is caught ------------------------------------------------------------


def _plant(source: Path, target: Path, change) -> Path:
    package = XlsxPackage.from_path(source)
    replacements = change(package)
    target.write_bytes(package.write(replacements))
    return target


def _first_sheet(package: XlsxPackage) -> str:
    return next(name for name in package.members if name.startswith("xl/worksheets/sheet"))


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("nan", "not a finite number"),
        ("control character", "not well-formed XML"),
        ("40,000 characters", "40,000 characters"),
        ("duplicate table id", "is used again"),
        ("cells out of order", "comes after column"),
        ("a bad defined name", "defined name"),
    ],
)
def test_our_check_catches_each_planted_fault(outputs, tmp_path, fault, expected):
    source = outputs["generated workbook"]

    def change(package: XlsxPackage) -> dict[str, bytes]:
        sheet = _first_sheet(package)
        xml = package.members[sheet]
        if fault == "nan":
            return {
                sheet: xml.replace(
                    b"</sheetData>", b'<row r="1048000"><c r="A1048000"><v>nan</v></c></row></sheetData>'
                )
            }
        if fault == "control character":
            return {
                sheet: xml.replace(
                    b"</sheetData>",
                    b'<row r="1048000"><c r="A1048000" t="inlineStr"><is><t>a\x07b</t></is></c></row></sheetData>',
                )
            }
        if fault == "40,000 characters":
            long_text = b"x" * 40_000
            return {
                sheet: xml.replace(
                    b"</sheetData>",
                    b'<row r="1048000"><c r="A1048000" t="inlineStr"><is><t>'
                    + long_text
                    + b"</t></is></c></row></sheetData>",
                )
            }
        if fault == "cells out of order":
            return {
                sheet: xml.replace(
                    b"</sheetData>",
                    b'<row r="1048000"><c r="C1048000"><v>1</v></c><c r="B1048000"><v>2</v></c></row></sheetData>',
                )
            }
        if fault == "a bad defined name":
            workbook = package.members["xl/workbook.xml"]
            return {
                "xl/workbook.xml": workbook.replace(
                    b"</definedNames>", b'<definedName name="A1">Summary!$A$1</definedName></definedNames>'
                )
            }
        tables = sorted(name for name in package.members if name.startswith("xl/tables/table"))
        first_id = re.search(rb'<table [^>]*\bid="(\d+)"', package.members[tables[0]]).group(1)
        return {tables[1]: re.sub(rb'(<table [^>]*\bid=")\d+"', rb"\g<1>" + first_id + b'"', package.members[tables[1]], count=1)}  # fmt: skip

    planted = _plant(source, tmp_path / "planted.xlsx", change)
    problems = check_package(planted)
    assert any(expected in problem for problem in problems), problems


def test_the_writers_refuse_what_excel_cannot_hold(tmp_path):
    with pytest.raises(CellValueError, match="not a number Excel can hold"):
        cell_xml("B2", float("nan"), None)
    with pytest.raises(CellValueError, match="more than an Excel cell holds"):
        cell_xml("B2", "x" * 40_000, None)
    assert b"\x07" not in cell_xml("B2", "a\x07b", None)
    register = tmp_path / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,sponsor,start_date,end_date,budget,currency,money_unit\n"
        f"P1,{'x' * 40_000},Ann,Bob,2026-01-01,2027-01-01,nan,EUR,k\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterError) as caught:
        read_register(register, PROJECT_STATUS)
    assert any("project_name holds 40,000 characters" in problem for problem in caught.value.problems)
    assert any("budget must be a finite number" in problem for problem in caught.value.problems)
