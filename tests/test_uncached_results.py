"""A generated workbook carries no formula result cached from its template's blank inputs: every reader calculates
(pmo_xl.excel.sheet_xml.without_cached_results), and every other byte of the sheet stays as it was."""

from __future__ import annotations

import zipfile

from pmo_xl.excel.sheet_xml import without_cached_results
from pmo_xl.generate.generator import template_path


def test_each_form_of_a_cached_result_is_dropped_and_nothing_else_changes():
    sheet = (
        b'<worksheet><sheetData><row r="1">'
        b'<c r="A1" s="2" t="str"><f aca="false">IF(A2="","",A2)</f><v>old text</v></c>'  # LibreOffice's
        b'<c r="B1"><f>SUM(B2:B9)</f><v>0</v></c>'  # XlsxWriter's
        b'<c r="C1" t="n"><f t="shared" si="0"/><v>4</v></c>'  # a shared formula's follower
        b'<c r="D1" s="3"/>'  # an empty styled cell
        b'<c r="E1" t="s"><v>7</v></c>'  # a shared string: a value, not a cached result
        b'<c r="F1"><f>NOW()</f></c>'  # a formula with nothing cached
        b"</row></sheetData></worksheet>"
    )
    assert without_cached_results(sheet) == (
        b'<worksheet><sheetData><row r="1">'
        b'<c r="A1" s="2" t="str"><f aca="false">IF(A2="","",A2)</f></c>'
        b'<c r="B1"><f>SUM(B2:B9)</f></c>'
        b'<c r="C1" t="n"><f t="shared" si="0"/></c>'
        b'<c r="D1" s="3"/>'
        b'<c r="E1" t="s"><v>7</v></c>'
        b'<c r="F1"><f>NOW()</f></c>'
        b"</row></sheetData></worksheet>"
    )


def test_the_shipped_status_template_reads_the_same_uncached_and_every_formula_stays():
    with zipfile.ZipFile(template_path("project_status")) as package:
        sheets = [package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/sheet")]
    for sheet in sheets:
        uncached = without_cached_results(sheet)
        assert uncached.count(b"<f") == sheet.count(b"<f") and b"</f><v>" not in uncached
        assert uncached == sheet  # the shipped template caches nothing: not a byte changed
