"""A cell holding an Excel error value (#REF!, #N/A) is read as that error, never as a blank.

calamine reads an error cell as an empty string, so without care `#N/A` in an optional cell would vanish and
`#REF!` in a required one would be reported as empty. The reader gives the cell a `pmo_xl.values.ExcelError`, for
named fields and table cells alike; validation turns it into an error that says what the code means.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest

from pmo_xl.collect.reader import read_submission
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.values import ExcelError
from tests.libreoffice import edit_with_libreoffice

PERIOD = "2026-12"


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("errors")
    generated = generate_for_records(
        PROJECT_STATUS, demo_projects(1, random.Random(5)), folder, PERIOD, today=dt.date(2026, 12, 1)
    )[0].path
    target = folder / "filled.xlsx"
    fill_demo_submission(generated, target, random.Random(11))
    return target


def _with_error_cells(source: Path, target: Path, cells: dict[tuple[str, str], bytes]) -> None:
    """`source` with each (sheet, address) cell rewritten as the error cell XML given, keeping the cell's style.

    The XML is what Excel writes: `<c r="C32" s="23" t="e"><f>VLOOKUP(...)</f><v>#N/A</v></c>` for a formula that
    fails, `<c r="D16" s="18" t="e"><v>#REF!</v></c>` for an error typed as a constant (or pasted as a value).
    """
    package = XlsxPackage(source.read_bytes())
    replacements: dict[str, bytes] = {}
    for (sheet, address), body in cells.items():
        part = package.structure.sheet_parts[sheet]
        xml = replacements.get(part, package.members[part])
        cell = re.compile(rb'<c r="' + address.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)
        match = cell.search(xml)
        assert match, f"{sheet}!{address} is not in the sheet XML"
        style = re.search(rb'\ss="\d+"', match.group(1))
        new = b'<c r="' + address.encode() + b'"' + (style.group(0) if style else b"") + b' t="e">' + body + b"</c>"
        replacements[part] = xml[: match.start()] + new + xml[match.end() :]
    target.write_bytes(package.write(replacements))


def _cell(parsed, table: str, excel_row: int) -> dict:
    return parsed.tables[table][parsed.table_rows[table].index(excel_row)]


def test_error_values_in_fields_and_table_cells_are_read_as_excel_errors(filled, tmp_path):
    broken = tmp_path / "broken.xlsx"
    _with_error_cells(
        filled,
        broken,
        {
            # a required field whose lookup found nothing
            ("Summary", "C32"): b'<f>VLOOKUP("EAC",Lists!A1:A3,1,FALSE)</f><v>#N/A</v>',
            # an optional field holding a pasted #REF! constant: it must not read as blank
            ("Summary", "D16"): b"<v>#REF!</v>",
            # a table cell of a filled row, from a shared formula
            ("RAID", "G6"): b'<f t="shared" si="0"/><v>#DIV/0!</v>',
            # a pre-sized row whose only input is an error: it is not blank, so it is kept
            ("RAID", "D40"): b"<f>Sheet9!A1</f><v>#REF!</v>",
        },
    )
    parsed, findings = read_submission(broken)
    assert [f for f in findings if f.severity == "error"] == []
    assert parsed.fields["estimate_at_completion"] == ExcelError("#N/A")
    assert parsed.fields["rag_overall_rationale"] == ExcelError("#REF!")
    assert _cell(parsed, "RAID", 6)["probability"] == ExcelError("#DIV/0!")
    kept = _cell(parsed, "RAID", 40)
    assert kept["id"] == "R-036" and kept["description"] == ExcelError("#REF!")
    # everything else reads as before
    original, _ = read_submission(filled)
    untouched = {"estimate_at_completion", "rag_overall_rationale"}
    assert {k: v for k, v in parsed.fields.items() if k not in untouched} == {
        k: v for k, v in original.fields.items() if k not in untouched
    }
    assert parsed.tables["Milestones"] == original.tables["Milestones"]


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="C32" s="23" t="e"><v>#NAME?</v></c>',
        b'<c t="e" r="C32"><v>#NAME?</v></c>',  # attributes in another order
        b'<c r="C32" t="e">\n  <f>FOO()</f>\n  <v>#NAME?</v>\n</c>',  # pretty-printed
    ],
)
def test_an_error_cell_is_found_however_its_xml_is_laid_out(filled, tmp_path, cell):
    package = XlsxPackage(filled.read_bytes())
    part = package.structure.sheet_parts["Summary"]
    xml = re.sub(rb'<c r="C32"[^>]*?(?:/>|>.*?</c>)', cell, package.members[part], count=1, flags=re.S)
    target = tmp_path / "layout.xlsx"
    target.write_bytes(package.write({part: xml}))
    parsed, _ = read_submission(target)
    assert parsed.fields["estimate_at_completion"] == ExcelError("#NAME?")


def test_the_text_of_an_error_typed_as_a_string_stays_text(filled, tmp_path):
    """'#N/A typed with a leading apostrophe is text; the reader keeps it as text (validation judges it)."""
    from pmo_xl.excel.sheet_xml import set_cells

    package = XlsxPackage(filled.read_bytes())
    reference = package.structure.name("estimate_at_completion")
    part = package.structure.sheet_parts[reference.sheet]
    target = tmp_path / "text.xlsx"
    target.write_bytes(
        package.write({part: set_cells(package.members[part], {(reference.row, reference.column): "#N/A"})})
    )
    parsed, _ = read_submission(target)
    assert parsed.fields["estimate_at_completion"] == "#N/A"


ERROR_FORMULAS = """
summary = doc.Sheets.getByName("Summary")
summary.getCellRangeByName("C32").setFormula('=VLOOKUP("nothing";$Lists.A1:A3;1;0)')
summary.getCellRangeByName("D16").setFormula("=1/0")
raid = doc.Sheets.getByName("RAID")
raid.getCellRangeByName("G6").setFormula("=NoSuchName")
raid.getCellRangeByName("D40").setFormula('=$Lists.ZZ1+"x"')
"""


@pytest.mark.libreoffice
def test_formulas_that_fail_in_libreoffice_are_read_as_their_errors(filled, tmp_path):
    """A PM types formulas into input cells in LibreOffice Calc; it saves their error results as Excel does."""
    edited = edit_with_libreoffice(filled, tmp_path / "edited.xlsx", ERROR_FORMULAS)
    parsed, findings = read_submission(edited)
    assert [f for f in findings if f.severity == "error"] == []
    assert parsed.fields["estimate_at_completion"] == ExcelError("#N/A")
    assert parsed.fields["rag_overall_rationale"] == ExcelError("#DIV/0!")
    assert _cell(parsed, "RAID", 6)["probability"] == ExcelError("#NAME?")
    assert _cell(parsed, "RAID", 40)["description"] == ExcelError("#VALUE!")
