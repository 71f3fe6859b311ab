"""The PMO's two core templates, declared: the periodic project status report and the project request form.

Each declaration is the one source of truth for its template: `pmo templates build` lays it out, `pmo collect`
validates submissions against it and docs/templates.md is generated from it.
"""

from __future__ import annotations

from dataclasses import replace

from pmo_xl.portfolio.criteria import DEFAULT_MODEL
from pmo_xl.templates.checks import ROW_CHECK_HEADER, ROW_CHECK_KEY, bounds, row_check_formula
from pmo_xl.templates.schema import (
    RAG_VALUES,
    YES_NO,
    Check,
    Column,
    Field,
    MonthSeries,
    Section,
    Table,
    TemplateSchema,
)
from pmo_xl.values import as_float

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY", "INR")
MONEY_UNITS = ("units", "k", "m")
# pipeline: approved, not started; reports nothing yet. Only active projects report and are counted.
LIFECYCLE_STATUSES = ("active", "on hold", "pipeline", "closed")
STAGES = ("Initiation", "Planning", "Execution", "Closing")
DEFAULT_ROLES = (
    "Project Manager",
    "Business Analyst",
    "Solution Architect",
    "Developer",
    "Tester",
    "Data Engineer",
    "Infrastructure Engineer",
    "Security Specialist",
    "Change Manager",
    "Trainer",
    "UX Designer",
    "Scrum Master",
)
MILESTONE_STATUSES = ("Not started", "On track", "At risk", "Late", "Complete", "Cancelled")
RAID_TYPES = ("Risk", "Assumption", "Issue", "Dependency")
RAID_STATUSES = ("Open", "Monitoring", "Closed")
PROXIMITY = ("Imminent (< 1 month)", "Near (1-3 months)", "Far (> 3 months)")
CHANGE_STATUSES = ("Proposed", "Approved", "Rejected", "Withdrawn")
BENEFIT_TYPES = ("Cost saving", "Revenue", "Cost avoidance", "Efficiency", "Risk reduction", "Compliance", "Customer")
DECISION_STATUSES = ("Open", "Decided", "Withdrawn")
REQUEST_CATEGORIES = ("Mandatory / regulatory", "Discretionary")

# The declared probability and impact scale for RAID items; severity = probability x impact (1-25).
SCALE_1_TO_5 = ("1", "2", "3", "4", "5")
SEVERITY_FORMULA = 'IF(AND(ISNUMBER({Probability}),ISNUMBER({Impact})),{Probability}*{Impact},"")'

RAG_DIMENSIONS = (
    ("overall", "Overall"),
    ("schedule", "Schedule"),
    ("cost", "Cost"),
    ("scope", "Scope"),
    ("resources", "Resources"),
    ("benefits", "Benefits"),
)


# Last period's values sit on a hidden sheet, locked: the live checks compare this period's figures with them.
PREVIOUS_HELP = "Stamped by the PMO at generation from last period's accepted report; blank in a first report."


def _narrative(name: str, label: str, help: str) -> Field:
    """A required paragraph the PM or requester writes in their own words."""
    return Field(name, label, "text", required=True, multiline=True, help=help)


def _id_column(header: str, width: float) -> Column:
    """A table's stable row id (`id_prefix` and a number), pre-filled by the PMO and locked."""
    return Column("id", header, "text", locked=True, width=width)


def _scale_column(key: str, header: str, width: float, required: bool = False, help: str = "") -> Column:
    """A score on the declared 1-5 scale, picked from a list: a probability, an impact, a requester's score."""
    return Column(
        key, header, "integer", required=required, allowed=SCALE_1_TO_5, minimum=1, maximum=5, width=width, help=help
    )


# Who is needed, by role and optionally by name: the rows of a month-by-month FTE table.
_ROLE_COLUMNS = (
    Column("role", "Role", "choice", required=True, allowed=DEFAULT_ROLES, width=22),
    Column("person", "Person", "text", width=18, help="Optional: name scarce people."),
)


