"""The dashboard and the executive summary: what management looks at, computed from the portfolio views.

Pure: `PortfolioViews` and `ItemHistory` (every milestone, RAID item and decision of every counted submission, read
from the ledger by `pmo_xl.reporting.load.read_item_history`) in, frozen dataclasses of DataFrames out. Trends and "what changed since
last period" come from the ledger's history of counted submissions, matched by stable item ids; old files are
never read again.

Money: every amount is converted exactly to the portfolio's one unit (the smallest its projects report in, see
`pmo_xl.reporting.views.MoneyScale`) and carries its label ('k EUR') in an `amounts_in` column. Amounts in different
currencies are never added: a total over projects in several currencies is given per currency, in words ('1,200 k
EUR; 800 k GBP'), and a share of such a budget per currency; `currencies` has each currency's totals as numbers.
The variance is the template's (`pmo_xl.templates.catalog.budget_variance`): budget - EAC, negative = overspend. Budgets and
baseline dates are the PMO's (`pmo_xl.reporting.views.pmo_baseline`). Percentages are fractions 0-1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from pmo_xl.decisions import OPEN_NEED, asks_again
from pmo_xl.errors import PmoError
from pmo_xl.periods import first_day
from pmo_xl.reporting.audience import Audience, require_reader
from pmo_xl.reporting.calendar import ACTIVE_STATES, COVERAGE_STATES, CURRENT_STATES
from pmo_xl.reporting.views import (
    MONEY_DECIMALS,
    NOT_IN_REGISTER,
    MoneyScale,
    PortfolioViews,
    budget_variance,
    latest_resources,
    money_cell,
    money_label,
    project_budget,
    share_cell,
    whole_amount,
)
from pmo_xl.reporting_calendar import last_day
from pmo_xl.templates.catalog import STAGES
from pmo_xl.values import as_date, as_float

RAGS = ("Green", "Amber", "Red")
NOT_REPORTED = "Not reported"
# Active projects without a current report for the period, as the tracker names them.
OUTSTANDING_STATES = ("late", "returned", "stale", "never reported")
NO_STAGE = "Not set"
CLOSED_MILESTONE = ("Complete", "Cancelled")
OPEN_DECISION = OPEN_NEED
RISK_TYPES = ("Risk", "Issue")
ITEM_TABLES = {"milestones": "Milestones", "raid": "RAID", "decisions": "Decisions"}
TREND_PERIODS = 12
TOP_ROWS = 15


class DashboardError(PmoError):
    """The dashboard cannot be built as asked (e.g. a filter that matches no project)."""


@dataclass(frozen=True)
class ItemHistory:
    """Rows of the item tables for every counted submission (all periods): project_id, period, submission_id, ..."""

    milestones: pd.DataFrame
    raid: pd.DataFrame
    decisions: pd.DataFrame


def plan_portfolio_capacity(
    capacity: pd.DataFrame,
    views: PortfolioViews,
    requests: pd.DataFrame | None = None,
    request_resources: pd.DataFrame | None = None,
    settings: object | None = None,
):
    """The capacity plan behind the hot spots: the portfolio's committed demand and the pipeline against the
    Capacity table, over the horizon `pmo capacity` uses for the same period (`pmo_xl.portfolio.capacity.horizon_start`)."""
    from pmo_xl.portfolio.capacity import CapacitySettings, horizon_start, plan_capacity

    return plan_capacity(
        capacity, views.resources, views.status, requests, request_resources,
        current_period=horizon_start(views.period), settings=settings or CapacitySettings(),
    )  # fmt: skip


def item_columns(rows: list[dict]) -> list[str]:
    columns = ["project_id", "period", "submission_id"]
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def item_history_from_frames(**frames: pd.DataFrame) -> ItemHistory:
    """An ItemHistory from ready frames; absent tables are empty (for tests and callers without a ledger)."""
    empty = pd.DataFrame(columns=["project_id", "period", "submission_id", "id"])
    return ItemHistory(**{name: frames.get(name, empty) for name in ITEM_TABLES})


# -- scope: programme or business unit --------------------------------------------------------------------------


def scope_views(
    views: PortfolioViews, items: ItemHistory, audience: Audience | None = None
) -> tuple[PortfolioViews, ItemHistory, str]:
    """The views and items of one audience's projects, and the scope's label ("All projects" without a filter).
    Only a management audience: the dashboard and the report are written for management (`reporting.audience`)."""
    audience = audience or Audience()
    require_reader("dashboard", audience)
    programme, business_unit = audience.programme, audience.business_unit
    if not audience.scoped:
        return views, items, audience.label
    status = pd.concat([views.status, views.unreported], ignore_index=True) if len(views.unreported) else views.status
    keep = pd.Series(True, index=status.index)
    labels = []
    for column, value, label in (("programme", programme, "Programme"), ("business_unit", business_unit, "Unit")):
        if not value:
            continue
        if column not in status.columns or not status[column].fillna("").astype(str).str.strip().any():
            raise DashboardError(f"no {column} column in the portfolio: the register needs one to filter by {label}")
        keep &= status[column].fillna("").astype(str).str.casefold() == value.casefold()
        labels.append(f"{label}: {value}")
    project_ids = set(status.loc[keep, "project_id"])
    if not project_ids:
        known = sorted({str(value) for value in status.get("programme", pd.Series(dtype=str)) if value})
        raise DashboardError(
            f"no project matches {', '.join(labels)}; programmes in the portfolio: {', '.join(known) or 'none'}"
        )

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(frame, pd.DataFrame) or "project_id" not in frame.columns:
            return frame
        return frame[frame["project_id"].isin(project_ids)].reset_index(drop=True)

    scoped = replace(
        views, **{f.name: only(getattr(views, f.name)) for f in fields(views) if f.name not in ("period",)}
    )
    scoped_items = ItemHistory(**{name: only(getattr(items, name)) for name in ITEM_TABLES})
    return scoped, scoped_items, ", ".join(labels)


# -- the dashboard ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """Every block of the Dashboard sheet, in sheet order. Money in the portfolio's unit, labelled `amounts_in`
    on every row; `money_label` names them all ('k EUR', or 'k EUR, k GBP' for a portfolio in two currencies)."""

    period: str
    scope: str
    money_label: str
    money: MoneyScale  # the one unit every amount below is converted to
    headline: pd.DataFrame  # measure, value, amounts_in
    currencies: pd.DataFrame  # amounts_in, projects, budget, forecast, variance, <rag>_budget, share_of_budget_at_red
    rag: pd.DataFrame  # rag, projects, budget, amounts_in, share_of_projects, share_of_budget
    stage: pd.DataFrame  # stage, Green, Amber, Red, Not reported, projects, budget, amounts_in
    rag_check: pd.DataFrame  # rag, declared, derived
    disagreements: pd.DataFrame  # project_id, project_name, declared, derived, reason
    trend: pd.DataFrame  # period, Green, Amber, Red, Not reported, red_budget, amounts_in
    slipping_milestones: pd.DataFrame
    progress: pd.DataFrame  # project_id, project_name, percent_complete, percent_budget_spent, percent_milestones_met
    top_risks: pd.DataFrame
    budget: pd.DataFrame  # project_id, project_name, budget, forecast, actual_to_date, variance, amounts_in, ...%
    capacity_hot_spots: pd.DataFrame  # role, month, demand_fte, capacity_fte, utilisation, shortfall_fte
    submission_states: pd.DataFrame  # state, projects
    outstanding_reports: pd.DataFrame  # tracker rows not received
    # What the forecast at completion covers when not every project gives one ('4 of 5 projects give one; their
    # budget 6,200.5 k EUR'): said beside it wherever the two totals are shown, so a budget of five projects is
    # never read against the forecast of four. '' when every project gives one.
    forecast_cover: str = ""


def _rag(value: object) -> str:
    return value if value in RAGS else NOT_REPORTED


def _budget_totals(rows: list[dict], scale: MoneyScale) -> dict[str, float]:
    return scale.totals(rows, [project_budget(row) for row in rows])


def scale_decimals(totals: dict[str, float]) -> int:
    """The places the totals are shown with: by the unit their keys name ('k EUR' one, 'm EUR' two)."""
    return max((MONEY_DECIMALS.get(key.split(" ")[0], 0) for key in totals), default=0)


def _labelled(totals: dict[str, float], fallback: str) -> tuple[float | str, str]:
    """(the total as a cell holds it, the label of its amounts): the keys summed, or the portfolio's for none."""
    return money_cell(totals, scale_decimals(totals)), ", ".join(sorted(totals)) or fallback


