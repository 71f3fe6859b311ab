"""What `pmo_workbook.xlsm` holds: its sheets (with VBA code names), its tables, its settings, and its sample rows.

Tables are found by name, never by address: code, VBA and the upgrade all go through these names.
Headers of the ScoringModel and Requests tables come from `pmo_xl.portfolio.scoring`, so the Score button and
`pmo score` read the same columns; the other tables are declared here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pmo_xl.decisions import DECISIONS_TABLE, TABLE_COLUMNS, TABLE_KINDS
from pmo_xl.portfolio.capacity import CAPACITY_COLUMNS, CAPACITY_TABLE
from pmo_xl.portfolio.criteria import DEFAULT_MODEL
from pmo_xl.portfolio.scoring import (
    REQUEST_ID,
    REQUEST_TITLE,
    SCORING_MODEL_COLUMNS,
    SCORING_MODEL_TABLE,
    model_to_rows,
)
from pmo_xl.workbook.ribbon import BUTTONS


@dataclass(frozen=True)
class Table:
    """An Excel table. `carried` tables hold the PMO's data and move to a new build on upgrade."""

    name: str
    sheet: str
    headers: tuple[str, ...]
    carried: bool = True
    top_row: int = 2  # 0-based row of the header, under the sheet's title and note
    widths: tuple[int, ...] = ()  # columns' widths in characters, for a table that starts empty (else from content)


@dataclass(frozen=True)
class Sheet:
    name: str
    code_name: str
    title: str
    note: str
    hidden: bool = False


SHEETS: tuple[Sheet, ...] = (
    Sheet("Home", "shHome", "PMO workbench", "The PMO tab on the ribbon runs everything. Each button is described below; Check setup shows its result here."),
    Sheet("Portfolio", "shPortfolio", "Portfolio register", "Projects underway (kind = project) and requests pending review (kind = request). New project workbooks reads the project rows; the columns are those of pmo generate's register."),
    Sheet("Requests", "shRequests", "Project requests", "One row per request. pmo_ columns hold the PMO's assessment, requester_ columns the requester's own."),
    Sheet("RequestResources", "shRequestResources", "Request resource estimates", "One row per request, role (or person) and month (yyyy-mm): the FTE the request would need. Capacity weighs them by the request's stage."),
    Sheet("ScoringModel", "shScoringModel", "Scoring model", "One row per criterion, plus one row per level of a categorical criterion. Weights need not sum to 1."),
    Sheet("Capacity", "shCapacity", "Capacity", "Available capacity by role (or person) over a range of months (yyyy-mm); a blank to_month means until further notice."),
    Sheet("Dashboard", "shDashboard", "", ""),  # its title and note are the dashboard's own (reporting/dashboard_sheet)
    Sheet("Decisions", "shDecisions", "Steering committee decisions", "One row per decision: the project, the id of the PM's decision-needed row it answers (D-001...), what was decided, by whom and when, and any action it sets. Record decisions adds new rows to the ledger; a row already there is not added again."),
    Sheet("Log", "shLog", "Log", "Each button's result, newest last."),
    Sheet("Settings", "shSettings", "Settings", "Folders, calendar, currency and RAG thresholds used by every button and by the pmo command."),
    Sheet("xlwings.conf", "shXlwingsConf", "", "", hidden=True),
)  # fmt: skip

THIS_WORKBOOK = "ThisWorkbook"
REQUEST_RESOURCES_TABLE = "RequestResources"  # the table name `pmo capacity --requests` reads

# pmo_xl.decisions.TABLE_COLUMNS as a person reads them ('action_owner' -> 'Action owner').
DECISION_HEADERS = tuple(column.replace("_", " ").capitalize() for column in TABLE_COLUMNS)
DECISION_KINDS = TABLE_KINDS  # the validation list of the Kind column
# What each Decisions column asks for: the input message Excel shows on its cells.
DECISION_HELP = {
    "project_id": "The project's id in the register (P-001).",
    "answers": "The id of the PM's decision-needed row this answers (D-001), from the project's latest report.",
    "kind": "approve, defer, stop, re-baseline or accept-change (accept a change request); action-done: the "
    "action of the decision for this need was done on Date.",
    "owner": "Who decided: a person or the committee.",
    "date": "The day it was decided (YYYY-MM-DD); for action-done, the day the action was done.",
    "due": "When the action is due (YYYY-MM-DD); blank when the decision sets no action.",
    "note": "What was decided, in a line.",
    "action": "The action the decision sets (blank: the note, when a due date is given).",
    "action_owner": "Who does the action (blank: the owner).",
}

