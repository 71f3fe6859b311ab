"""The data-quality scorecard per PM and per project: for the PMO's coaching conversations, never for management.

Over the last six reporting periods (one column each, so a trend shows), for each project and each of its PMs:

- **on time**: the period's first accepted report was submitted on or before the submission deadline
  (`pmo_xl.reporting_calendar.submission_deadline`); **late**, and by how many days;
- **complete first time**: no file for that project and period was returned for correction before the first
  accepted one; **returns before acceptance**: how many were;
- **copied forward**: every figure that should move each period (the template's `moves=True` fields and columns:
  percent complete, forecast end date, EAC, milestone forecast dates, RAID statuses by row id) holds the same value
  as the report counted the period before; one of them changed and it is not flagged;
- **watermelon**: the report declares `rag_overall` Green while the PMO's rules (`views.derived_rag`) say Amber
  or Red, in two or more consecutive counted reports (one period alone is not flagged);
- **new PM**: a PM whose first accepted report lies in the window, or who has none yet.

A report's PM is the one it names (the register's for a period with no report). A project counts from its first
file (accepted or returned) on, or from the window's last period when it has none yet; quarterly projects only in
their reporting months, projects not active not at all.

Pure: plain data in (the tracker's `TrackedProject`, `PeriodReport`, `Return`), a `Scorecard` of DataFrames out. The shell that
reads the ledger is `pmo_xl.reporting.coaching_workbook.coaching_from_ledger`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from pmo_xl.periods import month_add, month_series
from pmo_xl.reporting.calendar import TrackedProject, is_reporting_period
from pmo_xl.reporting_calendar import submission_deadline
from pmo_xl.settings import PmoSettings
from pmo_xl.templates.catalog import PROJECT_STATUS
from pmo_xl.templates.schema import TemplateSchema

WINDOW = 6  # periods the scorecard looks back over, the report period last
BAD_RAG = ("Amber", "Red")


@dataclass(frozen=True)
class Measure:
    """One row of the scorecard: its name on the sheet, what it means in plain words, and which way is better."""

    key: str
    label: str
    meaning: str
    better: str  # "higher" or "lower": how the trend reads it


MEASURES: tuple[Measure, ...] = (
    Measure("due", "Reports due", "Reports this PM owed for the period (active projects, in their reporting "
            "months, from their first file on).", "higher"),
    Measure("on_time", "On time", "Accepted reports submitted on or before the submission deadline.", "higher"),
    Measure("late", "Late", "Accepted reports submitted after the submission deadline.", "lower"),
    Measure("days_late", "Days late (most)", "The most days after the deadline that an accepted report of the "
            "period arrived.", "lower"),
    Measure("not_received", "Not received", "Reports due with nothing accepted yet (missing, or returned for "
            "correction and not sent back).", "lower"),
    Measure("first_time", "Complete first time", "Accepted reports whose first file was accepted: none returned "
            "for correction before it.", "higher"),
    Measure("returns", "Returns before acceptance", "Files returned for correction before the report was "
            "accepted (or, with nothing accepted yet, all the period's returns).", "lower"),
    Measure("copied_forward", "Copied forward unchanged", "Accepted reports where every figure that should move "
            "(percent complete, forecast end date, EAC, milestone forecast dates, RAID statuses) is the same as in "
            "the report before. One of them changed: not counted.", "lower"),
    Measure("watermelon", "Watermelon", "Accepted reports declaring overall RAG Green "
            "while the PMO's rules (schedule slip, cost overrun) say Amber or Red, in two or more reports in a row. "
            "One such report alone is not counted.", "lower"),
)  # fmt: skip
MEASURE_BY_KEY = {measure.key: measure for measure in MEASURES}
PROJECT_PERIOD_COLUMNS = (
    "project_id", "project_name", "project_manager", "period", "deadline", "state", "submitted_on", "days_late",
    "returns", "first_time", "copied_forward", "watermelon", "rag_overall", "rag_derived",
)  # fmt: skip
TREND_WORDS = ("better", "worse", "steady")


@dataclass(frozen=True)
class PeriodReport:
    """A project's accepted reports for one period, as the scorecard needs them.

    `first_submitted_on` and `first_collected_at` are the first accepted file's (on time, returns before it);
    the rest is the counted report's: the RAG it declares and the PMO's rules derive, and its moving figures
    (`moving_values`), with the moving figures of the report counted before it (None for a project's first)."""

    project_id: str
    period: str
    project_manager: str
    first_submitted_on: dt.date
    first_collected_at: str
    rag_overall: str
    rag_derived: str
    moving: tuple
    previous_moving: tuple | None


@dataclass(frozen=True)
class Return:
    """A file returned for correction (rejected), for one project and period, and when."""

    project_id: str
    period: str
    rejected_at: str


@dataclass(frozen=True)
class Scorecard:
    """The scorecard: the window's periods (oldest first) and its tables.

    - `project_periods`: one row per project and period (PROJECT_PERIOD_COLUMNS), the facts every figure counts;
    - `managers`: one row per PM, the window's totals, the new-PM marker and a trend per measure (`<key>_trend`);
    - `manager_trends`, `project_trends`: one row per PM (project) and measure, a column per period, the window's
      total and the trend."""

    periods: tuple[str, ...]
    report_period: str
    project_periods: pd.DataFrame
    managers: pd.DataFrame
    manager_trends: pd.DataFrame
    project_trends: pd.DataFrame


# -- moving figures ---------------------------------------------------------------------------------------------


def moving_values(fields: dict, tables: dict[str, list[dict]], schema: TemplateSchema = PROJECT_STATUS) -> tuple:
    """The figures of a report that should move each period, as one comparable value: each `moves=True` field's
    value, and each `moves=True` column's values by row id (a row without an id is left out: it cannot be
    matched to last period's)."""
    return moving_fields(fields, schema) + moving_rows(tables, schema)


def moving_fields(fields: dict, schema: TemplateSchema = PROJECT_STATUS) -> tuple:
    """The fields part of `moving_values`: when it differs, the report moved, whatever its tables hold."""
    return tuple(
        (field.name, _comparable(fields.get(field.name)))
        for section in schema.sections
        for field in section.fields
        if field.moves
    )


def moving_rows(tables: dict[str, list[dict]], schema: TemplateSchema = PROJECT_STATUS) -> tuple:
    """The tables part of `moving_values`: each `moves=True` column's values by row id."""
    moving: list[tuple] = []
    for table in schema.tables:
        for column in table.columns:
            if column.moves:
                by_id = {
                    str(row.get("id")).strip(): _comparable(row.get(column.key))
                    for row in tables.get(table.name, [])
                    if row.get("id") not in (None, "")
                }
                moving.append((f"{table.name}.{column.key}", tuple(sorted(by_id.items()))))
    return tuple(moving)


def _comparable(value: object) -> object:
    """A stored value as compared period to period: a date-time at midnight is its date, text without its edges."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- the scorecard ----------------------------------------------------------------------------------------------


def window_periods(report_period: str, count: int = WINDOW) -> tuple[str, ...]:
    return tuple(month_series(month_add(report_period, 1 - count), count))


def coaching_scorecard(
    projects: Sequence[TrackedProject],
    reports: Iterable[PeriodReport],
    returns: Iterable[Return],
    report_period: str,
    settings: PmoSettings,
    today: dt.date,
    earlier_managers: Iterable[str] = (),
    earlier_watermelon: Iterable[str] = (),
    first_file_periods: dict[str, str] | None = None,
) -> Scorecard:
    """The scorecard over the WINDOW periods ending with `report_period`.

    `reports` holds the accepted reports of the window's periods; `returns` the files returned for correction;
    `earlier_managers` the PMs named by a report before the window (not new); `earlier_watermelon` the projects
    whose last counted report before the window was already Green against Amber or Red rules (a run that goes on
    into the window); `first_file_periods` each project's first period with any file (default: from `reports` and
    `returns`)."""
    periods = window_periods(report_period)
    report_of = {(r.project_id, r.period): r for r in reports if r.period in periods}
    returns_of: dict[tuple[str, str], list[str]] = {}
    for item in returns:
        returns_of.setdefault((item.project_id, item.period), []).append(item.rejected_at)
    first_file = dict(first_file_periods or {})
    for project_id, period in (*report_of, *returns_of):
        if project_id not in first_file or period < first_file[project_id]:
            first_file[project_id] = period
    everyone = {project.project_id: project for project in projects}
    for (project_id, _period), report in sorted(report_of.items()):  # reported, but not in the register
        everyone.setdefault(project_id, TrackedProject(project_id, project_manager=report.project_manager))
    watermelon_before = set(earlier_watermelon)
    rows = []
    for project in everyone.values():
        own_rows = []
        for period in periods:
            report = report_of.get((project.project_id, period))
            returned_at = sorted(returns_of.get((project.project_id, period), []))
            own_rows.append(_project_period(project, period, report, returned_at, first_file.get(project.project_id),
                                            report_period, settings, today))  # fmt: skip
        _flag_watermelons(own_rows, project.project_id in watermelon_before)
        rows += own_rows
    facts = pd.DataFrame(rows, columns=list(PROJECT_PERIOD_COLUMNS))
    earlier = {_person(name) for name in earlier_managers}
    return Scorecard(
        periods=periods,
        report_period=report_period,
        project_periods=facts,
        managers=_managers(rows, list(everyone.values()), earlier, periods),
        manager_trends=_trends(rows, "project_manager", periods),
        project_trends=_trends(rows, "project_id", periods),
    )


def _person(name: object) -> str:
    return " ".join(str(name or "").split()).casefold()


def _person_order(name: object) -> tuple[str, str]:
    """PMs sorted by folded name, then by the name itself: a total order, so two names that differ only in case
    ("Ana Ruiz", "ana ruiz") come in one order whatever the hash seed, never in set-iteration order."""
    return (_person(name), str(name or ""))


def _project_period(
    project: TrackedProject,
    period: str,
    report: PeriodReport | None,
    returned_at: list[str],
    first_file: str | None,
    report_period: str,
    settings: PmoSettings,
    today: dt.date,
) -> dict:
    deadline = submission_deadline(period, settings)
    row = dict.fromkeys(PROJECT_PERIOD_COLUMNS)
    row.update(project_id=project.project_id, project_name=project.project_name, period=period,
               project_manager=report.project_manager if report else project.project_manager, deadline=deadline,
               rag_overall="", rag_derived="", returns=0)  # fmt: skip
    cadence = project.cadence or settings.cadence
    counts_from = first_file or report_period
    if report is None and (
        project.lifecycle_status != "active"
        or not is_reporting_period(period, cadence, settings.fiscal_year_start_month)
        or period < counts_from
    ):
        row["state"] = "not due" if period >= counts_from else ""
        return row
    if report is None:
        row["returns"] = len(returned_at)
        if returned_at:
            row["state"] = "returned"
        elif today <= deadline:
            row["state"] = "not yet due"
        else:
            row["state"] = "missing"
        return row
    before = [stamp for stamp in returned_at if stamp < report.first_collected_at]
    days_late = (report.first_submitted_on - deadline).days
    row.update(
        state="late" if days_late > 0 else "on time",
        submitted_on=report.first_submitted_on,
        days_late=max(days_late, 0),
        returns=len(before),
        first_time=not before,
        copied_forward=report.previous_moving is not None and report.moving == report.previous_moving,
        rag_overall=report.rag_overall,
        rag_derived=report.rag_derived,
    )
    return row


def _flag_watermelons(rows: list[dict], before_window: bool) -> None:
    """Flag each accepted report Green against Amber or Red rules whose report before or after (the one counted
    just before the window included) is too: two or more in a row. One such report alone is not flagged."""
    reported = [row for row in rows if row["state"] in ACCEPTED_STATES]
    against = [row["rag_overall"] == "Green" and row["rag_derived"] in BAD_RAG for row in reported]
    for index, row in enumerate(reported):
        before = against[index - 1] if index else before_window
        after = index + 1 < len(against) and against[index + 1]
        row["watermelon"] = against[index] and (before or after)


ACCEPTED_STATES = ("on time", "late")
DUE_STATES = (*ACCEPTED_STATES, "returned", "missing")


def period_story(fact: dict) -> str:
    """One project's period in a few words, as the Projects sheet shows it: 'late 4 days; returned 2x first;
    copied forward'. Blank before the project's first file."""
    state = fact.get("state") or ""
    if state not in ACCEPTED_STATES:
        returns = int(fact.get("returns") or 0)
        return f"returned {returns}x, not sent back" if state == "returned" else state
    parts = ["on time" if state == "on time" else f"late {int(fact['days_late'])} day(s)"]
    if fact.get("returns"):
        parts.append(f"returned {int(fact['returns'])}x first")
    if fact.get("copied_forward") is True:
        parts.append("copied forward")
    if fact.get("watermelon") is True:
        parts.append(f"watermelon (Green, rules {fact.get('rag_derived')})")
    return "; ".join(parts)


def needs_attention(fact: dict) -> bool:
    """A period worth a word with the PM: anything but on time, first time, moving and honest (or not due)."""
    story = period_story(fact)
    return bool(story) and story not in ("on time", "not due", "not yet due")


def _period_figures(rows: Sequence[dict]) -> dict[str, int]:
    """The measures of some project-period rows (one PM's or one project's, in one period)."""
    accepted = [row for row in rows if row["state"] in ACCEPTED_STATES]
    late_days = [int(row["days_late"]) for row in accepted if row["days_late"]]
    return {
        "due": sum(row["state"] in DUE_STATES for row in rows),
        "on_time": sum(row["state"] == "on time" for row in rows),
        "late": sum(row["state"] == "late" for row in rows),
        "days_late": max(late_days) if late_days else 0,
        "not_received": sum(row["state"] in ("returned", "missing") for row in rows),
        "first_time": sum(row["first_time"] is True for row in accepted),
        "returns": sum(int(row["returns"] or 0) for row in rows),
        "copied_forward": sum(row["copied_forward"] is True for row in accepted),
        "watermelon": sum(row["watermelon"] is True for row in accepted),
    }


def _by_period(rows: Iterable[dict], by: str) -> dict[str, dict[str, list[dict]]]:
    """The project-period rows grouped by `by` (a PM or a project), then by period, each in their order: one pass,
    so that the figures of a few thousand projects cost a few thousand dict reads, not a DataFrame filter each."""
    grouped: dict[str, dict[str, list[dict]]] = {}
    for row in rows:
        grouped.setdefault(row[by], {}).setdefault(row["period"], []).append(row)
    return grouped


def _total(key: str, values: list[int]) -> int:
    return max(values, default=0) if key == "days_late" else sum(values)


def trend(measure: Measure, per_period: list[int], due: list[int]) -> str:
    """'better', 'worse' or 'steady': the measure per report due in the window's later half against its earlier
    half ('' when either half had no report due). Days late compares the most days late."""
    half = len(per_period) // 2
    earlier_due, later_due = sum(due[:half]), sum(due[half:])
    if measure.key == "due" or not earlier_due or not later_due:
        return ""
    if measure.key == "days_late":
        earlier, later = max(per_period[:half], default=0), max(per_period[half:], default=0)
    else:
        earlier, later = sum(per_period[:half]) / earlier_due, sum(per_period[half:]) / later_due
    if abs(later - earlier) < 1e-9:
        return "steady"
    improved = later > earlier if measure.better == "higher" else later < earlier
    return "better" if improved else "worse"


def _trends(rows: Sequence[dict], by: str, periods: Sequence[str]) -> pd.DataFrame:
    """One row per `by` (a PM or a project) and measure: a column per period, the window's total and the trend."""
    table = []
    order = _person_order if by == "project_manager" else str
    for key, own in sorted(_by_period(rows, by).items(), key=lambda item: order(item[0])):
        figures = {period: _period_figures(own.get(period, ())) for period in periods}
        due = [figures[period]["due"] for period in periods]
        if by == "project_manager":
            label = {"project_manager": key}
        else:
            in_order = [row for period_rows in own.values() for row in period_rows]
            label = {"project_id": key, "project_name": in_order[0]["project_name"],
                     "project_manager": in_order[-1]["project_manager"]}  # fmt: skip
        for measure in MEASURES:
            values = [figures[period][measure.key] for period in periods]
            table.append({**label, "measure": measure.label, **dict(zip(periods, values, strict=True)),
                          "window": _total(measure.key, values), "trend": trend(measure, values, due)})  # fmt: skip
    prefix = ["project_manager"] if by == "project_manager" else ["project_id", "project_name", "project_manager"]
    return pd.DataFrame(table, columns=[*prefix, "measure", *periods, "window", "trend"])