def currency_totals(status: pd.DataFrame, scale: MoneyScale | None = None) -> pd.DataFrame:
    """One row per money key ('k EUR'): projects, budget, forecast, variance and budget per RAG, as numbers.

    The per-currency totals behind every block that adds money across projects: with one currency, one row."""
    scale = scale or MoneyScale.of(status)
    rows = status.to_dict("records")
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        by_key.setdefault(scale.key(row), []).append(row)
    frame_rows = []
    for key, members in sorted(by_key.items()):
        budget = sum(scale.budget(row) or 0.0 for row in members)
        forecasts = [scale.amount(row.get("estimate_at_completion"), row) for row in members]
        forecast = sum(value for value in forecasts if value is not None)
        # Summed over the projects that give a forecast: a project without one adds no variance.
        variances = [budget_variance(scale.budget(row), value) for row, value in zip(members, forecasts, strict=True)]
        per_rag = {
            f"{rag.lower().replace(' ', '_')}_budget": sum(
                scale.budget(row) or 0.0 for row in members if _rag(row.get("rag_overall")) == rag
            )
            for rag in (*RAGS, NOT_REPORTED)
        }
        frame_rows.append(
            {"amounts_in": key, "projects": len(members), "budget": budget, "forecast": forecast,
             "variance": sum(value for value in variances if value is not None), **per_rag,
             "share_of_budget_at_red": per_rag["red_budget"] / budget if budget else 0.0}
        )  # fmt: skip
    columns = ["amounts_in", "projects", "budget", "forecast", "variance", "green_budget", "amber_budget",
               "red_budget", "not_reported_budget", "share_of_budget_at_red"]  # fmt: skip
    return pd.DataFrame(frame_rows, columns=columns)


def rag_counts(status: pd.DataFrame, scale: MoneyScale | None = None) -> pd.DataFrame:
    """Projects and budget per overall RAG: ten small greens cannot hide one large red."""
    scale = scale or MoneyScale.of(status)
    rows = status.to_dict("records")
    rags = [_rag(row.get("rag_overall")) for row in rows]
    whole = _budget_totals(rows, scale)
    label = money_label(status, scale)
    frame_rows = []
    for rag in (*RAGS, NOT_REPORTED):
        members = [row for row, its_rag in zip(rows, rags, strict=True) if its_rag == rag]
        part = _budget_totals(members, scale)
        budget, amounts_in = _labelled(part, label)
        frame_rows.append(
            {
                "rag": rag,
                "projects": len(members),
                "budget": budget,
                "amounts_in": amounts_in,
                "share_of_projects": len(members) / len(rows) if rows else 0.0,
                "share_of_budget": share_cell(part, whole),
            }
        )
    return pd.DataFrame(
        frame_rows, columns=["rag", "projects", "budget", "amounts_in", "share_of_projects", "share_of_budget"]
    )


