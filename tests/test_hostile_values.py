"""Hostile values, written by hand: each is read exactly as its writer meant, or refused with its place and fix.

Every row names the kind of value, the input, the source it arrives through, the expected code, where the message
must point (a register row, a workbook cell, a table row) and a piece of the message. The expectations are typed
here from the rules in docs/collect-input-rules.md, never copied from output.

Sources:
- `csv,` / `csv;` / `csv-tab`: a one-project register CSV, comma, semicolon (as Excel saves it in most of Europe)
  or tab separated, its locale detected; `csv,en-GB` and the like name the locale (--csv-locale).
- `submission`: a field of a real status workbook (template 1.2), as validation sees it after the reader;
  `submission-1.1`: the same judged by 1.1's rules, the collector's reading alone (1.2's live checks, which judge
  a cell as its sheet shows it, take the place of that reading: tests/test_live_checks.py).
- `raid`: a cell of the first RAID row of that workbook (Excel row 5).
- `settings`, `scoring`, `budget`, `npv`, `hire`, `ahp`: the PMO's own tables and options.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.errors import PmoError, RegisterError
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.portfolio.ahp import AhpError, ahp_weights
from pmo_xl.portfolio.capacity import CapacityError, Hire
from pmo_xl.portfolio.scoring import ScoringModelError, model_from_rows
from pmo_xl.portfolio.selection import SelectionError, parse_budget
from pmo_xl.register import read_register
from pmo_xl.settings import SettingsError, settings_from_rows
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.versions import schema_at
from pmo_xl.values import ExcelError
from udfs.pmo_udfs import PMO_NPV

TODAY = dt.date(2027, 1, 10)
V1_1 = schema_at("project_status", "1.1")
ACCEPTED = "accepted"
REFUSED = "refused"  # a table or option: the verdict is the refusal, its message says why


@dataclass(frozen=True)
class Case:
    kind: str
    source: str
    column: str
    value: object
    code: str  # finding or problem code; 'accepted' when read cleanly; 'refused' for a table's refusal
    where: str  # 'row 2', a cell 'Summary!C31', or '' where the source has no place of its own
    message: str  # a piece of the message ('' for a clean read)
    expected: object = None  # the value read, when not refused


C = Case
# fmt: off
CASES = [
    # -- the register, comma separated: decimal point -------------------------------------------------------------
    C("decimal point", "csv,", "budget", "320000.50", ACCEPTED, "", "", 320000.5),
    C("thousands comma, decimal point known", "csv,", "budget", "1,234", ACCEPTED, "", "", 1234),
    C("decimal comma in a point file", "csv,", "budget", "1,5", "wrong_decimal_mark", "row 2", "write it as 1.5"),
    C("European number in a point file", "csv,", "budget", "1.234,50", "wrong_decimal_mark", "row 2", "decimal mark"),
    C("currency sign", "csv,", "budget", "€850", "not_a_number", "row 2", "currency sign"),
    C("k suffix", "csv,", "budget", "850k", "not_a_number", "row 2", "budget must be a number, not the text '850k'"),
    C("beyond any budget", "csv,", "budget", "1e308", "out_of_range", "row 2", "above the maximum"),
    C("NaN as text", "csv,", "budget", "nan", "not_a_number", "row 2", "must be a finite number"),
    C("infinity as text", "csv,", "budget", "inf", "not_a_number", "row 2", "must be a finite number"),
    C("negative budget", "csv,", "budget", "-5", "out_of_range", "row 2", "below the minimum 0"),
    C("Excel error #REF!", "csv,", "budget", "#REF!", "excel_error", "row 2", "holds #REF!: the formula lost"),
    C("Excel error #N/A", "csv,", "budget", "#N/A", "excel_error", "row 2", "holds #N/A: a lookup found nothing"),
    C("spaces between groups", "csv,", "budget", "1 234 567", ACCEPTED, "", "", 1234567),
    C("groups of two", "csv,", "budget", "12 34", "not_a_number", "row 2", "not of three digits"),
    C("TRUE as a budget", "csv,", "budget", "TRUE", "not_a_number", "row 2", "not the text 'TRUE'"),
    C("day over 12", "csv,", "start_date", "31/12/2026", ACCEPTED, "", "", dt.date(2026, 12, 31)),
    C("day and month both 12 or under", "csv,", "start_date", "03/12/2026", "ambiguous_date", "row 2", "day/month"),
    C("no such day", "csv,", "start_date", "2026-02-30", "not_a_date", "row 2", "is not a date"),
    C("month first, day over 12", "csv,", "start_date", "12/25/2026", ACCEPTED, "", "", dt.date(2026, 12, 25)),
    C("two-digit year", "csv,", "start_date", "26-01-15", "not_a_date", "row 2", "YYYY-MM-DD"),
    C("dotted date is day first", "csv,", "start_date", "1.3.2026", ACCEPTED, "", "", dt.date(2026, 3, 1)),
    C("missing start date", "csv,", "start_date", "", "required", "row 2", "start_date is empty"),
    C("end before start", "csv,", "end_date", "2025-01-01", "end_before_start", "row 2", "is before start_date"),
    C("unknown currency", "csv,", "currency", "XYZ", "not_allowed", "row 2", "currency 'XYZ' must be one of"),
    C("no money unit, none set", "csv,", "money_unit", "", "no_money_unit", "row 2", "money_unit is empty"),
    C("money unit in words", "csv,", "money_unit", "thousands", "not_allowed", "row 2", "units, k, m"),
    C("unknown lifecycle", "csv,", "lifecycle_status", "paused", "not_allowed", "row 2", "lifecycle_status 'paused'"),
    C("unknown cadence", "csv,", "reporting_cadence", "weekly", "not_allowed", "row 2", "reporting_cadence"),
    C("bell character in a name", "csv,", "project_name", "Alpha\x07", ACCEPTED, "row 2", "control characters", "Alpha"),
    C("slash in an id", "csv,", "project_id", "PRJ/1", "bad_project_id", "row 2", "not allowed in file names"),
    C("Excel error as a name", "csv,", "project_name", "#NAME?", "excel_error", "row 2", "holds #NAME?"),
    # -- the register, semicolon separated: decimal comma, day/month ----------------------------------------------
    C("decimal comma", "csv;", "budget", "320000,50", ACCEPTED, "", "", 320000.5),
    C("small decimal comma", "csv;", "budget", "1,5", ACCEPTED, "", "", 1.5),
    C("thousands point, decimal comma", "csv;", "budget", "1.234,50", ACCEPTED, "", "", 1234.5),
    C("thousands point alone", "csv;", "budget", "1.234", ACCEPTED, "", "", 1234),
    C("decimal point in a comma file", "csv;", "budget", "1.5", "wrong_decimal_mark", "row 2", "write it as 1,5"),
    C("no-break space groups", "csv;", "budget", "1\u00a0234,5", ACCEPTED, "", "", 1234.5),
    C("narrow no-break space groups", "csv;", "budget", "2\u202f630\u202f000", ACCEPTED, "", "", 2630000),
    C("day/month by locale", "csv;", "start_date", "03/12/2026", ACCEPTED, "", "", dt.date(2026, 12, 3)),
    C("month/day in a day/month file", "csv;", "start_date", "12/25/2026", "not_a_date", "row 2", "is not a date"),
    # -- the register, tab separated: decimal mark unknown --------------------------------------------------------
    C("thousands or decimal?", "csv-tab", "budget", "1,234", "ambiguous_number", "row 2", "could be 1,234 as a decimal"),
    C("a decimal either way", "csv-tab", "budget", "1,5", ACCEPTED, "", "", 1.5),
    C("ambiguous date, order unknown", "csv-tab", "start_date", "03/12/2026", "ambiguous_date", "row 2", "'03/12/2026' could be"),
    # -- the register with its locale named -----------------------------------------------------------------------
    C("en-GB names day/month", "csv,en-GB", "start_date", "03/12/2026", ACCEPTED, "", "", dt.date(2026, 12, 3)),
    C("en-US names month/day", "csv,en-US", "start_date", "03/12/2026", ACCEPTED, "", "", dt.date(2026, 3, 12)),
    C("de-DE reads a semicolon file", "csv;de-DE", "budget", "2.630.000", ACCEPTED, "", "", 2630000),
    C("unknown locale", "csv,xx-XX", "budget", "10", "unknown_locale", "", "unknown CSV locale 'xx-XX'"),
    # -- found by a hostile tester -------------------------------------------------------------------------------
    C("decimal mark repeated as grouping", "csv;", "budget", "1,234,567", "wrong_decimal_mark", "row 2", "repeats the decimal mark"),
    C("point repeated in a point file", "csv,", "budget", "1.234.567", "wrong_decimal_mark", "row 2", "repeats the decimal mark"),
    C("400 nines", "csv,", "budget", "9" * 400, "out_of_range", "row 2", "more digits than any project's figure"),
    C("Unicode minus in a budget", "csv,", "budget", "−5", "out_of_range", "row 2", "below the minimum 0"),
    C("a space inside scientific notation", "csv,", "budget", "1 e5", "not_a_number", "row 2", "type digits only"),
    C("underflow to zero", "csv,", "budget", "5e-400", "out_of_range", "row 2", "too small"),
    # -- a submitted status workbook: fields ----------------------------------------------------------------------
    C("thousands or decimal? (cell text)", "submission-1.1", "actual_to_date", "1,200", "ambiguous_number", "Summary!C31", "could be"),
    C("European number typed as text", "submission-1.1", "actual_to_date", "1.200,50", "number_as_text", "Summary!C31", "typed as text", 1200.5),
    C("plain number typed as text", "submission-1.1", "actual_to_date", " 310.5 ", "number_as_text", "Summary!C31", "read as the number 310.5", 310.5),
    C("scientific text", "submission-1.1", "actual_to_date", "1e3", "number_as_text", "Summary!C31", "typed as text", 1000),
    C("currency sign in a cell", "submission-1.1", "actual_to_date", "€696", "not_a_number", "Summary!C31", "currency sign"),
    C("words for a number", "submission-1.1", "actual_to_date", "about 300k", "not_a_number", "Summary!C31", "must be a number"),
    C("#REF! in a required cell", "submission", "actual_to_date", ExcelError("#REF!"), "excel_error", "Summary!C31", "holds #REF!: the formula lost its source"),
    C("#N/A in an optional cell", "submission", "rag_overall_rationale", ExcelError("#N/A"), "excel_error", "Summary!D16", "holds #N/A"),
    C("#VALUE! in a RAG", "submission", "rag_overall", ExcelError("#VALUE!"), "excel_error", "Summary!C16", "holds #VALUE!"),
    C("#DIV/0! in a date", "submission", "forecast_end_date", ExcelError("#DIV/0!"), "excel_error", "Summary!C38", "divides by zero"),
    C("an EAC of 1e308", "submission-1.1", "estimate_at_completion", 1e308, "out_of_range", "Summary!C32", "above the maximum"),
    C("an infinite EAC", "submission-1.1", "estimate_at_completion", float("inf"), "not_a_number", "Summary!C32", "finite"),
    C("a negative EAC", "submission-1.1", "estimate_at_completion", -1, "out_of_range", "Summary!C32", "below the minimum 0"),
    C("1.5 as a percentage", "submission-1.1", "percent_complete", 1.5, "ambiguous_percent", "Summary!C24", "could mean 1.5% or 150%"),
    C("percentage typed as text", "submission-1.1", "percent_complete", "65%", "percent_as_text", "Summary!C24", "read as 0.65", 0.65),
    C("percentage points", "submission-1.1", "percent_complete", 65, "percent_normalised", "Summary!C24", "read as 65%", 0.65),
    C("words with a percent sign", "submission-1.1", "percent_complete", "abc%", "not_a_number", "Summary!C24", "not a percentage"),
    C("ambiguous date text", "submission-1.1", "submitted_on", "03/12/2026", "ambiguous_date", "Summary!C12", "2026-12-03 or 2026-03-12"),
    C("ISO date typed as text", "submission-1.1", "submitted_on", "2026-12-03", "date_as_text", "Summary!C12", "read as 2026-12-03", dt.date(2026, 12, 3)),
    C("date serial in a number cell", "submission", "submitted_on", 46359, "date_as_number", "Summary!C12", "read as the date 2026-12-03", dt.date(2026, 12, 3)),
    C("a small number as a date", "submission-1.1", "submitted_on", 65, "not_a_date", "Summary!C12", "is not a date"),
    C("TRUE as a date", "submission", "submitted_on", True, "not_a_date", "Summary!C12", "is not a date"),
    C("control characters in text", "submission", "key_achievements", "Done\x00\x1b", "control_characters", "Summary!C42", "U+0000", "Done"),
    C("40,000 characters", "submission", "key_achievements", "x" * 40000, "string_too_long", "Summary!C42", "at most 32,767"),
    C("Yellow is no RAG", "submission-1.1", "rag_overall", "Yellow", "not_allowed", "Summary!C16", "'Yellow' is not one of"),
    C("Yellow is no RAG, flagged", "submission", "rag_overall", "Yellow", "rag_overall_not_allowed", "Summary!C16", "is not one of Green, Amber, Red"),
    # -- the same workbook at 1.2: a cell its Summary sheet flags is judged by the live check, in the check's words --
    C("a number typed as text, flagged", "submission", "actual_to_date", "1.200,50", "actual_to_date_not_a_number", "Summary!C31", "holds text, not a number"),
    C("6500% in the percent cell, flagged", "submission", "percent_complete", 65, "percent_complete_out_of_range", "Summary!C24", "outside 0% to 100%"),
    C("a negative EAC, flagged", "submission", "estimate_at_completion", -1, "estimate_at_completion_out_of_range", "Summary!C32", "below 0 or too large"),
    C("a date typed as text, flagged", "submission", "submitted_on", "2026-12-03", "submitted_on_not_a_date", "Summary!C12", "holds text, not a date"),
    C("a small number as a date, flagged", "submission", "submitted_on", 65, "submitted_on_out_of_range", "Summary!C12", "no date from 1990 to 2100"),
    C("spaces in a required cell, flagged", "submission", "key_achievements", " \n ", "key_achievements_missing", "Summary!C42", "Key achievements is empty"),
    # -- a table of that workbook ---------------------------------------------------------------------------------
    C("probability outside its list", "raid", "probability", 7, "not_allowed", "RAID!G5", "'7' is not one of"),
    # a 1.2 table's cells are judged as its Check column shows them: text in a number cell is refused
    C("probability typed as text", "raid", "probability", "3", "not_a_number", "RAID!G5", "holds text, not a number"),
    C("exposure typed as text", "raid", "financial_exposure", "1,000", "not_a_number", "RAID!K5", "holds text"),
    C("#DIV/0! in a table cell", "raid", "financial_exposure", ExcelError("#DIV/0!"), "excel_error", "RAID!K5", "holds #DIV/0!"),
    C("31 February", "raid", "due_date", "31/02/2027", "not_a_date", "RAID!M5", "holds text, not a date"),
    C("vertical tab in a description", "raid", "description", "Late\x0bsupplier", "control_characters", "RAID!D5", "U+000B", "Latesupplier"),
    # -- the PMO's own tables and options -------------------------------------------------------------------------
    C("settings: words for a number", "settings", "cost_overrun_red_percent", "ten", REFUSED, "cost_overrun_red_percent", "not the text 'ten'"),
    C("settings: half a month", "settings", "fiscal_year_start_month", "4.5", REFUSED, "fiscal_year_start_month", "whole number"),
    C("settings: decimal comma", "settings", "cost_overrun_red_percent", "12,5", ACCEPTED, "", "", 12.5),
    C("settings: unknown unit", "settings", "money_unit", "thousands", REFUSED, "money_unit", "must be units, k, m"),
    C("scoring weight, thousands or decimal?", "scoring", "weight", "1,234", REFUSED, "row 2", "could be"),
    C("scoring weight infinite", "scoring", "weight", "inf", REFUSED, "row 2", "finite"),
    C("budget option, thousands or decimal?", "budget", "FY2027", "1,500", REFUSED, "FY2027", "could be"),
    C("budget option, decimal comma and m", "budget", "FY2027", "1,5m", ACCEPTED, "", "", 1_500_000),
    C("NPV rate as a percentage", "npv", "rate", "10%", ACCEPTED, "", "", 0.0),  # -100 + 110 / 1.1
    C("NPV rate in words", "npv", "rate", "ten", REFUSED, "", "rate must be a number"),
    C("hire with a decimal comma", "hire", "fte", "1,5", ACCEPTED, "", "", 1.5),
    C("AHP comparison holding an Excel error", "ahp", "cell", "#DIV/0!", REFUSED, "row 1, column 2", "holds #DIV/0!"),
]
# fmt: on

HEADER = ["project_id", "project_name", "project_manager", "sponsor", "start_date", "end_date", "budget", "currency",
          "money_unit", "lifecycle_status", "reporting_cadence"]  # fmt: skip
ROW = {"project_id": "PRJ-1", "project_name": "Alpha", "project_manager": "Ana", "sponsor": "Sam",
       "start_date": "2026-01-15", "end_date": "2027-06-30", "budget": "850", "currency": "EUR", "money_unit": "k",
       "lifecycle_status": "active", "reporting_cadence": "monthly"}  # fmt: skip
SEMICOLON_ROW = {**ROW, "start_date": "15/01/2026", "end_date": "30/06/2027"}


def _csv_field(value: str, separator: str) -> str:
    return f'"{value}"' if separator in value or '"' in value else value


def _run_register(case: Case, tmp_path: Path):
    kind, _, locale = case.source.partition(",") if "," in case.source else case.source.partition(";")
    separator = {"csv": "," if "," in case.source else ";", "csv-tab": "\t"}[kind]
    row = dict(SEMICOLON_ROW if separator == ";" else ROW, **{case.column: case.value})
    path = tmp_path / "register.csv"
    lines = [separator.join(HEADER), separator.join(_csv_field(str(row[name]), separator) for name in HEADER)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    try:
        (record,) = read_register(path, PROJECT_STATUS, csv_locale=locale or None)
    except RegisterError as error:
        return "refused", list(zip(error.codes, error.problems, strict=True)), None
    field = {"budget": "budget_original", "end_date": "baseline_end_date"}.get(case.column, case.column)
    value = getattr(record, field, None) if field in ("project_name", "start_date") else record.fields.get(field)
    return "accepted", [("warning", warning) for warning in record.warnings], value


@pytest.fixture(scope="module")
def submission(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    generated = generate_for_records(PROJECT_STATUS, demo_projects(1, random.Random(3)), out, "2026-12")[0].path
    filled = out / "filled.xlsx"
    fill_demo_submission(generated, filled, random.Random(9))
    parsed, findings = read_submission(filled)
    assert findings == []
    return parsed


def _run_submission(case: Case, parsed):
    if case.source == "raid":
        rows = [dict(row) for row in parsed.tables["RAID"]]
        rows[0][case.column] = case.value
        changed = replace(parsed, tables={**parsed.tables, "RAID": rows})
    else:
        changed = replace(parsed, fields={**parsed.fields, case.column: case.value})
    normalised, findings = validate(changed, V1_1 if case.source == "submission-1.1" else PROJECT_STATUS, TODAY)
    value = normalised.tables["RAID"][0][case.column] if case.source == "raid" else normalised.fields[case.column]
    return findings, value


def _run_table(case: Case):
    """(the value read, or the refusal's message)."""
    if case.source == "settings":
        settings = settings_from_rows([(case.column, case.value)])
        return getattr(settings, case.column)
    if case.source == "scoring":
        header = ["criterion_id", "criterion_name", "weight", "direction", "minimum", "maximum"]
        return model_from_rows(header, [["value", "Value", case.value, "benefit", 0, 10]]).criteria[0].weight
    if case.source == "budget":
        return parse_budget(f"{case.column}={case.value}")[1]
    if case.source == "npv":
        result = PMO_NPV(case.value, [[-100], [110]])[0][0]
        if isinstance(result, str):
            raise PmoError(result)
        return result
    if case.source == "hire":
        return Hire.parse(f"Developer:{case.value}@2027-01").fte
    if case.source == "ahp":
        return ahp_weights([[1, case.value], [None, 1]])
    raise AssertionError(case.source)


@pytest.mark.parametrize("case", CASES, ids=[f"{case.source}: {case.kind}" for case in CASES])
def test_hostile_value(case: Case, tmp_path, submission):
    if case.source.startswith("csv"):
        verdict, problems, value = _run_register(case, tmp_path)
        if case.code == ACCEPTED:
            assert verdict == "accepted", problems
            assert value == case.expected
            if case.message:
                assert any(case.message in text and case.where in text for _code, text in problems), problems
            return
        assert verdict == "refused", value
        matching = [(code, text) for code, text in problems if case.message in text]
        assert matching, problems
        assert any(code == case.code and text.startswith(case.where) for code, text in matching), matching
    elif case.source in ("submission", "submission-1.1", "raid"):
        findings, value = _run_submission(case, submission)
        mine = [f for f in findings if f.code == case.code]
        assert len(mine) == 1, [(f.code, f.message) for f in findings]
        assert mine[0].cell == case.where and case.message in mine[0].message, mine[0]
        assert value == case.expected
        if mine[0].severity == "error":
            assert value is None  # refused, never half-read
    elif case.code == ACCEPTED:
        assert _run_table(case) == pytest.approx(case.expected, abs=1e-9)
    else:
        with pytest.raises(
            (PmoError, SettingsError, ScoringModelError, SelectionError, CapacityError, AhpError)
        ) as caught:
            _run_table(case)
        assert case.message in str(caught.value) and case.where in str(caught.value), str(caught.value)


def test_the_table_is_large_and_covers_every_source():
    assert len(CASES) >= 60
    assert {case.source.split(",")[0].split(";")[0] for case in CASES} >= {
        "csv", "csv-tab", "submission", "raid", "settings", "scoring", "budget", "npv", "hire", "ahp"
    }  # fmt: skip
    assert len({case.kind for case in CASES}) == len(CASES)


# Whole register files a hostile tester made: (kind, the file's bytes, expected code, a piece of the message).
_HEAD = "project_id,project_name,project_manager,sponsor,start_date,end_date,budget,currency,money_unit\n"
REGISTER_FILES = [
    ("an unquoted decimal comma adds a cell", (_HEAD + "P1,A,Ann,Bob,2026-03-01,2027-06-30,1234,5,EUR,k\n").encode(),
     "extra_cells", "row 2: 10 cells but the header has 9 columns"),
    ("budget given twice", (_HEAD.rstrip() + ",budget\nP1,A,Ann,Bob,2026-03-01,2027-06-30,850,EUR,k,8500\n").encode(),
     "duplicate_column", "columns 7 and 10 both give budget_original"),
    ("budget and budget_original", (_HEAD.rstrip() + ",budget_original\nP1,A,Ann,Bob,2026-03-01,2027-06-30,850,EUR,k,999\n").encode(),
     "duplicate_column", "both give budget_original"),
    ("one Windows-1252 byte in a UTF-8 file", (_HEAD + "P1,Café,Zoë,Bob,2026-03-01,2027-06-30,850,EUR,k\n").encode()
     + b"P2,Caf\xe9,Ann,Bob,2026-03-01,2027-06-30,850,EUR,k\n", "not_one_encoding", "line 3 is not UTF-8"),
    ("a line break in an e-mail (Alt+Enter)", (_HEAD.rstrip() + ',pm_email\nP1,A,Ann,Bob,2026-03-01,2027-06-30,850,EUR,k,"ann@example.org\nbob@example.org"\n').encode(),
     "warning", "pm_email 'ann@example.org\\nbob@example.org' is not one e-mail address"),
    ("two addresses in one e-mail cell", (_HEAD.rstrip() + ",pm_email\nP1,A,Ann,Bob,2026-03-01,2027-06-30,850,EUR,k,ann@example.org;bob@x.org\n").encode(),
     "warning", "row 2: pm_email 'ann@example.org;bob@x.org' is not one e-mail address (e.g. ana@example.org): no "
     "send-out or reminder e-mail can be drafted for this PM until it is corrected"),
    ("an unquoted line separator splits no row", (_HEAD + "P1,A\u2028B,Ann,Bob,2026-03-01,2027-06-30,850,EUR,k\n").encode(),
     "accepted", ""),
    ("Excel's sep= line", ("sep=;\n" + _HEAD.replace(",", ";") + "P1;A;Ann;Bob;01/03/2026;30/06/2027;1.250;EUR;k\n").encode(),
     "accepted", ""),
    ("UTF-16 from Excel's Unicode text", (_HEAD.replace(",", "\t") + "P1\tA\tAnn\tBob\t2026-03-01\t2027-06-30\t850\tEUR\tk\n").encode("utf-16"),
     "accepted", ""),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "data", "code", "message"), REGISTER_FILES, ids=[r[0] for r in REGISTER_FILES])
