"""Generating project workbooks: values in the right named cells, lossless, safe, and never an accidental overwrite."""

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from pmo_xl.cli import main
from pmo_xl.errors import OutputError, RegisterError, TemplateError
from pmo_xl.excel.files import safe_file_name
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import TemplateSource, WorkbookFill, fill_for_project, generate_batch, template_path
from pmo_xl.register import ProjectRecord, read_register
from pmo_xl.templates.catalog import PROJECT_REQUEST, PROJECT_STATUS
from pmo_xl.templates.metadata import WorkbookMetadata
from tests.libreoffice import recalculated_copy

REGISTER_HEADER = "project_id,project_name,project_manager,pm_email,sponsor,programme,start_date,end_date,budget\n"


def write_register(folder: Path, rows: str, header: str = REGISTER_HEADER) -> Path:
    """A comma CSV register; rows without a currency and money unit get EUR and k (the register must state both)."""
    if "currency" not in header and "project_manager" in header:
        header = header.rstrip("\n") + ",currency,money_unit\n"
        rows = "".join(line + ",EUR,k\n" for line in rows.splitlines())
    path = folder / "register.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


def named_values(path: Path) -> dict[str, object]:
    """Read every defined name's value from a workbook, the way collect will: by name, through calamine."""
    package = XlsxPackage.from_path(path)
    book = CalamineWorkbook.from_path(str(path))
    values = {}
    sheets = {}
    for name, reference in package.structure.names.items():
        if reference is None:
            continue
        if reference.sheet not in sheets:
            sheets[reference.sheet] = book.get_sheet_by_name(reference.sheet).to_python(skip_empty_area=False)
        rows = sheets[reference.sheet]
        row = rows[reference.row - 1] if reference.row - 1 < len(rows) else []
        values[name] = row[reference.column - 1] if reference.column - 1 < len(row) else ""
    return values


def table_rows(path: Path, table: str) -> list[list[object]]:
    """The header row, then the body rows, of a table found by name."""
    found = CalamineWorkbook.from_path(str(path), load_tables=True).get_table_by_name(table)
    return [list(found.columns), *found.to_python()]


@pytest.fixture
def register(tmp_path):
    return write_register(
        tmp_path,
        "PRJ-001,Customer portal relaunch,Ana Ruiz,ana@example.org,Claire Dubois,Digital,2026-03-01,2027-06-30,850\n"
        "PRJ-002,ERP finance upgrade,Tom Becker,tom@example.org,Ingrid Olsen,Back Office,2026-01-15,2027-09-30,2400\n",
    )


def test_generate_fills_identity_baseline_and_metadata_by_name(tmp_path, register):
    results = generate_batch("project_status", register, tmp_path / "out", "2026-12", token_factory=iter("ab").__next__)
    assert [r.path.name for r in results] == [
        "PRJ-001 - Customer portal relaunch - Status 2026-12.xlsx",
        "PRJ-002 - ERP finance upgrade - Status 2026-12.xlsx",
    ]
    values = named_values(results[0].path)
    assert values["project_id"] == "PRJ-001"
    assert values["project_manager"] == "Ana Ruiz"
    assert values["reporting_period"] == "2026-12"
    assert values["budget_original"] == values["budget_current"] == 850
    assert values["baseline_end_date"] == dt.date(2027, 6, 30)
    assert values["pmo_meta_template_id"] == "project_status"
    assert values["pmo_meta_generation_token"] == "a"
    properties = XlsxPackage.from_path(results[1].path).structure.custom_properties
    assert properties["pmo.project_id"] == "PRJ-002" and properties["pmo.generation_token"] == "b"
    assert properties["pmo.reporting_period"] == "2026-12"


def test_each_workbook_gets_a_unique_token(tmp_path, register):
    results = generate_batch("project_status", register, tmp_path / "out", "2026-12")
    tokens = {r.token for r in results}
    assert len(tokens) == 2 and all(len(token) == 32 for token in tokens)


def test_month_headers_follow_the_reporting_period_in_cells_and_table_definition(tmp_path, register):
    (result, _) = generate_batch("project_status", register, tmp_path / "out", "2027-11")
    expected = ["2027-11", "2027-12", "2028-01"] + [f"2028-{m:02d}" for m in range(2, 11)]
    header = table_rows(result.path, "ResourceDemand")[0]
    assert header[2:] == expected
    table = XlsxPackage.from_path(result.path).structure.table("ResourceDemand")
    assert list(table.headers[2:]) == expected


