"""The review pack as PowerPoint slides (`pmo review-pack OUT.pptx`), for committees that work from PowerPoint.

The same pages as the printed pack (`review_pack.py`), one slide each, text and tables only: the executive summary
with what needs attention, the decisions and escalations, the actions per owner, what changed, one slide per active
project (its RAG declared against derived, budget, EAC and variance with their unit, top risks and issues,
milestones), then capacity, pipeline and the scenario comparison when given. The lists are bounded as on the
printed pages, and each says how many it left out. The numbers come from the same functions as the printed pack, so
the two never disagree. Pure: the inputs in, the .pptx's bytes out; no clock, no file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from pmo_xl.reporting.audience import require_reader
from pmo_xl.reporting.dashboard import CLOSED_MILESTONE, RISK_TYPES, Dashboard, ExecutiveSummary
from pmo_xl.reporting.pack_content import (
    ACTIONS_PER_OWNER,
    COMPARED_REQUESTS,
    OUTPUT,
    SUMMARY_ROWS,
    TOP_MILESTONES,
    TOP_RISKS,
    PipelineRequest,
    active_projects,
    comparison_line,
    comparison_requests,
    current_reds,
    needs_attention,
    owner_actions,
    pack_counts,
    page_records,
    project_end,
)
from pmo_xl.reporting.views import MONEY_DECIMALS, PortfolioViews, amounts_label, project_budget, whole_amount
from pmo_xl.templates.catalog import VARIANCE_HEADER, budget_variance
from pmo_xl.values import as_date, as_float

if TYPE_CHECKING:
    from pmo_xl.portfolio.selection.saved import ScenarioComparison
    from pmo_xl.reporting.audience import Audience

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.4)
TEXT_CHARS = 90


def _text(value: object, limit: int = TEXT_CHARS) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    return text[: limit - 1].rstrip() + "\u2026" if len(text) > limit else text


def _date(value: object) -> str:
    day = as_date(value)
    return day.isoformat() if day else ""


def _due(value: object, today: dt.date) -> str:
    day = as_date(value)
    if day is None:
        return ""
    return f"{day.isoformat()} OVERDUE" if day < today else day.isoformat()


class _Deck:
    """A presentation being filled: a title slide layout, a title and boxes of text or tables per slide."""

    def __init__(self) -> None:
        self.presentation = Presentation()
        self.presentation.slide_width, self.presentation.slide_height = WIDTH, HEIGHT
        self.layout = self.presentation.slide_layouts[5]  # "Title Only"

    def slide(self, title: str, subtitle: str = ""):
        slide = self.presentation.slides.add_slide(self.layout)
        shape = slide.shapes.title
        shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.2), WIDTH - 2 * MARGIN, Inches(0.6)
        shape.text_frame.text = title
        for paragraph in shape.text_frame.paragraphs:
            paragraph.font.size = Pt(24)
            paragraph.font.bold = True
        if subtitle:
            self.lines(slide, [subtitle], MARGIN, Inches(0.8), WIDTH - 2 * MARGIN, Inches(0.35), size=11)
        return slide

    def lines(self, slide, lines: Sequence[str], left, top, width, height, size: int = 11, bold_first=False):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for number, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(size)
            paragraph.font.bold = bold_first and number == 0
        return box

    def table(self, slide, headers: Sequence[str], rows: Sequence[Sequence[str]], left, top, width,
              empty: str = "None.", more: str = "", size: int = 9):  # fmt: skip
        """A table (or `empty` when there are no rows), its columns as wide as their longest text asks (within
        bounds), and `more` in a last row across the table when rows were left out: a row that wraps pushes the
        note down instead of running under it."""
        if not rows:
            self.lines(slide, [empty], left, top, width, Inches(0.3), size=size + 1)
            return
        count = len(rows) + 1 + (1 if more else 0)
        row_height = Inches(0.26)
        shape = slide.shapes.add_table(count, len(headers), left, top, width, Emu(row_height * count))
        table = shape.table
        weights = [
            min(max(len(str(text)) for text in (header, *(row[column] for row in rows))), 60) + 4
            for column, header in enumerate(headers)
        ]  # fmt: skip
        for column, weight in enumerate(weights):
            table.columns[column].width = Emu(int(width * weight / sum(weights)))
        for column, header in enumerate(headers):
            table.cell(0, column).text = header
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                table.cell(number, column).text = value
        if more:
            table.cell(count - 1, 0).merge(table.cell(count - 1, len(headers) - 1))
            table.cell(count - 1, 0).text = more
        for number in range(count):
            note = bool(more) and number == count - 1
            for column in range(len(headers)):
                cell = table.cell(number, column)
                cell.margin_top = cell.margin_bottom = Inches(0.02)
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.font.size = Pt(size)
                    paragraph.font.italic = note

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.presentation.save(buffer)
        return buffer.getvalue()


def _more(hidden: int, what: str) -> str:
    return f"+{hidden} more {what}" if hidden > 0 else ""


HALF = (WIDTH - 2 * MARGIN - Inches(0.3)) / 2
RIGHT = MARGIN + HALF + Inches(0.3)


def _summary(deck: _Deck, dashboard, summary, projects, today) -> None:
    counts = pack_counts(dashboard, summary, today)
    since = f", changes since {summary.previous_period}" if summary.previous_period else ", first period"
    slide = deck.slide(f"Executive summary: portfolio review {summary.period}",
                       f"{summary.scope} · data for {summary.period}{since} · overdue means due before {today}")  # fmt: skip
    deck.table(slide, ["Active projects", "At Red", "Decisions needed", "Escalated", "Without a current report"],
               [[str(counts.active), str(counts.at_red), f"{counts.decisions} ({counts.overdue_decisions} overdue)",
                 str(counts.escalated), str(counts.not_reporting)]], MARGIN, Inches(1.2), WIDTH - 2 * MARGIN,
               size=12)  # fmt: skip
    deck.lines(slide, ["At a glance", *summary.headlines()], MARGIN, Inches(2.0), HALF, Inches(1.6), size=10,
               bold_first=True)  # fmt: skip
    reds = current_reds(projects)
    deck.lines(slide, ["Projects at Red"], MARGIN, Inches(3.7), HALF, Inches(0.3), size=12, bold_first=True)
    deck.table(slide, ["Project", "Name", "Rules say"],
               [[str(r["project_id"]), _text(r.get("project_name"), 40), _text(r.get("rag_derived"))]
                for r in reds.head(SUMMARY_ROWS).to_dict("records")],
               MARGIN, Inches(4.0), HALF, "No project is at Red.", _more(len(reds) - SUMMARY_ROWS, "projects at Red"))  # fmt: skip
    attention = needs_attention(projects, summary, today)
    deck.lines(slide, ["Needs attention"], RIGHT, Inches(2.0), HALF, Inches(0.3), size=12, bold_first=True)
    deck.table(slide, ["Project", "What", "Detail"],
               [[a.project_id, a.kind, _text(a.detail, 70)] for a in attention[:SUMMARY_ROWS]], RIGHT, Inches(2.3),
               HALF, "Nothing overdue; every project has a current report.",
               _more(len(attention) - SUMMARY_ROWS, "items: see the decisions slide and each project's slide"))  # fmt: skip


def _decisions(deck: _Deck, summary, today) -> None:
    slide = deck.slide("Decisions and escalations", f"Each listed once, soonest first. Overdue: due before {today}.")
    decisions = summary.decisions.to_dict("records")
    deck.table(slide, ["Project", "ID", "Decision needed", "Owner", "Needed by"],
               [[str(d["project_id"]), _text(d.get("id")), _text(d.get("decision")), _text(d.get("owner")),
                 _due(d.get("required_by"), today)] for d in decisions[:12]],
               MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, "No decision is waiting for the committee.",
               _more(len(decisions) - 12, "decisions: see the printed pack or the HTML report"))  # fmt: skip
    escalations = summary.escalations.to_dict("records")
    deck.lines(slide, ["Risks and issues escalated"], MARGIN, Inches(4.5), WIDTH, Inches(0.3), size=12,
               bold_first=True)  # fmt: skip
    deck.table(slide, ["Project", "ID", "Type", "Description", "Owner", "Due"],
               [[str(e["project_id"]), _text(e.get("id")), _text(e.get("type")), _text(e.get("description"), 70),
                 _text(e.get("owner")), _due(e.get("due_date"), today)] for e in escalations[:6]],
               MARGIN, Inches(4.8), WIDTH - 2 * MARGIN, "No risk or issue is escalated.",
               _more(len(escalations) - 6, "escalations: see the printed pack"))  # fmt: skip


def _actions(deck: _Deck, views, ids, today) -> None:
    actions = owner_actions(views, ids)
    slide = deck.slide("Actions per owner", "Responses to open risks and issues with a due date, earliest first.")
    rows = [[str(r["owner"]), str(r["project_id"]), str(r["id"]), _text(r.get("response") or r.get("description"), 70),
             _due(r["due_date"], today)] for r in actions.head(ACTIONS_PER_OWNER * 2).to_dict("records")]  # fmt: skip
    deck.table(slide, ["Owner", "Project", "Item", "Action (the response)", "Due"], rows, MARGIN, Inches(1.2),
               WIDTH - 2 * MARGIN, "No open risk or issue has a response due.",
               _more(len(actions) - len(rows), "actions: see the printed pack"))  # fmt: skip


def _changes(deck: _Deck, summary) -> None:
    since = f" since {summary.previous_period}" if summary.previous_period else ""
    slide = deck.slide(f"What changed{since}")
    reds = summary.new_reds.to_dict("records")
    deck.lines(slide, ["New reds"], MARGIN, Inches(1.1), HALF, Inches(0.3), size=12, bold_first=True)
    deck.table(slide, ["Project", "Name", "Was"],
               [[str(r["project_id"]), _text(r.get("project_name"), 40), _text(r.get("previous_rag"))]
                for r in reds[:SUMMARY_ROWS]], MARGIN, Inches(1.4), HALF, "No project turned red.",
               _more(len(reds) - SUMMARY_ROWS, "new reds"))  # fmt: skip
    slipped = summary.slipped_key_milestones.to_dict("records")
    deck.lines(slide, ["Key milestones that slipped"], RIGHT, Inches(1.1), HALF, Inches(0.3), size=12,
               bold_first=True)  # fmt: skip
    deck.table(slide, ["Project", "ID", "Milestone", "Was", "Now"],
               [[str(r["project_id"]), _text(r.get("id")), _text(r.get("name"), 40), _date(r.get("previous_forecast")),
                 _date(r.get("forecast"))] for r in slipped[:SUMMARY_ROWS]], RIGHT, Inches(1.4), HALF,
               "No key milestone slipped.", _more(len(slipped) - SUMMARY_ROWS, "slipped milestones"))  # fmt: skip


def _money(value: float | None, unit: object) -> str:
    return "not reported" if value is None else whole_amount(value, MONEY_DECIMALS.get(str(unit or "").strip(), 0))


def _project(deck: _Deck, row: dict, number: int, count: int, milestones, raid, baselines, period: str) -> None:
    project_id = row["project_id"]
    reported = str(row.get("period") or "")
    data = f"data: report for {reported} ({row.get('coverage')})" if reported else "data: never reported"
    slide = deck.slide(f"{project_id} · {_text(row.get('project_name'), 60)}",
                       f"project {number} of {count} · {data} · period {period} · PM "
                       f"{_text(row.get('project_manager'), 40) or 'not named'}")  # fmt: skip
    deck.table(slide, ["RAG", "PM declares", "Rules say"],
               [[label, _text(row.get(declared)) or "-", _text(row.get(derived)) or "-"]
                for label, declared, derived in (("Overall", "rag_overall", "rag_derived"),
                                                 ("Schedule", "rag_schedule", "rag_schedule_derived"),
                                                 ("Cost", "rag_cost", "rag_cost_derived"))],
               MARGIN, Inches(1.2), HALF)  # fmt: skip
    budget, eac = project_budget(row), as_float(row.get("estimate_at_completion"))
    unit = row.get("money_unit")
    deck.table(slide, [f"Amounts in {amounts_label(unit, row.get('currency'))}", "Amount"],
               [["Budget (current approved)", _money(budget, unit)], ["Forecast at completion (EAC)", _money(eac, unit)],
                [VARIANCE_HEADER, _money(budget_variance(budget, eac), unit)],
                ["Actual to date", _money(as_float(row.get("actual_to_date")), unit)]],
               MARGIN, Inches(2.5), HALF, size=10)  # fmt: skip
    risks = [r for r in raid.get(project_id, []) if r.get("type") in RISK_TYPES and r.get("status") != "Closed"]
    risks.sort(key=lambda r: (-(as_float(r.get("severity")) or 0), str(r.get("id") or "")))
    deck.lines(slide, ["Top risks and issues"], MARGIN, Inches(4.1), HALF, Inches(0.3), size=12, bold_first=True)
    deck.table(slide, ["ID", "Type", "Description", "Owner"],
               [[_text(r.get("id")), _text(r.get("type")), _text(r.get("description"), 60), _text(r.get("owner"))]
                for r in risks[:TOP_RISKS]], MARGIN, Inches(4.4), HALF, "No open risk or issue.",
               _more(len(risks) - TOP_RISKS, "open risks and issues"))  # fmt: skip
    # A milestone without a baseline date of its own shows its effective baseline, as on the printed page.
    effective = baselines.get(project_id, {})
    live = [
        {
            **m,
            "baseline_date": m.get("baseline_date") if as_date(m.get("baseline_date")) else effective.get(m.get("id")),
        }
        for m in milestones.get(project_id, [])
        if m.get("status") != "Cancelled"
    ]
    live.sort(key=lambda m: (m.get("status") in CLOSED_MILESTONE, _date(m.get("forecast_date")) or "9999"))
    deck.lines(slide, ["Milestones: baseline against forecast"], RIGHT, Inches(1.2), HALF, Inches(0.3), size=12,
               bold_first=True)  # fmt: skip
    end = project_end(row)  # the project's own end first: the schedule RAG's reason
    deck.table(slide, ["Milestone", "Baseline", "Forecast", "Status"],
               ([["Project end", _date(end[0]), _date(end[1]), end[2]]] if end else [])
               + [[f"{_text(m.get('id'))} {_text(m.get('name'), 40)}", _date(m.get("baseline_date")),
                   _date(m.get("forecast_date")), _text(m.get("status"))] for m in live[:TOP_MILESTONES]],
               RIGHT, Inches(1.5), HALF, "No milestone reported.", _more(len(live) - TOP_MILESTONES, "milestones"))  # fmt: skip
    commentary = _text(row.get("key_achievements"), 400)
    deck.lines(slide, ["The PM's commentary (key achievements)", commentary or "No commentary this period."],
               RIGHT, Inches(4.1), HALF, Inches(2.5), size=10, bold_first=True)  # fmt: skip


def _capacity(deck: _Deck, dashboard) -> None:
    hot = dashboard.capacity_hot_spots
    slide = deck.slide(
        "Capacity: where demand exceeds capacity", "Role-months over capacity, largest shortfall first (FTE)."
    )
    deck.table(slide, ["Role", "Month", "Demand FTE", "Capacity FTE", "Shortfall FTE"],
               [[_text(r.get("role")), _text(r.get("month")), f"{as_float(r.get('demand_fte')) or 0:.1f}",
                 f"{as_float(r.get('capacity_fte')) or 0:.1f}", f"{as_float(r.get('shortfall_fte')) or 0:.1f}"]
                for r in hot.head(18).to_dict("records")], MARGIN, Inches(1.2), WIDTH - 2 * MARGIN,
               "No role is over capacity.", _more(len(hot) - 18, "role-months over capacity: see capacity_plan.xlsx"))  # fmt: skip


def _pipeline(deck: _Deck, pipeline: Sequence[PipelineRequest]) -> None:
    slide = deck.slide("Pipeline: requests waiting for a decision", f"{len(pipeline)} request(s), by start month.")
    deck.table(slide, ["Request", "Title", "Sponsor", "Stage", "Start", "Cost (all years)"],
               [[r.request_id, _text(r.title, 60), _text(r.sponsor, 30), r.stage, r.start_month,
                 "" if r.cost is None else whole_amount(r.cost, 1)] for r in pipeline[:18]],
               MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, "No request in the pipeline.",
               _more(len(pipeline) - 18, "requests: see the Requests table"))  # fmt: skip


def _comparison(deck: _Deck, comparison: ScenarioComparison) -> None:
    names = list(comparison.names)
    slide = deck.slide(f"Scenarios compared: {', '.join(names)}", "Each scenario's saved run, side by side.")

    def rows(section_rows) -> list[list[str]]:
        lines = (comparison_line(comparison, r) for r in section_rows)
        return [[_text(label, 50), *(c.replace("\n", "; ") for c in cells)] for label, *cells in lines]

    figures = [*comparison.section("value"), *comparison.section("cost by year"), *comparison.section("binding")]
    deck.table(slide, ["Measure", *names], rows(figures), MARGIN, Inches(1.2), HALF)
    differ, alike = comparison_requests(comparison)
    deck.lines(slide, ["Requests the scenarios decide differently"], RIGHT, Inches(1.2), HALF, Inches(0.3), size=12,
               bold_first=True)  # fmt: skip
    more = _more(len(differ) - COMPARED_REQUESTS, "requests decided differently")
    deck.table(slide, ["Request", *names], rows(differ[:COMPARED_REQUESTS]), RIGHT, Inches(1.5), HALF, "None.",
               "; ".join(filter(None, [more, f"{alike} request(s) decided alike in every scenario"])))  # fmt: skip


def render_pack_pptx(
    dashboard: Dashboard,
    summary: ExecutiveSummary,
    views: PortfolioViews,
    today: dt.date,
    audience: Audience | None = None,
    pipeline: Sequence[PipelineRequest] | None = None,
    capacity: bool = False,
    comparison: ScenarioComparison | None = None,
) -> bytes:
    """The review pack's pages as a .pptx, one slide each, as `render_review_pack` takes them."""
    from pmo_xl.reporting.audience import Audience

    require_reader(OUTPUT, audience or Audience())
    projects = active_projects(views)
    ids = set(projects["project_id"])
    by_project = {}
    for name, frame in (
        ("milestones", views.milestones),
        ("raid", views.raid),
        ("baselines", views.milestone_baselines),
    ):
        grouped: dict[str, list[dict]] = {}
        for row in frame[frame["project_id"].isin(ids)].to_dict("records"):
            grouped.setdefault(row["project_id"], []).append(row)
        by_project[name] = grouped
    deck = _Deck()
    _summary(deck, dashboard, summary, projects, today)
    _decisions(deck, summary, today)
    _actions(deck, views, ids, today)
    _changes(deck, summary)
    records = page_records(projects)
    baselines = {
        project: {m["id"]: m.get("baseline_date") for m in rows} for project, rows in by_project["baselines"].items()
    }
    for number, row in enumerate(records, start=1):
        _project(deck, row, number, len(records), by_project["milestones"], by_project["raid"], baselines, views.period)
    if capacity:
        _capacity(deck, dashboard)
    if pipeline is not None:
        _pipeline(deck, pipeline)
    if comparison is not None:
        _comparison(deck, comparison)
    return deck.bytes()