def test_hostile_register_files(kind, data, code, message, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(data)
    if code in ("accepted", "warning"):  # an e-mail address is a warning: the workbooks are made all the same
        (record, *_) = read_register(path, PROJECT_STATUS)
        assert record.project_id == "P1"
        assert [warning for warning in record.warnings if message in warning] if message else not record.warnings
        return
    with pytest.raises(RegisterError) as caught:
        read_register(path, PROJECT_STATUS)
    assert [(c, m) for c, m in zip(caught.value.codes, caught.value.problems, strict=True) if message in m], (
        caught.value.problems
    )
    assert code in caught.value.codes


def test_an_xlsx_register_keeps_excel_errors_and_refuses_a_non_workbook(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["P1", "Alpha", "Ann", "Bob", dt.datetime(2026, 3, 1), dt.datetime(2027, 6, 30), "=1/0", "EUR", "k"])
    book.save(tmp_path / "register.xlsx")
    # openpyxl saves no cached result: as a program-written file never opened in Excel, the formula is refused
    with pytest.raises(RegisterError, match="budget holds a formula whose result was never saved"):
        read_register(tmp_path / "register.xlsx", PROJECT_STATUS)
    package = XlsxPackage.from_path(tmp_path / "register.xlsx")
    part = package.structure.sheet_parts[sheet.title]
    xml = re.sub(rb"<f>1/0</f><v(?: ?/>|></v>)", b"<f>1/0</f><v>#DIV/0!</v>", package.members[part])
    assert b"#DIV/0!" in xml
    xml = re.sub(
        rb'(<c r="G2")([^>]*)>', lambda m: m.group(1) + re.sub(rb' t="\w+"', b"", m.group(2)) + b' t="e">', xml
    )
    (tmp_path / "errors.xlsx").write_bytes(package.write({part: xml}))
    with pytest.raises(RegisterError, match=r"budget holds #DIV/0!: the formula divides by zero"):
        read_register(tmp_path / "errors.xlsx", PROJECT_STATUS)
    (tmp_path / "renamed.xlsx").write_text(_HEAD, encoding="utf-8")
    with pytest.raises(RegisterError, match="not an Excel workbook"):
        read_register(tmp_path / "renamed.xlsx", PROJECT_STATUS)
