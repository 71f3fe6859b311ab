"""Reading submitted status workbooks: values found by defined name and table header, never by position."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pmo_xl.collect.reader import read_submission, read_submission_bytes
from pmo_xl.collect.validation import validate
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.templates.catalog import PROJECT_REQUEST, PROJECT_STATUS
from tests.libreoffice import recalculated_copy

PERIOD = "2026-12"
TODAY = dt.date(2027, 1, 10)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    results = generate_for_records(
        PROJECT_STATUS, demo_projects(1, random.Random(5)), out, PERIOD, today=dt.date(2026, 12, 1)
    )
    return results[0].path


@pytest.fixture(scope="module")
def filled(generated, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("filled") / generated.name
    fill_demo_submission(generated, target, random.Random(11))
    return target


def test_a_generated_workbook_reads_with_its_identity_and_no_items(generated):
    parsed, findings = read_submission(generated)
    assert findings == []
    assert parsed.metadata.template_id == "project_status"
    assert parsed.metadata.project_id == "PRJ-0001"
    assert parsed.fields["project_id"] == "PRJ-0001"
    assert parsed.fields["reporting_period"] == PERIOD
    assert parsed.fields["submitted_on"] is None
    # every table has pre-sized rows holding only their stable id: all ignored, none rejected
    assert all(rows == [] for rows in parsed.tables.values())
    assert set(parsed.tables) == {table.name for table in PROJECT_STATUS.tables}


def test_a_filled_workbook_reads_every_item_with_its_id_and_cell(filled):
    parsed, findings = read_submission(filled)
    assert findings == []
    assert isinstance(parsed.fields["submitted_on"], dt.date)
    assert parsed.fields["rag_overall"] in ("Green", "Amber", "Red")
    milestones = parsed.tables["Milestones"]
    assert 4 <= len(milestones) <= 8
    assert [row["id"] for row in milestones] == [f"M-{n:03d}" for n in range(1, len(milestones) + 1)]
    assert all(row["name"] for row in milestones)
    # rows are the first body rows of the table, which starts under its header
    assert parsed.table_rows["Milestones"] == list(range(5, 5 + len(milestones)))
    assert parsed.field_cells["submitted_on"] == "Summary!C12"
    assert parsed.column_cells["RAID"]["probability"] == "RAID!G"
    months = [key for key in parsed.tables["ResourceDemand"][0] if key[:2] == "20"]
    assert months[0] == PERIOD and len(months) == 12


def test_formula_cells_are_never_read_and_severity_is_recomputed(filled):
    parsed, _ = read_submission(filled)
    assert all("severity" not in row for row in parsed.tables["RAID"])
    normalised, findings = validate(parsed, PROJECT_STATUS, TODAY)
    assert [f for f in findings if f.severity == "error"] == []
    for row in normalised.tables["RAID"]:
        assert row["severity"] == row["probability"] * row["impact"]
    expected = normalised.fields["budget_current"] - normalised.fields["estimate_at_completion"]
    assert normalised.fields["budget_variance"] == pytest.approx(expected)


def test_the_hash_and_size_describe_exactly_the_bytes_parsed(filled):
    data = filled.read_bytes()
    parsed, _ = read_submission(filled)
    assert parsed.sha256 == hashlib.sha256(data).hexdigest()
    assert parsed.size == len(data)
    # parsing from bytes already in memory gives the same submission: the file is read once
    from_bytes, _ = read_submission_bytes(data, str(filled))
    assert from_bytes == parsed


@pytest.mark.parametrize("fault", ["renamed_sheets", "reordered_sheets", "reordered_columns"])
def test_renamed_or_reordered_sheets_and_moved_columns_give_identical_values(generated, tmp_path, fault):
    clean, moved = tmp_path / "clean.xlsx", tmp_path / "moved.xlsx"
    fill_demo_submission(generated, clean, random.Random(3))
    fill_demo_submission(generated, moved, random.Random(3), fault=fault)
    original, _ = read_submission(clean)
    changed, findings = read_submission(moved)
    assert [f for f in findings if f.severity == "error"] == []
    assert changed.fields == original.fields
    assert changed.tables == original.tables
    if fault == "renamed_sheets":
        assert changed.field_cells["submitted_on"] == "'Statut déc.'!C12"


def test_metadata_altered_on_one_side_is_an_error(generated, tmp_path):
    import re
    import zipfile

    target = tmp_path / "altered.xlsx"
    with zipfile.ZipFile(generated) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/custom.xml":
                content = re.sub(rb"PRJ-0001", b"PRJ-0999", content)
            out.writestr(info, content)
    _parsed, findings = read_submission(target)
    mismatch = [f for f in findings if f.code == "metadata_mismatch"]
    assert len(mismatch) == 1 and "PRJ-0999" in mismatch[0].message
    assert mismatch[0].sheet == "_pmo" and mismatch[0].where == "pmo_meta_project_id"


def test_a_project_request_workbook_is_read_with_its_prefilled_rows(tmp_path):
    request = replace(demo_projects(1, random.Random(1))[0], fields={})
    results = generate_for_records(PROJECT_REQUEST, [request], tmp_path, PERIOD)
    parsed, findings = read_submission(results[0].path)
    assert findings == []
    assert parsed.metadata.template_id == "project_request"
    # the criteria rows are pre-filled by the PMO and kept even before the requester scores them
    assert len(parsed.tables["RequesterScores"]) == PROJECT_REQUEST.table("RequesterScores").rows
    assert parsed.tables["ResourceEstimate"] == []


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_is_accepted_with_identical_values(filled, tmp_path):
    source = tmp_path / "in" / filled.name
    source.parent.mkdir()
    shutil.copy(filled, source)
    resaved = recalculated_copy(source, tmp_path / "out")
    assert resaved.read_bytes() != filled.read_bytes()
    original, _ = validate(read_submission(filled)[0], PROJECT_STATUS, TODAY)
    parsed, reader_findings = read_submission(resaved)
    assert [f for f in reader_findings if f.severity == "error"] == []
    via_libreoffice, findings = validate(parsed, PROJECT_STATUS, TODAY)
    assert [f for f in findings if f.severity == "error"] == []
    assert via_libreoffice.metadata == original.metadata
    assert via_libreoffice.fields == original.fields
    assert via_libreoffice.tables == original.tables


def _with_percent_complete_one(source: Path, target: Path, keep_format: bool) -> None:
    """The workbook with 1 typed in Percent complete, in its percentage-formatted cell or a General one."""
    import re

    from pmo_xl.excel.package import XlsxPackage
    from pmo_xl.excel.sheet_xml import set_cells

    package = XlsxPackage(source.read_bytes())
    reference = package.structure.name("percent_complete")
    part = package.structure.sheet_parts[reference.sheet]
    sheet = set_cells(package.members[part], {(reference.row, reference.column): 1})
    if not keep_format:
        sheet = re.sub(rb'(<c r="' + reference.address.encode() + rb'")\s+s="\d+"', rb"\1", sheet)
    target.write_bytes(package.write({part: sheet}))


def test_one_in_a_percentage_cell_is_100_percent_and_in_a_general_cell_is_ambiguous(filled, tmp_path):
    formatted, general = tmp_path / "formatted.xlsx", tmp_path / "general.xlsx"
    _with_percent_complete_one(filled, formatted, keep_format=True)
    _with_percent_complete_one(filled, general, keep_format=False)
    parsed, _ = read_submission(formatted)
    assert parsed.percent_formatted == frozenset({"percent_complete"})
    normalised, findings = validate(parsed, PROJECT_STATUS, TODAY)
    assert normalised.fields["percent_complete"] == 1 and findings == []
    parsed, _ = read_submission(general)
    assert parsed.percent_formatted == frozenset()
    _, findings = validate(parsed, PROJECT_STATUS, TODAY)
    assert [(f.code, f.cell) for f in findings] == [("ambiguous_percent", "Summary!C24")]
