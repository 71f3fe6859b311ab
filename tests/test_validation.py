"""Validation rules: normalise what has one reading, reject what has two, and say where."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import normalise_percent, parse_date_text, validate
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.submissions import ParsedSubmission
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.versions import schema_at

TODAY = dt.date(2027, 1, 10)
# A 1.1 report is read by the collector's own rules alone; 1.2's live checks judge a cell the sheet flags instead.
V1_1 = schema_at("project_status", "1.1")


@pytest.fixture(scope="module")
def submission(tmp_path_factory) -> ParsedSubmission:
    out = tmp_path_factory.mktemp("validation")
    generated = generate_for_records(PROJECT_STATUS, demo_projects(1, random.Random(3)), out, "2026-12")[0].path
    filled = out / "filled.xlsx"
    fill_demo_submission(generated, filled, random.Random(9))
    parsed, findings = read_submission(Path(filled))
    assert findings == []
    return parsed


def with_fields(parsed: ParsedSubmission, **values) -> ParsedSubmission:
    return replace(parsed, fields={**parsed.fields, **values})


def with_row(parsed: ParsedSubmission, table: str, index: int, **values) -> ParsedSubmission:
    rows = [dict(row) for row in parsed.tables[table]]
    rows[index].update(values)
    return replace(parsed, tables={**parsed.tables, table: rows})


def errors(findings) -> list:
    return [f for f in findings if f.severity == "error"]


def test_a_clean_submission_is_accepted_without_findings(submission):
    normalised, findings = validate(submission, PROJECT_STATUS, TODAY, register_ids={"PRJ-0001"})
    assert findings == []
    assert normalised.fields["project_id"] == "PRJ-0001"


@pytest.mark.parametrize(
    ("value", "percent_cell", "expected"),
    [
        (0.65, True, (0.65, "as_is")),
        (0.65, False, (0.65, "as_is")),
        (0, False, (0, "as_is")),
        (1, True, (1, "as_is")),  # 100% typed in the template's percentage cell
        (1, False, (None, "ambiguous")),  # format lost: 1% or 100%?
        (1.5, True, (None, "ambiguous")),
        (1.5, False, (None, "ambiguous")),
        (65, False, (0.65, "points")),
        (65, True, (0.65, "points")),  # 65 pasted into a percentage cell shows 6500%
        (100, False, (1.0, "points")),
        (-0.1, False, (None, "negative")),
    ],
)
def test_the_percentage_rule(value, percent_cell, expected):
    assert normalise_percent(value, percent_cell) == expected


def test_percentage_in_points_is_normalised_with_a_warning(submission):
    normalised, findings = validate(with_fields(submission, percent_complete=65), V1_1, TODAY)
    assert normalised.fields["percent_complete"] == pytest.approx(0.65)
    assert [(f.severity, f.code, f.cell) for f in findings] == [("warning", "percent_normalised", "Summary!C24")]
    # 1.2's sheet shows 6500% flagged: returned in the check's words, never read as 65%
    normalised, findings = validate(with_fields(submission, percent_complete=65), PROJECT_STATUS, TODAY)
    assert normalised.fields["percent_complete"] is None
    assert [(f.severity, f.code, f.cell) for f in findings] == [
        ("error", "percent_complete_out_of_range", "Summary!C24")
    ]


def test_percentage_typed_as_text_with_a_sign_is_read(submission):
    normalised, findings = validate(with_fields(submission, percent_complete="40 %"), V1_1, TODAY)
    assert normalised.fields["percent_complete"] == pytest.approx(0.4)
    assert [f.code for f in findings] == ["percent_as_text"]
    _, findings = validate(with_fields(submission, percent_complete="40 %"), PROJECT_STATUS, TODAY)
    assert [f.code for f in findings] == ["percent_complete_not_a_number"]


def test_one_is_100_percent_only_in_a_percentage_cell(submission):
    formatted = replace(with_fields(submission, percent_complete=1), percent_formatted=frozenset({"percent_complete"}))
    normalised, findings = validate(formatted, PROJECT_STATUS, TODAY)
    assert normalised.fields["percent_complete"] == 1 and findings == []
    unformatted = replace(formatted, percent_formatted=frozenset())
    normalised, findings = validate(unformatted, PROJECT_STATUS, TODAY)
    assert normalised.fields["percent_complete"] is None
    assert [f.code for f in errors(findings)] == ["ambiguous_percent"]
    assert "1%" in findings[0].message and "100%" in findings[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-25", dt.date(2026, 12, 25)),
        ("2026-12-25 00:00:00", dt.date(2026, 12, 25)),
        ("25/12/2026", dt.date(2026, 12, 25)),
        ("12/25/2026", dt.date(2026, 12, 25)),
        ("05/05/2026", dt.date(2026, 5, 5)),
        ("3.12.2026", dt.date(2026, 12, 3)),
        ("25-12-2026", dt.date(2026, 12, 25)),
        ("3 Dec 2026", dt.date(2026, 12, 3)),
        ("December 3, 2026", dt.date(2026, 12, 3)),
    ],
)
def test_dates_typed_as_text_in_iso_and_unambiguous_local_forms(text, expected):
    assert parse_date_text(text) == (expected, "")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("03/12/2026", "ambiguous"),
        ("1/2/2026", "ambiguous"),
        ("31/02/2026", "no such day"),
        ("25/12/26", "not a date"),
        ("next Tuesday", "not a date"),
        ("13/13/2026", "neither number can be a month"),
    ],
)
def test_ambiguous_or_impossible_dates_are_not_guessed(text, why):
    assert parse_date_text(text) == (None, why)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_iso_date_and_every_unambiguous_day_first_date_reads_back(day):
    assert parse_date_text(day.isoformat()) == (day, "")
    day_first = f"{day.day:02d}/{day.month:02d}/{day.year}"
    result, why = parse_date_text(day_first)
    if day.day > 12 or day.day == day.month:
        assert result == day
    else:
        assert why == "ambiguous"


def test_date_as_text_and_as_number_are_read_with_warnings(submission):
    changed = with_fields(submission, forecast_end_date="30/06/2027", submitted_on=46387)
    normalised, findings = validate(changed, V1_1, TODAY)
    assert normalised.fields["forecast_end_date"] == dt.date(2027, 6, 30)
    assert normalised.fields["submitted_on"] == dt.date(2026, 12, 31)
    assert sorted(f.code for f in findings) == ["date_as_number", "date_as_text"]
    _, findings = validate(with_fields(submission, forecast_end_date=65), V1_1, TODAY)
    assert [f.code for f in errors(findings)] == ["not_a_date"]
    # 1.2: a date typed as text is text to the sheet's formulas, flagged and returned; a serial is a date to both
    normalised, findings = validate(changed, PROJECT_STATUS, TODAY)
    assert normalised.fields["forecast_end_date"] is None
    assert sorted(f.code for f in findings) == ["date_as_number", "forecast_end_date_not_a_date"]
    _, findings = validate(with_fields(submission, forecast_end_date=65), PROJECT_STATUS, TODAY)
    assert [f.code for f in errors(findings)] == ["forecast_end_date_out_of_range"]


def test_text_in_numeric_fields(submission):
    normalised, findings = validate(with_fields(submission, actual_to_date=" 310.5 "), V1_1, TODAY)
    assert normalised.fields["actual_to_date"] == 310.5
    assert [f.code for f in findings] == ["number_as_text"]
    # One reading only: a point that groups thousands before a decimal comma. Read exactly, with a warning.
    normalised, findings = validate(with_fields(submission, actual_to_date="1.200,50"), V1_1, TODAY)
    assert normalised.fields["actual_to_date"] == 1200.5
    assert [f.code for f in findings] == ["number_as_text"]
    # Two readings (1.2 or 1200): refused, never guessed, with the cell.
    normalised, findings = validate(with_fields(submission, actual_to_date="1,200"), V1_1, TODAY)
    assert normalised.fields["actual_to_date"] is None
    assert [(f.code, f.where, f.cell) for f in errors(findings)] == [
        ("ambiguous_number", "actual_to_date", "Summary!C31")
    ]
    _, findings = validate(with_fields(submission, actual_to_date="twelve"), V1_1, TODAY)
    assert [(f.code, f.where, f.cell) for f in errors(findings)] == [("not_a_number", "actual_to_date", "Summary!C31")]
    # 1.2 flags text in the cell as the PM types it: one finding, the check's, whatever the text reads as
    for text in (" 310.5 ", "1.200,50", "1,200", "twelve"):
        normalised, findings = validate(with_fields(submission, actual_to_date=text), PROJECT_STATUS, TODAY)
        assert normalised.fields["actual_to_date"] is None
        check = next(c for c in PROJECT_STATUS.checks if c.name == "actual_to_date_not_a_number")
        assert [(f.severity, f.code, f.message, f.cell) for f in findings] == [
            ("error", check.name, check.message, "Summary!C31")
        ]


def test_missing_rationale_on_amber_or_red_names_the_rag(submission):
    changed = with_fields(submission, rag_cost="amber", rag_cost_rationale=None, rag_cost_path_to_green="  ")
    normalised, findings = validate(changed, PROJECT_STATUS, TODAY)
    assert normalised.fields["rag_cost"] == "Amber"
    problems = {(f.code, f.where, f.cell) for f in errors(findings)}
    assert problems == {
        ("rag_cost_rationale_missing", "rag_cost_rationale", "Summary!D18"),
        ("rag_cost_path_to_green_missing", "rag_cost_path_to_green", "Summary!E18"),
    }
    assert all("Cost is Amber or Red" in f.message for f in errors(findings))


def test_values_outside_the_allowed_lists(submission):
    changed = with_row(with_fields(submission, rag_overall="Yellow"), "RAID", 0, type="Threat", probability=7)
    _, findings = validate(changed, PROJECT_STATUS, TODAY)
    row = submission.table_rows["RAID"][0]
    assert {(f.code, f.where, f.cell) for f in errors(findings)} == {
        ("rag_overall_not_allowed", "rag_overall", "Summary!C16"),  # the live check the sheet shows
        ("not_allowed", "RAID[Type]", f"RAID!C{row}"),
        ("not_allowed", "RAID[Probability]", f"RAID!G{row}"),
    }


def test_required_table_cells_name_the_item_and_the_cell(submission):
    changed = with_row(submission, "Milestones", 1, name=None)
    _, findings = validate(changed, PROJECT_STATUS, TODAY)
    (finding,) = errors(findings)
    assert finding.code == "required" and "M-002" in finding.message
    assert finding.cell == f"Milestones!C{submission.table_rows['Milestones'][1]}"


def test_resource_demand_months_must_be_numbers_not_negative(submission):
    month = next(key for key in submission.tables["ResourceDemand"][0] if key.startswith("20"))
    changed = with_row(submission, "ResourceDemand", 0, **{month: -1})
    _, findings = validate(changed, PROJECT_STATUS, TODAY)
    assert [(f.code, f.where) for f in errors(findings)] == [("out_of_range", f"ResourceDemand[{month}]")]


def test_period_missing_or_in_the_future(submission):
    missing = replace(
        with_fields(submission, reporting_period=None), metadata=replace(submission.metadata, reporting_period="")
    )
    _, findings = validate(missing, PROJECT_STATUS, TODAY)
    assert [f.code for f in errors(findings)] == ["period_missing"]
    _, findings = validate(submission, PROJECT_STATUS, dt.date(2026, 11, 30))
    assert "period_in_future" in {f.code for f in errors(findings)}


def test_submitted_on_in_the_future_is_rejected(submission):
    _, findings = validate(with_fields(submission, submitted_on=dt.date(2027, 3, 1)), PROJECT_STATUS, TODAY)
    assert [f.code for f in errors(findings)] == ["date_in_future"]


def test_strings_longer_than_an_excel_cell_are_rejected(submission):
    _, findings = validate(with_fields(submission, key_achievements="x" * 32768), PROJECT_STATUS, TODAY)
    assert [f.code for f in errors(findings)] == ["string_too_long"]
    normalised, findings = validate(with_fields(submission, key_achievements="x" * 32767), PROJECT_STATUS, TODAY)
    assert findings == [] and len(normalised.fields["key_achievements"]) == 32767


def test_a_project_not_in_the_register_or_a_changed_project_id(submission):
    _, findings = validate(submission, PROJECT_STATUS, TODAY, register_ids={"PRJ-0002"})
    assert [f.code for f in errors(findings)] == ["unknown_project"]
    _, findings = validate(with_fields(submission, project_id="PRJ-0002"), PROJECT_STATUS, TODAY)
    assert [f.code for f in errors(findings)] == ["identity_mismatch"]


def test_strings_that_look_like_formulas_stay_text(submission):
    normalised, findings = validate(
        with_fields(submission, key_achievements='=HYPERLINK("http://x","y")'), PROJECT_STATUS, TODAY
    )
    assert findings == []
    assert normalised.fields["key_achievements"] == '=HYPERLINK("http://x","y")'


def test_fields_the_reader_could_not_find_are_not_reported_twice(submission):
    fields = dict(submission.fields)
    del fields["forecast_end_date"]
    tables = dict(submission.tables)
    del tables["Benefits"]
    _, findings = validate(replace(submission, fields=fields, tables=tables), PROJECT_STATUS, TODAY)
    assert findings == []


def test_an_item_without_its_stable_id_gets_the_next_one_with_a_warning(submission):
    count = len(submission.tables["RAID"])
    normalised, findings = validate(with_row(submission, "RAID", 0, id=None), PROJECT_STATUS, TODAY)
    assert normalised.tables["RAID"][0]["id"] == f"R-{count + 1:03d}"
    assert [(f.severity, f.code, f.cell) for f in findings] == [
        ("warning", "missing_id", f"RAID!B{submission.table_rows['RAID'][0]}")
    ]


def test_two_items_sharing_a_stable_id_are_rejected(submission):
    copied = with_row(submission, "Milestones", 1, id=submission.tables["Milestones"][0]["id"])
    _, findings = validate(copied, PROJECT_STATUS, TODAY)
    (finding,) = errors(findings)
    assert finding.code == "duplicate_id" and "M-001" in finding.message
    assert finding.cell == f"Milestones!B{submission.table_rows['Milestones'][1]}"
