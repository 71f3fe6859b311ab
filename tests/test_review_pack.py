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
from pptx import Presentation
from pypdf import PdfReader

from pmo_xl.cli import main
from pmo_xl.ledger import open_ledger
from pmo_xl.portfolio.selection.inputs import SelectionSettings
from pmo_xl.portfolio.selection.saved import (
    RequestOutcome,
    RoleUse,
    SavedScenario,
    ScenarioRun,
    saved_scenarios_bytes,
)
from pmo_xl.portfolio.selection.scenarios import Scenario
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


def test_no_page_ends_on_a_section_heading_whose_table_went_to_the_next(pack):
    """A heading keeps with what follows it (h2 break-after: avoid): 'Actions the decisions set' ended page 2 of the
    demo's pack with its table alone on page 3."""
    source = (Path(__file__).parents[1] / "pmo_xl" / "reporting" / "review_pack.py").read_text(encoding="utf-8")
    headings = set(re.findall(r"<h2>([^<{]+)</h2>", source))
    assert "Actions the decisions set" in headings
    for number, page in enumerate(pack.pages, start=1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Portfolio review") and not line.startswith("Page ")]
        assert body and body[-1] not in headings, (number, body[-3:])


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


def test_needs_attention_lists_the_overdue_decision_and_the_stale_project(pack):
    summary_page = pack.pages[0].extract_text()
    assert "Needs attention" in summary_page
    lines = summary_page.splitlines()
    overdue = next(line for line in lines if "overdue decision" in line)
    assert "PRJ-001" in overdue and "D-001 needed by 2026-12-01 (9 days ago)" in overdue
    stale = next(line for line in lines if line.startswith("PRJ-003") and "stale" in line)
    assert "latest accepted report is for 2026-10" in stale
    # the decision due on 20 December is not overdue, and the projects reporting for November need nothing
    assert "D-002" not in summary_page and not any(line.startswith("PRJ-002 stale") for line in lines)


# -- the counts agree with pmo report ----------------------------------------------------------------------------


def _tiles(html: str) -> dict[str, str]:
    """Each summary tile of an HTML report or pack: its label -> its figure, tags stripped."""
    found = re.findall(r'<div class="tile"><b>(.*?)</b><span>(.*?)</span></div>', html)
    return {label: re.sub(r"<[^>]+>", " ", figure).strip() for figure, label in found}


def _rows_under(html: str, heading: str, next_heading: str) -> int:
    part = html.split(heading, 1)[1].split(next_heading, 1)[0]
    return max(part.count("<tr>") - 1, 0) if "<table>" in part else 0


def test_the_packs_counts_equal_the_reports_on_the_same_ledger(tmp_path):
    # A fourth project was at Red in October and has not reported since: stale, so not counted at Red by either.
    ledger = build_ledger(tmp_path / "ledger.db")
    with open_ledger(ledger, write=True) as writer:
        writer.add_submission(status_submission("PRJ-004", "2026-10", dt.date(2026, 11, 3), token="4a",
                                                fields={"rag_overall": "Red"}), "2026-12-06T09:00:00")  # fmt: skip
    report, pack = tmp_path / "report.html", tmp_path / "pack.html"
    _run("report", str(report), "--ledger", str(ledger), "--today", TODAY)
    _run("review-pack", str(pack), "--ledger", str(ledger), "--today", TODAY)
    report_html, pack_html = report.read_text(encoding="utf-8"), pack.read_text(encoding="utf-8")
    report_tiles, pack_tiles = _tiles(report_html), _tiles(pack_html)
    reporting, active = report_tiles["active projects reporting for 2026-11"].split(" of ")
    report_counts = {
        "active": active,
        "at Red": report_tiles["projects at Red"],
        "not reporting": report_tiles["late, returned, stale or never reported"],
        "decisions": str(_rows_under(report_html, "<h3>Decisions needed</h3>", "<h3>Escalated")),
        "escalated": str(_rows_under(report_html, "<h3>Escalated risks and issues</h3>", "<h3>New reds")),
    }
    pack_counts = {
        "active": pack_tiles["active projects, one page each"],
        "at Red": pack_tiles["at Red (declared by the PM)"],
        "not reporting": pack_tiles["without a current report (late, returned, stale or never)"],
        "decisions": pack_tiles["decisions needed, 1 overdue"],
        "escalated": pack_tiles["risks and issues escalated"],
    }
    assert pack_counts == report_counts
    assert report_counts == {"active": "4", "at Red": "1", "not reporting": "2", "decisions": "2", "escalated": "0"}
    assert reporting == "2"
    # and the pack has as many project pages as it counts active projects
    assert pack_html.count('class="page project"') == 4


# -- the scenario comparison page --------------------------------------------------------------------------------


def _saved(name: str, budget: float, chosen: tuple[str, ...], value: float) -> SavedScenario:
    outcomes = tuple(
        RequestOutcome(request_id, f"Request {request_id}", request_id in chosen,
                       "selected" if request_id in chosen else "over budget",
                       "2027-03" if request_id in chosen else "", 6, 100_000.0)
        for request_id in ("REQ-1", "REQ-2", "REQ-3")
    )  # fmt: skip
    run = ScenarioRun(
        saved_at="2026-12-01T10:00:00+01:00", requests_file="requests.xlsx", scoring_model="model.json",
        capacity=(("Developer", "2027-03", 4.0),), status="optimal", proven_gap=0.0, value=value,
        cost=100_000.0 * len(chosen), cost_by_year={"FY2027": 100_000.0 * len(chosen)},
        capacity_use=(RoleUse("Developer", 6.0 * len(chosen), 48.0, 0.5, "2027-04"),),
        binding=("Budget FY2027",), outcomes=outcomes,
    )  # fmt: skip
    return SavedScenario(Scenario(name, SelectionSettings(budgets={"FY2027": budget})), run)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "scenarios.json"
    scenarios = [
        _saved("Lean", 150_000.0, ("REQ-1",), 71.5),
        _saved("Growth", 350_000.0, ("REQ-1", "REQ-2", "REQ-3"), 180.25),
    ]
    path.write_bytes(saved_scenarios_bytes(scenarios))
    return path


def test_scenario_comparison_is_one_page_after_the_rest(ledger_path, scenario_file, tmp_path):
    out = tmp_path / "pack.pdf"
    _run("review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY,
         "--scenarios", str(scenario_file), "--compare", "Lean, Growth")  # fmt: skip
    reader = PdfReader(out)
    texts = [page.extract_text() for page in reader.pages]
    pages = [number for number, text in enumerate(texts) if "Scenarios compared: Lean, Growth" in text]
    assert pages == [len(texts) - 1]  # one page, the last (no --requests: no pipeline page before it)
    text = texts[-1]
    lines = text.splitlines()
    assert any(re.search(r"total score\s+71\.50\s+180\.25", line) for line in lines), lines
    assert any(re.search(r"budget FY2027\s+150,000\s+350,000", line) for line in lines), lines
    # REQ-2 and REQ-3 are decided differently (out in Lean, in in Growth); REQ-1 is in in both
    assert any(re.search(r"REQ-2 Request REQ-2\s+out\s+in \(2027-03\)", line) for line in lines), lines
    assert "REQ-1 Request REQ-1" not in text and "1 request(s) are in, or out, in every scenario alike" in text
    assert "Scenarios compared: Lean, Growth" in _bookmarks(reader)


def test_compare_names_a_missing_scenario_and_needs_its_file(ledger_path, scenario_file, tmp_path):
    out = tmp_path / "pack.html"
    result = CliRunner().invoke(main, ["review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY,
                                       "--scenarios", str(scenario_file), "--compare", "Lean,Bold"])  # fmt: skip
    assert result.exit_code != 0 and "no scenario named 'Bold' (it holds: Lean, Growth)" in result.output
    assert "Traceback" not in result.output and not out.exists()
    result = CliRunner().invoke(main, ["review-pack", str(out), "--ledger", str(ledger_path), "--compare", "Lean"])
    assert result.exit_code == 2 and "give --scenarios FILE and --compare A,B together" in result.output


# -- the PowerPoint pack -----------------------------------------------------------------------------------------


def _slide_texts(path: Path) -> list[str]:
    """Each slide's text: its text boxes and every table cell, a line each."""
    texts = []
    for slide in Presentation(str(path)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts.extend(" | ".join(cell.text for cell in row.cells) for row in shape.table.rows)
        texts.append("\n".join(parts))
    return texts


def test_pptx_has_one_slide_per_active_project_each_with_one_project_id(ledger_path, scenario_file, tmp_path):
    out = tmp_path / "pack.pptx"
    _run("review-pack", str(out), "--ledger", str(ledger_path), "--today", TODAY,
         "--scenarios", str(scenario_file), "--compare", "Lean,Growth")  # fmt: skip
    slides = _slide_texts(out)
    project_slides = [text for text in slides if re.search(r"project \d+ of \d+", text)]
    assert len(project_slides) == len(PROJECT_IDS)
    for text, expected in zip(project_slides, PROJECT_IDS, strict=True):
        assert {found for found in PROJECT_IDS if found in text} == {expected}
    first = slides[0]
    assert first.startswith("Executive summary: portfolio review 2026-11")
    assert "3 | 1 | 2 (1 overdue) | 0 | 1" in first  # the same counts as the printed pack's tiles
    assert "PRJ-001 | overdue decision" in first and "PRJ-003 | stale" in first
    assert "D-001 | Approve the extra budget | Claire Dubois | 2026-12-01 OVERDUE" in slides[1]
    # budget, EAC and variance as the ledger holds them, in the project's own unit
    second = project_slides[1]
    assert "Amounts in GBP | Amount" in second
    assert "Budget (current approved) | 480,000" in second and "Forecast at completion (EAC) | 500,001" in second
    assert "Variance (budget − EAC; negative = overspend) | -20,001" in second
    assert "+35 more open risks and issues" in project_slides[0]
    assert (
        slides[-1].startswith("Scenarios compared: Lean, Growth")
        and "REQ-2 Request REQ-2 | out | in (2027-03)" in slides[-1]
    )


def test_the_decisions_page_shows_an_action_done_green_and_an_open_one_overdue(ledger_path, tmp_path):
    """Actions the committee set: one done (green 'done DAY', not overdue), one past its date and not done
    (overdue), listed even in a later pack where neither decision is shown any more."""
    import shutil

    ledger = tmp_path / "ledger.db"
    shutil.copyfile(ledger_path, ledger)
    _run("ledger", "rebuild", "--ledger", str(ledger))  # built by add_submission: counted as collect would
    for answers, action, due in (
        ("D-001", "Release the budget", "2026-12-05"),
        ("D-002", "Sign the vendor", "2026-12-08"),
    ):
        _run("decide", "--ledger", str(ledger), "--kind", "approve", "--project", "PRJ-001", "--answers", answers,
             "--owner", "Board", "--date", "2026-12-04", "--action", action, "--due", due)  # fmt: skip
    _run("decide", "--ledger", str(ledger), "--action-done", "2026-12-06", "--project", "PRJ-001", "--answers",
         "D-001", "--owner", "Claire Dubois")  # fmt: skip
    out = tmp_path / "pack.html"
    _run("review-pack", str(out), "--ledger", str(ledger), "--today", TODAY)
    page = out.read_text(encoding="utf-8").split('id="decisions"')[1].split("</section>")[0]
    actions = page.split("Actions the decisions set")[1]
    assert re.search(
        r"Release the budget.*?2026-12-05</span> <span class=\"done\">done 2026-12-06</span>", actions, re.S
    )
    assert re.search(r"Sign the vendor.*?2026-12-08</span> <span class=\"overdue\">overdue</span>", actions, re.S)
    # and the summary's "Needs attention" chases it with the overdue decisions; the one done is not there
    summary = out.read_text(encoding="utf-8").split('id="decisions"')[0]
    assert (
        "overdue action" in summary and "Sign the vendor (D-002), due 2026-12-08 (2 days ago), owner Board" in summary
    )
    assert "Release the budget" not in summary


def test_a_project_that_never_reported_has_its_page_without_a_nan(ledger_path, tmp_path):
    """The register's project with no accepted report gets its page: 'no report' where the RAG would be, no 'nan'
    where a frame held a blank (the practitioner found six on such a page), no empty 'Rules:' line."""
    register = tmp_path / "register.csv"
    register.write_text(
        "project_id,project_name,project_manager,pm_email,sponsor,start_date,end_date,budget,currency,money_unit\n"
        + "".join(
            f"{p},Project {p},Ana,ana@example.org,Sponsor,2026-01-01,2027-06-30,100000,EUR,units\n"
            for p in (*PROJECT_IDS, "PRJ-009")
        ),
        encoding="utf-8",
    )
    out = tmp_path / "pack.html"
    _run("review-pack", str(out), "--ledger", str(ledger_path), "--register", str(register), "--today", TODAY)
    document = out.read_text(encoding="utf-8")
    page = document.split('id="project-PRJ-009"')[1].split("</section>")[0]
    assert "never reported" in page and page.count('class="rag rag-none">no report</span>') == 6
    assert not re.search(r"\bnan\b|\bNaT\b|\bNone\b", document), re.findall(r".{40}\bnan\b.{20}", document)
    assert "Rules: </p>" not in document
    # each reporting project's page says its own end against its baseline; the one never reported, none
    first = document.split('id="project-PRJ-001"')[1].split("</section>")[0]
    assert "Project end: baseline 2027-06-30, forecast 2027-06-30 (on time)" in first
    assert "Project end:" not in page
    # its budget is in the total, it gives no forecast: the forecast says what it covers, beside the budget
    summary = document.split('id="summary"')[1].split("</section>")[0] if 'id="summary"' in document else document
    assert re.search(
        r"Forecast at completion: [\d,.]+ [^(<]*\(3 of 4 projects give one; their budget [\d,.]+ ", summary
    )
