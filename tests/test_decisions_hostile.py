"""What a PMO analyst in Munich or Paris types into `pmo decide` and `pmo scenario`, and gets wrong (issue 18).

Each case ends in a one-line refusal that names the file, row or cell and the fix, or in the right result; never a
traceback, a silent drop or a changed input file. The ledger is built once through the commands (generate, fill,
collect) for two months, and each test works on its own copy:

    project  2026-10 report          2026-11 report (the latest counted)
    A1       D-001 Open, D-002 Open  D-002 Open, D-003 Withdrawn
    B2       -                       D-001 Open
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from pmo_xl.cli import main
from pmo_xl.demo.data import fill_by_name
from pmo_xl.ledger import open_ledger

REGISTER = (
    "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit\n"
    "A1,Billing,Ana,ana@example.org,Sponsor A,2026-01-01,2027-06-30,100000,EUR,units\n"
    "B2,Branches,Ben,ben@example.org,Sponsor B,2026-01-01,2027-06-30,100000,EUR,units\n"
)
NEEDS = {
    "2026-10": {"A1": [("D-001", "Open"), ("D-002", "Open")], "B2": []},
    "2026-11": {"A1": [("D-002", "Open"), ("D-003", "Withdrawn")], "B2": [("D-001", "Open")]},
}
HEADERS = ["Project id", "Answers", "Kind", "Owner", "Date", "Due", "Note", "Action", "Action owner"]
DAY = dt.datetime(2026, 12, 5)


def _run(*arguments: object):
    return CliRunner().invoke(main, [str(argument) for argument in arguments])


def _ok(*arguments: object) -> str:
    result = _run(*arguments)
    assert result.exit_code == 0, result.output
    return result.output


def _refused(*arguments: object) -> str:
    """The one-line refusal of a command that must refuse: exit 2, no traceback."""
    result = _run(*arguments)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.stderr.strip()


def _fields(period: str) -> dict:
    fields = {f"rag_{key}": "Green" for key in ("overall", "schedule", "cost", "scope", "resources", "benefits")}
    return fields | {"submitted_on": dt.date.fromisoformat(f"{period}-28"), "percent_complete": 0.4,
                     "actual_to_date": 30000, "estimate_at_completion": 100000,
                     "forecast_end_date": dt.date(2027, 6, 30), "key_achievements": "Delivered the sprint."}  # fmt: skip


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "register.csv").write_text(REGISTER, encoding="utf-8")
    for period, needs in NEEDS.items():
        out, inbox = root / f"out-{period}", root / f"inbox-{period}"
        _ok("generate", "--register", root / "register.csv", "--out", out, "--period", period)
        inbox.mkdir()
        for path in out.glob("*.xlsx"):
            project_id = path.name.split(" - ")[0]
            rows = [{"id": item_id, "decision": f"Question {item_id}", "owner": "Sponsor",
                     "required_by": dt.date(2026, 12, 15), "status": status} for item_id, status in needs[project_id]]  # fmt: skip
            fill_by_name(path, inbox / f"{project_id}.xlsx", _fields(period), {"Decisions": rows})
        _ok("collect", inbox, "--ledger", root / "pmo_ledger.db", "--register", root / "register.csv",
            "--out", root / f"portfolio-{period}.xlsx", "--period", period, "--today", f"{period}-28")  # fmt: skip
    return root / "pmo_ledger.db"


def _decisions(ledger: Path) -> list[tuple]:
    with open_ledger(ledger) as book:
        return [(d.project_id, d.answers, d.kind, d.owner, d.decided_on, d.due, d.note, d.action, d.action_owner)
                for d in book.decisions({"A1", "B2"})]  # fmt: skip


def _parts(workbook: Path, prefix: str) -> list[str]:
    with zipfile.ZipFile(workbook) as archive:
        return [archive.read(name).decode("utf-8") for name in archive.namelist() if name.startswith(prefix)]


def _decide(ledger: Path, *more: object) -> list[object]:
    return ["decide", "--ledger", ledger, *more]


ONE = ["--project", "A1", "--answers", "D-002", "--owner", "Steering committee"]


# -- pmo decide, typed -------------------------------------------------------------------------------------------


def test_a_dotted_german_or_french_date_is_read_and_a_slashed_one_that_could_be_either_is_refused(ledger):
    message = _refused(*_decide(ledger, "--kind", "approve", *ONE, "--date", "05/12/2026"))
    assert message.count("\n") == 0
    assert "--date: '05/12/2026' could be day/month or month/day; type it as 2026-12-05 or 2026-05-12" in message
    assert _decisions(ledger) == []
    _ok(*_decide(ledger, "--kind", "approve", *ONE, "--date", "5.12.2026", "--action", "Tell the team",
                 "--due", "19.12.2026"))  # fmt: skip
    assert [row[4:6] for row in _decisions(ledger)] == [("2026-12-05", "2026-12-19")]


def test_a_kind_in_another_case_or_with_a_space_is_the_kind_meant_and_an_unknown_one_is_refused(ledger):
    _ok(*_decide(ledger, "--kind", "Approve", *ONE, "--date", "2026-12-05"))
    _ok(*_decide(ledger, "--kind", "re baseline", "--project", "B2", "--answers", "D-001", "--owner", "SC",
                 "--date", "2026-12-05"))  # fmt: skip
    assert [row[2] for row in _decisions(ledger)] == ["approve", "re-baseline"]
    message = _refused(*_decide(ledger, "--kind", "rebase", *ONE, "--date", "2026-12-06"))
    assert "kind 'rebase' is not one of approve, defer, stop, re-baseline, accept-change" in message


def test_an_unknown_project_an_old_need_and_a_withdrawn_need_are_refused_naming_the_report(ledger):
    assert "project Z9 has no counted status report in the ledger; check the project id" in _refused(
        *_decide(ledger, "--kind", "approve", "--project", "Z9", "--answers", "D-001", "--owner", "SC",
                 "--date", "2026-12-05"))  # fmt: skip
    # D-001 was in A1's October report only: the latest (November) no longer asks it
    assert "D-001 is not a decision needed in A1's report for 2026-11 (its decisions needed: D-002, D-003)" in (
        _refused(*_decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-001", "--owner", "SC",
                          "--date", "2026-12-05")))  # fmt: skip
    assert "D-003 was withdrawn by the PM in A1's report for 2026-11" in _refused(
        *_decide(ledger, "--kind", "approve", "--project", "A1", "--answers", "D-003", "--owner", "SC",
                 "--date", "2026-12-05"))  # fmt: skip
    assert _decisions(ledger) == []


def test_an_action_due_before_the_decision_is_refused(ledger):
    message = _refused(*_decide(ledger, "--kind", "approve", *ONE, "--date", "2026-12-05", "--action", "Sign",
                                "--due", "1.12.2026"))  # fmt: skip
    assert "the action is due 2026-12-01 before the decision's date 2026-12-05; give a due date on or after" in message
    assert _decisions(ledger) == []


def test_text_with_a_leading_formula_sign_is_kept_as_text_and_stamped_as_text(ledger, collected, tmp_path):
    _ok(*_decide(ledger, "--kind", "approve", *ONE, "--date", "2026-12-05", "--note", '=HYPERLINK("http://x","y")',
                 "--action", "+1+1", "--action-owner", "@ops", "--due", "2026-12-20"))  # fmt: skip
    assert _decisions(ledger)[0][6:] == ('=HYPERLINK("http://x","y")', "+1+1", "@ops")
    # next month's workbook stamps the decision: as inline text, never a formula
    _ok("generate", "--register", collected.parent / "register.csv", "--ledger", ledger, "--out", tmp_path / "next",
        "--period", "2026-12")  # fmt: skip
    (workbook,) = (tmp_path / "next").glob("A1 - *.xlsx")
    sheets = _parts(workbook, "xl/worksheets/")
    assert any("=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t>" in xml or '=HYPERLINK("http://x","y")</t>' in xml
               for xml in sheets)  # fmt: skip
    assert not any("<f>HYPERLINK" in xml or "<f>1+1</f>" in xml for xml in sheets)


def test_padded_ids_and_non_breaking_spaces_are_read_as_typed(ledger):
    _ok(*_decide(ledger, "--kind", "approve", "--project", " A1\u00a0", "--answers", "D-002 ", "--owner",
                 "Steering\u00a0committee", "--date", "2026-12-05"))  # fmt: skip
    assert _decisions(ledger)[0][:4] == ("A1", "D-002", "approve", "Steering committee")


def test_a_ledger_that_does_not_exist_is_refused_and_not_created(tmp_path):
    missing = tmp_path / "nowhere" / "pmo_ledger.db"
    message = _refused(*_decide(missing, "--kind", "approve", *ONE, "--date", "2026-12-05"))
    assert f"--ledger {missing}: no such file or folder" in message
    assert not missing.parent.exists()


# -- pmo decide --from: the Decisions table ----------------------------------------------------------------------


def _table(path: Path, rows: list[list], *, below: list[list] = ()) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Decisions"
    sheet.append(HEADERS)
    for row in [*rows, *below]:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, even with a leading '=' (openpyxl would make it a formula)
    sheet.add_table(Table(displayName="Decisions", ref=f"A1:I{len(rows) + 1}"))
    workbook.save(path)
    return path


def _unchanged(path: Path, digest: str) -> bool:
    return hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_a_table_with_a_blank_row_in_the_middle_records_the_rows_around_it(ledger, tmp_path):
    table = _table(tmp_path / "blank.xlsx", [["A1", "D-002", "approve", "SC", DAY], [None] * 9,
                                             ["B2", "D-001", "Defer", "SC", DAY]])  # fmt: skip
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    assert "2 decision(s) recorded, 0 already in the ledger" in _ok(*_decide(ledger, "--from", table))
    assert [row[:3] for row in _decisions(ledger)] == [("A1", "D-002", "approve"), ("B2", "D-001", "defer")]
    assert _unchanged(table, digest)


def test_a_duplicated_or_contradicting_row_is_refused_naming_both_rows(ledger, tmp_path):
    for name, second in (("copied", "approve"), ("contradicting", "stop")):
        table = _table(tmp_path / f"{name}.xlsx", [["A1", "D-002", "approve", "SC", DAY],
                                                   ["A1", "D-002", second, "SC", DAY]])  # fmt: skip
        message = _refused(*_decide(ledger, "--from", table))
        assert f"{name}.xlsx, sheet Decisions, row 3: answers A1 D-002 again ({name}.xlsx, sheet Decisions, row 2" in (
            message
        )
        assert "keep one row per need" in message
    assert _decisions(ledger) == []


def test_a_row_typed_below_the_table_is_refused_not_dropped(ledger, tmp_path):
    table = _table(tmp_path / "below.xlsx", [["A1", "D-002", "approve", "SC", DAY]],
                   below=[[None] * 9, ["B2", "D-001", "stop", "SC", DAY]])  # fmt: skip
    message = _refused(*_decide(ledger, "--from", table))
    assert "below.xlsx, sheet Decisions, row 4: typed below the Decisions table, outside it" in message
    assert _decisions(ledger) == []
    # a cell of spaces only below it holds nothing: blank, as for the ribbon's Record decisions (Book.rows_below)
    spaces = _table(tmp_path / "spaces.xlsx", [["A1", "D-002", "approve", "SC", DAY]], below=[[None, "   "]])
    _ok(*_decide(ledger, "--from", spaces))
    assert len(_decisions(ledger)) == 1


def test_non_breaking_spaces_dates_as_text_and_formula_signs_in_the_table(ledger, tmp_path):
    table = _table(tmp_path / "typed.xlsx", [["A1\u00a0", "\u00a0D-002", "Re Baseline", "Steering\u00a0committee",
                                              "5.12.2026", "19.12.2026", "=1+1", "", "@ops"]])  # fmt: skip
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    _ok(*_decide(ledger, "--from", table))
    assert _decisions(ledger) == [("A1", "D-002", "re-baseline", "Steering committee", "2026-12-05", "2026-12-19",
                                   "=1+1", "=1+1", "@ops")]  # fmt: skip
    assert _unchanged(table, digest)
    slashed = _table(tmp_path / "slashed.xlsx", [["B2", "D-001", "approve", "SC", "05/12/2026"]])
    assert "slashed.xlsx, sheet Decisions, cell E2: date: '05/12/2026' could be day/month or month/day" in _refused(
        *_decide(ledger, "--from", slashed)
    )


def test_a_control_character_in_a_csv_note_or_a_typed_option_is_refused_naming_the_cell_not_dropped(ledger, tmp_path):
    csv = tmp_path / "Decisions.csv"
    csv.write_bytes(b"project_id,answers,kind,owner,date,note\nA1,D-002,approve,SC,2026-12-05,bad\x00byte\n")
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    message = _refused(*_decide(ledger, "--from", csv))
    assert "Decisions.csv, row 2, column note: note holds invisible control characters (U+0000)" in message
    assert "retype the text without them" in message
    assert _unchanged(csv, digest)
    typed = _refused(*_decide(ledger, "--kind", "approve", *ONE, "--date", "2026-12-05", "--note", "bad\x1bbyte"))
    assert "pmo decide: --note holds invisible control characters (U+001B)" in typed
    assert _decisions(ledger) == []
    _ok(*_decide(ledger, "--kind", "approve", *ONE, "--date", "2026-12-05", "--note", "two\nlines\tand a tab"))
    assert _decisions(ledger)[0][6] == "two\nlines\tand a tab"  # line breaks and tabs are a PM's text


def test_the_same_file_given_twice_is_refused_and_two_files_are_both_read(ledger, tmp_path):
    first = _table(tmp_path / "first.xlsx", [["A1", "D-002", "approve", "SC", DAY]])
    second = _table(tmp_path / "second.xlsx", [["B2", "D-001", "stop", "SC", DAY]])
    message = _refused(*_decide(ledger, "--from", first, "--from", tmp_path / "." / "first.xlsx"))
    assert "is given twice; give each file once" in message
    assert _decisions(ledger) == []
    assert "2 decision(s) recorded" in _ok(*_decide(ledger, "--from", first, "--from", second))


# -- pmo scenario ------------------------------------------------------------------------------------------------

MONTHS = [f"2027-{month:02d}" for month in range(1, 13)]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Path:
    """A pipeline of three requests, its capacity, a register and an empty ledger; scenarios saved once."""
    root = tmp_path_factory.mktemp("scenarios")
    requests = pd.DataFrame({
        "request_id": ["REQ-1", "REQ-2", "REQ-3"], "title": ["Payroll fix", "ERP upgrade", "Data catalogue"],
        "project_manager": ["Ben Ott", "Chloé Martin", "Dev Rao"], "sponsor": ["Rita Campos", "Sam Berg", "Sam Berg"],
        "currency": ["EUR"] * 3, "money_unit": ["k"] * 3, "npv": [120, 300, 250], "cost_FY2027": [50, 200, 150],
        "start_month": ["2027-01", "2027-03", "2027-02"], "duration_months": [3, 10, 6],
    })  # fmt: skip
    estimates = pd.DataFrame([(rid, "Developer", month, 1.0) for rid in ("REQ-1", "REQ-2", "REQ-3")
                              for month in MONTHS[:6]], columns=["request_id", "role", "month", "fte"])  # fmt: skip
    with pd.ExcelWriter(root / "requests.xlsx") as writer:
        requests.to_excel(writer, sheet_name="Requests", index=False)
        estimates.to_excel(writer, sheet_name="RequestResources", index=False)
    pd.DataFrame({"role": "Developer", "month": MONTHS, "capacity_fte": 5.0}).to_csv(root / "capacity.csv", index=False)
    (root / "register.csv").write_text(
        "project_id,project_name,project_manager,sponsor,start_date,end_date,budget,currency,money_unit\n"
        "PRJ-1,Portal,Ana Ruiz,Rita Campos,2026-01-05,2027-06-30,150,EUR,k\n",
        encoding="utf-8",
    )
    for name, budget in (("Lean/2027: Q1", "FY2027=250"), ("=Growth", "FY2027=400"), ("x" * 200, "FY2027=100")):
        _ok("scenario", "save", name, "--requests", root / "requests.xlsx", "--capacity", root / "capacity.csv",
            "--value", "npv", "--budget", budget, "--out", root / "scenarios.json")  # fmt: skip
    return root


@pytest.fixture
def pmo(pipeline, tmp_path) -> Path:
    for name in ("requests.xlsx", "capacity.csv", "register.csv", "scenarios.json"):
        shutil.copyfile(pipeline / name, tmp_path / name)
    with open_ledger(tmp_path / "pmo_ledger.db", write=True):
        pass
    return tmp_path


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir() if path.is_file()}


def test_names_with_slash_colon_formula_sign_or_200_characters_are_kept_and_compared_as_text(pmo):
    names = [entry["name"] for entry in json.loads((pmo / "scenarios.json").read_text(encoding="utf-8"))]
    assert names == ["Lean/2027: Q1", "=Growth", "x" * 200]
    _ok("scenario", "compare", *names, "--file", pmo / "scenarios.json", "--out", pmo / "compare.xlsx")
    text = "".join(_parts(pmo / "compare.xlsx", "xl/"))
    assert "Lean/2027: Q1" in text and "x" * 200 in text and ">=Growth<" in text
    assert "<f>Growth" not in text and "<f>" not in text


def test_compare_of_one_scenario_is_its_summary_and_the_same_one_twice_is_refused(pmo):
    _ok("scenario", "compare", "=Growth", "--file", pmo / "scenarios.json", "--out", pmo / "one.xlsx")
    message = _refused("scenario", "compare", "=Growth", "=Growth", "--file", pmo / "scenarios.json", "--out",
                       pmo / "twice.xlsx")  # fmt: skip
    assert "scenario '=Growth' is named twice; name each scenario once" in message
    assert not (pmo / "twice.xlsx").exists()


def _commit(pmo: Path, name: str, out: str, register: str = "register.csv") -> list[object]:
    return ["scenario", "commit", name, "--file", pmo / "scenarios.json", "--register", pmo / register,
            "--ledger", pmo / "pmo_ledger.db", "--by", "Steering committee", "--out", pmo / out,
            "--requests", pmo / "requests.xlsx"]  # fmt: skip


def test_a_commit_into_an_existing_file_or_the_register_is_refused_and_the_file_is_kept(pmo):
    (pmo / "register-2027.csv").write_text("the register we wrote last year\n", encoding="utf-8")
    before = _digests(pmo)
    assert "already exists; give a new file name" in _refused(*_commit(pmo, "Lean/2027: Q1", "register-2027.csv"))
    assert "is the PMO's register" in _refused(*_commit(pmo, "Lean/2027: Q1", "register.csv"))
    assert _digests(pmo) == before  # the existing file is neither replaced nor removed
    with open_ledger(pmo / "pmo_ledger.db") as ledger:
        assert ledger.scenario_commits() == []


def test_the_same_scenario_committed_twice_is_recorded_once(pmo):
    _ok(*_commit(pmo, "Lean/2027: Q1", "new.csv"))
    message = _refused(*_commit(pmo, "Lean/2027: Q1", "again.csv"))
    assert "scenario 'Lean/2027: Q1' was already committed, as saved, by Steering committee" in message
    assert "save it again" in message
    assert not (pmo / "again.csv").exists()
    with open_ledger(pmo / "pmo_ledger.db") as ledger:
        assert [commit.scenario_name for commit in ledger.scenario_commits()] == ["Lean/2027: Q1"]


def test_a_requests_file_changed_since_the_save_commits_what_was_approved_or_refuses_a_request_gone(pmo):
    sheets = pd.read_excel(pmo / "requests.xlsx", sheet_name=None, engine="openpyxl")
    saved = json.loads((pmo / "scenarios.json").read_text(encoding="utf-8"))[1]["run"]
    approved = [outcome for outcome in saved["outcomes"] if outcome["selected"]]
    # a title and a cost edited after the save: the register gets what the committee approved (the run's)
    sheets["Requests"].loc[sheets["Requests"]["request_id"] == approved[0]["request_id"], ["title", "cost_FY2027"]] = [
        "Renamed later", 999
    ]  # fmt: skip
    with pd.ExcelWriter(pmo / "requests.xlsx") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
    _ok(*_commit(pmo, "=Growth", "edited.csv"))
    new = pd.read_csv(pmo / "edited.csv", dtype=str, keep_default_na=False)
    row = new.loc[new["project_id"] == approved[0]["request_id"]].iloc[0]
    assert row["project_name"] == approved[0]["title"] != "Renamed later"
    # a request removed after the save: refused with the fix, nothing recorded
    lean = json.loads((pmo / "scenarios.json").read_text(encoding="utf-8"))[0]["run"]
    gone = lean["selected"][0]
    sheets["Requests"] = sheets["Requests"][sheets["Requests"]["request_id"] != gone]
    with pd.ExcelWriter(pmo / "requests.xlsx") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
    message = _refused(*_commit(pmo, "Lean/2027: Q1", "gone.csv"))
    assert f"{gone}: not in the requests file any more; give the requests file the scenario was saved from" in message
    assert not (pmo / "gone.csv").exists()
    with open_ledger(pmo / "pmo_ledger.db") as ledger:
        assert [commit.scenario_name for commit in ledger.scenario_commits()] == ["=Growth"]


def test_last_months_recorded_rows_left_on_the_sheet_are_already_there_and_a_correction_below_them_is_recorded(
    ledger, tmp_path
):
    """The Decisions sheet is a running log: October's recorded row answers a need November's report no longer
    lists, and a correction sits below the row it corrects; neither may block the month's new rows."""
    from pmo_xl.decisions import DecisionRequest, to_record

    october = DecisionRequest("A1", "D-001", "approve", "SC", dt.date(2026, 10, 30), note="Go")
    with open_ledger(ledger, write=True) as book:  # as recorded in October, when D-001 was still asked
        book.add_decisions([to_record(october, [], "2026-10-30T10:00:00")])
    first = ["A1", "D-002", "defer", "SC", DAY, None, "Wait"]
    _ok(*_decide(ledger, "--from", _table(tmp_path / "november.xlsx", [first])))
    rows = [["A1", "D-001", "approve", "SC", dt.datetime(2026, 10, 30), None, "Go"], first,
            ["A1", "D-002", "approve", "SC", DAY + dt.timedelta(days=1), None, "Go after all"],
            ["B2", "D-001", "stop", "SC", DAY]]  # fmt: skip
    output = _ok(*_decide(ledger, "--from", _table(tmp_path / "december.xlsx", rows)))
    assert "2 decision(s) recorded, 2 already in the ledger" in output
    assert [row[:3] for row in _decisions(ledger)] == [
        ("A1", "D-001", "approve"), ("A1", "D-002", "defer"), ("A1", "D-002", "approve"), ("B2", "D-001", "stop")
    ]  # fmt: skip
    with open_ledger(ledger) as book:
        by_note = {d.note: d for d in book.decisions({"A1"})}
    assert by_note["Go after all"].supersedes == by_note["Wait"].decision_id


