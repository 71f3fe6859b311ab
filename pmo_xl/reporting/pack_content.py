"""What the review pack's pages hold, as data: the projects that get a page, the summary's counts (each the one
`pmo report` shows), what needs the committee's attention, the actions per owner, the scenarios decided
differently, and how long each list may be on a page.

Both renderings read these, so the printed pack (`review_pack.py`, HTML for Chromium) and the slides
(`pack_pptx.py`) never disagree. Pure: data in, data out; `today` is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from pmo_xl.reporting.calendar import ACTIVE_STATES, CURRENT_STATES
from pmo_xl.reporting.dashboard import RISK_TYPES, Dashboard, ExecutiveSummary, overdue_actions
from pmo_xl.reporting.report_html import NOT_REPORTING_MEASURES
from pmo_xl.reporting.views import NOT_IN_REGISTER, PortfolioViews
from pmo_xl.values import as_date, is_blank

if TYPE_CHECKING:
    from pmo_xl.portfolio.selection.saved import ComparisonRow, ScenarioComparison

OUTPUT = "report.html"  # the audience model's name for the management pack: the review pack is its printed form
# How much of each list a page shows; the rest is counted ("+N more"), never dropped in silence.
TOP_RISKS = 5
TOP_MILESTONES = 6
TOP_DECISIONS = 3
SUMMARY_ROWS = 8
ACTIONS_PER_OWNER = 8


@dataclass(frozen=True)
class PipelineRequest:
    """A request of the pipeline as the pack shows it: the shell reads the Requests table into these."""

    request_id: str
    title: str
    sponsor: str
    stage: str
    start_month: str
    cost: float | None  # the request's cost over all its years (cost_FY...), as the Requests table states it


def active_projects(views: PortfolioViews) -> pd.DataFrame:
    """The projects that get a page: every active project of the scope (reported or not, and a project reporting
    without a register row), by project id: the projects the dashboard and the report count as active."""
    everyone = pd.concat([views.status, views.unreported], ignore_index=True) if len(views.unreported) else views.status
    active = everyone[everyone["coverage"].isin((*ACTIVE_STATES, NOT_IN_REGISTER))]
    return active.sort_values("project_id", kind="stable").reset_index(drop=True)


def page_records(projects: pd.DataFrame) -> list[dict]:
    """The project pages' rows, each blank (NaN, NaT, None, spaces) as None: a page never prints 'nan' for a project
    that never reported, or for a field its PM left empty."""
    return [
        {key: None if is_blank(value) else value for key, value in row.items()} for row in projects.to_dict("records")
    ]


def project_end(row: dict) -> tuple[dt.date | None, dt.date | None, str, bool] | None:
    """A project's own end: (baseline, forecast, the slip in words, whether late), None when it gives neither: the
    schedule RAG's reason, which no milestone line may show (pack page and slide alike)."""
    baseline, forecast = as_date(row.get("baseline_end_date")), as_date(row.get("forecast_end_date"))
    if baseline is None and forecast is None:
        return None
    slip = (forecast - baseline).days if baseline is not None and forecast is not None else None
    said = "" if slip is None else "on time" if slip == 0 else f"{abs(slip)} days {'late' if slip > 0 else 'early'}"
    return baseline, forecast, said, bool(slip and slip > 0)


def _is_current(coverage: object) -> bool:
    """Whether a project's latest report is its status for the period, as the dashboard counts it."""
    return coverage in (*CURRENT_STATES, NOT_IN_REGISTER)


@dataclass(frozen=True)
class PackCounts:
    """The executive summary's counts, each the one `pmo report` shows: active projects, at Red (a current report
    at Red), decisions needed (and how many are overdue), escalations, and projects without a current report."""

    active: int
    at_red: int
    decisions: int
    overdue_decisions: int
    escalated: int
    not_reporting: int


def pack_counts(dashboard: Dashboard, summary: ExecutiveSummary, today: dt.date) -> PackCounts:
    headline = dashboard.headline.set_index("measure")["value"].to_dict()
    overdue = sum(1 for day in summary.decisions["required_by"] if (d := as_date(day)) is not None and d < today)
    return PackCounts(
        active=int(headline["Active projects"]),
        at_red=int(headline["Projects at Red"]),
        decisions=len(summary.decisions),
        overdue_decisions=overdue,
        escalated=len(summary.escalations),
        not_reporting=sum(int(headline.get(measure) or 0) for measure in NOT_REPORTING_MEASURES),
    )


@dataclass(frozen=True)
class Attention:
    """One line of the summary's "needs attention" list: a project without a current report, or an overdue
    decision."""

    project_id: str
    kind: str  # "never reported", "stale", "returned", "overdue decision", "overdue action"
    detail: str


