"""The management report: the executive summary from a crafted two-period ledger, one self-contained file,
every user string escaped, and `pmo report` with a programme filter."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pmo_xl.cli import main
from pmo_xl.ledger import open_ledger
from pmo_xl.reporting.dashboard import build_dashboard, executive_summary
from pmo_xl.reporting.load import read_item_history
from pmo_xl.reporting.report_html import render_report
from pmo_xl.reporting.views import load_views
from tests.collect_builders import status_submission

HOSTILE = "<script>alert('pwned')</script> & \"quotes\""


def _risk(item_id: str, status: str, description: str = "Vendor late", kind: str = "Risk") -> dict:
    return {"id": item_id, "type": kind, "description": description, "owner": "Tom Becker",
            "date_raised": dt.date(2026, 9, 1), "probability": 4, "impact": 5, "status": status}  # fmt: skip


def _milestone(forecast: dt.date, key: str = "Yes", item_id: str = "M-002") -> dict:
    return {"id": item_id, "name": "Go live", "key": key, "baseline_date": dt.date(2027, 6, 1),
            "forecast_date": forecast, "status": "On track"}  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ledger_path(request, tmp_path_factory):
    """The two-period ledger, once on each back end: a SQLite file, a PostgreSQL database."""
    path = tmp_path_factory.mktemp("report") / "ledger.db"
    if request.param == "postgresql":
        path = request.getfixturevalue("postgres_server").new_database()
    october = [
        status_submission("PRJ-001", "2026-10", dt.date(2026, 11, 3), token="1a",
                          tables={"RAID": [_risk("R-001", "Open"), _risk("R-002", "Open", kind="Issue")],
                                  "Milestones": [_milestone(dt.date(2027, 6, 1)),
                                                 _milestone(dt.date(2027, 3, 1), "No", "M-003")]}),
        status_submission("PRJ-002", "2026-10", dt.date(2026, 11, 3), token="2a",
                          fields={"rag_overall": "Red", "programme": "Back Office", "budget_current": 500.0}),
    ]  # fmt: skip
    november = [
        status_submission("PRJ-001", "2026-11", dt.date(2026, 12, 3), token="1b",
                          fields={"rag_overall": "Red", "project_name": "Portal <b>relaunch</b>"},
                          tables={"RAID": [_risk("R-001", "Closed"), _risk("R-002", "Open", kind="Issue"),
                                           _risk("R-003", "Open", HOSTILE),
                                           {**_risk("R-004", "Open", "Regulator may fine us"), "escalate": "Yes"},
                                           {**_risk("R-005", "Closed", "Old escalation"), "escalate": "Yes"}],
                                  "Milestones": [_milestone(dt.date(2027, 7, 15)),
                                                 _milestone(dt.date(2027, 4, 1), "No", "M-003")],
                                  "Decisions": [
                                      {"id": "D-001", "decision": "Approve the extra budget", "owner": "Claire Dubois",
                                       "required_by": dt.date(2026, 12, 20), "status": "Open"},
                                      {"id": "D-002", "decision": "Choose the vendor", "owner": "Ingrid Olsen",
                                       "required_by": dt.date(2026, 12, 1), "status": "Decided"},
                                  ]}),
        # Still red (not a new red); the budget moved without an approved change request: a re-baseline.
        status_submission("PRJ-002", "2026-11", dt.date(2026, 12, 3), token="2b",
                          fields={"rag_overall": "Red", "programme": "Back Office", "budget_current": 600.0},
                          tables={"Decisions": [{"id": "D-001", "decision": "Stop or continue?", "owner": "Marc Lefèvre",
                                                 "required_by": dt.date(2026, 12, 15), "status": "Open"}]}),
    ]  # fmt: skip
    with open_ledger(path, write=True) as ledger:
        for number, submission in enumerate([*october, *november]):
            ledger.add_submission(submission, f"2026-12-0{number + 1}T09:00:00")
    return path


@pytest.fixture(scope="module")
def summary_and_html(ledger_path):
    views = load_views(ledger_path, today=dt.date(2026, 12, 10))
    items = read_item_history(ledger_path, views)
    summary = executive_summary(views, items)
    return summary, render_report(build_dashboard(views, items), summary, views)


def test_executive_summary_says_what_changed_by_stable_ids(summary_and_html):
    summary, _html = summary_and_html
    assert (summary.period, summary.previous_period) == ("2026-11", "2026-10")
    assert list(summary.new_reds["project_id"]) == ["PRJ-001"]  # PRJ-002 was already red
    assert summary.new_reds.loc[0, "previous_rag"] == "Green"
    assert list(summary.new_risks["id"]) == ["R-003", "R-004"]  # R-002 carried over, not new
    assert list(summary.escalations["id"]) == ["R-004"]  # the closed escalation is done with
    assert list(summary.closed_risks["id"]) == ["R-001", "R-005"]  # R-005 was raised and closed within the period
    slipped = summary.slipped_key_milestones
    assert list(slipped["id"]) == ["M-002"]  # M-003 moved too, but it is not a key milestone
    assert slipped.loc[0, "moved_days"] == 44
    assert slipped.loc[0, "previous_forecast"] == dt.date(2027, 6, 1)
    rebaseline = summary.rebaselines.set_index("project_id")
    assert list(rebaseline.index) == ["PRJ-002"]
    # named as the template labels the field, not by its key
    assert rebaseline.loc["PRJ-002", "changes"].startswith("Current approved budget 500.0 -> 600.0")
    assert "budget_current" not in rebaseline.loc["PRJ-002", "changes"]
    assert not rebaseline.loc["PRJ-002", "covered"]
    decisions = summary.decisions
    assert list(zip(decisions["project_id"], decisions["id"], strict=True)) == [
        ("PRJ-002", "D-001"),
        ("PRJ-001", "D-001"),
    ]
    assert list(decisions["owner"]) == ["Marc Lefèvre", "Claire Dubois"]  # soonest first; decided D-002 left out
    assert list(decisions["required_by"]) == [dt.date(2026, 12, 15), dt.date(2026, 12, 20)]


def test_report_opens_with_the_executive_summary(summary_and_html):
    _summary, html = summary_and_html
    summary_part = html.split('<section id="detail">')[0]
    assert "Portfolio report 2026-11" in summary_part
    assert "changes since 2026-10" in summary_part
    assert "Decisions needed from management" in summary_part
    assert summary_part.index("Decisions needed") < summary_part.index("What changed")
    for text in ("Approve the extra budget", "Claire Dubois", "2026-12-20", "Stop or continue?", "R-003", "R-001",
                 "M-002", "2027-07-15", "Current approved budget 500.0 -&gt; 600.0", "Regulator may fine us"):  # fmt: skip
        assert text in summary_part, text
    assert "Choose the vendor" not in html


def test_report_is_one_file_with_no_external_references(summary_and_html):
    _summary, html = summary_and_html
    assert "<link" not in html.lower()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"url\(", html)
    assert html.count("<svg") >= 4


def test_every_user_string_is_escaped(summary_and_html):
    _summary, html = summary_and_html
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "Portal &lt;b&gt;relaunch&lt;/b&gt;" in html and "<b>relaunch" not in html


def test_pmo_report_filters_by_programme(ledger_path, tmp_path):
    out = tmp_path / "back office.html"
    result = CliRunner().invoke(main, ["report", str(out), "--ledger", str(ledger_path), "--programme", "Back Office"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Programme: Back Office" in html
    assert "PRJ-002" in html and "PRJ-001" not in html
    assert "Stop or continue?" in html and "Approve the extra budget" not in html


def test_pmo_report_explains_a_missing_ledger(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "r.html"), "--ledger", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "run `pmo collect` first" in result.output
    assert not (tmp_path / "r.html").exists()


# -- printed: the executive summary is one page -------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
LONG = "The integration partner moved to a new API version without notice, so every interface must be retested " * 2


def _worst_case(summary, limit_rows: int = 12):
    """Every list of the summary longer than the summary shows, every text long: the fullest page 1 can get."""

    def crowded(frame: pd.DataFrame) -> pd.DataFrame:
        row = frame.iloc[0].to_dict() if len(frame) else {}
        rows = []
        for number in range(limit_rows):
            filled = {column: row.get(column) for column in frame.columns}
            for column in frame.columns:
                if column in ("description", "decision", "changes", "name", "project_name", "owner", "programme"):
                    filled[column] = f"{number} {LONG}"
            filled["project_id"] = f"PRJ-{number:03d}"
            rows.append(filled)
        return pd.DataFrame(rows, columns=frame.columns)

    return replace(
        summary,
        scope="Programme: " + LONG[:60],
        **{
            name: crowded(getattr(summary, name))
            for name in ("new_reds", "new_risks", "closed_risks", "slipped_key_milestones", "rebaselines",
                         "decisions", "escalations")
        },
    )  # fmt: skip


def _print_to_pdf(html_path: Path, folder: Path) -> Path:
    assert CHROMIUM.exists(), "headless Chromium is needed at /usr/bin/chromium (apt-get install chromium)"
    pdf = folder / "report.pdf"
    completed = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={folder / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
         html_path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), completed.stderr[-2000:]
    return pdf


def _page_text(pdf: Path, page: int) -> str:
    completed = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return completed.stdout


def test_the_executive_summary_prints_on_page_one_even_when_crowded(ledger_path, tmp_path):
    views = load_views(ledger_path, today=dt.date(2026, 12, 10))
    items = read_item_history(ledger_path, views)
    crowded = _worst_case(executive_summary(views, items))
    report = tmp_path / "crowded.html"
    report.write_text(render_report(build_dashboard(views, items), crowded, views), encoding="utf-8")
    pdf = _print_to_pdf(report, tmp_path)
    first, second = _page_text(pdf, 1), _page_text(pdf, 2)
    # the summary's last block and its last row shown are on page 1 ...
    assert "Portfolio report 2026-11" in first and "Re-baselines" in first
    assert (
        "PRJ-002" in first.split("Re-baselines")[-1]
        and "9 more in the detail below." in first.split("Re-baselines")[-1]
    )
    # ... and page 2 opens with the detail: a summary that spilled over would push its tail onto page 2 first
    assert second.lstrip().startswith("All changes since 2026-10 and decisions"), second[:300]
    assert "Portfolio report" not in second and "Re-baselines" not in second.split("All changes")[0]


def test_the_report_core_reads_no_clock(ledger_path):
    """render_report is pure: the same inputs give the same document, dated only when the caller says so."""
    views = load_views(ledger_path, today=dt.date(2026, 12, 10))
    items = read_item_history(ledger_path, views)
    summary = executive_summary(views, items)
    dashboard = build_dashboard(views, items)
    undated = render_report(dashboard, summary, views)
    assert undated == render_report(dashboard, summary, views)
    assert "Written by pmo from the ledger. Trends" in undated
    assert "Written by pmo from the ledger on 2027-01-05." in render_report(
        dashboard, summary, views, dt.date(2027, 1, 5)
    )
