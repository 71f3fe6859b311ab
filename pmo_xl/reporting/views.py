"""The portfolio views: DataFrames built from the ledger alone, never by re-reading old files.

For each project and period one submission is *current*: the PMO's choice if they made one (and nothing newer was
collected since), else the newest by the in-file submitted-on date, then by collected-at time. File modification
times play no part: e-mail and OneDrive reset them. Each view then reads the current submissions:

Status (latest per project), History (project x period), Milestones, RAID, Resources (long), ChangeRequests,
Benefits, Submissions (files and verdicts) and Missing: the tracker, whose chased rows carry the chaser list (what
is outstanding and the name of the PM's `.eml` reminder draft).

Three definitions every output shares live here, so that the dashboard, portfolio.xlsx and the report cannot
disagree: the variance (`budget_variance`, as the template defines it: budget - EAC), how amounts are labelled and
added up (`MoneyScale`, `money_label`), and the PMO's baseline (`pmo_baseline`): the locked figures a PM changed
without an approved change request are listed, and the PMO's own are used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from pmo_xl.corrections import (
    mark_current,
    newly_approved,
)
from pmo_xl.decisions import action_done, closed_text, current, stored_day
from pmo_xl.derived import (
    ChainRules,
    CountedHistory,
    CountedReport,
    StepInput,
    T,
    current_tables,
    encode_summary,
)
from pmo_xl.derived import read_counted as read_counted_reports
from pmo_xl.ledger import ActionDone, Decision, Ledger, Rejection, open_ledger
from pmo_xl.periods import current_period, is_month
from pmo_xl.portfolio.resource_plan import resource_plan
from pmo_xl.register import ProjectRecord, read_register
from pmo_xl.reporting.calendar import (
    TRACKER_COLUMNS,
    ReturnedReport,
    TrackedProject,
    chaser_draft_names,
    chaser_list,
    submission_tracker,
)
from pmo_xl.reporting.feedback import finding_line
from pmo_xl.settings import PmoSettings
from pmo_xl.submissions import Verdict
from pmo_xl.templates.catalog import MONEY_UNITS, PROJECT_STATUS, RAG_DIMENSIONS, SCHEMAS, budget_variance
from pmo_xl.templates.checks import ROW_CHECK_KEY
from pmo_xl.values import as_date, as_float, as_text, is_blank, parse_date_text, readable_name

STATUS_TEMPLATE = PROJECT_STATUS.template_id
RAG_ORDER = {"Green": 0, "Amber": 1, "Red": 2}
RAG_FIELDS = tuple(f"rag_{key}" for key, _label in RAG_DIMENSIONS)
MONEY_FIELDS = (
    "currency",
    "money_unit",
    "budget_original",
    "budget_current",
    "actual_to_date",
    "estimate_at_completion",
)
DATE_FIELDS = ("start_date", "baseline_end_date", "forecast_end_date")
# The PMO's figures: a PM's change is used only when an approved change request covers it (the currency and unit
# never: every amount of the project is in them).
BASELINE_FIELDS = ("budget_original", "budget_current", "start_date", "baseline_end_date", "currency", "money_unit")
HISTORY_COLUMNS = (
    "project_id",
    "period",
    "submitted_on",
    *RAG_FIELDS,
    "rag_derived",
    "rag_schedule_derived",
    "rag_cost_derived",
    "rag_disagrees",
    "rag_disagreement",
    "percent_complete",
    *MONEY_FIELDS,
    *DATE_FIELDS,
    "schedule_slip_days",
    "cost_overrun_percent",
    "baseline_changed",
    "baseline_change_covered",
    "baseline_changes",
    "budget_variance",
    "file_name",
    "submission_id",
)
# Who a project is and where it stands, as the register says (the register wins over what a report says).
REGISTER_COLUMNS = (
    "project_name",
    "programme",
    "business_unit",
    "lifecycle_status",
    "stage",
    "project_manager",
    "sponsor",
)
STATUS_COLUMNS = (
    "project_id",
    *REGISTER_COLUMNS,
    "coverage",  # this project's one state for the views' period (pmo_xl.reporting.calendar)
    *HISTORY_COLUMNS[1:],
    "key_achievements",
)
RESOURCE_COLUMNS = ("project_id", "period", "role", "person", "month", "fte")
_CHASE_POSITION = TRACKER_COLUMNS.index("chase") + 1
_RETURNED_ON_POSITION = TRACKER_COLUMNS.index("returned_on") + 1
MISSING_COLUMNS = (
    *TRACKER_COLUMNS[:_RETURNED_ON_POSITION],
    # Times the report for the period was returned for correction (distinct files rejected); once one is accepted
    # after a return, the note says "corrected after N return(s)".
    "returns",
    *TRACKER_COLUMNS[_RETURNED_ON_POSITION:_CHASE_POSITION],
    "outstanding",
    "reminder_draft",
    *TRACKER_COLUMNS[_CHASE_POSITION:],
)
SUBMISSION_COLUMNS = (
    "file",
    "verdict",
    "project_id",
    "period",
    "template_id",
    "errors",
    "warnings",
    "codes",
    "reasons",
    "sha256",
    "submission_id",
)
ITEM_PREFIX = ("project_id", "project_name", "period", "submission_id")
PMO_FIELD_CHANGE_COLUMNS = (
    "project_id",
    "project_name",
    "period",
    "submission_id",
    "field",
    "item_id",
    "label",
    "pmo_value",
    "submitted_value",
    "message",
)


COMMITTEE_DECISION_COLUMNS = (
    "project_id", "answers", "kind", "owner", "decided_on", "action", "action_owner", "due", "note", "closed",
    "done_on",
)  # fmt: skip


def committee_decisions_view(decisions: Sequence[Decision], done: Sequence[ActionDone] = ()) -> pd.DataFrame:
    """The decisions in force as a frame: dates as dates, `closed` the text an answered need is shown with,
    `done_on` the day its action was recorded done (None: not done, or no action)."""
    rows = []
    for d in current(decisions):
        record = action_done(d, decisions, done)  # a correction keeping the action keeps it done
        rows.append((d.project_id, d.answers, d.kind, d.owner, stored_day(d.decided_on), d.action, d.action_owner,
                     stored_day(d.due), d.note, closed_text(d), stored_day(record.done_on) if record else None))  # fmt: skip
    return pd.DataFrame(rows, columns=list(COMMITTEE_DECISION_COLUMNS))


@dataclass(frozen=True)
class PortfolioViews:
    """Every view of the portfolio, as DataFrames, in sheet order."""

    status: pd.DataFrame
    history: pd.DataFrame
    milestones: pd.DataFrame
    raid: pd.DataFrame
    resources: pd.DataFrame
    change_requests: pd.DataFrame
    benefits: pd.DataFrame
    submissions: pd.DataFrame
    missing: pd.DataFrame
    chasers: pd.DataFrame  # one row per PM, for the .eml drafts; on the Missing sheet, not a sheet of its own
    period: str
    # PMO-owned figures a submission changed without an approved change request (PMO_FIELD_CHANGE_COLUMNS): the
    # PMO's value is the one the views hold. Not a sheet: collect turns them into findings, the report lists them.
    pmo_field_changes: pd.DataFrame
    # Register projects with no accepted report at all (STATUS_COLUMNS; RAG blank, budget from the register), so
    # every view covers the register: never reported, returned for correction, or not active.
    unreported: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(STATUS_COLUMNS)))
    # Each project's counted report before its latest one (HISTORY_COLUMNS), wherever it lies: "since last period".
    previous: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(HISTORY_COLUMNS)))
    # Each milestone's effective baseline over the whole chain (project_id, id, baseline_date): the PMO's date where
    # one was set, else the first forecast the ledger holds (worked out along the chain, not read from history).
    milestone_baselines: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["project_id", "id", "baseline_date"])
    )
    # The item tables' rows of each project's latest report and the one before it, as read for the views (table ->
    # submission id -> rows): the dashboard's items are taken from here rather than read from the ledger again.
    item_rows: dict[str, dict[int, list[dict]]] | None = field(default=None, repr=False, compare=False)
    # The steering committee's decisions in force for these projects (COMMITTEE_DECISION_COLUMNS; `pmo decide`):
    # each closes the decision-needed row it answers, and its action is overdue past its due date.
    committee_decisions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(COMMITTEE_DECISION_COLUMNS))
    )

    def sheets(self) -> dict[str, pd.DataFrame]:
        names = {
            "status": "Status",
            "history": "History",
            "milestones": "Milestones",
            "raid": "RAID",
            "resources": "Resources",
            "change_requests": "ChangeRequests",
            "benefits": "Benefits",
            "submissions": "Submissions",
            "missing": "Missing",
        }
        sheets = {names[f.name]: getattr(self, f.name) for f in fields(self) if f.name in names}
        sheets["Resources"] = resource_plan(self.resources)  # a row per role, a column per month: prints as a plan
        if len(self.unreported):
            # The Status sheet covers the register: projects without any accepted report have their row too.
            sheets["Status"] = pd.concat([self.status, self.unreported], ignore_index=True)
        return sheets


# -- money: the variance, the unit and the currency -------------------------------------------------------------

# What one of each unit is worth in units. Converting between them is exact, so amounts in k and in units of one
# currency add up; currencies are never converted (no rate is known, and a guessed one would be a wrong figure).
MONEY_UNIT_FACTORS = dict(zip(MONEY_UNITS, (1, 1_000, 1_000_000), strict=True))


def project_budget(row: pd.Series | dict) -> float | None:
    """The budget a project weighs with: the current (re-baselined) budget, else the original; None when it has
    none (never 0: a project without a budget would show its whole EAC as an overspend)."""
    for name in ("budget_current", "budget_original"):
        number = as_float(row.get(name))
        if number is not None:
            return number
    return None


def _stated(value: object) -> str:
    return "" if is_blank(value) else as_text(value).strip()


def amounts_label(unit: object, currency: object) -> str:
    """The words an amount is shown with: 'EUR' (units), 'k EUR', 'm EUR'; it says so when either is not stated."""
    unit, currency = _stated(unit), _stated(currency)
    if unit and unit not in MONEY_UNIT_FACTORS:
        unit = ""
    prefix = "" if unit == "units" else f"{unit} "
    if not currency:
        return f"{prefix}(currency not stated)".strip() if unit else "unit and currency not stated"
    return f"{prefix}{currency}".strip() if unit else f"{currency} (unit not stated)"


@dataclass(frozen=True)
class MoneyScale:
    """How the amounts of a set of projects are shown and added up.

    Every amount is converted, exactly, to one unit: the smallest any of the projects states (units before k before
    m), so EUR in k and EUR in units add up without rounding away the small projects. Each amount's money key is
    then its label ('k EUR'): totals are given per key and never added across currencies. An amount whose unit is
    not stated cannot be converted: it keeps a key of its own.
    """

    unit: str  # one of MONEY_UNITS, or '' when no project states a unit

    @property
    def decimals(self) -> int:
        return MONEY_DECIMALS[self.unit]

    @classmethod
    def of(cls, *frames: pd.DataFrame) -> MoneyScale:
        stated = {_stated(unit) for frame in frames if "money_unit" in frame.columns for unit in frame["money_unit"]}
        units = [unit for unit in MONEY_UNITS if unit in stated]
        return cls(units[0] if units else "")

    def key(self, row: pd.Series | dict) -> str:
        """The label this project's amounts are shown with once converted: its money key."""
        unit = _stated(row.get("money_unit"))
        return amounts_label(self.unit if unit in MONEY_UNIT_FACTORS else "", row.get("currency"))

    def amount(self, value: object, row: pd.Series | dict) -> float | None:
        """`value`, in the unit `row` states, converted to the scale's unit."""
        number = as_float(value)
        unit = _stated(row.get("money_unit"))
        if number is None or unit not in MONEY_UNIT_FACTORS or not self.unit:
            return number
        # Whole factors (the scale's unit is the smallest); rounding drops float dust such as 1.1 k -> 1100.0000002.
        return round(number * (MONEY_UNIT_FACTORS[unit] // MONEY_UNIT_FACTORS[self.unit]), 6)

    def budget(self, row: pd.Series | dict) -> float | None:
        return self.amount(project_budget(row), row)

    def totals(self, rows: Iterable[pd.Series | dict], values: Iterable[object]) -> dict[str, float]:
        """The sum of `values` (one per row, in the row's own unit) per money key, converted; blanks are left out."""
        totals: dict[str, float] = {}
        for row, value in zip(rows, values, strict=True):
            number = self.amount(value, row)
            if number is not None:
                key = self.key(row)
                totals[key] = totals.get(key, 0.0) + number
        return totals


def money_label(projects: pd.DataFrame, scale: MoneyScale | None = None) -> str:
    """The unit and currency a set of projects' amounts are shown in ('k EUR'); several currencies are named one by
    one ('k EUR, k GBP'), because their amounts are never added together. '' for no project."""
    scale = scale or MoneyScale.of(projects)
    return ", ".join(sorted({scale.key(row) for row in projects.to_dict("records")}))


def whole_amount(number: float, decimals: int = 0) -> str:
    """An amount with digit groups and `decimals` places, rounded half up as Excel's #,##0 (or #,##0.00) shows it,
    so a total reads the same on the Dashboard sheet, in the report and in a headline: 4,200,000.5 units is
    4,200,001 in all three, and 2.75 m is 2.75, never 3."""
    return f"{Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP):,}"


# The places an amount is shown with, by the unit it is shown in: a tenth of a thousand, a hundredth of a million.
MONEY_DECIMALS = {"units": 0, "k": 1, "m": 2, "": 0}


def shown_amount(number: float) -> str:
    """An amount as a person reads it: digit groups, at most two decimals ('2,400', '1.25')."""
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_cell(totals: dict[str, float], decimals: int = 0) -> float | str:
    """A total as a cell holds it: a number when the amounts share one money key, else each key's total in words
    ('1,200 k EUR; 800 k GBP'). Amounts in different currencies are never added into one number."""
    if len(totals) <= 1:
        return next(iter(totals.values()), 0.0)
    return "; ".join(f"{whole_amount(total, decimals)} {label}" for label, total in sorted(totals.items()))


def share_cell(part: dict[str, float], whole: dict[str, float]) -> float | str | None:
    """`part` as a share of `whole`: a fraction with one money key, else the share within each currency in words."""
    if len(whole) <= 1:
        total = next(iter(whole.values()), 0.0)
        return sum(part.values()) / total if total else 0.0
    return "; ".join(
        f"{label}: {part.get(label, 0.0) / total:.0%}" if total else f"{label}: -"
        for label, total in sorted(whole.items())
    )


# -- derived RAG ----------------------------------------------------------------------------------------------


def _grade(measure: float | None, amber: float, red: float) -> str:
    if measure is None:
        return ""
    return "Red" if measure > red else "Amber" if measure > amber else "Green"


def derived_rag(values: dict[str, object], settings: PmoSettings) -> dict[str, object]:
    """The RAG the PMO's rules give: the worse of schedule slip (days) and EAC over the current budget (%)."""
    forecast, baseline = as_date(values.get("forecast_end_date")), as_date(values.get("baseline_end_date"))
    slip = (forecast - baseline).days if forecast and baseline else None
    budget = as_float(values.get("budget_current"))
    variance = budget_variance(budget, values.get("estimate_at_completion"))
    # The overrun is the variance seen from the other side: how far EAC is above the budget.
    overrun = round(-variance / budget * 100, 2) if variance is not None and budget else None
    schedule = _grade(slip, settings.schedule_slip_amber_days, settings.schedule_slip_red_days)
    cost = _grade(overrun, settings.cost_overrun_amber_percent, settings.cost_overrun_red_percent)
    known = [rag for rag in (schedule, cost) if rag]
    derived = max(known, key=RAG_ORDER.__getitem__) if known else ""
    declared = values.get("rag_overall") or ""
    disagrees = bool(derived and declared in RAG_ORDER and declared != derived)
    return {
        "schedule_slip_days": slip,
        "cost_overrun_percent": overrun,
        "rag_schedule_derived": schedule,
        "rag_cost_derived": cost,
        "rag_derived": derived,
        "rag_disagrees": disagrees,
        "rag_disagreement": f"PM says {declared}, the rules say {derived}" if disagrees else "",
    }


# -- the PMO's baseline ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PmoBaseline:
    """The PMO's figures for one project: the locked fields (BASELINE_FIELDS it knows) and milestone baseline dates.

    A project's first submission is held against the register (the figures its workbook was generated with); each
    later one against the baseline in force after the previous one. A change an approved change request covers
    becomes the new baseline; any other change is the PM's, and the PMO's figure stays.
    """

    fields: dict[str, object]
    milestones: dict[str, object]


@dataclass(frozen=True)
class BaselineChange:
    """A PMO-owned figure a submission holds differently from the PMO's baseline."""

    name: str  # the field (budget_current), or 'baseline_date' of the milestone `item_id`
    item_id: str
    pmo_value: object
    submitted: object
    covered: bool

    @property
    def label(self) -> str:
        if self.item_id:
            return f"Baseline date of milestone {self.item_id}"
        return PROJECT_STATUS.field(self.name).label

    def describe(self) -> str:
        name = f"milestone {self.item_id} baseline" if self.item_id else self.name
        note = "" if self.covered else " (no approved CR covers it)"
        return f"{name} {_text(self.pmo_value)} -> {_text(self.submitted)}{note}"

    def message(self, money: str = "") -> str:
        """What the PMO reads: the field as the template labels it, both values, and which one counts."""
        unit = f" {money}" if money and self.name.startswith("budget") else ""
        before, after = _shown(self.pmo_value), _shown(self.submitted)
        return (
            f"{self.label} was changed from {before}{unit} to {after}{unit}; the PMO's {before}{unit} is used "
            "until an approved change request covers it"
        )


def register_baseline(record: ProjectRecord | None) -> PmoBaseline | None:
    """The baseline the register gives a project's first workbook: the locked fields it pre-fills, if any."""
    if record is None:
        return None
    known = {name: record.fields[name] for name in BASELINE_FIELDS if not is_blank(record.fields.get(name))}
    return PmoBaseline(known, {}) if known else None


def _same(before: object, after: object) -> bool:
    if is_blank(before) and is_blank(after):
        return True
    numbers = as_float(before), as_float(after)
    if None not in numbers:
        return abs(numbers[0] - numbers[1]) <= 1e-9 * max(1.0, abs(numbers[0]))  # type: ignore[operator]
    return before == after


def baseline_changes(
    submitted: dict[str, object],
    tables: dict[str, list[dict]],
    baseline: PmoBaseline | None,
    covering: Sequence[dict],
) -> list[BaselineChange]:
    """Each locked figure of a submission that differs from the PMO's baseline, and whether `covering` (the change
    requests newly approved in it) accounts for it.

    Budget changes must equal the sum of their cost impacts, a baseline end-date change the sum of their schedule
    impacts in days; a start or milestone baseline-date change needs at least one of them with a schedule impact.
    """
    if baseline is None:
        return []
    cost_impact = sum(as_float(row.get("cost_impact")) or 0.0 for row in covering)
    schedule_days = sum(int(as_float(row.get("schedule_impact_days")) or 0) for row in covering)
    changes: list[BaselineChange] = []
    for name in BASELINE_FIELDS:
        if name not in baseline.fields:
            continue
        before, after = baseline.fields[name], submitted.get(name)
        if _same(before, after):
            continue
        if name in ("currency", "money_unit"):
            covered = False
        elif name.startswith("budget"):
            delta = (as_float(after) or 0.0) - (as_float(before) or 0.0)
            covered = bool(covering) and abs(delta - cost_impact) <= max(0.005 * abs(delta), 0.01)
        else:
            old, new = as_date(before), as_date(after)
            delta_days = (new - old).days if old and new else None
            if name == "baseline_end_date":
                covered = bool(covering) and delta_days == schedule_days
            else:
                covered = schedule_days != 0
        changes.append(BaselineChange(name, "", before, after, covered))
    for row in tables.get("Milestones", []):
        item_id = _text(row.get("id"))
        if item_id not in baseline.milestones or _same(baseline.milestones[item_id], row.get("baseline_date")):
            continue
        changes.append(
            BaselineChange("baseline_date", item_id, baseline.milestones[item_id], row.get("baseline_date"),
                           schedule_days != 0)
        )  # fmt: skip
    return changes


def pmo_baseline(
    submitted: dict[str, object],
    tables: dict[str, list[dict]],
    baseline: PmoBaseline | None,
    changes: Sequence[BaselineChange],
) -> PmoBaseline:
    """The baseline in force after a submission: its own figures, except those it changed without cover."""
    kept = {(change.name, change.item_id): change.pmo_value for change in changes if not change.covered}
    fields = {name: kept.get((name, ""), submitted.get(name)) for name in BASELINE_FIELDS}
    milestones = dict(baseline.milestones) if baseline is not None else {}
    for row in tables.get("Milestones", []):
        item_id = _text(row.get("id"))
        if item_id:
            milestones[item_id] = kept.get(("baseline_date", item_id), row.get("baseline_date"))
    return PmoBaseline(fields, milestones)


def _text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _shown(value: object) -> str:
    if is_blank(value):
        return "blank"
    number = as_float(value)
    return shown_amount(number) if number is not None else as_text(value)


# -- building the views ---------------------------------------------------------------------------------------


def _projects_for_tracker(register: Sequence[ProjectRecord] | None, status: pd.DataFrame) -> list[TrackedProject]:
    if register is not None:
        return [
            TrackedProject(
                project_id=record.project_id,
                project_name=record.project_name,
                project_manager=record.project_manager,
                pm_email=record.pm_email,
                programme=record.programme,
                lifecycle_status=record.lifecycle_status,
                # The register reads a blank cadence as monthly, so only a different one overrides the settings.
                cadence=record.reporting_cadence if record.reporting_cadence != "monthly" else "",
            )
            for record in register
        ]
    return [
        TrackedProject(
            project_id=row["project_id"],
            project_name=_text(row.get("project_name")),
            project_manager=_text(row.get("project_manager")),
            programme=_text(row.get("programme")),
        )
        for row in status.to_dict("records")
    ]


def _item_view(
    table_rows: dict[int, list[dict]],
    latest: pd.DataFrame,
    previous_ids: dict[int, int],
    columns: Sequence[str],
    compare: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Rows of one table from each project's latest submission, with `previous_<column>` matched by stable id."""
    rows = []
    for submission in latest.itertuples():
        previous = {row.get("id"): row for row in table_rows.get(previous_ids.get(submission.submission_id, -1), [])}
        for row in table_rows.get(submission.submission_id, []):
            record = {
                "project_id": submission.project_id,
                "project_name": submission.project_name,
                "period": submission.period,
                "submission_id": submission.submission_id,
            }
            record.update({column: row.get(column) for column in columns})
            if compare is not None:
                before = previous.get(row.get("id"))
                record["new_this_period"] = before is None and bool(previous_ids.get(submission.submission_id))
                for column, label in compare.items():
                    record[label] = before.get(column) if before else None
            rows.append(record)
    extra = ["new_this_period", *compare.values()] if compare is not None else []
    return pd.DataFrame(rows, columns=[*ITEM_PREFIX, *columns, *extra])


def _table_columns(table_name: str) -> list[str]:
    """A table's columns in the views: each declared column but the row Check, the sheet's live flag (no data)."""
    return [column.key for column in PROJECT_STATUS.table(table_name).columns if column.key != ROW_CHECK_KEY]


# -- the counted chain: one row per project and period, worked out once and kept in the ledger's derived tables --


def _baseline_key(baseline: PmoBaseline | None) -> str:
    """What a project's chain starts from, as a short fingerprint: a register with another baseline changes it."""
    if baseline is None:
        return ""
    return hashlib.sha256(encode_summary({"fields": baseline.fields}).encode("utf-8")).hexdigest()[:16]


def counted_step(step: StepInput) -> dict:
    """One counted report worked out: the PMO baseline in force after it, the figures the views show for its period
    (settings-free: derived RAG is applied when the views are read), the PMO-owned figures it changed without cover,
    and each milestone's effective baseline so far (`pmo_xl.reporting.dashboard.effective_baselines`)."""
    header, submitted, tables_now, previous = step.header, step.fields, step.tables, step.previous
    baseline = PmoBaseline(**previous["baseline"]) if previous else step.start
    covering = newly_approved(tables_now.get("ChangeRequests", []), step.change_requests_two_back)
    changes = baseline_changes(submitted, tables_now, baseline, covering)
    baseline = pmo_baseline(submitted, tables_now, baseline, changes)
    # Everything below (derived RAG, slip, variance) reads the PMO's baseline, never a figure the PM changed.
    values = {**submitted, **baseline.fields}
    covered = bool(changes) and all(change.covered for change in changes)
    record = {name: values.get(name) for name in (*RAG_FIELDS, "percent_complete", *MONEY_FIELDS, *DATE_FIELDS)}
    record.update(
        project_id=header["project_id"],
        period=header["reporting_period"],
        submitted_on=as_date(values.get("submitted_on")),
        baseline_changed=bool(changes) and not covered,
        baseline_change_covered=covered,
        baseline_changes="; ".join(change.describe() for change in changes),
        budget_variance=budget_variance(project_budget(values), values.get("estimate_at_completion")),
        file_name=header["file_name"],
        submission_id=header["submission_id"],
    )
    for name in ("project_name", "programme", "project_manager", "sponsor", "key_achievements"):
        record[name] = values.get(name) or ""
    money = amounts_label(values.get("money_unit"), values.get("currency"))
    field_changes = [
        {"project_id": header["project_id"], "project_name": record["project_name"],
         "period": header["reporting_period"], "submission_id": header["submission_id"], "field": change.name,
         "item_id": change.item_id, "label": change.label, "pmo_value": change.pmo_value,
         "submitted_value": change.submitted, "message": change.message(money)}
        for change in changes
        if not change.covered
    ]  # fmt: skip
    effective = dict(previous["milestone_baselines"]) if previous else {}
    for row in tables_now.get("Milestones", []):
        key = str(row.get("id"))
        set_by_pmo, forecast = as_date(row.get("baseline_date")), as_date(row.get("forecast_date"))
        if set_by_pmo is not None:
            effective[key] = set_by_pmo
        elif key not in effective and forecast is not None:
            effective[key] = forecast
    return {
        "record": record,
        "field_changes": field_changes,
        "baseline": {"fields": baseline.fields, "milestones": baseline.milestones},
        "milestone_baselines": effective,
    }


def status_chain(register: Sequence[ProjectRecord] | None) -> ChainRules:
    """The rules of the status template's counted chain, starting each project from its register baseline."""
    register_by_id = {record.project_id: record for record in register or ()}

    def start(project_id: str) -> tuple[str, PmoBaseline | None]:
        baseline = register_baseline(register_by_id.get(project_id))
        return _baseline_key(baseline), baseline

    return ChainRules(STATUS_TEMPLATE, ("ChangeRequests", "Milestones"), start, counted_step)


def read_counted(ledger: Ledger, register: Sequence[ProjectRecord] | None, read: Callable[[CountedHistory], T]) -> T:
    """`read` over the status template's counted reports, refreshed: written back when the ledger is open for
    writing (collect), else worked out in memory where stale (a dashboard or report never writes); damaged derived
    tables are worked out again from the record (`pmo_xl.derived.read_counted`)."""
    return read_counted_reports(ledger, status_chain(register), ledger.write, read)


# The periods the History sheet and the trends show: a year and the same month a year before.
HISTORY_WINDOW = 13


def counted_frame(reports: Sequence[CountedReport], settings: PmoSettings) -> pd.DataFrame:
    """The counted reports as History rows, with the RAG the PMO's rules (`settings`) derive added."""
    rows = []
    for report in reports:
        record = dict(report.summary["record"])
        record.update(derived_rag(record, settings))
        rows.append(record)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=[*STATUS_COLUMNS])


def _counted_reports(counted: CountedHistory, period: str | None, today: dt.date, run_ids: set[int]) -> tuple:
    """What the views read of the counted reports: each project's latest and the one before it, the History window,
    and the PMO-owned figures changed without cover (in the periods shown, and in the reports this run recorded,
    which may lie in earlier periods: a late correction). Every summary used is looked into here, so a damaged
    derived row fails here, inside `read_counted`, which works it out again."""
    latest_reports = counted.latest(period)
    report_period = period or max((r.period for r in latest_reports), default="") or current_period(today)
    window = counted.periods(report_period, HISTORY_WINDOW)
    history_reports = counted.between(window[-1], report_period) if window else []
    previous_reports = counted.of_submissions(r.previous_submission_id for r in latest_reports)
    changed_reports = counted.of_submissions(run_ids) if run_ids else []
    field_changes = {}
    for report in (*history_reports, *latest_reports, *changed_reports):
        for change in report.summary["field_changes"]:
            field_changes[(report.submission_id, change["field"], change["item_id"])] = change
    for report in (*history_reports, *previous_reports, *latest_reports):
        dict(report.summary["record"])
    for report in latest_reports:
        PmoBaseline(**report.summary["baseline"]), dict(report.summary["milestone_baselines"])
    return latest_reports, report_period, history_reports, previous_reports, field_changes


def build_views(
    ledger: Ledger,
    register: Sequence[ProjectRecord] | None = None,
    period: str | None = None,
    settings: PmoSettings | None = None,
    verdicts: Sequence[Verdict] | None = None,
    today: dt.date | None = None,
) -> PortfolioViews:
    """Every view for `period` (default: the latest reported), reading only what the views show: each project's
    latest counted report and the one before it, their item tables, and the counted reports of the last
    HISTORY_WINDOW periods (History, trends). Nothing decodes the whole history."""
    settings = settings or PmoSettings()
    today = today or dt.date.today()
    recorded = ledger.latest_register()  # the register as the last generate or collect run read it
    if register is None:
        register = recorded[0] if recorded is not None else None
    # Chains are keyed by the register baseline they start from: another register (--register) is worked out again.
    run_ids = {v.submission_id for v in verdicts or () if v.submission_id is not None}
    counted = read_counted(ledger, register, lambda history: _counted_reports(history, period, today, run_ids))
    latest_reports, report_period, history_reports, previous_reports, field_changes = counted

    history_all = counted_frame(history_reports, settings)
    history = history_all.reindex(columns=list(HISTORY_COLUMNS)).sort_values(["project_id", "period"])
    history = history.reset_index(drop=True)
    previous = counted_frame(previous_reports, settings).reindex(columns=list(HISTORY_COLUMNS))
    register_by_id = {record.project_id: record for record in register or ()}
    latest = counted_frame(latest_reports, settings)
    for name in REGISTER_COLUMNS:
        from_register = latest["project_id"].map(
            lambda project_id, name=name: (
                getattr(register_by_id[project_id], name) if project_id in register_by_id else None
            )
        )
        fallback = latest[name] if name in latest else pd.Series("", index=latest.index)
        if name == "lifecycle_status":
            fallback = pd.Series("active", index=latest.index)
        latest[name] = from_register.where(from_register.notna(), fallback).fillna("")
    status = latest.reindex(columns=list(STATUS_COLUMNS)).reset_index(drop=True)

    # The item tables of each project's latest report and the one before it: read by submission, in SQL.
    previous_of = {r.submission_id: r.previous_submission_id for r in latest_reports if r.previous_submission_id}
    baseline_after = {r.submission_id: PmoBaseline(**r.summary["baseline"]) for r in latest_reports}
    item_ids = {*baseline_after, *previous_of.values()}
    tables = current_tables(ledger, STATUS_TEMPLATE, [table.name for table in PROJECT_STATUS.tables], item_ids)
    latest_headers = status[["project_id", "project_name", "period", "submission_id"]]
    milestones = _item_view(
        tables["Milestones"],
        latest_headers,
        previous_of,
        _table_columns("Milestones"),
        {"forecast_date": "previous_forecast_date", "status": "previous_status"},
    )
    milestones["forecast_moved_days"] = pd.array(
        [
            (as_date(new) - as_date(old)).days if as_date(new) and as_date(old) else None
            for new, old in zip(milestones["forecast_date"], milestones["previous_forecast_date"], strict=True)
        ],
        dtype="Int64",
    )
    # The baseline date that counts is the PMO's: one a PM moved without an approved change request is not used.
    milestones["baseline_date"] = [
        baseline_after[submission_id].milestones.get(_text(item_id), date) if submission_id in baseline_after else date
        for submission_id, item_id, date in zip(
            milestones["submission_id"], milestones["id"], milestones["baseline_date"], strict=True
        )
    ]
    raid = _item_view(
        tables["RAID"],
        latest_headers,
        previous_of,
        _table_columns("RAID"),
        {"status": "previous_status", "severity": "previous_severity"},
    )
    # Severity is a formula in the template; files saved without calculation carry no cached result.
    raid = _with_severity(raid)
    change_requests = _item_view(
        tables["ChangeRequests"], latest_headers, previous_of, _table_columns("ChangeRequests")
    )
    benefits = _item_view(tables["Benefits"], latest_headers, previous_of, _table_columns("Benefits"))
    amounts_in = {
        row["submission_id"]: amounts_label(row.get("money_unit"), row.get("currency"))
        for row in status.to_dict("records")
    }
    raid = _with_amounts_label(raid, "RAID", amounts_in)
    change_requests = _with_amounts_label(change_requests, "ChangeRequests", amounts_in)
    resources = _resources(tables["ResourceDemand"], latest_headers)

    # The files of the period, each marked current or superseded: the tracker's dates, and the Submissions sheet
    # when no run's verdicts are given (`pmo dashboard`: what came in for the period reported on).
    headers = ledger.submissions(STATUS_TEMPLATE, periods=[report_period])
    marked = mark_current(headers, ledger.preferences())
    submitted_on: dict[str, list[dt.date]] = {}
    period_submissions = marked[marked["reporting_period"] == report_period]
    for row in period_submissions.itertuples():
        stamp = row.submitted_on if isinstance(row.submitted_on, str) and row.submitted_on else row.collected_at
        day, _why = parse_date_text(stamp[:10])
        submitted_on.setdefault(row.project_id, []).append(day)
    latest_period = {report.project_id: report.period for report in latest_reports}
    period_rejections = ledger.rejections([report_period])  # read once, for the returns and their count
    tracker = submission_tracker(
        _projects_for_tracker(register, status),
        submitted_on,
        report_period,
        settings,
        today,
        latest_period,
        returned_reports(period_rejections, report_period, set(period_submissions["project_id"])),
    )
    tracker = with_returns(tracker, return_counts(period_rejections, report_period))
    chasers = chaser_list(tracker, today)
    state_of = dict(zip(tracker["project_id"], tracker["state"], strict=True))
    status["coverage"] = status["project_id"].map(state_of).fillna(NOT_IN_REGISTER)
    return PortfolioViews(
        status=status,
        history=history,
        milestones=milestones,
        raid=raid,
        resources=resources,
        change_requests=change_requests,
        benefits=benefits,
        submissions=submissions_view(verdicts, marked),
        missing=missing_view(tracker, chasers),
        chasers=chasers,
        period=report_period,
        pmo_field_changes=pd.DataFrame(list(field_changes.values()), columns=list(PMO_FIELD_CHANGE_COLUMNS)),
        unreported=unreported_view(register, set(status["project_id"]), state_of),
        previous=previous,
        milestone_baselines=pd.DataFrame(
            [(r.project_id, key, day) for r in latest_reports for key, day in r.summary["milestone_baselines"].items()],
            columns=["project_id", "id", "baseline_date"],
        ),
        item_rows=tables,
        committee_decisions=committee_decisions_view(
            ledger.decisions(set(status["project_id"])), ledger.actions_done(set(status["project_id"]))
        ),
    )


def _with_amounts_label(frame: pd.DataFrame, table_name: str, amounts_in: dict[int, str]) -> pd.DataFrame:
    """The item view with `amounts_in` ('k EUR') after its money columns: an amount never travels without its unit."""
    money_columns = [column.key for column in PROJECT_STATUS.table(table_name).columns if column.type == "currency"]
    labelled = frame.copy()
    position = max(list(labelled.columns).index(column) for column in money_columns) + 1
    labelled.insert(position, "amounts_in", [amounts_in.get(sid, "") for sid in labelled["submission_id"]])
    return labelled


def _with_severity(raid: pd.DataFrame) -> pd.DataFrame:
    def severity(probability: object, impact: object) -> float | None:
        p, i = as_float(probability), as_float(impact)
        return p * i if p is not None and i is not None else None

    raid = raid.copy()
    raid["severity"] = [severity(p, i) for p, i in zip(raid["probability"], raid["impact"], strict=True)]
    return raid


def _resources(rows_of: dict[int, list[dict]], latest: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for submission in latest.itertuples():
        for row in rows_of.get(submission.submission_id, []):
            for key, value in row.items():
                fte = as_float(value)
                if is_month(key) and fte:
                    rows.append(
                        (submission.project_id, submission.period, row.get("role"), row.get("person") or "", key, fte)
                    )
    return pd.DataFrame(rows, columns=list(RESOURCE_COLUMNS))


NOT_IN_REGISTER = "not in the register"


def unreported_view(
    register: Sequence[ProjectRecord] | None, reported: set[str], state_of: dict[str, str]
) -> pd.DataFrame:
    """A Status-shaped row for each register project without any accepted report: who it is, its budget and money
    unit from the register, its coverage state, and no RAG (it has not reported one)."""
    rows = []
    for record in register or ():
        if record.project_id in reported:
            continue
        row: dict[str, object] = {name: record.fields.get(name) for name in MONEY_FIELDS}
        row.update(
            {name: getattr(record, name) for name in ("project_id", "project_name", "programme", "business_unit",
                                                      "lifecycle_status", "stage", "project_manager", "sponsor")},
            coverage=state_of.get(record.project_id, ""),
            rag_overall="",
        )  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=list(STATUS_COLUMNS))


def returned_reports(rejections: Sequence[Rejection], period: str, accepted: set[str]) -> dict[str, ReturnedReport]:
    """Files for `period` that collect rejected (of `rejections`), by project, for projects with no accepted report
    for it: the latest rejection of each, with its error findings as the PM must fix them."""
    returned: dict[str, ReturnedReport] = {}
    for rejection in rejections:
        if rejection.reporting_period != period or rejection.project_id in accepted:
            continue
        day, _why = parse_date_text(rejection.rejected_at[:10])
        schema = SCHEMAS.get(rejection.template_id)
        findings = tuple(finding_line(f, schema) for f in rejection.findings if f.severity == "error")
        returned[rejection.project_id] = ReturnedReport(day or dt.date.min, rejection.file_name, findings)
    return returned


def return_counts(rejections: Sequence[Rejection], period: str) -> dict[str, int]:
    """How many times each project's report for `period` was returned for correction: its distinct rejected files
    (of `rejections`)."""
    counts: dict[str, int] = {}
    for rejection in rejections:
        if rejection.reporting_period == period:
            counts[rejection.project_id] = counts.get(rejection.project_id, 0) + 1
    return counts


def with_returns(tracker: pd.DataFrame, returns: dict[str, int]) -> pd.DataFrame:
    """The tracker with each report's number of returns for the period; a report accepted after being returned
    is closed as corrected, and its note says after how many returns."""
    tracker = tracker.copy()
    tracker["returns"] = [returns.get(project_id, 0) for project_id in tracker["project_id"]]
    corrected = (tracker["returns"] > 0) & tracker["state"].isin(["reporting", "late"])
    tracker.loc[corrected, "note"] = [
        f"corrected after {times} return(s)" + (f"; {note}" if note else "")
        for times, note in zip(tracker.loc[corrected, "returns"], tracker.loc[corrected, "note"], strict=True)
    ]
    return tracker


def latest_resources(resources: pd.DataFrame) -> pd.DataFrame:
    """The Resources view's rows from each project's latest reported period: the demand that counts now."""
    if "period" not in resources.columns or resources.empty:
        return resources
    return resources[resources["period"] == resources.groupby("project_id")["period"].transform("max")]


def missing_view(
    tracker: pd.DataFrame, chasers: pd.DataFrame, feedback_drafts: dict[str, str] | None = None
) -> pd.DataFrame:
    """The tracker with the chaser list on each chased project's row: the report outstanding, and the `.eml` draft
    (one per PM, named as collect writes it) that asks for it: a reminder, or the feedback draft of a report this
    run returned for correction (`feedback_drafts`, by project id)."""
    feedback_drafts = feedback_drafts or {}
    draft_of = {
        project_id: name
        for project_ids, name in zip(chasers["project_ids"], chaser_draft_names(chasers), strict=True)
        for project_id in project_ids.split(", ")
    } | feedback_drafts
    missing = tracker.copy()
    chased = (missing["chase"].astype(bool) | missing["project_id"].isin(list(feedback_drafts))).tolist()
    missing["outstanding"] = [
        ""
        if not is_chased
        else f"corrected status report for {row.period} (returned {row.returned_on})"
        if row.state == "returned"
        else f"status report for {row.period}, due {row.due_date}"
        for row, is_chased in zip(missing.itertuples(), chased, strict=True)
    ]
    missing["reminder_draft"] = [
        draft_of.get(project_id, "") if is_chased else ""
        for project_id, is_chased in zip(missing["project_id"], chased, strict=True)
    ]
    return missing.reindex(columns=list(MISSING_COLUMNS))


def submissions_view(verdicts: Sequence[Verdict] | None, marked: pd.DataFrame) -> pd.DataFrame:
    """Every file seen in the run with its verdict and reasons; without a run, the stored submissions of `marked`."""
    if verdicts is not None:
        rows = [
            {
                "file": readable_name(verdict.path),
                "verdict": verdict.status,
                "project_id": verdict.project_id,
                "period": verdict.reporting_period,
                "template_id": verdict.template_id,
                "errors": len(verdict.errors),
                "warnings": len(verdict.warnings),
                # the findings' codes, so the PMO can filter the sheet for one kind of problem
                "codes": " ".join(dict.fromkeys(finding.code for finding in verdict.findings)),
                "reasons": "\n".join(finding.describe() for finding in verdict.findings),
                "sha256": verdict.sha256,
                "submission_id": verdict.submission_id,
            }
            for verdict in verdicts
        ]
        return pd.DataFrame(rows, columns=list(SUBMISSION_COLUMNS))
    rows = [
        {
            "file": row.source_path,
            "verdict": "accepted" if row.current else "superseded",
            "project_id": row.project_id,
            "period": row.reporting_period,
            "template_id": row.template_id,
            "errors": 0,
            "warnings": 0,
            "codes": "",
            "reasons": "",
            "sha256": row.sha256,
            "submission_id": row.submission_id,
        }
        for row in marked.itertuples()
    ]
    return pd.DataFrame(rows, columns=list(SUBMISSION_COLUMNS))


def load_views(
    ledger_path: Path | str,
    register: Path | str | Sequence[ProjectRecord] | None = None,
    period: str | None = None,
    settings: PmoSettings | None = None,
    verdicts: Sequence[Verdict] | None = None,
    today: dt.date | None = None,
    csv_locale: str | None = None,
) -> PortfolioViews:
    """The views of a ledger on disk, read-only. `register` is a path or already-read records."""
    if isinstance(register, str | Path):
        settings = settings or PmoSettings()
        register = read_register(Path(register), PROJECT_STATUS, csv_locale or settings.csv_locale, settings)
    records = register
    with open_ledger(ledger_path) as ledger:
        return build_views(ledger, records, period, settings, verdicts, today)