def _rag_fields() -> tuple[Field, ...]:
    fields: list[Field] = []
    for key, label in RAG_DIMENSIONS:
        rag_name = f"rag_{key}"
        fields.append(
            Field(
                rag_name,
                f"{label} RAG",
                "rag",
                required=True,
                help=f"{label}: Green = on track; Amber = at risk, recoverable by the team; "
                "Red = off track, needs management help. Amber or Red needs a rationale and a path to green.",
            )
        )
        fields.append(
            Field(
                f"{rag_name}_rationale",
                f"{label} rationale",
                "text",
                required_when=(rag_name, ("Amber", "Red")),
                multiline=True,
                help=f"Why is {label.lower()} Amber or Red? Facts, not feelings: what happened and its effect.",
            )
        )
        fields.append(
            Field(
                f"{rag_name}_path_to_green",
                f"{label} path to green",
                "text",
                required_when=(rag_name, ("Amber", "Red")),
                multiline=True,
                help=f"What will bring {label.lower()} back to Green, who does it and by when.",
            )
        )
    return tuple(fields)


_IDENTITY = Section(
    "Project identity",
    (
        Field("project_id", "Project ID", "text", required=True, locked=True, help="Set by the PMO. Do not change."),
        Field("project_name", "Project name", "text", required=True, locked=True, help="Set by the PMO."),
        Field("project_manager", "Project manager", "text", required=True, locked=True, help="Set by the PMO."),
        Field("sponsor", "Sponsor", "text", required=True, locked=True, help="Set by the PMO."),
        Field("programme", "Programme", "text", locked=True, help="The programme this project belongs to."),
        Field(
            "reporting_period",
            "Reporting period",
            "text",
            required=True,
            locked=True,
            help="The month this report covers (YYYY-MM). Set by the PMO.",
        ),
        Field(
            "submitted_on",
            "Submitted on",
            "date",
            required=True,
            help="The date you send this report to the PMO (e.g. 2026-12-03). If you resend, update it.",
        ),
    ),
)

_PROGRESS = Section(
    "Progress",
    (
        Field(
            "percent_complete",
            "Percent complete",
            "percent",
            required=True,
            minimum=0,
            maximum=1,
            help="Share of the total work done, 0% to 100%. Type 65% (or 0.65).",
            moves=True,
        ),
        Field(
            "prev_percent_complete",
            "Last period's percent complete",
            "percent",
            locked=True,
            minimum=0,
            maximum=1,
            help=PREVIOUS_HELP,
            previous_of="percent_complete",
        ),
    ),
)

_MONEY = Section(
    "Budget and cost",
    (
        Field("currency", "Currency", "choice", locked=True, allowed=CURRENCIES, help="Set by the PMO."),
        Field(
            "money_unit",
            "Amounts in",
            "choice",
            locked=True,
            allowed=MONEY_UNITS,
            help="units, k (thousands) or m (millions). Set by the PMO.",
        ),
        Field(
            "budget_original",
            "Original approved budget",
            "currency",
            locked=True,
            minimum=0,
            help="The budget approved at the start (baseline). Set by the PMO; changes only by change request.",
        ),
        Field(
            "budget_current",
            "Current approved budget",
            "currency",
            locked=True,
            minimum=0,
            help="The budget approved now, after approved change requests. Set by the PMO.",
        ),
        Field(
            "actual_to_date",
            "Actual cost to date",
            "currency",
            required=True,
            minimum=0,
            help="Money spent so far, from finance's figures, in the unit shown above.",
        ),
        Field(
            "estimate_at_completion",
            "Estimate at completion",
            "currency",
            required=True,
            minimum=0,
            help="What the whole project will cost by the end: actual to date plus the cost to complete.",
            moves=True,
        ),
        Field(
            "prev_estimate_at_completion",
            "Last period's EAC",
            "currency",
            locked=True,
            minimum=0,
            help=PREVIOUS_HELP,
            previous_of="estimate_at_completion",
        ),
        Field(
            "budget_variance",
            "Variance (budget - EAC)",
            "currency",
            formula="IF(AND(ISNUMBER(budget_current),ISNUMBER(estimate_at_completion)),"
            'budget_current-estimate_at_completion,"")',
            help="Calculated: current approved budget minus estimate at completion. Negative = overspend.",
        ),
    ),
)


def budget_variance(budget: object, estimate_at_completion: object) -> float | None:
    """The `budget_variance` field above, for Python: current budget - estimate at completion; negative = overspend.

    Defined here, beside the field's Excel formula, and used by validation, the views, the dashboard,
    portfolio.xlsx and the report, so the PM and the steering committee see the same figure with the same sign.
    """
    budget, estimate = as_float(budget), as_float(estimate_at_completion)
    return budget - estimate if budget is not None and estimate is not None else None