def _managers(
    rows: Sequence[dict], projects: Sequence[TrackedProject], earlier: set[str], periods: Sequence[str]
) -> pd.DataFrame:
    """One row per PM: the new-PM marker, their projects, each measure's window total and trend."""
    managers = {project.project_manager for project in projects if project.project_manager}
    managers |= {row["project_manager"] for row in rows if row["project_manager"]}
    by_manager = _by_period(rows, "project_manager")
    table = []
    for manager in sorted(managers, key=_person_order):
        own = by_manager.get(manager, {})
        figures = {period: _period_figures(own.get(period, ())) for period in periods}
        due = [figures[period]["due"] for period in periods]
        accepted = [row["period"] for period_rows in own.values() for row in period_rows
                    if row["state"] in ACCEPTED_STATES]  # fmt: skip
        if _person(manager) in earlier:
            new_pm = ""
        elif not accepted:
            new_pm = "new: no report yet"
        else:
            new_pm = f"new: first in {min(accepted)}"
        reported = {row["project_id"] for period_rows in own.values() for row in period_rows if row["state"] != ""}
        row = {"project_manager": manager, "new_pm": new_pm,
               "projects": ", ".join(sorted(reported) or
                                     sorted(p.project_id for p in projects if p.project_manager == manager))}  # fmt: skip
        for measure in MEASURES:
            values = [figures[period][measure.key] for period in periods]
            row[measure.key] = _total(measure.key, values)
            row[f"{measure.key}_trend"] = trend(measure, values, due)
        table.append(row)
    columns = ["project_manager", "new_pm", "projects"]
    columns += [name for measure in MEASURES for name in (measure.key, f"{measure.key}_trend")]
    return pd.DataFrame(table, columns=columns)
