"""`pmo workbook build`: a deterministic .xlsm whose parts, names, tables, VBA and ribbon all line up."""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser
from openpyxl import load_workbook

from pmo_xl.vba.project import VbaModule, stored_source
from pmo_xl.workbook.build import CUSTOM_UI_PART, CUSTOM_UI_RELATIONSHIP, build_workbook, build_workbook_bytes
from pmo_xl.workbook.layout import SETTINGS, SHEETS, TABLES, XLWINGS_CONF
from pmo_xl.workbook.vba_sources import MACROS_DIR, all_modules, stock_modules
from tests.libreoffice import convert

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("build") / "pmo_workbook.xlsm")


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_the_committed_workbook_is_a_fresh_build_of_the_sources(repo_root):
    committed = repo_root / "pmo_workbook.xlsm"
    fresh = members(build_workbook_bytes())
    on_disk = members(committed.read_bytes())
    assert list(on_disk) == list(fresh)
    changed = [name for name in fresh if fresh[name] != on_disk[name]]
    assert not changed, f"pmo_workbook.xlsm is stale in {changed}: run `pmo workbook build` and commit it"


def test_two_builds_are_byte_identical(tmp_path):
    first = build_workbook(tmp_path / "first.xlsm").read_bytes()
    second = build_workbook(tmp_path / "second.xlsm").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "first.xlsm") as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = members(first)["docProps/core.xml"].decode()
    assert "2026-01-01T00:00:00Z" in core


def test_code_names_in_the_workbook_match_the_document_modules(workbook_path):
    parts = members(workbook_path.read_bytes())
    workbook_xml = ElementTree.fromstring(parts["xl/workbook.xml"])
    workbook_code_name = workbook_xml.find(f"{MAIN}workbookPr").get("codeName")
    sheet_code_names = []
    for number in range(1, len(SHEETS) + 1):
        sheet_xml = ElementTree.fromstring(parts[f"xl/worksheets/sheet{number}.xml"])
        sheet_code_names.append(sheet_xml.find(f"{MAIN}sheetPr").get("codeName"))
    document_modules = [module.name for module in all_modules() if module.kind == "document"]
    assert [workbook_code_name, *sheet_code_names] == document_modules
    assert sheet_code_names == [sheet.code_name for sheet in SHEETS]


def test_olevba_extracts_exactly_our_module_sources(workbook_path):
    parser = VBA_Parser(str(workbook_path), data=workbook_path.read_bytes())
    try:
        extracted = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    expected = {m.name: stored_source(VbaModule(m.name, m.kind, m.source)) for m in all_modules()}
    assert extracted == expected
    assert {"xlwings", "Dictionary", "PmoRibbon", "PmoSetup", "xlwings_udfs", "ThisWorkbook"} <= set(extracted)


def test_stock_modules_come_from_the_installed_xlwings_with_their_licences():
    import xlwings

    xlwings_module, dictionary = stock_modules()
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in xlwings_module.source
    assert (
        "BSD 3-clause" in xlwings_module.source
        and "Copyright (C) 2014-present, Zoomer Analytics" in xlwings_module.source
    )
    assert dictionary.kind == "class" and "(c) Tim Hall" in dictionary.source and "License: MIT" in dictionary.source


def test_xlwings_is_pinned_exactly_to_the_installed_version(repo_root):
    import xlwings

    assert f'"xlwings=={xlwings.__version__}"' in (repo_root / "pyproject.toml").read_text()


def test_every_vba_source_is_ascii_with_crlf_line_ends():
    for module in all_modules():
        assert module.source.isascii(), module.name
        assert "\n" not in module.source.replace("\r\n", ""), module.name
    for path in MACROS_DIR.glob("*.bas"):
        assert path.read_bytes().isascii(), path