VARIANCE_HEADER = "Variance (budget − EAC; negative = overspend)"


_DATES = Section(
    "Dates",
    (
        Field("start_date", "Start date", "date", locked=True, help="The approved start date. Set by the PMO."),
        Field(
            "baseline_end_date",
            "Baseline end date",
            "date",
            locked=True,
            help="The approved end date (baseline). Set by the PMO; changes only by change request.",
        ),
        Field(
            "forecast_end_date",
            "Forecast end date",
            "date",
            required=True,
            help="When you now expect the project to finish.",
            moves=True,
        ),
        Field(
            "prev_forecast_end_date",
            "Last period's forecast end date",
            "date",
            locked=True,
            help=PREVIOUS_HELP,
            previous_of="forecast_end_date",
        ),
        Field(
            "forecast_end_comment",
            "Forecast comment",
            "text",
            multiline=True,
            help="Required when the forecast end date is after the baseline end date: why, and what is being done. "
            "Only an approved change request moves the baseline.",
        ),
    ),
)

_NARRATIVE = Section(
    "This period",
    (
        _narrative(
            "key_achievements",
            "Key achievements",
            "What the project delivered this period: finished work and results, not activity.",
        ),
    ),
)


def _range_words(f: Field) -> tuple[str, str, str]:
    """(message, fix, flag) of an 'in_range' check on `f`, in the PM's units: 0% to 100%, or 0 and up."""
    low, high = bounds(f)
    if f.type == "percent":
        span = f"{low * 100:g}% to {high * 100:g}%"
        return f"{f.label} is outside {span}", f"Type the share of the work done, {span}, e.g. 65%.", f"Must be {span}."
    return (
        f"{f.label} is below {low:g} or too large",
        f"Type the amount, {low:g} or more, in the unit shown beside it.",
        f"Below {low:g} or too large.",
    )


def value_checks(fields: tuple[Field, ...]) -> tuple[Check, ...]:
    """The collector's rules on one input cell alone, as checks the sheet shows: a required cell left empty, text
    in a number or date cell, a number outside the field's range, a number that is no plausible date, a choice or RAG
    cell holding none of its choices.
    Worded once from each field's declaration."""
    checks: list[Check] = []
    for f in fields:
        if not f.is_input:
            continue
        if f.required:
            checks.append(Check(f"{f.name}_missing", f.name, "error", f"{f.label} is empty", f.help,
                                kind="required", flag="To fill in."))  # fmt: skip
        if f.type in ("percent", "currency", "number", "integer"):
            how = "as 65% or 0.65" if f.type == "percent" else "with digits only, e.g. 1234.5"
            checks.append(Check(f"{f.name}_not_a_number", f.name, "error", f"{f.label} holds text, not a number",
                                f"Type it {how}, not as text.", kind="is_number", flag="Text, not a number."))  # fmt: skip
            message, fix, flag = _range_words(f)
            checks.append(Check(f"{f.name}_out_of_range", f.name, "error", message, fix, kind="in_range", flag=flag))
        if f.type == "date":
            checks.append(Check(f"{f.name}_not_a_date", f.name, "error", f"{f.label} holds text, not a date",
                                "Retype it as a date, e.g. 2026-12-03: Excel kept what was typed as text.",
                                kind="is_date", flag="Text, not a date."))  # fmt: skip
            checks.append(Check(f"{f.name}_out_of_range", f.name, "error", f"{f.label} is no date from 1990 to 2100",
                                "Type the date as YYYY-MM-DD, e.g. 2026-12-03.", kind="in_range",
                                flag="No date from 1990 to 2100."))  # fmt: skip
        if f.type in ("choice", "rag"):
            choices = ", ".join(f.choices)
            checks.append(Check(f"{f.name}_not_allowed", f.name, "error", f"{f.label} is not one of {choices}",
                                f"Pick {choices} from the cell's list; a pasted value keeps its spelling and spaces.",
                                kind="allowed", flag="Not on the list."))  # fmt: skip
    return tuple(checks)


