"""The shipped templates are built from the schema, and carry the guidance a PM needs."""

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pmo_xl.excel.package import XlsxPackage
from pmo_xl.templates.build import build_all_templates
from pmo_xl.templates.builder import INSTRUCTIONS_SHEET, LISTS_SHEET, PREVIOUS_SHEET, RAG_COLOURS
from pmo_xl.templates.catalog import PROJECT_STATUS, SCHEMAS
from pmo_xl.templates.checks import failing_formula
from pmo_xl.templates.metadata import META_KEYS, META_SHEET, custom_property, meta_name
from pmo_xl.templates.schema import INPUT_MESSAGE_LIMIT, INPUT_TITLE_LIMIT

TEMPLATE_IDS = sorted(SCHEMAS)


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fresh-templates")
    build_all_templates(out)
    return out


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_committed_template_equals_a_fresh_build(template_id, repo_root, fresh_build):
    committed = repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx"
    fresh = fresh_build / f"{template_id}.xlsx"
    with zipfile.ZipFile(committed) as a, zipfile.ZipFile(fresh) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), (
                f"{name} differs: run `pmo templates build --out pmo_xl/templates/shipped` and commit"
            )


def test_two_builds_are_byte_identical(tmp_path, fresh_build):
    build_all_templates(tmp_path)
    for template_id in TEMPLATE_IDS:
        assert (tmp_path / f"{template_id}.xlsx").read_bytes() == (fresh_build / f"{template_id}.xlsx").read_bytes()


def _validations_by_cell(sheet):
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            for row in sheet.iter_rows(
                min_row=cell_range.min_row,
                max_row=cell_range.max_row,
                min_col=cell_range.min_col,
                max_col=cell_range.max_col,
            ):
                for cell in row:
                    found[cell.coordinate] = validation
    return found


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_field_is_a_named_cell_with_guidance(template_id, repo_root):
    schema = SCHEMAS[template_id]
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx")
    main = book[schema.main_sheet]
    validations = _validations_by_cell(main)
    for field in schema.fields:
        destinations = list(book.defined_names[field.name].destinations)
        assert len(destinations) == 1, field.name
        sheet_title, address = destinations[0]
        # last period's figures, stamped by the PMO, sit on their hidden sheet (tests/test_live_checks.py)
        assert sheet_title == (PREVIOUS_SHEET if field.previous_of else schema.main_sheet)
        cell = book[sheet_title][address.replace("$", "")]
        if field.is_input:
            assert cell.protection.locked is False, f"{field.name} must be unlocked for the PM"
            validation = validations[cell.coordinate]
            assert validation.prompt and len(validation.prompt) <= INPUT_MESSAGE_LIMIT
            assert validation.promptTitle and len(validation.promptTitle) <= INPUT_TITLE_LIMIT
            if field.choices:
                assert validation.type == "list"
                list_range = book.defined_names[validation.formula1].attr_text
                sheet_title, cells = list_range.split("!")
                values = [row[0].value for row in book[sheet_title][cells.replace("$", "")]]
                assert sheet_title == LISTS_SHEET and values == list(field.choices)
        else:
            assert cell.protection.locked is True, f"{field.name} is set by the PMO or calculated: locked"
    assert main.protection.sheet, "the main sheet is protected so identity and baseline stay locked"
    assert main.freeze_panes
    assert main.page_setup.orientation == "landscape" and main.sheet_properties.pageSetUpPr.fitToPage