def test_the_ribbon_part_and_its_relationship_are_in_the_package(workbook_path):
    parts = members(workbook_path.read_bytes())
    assert CUSTOM_UI_PART in parts
    ribbon = ElementTree.fromstring(parts[CUSTOM_UI_PART])
    assert ribbon.tag == "{http://schemas.microsoft.com/office/2009/07/customui}customUI"
    relationships = ElementTree.fromstring(parts["_rels/.rels"])
    targets = {rel.get("Type"): rel.get("Target") for rel in relationships}
    assert targets[CUSTOM_UI_RELATIONSHIP] == CUSTOM_UI_PART
    content_types = parts["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in content_types
    assert 'Extension="xml" ContentType="application/xml"' in content_types  # the customUI part's type


def test_xlwings_conf_sheet_holds_only_our_keys_from_a1_and_is_not_a_table(workbook_path):
    book = load_workbook(workbook_path)
    conf = book["xlwings.conf"]
    assert not conf.tables
    rows = [(row[0].value, row[1].value) for row in conf.iter_rows(min_row=1, max_col=2)]
    assert rows == list(XLWINGS_CONF)
    assert dict(rows) == {"ADD_WORKBOOK_TO_PYTHONPATH": "False", "UDF Modules": "udfs.pmo_udfs"}
    assert conf.cell(len(rows) + 1, 1).value is None
    assert not any("INTERPRETER" in key for key, _ in rows)


def test_every_list_is_an_excel_table_with_its_declared_headers(workbook_path):
    book = load_workbook(workbook_path)
    assert book.sheetnames == [sheet.name for sheet in SHEETS]
    for table in TABLES:
        worksheet = book[table.sheet]
        assert table.name in worksheet.tables, table.name
        header_row = worksheet[worksheet.tables[table.name].ref][0]
        assert tuple(cell.value for cell in header_row) == table.headers


def test_each_setting_is_a_defined_name_on_its_value_cell(workbook_path):
    book = load_workbook(workbook_path)
    settings = book["Settings"]
    for setting in SETTINGS:
        destination = book.defined_names[setting.name].attr_text
        cell = settings[destination.split("!")[1].replace("$", "")]
        assert settings.cell(cell.row, 1).value == setting.key
        assert cell.value == setting.default


def test_a_user_string_that_looks_like_a_formula_stays_text(tmp_path):
    from pmo_xl.workbook.build import TableContent, default_content

    portfolio = default_content()["Portfolio"]
    row = ('=HYPERLINK("http://evil")', *portfolio.rows[0][1:])
    path = build_workbook(tmp_path / "book.xlsm", {"Portfolio": TableContent(portfolio.headers, (row,))})
    sheet_xml = members(path.read_bytes())["xl/worksheets/sheet2.xml"].decode()
    assert "<f>" not in sheet_xml


def test_libreoffice_opens_the_workbook_and_its_dashboard_blocks(workbook_path, tmp_path):
    from pmo_xl.reporting.dashboard_sheet import BLOCKS

    converted = convert(workbook_path, "xlsx", tmp_path / "lo")
    dashboard = load_workbook(converted)["Dashboard"]
    assert set(dashboard.tables) == {block.table for block in BLOCKS}


def test_build_refuses_a_name_without_xlsm(tmp_path):
    from pmo_xl.errors import OutputError

    with pytest.raises(OutputError, match=r"must end in \.xlsm"):
        build_workbook(tmp_path / "pmo_workbook.xlsx")


def test_cli_builds_the_workbook(tmp_path):
    from pmo_xl.cli import main

    out = tmp_path / "pmo_workbook.xlsm"
    result = CliRunner().invoke(main, ["workbook", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert members(out.read_bytes()) == members(build_workbook_bytes())


def test_via_excel_is_refused_off_windows_with_a_clear_error(tmp_path):
    from pmo_xl.cli import main

    result = CliRunner().invoke(main, ["workbook", "build", "--via-excel", "--out", str(tmp_path / "x.xlsm")])
    assert result.exit_code == 2
    assert "Excel for Windows" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.xlsm").exists()


class _ExcelStandIn:
    """Excel's COM surface as `build_via_excel` uses it: open a book, import module files, save as .xlsm."""

    def __init__(self, trust_vba_project=True):
        self.trust_vba_project, self.imported, self.quit_called = trust_vba_project, [], False
        self.books = self

    def __call__(self, visible, add_book):
        assert visible is False and add_book is False  # Excel runs hidden, without an empty book of its own
        return self

    def open(self, path):
        self.opened = Path(path).read_bytes()
        return self

    @property
    def api(self):
        return self

    @property
    def VBProject(self):
        if not self.trust_vba_project:
            raise RuntimeError("Programmatic access to Visual Basic Project is not trusted")
        return self

    @property
    def VBComponents(self):
        return self

    def Import(self, path):
        self.imported.append((Path(path).name, Path(path).read_bytes()))

    def SaveAs(self, path, FileFormat):
        assert FileFormat == 52  # xlOpenXMLWorkbookMacroEnabled
        Path(path).write_bytes(self.opened)

    def close(self):
        pass

    def quit(self):
        self.quit_called = True


def test_via_excel_imports_every_code_module_from_its_source_file_then_adds_the_ribbon(tmp_path, monkeypatch):
    import sys

    import xlwings

    from pmo_xl.workbook import excel_import

    excel = _ExcelStandIn()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(xlwings, "App", excel)
    out = excel_import.build_via_excel(tmp_path / "via-excel.xlsm")

    code_modules = [m for m in all_modules() if m.kind != "document"]
    expected = [
        (f"{m.name}.{'bas' if m.kind == 'standard' else 'cls'}", m.source.encode("ascii")) for m in code_modules
    ]
    assert excel.imported == expected and excel.quit_called
    assert dict(excel.imported)["Dictionary.cls"].startswith(b"VERSION 1.0 CLASS\r\nBEGIN")  # Import needs the header
    with zipfile.ZipFile(out) as package:
        assert CUSTOM_UI_PART in package.namelist()
        assert CUSTOM_UI_RELATIONSHIP in package.read("_rels/.rels").decode()


def test_via_excel_says_how_to_trust_the_vba_project_and_quits_excel(tmp_path, monkeypatch):
    import sys

    import xlwings

    from pmo_xl.workbook import excel_import

    excel = _ExcelStandIn(trust_vba_project=False)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(xlwings, "App", excel)
    with pytest.raises(excel_import.ExcelImportError, match="Trust access to the VBA project object model"):
        excel_import.build_via_excel(tmp_path / "via-excel.xlsm")
    assert excel.quit_called and not (tmp_path / "via-excel.xlsm").exists()


def test_help_teaches_with_an_example():
    from pmo_xl.cli import main

    result = CliRunner().invoke(main, ["workbook", "build", "--help"])
    assert "pmo workbook build --out pmo_workbook.xlsm" in result.output
    assert re.search(r"--via-excel", result.output)


def test_the_settings_sheet_offers_exactly_the_cores_settings_with_their_defaults(tmp_path):
    from dataclasses import fields

    from macros.adapter import FileBook
    from pmo_xl.portfolio.capacity import CapacitySettings
    from pmo_xl.settings import PmoSettings, capacity_settings_from_rows, settings_from_rows

    book = FileBook(build_workbook(tmp_path / "pmo_workbook.xlsm"))
    settings = book.read_settings()
    core_keys = {field.name for field in fields(PmoSettings)} - {"deadlines", "data_as_of_dates"}
    capacity_keys = {f"capacity_{field.name}" for field in fields(CapacitySettings)}
    assert core_keys | capacity_keys <= set(settings)
    assert not {"reporting_frequency", "rag_amber_threshold", "unit"} & set(settings)
    assert settings_from_rows(settings.items()) == PmoSettings()
    assert capacity_settings_from_rows(settings.items()) == CapacitySettings()


def _xlwings_path_arguments(add_workbook: str, fullname: str) -> str:
    """The string xlwings.bas hands to xlwings.utils.prepare_sys_path: AddExcelDir; active and this workbook's
    full names; the OneDrive/SharePoint settings and PYTHONPATH, all blank here as in a plain user config."""
    return ";".join([add_workbook, fullname, fullname, "", "", "", ""])


WEB_FULLNAME = "https://contoso-my.sharepoint.com/personal/ana_contoso_com/Documents/PMO/pmo_workbook.xlsm"


def test_stray_py_files_next_to_the_workbook_and_a_web_path_do_not_reach_sys_path(tmp_path, monkeypatch):
    import sys

    import xlwings.utils

    add_workbook = dict(XLWINGS_CONF)["ADD_WORKBOOK_TO_PYTHONPATH"]
    folder = tmp_path / "PMO"
    folder.mkdir()
    for stray in ("macros.py", "pmo_xl.py", "udfs.py"):
        (folder / stray).write_text("raise SystemExit('a stray file next to the workbook was imported')\n")
    monkeypatch.setattr(sys, "path", list(sys.path))
    for fullname in (WEB_FULLNAME, str(folder / "pmo_workbook.xlsm")):
        before = list(sys.path)
        xlwings.utils.prepare_sys_path(_xlwings_path_arguments(add_workbook, fullname))
        added = [entry for entry in sys.path if entry not in before]
        assert all(str(folder) not in entry and "sharepoint" not in entry for entry in added), added

    # RunPython as xlwings.bas starts it: `cd` to the interpreter's folder, then python -B -c "...prepare_sys_path".
    interpreter_folder = tmp_path / "venv" / "Scripts"
    interpreter_folder.mkdir(parents=True)
    statement = (
        "import xlwings.utils; xlwings.utils.prepare_sys_path({arguments!r}); "
        "import macros.ribbon, pmo_xl, udfs.pmo_udfs; print(macros.ribbon.__file__)"
    )
    project = str(Path(__file__).resolve().parents[1])  # where pmo-xl is installed, as site-packages would be
    for setting, expect_stray in ((add_workbook, False), ("True", True)):
        arguments = _xlwings_path_arguments(setting, str(folder / "pmo_workbook.xlsm"))
        completed = subprocess.run(
            [sys.executable, "-B", "-c", statement.format(arguments=arguments)],
            cwd=interpreter_folder, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": project}, timeout=120,
        )  # fmt: skip
        if expect_stray:  # the contrast: the xlwings default would import the stray file
            assert "a stray file next to the workbook was imported" in completed.stderr
        else:
            assert completed.returncode == 0, completed.stderr
            assert completed.stdout.strip() == str(Path(project) / "macros" / "ribbon.py")


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(workbook_path):
    book = load_workbook(workbook_path)
    for sheet in SHEETS:
        if sheet.hidden:
            continue
        worksheet = book[sheet.name]
        assert worksheet.page_setup.orientation == "landscape", sheet.name
        setup = worksheet.page_setup  # a fit of 1 is the default, so it is left out of the XML (read as None)
        assert worksheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1), sheet.name
        assert setup.fitToHeight in ((None, 1) if sheet.name in ("Home", "Dashboard") else (0,)), sheet.name
        first_table = next((table for table in TABLES if table.sheet == sheet.name), None)
        if first_table and sheet.name != "Home":
            assert worksheet.print_title_rows == f"$1:${first_table.top_row + 1}", sheet.name


def test_home_reads_as_prose_headers_and_labels_that_fit(workbook_path):
    """The Home tables are read by people only: friendly headers, and a column as wide as its longest label."""
    from pmo_xl.workbook.ribbon import BUTTONS

    home = load_workbook(workbook_path)["Home"]
    header_row = TABLES[[t.name for t in TABLES].index("RibbonButtons")].top_row + 1
    assert [cell.value for cell in home[header_row][:3]] == ["Group", "Button", "What it does"]
    assert home.column_dimensions["B"].width >= max(len(button.label) for button in BUTTONS)
    assert home.column_dimensions["A"].width >= len("pmo_xl importable")
    description = home.column_dimensions["C"]
    assert home.cell(header_row + 1, 3).alignment.wrap_text or description.width >= max(
        len(button.supertip) for button in BUTTONS
    )
    for offset, button in enumerate(BUTTONS, start=1):  # a wrapped description's row is tall enough for it
        lines = -(-len(button.supertip) // int(description.width))
        assert (home.row_dimensions[header_row + offset].height or 15) >= 15 * lines - 0.1, button.label


@pytest.mark.libreoffice
def test_libreoffice_prints_each_sheet_on_few_pages_and_home_on_one(workbook_path, tmp_path):
    from tests.print_pages import render_pdfs, sheet_pages

    pages = sheet_pages(render_pdfs([workbook_path], tmp_path / "pdf")[workbook_path.name])
    assert set(pages) == {sheet.name for sheet in SHEETS if not sheet.hidden}
    assert pages["Home"] == 1 and pages["Dashboard"] == 1
    assert max(pages.values()) <= 2, pages  # it printed on 32 pages, columns cut mid-word, before


def test_a_matrix_of_criteria_has_upright_headers_and_numbers_sit_under_right_aligned_headers(workbook_path):
    """Requests' 10 criterion columns hold 1-5: upright headers keep them narrow enough to print legibly on one
    page's width; a number column's header sits right, over its numbers; a lone long header stays flat."""
    book = load_workbook(workbook_path)
    requests, requests_table = book["Requests"], TABLES[[t.name for t in TABLES].index("Requests")]
    header_row = requests_table.top_row + 1
    headers = {cell.value: cell for cell in requests[header_row]}
    for name in ("pmo_strategic_fit", "requester_business_value", "duration_months"):
        cell = headers[name]
        assert cell.alignment.textRotation == 90, name
        assert requests.column_dimensions[cell.column_letter].width < len(name), name
    assert requests.row_dimensions[header_row].height >= 6 * len("requester_business_value")
    assert headers["request_id"].alignment.textRotation in (0, None)
    capacity = book["Capacity"]
    capacity_headers = {cell.value: cell for cell in capacity[requests_table.top_row + 1]}
    assert capacity_headers["fte"].alignment.horizontal == "right"  # over 4.0
    assert capacity_headers["hours_per_month"].alignment.textRotation in (0, None)  # alone: flat
    assert capacity_headers["role"].alignment.horizontal in (None, "general", "left")
