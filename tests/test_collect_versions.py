"""Collect reads every template version it knows: a test series of two bumps (tests/template_series.py), workbooks
generated and half-filled at 1.0, 1.1 and 2.0, collected in one run, and the dashboard's trend across the change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest.mock import patch

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.validation import validate
from pmo_xl.demo import data as demo_data
from pmo_xl.derived import in_current_shape
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.register import read_register
from pmo_xl.templates.builder import build_template
from pmo_xl.templates.versions import migration_map
from tests.collect_builders import status_submission
from tests.outputs import table as read_table
from tests.template_series import SHIPPED, series_schema, use_series, write_register

PERIODS = {"2026-10": "1.0", "2026-11": "1.1", "2026-12": "2.0"}
RAG = {"P-1": "Green", "P-2": "Red", "P-3": "Green"}
TODAY = dt.date(2026, 12, 10)


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _fill(generated: Path, target: Path, version: str, fields: dict, tables: dict, metadata: dict | None = None):
    """Type values into a generated workbook by defined name and header, as a PM would."""
    with patch.object(demo_data, "PROJECT_STATUS", series_schema(version)):
        writer = demo_data._Writer(XlsxPackage(generated.read_bytes(), str(generated)))
        writer.fields(fields)
        for name, rows in tables.items():
            writer.table(name, rows, None)
        for key, value in (metadata or {}).items():
            writer.metadata(key, value)
        target.write_bytes(writer.bytes())


def _entries(project_id: str, period: str, version: str) -> tuple[dict, dict]:
    """Half a report: the required fields and a few rows; the rest of the workbook stays blank."""
    submitted = dt.date(int(period[:4]), int(period[5:]), 8)
    fields = {"submitted_on": submitted, "percent_complete": 0.5, "actual_to_date": 1000,
              "estimate_at_completion": 9000, "forecast_end_date": dt.date(2027, 6, 30),
              **{f"rag_{d}": "Green" for d in ("schedule", "cost", "scope", "resources", "benefits")},
              "rag_overall": RAG[project_id]}  # fmt: skip
    if RAG[project_id] != "Green":
        fields |= {"rag_overall_rationale": "Supplier late", "rag_overall_path_to_green": "Second supplier"}
    watching = "Monitoring" if version == "1.0" else "Watching"
    raid = [
        {"id": "R-001", "type": "Risk", "description": "Supplier capacity", "owner": "Ana",
         "date_raised": dt.date(2026, 9, 1), "probability": 3, "impact": 4, "status": watching},
        {"id": "R-002", "type": "Issue", "description": "Test rig", "owner": "Ben",
         "date_raised": dt.date(2026, 9, 2), "status": "Open"},
    ]  # fmt: skip
    steps = [{"id": "N-001", "step": "Sign off", "owner": "Ana / Finance", "due_date": dt.date(2027, 1, 5)},
             {"id": "N-002", "step": "Cut over", "owner": "Ben", "due_date": dt.date(2027, 1, 9)}]  # fmt: skip
    if version == "2.0":
        steps = [{**row, "owner": row["owner"].split(" / ")[0], "owner_team": "Finance"} for row in steps]
    if version != "2.0":
        fields["key_achievements"] = f"{project_id} delivered in {period}"
    if version != "1.0":
        fields["lessons_learned"] = "Book suppliers early"
        raid[0]["mitigation_cost"] = 250
    return fields, {"RAID": raid, "NextSteps": steps}


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    register = root / "register.csv"
    write_register(register, RAG)
    inbox = root / "inbox"
    inbox.mkdir()
    records = read_register(register, SHIPPED)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_series(monkeypatch)
        for period, version in PERIODS.items():
            masters = root / f"templates-{version}"
            build_template(series_schema(version), masters / "project_status.xlsx")
            generate_for_records(series_schema(version), records, root / period, period, templates_dir=masters)
            for generated in sorted((root / period).glob("*.xlsx")):
                project_id = generated.name.split(" - ")[0]
                _fill(generated, inbox / generated.name, version, *_entries(project_id, period, version))
        # every version in one run, with the current one
        output = _run("collect", str(inbox), "--ledger", str(root / "ledger.db"), "--register", str(register),
                      "--out", str(root / "portfolio.xlsx"), "--period", "2026-12", "--today", str(TODAY))  # fmt: skip
        _run("dashboard", str(root / "dashboard.xlsx"), "--ledger", str(root / "ledger.db"), "--today", str(TODAY))
        yield root, output, monkeypatch


def test_every_version_is_accepted_and_recorded_with_both_versions(month):
    root, output, _ = month
    with open_ledger(root / "ledger.db") as ledger:
        headers = ledger.submissions("project_status")
    assert len(headers) == 9, output
    by_period = headers.groupby("reporting_period")
    for period, version in PERIODS.items():
        rows = by_period.get_group(period)
        assert set(rows["template_version"]) == {"2.0"}
        assert set(rows["source_version"]) == {"" if version == "2.0" else version}


def test_every_value_of_a_v1_0_workbook_lands_where_the_migration_map_says(month):
    root, _, _ = month
    the_map = migration_map("project_status", "1.0")
    path = next((root / "inbox").glob("P-2 - *2026-10.xlsx"))
    read, findings = read_submission(path)
    assert read.metadata.template_version == "1.0" and not [f for f in findings if f.severity == "error"]
    own, _ = validate(read, series_schema("1.0"), TODAY)  # judged as collect judged it: by 1.0's rules
    with open_ledger(root / "ledger.db") as ledger:
        sid = int(ledger.submissions("project_status", project_ids=["P-2"], periods=["2026-10"])["submission_id"][0])
        stored = ledger.stored_submission(sid)
    assert set(own.fields) == {*the_map.fields, "budget_variance"}  # the map holds every entry; a formula is no entry
    assert stored.fields["budget_variance"] == own.fields["budget_variance"] == 1000  # 10,000 - 9,000
    for name, value in own.fields.items():  # every named value, none sampled
        if name == "budget_variance":
            continue
        destination = the_map.fields[name]
        if destination is None:
            assert destination not in stored.fields and name not in stored.fields
        else:
            assert stored.fields[destination] == value, name
    for table, rows in own.tables.items():  # every cell of every kept row
        stored_rows = stored.tables.get(table, [])
        assert len(stored_rows) == len(rows), table
        for row, after in zip(rows, stored_rows, strict=True):
            for key, value in row.items():
                destinations = the_map.columns[(table, key)]
                if len(destinations) == 1:
                    expected = the_map.choices.get((f"{table}[{destinations[0]}]", value), value)
                    assert after[destinations[0]] == expected, (table, key)
                else:
                    parts = value.split(" / ") if isinstance(value, str) and " / " in value else [value]
                    parts += [None] * (len(destinations) - len(parts))
                    assert [after[k] for k in destinations] == parts, (table, key)
    # and by hand: the renamed choice, the split, the retired field, the added column
    assert stored.fields["lessons_learned"] is None and "key_achievements" not in stored.fields
    assert [r["status"] for r in stored.tables["RAID"]] == ["Watching", "Open"]
    assert [r["mitigation_cost"] for r in stored.tables["RAID"]] == [None, None]
    assert [(r["owner"], r["owner_team"]) for r in stored.tables["NextSteps"]] == [("Ana", "Finance"), ("Ben", None)]


def test_the_run_accepts_the_three_versions_side_by_side(month):
    _, output, _ = month
    assert "9 file(s): 9 accepted, 0 rejected, 0 duplicate, 0 superseded" in output, output


def test_the_dashboard_trend_runs_across_both_version_changes(month):
    root, _, _ = month
    trend = {row["Period"]: row for row in read_table(root / "dashboard.xlsx", "DashTrend")}
    for period in PERIODS:
        assert [trend[period][name] for name in ("Green", "Amber", "Red", "Not reported")] == [2, 0, 1, 0], period


def test_rows_stored_in_an_older_version_are_read_in_the_current_one_and_a_renamed_choice_is_one_value(month):
    root, _, _ = month
    older = status_submission(project_id="P-9", period="2026-09")
    older = type(older)(**{**older.__dict__, "metadata": type(older.metadata)(
        **{**older.metadata.as_dict(), "template_version": "1.0"})})  # fmt: skip
    path = root / "older.db"
    with open_ledger(path, write=True) as ledger:
        sid = ledger.add_submission(
            type(older)(**{**older.__dict__, "fields": {**older.fields, "key_achievements": "Pilot live"},
                           "tables": {"RAID": [{"id": "R-001", "status": "Monitoring"}],
                                      "NextSteps": [{"id": "N-001", "owner": "Ana / Finance"}]}}),
            "2026-10-01T00:00:00",
        )  # fmt: skip
    with open_ledger(path) as ledger:
        fields, tables = in_current_shape(
            ledger, "project_status", {sid: ledger.stored_submission(sid).fields},
            {"RAID": {sid: [{"id": "R-001", "status": "Monitoring"}]},
             "NextSteps": {sid: [{"id": "N-001", "owner": "Ana / Finance"}]}},
        )  # fmt: skip
        assert ledger.stored_submission(sid).tables["RAID"][0]["status"] == "Monitoring"  # the record as stored
    assert "key_achievements" not in fields[sid] and fields[sid]["lessons_learned"] is None
    assert tables["RAID"][sid] == [{"id": "R-001", "status": "Watching", "mitigation_cost": None}]
    assert tables["NextSteps"][sid] == [{"id": "N-001", "owner": "Ana", "owner_team": "Finance"}]


# -- hostile: version metadata edited by hand, a workbook of another template ----------------------------------


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"template_version": "1.0.0"}, "version '1.0.0', but that is no version pmo-xl writes (it reads 1.0, 1.1, "
                                        "2.0); the metadata was edited by hand"),
        ({"template_version": "v1"}, "version 'v1', but that is no version pmo-xl writes"),
        ({"template_version": "9.9"}, "version '9.9', but it was made by a newer pmo-xl (this one reads 1.0, 1.1, "
                                      "2.0): upgrade pmo-xl"),
        ({"template_version": "0.9"}, "version '0.9', but this pmo-xl reads 1.0, 1.1, 2.0: regenerate"),
        ({"template_id": "project_charter"}, "the workbook says it is template 'project_charter', which this PMO "
                                             "does not collect"),
    ],
)  # fmt: skip
def test_hand_edited_version_metadata_and_another_template_are_refused_in_one_line(month, metadata, message):
    root, _, _ = month
    generated = next((root / "2026-10").glob("P-1 *"))
    target = root / f"hostile {sorted(metadata.values())[0]}.xlsx"
    _fill(generated, target, "1.0", *_entries("P-1", "2026-10", "1.0"), metadata=metadata)
    parsed, findings = read_submission(target)
    assert parsed is None
    (finding,) = findings
    assert finding.severity == "error" and message in finding.message and "\n" not in finding.message


def test_a_version_edited_on_the_sheet_but_not_in_the_properties_is_refused(month):
    root, _, _ = month
    generated = next((root / "2026-11").glob("P-1 *"))
    target = root / "sheet only.xlsx"
    with patch.object(demo_data, "PROJECT_STATUS", series_schema("1.1")):
        writer = demo_data._Writer(XlsxPackage(generated.read_bytes(), str(generated)))
        reference = writer.structure.name("pmo_meta_template_version")
        writer.put(reference.sheet, reference.row, reference.column, "1.0")
        target.write_bytes(writer.bytes())
    parsed, (finding,) = read_submission(target)
    assert parsed is None and finding.code == "unknown_template_version"
    assert "hidden metadata says project_status version '1.0' but its document properties say '1.1'" in finding.message
