"""`pmo review-pack`: the steering committee's PDF, printed by headless Chromium and read back with pypdf.

A crafted two-period ledger: PRJ-001 (k EUR) with 40 open risks and an overdue decision, PRJ-002 (GBP in units,
Back Office) at Red and over budget, PRJ-003 reporting only for October (stale in November). The pack is read as
a committee member reads it: page by page, its text, its bookmarks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pmo_xl.cli import main
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.audience import Audience, AudienceError
from pmo_xl.reporting.review_pack import render_review_pack
from tests.collect_builders import status_submission

TODAY = "2026-12-10"
PROJECT_IDS = ("PRJ-001", "PRJ-002", "PRJ-003")


def _risk(number: int) -> dict:
    return {"id": f"R-{number:03d}", "type": "Risk" if number % 3 else "Issue",
            "description": f"Risk number {number}: the supplier may deliver the interface late and the tests slip",
            "owner": "Tom Becker" if number % 2 else "Ana Ruiz", "date_raised": dt.date(2026, 9, 1),
            "probability": 1 + number % 5, "impact": 1 + (number * 7) % 5, "status": "Open",
            "response": f"Chase the supplier weekly ({number})", "due_date": dt.date(2026, 12, 1 + number % 28)}  # fmt: skip


DECISIONS = [
    {"id": "D-001", "decision": "Approve the extra budget", "owner": "Claire Dubois",
     "required_by": dt.date(2026, 12, 1), "status": "Open"},
    {"id": "D-002", "decision": "Choose the vendor", "owner": "Ingrid Olsen",
     "required_by": dt.date(2026, 12, 20), "status": "Open"},
]  # fmt: skip
GBP = {"currency": "GBP", "money_unit": "units", "budget_original": 480000.0, "budget_current": 480000.0,
       "actual_to_date": 200000.0, "estimate_at_completion": 500000.5, "programme": "Back Office"}  # fmt: skip


def build_ledger(path: Path) -> Path:
    october = [
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 3), token="1a"),
        status_submission("PRJ-002", "2026-10", dt.date(2026, 11, 3), token="2a", fields=GBP),
        status_submission("PRJ-003", "2026-10", dt.date(2026, 11, 3), token="3a",
                          fields={"key_achievements": "Data platform pilot live in two plants"}),
    ]  # fmt: skip
    november = [
        status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), token="1b",
                          fields={"key_achievements": "Design signed off; " + "integration tests passed. " * 60},
                          tables={"RAID": [_risk(n) for n in range(1, 41)], "Decisions": DECISIONS}),
        status_submission("PRJ-002", "2026-11", dt.date(2026, 12, 3), token="2b",
                          fields={**GBP, "rag_overall": "Red", "rag_cost": "Red"}),
    ]  # fmt: skip
    with open_ledger(path, write=True) as ledger:
        for number, submission in enumerate([*october, *november]):
            ledger.add_submission(submission, f"2026-12-0{number + 1}T09:00:00")
    return path


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory) -> Path:
    return build_ledger(tmp_path_factory.mktemp("pack") / "ledger.db")


def _run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def pack(ledger_path, tmp_path_factory) -> PdfReader:
    out = tmp_path_factory.mktemp("pack-out") / "pack.pdf"
    _run("review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY)
    return PdfReader(out)


def _project_pages(reader: PdfReader) -> list[tuple[int, str]]:
    """The project section: each page that says 'project k of N', with its text."""
    pages = [(number, page.extract_text()) for number, page in enumerate(reader.pages)]
    return [(number, text) for number, text in pages if re.search(r"project \d+ of \d+", text)]


def test_one_page_per_active_project_each_with_one_project_id(pack):
    project_pages = _project_pages(pack)
    assert len(project_pages) == len(PROJECT_IDS)
    for (_number, text), expected in zip(project_pages, PROJECT_IDS, strict=True):
        assert {found for found in PROJECT_IDS if found in text} == {expected}
    # the section is contiguous, after the front pages, and each page counts itself against the total
    numbers = [number for number, _text in project_pages]
    assert numbers == list(range(numbers[0], numbers[0] + len(PROJECT_IDS))) and numbers[0] >= 1
    assert [re.search(r"project (\d+) of (\d+)", text).groups() for _n, text in project_pages] == [
        ("1", "3"),
        ("2", "3"),
        ("3", "3"),
    ]


def _bookmarks(reader: PdfReader, outline=None) -> dict[str, int]:
    """Every bookmark of the PDF's outline, nested ones too, with the page (0-based) it opens."""
    found = {}
    for item in reader.outline if outline is None else outline:
        if isinstance(item, list):
            found.update(_bookmarks(reader, item))
        else:
            found[item.title] = reader.get_destination_page_number(item)
    return found