def needs_attention(projects: pd.DataFrame, summary: ExecutiveSummary, today: dt.date) -> list[Attention]:
    """What the committee should chase: overdue decisions, then the overdue actions its own decisions set (each
    longest overdue first), then projects never reported, returned for correction, or stale (by project id)."""
    items = []
    for row in summary.decisions.to_dict("records"):
        due = as_date(row.get("required_by"))
        if due is not None and due < today:
            items.append((0, due.isoformat(), Attention(str(row["project_id"]), "overdue decision",
                          f"{row.get('id')} needed by {due.isoformat()} ({(today - due).days} days ago), "
                          f"owner {row.get('owner') or 'not named'}")))  # fmt: skip
    late = overdue_actions(summary.actions, today)
    for row in summary.actions[late].to_dict("records"):
        due = as_date(row.get("due"))
        items.append((0.5, due.isoformat(), Attention(str(row["project_id"]), "overdue action",
                      f"{row.get('action')} ({row.get('answers')}), due {due.isoformat()} ({(today - due).days} days "
                      f"ago), owner {row.get('action_owner') or 'not named'}")))  # fmt: skip
    texts = {
        "never reported": lambda row: "no accepted report yet",
        "returned": lambda row: f"report returned for correction; latest accepted is for {row.get('period') or 'none'}",
        "stale": lambda row: f"latest accepted report is for {row.get('period')}",
    }
    for rank, kind in enumerate(texts, start=1):
        for row in projects[projects["coverage"] == kind].to_dict("records"):
            items.append((rank, str(row["project_id"]), Attention(str(row["project_id"]), kind, texts[kind](row))))
    return [item for _rank, _key, item in sorted(items, key=lambda entry: (entry[0], entry[1]))]


# -- the front pages --------------------------------------------------------------------------------------------


def current_reds(projects: pd.DataFrame) -> pd.DataFrame:
    """The projects whose current report is at Red (a stale report's Red is not counted, as on the dashboard)."""
    return projects[(projects["rag_overall"] == "Red") & projects["coverage"].map(_is_current)]


def owner_actions(views: PortfolioViews, project_ids: set[str]) -> pd.DataFrame:
    """The open risks' and issues' responses with a due date, of the pack's projects: the actions, by owner and date."""
    raid = views.raid
    columns = ["owner", "due_date", "project_id", "id", "type", "description", "response"]
    if raid.empty:
        return pd.DataFrame(columns=columns)
    open_items = raid[
        raid["project_id"].isin(project_ids) & raid["type"].isin(RISK_TYPES) & (raid["status"] != "Closed")
    ]
    rows = [
        {**{c: row.get(c) for c in columns}, "owner": str(row.get("owner") or "").strip() or "(no owner named)",
         "due_date": as_date(row.get("due_date"))}
        for row in open_items.to_dict("records")
        if as_date(row.get("due_date")) is not None
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["owner", "due_date", "project_id", "id"], ignore_index=True)


COMPARED_REQUESTS = 14


def comparison_cells(row: ComparisonRow, together: Sequence[ComparisonRow] = ()) -> list[str]:
    """A comparison row's cells as text: numbers with thousands separators and one number of decimals across the
    row and the rows read `together` with it (two when any figure has a fraction, so 1,015 and 1,522.50 read as
    1,015.00 and 1,522.50: a year's cost and its budget line up), text as written, '-' for none."""
    numbers = [cell for other in (row, *together) for cell in other.cells if isinstance(cell, float)]
    decimals = 0 if all(round(number, 2).is_integer() for number in numbers) else 2
    return ["-" if cell is None else f"{cell:,.{decimals}f}" if isinstance(cell, float) else str(cell)
            for cell in row.cells]  # fmt: skip


def comparison_line(comparison: ScenarioComparison, row: ComparisonRow) -> list[str]:
    """A comparison row as the pack shows it: its label, then its cells; the cost section's figures (years, total,
    budgets) share one number of decimals so they line up."""
    together = comparison.section(row.section) if row.section == "cost by year" else ()
    return [comparison_label(row), *comparison_cells(row, together)]


def comparison_label(row: ComparisonRow) -> str:
    """A comparison row's label as the committee reads it: a fiscal year's line of the cost section says it is a
    cost ('cost FY2027', beside 'budget FY2027'), and a unit is named."""
    label = row.label
    if row.section == "cost by year" and not label.startswith(("total", "budget")):
        label = f"cost {label}"
    return label + (f" ({row.unit})" if row.unit else "")


def comparison_requests(comparison: ScenarioComparison) -> tuple[list, int]:
    """The requests the scenarios decide differently (what the committee chooses between), and how many more are
    decided alike in every scenario."""
    rows = comparison.section("requests")
    differ = [row for row in rows if len({str(cell).split(" (")[0] for cell in row.cells}) > 1]
    return differ, len(rows) - len(differ)