def test_an_action_done_row_in_the_table_closes_the_action_and_mixed_or_malformed_rows_are_refused(ledger, tmp_path):
    """Kind 'action done' in the Decisions table (what the ribbon's Record decisions reads): the day in Date, who
    says so in Owner. Recorded once; refused, with nothing recorded, when it carries an action or a due date, or
    when the same table decides the need too."""
    _ok(*_decide(ledger, "--kind", "approve", *ONE, "--date", "2026-12-05", "--action", "Sign", "--due", "2026-12-20"))
    done = _table(tmp_path / "done.xlsx", [["A1", "D-002", "Action done", "Ana", dt.datetime(2026, 12, 8)]])
    assert "1 action(s) recorded done, 0 already" in _ok(*_decide(ledger, "--from", done))
    assert "0 action(s) recorded done, 1 already" in _ok(*_decide(ledger, "--from", done))  # a running log
    with open_ledger(ledger) as book:
        assert [(d.answers, d.done_on, d.owner) for d in book.actions_done()] == [("D-002", "2026-12-08", "Ana")]
    with_due = _table(tmp_path / "due.xlsx", [["A1", "D-002", "action-done", "Ana", DAY, DAY]])
    assert "row 2: an 'action done' row takes no action, action owner or due date" in _refused(
        *_decide(ledger, "--from", with_due)
    )
    mixed = _table(tmp_path / "mixed.xlsx", [["A1", "D-001", "approve", "SC", DAY, dt.datetime(2026, 12, 20), "",
                                              "Call the vendor"], ["A1", "D-001", "action done", "Ana", DAY]])  # fmt: skip
    assert "A1 D-001 is decided in this table too; record the decision first" in _refused(
        *_decide(ledger, "--from", mixed)
    )
    with open_ledger(ledger) as book:
        assert len(book.actions_done()) == 1 and [d.answers for d in book.decisions({"A1"})] == ["D-002"]