def _status_checks(fields: tuple[Field, ...]) -> tuple[Check, ...]:
    """The collector's rules on a status report that a formula can see, shown live beside their fields."""
    checks: list[Check] = list(value_checks(fields))
    for key, label in RAG_DIMENSIONS:
        checks += [
            Check(
                f"rag_{key}_rationale_missing",
                f"rag_{key}_rationale",
                "error",
                f"{label} is Amber or Red without a rationale",
                f"Say why {label.lower()} is Amber or Red: what happened and its effect, facts not feelings.",
                flag="Needs a rationale.",
            ),
            Check(
                f"rag_{key}_path_to_green_missing",
                f"rag_{key}_path_to_green",
                "error",
                f"{label} is Amber or Red without a path to green",
                f"Say what will bring {label.lower()} back to Green, who does it and by when.",
                flag="Needs a path to green.",
            ),
        ]
    checks += [
        Check(
            "forecast_end_comment_missing",
            "forecast_end_comment",
            "error",
            "The forecast end date is after the baseline end date, with no forecast comment",
            "In Forecast comment, say why the project will finish after its baseline end date and what is being "
            "done about it. Only an approved change request moves the baseline.",
            kind="explained_when_later",
            subject="forecast_end_date",
            other="baseline_end_date",
            flag="Forecast is after the baseline: say why here.",
        ),
        Check(
            "percent_complete_down",
            "percent_complete",
            "warning",
            "Percent complete is lower than last period's",
            "Check the figure: it is the share of the whole work done and rarely goes down. If it really did (work "
            "was added), say why in Key achievements.",
            kind="not_below",
            other="prev_percent_complete",
            flag="Lower than last period.",
        ),
        Check(
            "percent_complete_unchanged",
            "percent_complete",
            "warning",
            "Percent complete is the same as last period: copied forward?",
            "Update it to this period's figure. If it is still right, leave it.",
            kind="changed",
            other="prev_percent_complete",
            below=1,
            flag="Same as last period: copied forward?",
        ),
        Check(
            "estimate_at_completion_unchanged",
            "estimate_at_completion",
            "warning",
            "Estimate at completion is the same as last period: copied forward?",
            "Update it from this period's actuals and the cost to complete. If it is still right, leave it.",
            kind="changed",
            other="prev_estimate_at_completion",
            flag="Same as last period: copied forward?",
        ),
        Check(
            "forecast_end_date_unchanged",
            "forecast_end_date",
            "warning",
            "Forecast end date is the same as last period: copied forward?",
            "Check it against the plan this period. If it is still right, leave it.",
            kind="changed",
            other="prev_forecast_end_date",
            flag="Same as last period: copied forward?",
        ),
    ]
    return tuple(checks)


ROW_CHECK_HELP = (
    "What the PMO's rules find in this row, as you type: the first thing to put right. Nothing shows when the row "
    "passes, or holds nothing but its ID."
)


def with_row_checks(tables: tuple[Table, ...]) -> tuple[Table, ...]:
    """Each table with its Check column last (pmo_xl.templates.checks: the rows' rules as a formula). Not a table of
    month columns: their headers move with the period, so no formula of the template can name them."""
    return tuple(
        table
        if table.month_series
        else replace(
            table,
            columns=(
                *table.columns,
                Column(ROW_CHECK_KEY, ROW_CHECK_HEADER, "text", locked=True, formula=row_check_formula(table),
                       width=26, help=ROW_CHECK_HELP),
            ),
        )
        for table in tables
    )  # fmt: skip


_STATUS_SECTIONS = (
    _IDENTITY,
    Section("Status (RAG)", _rag_fields(), layout="grid"),
    _PROGRESS,
    _MONEY,
    _DATES,
    _NARRATIVE,
)

# The steering committee's decisions on the PM's needs (pmo decide), stamped by `pmo generate --ledger` into the
# next workbook below the Decisions table: read-only, every cell locked, never collected (TemplateSchema.stamped).
DECISIONS_TAKEN = Table(
    "DecisionsTaken",
    "Actions",
    "Decisions taken by management (filled by the PMO, read-only)",
    (
        Column("answers", "Answers", "text", locked=True, width=9, help="The Decision ID of your need it answers."),
        Column("decision", "Decision needed", "text", locked=True, width=50, help="Your need, as you asked it."),
        Column("owner", "Decided by", "text", locked=True, width=20, help="Who decided."),
        Column("decided_on", "Decided on", "date", locked=True, width=13, help="When it was decided."),
        Column("kind", "Decision", "text", locked=True, width=12,
               help="approve, defer, stop, re-baseline or accept-change."),
        Column("note", "Note", "text", locked=True, width=30, help="What the committee added."),
        Column("action", "Action", "text", locked=True, width=30, help="What the decision asks to be done."),
        Column("action_owner", "Action owner", "text", locked=True, width=16, help="Who does it."),
        Column("due", "Action due", "date", locked=True, width=12, help="By when."),
    ),
    rows=10,
    help="Filled by the PMO from the steering committee's decisions, newest first; locked. The PMO's report lists "
    "every decision. Questions about one? Ask the PMO.",
)  # fmt: skip

