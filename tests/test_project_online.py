"""`pmo import project-online`: a Project Online export, as a PMO saved it before the service closed, becomes a new
register and a mapping report. The fixtures are built here from the names in docs/project-online.md: JSON verbose
with /Date()/ values, JSON light in two pages with a repeated row and one unknown property, an .xlsx written as one
table, a .csv, an unknown entity set, and a zip of them all."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from pmo_xl.cli.import_online import project_online_command
from pmo_xl.errors import ExportError
from pmo_xl.excel.tables import read_table
from pmo_xl.imports.project_online import ENTITY_SETS, read_export
from pmo_xl.register import read_register
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.values import parse_odata_date

DATA_CENTRE = "7e910f5b-95e2-e111-8d29-00155d35d32e"
CRM = "5263ee3e-66e6-e111-9fc9-00155d35d32e"


def _ms(day: dt.date) -> str:
    """A day as the V3 verbose feed writes it."""
    return (
        f"/Date({int((dt.datetime(day.year, day.month, day.day) - dt.datetime(1970, 1, 1)).total_seconds()) * 1000})/"
    )


def _project(guid: str, name: str, code: str, sponsor: str, budget: str, start: dt.date, finish: dt.date) -> dict:
    return {
        "__metadata": {"id": f"https://contoso.sharepoint.com/sites/pwa/_api/ProjectData/Projects(guid'{guid}')",
                       "type": "ReportingData.Project"},
        "ProjectId": guid, "ProjectName": name, "ProjectOwnerName": "Ana Silva" if code == "DC-01" else None,
        "ProjectManagerName": "Marc Dupont", "ProjectStartDate": _ms(start), "ProjectFinishDate": _ms(finish),
        "ProjectCost": "310000.000000", "ProjectActualCost": "120000.000000", "ProjectBudgetCost": budget,
        "ProjectCurrency": "EUR", "ProjectPercentCompleted": 40, "EnterpriseProjectTypeName": "Enterprise Project",
        # Custom fields, with their spaces stripped as the feed names them ("Project Code" -> ProjectCode).
        "ProjectCode": code, "Sponsor": sponsor, "BusinessUnit": "IT",
        "Tasks": {"__deferred": {"uri": f"https://contoso.sharepoint.com/sites/pwa/_api/ProjectData/Projects(guid'{guid}')/Tasks"}},
    }  # fmt: skip


def _task(project: str, task_id: str, name: str, milestone: bool, finish: str, colour: str | None = None) -> dict:
    row = {"ProjectId": project, "TaskId": task_id, "TaskName": name, "TaskIsMilestone": milestone,
           "TaskIsSummary": False, "TaskOutlineLevel": 1, "TaskStartDate": "2026-01-05T08:00:00",
           "TaskFinishDate": finish, "TaskPercentCompleted": 0, "TaskClientUniqueId": 3}  # fmt: skip
    if colour:
        row["TaskColourCode"] = colour  # not a documented property: the report must name it
    return row


def build_export(folder: Path) -> Path:
    """An export as a PMO saved it: every form and quirk docs/project-online.md describes."""
    folder.mkdir(parents=True, exist_ok=True)
    projects = [
        _project(DATA_CENTRE, "Data centre move", "DC-01", "Claire Martin", "250000.000000",
                 dt.date(2026, 1, 5), dt.date(2026, 6, 26)),
        _project(CRM, "CRM replacement", "CRM-02", "Omar Haddad", "0.000000", dt.date(2026, 2, 2),
                 dt.date(2026, 11, 30)),
    ]  # fmt: skip
    (folder / "Projects.json").write_text(json.dumps({"d": {"results": projects}}), encoding="utf-8")
    stages = [
        {"ProjectId": DATA_CENTRE, "StageId": "s1", "StageName": "Create", "StageOrder": 1,
         "StageEntryDate": "2025-11-03T00:00:00Z", "StageStatus": 2},
        {"ProjectId": DATA_CENTRE, "StageId": "s2", "StageName": "Execute", "StageOrder": 3,
         "StageEntryDate": "2026-01-05T00:00:00Z", "StageStatus": 1},
    ]  # fmt: skip
    (folder / "ProjectWorkflowStageDataSet.json").write_text(json.dumps({"value": stages}), encoding="utf-8")
    first = [_task(DATA_CENTRE, "t1", "Design signed off", True, "2026-02-27T17:00:00"),
             _task(DATA_CENTRE, "t2", "Racks installed", False, "2026-04-10T17:00:00")]  # fmt: skip
    second = [first[1], _task(DATA_CENTRE, "t3", "Cut-over weekend", True, "2026-06-27T17:00:00", colour="Red")]
    next_link = "https://contoso.sharepoint.com/sites/pwa/_api/ProjectData/Tasks?$skiptoken='t2'"
    (folder / "Tasks.json").write_text(json.dumps({"odata.nextLink": next_link, "value": first}), encoding="utf-8")
    (folder / "Tasks-2.json").write_text(json.dumps({"value": second}), encoding="utf-8")
    book = xlsxwriter.Workbook(str(folder / "ProjectBaselines.xlsx"))
    sheet = book.add_worksheet("ProjectBaselines")
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.add_table("A1:E3", {"name": "ProjectBaselines", "columns": [
        {"header": "ProjectId"}, {"header": "BaselineNumber"}, {"header": "ProjectBaselineCost"},
        {"header": "ProjectBaselineStartDate", "format": date_format},
        {"header": "ProjectBaselineFinishDate", "format": date_format}]})  # fmt: skip
    for row, values in enumerate(
        [(CRM, 0, 480000, dt.datetime(2026, 2, 2, 8), dt.datetime(2026, 10, 30, 17)),
         (CRM, 1, 520000, dt.datetime(2026, 2, 2, 8), dt.datetime(2026, 11, 30, 17))], start=1):  # fmt: skip
        sheet.write_row(row, 0, values[:3])
        sheet.write_datetime(row, 3, values[3], date_format)
        sheet.write_datetime(row, 4, values[4], date_format)
    book.close()
    (folder / "TimesheetLines.json").write_text(json.dumps({"value": [{"TimesheetLineId": "x", "PeriodName": "W1"}]}))
    return folder


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"pwa-export/{file.name}")
    return target


def _run(*args: object):
    return CliRunner().invoke(project_online_command, [str(arg) for arg in args])


def test_the_export_becomes_a_register_that_reads_back(tmp_path):
    export = build_export(tmp_path / "export")
    result = _run(export, "--out", tmp_path / "out", "--id-field", "project code")
    assert result.exit_code == 0, result.output
    records = read_register(tmp_path / "out" / "register.csv", PROJECT_STATUS)
    by_id = {record.project_id: record for record in records}
    assert sorted(by_id) == ["CRM-02", "DC-01"]
    data_centre, crm = by_id["DC-01"], by_id["CRM-02"]
    assert (data_centre.project_name, data_centre.project_manager, data_centre.sponsor) == (
        "Data centre move", "Ana Silva", "Claire Martin")  # fmt: skip
    assert crm.project_manager == "Marc Dupont"  # no ProjectOwnerName: ProjectManagerName
    assert (data_centre.start_date, data_centre.end_date) == (dt.date(2026, 1, 5), dt.date(2026, 6, 26))
    assert data_centre.stage == "Execute"  # the stage entered last
    assert data_centre.fields["budget_original"] == 250000
    assert crm.fields["budget_original"] == 480000  # ProjectBudgetCost 0: baseline 0's cost
    assert data_centre.fields["currency"] == "EUR" and data_centre.fields["money_unit"] == "units"
    frame = read_table(tmp_path / "out" / "register.csv")
    assert list(frame["external_id"]) == [CRM, DATA_CENTRE]
    assert list(frame["custom_businessunit"]) == ["IT", "IT"]
    assert "custom_projectcode" not in frame.columns  # it became project_id


def test_the_mapping_report_names_what_is_unknown_and_what_was_repeated(tmp_path):
    export = build_export(tmp_path / "export")
    result = _run(export, "--out", tmp_path / "out", "--id-field", "Project Code")
    assert "unknown: TimesheetLines (unknown entity set (TimesheetLines.json): not read further)" in result.output
    assert "unknown: Tasks.TaskColourCode" in result.output
    report = read_table(tmp_path / "out" / "import-report.xlsx", "Mapping")
    lines = {(row.entity_set, row.property): (row.became, row.note) for row in report.itertuples()}
    assert lines[("Tasks", None)][1].startswith("3 row(s) from Tasks.json, Tasks-2.json; 1 row(s) repeated")
    assert lines[("Tasks", "TaskColourCode")][1].startswith("unknown property")
    assert lines[("TimesheetLines", "PeriodName")][1] == "property of an unknown entity set"
    assert lines[("Projects", "ProjectOwnerName")][0] == "register project_manager"
    assert lines[("Projects", "BusinessUnit")][0] == "register custom_businessunit"


def test_a_zip_gives_the_same_register_and_a_second_run_changes_nothing(tmp_path):
    export = build_export(tmp_path / "export")
    assert _run(export, "--out", tmp_path / "from-folder").exit_code == 0
    archive = _zip(export, tmp_path / "pwa-export.zip")
    first = _run(archive, "--out", tmp_path / "from-zip")
    assert first.exit_code == 0, first.output
    register = (tmp_path / "from-zip" / "register.csv").read_bytes()
    assert register == (tmp_path / "from-folder" / "register.csv").read_bytes()
    # Without --id-field the ids are generated, in project-name order, and listed.
    assert "2 project id(s) generated: PO-001, PO-002" in first.output
    again = _run(archive, "--out", tmp_path / "from-zip")
    assert again.exit_code == 0 and "(unchanged)" in again.output
    assert (tmp_path / "from-zip" / "register.csv").read_bytes() == register


def test_what_the_register_still_needs_is_listed_and_the_run_exits_1(tmp_path):
    export = build_export(tmp_path / "export")
    result = _run(export, "--out", tmp_path / "out", "--sponsor-field", "Business Owner")
    assert result.exit_code == 1
    assert "warning: no custom field named 'Business Owner' in Projects: sponsor is left blank" in result.output
    assert "to fill in before pmo generate: register.csv: row 2: sponsor is empty" in result.output
    assert (tmp_path / "out" / "register.csv").is_file()


def test_another_register_in_out_is_not_replaced_without_force(tmp_path):
    export = build_export(tmp_path / "export")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "register.csv").write_text("project_id,project_name\nPRJ-1,The PMO's own\n")
    result = _run(export, "--out", tmp_path / "out")
    assert isinstance(result.exception, ExportError) and "--force" in str(result.exception)
    assert "PMO's own" in (tmp_path / "out" / "register.csv").read_text()
    assert not (tmp_path / "out" / "import-report.xlsx").exists()


def _refused(export: Path, out: Path) -> str:
    result = _run(export, "--out", out)
    assert isinstance(result.exception, ExportError), result.output
    message = str(result.exception)
    assert "\n" not in message
    assert not out.exists()  # nothing written
    return message


def test_broken_json_is_one_line_and_nothing_is_written(tmp_path):
    export = build_export(tmp_path / "export")
    (export / "Tasks-2.json").write_text('{"value": [{"TaskId": "t3", ', encoding="utf-8")
    assert _refused(export, tmp_path / "out").startswith("export: Tasks-2.json is not JSON")


def test_an_empty_folder_is_one_line(tmp_path):
    (tmp_path / "export").mkdir()
    assert "no entity set found" in _refused(tmp_path / "export", tmp_path / "out")


def test_a_zip_with_nothing_known_is_one_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("README.txt", "exported from PWA")
        archive.writestr("Timesheets.json", json.dumps({"value": []}))
    message = _refused(tmp_path / "export.zip", tmp_path / "out")
    assert message.startswith("export.zip: none of its files is a ProjectData entity set (Timesheets)")


def test_two_projects_with_one_id_are_refused(tmp_path):
    export = build_export(tmp_path / "export")
    document = json.loads((export / "Projects.json").read_text())
    document["d"]["results"][1]["ProjectCode"] = "dc-01"
    (export / "Projects.json").write_text(json.dumps(document))
    result = _run(export, "--out", tmp_path / "out", "--id-field", "ProjectCode")
    assert isinstance(result.exception, ExportError)
    assert "is the id of both" in str(result.exception) and not (tmp_path / "out").exists()


def test_pages_that_disagree_on_a_row_are_refused(tmp_path):
    export = build_export(tmp_path / "export")
    page = json.loads((export / "Tasks-2.json").read_text())
    page["value"][0]["TaskName"] = "Racks installed and cabled"
    (export / "Tasks-2.json").write_text(json.dumps(page))
    with pytest.raises(ExportError, match=r"Tasks has two different rows for ProjectId .* TaskId t2"):
        read_export(export)


def test_odata_dates_and_the_documented_spelling():
    assert parse_odata_date("/Date(1330588800000)/") == dt.date(2012, 3, 1)
    assert parse_odata_date("/Date(1330588800000+0060)/") == dt.date(2012, 3, 1)
    assert parse_odata_date("2012-03-01") is None
    assert {"BusinessDriverName", "BusinessDriveName"} <= set(ENTITY_SETS["PrioritizationDrivers"].properties)


def test_every_name_the_module_uses_is_in_the_docs():
    names = (Path(__file__).resolve().parent.parent / "docs" / "project-online.md").read_text(encoding="utf-8")
    for entity_set in ENTITY_SETS.values():
        assert f"`{entity_set.name}`" in names
        for name in entity_set.properties:
            assert f"`{name}`" in names, (entity_set.name, name)


def test_an_export_without_projects_or_with_a_page_twice_is_one_line(tmp_path):
    export = build_export(tmp_path / "export")
    (export / "Projects.json").unlink()
    assert "no Projects set" in _refused(export, tmp_path / "out")
    (export / "Tasks-1.xlsx").write_bytes((export / "ProjectBaselines.xlsx").read_bytes())
    assert "Tasks-1.xlsx, Tasks.json are both page 1 of Tasks" in _refused(export, tmp_path / "out")


def test_a_second_run_writes_the_same_report_byte_for_byte(tmp_path):
    export = build_export(tmp_path / "export")
    assert _run(export, "--out", tmp_path / "out", "--id-field", "Project Code").exit_code == 0
    report = (tmp_path / "out" / "import-report.xlsx").read_bytes()
    again = _run(export, "--out", tmp_path / "out", "--id-field", "Project Code")
    assert again.exit_code == 0 and "(unchanged)" in again.output
    assert (tmp_path / "out" / "import-report.xlsx").read_bytes() == report


def test_baselines_become_period_0_ledger_records_once(tmp_path):
    from pmo_xl.ledger import open_ledger

    export = build_export(tmp_path / "export")
    ledger = tmp_path / "pmo.sqlite"
    first = _run(export, "--out", tmp_path / "out", "--id-field", "Project Code", "--ledger", ledger, "--baseline", 1)
    assert first.exit_code == 0, first.output
    assert "1 baseline(s) 1 recorded" in first.output
    assert "warning: no baseline 1 in ProjectBaselines for DC-01 (Data centre move)" in first.output
    with open_ledger(ledger) as opened:
        (crm,) = opened.imported_baselines()
    assert (crm.project_id, crm.external_id, crm.baseline_number) == ("CRM-02", CRM, 1)
    assert (crm.start_date, crm.finish_date, crm.cost) == (dt.date(2026, 2, 2), dt.date(2026, 11, 30), 520000)
    assert (crm.currency, crm.money_unit, crm.source) == ("EUR", "units", "export")
    again = _run(export, "--out", tmp_path / "out", "--id-field", "Project Code", "--ledger", ledger, "--baseline", 1)
    assert "0 baseline(s) 1 recorded" in again.output and "(1 already there)" in again.output
    with open_ledger(ledger) as opened:
        assert len(opened.imported_baselines()) == 1
        assert opened.counts()["imported_baseline"] == 1


def test_a_localized_export_is_read_through_a_names_file(tmp_path):
    export = build_export(tmp_path / "export")
    projects = json.loads((export / "Projects.json").read_text(encoding="utf-8"))
    for row in projects["d"]["results"]:  # a German PWA: the custom field is "Projektcode"
        row["Projektcode"] = row.pop("ProjectCode")
    (export / "Projects.json").write_text(json.dumps(projects), encoding="utf-8")
    names = tmp_path / "names.csv"
    names.write_text("feed_name;name\nProjektcode;Project Code\n", encoding="utf-8")
    result = _run(export, "--out", tmp_path / "out", "--id-field", "Project Code", "--names", names)
    assert result.exit_code == 0, result.output
    assert sorted(read_table(tmp_path / "out" / "register.csv")["project_id"]) == ["CRM-02", "DC-01"]
    report = read_table(tmp_path / "out" / "import-report.xlsx", "Mapping")
    line = report[report["property"] == "Project Code"].iloc[0]
    assert line["became"] == "register project_id"
    assert line["note"].startswith("named Projektcode in the export (--names)")
    names.write_text("feed_name,name\nProjektcode,\n", encoding="utf-8")
    refused = _run(export, "--out", tmp_path / "out2", "--names", names)
    assert str(refused.exception) == "names.csv, row 2: give both feed_name and name"
    assert not (tmp_path / "out2").exists()


def test_a_page_is_read_as_a_stream_whatever_its_shape(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    rows = [{"ProjectId": DATA_CENTRE, "ProjectName": "Data centre move", "ProjectCode": "DC-01"}]
    # a BOM, and the next-page link before the rows (JSON light may put it first)
    text = json.dumps({"odata.nextLink": "https://x/Projects?$skip=1", "value": rows})
    (folder / "Projects.json").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    read = read_export(folder)
    assert read.rows("Projects") == tuple(rows) and read.sets["Projects"].next_page_missing
    (folder / "Projects.json").write_text(json.dumps({"d": {"results": rows, "__next": "https://x?$skip=1"}}))
    assert read_export(folder).sets["Projects"].next_page_missing
    (folder / "Projects.json").write_text(json.dumps({"d": {"results": rows}}))
    assert not read_export(folder).sets["Projects"].next_page_missing
    (folder / "Projects.json").write_text(json.dumps({"d": rows}))  # V1 verbose
    assert read_export(folder).rows("Projects") == tuple(rows)
    (folder / "Projects.json").write_text(json.dumps({"value": rows}) + " trailing")
    with pytest.raises(ExportError, match=r"^export: Projects.json is not JSON \(parse error: trailing garbage\)"):
        read_export(folder)
    (folder / "Projects.json").write_text(json.dumps({"results": rows}))
    with pytest.raises(ExportError, match="is JSON but not an OData feed"):
        read_export(folder)


def test_drivers_without_a_prioritization_is_one_line_and_nothing_is_written(tmp_path):
    export = build_export(tmp_path / "export")
    (export / "BusinessDrivers.csv").write_text(
        "BusinessDriverId,BusinessDriverName,BusinessDriverDescription\nd1,Grow revenue,New income\n",
        encoding="utf-8-sig",
    )
    message = _refused(export, tmp_path / "out")
    assert message.startswith("export: no Prioritizations set (Prioritizations.json, .xlsx or .csv)")


def test_a_zip_with_two_files_for_one_set_or_a_bomb_is_one_line(tmp_path):
    export = build_export(tmp_path / "export")
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(export / "Projects.json", "march/Projects.json")
        archive.write(export / "Projects.json", "april/Projects.json")
    message = _refused(twice, tmp_path / "out")
    assert (
        message == "twice.zip: march/Projects.json and april/Projects.json are both Projects.json; keep one "
        "(the zip holds two exports?)"
    )
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Projects.json", b" " * (64 << 20))  # 64 MB of blanks deflate about a thousandfold
    assert "would inflate" in _refused(bomb, tmp_path / "out")