def stage_counts(status: pd.DataFrame, scale: MoneyScale | None = None) -> pd.DataFrame:
    scale = scale or MoneyScale.of(status)
    rows = status.to_dict("records")
    stages = [str(row.get("stage") or "").strip() or NO_STAGE for row in rows]
    rags = [_rag(row.get("rag_overall")) for row in rows]
    label = money_label(status, scale)
    order = [*STAGES, *sorted(set(stages) - set(STAGES) - {NO_STAGE}), NO_STAGE]
    frame_rows = []
    for stage in order:
        members = [index for index, its_stage in enumerate(stages) if its_stage == stage]
        row = {"stage": stage, **{rag: sum(1 for i in members if rags[i] == rag) for rag in (*RAGS, NOT_REPORTED)}}
        row["projects"] = len(members)
        row["budget"], row["amounts_in"] = _labelled(_budget_totals([rows[i] for i in members], scale), label)
        frame_rows.append(row)
    return pd.DataFrame(frame_rows, columns=["stage", *RAGS, NOT_REPORTED, "projects", "budget", "amounts_in"])


def rag_check(status: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of declared and rule-derived RAG side by side, and the projects where they disagree."""
    declared = status["rag_overall"] if len(status) else pd.Series(dtype=str)
    derived = status["rag_derived"] if len(status) else pd.Series(dtype=str)
    counts = pd.DataFrame(
        {"rag": list(RAGS), "declared": [int((declared == r).sum()) for r in RAGS],
         "derived": [int((derived == r).sum()) for r in RAGS]}
    )  # fmt: skip
    disagree = status[status["rag_disagrees"].fillna(False).astype(bool)] if len(status) else status
    listing = pd.DataFrame(
        {
            "project_id": disagree.get("project_id", pd.Series(dtype=str)),
            "project_name": disagree.get("project_name", pd.Series(dtype=str)),
            "declared": disagree.get("rag_overall", pd.Series(dtype=str)),
            "derived": disagree.get("rag_derived", pd.Series(dtype=str)),
            "reason": [_derived_reason(row) for row in disagree.to_dict("records")],
        }
    ).reset_index(drop=True)
    return counts, listing


def _derived_reason(row: dict) -> str:
    parts = []
    slip, overrun = as_float(row.get("schedule_slip_days")), as_float(row.get("cost_overrun_percent"))
    if slip:
        parts.append(f"forecast end {slip:+.0f} days against baseline")
    if overrun:
        parts.append(f"EAC {overrun:+.1f}% against budget")
    return "; ".join(parts)


def _expected_projects(basis: pd.DataFrame) -> dict[str, dt.date | None]:
    """The active projects reports are expected from (the register's, or without one those the ledger knows), with
    their start dates."""
    return {row["project_id"]: as_date(row.get("start_date")) for row in basis.to_dict("records")}


def _with_current_period(
    trend: pd.DataFrame, period: str, rag: pd.DataFrame, reds: dict[str, float], label: str
) -> pd.DataFrame:
    """The trend with the views' period counted from the coverage, as every other block counts it: the same
    Green, Amber, Red and Not reported as the RAG shares (a quarterly project's report stands; a stale one does
    not)."""
    counts = dict(zip(rag["rag"], rag["projects"], strict=True))
    red_budget, amounts_in = _labelled(reds, label)
    row = {"period": period, **{name: int(counts.get(name, 0)) for name in (*RAGS, NOT_REPORTED)},
           "red_budget": red_budget, "amounts_in": amounts_in}  # fmt: skip
    kept = trend[trend["period"] != period] if len(trend) else trend
    earlier = kept[kept["period"] < period] if len(kept) else kept
    return pd.concat([earlier, pd.DataFrame([row])], ignore_index=True).tail(TREND_PERIODS).reset_index(drop=True)


def rag_trend(
    history: pd.DataFrame,
    periods: int = TREND_PERIODS,
    scale: MoneyScale | None = None,
    expected: dict[str, dt.date | None] | None = None,
) -> pd.DataFrame:
    """Projects per overall RAG in each period, and the budget at Red, from the ledger's counted submissions.

    Not reported: with `expected` (the active projects of the register and their start dates), every one that had
    started by the period's end and has no counted report for it; without a register, the projects that had
    reported before but not in the period.
    """
    columns = ["period", *RAGS, NOT_REPORTED, "red_budget", "amounts_in"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    scale = scale or MoneyScale.of(history)
    label = money_label(history, scale)
    rows = []
    seen: set[str] = set()
    for period, group in history.groupby("period", sort=True):
        rags = group["rag_overall"].map(_rag)
        row = {"period": period, **{rag: int((rags == rag).sum()) for rag in (*RAGS, NOT_REPORTED)}}
        reported = set(group["project_id"])
        seen |= reported
        if expected is not None:
            end = last_day(period)
            row[NOT_REPORTED] += sum(
                1 for project, start in expected.items() if project not in reported and (start is None or start <= end)
            )
        else:
            row[NOT_REPORTED] += len(seen - reported)
        reds = group[rags == "Red"].to_dict("records")
        row["red_budget"], row["amounts_in"] = _labelled(_budget_totals(reds, scale), label)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns).tail(periods).reset_index(drop=True)


def effective_baselines(milestone_history: pd.DataFrame) -> dict[tuple[str, str], dt.date]:
    """Each milestone's baseline: the PMO's baseline date, else the first forecast the ledger holds for its id."""
    baselines: dict[tuple[str, str], dt.date] = {}
    if milestone_history.empty:
        return baselines
    for row in milestone_history.sort_values(["project_id", "period"]).to_dict("records"):
        key = (row["project_id"], str(row.get("id")))
        set_by_pmo = as_date(row.get("baseline_date"))
        if set_by_pmo is not None:
            baselines[key] = set_by_pmo
        elif key not in baselines and as_date(row.get("forecast_date")) is not None:
            baselines[key] = as_date(row.get("forecast_date"))
    return baselines


def _is_key(value: object) -> bool:
    return str(value or "").strip().casefold() in ("yes", "y", "true", "1")


def slipping_milestones(views: PortfolioViews, items: ItemHistory, key_only: bool = True) -> pd.DataFrame:
    """Open (key) milestones forecast later than their baseline, worst slip first."""
    # Worked out along each project's whole chain in the ledger's derived table; from the items where there is none.
    known = views.milestone_baselines
    baselines = (
        {(project_id, str(item_id)): day for project_id, item_id, day in known.itertuples(index=False)}
        if len(known)
        else effective_baselines(items.milestones)
    )
    rows = []
    for row in views.milestones.to_dict("records"):
        if row.get("status") in CLOSED_MILESTONE or (key_only and not _is_key(row.get("key"))):
            continue
        # The view holds the PMO's baseline date (one a PM moved without an approved change request is not used).
        baseline = as_date(row.get("baseline_date")) or baselines.get((row["project_id"], str(row.get("id"))))
        forecast = as_date(row.get("forecast_date"))
        if baseline is None or forecast is None or forecast <= baseline:
            continue
        moved = as_float(row.get("forecast_moved_days"))
        rows.append(
            {
                "project_id": row["project_id"],
                "project_name": row.get("project_name") or "",
                "milestone_id": row.get("id"),
                "milestone": row.get("name"),
                "baseline_date": baseline,
                "forecast_date": forecast,
                "slip_days": (forecast - baseline).days,
                "moved_this_period_days": int(moved) if moved else 0,
                "status": row.get("status") or "",
            }
        )
    columns = ["project_id", "project_name", "milestone_id", "milestone", "baseline_date", "forecast_date",
               "slip_days", "moved_this_period_days", "status"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["slip_days", "project_id"], ascending=[False, True]).reset_index(drop=True)


def progress(views: PortfolioViews, scale: MoneyScale | None = None) -> pd.DataFrame:
    """Per project, largest budget first: % complete against % of budget spent and % of milestones met."""
    scale = scale or MoneyScale.of(views.status)
    milestones = views.milestones
    counted, met = {}, {}  # per project, in one pass: filtering per project is quadratic in portfolio size
    if len(milestones):
        live = milestones[milestones["status"] != "Cancelled"]
        counted = live.groupby("project_id").size().to_dict()
        met = live[live["status"] == "Complete"].groupby("project_id").size().to_dict()
    rows = []
    for row in views.status.to_dict("records"):
        budget = project_budget(row)
        spent = as_float(row.get("actual_to_date"))
        milestone_count = counted.get(row["project_id"], 0)
        rows.append(
            {
                "project_id": row["project_id"],
                "project_name": row.get("project_name") or "",
                "budget": scale.budget(row),
                "amounts_in": scale.key(row),
                "percent_complete": as_float(row.get("percent_complete")),
                "percent_budget_spent": spent / budget if spent is not None and budget else None,
                "percent_milestones_met": met.get(row["project_id"], 0) / milestone_count if milestone_count else None,
            }
        )
    columns = ["project_id", "project_name", "budget", "amounts_in", "percent_complete", "percent_budget_spent",
               "percent_milestones_met"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["budget", "project_id"], ascending=[False, True]).reset_index(drop=True)


def top_risks(
    raid: pd.DataFrame, limit: int = TOP_ROWS, status: pd.DataFrame | None = None, scale: MoneyScale | None = None
) -> pd.DataFrame:
    """Open risks and issues by severity (probability x impact), then financial exposure.

    With the projects' `status` rows, each exposure is converted to the portfolio's unit (`scale`) and labelled."""
    columns = ["project_id", "project_name", "id", "type", "description", "owner", "severity", "financial_exposure",
               "amounts_in", "proximity", "status"]  # fmt: skip
    if raid.empty:
        return pd.DataFrame(columns=columns)
    open_items = raid[raid["type"].isin(RISK_TYPES) & (raid["status"] != "Closed")].copy()
    open_items["severity"] = [as_float(value) for value in open_items["severity"]]
    projects = {row["project_id"]: row for row in status.to_dict("records")} if status is not None else {}
    scale = scale or (MoneyScale.of(status) if status is not None else MoneyScale(""))
    if projects:
        open_items["financial_exposure"] = [
            scale.amount(value, projects.get(project_id, {}))
            for value, project_id in zip(open_items["financial_exposure"], open_items["project_id"], strict=True)
        ]
        open_items["amounts_in"] = [scale.key(projects.get(project_id, {})) for project_id in open_items["project_id"]]
    else:
        open_items["financial_exposure"] = [as_float(value) for value in open_items["financial_exposure"]]
    # Sorted by exposure within a severity; exposures in different currencies are compared, never added.
    ranked = open_items.sort_values(
        ["severity", "financial_exposure", "project_id", "id"], ascending=[False, False, True, True], na_position="last"
    )
    return ranked.reindex(columns=columns).head(limit).reset_index(drop=True)


def budget_against_forecast(status: pd.DataFrame, scale: MoneyScale | None = None) -> pd.DataFrame:
    """Per project, largest budget first: budget against forecast (EAC) and actual, and the variance as the
    template defines it (budget - EAC, negative = overspend), all in the portfolio's unit."""
    scale = scale or MoneyScale.of(status)
    rows = []
    for row in status.to_dict("records"):
        budget = scale.budget(row)
        forecast = scale.amount(row.get("estimate_at_completion"), row)
        variance = budget_variance(budget, forecast)
        rows.append(
            {
                "project_id": row["project_id"],
                "project_name": row.get("project_name") or "",
                "budget": budget,
                "forecast": forecast,
                "actual_to_date": scale.amount(row.get("actual_to_date"), row),
                "variance": variance,
                "amounts_in": scale.key(row),
                "variance_percent": variance / budget if variance is not None and budget else None,
            }
        )
    columns = ["project_id", "project_name", "budget", "forecast", "actual_to_date", "variance", "amounts_in",
               "variance_percent"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["budget", "project_id"], ascending=[False, True]).reset_index(drop=True)


def capacity_hot_spots(
    plan: object | None, limit: int = TOP_ROWS, scope_resources: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Role-months over capacity, largest shortfall first, from a capacity plan (`pmo_xl.portfolio.capacity.CapacityPlan`).

    Capacity is shared by the whole portfolio, so a shortfall is always the portfolio's. With `scope_resources`
    (the resource rows of one audience's projects), only the shortfalls those projects draw on are listed, with
    their own demand in `scope_demand_fte`.
    """
    columns = ["role", "month", "demand_fte", "capacity_fte", "utilisation", "shortfall_fte", "scope_demand_fte"]
    over = getattr(plan, "over_allocations", None)
    if over is None or over.empty:
        return pd.DataFrame(columns=columns)
    roles = over[over["level"] == "role"].copy() if "level" in over.columns else over.copy()
    if scope_resources is not None:
        scope_demand = _committed_by_role_month(scope_resources, plan)
        roles["scope_demand_fte"] = [
            scope_demand.get((str(role).strip().casefold(), str(month)), 0.0)
            for role, month in zip(roles["role"], roles["month"], strict=True)
        ]
        roles = roles[roles["scope_demand_fte"] > 0]
    roles["utilisation"] = [
        demand / capacity if capacity else math.inf
        for demand, capacity in zip(roles["demand_fte"], roles["capacity_fte"], strict=True)
    ]
    roles["shortfall_fte"] = roles["demand_fte"] - roles["capacity_fte"]
    ranked = roles.sort_values(["shortfall_fte", "month"], ascending=[False, True])
    return ranked.reindex(columns=columns).head(limit).reset_index(drop=True)


def _committed_by_role_month(resources: pd.DataFrame, plan: object) -> dict[tuple[str, str], float]:
    """FTE per (role, month) of the projects' latest resource rows, leaving out projects the plan dropped."""
    if resources.empty or not {"project_id", "role", "month", "fte"} <= set(resources.columns):
        return {}
    dropped = getattr(plan, "dropped", pd.DataFrame())
    dropped_ids = set()
    if len(dropped) and "item_id" in dropped.columns:
        kinds = dropped["kind"] if "kind" in dropped.columns else pd.Series("project", index=dropped.index)
        dropped_ids = {str(item).strip().casefold() for item in dropped.loc[kinds == "project", "item_id"]}
    rows = latest_resources(
        resources[~resources["project_id"].astype(str).str.strip().str.casefold().isin(dropped_ids)]
    )
    demand: dict[tuple[str, str], float] = {}
    for role, month, fte in zip(rows["role"], rows["month"], rows["fte"], strict=True):
        number = as_float(fte)
        if number:
            key = (str(role).strip().casefold(), str(month)[:7])
            demand[key] = demand.get(key, 0.0) + number
    return demand


def submission_states(tracker: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Projects per coverage state (every project of the register in one), and the active ones not reporting on
    time: late, returned for correction, stale or never reported."""
    states = pd.DataFrame(
        {"state": list(COVERAGE_STATES), "projects": [int((tracker["state"] == s).sum()) for s in COVERAGE_STATES]}
    )
    outstanding = tracker[tracker["state"].isin(OUTSTANDING_STATES)]
    columns = ["project_id", "project_name", "project_manager", "state", "latest_period", "due_date", "submitted_on",
               "note"]  # fmt: skip
    return states, outstanding.reindex(columns=columns).reset_index(drop=True)


def rag_basis(views: PortfolioViews) -> pd.DataFrame:
    """One row per active project: its latest report where that is current for the period; otherwise its RAG
    blanked, so stale, returned and never-reported projects count under Not reported, never as current, in the
    RAG shares, the budget at Red and the stage counts. Projects on hold, closed or in the pipeline are left out."""
    status = views.status.copy()
    current = status["coverage"].isin((*CURRENT_STATES, NOT_IN_REGISTER))
    status.loc[~current, "rag_overall"] = ""
    frame = pd.concat([status, views.unreported], ignore_index=True) if len(views.unreported) else status
    return frame[frame["coverage"].isin((*ACTIVE_STATES, NOT_IN_REGISTER))].reset_index(drop=True)


def build_dashboard(
    views: PortfolioViews,
    items: ItemHistory,
    capacity_plan: object | None = None,
    programme: str | None = None,
    business_unit: str | None = None,
    audience: Audience | None = None,
) -> Dashboard:
    """Every dashboard block for one audience (all projects, or one programme or business unit): `audience`, or
    the one `programme` and `business_unit` give."""
    audience = audience or Audience.of(programme, business_unit)
    scoped = audience.scoped
    views, items, scope = scope_views(views, items, audience)
    status = views.status
    basis = rag_basis(views)  # every count below comes from this one coverage
    scale = MoneyScale.of(basis, views.history)
    label = money_label(basis, scale)
    rag = rag_counts(basis, scale)
    check, disagreements = rag_check(status[status["coverage"].isin((*CURRENT_STATES, NOT_IN_REGISTER))])
    states, outstanding = submission_states(views.missing)
    slipping = slipping_milestones(views, items)
    budget = budget_against_forecast(status, scale)
    rows = basis.to_dict("records")
    budgets = _budget_totals(rows, scale)
    forecasts = scale.totals(rows, [row.get("estimate_at_completion") for row in rows])
    forecast_cover = _forecast_cover(rows, scale)
    reds = _budget_totals([row for row in rows if _rag(row.get("rag_overall")) == "Red"], scale)
    forecast_label = ", ".join(sorted(forecasts)) or label
    state_count = dict(zip(states["state"], states["projects"], strict=True))
    headline = pd.DataFrame(
        [
            ("Active projects", len(basis), ""),
            ("Projects reporting", len(basis) - int(rag.loc[rag["rag"] == NOT_REPORTED, "projects"].sum()), ""),
            ("Budget", money_cell(budgets, scale_decimals(budgets)), label),
            ("Forecast at completion", money_cell(forecasts, scale_decimals(forecasts)), forecast_label),
            ("Projects at Red", int(rag.loc[rag["rag"] == "Red", "projects"].sum()), ""),
            ("Share of budget at Red", share_cell(reds, budgets), ""),
            ("Declared RAG differs from the rules", len(disagreements), ""),
            ("Key milestones slipping", len(slipping), ""),
            ("Reports late", state_count["late"], ""),
            ("Returned for correction", state_count["returned"], ""),
            ("Stale (latest report for an earlier period)", state_count["stale"], ""),
            ("Never reported", state_count["never reported"], ""),
        ],
        columns=["measure", "value", "amounts_in"],
    )
    return Dashboard(
        period=views.period,
        scope=scope,
        money_label=label,
        money=scale,
        headline=headline,
        currencies=currency_totals(basis, scale),
        rag=rag,
        stage=stage_counts(basis, scale),
        rag_check=check,
        disagreements=disagreements,
        trend=_with_current_period(
            rag_trend(views.history, scale=scale, expected=_expected_projects(basis)),
            views.period,
            rag,
            reds,
            label,
        ),
        slipping_milestones=slipping,
        progress=progress(views, scale),
        top_risks=top_risks(views.raid, status=status, scale=scale),
        budget=budget,
        capacity_hot_spots=capacity_hot_spots(capacity_plan, scope_resources=views.resources if scoped else None),
        submission_states=states,
        outstanding_reports=outstanding,
        forecast_cover=forecast_cover,
    )


def _forecast_cover(rows: list[dict], scale: MoneyScale) -> str:
    """'4 of 5 projects give one; their budget 6,200.5 k EUR' (per currency when several), or '' when all do."""
    given = [row for row in rows if scale.amount(row.get("estimate_at_completion"), row) is not None]
    if len(given) == len(rows):
        return ""
    budgets = _budget_totals(given, scale)
    decimals = scale_decimals(budgets)
    money = "; ".join(f"{whole_amount(total, decimals)} {key}" for key, total in sorted(budgets.items()))
    return f"{len(given)} of {len(rows)} projects give one; their budget {money or 0}"


# -- what changed since the last period -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExecutiveSummary:
    """Changes between each project's report for `period` and its previous counted report, by stable ids."""

    period: str
    previous_period: str | None
    scope: str
    new_reds: pd.DataFrame  # project_id, project_name, programme, previous_rag, rag, derived_rag
    new_risks: pd.DataFrame  # project_id, project_name, id, type, description, owner, severity
    closed_risks: pd.DataFrame  # same columns
    slipped_key_milestones: pd.DataFrame  # project_id, project_name, id, name, previous_forecast, forecast, moved_days
    rebaselines: pd.DataFrame  # project_id, project_name, changes, covered
    decisions: pd.DataFrame  # project_id, project_name, id, decision, owner, required_by
    escalations: pd.DataFrame  # open risks and issues the PM escalated: project_id, ..., due_date
    # PMO-owned figures the latest reports changed without an approved change request (the PMO's are used):
    # project_id, project_name, period, field, item_id, label, pmo_value, submitted_value, message
    pmo_field_changes: pd.DataFrame
    # Decision-needed rows the steering committee answered (`pmo decide`), shown closed and no longer counted as
    # needed: the `decisions` columns and `closed` ('decided on 2026-12-10: approve by Steering committee').
    decided: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECIDED_COLUMNS))
    # The actions the decisions set: project_id, project_name, answers, action, action_owner, due, done_on (overdue
    # is judged by the writer against its today: `overdue_actions`).
    actions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ACTION_COLUMNS))

    def headlines(self) -> list[str]:
        since = f" since {self.previous_period}" if self.previous_period else ""
        return [
            f"{len(self.new_reds)} new red project(s){since}",
            f"{len(self.new_risks)} new and {len(self.closed_risks)} closed risk(s) and issue(s)",
            f"{len(self.slipped_key_milestones)} key milestone(s) slipped, {len(self.rebaselines)} re-baseline(s)",
            f"{len(self.decisions)} decision(s) needed from management, "
            f"{len(self.escalations)} risk(s) and issue(s) escalated",
            *([f"{len(self.decided)} decision(s) taken"] if len(self.decided) else []),
            *([self.action_headline()] if len(self.actions) else []),
            *(
                [f"{len(self.pmo_field_changes)} PMO-owned figure(s) changed by PMs without an approved change "
                 "request: the PMO's are used"]
                if len(self.pmo_field_changes)
                else []
            ),
        ]  # fmt: skip

    def action_headline(self) -> str:
        """'3 action(s) from the committee's decisions open, 1 done': open ones whenever set, done this period."""
        done = sum(1 for day in self.actions["done_on"] if frame_day(day) is not None)
        return f"{len(self.actions) - done} action(s) from the committee's decisions open, {done} done"


_RISK_COLUMNS = ["project_id", "project_name", "id", "type", "description", "owner", "severity"]
DECISION_COLUMNS = ["project_id", "project_name", "id", "decision", "owner", "required_by"]
DECIDED_COLUMNS = [*DECISION_COLUMNS, "closed"]
ACTION_COLUMNS = ["project_id", "project_name", "answers", "action", "action_owner", "due", "done_on"]


def overdue_actions(actions: pd.DataFrame, today: dt.date) -> pd.Series:
    """True for each action past its due date on `today` and not done by then: the one rule, for the report and
    the pack (a pack for an earlier day, made again later, flags what was overdue that day)."""
    return pd.Series(
        [as_date(due) is not None and as_date(due) < today and done_by(done, today) is None
         for due, done in zip(actions["due"], actions["done_on"], strict=True)],
        index=actions.index, dtype=bool,
    )  # fmt: skip


def done_by(value: object, today: dt.date | None) -> dt.date | None:
    """An action's done day if it was done by `today` (any day when None), else None: not done yet on that day."""
    day = frame_day(value)
    return day if day is not None and (today is None or day <= today) else None


def frame_day(value: object) -> dt.date | None:
    """A frame's day, or None for a blank (None, NaN, NaT)."""
    return as_date(value) if value is not None and not pd.isna(value) else None


def _severity(row: dict) -> float | None:
    probability, impact = as_float(row.get("probability")), as_float(row.get("impact"))
    return probability * impact if probability is not None and impact is not None else as_float(row.get("severity"))


def executive_summary(
    views: PortfolioViews,
    items: ItemHistory,
    programme: str | None = None,
    business_unit: str | None = None,
    audience: Audience | None = None,
) -> ExecutiveSummary:
    """What changed in `views.period` against each project's previous counted report, and decisions needed, for
    `audience` (or the one `programme` and `business_unit` give)."""
    views, items, scope = scope_views(views, items, audience or Audience.of(programme, business_unit))
    period = views.period
    names = dict(zip(views.status["project_id"], views.status["project_name"], strict=True))
    programmes = dict(zip(views.status["project_id"], views.status["programme"], strict=True))
    pairs: list[tuple[dict, dict]] = []  # (this period's row, the previous row)
    previous_periods = set()
    previous_of = {row["project_id"]: row for row in views.previous.to_dict("records")}
    for row in views.status.sort_values("project_id").to_dict("records"):
        before = previous_of.get(row["project_id"])
        if row["period"] == period and before is not None:
            pairs.append((row, before))
            previous_periods.add(before["period"])

    new_reds, rebaselines, new_risks, closed_risks, slipped = [], [], [], [], []
    raid_of, milestones_of = _items_by_submission(items.raid), _items_by_submission(items.milestones)
    for current, previous in pairs:
        project_id = current["project_id"]
        label = {"project_id": project_id, "project_name": names.get(project_id, "")}
        if current.get("rag_overall") == "Red" and previous.get("rag_overall") != "Red":
            new_reds.append(
                {**label, "programme": programmes.get(project_id, ""), "previous_rag": previous.get("rag_overall") or "",
                 "rag": "Red", "derived_rag": current.get("rag_derived") or ""}
            )  # fmt: skip
        if str(current.get("baseline_changes") or ""):
            covered = bool(current.get("baseline_change_covered"))
            changes = labelled_baseline_changes(str(current["baseline_changes"]))
            rebaselines.append({**label, "changes": changes, "covered": covered})
        now_raid = raid_of.get(current["submission_id"], {})
        before_raid = raid_of.get(previous["submission_id"], {})
        for item_id, row in now_raid.items():
            if row.get("type") not in RISK_TYPES:
                continue
            before = before_raid.get(item_id)
            entry = {**label, **{c: row.get(c) for c in _RISK_COLUMNS[2:6]}, "severity": _severity(row)}
            if before is None and row.get("status") != "Closed":
                new_risks.append(entry)
            elif row.get("status") == "Closed" and (before is None or before.get("status") != "Closed"):
                closed_risks.append(entry)
        now_milestones = milestones_of.get(current["submission_id"], {})
        before_milestones = milestones_of.get(previous["submission_id"], {})
        for item_id, row in now_milestones.items():
            before = before_milestones.get(item_id)
            if before is None or not _is_key(row.get("key")) or row.get("status") in CLOSED_MILESTONE:
                continue
            new_date, old_date = as_date(row.get("forecast_date")), as_date(before.get("forecast_date"))
            if new_date and old_date and new_date > old_date:
                slipped.append(
                    {**label, "id": item_id, "name": row.get("name"), "previous_forecast": old_date,
                     "forecast": new_date, "moved_days": (new_date - old_date).days}
                )  # fmt: skip

    decisions = []
    latest_ids = set(views.status["submission_id"])
    in_view = set(views.status["project_id"])
    committee = views.committee_decisions[views.committee_decisions["project_id"].isin(in_view)]
    records = committee.to_dict("records")
    decided_on = {(r["project_id"], r["answers"]): r for r in records}
    reopened = reopened_needs(views, items, decided_on)
    answered = {(r["project_id"], r["answers"]) for r in records} - reopened
    asked: dict[tuple[str, str], dict] = {}  # each need of the latest reports, open or not: what a decision answers
    for row in items.decisions.to_dict("records"):
        if row["submission_id"] not in latest_ids:
            continue
        key = (row["project_id"], str(row.get("id") or ""))
        text = row.get("decision")
        if key in reopened:
            earlier = decided_on[key]
            text = (
                f"{text or ''} (reopened by the PM after the committee's {earlier['kind']} of {earlier['decided_on']})"
            )
        need = {"project_id": row["project_id"], "project_name": names.get(row["project_id"], ""),
                "id": row.get("id"), "decision": text, "owner": row.get("owner"),
                "required_by": as_date(row.get("required_by"))}  # fmt: skip
        asked[key] = need
        if row.get("status", OPEN_DECISION) in (OPEN_DECISION, None, "") and key not in answered:
            decisions.append(need)
    # The decisions in force that this review shows: each answering a need of the latest reports, whatever the PM's
    # row now says (a PM may already have marked it Decided), or taken since the period began; a decision whose need
    # has left the reports (a Decided row leaves the month after) is history, in the ledger. What was decided, by
    # whom, and the committee's note (a defer or a stop says why).
    since = first_day(period) if period else None
    shown = [(r["project_id"], r["answers"]) not in reopened
             and ((r["project_id"], r["answers"]) in asked or bool(since and r["decided_on"] and r["decided_on"] >= since))
             for r in records]  # fmt: skip
    decided = [
        {**asked.get((r["project_id"], r["answers"]),
                     {"project_id": r["project_id"], "project_name": names.get(r["project_id"], ""), "id": r["answers"],
                      "decision": "", "owner": "", "required_by": None}),
         "closed": r["closed"] + (f"; {str(r['note']).strip()}" if str(r.get("note") or "").strip() else "")}
        for r, showing in zip(records, shown, strict=True)
        if showing
    ]  # fmt: skip
    # Every action not done, whenever due and whatever became of its need (an open action never leaves the pack: past
    # its date it is flagged overdue until `pmo decide --action-done` records it done); one done since the period
    # began, or of a decision shown, with the day it was done.
    actions = [
        {"project_id": r["project_id"], "project_name": names.get(r["project_id"], ""), "answers": r["answers"],
         "action": r["action"], "action_owner": r["action_owner"], "due": r["due"], "done_on": frame_day(r.get("done_on"))}
        for r, showing in zip(records, shown, strict=True)
        if r["action"] and (frame_day(r.get("done_on")) is None or showing or (since and frame_day(r["done_on"]) >= since))
    ]  # fmt: skip
    escalations = [
        {**{c: row.get(c) for c in _RISK_COLUMNS if c != "project_name"}, "project_name": names.get(row["project_id"], ""),
         "severity": _severity(row), "due_date": as_date(row.get("due_date"))}
        for row in items.raid.to_dict("records")
        if row["submission_id"] in latest_ids and _is_key(row.get("escalate")) and row.get("status") != "Closed"
    ]  # fmt: skip
    decision_frame = pd.DataFrame(decisions, columns=DECISION_COLUMNS)
    decision_frame = decision_frame.sort_values(
        ["required_by", "project_id"], key=lambda column: column.map(_sortable), ignore_index=True
    )
    changed = views.pmo_field_changes
    return ExecutiveSummary(
        period=period,
        previous_period=max(previous_periods) if previous_periods else None,
        scope=scope,
        new_reds=pd.DataFrame(
            new_reds, columns=["project_id", "project_name", "programme", "previous_rag", "rag", "derived_rag"]
        ),
        new_risks=pd.DataFrame(new_risks, columns=_RISK_COLUMNS),
        closed_risks=pd.DataFrame(closed_risks, columns=_RISK_COLUMNS),
        slipped_key_milestones=pd.DataFrame(
            slipped, columns=["project_id", "project_name", "id", "name", "previous_forecast", "forecast", "moved_days"]
        ).sort_values(["moved_days", "project_id"], ascending=[False, True], ignore_index=True),
        rebaselines=pd.DataFrame(rebaselines, columns=["project_id", "project_name", "changes", "covered"]),
        decisions=decision_frame,
        escalations=pd.DataFrame(escalations, columns=[*_RISK_COLUMNS, "due_date"]).sort_values(
            ["severity", "project_id"], ascending=[False, True], na_position="last", ignore_index=True
        ),
        pmo_field_changes=changed[changed["submission_id"].isin(latest_ids)].reset_index(drop=True),
        decided=pd.DataFrame(decided, columns=DECIDED_COLUMNS),
        actions=pd.DataFrame(actions, columns=ACTION_COLUMNS).sort_values(
            ["due", "project_id"], key=lambda column: column.map(_sortable), ignore_index=True
        ),
    )


def reopened_needs(views: PortfolioViews, items: ItemHistory, decisions: dict[tuple[str, str], dict]) -> set:
    """(project, need) its PM set Open again after the committee answered it: Open in a report for a later period
    than the one the committee had seen (the project's latest report submitted by the decision's day), itself
    submitted after the decision. Such a need asks again: it is needed once more, said reopened. A report that
    merely did not know of the decision yet (submitted after it, for the period decided on) is not one."""
    latest = {sid: (period, as_date(day)) for sid, period, day in
              zip(views.status["submission_id"], views.status["period"], views.status["submitted_on"], strict=True)}  # fmt: skip
    reports: dict[str, list[tuple[str, dt.date]]] = {}
    for project_id, period, day in zip(views.history["project_id"], views.history["period"],
                                       views.history["submitted_on"], strict=True):  # fmt: skip
        if as_date(day) is not None:
            reports.setdefault(project_id, []).append((period, as_date(day)))
    found = set()
    for row in items.decisions.to_dict("records"):
        key = (row["project_id"], str(row.get("id") or ""))
        decision, report = decisions.get(key), latest.get(row["submission_id"])
        if (
            decision is not None
            and report is not None
            and asks_again(row.get("status"), decision["decided_on"], report[1], report[0], reports.get(key[0], []))
        ):
            found.add(key)
    return found


def labelled_baseline_changes(description: str) -> str:
    """'budget_current 150 -> 190; milestone M-002 baseline ...' with each field named as the PM's template names
    it ('Current approved budget 150 -> 190; Milestone M-002 baseline ...'): management reads labels, not keys."""
    from pmo_xl.templates.catalog import PROJECT_STATUS

    labels = {f.name: f.label for f in PROJECT_STATUS.fields}
    parts = []
    for part in description.split("; "):
        name, space, rest = part.partition(" ")
        if name in labels and space:
            part = f"{labels[name]} {rest}"
        elif name == "milestone" and space:
            part = f"Milestone {rest}"
        parts.append(part)
    return "; ".join(parts)


def _sortable(value: object) -> str:
    day = as_date(value)
    return day.isoformat() if day else f"~{value}"


def _items_by_submission(frame: pd.DataFrame) -> dict[int, dict[str, dict]]:
    """submission id -> item id -> row, built once: the summary compares every project's two latest reports."""
    grouped: dict[int, dict[str, dict]] = {}
    for row in frame.to_dict("records"):
        if row.get("id") not in (None, ""):
            grouped.setdefault(row["submission_id"], {})[str(row["id"])] = row
    return grouped