DECISIONS_TAKEN_INSTRUCTION = (
    "The PMO fills 'Decisions taken by management' on the Actions sheet: each decision the steering committee took "
    "on a need you raised, newest first. It is read-only and is not part of your report. A need it answers comes "
    "back in your Decisions table with its status set to Decided; it leaves the table next month."
)

CHECKS_INSTRUCTION = (
    "The Check column beside a field shows what the PMO's rules find there, as you type: red must be put right "
    "before the PMO can accept the report (the completeness figure counts it), amber asks you to look again and is "
    "accepted. Nothing shows when the entry passes. Each table's last column, Check, does the same for its row."
)

PROJECT_STATUS = TemplateSchema(
    template_id="project_status",
    version="1.3",  # its earlier versions: pmo_xl.templates.migrations
    title="Project status report",
    main_sheet="Summary",
    file_name="{project_id} - {project_name} - Status {period}.xlsx",
    sections=_STATUS_SECTIONS,
    tables=with_row_checks(
        (
            Table(
                "NextSteps",
                "Actions",
                "Next steps",
                (
                    _id_column("Step ID", 9),
                    Column("step", "Next step", "text", required=True, width=50, help="What happens next."),
                    Column("owner", "Owner", "text", required=True, width=20, help="Who does it."),
                    Column("due_date", "Required by", "date", required=True, width=13, help="By when."),
                ),
                rows=8,
                id_prefix="N-",
            ),
            Table(
                "Decisions",
                "Actions",
                "Decisions needed from management",
                (
                    _id_column("Decision ID", 9),
                    Column("decision", "Decision needed", "text", required=True, width=50, help="The question."),
                    Column("owner", "Owner", "text", required=True, width=20, help="Who must decide."),
                    Column("required_by", "Required by", "date", required=True, width=13, help="Latest useful date."),
                    Column(
                        "status", "Status", "choice", allowed=DECISION_STATUSES, width=12, help="Open until decided."
                    ),
                ),
                rows=8,
                id_prefix="D-",
            ),
            Table(
                "Milestones",
                "Milestones",
                "Milestones",
                (
                    _id_column("Milestone ID", 11),
                    Column("name", "Milestone", "text", required=True, width=40, help="A checkable event, not a task."),
                    Column(
                        "key", "Key / gate", "choice", allowed=YES_NO, width=10, help="Yes for a key milestone or gate."
                    ),
                    Column(
                        "baseline_date",
                        "Baseline date",
                        "date",
                        locked=True,
                        width=13,
                        help="Set by the PMO; changes only by change request.",
                    ),
                    Column(
                        "forecast_date",
                        "Forecast date",
                        "date",
                        required=True,
                        width=13,
                        help="When you expect it.",
                        moves=True,
                    ),
                    Column("actual_date", "Actual date", "date", width=13, help="When it was met. Blank until then."),
                    Column("status", "Status", "choice", required=True, allowed=MILESTONE_STATUSES, width=12),
                    Column("comment", "Comment", "text", width=40),
                ),
                rows=40,
                id_prefix="M-",
                help="Each row keeps its Milestone ID from period to period. Use the blank rows for new milestones.",
            ),
            Table(
                "RAID",
                "RAID",
                "Risks, assumptions, issues and dependencies",
                (
                    _id_column("RAID ID", 9),
                    Column("type", "Type", "choice", required=True, allowed=RAID_TYPES, width=12),
                    Column("description", "Description", "text", required=True, width=44),
                    Column("owner", "Owner", "text", required=True, width=16),
                    Column("date_raised", "Date raised", "date", required=True, width=12),
                    _scale_column(
                        "probability",
                        "Probability",
                        11,
                        help="1 = rare, 2 = unlikely, 3 = possible, 4 = likely, 5 = almost certain.",
                    ),
                    _scale_column(
                        "impact", "Impact", 9, help="1 = negligible, 2 = minor, 3 = moderate, 4 = major, 5 = severe."
                    ),
                    Column(
                        "severity",
                        "Severity",
                        "integer",
                        locked=True,
                        formula=SEVERITY_FORMULA,
                        width=9,
                        help="Calculated: probability x impact (1-25).",
                    ),
                    Column("proximity", "Proximity", "choice", allowed=PROXIMITY, width=16),
                    Column("financial_exposure", "Financial exposure", "currency", minimum=0, width=12),
                    Column("response", "Response", "text", width=36),
                    Column("due_date", "Due date", "date", width=12),
                    Column("escalate", "Escalate", "choice", allowed=YES_NO, width=9),
                    Column("status", "Status", "choice", required=True, allowed=RAID_STATUSES, width=11, moves=True),
                    Column("date_closed", "Date closed", "date", width=12),
                ),
                rows=60,
                id_prefix="R-",
            ),
            Table(
                "ChangeRequests",
                "Changes",
                "Change requests",
                (
                    _id_column("CR ID", 9),
                    Column("description", "Description", "text", required=True, width=44),
                    Column("cost_impact", "Cost impact", "currency", width=12, help="Change to the budget, + or -."),
                    Column("schedule_impact_days", "Schedule impact (days)", "integer", width=14, help="+ = later."),
                    Column("scope_impact", "Scope impact", "text", width=30),
                    Column("status", "Status", "choice", required=True, allowed=CHANGE_STATUSES, width=12),
                    Column("date_approved", "Date approved", "date", width=13),
                ),
                rows=20,
                id_prefix="CR-",
                help="The only way the baseline changes. The PMO applies approved changes to the next period's baseline.",
            ),
            Table(
                "Benefits",
                "Benefits",
                "Benefits",
                (
                    _id_column("Benefit ID", 10),
                    Column("benefit", "Benefit", "text", required=True, width=40),
                    Column("owner", "Owner", "text", required=True, width=18),
                    Column("type", "Type", "choice", required=True, allowed=BENEFIT_TYPES, width=14),
                    Column("measure", "Measure", "text", width=18, help="Unit of the values, e.g. k EUR per year."),
                    Column("baseline_value", "Baseline value", "number", width=13),
                    Column("forecast_value", "Forecast value", "number", width=13),
                    Column("realised_value", "Realised value", "number", width=13),
                ),
                rows=15,
                id_prefix="B-",
            ),
            Table(
                "ResourceDemand",
                "Resources",
                "Resource demand (FTE per month)",
                _ROLE_COLUMNS,
                rows=20,
                month_series=MonthSeries(
                    12, help="FTE on this project in this month: 1 = one person full time, 0.5 = half time."
                ),
                help="FTE per role per calendar month, from the reporting period on.",
            ),
        )
    ),
    instructions=(
        (
            "What this is",
            "Your project's status report for the period shown on the Summary sheet. Fill it in, save it, and "
            "send it to the PMO as it is: keep the file name, sheets and tables. The PMO collects every report "
            "automatically.",
        ),
        (
            "How to fill it in",
            "Fill the yellow cells. Grey cells are set by the PMO (identity and baseline) or calculated. Each cell "
            "shows a hint when you select it, and choice cells have a dropdown. The completeness figure at the top "
            "of the Summary sheet reaches 100% when every required cell is filled.",
        ),
        ("Checks", CHECKS_INSTRUCTION),
        ("Decisions taken", DECISIONS_TAKEN_INSTRUCTION),
        (
            "RAG colours",
            "Green: on track; no help needed. Amber: at risk, but the team can recover it. Red: off track; the "
            "project needs a management decision or help. For every Amber or Red give the rationale and the path "
            "to green.",
        ),
        (
            "Adding rows",
            "Tables have blank rows ready, each with its own ID. Use the next blank row for a new milestone, risk, "
            "change or benefit; empty rows are ignored. Keep IDs: the PMO tracks each item from period to period "
            "by its ID. Do not delete rows of closed items: set their status instead. Need more rows? Keep typing in "
            "the open rows straight below the table, without a blank row: the PMO reads them too.",
        ),
        (
            "Baseline",
            "Baseline dates and budgets belong to the PMO and are locked. They change only through an approved "
            "change request in the Changes sheet.",
        ),
        (
            "Resources",
            "Give the FTE you need per role for each calendar month. 1 FTE is one person full time.",
        ),
    ),
    glossary=(
        ("Baseline", "The approved plan (dates, budget) the project is measured against."),
        ("EAC", "Estimate at completion: what the whole project will cost by the end."),
        ("FTE", "Full-time equivalent: 1 FTE is one person working full time for the month."),
        ("RAID", "Risks, assumptions, issues and dependencies."),
        ("Severity", "Probability x impact, each on a 1-5 scale: 1 (lowest) to 25 (highest)."),
        ("Gate", "A key milestone at which management decides whether the project goes on."),
        ("Change request", "A formal request to change the baseline scope, cost or schedule."),
    ),
    checks=_status_checks(tuple(f for section in _STATUS_SECTIONS for f in section.fields)),
    stamped=(DECISIONS_TAKEN,),
)