def test_unchanged_zip_members_are_byte_identical_to_the_template(tmp_path, register):
    (result, _) = generate_batch("project_status", register, tmp_path / "out", "2026-12")
    template = template_path("project_status")
    with zipfile.ZipFile(template) as before, zipfile.ZipFile(result.path) as after:
        assert before.namelist() == after.namelist()
        changed = {name for name in before.namelist() if before.read(name) != after.read(name)}
    structure = XlsxPackage.from_path(template).structure
    allowed = {
        structure.sheet_parts["Summary"],
        structure.sheet_parts["Resources"],
        structure.sheet_parts["_pmo"],
        structure.table("ResourceDemand").part,
        "docProps/custom.xml",
    }
    assert changed <= allowed and "docProps/custom.xml" in changed
    raw_template, raw_generated = XlsxPackage.from_path(template), XlsxPackage.from_path(result.path)
    for name in set(raw_template.order) - changed:
        assert raw_template.raw[name].compressed == raw_generated.raw[name].compressed, name


def test_a_generated_workbook_asks_excel_for_full_calculation_on_load(tmp_path, register):
    with zipfile.ZipFile(template_path("project_status")) as archive:
        template_workbook = archive.read("xl/workbook.xml")
    (result, _) = generate_batch("project_status", register, tmp_path / "out", "2026-12")
    with zipfile.ZipFile(result.path) as archive:
        workbook = archive.read("xl/workbook.xml")
    assert re.search(rb'<calcPr\b[^>]*\bfullCalcOnLoad="1"', workbook)
    assert workbook.count(b"<calcPr") == 1
    # a template without the flag (as Excel or LibreOffice may save it) gets it added
    stripped = re.sub(rb'\s*fullCalcOnLoad="[^"]*"', b"", template_workbook)
    package = XlsxPackage.from_path(template_path("project_status"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "project_status.xlsx").write_bytes(package.write({"xl/workbook.xml": stripped}))
    (plain,) = generate_batch(
        "project_status",
        write_register(tmp_path, "PRJ-9,Nine,Ana,a@x.org,Sam,P,2026-01-01,2026-12-31,1\n"),
        tmp_path / "out2",
        "2026-12",
        templates_dir=tmp_path / "templates",
    )
    with zipfile.ZipFile(plain.path) as archive:
        assert re.search(rb'<calcPr\b[^>]*\bfullCalcOnLoad="1"', archive.read("xl/workbook.xml"))


def test_optional_register_columns_land_in_their_named_cells(tmp_path):
    register = write_register(
        tmp_path,
        "PRJ-1,Alpha,Ana,a@x.org,Sam,Digital,2026-01-01,2026-12-31,800,usd,k,950\n",
        header=REGISTER_HEADER.strip() + ",currency,money_unit,budget_current\n",
    )
    (result,) = generate_batch("project_status", register, tmp_path / "out", "2026-12")
    values = named_values(result.path)
    assert values["currency"] == "USD"  # matched case-insensitively, written as the template's choice
    assert values["money_unit"] == "k"
    assert values["budget_original"] == 800 and values["budget_current"] == 950
    assert values["programme"] == "Digital"


def test_an_invalid_choice_in_the_register_is_reported_with_its_row_number(tmp_path):
    register = write_register(
        tmp_path,
        "PRJ-1,Alpha,Ana,a@x.org,Sam,P,2026-01-01,2026-12-31,10,EUR,k\n"
        "PRJ-2,Beta,Bo,b@x.org,Sam,P,2026-01-01,2026-12-31,10,XYZ,k\n"
        "PRJ-3,Gamma,Cy,c@x.org,Sam,P,2026-01-01,2026-12-31,10,GBP,billions\n",
        header=REGISTER_HEADER.strip() + ",currency,money_unit\n",
    )
    with pytest.raises(RegisterError) as caught:
        read_register(register, PROJECT_STATUS)
    problems = caught.value.problems
    assert any(p.startswith("row 3:") and "currency 'XYZ' must be one of EUR, USD" in p for p in problems)
    assert any(p.startswith("row 4:") and "money_unit 'billions' must be one of units, k, m" in p for p in problems)
    assert not any(p.startswith("row 2:") for p in problems)


X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
# What Excel writes for a data validation whose list lives on another sheet, and for a sparkline: both sit in the
# sheet's extLst, which an openpyxl load+save drops.
EXTENSIONS = (
    f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
    f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" allowBlank="1" '
    'showInputMessage="1"><x14:formula1><xm:f>Lists!$A$2:$A$4</xm:f></x14:formula1><xm:sqref>F7</xm:sqref>'
    "</x14:dataValidation></x14:dataValidations></ext>"
    f'<ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" xmlns:x14="{X14}">'
    f'<x14:sparklineGroups xmlns:xm="{XM}"><x14:sparklineGroup displayEmptyCellsAs="gap">'
    '<x14:colorSeries rgb="FF376092"/><x14:colorNegative rgb="FFD00000"/><x14:sparklines><x14:sparkline>'
    "<xm:f>Resources!D5:O5</xm:f><xm:sqref>F3</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
    "</x14:sparklineGroups></ext></extLst>"
).encode()


def test_x14_validations_and_sparklines_in_a_filled_sheet_survive_generation(tmp_path, register):
    package = XlsxPackage.from_path(template_path("project_status"))
    summary_part = package.structure.sheet_parts["Summary"]
    summary = package.members[summary_part]
    assert b"<extLst" not in summary
    extended = summary.replace(b"</worksheet>", EXTENSIONS + b"</worksheet>")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "project_status.xlsx").write_bytes(package.write({summary_part: extended}))

    (result, _) = generate_batch(
        "project_status", register, tmp_path / "out", "2026-12", templates_dir=tmp_path / "templates"
    )
    with zipfile.ZipFile(result.path) as archive:
        generated_summary = archive.read(summary_part)
    assert generated_summary != extended  # the sheet was patched, not copied
    assert named_values(result.path)["project_id"] == "PRJ-001"
    assert generated_summary.count(EXTENSIONS) == 1
    assert generated_summary.endswith(EXTENSIONS + b"</worksheet>")