def test_choice_lists_sit_on_the_hidden_lists_sheet_so_no_list_meets_the_255_character_cap(repo_root):
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx")
    assert book[LISTS_SHEET].sheet_state == "hidden"
    validations = _validations_by_cell(book["Resources"])
    role_validation = next(v for v in validations.values() if v.formula1 == "list_role")
    assert role_validation.type == "list"
    roles = SCHEMAS["project_status"].table("ResourceDemand").column("role").choices
    sheet_title, cells = book.defined_names["list_role"].attr_text.split("!")
    assert [row[0].value for row in book[sheet_title][cells.replace("$", "")]] == list(roles)


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_table_is_an_excel_table_with_fixed_headers(template_id, repo_root):
    schema = SCHEMAS[template_id]
    structure = XlsxPackage.from_path(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx").structure
    for table in schema.tables:
        found = structure.table(table.name)
        assert found is not None, table.name
        headers = [column.header for column in table.columns]
        assert list(found.headers[: len(headers)]) == headers
        months = found.headers[len(headers) :]
        if table.month_series:
            assert len(months) == table.month_series.count
            assert all(len(month) == 7 and month[4] == "-" for month in months)
        else:
            assert not months
        assert len(found.body_rows) == table.rows


def test_stable_ids_are_prefilled_in_every_presized_row(repo_root):
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx")
    sheet = book["Milestones"]
    table = sheet.tables["Milestones"]
    first, last = table.ref.split(":")
    ids = [row[0].value for row in sheet[first:last][1:]]
    assert ids[:3] == ["M-001", "M-002", "M-003"] and len(ids) == len(set(ids)) == 40


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_metadata_sits_on_a_very_hidden_protected_sheet_and_in_custom_properties(template_id, repo_root):
    path = repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx"
    book = openpyxl.load_workbook(path)
    meta = book[META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    for key in META_KEYS:
        assert meta_name(key) in book.defined_names
    structure = XlsxPackage.from_path(path).structure
    assert structure.custom_properties[custom_property("template_id")] == template_id
    assert structure.custom_properties[custom_property("template_version")] == SCHEMAS[template_id].version


def test_rag_cells_are_coloured_by_conditional_formatting(repo_root):
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx")
    summary = book["Summary"]
    rag_cell = next(iter(book.defined_names["rag_overall"].destinations))[1].replace("$", "")
    rules = [
        rule
        for ranges, rules in summary.conditional_formatting._cf_rules.items()
        if rag_cell in str(ranges.sqref)
        for rule in rules
    ]
    # the RAG's colours, and the fills of its live checks while it is empty or holds none of its choices
    checks = {failing_formula(c, PROJECT_STATUS) for c in PROJECT_STATUS.checks if c.target == "rag_overall"}
    assert checks == {
        'LEN(TRIM(CLEAN(rag_overall&"")))=0',
        'AND(NOT(LEN(TRIM(CLEAN(rag_overall&"")))=0),'
        'NOT(OR(rag_overall="Green",rag_overall="Amber",rag_overall="Red")))',
    }
    assert {rule.formula[0] for rule in rules} == {'"Green"', '"Amber"', '"Red"', *checks}


def test_committed_templates_ask_for_full_calculation_on_load(repo_root):
    # the generated workbooks' flag is tested in test_generator.py, on the output and on a template without it
    for template_id in TEMPLATE_IDS:
        with zipfile.ZipFile(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx") as archive:
            assert b'fullCalcOnLoad="1"' in archive.read("xl/workbook.xml")


def test_template_docs_are_generated_from_the_schema(repo_root):
    from pmo_xl.templates.docs import render_template_docs

    docs = (repo_root / "docs" / "templates.md").read_text(encoding="utf-8")
    assert render_template_docs(docs) == docs, "docs/templates.md is stale: run `pmo templates docs`"
    for schema in SCHEMAS.values():
        for field in schema.fields:
            assert f"`{field.name}`" in docs


def _table_layout(sheet, table_name: str) -> tuple[dict[str, int], int, int]:
    """Header text -> column number, first and last body row, read from the table's own definition."""
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(sheet.tables[table_name].ref)
    headers = {sheet.cell(min_row, column).value: column for column in range(min_col, max_col + 1)}
    return headers, min_row + 1, max_row


def _column_widths(sheet) -> dict[int, float]:
    """Column number -> width as set in the file (one <col> element may cover several columns)."""
    return {
        column: dimension.width
        for dimension in sheet.column_dimensions.values()
        if dimension.customWidth
        for column in range(dimension.min, dimension.max + 1)
    }


def _list_values(book, validation) -> list[str]:
    sheet_title, cells = book.defined_names[validation.formula1].attr_text.split("!")
    assert sheet_title == LISTS_SHEET
    return [row[0].value for row in book[sheet_title][cells.replace("$", "")]]


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_table_column_is_locked_or_open_as_designed_and_guides_the_pm(template_id, repo_root):
    schema = SCHEMAS[template_id]
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx")
    checked = 0
    for table in schema.tables:
        sheet = book[table.sheet]
        headers, first_row, last_row = _table_layout(sheet, table.name)
        assert last_row - first_row + 1 == table.rows
        validations = _validations_by_cell(sheet)
        widths = _column_widths(sheet)
        months = [header for header in headers if header not in {c.header for c in table.columns}]
        assert len(months) == (table.month_series.count if table.month_series else 0)
        expected = [(c.header, c.locked or c.formula is not None, c.choices, c.width) for c in table.columns]
        expected += [(month, False, (), 8.5) for month in months]
        for header, locked, choices, width in expected:
            column = headers[header]
            where = f"{table.name}[{header}]"
            assert widths.get(column, 0) >= width, f"{where}: width not set"
            for row in range(first_row, last_row + 1):
                cell = sheet.cell(row, column)
                assert cell.protection.locked is locked, f"{where} row {row}: locked should be {locked}"
                validation = validations.get(cell.coordinate)
                assert validation is not None, f"{where} {cell.coordinate}: no input message"
                assert validation.prompt and len(validation.prompt) <= INPUT_MESSAGE_LIMIT, where
                assert validation.promptTitle and len(validation.promptTitle) <= INPUT_TITLE_LIMIT, where
                if choices and not locked:
                    assert validation.type == "list", f"{where}: a choice column needs a dropdown"
                    assert _list_values(book, validation) == list(choices), where
                checked += 1
        # Pre-sized tables on a protected sheet (docs/templates.md, "Protection, deliberately"): no row inserts,
        # but filters and column widths stay usable.
        assert sheet.protection.sheet, f"{table.sheet} must be protected: baseline columns live in its tables"
        assert sheet.protection.insertRows and sheet.protection.deleteRows
        assert not sheet.protection.autoFilter and not sheet.protection.formatColumns
    assert checked == sum(
        t.rows * (len(t.columns) + (t.month_series.count if t.month_series else 0)) for t in schema.tables
    )


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_field_has_an_input_message_even_when_locked(template_id, repo_root):
    schema = SCHEMAS[template_id]
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx")
    for field in schema.fields:
        sheet, address = next(iter(book.defined_names[field.name].destinations))
        validation = _validations_by_cell(book[sheet]).get(address.replace("$", ""))
        assert validation is not None and validation.prompt, f"{field.name}: no input message"
        assert len(validation.prompt) <= INPUT_MESSAGE_LIMIT and 0 < len(validation.promptTitle) <= INPUT_TITLE_LIMIT


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_visible_sheet_has_frozen_panes_print_titles_and_a4_landscape_print_setup(template_id, repo_root):
    schema = SCHEMAS[template_id]
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx")
    tables_on = {}
    for table in schema.tables:
        tables_on.setdefault(table.sheet, []).append(table.name)
    visible = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]
    assert {sheet.title for sheet in visible} == {"Instructions", schema.main_sheet, *tables_on}
    for sheet in visible:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, sheet.title  # A4
        one_page = sheet.title in ("Instructions", schema.main_sheet)  # each read as one page; absent means 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1), sheet.title
        assert setup.fitToHeight in ((None, 1) if one_page else (0,)), sheet.title
        assert "&P" in sheet.oddFooter.right.text, f"{sheet.title}: page numbers in the footer"
        names = tables_on.get(sheet.title, [])
        if len(names) == 1:
            _, first_body_row, _ = _table_layout(sheet, names[0])
            header_row = first_body_row - 1
            assert sheet.freeze_panes == f"C{first_body_row}", f"{sheet.title}: header and id column frozen"
            assert sheet.print_title_rows == f"${header_row}:${header_row}", f"{sheet.title}: header repeats"
        elif names:  # stacked tables: the title and the id column, not the first table's header
            assert sheet.freeze_panes == "C4" and sheet.print_title_rows == "$1:$2", sheet.title
        else:
            assert sheet.freeze_panes == "A4", f"{sheet.title}: title and completeness stay in view"
    assert book[schema.main_sheet].print_area


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_no_defined_name_is_defined_twice(template_id, repo_root):
    import re

    with zipfile.ZipFile(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx") as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    names = re.findall(r'<definedName name="([^"]+)"(?![^>]*localSheetId)', workbook)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"Excel repairs a workbook whose names repeat: {duplicates}"


def _instruction_rows(book) -> tuple[dict[str, tuple[str, object]], dict[str, str]]:
    """The Instructions sheet as (label -> (text, label fill colour)) above the glossary, and the glossary."""
    sheet = book[INSTRUCTIONS_SHEET]
    rows: dict[str, tuple[str, object]] = {}
    glossary: dict[str, str] = {}
    in_glossary = False
    for label, text in sheet.iter_rows(min_col=2, max_col=3):
        if not isinstance(label.value, str):
            continue
        if label.value == "Glossary":
            in_glossary = True
        elif in_glossary:
            glossary[label.value] = text.value or ""
        else:
            rows.setdefault(label.value, (text.value or "", label.fill.fgColor.rgb if label.fill.fill_type else None))
    return rows, glossary


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_the_instructions_sheet_says_how_to_fill_in_add_rows_and_defines_every_glossary_term(template_id, repo_root):
    schema = SCHEMAS[template_id]
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / f"{template_id}.xlsx")
    rows, glossary = _instruction_rows(book)
    assert "yellow cells" in rows["How to fill it in"][0] and "completeness" in rows["How to fill it in"][0]
    assert "blank row" in rows["Adding rows"][0] and "ignored" in rows["Adding rows"][0]
    for heading, body in schema.instructions:
        assert rows[heading][0] == body
    assert schema.glossary
    for term, meaning in schema.glossary:
        assert glossary.get(term) == meaning, f"glossary term {term!r} missing from the Instructions sheet"


def test_the_status_instructions_say_what_each_rag_colour_means_in_that_colour(repo_root):
    book = openpyxl.load_workbook(repo_root / "pmo_xl" / "templates" / "shipped" / "project_status.xlsx")
    rows, _ = _instruction_rows(book)
    for colour, first_words in (("Green", "On track"), ("Amber", "At risk"), ("Red", "Off track")):
        meaning, fill = rows[colour]
        assert meaning.startswith(first_words), colour
        assert fill == "FF" + RAG_COLOURS[colour][0].lstrip("#"), f"{colour} is shown in its colour"
    assert "path to green" in rows["Red"][0] and "path to green" in rows["Amber"][0]
