"""`pmo collect` end to end on real generated and filled workbooks: verdicts, ledger, archive, outputs, exit codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.collect.reader import read_submission
from pmo_xl.collect.run import CollectRequest
from pmo_xl.demo.data import demo_projects, fill_demo_submission
from pmo_xl.generate.generator import generate_for_records
from pmo_xl.ledger import open_ledger
from pmo_xl.monthly import run_collect
from pmo_xl.templates.catalog import PROJECT_STATUS
from tests import libreoffice

PERIOD = "2026-10"
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """An inbox as the PMO finds it: good reports, a bad one, a copy, a conflict copy, lock and hidden files."""
    root = tmp_path_factory.mktemp("prepared")
    rng = random.Random(3)
    projects = demo_projects(5, rng, PERIOD)
    register = root / "register.csv"
    lines = ["project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit"]
    for record in projects:
        lines.append(
            f"{record.project_id},{record.project_name},{record.project_manager},{record.pm_email},"
            f"{record.sponsor},{record.start_date},{record.end_date},{record.fields['budget_original']},EUR,k"
        )
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    generated = generate_for_records(PROJECT_STATUS, projects, root / "outbox", PERIOD, today=dt.date(2026, 10, 1))
    inbox = root / "inbox"
    paths = [g.path for g in generated]
    for path in paths[:3]:
        fill_demo_submission(path, inbox / path.name, random.Random(path.name))
    # PRJ-0004 sends a file with text in a number cell: rejected, with the cell named.
    fill_demo_submission(paths[3], inbox / "Août" / paths[3].name, random.Random(4), fault="text_in_number")
    # PRJ-0005 has two versions: its file and a OneDrive conflict copy with other content.
    fill_demo_submission(paths[4], inbox / paths[4].name, random.Random(1))
    conflict = inbox / (paths[4].stem + "-LAPTOP-123.xlsx")
    for seed in range(2, 40):
        fill_demo_submission(paths[4], conflict, random.Random(seed))
        dates = [read_submission(p)[0].fields["submitted_on"] for p in (inbox / paths[4].name, conflict)]
        if dates[0] != dates[1]:
            break
    older, newer = sorted((inbox / paths[4].name, conflict), key=lambda p: read_submission(p)[0].fields["submitted_on"])
    # The older report gets the newest mtime, as e-mail and OneDrive do: it must not matter.
    os.utime(newer, (1_700_000_000, 1_700_000_000))
    os.utime(older, (1_800_000_000, 1_800_000_000))
    # The same file again under another name, an Excel lock file and a hidden file.
    shutil.copyfile(inbox / paths[0].name, inbox / "copy of the first report.xlsx")
    (inbox / ("~$" + paths[1].name)).write_bytes(b"\x00" * 165)
    (inbox / ".DS_Store").write_bytes(b"Bud1")
    return {"root": root, "inbox": inbox, "register": register, "paths": paths, "older": older, "newer": newer}


@pytest.fixture
def inbox(prepared, tmp_path):
    target = tmp_path / "inbox"
    shutil.copytree(prepared["inbox"], target)
    for name in (prepared["older"].name, prepared["newer"].name):
        os.utime(target / name, (os.stat(prepared["inbox"] / name).st_mtime,) * 2)
    return target


def _snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
            path.stat().st_size,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _run(tmp_path, inbox, *extra, register=None, ledger=None):
    """`pmo collect` into `ledger` (either back end: a file or a PostgreSQL URL; default pmo_ledger.db in tmp_path)."""
    arguments = [
        "collect",
        str(inbox),
        "--ledger",
        str(ledger or tmp_path / "pmo_ledger.db"),
        "--out",
        str(tmp_path / "portfolio.xlsx"),
    ]
    if register:
        arguments += ["--register", str(register)]
    return CliRunner().invoke(main, [*arguments, *extra])


def _sheet(path: Path, name: str) -> list[dict]:
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(v is not None for v in row)]


def test_every_file_gets_one_verdict_and_the_run_completes(prepared, inbox, tmp_path, ledger_target):
    before = _snapshot(inbox)
    result = _run(
        tmp_path,
        inbox,
        "--period",
        PERIOD,
        "--archive",
        str(tmp_path / "archive"),
        register=prepared["register"],
        ledger=ledger_target,
    )
    assert result.exit_code == 0, result.output
    assert "9 file(s): 4 accepted, 1 rejected, 1 duplicate, 1 superseded, 2 skipped" in result.output
    submissions = {Path(row["file"]).name: row for row in _sheet(tmp_path / "portfolio.xlsx", "Submissions")}
    paths = prepared["paths"]
    assert {name: row["verdict"] for name, row in submissions.items()} == {
        paths[0].name: "accepted",
        paths[1].name: "accepted",
        paths[2].name: "accepted",
        paths[3].name: "rejected",
        prepared["newer"].name: "accepted",
        prepared["older"].name: "superseded",
        "copy of the first report.xlsx": "duplicate",
        "~$" + paths[1].name: "skipped",
        ".DS_Store": "skipped",
    }
    rejected = submissions[paths[3].name]
    assert rejected["reasons"].startswith("Summary!C31, actual_to_date: Actual cost to date holds text, not a number")
    assert prepared["newer"].name in submissions[prepared["older"].name]["reasons"]
    if prepared["newer"].name.endswith("-LAPTOP-123.xlsx"):
        assert "conflict copy" in submissions[prepared["newer"].name]["reasons"]
    else:
        assert "conflict copy" in submissions[prepared["older"].name]["reasons"]
    # Inputs are never modified, moved, renamed or locked; nothing is added to the inbox.
    assert _snapshot(inbox) == before
    # Accepted files are archived by period, byte for byte.
    archived = sorted((tmp_path / "archive" / PERIOD).iterdir())
    assert len(archived) == 4
    originals = {hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.rglob("*.xlsx")}
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in archived} <= originals
    # The tracker: PRJ-0004's report arrived and was rejected, so it is returned for correction and its PM is sent
    # the findings (never "not received").
    missing = {row["project_id"]: row for row in _sheet(tmp_path / "portfolio.xlsx", "Missing")}
    assert missing["PRJ-0004"]["state"] == "returned" and missing["PRJ-0004"]["chase"] is True
    assert {row["state"] for pid, row in missing.items() if pid != "PRJ-0004"} <= {"reporting", "late"}
    drafts = list((tmp_path / "chasers").glob("*.eml"))
    assert len(drafts) == 1 and b"PRJ-0004" in drafts[0].read_bytes()
    # The chaser list sits on the tracker's rows: who to chase, for what, and which draft asks for it.
    chased = missing["PRJ-0004"]
    assert chased["project_manager"] and chased["pm_email"] and chased["pm_email"].encode() in drafts[0].read_bytes()
    assert chased["outstanding"] == f"corrected status report for {PERIOD} (returned {chased['returned_on']:%Y-%m-%d})"
    assert "not yet received" not in drafts[0].read_text() and "returned for correction" in drafts[0].read_text()
    assert chased["reminder_draft"] == drafts[0].name
    assert {row["reminder_draft"] for pid, row in missing.items() if pid != "PRJ-0004"} == {None}
    assert "Chasers" not in openpyxl.load_workbook(tmp_path / "portfolio.xlsx", read_only=True).sheetnames


def test_a_rerun_on_the_same_inbox_adds_nothing(inbox, tmp_path, ledger_target):
    first = _run(tmp_path, inbox, ledger=ledger_target)
    assert first.exit_code == 0, first.output
    with open_ledger(ledger_target) as ledger:
        counts = ledger.counts()
    second = _run(tmp_path, inbox, ledger=ledger_target)
    assert second.exit_code == 0, second.output
    assert "0 submission(s) added" in second.output
    assert "0 accepted, 1 rejected, 5 duplicate, 1 superseded" in second.output
    with open_ledger(ledger_target) as ledger:
        assert ledger.counts() == counts


def test_history_comes_from_the_ledger_not_from_old_files(inbox, tmp_path, ledger_target):
    assert _run(tmp_path, inbox, ledger=ledger_target).exit_code == 0
    shutil.rmtree(inbox)
    (tmp_path / "empty").mkdir()
    result = _run(tmp_path, tmp_path / "empty", ledger=ledger_target)
    assert result.exit_code == 0, result.output
    status = _sheet(tmp_path / "portfolio.xlsx", "Status")
    assert len(status) == 4 and {row["period"] for row in status} == {PERIOD}


def test_a_libreoffice_resave_of_an_accepted_report_is_a_duplicate(prepared, inbox, tmp_path):
    assert _run(tmp_path, inbox).exit_code == 0
    resaved_dir = tmp_path / "resaved"
    resaved = libreoffice.convert(inbox / prepared["paths"][0].name, "xlsx", resaved_dir)
    assert hashlib.sha256(resaved.read_bytes()).digest() != hashlib.sha256((inbox / resaved.name).read_bytes()).digest()
    result = _run(tmp_path, resaved_dir)
    assert result.exit_code == 0, result.output
    assert "1 file(s): 0 accepted, 0 rejected, 1 duplicate" in result.output
    assert "same content is already in the ledger" in result.output


def test_strict_fails_the_run_on_rejections(inbox, tmp_path, ledger_target):
    result = _run(tmp_path, inbox, "--strict", ledger=ledger_target)
    assert result.exit_code == 1
    assert (tmp_path / "portfolio.xlsx").exists(), "strict still writes everything it can"


def test_a_locked_ledger_stops_the_run_with_a_clear_message(inbox, tmp_path):
    with open_ledger(tmp_path / "pmo_ledger.db", write=True):
        result = _run(tmp_path, inbox)
    assert result.exit_code == 2
    assert "is being written by" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "portfolio.xlsx").exists()


def test_a_locked_output_is_reported_by_name_and_the_ledger_is_kept(inbox, tmp_path, monkeypatch):
    import pmo_xl.excel.files as output_files

    real_replace = os.replace

    def excel_has_it_open(source, target):
        if str(target).endswith("portfolio.xlsx"):
            raise PermissionError(13, "Permission denied")
        return real_replace(source, target)

    monkeypatch.setattr(output_files.os, "replace", excel_has_it_open)
    monkeypatch.setattr(output_files.time, "sleep", lambda seconds: None)
    result = _run(tmp_path, inbox)
    assert result.exit_code == 3
    assert "portfolio.xlsx: the file is locked" in result.output
    assert "Traceback" not in result.output
    with open_ledger(tmp_path / "pmo_ledger.db") as ledger:
        assert ledger.counts()["submission"] == 4


def test_a_ledger_in_a_onedrive_folder_warns(inbox, tmp_path):
    synced = tmp_path / "OneDrive - Contoso"
    result = CliRunner().invoke(
        main, ["collect", str(inbox), "--ledger", str(synced / "l.db"), "--out", str(tmp_path / "p.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert "warning: the ledger" in result.output and "OneDrive" in result.output


@pytest.mark.parametrize("option", ["--out", "--archive", "--chasers"])
def test_no_output_may_point_into_the_inbox_or_at_a_pms_file(inbox, tmp_path, option):
    before = _snapshot(inbox)
    a_pms_report = next(inbox.rglob("*.xlsx"))
    # a folder option given a PM's file is refused by the option itself ("is a file"); --out is a file option
    for target in (a_pms_report, inbox / "sub folder") if option == "--out" else (inbox / "sub folder",):
        result = CliRunner().invoke(
            main, ["collect", str(inbox), "--ledger", str(tmp_path / "l.db"), option, str(target)]
        )
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert (
            f"{option} {target} is inside the inbox" in result.output and "nothing was read or written" in result.output
        )
    assert _snapshot(inbox) == before  # the PM's workbook is untouched
    assert not (tmp_path / "l.db").exists()


def test_the_ledger_inside_the_inbox_is_not_read_back(inbox, tmp_path):
    arguments = ["--ledger", str(inbox / "l.db"), "--out", str(tmp_path / "p.xlsx")]
    first = CliRunner().invoke(main, ["collect", str(inbox), *arguments])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, ["collect", str(inbox), *arguments])
    assert second.exit_code == 0, second.output
    assert "9 file(s)" in second.output, second.output


def test_help_teaches_with_an_example():
    result = CliRunner().invoke(main, ["collect", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "pmo collect inbox/" in result.output
    assert "--prefer" in result.output and "--strict" in result.output


def test_progress_is_reported_per_file(inbox, tmp_path):
    seen = []
    request = CollectRequest(inbox=inbox, ledger=tmp_path / "l.db", today=TODAY)
    result = run_collect(request, progress=lambda done, total, path: seen.append((done, total)))
    assert seen == [(n, 7) for n in range(1, 8)]
    assert result.output is None and result.count("accepted") == 4


def test_the_pmo_can_prefer_the_superseded_file(prepared, inbox, tmp_path, ledger_target):
    older = prepared["older"].name
    result = _run(tmp_path, inbox, "--prefer", older, ledger=ledger_target)
    assert result.exit_code == 0, result.output
    verdicts = {Path(row["file"]).name: row["verdict"] for row in _sheet(tmp_path / "portfolio.xlsx", "Submissions")}
    assert verdicts[older] == "accepted" and verdicts[prepared["newer"].name] == "superseded"
    again = _run(tmp_path, inbox, ledger=ledger_target)
    assert "0 submission(s) added" in again.output
    status = {row["project_id"]: row for row in _sheet(tmp_path / "portfolio.xlsx", "Status")}
    assert status["PRJ-0005"]["file_name"] == older


def test_preferring_a_file_already_in_the_ledger_by_name(prepared, inbox, tmp_path, ledger_target):
    older, newer = prepared["older"].name, prepared["newer"].name
    assert _run(tmp_path, inbox, ledger=ledger_target).exit_code == 0  # the newer one is stored, the older superseded
    assert "1 submission(s) added" in _run(tmp_path, inbox, "--prefer", older, ledger=ledger_target).output
    switched = _run(tmp_path, inbox, "--prefer", newer, ledger=ledger_target)  # back to the one already in the ledger
    assert switched.exit_code == 0, switched.output
    assert "0 submission(s) added" in switched.output
    status = {row["project_id"]: row for row in _sheet(tmp_path / "portfolio.xlsx", "Status")}
    assert status["PRJ-0005"]["file_name"] == newer
    with open_ledger(ledger_target) as ledger:
        assert ledger.counts()["preference"] == 2


def test_a_file_changed_after_it_was_read_is_not_archived(prepared, tmp_path):
    from pmo_xl.collect.run import archive_accepted

    source = tmp_path / "report.xlsx"
    shutil.copyfile(prepared["inbox"] / prepared["paths"][0].name, source)
    parsed, _ = read_submission(source)
    source.write_bytes(source.read_bytes() + b"AutoSave was here")
    written, problems = archive_accepted([parsed], tmp_path / "archive")
    assert written == []
    assert "changed after it was read" in problems[str(source)].message
    source.write_bytes(source.read_bytes()[: -len(b"AutoSave was here")])
    written, problems = archive_accepted([parsed], tmp_path / "archive")
    assert [p.relative_to(tmp_path) for p in written] == [Path("archive", PERIOD, "report.xlsx")]
    assert archive_accepted([parsed], tmp_path / "archive") == ([], {}), "archived once only"


def test_overrides_csv_and_settings_file(prepared, inbox, tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(f"project_id,period,file\nPRJ-0005,{PERIOD},{prepared['older'].name}\n", encoding="utf-8")
    settings = tmp_path / "pmo_settings.toml"
    settings.write_text(f'pmo_name = "Group PMO"\n[deadlines]\n"{PERIOD}" = 2099-01-31\n', encoding="utf-8")
    result = _run(
        tmp_path, inbox, "--overrides", str(overrides), "--settings", str(settings), register=prepared["register"]
    )
    assert result.exit_code == 0, result.output
    status = {row["project_id"]: row for row in _sheet(tmp_path / "portfolio.xlsx", "Status")}
    assert status["PRJ-0005"]["file_name"] == prepared["older"].name
    missing = {row["project_id"]: row for row in _sheet(tmp_path / "portfolio.xlsx", "Missing")}
    # The cut-off set in the settings is still ahead, but a rejected file goes back to its PM at once.
    assert missing["PRJ-0004"]["state"] == "returned" and missing["PRJ-0004"]["chase"] is True
    assert [path.name for path in (tmp_path / "chasers").glob("*.eml")] == [missing["PRJ-0004"]["reminder_draft"]]


def test_an_overrides_csv_without_a_file_column_is_refused(inbox, tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("project_id,period\nPRJ-0005,2026-10\n", encoding="utf-8")
    result = _run(tmp_path, inbox, "--overrides", str(overrides))
    assert result.exit_code == 2
    assert "row 2: give the preferred file in a 'file' or 'sha256' column" in result.output


def test_collect_writes_the_dashboard_first_in_portfolio_xlsx(tmp_path):
    """The Dashboard (tables and native charts, from the ledger) opens portfolio.xlsx, before the views."""
    from pmo_xl.demo.run import run_demo

    out = tmp_path / "demo"
    run_demo(out, projects=5, periods=2)
    portfolio = tmp_path / "collected.xlsx"
    result = CliRunner().invoke(
        main, ["collect", str(out / "inbox"), "--ledger", str(out / "pmo_ledger.db"), "--out", str(portfolio)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(portfolio)
    assert book.sheetnames[0] == "Dashboard" and "Status" in book.sheetnames
    assert "DashRag" in book["Dashboard"].tables and book["Dashboard"]._charts


def test_the_ledger_hashes_the_bytes_parsed_even_when_autosave_rewrites_the_file(prepared, tmp_path, monkeypatch):
    """AutoSave rewrites the file just after collect has read it: the ledger must describe what was parsed."""
    from pmo_xl.collect import run as collect

    inbox = tmp_path / "inbox"
    report = inbox / prepared["paths"][0].name
    inbox.mkdir()
    shutil.copyfile(prepared["inbox"] / report.name, report)
    parsed_bytes = report.read_bytes()
    # AutoSave's version: the same project and period with other content, so it would be accepted as well.
    fill_demo_submission(prepared["paths"][0], tmp_path / "autosaved.xlsx", random.Random("AutoSave"))
    autosaved = (tmp_path / "autosaved.xlsx").read_bytes()
    assert autosaved != parsed_bytes
    reads = []
    read_file_bytes = collect.read_file_bytes

    def read_then_autosave(path):
        data = read_file_bytes(path)
        reads.append(Path(path))
        Path(path).write_bytes(autosaved)
        return data

    monkeypatch.setattr(collect, "read_file_bytes", read_then_autosave)
    result = run_collect(CollectRequest(inbox=inbox, ledger=tmp_path / "pmo_ledger.db", today=TODAY))
    assert reads == [report] and result.count("accepted") == 1
    assert report.read_bytes() == autosaved
    with open_ledger(tmp_path / "pmo_ledger.db") as ledger:
        stored = ledger.submissions().to_dict("records")
    assert [(row["sha256"], row["size"]) for row in stored] == [
        (hashlib.sha256(parsed_bytes).hexdigest(), len(parsed_bytes))
    ]
    assert stored[0]["sha256"] != hashlib.sha256(autosaved).hexdigest()


def _collect_in_a_process(inbox: Path, tmp_path: Path, stderr_on_a_terminal: bool) -> tuple[str, str]:
    """`pmo collect` as a PMO runs it, in its own process; (stdout, stderr). A pseudo-terminal stands in for the
    console when asked, since the progress bar is for a person watching, not for a log file."""
    import pty
    import subprocess
    import sys

    command = [sys.executable, "-c", "from pmo_xl.cli import main; main()", "collect", str(inbox)]
    command += ["--ledger", str(tmp_path / "l.db"), "--out", str(tmp_path / "p.xlsx"), "--today", TODAY.isoformat()]
    if not stderr_on_a_terminal:
        run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
        return run.stdout, run.stderr
    controller, terminal = pty.openpty()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal, text=True) as process:
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            shown += chunk
        stdout = process.stdout.read()
        assert process.wait(timeout=120) == 0, stdout
    os.close(controller)
    return stdout, shown.decode("utf-8", "replace")


def test_the_progress_bar_shows_on_a_terminal_and_not_in_a_pipe(inbox, tmp_path):
    stdout, on_terminal = _collect_in_a_process(inbox, tmp_path / "terminal", stderr_on_a_terminal=True)
    assert "reading" in on_terminal and "100%" in on_terminal, on_terminal
    assert "9 file(s): 4 accepted" in stdout
    stdout, piped = _collect_in_a_process(inbox, tmp_path / "pipe", stderr_on_a_terminal=False)
    assert "reading" not in piped and "%" not in piped, piped
    assert "9 file(s): 4 accepted" in stdout


def test_a_rerun_on_a_full_inbox_counts_the_files_it_holds_already_in_one_line(tmp_path):
    """The month's inbox collected twice: the second run counts the files the ledger holds byte for byte in one
    line, instead of two lines each (each is still on the Submissions sheet and in --json)."""
    projects = demo_projects(12, random.Random(8), PERIOD)
    generated = generate_for_records(PROJECT_STATUS, projects, tmp_path / "outbox", PERIOD, today=dt.date(2026, 10, 1))
    inbox = tmp_path / "inbox"
    for workbook in generated:
        fill_demo_submission(workbook.path, inbox / workbook.path.name, random.Random(workbook.path.name))
    assert _run(tmp_path, inbox).exit_code == 0
    shutil.copyfile(inbox / generated[0].path.name, inbox / "the first report, sent again.xlsx")
    again = _run(tmp_path, inbox, "--json")
    assert again.exit_code == 0, again.output
    # The copy has the same bytes as a stored file, so it is one of them.
    assert "duplicate: 13 file(s) already in the ledger as they are, e.g. " in again.stderr
    assert again.stderr.count("the same file is already in the ledger") == 0
    summary = json.loads(again.stdout)
    assert len(summary["duplicate"]) == 13 and summary["counts"]["duplicate"] == 13