def test_every_xml_part_of_a_generated_workbook_is_well_formed_and_openpyxl_opens_it(tmp_path, register):
    import xml.dom.minidom

    (result, _) = generate_batch("project_status", register, tmp_path / "out", "2026-12")
    with zipfile.ZipFile(result.path) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                xml.dom.minidom.parseString(archive.read(name))
    book = openpyxl.load_workbook(result.path)
    assert book["Summary"].protection.sheet


def test_user_strings_are_written_as_text_never_as_formulas(tmp_path):
    register = write_register(
        tmp_path, 'PRJ-9,"=HYPERLINK(""http://x"",""y"")",@SUM(A1),pm@x.org,+cmd|x,-2+3,2026-01-01,2026-12-31,1\n'
    )
    (result,) = generate_batch("project_status", register, tmp_path / "out", "2026-12")
    values = named_values(result.path)
    assert values["project_name"] == '=HYPERLINK("http://x","y")'
    assert values["project_manager"] == "@SUM(A1)"
    assert values["sponsor"] == "+cmd|x" and values["programme"] == "-2+3"
    book = openpyxl.load_workbook(result.path)
    reference = next(iter(book.defined_names["project_name"].destinations))
    assert book[reference[0]][reference[1].replace("$", "")].data_type == "s"


def full_fill(source_schema, token="t0ken") -> WorkbookFill:
    record = ProjectRecord(1, "PRJ-7", "Data platform", "Priya Nair", "Marc", dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    fill = fill_for_project(source_schema, record, "2026-12", token)
    fields = dict(fill.fields)
    fields.update(
        submitted_on=dt.date(2026, 12, 3),
        percent_complete=0.4,
        actual_to_date=300,
        estimate_at_completion=900,
        forecast_end_date=dt.date(2027, 2, 1),
        key_achievements="Design signed off",
        budget_current=1000,
    )
    if any(f.name == "forecast_end_comment" for f in source_schema.fields):  # the forecast is past the baseline
        fields["forecast_end_comment"] = "The integrator delivers a month late"
    for dimension in ("overall", "schedule", "cost", "scope", "resources", "benefits"):
        fields[f"rag_{dimension}"] = "Green"
    raid = [
        {"id": "R-001", "type": "Risk", "description": "Vendor late", "probability": 3, "impact": 4},
        {"id": "R-004", "type": "Issue", "description": "Key tester leaves", "probability": 5, "impact": 5},
    ]
    return WorkbookFill(fill.metadata, fields, {**fill.tables, "RAID": raid})


def test_libreoffice_shows_the_values_and_recalculates_completeness_and_severity(tmp_path):
    source = TemplateSource(PROJECT_STATUS, template_path("project_status"))
    complete = full_fill(PROJECT_STATUS)
    fields = dict(complete.fields, rag_overall="Red", rag_cost="Amber", rag_cost_rationale="Supplier price rise")
    incomplete = WorkbookFill(complete.metadata, fields, complete.tables)
    for name, fill in (("complete", complete), ("incomplete", incomplete)):
        (tmp_path / f"{name}.xlsx").write_bytes(source.render(fill))

    complete_values = named_values(recalculated_copy(tmp_path / "complete.xlsx", tmp_path / "lo"))
    assert complete_values["project_name"] == "Data platform"
    assert complete_values["submitted_on"] == dt.date(2026, 12, 3)
    assert complete_values["completeness"] == pytest.approx(1.0)
    assert complete_values["budget_variance"] == pytest.approx(100)

    required = sum(1 for field in PROJECT_STATUS.fields if field.required)
    assert required == 17
    # Red overall and Amber cost each need a rationale and a path to green: 4 more required, 1 of them filled; the
    # forecast past the baseline needs its comment (a live check), which is given.
    incomplete_values = named_values(recalculated_copy(tmp_path / "incomplete.xlsx", tmp_path / "lo"))
    assert incomplete_values["completeness"] == pytest.approx((required + 1 + 1) / (required + 4 + 1))

    raid = table_rows(tmp_path / "lo" / "complete.xlsx", "RAID")
    header = raid[0]
    severity = {row[0]: row[header.index("Severity")] for row in raid[1:]}
    assert severity["R-001"] == 12 and severity["R-004"] == 25
    assert severity["R-005"] == ""  # a blank row: no probability, no impact, no severity
    # carried-forward rows keep their ids; blank rows continue the numbering after the highest id
    assert [row[0] for row in raid[1:4]] == ["R-001", "R-004", "R-005"]


def test_libreoffice_renders_both_templates_to_pdf(tmp_path):
    from tests.libreoffice import convert

    for template_id in ("project_status", "project_request"):
        pdf = convert(template_path(template_id), "pdf", tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000


def test_request_workbook_gets_fiscal_years_and_the_scoring_criteria(tmp_path):
    record = ProjectRecord(0, "REQ-031", "Self-service invoicing", "", "", None, None)
    source = TemplateSource(PROJECT_REQUEST, template_path("project_request"))
    path = tmp_path / "request.xlsx"
    path.write_bytes(source.render(fill_for_project(PROJECT_REQUEST, record, "2026-12", "tok")))
    financials = table_rows(path, "Financials")
    assert [row[0] for row in financials[1:]] == ["FY2026", "FY2027", "FY2028", "FY2029", "FY2030"]
    scores = table_rows(path, "RequesterScores")
    assert scores[1][:2] == ["strategic_fit", "Strategic fit"]
    assert scores[1][4].startswith("No link")  # the level-1 descriptor


def test_libreoffice_recalculates_the_request_forms_live_completeness(tmp_path):
    record = ProjectRecord(0, "REQ-031", "Self-service invoicing", "", "", None, None)
    source = TemplateSource(PROJECT_REQUEST, template_path("project_request"))
    generated = fill_for_project(PROJECT_REQUEST, record, "2026-12", "tok")
    fields = dict(
        generated.fields,
        requester="Lena Vogel",
        submitted_on=dt.date(2026, 12, 3),
        duration_months=9,
        category="Discretionary",
    )
    (tmp_path / "generated.xlsx").write_bytes(source.render(generated))
    (tmp_path / "partly.xlsx").write_bytes(source.render(WorkbookFill(generated.metadata, fields, generated.tables)))

    required = [f.name for f in PROJECT_REQUEST.fields if f.required]
    assert len(required) == 17
    # Generated: project id and name from the register; the requester chooses the currency and money unit (no
    # silent EUR or k).
    generated_values = named_values(recalculated_copy(tmp_path / "generated.xlsx", tmp_path / "lo"))
    assert generated_values["project_id"] == "REQ-031" and generated_values["currency"] == ""
    assert generated_values["completeness"] == pytest.approx(2 / 17)
    # The requester filled four more required fields by name.
    partly_values = named_values(recalculated_copy(tmp_path / "partly.xlsx", tmp_path / "lo"))
    assert partly_values["requester"] == "Lena Vogel" and partly_values["duration_months"] == 9
    assert partly_values["completeness"] == pytest.approx(6 / 17)


def test_register_errors_are_all_reported_at_once_with_row_numbers(tmp_path):
    register = write_register(
        tmp_path,
        "PRJ-1,Alpha,Ana,a@x.org,Sam,P,2026-01-01,2026-12-31,10\n"
        "PRJ-1,Beta,Bo,b@x.org,Sam,P,2026-01-01,2026-12-31,10\n"
        "PRJ-3,,Cy,c@x.org,Sam,P,2026-01-01,2026-12-31,10\n"
        "PRJ-4,Delta,Di,d@x.org,Sam,P,31/13/2026,2026-12-31,ten\n",
        header=REGISTER_HEADER.strip() + ",colour\n",
    )
    register.write_text(register.read_text().replace("10,EUR,k\n", "10,blue,EUR,k\n"))
    with pytest.raises(RegisterError) as caught:
        read_register(register, PROJECT_STATUS)
    problems = caught.value.problems
    assert any(p.startswith("row 1:") and "unknown column(s): colour" in p for p in problems)
    assert any(p.startswith("row 3:") and "duplicate project_id 'PRJ-1' (first seen in row 2)" in p for p in problems)
    assert any(p.startswith("row 4:") and "project_name is empty" in p for p in problems)
    assert any(p.startswith("row 5:") and "start_date: '31/13/2026' is not a date" in p for p in problems)
    assert any(p.startswith("row 5:") and "budget must be a number, not the text 'ten'" in p for p in problems)


def test_register_missing_required_columns_is_reported(tmp_path):
    register = write_register(tmp_path, "PRJ-1,Alpha\n", header="project_id,project_name\n")
    with pytest.raises(RegisterError, match="missing required column"):
        read_register(register, PROJECT_STATUS)


def test_register_reads_excel_too(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["Project ID", "Project Name", "Project Manager", "Sponsor", "Start Date", "End Date", "Currency", "Money Unit"]
    )
    sheet.append(["PRJ-1", "Alpha", "Ana", "Sam", dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31), "EUR", "k"])
    book.save(tmp_path / "register.xlsx")
    (record,) = read_register(tmp_path / "register.xlsx", PROJECT_STATUS)
    assert record.project_id == "PRJ-1" and record.end_date == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            'PRJ-1 - A/B: "Test" <x> | y? * - Status 2026-12.xlsx',
            "PRJ-1 - A_B_ _Test_ _x_ _ y_ _ - Status 2026-12.xlsx",
        ),
        ("CON.xlsx", "_CON.xlsx"),
        ("lpt1.xlsx", "_lpt1.xlsx"),
        ("trailing dots... .xlsx", "trailing dots.xlsx"),
        ("tab\tand\nnewline.xlsx", "tab_and_newline.xlsx"),
        ("Cafe\u0301 Zürich.xlsx", "Café Zürich.xlsx"),
    ],
)
def test_file_names_are_safe_everywhere(name, expected):
    assert safe_file_name(name) == expected


