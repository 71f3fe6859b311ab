"""Every reader of stored reports follows the template's versions (issue 16, point 4).

A ledger kept across a template change, as a PMO lives it: pmo-xl's status template is at 1.0 (the test series'
first version, tests/template_series.py) for two months, its reports collected and the derived tables written in
that reading; then pmo-xl moves to 2.0 (a renamed RAID status, an added RAID column, a split NextSteps owner, a
retired field) and the next month is generated from the ledger and collected. The v1.0 reports stay in the record as
they were stored, and every reader reads them in 2.0's shape.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.requests import read_request_forms
from pmo_xl.derived import current_fields, current_submission, current_tables, reading_key
from pmo_xl.errors import PmoError
from pmo_xl.excel.package import XlsxPackage
from pmo_xl.generate.carry_forward import CLOSED_STATUSES, carry_forward_from_ledger
from pmo_xl.generate.generator import TemplateSource, WorkbookFill, fill_for_project, template_path
from pmo_xl.ledger import LedgerError, open_ledger
from pmo_xl.register import ProjectRecord
from pmo_xl.reporting.history import check_ledger
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.views import load_views
from pmo_xl.templates import catalog, migrations
from pmo_xl.templates.builder import build_template
from pmo_xl.templates.schema import Column
from pmo_xl.templates.versions import Migration, SplitColumn, changelog, known_versions, migration_map, schema_at
from tests.collect_builders import status_submission
from tests.outputs import table as read_table
from tests.template_series import SERIES, SHIPPED, V2, series_schema, use_series
from tests.test_collect_versions import _fill
from tests.test_generator import named_values, table_rows

PROJECTS = {"P-1": "Green", "P-2": "Red", "P-3": "Amber"}
OLD_PERIODS = ("2026-09", "2026-10")  # collected while pmo-xl's template was 1.0
NEW_PERIOD = "2026-11"  # generated from the ledger and collected at 2.0
TODAY = dt.date(2026, 12, 10)
CARRIED = ("Milestones", "RAID", "Benefits", "Decisions", "ChangeRequests")


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _entries(project_id: str, period: str, version: str) -> tuple[dict, dict]:
    """A report as its PM fills it at `version`: fields, Milestones, RAID (one risk 'Monitoring' at 1.0, 'Watching'
    later; one closed), Decisions and NextSteps (an owner 'Ana / Finance', split into owner and team at 2.0)."""
    month = int(period[5:])
    submitted = dt.date(int(period[:4]), month, 8)
    rag = PROJECTS[project_id]
    fields = {"submitted_on": submitted, "percent_complete": month / 20, "actual_to_date": 100 * month,
              "estimate_at_completion": 9000 + month, "forecast_end_date": dt.date(2027, 6, month),
              **{f"rag_{d}": "Green" for d in ("schedule", "cost", "scope", "resources", "benefits")},
              "rag_overall": rag}  # fmt: skip
    if rag != "Green":
        fields |= {"rag_overall_rationale": "Supplier late", "rag_overall_path_to_green": "Second supplier"}
    if version != "2.0":
        fields["key_achievements"] = f"{project_id} delivered in {period}"
    if version != "1.0":
        fields["lessons_learned"] = "Book suppliers early"
    watching = "Monitoring" if version == "1.0" else "Watching"
    milestones = [
        {"id": "M-001", "name": "Design signed", "key": "Yes", "baseline_date": dt.date(2026, 8, 31),
         "forecast_date": dt.date(2026, 8, 31), "actual_date": dt.date(2026, 8, 28), "status": "Complete"},
        {"id": "M-002", "name": "Go live", "key": "Yes", "baseline_date": dt.date(2027, 3, 31),
         "forecast_date": dt.date(2027, 4, month), "status": "At risk", "comment": f"moved in {period}"},
    ]  # fmt: skip
    raid = [
        {"id": "R-001", "type": "Risk", "description": "Supplier capacity", "owner": "Ana",
         "date_raised": dt.date(2026, 9, 1), "probability": 3, "impact": 4, "financial_exposure": 1200,
         "escalate": "Yes", "status": watching},
        {"id": "R-002", "type": "Issue", "description": "Test rig", "owner": "Ben",
         "date_raised": dt.date(2026, 9, 2), "status": "Open"},
        {"id": "R-003", "type": "Risk", "description": "Licence audit", "owner": "Cy",
         "date_raised": dt.date(2026, 9, 3), "status": "Closed", "date_closed": dt.date(2026, 9, 30)},
    ]  # fmt: skip
    decisions = [{"id": "D-001", "decision": "Which supplier", "owner": "Ana / Finance",
                  "required_by": dt.date(2026, 12, 1), "status": "Open"}]  # fmt: skip
    steps = [{"id": "N-001", "step": "Sign off", "owner": "Ana / Finance", "due_date": dt.date(2027, 1, 5)},
             {"id": "N-002", "step": "Cut over", "owner": "Ben", "due_date": dt.date(2027, 1, 9)}]  # fmt: skip
    if version != "1.0":
        raid[0]["mitigation_cost"] = 250
    if version == "2.0":
        steps = [{**row, "owner": row["owner"].split(" / ")[0], "owner_team": "Finance"} for row in steps]
    return fields, {"Milestones": milestones, "RAID": raid, "Decisions": decisions, "NextSteps": steps}


def _history(root: Path, name: str) -> list[dict]:
    path = root / name
    _run("export", "history", str(path), "--ledger", str(root / "ledger.db"))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _counted(root: Path) -> list[tuple]:
    with open_ledger(root / "ledger.db") as ledger:
        return [tuple(row) for row in ledger.counted("project_status", with_state=True)]


@pytest.fixture(scope="module")
def ledger_of_two_versions(tmp_path_factory):
    root = tmp_path_factory.mktemp("follow")
    register = root / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,pm_email,sponsor,programme,start_date,end_date,budget,currency,"
        "money_unit,lifecycle_status\n"
        + "".join(f"{p},Project {p},PM,pm@example.org,Sponsor,Finance systems,2026-01-15,2027-12-31,10000,EUR,"
                  "units,active\n" for p in PROJECTS),
        encoding="utf-8",
    )  # fmt: skip
    ledger = root / "ledger.db"
    collect = ("--ledger", str(ledger), "--register", str(register), "--today", str(TODAY))
    seen: dict[str, object] = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_series(monkeypatch)
        v1_0 = series_schema("1.0")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # pmo-xl as it was: the status template at 1.0, no migration declared
        monkeypatch.setitem(catalog.SCHEMAS, "project_status", v1_0)
        monkeypatch.setitem(migrations.MIGRATIONS, "project_status", ())
        build_template(v1_0, root / "templates-1.0" / "project_status.xlsx")
        for period in OLD_PERIODS:
            carry = ("--ledger", str(ledger)) if ledger.exists() else ()  # the first month starts blank
            _run("generate", "--register", str(register), "--out", str(root / period), "--period", period,
                 "--templates-dir", str(root / "templates-1.0"), *carry)  # fmt: skip
            inbox = root / f"inbox-{period}"
            inbox.mkdir()
            for generated in sorted((root / period).glob("*.xlsx")):
                project_id = generated.name.split(" - ")[0]
                _fill(generated, inbox / generated.name, "1.0", *_entries(project_id, period, "1.0"))
            _run("collect", str(inbox), *collect, "--out", str(root / f"portfolio-{period}.xlsx"), "--period", period)
        seen["history at 1.0"] = _history(root, "history-1.0.csv")
        seen["counted at 1.0"] = _counted(root)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # pmo-xl moves on to 2.0; the ledger holds 1.0 reports, stored in 1.0's shape
        use_series(monkeypatch)
        seen["check after the upgrade"] = check_ledger(ledger)
        build_template(V2, root / "templates-2.0" / "project_status.xlsx")
        _run("generate", "--register", str(register), "--out", str(root / NEW_PERIOD), "--period", NEW_PERIOD,
             "--templates-dir", str(root / "templates-2.0"), "--ledger", str(ledger))  # fmt: skip
        inbox = root / f"inbox-{NEW_PERIOD}"
        inbox.mkdir()
        for generated in sorted((root / NEW_PERIOD).glob("*.xlsx")):
            project_id = generated.name.split(" - ")[0]
            _fill(generated, inbox / generated.name, "2.0", *_entries(project_id, NEW_PERIOD, "2.0"))
        _run("collect", str(inbox), *collect, "--out", str(root / "portfolio.xlsx"), "--period", NEW_PERIOD)
        _run("dashboard", str(root / "dashboard.xlsx"), "--ledger", str(ledger), "--today", str(TODAY))
        seen["history at 2.0"] = _history(root, "history-2.0.csv")
        seen["counted at 2.0"] = _counted(root)  # as the 2.0 collect left them (no rebuild)
        yield root, seen, monkeypatch


def _submission_id(root: Path, project_id: str, period: str) -> int:
    with open_ledger(root / "ledger.db") as ledger:
        headers = ledger.submissions("project_status", project_ids=[project_id], periods=[period])
    return int(headers["submission_id"].iloc[0])


def _cell(value: object) -> object:
    """A cell as calamine gives it, in the terms the ledger holds: a blank is None, a date-time at midnight a date."""
    if value == "":
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def test_the_ledger_holds_both_versions_the_old_in_its_own_shape(ledger_of_two_versions):
    root, _, _ = ledger_of_two_versions
    with open_ledger(root / "ledger.db") as ledger:
        headers = ledger.submissions("project_status")
        old = ledger.stored_submission(_submission_id(root, "P-1", "2026-10"))
    versions = dict(zip(headers["reporting_period"], headers["template_version"], strict=False))
    assert versions == {"2026-09": "1.0", "2026-10": "1.0", "2026-11": "2.0"} and len(headers) == 9
    assert set(headers["source_version"]) == {""}  # each file was in the version it was stored in
    # the record is never rewritten: the 1.0 report keeps its own values
    assert old.header["template_version"] == "1.0" and old.fields["key_achievements"] == "P-1 delivered in 2026-10"
    assert [r["status"] for r in old.tables["RAID"]] == ["Monitoring", "Open", "Closed"]
    assert old.tables["NextSteps"][0]["owner"] == "Ana / Finance"


def test_the_shared_reader_gives_a_v1_0_report_in_v2_0_shape(ledger_of_two_versions):
    root, _, _ = ledger_of_two_versions
    sid = _submission_id(root, "P-2", "2026-10")
    with open_ledger(root / "ledger.db") as ledger:
        stored = ledger.stored_submission(sid)
        read = current_submission(ledger, sid)
        fields = current_fields(ledger, "project_status", [sid])[sid]
        tables = current_tables(ledger, "project_status", ["RAID", "NextSteps"], [sid])
    assert (read.header["template_version"], read.header["source_version"]) == ("2.0", "1.0")
    assert read.fields == fields and "key_achievements" not in fields and fields["lessons_learned"] is None
    assert tables["RAID"][sid] == read.tables["RAID"] and tables["NextSteps"][sid] == read.tables["NextSteps"]
    assert [(r["status"], r["mitigation_cost"]) for r in read.tables["RAID"]] == [
        ("Watching", None), ("Open", None), ("Closed", None)
    ]  # fmt: skip
    assert [(r["owner"], r["owner_team"]) for r in read.tables["NextSteps"]] == [("Ana", "Finance"), ("Ben", None)]
    # every other value is the stored one, unmoved
    for name, value in stored.fields.items():
        if name != "key_achievements":
            assert read.fields[name] == value, name
    for table, rows in stored.tables.items():
        for before, after in zip(rows, read.tables[table], strict=True):
            for key, value in before.items():
                if (table, key) not in {("RAID", "status"), ("NextSteps", "owner")}:
                    assert after[key] == value, (table, key)


def test_carry_forward_into_a_v2_0_workbook_migrates_every_carried_cell(ledger_of_two_versions):
    root, _, _ = ledger_of_two_versions
    the_map = migration_map("project_status", "1.0")
    for project_id in PROJECTS:
        generated = next((root / NEW_PERIOD).glob(f"{project_id} - *.xlsx"))
        assert named_values(generated)["pmo_meta_template_version"] == "2.0"
        _, last_report = _entries(project_id, "2026-10", "1.0")  # what the PM typed into the v1.0 workbook
        for table_name in CARRIED:
            header, *body = table_rows(generated, table_name)
            keys = {column.header: column.key for column in V2.table(table_name).columns}
            written = [{keys[h]: _cell(v) for h, v in zip(header, row, strict=True)} for row in body]
            closed = CLOSED_STATUSES.get(table_name, set())
            carried = [row for row in last_report.get(table_name, []) if row.get("status") not in closed]
            for index, old_row in enumerate(carried):  # every cell of the v1.0 row, at its v2.0 destination
                new_row = written[index]
                for column in series_schema("1.0").table(table_name).columns:
                    if column.formula is not None:
                        continue
                    value = old_row.get(column.key)
                    (destination,) = the_map.columns[(table_name, column.key)]
                    expected = the_map.choices.get((f"{table_name}[{destination}]", value), value)
                    assert new_row[destination] == expected, (project_id, table_name, old_row["id"], column.key)
                new_columns = {c.key for c in V2.table(table_name).columns} - {
                    d for c in series_schema("1.0").table(table_name).columns
                    for d in the_map.columns[(table_name, c.key)]
                }  # fmt: skip
                assert all(new_row[key] is None for key in new_columns), (table_name, new_columns)
            for row in written[len(carried) :]:  # the rest of the table is blank (ids ready, nothing carried)
                assert all(value is None for key, value in row.items() if key not in ("id", "severity")), row
        assert [row[table_rows(generated, "RAID")[0].index("Status")] for row in table_rows(generated, "RAID")[1:3]] \
            == ["Watching", "Open"]  # fmt: skip


def test_carry_forward_refuses_a_template_of_another_version_than_the_ledger_is_read_in(ledger_of_two_versions):
    root, _, _ = ledger_of_two_versions
    with pytest.raises(PmoError) as refused:
        carry_forward_from_ledger(root / "ledger.db", series_schema("1.1"))
    message = str(refused.value)
    assert "project_status version 2.0 only" in message and "not 1.1" in message and "\n" not in message


def test_export_history_reads_the_v1_0_periods_as_before_the_change(ledger_of_two_versions):
    _, seen, _ = ledger_of_two_versions
    before, after = seen["history at 1.0"], seen["history at 2.0"]
    assert [(r["project_id"], r["period"]) for r in after] == [
        (p, period) for p in PROJECTS for period in (*OLD_PERIODS, NEW_PERIOD)
    ]
    # the same figures, column by column, for every v1.0 period: the trend runs on across the change
    assert [r for r in after if r["period"] in OLD_PERIODS] == before
    assert {r["rag_overall"] for r in after if r["project_id"] == "P-3"} == {"Amber"}


def test_the_dashboard_trend_and_since_last_period_run_across_the_change(ledger_of_two_versions):
    root, _, _ = ledger_of_two_versions
    trend = {row["Period"]: row for row in read_table(root / "dashboard.xlsx", "DashTrend")}
    for period in (*OLD_PERIODS, NEW_PERIOD):
        assert [trend[period][name] for name in ("Green", "Amber", "Red", "Not reported")] == [1, 1, 1, 0], period
    views = load_views(root / "ledger.db", today=TODAY)
    raid = views.raid.set_index(["project_id", "id"])
    # R-001 was 'Monitoring' in the v1.0 report before: one value under both names, so no change of status
    for project_id in PROJECTS:
        assert raid.loc[(project_id, "R-001"), ["status", "previous_status"]].tolist() == ["Watching", "Watching"]
    assert set(views.raid["previous_status"].dropna()) <= {"Open", "Watching", "Closed"}
    # the dashboard's own reading of the item tables, when the views did not hand theirs over, reads them alike
    items = read_item_history(root / "ledger.db", replace(views, item_rows=None))
    statuses = items.raid[items.raid["id"] == "R-001"].groupby("period")["status"].agg(set).to_dict()
    assert statuses == {"2026-10": {"Watching"}, NEW_PERIOD: {"Watching"}}
    assert views.history["period"].tolist().count("2026-09") == 3


def test_the_ledger_check_is_clean_across_the_change_and_the_old_reading_was_worked_out_again(ledger_of_two_versions):
    root, seen, _ = ledger_of_two_versions
    after_upgrade = seen["check after the upgrade"]
    # the derived rows written in 1.0's reading are stale once pmo-xl reads stored reports otherwise, not wrong
    assert after_upgrade.ok and after_upgrade.stale_projects == tuple(PROJECTS), after_upgrade
    result = check_ledger(root / "ledger.db")
    assert result.ok and not result.stale_projects and result.counted_reports == 9, result
    output = _run("ledger", "check", "--ledger", str(root / "ledger.db"))
    assert "differ" not in output
    assert reading_key("project_status") == "2.0"
    collected = seen["counted at 2.0"]  # what the 2.0 collect wrote: every chain in the new reading
    assert {row[6].rsplit("@", 1)[-1] for row in collected} == {"2.0"}
    assert {row[6] for row in seen["counted at 1.0"]} == {row[6].rsplit("@", 1)[0] for row in collected}


def test_a_rebuild_gives_the_same_counted_reports(ledger_of_two_versions):
    root, seen, _ = ledger_of_two_versions
    _run("ledger", "rebuild", "--ledger", str(root / "ledger.db"))
    assert _counted(root) == seen["counted at 2.0"] and len(seen["counted at 2.0"]) == 9
    assert check_ledger(root / "ledger.db").ok


def test_a_counted_report_gives_the_same_figures_worked_out_before_or_after_the_change(ledger_of_two_versions):
    _, seen, _ = ledger_of_two_versions
    after = {(row[1], row[2]): row for row in seen["counted at 2.0"]}
    for row in seen["counted at 1.0"]:
        again = after[(row[1], row[2])]
        assert row[3:6] == again[3:6] and row[7] == again[7]  # same submission, chain, position and RAG
        shown_before, shown_after = row[8], again[8]
        # the one difference: key_achievements, a field 2.0 retired, no longer read into the record
        assert shown_before.replace(f'"key_achievements":"{row[1]} delivered in {row[2]}"', '"key_achievements":""') \
            == shown_after  # fmt: skip


def test_a_report_stored_in_a_version_this_pmo_xl_does_not_know_is_refused_in_one_line(ledger_of_two_versions):
    root, _, _ = ledger_of_two_versions
    newer = status_submission("P-1", "2026-12")  # as a newer pmo-xl, at 2.1, would have stored it
    newer = replace(newer, metadata=replace(newer.metadata, template_version="2.1"))
    with open_ledger(root / "newer.db", write=True) as ledger:
        sid = ledger.add_submission(newer, "2027-01-02T00:00:00")
    with open_ledger(root / "newer.db") as ledger:
        with pytest.raises(LedgerError) as refused:
            current_submission(ledger, sid)
        with pytest.raises(LedgerError):
            current_tables(ledger, "project_status", ["RAID"], [sid])
    message = str(refused.value)
    assert f"submission {sid} is stored in project_status version 2.1" in message
    assert "it reads 1.0, 1.1, 2.0" in message and "upgrade pmo-xl" in message and "\n" not in message


def test_the_shipped_status_template_moves_no_value_so_stored_chains_keep_their_keys():
    # 1.0 -> 1.1 changed defaults and an instruction only: a ledger's derived rows stay as they were written
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setitem(catalog.SCHEMAS, "project_status", SHIPPED)
        monkeypatch.setitem(migrations.MIGRATIONS, "project_status", migrations.PROJECT_STATUS_MIGRATIONS)
        assert reading_key("project_status") == ""
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_series(monkeypatch)
        assert reading_key("project_status") == "2.0"  # the series renames a choice, splits a column


def test_no_module_reads_stored_values_but_through_the_shared_reader():
    """Stored field values and table rows are read in one place (pmo_xl.derived's current_*), so no reader can
    forget the migrations: the ledger's raw readers are called from pmo_xl.derived alone."""
    package = Path(__file__).resolve().parent.parent / "pmo_xl"
    raw = (".field_values(", ".table_rows(", ".stored_submission(")
    callers = sorted(
        f"{path.relative_to(package)}: {call}"
        for path in package.rglob("*.py")
        if path.name != "ledger.py" and path.relative_to(package).as_posix() != "derived.py"
        for call in raw
        if call in path.read_text(encoding="utf-8")
    )
    assert callers == []


# -- the request template's 1.1: what the Trust issues changed, declared; request forms of both versions read ---------


def test_the_request_template_is_1_1_and_reads_its_first_shape_as_1_0():
    assert known_versions("project_request") == ("1.0", "1.1") and catalog.PROJECT_REQUEST.version == "1.1"
    old = schema_at("project_request", "1.0")
    # its shape at 3cf3c62: short scoring rows, no 'Adding rows' instruction, EUR and k pre-filled
    assert old.table("RequesterScores").row_height is None
    assert [heading for heading, _ in old.instructions] == [
        "What this is", "How to fill it in", "Scoring", "Money and people"
    ]  # fmt: skip
    assert (old.field("currency").default, old.field("money_unit").default) == ("EUR", "k")
    # nothing else differs: with those put back, 1.0 is the current schema
    back = replace(
        old,
        version="1.1",
        sections=tuple(
            replace(s, fields=tuple(replace(f, default=None) if f.name in ("currency", "money_unit") else f
                                    for f in s.fields))
            for s in old.sections
        ),
        tables=tuple(replace(t, row_height=48) if t.name == "RequesterScores" else t for t in old.tables),
        instructions=catalog.PROJECT_REQUEST.instructions,
    )  # fmt: skip
    assert back == catalog.PROJECT_REQUEST
    lines = changelog("project_request")
    assert lines[0] == "project_request: current version 1.1; reads 1.0, 1.1"
    assert "    - row_height of table:RequesterScores: none -> 48" in lines
    assert "    - added the instruction 'Adding rows', after 'Money and people'" in lines
    assert "    - rule of money_unit: default 'k' -> none" in lines


def test_the_shipped_request_template_says_1_1():
    shipped = template_path("project_request")
    assert named_values(shipped)["pmo_meta_template_version"] == "1.1"
    assert XlsxPackage.from_path(shipped).members["docProps/custom.xml"].count(b"<vt:lpwstr>1.1</vt:lpwstr>") == 1


def _request_form(schema, template: Path, folder: Path, request_id: str) -> Path:
    record = ProjectRecord(0, request_id, f"Request {request_id}", "", "", None, None)
    base = fill_for_project(schema, record, "2026-11", f"token-{request_id}")
    fields = {**base.fields, "requester": "Ann Lee", "requester_email": "ann@example.org", "sponsor": "CFO",
              "department": "Finance", "submitted_on": dt.date(2026, 11, 2), "problem_statement": "Manual invoicing",
              "objectives": "Halve cycle time", "strategic_alignment": "Digital finance", "do_nothing": "Backlog",
              "category": "Discretionary", "desired_start": dt.date(2027, 2, 1), "duration_months": 6,
              "estimate_confidence": 0.8, "currency": "EUR", "money_unit": "k"}  # fmt: skip
    tables = {
        "Financials": [dict(row, capex=100, opex=10, benefit=80) for row in base.tables["Financials"]],
        "RequesterScores": [{"score": 4, "justification": "because"}] * 5,
        "ResourceEstimate": [{"role": "Developer", "2027-02": 2.0, "2027-03": 1.5}],
    }
    path = folder / f"{request_id}.xlsx"
    path.write_bytes(TemplateSource(schema, template).render(WorkbookFill(base.metadata, fields, tables)))
    return path


def test_request_forms_of_1_0_and_1_1_are_read_side_by_side(tmp_path):
    old = schema_at("project_request", "1.0")
    master = build_template(old, tmp_path / "templates-1.0" / "project_request.xlsx")
    folder = tmp_path / "requests"
    folder.mkdir()
    _request_form(old, master, folder, "REQ-010")
    _request_form(catalog.PROJECT_REQUEST, template_path("project_request"), folder, "REQ-011")
    assert named_values(folder / "REQ-010.xlsx")["pmo_meta_template_version"] == "1.0"
    pipeline = read_request_forms(folder, TODAY)
    assert [v.status for v in pipeline.verdicts] == ["accepted", "accepted"], pipeline.verdicts
    (older,) = [v for v in pipeline.verdicts if v.project_id == "REQ-010"]
    assert [f.code for f in older.findings if f.severity == "info"] == ["older_template_version"]
    rows = pipeline.requests.set_index("request_id")
    same = [column for column in rows.columns if column not in ("title", "source_file")]
    assert len(same) > 20 and rows.loc["REQ-010", same].to_dict() == rows.loc["REQ-011", same].to_dict()
    assert len(pipeline.resources) == 4
    # pmo score reads the folder as it did, and pmo collect records both, the older with its own version
    result = CliRunner().invoke(main, ["score", str(folder), "--output", str(tmp_path / "scores.xlsx")])
    assert result.exit_code == 0, result.output
    output = _run("collect", str(folder), "--ledger", str(tmp_path / "ledger.db"), "--today", str(TODAY),
                  "--out", str(tmp_path / "portfolio.xlsx"))  # fmt: skip
    assert "2 file(s): 2 accepted, 0 rejected" in output, output
    with open_ledger(tmp_path / "ledger.db") as ledger:
        headers = ledger.submissions("project_request").set_index("project_id")
    assert headers.loc["REQ-010", ["template_version", "source_version"]].tolist() == ["1.1", "1.0"]
    assert headers.loc["REQ-011", ["template_version", "source_version"]].tolist() == ["1.1", ""]


def test_carry_forward_splits_a_split_column_of_a_carried_table(tmp_path, monkeypatch):
    """The series splits NextSteps, which is not carried; one more version splits a carried column (a decision's
    owner and team) so the carry-forward of a 1.0 report shows the split, beside the renamed RAID status."""
    owner = SHIPPED.table("Decisions").column("owner")
    team = Column("owner_team", "Owner's team", "text", width=16)
    decisions = replace(V2.table("Decisions"), columns=tuple(
        c for column in V2.table("Decisions").columns for c in ((column, team) if column.key == "owner" else (column,))
    ))  # fmt: skip
    v2_1 = replace(V2, version="2.1", tables=tuple(decisions if t.name == "Decisions" else t for t in V2.tables))
    split = Migration("project_status", "2.0", "2.1", "A decision's owner and team apart",
                      (SplitColumn("Decisions", owner, (owner, team), " / ", unsplit="owner"),))  # fmt: skip
    monkeypatch.setitem(catalog.SCHEMAS, "project_status", v2_1)
    monkeypatch.setitem(migrations.MIGRATIONS, "project_status", (*SERIES, split))
    october = status_submission("P-1", "2026-10", dt.date(2026, 11, 3), tables={
        "Decisions": [{"id": "D-001", "decision": "Which supplier", "owner": "Ana / Finance", "status": "Open"},
                      {"id": "D-002", "decision": "Go or not", "owner": "Ben", "status": "Decided"},
                      {"id": "D-003", "decision": "Budget", "owner": "Cy", "status": "Open"}],
        "RAID": [{"id": "R-001", "type": "Risk", "description": "Supplier", "status": "Monitoring"}],
    })  # fmt: skip
    october = replace(october, metadata=replace(october.metadata, template_version="1.0"))
    with open_ledger(tmp_path / "ledger.db", write=True) as ledger:
        ledger.add_submission(october, "2026-11-04T00:00:00")
    record = ProjectRecord(0, "P-1", "Project P-1", "Ana", "Claire", dt.date(2026, 1, 1), dt.date(2027, 6, 30))
    carry = carry_forward_from_ledger(tmp_path / "ledger.db", v2_1)
    carried = carry(record, fill_for_project(v2_1, record, "2026-11", "token"))
    assert carried.tables["Decisions"] == [
        {"id": "D-001", "decision": "Which supplier", "owner": "Ana", "owner_team": "Finance", "required_by": None,
         "status": "Open"},
        {"id": "D-003", "decision": "Budget", "owner": "Cy", "owner_team": None, "required_by": None,
         "status": "Open"},
    ]  # fmt: skip
    assert [(row["id"], row["status"], row["mitigation_cost"]) for row in carried.tables["RAID"]] == [
        ("R-001", "Watching", None)
    ]