def test_page_numbers_and_a_bookmark_per_project(pack):
    total = len(pack.pages)
    for number, page in enumerate(pack.pages, start=1):
        assert f"Page {number} of {total}" in page.extract_text()
    bookmarks = _bookmarks(pack)
    for project_id, (number, _text) in zip(PROJECT_IDS, _project_pages(pack), strict=True):
        titles = [title for title in bookmarks if title.startswith(project_id)]
        assert titles == [f"{project_id} · Project {project_id}"] and bookmarks[titles[0]] == number, bookmarks
    assert bookmarks["Decisions and escalations"] < bookmarks["PRJ-001 · Project PRJ-001"]
    assert bookmarks["Executive summary: portfolio review 2026-11"] == 0


def _money_row(text: str, label: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith(label))
    return line[len(label) :].strip()


def test_budget_eac_and_variance_are_the_ledgers_figures_with_their_unit(pack):
    pages = dict(zip(PROJECT_IDS, (text for _n, text in _project_pages(pack)), strict=True))
    # PRJ-001 reports in k EUR: budget 800, EAC 810, variance 800 - 810 = -10 (an overspend), one decimal in k.
    first = pages["PRJ-001"]
    assert "Amounts in k EUR" in first
    assert _money_row(first, "Budget (current approved)") == "800.0"
    assert _money_row(first, "Forecast at completion (EAC)") == "810.0"
    assert _money_row(first, "Variance (budget − EAC; negative = overspend)") == "-10.0"
    # PRJ-002 in GBP units: 480,000 - 500,000.5 = -20,000.5, shown whole and rounded half up as Excel's #,##0.
    second = pages["PRJ-002"]
    assert "Amounts in GBP" in second
    assert _money_row(second, "Budget (current approved)") == "480,000"
    assert _money_row(second, "Forecast at completion (EAC)") == "500,001"
    assert _money_row(second, "Variance (budget − EAC; negative = overspend)") == "-20,001"


def test_forty_risks_stay_on_one_page_with_the_rest_counted(pack):
    text = dict(zip(PROJECT_IDS, (t for _n, t in _project_pages(pack)), strict=True))["PRJ-001"]
    shown = sorted(set(re.findall(r"R-0\d\d", text)))
    assert len(shown) == 5
    assert "+35 more open risks and issues" in text
    # the top five by severity (probability x impact): 20 is the most these 40 reach
    assert re.findall(r"R-0\d\d", text)[:1] == ["R-004"]


def test_decisions_listed_once_with_overdue_flagged(pack):
    texts = [page.extract_text() for page in pack.pages]
    decisions_page = next(t for t in texts if t.splitlines()[1].startswith("Decisions and escalations"))
    lines = decisions_page.splitlines()
    first = next(line for line in lines if "Approve the extra budget" in line)
    second = next(line for line in lines if "Choose the vendor" in line)
    assert "2026-12-01" in first and "overdue" in first  # needed by 1 Dec, the committee meets on 10 Dec
    assert "2026-12-20" in second and "overdue" not in second
    # written out once in the whole pack: the project page refers to it by ID, with the same flag
    assert sum(t.count("Approve the extra budget") for t in texts) == 1
    project_page = dict(zip(PROJECT_IDS, (t for _n, t in _project_pages(pack)), strict=True))["PRJ-001"]
    assert re.search(r"D-001, owner Claire Dubois, needed by 2026-12-01\s*overdue", project_page)
    assert re.search(r"D-002, owner Ingrid Olsen, needed by 2026-12-20(?!\s*overdue)", project_page)


def test_stale_project_is_marked(pack):
    text = dict(zip(PROJECT_IDS, (t for _n, t in _project_pages(pack)), strict=True))["PRJ-003"]
    assert "stale" in text and "latest accepted report is for 2026-10, not 2026-11" in text


def test_programme_filter_gives_its_projects_only(ledger_path, tmp_path):
    out = tmp_path / "back-office.pdf"
    _run("review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY, "--programme", "Back Office")
    reader = PdfReader(out)
    pages = _project_pages(reader)
    assert len(pages) == 1 and "PRJ-002" in pages[0][1]
    assert not any("PRJ-001" in page.extract_text() for page in reader.pages)


def test_missing_chromium_is_one_clear_line(ledger_path, tmp_path, monkeypatch):
    monkeypatch.setenv("PMO_CHROMIUM", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "pack.pdf"
    result = CliRunner().invoke(main, ["review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("pmo: PMO_CHROMIUM=") and "no Chromium there" in lines[0]
    assert "Traceback" not in result.output and not out.exists()


def test_html_pack_is_written_too_and_never_for_the_pmo_reader(ledger_path, tmp_path):
    out = tmp_path / "pack.html"
    _run("review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY)
    document = out.read_text(encoding="utf-8")
    assert document.count('class="page project"') == 3
    assert 'counter(page) " of " counter(pages)' in document
    assert "coaching" not in document.casefold()
    from pmo_xl.reporting.dashboard import build_dashboard, executive_summary
    from pmo_xl.reporting.load import read_item_history
    from pmo_xl.reporting.views import load_views

    views = load_views(ledger_path, today=dt.date(2026, 12, 10))
    items = read_item_history(ledger_path, views)
    with pytest.raises(AudienceError, match="not for pmo"):
        render_review_pack(build_dashboard(views, items), executive_summary(views, items), views,
                           dt.date(2026, 12, 10), Audience(reader="pmo"))  # fmt: skip