def _criteria_rows() -> tuple[dict[str, object], ...]:
    return tuple(
        {
            "criterion_id": criterion.criterion_id,
            "criterion": criterion.name,
            **{f"level_{level.score}": level.descriptor for level in criterion.levels},
        }
        for criterion in DEFAULT_MODEL.criteria
    )


PROJECT_REQUEST = TemplateSchema(
    template_id="project_request",
    version="1.1",
    title="Project request",
    main_sheet="Request",
    file_name="{project_id} - {project_name} - Request {period}.xlsx",
    sections=(
        Section(
            "Request",
            (
                Field("project_id", "Request ID", "text", required=True, locked=True, help="Set by the PMO."),
                Field(
                    "project_name",
                    "Request title",
                    "text",
                    required=True,
                    help="A short name for the request, e.g. 'Self-service invoicing portal'.",
                ),
                Field("reporting_period", "Intake period", "text", locked=True, help="Set by the PMO (YYYY-MM)."),
                Field("requester", "Requester", "text", required=True, help="Your name."),
                Field("requester_email", "Requester e-mail", "text", required=True, help="Where the PMO replies."),
                Field("sponsor", "Sponsor", "text", required=True, help="The executive who owns the outcome."),
                Field("department", "Department", "text", required=True, help="The department that asks."),
                Field("submitted_on", "Submitted on", "date", required=True, help="The date you send the request."),
            ),
        ),
        Section(
            "Case for the project",
            (
                _narrative(
                    "problem_statement",
                    "Problem or opportunity",
                    "What problem does this solve, or what opportunity does it take? Who feels it?",
                ),
                _narrative(
                    "objectives", "Objectives", "What will be true when the project is done? Measurable if you can."
                ),
                _narrative(
                    "strategic_alignment", "Strategic alignment", "Which strategic objective does this serve, and how?"
                ),
                _narrative(
                    "do_nothing",
                    "Do-nothing consequence",
                    "What happens if we do not do this project? Costs, risks, missed chances.",
                ),
                Field(
                    "category",
                    "Mandatory or discretionary",
                    "choice",
                    required=True,
                    allowed=REQUEST_CATEGORIES,
                    help="Mandatory / regulatory: required by law, regulation or contract. Otherwise discretionary.",
                ),
                Field(
                    "hard_deadline",
                    "Hard deadline",
                    "date",
                    help="Only a real deadline (law, contract, end of support). Leave blank if none.",
                ),
            ),
        ),
        Section(
            "Timing and estimates",
            (
                Field("desired_start", "Desired start", "date", required=True, help="When the work should start."),
                Field(
                    "duration_months",
                    "Duration (months)",
                    "integer",
                    required=True,
                    minimum=1,
                    maximum=120,
                    help="Expected duration in whole months.",
                ),
                Field(
                    "currency",
                    "Currency",
                    "choice",
                    required=True,
                    allowed=CURRENCIES,
                    help="The currency of all amounts.",
                ),
                Field(
                    "money_unit",
                    "Amounts in",
                    "choice",
                    required=True,
                    allowed=MONEY_UNITS,
                    help="units, k (thousands) or m (millions).",
                ),
                Field(
                    "estimate_confidence",
                    "Estimate confidence",
                    "percent",
                    required=True,
                    minimum=0,
                    maximum=1,
                    help="How sure are you of the cost and benefit figures? 50% = rough guess, 90% = quotes in hand.",
                ),
            ),
        ),
    ),
    tables=(
        Table(
            "RequesterScores",
            "Scoring",
            "Your assessment against the PMO's scoring criteria",
            (
                Column("criterion_id", "Criterion ID", "text", locked=True, width=14),
                Column("criterion", "Criterion", "text", locked=True, width=18),
                _scale_column(
                    "score",
                    "Your score",
                    10,
                    required=True,
                    help="Pick 1 to 5: the level descriptors to the right say what each means.",
                ),
                Column("justification", "Justification", "text", required=True, width=36),
                *(Column(f"level_{score}", f"Level {score}", "text", locked=True, width=24) for score in range(1, 6)),
            ),
            rows=len(DEFAULT_MODEL.criteria),
            row_height=48,
            help="The PMO scores every request on these criteria. Your own scores are kept separate from the PMO's.",
        ),
        Table(
            "Financials",
            "Financials",
            "Cost and benefit estimate by fiscal year",
            (
                Column("fiscal_year", "Fiscal year", "text", locked=True, width=12),
                Column("capex", "Capex", "currency", minimum=0, width=13, help="Capital cost in this fiscal year."),
                Column("opex", "Opex", "currency", minimum=0, width=13, help="Operating cost in this fiscal year."),
                Column("benefit", "Benefit", "currency", minimum=0, width=13, help="Expected benefit this year."),
            ),
            rows=5,
        ),
        Table(
            "ResourceEstimate",
            "Resources",
            "Resource estimate (FTE per month)",
            _ROLE_COLUMNS,
            rows=15,
            month_series=MonthSeries(24, help="FTE needed in this month: 1 = one person full time."),
        ),
        Table(
            "Dependencies",
            "Risks",
            "Dependencies",
            (
                _id_column("Dependency ID", 13),
                Column("depends_on", "Depends on", "text", required=True, width=30, help="Project, system or team."),
                Column("description", "Description", "text", width=50),
            ),
            rows=10,
            id_prefix="DEP-",
        ),
        Table(
            "KeyRisks",
            "Risks",
            "Key risks",
            (
                _id_column("Risk ID", 10),
                Column("risk", "Risk", "text", required=True, width=44),
                _scale_column("probability", "Probability", 11),
                _scale_column("impact", "Impact", 9),
                Column("mitigation", "Mitigation", "text", width=40),
            ),
            rows=10,
            id_prefix="R-",
        ),
    ),
    instructions=(
        (
            "What this is",
            "The form to propose a new project to the PMO. The portfolio board reviews every request on the same "
            "criteria, so give the facts it needs: the problem, the value, the cost, the people and the risks.",
        ),
        (
            "How to fill it in",
            "Fill the yellow cells on every sheet. Each cell shows a hint when you select it; choice cells have a "
            "dropdown. The completeness figure at the top of the Request sheet reaches 100% when every required "
            "cell is filled.",
        ),
        (
            "Scoring",
            "On the Scoring sheet give your own score (1 to 5) for each criterion; the level descriptors say what "
            "each score means. The PMO scores the request too; both sets are kept.",
        ),
        (
            "Money and people",
            "Give cost (capex and opex) and expected benefit per fiscal year, and the FTE needed per role and "
            "calendar month. Rough figures are fine: say how confident you are.",
        ),
        (
            "Adding rows",
            "Tables have blank rows ready; dependencies and risks each come with their own ID. Use the next blank "
            "row for a new role, dependency or risk; empty rows are ignored. Need more rows? Keep typing in the open "
            "rows straight below the table, without a blank row: the PMO reads them too.",
        ),
    ),
    glossary=(
        ("Capex", "Capital expenditure: spending that creates an asset."),
        ("Opex", "Operating expenditure: running costs."),
        ("FTE", "Full-time equivalent: 1 FTE is one person working full time for the month."),
        ("Fiscal year", "The organisation's financial year, e.g. FY2027."),
    ),
    extra={"prefill_rows": {"RequesterScores": _criteria_rows()}},
)

SCHEMAS: dict[str, TemplateSchema] = {schema.template_id: schema for schema in (PROJECT_STATUS, PROJECT_REQUEST)}


def schema_for(template_id: str) -> TemplateSchema:
    try:
        return SCHEMAS[template_id]
    except KeyError:
        raise KeyError(f"unknown template '{template_id}'; known: {', '.join(SCHEMAS)}") from None


__all__ = ["PROJECT_REQUEST", "PROJECT_STATUS", "RAG_VALUES", "SCHEMAS", "schema_for"]