CRITERION_IDS = tuple(criterion.criterion_id for criterion in DEFAULT_MODEL.criteria)

TABLES: tuple[Table, ...] = (
    # The register columns of `pmo generate` (pmo_xl.register), plus kind (project/request) and the latest RAG.
    Table("Portfolio", "Portfolio", ("project_id", "project_name", "kind", "stage", "lifecycle_status", "sponsor",
                                     "project_manager", "pm_email", "programme", "start_date", "end_date",
                                     "reporting_cadence", "currency", "money_unit", "budget", "rag_status",
                                     "last_reporting_period")),
    # Selection reads cost_FY<year> columns (pmo_xl.portfolio.selection); a PMO adds a column per fiscal year it plans.
    Table("Requests", "Requests", (REQUEST_ID, REQUEST_TITLE, "sponsor", "stage", "mandatory", "start_month",
                                   "duration_months", "project_manager", "cost_FY2026", "cost_FY2027",
                                   *(f"pmo_{criterion_id}" for criterion_id in CRITERION_IDS),
                                   *(f"requester_{criterion_id}" for criterion_id in CRITERION_IDS),
                                   "score", "rank", "model_version", "selected")),
    Table(REQUEST_RESOURCES_TABLE, "RequestResources", ("request_id", "role", "person", "month", "fte")),
    Table(SCORING_MODEL_TABLE, "ScoringModel", tuple(SCORING_MODEL_COLUMNS)),
    Table(CAPACITY_TABLE, "Capacity", tuple(CAPACITY_COLUMNS)),
    # Record decisions (and pmo decide --from) read it through pmo_xl.decisions, whose headers match in any case and
    # spacing, so they are written for people.
    Table(DECISIONS_TABLE, "Decisions", DECISION_HEADERS, widths=(11, 10, 13, 20, 12, 12, 36, 30, 16)),
    Table("Log", "Log", ("time", "action", "outcome", "message", "user")),
    Table("Settings", "Settings", ("setting", "value", "meaning")),
    # Read by people only (no macro or reader looks them up by name), so their headers are written for people; the
    # tables above keep the column names the pmo commands, the ribbon and the upgrade read.
    Table("RibbonButtons", "Home", ("Group", "Button", "What it does"), carried=False),
    Table("SetupCheck", "Home", ("Check", "Result", "Detail"), carried=False, top_row=len(BUTTONS) + 6),
)  # fmt: skip

LOG_TABLE = "Log"
SETTINGS_TABLE = "Settings"


@dataclass(frozen=True)
class Setting:
    key: str
    default: str | float
    meaning: str

    @property
    def name(self) -> str:
        """The workbook-scoped defined name of its value cell, e.g. Setting_InboxFolder."""
        return "Setting_" + "".join(part.capitalize() for part in self.key.split("_"))


