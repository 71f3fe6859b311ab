"""A PMO analyst restyles a template in a real spreadsheet application, and everything still works.

LibreOffice, driven through UNO, inserts rows above the Summary blocks, inserts a column before the Milestones
table, renames and reorders sheets, and saves. Nothing in pmo_xl knows a cell address, so the generator must still
put every value into the right cell, and the formulas must still calculate.
"""

import datetime as dt
import re
import zipfile

import pytest

from pmo_xl.generate.generator import TemplateSource, template_path
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests.libreoffice import edit_with_libreoffice, recalculated_copy
from tests.test_generator import full_fill, named_values, table_rows

RESTYLE = """
sheets = doc.Sheets
summary = sheets.getByName("Summary")
summary.unprotect("pmo")
summary.Rows.insertByIndex(1, 4)
summary.getCellByPosition(1, 2).setString("Our company: status report")
summary.protect("pmo")
milestones = sheets.getByName("Milestones")
milestones.unprotect("pmo")
milestones.Columns.insertByIndex(0, 2)
milestones.protect("pmo")
sheets.getByName("RAID").setName("Risks and issues")
sheets.moveByName("Instructions", sheets.getCount())
sheets.moveByName("Benefits", 1)
"""


@pytest.fixture(scope="module")
def restyled_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("restyled")
    return edit_with_libreoffice(template_path("project_status"), folder / "project_status.xlsx", RESTYLE)


def test_the_generator_fills_a_restyled_template_by_name(restyled_template, tmp_path):
    source = TemplateSource(PROJECT_STATUS, restyled_template)
    assert source.structure.name("project_id").row > 6  # the identity block moved down
    assert source.structure.table("RAID").sheet == "Risks and issues"
    assert source.structure.table("Milestones").first_column == 4  # was column B, two columns inserted before it
    fill = full_fill(PROJECT_STATUS)
    milestones = [{"id": "M-002", "name": "Design approved", "key": "Yes", "baseline_date": dt.date(2027, 1, 15)}]
    fill.tables["Milestones"] = milestones
    generated = tmp_path / "generated.xlsx"
    generated.write_bytes(source.render(fill))

    values = named_values(generated)
    assert values["project_id"] == "PRJ-7" and values["submitted_on"] == dt.date(2026, 12, 3)
    assert values["pmo_meta_generation_token"] == "t0ken"
    rows = table_rows(generated, "Milestones")
    assert rows[0][:3] == ["Milestone ID", "Milestone", "Key / gate"]
    assert rows[1][:4] == ["M-002", "Design approved", "Yes", dt.date(2027, 1, 15)]
    assert rows[2][0] == "M-003"


def test_a_workbook_from_a_restyled_template_still_calculates(restyled_template, tmp_path):
    source = TemplateSource(PROJECT_STATUS, restyled_template)
    generated = tmp_path / "generated.xlsx"
    generated.write_bytes(source.render(full_fill(PROJECT_STATUS)))
    values = named_values(recalculated_copy(generated, tmp_path / "lo"))
    assert values["completeness"] == pytest.approx(1.0)
    assert values["budget_variance"] == pytest.approx(100)
    raid = table_rows(tmp_path / "lo" / "generated.xlsx", "RAID")
    assert raid[1][raid[0].index("Severity")] == 12


def test_a_workbook_from_a_libreoffice_saved_template_asks_for_full_calculation_on_load(restyled_template, tmp_path):
    source = TemplateSource(PROJECT_STATUS, restyled_template)
    generated = tmp_path / "generated.xlsx"
    generated.write_bytes(source.render(full_fill(PROJECT_STATUS)))
    with zipfile.ZipFile(generated) as archive:
        workbook = archive.read("xl/workbook.xml")
    assert re.search(rb'<calcPr\b[^>]*\bfullCalcOnLoad="1"', workbook), workbook[-400:]
    assert workbook.count(b"<calcPr") == 1