def test_very_long_names_are_cut_on_a_character_boundary_keeping_the_extension():
    name = safe_file_name("Ж" * 300 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode("utf-8")) <= 150
    name.encode("utf-8").decode("utf-8")


def test_generate_refuses_to_overwrite_without_force_and_says_which_files(tmp_path, register):
    out = tmp_path / "out"
    first = generate_batch("project_status", register, out, "2026-12")
    before = {r.path: r.path.read_bytes() for r in first}
    runner = CliRunner()
    result = runner.invoke(main, ["generate", "--register", str(register), "--out", str(out), "--period", "2026-12"])
    assert result.exit_code == 2
    assert "already exist" in result.output and "--force" in result.output
    assert "PRJ-001 - Customer portal relaunch - Status 2026-12.xlsx" in result.output
    assert {path: path.read_bytes() for path in before} == before
    forced = runner.invoke(
        main, ["generate", "--register", str(register), "--out", str(out), "--period", "2026-12", "--force"]
    )
    assert forced.exit_code == 0, forced.output
    assert all(path.read_bytes() != content for path, content in before.items())  # new tokens


def test_cli_reports_register_errors_without_a_traceback(tmp_path):
    register = write_register(tmp_path, "PRJ-1,,Ana,a@x,Sam,P,2026-01-01,2026-12-31,10\n")
    result = CliRunner().invoke(main, ["generate", "--register", str(register), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "row 2: project_name is empty" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def test_pmo_new_generates_one_workbook(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "new",
            "--project-id",
            "PRJ-42",
            "--name",
            "Billing migration",
            "--pm",
            "Ana",
            "--out",
            str(tmp_path),
            "--period",
            "2026-12",
            "--end",
            "2027-03-31",
        ],
    )
    assert result.exit_code == 0, result.output
    values = named_values(tmp_path / "PRJ-42 - Billing migration - Status 2026-12.xlsx")
    assert values["project_name"] == "Billing migration" and values["baseline_end_date"] == dt.date(2027, 3, 31)


def test_a_template_missing_a_name_or_table_is_refused_with_every_problem(tmp_path):
    package = XlsxPackage.from_path(template_path("project_status"))
    workbook = package.members["xl/workbook.xml"]
    broken = workbook.replace(b'<definedName name="rag_overall">', b'<definedName name="rag_overall_gone">')
    structure = package.structure
    table_part = structure.table("RAID").part
    renamed = package.members[table_part].replace(b'name="Impact"', b'name="Effect"')
    (tmp_path / "project_status.xlsx").write_bytes(package.write({"xl/workbook.xml": broken, table_part: renamed}))
    with pytest.raises(TemplateError) as caught:
        TemplateSource(PROJECT_STATUS, tmp_path / "project_status.xlsx")
    assert "defined name 'rag_overall'" in str(caught.value)
    assert "table 'RAID' has no column 'Impact'" in str(caught.value)


def _flaky_replace(monkeypatch, failures: int | None) -> list[tuple[str, str]]:
    """Make os.replace in output_files refuse `failures` times (None: always), as a file held open by Excel would."""
    import os

    from pmo_xl.excel import files as output_files

    attempts: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(source, target):
        attempts.append((str(source), str(target)))
        if failures is None or len(attempts) <= failures:
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(output_files.os, "replace", replace)
    monkeypatch.setattr(output_files.time, "sleep", lambda seconds: None)
    return attempts


def test_a_locked_target_is_retried_until_it_is_free(tmp_path, monkeypatch):
    from pmo_xl.excel import files as output_files

    attempts = _flaky_replace(monkeypatch, failures=3)
    target = tmp_path / "report.xlsx"
    output_files.write_bytes_atomic(target, b"data", attempts=5)
    assert len(attempts) == 4 and {pair[1] for pair in attempts} == {str(target)}
    assert target.read_bytes() == b"data"
    assert [path.name for path in tmp_path.iterdir()] == ["report.xlsx"]  # no temporary file left behind


def test_a_target_that_stays_locked_is_tried_five_times_then_reported_by_name(tmp_path, monkeypatch):
    import os

    from pmo_xl.excel import files as output_files

    attempts = _flaky_replace(monkeypatch, failures=None)
    target = tmp_path / "report.xlsx"
    with pytest.raises(OutputError) as caught:
        output_files.write_bytes_atomic(target, b"data")
    assert len(attempts) == 5
    assert str(target) in str(caught.value) and "locked by another program" in str(caught.value)
    assert not target.exists() and os.listdir(tmp_path) == []


def test_generate_reports_the_locked_workbook_by_its_file_name(tmp_path, monkeypatch, register):
    _flaky_replace(monkeypatch, failures=None)
    with pytest.raises(
        OutputError, match=r"PRJ-001 - Customer portal relaunch - Status 2026-12\.xlsx: the file is locked"
    ):
        generate_batch("project_status", register, tmp_path / "out", "2026-12")


def test_metadata_is_a_plain_record():
    metadata = WorkbookMetadata("project_status", "1.0", "PRJ-1", "2026-12", "tok", "2026-11-25")
    assert metadata.as_dict()["generation_token"] == "tok"


def test_sheet_patcher_sets_existing_cells_adds_missing_cells_and_rows_in_order():
    from pmo_xl.excel.sheet_xml import set_cells

    xml = (
        b'<worksheet><sheetData><row r="2" spans="1:3"><c r="A2" s="4"/><c r="C2" s="5"><v>1</v></c></row>'
        b'<row r="5"><c r="B5" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    patched = set_cells(xml, {(2, 2): "x<y", (2, 3): 7, (1, 1): True, (5, 2): None, (7, 1): dt.date(2026, 12, 3)})
    assert patched == (
        b'<worksheet><sheetData><row r="1"><c r="A1" t="b"><v>1</v></c></row>'
        b'<row r="2"><c r="A2" s="4"/><c r="B2" t="inlineStr"><is><t xml:space="preserve">x&lt;y</t></is></c>'
        b'<c r="C2" s="5"><v>7</v></c></row><row r="5"><c r="B5"/></row>'
        b'<row r="7"><c r="A7"><v>46359</v></c></row></sheetData></worksheet>'
    )
    assert set_cells(b"<worksheet><sheetData/></worksheet>", {(1, 1): 2}) == (
        b'<worksheet><sheetData><row r="1"><c r="A1"><v>2</v></c></row></sheetData></worksheet>'
    )


def test_an_installed_package_without_the_templates_folder_builds_the_shipped_template_once(
    tmp_path, monkeypatch, repo_root
):
    # A PMO member's PC gets pmo-xl from a wheel, which carries no templates/ folder beside the package.
    import pmo_xl.generate.generator as generator

    monkeypatch.setattr(generator, "TEMPLATES_DIR", tmp_path / "no-checkout")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)

    built = template_path("project_status")
    assert built.is_relative_to(tmp_path / "cache")
    with (
        zipfile.ZipFile(built) as fresh,
        zipfile.ZipFile(repo_root / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx") as shipped,
    ):
        assert {name: fresh.read(name) for name in fresh.namelist()} == {
            name: shipped.read(name) for name in shipped.namelist()
        }
    stamp = built.stat().st_mtime_ns
    assert template_path("project_status") == built and built.stat().st_mtime_ns == stamp

    register = tmp_path / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,sponsor,start_date,end_date,currency,money_unit\n"
        "P-001,Payroll,Ann Lee,Bo Chen,2026-01-01,2027-06-30,EUR,units\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["generate", "--register", str(register), "--out", str(tmp_path / "out"), "--period", "2026-11"]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("P-001*.xlsx"))) == 1


def test_status_workbooks_go_to_active_projects_and_the_others_are_named(tmp_path):
    """Only active projects report: pmo generate makes their workbooks and says how many it did not make, and why."""
    register = tmp_path / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,pm_email,sponsor,programme,start_date,end_date,budget,currency,"
        "money_unit,lifecycle_status\n"
        "PRJ-001,Portal,Ana,ana@x.org,Sam,P,2026-03-01,2027-06-30,850,EUR,k,active\n"
        "PRJ-002,ERP,Tom,tom@x.org,Sam,P,2026-01-15,2027-09-30,2400,EUR,k,on hold\n"
        "PRJ-003,Archive,Eva,eva@x.org,Sam,P,2025-01-15,2026-09-30,100,EUR,k,closed\n"
        "PRJ-004,Lab,Lea,lea@x.org,Sam,P,2027-01-15,2027-09-30,100,EUR,k,pipeline\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["generate", "--register", str(register), "--out", str(out), "--period", "2026-12", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [path.name[:7] for path in sorted(out.glob("*.xlsx"))] == ["PRJ-001"]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert [item["project_id"] for item in summary["workbooks"]] == ["PRJ-001"]
    assert summary["not_reporting"] == [
        {"project_id": "PRJ-002", "lifecycle_status": "on hold"},
        {"project_id": "PRJ-003", "lifecycle_status": "closed"},
        {"project_id": "PRJ-004", "lifecycle_status": "pipeline"},
    ]
    assert "not generated for 3 project(s) that do not report: 1 closed, 1 on hold, 1 pipeline" in result.stderr