# Read by the ribbon entry points themselves (macros/ribbon.py): folders, scoring and the ribbon's limits.
WORKBOOK_SETTINGS: tuple[Setting, ...] = (
    Setting("inbox_folder", "", "Folder where PMs' returned project workbooks arrive (Collect status reads it); blank = inbox next to this workbook."),
    Setting("ledger_path", "", "The ledger: a SQLite file (blank = pmo_ledger.db next to this workbook), or a team's PostgreSQL URL postgresql://user@host/db (no password in it: ~/.pgpass or PGSERVICE)."),
    Setting("project_workbooks_folder", "", "Where New project workbooks writes one workbook per project; blank = an outbox folder next to this workbook."),
    Setting("reports_folder", "", "Where Export report and Capacity write their files; blank = next to this workbook."),
    Setting("portfolio_file", "portfolio.xlsx", "The portfolio workbook Collect status writes (Resources, Status); relative to this workbook's folder."),
    Setting("score_set", "pmo", "Which request columns rank: pmo, requester or board."),
    Setting("optimise_budgets", "", "Budgets per fiscal year for Optimise, e.g. FY2026=1.5m; FY2027=1.2m (blank = no yearly limit)."),
    Setting("optimise_total_budget", "", "Budget over all fiscal years for Optimise (blank = no total limit)."),
    # Save, Compare and Commit scenario (macros/ribbon.py), as pmo scenario save|compare|commit take them.
    Setting("scenario_file", "scenarios.json", "The scenario file Save, Compare and Commit scenario read and write (the one pmo scenario and pmo optimize --save-scenario use); relative to this workbook's folder."),
    Setting("scenario_name", "", "The scenario Save scenario saves the current selection as, and Commit scenario commits, e.g. Lean 2027."),
    Setting("scenarios_to_compare", "", "The saved scenarios Compare scenarios sets side by side, separated by ; (blank = every saved one)."),
    Setting("ribbon_time_limit_seconds", 60, "Longest a button may run inside Excel; longer jobs run as a separate pmo process."),
    # The management audience of Refresh dashboard and Export report (pmo_xl.reporting.audience.Audience.from_settings),
    # as --programme and --business-unit give it to pmo dashboard and pmo report.
    Setting("dashboard_programme", "", "Audience of Refresh dashboard and Export report: only this programme (blank = all projects)."),
    Setting("dashboard_business_unit", "", "Audience of Refresh dashboard and Export report: only this business unit (blank = all)."),
    Setting("ribbon_in_process_limit", 100, "Collect status with more inbox files, or New project workbooks with more projects, runs as a separate pmo process."),
)  # fmt: skip


def _core_settings() -> tuple[Setting, ...]:
    """The calendar, RAG, money and capacity rows, generated from the core's own settings dataclasses."""
    from pmo_xl.settings import capacity_settings_rows, settings_rows

    return tuple(
        Setting(key, default, meaning) for key, default, meaning in (*settings_rows(), *capacity_settings_rows())
    )


SETTINGS: tuple[Setting, ...] = WORKBOOK_SETTINGS + _core_settings()

# The xlwings.conf sheet: only keys we mean to set, since an empty value would override the user's own config.
# The interpreter belongs in each user's ~/.xlwings/xlwings.conf (written by `pmo setup excel`), not here.
XLWINGS_CONF: tuple[tuple[str, str], ...] = (
    ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
    ("UDF Modules", "udfs.pmo_udfs"),
)

SETUP_CHECK_RESULT = "SetupCheckResult"  # the defined name on the SetupCheck table body that Check setup fills
SETUP_CHECKS: tuple[str, ...] = ("Interpreter", "xlwings version", "pmo_xl importable", "Office bitness", "Macros")


def table(name: str) -> Table:
    for candidate in TABLES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def sample_rows() -> dict[str, list[list]]:
    """The rows a fresh build starts with: the default scoring model and settings, one example of everything else."""
    criterion_values = [3, 4, 2, 3, 2]
    return {
        "Portfolio": [["P-001", "Example project", "project", "Execution", "active", "Sponsor name", "PM name",
                       "pm@example.org", "", dt.datetime(2026, 1, 5), dt.datetime(2026, 12, 18), "monthly", "EUR",
                       "units", 250000, "Green", None]],
        "Requests": [["R-001", "Example request", "Sponsor name", "submitted", "no", "2026-07", 9, "PM name", 80000, 40000, *criterion_values,
                      *criterion_values, None, None, None, None]],
        REQUEST_RESOURCES_TABLE: [["R-001", "Project manager", None, "2026-03", 0.5]],
        SCORING_MODEL_TABLE: [list(row) for row in model_to_rows(DEFAULT_MODEL)],
        CAPACITY_TABLE: [[{"role": "Project manager", "from_month": "2026-01", "fte": 4.0}.get(column) for column in CAPACITY_COLUMNS]],
        DECISIONS_TABLE: [],
        "Log": [],
        "Settings": [[setting.key, setting.default, setting.meaning] for setting in SETTINGS],
        "RibbonButtons": [[button.group, button.label, button.supertip] for button in BUTTONS],
        "SetupCheck": [[check, "not run", "Click PMO > Check setup"] for check in SETUP_CHECKS],
    }  # fmt: skip
